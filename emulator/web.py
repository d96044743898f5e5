"""A web chat on the emulator: each browser tab talks to the bot as one simulated user.

The page (emulator/static/chat.html) and its small JSON API are served by the emulator's own
aiohttp server, so a bot polling the emulator can be tried in a browser, without Telegram. Who
a tab may be comes from a `PersonaSource` the application supplies (the emulator knows no
university). Changes reach the page as server-sent events: a snapshot of the chat when the
stream opens, then one event per new, edited or deleted message and per button answer.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import mimetypes
import re
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Protocol
from urllib.parse import quote

from aiohttp import BodyPartReader, web

from emulator.chats import SimUser
from emulator.models import Event, File, JsonDict, Message
from emulator.server import BotApiEmulator

KEEPALIVE_SECONDS = 15.0
LANGUAGES = ("en", "zh")
# A custom header makes every cross-site POST need a CORS preflight, which is never granted.
CLIENT_HEADER = "X-Playground"
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Shown in the browser; everything else is downloaded.
_INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"})
_INLINE_BLOCK = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)
_MAX_TEXT = 4096
_ICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    b'<circle cx="16" cy="16" r="16" fill="#3390ec"/>'
    b'<path d="M8 16l16-7-4 15-5-4-3 4v-5z" fill="#fff"/></svg>'
)


@dataclass(frozen=True, slots=True)
class Shortcut:
    """A suggestion chip in the chat: pressing it sends `text` as the user's message."""

    label: str
    text: str


@dataclass(frozen=True, slots=True)
class Persona:
    """Someone a tab can be: a Telegram user and how the picker presents them."""

    user_id: int
    first_name: str
    last_name: str | None
    group: str
    name: str
    details: str = ""
    tags: tuple[str, ...] = ()
    note: str = ""
    shortcuts: tuple[Shortcut, ...] = ()

    def to_json(self) -> JsonDict:
        """The persona as the page receives it."""
        return asdict(self)


# Called with the page's language ("en" or "zh"); returns every persona, in display order.
PersonaSource = Callable[[str], Awaitable[list[Persona]]]

Push = tuple[str, JsonDict]


@dataclass(frozen=True, slots=True)
class Control:
    """A button of the page's control bar: something the host of the page offers testers
    beside the chat (the playground moves its clock with these)."""

    key: str
    label: str


@dataclass(frozen=True, slots=True)
class Panel:
    """The control bar: a line of text and its buttons."""

    text: str
    controls: tuple[Control, ...]

    def to_json(self) -> JsonDict:
        return {"text": self.text, "controls": [asdict(c) for c in self.controls]}


class Controls(Protocol):
    """What the host of the page offers in the control bar, in the page's language."""

    async def panel(self, language: str) -> Panel: ...

    async def press(self, key: str, language: str) -> str:
        """Do what the control `key` does; what to tell the tester. KeyError: no such key."""
        ...


@dataclass
class _Streams:
    """Open event streams, by chat id; None in a queue tells its stream to end."""

    by_chat: dict[int, set[asyncio.Queue[Push | None]]] = field(default_factory=dict)

    def open(self, chat_id: int) -> asyncio.Queue[Push | None]:
        queue: asyncio.Queue[Push | None] = asyncio.Queue()
        self.by_chat.setdefault(chat_id, set()).add(queue)
        return queue

    def close(self, chat_id: int, queue: asyncio.Queue[Push | None]) -> None:
        queues = self.by_chat.get(chat_id, set())
        queues.discard(queue)
        if not queues:
            self.by_chat.pop(chat_id, None)

    def push(self, chat_id: int, item: Push) -> None:
        for queue in self.by_chat.get(chat_id, ()):
            queue.put_nowait(item)

    def end_all(self) -> None:
        for queues in self.by_chat.values():
            for queue in queues:
                queue.put_nowait(None)


class WebChat:
    """Mounts the chat page and its API on an emulator (before it starts)."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        personas: PersonaSource,
        controls: Controls | None = None,
        time_zone: str | None = None,
    ) -> None:
        """`time_zone` (IANA): the zone the page shows message times in (None: the browser's)."""
        self._emulator = emulator
        self._time_zone = time_zone
        self._personas = personas
        self._controls = controls
        self._streams = _Streams()
        emulator.subscribe(self._on_event)
        emulator.mount(self._routes(), on_stop=self._streams.end_all)

    def _routes(self) -> list[web.AbstractRouteDef]:
        return [
            web.get("/", self._page),
            web.get("/favicon.ico", self._icon),
            web.get("/api/personas", self._list_personas),
            web.get("/api/chats/{user_id:\\d+}", self._chat_info),
            web.get("/api/chats/{user_id:\\d+}/events", self._events),
            web.post("/api/chats/{user_id:\\d+}/send", self._send),
            web.post("/api/chats/{user_id:\\d+}/click", self._click),
            web.post("/api/chats/{user_id:\\d+}/document", self._document),
            web.post("/api/chats/{user_id:\\d+}/share", self._share),
            web.post("/api/chats/{user_id:\\d+}/language", self._language),
            web.get("/api/files/{file_id}", self._file),
            web.get("/api/controls", self._panel),
            web.post("/api/controls/{key}", self._press_control),
        ]

    # The page.

    async def _page(self, request: web.Request) -> web.Response:
        _check_host(request)
        html, policy = page()
        return web.Response(
            text=html,
            content_type="text/html",
            headers={
                "Content-Security-Policy": policy,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
                "Cache-Control": "no-store",
            },
        )

    async def _icon(self, request: web.Request) -> web.Response:
        return web.Response(
            body=_ICON, content_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"}
        )

    # People and chats.

    async def _list_personas(self, request: web.Request) -> web.Response:
        _check_host(request)
        language = _language_of(request)
        personas = await self._personas(language)
        bot = {
            "first_name": self._emulator.bot_first_name,
            "username": self._emulator.bot_username,
        }
        return web.json_response(
            {
                "bot": bot,
                "personas": [persona.to_json() for persona in personas],
                "time_zone": self._time_zone,
            }
        )

    async def _persona(self, user_id: int, language: str) -> Persona:
        for persona in await self._personas(language):
            if persona.user_id == user_id:
                return persona
        raise web.HTTPNotFound(text="no such person in this playground")

    async def _user(self, request: web.Request, language_code: str | None = None) -> SimUser:
        """The tab's simulated user, created (in the page's language) on first use."""
        user_id = int(request.match_info["user_id"])
        existing = self._emulator.find_user(user_id)
        if existing is not None:
            if existing.language_code is None:
                # Made by the application before any tab opened it: the first tab's language.
                existing.language_code = language_code or _language_of(request)
            return existing
        persona = await self._persona(user_id, _language_of(request))
        return self._emulator.user(
            user_id,
            persona.first_name,
            last_name=persona.last_name,
            language_code=language_code or _language_of(request),
        )

    async def _chat_info(self, request: web.Request) -> web.Response:
        _check_host(request)
        user = await self._user(request)
        persona = await self._persona(user.id, _language_of(request))
        menu = self._emulator.menu(user.language_code, user.id)
        return web.json_response(
            {
                "persona": persona.to_json(),
                "language_code": user.language_code,
                "commands": [{"command": c, "description": d} for c, d in menu],
            }
        )

    async def _events(self, request: web.Request) -> web.StreamResponse:
        _check_host(request)
        user = await self._user(request)
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            }
        )
        await response.prepare(request)
        # Opened before the snapshot is taken, so nothing falls between the two.
        queue = self._streams.open(user.id)
        try:
            snapshot = {"items": [item_json(message) for message in user.transcript]}
            await _write_event(response, "snapshot", snapshot)
            while True:
                try:
                    async with asyncio.timeout(KEEPALIVE_SECONDS):
                        pushed = await queue.get()
                except TimeoutError:
                    await response.write(b": keepalive\n\n")
                    continue
                if pushed is None:
                    break
                await _write_event(response, *pushed)
        except ConnectionResetError:
            pass  # the tab was closed
        finally:
            self._streams.close(user.id, queue)
        return response

    async def _on_event(self, event: Event) -> None:
        if event.chat_id is None:
            return
        if event.kind == "callback_answer":
            answer = event.callback_answer
            if answer is not None and (answer.text or answer.url):
                toast = {"text": answer.text or "", "alert": answer.show_alert, "url": answer.url}
                self._streams.push(event.chat_id, ("toast", toast))
        elif event.message is not None:
            self._streams.push(event.chat_id, ("item", item_json(event.message)))

    # Acting as the user.

    async def _send(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > _MAX_TEXT:
            raise web.HTTPBadRequest(text=f"text must be 1 to {_MAX_TEXT} characters")
        user = await self._user(request)
        return web.json_response({"update_id": await user.send(text)})

    async def _click(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        message_id, data = body.get("message_id"), body.get("data")
        user = await self._user(request)
        message = user.current(message_id) if isinstance(message_id, int) else None
        offered = {b.callback_data for row in message.buttons for b in row} if message else set()
        # Like a Telegram client, only a button that the message shows right now can be pressed.
        if message is None or not isinstance(data, str) or data not in offered:
            raise web.HTTPConflict(text="that button is no longer there")
        return web.json_response({"update_id": await user.click(message, callback_data=data)})

    async def _document(self, request: web.Request) -> web.Response:
        _check_client(request)
        upload: tuple[str, str | None, bytes] | None = None
        caption: str | None = None
        async for part in await request.multipart():
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "file" and part.filename:
                data = bytes(await part.read(decode=True))
                upload = (part.filename, part.headers.get("Content-Type"), data)
            elif part.name == "caption":
                caption = (await part.text()).strip() or None
        if upload is None or not upload[2]:
            raise web.HTTPBadRequest(text="choose a non-empty file")
        user = await self._user(request)
        name, content_type, data = upload
        # Browsers label unknown files application/octet-stream; Telegram goes by the name.
        mime_type = mimetypes.guess_type(name)[0] or content_type or None
        update_id = await user.send_document(data, name, mime_type, caption)
        return web.json_response({"update_id": update_id})

    async def _share(self, request: web.Request) -> web.Response:
        """Choose a person of the playground with the bot's person picker."""
        body = await _json_body(request)
        chosen = body.get("user_id")
        user = await self._user(request)
        if not isinstance(chosen, int):
            raise web.HTTPBadRequest(text="user_id must be a number")
        persona = await self._persona(chosen, _language_of(request))
        person: JsonDict = {"user_id": persona.user_id, "first_name": persona.first_name}
        if persona.last_name:
            person["last_name"] = persona.last_name
        try:
            update_id = await user.share(person)
        except ValueError as exc:
            raise web.HTTPConflict(text="the bot is not asking for a person now") from exc
        return web.json_response({"update_id": update_id})

    async def _language(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        language = body.get("language_code")
        if language not in LANGUAGES:
            raise web.HTTPBadRequest(text=f"language_code is one of {', '.join(LANGUAGES)}")
        user = await self._user(request, language)
        # Telegram sends the app's language with every update: the bot sees it from now on.
        user.language_code = language
        return web.json_response({"language_code": language})

    # The control bar.

    async def _panel(self, request: web.Request) -> web.Response:
        _check_host(request)
        if self._controls is None:
            return web.json_response(None)
        return web.json_response((await self._controls.panel(_language_of(request))).to_json())

    async def _press_control(self, request: web.Request) -> web.Response:
        _check_client(request)
        if self._controls is None:
            raise web.HTTPNotFound(text="this page has no controls")
        language = _language_of(request)
        try:
            told = await self._controls.press(request.match_info["key"], language)
        except KeyError:
            raise web.HTTPNotFound(text="no such control") from None
        panel = await self._controls.panel(language)
        return web.json_response({"text": told, "panel": panel.to_json()})

    # Files the bot or the user sent.

    async def _file(self, request: web.Request) -> web.Response:
        _check_host(request)
        file = self._emulator.file(request.match_info["file_id"])
        if file is None:
            raise web.HTTPNotFound()
        return file_response(file)


def item_json(message: Message) -> JsonDict:
    """A message as the page draws it: text with entities, buttons, attachment, edit state."""
    item: JsonDict = {
        "id": message.message_id,
        "from": "bot" if message.sender is None else "user",
        "date": message.date,
        "text": message.text or "",
        "entities": message.entities,
        "buttons": [
            [{"text": b.text, "data": b.callback_data, "url": b.url} for b in row]
            for row in message.buttons
        ],
        "edited": message.edit_count > 0,
        "deleted": message.deleted,
    }
    markup = message.reply_markup or {}
    if message.sender is None and "keyboard" in markup:
        # A reply keyboard: shown under the input field, not on the message.
        item["reply_keyboard"] = {
            "rows": [
                [{"text": b["text"], "pick": "request_users" in b} for b in row]
                for row in markup["keyboard"]
            ],
            "one_time": bool(markup.get("one_time_keyboard")),
        }
    elif message.sender is None and markup.get("remove_keyboard"):
        item["remove_keyboard"] = True
    if message.users_shared is not None:
        item["shared"] = True
    if message.document is not None:
        item["document"] = _file_json(message.document)
    if message.photo_file is not None:
        item["photo"] = _file_json(message.photo_file)
    return item


def _file_json(file: File) -> JsonDict:
    return {
        "name": file.file_name or file.file_path.rsplit("/", 1)[-1],
        "mime_type": file.mime_type,
        "size": file.size,
        "url": f"/api/files/{quote(file.file_id)}",
    }


def file_response(file: File) -> web.Response:
    """The file's bytes; only images and plain text open in the browser, and never run."""
    mime_type = file.mime_type or "application/octet-stream"
    disposition = "inline" if mime_type in _INLINE_TYPES else "attachment"
    name = quote(file.file_name or file.file_path.rsplit("/", 1)[-1])
    return web.Response(
        body=file.data,
        content_type=mime_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{name}",
            "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'",
            "X-Content-Type-Options": "nosniff",
        },
    )


@cache
def page() -> tuple[str, str]:
    """The chat page and its Content-Security-Policy, which admits only its own inline code."""
    html = resources.files("emulator").joinpath("static/chat.html").read_text(encoding="utf-8")
    hashes: dict[str, list[str]] = {"script": [], "style": []}
    for match in _INLINE_BLOCK.finditer(html):
        digest = base64.b64encode(hashlib.sha256(match.group(2).encode()).digest()).decode()
        hashes[match.group(1)].append(f"'sha256-{digest}'")
    policy = "; ".join(
        [
            "default-src 'none'",
            f"script-src {' '.join(hashes['script'])}",
            f"style-src {' '.join(hashes['style'])}",
            "img-src 'self'",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
    return html, policy


def _check_host(request: web.Request) -> None:
    # A page on another site could resolve its own name to 127.0.0.1 (DNS rebinding);
    # its requests then carry that name, not ours.
    if request.url.host not in _LOCAL_HOSTS:
        raise web.HTTPMisdirectedRequest(text="use http://127.0.0.1")


def _check_client(request: web.Request) -> None:
    _check_host(request)
    if request.headers.get(CLIENT_HEADER) != "1":
        raise web.HTTPForbidden(text=f"requests come from the playground page ({CLIENT_HEADER})")


async def _json_body(request: web.Request) -> dict[str, Any]:
    _check_client(request)
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="expected a JSON object") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return body


def _language_of(request: web.Request) -> str:
    language = request.query.get("lang", "en")
    return language if language in LANGUAGES else "en"


async def _write_event(response: web.StreamResponse, name: str, data: JsonDict) -> None:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    await response.write(f"event: {name}\ndata: {payload}\n\n".encode())
