"""Messages in Chinese and English, from `bot/chat/locales/<lang>.toml`.

Message templates are HTML (Telegram's HTML parse mode). Every parameter is escaped when it is
filled in, because parameters carry text that users supplied (names of students and clubs).
"""

from __future__ import annotations

import html
import string
import tomllib
from enum import Enum
from functools import cache
from pathlib import Path

from bot.domain.values import Language

LOCALES = Path(__file__).with_name("locales")


def _flatten(table: dict[str, object], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, str):
            flat[name] = value
        else:
            raise TypeError(f"{name}: messages are strings, got {type(value).__name__}")
    return flat


@cache
def catalog(language: Language) -> dict[str, str]:
    """Every message of one language, by dotted key."""
    raw = tomllib.loads((LOCALES / f"{language.value}.toml").read_text(encoding="utf-8"))
    return _flatten(raw)


def placeholders(template: str) -> frozenset[str]:
    """The `{names}` a template expects."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


class Html(str):
    """Text that is HTML already (a message `tr` rendered): not escaped again as a parameter."""

    __slots__ = ()


def tr(language: Language, key: str, **params: object) -> Html:
    """The message `key` in `language`, with its parameters HTML-escaped (but for `Html` ones,
    such as other messages, which are escaped already).

    An enum parameter is shown by its label, `<enum class name>.<value>` (`category.academic`).
    """
    messages = catalog(language)
    template = messages[key]
    if not params:
        return Html(template)
    return Html(
        template.format(**{name: _param(messages, value) for name, value in params.items()})
    )


def plain(message: str) -> str:
    """A rendered message as plain text, for storing where it is shown (and escaped) later."""
    return html.unescape(message)


def _param(messages: dict[str, str], value: object) -> str:
    if isinstance(value, Html):
        return value
    return html.escape(_label(messages, value))


def _label(messages: dict[str, str], value: object) -> str:
    if isinstance(value, Enum):
        return messages[f"{type(value).__name__.lower()}.{value.value}"]
    return str(value)


def language_for(code: str | None) -> Language:
    """The language for Telegram's `language_code`: Chinese for zh-*, English otherwise."""
    return Language.ZH if code and code.lower().startswith("zh") else Language.EN
