"""Announcing an approved activity, /events, and signing up with places and a waiting list
(ACT-1: no publicity or sign-up before approval)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select

from bot.chat import callbacks
from bot.domain.activities import ActivityAudience, ActivityKind, ActivityState
from bot.services import roster, signups
from storage import activities, clubs, people
from storage.db import Database
from storage.models import ActivityRow, ActivitySignupRow
from storage.tx import Tx
from tests.activities import OFFICER, approve_all, propose, seeded
from tests.clock import local
from tests.conftest import MakeDb
from tests.harness import STUDENT_HEADER, student_line
from tests.reminders import CAL

S2, S3 = OFFICER + 1, OFFICER + 2


async def test_announced_on_approval_then_sign_up_waitlist_cancel_and_promotion(
    db: Database,
) -> None:
    club = await seeded(db, members=3)
    officer = club.chat(OFFICER)
    await propose(officer, "Blitz evening", capacity="1", audience="Every student")
    first, second = club.chat(S2), club.chat(S3)
    # Not approved yet: nothing announced, nothing listed, no sign-up (ACT-1).
    await club.tick(minutes=1)
    assert not any("A new activity" in t for t in club.w.telegram.to(S2))
    assert "No approved activity" in await first.send("/events")
    act_id = (await _latest(db)).id
    await first.press(callbacks.encode(signups.SIGN_UP, act_id))
    assert "not open for sign-up" in first.said

    await approve_all(club)
    for user in (OFFICER, S2, S3):
        assert any("A new activity you may attend" in t for t in club.w.telegram.to(user))
    assert "You are signed up for Blitz evening" in await club.press_sent(S2, "✋ Sign up")
    assert "waiting list" in await club.press_sent(S3, "✋ Sign up")
    assert "already" in await club.press_sent(S2, "✋ Sign up")
    listed = await second.send("/events")
    assert "Blitz evening — Chess Club" in listed
    assert "On the waiting list" in listed
    assert "Signed up" in await first.send("/events")
    await first.click("Cancel my sign-up for 1")
    assert "is cancelled" in first.said
    await club.tick(minutes=1)
    assert any(
        "you are now confirmed for <b>Blitz evening</b>" in t for t in club.w.telegram.to(S3)
    )
    assert "✅ Signed up" in await second.send("/events")
    assert (
        "You are not signed up"
        in (await first.press(callbacks.encode(signups.CANCEL, act_id))).replies[0].text
    )

    # A members-only activity: a student who left the club neither sees nor joins it.
    assert "You have left" in await second.send("/leave Chess Club")
    await propose(officer, "Members' simul", starts="2026-03-13 19:00", capacity=None)
    await approve_all(club)
    assert not any("Members" in t and "simul" in t for t in club.w.telegram.to(S3))
    members_only = await _latest(db)
    assert "Members' simul" not in await second.send("/events")
    await second.press(callbacks.encode(signups.SIGN_UP, members_only.id))
    assert "Only members of Chess Club" in second.said
    assert "You are signed up" in await club.press_sent(S2, "✋ Sign up")
    # The day before: a reminder for those with a place, none for a cancelled sign-up.
    await club.w.tick(local(date(2026, 3, 11), 19, 5))
    assert any("Tomorrow: <b>Blitz evening</b>" in t for t in club.w.telegram.to(S3))
    assert not any("Tomorrow: <b>Blitz evening</b>" in t for t in club.w.telegram.to(S2))
    assert not any("Tomorrow: <b>Members" in t for t in club.w.telegram.to(S2))
    await club.w.tick(local(date(2026, 3, 12), 19, 5))
    assert any("Tomorrow: <b>Members" in t for t in club.w.telegram.to(S2))
    # After the start: no sign-up, no cancellation.
    club.w.clock.advance(days=12)
    await first.press(callbacks.encode(signups.CANCEL, members_only.id))
    assert "has started" in first.said


async def _latest(db: Database) -> activities.Activity:
    async with db.transaction() as session:
        tx = Tx(session, db)
        latest = max((await session.scalars(select(ActivityRow.id))).all())
        found = await activities.activity(tx, latest)
    assert found is not None
    return found


BURST, PLACES = 200, 50


async def test_200_simultaneous_sign_ups_for_50_places_confirm_exactly_50(
    make_db: MakeDb, backend: str
) -> None:
    """200 students sign up at once through two database handles (two processes): exactly 50
    confirmed on 50 distinct places, 150 waitlisted; a cancellation promotes the first."""
    db = await make_db(backend)
    other = await make_db(backend, share=db)
    club = await seeded(db, members=1)
    now = club.w.clock.now()
    lines = [student_line(f"B{n:03d}") for n in range(BURST)]
    async with db.transaction() as session:
        tx = Tx(session, db)
        await roster.import_students(tx, now, "\n".join([STUDENT_HEADER, *lines]).encode())
        students = list(
            (await people.students_by_ids(tx, [f"B{n:03d}" for n in range(BURST)])).values()
        )
        club_id = await _club_id(tx)
        act_id = await activities.new_draft(tx, club_id, OFFICER, now)
        await activities.change(
            tx,
            act_id,
            now,
            title="Simul",
            kind=ActivityKind.REGULAR.value,
            starts_at=now + timedelta(days=10),
            ends_at=now + timedelta(days=10, hours=2),
            place="Hall",
            expected=200,
            capacity=PLACES,
            capacity_set=True,
            audience=ActivityAudience.STUDENTS.value,
            description="-",
        )
        assert await activities.move(
            tx, act_id, ActivityState.DRAFT, 1, now, ActivityState.APPROVED
        )

    async def attempt(i: int) -> str:
        handle = db if i % 2 else other
        try:
            async with handle.transaction() as session:
                done = await signups.sign_up(Tx(session, handle), CAL, now, students[i], act_id)
        except Exception as exc:
            return f"other: {type(exc).__name__}: {exc}"
        return done.status

    results = Counter(await asyncio.gather(*(attempt(i) for i in range(BURST))))
    assert results == Counter({"confirmed": PLACES, "waitlisted": BURST - PLACES}), results
    rows = await _sign_ups(db, act_id)
    places = sorted(r.place for r in rows if r.status == "confirmed")
    assert places == list(range(1, PLACES + 1))
    first_waiting = min((r for r in rows if r.status == "waitlisted"), key=lambda r: r.id)

    leaving = next(r for r in rows if r.status == "confirmed" and r.place == 7)
    leaver = next(s for s in students if s.id == leaving.student_pk)
    async with db.transaction() as session:
        await signups.cancel(Tx(session, db), CAL, now, leaver, act_id)
    after = {r.student_pk: r for r in await _sign_ups(db, act_id)}
    assert after[first_waiting.student_pk].status == "confirmed"
    assert after[first_waiting.student_pk].place == 7
    async with db.transaction() as session:
        counts = await activities.sign_up_counts(Tx(session, db), act_id)
    assert counts == {"confirmed": PLACES, "waitlisted": BURST - PLACES - 1}


async def _club_id(tx: Tx) -> int:
    chess = await clubs.club_by_key(tx, "chess club")
    assert chess is not None
    return chess.id


async def _sign_ups(db: Database, activity_id: int) -> list[ActivitySignupRow]:
    async with db.transaction() as session:
        stmt = select(ActivitySignupRow).where(ActivitySignupRow.activity_id == activity_id)
        return list((await session.scalars(stmt)).all())
