"""A campus with one user in each role, for the staff console's tests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.chat.replies import Outcome, Reply
from bot.core.engine import Engine
from bot.core.router import Audience
from bot.domain.values import Role
from bot.services import identity, roster
from storage import clubs, officers, people, units
from storage.db import Database
from storage.models import AuditRow, OutboxRow
from storage.tx import Tx
from storage.types import utcnow
from tests.harness import Campus, Chat, student_line

ADVISOR_HEADER = "staff_id,name,department,party_member"
STAFF, REVIEWER, REP, ADVISOR, OFFICER, MEMBER = 9001, 9002, 9003, 9004, 9005, 9006
USERS = {
    Audience.STAFF: STAFF,
    Audience.REVIEWER: REVIEWER,
    Audience.UNIT_REP: REP,
    Audience.ADVISOR: ADVISOR,
    Audience.OFFICER: OFFICER,
    Audience.MEMBER: MEMBER,
}


@dataclass
class Console:
    campus: Campus

    @property
    def db(self) -> Database:
        return self.campus.db

    @property
    def engine(self) -> Engine:
        return self.campus.engine

    def chat(self, user_id: int, language_code: str = "en") -> Chat:
        return Chat(self.engine, user_id, language_code)

    async def seed(self) -> None:
        """Chess Club (S1 its president, S2 a member, T1 its advisor) and Go Club; one user in
        each role."""
        await self.campus.students(
            student_line("S1", "Alice"), student_line("S2", "Bob"), student_line("S3", "Carol")
        )
        await self.campus.clubs("Chess Club", "Go Club")
        now = utcnow()
        async with self.db.transaction() as session:
            tx = Tx(session, self.db)
            await roster.import_advisors(
                tx, now, f"{ADVISOR_HEADER}\nT1,Teacher One,CS,yes\nT2,Teacher Two,CS,no".encode()
            )
            await people.grant(tx, STAFF, Role.STAFF, now)
            await people.grant(tx, REVIEWER, Role.REVIEWER, now)
            unit = await units.unit_by_name(tx, "Computer Science Dept")
            assert unit is not None
            assert unit.id is not None
            await units.grant_rep(tx, unit.id, REP, now)
            codes = {a.staff_id: c for a, c in await identity.issue_advisor_codes(tx, now)}
        assert "advisor" in await self.chat(ADVISOR).bind(codes["T1"])
        officer = await self.campus.bound("S1", OFFICER)
        member = await self.campus.bound("S2", MEMBER)
        assert "Welcome" in await member.send("/join Chess Club")
        assert "Welcome" in await officer.send("/join Chess Club")
        async with self.db.transaction() as session:
            tx = Tx(session, self.db)
            chess = await clubs.club_by_key(tx, "chess club")
            assert chess is not None
            s1 = await people.student_by_student_id(tx, "S1")
            assert s1 is not None
            await officers.set_president(tx, chess.id, s1.id, now)
        assert "Teacher One now advises" in await self.chat(STAFF).send("/appoint T1 Chess Club")

    async def audit_actions(self) -> list[str]:
        async with self.db.transaction() as session:
            rows = await session.scalars(select(AuditRow).order_by(AuditRow.seq))
            return [row.action for row in rows]

    async def outbox_to(self, user_id: int) -> list[str]:
        async with self.db.transaction() as session:
            stmt = select(OutboxRow.text).where(OutboxRow.chat_id == user_id)
            return list(await session.scalars(stmt.order_by(OutboxRow.id)))


def files(outcome: Outcome) -> list[Reply]:
    return [r for r in outcome.replies if r.attachment is not None]
