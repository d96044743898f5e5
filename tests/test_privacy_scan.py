"""The privacy scan that runs after every test (PRIV-4): it finds another student's political
status, class rank or disciplinary record in a message to someone who is neither staff nor that
student, and lets the same words through to the student themself and to staff."""

from __future__ import annotations

from bot.domain.values import Role
from storage import people
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow
from tests.harness import TRANSCRIPT, Campus, privacy_leaks, student_line

STAFF = 4001


async def _campus(campus: Campus, db: Database) -> None:
    """S6 (user 1006) ranks low, has a record and is a Party member; S3 is user 1003."""
    await campus.students(
        student_line("S3"),
        student_line("S6", "Wang Wu", rank=70, disciplinary="yes", political="party"),
    )
    await campus.bound("S3", 1003)
    await campus.bound("S6", 1006)
    async with db.transaction() as session:
        await people.grant(Tx(session, db), STAFF, Role.STAFF, utcnow())


async def test_the_scan_catches_another_persons_restricted_values(
    campus: Campus, db: Database
) -> None:
    await _campus(campus, db)
    leaks = [
        (1003, "Wang Wu cannot stand for election:\n• not in the top 50 % of the class (ORG-5)"),
        (1003, "Candidates: Wang Wu (S6), Party member"),
        (1003, "候选人：S6，中共党员"),
        (1003, "Wang Wu\nTop 70% of class"),
        (1003, "Wang Wu · rank 70 %"),
        (1003, "Wang Wu: Disciplinary sanction"),
    ]
    found = await privacy_leaks(db, leaks)
    assert len(found) == len(leaks), found
    assert all("about Wang Wu" in f for f in found)


async def test_the_scan_lets_the_person_and_staff_see_them(campus: Campus, db: Database) -> None:
    await _campus(campus, db)
    allowed = [
        # The student's own record, to them; anyone's record, to staff.
        (1006, "Wang Wu\nTop 70% of class · Party member"),
        (STAFF, "<b>Wang Wu</b> (S6) · rank: top 70% · political status: Party member"),
        # A rule without a person; a person without a restricted value; the rule and the
        # names in separate paragraphs (a note about the reader, then the buttons).
        (1003, "The president of this club must be a Party member (ORG-6)."),
        (1003, "Nominated: Wang Wu is asked to accept."),
        (1003, "You cannot stand:\n• not eligible under ORG-5\n\nWang Wu\nStudent S3"),
        (1003, "This nomination is refused: not eligible under ORG-5, ORG-6."),
    ]
    assert await privacy_leaks(db, allowed) == []


async def test_every_transcript_is_recorded_for_the_scan(campus: Campus, db: Database) -> None:
    """The autouse fixture records what the chat fake receives, so the scan covers it."""
    await _campus(campus, db)
    assert any(user == 1006 and "bound" in text for user, text in TRANSCRIPT.messages)


async def test_a_reason_resting_on_restricted_data_is_named_by_its_rule_even_to_the_student(
    campus: Campus, db: Database
) -> None:
    """PRIV-4: chat leaves the country and the student may not be alone at the screen: the
    refusal names the rule, and staff alone see the reason itself."""
    await _campus(campus, db)
    leaks = [
        (1006, "Wang Wu cannot stand for election:\n• has a disciplinary record"),
        (1006, "You cannot stand:\n• not in the top 50 % of the class (ORG-5)"),
    ]
    assert len(await privacy_leaks(db, leaks)) == len(leaks)
    allowed = [
        (STAFF, "Wang Wu cannot stand for election:\n• has a disciplinary record"),
        (1006, "You cannot stand:\n• not eligible under ORG-5: ask staff for details"),
    ]
    assert await privacy_leaks(db, allowed) == []
