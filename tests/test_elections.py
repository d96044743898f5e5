"""Elections in full: transcripts on the clock, the secret ballot, the count, the export."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, inspect, select

from bot.chat.i18n import catalog
from bot.domain import tally
from bot.domain.values import Language
from bot.services import elections
from storage import audit, clubs, officers
from storage import elections as elections_store
from storage.db import Database
from storage.models import BallotRow, ElectionRow, VoterRow
from storage.tx import Tx
from tests.elections import ADVISOR, OFFICER, REP, STAFF, Club


async def ballots_match_voters(db: Database) -> None:
    """The invariant after every test: per election, ballots cast == voters marked as voted."""
    async with db.transaction() as session:
        ids = list(await session.scalars(select(ElectionRow.id)))
        for eid in ids:
            assert eid is not None
            voted, receipts = await elections_store.turnout(Tx(session, db), eid)
            assert voted == receipts, (eid, voted, receipts)


async def vote(club: Club, user: int, *names: str) -> str:
    """Open the ballot from the bot's message, mark `names` in order, cast; the answer."""
    chat = club.chat(user)
    await club.press_sent(user, "Vote")
    for name in names:
        await chat.click(name)
    await chat.click("Next")
    assert "Your ballot" in chat.said
    await chat.click("Cast my ballot")
    return chat.said


async def test_officer_election_from_start_to_office(db: Database, tmp_path: Path) -> None:
    club = await Club.seeded(db)
    w = club.w
    officer = club.chat(OFFICER)
    await officer.send("/election")
    await officer.click("Start an election: Chess Club")
    await officer.click("President")
    assert "Quorum: 1/2" in officer.said
    await officer.click("Start")
    assert "nominations are open" in officer.said
    # Dates in the university's local time (TIMEZONE, Asia/Shanghai here), not UTC.
    assert "until 2026-03-09 09:00" in officer.said
    assert "UTC" not in officer.said

    await club.tick(minutes=1)
    assert any("Nominations are open" in t for t in w.telegram.to(1004))
    # S2 stands; S3 nominates S4, who accepts; S3 nominates S6, who ranks too low.
    await club.press_sent(1002, "Nominate")
    await club.chat(1002).click("Myself")
    assert "You are a candidate" in club.chat(1002).said
    await club.press_sent(1003, "Nominate")
    assert "asked to accept" in await club.chat(1003).send("Student S4")
    await club.press_sent(1003, "Nominate")
    # The nominator hears the rule only; the choice is offered again; S6 alone hears why.
    refused = await club.chat(1003).send("Student S6")
    assert "not eligible under ORG-5" in refused
    assert "top 50" not in refused
    assert "Whom do you nominate" in refused
    await club.tick(minutes=1)
    assert "cannot stand" in w.telegram.to(1006)[-1]
    # PRIV-4: even to S6, the rule and a way to a person, never the rank itself.
    assert "not eligible under ORG-5" in w.telegram.to(1006)[-1]
    assert "top 50" not in w.telegram.to(1006)[-1]
    assert "You accepted" in await club.press_sent(1004, "Accept")

    # Nominations close after 7 days; the advisor approves the list; publicity; voting opens.
    await club.tick(days=7)
    assert "review the candidates" in w.telegram.to(ADVISOR)[-1]
    assert "Student S2" in w.telegram.to(ADVISOR)[-1]
    assert "approved" in await club.press_sent(ADVISOR, "Approve the list")
    await club.tick(minutes=1)
    publicity = w.telegram.to(1005)[-1]
    assert "Student S2" in publicity
    assert "Student S4" in publicity
    # PRIV-5: what every member reads names candidates by name, college and post only.
    assert "(S2)" not in publicity
    # Voting has not opened: the ballot is refused.
    await club.chat(1005).press("v1:vt:1")
    assert "at this stage" in club.chat(1005).said
    await club.tick(days=3)
    assert "Voting is open" in w.telegram.to(1005)[-1]

    # A ranked ballot reads back in its order before it is cast.
    await club.press_sent(1001, "Vote")
    for name in ("Student S4", "Student S2"):
        await club.chat(1001).click(name)
    await club.chat(1001).click("Next")
    assert "President: 1. Student S4, 2. Student S2" in club.chat(1001).said
    await club.chat(1001).click("Cast my ballot")
    receipt = club.chat(1001).said
    assert "Receipt" in receipt
    for user, choice in ((1002, "Student S2"), (1003, "Student S4"), (1005, "Student S2")):
        assert "Receipt" in await vote(club, user, choice)
    assert "Receipt" in await vote(club, 1006, "Student S2")
    # One member, one ballot.
    assert "already voted" in await club.press_sent(1001, "Vote")
    # A voter sees their own receipt again; a member who has not voted sees none.
    shown = receipt.split("Receipt: ")[1].split(".")[0]
    assert f"You voted; your receipt: {shown}" in await club.chat(1001).send("/election")
    assert "your receipt" not in await club.chat(1004).send("/election")

    # One reminder a day before the close, to S4 alone, across ticks and a restart.
    await club.tick(days=2, hours=1)
    w.restart()
    await club.tick(minutes=5)
    reminders = [t for t in w.telegram.to(1004) if "not voted" in t]
    assert len(reminders) == 1
    assert not any("not voted" in t for t in w.telegram.to(1001))

    await club.tick(days=1)
    results = w.telegram.to(1003)[-1]
    assert "Results" in results
    assert "Elected: Student S2" in results
    await ballots_match_voters(db)

    # The export, recounted from the file alone.
    async with db.transaction() as session:
        document = await elections.export_document(Tx(session, db), 1)
    out = tmp_path / "OUT.json"
    tally.write_export(out, document)
    assert tally.main([str(out)]) == 0
    receipts = [b["receipt"] for b in document["positions"][0]["ballots"]]
    assert receipt.split("Receipt: ")[1].split(".")[0] in receipts
    assert document["positions"][0]["result"]["elected"]

    # Result publicity ends; the advisor and the unit approve; S2 takes office.
    await club.tick(days=5)
    assert "awaits your approval" in w.telegram.to(REP)[-1]
    # Those who approve read who was elected to what, in words.
    assert "Elected: Student S2 (President)." in w.telegram.to(REP)[-1]
    assert "other approval" in await club.press_sent(ADVISOR, "Approve the result")
    assert "taken office" in await club.press_sent(REP, "Approve the result")
    assert f"your receipt: {shown}" in await club.chat(1001).send("/election")
    s2 = await club.student("S2")
    s1 = await club.student("S1")
    club_id = await club.club_id()
    async with db.transaction() as session:
        tx = Tx(session, db)
        assert await officers.president(tx, club_id) == s2.id
        assert not await officers.is_officer(tx, s1.id, club_id)
        terms = await officers.history(tx, club_id)
    assert [(t.student_pk, t.until is None, t.election_id) for t in terms] == [
        (s1.id, False, None),
        (s2.id, True, 1),
    ]
    # The old president's officer commands are gone; the new one's work.
    assert "Chess Club" not in await club.chat(1001).send("/meeting")
    assert "Chess Club" in await club.chat(1002).send("/meeting")

    # Every state change is in the audit log; no ballot, receipt or voter is.
    async with db.transaction() as session:
        entries = await audit.of_club(Tx(session, db), club_id)
        assert (await audit.verify(Tx(session, db)))[1] is None
    actions = [e.action for e in reversed(entries) if e.action.startswith("election.")]
    assert actions == [
        "election.start",
        "election.candidate",  # S2 stands
        "election.candidate",  # S4 accepts
        "election.review",
        "election.list_approved",
        "election.voting",
        "election.count",
        "election.results",
        "election.approval",
        "election.approve",
        "election.approve",
        "election.office",
        "election.end",
    ]
    logged = json.dumps([(e.before, e.after) for e in entries], default=str)
    assert receipt.split("Receipt: ")[1].split(".")[0] not in logged
    assert "voted" not in logged
    assert "ballot" not in logged

    # Staff read that history in words: every action and every recorded field has them, in
    # both languages, and people are named.
    for language in Language:
        words = catalog(language)
        for entry in entries:
            assert f"audit.action.{entry.action}" in words, entry.action
            for key in entry.after or entry.before or {}:
                assert f"audit.key.{key}" in words, key
    history = await club.chat(STAFF).send("/audit Chess Club")
    assert "officers: Student S2 (President)" in history
    assert "advisor's approval: Teacher One (T1)" in history
    assert "candidates: Student S2, Student S4" in history
    for raw in ("student_pk", "advisor_ok", "election.", "nomination;", "{"):
        assert raw not in history, raw


async def test_ballot_table_cannot_identify_a_voter(db: Database) -> None:
    """No column of the ballot table names a student, an account or a time; the key is the
    receipt; the voter roll holds no choice and no receipt."""
    table = BallotRow.__table__  # type: ignore[attr-defined]
    columns = {c.name: c for c in table.columns}
    assert set(columns) == {"position_id", "receipt", "election_id", "choices"}
    targets = {fk.column.table.name for c in table.columns for fk in c.foreign_keys}
    assert targets == {"election", "election_position"}
    assert all(c.type.python_type is not type(None) for c in table.columns)
    assert not any(
        "time" in str(c.type).lower() or "date" in str(c.type).lower() for c in table.columns
    )
    assert not any(c.autoincrement is True for c in table.columns)
    voter_columns = {c.name for c in VoterRow.__table__.columns}  # type: ignore[attr-defined]
    assert voter_columns == {"election_id", "student_pk", "voted"}

    async with db.engine.connect() as conn:
        found = await conn.run_sync(
            lambda sync: [c["name"] for c in inspect(sync).get_columns("election_ballot")]
        )
    assert sorted(found) == sorted(columns)
    if db.is_sqlite:
        async with db.engine.connect() as conn:
            sql = (
                await conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE name = 'election_ballot'"
                )
            ).scalar_one()
        assert "WITHOUT ROWID" in sql.upper()


async def test_no_votes_fail_the_quorum_and_officers_are_told(db: Database) -> None:
    club = await Club.seeded(db)
    club_id = await club.club_id()
    async with db.transaction() as session:
        row = await elections.start_general_meeting(
            Tx(session, db),
            club.w.policy,
            club.w.clock.now(),
            club_id,
            ["Adopt the charter"],
            started_by=OFFICER,
        )
    assert row.phase == "voting"
    await club.tick(minutes=1)
    assert (
        "Motion" in club.w.telegram.to(1003)[-1]
        or "Voting is open" in club.w.telegram.to(1003)[-1]
    )
    await club.tick(days=4)
    assert any("without a result" in t for t in club.w.telegram.to(OFFICER))
    assert "no quorum" in club.w.telegram.to(1003)[-1]
    async with db.transaction() as session:
        count = (await session.execute(select(func.count()).select_from(BallotRow))).scalar_one()
        ended = await elections_store.get(Tx(session, db), row.id or 0)
    assert count == 0
    assert ended is not None
    assert ended.end_reason == "no_quorum"


async def test_motion_passes_with_quorum_and_recounts(db: Database, tmp_path: Path) -> None:
    club = await Club.seeded(db)
    club_id = await club.club_id()
    async with db.transaction() as session:
        row = await elections.start_general_meeting(
            Tx(session, db),
            club.w.policy,
            club.w.clock.now(),
            club_id,
            ["Adopt the charter"],
            started_by=OFFICER,
        )
    await club.tick(minutes=1)
    for user, choice in ((1001, "Yes"), (1002, "Yes"), (1003, "No"), (1004, "Abstain")):
        chat = club.chat(user)
        await club.press_sent(user, "Vote")
        await chat.click(choice)
        await chat.click("Cast my ballot")
        assert "Receipt" in chat.said
    await club.tick(days=4)
    text = club.w.telegram.to(1005)[-1]
    assert "The motion passed" in text
    assert "4 ballots" in text
    async with db.transaction() as session:
        document = await elections.export_document(Tx(session, db), row.id or 0)
    assert document["positions"][0]["result"]["counts"] == {"yes": 2, "no": 1, "abstain": 1}
    out = tmp_path / "m.json"
    tally.write_export(out, document)
    assert tally.main([str(out)]) == 0
    # Tampering is caught.
    data = json.loads(out.read_text())
    data["positions"][0]["ballots"][0]["choices"] = ["no"]
    out.write_text(json.dumps(data))
    assert tally.main([str(out)]) == 1
    # Results done: no approval needed for motions alone.
    await club.tick(days=6)
    async with db.transaction() as session:
        done = await elections_store.get(Tx(session, db), row.id or 0)
    assert done is not None
    assert done.phase == "done"
    await ballots_match_voters(db)


async def test_members_dissolve_their_club_by_a_general_meeting_vote(db: Database) -> None:
    """REG-11: the dissolution motion passes; when result publicity ends the club is dissolved."""
    club = await Club.seeded(db)
    officer = club.chat(OFFICER)
    await officer.send("/election")
    await officer.click("Start an election: Chess Club")
    await officer.click("A motion to dissolve the club")
    assert "dissolve the club?" in officer.said
    await officer.click("Start")
    assert "The vote on the motion" in officer.said
    await club.tick(minutes=1)
    for user, choice in ((1001, "Yes"), (1002, "Yes"), (1003, "Yes"), (1004, "No")):
        chat = club.chat(user)
        await club.press_sent(user, "Vote")
        assert "Dissolve Chess Club" in chat.said
        await chat.click(choice)
        await chat.click("Cast my ballot")
        assert "Receipt" in chat.said
    await club.tick(days=club.w.policy.election_voting_days)
    assert "The motion passed" in club.w.telegram.to(1005)[-1]
    club_id = await club.club_id()
    async with db.transaction() as session:
        before = await clubs.club(Tx(session, db), club_id)
    assert before is not None
    assert before.status.value == "active"  # objections are open until publicity ends
    await club.tick(days=club.w.policy.election_result_days)
    async with db.transaction() as session:
        tx = Tx(session, db)
        dissolved = await clubs.club(tx, club_id)
        assert dissolved is not None
        assert dissolved.status.value == "dissolved"
        assert await clubs.member_pks(tx, club_id) == []
        assert await officers.president(tx, club_id) is None
        entries = await audit.of_club(tx, club_id)
    dissolution = next(e for e in entries if e.action == "club.dissolve")
    assert dissolution.actor is None  # the members, not a person
    assert dissolution.after is not None
    assert dissolution.after["reason"] == "Dissolve Chess Club"
    assert any("has been dissolved" in t for t in club.w.telegram.to(1006))


async def test_a_rejected_dissolution_motion_dissolves_nothing(db: Database) -> None:
    club = await Club.seeded(db)
    club_id = await club.club_id()
    async with db.transaction() as session:
        await elections.start_general_meeting(
            Tx(session, db),
            club.w.policy,
            club.w.clock.now(),
            club_id,
            [],
            started_by=OFFICER,
            dissolution="Dissolve Chess Club",
        )
    await club.tick(minutes=1)
    for user, choice in ((1001, "No"), (1002, "No"), (1003, "Yes")):
        await club.press_sent(user, "Vote")
        await club.chat(user).click(choice)
        await club.chat(user).click("Cast my ballot")
    await club.tick(days=club.w.policy.election_voting_days)
    await club.tick(days=club.w.policy.election_result_days)
    async with db.transaction() as session:
        kept = await clubs.club(Tx(session, db), club_id)
    assert kept is not None
    assert kept.status.value == "active"


async def test_the_advisor_is_reminded_once_when_the_list_waits_a_day(db: Database) -> None:
    club = await Club.seeded(db)
    await club.start_president_election()
    await club.press_sent(1002, "Nominate")
    await club.chat(1002).click("Myself")
    await club.tick(days=club.w.policy.election_nomination_days)
    assert "review the candidates" in club.w.telegram.to(ADVISOR)[-1]
    await club.tick(hours=23)
    assert not any("waited more than a day" in t for t in club.w.telegram.to(ADVISOR))
    await club.tick(hours=1, minutes=1)
    await club.tick(days=3)
    late = [t for t in club.w.telegram.to(ADVISOR) if "waited more than a day" in t]
    assert len(late) == 1
    assert "approved" in await club.press_sent(ADVISOR, "Approve the list")


async def test_the_starter_changes_the_schedule_within_bounds(db: Database) -> None:
    """Issue 4: the four phase lengths are the policy's unless the starter types others."""
    club = await Club.seeded(db)
    officer = club.chat(OFFICER)
    await officer.send("/election")
    await officer.click("Start an election: Chess Club")
    await officer.click("President")
    assert "Nominations 7 days" in officer.said
    await officer.click("Change the schedule")
    assert "nominations 7, candidate publicity 3, voting 3, result publicity 5" in officer.said
    for wrong in ("7 3 3", "7 3 0 5", "7 3 3 61", "seven 3 3 5", "7 3 3 5 1"):
        assert "That is not a schedule" in await officer.send(wrong), wrong
    await officer.click("Keep this schedule")
    assert "Nominations 7 days" in officer.said
    await officer.click("Change the schedule")
    answer = await officer.send("2 1 4 60")
    assert "Nominations 2 days, candidate publicity 1 day, voting 4 days" in answer
    assert "result publicity 60 days" in answer
    await officer.click("Start")
    # Nominations close two days on, not seven.
    assert "until 2026-03-04 09:00" in officer.said
    async with club.w.db.transaction() as session:
        row = (await session.scalars(select(ElectionRow))).one()
    assert (row.publicity_days, row.voting_days, row.result_days) == (1, 4, 60)


def test_a_receipt_is_the_voters_own_and_names_nobody_without_the_key() -> None:
    """The receipt the bot shows again is computed from a key kept outside the database: the
    same voter and election give the same receipt, another key or voter another one."""
    from bot.services.elections import receipt_for

    mine = receipt_for(b"key", 7, 1001)
    assert mine == receipt_for(b"key", 7, 1001)
    assert len(mine) == 10
    assert mine != receipt_for(b"other key", 7, 1001)
    assert mine != receipt_for(b"key", 7, 1002)
    assert mine != receipt_for(b"key", 8, 1001)


async def test_nominating_asks_the_position_only_when_there_is_a_choice(db: Database) -> None:
    club = await Club.seeded(db)
    await club.start_election("President and vice-president")
    chat = club.chat(1002)
    assert "For which position" in await club.press_sent(1002, "Nominate")
    await chat.click("Vice-president")
    assert "Whom do you nominate" in chat.said
    await chat.click("Myself")
    assert "You are a candidate" in chat.said
