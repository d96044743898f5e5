"""Ballots under attack: simultaneous taps, forged and stale buttons, late members, a club
suspended mid-vote, nobody eligible."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable

from bot.chat import callbacks
from bot.domain.elections import AlreadyVoted
from bot.services import elections, identity
from storage import elections as elections_store
from storage.db import Database
from storage.models import ElectionRow
from storage.tx import Tx
from tests.elections import OFFICER, Club
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
    assert "bound" in await late.send(f"/start {code}")
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
    officer = club.chat(OFFICER)
    await officer.send("/election")
    await officer.click("Start an election: Chess Club")
    await officer.click("President")
    await officer.click("Start")
    await club.tick(minutes=1)
    # S6 ranks in the bottom half: refused with the reason.
    await club.press_sent(1006, "Nominate")
    await club.chat(1006).click("President")
    await club.chat(1006).click("Myself")
    assert "top 50 %" in club.chat(1006).said
    await club.tick(days=7)
    assert any("no eligible candidate" in t for t in club.w.telegram.to(OFFICER))


async def test_withdrawal_before_voting_only(db: Database) -> None:
    club = await Club.seeded(db)
    officer = club.chat(OFFICER)
    await officer.send("/election")
    await officer.click("Start an election: Chess Club")
    await officer.click("President")
    await officer.click("Start")
    await club.tick(minutes=1)
    for user in (1002, 1003):
        await club.press_sent(user, "Nominate")
        await club.chat(user).click("President")
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
