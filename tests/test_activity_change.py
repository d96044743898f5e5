"""ACT-1: a change of time, place or speakers after approval sends the activity back for
approval and tells those signed up; an approval button of the old version is refused."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from storage.db import Database
from storage.models import ActivityRow, ActivitySignupRow, AuditRow
from tests.activities import ADVISOR, OFFICER, approve_all, propose, seeded
from tests.clock import local

S2, S3 = OFFICER + 1, OFFICER + 2


async def _activity(db: Database) -> ActivityRow:
    async with db.transaction() as session:
        return (await session.scalars(select(ActivityRow))).one()


async def test_a_change_after_approval_goes_through_approval_again(db: Database) -> None:
    club = await seeded(db, members=3)
    officer = club.chat(OFFICER)
    await propose(officer, "Blitz evening", capacity="10")
    await club.tick(minutes=1)
    old_button = club.w.telegram.button(ADVISOR, "✅ Approve")
    await approve_all(club)
    assert "You are signed up" in await club.press_sent(S2, "✋ Sign up")
    act = await _activity(db)

    assert "/activity change ID" in await officer.send("/activity change soon")
    assert "No club of yours" in await officer.send(f"/activity change {act.id + 5}")
    assert "Only" in await club.chat(S2).send(f"/activity change {act.id}")
    assert (await _activity(db)).state == "approved"

    reopened = await officer.send(f"/activity change {act.id}")
    assert "is back with you for changes" in reopened
    changed = await _activity(db)
    assert (changed.state, changed.version) == ("returned", act.version + 1)
    await club.tick(minutes=1)
    assert any("is being changed by its organizer" in t for t in club.w.telegram.to(S2))
    # Not approved meanwhile: no sign-up, no second change.
    assert "not open for sign-up" in await club.press_sent(S3, "✋ Sign up")
    assert "cannot be changed now" in await officer.send(f"/activity change {act.id}")

    await officer.click("Place")
    await officer.send("Main hall")
    await officer.click("✅ Submit for approval")
    assert "is submitted" in officer.said
    # The advisor's button of the approved version is refused; the new request decides.
    await club.chat(ADVISOR).press(old_button)
    assert "has changed since that button was sent" in club.chat(ADVISOR).said
    await approve_all(club)
    final = await _activity(db)
    assert (final.state, final.place) == ("approved", "Main hall")
    async with db.transaction() as session:
        signup = (await session.scalars(select(ActivitySignupRow))).one()
        logged = (
            await session.scalars(select(AuditRow).where(AuditRow.action == "activity.change"))
        ).all()
    assert signup.status == "confirmed"
    assert len(logged) == 1
    # The day before, the student is reminded of the new place, once.
    await club.w.tick(local(date(2026, 3, 11), 19, 5))
    reminders = [t for t in club.w.telegram.to(S2) if "Tomorrow" in t]
    assert len(reminders) == 1
    assert "Main hall" in reminders[0]
    # Started: no more changes.
    await club.w.tick(local(date(2026, 3, 12), 19, 5))
    assert "cannot be changed now" in await officer.send(f"/activity change {act.id}")
