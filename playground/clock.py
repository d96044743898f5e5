"""The playground's clock: the real time plus an offset that testers move forward.

An election needs days and a founding meeting weeks, so the playground lets testers skip ahead:
the web chat's control bar moves its clock by an hour, a day, a week, or to the next moment the
bot's clock will act (an election's next phase, a reminder or an escalation). The bot reads the
time from this clock (`App.clock`), and its jobs, which tick every second in the playground,
take what fell due. Time only moves forward, as it does outside. The offset is kept in a file
beside the playground's database, so a restart keeps the time it had reached.

None of this exists outside the playground: `clubbot run` reads the system's clock.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.chat.i18n import plain, tr
from bot.domain.calendar import Calendar
from bot.domain.values import Language
from emulator.web import Control, Panel
from storage import applications, deadlines, elections
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow

log = logging.getLogger(__name__)

# The steps the control bar offers, by key.
STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}
NEXT = "next"
# Past the moment the next step falls due, so that it has fallen due when the jobs look.
PAST_DUE = timedelta(seconds=1)


@dataclass
class PlaygroundClock:
    """The real time plus `offset`; `path` keeps the offset across restarts (None: memory)."""

    path: Path | None = None
    offset: timedelta = field(default_factory=timedelta)

    @classmethod
    def load(cls, path: Path | None) -> PlaygroundClock:
        clock = cls(path)
        if path is not None and path.exists():
            try:
                seconds = float(json.loads(path.read_text())["offset_seconds"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning(
                    "%s is unreadable (%s): the playground starts at the real time", path, exc
                )
            else:
                clock.offset = timedelta(seconds=max(0.0, seconds))
        return clock

    def now(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, delta: timedelta) -> None:
        """Move forward by `delta` (never back: what happened stays in the past)."""
        if delta <= timedelta():
            return
        self.offset += delta
        if self.path is not None:
            self.path.write_text(json.dumps({"offset_seconds": self.offset.total_seconds()}))


@dataclass
class ClockControls:
    """The web chat's control bar for the playground's clock (`emulator.web.Controls`)."""

    clock: PlaygroundClock
    db: Database
    cal: Calendar

    async def panel(self, language: str) -> Panel:
        lang = Language(language)
        when = self._when(self.clock.now())
        if self.clock.offset >= timedelta(minutes=1):
            text = _t(
                lang, "playground.clock_ahead", when=when, ahead=_span(lang, self.clock.offset)
            )
        else:
            text = _t(lang, "playground.clock_now", when=when)
        keys = [*STEPS, NEXT]
        return Panel(text, tuple(Control(k, _t(lang, f"playground.clock_{k}")) for k in keys))

    async def press(self, key: str, language: str) -> str:
        lang = Language(language)
        if key in STEPS:
            self.clock.advance(STEPS[key])
        elif key == NEXT:
            due = await self.next_due()
            if due is None:
                return _t(lang, "playground.clock_nothing")
            self.clock.advance(due + PAST_DUE - self.clock.now())
        else:
            raise KeyError(key)
        return _t(lang, "playground.clock_moved", when=self._when(self.clock.now()))

    async def next_due(self) -> datetime | None:
        """The next moment the bot's clock acts (an election's step, a reminder, an escalation)
        or a founding meeting's day begins (its founders open the vote then)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            tx = Tx(session, self.db)
            meeting = await applications.next_founding_meeting(tx, self.cal.today(now))
            found = [
                await elections.next_step_at(tx, now),
                await deadlines.next_step_at(tx, now),
                self.cal.start_of(meeting) if meeting is not None else None,
            ]
        return min((at for at in found if at is not None), default=None)

    def _when(self, at: datetime) -> str:
        return at.astimezone(self.cal.zone).strftime("%Y-%m-%d %H:%M")


def _t(language: Language, key: str, **params: object) -> str:
    return plain(tr(language, key, **params))


def _span(language: Language, span: timedelta) -> str:
    """How far ahead, in days and hours (minutes while under an hour)."""
    hours = int(span.total_seconds() // 3600)
    if hours == 0:
        return _t(language, "playground.clock_minutes", minutes=int(span.total_seconds() // 60))
    return _t(language, "playground.clock_days_hours", days=hours // 24, hours=hours % 24)
