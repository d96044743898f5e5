"""The emulator's web chat over HTTP: what a browser tab sends, and what its event stream says.

Here the test plays the bot with raw Bot API calls; tests/test_playground.py drives the page
in a real browser against the real bot.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import pytest

from emulator import BotApiEmulator
from emulator.web import CLIENT_HEADER, Persona, Shortcut, WebChat

ALICE = Persona(
    user_id=1001,
    first_name="Alice",
    last_name="Liddell",
    group="Students",
    name="Alice Liddell",
    details="S1 · CS 2101",
    tags=("Enrolled",),
    note="Binding code: ABC",
    shortcuts=(Shortcut("Bind", "/start ABC"),),
)
BOB = Persona(user_id=2002, first_name="Bob", last_name=None, group="Staff", name="Bob")
KEYBOARD = {
    "inline_keyboard": [
        [{"text": "Join", "callback_data": "join"}],
        [{"text": "Site", "url": "https://example.edu"}],
    ]
}


async def personas(language: str) -> list[Persona]:
    if language == "zh":
        return [replace(ALICE, group="学生"), replace(BOB, group="工作人员")]
    return [ALICE, BOB]


class Stream:
    """A tab's server-sent event stream."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next(self, timeout: float = 5.0) -> tuple[str, dict[str, Any]]:  # noqa: ASYNC109
        name, data = "", ""
        async with asyncio.timeout(timeout):
            async for raw in self.response.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    data = line.removeprefix("data: ")
                elif not line and name:
                    return name, json.loads(data)
        raise AssertionError("the stream ended")

    async def item(self) -> dict[str, Any]:
        name, data = await self.next()
        assert name == "item", (name, data)
        return data


@dataclass
class Web:
    emu: BotApiEmulator
    http: aiohttp.ClientSession

    async def bot(self, method: str, **params: Any) -> Any:
        """A Bot API call, as the bot makes it."""
        url = f"{self.emu.base_url}/bot{self.emu.token}/{method}"
        async with self.http.post(url, json=params) as response:
            body = await response.json()
        assert body["ok"], body
        return body["result"]

    async def post(self, path: str, **body: Any) -> aiohttp.ClientResponse:
        async with self.http.post(path, json=body, headers={CLIENT_HEADER: "1"}) as response:
            await response.read()
            return response

    async def stream(self, user_id: int, lang: str = "en") -> Stream:
        response = await self.http.get(f"/api/chats/{user_id}/events?lang={lang}")
        assert response.status == 200
        assert response.content_type == "text/event-stream"
        return Stream(response)

    async def updates(self) -> list[dict[str, Any]]:
        updates: list[dict[str, Any]] = await self.bot("getUpdates", timeout=5)
        if updates:
            await self.bot("getUpdates", offset=updates[-1]["update_id"] + 1)
        return updates


@pytest.fixture
async def web() -> AsyncIterator[Web]:
    emu = BotApiEmulator()
    WebChat(emu, personas)
    await emu.start()
    async with aiohttp.ClientSession(base_url=emu.base_url) as http:
        yield Web(emu, http)
    await emu.stop()


async def test_the_page_runs_only_its_own_inline_code(web: Web) -> None:
    async with web.http.get("/") as response:
        page = await response.text()
        policy = response.headers["Content-Security-Policy"]
    script = re.search(r"<script>(.*?)</script>", page, re.DOTALL)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    assert "unsafe" not in policy
    assert "default-src 'none'" in policy
    assert "innerHTML" not in page


async def test_personas_in_the_page_language(web: Web) -> None:
    async with web.http.get("/api/personas?lang=zh") as response:
        body = await response.json()
    assert body["bot"] == {"first_name": "clubbot", "username": "clubbot_test_bot"}
    assert [p["group"] for p in body["personas"]] == ["学生", "工作人员"]
    assert body["personas"][0]["shortcuts"] == [{"label": "Bind", "text": "/start ABC"}]


async def test_a_tab_talks_to_the_bot_and_sees_answers_and_edits_live(web: Web) -> None:
    stream = await web.stream(ALICE.user_id)
    assert await stream.next() == ("snapshot", {"items": []})

    assert (await web.post("/api/chats/1001/send", text="/join")).status == 200
    mine = await stream.item()
    assert (mine["from"], mine["text"]) == ("user", "/join")
    [update] = await web.updates()
    message = update["message"]
    assert message["from"]["first_name"] == "Alice"
    assert message["from"]["last_name"] == "Liddell"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]

    sent = await web.bot(
        "sendMessage",
        chat_id=1001,
        text="<b>Join</b> &lt;script&gt;?",
        parse_mode="HTML",
        reply_markup=KEYBOARD,
    )
    answer = await stream.item()
    assert answer["from"] == "bot"
    assert answer["text"] == "Join <script>?"
    assert answer["entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    assert answer["buttons"][1] == [{"text": "Site", "data": None, "url": "https://example.edu"}]

    await web.bot("editMessageText", chat_id=1001, message_id=sent["message_id"], text="Done")
    edited = await stream.item()
    assert (edited["id"], edited["text"], edited["edited"]) == (answer["id"], "Done", True)
    assert edited["buttons"] == []

    # A second tab of the same person starts from the whole conversation.
    second = await web.stream(ALICE.user_id)
    _, snapshot = await second.next()
    assert [(i["from"], i["text"]) for i in snapshot["items"]] == [
        ("user", "/join"),
        ("bot", "Done"),
    ]


async def test_a_user_made_before_any_tab_takes_the_first_tabs_language(web: Web) -> None:
    made = web.emu.user(BOB.user_id, BOB.first_name, language_code=None)
    await web.bot("sendMessage", chat_id=BOB.user_id, text="A request for you")
    async with web.http.get(f"/api/chats/{BOB.user_id}?lang=zh") as response:
        info = await response.json()
    assert info["language_code"] == made.language_code == "zh"
    _, snapshot = await (await web.stream(BOB.user_id, "en")).next()
    assert [i["text"] for i in snapshot["items"]] == ["A request for you"]
    assert made.language_code == "zh"  # chosen once; the page's toggle changes it later


async def test_only_a_button_the_message_shows_can_be_pressed(web: Web) -> None:
    stream = await web.stream(ALICE.user_id)
    await stream.next()
    sent = await web.bot("sendMessage", chat_id=1001, text="Pick", reply_markup=KEYBOARD)
    await stream.item()

    forged = await web.post("/api/chats/1001/click", message_id=sent["message_id"], data="admin")
    assert forged.status == 409
    missing = await web.post("/api/chats/1001/click", message_id=999, data="join")
    assert missing.status == 409
    pressed = await web.post("/api/chats/1001/click", message_id=sent["message_id"], data="join")
    assert pressed.status == 200

    [update] = await web.updates()
    query = update["callback_query"]
    assert query["data"] == "join"
    await web.bot("answerCallbackQuery", callback_query_id=query["id"], text="Welcome!")
    assert await stream.next() == ("toast", {"text": "Welcome!", "alert": False, "url": None})


async def test_requests_the_page_did_not_make_are_refused(web: Web) -> None:
    async with web.http.post("/api/chats/1001/send", json={"text": "hi"}) as response:
        assert response.status == 403  # no X-Playground header: a cross-site form or fetch
    async with web.http.get("/api/personas", headers={"Host": "evil.example:80"}) as response:
        assert response.status == 421  # another site's name resolved to 127.0.0.1
    assert (await web.post("/api/chats/31337/send", text="hi")).status == 404
    assert (await web.post("/api/chats/1001/send", text="   ")).status == 400
    assert (await web.post("/api/chats/1001/send", text="x" * 4097)).status == 400
    assert (await web.post("/api/chats/1001/language", language_code="fr")).status == 400
    assert web.emu.pending_updates == 0


async def test_documents_both_ways(web: Web) -> None:
    stream = await web.stream(ALICE.user_id)
    await stream.next()
    form = aiohttp.FormData()
    form.add_field("file", b"%PDF-1.4 charter", filename="charter.pdf")
    form.add_field("caption", "Our charter")
    async with web.http.post(
        "/api/chats/1001/document", data=form, headers={CLIENT_HEADER: "1"}
    ) as response:
        assert response.status == 200
    posted = await stream.item()
    assert posted["document"]["name"] == "charter.pdf"
    assert posted["text"] == "Our charter"
    [update] = await web.updates()
    document = update["message"]["document"]
    assert document["mime_type"] == "application/pdf"
    path = (await web.bot("getFile", file_id=document["file_id"]))["file_path"]
    async with web.http.get(f"/file/bot{web.emu.token}/{path}") as response:
        assert await response.read() == b"%PDF-1.4 charter"
    async with web.http.get(posted["document"]["url"]) as response:
        assert await response.read() == b"%PDF-1.4 charter"
        assert response.headers["Content-Disposition"].startswith("attachment;")

    photo = aiohttp.FormData()
    photo.add_field("chat_id", "1001")
    photo.add_field("photo", b"\x89PNG fake", filename="poster.png")
    async with web.http.post(f"/bot{web.emu.token}/sendPhoto", data=photo) as response:
        assert response.status == 200
    shown = await stream.item()
    async with web.http.get(shown["photo"]["url"]) as response:
        assert await response.read() == b"\x89PNG fake"
        assert response.content_type == "image/png"
        assert response.headers["Content-Disposition"].startswith("inline;")
        assert "sandbox" in response.headers["Content-Security-Policy"]


async def test_a_page_served_as_a_file_never_runs(web: Web) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", "1001")
    form.add_field("document", b"<script>alert(1)</script>", filename="x.html")
    web.emu.user(1001)
    async with web.http.post(f"/bot{web.emu.token}/sendDocument", data=form) as response:
        file_id = (await response.json())["result"]["document"]["file_id"]
    async with web.http.get(f"/api/files/{file_id}") as response:
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
    async with web.http.get("/api/files/FILE999999-documents") as response:
        assert response.status == 404


async def test_language_switch_reaches_the_bot_and_the_menu(web: Web) -> None:
    await web.bot("setMyCommands", commands=[{"command": "join", "description": "Join a club"}])
    await web.bot(
        "setMyCommands",
        commands=[{"command": "join", "description": "加入社团"}],
        language_code="zh",
    )
    async with web.http.get("/api/chats/1001?lang=en") as response:
        info = await response.json()
    assert info["persona"]["name"] == "Alice Liddell"
    assert info["commands"] == [{"command": "join", "description": "Join a club"}]

    assert (await web.post("/api/chats/1001/language", language_code="zh")).status == 200
    async with web.http.get("/api/chats/1001?lang=zh") as response:
        info = await response.json()
    assert info["language_code"] == "zh"
    assert info["commands"] == [{"command": "join", "description": "加入社团"}]
    await web.post("/api/chats/1001/send", text="你好")
    [update] = await web.updates()
    assert update["message"]["from"]["language_code"] == "zh"


async def test_deleted_messages_leave_the_chat(web: Web) -> None:
    stream = await web.stream(ALICE.user_id)
    await stream.next()
    await web.post("/api/chats/1001/send", text="oops")
    posted = await stream.item()
    await web.bot("deleteMessage", chat_id=1001, message_id=posted["id"])
    gone = await stream.item()
    assert (gone["id"], gone["deleted"]) == (posted["id"], True)
    alice = web.emu.find_user(1001)
    assert alice is not None
    assert alice.transcript == []


async def test_stopping_the_server_ends_open_streams(web: Web) -> None:
    stream = await web.stream(ALICE.user_id)
    await stream.next()
    async with asyncio.timeout(3):
        await web.emu.stop()
    with pytest.raises((AssertionError, aiohttp.ClientError)):
        await stream.next(timeout=1)
