"""/events and the approvers' /todo read a page of activities in statements that do not grow
with the number of activities (no statement per row)."""

from __future__ import annotations

from bot.domain.activities import ActivityKind, ActivityState
from storage.db import Database
from tests.activities import OFFICER, STAFF, make_activity, seeded
from tests.conftest import MakeDb
from tests.statements import counted


async def _events_and_todo(db: Database, n: int) -> tuple[int, int]:
    """Statements of a student's /events and of staff's /todo, with `n` approved activities
    and `n` talks waiting for staff."""
    club = await seeded(db)
    for i in range(n):
        await make_activity(db, ActivityState.APPROVED, f"Open {i}", days=10 + i)
        await make_activity(
            db, ActivityState.STAFF, f"Waiting {i}", days=20 + i, kind=ActivityKind.TALK
        )
    member, staff = club.chat(OFFICER + 1), club.chat(STAFF)
    await member.send("/events")
    await member.click("✋ Sign up for 1")  # so that the page shows a sign-up state
    with counted(db) as events:
        listed = await member.send("/events")
    with counted(db) as todo:
        waiting = await staff.send("/todo")
    assert "Open 0" in listed
    assert "Signed up" in listed
    assert "Waiting 0" in waiting
    assert "Li Ming (PKU)" in waiting
    return len(events), len(todo)


async def test_events_and_todo_do_not_grow_with_the_activities(
    make_db: MakeDb, backend: str
) -> None:
    few = await _events_and_todo(await make_db(backend), 1)
    many = await _events_and_todo(await make_db(backend), 7)
    assert few == many, (few, many)
