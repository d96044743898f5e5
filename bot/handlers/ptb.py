"""The python-telegram-bot 22 front end: updates in as `Incoming`, outcomes out as API calls."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from telegram import (
    BotCommand as TgBotCommand,
)
from telegram import (
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    KeyboardButtonRequestUsers,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut
from telegram.error import RetryAfter as TgRetryAfter
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults, TypeHandler

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

# PTB serializes updates unless told otherwise; the core already serializes per conversation.
# More is not faster: httpcore's connection pool scans every connection for every request, so at
# 64 updates in flight that scan was most of the process's work (profiled); 8 keeps PostgreSQL's
# round trips overlapping.
CONCURRENT_UPDATES = 8


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=b.data, url=b.url) for b in row]
            for row in keyboard
        ]
    )


ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def reply_markup(reply: Reply) -> ReplyMarkup | None:
    """A new message's keyboard: its inline buttons, the person picker, or the picker's end."""
    if reply.picker is not None:
        chooser = KeyboardButtonRequestUsers(
            PICKER_REQUEST,
            user_is_bot=False,
            max_quantity=1,
            request_name=True,
            request_username=True,
        )
        button = KeyboardButton(reply.picker.text, request_users=chooser)
        return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
    if reply.close_picker:
        return ReplyKeyboardRemove()
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
    msg = update.message
    if msg is not None and msg.from_user is not None:
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


# httpx's failures before the whole request reached Telegram.
NEVER_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
)


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class PtbFrontEnd:
    """The FrontEnd protocol over python-telegram-bot."""

    def __init__(self, token: str, api_url: str, document_limit: int = 0) -> None:
        self.document_limit = document_limit
        self.pace: Pace = Pacer(Throttle(Policy()))
        self.app: Application = (  # type: ignore[type-arg]
            ApplicationBuilder()
            .token(token)
            .base_url(f"{api_url}/bot")
            .base_file_url(f"{api_url}/file/bot")
            .defaults(
                Defaults(
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
            )
            .concurrent_updates(CONCURRENT_UPDATES)
            .build()
        )

    async def open(self) -> BotIdentity:
        await self.app.initialize()
        me = self.app.bot.bot
        return BotIdentity(me.id, me.username or "")

    async def register_commands(self, menus: dict[Language, list[BotCommand]]) -> None:
        for language, commands in menus.items():
            await self.app.bot.set_my_commands(
                [TgBotCommand(c.command, c.description) for c in commands],
                language_code=None if language is Language.EN else language.value,
            )

    async def set_menu(self, chat_id: int, commands: list[BotCommand] | None) -> None:
        scope = BotCommandScopeChat(chat_id)
        bot = self.app.bot
        try:
            if commands is None:
                await bot.delete_my_commands(scope=scope)
            else:
                tg = [TgBotCommand(c.command, c.description) for c in commands]
                await bot.set_my_commands(tg, scope=scope)
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise Unreachable(exc.message) from exc
            raise
        except (TgRetryAfter, Forbidden, NetworkError) as exc:
            neutral = _delivery_error(exc)
            if neutral is None:
                raise
            raise neutral from exc

    async def start(self, handler: Handler) -> None:
        async def on_update(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
            inc = incoming(update)
            if inc is not None:
                inc = await self._with_content(inc)
                await self._render(inc, await handler(inc))

        self.app.add_handler(TypeHandler(Update, on_update))
        # run_polling() and run_webhook() want to own the event loop; start the parts by hand.
        await self.app.start()

    async def poll(self, stop: asyncio.Event) -> None:
        assert self.app.updater is not None
        await self.app.updater.start_polling(
            poll_interval=0,
            timeout=timedelta(seconds=10),
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=False,
        )
        await stop.wait()
        await self.app.updater.stop()

    async def listen(self, url: str, secret: str) -> None:
        await self.app.bot.set_webhook(
            url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES)
        )

    async def feed(self, raw: dict[str, Any]) -> None:
        try:
            update = Update.de_json(raw, self.app.bot)
        except (KeyError, TypeError, ValueError) as exc:
            raise NotAnUpdate(str(exc)) from exc
        # The application's own update fetcher handles it, CONCURRENT_UPDATES at a time.
        await self.app.update_queue.put(update)

    async def _with_content(self, inc: Incoming) -> Incoming:
        """The update with its document's bytes, when the document is within the limit."""
        doc = inc.document
        if doc is None or not doc.within(self.document_limit):
            return inc
        try:
            file = await self.app.bot.get_file(doc.file_id)
            content = bytes(await file.download_as_bytearray())
        except NetworkError as exc:  # BadRequest, TimedOut, or a 5xx answer
            log.warning("could not download document %s: %s", doc.file_id, exc)
            return replace(inc, document=doc.unfetched())
        return replace(inc, document=doc.with_content(content, self.document_limit))

    async def _render(self, inc: Incoming, outcome: Outcome) -> None:
        bot = self.app.bot
        if inc.callback_id is not None and outcome.toast is not None:
            with contextlib.suppress(BadRequest):  # the query is too old: nothing to do
                await bot.answer_callback_query(
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
                    bot.send_message, inc.chat_id, reply.text, reply_markup=reply_markup(reply)
                ),
            )
        if outcome.sent is not None:
            await outcome.sent()

    async def _send_file(self, chat_id: int, reply: Reply, attachment: Attachment) -> None:
        bot = self.app.bot
        caption = reply.caption
        if caption is None:
            await self._paced(chat_id, lambda: bot.send_message(chat_id, reply.text))
        content = await attachment.read()
        keyboard = markup(reply.buttons)
        send = bot.send_photo if attachment.photo else bot.send_document
        await self._paced(
            chat_id,
            lambda: send(
                chat_id,
                InputFile(content, filename=attachment.name),
                caption=caption,
                reply_markup=keyboard,
            ),
        )

    async def _edit(self, inc: Incoming, reply: Reply) -> bool:
        """Edit the pressed message; False when it cannot be edited (then a new one is sent)."""
        try:
            await self._edited(
                lambda: self.app.bot.edit_message_text(
                    reply.text,
                    chat_id=inc.chat_id,
                    message_id=inc.message_id,
                    reply_markup=markup(reply.buttons),
                ),
            )
        except BadRequest as exc:
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
            await self.app.bot.send_message(chat_id, reply.text, reply_markup=reply_markup(reply))
        except (TgRetryAfter, Forbidden, NetworkError) as exc:
            neutral = _delivery_error(exc)
            if neutral is None:
                raise
            raise neutral from exc

    async def close(self) -> None:
        if self.app.running:
            await self.app.stop()  # after the updates in its queue
        with contextlib.suppress(RuntimeError):  # never initialized
            await self.app.shutdown()


def _delivery_error(exc: TgRetryAfter | Forbidden | NetworkError) -> DeliveryError | None:
    """The core's word for a failed call of the bot's own initiative; None: no word (a bad
    request, or an answer Telegram gave: raised as it is)."""
    if isinstance(exc, TgRetryAfter):
        return RetryAfter(_seconds(exc.retry_after))
    if isinstance(exc, Forbidden):
        return Unreachable(exc.message)
    # Only a request that went out whole may have arrived; one that did not is retried, as is an
    # answer that came (a 5xx).
    cause = exc.__cause__
    if isinstance(cause, NEVER_SENT):
        return NotSent(exc.message)
    if isinstance(exc, TimedOut) or isinstance(cause, httpx.TransportError):
        return MaybeDelivered(exc.message)
    return None


def _neutral_429(make: Callable[[], Awaitable[T]]) -> Callable[[], Awaitable[T]]:
    """The call, with the framework's 429 raised as the core's `RetryAfter`."""

    async def attempt() -> T:
        try:
            return await make()
        except TgRetryAfter as exc:
            raise RetryAfter(_seconds(exc.retry_after)) from exc

    return attempt
