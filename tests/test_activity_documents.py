"""An activity's documents (ACT-3 safety plan, ACT-5 participant list), its budget and its
sponsor (ACT-9): asked when its kind and size need them, refused whole when of the wrong type
or size, sent to approvers with a button, and a sponsor makes staff decide."""

from __future__ import annotations

import pytest

from bot.chat.replies import Document
from bot.domain.activities import ActivityKind, DocumentKind, documents_needed
from bot.domain.finance import LineCategory, LineKind, SponsorshipNeedsApproval, check_category
from bot.domain.policy import Policy
from storage import activities, clubs
from storage.db import Database
from storage.tx import Tx
from tests.activities import ADVISOR, OFFICER, STAFF, approve_all, propose, seeded
from tests.elections import MEMBERS

LIST_XLSX = Document(
    "list",
    "participants.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    11,
    b"PK-list-xls",
)
PLAN_PDF = Document("plan", "safety-plan.pdf", "application/pdf", 13, b"%PDF-1.4 plan")


async def _draft(db: Database) -> activities.Activity:
    """The officer's proposal still being written."""
    async with db.transaction() as session:
        found = await activities.editable_of(Tx(session, db), OFFICER)
    assert found is not None
    return found


async def test_an_off_campus_trip_carries_its_list_and_plan_to_the_approvers(
    db: Database,
) -> None:
    club = await seeded(db)
    officer = club.chat(OFFICER)
    await propose(officer, "Hiking trip", kind="Off campus", submit=False)
    assert "list of participants with their contacts (ACT-5)" in officer.said
    # Text, a program, a file too large, a disguised file: each refused, nothing stored.
    assert "send it as a file" in await officer.send("Li Ming, 138 0000 0000")
    exe = Document("x", "list.exe", "application/x-msdownload", 4, b"MZMZ")
    assert "one of these types: pdf, docx" in await officer.send_document(exe)
    big = Document("b", "list.pdf", "application/pdf", 3_000_000, None)
    assert "too large: at most 2.0 MB" in await officer.send_document(big)
    disguised = Document("d", "list.xlsx", "image/png", 4, b"\x89PNG")
    assert "one of these types" in await officer.send_document(disguised)
    draft = await _draft(db)
    assert draft.documents == ()
    assert "safety and emergency plan (ACT-5" in await officer.send_document(LIST_XLSX)
    review = await officer.send_document(PLAN_PDF)
    assert "Participant list: participants.xlsx (11 bytes)" in review
    assert "Safety plan: safety-plan.pdf (13 bytes)" in review
    await officer.click("✅ Submit for approval")
    assert "staff decide" in officer.said  # off campus always reaches staff
    await club.tick(minutes=1)
    # The advisor's request carries a button per document; pressing one sends the file.
    sent = await club.press_sent(ADVISOR, "📎 Participant list")
    assert "participants.xlsx" in sent
    reply = club.chat(ADVISOR).outcomes[-1].replies[-1]
    assert reply.attachment is not None
    assert reply.attachment.content == b"PK-list-xls"
    # A member who is neither organizer nor approver gets nothing, even with the button.
    member = club.chat(MEMBERS["S2"])
    await member.press(club.w.telegram.button(ADVISOR, "📎 Safety plan"))
    assert "There is no activity #1 that you may see" in member.said
    assert member.outcomes[-1].replies[-1].attachment is None
    # /activity ID shows staff the documents with the same buttons.
    act_id = draft.id
    await club.chat(STAFF).send(f"/activity {act_id}")
    await club.chat(STAFF).click("📎 Safety plan")
    attached = club.chat(STAFF).outcomes[-1].replies[-1].attachment
    assert attached is not None
    assert attached.content == b"%PDF-1.4 plan"


async def test_growing_into_a_large_activity_asks_for_the_safety_plan(db: Database) -> None:
    club = await seeded(db)
    officer = club.chat(OFFICER)
    await propose(officer, submit=False)
    assert "✅ Submit for approval" in str(officer.last_with_buttons().buttons)
    await officer.click("Participants")
    # From 200 expected it is large (ACT-3): the plan is asked at once, and the review
    # offers no submission without it.
    assert "safety and emergency plan (ACT-3" in await officer.send("250")
    assert "✅ Submit for approval" not in str(officer.last_with_buttons().buttons)
    await officer.send_document(PLAN_PDF)
    assert "Safety plan: safety-plan.pdf" in officer.said
    await officer.click("✅ Submit for approval")
    assert "is submitted" in officer.said


async def test_a_sponsor_needs_staff_and_then_allows_the_income(db: Database) -> None:
    """ACT-9: with `activity_staff_approval` off a small activity stops at the unit, but one
    that names a sponsor still goes to staff; only after staff approve it may the club record
    sponsorship income."""
    club = await seeded(db, activity_staff_approval=False)
    officer = club.chat(OFFICER)
    await propose(officer, "Sponsored simul", sponsor="Bank of Chess: 30 boards", submit=False)
    assert "Sponsor: Bank of Chess: 30 boards — an exception staff approve (ACT-9)" in (
        officer.said
    )
    await officer.click("✅ Submit for approval")
    assert "staff decide" in officer.said
    async with db.transaction() as session:
        tx = Tx(session, db)
        club_id = await _club_id(tx)
        assert not await activities.sponsor_approved(tx, club_id)
    with pytest.raises(SponsorshipNeedsApproval):
        check_category(LineKind.INCOME, LineCategory.SPONSORSHIP, False, False)
    await approve_all(club)
    told = [t for t in club.w.telegram.to(OFFICER) if "is approved (ACT-1)" in t]
    assert "Staff approved the sponsorship by Bank of Chess: 30 boards" in told[-1]
    async with db.transaction() as session:
        tx = Tx(session, db)
        assert await activities.sponsor_approved(tx, await _club_id(tx))
    check_category(LineKind.INCOME, LineCategory.SPONSORSHIP, True, False)


async def _club_id(tx: Tx) -> int:
    chess = await clubs.club_by_key(tx, "chess club")
    assert chess is not None
    return chess.id


def test_documents_needed_by_kind_and_size() -> None:
    policy = Policy()
    assert documents_needed(policy, ActivityKind.REGULAR, 30) == {}
    assert documents_needed(policy, ActivityKind.REGULAR, 200) == {
        DocumentKind.SAFETY_PLAN: "ACT-3"
    }
    assert documents_needed(policy, ActivityKind.OFF_CAMPUS, 5) == {
        DocumentKind.PARTICIPANTS: "ACT-5",
        DocumentKind.SAFETY_PLAN: "ACT-5",
    }


async def test_a_trip_made_a_regular_meeting_drops_its_documents_at_submission(
    db: Database,
) -> None:
    """A document its kind and size no longer need is not sent on: the participant list is
    personal data, and approvers read what the rules ask for."""
    club = await seeded(db)
    officer = club.chat(OFFICER)
    await propose(officer, "Hiking trip", kind="Off campus", submit=False)
    await officer.send_document(LIST_XLSX)
    await officer.send_document(PLAN_PDF)
    act_id = (await _draft(db)).id
    await officer.click("Kind")
    await officer.click("Regular activity")
    await officer.click("✅ Submit for approval")
    assert "is submitted" in officer.said
    async with db.transaction() as session:
        found = await activities.activity(Tx(session, db), act_id)
    assert found is not None
    assert found.documents == ()
