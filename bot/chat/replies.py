"""Neutral input and output values: what adapters build from an update and what they render."""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from bot.chat.text import telegram_name


@dataclass(frozen=True, slots=True)
class Document:
    """A file the user sent. The adapter downloads its bytes into `content` when its size is
    within the limit it was given (the policy's `charter_max_bytes`); a larger file arrives
    with `content` None, so the core can refuse it without the network inside a transaction.
    `fetch_failed` says the adapter tried and could not download it: it is asked for again."""

    file_id: str
    file_name: str
    mime_type: str
    size: int
    content: bytes | None = field(default=None, repr=False)
    fetch_failed: bool = False

    def within(self, limit: int) -> bool:
        """Whether the adapter should download it: a declared size from 1 byte to `limit`."""
        return 0 < self.size <= limit

    def with_content(self, data: bytes, limit: int) -> Document:
        """This document with its bytes; one byte past `limit` is kept, so an upload larger than
        its declared size is still seen as too large."""
        return replace(self, content=data[: limit + 1])

    def unfetched(self) -> Document:
        """This document, whose download failed."""
        return replace(self, fetch_failed=True)


@dataclass(frozen=True, slots=True)
class SharedPerson:
    """A person the user chose with a `PersonPicker` (Telegram's `users_shared`). The choice is
    the user's client's word, like callback data: who may act on it is checked again."""

    user_id: int
    name: str  # their Telegram name, in the order their script writes it ("" when none)
    username: str | None = None  # without the @

    @classmethod
    def of(
        cls,
        user_id: int,
        first_name: str | None,
        last_name: str | None,
        username: str | None = None,
    ) -> SharedPerson:
        """The person as Telegram shares them (the picker asks for names and username)."""
        return cls(user_id, telegram_name(first_name, last_name), username or None)


@dataclass(frozen=True, slots=True)
class Incoming:
    """One Telegram update, reduced to what the core needs."""

    update_id: int
    chat_id: int
    user_id: int
    private: bool = True
    language_code: str | None = None
    text: str | None = None
    callback_id: str | None = None
    callback_data: str | None = None
    message_id: int | None = None  # the bot message whose button was pressed
    document: Document | None = None
    # Set for a change of the bot's membership in a private chat, which needs no reply: the
    # user blocked the bot (True) or unblocked it (False).
    blocked: bool | None = None
    shared: SharedPerson | None = None


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    data: str | None = None
    url: str | None = None


Keyboard = tuple[tuple[Button, ...], ...]

# The request_id of every person picker: one picker is open at a time, and the conversation's
# state, not the id, says what the choice is for.
PICKER_REQUEST = 1


@dataclass(frozen=True, slots=True)
class PersonPicker:
    """A button under the input field that opens Telegram's chooser of a person (a reply
    keyboard with KeyboardButtonRequestUsers); the choice arrives as `Incoming.shared`."""

    text: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the bot sends (a document, or a photo shown inline).

    `content` is bytes or a function that makes them: the adapter calls it in a worker thread
    after the update's transaction has ended, so building a workbook or drawing a chart holds
    neither the database nor the event loop."""

    name: str
    content: bytes | Callable[[], bytes]
    mime_type: str = "application/octet-stream"
    photo: bool = False

    async def read(self) -> bytes:
        """The file's bytes (made off the event loop when they are made on demand)."""
        if isinstance(self.content, bytes):
            return self.content
        return await asyncio.to_thread(self.content)


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to send; with `edit`, it replaces the message whose button was pressed.

    With `attachment`, the text is the file's caption (sent as a message of its own first
    when it is too long for a caption)."""

    text: str
    buttons: Keyboard = ()
    edit: bool = False
    attachment: Attachment | None = None
    # A reply keyboard instead of inline buttons: the person picker, or its removal.
    picker: PersonPicker | None = None
    close_picker: bool = False

    def __post_init__(self) -> None:
        # Telegram takes one reply_markup per message, and an edit takes only inline buttons.
        if (self.picker is not None or self.close_picker) and (self.buttons or self.edit):
            raise ValueError("a person picker goes alone, in a new message")

    @property
    def caption(self) -> str | None:
        """The text as the attachment's caption, or None when it is too long for one (then it
        goes first as a message of its own)."""
        return self.text if len(self.text) <= CAPTION_LIMIT else None


@dataclass(frozen=True, slots=True)
class Toast:
    """The answer to a button press (a short notice, or an alert box)."""

    text: str = ""
    alert: bool = False


@dataclass(slots=True)
class Outcome:
    """Everything the adapter must do for one update, in order; then `sent()` once the replies
    went out (the answer kept with the update is then delivered)."""

    replies: list[Reply] = field(default_factory=list)
    toast: Toast | None = None
    duplicate: bool = False
    sent: Callable[[], Awaitable[None]] | None = field(default=None, compare=False, repr=False)

    def stored(self) -> str | None:
        """The replies as JSON to keep with the update; None when there is nothing to send
        again. Files are made on demand and are not kept: their caption is."""
        if not self.replies:
            return None
        return json.dumps(
            [
                {
                    "text": r.text,
                    "buttons": [[[b.text, b.data, b.url] for b in row] for row in r.buttons],
                    "edit": r.edit,
                    "picker": r.picker.text if r.picker else None,
                    "close": r.close_picker,
                }
                for r in self.replies
            ],
            ensure_ascii=False,
        )


def stored_replies(data: str) -> list[Reply]:
    """The replies `Outcome.stored` kept."""
    return [
        Reply(
            r["text"],
            tuple(tuple(Button(*b) for b in row) for row in r["buttons"]),
            edit=r["edit"],
            picker=PersonPicker(r["picker"]) if r.get("picker") else None,
            close_picker=bool(r.get("close")),
        )
        for r in json.loads(data)
    ]


@dataclass(frozen=True, slots=True)
class BotCommand:
    command: str
    description: str


@dataclass(frozen=True, slots=True)
class Menu:
    """The command menu one chat should show: its key (what it was made from) and commands."""

    key: str
    commands: list[BotCommand]


# Telegram's limit on a caption, in characters after entity parsing.
CAPTION_LIMIT = 1024

# Telegram's limit on a message's text, in UTF-16 code units after entity parsing. Texts here
# are HTML, measured with their markup: never shorter than what Telegram counts.
TEXT_LIMIT = 4096
ELLIPSIS = "…"
_TAG = re.compile(r"<[^>]+>")


def utf16_len(text: str) -> int:
    """The length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def fit(reply: Reply, limit: int = TEXT_LIMIT) -> list[Reply]:
    """The reply as messages Telegram accepts: a text over the limit is split at line breaks
    (the buttons go with the last part, an edit only replaces with the first), and a single line
    over it is cut, as plain text, with an ellipsis. Every outgoing text passes here."""
    if utf16_len(reply.text) <= limit:
        return [reply]
    parts = split_text(reply.text, limit)
    last = len(parts) - 1
    return [
        replace(
            reply,
            text=part,
            buttons=reply.buttons if i == last else (),
            edit=reply.edit and i == 0,
            attachment=reply.attachment if i == last else None,
            picker=reply.picker if i == last else None,
            close_picker=reply.close_picker and i == last,
        )
        for i, part in enumerate(parts)
    ]


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """`text` in parts of at most `limit` UTF-16 units, whole lines where they fit."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        if utf16_len(line) > limit:
            line = _cut(line, limit)
        width = utf16_len(line) + (1 if current else 0)
        if current and size + width > limit:
            parts.append("\n".join(current))
            current, size = [], 0
            width = utf16_len(line)
        current.append(line)
        size += width
    parts.append("\n".join(current))
    return [part for part in parts if part.strip()] or [parts[0]]


def _cut(line: str, limit: int) -> str:
    """One line shortened to `limit` units: its markup dropped (a cut could leave a tag open),
    never through an entity or a surrogate pair."""
    plain = html.escape(html.unescape(_TAG.sub("", line)), quote=False)
    budget = limit - utf16_len(ELLIPSIS)
    kept: list[str] = []
    used = 0
    for char in plain:
        width = utf16_len(char)
        if used + width > budget:
            break
        kept.append(char)
        used += width
    cut = "".join(kept)
    amp = cut.rfind("&")
    if amp > cut.rfind(";"):
        cut = cut[:amp]  # the entity's end fell off
    return cut + ELLIPSIS
