"""An in-process Telegram Bot API server on 127.0.0.1 for end-to-end tests, benchmarks and the
web playground (emulator.web mounts a browser chat on the same server).

Real bot frameworks talk to it over HTTP exactly as they talk to api.telegram.org, while the
test drives simulated users (see emulator.chats) and inspects what the bot did.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import logging
import mimetypes
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

from emulator import content
from emulator.chats import SimChat, SimGroup, SimUser
from emulator.models import (
    ApiError,
    Call,
    CallbackAnswer,
    Event,
    File,
    JsonDict,
    Message,
    Upload,
)
from emulator.notify import Notifier
from emulator.params import ApiRequest, read_params
from emulator.updates import UpdateQueue
from emulator.webhook import Webhook, WebhookPusher

logger = logging.getLogger(__name__)

Handler = Callable[[ApiRequest], Awaitable[Any]]
Subscriber = Callable[[Event], Awaitable[None]]

_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
# setMyCommands takes at most this many commands.
MAX_COMMANDS = 100
_SAFE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}")
_MAX_UPLOAD_BYTES = 50 * 1024 * 1024

BLOCKED = "Forbidden: bot was blocked by the user"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
# The name fail_next() knows a file download by (it is no Bot API method).
DOWNLOAD = "download"
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    403: BLOCKED,
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
}


@dataclass
class _Rule:
    """A fault or delay armed for the next `remaining` matching calls."""

    method: str
    chat_id: int | None
    remaining: int

    def matches(self, method: str, chat_id: int | None) -> bool:
        return self.method == method.lower() and self.chat_id in (None, chat_id)


@dataclass
class _Fault(_Rule):
    status: int
    description: str
    retry_after: int | None

    def error(self) -> ApiError:
        return ApiError(self.status, self.description, self.retry_after)


@dataclass
class _Delay(_Rule):
    seconds: float


R = TypeVar("R", bound=_Rule)


def _take_rule(rules: list[R], method: str, chat_id: int | None) -> R | None:
    for rule in rules:
        if rule.matches(method, chat_id):
            rule.remaining -= 1
            if rule.remaining <= 0:
                rules.remove(rule)
            return rule
    return None


def _chat_id_of(params: JsonDict) -> int | None:
    chat_id = params.get("chat_id")
    return chat_id if isinstance(chat_id, int) and not isinstance(chat_id, bool) else None


class BotApiEmulator:
    """A fake Telegram Bot API for one bot, with simulated users and groups."""

    def __init__(
        self,
        bot_username: str = "clubbot_test_bot",
        bot_first_name: str = "clubbot",
        *,
        bot_id: int = 123456789,
        first_update_id: int = 1,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """The API of one bot; its update ids start at `first_update_id` (a bot that remembers
        update ids across runs, as clubbot does, must never be handed one again). `clock` dates
        messages (seconds since the epoch): a playground whose time moves forward passes its
        own."""
        self.clock = clock
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.bot_id = bot_id
        self.token = f"{bot_id}:TEST-TOKEN-{bot_username}"
        self.calls: list[Call] = []
        self.commands: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.callback_answers: dict[str, CallbackAnswer] = {}
        self._chats: dict[int, SimChat] = {}
        self._blocked: set[int] = set()
        self._faults: list[_Fault] = []
        self._delays: list[_Delay] = []
        self._subscribers: list[Subscriber] = []
        self._files: dict[str, File] = {}
        self._files_by_path: dict[str, File] = {}
        # Callback queries the bot may still answer, with the chat they came from.
        self._open_queries: dict[str, int | None] = {}
        self._ids = itertools.count(1)
        self._webhook: WebhookPusher | None = None
        self._in_flight = 0
        self._activity = Notifier()
        self._updates = UpdateQueue(on_change=self._activity.notify, first_id=first_update_id)
        self._methods = self._method_table()
        self._runner: web.AppRunner | None = None
        self._extra_routes: list[web.AbstractRouteDef] = []
        self._on_stop: list[Callable[[], None]] = []
        self._closing: asyncio.Future[None] | None = None
        self._base_url: str | None = None

    # Lifecycle.

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve the Bot API on host:port (port 0 picks a free port); only once per instance."""
        if self._closing is not None:
            raise RuntimeError("this emulator was already started")
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the emulator only listens on loopback addresses, not {host}")
        app = web.Application(client_max_size=_MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        app.router.add_routes(self._extra_routes)
        # handler_cancellation: a client that gives up on a long poll or a delayed call
        # stops its handler, so in-flight accounting and 409 conflicts stay accurate.
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_port = runner.addresses[0][1]
        self._runner = runner
        self._closing = asyncio.get_running_loop().create_future()
        netloc = f"[{host}]" if ":" in host else host
        self._base_url = f"http://{netloc}:{bound_port}"

    async def stop(self) -> None:
        """Stop serving; waiting long polls and delayed calls are answered at once."""
        if self._runner is None:
            return
        await self._drop_webhook()
        self._updates.close()
        for hook in self._on_stop:
            hook()
        if self._closing is not None and not self._closing.done():
            self._closing.set_result(None)
        await self._runner.cleanup()
        self._runner = None

    def mount(
        self, routes: list[web.AbstractRouteDef], on_stop: Callable[[], None] | None = None
    ) -> None:
        """Serve more routes (the web chat) from this server; `on_stop` ends their streams."""
        if self._runner is not None:
            raise RuntimeError("mount routes before start()")
        self._extra_routes.extend(routes)
        if on_stop is not None:
            self._on_stop.append(on_stop)

    async def __aenter__(self) -> Self:
        """Start on a free port."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the server."""
        await self.stop()

    @property
    def base_url(self) -> str:
        """The server root, e.g. http://127.0.0.1:PORT."""
        if self._base_url is None:
            raise RuntimeError("the emulator is not started")
        return self._base_url

    # Simulated chats.

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> SimUser:
        """The simulated user with this id (created on first use) and their private chat."""
        existing = self._chats.get(user_id)
        if isinstance(existing, SimUser):
            return existing
        if existing is not None:
            raise ValueError(f"chat id {user_id} is already a group")
        user = SimUser(
            self,
            user_id,
            first_name=first_name or f"User{user_id}",
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self._chats[user_id] = user
        return user

    def find_user(self, user_id: int) -> SimUser | None:
        """The simulated user with this id, if one was created."""
        chat = self._chats.get(user_id)
        return chat if isinstance(chat, SimUser) else None

    def group(self, chat_id: int = -100123, title: str = "Chess officers") -> SimGroup:
        """The simulated group with this id (created on first use)."""
        existing = self._chats.get(chat_id)
        if isinstance(existing, SimGroup):
            return existing
        if existing is not None:
            raise ValueError(f"chat id {chat_id} is already a private chat")
        group = SimGroup(self, chat_id, title)
        self._chats[chat_id] = group
        return group

    # Updates.

    def inject_update(self, update: JsonDict) -> int:
        """Queue a raw update for the bot (update_id assigned if missing); returns its id."""
        query = update.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            chat = query.get("message", {}).get("chat", {})
            self._open_queries[str(query["id"])] = chat.get("id")
        return self._updates.push(update)

    def redeliver(self, update_id: int) -> None:
        """Deliver an already delivered update again with the same update_id."""
        self._updates.redeliver(update_id)

    @property
    def webhook_url(self) -> str:
        """The webhook the bot set ("" while it polls)."""
        return self._webhook.hook.url if self._webhook is not None else ""

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by the bot through a getUpdates offset."""
        return self._updates.pending

    async def wait_polling(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has a getUpdates long poll waiting (i.e. it is polling)."""
        try:
            async with asyncio.timeout(timeout):
                while not self._updates.polling:
                    await self._updates.poll_started.wait()
        except TimeoutError:
            raise TimeoutError(f"no getUpdates long poll arrived within {timeout:g}s") from None

    async def wait_idle(self, timeout: float = 5.0, *, quiet: float = 0.05) -> None:  # noqa: ASYNC109
        """Wait until all updates are confirmed and no request was in flight for `quiet` s."""
        # The quiet period matters because frameworks confirm a batch (next getUpdates)
        # before their handlers have necessarily made their first Bot API call.
        try:
            async with asyncio.timeout(timeout):
                while True:
                    if self._is_idle():
                        if not await self._activity.wait(quiet):
                            return
                    else:
                        await self._activity.wait()
        except TimeoutError:
            raise TimeoutError(
                f"emulator not idle after {timeout:g}s: {self.pending_updates} update(s) not "
                f"confirmed, {self._in_flight} Bot API request(s) in flight"
            ) from None

    def _is_idle(self) -> bool:
        return self._updates.pending == 0 and self._in_flight == 0

    # Fault injection.

    def fail_next(
        self,
        method: str,
        *,
        chat_id: int | None = None,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int = 3,
        count: int = 1,
    ) -> None:
        """Answer the next `count` matching calls with an error instead of performing them;
        the method `download` is a file download (`/file/bot<token>/<path>`)."""
        if description is None:
            template = _DEFAULT_DESCRIPTIONS.get(error_code, "Error {error_code}")
            description = template.format(error_code=error_code, retry_after=retry_after)
        # Only 429 answers carry "parameters": {"retry_after": N}.
        retry = retry_after if error_code == 429 else None
        fault = _Fault(method.lower(), chat_id, count, error_code, description, retry)
        self._faults.append(fault)

    def block(self, user_id: int) -> None:
        """From now on every call for this chat answers 403 "bot was blocked by the user"."""
        self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        """Undo block()."""
        self._blocked.discard(user_id)

    def delay(
        self, method: str, seconds: float, count: int = 1, *, chat_id: int | None = None
    ) -> None:
        """Hold the answer of the next matching calls; their effect still happens."""
        self._delays.append(_Delay(method.lower(), chat_id, count, seconds))

    # Subscriptions (e.g. for a web playground).

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback` for every bot message, edit, deletion and callback answer."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    async def emit(self, event: Event) -> None:
        """Tell every subscriber about `event`, in subscription order."""
        for callback in tuple(self._subscribers):
            try:
                await callback(event)
            except Exception:
                # A broken subscriber must not turn the bot's API call into a failure.
                logger.exception("emulator subscriber %r failed on %s", callback, event.kind)

    # Files and JSON views.

    def store_file(
        self,
        data: bytes,
        *,
        file_name: str | None,
        mime_type: str | None = None,
        folder: str = "documents",
    ) -> File:
        """Register file bytes so getFile and the download route can serve them."""
        number = next(self._ids)
        suffix = PurePosixPath(file_name).suffix if file_name else ""
        if not _SAFE_SUFFIX.fullmatch(suffix):
            suffix = ""
        if mime_type is None and file_name is not None:
            mime_type = mimetypes.guess_type(file_name)[0]
        file = File(
            file_id=f"FILE{number:06d}-{folder}",
            file_unique_id=f"UNIQUE{number:06d}",
            file_path=f"{folder}/file_{number}{suffix}",
            file_name=file_name,
            mime_type=mime_type,
            data=data,
        )
        self._files[file.file_id] = file
        self._files_by_path[file.file_path] = file
        return file

    def file(self, file_id: str) -> File | None:
        """A stored file by its file_id."""
        return self._files.get(file_id)

    def file_json(self, file: File) -> JsonDict:
        """The Bot API Document object of a stored file."""
        return content.file_json(file)

    def message_json(self, message: Message) -> JsonDict:
        """The Bot API Message object of a bot message, as the bot would receive it."""
        sender = content.user_json(self.bot_id, self.bot_first_name, self.bot_username)
        return content.message_json(message, self._chats[message.chat_id].chat_json, sender)

    def new_callback_query_id(self) -> str:
        """A fresh callback query id."""
        return str(4_000_000_000 + next(self._ids))

    # HTTP layer.

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        # A waiting long poll is not "work in progress" for wait_idle().
        tracked = method.lower() != "getupdates"
        if tracked:
            self._set_in_flight(+1)
        try:
            return await self._serve_api(request, method)
        finally:
            if tracked:
                self._set_in_flight(-1)

    def _set_in_flight(self, delta: int) -> None:
        self._in_flight += delta
        self._activity.notify()

    async def _serve_api(self, request: web.Request, method: str) -> web.Response:
        at = time.monotonic()
        name, handler = self._methods.get(method.lower(), (method, None))
        params: JsonDict = {}
        try:
            params = await read_params(request)
            result = await self._dispatch(
                ApiRequest(request.match_info["token"], params), name, handler
            )
            status, body = 200, {"ok": True, "result": result}
        except ApiError as error:
            status, body = error.status, error.payload()
        chat_id = _chat_id_of(params)
        self.calls.append(Call(name, params, at, chat_id, status, body.get("description")))
        delay = _take_rule(self._delays, name, chat_id)
        if delay is not None and self._closing is not None:
            await asyncio.wait({self._closing}, timeout=delay.seconds)
        return web.json_response(body, status=status)

    async def _dispatch(self, request: ApiRequest, name: str, handler: Handler | None) -> Any:
        if not _TOKEN.fullmatch(request.token):
            raise ApiError(401, "Unauthorized")
        if handler is None:
            raise ApiError(404, "Not Found")
        chat_id = _chat_id_of(request.params)
        fault = _take_rule(self._faults, name, chat_id)
        if fault is not None:
            raise fault.error()
        if chat_id in self._blocked:
            raise ApiError(403, BLOCKED)
        return await handler(request)

    async def _handle_file(self, request: web.Request) -> web.Response:
        self._set_in_flight(+1)
        try:
            file = self._files_by_path.get(request.match_info["file_path"])
            if not _TOKEN.fullmatch(request.match_info["token"]) or file is None:
                return web.json_response(ApiError(404, "Not Found").payload(), status=404)
            fault = _take_rule(self._faults, DOWNLOAD, None)
            if fault is not None:
                error = fault.error()
                return web.json_response(error.payload(), status=error.status)
            content_type = file.mime_type or "application/octet-stream"
            return web.Response(body=file.data, content_type=content_type)
        finally:
            self._set_in_flight(-1)

    def _method_table(self) -> dict[str, tuple[str, Handler]]:
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "logOut": self._ok,
            "close": self._ok,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "getFile": self._get_file,
        }
        # Telegram matches method names case-insensitively.
        return {name.lower(): (name, handler) for name, handler in handlers.items()}

    # Bot API methods: bot and updates.

    async def _ok(self, request: ApiRequest) -> bool:
        return True

    async def _get_me(self, request: ApiRequest) -> JsonDict:
        me = content.user_json(request.bot_id, self.bot_first_name, self.bot_username)
        me.update(
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        return me

    async def _get_updates(self, request: ApiRequest) -> list[JsonDict]:
        if self._webhook is not None:
            raise ApiError(409, WEBHOOK_ACTIVE)
        if "allowed_updates" in request.params:
            self._updates.set_allowed_updates(request.get_list("allowed_updates"))
        limit = min(max(request.get_int("limit") or 100, 1), 100)
        timeout = request.get_float("timeout") or 0.0
        return await self._updates.get(request.get_int("offset"), limit, timeout)

    async def _set_webhook(self, request: ApiRequest) -> bool:
        url = request.get_str("url") or ""
        if request.get_bool("drop_pending_updates"):
            self._updates.drop_pending()
        if "allowed_updates" in request.params:
            self._updates.set_allowed_updates(request.get_list("allowed_updates"))
        if not url:
            await self._drop_webhook()
            return True
        hook = Webhook(
            url,
            request.get_str("secret_token"),
            min(max(request.get_int("max_connections") or 40, 1), 100),
        )
        # Several workers setting the same webhook do not restart the deliveries.
        if self._webhook is None or self._webhook.hook != hook:
            await self._drop_webhook()
            self._webhook = WebhookPusher(self._updates, hook)
            self._webhook.start()
        return True

    async def _delete_webhook(self, request: ApiRequest) -> bool:
        await self._drop_webhook()
        if request.get_bool("drop_pending_updates"):
            self._updates.drop_pending()
        return True

    async def _drop_webhook(self) -> None:
        if self._webhook is not None:
            pusher, self._webhook = self._webhook, None
            await pusher.stop()

    async def _get_webhook_info(self, request: ApiRequest) -> JsonDict:
        info: JsonDict = {
            "url": self._webhook.hook.url if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": self.pending_updates,
        }
        if self._webhook is not None:
            info["max_connections"] = self._webhook.hook.max_connections
            if self._webhook.last_error is not None:
                info["last_error_date"] = int(time.time())
                info["last_error_message"] = self._webhook.last_error
        return info

    # Bot API methods: commands.

    def _commands_key(self, request: ApiRequest) -> tuple[str, str]:
        """A scope and language's key: a chat's scope is its own (`chat:<id>`)."""
        scope = request.get_dict("scope") or {}
        kind = str(scope.get("type", "default"))
        if kind == "chat":
            chat_id = scope.get("chat_id")
            if not isinstance(chat_id, int) or chat_id not in self._chats:
                raise ApiError(400, "Bad Request: chat not found")
            kind = f"chat:{chat_id}"
        return kind, request.get_str("language_code") or ""

    async def _set_my_commands(self, request: ApiRequest) -> bool:
        raw = request.get_list("commands")
        if raw is None:
            raise ApiError(400, 'Bad Request: parameter "commands" is required')
        if len(raw) > MAX_COMMANDS:
            raise ApiError(400, "Bad Request: too many commands specified")
        commands = [_parse_command(item) for item in raw]
        key = self._commands_key(request)
        if commands:
            self.commands[key] = commands
        else:
            self.commands.pop(key, None)
        return True

    def menu(self, language_code: str | None, chat_id: int | None = None) -> list[tuple[str, str]]:
        """The command menu a private chat shows a user with this app language, as Telegram
        picks it: the narrowest scope set (the chat's own first), in the user's language if
        set, else without one."""
        language = (language_code or "").split("-")[0].lower()
        scopes = [f"chat:{chat_id}"] if chat_id is not None else []
        scopes += ["all_private_chats", "default"]
        for scope in scopes:
            for key in ((scope, language), (scope, "")):
                if key in self.commands:
                    return self.commands[key]
        return []

    async def _get_my_commands(self, request: ApiRequest) -> list[JsonDict]:
        commands = self.commands.get(self._commands_key(request), [])
        return [{"command": command, "description": text} for command, text in commands]

    async def _delete_my_commands(self, request: ApiRequest) -> bool:
        self.commands.pop(self._commands_key(request), None)
        return True

    # Bot API methods: messages.

    def _chat(self, request: ApiRequest) -> SimChat:
        chat_id = request.params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    async def _publish(self, chat: SimChat, message: Message) -> JsonDict:
        chat.record(message)
        await self.emit(Event("message", chat.chat_id, message))
        return self.message_json(message)

    async def _send_message(self, request: ApiRequest) -> JsonDict:
        chat = self._chat(request)
        text = content.message_text(request)
        markup = content.keyboard(request)
        message = Message(
            message_id=chat.allocate_message_id(),
            chat_id=chat.chat_id,
            date=int(self.clock()),
            text=text.text,
            parse_mode=text.parse_mode,
            html=text.html,
            entities=text.entities,
            buttons=markup.buttons,
            reply_markup=markup.markup,
        )
        return await self._publish(chat, message)

    async def _send_media(self, request: ApiRequest, field: str, folder: str) -> JsonDict:
        chat = self._chat(request)
        file = self._input_file(request, field, folder)
        caption = content.caption(request)
        markup = content.keyboard(request)
        message = Message(
            message_id=chat.allocate_message_id(),
            chat_id=chat.chat_id,
            date=int(self.clock()),
            text=caption.text or None,
            parse_mode=caption.parse_mode,
            html=caption.html,
            entities=caption.entities,
            buttons=markup.buttons,
            reply_markup=markup.markup,
            document=file if field == "document" else None,
            photo_file=file if field == "photo" else None,
        )
        return await self._publish(chat, message)

    async def _send_document(self, request: ApiRequest) -> JsonDict:
        return await self._send_media(request, "document", "documents")

    async def _send_photo(self, request: ApiRequest) -> JsonDict:
        return await self._send_media(request, "photo", "photos")

    def _input_file(self, request: ApiRequest, field: str, folder: str) -> File:
        value = request.params.get(field)
        if isinstance(value, Upload):
            # Clients label uploads application/octet-stream; Telegram goes by the name.
            guessed = mimetypes.guess_type(value.filename)[0] if value.filename else None
            mime_type = guessed or value.content_type
            return self.store_file(
                value.data, file_name=value.filename, mime_type=mime_type, folder=folder
            )
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: there is no {field} in the request")
        known = self._files.get(value) if isinstance(value, str) else None
        if known is None:
            # URLs are refused too: the emulator never fetches anything from the network.
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return known

    def _bot_message(self, request: ApiRequest, missing: str) -> tuple[SimChat, Message]:
        if "inline_message_id" in request.params:
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._chat(request)
        message_id = request.get_int("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = chat.current(message_id)
        if message is None:
            raise ApiError(400, missing)
        return chat, message

    async def _edit_message_text(self, request: ApiRequest) -> JsonDict:
        chat, old = self._bot_message(request, "Bad Request: message to edit not found")
        if old.has_media:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        return await self._apply_edit(
            chat, old, _with_body(old, content.message_text(request), request)
        )

    async def _edit_message_caption(self, request: ApiRequest) -> JsonDict:
        chat, old = self._bot_message(request, "Bad Request: message to edit not found")
        if not old.has_media:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        return await self._apply_edit(
            chat, old, _with_body(old, content.caption(request), request)
        )

    async def _edit_message_reply_markup(self, request: ApiRequest) -> JsonDict:
        chat, old = self._bot_message(request, "Bad Request: message to edit not found")
        markup = content.keyboard(request, inline_only=True)
        new = replace(old, buttons=markup.buttons, reply_markup=markup.markup)
        return await self._apply_edit(chat, old, new)

    async def _apply_edit(self, chat: SimChat, old: Message, new: Message) -> JsonDict:
        # Like Telegram, an edit without reply_markup removes the inline keyboard.
        if content.same_content(old, new):
            raise ApiError(400, NOT_MODIFIED)
        edited = replace(new, edit_count=old.edit_count + 1, edit_date=int(self.clock()))
        chat.record(edited)
        await self.emit(Event("edit", chat.chat_id, edited))
        return self.message_json(edited)

    async def _delete_message(self, request: ApiRequest) -> bool:
        chat = self._chat(request)
        message_id = request.get_int("message_id")
        message = chat.current(message_id) if message_id is not None else None
        if message is not None:
            deleted = replace(message, deleted=True)
            chat.record(deleted)
            await self.emit(Event("delete", chat.chat_id, deleted))
            return True
        post = chat.delete_post(message_id) if message_id is not None else None
        if post is not None:
            await self.emit(Event("delete", chat.chat_id, post))
            return True
        raise ApiError(400, "Bad Request: message to delete not found")

    async def _answer_callback_query(self, request: ApiRequest) -> bool:
        query_id = request.get_str("callback_query_id") or ""
        if query_id not in self._open_queries:
            raise ApiError(400, QUERY_INVALID)
        chat_id = self._open_queries.pop(query_id)
        answer = CallbackAnswer(
            query_id=query_id,
            text=request.get_str("text"),
            show_alert=request.get_bool("show_alert"),
            url=request.get_str("url"),
            cache_time=request.get_int("cache_time"),
        )
        self.callback_answers[query_id] = answer
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is not None:
            chat.notify_changed()
        await self.emit(Event("callback_answer", chat_id, callback_answer=answer))
        return True

    async def _send_chat_action(self, request: ApiRequest) -> bool:
        self._chat(request)
        return True

    async def _get_file(self, request: ApiRequest) -> JsonDict:
        file = self._files.get(request.get_str("file_id") or "")
        if file is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "file_size": file.size,
            "file_path": file.file_path,
        }


def _parse_command(item: Any) -> tuple[str, str]:
    command = item.get("command") if isinstance(item, dict) else None
    description = item.get("description") if isinstance(item, dict) else None
    if not isinstance(command, str) or not _COMMAND_NAME.fullmatch(command):
        raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
    if not isinstance(description, str) or not 1 <= len(description) <= 256:
        raise ApiError(400, "Bad Request: command description is empty or too long")
    return command, description


def _with_body(old: Message, body: content.Content, request: ApiRequest) -> Message:
    """`old` with the text (or caption) and the keyboard an edit request carries."""
    markup = content.keyboard(request, inline_only=True)
    return replace(
        old,
        text=body.text or None,
        parse_mode=body.parse_mode,
        html=body.html,
        entities=body.entities,
        buttons=markup.buttons,
        reply_markup=markup.markup,
    )
