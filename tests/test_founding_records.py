"""Establishing a club seen by the staff console: every change of an application in its history
and in the audit chain alike, the states before a club exists in /status and /student, and a
founding that REG-7 or ADV-5 forbid refused before anything is written."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from bot.chat import callbacks
from bot.domain.values import ClubStatus
from storage import applications as applications_store
from storage import audit, clubs
from storage.models import AuditRow, ClubRow
from storage.tx import Tx
from tests.establishing import (
    ADVISOR,
    CHARTER_SHA,
    SPONSOR,
    STAFF,
    found_by_vote,
    last,
    seed,
    sign,
    submit,
    to_founding,
)
from tests.harness import Campus, Chat


async def _entries(campus: Campus, subject: str) -> list[AuditRow]:
    async with campus.db.transaction() as session:
        stmt = select(AuditRow).where(AuditRow.subject == subject).order_by(AuditRow.seq)  # type: ignore[arg-type]
        return list(await session.scalars(stmt))


async def test_every_application_change_is_in_its_history_and_the_audit_chain(
    campus: Campus,
) -> None:
    advisor = await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    await to_founding(campus, advisor, sponsor, signers=21)
    await found_by_vote(campus, sponsor)
    await advisor.press((await last(campus, ADVISOR)).data("Confirm"))
    assert "is active" in advisor.said

    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        history = await applications_store.events(tx, 1)
        club = await clubs.club_by_key(tx, "robotics club")
        assert club is not None
        checked, broken = await audit.verify(tx)
    assert broken is None
    entries = await _entries(campus, "application:1")
    assert checked > len(entries)  # the appointment and the rest of the campus's changes too
    assert [e.action for e in entries] == [f"application.{h.what}" for h in history]
    assert [e.at for e in entries] == [h.at for h in history]
    whats = [h.what for h in history]
    assert whats.count("signed") == 21  # the lead sponsor and S2..S21
    for step in ("submit", "ready", "unit_accept", "approve", "record_outcome"):
        assert step in whats, step
    submitted = next(e for e in entries if e.action == "application.submit")
    assert CHARTER_SHA in (submitted.after or "")
    confirmed = entries[-1]
    assert confirmed.action == "application.confirm_outcome"
    assert confirmed.club_id == club.id  # so /audit and /status of the club show it
    assert "founding meeting outcome confirmed" in await Chat(campus.engine, STAFF).send(
        "/audit Robotics Club"
    )
    # The history staff read lists the signatures apart, not among the steps.
    details = await Chat(campus.engine, STAFF).send("/application 1")
    assert "• " in details
    assert "signed →" not in details
    # Who did what, in words: the advisor by name and staff number, the step by its name.
    assert "advisor accepted" in details
    assert "advisor_accept" not in details
    assert re.search(r"· .+ \(T\d+\) · advisor accepted", details), details


async def test_a_withdrawn_signature_is_in_both_records(campus: Campus) -> None:
    await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    token = await submit(sponsor)
    await sign(campus, token, "S2", 1002)
    signer = Chat(campus.engine, 1002)
    await signer.press(callbacks.encode("sg", "w", token))
    assert "withdrawn" in signer.said.lower()
    async with campus.db.transaction() as session:
        history = [e.what for e in await applications_store.events(Tx(session, campus.db), 1)]
    entries = [e.action for e in await _entries(campus, "application:1")]
    assert history == ["submit", "signed", "signed", "unsigned"]
    assert entries == [f"application.{what}" for what in history]


async def test_status_and_student_show_a_club_being_founded(campus: Campus) -> None:
    advisor = await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    await to_founding(campus, advisor, sponsor)
    staff = Chat(campus.engine, STAFF)
    answer = await staff.send("/status Robotics Club")
    assert "not a club yet" in answer
    assert "approved, founding meeting pending" in answer
    assert "/application 1" in answer
    summary = await staff.send("/status")
    assert "1 in progress, 0 awaiting a decision, 1 approved" in summary
    assert "#1 Robotics Club (approved, founding meeting pending)" in await staff.send(
        "/student S5"
    )
    assert "Signed applications" not in await staff.send("/student S24")
    await found_by_vote(campus, sponsor)
    assert "founding meeting awaiting confirmation" in await staff.send("/status robotics club")
    await advisor.press((await last(campus, ADVISOR)).data("Confirm"))
    club = await staff.send("/status Robotics Club")
    assert "State: Active" in club
    assert "Members: 20" in club
    assert "0 in progress" in await staff.send("/status")
    assert "Signed applications" not in await staff.send("/student S5")


async def test_a_founding_into_a_banned_club_of_the_same_name_is_refused(
    campus: Campus,
) -> None:
    """REG-7: a club of that name appeared meanwhile (imported) and was banned; confirming
    must not pour the founding members into it, and nothing of the founding stays."""
    advisor = await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    await to_founding(campus, advisor, sponsor)
    await found_by_vote(campus, sponsor)
    await campus.clubs("Robotics Club")
    async with campus.db.transaction() as session:
        await session.execute(
            update(ClubRow)
            .values(status=ClubStatus.BANNED.value)
            .where(ClubRow.name == "Robotics Club")  # type: ignore[arg-type]
        )
    await advisor.press((await last(campus, ADVISOR)).data("Confirm"))
    assert "already used" in advisor.said
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        banned = await clubs.club_by_key(tx, "robotics club")
        assert banned is not None
        assert await clubs.member_counts(tx, [banned.id]) == {}
        app = await applications_store.get(tx, 1)
    assert app is not None
    assert app.state == "confirming"
    assert app.club_id is None


async def test_signing_links_of_a_founded_club_stay_closed_when_it_is_suspended(
    campus: Campus,
) -> None:
    advisor = await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    token = await to_founding(campus, advisor, sponsor)
    await found_by_vote(campus, sponsor)
    await advisor.press((await last(campus, ADVISOR)).data("Confirm"))
    staff = Chat(campus.engine, STAFF)
    await staff.send("/suspend Robotics Club")
    await staff.send("Inquiry")
    late = await campus.bound("S23", 1023)
    await late.send(f"/start sign_{token}")
    assert "✍ Sign" not in str(late.outcomes[-1])
    await late.press(callbacks.encode("sg", "s", token))  # an old button, pressed anyway
    assert "are closed" in late.said
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        club = await clubs.club_by_key(tx, "robotics club")
        assert club is not None
        assert club.status is ClubStatus.SUSPENDED
        assert await clubs.member_counts(tx, [club.id]) == {club.id: 20}


async def test_a_dismissed_advisor_is_not_offered_to_new_applications(campus: Campus) -> None:
    await seed(campus)
    staff = Chat(campus.engine, STAFF)
    assert "fail" in (await staff.send("/evaluate T2 fail Absent")).lower()
    assert "is dismissed" in await staff.send("/dismiss T2 ADV-5")
    sponsor = await campus.bound("S1", SPONSOR)
    await sponsor.send("/establish")
    await sponsor.send("Robotics Club")
    await sponsor.click("Academic and science")
    await sponsor.send("We build robots and compete.")
    await sponsor.click("CS Dept")
    labels = [b.text for row in sponsor.outcomes[-1].replies[-1].buttons for b in row]
    assert any("Teacher One" in label for label in labels)
    assert not any("Teacher Two" in label for label in labels)
