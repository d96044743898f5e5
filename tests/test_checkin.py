"""Check-in at an activity (ACT-10) that resists cheating: the organizer's rotating code and QR
code, a student's check-in by code or deep link, every refusal, the rate limit on guesses, a
missed check-in added by the organizer, and twenty simultaneous taps giving one record."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import func, select

from bot.domain.activities import ActivityAudience
from bot.services import checkin as service
from storage import activities, people
from storage.db import Database
from storage.models import ActivityCheckinRow, AuditRow, CheckinGuessRow
from storage.tx import Tx
from tests.activities import OFFICER, seeded
from tests.checkins import approved
from tests.conftest import MakeDb
from tests.harness import Chat

S2, S3, S4, S5 = OFFICER + 1, OFFICER + 2, OFFICER + 3, OFFICER + 4
_CODE = re.compile(r"Code: (\w+)")
_LINK = re.compile(r"start=(ci_\w+)")


async def shown(chat: Chat) -> tuple[str, str, bytes]:
    """The code, the deep-link payload and the PNG of the organizer's latest screen."""
    reply = chat.outcomes[-1].replies[-1]
    code = _CODE.search(chat.said)
    assert code is not None, chat.said
    assert reply.attachment is not None
    assert reply.attachment.photo
    # The QR code's content: the deep link the picture is drawn from.
    assert isinstance(reply.attachment.content, partial)
    link = _LINK.search(reply.attachment.content.args[0])
    assert link is not None
    return code.group(1), link.group(1), await reply.attachment.read()


async def _count(db: Database, table: type) -> int:
    async with db.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_check_in_by_code_and_link_with_every_refusal(db: Database) -> None:
    club = await seeded(db, members=5)
    clock = club.w.clock
    officer, second, third, fourth = (club.chat(u) for u in (OFFICER, S2, S3, S4))
    outsider = club.chat(S5)
    assert "You have left" in await outsider.send("/leave Chess Club")
    act_id = await approved(db, clock.now(), "Blitz night")

    # Before check-in opens (30 minutes before the start): no code to show, none accepted.
    assert "open for check-in" in await officer.send("/checkin")
    assert "not a valid check-in code" in await second.send("/checkin ABCDEF")
    assert "send /checkin CODE" in await outsider.send("/checkin")

    clock.advance(hours=1, minutes=45)
    await officer.send("/checkin")
    code, payload, png = await shown(officer)
    assert png.startswith(b"\x89PNG")
    assert len(payload.encode()) <= 64
    assert "Checked in so far: 0" in officer.said

    assert "checked in at Blitz night" in await second.send(f"/checkin {code.lower()}")
    assert "already checked in" in await second.send(f"/checkin {code}")
    assert "checked in at Blitz night" in await third.send(f"/start {payload}")
    assert "already checked in" in await third.send(f"/start {payload}")
    # A member-only activity: a student who left the club may not check in, by either way.
    assert "may not check in at Blitz night" in await outsider.send(f"/checkin {code}")
    assert "may not check in" in await outsider.send(f"/start {payload}")
    # A forged link (another activity's id, or a made-up MAC) is a wrong code.
    forged = payload[:-4] + ("AAAA" if not payload.endswith("AAAA") else "BBBB")
    assert "not a valid check-in code" in await fourth.send(f"/start {forged}")
    other_id = payload.replace(f"ci_{act_id}_", f"ci_{act_id + 1}_")
    assert "not a valid check-in code" in await fourth.send(f"/start {other_id}")

    # The code changes; the one shown a window ago still works, older ones have expired.
    clock.advance(minutes=club.w.policy.checkin_rotate_minutes)
    await officer.click("🔄 New code")
    newer, _, _ = await shown(officer)
    assert "Checked in so far: 2" in officer.said
    clock.advance(minutes=2 * club.w.policy.checkin_rotate_minutes)
    assert "has expired" in await fourth.send(f"/checkin {code}")
    assert "has expired" in await fourth.send(f"/start {payload}")
    assert newer != code

    # A code of another activity than the one the student may attend: foreign, named.
    await approved(
        db, clock.now(), "Open lecture", in_hours=0.25, audience=ActivityAudience.STUDENTS
    )
    await officer.send("/checkin")
    assert "Which one?" in officer.said
    await officer.click("Blitz night · Chess Club")
    current, _, _ = await shown(officer)
    assert "not for an activity you may attend now (Open lecture)" in await outsider.send(
        f"/checkin {current}"
    )

    # Guesses are limited: after `checkin_guesses` wrong codes even the right one waits.
    guesses = club.w.policy.checkin_guesses
    for n in range(guesses - (await _guesses(db, S4))):
        assert "not a valid" in await fourth.send(f"/checkin WRONG{n}")
    assert "Too many wrong codes" in await fourth.send(f"/checkin {current}")
    clock.advance(minutes=club.w.policy.checkin_guess_window_minutes + 1)
    await officer.click("🔄 New code")
    current, _, _ = await shown(officer)
    assert "checked in at Blitz night" in await fourth.send(f"/checkin {current}")

    # A code shown just before the end, typed just after it: check-in has closed.
    ends = await _ends(db, act_id)
    clock.at = ends - timedelta(minutes=1)
    await officer.click("🔄 New code")
    last, _, _ = await shown(officer)
    clock.at = ends + timedelta(minutes=1)
    assert "has ended" in await second.send(f"/checkin {last}")
    # Only the activity still running is offered now.
    assert "Check-in for Open lecture" in await officer.send("/checkin")
    async with db.transaction() as session:
        rows = (await session.scalars(select(ActivityCheckinRow))).all()
    assert sorted((r.student_pk, r.method) for r in rows) == sorted(
        [
            (await _pk(db, "S2"), "code"),
            (await _pk(db, "S3"), "link"),
            (await _pk(db, "S4"), "code"),
        ]
    )


async def test_organizer_adds_a_missed_check_in_within_the_report_window(db: Database) -> None:
    club = await seeded(db, members=5)
    clock = club.w.clock
    officer, second, outsider = club.chat(OFFICER), club.chat(S2), club.chat(S5)
    assert "You have left" in await outsider.send("/leave Chess Club")
    act_id = await approved(db, clock.now(), "Simul", in_hours=1)
    clock.advance(hours=4)  # it has ended

    assert "Send /checkin add" in await officer.send("/checkin add")
    assert "Send /checkin add" in await officer.send(f"/checkin add {act_id} S2")
    assert "Send /checkin add" in await officer.send("/checkin add x S2 reason")
    assert "Only the officers" in await second.send(f"/checkin add {act_id} S3 was there")
    assert "Only the officers" in await officer.send(f"/checkin add {act_id + 99} S3 here")
    assert "No student with the number S99" in await officer.send(
        f"/checkin add {act_id} S99 was there"
    )
    assert "may not attend" in await officer.send(f"/checkin add {act_id} S5 was there")
    assert await _count(db, ActivityCheckinRow) == 0
    assert "Added: " in await officer.send(f"/checkin add {act_id} S2 phone battery dead")
    assert "already checked in" in await officer.send(f"/checkin add {act_id} S2 twice")
    async with db.transaction() as session:
        row = (await session.scalars(select(ActivityCheckinRow))).one()
        logged = (
            await session.scalars(
                select(AuditRow).where(AuditRow.action == "activity.checkin_added")
            )
        ).all()
    assert (row.method, row.reason, row.by_user) == ("added", "phone battery dead", OFFICER)
    assert len(logged) == 1
    # After the report's deadline (ACT-10) nothing more is added.
    clock.advance(days=club.w.policy.activity_report_days)
    assert "can no longer be added" in await officer.send(f"/checkin add {act_id} S3 late")
    assert await _count(db, ActivityCheckinRow) == 1


async def _ends(db: Database, act_id: int) -> datetime:
    async with db.transaction() as session:
        found = await activities.activity(Tx(session, db), act_id)
    assert found is not None
    assert found.ends_at is not None
    return found.ends_at


async def _pk(db: Database, student_id: str) -> int:
    async with db.transaction() as session:
        found = await people.students_by_ids(Tx(session, db), [student_id])
    return found[student_id].id


async def _guesses(db: Database, user_id: int) -> int:
    async with db.transaction() as session:
        stmt = (
            select(func.count())
            .select_from(CheckinGuessRow)
            .where(CheckinGuessRow.user_id == user_id)
        )
        return int((await session.execute(stmt)).scalar_one())


TAPS = 20


async def test_20_simultaneous_check_in_taps_give_one_record(
    make_db: MakeDb, backend: str
) -> None:
    """Twenty taps of the same link at once, through two database handles (two processes):
    one check-in, the others told they were already checked in."""
    db = await make_db(backend)
    other = await make_db(backend, share=db)
    club = await seeded(db, members=2)
    now = club.w.clock.now() + timedelta(hours=2)
    act_id = await approved(db, now - timedelta(hours=2), "Rapid", in_hours=2)
    async with db.transaction() as session:
        tx = Tx(session, db)
        student = (await people.students_by_ids(tx, ["S2"]))["S2"]
        officer = (await people.students_by_ids(tx, ["S1"]))["S1"]
        screen = await service.screen(tx, club.w.policy, now, officer, None, act_id)

    async def tap(i: int) -> str:
        handle = db if i % 2 else other
        async with handle.transaction() as session:
            done = await service.by_link(
                Tx(session, handle), club.w.policy, now, S2, student, screen.payload
            )
        return done.result.value

    results = Counter(await asyncio.gather(*(tap(i) for i in range(TAPS))))
    assert results == Counter({"done": 1, "already": TAPS - 1}), results
    assert await _count(db, ActivityCheckinRow) == 1
