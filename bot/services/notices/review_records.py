"""What the annual review form takes from the records instead of typed text (REV-2): the
year's approved and held activities (ACT-1, ACT-10) and the year's money (ACT-7)."""

from __future__ import annotations

from datetime import date, datetime

from bot.chat.i18n import plain, tr
from bot.domain.calendar import Calendar
from bot.domain.values import Language
from bot.services import finance
from bot.services.notices import money
from storage import activity_facts
from storage.tx import Tx


async def activities_text(
    tx: Tx, cal: Calendar, now: datetime, lang: Language, club_id: int, year: int
) -> str:
    """The year's approved activities as the form records them: the counts, then one line
    each (date, kind, title), at most `activity_facts.LIMIT`."""
    found = await activity_facts.year_activities(
        tx, club_id, cal.start_of(date(year, 1, 1)), cal.start_of(date(year + 1, 1, 1)), now
    )
    head = tr(
        lang,
        "review_records.activities",
        year=year,
        approved=len(found),
        held=sum(a.held for a in found),
    )
    lines = [
        tr(
            lang,
            "review_records.activity_line",
            day=cal.today(a.starts_at).isoformat(),
            kind=tr(lang, f"activity.kind.{a.kind.value}"),
            title=a.title,
        )
        for a in found[: activity_facts.LIMIT]
    ]
    return plain("\n".join([head, *lines]))


async def finance_text(tx: Tx, lang: Language, club_id: int, year: int) -> str:
    """The year's money as the form records it (ACT-7)."""
    sums, balance = await finance.year_summary(tx, club_id, year)
    return plain(money.summary_text(lang, year, sums, balance))
