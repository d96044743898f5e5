"""Check-in at an activity (ACT-10's actual participants) that resists cheating.

The organizer (an officer of the organizing club, or its advisor) shows a short code and a QR
code of a deep link; both change every `checkin_rotate_minutes` and are checked here, against
the activity's secret, never trusted from the client. A student checks in once (a unique
index: twenty taps at once give one record), from `checkin_opens_minutes` before the start to
the end, only when entitled. A code that is wrong counts against the student
(`checkin_guesses` in `checkin_guess_window_minutes`); an expired code, a code of an activity
the student may not attend, a second check-in are refused with their reason and count for
nothing. The organizer may add a missed check-in with a reason until the report's deadline
(ACT-10); it is audited.

A student's attempt returns its outcome instead of raising: a wrong code is recorded, and a
refusal raised would roll that back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.chat.text import hostile_text
from bot.domain import checkin as rules
from bot.domain.activities import ActivityState
from bot.domain.checkin import Method
from bot.domain.policy import Policy
from bot.domain.values import DomainError, NotBound, Student
from bot.services import activities as proposals
from storage import activities as store
from storage import audit, people
from storage import checkin as records
from storage.activities import Activity
from storage.tx import Tx

REASON_MAX = 500
# How many past windows a typed code is compared with, to say "expired" rather than "wrong".
LOOKBACK_WINDOWS = 2000


class Result(StrEnum):
    DONE = "done"
    ALREADY = "already"
    EXPIRED = "expired"
    FOREIGN = "foreign"  # a code of another activity than the ones the student may attend
    NOT_ENTITLED = "not_entitled"
    TOO_EARLY = "too_early"
    ENDED = "ended"
    WRONG = "wrong"
    LIMITED = "limited"


@dataclass(frozen=True, slots=True)
class Attempt:
    result: Result
    activity: Activity | None = None
    # FOREIGN: the activities the student may check in to now (titles).
    theirs: tuple[str, ...] = ()
    # TOO_EARLY: when check-in opens; LIMITED: when the student may try again.
    at: datetime | None = None


class NoCheckinOpen(DomainError):
    """The organizer keeps no approved activity open for check-in now."""

    key = "checkin.none_open"


class NotOrganizer(DomainError):
    key = "checkin.not_organizer"


class AddUsage(DomainError):
    key = "checkin.add.usage"


class UnknownStudent(DomainError):
    key = "checkin.add.unknown_student"


class AddClosed(DomainError):
    key = "checkin.add.closed"


class AddNotEntitled(DomainError):
    key = "checkin.add.not_entitled"


class AddAlready(DomainError):
    key = "checkin.add.already"


# --- the organizer's side ------------------------------------------------------------------------


async def _kept(tx: Tx, student: Student | None, advisor_pk: int | None) -> set[int]:
    return {c.id for c in await proposals.organizable(tx, student, advisor_pk)}


async def organized(
    tx: Tx, policy: Policy, now: datetime, student: Student | None, advisor_pk: int | None
) -> list[Activity]:
    """The approved activities of the clubs this person keeps that are open for check-in now
    (soonest first)."""
    kept = await _kept(tx, student, advisor_pk)
    if not kept:
        raise NotOrganizer()
    ids = await records.open_of_clubs(
        tx, kept, now + timedelta(minutes=policy.checkin_opens_minutes), now
    )
    return await store.activities_by_ids(tx, ids)


@dataclass(frozen=True, slots=True)
class Screen:
    activity: Activity
    code: str
    payload: str  # the deep link's /start payload
    until: datetime  # when this code stops being accepted
    present: int


async def screen(
    tx: Tx,
    policy: Policy,
    now: datetime,
    student: Student | None,
    advisor_pk: int | None,
    activity_id: int,
) -> Screen:
    """The current code and link of an activity this person organizes, open for check-in."""
    act = await store.activity(tx, activity_id)
    kept = await _kept(tx, student, advisor_pk)
    if act is None or act.club_id not in kept:
        raise NotOrganizer()
    if (
        act.state is not ActivityState.APPROVED
        or act.starts_at is None
        or act.ends_at is None
        or not rules.is_open(policy, act.starts_at, act.ends_at, now)
    ):
        raise NoCheckinOpen()
    key = await records.secret(tx, act.id)
    number = rules.window(policy, now)
    return Screen(
        act,
        rules.code(policy, key, act.id, number),
        rules.link_payload(key, act.id, number),
        rules.window_ends(policy, number + 1),
        await records.count(tx, act.id),
    )


async def add_missed(
    tx: Tx,
    policy: Policy,
    now: datetime,
    user_id: int,
    student: Student | None,
    advisor_pk: int | None,
    args: str,
) -> tuple[Activity, Student]:
    """`ID STUDENT_ID REASON`: record a student the organizer saw but who did not check in,
    within ACT-10's window; audited with the reason."""
    parts = args.split(maxsplit=2)
    if len(parts) < 3 or not parts[0].isdigit():
        raise AddUsage()
    activity_id, student_id, reason = int(parts[0]), parts[1], parts[2].strip()
    if hostile_text(reason) is not None or not reason:
        raise AddUsage()
    if len(reason) > REASON_MAX:
        raise AddUsage()
    act = await store.activity(tx, activity_id)
    if act is None or act.club_id not in await _kept(tx, student, advisor_pk):
        raise NotOrganizer()
    if act.state is not ActivityState.APPROVED or act.starts_at is None or act.ends_at is None:
        raise AddClosed(title=act.title or "—")
    if not rules.may_add(policy, act.starts_at, act.ends_at, now):
        raise AddClosed(title=act.title or "—")
    found = await people.student_by_student_id(tx, student_id)
    if found is None:
        raise UnknownStudent(student_id=student_id)
    if not await records.entitled(tx, act.id, found.id):
        raise AddNotEntitled(name=found.name, title=act.title or "—")
    if not await records.add(tx, act.id, found.id, Method.ADDED.value, user_id, now, reason):
        raise AddAlready(name=found.name, title=act.title or "—")
    await audit.append(
        tx,
        now,
        user_id,
        "activity.checkin_added",
        club_id=act.club_id,
        subject=f"activity:{act.id}",
        after={"student_id": found.student_id, "reason": reason},
    )
    return act, found


# --- the student's side --------------------------------------------------------------------------


async def _limited(tx: Tx, policy: Policy, now: datetime, user_id: int) -> datetime | None:
    """When the student may try again, if they typed too many wrong codes lately."""
    span = timedelta(minutes=policy.checkin_guess_window_minutes)
    if await records.guesses(tx, user_id, now - span) >= policy.checkin_guesses:
        return now + span
    return None


async def _wrong(tx: Tx, policy: Policy, now: datetime, user_id: int) -> Attempt:
    span = timedelta(minutes=policy.checkin_guess_window_minutes)
    await records.record_guess(tx, user_id, now, now - span)
    return Attempt(Result.WRONG)


def _bound(student: Student | None) -> Student:
    if student is None or student.id is None:
        raise NotBound()
    return student


async def by_code(
    tx: Tx, policy: Policy, now: datetime, user_id: int, student: Student | None, text: str
) -> Attempt:
    """Check in with a typed code."""
    who = _bound(student)
    until = await _limited(tx, policy, now, user_id)
    if until is not None:
        return Attempt(Result.LIMITED, at=until)
    typed = rules.normal_code(text)
    if typed is None:
        return await _wrong(tx, policy, now, user_id)
    current = rules.window(policy, now)
    lookback = timedelta(minutes=policy.checkin_rotate_minutes * LOOKBACK_WINDOWS)
    # The activities whose codes were shown and that a code typed now can belong to: open
    # now, or ended within the look-back (an old code of theirs is "expired", not "wrong").
    keyed = await records.keyed_around(
        tx, now + timedelta(minutes=policy.checkin_opens_minutes), now - lookback
    )
    expired: int | None = None
    for entry in keyed:
        for number in (current, current - 1):
            if rules.code(policy, entry.secret, entry.id, number) == typed:
                return await _check_in(tx, policy, now, user_id, who, entry.id, Method.CODE)
        first = max(
            rules.window(policy, rules.opens(policy, entry.starts_at)), current - LOOKBACK_WINDOWS
        )
        for number in range(first, current - 1):
            if rules.code(policy, entry.secret, entry.id, number) == typed:
                expired = entry.id
    if expired is not None:
        return Attempt(Result.EXPIRED, await store.activity(tx, expired))
    return await _wrong(tx, policy, now, user_id)


async def by_link(
    tx: Tx, policy: Policy, now: datetime, user_id: int, student: Student | None, payload: str
) -> Attempt:
    """Check in with the deep link the QR code holds (`ci_<id>_<window>_<mac>`)."""
    who = _bound(student)
    until = await _limited(tx, policy, now, user_id)
    if until is not None:
        return Attempt(Result.LIMITED, at=until)
    parsed = rules.parse_link(payload)
    if parsed is None:
        return await _wrong(tx, policy, now, user_id)
    activity_id, number, mac = parsed
    key = await records.known_secret(tx, activity_id)
    if key is None or not rules.link_valid(key, activity_id, number, mac):
        return await _wrong(tx, policy, now, user_id)
    if not rules.fresh(policy, number, now):
        return Attempt(Result.EXPIRED, await store.activity(tx, activity_id))
    return await _check_in(tx, policy, now, user_id, who, activity_id, Method.LINK)


async def _check_in(
    tx: Tx,
    policy: Policy,
    now: datetime,
    user_id: int,
    student: Student,
    activity_id: int,
    method: Method,
) -> Attempt:
    act = await store.activity(tx, activity_id)
    if act is None or act.state is not ActivityState.APPROVED:
        return Attempt(Result.ENDED, act)
    assert act.starts_at is not None
    assert act.ends_at is not None
    if now < rules.opens(policy, act.starts_at):
        return Attempt(Result.TOO_EARLY, act, at=rules.opens(policy, act.starts_at))
    if now > act.ends_at:
        return Attempt(Result.ENDED, act)
    theirs = await records.open_entitled(
        tx, student.id, now + timedelta(minutes=policy.checkin_opens_minutes), now
    )
    if act.id not in theirs:
        if theirs:
            return Attempt(Result.FOREIGN, act, tuple(theirs.values()))
        return Attempt(Result.NOT_ENTITLED, act)
    if not await records.add(tx, act.id, student.id, method.value, user_id, now):
        return Attempt(Result.ALREADY, act)
    return Attempt(Result.DONE, act)
