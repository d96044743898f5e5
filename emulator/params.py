"""Reading Bot API parameters from any of the encodings real clients use.

Telegram accepts the query string, JSON bodies, urlencoded forms and multipart forms. In the
form encodings every value is a string and structured values are JSON-encoded, so parameters
are normalised here once: tests then see the same ``Call.params`` whichever client sent them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import BodyPartReader, hdrs, web

from emulator.models import ApiError, JsonDict, Upload

_JSON_PARAMS = frozenset(
    {
        "allowed_updates",
        "caption_entities",
        "commands",
        "entities",
        "link_preview_options",
        "media",
        "reply_markup",
        "reply_parameters",
        "scope",
    }
)
_INT_PARAMS = frozenset(
    {
        "cache_time",
        "chat_id",
        "from_chat_id",
        "limit",
        "max_connections",
        "message_id",
        "message_thread_id",
        "offset",
        "reply_to_message_id",
        "timeout",
        "user_id",
    }
)
_BOOL_PARAMS = frozenset(
    {
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "disable_notification",
        "disable_web_page_preview",
        "drop_pending_updates",
        "has_spoiler",
        "protect_content",
        "show_alert",
        "show_caption_above_media",
    }
)
_INTEGER = re.compile(r"-?\d+")
_ATTACH = "attach://"


async def read_params(request: web.Request) -> JsonDict:
    """All parameters of a Bot API request, decoded and normalised."""
    raw: JsonDict = dict(request.query)
    content_type = request.content_type
    if content_type == "application/json":
        raw.update(await _read_json(request))
    elif content_type == "application/x-www-form-urlencoded":
        raw.update(parse_qsl(await request.text(), keep_blank_values=True))
    elif content_type == "multipart/form-data":
        raw.update(await _read_multipart(request))
    return _normalise(raw)


async def _read_json(request: web.Request) -> JsonDict:
    try:
        body = await request.json()
    except ValueError as error:
        raise ApiError(400, "Bad Request: can't parse JSON encoded request body") from error
    if not isinstance(body, dict):
        raise ApiError(400, "Bad Request: JSON encoded request body must be an object")
    return body


async def _read_multipart(request: web.Request) -> JsonDict:
    # Parts are read into memory: aiohttp's request.post() would spill files to temporary
    # files that are never closed explicitly.
    fields: JsonDict = {}
    async for part in await request.multipart():
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        data = bytes(await part.read(decode=True))
        if part.filename is None:
            fields[part.name] = data.decode(part.get_charset(default="utf-8"))
        else:
            content_type = part.headers.get(hdrs.CONTENT_TYPE)
            fields[part.name] = Upload(part.filename, content_type, data)
    return fields


def _normalise(raw: JsonDict) -> JsonDict:
    params: JsonDict = {}
    attached: set[str] = set()
    for key, value in raw.items():
        if isinstance(value, str) and value.startswith(_ATTACH):
            # aiogram uploads files as `document=attach://<part>` plus a part of that name.
            part = value.removeprefix(_ATTACH)
            if isinstance(raw.get(part), Upload):
                attached.add(part)
                value = raw[part]
        params[key] = _coerce(key, value)
    for part in attached:
        params.pop(part, None)
    return params


def _coerce(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError as error:
            raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from error
    if key in _INT_PARAMS and _INTEGER.fullmatch(value):
        return int(value)
    if key in _BOOL_PARAMS:
        return value.lower() in ("true", "1")
    return value


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """A parsed Bot API call: the token it was made with and its normalised parameters."""

    token: str
    params: JsonDict

    @property
    def bot_id(self) -> int:
        """The bot id encoded in the token (the digits before the colon)."""
        return int(self.token.partition(":")[0])

    def get_int(self, name: str) -> int | None:
        """An integer parameter, or None when absent."""
        value = self.params.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ApiError(400, f"Bad Request: invalid {name} specified")

    def get_float(self, name: str) -> float | None:
        """A number parameter, or None when absent."""
        value = self.params.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError) as error:
            raise ApiError(400, f"Bad Request: invalid {name} specified") from error

    def get_str(self, name: str) -> str | None:
        """A string parameter (numbers are accepted and stringified), or None when absent."""
        value = self.params.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise ApiError(400, f"Bad Request: {name} must be a string")

    def get_bool(self, name: str) -> bool:
        """A boolean parameter; absent means False."""
        return self.params.get(name) is True

    def get_dict(self, name: str) -> JsonDict | None:
        """A JSON object parameter, or None when absent."""
        value = self.params.get(name)
        if value is None or isinstance(value, dict):
            return value
        raise ApiError(400, f"Bad Request: can't parse {name} JSON object")

    def get_list(self, name: str) -> list[Any] | None:
        """A JSON array parameter, or None when absent."""
        value = self.params.get(name)
        if value is None or isinstance(value, list):
            return value
        raise ApiError(400, f"Bad Request: can't parse {name} JSON array")
