"""ACT-10: after an activity the organizer is asked for its report, a deadline like the others
(reminders, escalation, /deadlines), filed through /activity_report with the participants from the
check-ins, a summary, the spending and optional photos; the attendance figures per activity."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from bot.chat.replies import Document
from storage import activity_reports
from storage.db import Database
from storage.models import ActivityReportPhotoRow, ActivityReportRow, AuditRow, DeadlineRow
from storage.tx import Tx
from tests.activities import OFFICER, STAFF, approve_all, propose, seeded
from tests.clock import local

S2, S3 = OFFICER + 1, OFFICER + 2
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _doc(name: str, mime: str, content: bytes) -> Document:
    return Document(f"file-{name}", name, mime, len(content), content)


async def test_report_asked_after_the_end_then_filed_with_check_ins(db: Database) -> None:
    club = await seeded(db, members=3)
    officer, second = club.chat(OFFICER), club.chat(S2)
    await propose(officer, "Blitz evening", capacity=None)
    await approve_all(club)
    assert "No report is owed" in await officer.send("/activity_report")
    # The deadline is there from the approval, shown in /deadlines.
    assert "activity report (ACT-10)" in await officer.send("/deadlines")
    assert "Only advisors or club officers" in await second.send("/activity_report")

    # The activity: S2 checks in.
    club.w.clock.set(local(date(2026, 3, 12), 18, 45))
    await officer.send("/checkin")
    code = re.search(r"Code: (\w+)", officer.said)
    assert code is not None
    assert "checked in" in await second.send(f"/checkin {code.group(1)}")

    # After the end the organizer is asked for the report.
    await club.w.tick(local(date(2026, 3, 12), 21, 5))
    assert any("has ended. Please file its report" in t for t in club.w.telegram.to(OFFICER))
    assert "what happened?" in await officer.send("/activity_report")
    assert "Please send the summary as text" in await officer.send("x" * 4001)
    assert "How much was spent" in await officer.send("Twelve games, a simul, prizes.")
    assert "in yuan" in await officer.send("a lot")
    assert "Photos (0 of at most" in await officer.send("120.5")
    assert "is sent as a file" in await officer.send_document(
        _doc("notes.txt", "text/plain", b"hello")
    )
    assert "Photo added" in await officer.send_document(_doc("p.png", "image/png", PNG))
    # A restart, another command: the draft is kept, /activity_report resumes at the review.
    await officer.send("/help")
    review = await officer.send("/activity_report")
    assert "Participants (from check-in): 1" in review
    assert "Spending: ¥120.50" in review
    assert "Photos: 1" in review
    await officer.click("✏️ Spending")
    assert "Spending: ¥130.00" in await officer.send("130")
    await officer.click("✅ File the report")
    assert "is filed, with 1 participant" in officer.said
    assert "No report is owed" in await officer.send("/activity_report")
    assert "activity report (ACT-10)" not in await officer.send("/deadlines")

    async with db.transaction() as session:
        report = (await session.scalars(select(ActivityReportRow))).one()
        photos = (await session.scalars(select(ActivityReportPhotoRow))).all()
        logged = (
            await session.scalars(select(AuditRow).where(AuditRow.action == "activity.report"))
        ).all()
        figures = await activity_reports.attendance(
            Tx(session, db), club.w.clock.now(), club.w.policy.activity_report_days
        )
    assert (report.state, report.participants, report.spending) == ("filed", 1, 13000)
    assert len(photos) == 1
    assert len(logged) == 1
    assert [(f.checkins, f.report_filed, f.report_overdue) for f in figures] == [(1, True, False)]


async def test_an_unfiled_report_is_reminded_escalated_and_counted_overdue(db: Database) -> None:
    club = await seeded(db, members=2)
    officer = club.chat(OFFICER)
    await propose(officer, "Puzzle night", capacity=None)
    await approve_all(club)
    async with db.transaction() as session:
        rows = (
            await session.scalars(select(DeadlineRow).where(DeadlineRow.kind == "activity_report"))
        ).all()
    assert [(r.due_on, r.opens_on) for r in rows] == [(date(2026, 3, 19), date(2026, 3, 12))]
    # Reminders only from the end; escalation after the due day (staff is the last level).
    await club.w.tick(local(date(2026, 3, 12), 22))
    await club.w.tick(local(date(2026, 3, 19), 9))
    assert any("files the report of an activity" in t for t in club.w.telegram.to(OFFICER))
    for days in range(1, 40):
        await club.w.tick(local(date(2026, 3, 19), 9) + timedelta(days=days))
    assert any("has not filed the report" in t for t in club.w.telegram.to(OFFICER))
    assert any("has not filed the report" in t for t in club.w.telegram.to(STAFF))
    async with db.transaction() as session:
        figures = await activity_reports.attendance(
            Tx(session, db), club.w.clock.now(), club.w.policy.activity_report_days
        )
    assert [(f.checkins, f.report_filed, f.report_overdue) for f in figures] == [(0, False, True)]
    # A report can still be filed late: the deadline closes.
    assert "what happened?" in await officer.send("/activity_report")
    await officer.send("Quiet evening.")
    await officer.send("0")
    await officer.click("Done")
    await officer.click("✅ File the report")
    assert "is filed, with 0 participants" in officer.said
    async with db.transaction() as session:
        open_rows = (
            await session.scalars(
                select(DeadlineRow).where(
                    DeadlineRow.kind == "activity_report",
                    DeadlineRow.closed_at.is_(None),  # type: ignore[union-attr]
                )
            )
        ).all()
    assert open_rows == []
