"""Plain data objects the emulator records and hands to tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

JsonDict = dict[str, Any]

EventKind = Literal["message", "edit", "delete", "callback_answer", "post"]


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JsonDict:
        """The JSON body the real Bot API returns for this error."""
        body: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass(frozen=True, slots=True)
class Button:
    """One inline keyboard button."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class File:
    """A file known to the emulator: uploaded by the bot or sent by a simulated user."""

    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str | None
    mime_type: str | None
    data: bytes

    @property
    def size(self) -> int:
        """Size of the file in bytes."""
        return len(self.data)


@dataclass(frozen=True, slots=True)
class Message:
    """A message as currently shown; every edit produces a new snapshot.

    `sender` is None for the bot's messages and the User object of a simulated user's post.
    """

    message_id: int
    chat_id: int
    date: int
    text: str | None
    parse_mode: str | None = None
    html: str | None = None
    entities: list[JsonDict] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)
    reply_markup: JsonDict | None = None
    document: File | None = None
    photo_file: File | None = None
    edit_count: int = 0
    edit_date: int | None = None
    deleted: bool = False
    sender: JsonDict | None = None
    # A user's post that is a person chosen with a bot's picker: the Bot API UsersShared object.
    users_shared: JsonDict | None = None

    @property
    def photo(self) -> bytes | None:
        """The bytes of the photo, if this is a photo message."""
        return self.photo_file.data if self.photo_file else None

    @property
    def has_media(self) -> bool:
        """Whether text is a caption (document or photo message)."""
        return self.document is not None or self.photo_file is not None

    def button(self, text: str) -> Button:
        """The inline button whose text is exactly `text`."""
        for row in self.buttons:
            for candidate in row:
                if candidate.text == text:
                    return candidate
        raise LookupError(
            f"message {self.message_id} has no button {text!r}; buttons: {self.button_texts()}"
        )

    def button_texts(self) -> list[str]:
        """Texts of all inline buttons, row by row."""
        return [button.text for row in self.buttons for button in row]


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """What the bot passed to answerCallbackQuery."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None


@dataclass(frozen=True, slots=True)
class Call:
    """One Bot API request as the emulator saw and answered it."""

    method: str
    params: JsonDict
    at: float
    chat_id: int | None
    status: int
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """A change that subscribers (e.g. the web chat) are told about.

    "message", "edit" and "delete" are the bot's doing (deleting a user's post included); "post"
    is a simulated user's new message; "callback_answer" is the bot's answerCallbackQuery.
    """

    kind: EventKind
    chat_id: int | None
    message: Message | None = None
    callback_answer: CallbackAnswer | None = None


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes
