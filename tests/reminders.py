"""A campus whose clock the test moves: clubs with deadlines, officers, an advisor, a unit
representative and staff, plus the bot's tick (scan, then send) against a fake Telegram."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from bot.chat.frontend import MaybeDelivered, Unreachable
from bot.chat.replies import Reply
from bot.core.engine import Engine
from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.domain.values import Role
from bot.flows import build_router
from bot.services import identity, roster
from schedules.deadlines import scan_due
from schedules.delivery import Delivery
from storage import people, units
from storage.db import Database
from storage.models import DeadlineRow, OutboxRow
from storage.tx import Tx
from tests.clock import FakeClock, local
from tests.harness import BOT_ID, BOT_USERNAME, STUDENT_HEADER, Chat, student_line

CAL = Calendar.named("Asia/Shanghai")
CLUB_HEADER = (
    "name,category,guidance_unit,founded,"
    "president,advisor,advisor_term_end,last_general_meeting,last_review"
)
ADVISOR_HEADER = "staff_id,name,department,party_member"
OFFICER, ADVISOR, REP, STAFF = 1001, 2001, 3001, 4001


@dataclass
class FakeTelegram:
    """Sends succeed, except to blocked chats (403) and one-shot time-outs."""

    clock: FakeClock
    sent: list[tuple[datetime, int, str]] = field(default_factory=list)
    replies: dict[int, list[Reply]] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    time_out: set[int] = field(default_factory=set)

    async def send(self, chat_id: int, reply: Reply) -> None:
        if chat_id in self.blocked:
            raise Unreachable("Forbidden: bot was blocked by the user")
        if chat_id in self.time_out:
            self.time_out.discard(chat_id)
            raise MaybeDelivered("read timeout")
        self.sent.append((self.clock.now(), chat_id, reply.text))
        self.replies.setdefault(chat_id, []).append(reply)

    def to(self, chat_id: int) -> list[str]:
        return [text for _, chat, text in self.sent if chat == chat_id]

    def button(self, chat_id: int, label: str) -> str:
        """The callback data of a button of the latest message to `chat_id`."""
        reply = self.replies[chat_id][-1]
        for row in reply.buttons:
            for button in row:
                if button.text.startswith(label):
                    return button.data or ""
        raise AssertionError(f"no button {label!r} in {reply.buttons}")


@dataclass(frozen=True, slots=True)
class Sent:
    """An outbox row of a reminder, with its deadline's kind."""

    kind: str
    step: str
    chat_id: int
    status: str
    level: str
    sent_on: date | None


@dataclass
class World:
    db: Database
    clock: FakeClock
    policy: Policy = field(default_factory=Policy)

    def __post_init__(self) -> None:
        self.telegram = FakeTelegram(self.clock)
        self.engine = Engine(
            self.db,
            self.policy,
            build_router(),
            bot_id=BOT_ID,
            bot_username=BOT_USERNAME,
            clock=self.clock.now,
            cal=CAL,
        )
        self.delivery = self.restart()

    def restart(self) -> Delivery:
        """A new process: nothing kept in memory, only what the database holds."""
        self.delivery = Delivery(self.db, self.telegram, self.policy, CAL, self.clock)
        return self.delivery

    def chat(self, user_id: int) -> Chat:
        return Chat(self.engine, user_id)

    async def tick(self, at: datetime | None = None) -> None:
        if at is not None:
            self.clock.set(at)
        await scan_due(self.db, self.policy, CAL, self.clock.now())
        await self.delivery.deliver_due()

    async def scan(self, at: datetime) -> None:
        self.clock.set(at)
        await scan_due(self.db, self.policy, CAL, at)

    async def import_clubs(self, *lines: str) -> roster.ImportReport:
        data = "\n".join([CLUB_HEADER, *lines]).encode()
        async with self.db.transaction() as session:
            return await roster.import_clubs(
                Tx(session, self.db), self.clock.now(), data, policy=self.policy, cal=CAL
            )

    async def seed(self, club_line: str, *more: str) -> None:
        """Students S1, S2; advisors T1 (party member), T2; the unit "CS Dept" with a
        representative; staff; the clubs; S1 and T1 bound to their Telegram accounts."""
        now = self.clock.now()
        students = "\n".join([STUDENT_HEADER, student_line("S1"), student_line("S2")])
        advisors = "\n".join([ADVISOR_HEADER, "T1,Teacher One,CS,yes", "T2,Teacher Two,Maths,no"])
        async with self.db.transaction() as session:
            tx = Tx(session, self.db)
            await roster.import_students(tx, now, students.encode())
            await roster.import_advisors(tx, now, advisors.encode())
            await roster.import_units(tx, now, b"name,kind\nCS Dept,department\n")
        await self.import_clubs(club_line, *more)
        async with self.db.transaction() as session:
            tx = Tx(session, self.db)
            unit = await units.unit_by_name(tx, "CS Dept")
            assert unit is not None
            assert unit.id is not None
            await units.grant_rep(tx, unit.id, REP, now)
            await people.grant(tx, STAFF, Role.STAFF, now)
            student_codes = {s.student_id: c for s, c in await identity.issue_codes(tx, now)}
            advisor_codes = {a.staff_id: c for a, c in await identity.issue_advisor_codes(tx, now)}
        assert "bound" in await self.chat(OFFICER).bind(student_codes["S1"])
        assert "advisor" in await self.chat(ADVISOR).bind(advisor_codes["T1"])

    async def reminders(self) -> list[Sent]:
        """Every reminder row, in the order queued."""
        async with self.db.transaction() as session:
            stmt = (
                select(OutboxRow, DeadlineRow.kind)
                .join(DeadlineRow, DeadlineRow.id == OutboxRow.deadline_id)
                .order_by(OutboxRow.id)
            )
            rows = (await session.execute(stmt)).all()
        return [
            Sent(
                kind,
                row.step or "",
                row.chat_id,
                row.status,
                row.level or "",
                CAL.today(row.sent_at) if row.sent_at else None,
            )
            for row, kind in rows
        ]

    async def open_deadlines(self) -> dict[str, date]:
        async with self.db.transaction() as session:
            stmt = select(DeadlineRow).where(DeadlineRow.closed_at.is_(None))  # type: ignore[union-attr]
            return {row.kind: row.due_on for row in await session.scalars(stmt)}


def morning(day: date) -> datetime:
    return local(day, 10)
