"""A club of six members, its officer, advisor, unit representative and staff, on a clock the
test moves: what the election tests start from."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import update

from bot.domain.values import Student
from bot.services import identity, roster
from schedules.elections import advance_due
from storage import clubs, people
from storage.db import Database
from storage.models import ClubRow
from storage.tx import Tx
from tests.clock import FakeClock, local
from tests.harness import STUDENT_HEADER, Chat, student_line
from tests.reminders import ADVISOR, CAL, OFFICER, REP, STAFF, World

START = date(2026, 3, 2)
FAR = (START + timedelta(days=400)).isoformat()
CLUB = f"Chess Club,academic,CS Dept,2020-09-01,S1,T1,{FAR},{START.isoformat()},2025-11-20"
# S1 is the president (user 1001); S2..S6 are users 1002..1006; S6 ranks in the bottom half.
MEMBERS = {f"S{n}": OFFICER + n - 1 for n in range(1, 7)}
__all__ = ["ADVISOR", "OFFICER", "REP", "STAFF", "START", "Club"]


class Club:
    """The campus, with one chat per user kept across the test."""

    def __init__(self, w: World) -> None:
        self.w = w
        self.chats: dict[int, Chat] = {}

    @classmethod
    async def seeded(cls, db: Database, *, members: int = 6) -> Club:
        w = World(db, FakeClock(local(START, 9)))
        await w.seed(CLUB)
        extra = [student_line(f"S{n}") for n in range(3, 6)]
        extra.append(student_line("S6", rank=70))
        async with db.transaction() as session:
            tx = Tx(session, db)
            await roster.import_students(
                tx, w.clock.now(), "\n".join([STUDENT_HEADER, *extra]).encode()
            )
            codes = {s.student_id: c for s, c in await identity.issue_codes(tx, w.clock.now())}
        club = cls(w)
        for sid, user in list(MEMBERS.items())[:members]:
            if sid != "S1":
                assert "bound" in await club.chat(user).bind(codes[sid])
            assert "Welcome" in await club.chat(user).send("/join Chess Club")
        return club

    def chat(self, user: int) -> Chat:
        if user not in self.chats:
            self.chats[user] = self.w.chat(user)
        return self.chats[user]

    async def press_sent(self, user: int, label: str) -> str:
        """Press a button of the latest message the bot sent `user` on its own; what it said."""
        chat = self.chat(user)
        await chat.press(self.w.telegram.button(user, label))
        return chat.said

    async def start_president_election(self) -> Chat:
        """The president starts an election of a president, through /election's buttons, and a
        minute passes (the members are told); the president's chat."""
        return await self.start_election("President")

    async def start_election(self, preset: str) -> Chat:
        """The president starts an election of the preset labelled `preset`, and a minute
        passes (the members are told); the president's chat."""
        officer = self.chat(OFFICER)
        await officer.send("/election")
        await officer.click("Start an election: Chess Club")
        await officer.click(preset)
        await officer.click("Start")
        await self.tick(minutes=1)
        return officer

    async def tick(self, **delta: float) -> None:
        """Move the clock, then what `clubbot tick` does: election steps, reminders, sending."""
        self.w.clock.advance(**delta)
        await advance_due(self.w.db, self.w.policy, CAL, self.w.clock.now())
        await self.w.tick()

    async def student(self, student_id: str) -> Student:
        async with self.w.db.transaction() as session:
            found = await people.students_by_ids(Tx(session, self.w.db), [student_id])
        return found[student_id]

    async def club_id(self) -> int:
        async with self.w.db.transaction() as session:
            club = await clubs.club_by_key(Tx(session, self.w.db), "chess club")
        assert club is not None
        return club.id

    async def suspend(self) -> None:
        async with self.w.db.transaction() as session:
            await session.execute(update(ClubRow).values(status="suspended"))
