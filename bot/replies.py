"""Neutral input and output values: what adapters build from an update and what they render."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Document:
    """A file the user sent. The adapter downloads its bytes into `content` when its size is
    within the limit it was given (the policy's `charter_max_bytes`); a larger file arrives
    with `content` None, so the core can refuse it without the network inside a transaction."""

    file_id: str
    file_name: str
    mime_type: str
    size: int
    content: bytes | None = field(default=None, repr=False)


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


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    data: str | None = None
    url: str | None = None


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to send; with `edit`, it replaces the message whose button was pressed."""

    text: str
    buttons: Keyboard = ()
    edit: bool = False


@dataclass(frozen=True, slots=True)
class Toast:
    """The answer to a button press (a short notice, or an alert box)."""

    text: str = ""
    alert: bool = False


@dataclass(slots=True)
class Outcome:
    """Everything the adapter must do for one update, in order."""

    replies: list[Reply] = field(default_factory=list)
    toast: Toast | None = None
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class BotCommand:
    command: str
    description: str
