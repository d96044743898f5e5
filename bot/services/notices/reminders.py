"""Deadline reminders and escalations, with the buttons that act on them."""

from __future__ import annotations

from datetime import datetime

from bot.chat import callbacks
from bot.chat.i18n import tr
from bot.chat.replies import Button, Keyboard
from bot.domain.calendar import Calendar
from bot.domain.policy import Level
from bot.domain.values import DeadlineKind, Language
from storage.deadlines import OpenDeadline, Recipient
from storage.meetings import Meeting
from storage.outbox import Message, ReminderOf

# Callback kinds of the buttons reminders carry (handled in bot/flows/deadlines.py).
RECORD_MEETING = "gm"
DECIDE_MEETING = "gmc"
REREGISTER = "rr"


def reminder(
    row: OpenDeadline,
    step: str,
    level: Level,
    person: Recipient,
    club: str,
    pending: Meeting | None,
    cal: Calendar,
    now: datetime,
) -> Message:
    """The reminder of step `step` of a deadline, to one person reached at `level`."""
    lang = person.language
    today = cal.today(now)
    kind = row.kind.value
    text: str
    if step.startswith("d"):
        text = tr(
            lang,
            f"reminder.{kind}.ahead",
            club=club,
            date=row.due_on.isoformat(),
            days=(row.due_on - today).days,
        )
    else:
        text = tr(
            lang,
            f"reminder.{kind}.overdue",
            club=club,
            date=row.due_on.isoformat(),
            days=max(1, (today - row.due_on).days),
        )
    if pending is not None:
        text += "\n" + tr(lang, "reminder.meeting.awaiting", held=pending.held_on.isoformat())
    if level is not Level.OFFICERS:
        text += "\n\n" + tr(lang, f"reminder.as.{level.value}")
    return Message(
        key=f"rem:{row.id}:{step}:{person.user_id}",
        chat_id=person.user_id,
        text=text,
        buttons=_buttons(row, level, pending, person),
        reminder=ReminderOf(row.id, step, level.value, cal.end_of(row.due_on)),
    )


def _buttons(
    row: OpenDeadline, level: Level, pending: Meeting | None, person: Recipient
) -> Keyboard:
    lang = person.language
    if row.kind is DeadlineKind.MEETING and pending is not None and level is not Level.OFFICERS:
        return (decision_buttons(pending.id, lang),)
    if level is not Level.OFFICERS:
        return ()
    if row.kind is DeadlineKind.MEETING and pending is None:
        label = tr(lang, "button.record_meeting")
        return ((Button(label, callbacks.encode(RECORD_MEETING, row.club_id)),),)
    if row.kind is DeadlineKind.REREGISTRATION:
        label = tr(lang, "button.reregister")
        return ((Button(label, callbacks.encode(REREGISTER, row.club_id)),),)
    return ()


def decision_buttons(meeting_id: int, lang: Language) -> tuple[Button, ...]:
    """Confirm / not held, for whoever confirms a recorded general meeting."""
    return (
        Button(
            tr(lang, "button.confirm_meeting"), callbacks.encode(DECIDE_MEETING, meeting_id, "y")
        ),
        Button(
            tr(lang, "button.reject_meeting"), callbacks.encode(DECIDE_MEETING, meeting_id, "n")
        ),
    )
