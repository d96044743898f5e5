"""Validation of message content sent by the bot, and the Bot API JSON of what it produced."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.formatting import HtmlParseError, parse_html, utf16_len
from emulator.models import ApiError, Button, File, JsonDict, Message
from emulator.params import ApiRequest

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64


@dataclass(frozen=True, slots=True)
class Content:
    """Text or caption of a message after parse_mode processing."""

    text: str
    parse_mode: str | None
    html: str | None
    entities: list[JsonDict]


@dataclass(frozen=True, slots=True)
class Keyboard:
    """An inline keyboard; reply keyboards are not shown on the message, so they are empty."""

    markup: JsonDict | None
    buttons: list[list[Button]]


def message_text(request: ApiRequest) -> Content:
    """The `text` of sendMessage/editMessageText, validated like Telegram does."""
    content = _render(request, "text", "entities")
    if not content.text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if utf16_len(content.text) > MAX_TEXT_LENGTH:
        raise ApiError(400, "Bad Request: message is too long")
    return content


def caption(request: ApiRequest) -> Content:
    """The `caption` of a media message, validated like Telegram does."""
    content = _render(request, "caption", "caption_entities")
    if utf16_len(content.text) > MAX_CAPTION_LENGTH:
        raise ApiError(400, "Bad Request: message caption is too long")
    return content


def _render(request: ApiRequest, field: str, entities_field: str) -> Content:
    raw = request.get_str(field) or ""
    parse_mode = request.get_str("parse_mode") or None
    if parse_mode is not None and parse_mode.upper() == "HTML":
        try:
            text, entities = parse_html(raw)
        except HtmlParseError as error:
            raise ApiError(400, f"Bad Request: can't parse entities: {error}") from error
        return Content(text, parse_mode, raw, entities)
    # Other parse modes are passed through unparsed: the emulator only checks HTML.
    return Content(raw, parse_mode, None, list(request.get_list(entities_field) or []))


def keyboard(request: ApiRequest, *, inline_only: bool = False) -> Keyboard:
    """The keyboard in `reply_markup`, checked like Telegram does: an inline keyboard's
    buttons, or a reply keyboard (shown under the input field, so no buttons on the message)
    or its removal, kept as sent. An edit (`inline_only`) takes only an inline keyboard."""
    markup = request.get_dict("reply_markup")
    if markup is None:
        return Keyboard(None, [])
    if "inline_keyboard" not in markup:
        if inline_only:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        if "keyboard" in markup:
            _check_reply_keyboard(markup["keyboard"])
        elif markup.get("remove_keyboard") is not True:
            raise ApiError(400, "Bad Request: unsupported reply_markup")
        return Keyboard(markup, [])
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(
            400,
            'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup should be an '
            "Array of Arrays",
        )
    return Keyboard(markup, [[_button(raw) for raw in row] for row in rows])


def _check_reply_keyboard(rows: Any) -> None:
    """A ReplyKeyboardMarkup's rows: buttons with text; a request_users button's request_id is
    a number, and it asks for at most 10 people."""
    if not isinstance(rows, list) or not rows or not all(isinstance(row, list) for row in rows):
        raise ApiError(
            400,
            'Bad Request: field "keyboard" of the ReplyKeyboardMarkup should be an Array of '
            "Arrays",
        )
    for raw in (button for row in rows for button in row):
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"]:
            raise ApiError(400, "Bad Request: can't parse keyboard button: Text is empty")
        request = raw.get("request_users")
        if request is not None:
            quantity = request.get("max_quantity", 1) if isinstance(request, dict) else None
            if not isinstance(request, dict) or not isinstance(request.get("request_id"), int):
                raise ApiError(400, "Bad Request: can't parse keyboard button: bad request_users")
            if not isinstance(quantity, int) or not 1 <= quantity <= 10:
                raise ApiError(400, "Bad Request: BUTTON_USER_QUANTITY_INVALID")


def picker_request(markup: JsonDict | None) -> int | None:
    """The request_id of the person picker on a reply keyboard, if it has one."""
    if markup is None:
        return None
    for row in markup.get("keyboard") or []:
        for button in row:
            request = button.get("request_users")
            if isinstance(request, dict):
                return int(request["request_id"])
    return None


def _button(raw: Any) -> Button:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise ApiError(400, "Bad Request: can't parse inline keyboard button: Text is empty")
    data = raw.get("callback_data")
    if data is not None:
        data = str(data)
        if not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    url = raw.get("url")
    return Button(raw["text"], data, url if isinstance(url, str) else None)


def same_content(old: Message, new: Message) -> bool:
    """Whether an edit would change nothing the user sees ("message is not modified")."""
    return (old.text, old.entities, old.buttons) == (new.text, new.entities, new.buttons)


def user_json(user_id: int, first_name: str, username: str) -> JsonDict:
    """The Bot API User object of a bot."""
    return {"id": user_id, "is_bot": True, "first_name": first_name, "username": username}


def file_json(file: File) -> JsonDict:
    """The Bot API Document object of a file."""
    document: JsonDict = {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_size": file.size,
    }
    if file.file_name is not None:
        document["file_name"] = file.file_name
    if file.mime_type is not None:
        document["mime_type"] = file.mime_type
    return document


def photo_json(file: File) -> list[JsonDict]:
    """The PhotoSize list of a photo; the emulator does not decode images, so sizes are 0."""
    return [
        {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "file_size": file.size,
            "width": 0,
            "height": 0,
        }
    ]


def message_json(message: Message, chat: JsonDict, sender: JsonDict) -> JsonDict:
    """The Bot API Message object of a bot message as currently shown."""
    payload: JsonDict = {
        "message_id": message.message_id,
        "from": sender,
        "chat": chat,
        "date": message.date,
    }
    if message.edit_date is not None:
        payload["edit_date"] = message.edit_date
    text_key, entities_key = (
        ("caption", "caption_entities") if message.has_media else ("text", "entities")
    )
    if message.text:
        payload[text_key] = message.text
    if message.entities:
        payload[entities_key] = message.entities
    if message.document is not None:
        payload["document"] = file_json(message.document)
    if message.photo_file is not None:
        payload["photo"] = photo_json(message.photo_file)
    # A Message carries only an inline keyboard: a reply keyboard is the chat's, not its.
    if message.reply_markup is not None and "inline_keyboard" in message.reply_markup:
        payload["reply_markup"] = message.reply_markup
    return payload
