"""Reminders: each kind once at each lead time, across restarts and workers; 403 escalates; a
time-out is not repeated; quiet hours; actions clear reminders; the escalation chain."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, timedelta

from bot.domain.calendar import add_months
from bot.domain.values import ReviewResult
from bot.services import appointments, reviews
from schedules.deadlines import refresh_all
from storage import clubs, units
from storage import reviews as reviews_store
from storage.db import Database
from storage.tx import Tx
from tests.clock import FakeClock, local
from tests.conftest import MakeDb
from tests.reminders import ADVISOR, CAL, OFFICER, REP, STAFF, World, morning

START = date(2026, 3, 2)
MEETING_DUE = START + timedelta(days=40)
TERM_END = START + timedelta(days=45)
REVIEW_CLOSES = START + timedelta(days=50)
REREG_CLOSES = START + timedelta(days=55)


def chess(**extra: str) -> str:
    values = {
        "president": "S1",
        "advisor": "T1",
        "advisor_term_end": TERM_END.isoformat(),
        "last_general_meeting": add_months(MEETING_DUE, -12).isoformat(),
        "last_review": "2025-11-20",
    } | extra
    return "Chess Club,academic,CS Dept,2020-09-01," + ",".join(
        values[name]
        for name in (
            "president",
            "advisor",
            "advisor_term_end",
            "last_general_meeting",
            "last_review",
        )
    )


async def world(db: Database, *, windows: bool = False) -> World:
    """Chess Club's meeting is due on MEETING_DUE; with `windows`, its advisor's term ends,
    and its review and re-registration windows close, a few days apart after that."""
    w = World(db, FakeClock(local(START, 9)))
    far = (START + timedelta(days=400)).isoformat()
    await w.seed(chess(advisor_term_end=TERM_END.isoformat() if windows else far))
    if windows:
        async with db.transaction() as session:
            tx = Tx(session, db)
            await reviews_store.set_review_window(tx, 2026, START, REVIEW_CLOSES, w.clock.now())
            await reviews_store.set_reregistration_window(
                tx, 2026, START, REREG_CLOSES, w.clock.now()
            )
        await refresh_all(db, w.policy, CAL, w.clock.now())
    return w


async def test_each_kind_is_sent_once_at_each_lead_time(db: Database) -> None:
    w = await world(db, windows=True)
    assert await w.open_deadlines() == {
        "meeting": MEETING_DUE,
        "advisor_term": TERM_END,
        "review": REVIEW_CLOSES,
        "reregistration": REREG_CLOSES,
        # ACT-7: the spring semester's statement to the members, by its last day.
        "statement": date(2026, 8, 31),
    }
    day = START
    while day <= REREG_CLOSES:
        for hour in (0, 3, 10, 23):  # the night ticks find reminders held by quiet hours
            await w.tick(local(day, hour))
        day += timedelta(days=1)
    ahead = [r for r in await w.reminders() if r.step.startswith("d")]
    assert {r.status for r in ahead} == {"sent"}
    due = {
        "meeting": MEETING_DUE,
        "advisor_term": TERM_END,
        "review": REVIEW_CLOSES,
        "reregistration": REREG_CLOSES,
    }
    for kind, deadline in due.items():
        for chat in (OFFICER, ADVISOR) if kind == "advisor_term" else (OFFICER,):
            got = [(r.step, r.sent_on) for r in ahead if r.kind == kind and r.chat_id == chat]
            assert got == [(f"d{days}", deadline - timedelta(days=days)) for days in (30, 7, 1)], (
                kind,
                chat,
            )
    assert len(ahead) == 15
    # Nothing went out in the night.
    hours = {at.astimezone(CAL.zone).hour for at, _, _ in w.telegram.sent}
    assert hours <= set(range(8, 22))


async def test_a_restart_during_the_downtime_sends_the_reminder_once(db: Database) -> None:
    w = await world(db)
    await w.tick(morning(START))
    assert w.telegram.sent == []
    # The bot is down from here until four days before the meeting is due; a new process.
    w.restart()
    await w.tick(morning(MEETING_DUE - timedelta(days=4)))
    await w.tick(morning(MEETING_DUE - timedelta(days=4)) + timedelta(hours=1))
    w.restart()
    await w.tick(morning(MEETING_DUE - timedelta(days=3)))
    meeting = [r for r in await w.reminders() if r.kind == "meeting"]
    assert [(r.step, r.chat_id, r.status) for r in meeting] == [("d7", OFFICER, "sent")]
    assert len(w.telegram.to(OFFICER)) == 1
    assert "4 days left" in w.telegram.to(OFFICER)[0]


async def test_two_workers_send_each_reminder_once(db: Database, make_db: MakeDb) -> None:
    w = await world(db, windows=True)
    other = World(await make_db("", share=db), w.clock)
    other.telegram = w.telegram
    other.restart()
    at = morning(START + timedelta(days=26))  # several deadlines' 30-day reminders fell due
    w.clock.set(at)
    await asyncio.gather(w.tick(), other.tick(), w.tick(), other.tick())
    sent = Counter(chat for _, chat, _ in w.telegram.sent)
    rows = await w.reminders()
    assert len(rows) == 5
    assert {r.status for r in rows} == {"sent"}
    assert sent == {OFFICER: 4, ADVISOR: 1}


async def test_a_blocked_officer_is_skipped_to_the_advisor(db: Database) -> None:
    w = await world(db)
    w.telegram.blocked.add(OFFICER)
    await w.tick(morning(MEETING_DUE - timedelta(days=30)))
    got = [(r.step, r.chat_id, r.status, r.level) for r in await w.reminders()]
    assert got == [
        ("d30", OFFICER, "unreachable", "officers"),
        ("d30", ADVISOR, "sent", "advisor"),
    ]
    assert "as the club's advisor" in w.telegram.to(ADVISOR)[0]
    # Marked unreachable: the next reminder goes to the advisor straight away.
    await w.tick(morning(MEETING_DUE - timedelta(days=7)))
    assert [(r.step, r.chat_id) for r in (await w.reminders())[2:]] == [("d7", ADVISOR)]
    # The officer unblocks the bot and writes to it: reachable again.
    w.telegram.blocked.clear()
    await w.chat(OFFICER).send("/help")
    await w.tick(morning(MEETING_DUE - timedelta(days=1)))
    assert [(r.step, r.chat_id) for r in (await w.reminders())[3:]] == [("d1", OFFICER)]


async def test_a_timed_out_reminder_is_not_sent_again(db: Database) -> None:
    w = await world(db)
    w.telegram.time_out.add(OFFICER)
    await w.tick(morning(MEETING_DUE - timedelta(days=30)))
    await w.tick(morning(MEETING_DUE - timedelta(days=29)))
    rows = await w.reminders()
    assert [(r.step, r.chat_id, r.status) for r in rows] == [("d30", OFFICER, "uncertain")]
    assert w.telegram.sent == []
    staff = await w.chat(STAFF).send("/deadlines")
    assert "Messages not delivered: 1" in staff
    assert "uncertain" in staff


async def test_an_overdue_deadline_climbs_the_escalation_levels(db: Database) -> None:
    w = await world(db)
    day = MEETING_DUE - timedelta(days=2)
    while day <= MEETING_DUE + timedelta(days=30):
        await w.tick(morning(day))
        day += timedelta(days=1)
    overdue = [(r.step, r.chat_id, r.sent_on) for r in await w.reminders() if r.step[0] == "e"]
    after = MEETING_DUE + timedelta(days=1)
    assert overdue == [
        ("e0", OFFICER, after),
        ("e1", ADVISOR, after + timedelta(days=7)),
        ("e2", REP, after + timedelta(days=14)),
        ("e3", STAFF, after + timedelta(days=21)),
    ]
    assert "overdue by 1 day" in w.telegram.to(OFFICER)[-1]
    assert "guidance unit" in w.telegram.to(REP)[0]


async def test_a_unit_without_representative_escalates_to_staff(db: Database) -> None:
    w = await world(db)
    w.policy = w.policy.model_copy(update={"escalation_spacing_days": 1})
    async with db.transaction() as session:
        tx = Tx(session, db)
        unit = await units.unit_by_name(tx, "CS Dept")
        assert unit is not None
        assert unit.id is not None
        await units.revoke_rep(tx, unit.id, REP)
    for days in range(1, 5):
        await w.tick(morning(MEETING_DUE + timedelta(days=days)))
    overdue = [(r.step, r.chat_id, r.level) for r in await w.reminders() if r.step[0] == "e"]
    assert overdue == [
        ("e0", OFFICER, "officers"),
        ("e1", ADVISOR, "advisor"),
        ("e2", STAFF, "staff"),
        ("e3", STAFF, "staff"),
    ]


async def test_recording_and_confirming_a_meeting_clears_and_moves_the_deadline(
    db: Database,
) -> None:
    w = await world(db)
    await w.scan(morning(MEETING_DUE - timedelta(days=7)))
    assert [r.status for r in await w.reminders()] == ["pending"]
    officer = w.chat(OFFICER)
    assert "When did Chess Club hold" in await officer.send("/meeting")
    held = MEETING_DUE - timedelta(days=8)
    assert "advisor has been asked" in await officer.send(held.isoformat())
    assert [r.status for r in await w.reminders()] == ["cleared"]
    await w.tick()
    [request] = w.telegram.to(ADVISOR)
    assert f"held on {held}" in request
    # Someone else's button press is refused; the advisor's counts.
    data = w.telegram.button(ADVISOR, "✅")
    stranger = w.chat(1002)
    await stranger.press(data)
    assert "not allowed" in stranger.said
    advisor = w.chat(ADVISOR)
    await advisor.press(data)
    assert "Confirmed" in advisor.said
    assert (await w.open_deadlines())["meeting"] == add_months(held, 12)
    await advisor.press(data)
    assert "already been decided" in advisor.said
    await w.tick()
    assert "was confirmed" in w.telegram.to(OFFICER)[-1]


async def test_a_review_result_an_advisor_renewal_and_reregistration_clear_reminders(
    db: Database,
) -> None:
    w = await world(db, windows=True)
    await w.scan(morning(START + timedelta(days=26)))
    pending = {r.kind for r in await w.reminders() if r.status == "pending"}
    assert pending == {"meeting", "advisor_term", "review", "reregistration"}
    now = w.clock.now()
    async with db.transaction() as session:
        tx = Tx(session, db)
        club = await clubs.club_by_key(tx, "chess club")
        assert club is not None
        await reviews.record_result(tx, w.policy, CAL, now, club, ReviewResult.PASS, START)
        await appointments.renew(tx, w.policy, CAL, now, club)
    officer = w.chat(OFFICER)
    await officer.send("/deadlines")
    await officer.click("Confirm members")
    assert "member list of Chess Club is confirmed for 2026–2027" in officer.said
    left = {r.kind: r.status for r in await w.reminders()}
    assert left == {
        "meeting": "pending",
        "advisor_term": "cleared",
        "review": "cleared",
        "reregistration": "cleared",
    }
    deadlines = await w.open_deadlines()
    assert "review" not in deadlines
    assert "reregistration" not in deadlines
    assert deadlines["advisor_term"] == add_months(TERM_END, 12)


async def test_a_user_who_blocks_the_bot_is_unreachable_until_they_unblock_it(
    db: Database,
) -> None:
    w = await world(db)
    officer, advisor, staff = w.chat(OFFICER), w.chat(ADVISOR), w.chat(STAFF)
    assert "Blocked the bot" not in await staff.send("/status Chess Club")
    for chat in (officer, advisor):
        outcome = await chat.deliver(chat.incoming(blocked=True))
        assert (outcome.replies, outcome.toast, outcome.duplicate) == ([], None, False)
    status = await staff.send("/status Chess Club")
    assert "Blocked the bot, so no reminder reaches them: Student S1, Teacher One" in status
    # Their reminder goes past them, to the next level that can read it.
    await w.tick(morning(MEETING_DUE - timedelta(days=30)))
    assert [r.chat_id for r in await w.reminders()] == [REP]
    assert (w.telegram.to(OFFICER), w.telegram.to(ADVISOR)) == ([], [])
    await officer.deliver(officer.incoming(blocked=False))
    status = await staff.send("/status Chess Club")
    assert "Blocked the bot, so no reminder reaches them: Teacher One" in status
    await w.tick(morning(MEETING_DUE - timedelta(days=7)))
    assert [r.chat_id for r in await w.reminders()][1:] == [OFFICER]
