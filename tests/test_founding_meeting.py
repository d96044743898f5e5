"""The founding general meeting by vote (ORG-3): the founding members adopt the charter and
elect the first president with the election machinery; a meeting that does not adopt it founds
nothing and the sponsor may open another; the advisor confirms the one that does."""

from __future__ import annotations

from bot.domain import compliance as ledger
from bot.domain.policy import Policy
from schedules.elections import advance_due
from storage import applications as applications_store
from storage import clubs, officers
from storage import elections as elections_store
from storage import ledger as ledger_store
from storage.tx import Tx
from storage.types import utcnow
from tests.clock import FakeClock
from tests.establishing import (
    ADVISOR,
    CHARTER_SHA,
    PDF,
    SPONSOR,
    STAFF,
    found_by_vote,
    inbox,
    last,
    seed,
    to_founding,
)
from tests.harness import Campus, Chat
from tests.reminders import CAL


async def _state(campus: Campus) -> str:
    async with campus.db.transaction() as session:
        app = await applications_store.get(Tx(session, campus.db), 1)
    assert app is not None
    return app.state


async def test_a_founding_meeting_by_vote_to_an_active_club(campus: Campus) -> None:
    advisor = await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    await to_founding(campus, advisor, sponsor)
    # Only the sponsor opens it, and only once the meeting day has come.
    assert "no approved application" in await Chat(campus.engine, 1003).send("/founding")
    assert "On which day" in await sponsor.send("/founding")
    assert "is set for 2099-01-01" in await sponsor.send("2099-01-01")

    # A founding member who is no club member yet may stand and vote: S2 stands.
    clock = await found_by_vote(campus, sponsor, charter="No")
    told = [m.text for m in await inbox(campus, SPONSOR)]
    assert any("did not adopt the charter" in t for t in told), told[-3:]
    assert await _state(campus) == "founding"
    assert not any("Confirm" in str(m.buttons) for m in await inbox(campus, ADVISOR))

    # Another meeting: the charter passes, S2 is elected; the advisor confirms.
    await found_by_vote(campus, sponsor, clock=clock)
    assert await _state(campus) == "confirming"
    assert "awaits the advisor" in await sponsor.send("/founding")
    ask = await last(campus, ADVISOR)
    assert "Student S2" in ask.text
    await advisor.press(ask.data("Confirm"))
    assert "is active, with 20 members" in advisor.said

    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        club = await clubs.club_by_key(tx, "robotics club")
        assert club is not None
        held = await officers.current_officers(tx, club.id)
        assert [(p, s.student_id) for p, s in held] == [("president", "S2")]
        votes = await elections_store.of_clubs(tx, [club.id])
        snap = await ledger_store.snapshot(tx, clock.now().date())
    # The meeting that founded the club now belongs to it (the failed one founded nothing).
    assert [(e.phase, e.founding) for e in votes] == [("done", True)]
    # With the default "runoff" tie rule, a founding meeting still draws its ties by lot: there
    # is no club yet to hold a runoff in. Its seed was published with the candidates.
    assert Policy().election_tie_rule == "runoff"
    assert all(e.seed for e in votes)
    report = {r.rule: r for r in ledger.compute(snap, Policy())}["ORG-7"]
    assert report.checked == 1
    assert report.findings == []


async def test_a_founding_meeting_is_followed_in_election_and_nominations_retried(
    campus: Campus,
) -> None:
    """Founders, the sponsor, the advisor and staff see the founding meeting in /election
    (it has no club yet); a founding member whose nomination fails tries again."""
    advisor = await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    await to_founding(campus, advisor, sponsor)
    assert "On which day" in await sponsor.send("/founding")
    await sponsor.click("Today")
    await sponsor.click("President")
    assert "is open" in sponsor.said, sponsor.said

    s2 = Chat(campus.engine, 1002)
    told = (await last(campus, 1002)).text
    # The founders read what the meeting votes on and whom it elects, each for what it is.
    assert "The founding meeting of Robotics Club opens. To vote on:" in told
    assert "; to elect: President." in told
    await s2.press((await last(campus, 1002)).data("Nominate"))
    # Neither a name nor a founding member: asked again, with what to type.
    assert "No founding member has a name like" in await s2.send("Robotics")
    assert "student ID" in s2.said
    assert "asked to accept" in await s2.send("s3")
    # The Nominate message was replaced; the answer brings a Nominate button back.
    await s2.click("Nominate another member")
    await s2.click("Myself")
    assert "You are a candidate" in s2.said

    shown = await s2.send("/election")
    assert "founding meeting of Robotics Club" in shown, shown
    assert "nominations" in shown, shown
    # The candidates so far: S2 stands; S3 is asked and has not accepted, so is not listed.
    assert "Candidates so far: Student S2 (President)" in shown, shown
    assert "Student S3" not in shown
    assert s2.button("Nominate")
    for user in (SPONSOR, ADVISOR, STAFF):
        chat = Chat(campus.engine, user)
        said = await chat.send("/election")
        assert "founding meeting of Robotics Club" in said, (user, said)
        if user != SPONSOR:
            # The advisor and staff follow the meeting; they nominate nobody in it.
            assert "Nominate" not in str(chat.outcomes[-1].replies[-1].buttons)
    outsider = await campus.bound("S25", 1025)
    assert "Robotics" not in await outsider.send("/election")


async def test_the_charter_opens_from_the_acceptance_and_from_the_vote(campus: Campus) -> None:
    """The advisor reads the charter they accept, the founding members the charter they vote
    to adopt: a button sends the document the application stored; nobody else gets it."""
    advisor = await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    await to_founding(campus, advisor, sponsor)
    request = next(m for m in await inbox(campus, ADVISOR) if "Decline" in str(m.buttons))
    await advisor.press(request.data("The charter"))
    sent = advisor.outcomes[-1].replies[0]
    assert sent.attachment is not None
    assert sent.attachment.name == "charter.pdf"
    assert await sent.attachment.read() == PDF
    assert CHARTER_SHA in sent.text
    # A student the application does not concern is answered as for an unknown application.
    outsider = await campus.bound("S25", 1025)
    await outsider.press(request.data("The charter"))
    assert all(r.attachment is None for r in outsider.outcomes[-1].replies)
    assert "charter.pdf" not in outsider.said

    clock = FakeClock(utcnow())
    campus.engine.clock = clock.now
    policy = campus.engine.policy
    await sponsor.send("/founding")
    await sponsor.click("Today")
    await sponsor.click("President")
    s2 = Chat(campus.engine, 1002)
    await s2.press((await last(campus, 1002)).data("Nominate"))
    await s2.click("Myself")
    for days in (policy.election_nomination_days, policy.election_publicity_days):
        clock.advance(days=days, minutes=1)
        await advance_due(campus.db, policy, CAL, clock.now())
        if days == policy.election_nomination_days:
            await advisor.press((await last(campus, ADVISOR)).data("Approve the list"))
    voter = Chat(campus.engine, 1003)
    told = await last(campus, 1003)
    assert "Voting is open" in told.text
    await voter.press(told.data("The charter"))
    got = voter.outcomes[-1].replies[0].attachment
    assert got is not None
    assert await got.read() == PDF
    # /election offers it too, beside the Vote button.
    await voter.send("/election")
    assert voter.button("📄 The charter")
    assert voter.button("Vote")
