"""Messages in Chinese and English, from `bot/chat/locales/<lang>.toml`.

Message templates are HTML (Telegram's HTML parse mode). Every parameter is escaped when it is
filled in, because parameters carry text that users supplied (names of students and clubs).

A count with its noun is written `{days|day|days}`: the number, a space, then the first form
for one and the second for any other number ("1 day", "3 days", "0 days"). Chinese has no
plural and writes `{days} 天`; both templates name the same parameters.
"""

from __future__ import annotations

import html
import re
import string
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
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


# `{count|one form|other form}`: a count and its noun.
_PLURAL = re.compile(r"\{(\w+)\|([^|{}]*)\|([^|{}]*)\}")


def placeholders(template: str) -> frozenset[str]:
    """The `{names}` a template expects."""
    return frozenset(
        name.partition("|")[0] for _, name, _, _ in string.Formatter().parse(template) if name
    )


def _plurals(template: str, params: dict[str, object]) -> str:
    """`{n|day|days}` as `{n} day` or `{n} days`, by the number `n` is."""

    def form(match: re.Match[str]) -> str:
        name, one, other = match.groups()
        value = params.get(name)
        is_one = isinstance(value, int | str) and str(value).strip() in {"1", "-1"}
        return f"{{{name}}} {one if is_one else other}"

    return _PLURAL.sub(form, template) if "|" in template else template


class Html(str):
    """Text that is HTML already (a message `tr` rendered): not escaped again as a parameter."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Phrase:
    """A message that fills a parameter of another, in that message's language (a reason the
    bot gives, sent to people who read different languages)."""

    key: str
    params: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True, slots=True)
class Listing:
    """Items (text or phrases) that fill a parameter as a list in the reader's language."""

    items: tuple[str | Phrase, ...]


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
        _plurals(template, params).format(
            **{name: _param(language, messages, value) for name, value in params.items()}
        )
    )


def joined(language: Language, items: Iterable[str]) -> str:
    """A list within a sentence, separated as the language writes one ("a, b"; "a、b")."""
    return catalog(language)["list.separator"].join(items)


def plain(message: str) -> str:
    """A rendered message as plain text, for storing where it is shown (and escaped) later."""
    return html.unescape(message)


def _param(language: Language, messages: dict[str, str], value: object) -> str:
    if isinstance(value, Html):
        return value
    if isinstance(value, Phrase):
        return tr(language, value.key, **dict(value.params))
    if isinstance(value, Listing):
        return Html(joined(language, (_param(language, messages, item) for item in value.items)))
    return html.escape(_label(messages, value))


def _label(messages: dict[str, str], value: object) -> str:
    if isinstance(value, Enum):
        return messages[f"{type(value).__name__.lower()}.{value.value}"]
    return str(value)


def language_for(code: str | None) -> Language:
    """The language for Telegram's `language_code`: Chinese for zh-*, English otherwise."""
    return Language.ZH if code and code.lower().startswith("zh") else Language.EN
