"""ACT-6: officers record the club's online accounts, each with a responsible officer; when
officers change, the new ones are told to take over the accounts whose officer left."""

from __future__ import annotations

from datetime import date, datetime

from bot.domain.accounts import (
    HANDLE_MAX,
    BadHandle,
    BadOpenedOn,
    ClubAccount,
    DuplicateAccount,
    NoSuchAccount,
    NotAnOfficer,
    Platform,
)
from bot.domain.calendar import Calendar
from bot.domain.values import Student
from bot.services.notices import money as money_notices
from bot.services.officers import club_of as club_of
from bot.services.officers import officer_clubs as officer_clubs
from storage import accounts as store
from storage import audit, officers, outbox
from storage.outbox import Message
from storage.tx import Tx


async def listed(tx: Tx, student: Student | None, club_id: int) -> list[ClubAccount]:
    await club_of(tx, student, club_id)
    return await store.live(tx, [club_id])


async def officers_of(tx: Tx, club_id: int) -> list[Student]:
    """Who may answer for an account: the club's current officers, the president first."""
    return [student for _, student in await officers.current_officers(tx, club_id)]


def parse_handle(text: str) -> str:
    handle = " ".join(text.split())
    if not handle or len(handle) > HANDLE_MAX:
        raise BadHandle(max=HANDLE_MAX)
    return handle


def parse_opened(cal: Calendar, now: datetime, text: str) -> date:
    """The day the account was opened: a real date, not in the future."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise BadOpenedOn() from None
    if day > cal.today(now):
        raise BadOpenedOn()
    return day


async def _responsible(tx: Tx, club_id: int, student_pk: int) -> Student:
    found = next((s for s in await officers_of(tx, club_id) if s.id == student_pk), None)
    if found is None:
        raise NotAnOfficer()
    return found


async def record(
    tx: Tx,
    now: datetime,
    user_id: int,
    student: Student | None,
    club_id: int,
    platform: Platform,
    handle: str,
    opened_on: date | None,
    responsible_pk: int,
) -> int:
    """Record an account of the club (ACT-6); audited."""
    club = await club_of(tx, student, club_id)
    responsible = await _responsible(tx, club.id, responsible_pk)
    handle = parse_handle(handle)
    account_id = await store.add(
        tx, now, club.id, platform, handle, responsible.id, opened_on, user_id
    )
    if account_id is None:
        raise DuplicateAccount(handle=handle)
    await audit.append(
        tx,
        now,
        user_id,
        "account.add",
        club_id=club.id,
        subject=f"account:{account_id}",
        after={
            "platform": platform.value,
            "handle": handle,
            "responsible": responsible.student_id,
            "opened_on": opened_on,
        },
    )
    return account_id


async def change_responsible(
    tx: Tx,
    now: datetime,
    user_id: int,
    student: Student | None,
    club_id: int,
    account_id: int,
    responsible_pk: int,
) -> None:
    club = await club_of(tx, student, club_id)
    responsible = await _responsible(tx, club.id, responsible_pk)
    if not await store.set_responsible(tx, account_id, club.id, responsible.id):
        raise NoSuchAccount()
    await audit.append(
        tx,
        now,
        user_id,
        "account.responsible",
        club_id=club.id,
        subject=f"account:{account_id}",
        after={"responsible": responsible.student_id},
    )


async def remove(
    tx: Tx, now: datetime, user_id: int, student: Student | None, club_id: int, account_id: int
) -> None:
    club = await club_of(tx, student, club_id)
    if not await store.remove(tx, account_id, club.id, now):
        raise NoSuchAccount()
    await audit.append(
        tx, now, user_id, "account.remove", club_id=club.id, subject=f"account:{account_id}"
    )


async def hand_over(tx: Tx, now: datetime, club_ids: list[int]) -> int:
    """After officers changed in these clubs: remind their current officers, through the outbox,
    to take over the admin rights of each account whose responsible officer left (ACT-6). Once
    per account, officer who left and reader; a few statements for all clubs. How many queued."""
    left = await store.orphaned(tx, club_ids)
    if not left:
        return 0
    readers = await officers.officer_accounts(tx, sorted({a.club_id for a in left}))
    messages = [
        Message(
            f"acct:handover:{account.id}:{account.responsible_pk}:{user_id}",
            user_id,
            money_notices.handover_text(lang, account),
        )
        for account in left
        for user_id, lang in readers.get(account.club_id, [])
    ]
    return await outbox.enqueue_many(tx, messages, now)
