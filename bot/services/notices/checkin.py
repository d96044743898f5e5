"""The messages about an activity after its approval: the request for its report (ACT-10) and
the word to those signed up that it is being changed (ACT-1)."""

from __future__ import annotations

from bot.chat.i18n import tr
from bot.domain.calendar import Calendar
from bot.domain.values import Language
from bot.services.notices.activities import local
from storage.activities import Activity


def report_asked(lang: Language, act: Activity, due: str) -> str:
    return tr(lang, "activity_report.asked", title=act.title or "—", date=due)


def changed(lang: Language, cal: Calendar, act: Activity) -> str:
    return tr(
        lang, "activity_change.told", title=act.title or "—", starts=local(cal, act.starts_at)
    )
