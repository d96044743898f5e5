"""/deadlines by role, /meeting, and buttons whose sender may not act are refused."""

from __future__ import annotations

from datetime import timedelta

from bot.chat import callbacks
from bot.domain.calendar import add_months
from storage.db import Database
from tests.clock import FakeClock, local
from tests.reminders import ADVISOR, OFFICER, STAFF, World, morning
from tests.test_reminders import MEETING_DUE, START, chess


async def _world(db: Database) -> World:
    w = World(db, FakeClock(local(START, 9)))
    far = (START + timedelta(days=400)).isoformat()
    await w.seed(
        chess(advisor_term_end=far),
        "Go Club,culture_sports,Sports Office,2021-09-01,S2,,,,",
    )
    return w


async def test_each_role_sees_its_deadlines(db: Database) -> None:
    w = await _world(db)
    officer = await w.chat(OFFICER).send("/deadlines")
    assert "Your clubs' deadlines" in officer
    assert f"{MEETING_DUE} · Chess Club · general meeting (ORG-3) · in 40 days" in officer
    assert "Go Club" not in officer
    officer_chat = w.chat(OFFICER)
    await officer_chat.send("/deadlines")
    assert officer_chat.button("Record a meeting: Chess Club").data == "v1:gm:1"
    advisor = await w.chat(ADVISOR).send("/deadlines")
    assert "Your term at Chess Club ends on" in advisor
    assert "general meeting" in advisor
    # Staff see what is overdue, soonest first: Go Club never recorded a meeting.
    staff = await w.chat(STAFF).send("/deadlines")
    assert "Overdue: 1" in staff
    assert "Go Club · general meeting (ORG-3) · overdue by" in staff
    assert "Chess Club" not in staff
    w.clock.set(morning(MEETING_DUE + timedelta(days=3)))
    staff = await w.chat(STAFF).send("/deadlines")
    assert "Overdue: 2" in staff
    assert staff.index("Go Club") < staff.index("Chess Club")
    assert "You have no deadlines" in await w.chat(5555).send("/deadlines")


async def test_help_shows_the_commands_of_each_role(db: Database) -> None:
    w = await _world(db)
    officer = await w.chat(OFFICER).send("/help")
    assert "/deadlines" in officer
    assert "/meeting" in officer
    advisor = await w.chat(ADVISOR).send("/help")
    assert "/deadlines" in advisor
    assert "/meeting" not in advisor
    assert "/deadlines" not in await w.chat(5555).send("/help")


async def test_the_meeting_flow_checks_the_date(db: Database) -> None:
    w = await _world(db)
    officer = w.chat(OFFICER)
    await officer.send("/meeting")
    assert "YYYY-MM-DD" in await officer.send("last Tuesday")
    tomorrow = (START + timedelta(days=1)).isoformat()
    assert "must not be in the future" in await officer.send(tomorrow)
    old = add_months(MEETING_DUE, -13).isoformat()  # before the last confirmed meeting
    assert "after the last confirmed meeting" in await officer.send(old)
    await officer.click("Today")
    assert f"held its general meeting on {START}" in officer.said
    # Recording again replaces the record that was waiting for the advisor.
    await officer.send("/meeting")
    await officer.send((START - timedelta(days=1)).isoformat())
    await w.tick()
    assert len(w.telegram.to(ADVISOR)) == 2
    advisor = await w.chat(ADVISOR).send("/deadlines")
    assert f"on {START - timedelta(days=1)} awaits" in advisor
    assert f"on {START} awaits" not in advisor


async def test_buttons_are_checked_on_the_server(db: Database) -> None:
    w = await _world(db)
    go_president = w.chat(1002)
    # Not an officer of Chess Club (club 1), and S2 is not even bound here.
    await go_president.press(callbacks.encode("gm", 1))
    assert "position" in go_president.said or "bind" in go_president.said
    await go_president.press(callbacks.encode("rr", 1))
    assert "position" in go_president.said or "bind" in go_president.said
    await go_president.press(callbacks.encode("gmc", 999, "y"))
    assert "already been decided" in go_president.said
    await go_president.press(callbacks.encode("dl", 1))
    assert "not allowed" in go_president.said
    await go_president.press("v1:gmc:1:maybe")
    assert "expired" in go_president.said
