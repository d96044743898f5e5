"""The aiogram 3 front end: updates in as `Incoming`, outcomes out as Bot API calls."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

from aiogram import Bot, Dispatcher, methods
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.methods.base import Response
from aiogram.types import (
    BotCommand as TgBotCommand,
)
from aiogram.types import (
    BotCommandScopeChat,
    BotCommandScopeDefault,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    KeyboardButtonRequestUsers,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
    Update,
)
from aiohttp import ClientConnectorError, ClientError, ConnectionTimeoutError
from pydantic import ValidationError

from bot.chat.frontend import (
    ALLOWED_UPDATES,
    BotIdentity,
    DeliveryError,
    Handler,
    MaybeDelivered,
    NotAnUpdate,
    NotSent,
    Pace,
    RetryAfter,
    Unreachable,
)
from bot.chat.replies import (
    PICKER_REQUEST,
    Attachment,
    BotCommand,
    Document,
    Incoming,
    Keyboard,
    Outcome,
    Reply,
    SharedPerson,
)
from bot.domain.policy import Policy
from bot.domain.values import Language
from schedules.throttle import Pacer, Throttle

log = logging.getLogger(__name__)
T = TypeVar("T")

# aiogram reads every Bot API answer as `Response[<the method's result type>]`, a pydantic generic
# model that it builds inside a function, where pydantic's cache of generic models holds it only
# weakly. So a full garbage collection frees it, and the next answer builds its validator again
# (milliseconds for `Response[Message]`; in the benchmark, once every 100 or so updates: about
# 6 % of the process's CPU). Holding the answers of the methods this adapter calls keeps them
# built.
METHODS = (
    methods.AnswerCallbackQuery,
    methods.DeleteMyCommands,
    methods.DeleteWebhook,
    methods.EditMessageText,
    methods.GetFile,
    methods.GetMe,
    methods.GetUpdates,
    methods.SendDocument,
    methods.SendMessage,
    methods.SendPhoto,
    methods.SetMyCommands,
    methods.SetWebhook,
)
_ANSWERS = tuple(
    Response[method.__returning__]  # type: ignore[name-defined]  # (a value, not a type name)
    for method in METHODS
)


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    rows = [
        [InlineKeyboardButton(text=b.text, callback_data=b.data, url=b.url) for b in row]
        for row in keyboard
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def reply_markup(reply: Reply) -> ReplyMarkup | None:
    """A new message's keyboard: its inline buttons, the person picker, or the picker's end."""
    if reply.picker is not None:
        chooser = KeyboardButtonRequestUsers(
            request_id=PICKER_REQUEST,
            user_is_bot=False,
            max_quantity=1,
            request_name=True,
            request_username=True,
        )
        button = KeyboardButton(text=reply.picker.text, request_users=chooser)
        return ReplyKeyboardMarkup(
            keyboard=[[button]], resize_keyboard=True, one_time_keyboard=True
        )
    if reply.close_picker:
        return ReplyKeyboardRemove(remove_keyboard=True)
    return markup(reply.buttons)


def _shared(msg: Message) -> SharedPerson | None:
    """The person chosen with the picker, when the message is that choice."""
    shared = msg.users_shared
    if shared is None or not shared.users:
        return None
    person = shared.users[0]
    return SharedPerson.of(person.user_id, person.first_name, person.last_name, person.username)


def incoming(update: Update) -> Incoming | None:
    """The neutral value of an update, or None for kinds the bot does not handle."""
    if update.message is not None and update.message.from_user is not None:
        msg = update.message
        assert msg.from_user is not None
        doc = msg.document
        return Incoming(
            update_id=update.update_id,
            chat_id=msg.chat.id,
            user_id=msg.from_user.id,
            private=msg.chat.type == "private",
            language_code=msg.from_user.language_code,
            text=msg.text or msg.caption,
            document=Document(
                doc.file_id, doc.file_name or "", doc.mime_type or "", doc.file_size or 0
            )
            if doc
            else None,
            shared=_shared(msg),
        )
    query = update.callback_query
    if query is not None:
        message = query.message if isinstance(query.message, Message) else None
        return Incoming(
            update_id=update.update_id,
            chat_id=message.chat.id if message else query.from_user.id,
            user_id=query.from_user.id,
            private=message is None or message.chat.type == "private",
            language_code=query.from_user.language_code,
            callback_id=query.id,
            callback_data=query.data or "",
            message_id=message.message_id if message else None,
        )
    member = update.my_chat_member
    if member is not None and member.chat.type == "private":
        # A private chat's bot member is "kicked" while the user blocks the bot.
        return Incoming(
            update_id=update.update_id,
            chat_id=member.chat.id,
            user_id=member.from_user.id,
            language_code=member.from_user.language_code,
            blocked=member.new_chat_member.status == "kicked",
        )
    return None


class AiogramFrontEnd:
    """The FrontEnd protocol over aiogram."""

    def __init__(self, token: str, api_url: str, document_limit: int = 0) -> None:
        self.document_limit = document_limit
        self.pace: Pace = Pacer(Throttle(Policy()))
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_url))
        self.bot = Bot(
            token,
            session=session,
            default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
        )
        # The conversation state lives in clubbot's database: aiogram's FSM would only add work.
        self.dispatcher = Dispatcher(disable_fsm=True)
        # Webhook updates being handled (a reference keeps each task alive until it ends).
        self._feeding: set[asyncio.Task[Any]] = set()

    async def open(self) -> BotIdentity:
        me = await self.bot.get_me()
        return BotIdentity(me.id, me.username or "")

    async def register_commands(self, menus: dict[Language, list[BotCommand]]) -> None:
        for language, commands in menus.items():
            await self.bot.set_my_commands(
                [TgBotCommand(command=c.command, description=c.description) for c in commands],
                scope=BotCommandScopeDefault(),
                language_code=None if language is Language.EN else language.value,
            )

    async def set_menu(self, chat_id: int, commands: list[BotCommand] | None) -> None:
        scope = BotCommandScopeChat(chat_id=chat_id)
        try:
            if commands is None:
                await self.bot.delete_my_commands(scope=scope)
            else:
                tg = [TgBotCommand(command=c.command, description=c.description) for c in commands]
                await self.bot.set_my_commands(tg, scope=scope)
        except TelegramBadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise Unreachable(exc.message) from exc
            raise
        except (
            TelegramRetryAfter,
            TelegramForbiddenError,
            TelegramNetworkError,
            TimeoutError,
        ) as exc:
            raise _delivery_error(exc) from exc

    async def start(self, handler: Handler) -> None:
        async def on_event(_: TelegramObject, event_update: Update) -> None:
            inc = incoming(event_update)
            if inc is not None:
                inc = await self._with_content(inc)
                await self._render(inc, await handler(inc))

        # The dispatcher's own `update` observer feeds these; the whole update rides along.
        self.dispatcher.message.register(on_event)
        self.dispatcher.callback_query.register(on_event)
        self.dispatcher.my_chat_member.register(on_event)

    async def poll(self, stop: asyncio.Event) -> None:
        # aiogram does not remove a leftover webhook itself, and getUpdates fails while one is set.
        await self.bot.delete_webhook()
        polling = asyncio.create_task(
            self.dispatcher.start_polling(
                self.bot,
                handle_signals=False,
                close_bot_session=False,
                allowed_updates=list(ALLOWED_UPDATES),
                polling_timeout=10,
            )
        )
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not polling.done():
            with contextlib.suppress(RuntimeError):  # polling had not started yet
                await self.dispatcher.stop_polling()
        stopping.cancel()
        await polling

    async def listen(self, url: str, secret: str) -> None:
        await self.bot.set_webhook(url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES))

    async def feed(self, raw: dict[str, Any]) -> None:
        try:
            update = Update.model_validate(raw, context={"bot": self.bot})
        except ValidationError as exc:
            raise NotAnUpdate(str(exc)) from exc
        task = asyncio.create_task(self.dispatcher.feed_update(self.bot, update))
        self._feeding.add(task)
        task.add_done_callback(self._fed)

    def _fed(self, task: asyncio.Task[Any]) -> None:
        self._feeding.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a webhook update failed", exc_info=task.exception())

    async def _with_content(self, inc: Incoming) -> Incoming:
        """The update with its document's bytes, when the document is within the limit."""
        doc = inc.document
        if doc is None or not doc.within(self.document_limit):
            return inc
        try:
            file = await self.bot.get_file(doc.file_id)
            if file.file_path is None:
                log.warning("could not download document %s: no file path", doc.file_id)
                return replace(inc, document=doc.unfetched())
            buffer = await self.bot.download_file(file.file_path)
        except (TelegramBadRequest, TelegramNetworkError, ClientError) as exc:
            # aiogram's download leaves the HTTP client's errors (a 5xx) as they are.
            log.warning("could not download document %s: %s", doc.file_id, exc)
            return replace(inc, document=doc.unfetched())
        content = buffer.read() if buffer is not None else b""
        return replace(inc, document=doc.with_content(content, self.document_limit))

    async def _render(self, inc: Incoming, outcome: Outcome) -> None:
        if inc.callback_id is not None and outcome.toast is not None:
            with contextlib.suppress(TelegramBadRequest):  # the query is too old: nothing to do
                await self.bot.answer_callback_query(
                    inc.callback_id,
                    text=outcome.toast.text or None,
                    show_alert=outcome.toast.alert,
                )
        for reply in outcome.replies:
            if reply.attachment is not None:
                await self._send_file(inc.chat_id, reply, reply.attachment)
                continue
            if reply.edit and inc.message_id is not None and await self._edit(inc, reply):
                continue
            await self._paced(
                inc.chat_id,
                functools.partial(
                    self.bot.send_message,
                    inc.chat_id,
                    reply.text,
                    reply_markup=reply_markup(reply),
                ),
            )
        if outcome.sent is not None:
            await outcome.sent()

    async def _send_file(self, chat_id: int, reply: Reply, attachment: Attachment) -> None:
        caption = reply.caption
        if caption is None:
            await self._paced(chat_id, lambda: self.bot.send_message(chat_id, reply.text))
        file = BufferedInputFile(await attachment.read(), filename=attachment.name)
        keyboard = markup(reply.buttons)
        send = self.bot.send_photo if attachment.photo else self.bot.send_document
        await self._paced(
            chat_id, lambda: send(chat_id, file, caption=caption, reply_markup=keyboard)
        )

    async def _edit(self, inc: Incoming, reply: Reply) -> bool:
        """Edit the pressed message; False when it cannot be edited (then a new one is sent)."""
        assert inc.message_id is not None
        try:
            await self._edited(
                lambda: self.bot.edit_message_text(
                    text=reply.text,
                    chat_id=inc.chat_id,
                    message_id=inc.message_id,
                    reply_markup=markup(reply.buttons),
                ),
            )
        except TelegramBadRequest as exc:
            return "not modified" in exc.message
        return True

    def pace_with(self, pace: Pace) -> None:
        self.pace = pace

    async def _paced(self, chat_id: int, make: Callable[[], Awaitable[T]]) -> T:
        """A reply's call within the shared limits; a 429 is waited out, not dropped."""
        return await self.pace.send(chat_id, _neutral_429(make))

    async def _edited(self, make: Callable[[], Awaitable[T]]) -> T:
        """An edit of the pressed message: at once, a 429 waited out, not dropped."""
        return await self.pace.edit(_neutral_429(make))

    async def send(self, chat_id: int, reply: Reply) -> None:
        try:
            await self.bot.send_message(chat_id, reply.text, reply_markup=reply_markup(reply))
        except (
            TelegramRetryAfter,
            TelegramForbiddenError,
            TelegramNetworkError,
            TimeoutError,
        ) as exc:
            raise _delivery_error(exc) from exc

    async def close(self) -> None:
        await asyncio.gather(*self._feeding, return_exceptions=True)
        await self.bot.session.close()


def _delivery_error(
    exc: TelegramRetryAfter | TelegramForbiddenError | TelegramNetworkError | TimeoutError,
) -> DeliveryError:
    """The core's word for a failed call of the bot's own initiative."""
    if isinstance(exc, TelegramRetryAfter):
        return RetryAfter(exc.retry_after)
    if isinstance(exc, TelegramForbiddenError):
        return Unreachable(exc.message)
    # Only a request that went out may have arrived; a connection never made is retried.
    if isinstance(exc.__cause__, (ClientConnectorError, ConnectionTimeoutError)):
        return NotSent(str(exc))
    return MaybeDelivered(str(exc))


def _neutral_429(make: Callable[[], Awaitable[T]]) -> Callable[[], Awaitable[T]]:
    """The call, with the framework's 429 raised as the core's `RetryAfter`."""

    async def attempt() -> T:
        try:
            return await make()
        except TelegramRetryAfter as exc:
            raise RetryAfter(exc.retry_after) from exc

    return attempt
