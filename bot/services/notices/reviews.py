"""Annual reviews (REG-5): the reason a failed review gives the club's suspension."""

from __future__ import annotations

from bot.chat.i18n import Phrase, tr
from bot.domain.values import Language, ReviewResult


def fail_reason(year: int) -> str:
    """The suspension reason of a failed review (in English: the event log's language)."""
    return tr(Language.EN, "review.fail_reason", year=year)


def fail_words(year: int) -> Phrase:
    """The same reason, in words of each member's language."""
    return Phrase("review.fail_reason", (("year", year),))


def pass_words(year: int, result: ReviewResult) -> Phrase:
    """Why a club suspended by a failed review is active again: the review decided again."""
    return Phrase("review.pass_reason", (("year", year), ("result", result)))
