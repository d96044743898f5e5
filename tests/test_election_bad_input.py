"""Ballots under attack: simultaneous taps, forged and stale buttons, late members, a club
suspended mid-vote, nobody eligible; nominations that probe other people's records."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable

from bot.chat import callbacks
from bot.domain.elections import AlreadyVoted
from bot.services import elections, identity, roster
from storage import elections as elections_store
from storage import people
from storage.db import Database
from storage.models import ElectionRow
from storage.tx import Tx
from tests.elections import OFFICER, Club
from tests.harness import STUDENT_HEADER, Chat, student_line
from tests.test_elections import ballots_match_voters

TAPS = 20


async def _motion(club: Club) -> ElectionRow:
    club_id = await club.club_id()
    async with club.w.db.transaction() as session:
        row = await elections.start_general_meeting(
            Tx(session, club.w.db),
            club.w.policy,
            club.w.clock.now(),
            club_id,
            ["Adopt the charter"],
            started_by=OFFICER,
        )
    await club.tick(minutes=1)
    return row


async def test_twenty_simultaneous_casts_give_one_ballot(
    make_db: Callable[..., Awaitable[Database]], backend: str
) -> None:
    """20 casts by one member at once, through two database handles (two processes)."""
    db = await make_db(backend)
    other = await make_db(backend, share=db)
    club = await Club.seeded(db)
    row = await _motion(club)
    assert row.id is not None
    eid = row.id
    student = await club.student("S3")
    async with db.transaction() as session:
        papers = await elections.paper(Tx(session, db), eid)

    async def cast(i: int) -> str:
        handle = db if i % 2 else other
        try:
            async with handle.transaction() as session:
                await elections.cast(
                    Tx(session, handle),
                    club.w.clock.now(),
                    student,
                    eid,
                    {p.id: ["yes"] for p in papers},
                    b"key",
                )
        except AlreadyVoted:
            return "already"
        return "cast"

    results = Counter(await asyncio.gather(*(cast(i) for i in range(TAPS))))
    assert results == Counter({"cast": 1, "already": TAPS - 1}), results
    async with db.transaction() as session:
        assert await elections_store.turnout(Tx(session, db), eid) == (1, 1)


async def test_twenty_taps_on_cast_through_the_engine(db: Database) -> None:
    club = await Club.seeded(db)
    await _motion(club)
    chat = club.chat(1003)
    await club.press_sent(1003, "Vote")
    await chat.click("Yes")
    cast = chat.button("Cast my ballot").data or ""
    answers = await asyncio.gather(*(chat.press(cast) for _ in range(TAPS)))
    said = [
        " ".join(r.text for r in a.replies) + (a.toast.text if a.toast else "") for a in answers
    ]
    assert sum("Receipt" in s for s in said) == 1
    await ballots_match_voters(db)


async def test_forged_stale_and_late_ballots(db: Database) -> None:
    club = await Club.seeded(db, members=5)
    row = await _motion(club)
    chat = club.chat(1002)
    # Another election, a forged choice, a value that is no candidate.
    await chat.press(callbacks.encode("vt", 999))
    assert "no such election" in chat.said
    await club.press_sent(1002, "Vote")
    step = (chat.button("Yes").data or "").split(":")[2]
    await chat.press(callbacks.encode("f", step, "c999"))
    assert "not on this ballot" in chat.said
    # A member who joins after voting opened is not on the roll.
    late = club.chat(1006)
    async with db.transaction() as session:
        issued = await identity.issue_codes(Tx(session, db), club.w.clock.now())
    code = next(c for s, c in issued if s.student_id == "S6")
    assert "bound" in await late.bind(code)
    assert "Welcome" in await late.send("/join Chess Club")
    await late.press(callbacks.encode("vt", row.id or 0))
    assert "not on the voter roll" in late.said
    # After the close, a ballot button is stale.
    await club.tick(days=4)
    await chat.press(callbacks.encode("vt", row.id or 0))
    assert "at this stage" in chat.said
    await ballots_match_voters(db)


async def test_suspended_club_stops_its_election(db: Database) -> None:
    club = await Club.seeded(db)
    row = await _motion(club)
    await club.suspend()
    chat = club.chat(1002)
    await chat.press(callbacks.encode("vt", row.id or 0))
    assert "not active" in chat.said.lower() or "suspended" in chat.said.lower()
    await club.tick(minutes=5)
    assert any("may no longer act" in t for t in club.w.telegram.to(OFFICER))
    async with db.transaction() as session:
        ended = await elections_store.get(Tx(session, db), row.id or 0)
    assert ended is not None
    assert ended.phase == "cancelled"


async def test_nobody_eligible_fails_the_election(db: Database) -> None:
    club = await Club.seeded(db)
    await club.start_president_election()
    # S6 ranks in the bottom half: refused with the reason.
    await club.press_sent(1006, "Nominate")
    await club.chat(1006).click("Myself")
    assert "not eligible under ORG-5" in club.chat(1006).said
    assert "top 50" not in club.chat(1006).said
    await club.tick(days=7)
    assert any("no eligible candidate" in t for t in club.w.telegram.to(OFFICER))


async def test_withdrawal_before_voting_only(db: Database) -> None:
    club = await Club.seeded(db)
    await club.start_president_election()
    for user in (1002, 1003):
        await club.press_sent(user, "Nominate")
        await club.chat(user).click("Myself")
    await club.chat(1003).send("/election")
    await club.chat(1003).click("Withdraw my candidacy")
    assert "withdrew" in club.chat(1003).said
    await club.tick(days=7)
    listed = club.w.telegram.to(2001)[-1]
    assert "Student S2" in listed
    assert "Student S3" not in listed
    await club.press_sent(2001, "Approve the list")
    await club.tick(days=3, minutes=1)
    await club.chat(1002).send("/election")
    assert "Withdraw" not in str(club.chat(1002).last_with_buttons().buttons)


async def _nominations_open(club: Club) -> None:
    await club.start_president_election()


async def _outsider(club: Club) -> int:
    """A student of the university in no club, bound to user 9009: a Party member with a
    record and a low rank."""
    line = student_line("X9", "Outside Person", disciplinary="yes", rank=90, political="party")
    async with club.w.db.transaction() as session:
        tx = Tx(session, club.w.db)
        await roster.import_students(tx, club.w.clock.now(), f"{STUDENT_HEADER}\n{line}".encode())
        codes = {s.student_id: c for s, c in await identity.issue_codes(tx, club.w.clock.now())}
        found = await people.student_by_student_id(tx, "X9")
    assert found is not None
    assert "bound" in await club.chat(9009).bind(codes["X9"])
    return found.id


def _forged(chat: Chat, value: str) -> str:
    """A flow button with the current step and a value of the sender's choosing."""
    step = (chat.button("Myself").data or "").split(":")[2]
    return callbacks.encode("f", step, value)


async def test_a_nomination_reveals_nothing_about_anyone(db: Database) -> None:
    club = await Club.seeded(db)
    await _nominations_open(club)
    outsider = await _outsider(club)
    chat = club.chat(1003)
    await club.press_sent(1003, "Nominate")
    # The other members, by button; never the nominator, never a student outside the club.
    labels = [b.text for row in chat.last_with_buttons().buttons for b in row]
    assert labels == ["Myself", *(f"Student S{n}" for n in (1, 2, 4, 5, 6))]
    # A typed name is looked up among the members only.
    assert "No member of the club" in await chat.send("Outside")
    assert "Outside Person" not in chat.said
    said = await chat.send("student s")
    assert "Members whose name matches" in said
    assert chat.button("Student S6")
    # S6 ranks too low; X9 is no member: the same answer, naming the rule only.
    await chat.click("Student S6")
    ineligible = chat.said
    await chat.press(_forged(chat, f"m{outsider}"))
    stranger = chat.said
    assert "not eligible under ORG-5" in ineligible
    assert stranger == ineligible
    for detail in ("top 50", "disciplinary", "Party", "enrolled", "not a member"):
        assert detail not in ineligible
    # The flow asks again: a failed nomination can be followed by one that works.
    await chat.click("Student S4")
    assert "asked to accept" in chat.said
    await club.tick(minutes=1)
    assert "not eligible under ORG-5" in club.w.telegram.to(1006)[-1]
    assert not club.w.telegram.to(9009)


async def test_nominations_of_others_are_limited_per_hour(db: Database) -> None:
    club = await Club.seeded(db)
    await _nominations_open(club)
    limit = club.w.policy.nomination_attempts_per_hour
    chat = club.chat(1003)
    await club.press_sent(1003, "Nominate")
    for _ in range(limit):
        await chat.click("Student S6")
        assert "not eligible under ORG-5" in chat.said
    await chat.click("Student S4")
    assert f"tried {limit} nominations" in chat.said
    assert "Myself" in str(chat.last_with_buttons().buttons)
    # Nominating oneself is not limited; an hour later others can be nominated again.
    await chat.click("Myself")
    assert "You are a candidate" in chat.said
    club.w.clock.advance(hours=1)
    await club.press_sent(1002, "Nominate")
    await club.chat(1002).click("Student S4")
    assert "asked to accept" in club.chat(1002).said


async def test_members_are_offered_a_page_at_a_time(db: Database) -> None:
    club = await Club.seeded(db)
    extra = [student_line(f"M{n:02d}", f"Member {n:02d}") for n in range(1, 8)]
    async with db.transaction() as session:
        tx = Tx(session, db)
        await roster.import_students(
            tx, club.w.clock.now(), "\n".join([STUDENT_HEADER, *extra]).encode()
        )
        codes = {s.student_id: c for s, c in await identity.issue_codes(tx, club.w.clock.now())}
    for n in range(1, 8):
        chat = club.chat(5000 + n)
        assert "bound" in await chat.bind(codes[f"M{n:02d}"])
        assert "Welcome" in await chat.send("/join Chess Club")
    await _nominations_open(club)
    chat = club.chat(1002)
    await club.press_sent(1002, "Nominate")
    first = [b.text for row in chat.last_with_buttons().buttons for b in row]
    assert first[1:9] == [f"Member {n:02d}" for n in range(1, 8)] + ["Student S1"]
    await chat.click("Next")
    second = [b.text for row in chat.last_with_buttons().buttons for b in row]
    assert [x for x in second if x.startswith("Student")] == [
        f"Student S{n}" for n in (3, 4, 5, 6)
    ]
    await chat.click("◀ Previous")
    await chat.click("Member 03")
    assert "asked to accept" in chat.said


async def test_a_huge_seat_count_is_answered_not_stored(db: Database) -> None:
    """Typed positions with a seat count past the bound (or 10**30) are read back as unreadable,
    with the format, and nothing is started."""
    club = await Club.seeded(db)
    officer = club.chat(OFFICER)
    await officer.send("/election")
    await officer.click("Start an election: Chess Club")
    for seats in ("1000000000000000000000000000000", "51", "0", "x"):
        answer = await officer.send(f"Board; block; {seats}")
        assert "could not read those positions" in answer
    assert "could not read" not in await officer.send("Board; block; 50")


async def test_a_failed_nomination_is_tried_again_by_name_or_student_id(db: Database) -> None:
    """The Nominate message is replaced by the flow: a refusal asks again, and each nomination
    ends with a Nominate button, so nobody is left without one while nominations are open."""
    club = await Club.seeded(db)
    await _nominations_open(club)
    chat = club.chat(1003)
    assert "No candidate yet." in await chat.send("/election")
    await club.press_sent(1003, "Nominate")
    # A student ID of a member who may not stand: refused, and asked again.
    assert "not eligible under ORG-5" in await chat.send("s6")
    assert "Whom do you nominate" in chat.said
    # A student ID typed exactly, not a name: nominated, and another nomination offered.
    assert "asked to accept" in await chat.send("S4")
    await chat.click("Nominate another member")
    # One's own student ID is oneself.
    assert "You are a candidate" in await chat.send("S3")
    # S4 is asked already: naming them again is answered and asked again, not a dead end.
    await chat.click("Nominate another member")
    assert "already a candidate" in await chat.send("Student S4")
    assert "Whom do you nominate" in chat.said
    await chat.click("Student S5")
    assert "asked to accept" in chat.said
    assert chat.button("Nominate another member")
    # The candidates are visible during nominations: those who accepted, by position.
    await club.tick(minutes=1)
    await club.press_sent(1004, "Accept")
    shown = await club.chat(1006).send("/election")
    assert "Candidates so far: Student S4 (President), Student S3 (President)" in shown
    assert "Student S5" not in shown
