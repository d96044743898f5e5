"""Annual reviews (REG-5): the reason a failed review gives the club's suspension."""

from __future__ import annotations

from bot.chat.i18n import tr
from bot.domain.values import Language


def fail_reason(year: int) -> str:
    """The suspension reason of a failed review (in English: the event log's language)."""
    return tr(Language.EN, "review.fail_reason", year=year)
