"""The chess club of tests/elections.py proposing activities: a helper that answers /activity's
questions, and the approvers' presses on the requests they were sent."""

from __future__ import annotations

from datetime import timedelta

from bot.chat.replies import Document
from bot.domain.activities import ActivityAudience, ActivityKind, ActivityState, Speaker
from bot.domain.policy import Policy
from bot.services import identity, roster
from storage import activities, clubs
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow
from tests.clock import FakeClock, local
from tests.elections import ADVISOR, CLUB, FAR, MEMBERS, OFFICER, REP, STAFF, START, Club
from tests.harness import STUDENT_HEADER, Chat, student_line
from tests.reminders import World

__all__ = ["ADVISOR", "FAR", "OFFICER", "REP", "STAFF", "Club", "propose", "seeded"]


async def seeded(
    db: Database, *, members: int = 2, more: tuple[str, ...] = (), **policy: object
) -> Club:
    """The chess club of tests/elections.py (and the clubs of `more`, lines of the clubs file),
    on a policy whose throttle a script never meets."""
    values: dict[str, object] = {"throttle_updates": 1000, **policy}
    w = World(db, FakeClock(local(START, 9)), Policy.model_validate(values))
    await w.seed(CLUB, *more)
    extra = [student_line(f"S{n}") for n in range(3, 6)]
    async with db.transaction() as session:
        tx = Tx(session, db)
        await roster.import_students(
            tx, w.clock.now(), "\n".join([STUDENT_HEADER, *extra]).encode()
        )
        codes = {s.student_id: c for s, c in await identity.issue_codes(tx, w.clock.now())}
    club = Club(w)
    for sid, user in list(MEMBERS.items())[:members]:
        if sid != "S1":
            assert "bound" in await club.chat(user).bind(codes[sid])
        assert "Welcome" in await club.chat(user).send("/join Chess Club")
    return club


async def propose(
    chat: Chat,
    title: str = "Chess night",
    *,
    kind: str = "Regular activity",
    starts: str = "2026-03-12 19:00",
    ends: str = "21:00",
    expected: str = "30",
    capacity: str | None = "20",
    audience: str = "The club's members",
    speakers: tuple[str, ...] = (),
    budget: str = "0",
    sponsor: str | None = None,
    documents: tuple[Document, ...] = (),
    submit: bool = True,
) -> str:
    """Answer every question of /activity (a fresh proposal); what the last answer said.
    `documents`: the participant list and the safety plan, as asked (ACT-3, ACT-5)."""
    await chat.send("/activity")
    await chat.send(title)
    await chat.click(kind)
    for speaker in speakers:
        await chat.send(speaker)
    if speakers:
        await chat.click("Done with the speakers")
    await chat.send(starts)
    await chat.send(ends)
    await chat.send("Library room 204")
    await chat.send(expected)
    if capacity is None:
        await chat.click("No limit")
    else:
        await chat.send(capacity)
    await chat.click(audience)
    await chat.send("Games for every level; boards provided.")
    await chat.send(budget)
    if sponsor is None:
        await chat.click("No sponsor")
    else:
        await chat.send(sponsor)
    for document in documents:
        await chat.send_document(document)
    if submit:
        await chat.click("✅ Submit for approval")
    return chat.said


async def approve_all(club: Club) -> None:
    """The advisor, the unit's representative and staff approve the latest request each got."""
    for user in (ADVISOR, REP, STAFF):
        await club.tick(minutes=1)
        await club.press_sent(user, "✅ Approve")
    await club.tick(minutes=1)


async def make_activity(
    db: Database,
    state: ActivityState,
    title: str,
    *,
    days: int = 10,
    capacity: int | None = 50,
    kind: ActivityKind = ActivityKind.REGULAR,
) -> int:
    """An activity of the chess club written straight into `state`, starting in `days` days."""
    async with db.transaction() as session:
        tx = Tx(session, db)
        chess = await clubs.club_by_key(tx, "chess club")
        assert chess is not None
        now = utcnow()
        act_id = await activities.new_draft(tx, chess.id, OFFICER, now)
        start = local(START, 19) + timedelta(days=days)
        await activities.change(
            tx,
            act_id,
            now,
            title=title,
            kind=kind.value,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place="Hall",
            expected=30,
            capacity=capacity,
            capacity_set=True,
            audience=ActivityAudience.STUDENTS.value,
            description="-",
        )
        if kind is ActivityKind.TALK:
            await activities.add_speaker(tx, act_id, Speaker("Li Ming", "PKU", outside=False))
        assert await activities.move(
            tx, act_id, ActivityState.DRAFT, 1, now, state, needs_staff=True
        )
    return act_id
