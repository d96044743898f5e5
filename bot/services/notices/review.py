"""PRIV-4: "Ask staff to review" under an automatic refusal that rests on restricted data
(political status, class rank, a disciplinary record), answered by bot/flows/privacy.py.

The button names what was refused, never why: `askrev:<subject>:<id>`.
"""

from __future__ import annotations

from enum import StrEnum

from bot.chat import callbacks
from bot.chat.i18n import tr
from bot.chat.replies import Button, Keyboard, Reply
from bot.domain.values import Language

ASK_REVIEW = "askrev"


class Subject(StrEnum):
    """What the refusal was about."""

    ELECTION = "el"  # standing in an election (ORG-5, ORG-6); the id is the election's
    SPONSOR = "reg"  # sponsoring or signing a new club (REG-1); the application's id, or 0


def review_buttons(lang: Language, subject: Subject, target: int) -> Keyboard:
    """The "Ask staff to review" button."""
    data = callbacks.encode(ASK_REVIEW, subject.value, target)
    return ((Button(tr(lang, "privacy.ask_review"), data),),)


def review_offer(lang: Language, subject: Subject, target: int) -> Reply:
    """The message under a refusal that offers a person's review, with its button."""
    return Reply(tr(lang, "privacy.review_offer"), review_buttons(lang, subject, target))
