"""Announcing an approved activity (ACT-1: no publicity before approval) and signing up for it.

Places, when the organizer limited them, are numbered 1..capacity and each is held by one
sign-up (a unique index); a student past them goes on the waiting list. Sign-ups and
cancellations of one activity take its row's lock first, so they count the places one at a time
on PostgreSQL (SQLite holds the database's write lock already): simultaneous sign-ups fill
exactly the places, never more. A cancellation before the start gives the place to the first on
the waiting list, who is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.activities import ActivityAudience, ActivityState
from bot.domain.calendar import Calendar
from bot.domain.values import DomainError, NotBound, Student
from bot.services.notices import activities as notices
from storage import activities as store
from storage import outbox
from storage.activities import CONFIRMED, WAITLISTED, Activity
from storage.outbox import Message
from storage.tx import Tx

SIGN_UP, CANCEL, PAGE = notices.SIGN_UP, notices.CANCEL, notices.PAGE
PAGE_SIZE = 5


class NotOpen(DomainError):
    """The activity is not approved, or has started: no sign-up (ACT-1)."""

    key = "error.activity.not_open"


class NotEntitled(DomainError):
    key = "error.activity.members_only"


class NotSignedUp(DomainError):
    key = "error.activity.not_signed_up"


sign_up_button = notices.sign_up_button
cancel_button = notices.cancel_button


async def announce(tx: Tx, cal: Calendar, now: datetime, act: Activity) -> int:
    """Tell the students who may come, each in their language, with a Sign up button; the
    outbox sends them at Telegram's pace. How many were queued."""
    assert act.audience is not None
    accounts = await store.audience_accounts(tx, act.club_id, act.audience)
    messages = [
        Message(
            f"activity:{act.id}:announce:{user_id}",
            user_id,
            notices.announcement(lang, cal, act),
            ((sign_up_button(lang, act.id),),),
        )
        for user_id, lang in accounts
    ]
    await store.mark_announced(tx, act.id, now)
    return await outbox.enqueue_many(tx, messages, now)


async def _open(tx: Tx, now: datetime, student: Student | None, activity_id: int) -> Activity:
    if student is None or student.id is None:
        raise NotBound()
    act = await store.activity(tx, activity_id)
    if act is None or act.state is not ActivityState.APPROVED:
        raise NotOpen()
    assert act.starts_at is not None
    if act.starts_at <= now:
        raise NotOpen()
    return act


@dataclass(frozen=True, slots=True)
class Signed:
    activity: Activity
    status: str  # confirmed | waitlisted
    new: bool  # False: the student was signed up already


async def sign_up(
    tx: Tx, cal: Calendar, now: datetime, student: Student | None, activity_id: int
) -> Signed:
    """Sign the student up: a place if one is free, else the waiting list."""
    act = await _open(tx, now, student, activity_id)
    assert student is not None
    assert student.id is not None
    if act.audience is ActivityAudience.MEMBERS and not await store.is_member(
        tx, student.id, act.club_id
    ):
        raise NotEntitled(club=act.club)
    await store.lock_activity(tx, act.id)
    held = await store.live_sign_up(tx, act.id, student.id)
    if held is not None:
        return Signed(act, held.status, new=False)
    status, place = CONFIRMED, None
    if act.capacity is not None:
        taken = await store.taken_places(tx, act.id)
        free = [n for n in range(1, act.capacity + 1) if n not in taken]
        status, place = (CONFIRMED, free[0]) if free else (WAITLISTED, None)
    added = await store.add_sign_up(tx, act.id, student.id, status, place, now)
    if added is None:
        # Only without the lock (it is held): the indexes refused a second live sign-up.
        held = await store.live_sign_up(tx, act.id, student.id)
        return Signed(act, held.status if held else status, new=False)
    if status == CONFIRMED:
        await _remind(tx, cal, now, act, student.id, added)
    return Signed(act, status, new=True)


def _reminder_key(act: Activity, sign_up_id: int) -> str:
    # By version: a reminder queued before a change after approval (ACT-1) is not the one to
    # send once the changed activity is approved again.
    return f"activity:{act.id}:v{act.version}:remind:{sign_up_id}"


async def remind_confirmed(tx: Tx, cal: Calendar, now: datetime, act: Activity) -> int:
    """Queue the day-before reminder of every confirmed student (an activity approved again
    after a change); how many."""
    if act.starts_at is None:
        return 0
    due = max(now, act.starts_at - timedelta(days=1))
    messages = [
        Message(_reminder_key(act, sign_up_id), user_id, notices.reminder(lang, cal, act))
        for sign_up_id, user_id, lang in await store.signed_up_accounts(tx, act.id, (CONFIRMED,))
    ]
    return await outbox.enqueue_many(tx, messages, due)


async def _remind(
    tx: Tx, cal: Calendar, now: datetime, act: Activity, student_pk: int, sign_up_id: int
) -> None:
    """Queue the reminder a confirmed student gets the day before the start."""
    account = await store.account_of_student(tx, student_pk)
    if account is None or act.starts_at is None:
        return
    user_id, lang = account
    text = notices.reminder(lang, cal, act)
    due = max(now, act.starts_at - timedelta(days=1))
    await outbox.enqueue(tx, _reminder_key(act, sign_up_id), user_id, text, due)


async def cancel(
    tx: Tx, cal: Calendar, now: datetime, student: Student | None, activity_id: int
) -> Activity:
    """Cancel the student's sign-up before the start; the first waiting student takes the
    place and is told."""
    act = await _open(tx, now, student, activity_id)
    assert student is not None
    assert student.id is not None
    await store.lock_activity(tx, act.id)
    held = await store.live_sign_up(tx, act.id, student.id)
    if held is None:
        raise NotSignedUp(title=act.title or "—")
    await store.end_sign_up(tx, held.id, now)
    await store.clear_messages(tx, [_reminder_key(act, held.id)])
    if held.status == CONFIRMED and act.capacity is not None:
        promoted = await store.promote_first(tx, act.id, held.place, now)
        if promoted is not None:
            await _remind(tx, cal, now, act, promoted.student_pk, promoted.id)
            account = await store.account_of_student(tx, promoted.student_pk)
            if account is not None:
                user_id, lang = account
                await outbox.enqueue(
                    tx,
                    f"activity:{act.id}:promoted:{promoted.id}",
                    user_id,
                    notices.promoted(lang, cal, act),
                    now,
                )
    return act


@dataclass(frozen=True, slots=True)
class Page:
    entries: list[tuple[Activity, str | None]]
    page: int
    total: int


async def upcoming(tx: Tx, now: datetime, student: Student | None, page: int) -> Page:
    """A page of the approved activities still to come that the student may attend."""
    if student is None or student.id is None:
        raise NotBound()
    total = await store.upcoming_count(tx, student.id, now)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    entries = await store.upcoming_page(tx, student.id, now, page * PAGE_SIZE, PAGE_SIZE)
    return Page(entries, page, total)
