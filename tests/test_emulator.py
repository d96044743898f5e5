"""Tests of the Bot API emulator: raw HTTP first, then real aiogram and PTB bots against it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton
from aiogram.types import InlineKeyboardMarkup as AiogramKeyboard
from aiogram.types import Message as AiogramMessage
from telegram import InlineKeyboardButton as PtbButton
from telegram import InlineKeyboardMarkup as PtbKeyboard
from telegram import Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from emulator import BotApiEmulator, Event

ApiCall = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]

JOIN_KEYBOARD = {"inline_keyboard": [[{"text": "Join", "callback_data": "join"}]]}
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def api(emu: BotApiEmulator, http: aiohttp.ClientSession) -> ApiCall:
    """POST a Bot API method with a JSON body; returns (HTTP status, decoded body)."""

    async def call(method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        url = f"{emu.base_url}/bot{emu.token}/{method}"
        async with http.post(url, json=params) as response:
            return response.status, await response.json()

    return call


async def send_with_button(api: ApiCall, text: str = "Pick one") -> dict[str, Any]:
    status, body = await api("sendMessage", chat_id=1001, text=text, reply_markup=JOIN_KEYBOARD)
    assert status == 200, body
    return body["result"]


# --- Bot identity and routing ---


async def test_get_me_describes_the_bot_of_the_token(
    emu: BotApiEmulator, api: ApiCall, http: aiohttp.ClientSession
) -> None:
    status, body = await api("getMe")
    assert status == 200
    assert body["result"]["id"] == 123456789
    assert body["result"]["is_bot"] is True
    assert body["result"]["username"] == "clubbot_test_bot"

    async with http.get(f"{emu.base_url}/bot42:other-token/GETME") as response:
        assert (await response.json())["result"]["id"] == 42


async def test_unknown_method_and_malformed_token(
    emu: BotApiEmulator, api: ApiCall, http: aiohttp.ClientSession
) -> None:
    status, body = await api("sendTelepathy")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    async with http.get(f"{emu.base_url}/botnot-a-token/getMe") as response:
        assert response.status == 401


# --- getUpdates ---


async def test_long_poll_wakes_as_soon_as_an_update_arrives(
    emu: BotApiEmulator, api: ApiCall
) -> None:
    alice = emu.user(1001, first_name="Alice", username="alice")
    # A poll that would otherwise hold for five minutes: it must be the update that ends it.
    poll = asyncio.create_task(api("getUpdates", timeout=300))
    await emu.wait_polling()

    update_id = await alice.send("/join Chess Club")
    status, body = await asyncio.wait_for(poll, timeout=60)

    assert status == 200
    [update] = body["result"]
    assert update["update_id"] == update_id
    message = update["message"]
    assert message["text"] == "/join Chess Club"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]
    assert message["chat"] == {
        "id": 1001,
        "type": "private",
        "first_name": "Alice",
        "username": "alice",
    }
    assert message["from"]["is_bot"] is False
    assert message["from"]["language_code"] == "en"


async def test_messages_are_dated_on_the_emulators_clock(
    emu: BotApiEmulator, api: ApiCall
) -> None:
    """A playground moves its clock forward: what its people send is dated on it."""
    emu.clock = lambda: 2_000_000_000.0
    await emu.user(1001).send("hello")
    _, body = await api("getUpdates")
    assert body["result"][0]["message"]["date"] == 2_000_000_000


async def test_offset_confirms_earlier_updates(emu: BotApiEmulator, api: ApiCall) -> None:
    alice = emu.user(1001)
    ids = [await alice.send(f"message {i}") for i in range(3)]

    _, body = await api("getUpdates")
    assert [u["update_id"] for u in body["result"]] == ids
    assert emu.pending_updates == 3

    _, body = await api("getUpdates", offset=ids[1])
    assert [u["update_id"] for u in body["result"]] == ids[1:]
    assert emu.pending_updates == 2

    _, body = await api("getUpdates", offset=ids[-1] + 1, timeout=0)
    assert body["result"] == []
    assert emu.pending_updates == 0


async def test_updates_are_fetched_at_most_100_at_a_time(
    emu: BotApiEmulator, api: ApiCall
) -> None:
    for i in range(250):
        emu.inject_update({"message": {"message_id": i, "date": 0, "chat": {"id": 1}}})
    sizes = []
    offset = 0
    while emu.pending_updates:
        _, body = await api("getUpdates", offset=offset)
        sizes.append(len(body["result"]))
        offset = body["result"][-1]["update_id"] + 1
        await api("getUpdates", offset=offset, timeout=0)
    assert sizes == [100, 100, 50]
    _, body = await api("getUpdates", limit=2)
    assert body["result"] == []


async def test_second_get_updates_terminates_the_waiting_one(
    emu: BotApiEmulator, api: ApiCall
) -> None:
    first = asyncio.create_task(api("getUpdates", timeout=10))
    await emu.wait_polling()

    status, body = await api("getUpdates", timeout=0)
    assert (status, body["result"]) == (200, [])

    status, body = await first
    assert status == 409
    assert body["description"].startswith("Conflict: terminated by other getUpdates request")


async def test_webhook_makes_get_updates_conflict(emu: BotApiEmulator, api: ApiCall) -> None:
    await emu.user(1001).send("hi")
    await api("setWebhook", url="https://bot.example/hook")

    status, body = await api("getUpdates")
    assert status == 409
    assert "can't use getUpdates method while webhook is active" in body["description"]
    _, body = await api("getWebhookInfo")
    assert body["result"]["url"] == "https://bot.example/hook"

    await api("deleteWebhook", drop_pending_updates=True)
    assert emu.pending_updates == 0
    status, body = await api("getUpdates")
    assert (status, body["result"]) == (200, [])


async def test_redeliver_hands_out_the_same_update_again(
    emu: BotApiEmulator, api: ApiCall
) -> None:
    update_id = await emu.user(1001).send("pay dues")
    _, body = await api("getUpdates")
    await api("getUpdates", offset=update_id + 1)
    assert emu.pending_updates == 0

    emu.redeliver(update_id)
    _, again = await api("getUpdates", offset=update_id + 1)
    assert again["result"] == body["result"]

    await api("getUpdates", offset=update_id + 1)
    assert emu.pending_updates == 0


async def test_wait_idle_needs_confirmed_updates(emu: BotApiEmulator, api: ApiCall) -> None:
    update_id = await emu.user(1001).send("hello")
    with pytest.raises(TimeoutError, match="1 update"):
        await emu.wait_idle(timeout=0.1)
    await api("getUpdates", offset=update_id + 1)
    await emu.wait_idle(timeout=5)


# --- Validation like Telegram ---


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"chat_id": 999, "text": "hi"}, "Bad Request: chat not found"),
        ({"chat_id": 1001, "text": ""}, "Bad Request: message text is empty"),
        ({"chat_id": 1001, "text": "x" * 4097}, "Bad Request: message is too long"),
        (
            {"chat_id": 1001, "text": "<b>bold", "parse_mode": "HTML"},
            "Bad Request: can't parse entities: "
            'Can\'t find end tag corresponding to start tag "b"',
        ),
        (
            {"chat_id": 1001, "text": "a <blink>b</blink>", "parse_mode": "HTML"},
            'Bad Request: can\'t parse entities: Unsupported start tag "blink" at byte offset 2',
        ),
        (
            {"chat_id": 1001, "text": "<b><i>x</b></i>", "parse_mode": "HTML"},
            "Bad Request: can't parse entities: Unmatched end tag at byte offset 7, "
            'expected "</i>", found "</b>"',
        ),
        (
            {
                "chat_id": 1001,
                "text": "hi",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "x" * 65}]]},
            },
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            {
                "chat_id": 1001,
                "text": "hi",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": ""}]]},
            },
            "Bad Request: BUTTON_DATA_INVALID",
        ),
    ],
)
async def test_send_message_validation(
    emu: BotApiEmulator, api: ApiCall, params: dict[str, Any], description: str
) -> None:
    emu.user(1001)
    status, body = await api("sendMessage", **params)
    assert (status, body) == (400, {"ok": False, "error_code": 400, "description": description})
    assert emu.calls[-1].status == 400


async def test_html_is_stored_as_plain_text(emu: BotApiEmulator, api: ApiCall) -> None:
    alice = emu.user(1001)
    html = '<b>Chess</b> &amp; <a href="https://x.example/?a=1&amp;b=2">Go</a> &lt;3 &#128512;'
    status, body = await api("sendMessage", chat_id=1001, text=html, parse_mode="HTML")

    assert status == 200
    message = await alice.wait_message()
    assert message.text == "Chess & Go <3 \U0001f600"
    assert message.html == html
    assert body["result"]["entities"] == [
        {"type": "bold", "offset": 0, "length": 5},
        {"type": "text_link", "offset": 8, "length": 2, "url": "https://x.example/?a=1&b=2"},
    ]


async def test_edit_message_rules(emu: BotApiEmulator, api: ApiCall) -> None:
    alice = emu.user(1001)
    sent = await send_with_button(api)
    message_id = sent["message_id"]

    same = {"chat_id": 1001, "message_id": message_id, "text": "Pick one"}
    status, body = await api("editMessageText", **same, reply_markup=JOIN_KEYBOARD)
    assert (status, body["description"]) == (400, NOT_MODIFIED)

    status, body = await api("editMessageText", chat_id=1001, message_id=999, text="x")
    assert (status, body["description"]) == (400, "Bad Request: message to edit not found")

    # Telegram drops the inline keyboard when an edit carries no reply_markup.
    status, _ = await api("editMessageText", **same)
    assert status == 200
    [message] = alice.messages
    assert (message.text, message.buttons, message.edit_count) == ("Pick one", [], 1)


async def test_markup_edits_chat_actions_and_deletes(emu: BotApiEmulator, api: ApiCall) -> None:
    alice = emu.user(1001)
    sent = await send_with_button(api)
    ids = {"chat_id": 1001, "message_id": sent["message_id"]}

    status, _ = await api("editMessageReplyMarkup", **ids)
    assert status == 200
    assert alice.messages[0].buttons == []
    status, body = await api("editMessageReplyMarkup", **ids)
    assert (status, body["description"]) == (400, NOT_MODIFIED)

    status, _ = await api("sendChatAction", chat_id=1001, action="typing")
    assert status == 200

    status, _ = await api("deleteMessage", **ids)
    assert status == 200
    assert alice.messages == []
    status, body = await api("deleteMessage", **ids)
    assert (status, body["description"]) == (400, "Bad Request: message to delete not found")


async def test_click_and_answer_callback_query(emu: BotApiEmulator, api: ApiCall) -> None:
    alice = emu.user(1001, first_name="Alice")
    await send_with_button(api)
    message = await alice.wait_message()
    assert message.button("Join").callback_data == "join"
    with pytest.raises(LookupError, match="Leave"):
        await alice.click(message, "Leave")

    update_id = await alice.click(message, "Join")
    _, body = await api("getUpdates", offset=update_id)
    query = body["result"][-1]["callback_query"]
    assert query["data"] == "join"
    assert query["from"]["first_name"] == "Alice"
    assert query["message"]["reply_markup"] == JOIN_KEYBOARD

    status, _ = await api("answerCallbackQuery", callback_query_id=query["id"], text="Welcome!")
    assert status == 200
    answer = await alice.wait_callback_answer(timeout=5)
    assert (answer.text, answer.show_alert) == ("Welcome!", False)

    status, body = await api("answerCallbackQuery", callback_query_id=query["id"])
    assert (status, body["description"]) == (400, QUERY_INVALID)
    status, body = await api("answerCallbackQuery", callback_query_id="never-sent")
    assert (status, body["description"]) == (400, QUERY_INVALID)


async def test_forged_callback_via_inject_update(emu: BotApiEmulator, api: ApiCall) -> None:
    alice = emu.user(1001)
    update = {"callback_query": {"id": "forged", "from": alice.user_json, "data": "admin:drop"}}
    emu.inject_update(update)
    _, body = await api("getUpdates")
    assert body["result"][0]["callback_query"]["data"] == "admin:drop"
    status, _ = await api("answerCallbackQuery", callback_query_id="forged", show_alert=True)
    assert status == 200
    assert emu.callback_answers["forged"].show_alert is True


# --- Fault injection ---


async def test_fail_next_answers_429_with_retry_after(emu: BotApiEmulator, api: ApiCall) -> None:
    alice = emu.user(1001)
    emu.fail_next("sendMessage", chat_id=1001)

    status, body = await api("sendMessage", chat_id=1001, text="hi")
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    status, _ = await api("sendMessage", chat_id=1001, text="hi")
    assert status == 200
    assert [call.status for call in emu.calls] == [429, 200]
    assert len(alice.messages) == 1


@pytest.mark.parametrize(
    ("error_code", "description"),
    [
        (400, "Bad Request: injected failure"),
        (403, "Forbidden: bot was blocked by the user"),
        (500, "Internal Server Error"),
    ],
)
async def test_fail_next_other_codes(
    emu: BotApiEmulator, api: ApiCall, error_code: int, description: str
) -> None:
    emu.user(1001)
    emu.fail_next("SENDMESSAGE", error_code=error_code)
    status, body = await api("sendMessage", chat_id=1001, text="hi")
    assert (status, body) == (
        error_code,
        {"ok": False, "error_code": error_code, "description": description},
    )


async def test_blocked_user_answers_403(emu: BotApiEmulator, api: ApiCall) -> None:
    emu.user(1001)
    emu.user(1002)
    emu.block(1001)
    status, body = await api("sendMessage", chat_id=1001, text="hi")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    status, _ = await api("sendMessage", chat_id=1002, text="hi")
    assert status == 200


async def test_delayed_call_still_takes_effect(
    emu: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    alice = emu.user(1001)
    emu.delay("sendMessage", 30.0)
    url = f"{emu.base_url}/bot{emu.token}/sendMessage"
    request = asyncio.create_task(http.post(url, json={"chat_id": 1001, "text": "slow"}))
    # The message is shown while the answer is still held back: a client that times out now
    # cannot know that it arrived.
    assert (await alice.wait_message(timeout=5)).text == "slow"
    assert not request.done()
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request
    await emu.wait_idle(timeout=5)


# --- Request encodings ---


async def test_urlencoded_json_query_and_multipart_are_equivalent(
    emu: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    alice = emu.user(1001)
    url = f"{emu.base_url}/bot{emu.token}/sendMessage"
    fields = {"chat_id": "1001", "text": "hi", "reply_markup": json.dumps(JOIN_KEYBOARD)}
    requests = [
        http.post(url, data=fields),
        http.post(url, json={**fields, "chat_id": 1001, "reply_markup": JOIN_KEYBOARD}),
        http.get(url, params=fields),
        http.post(url, data=aiohttp.FormData(fields, default_to_multipart=True)),
    ]
    for request in requests:
        async with request as response:
            assert response.status == 200

    expected = {"chat_id": 1001, "text": "hi", "reply_markup": JOIN_KEYBOARD}
    assert [call.params for call in emu.calls] == [expected] * 4
    assert [m.button_texts() for m in alice.messages] == [["Join"]] * 4


async def test_send_document_by_upload_attach_and_file_id(
    emu: BotApiEmulator, http: aiohttp.ClientSession
) -> None:
    alice = emu.user(1001)
    url = f"{emu.base_url}/bot{emu.token}"

    direct = aiohttp.FormData(
        {"chat_id": "1001", "caption": "<b>Charter</b>", "parse_mode": "HTML"}
    )
    direct.add_field("document", b"%PDF-1", filename="charter.pdf")
    async with http.post(f"{url}/sendDocument", data=direct) as response:
        document = (await response.json())["result"]["document"]
    assert document["file_name"] == "charter.pdf"
    assert document["mime_type"] == "application/pdf"

    # aiogram's style: the parameter points at a separately named part.
    attached = aiohttp.FormData({"chat_id": "1001", "photo": "attach://part1"})
    attached.add_field("part1", b"\x89PNG", filename="logo.png")
    async with http.post(f"{url}/sendPhoto", data=attached) as response:
        assert response.status == 200

    by_id = {"chat_id": 1001, "document": document["file_id"]}
    async with http.post(f"{url}/sendDocument", json=by_id) as response:
        assert response.status == 200

    charter, logo, again = await alice.wait_messages(3)
    assert charter.document is not None
    assert (charter.text, charter.document.data) == ("Charter", b"%PDF-1")
    assert logo.photo == b"\x89PNG"
    assert again.document == charter.document


async def test_bot_downloads_a_user_document(
    emu: BotApiEmulator, api: ApiCall, http: aiohttp.ClientSession
) -> None:
    alice = emu.user(1001)
    await alice.send_document(b"minutes", file_name="minutes.txt", caption="Minutes")
    _, body = await api("getUpdates")
    document = body["result"][0]["message"]["document"]
    assert document["mime_type"] == "text/plain"

    _, body = await api("getFile", file_id=document["file_id"])
    file_path = body["result"]["file_path"]
    async with http.get(f"{emu.base_url}/file/bot{emu.token}/{file_path}") as response:
        assert await response.read() == b"minutes"

    status, body = await api("getFile", file_id="nope")
    assert (status, body["description"]) == (400, "Bad Request: invalid file_id")


async def test_my_commands_per_scope_and_language(emu: BotApiEmulator, api: ApiCall) -> None:
    commands = [{"command": "join", "description": "Join a club"}]
    scope = {"type": "all_private_chats"}
    await api("setMyCommands", commands=commands, scope=scope, language_code="en")
    await api("setMyCommands", commands=[{"command": "start", "description": "Start"}])

    assert emu.commands == {
        ("all_private_chats", "en"): [("join", "Join a club")],
        ("default", ""): [("start", "Start")],
    }
    _, body = await api("getMyCommands", scope=scope, language_code="en")
    assert body["result"] == commands

    await api("deleteMyCommands")
    assert list(emu.commands) == [("all_private_chats", "en")]
    status, body = await api("setMyCommands", commands=[{"command": "Bad!", "description": "x"}])
    assert (status, body["description"]) == (400, "Bad Request: BOT_COMMAND_INVALID")


# --- Test helpers ---


async def test_subscribers_see_messages_edits_and_answers(
    emu: BotApiEmulator, api: ApiCall
) -> None:
    alice = emu.user(1001)
    events: list[Event] = []

    async def record(event: Event) -> None:
        events.append(event)

    unsubscribe = emu.subscribe(record)
    sent = await send_with_button(api)
    await api("editMessageText", chat_id=1001, message_id=sent["message_id"], text="Done")
    await alice.click(await alice.wait_message(), callback_data="join")
    _, body = await api("getUpdates")
    await api("answerCallbackQuery", callback_query_id=body["result"][-1]["callback_query"]["id"])
    await alice.send("/help")
    post = events[-1].message
    assert post is not None
    await api("deleteMessage", chat_id=1001, message_id=post.message_id)
    unsubscribe()
    await api("sendMessage", chat_id=1001, text="unseen")

    kinds = [event.kind for event in events]
    assert kinds == ["message", "edit", "callback_answer", "post", "delete"]
    assert events[1].message is not None
    assert events[1].message.text == "Done"
    assert (post.text, post.sender) == ("/help", alice.user_json)
    assert [m.text for m in alice.transcript] == ["Done", "unseen"]


async def test_transcript_has_both_sides_in_order(emu: BotApiEmulator, api: ApiCall) -> None:
    alice = emu.user(1001)
    await alice.send("/start")
    await api("sendMessage", chat_id=1001, text="Welcome")
    await alice.send_document(b"charter", file_name="charter.txt", caption="ours")
    shown = [(m.sender is None, m.text) for m in alice.transcript]
    assert shown == [(False, "/start"), (True, "Welcome"), (False, "ours")]
    assert alice.transcript[2].document is not None
    assert [m.text for m in alice.messages] == ["Welcome"]


async def test_update_ids_start_where_asked() -> None:
    async with BotApiEmulator(first_update_id=1_700_000_000_000) as emu:
        assert await emu.user(1001).send("hi") == 1_700_000_000_000
        assert await emu.user(1001).send("again") == 1_700_000_000_001


async def test_menu_as_a_private_chat_shows_it(emu: BotApiEmulator, api: ApiCall) -> None:
    assert emu.menu("en") == []
    await api("setMyCommands", commands=[{"command": "start", "description": "Start"}])
    await api(
        "setMyCommands", commands=[{"command": "start", "description": "开始"}], language_code="zh"
    )
    assert emu.menu("zh-hans") == [("start", "开始")]
    assert emu.menu("en-GB") == [("start", "Start")]
    assert emu.menu(None) == [("start", "Start")]
    private = {"type": "all_private_chats"}
    await api(
        "setMyCommands", commands=[{"command": "join", "description": "Join"}], scope=private
    )
    assert emu.menu("zh") == [("join", "Join")]


async def test_a_chats_own_menu_comes_first_and_goes_with_delete(
    emu: BotApiEmulator, api: ApiCall
) -> None:
    alice = emu.user(1001)
    await api("setMyCommands", commands=[{"command": "start", "description": "Start"}])
    own = {"type": "chat", "chat_id": alice.id}
    await api("setMyCommands", commands=[{"command": "grant", "description": "Grant"}], scope=own)
    assert emu.menu("en", alice.id) == [("grant", "Grant")]
    assert emu.menu("en", 1002) == [("start", "Start")]
    await api("deleteMyCommands", scope=own)
    assert emu.menu("en", alice.id) == [("start", "Start")]
    # Telegram knows no chat the user never opened.
    status, body = await api(
        "setMyCommands",
        commands=[{"command": "grant", "description": "Grant"}],
        scope={"type": "chat", "chat_id": 4242},
    )
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    many = [{"command": f"c{i}", "description": "x"} for i in range(101)]
    status, body = await api("setMyCommands", commands=many)
    assert (status, body["description"]) == (400, "Bad Request: too many commands specified")


async def test_a_person_picker_and_the_choice_it_sends(emu: BotApiEmulator, api: ApiCall) -> None:
    alice, bob = emu.user(1001), emu.user(1002, first_name="Bob", last_name="Li")
    with pytest.raises(ValueError, match="no person picker"):
        await alice.share(bob)
    picker = {
        "keyboard": [[{"text": "Choose", "request_users": {"request_id": 7, "max_quantity": 1}}]],
        "one_time_keyboard": True,
    }
    sent = await api("sendMessage", chat_id=1001, text="Who?", reply_markup=picker)
    assert sent[0] == 200
    assert alice.reply_keyboard == picker
    assert (await alice.wait_message()).buttons == []
    await alice.share(bob)
    _, body = await api("getUpdates")
    shared = body["result"][-1]["message"]["users_shared"]
    assert shared == {
        "request_id": 7,
        "users": [{"user_id": 1002, "first_name": "Bob", "last_name": "Li"}],
    }
    # One-time: used, it is gone; a removal takes away a keyboard that is not.
    assert alice.reply_keyboard is None
    await api(
        "sendMessage",
        chat_id=1001,
        text="Again?",
        reply_markup={**picker, "one_time_keyboard": False},
    )
    assert alice.reply_keyboard is not None
    await api("sendMessage", chat_id=1001, text="Done", reply_markup={"remove_keyboard": True})
    assert alice.reply_keyboard is None
    # An edit takes only an inline keyboard; a picker must ask for 1 to 10 people.
    status, body = await api(
        "editMessageText",
        chat_id=1001,
        message_id=sent[1]["result"]["message_id"],
        text="x",
        reply_markup=picker,
    )
    assert (status, body["description"]) == (400, "Bad Request: inline keyboard expected")
    bad = {
        "keyboard": [[{"text": "Choose", "request_users": {"request_id": 1, "max_quantity": 11}}]]
    }
    status, body = await api("sendMessage", chat_id=1001, text="Who?", reply_markup=bad)
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_USER_QUANTITY_INVALID")


async def test_wait_message_timeout_explains_what_happened(
    emu: BotApiEmulator, api: ApiCall
) -> None:
    alice = emu.user(1001, first_name="Alice")
    await api("sendMessage", chat_id=1001, text="first")
    await api("sendMessage", chat_id=1001, text="")
    await alice.wait_message()

    with pytest.raises(TimeoutError) as raised:
        await alice.wait_message(timeout=0.05)
    report = str(raised.value)
    assert "user Alice (chat 1001)" in report
    assert "'first'" in report
    assert "sendMessage -> 400 Bad Request: message text is empty" in report


async def test_group_messages(emu: BotApiEmulator, api: ApiCall) -> None:
    group = emu.group(chat_id=-100123, title="Chess officers")
    bob = emu.user(1002, first_name="Bob")
    await group.send(bob, "/agenda@clubbot_test_bot today")
    _, body = await api("getUpdates")
    message = body["result"][0]["message"]
    assert message["chat"] == {"id": -100123, "type": "supergroup", "title": "Chess officers"}
    assert message["from"]["id"] == 1002
    assert message["entities"][0]["length"] == len("/agenda@clubbot_test_bot")

    await api("sendMessage", chat_id=-100123, text="Agenda: none")
    assert (await group.wait_message()).text == "Agenda: none"
    assert bob.messages == []


# --- Real frameworks ---


async def check_echo_bot(emu: BotApiEmulator) -> None:
    """The scenario both framework bots must pass: echo, button click, documents."""
    alice = emu.user(1001, first_name="Alice")
    await alice.send("hello")
    echo = await alice.wait_message()
    assert echo.text == "echo: hello"
    assert echo.button_texts() == ["Join"]

    await alice.click(echo, "Join")
    answer = await alice.wait_callback_answer()
    assert answer.text == "Welcome!"
    edited = await alice.wait_edit(echo)
    assert (edited.text, edited.buttons) == ("joined", [])

    await alice.send_document(b"%PDF charter", file_name="charter.pdf")
    receipt = await alice.wait_message()
    assert receipt.document is not None
    assert receipt.document.file_name == "receipt.txt"
    assert receipt.document.data == b"received: %PDF charter"
    await emu.wait_idle()


def aiogram_router() -> Router:
    router = Router()
    keyboard = AiogramKeyboard(
        inline_keyboard=[[InlineKeyboardButton(text="Join", callback_data="join")]]
    )

    @router.message(F.text)
    async def echo(message: AiogramMessage) -> None:
        await message.answer(f"echo: {message.text}", reply_markup=keyboard)

    @router.callback_query(F.data == "join")
    async def join(query: CallbackQuery) -> None:
        await query.answer("Welcome!")
        assert isinstance(query.message, AiogramMessage)
        await query.message.edit_text("joined")

    @router.message(F.document)
    async def receipt(message: AiogramMessage, bot: Bot) -> None:
        assert message.document is not None
        data = await bot.download(message.document)
        assert data is not None
        upload = BufferedInputFile(b"received: " + data.read(), filename="receipt.txt")
        await message.answer_document(upload)

    return router


async def test_aiogram_echo_bot(emu: BotApiEmulator) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))
    bot = Bot(emu.token, session=session)
    dispatcher = Dispatcher()
    dispatcher.include_router(aiogram_router())
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1)
    )
    try:
        await emu.wait_polling()
        await check_echo_bot(emu)
    finally:
        await dispatcher.stop_polling()
        await polling
        await session.close()


async def ptb_echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    keyboard = PtbKeyboard([[PtbButton("Join", callback_data="join")]])
    await update.message.reply_text(f"echo: {update.message.text}", reply_markup=keyboard)


async def ptb_join(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Welcome!")
    await query.edit_message_text("joined")


async def ptb_receipt(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    assert update.message.document is not None
    file = await update.message.document.get_file()
    data = bytes(await file.download_as_bytearray())
    await update.message.reply_document(b"received: " + data, filename="receipt.txt")


async def test_ptb_echo_bot(emu: BotApiEmulator) -> None:
    app = (
        ApplicationBuilder()
        .token(emu.token)
        .base_url(f"{emu.base_url}/bot")
        .base_file_url(f"{emu.base_url}/file/bot")
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, ptb_echo))
    app.add_handler(CallbackQueryHandler(ptb_join))
    app.add_handler(MessageHandler(filters.Document.ALL, ptb_receipt))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        await emu.wait_polling()
        await check_echo_bot(emu)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
