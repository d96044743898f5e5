"""Deadlines kept in line with the records, and their reminders and escalations queued.

`refresh` recomputes the deadline rows of some clubs from their records (every action that
closes a deadline calls it in its own transaction); `scan` takes the deadlines whose next step
has fallen due and queues one outbox row per recipient; `escalate_unreachable` passes a
reminder on to the next level when Telegram says its recipient cannot be reached.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.domain.calendar import Calendar
from bot.domain.checkin import report_due
from bot.domain.deadlines import (
    ClubFacts,
    Deadline,
    club_deadlines,
    first_line,
    levels_after,
    next_step_at,
    plan,
    steps_to_take,
)
from bot.domain.finance import semester_of, shifted, statement_owed
from bot.domain.policy import Level, Policy
from bot.domain.values import DeadlineKind
from bot.services.notices import reminders as reminder_notices
from storage import activity_reports, finance, meetings, outbox, reviews
from storage import deadlines as deadlines_store
from storage.deadlines import Recipient
from storage.outbox import Message, ReminderOf
from storage.tx import Tx


@dataclass(slots=True)
class RefreshReport:
    opened: int = 0
    closed: int = 0
    rescheduled: int = 0


@dataclass(slots=True)
class ScanReport:
    deadlines: int = 0
    messages: int = 0


# Clubs planned between two chances for other updates to run (`Tx.let_others_run`).
YIELD_EVERY = 100


async def refresh(
    tx: Tx, policy: Policy, cal: Calendar, now: datetime, club_ids: list[int]
) -> RefreshReport:
    """Make the open deadlines of these clubs what their records say they are.

    A deadline whose date or subject changed is closed (its unsent reminders withdrawn) and a
    new one opened; an unchanged one keeps its progress and only has its next step re-timed
    (the policy may have changed).
    """
    report = RefreshReport()
    if not club_ids:
        return report
    review_windows = await reviews.review_windows(tx)
    reregistration_windows = await reviews.reregistration_windows(tx)
    facts = await deadlines_store.club_facts(
        tx,
        club_ids,
        [w.year for w in review_windows],
        [w.year for w in reregistration_windows],
    )
    facts = await _with_reports(tx, policy, cal, facts)
    facts = await _with_statements(tx, policy, cal.today(now), facts)
    have = {
        (row.club_id, row.kind): row for row in await deadlines_store.open_deadlines(tx, club_ids)
    }
    closing: list[int] = []
    opening: list[tuple[int, Deadline, datetime | None]] = []
    retimed: list[tuple[int, datetime | None]] = []
    for n, club in enumerate(facts, 1):
        if n % YIELD_EVERY == 0:
            # 1,500 clubs are about 200 ms of planning: other chats are served in between.
            await tx.let_others_run()
        wanted = club_deadlines(club, review_windows, reregistration_windows, policy)
        for kind in DeadlineKind:
            old, new = have.get((club.club_id, kind)), wanted.get(kind)
            if old is not None and old.deadline == new:
                steps = plan(old.due_on, old.opens_on, old.seen_at, policy, cal)
                next_at = next_step_at(steps, old.notified_until)
                if next_at != old.next_at:
                    retimed.append((old.id, next_at))
                continue
            if old is not None:
                closing.append(old.id)
            if new is not None:
                steps = plan(new.due_on, new.opens_on, now, policy, cal)
                opening.append((club.club_id, new, next_step_at(steps, None)))
    await outbox.clear(tx, closing)
    await deadlines_store.close(tx, closing, now, "records")
    await deadlines_store.open_new(tx, opening, now)
    await deadlines_store.reschedule(tx, retimed)
    report.closed, report.opened, report.rescheduled = len(closing), len(opening), len(retimed)
    return report


async def _with_reports(
    tx: Tx, policy: Policy, cal: Calendar, facts: list[ClubFacts]
) -> list[ClubFacts]:
    """The clubs' facts with the report each owes first (ACT-10), if any."""
    first: dict[int, tuple[int, datetime]] = {}
    for club_id, activity_id, ends_at in await activity_reports.unfiled_of_clubs(
        tx, [f.club_id for f in facts]
    ):
        first.setdefault(club_id, (activity_id, ends_at))
    out = []
    for f in facts:
        if f.club_id in first:
            activity_id, ends_at = first[f.club_id]
            due = cal.today(report_due(policy, ends_at))
            f = replace(f, report=(activity_id, cal.today(ends_at), due))
        out.append(f)
    return out


async def _with_statements(
    tx: Tx, policy: Policy, today: date, facts: list[ClubFacts]
) -> list[ClubFacts]:
    """The clubs' facts with the semester whose statement each owes first (ACT-7), if any."""
    current = semester_of(policy, today)
    last = shifted(policy, current, 1)
    club_ids = [f.club_id for f in facts]
    sent = await finance.sent_semesters(tx, club_ids, [current.label, last.label])
    kept = await finance.totals(tx, club_ids, last.starts, last.ends)
    out = []
    for f in facts:
        shown = frozenset(sent.get(f.club_id, ()))
        kept_last = f.club_id in kept and kept[f.club_id].lines > 0
        owed = statement_owed(current, last, f.founded, shown, kept_last)
        out.append(f if owed is None else replace(f, statement=(owed.starts, owed.ends)))
    return out


async def scan(tx: Tx, policy: Policy, cal: Calendar, now: datetime, limit: int) -> ScanReport:
    """Queue the reminders and escalations of up to `limit` deadlines whose step fell due."""
    report = ScanReport()
    rows = await deadlines_store.due(tx, now, limit)
    if not rows:
        return report
    club_ids = sorted({row.club_id for row in rows})
    people = _People(tx, club_ids)
    names = await deadlines_store.club_names(tx, club_ids)
    awaiting = await meetings.pending(
        tx, [row.club_id for row in rows if row.kind is DeadlineKind.MEETING]
    )
    queued: list[Message] = []
    moves: list[tuple[int, datetime | None]] = []
    for row in rows:
        steps = plan(row.due_on, row.opens_on, row.seen_at, policy, cal)
        for step in steps_to_take(steps, row.notified_until, now):
            pending = awaiting.get(row.club_id) if row.kind is DeadlineKind.MEETING else None
            if step.escalation in (None, 0):
                wanted = first_line(row.kind, pending is not None)
            else:
                assert step.escalation is not None
                wanted = frozenset({policy.escalation_levels[step.escalation]})
            for level, person in await people.reach(row.club_id, wanted, policy):
                queued.append(
                    reminder_notices.reminder(
                        row, step.label, level, person, names[row.club_id], pending, cal, now
                    )
                )
        moves.append((row.id, next_step_at(steps, now)))
        report.deadlines += 1
    await deadlines_store.move(tx, moves, now)
    await outbox.enqueue_many(tx, queued, now)
    report.messages = len(queued)
    return report


async def escalate_unreachable(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    user_id: int,
    reminder: ReminderOf | None,
) -> int:
    """Telegram answered 403 for this user: mark them unreachable and, for a reminder, pass
    it on to the next escalation level at once; how many messages were queued."""
    await deadlines_store.mark_unreachable(tx, user_id, now)
    if reminder is None:
        return 0
    row = await deadlines_store.is_open(tx, reminder.deadline_id)
    if row is None:
        return 0
    names = await deadlines_store.club_names(tx, [row.club_id])
    pending = None
    if row.kind is DeadlineKind.MEETING:
        pending = (await meetings.pending(tx, [row.club_id])).get(row.club_id)
    people = _People(tx, [row.club_id])
    after = levels_after(policy.escalation_levels, frozenset({Level(reminder.level)}))
    for level in after:
        found = await people.at(level, row.club_id)
        if found:
            queued = [
                reminder_notices.reminder(
                    row, reminder.step, level, p, names[row.club_id], pending, cal, now
                )
                for p in found
            ]
            await outbox.enqueue_many(tx, queued, now)
            return len(queued)
    return 0


class _People:
    """Reachable recipients per level for a batch of clubs, each level read once."""

    def __init__(self, tx: Tx, club_ids: list[int]) -> None:
        self._tx = tx
        self._club_ids = club_ids
        self._levels: dict[Level, dict[int, list[Recipient]]] = {}

    async def at(self, level: Level, club_id: int) -> list[Recipient]:
        if level not in self._levels:
            self._levels[level] = await deadlines_store.recipients(self._tx, level, self._club_ids)
        return self._levels[level].get(club_id, [])

    async def reach(
        self, club_id: int, wanted: frozenset[Level], policy: Policy
    ) -> list[tuple[Level, Recipient]]:
        """The people of the wanted levels; if none is reachable, the next level that has any."""
        found = [
            (level, person)
            for level in sorted(wanted, key=list(Level).index)
            for person in await self.at(level, club_id)
        ]
        for level in levels_after(policy.escalation_levels, wanted):
            if found:
                break
            found = [(level, person) for person in await self.at(level, club_id)]
        return found
