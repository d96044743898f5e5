"""Telegram text formatting: parse_mode=HTML and bot_command entities.

The HTML parser follows tdlib's rules and error messages so that a bot's malformed markup
fails here exactly as it would against the real Bot API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from emulator.models import JsonDict

_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_SPECIAL = re.compile(r"[<&]")
_CHAR_REF = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_TAG_NAME = re.compile(r"<([a-zA-Z0-9-]*)")
_ATTR_PATTERN = r"([a-zA-Z0-9_-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?"
_START_TAG = re.compile(rf"<[a-zA-Z0-9-]+((?:\s+{_ATTR_PATTERN})*)\s*/?>")
_ATTR = re.compile(_ATTR_PATTERN)
_END_TAG = re.compile(r"</([a-zA-Z0-9-]*)\s*>")
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


class HtmlParseError(ValueError):
    """Malformed HTML; the message is tdlib's wording."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[JsonDict]:
    """A bot_command entity for a leading /command (with optional @botname), like Telegram."""
    match = _COMMAND.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}]


@dataclass
class _OpenTag:
    tag: str
    offset: int
    extra: JsonDict = field(default_factory=dict)


@dataclass
class _HtmlParser:
    source: str
    pieces: list[str] = field(default_factory=list)
    length: int = 0
    stack: list[_OpenTag] = field(default_factory=list)
    entities: list[JsonDict] = field(default_factory=list)

    def parse(self) -> tuple[str, list[JsonDict]]:
        pos = 0
        while pos < len(self.source):
            special = _SPECIAL.search(self.source, pos)
            end = special.start() if special else len(self.source)
            if end > pos:
                self._emit(self.source[pos:end])
                pos = end
            elif self.source[pos] == "&":
                pos = self._char_ref(pos)
            elif self.source.startswith("</", pos):
                pos = self._end_tag(pos)
            else:
                pos = self._start_tag(pos)
        if self.stack:
            tag = self.stack[-1].tag
            raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{tag}"')
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self.pieces), self.entities

    def _emit(self, text: str) -> None:
        self.pieces.append(text)
        self.length += utf16_len(text)

    def _byte_offset(self, pos: int) -> int:
        return len(self.source[:pos].encode())

    def _char_ref(self, pos: int) -> int:
        match = _CHAR_REF.match(self.source, pos)
        decoded = _decode_char_ref(match) if match else None
        if match is None or decoded is None:
            # Like tdlib, an unknown or incomplete entity is kept as literal text.
            self._emit("&")
            return pos + 1
        self._emit(decoded)
        return match.end()

    def _start_tag(self, pos: int) -> int:
        name_match = _TAG_NAME.match(self.source, pos)
        name = name_match.group(1).lower() if name_match else ""
        if name not in _ENTITY_TYPES:
            offset = self._byte_offset(pos)
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
        match = _START_TAG.match(self.source, pos)
        if match is None:
            raise HtmlParseError(f"Unclosed start tag at byte offset {self._byte_offset(pos)}")
        attributes = _parse_attributes(match.group(1))
        extra = self._tag_extra(name, attributes, pos)
        self.stack.append(_OpenTag(name, self.length, extra))
        return match.end()

    def _tag_extra(self, tag: str, attributes: dict[str, str], pos: int) -> JsonDict:
        if tag == "a":
            return {"url": attributes.get("href", "")}
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            offset = self._byte_offset(pos)
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
            )
        if tag == "tg-emoji":
            if not attributes.get("emoji-id"):
                offset = self._byte_offset(pos)
                raise HtmlParseError(
                    f'Tag "tg-emoji" must have "emoji-id" at byte offset {offset}'
                )
            return {"custom_emoji_id": attributes["emoji-id"]}
        if tag == "code" and attributes.get("class", "").startswith("language-"):
            return {"language": attributes["class"].removeprefix("language-")}
        if tag == "blockquote" and "expandable" in attributes:
            return {"expandable": True}
        return {}

    def _end_tag(self, pos: int) -> int:
        match = _END_TAG.match(self.source, pos)
        offset = self._byte_offset(pos)
        if match is None:
            raise HtmlParseError(f"Unclosed end tag at byte offset {offset}")
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {offset}")
        name = match.group(1).lower()
        opened = self.stack.pop()
        if name != opened.tag:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {offset}, expected "</{opened.tag}>", '
                f'found "</{name}>"'
            )
        self._close(opened)
        return match.end()

    def _close(self, opened: _OpenTag) -> None:
        length = self.length - opened.offset
        parent = self.stack[-1] if self.stack else None
        if opened.tag == "code" and parent and parent.tag == "pre" and "language" in opened.extra:
            # <pre><code class="language-x"> is one pre entity with a language, as in tdlib.
            parent.extra["language"] = opened.extra["language"]
            return
        if length <= 0 or (opened.tag == "a" and not opened.extra["url"]):
            return
        entity: JsonDict = {"type": _ENTITY_TYPES[opened.tag], "offset": opened.offset}
        entity["length"] = length
        if opened.tag == "blockquote" and opened.extra:
            entity["type"] = "expandable_blockquote"
        elif opened.tag != "code":
            entity.update(opened.extra)
        self.entities.append(entity)


def _decode_char_ref(match: re.Match[str]) -> str | None:
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        return _NAMED_ENTITIES.get(name)
    code_point = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code_point == 0 or code_point > 0x10FFFF or 0xD800 <= code_point <= 0xDFFF:
        return None
    return chr(code_point)


def _unescape(value: str) -> str:
    return _CHAR_REF.sub(lambda match: _decode_char_ref(match) or match.group(), value)


def _parse_attributes(raw: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for match in _ATTR.finditer(raw):
        name, double_quoted, single_quoted, bare = match.groups()
        value = next((v for v in (double_quoted, single_quoted, bare) if v is not None), "")
        attributes[name.lower()] = _unescape(value)
    return attributes


def parse_html(source: str) -> tuple[str, list[JsonDict]]:
    """Plain text and entities of an HTML-formatted message; raises HtmlParseError."""
    return _HtmlParser(source).parse()
