"""A campus ready for new clubs: students, the advisor bank, a guidance unit with its
representative, reviewers and staff; and the messages the outbox holds for each person."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from sqlalchemy import select

from bot.chat.replies import Document
from bot.domain.values import Role
from bot.services import identity, roster
from schedules.elections import advance_due
from storage import applications as applications_store
from storage import people, units
from storage.models import OutboxRow
from storage.tx import Tx
from storage.types import utcnow
from tests.clock import FakeClock
from tests.harness import BOT_USERNAME, Campus, Chat, student_line
from tests.reminders import CAL

ADVISOR, ADVISOR2, REP, REVIEWER, REVIEWER2, STAFF = 2001, 2002, 3001, 5001, 5002, 4001
SPONSOR = 1001
ADVISORS = (
    "staff_id,name,department,party_member\nT1,Teacher One,CS,yes\nT2,Teacher Two,Maths,no\n"
)
PDF = b"%PDF-1.4 charter of the Robotics Club\n" * 20
CHARTER = Document("file-1", "charter.pdf", "application/pdf", len(PDF), PDF)
CHARTER_SHA = hashlib.sha256(PDF).hexdigest()


@dataclass(frozen=True, slots=True)
class Sent:
    text: str
    buttons: list[tuple[str, str]]  # (label, callback data)

    def data(self, label: str) -> str:
        for text, data in self.buttons:
            if text.startswith(label) or label in text:
                return data
        raise AssertionError(f"no button {label!r} in {self.buttons}")


async def inbox(campus: Campus, chat_id: int) -> list[Sent]:
    """What the outbox holds for one person, in order."""
    async with campus.db.transaction() as session:
        stmt = select(OutboxRow).where(OutboxRow.chat_id == chat_id).order_by(OutboxRow.id)  # type: ignore[arg-type]
        rows = list(await session.scalars(stmt))
    return [
        Sent(
            re.sub(r"<[^>]+>", "", row.text).replace("&amp;", "&"),
            [(b["text"], b["data"] or "") for line in json.loads(row.buttons) for b in line],
        )
        for row in rows
    ]


async def last(campus: Campus, chat_id: int) -> Sent:
    found = await inbox(campus, chat_id)
    assert found, f"nothing queued for {chat_id}"
    return found[-1]


async def seed(campus: Campus, students: int = 25) -> Chat:
    """Students S1..S<students>, advisors T1 (Party member) and T2 bound to their accounts, the
    unit "CS Dept" with a representative, two reviewers and staff; returns the advisor's chat."""
    await campus.students(*(student_line(f"S{i}") for i in range(1, students + 1)))
    now = utcnow()
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        await roster.import_advisors(tx, now, ADVISORS.encode())
        await roster.import_units(
            tx, now, b"name,kind\nCS Dept,department\nPhysics Lab,research\n"
        )
        unit = await units.unit_by_name(tx, "CS Dept")
        assert unit is not None
        assert unit.id is not None
        await units.grant_rep(tx, unit.id, REP, now)
        for user in (REVIEWER, REVIEWER2):
            await people.grant(tx, user, Role.REVIEWER, now)
        await people.grant(tx, STAFF, Role.STAFF, now)
        codes = {a.staff_id: c for a, c in await identity.issue_advisor_codes(tx, now)}
    advisor = Chat(campus.engine, ADVISOR)
    assert "advisor" in await advisor.bind(codes["T1"])
    assert "advisor" in await Chat(campus.engine, ADVISOR2).bind(codes["T2"])
    return advisor


async def fill_in(sponsor: Chat, name: str = "Robotics Club") -> str:
    """Answer every /establish question; the review screen's text."""
    assert "What is the club's name" in await sponsor.send("/establish")
    assert "Which category" in await sponsor.send(name)
    await sponsor.click("Academic and science")
    assert "purpose" in sponsor.said
    assert "guidance unit" in await sponsor.send("We build robots and compete.")
    await sponsor.click("CS Dept")
    assert "advisor" in sponsor.said
    await sponsor.click("Teacher One")
    assert "charter" in sponsor.said
    return await sponsor.send_document(CHARTER)


def token_of(text: str) -> str:
    found = re.search(r"start=sign_([A-Za-z0-9_\-]+)", text)
    assert found, text
    return found.group(1)


async def submit(sponsor: Chat, name: str = "Robotics Club") -> str:
    """Fill in and submit an application; its signing token."""
    await fill_in(sponsor, name)
    await sponsor.click("📨 Submit")
    assert "submitted" in sponsor.said, sponsor.said
    token = token_of(sponsor.said)
    # The link can be tapped, and shared through Telegram's share sheet.
    reply = sponsor.outcomes[-1].replies[0]
    assert f'<a href="https://t.me/{BOT_USERNAME}?start=sign_{token}">' in reply.text
    share = reply.buttons[0][0].url or ""
    assert share.startswith("https://t.me/share/url?url=https%3A%2F%2Ft.me%2F"), share
    assert f"sign_{token}" in share
    return token


async def sign(campus: Campus, token: str, student_id: str, user_id: int) -> str:
    """A bound student opens the signing link and signs; the answer."""
    signer = await campus.bound(student_id, user_id)
    shown = await signer.send(f"/start sign_{token}")
    assert "not joining" in shown, shown
    await signer.click("✍ Sign")
    return signer.said


async def to_founding(campus: Campus, advisor: Chat, sponsor: Chat, signers: int = 20) -> str:
    """Submit, sign (S2..), the advisor, unit and committee accept: approved; the token."""
    token = await submit(sponsor)
    await advisor.press((await last(campus, ADVISOR)).data("Accept"))
    for i in range(2, signers + 1):
        await sign(campus, token, f"S{i}", 1000 + i)
    await Chat(campus.engine, REP).press((await last(campus, REP)).data("Accept"))
    await Chat(campus.engine, REVIEWER).press((await last(campus, REVIEWER)).data("Approve"))
    return token


async def found_by_vote(
    campus: Campus,
    sponsor: Chat,
    *,
    voters: int = 11,
    charter: str = "Yes",
    clock: FakeClock | None = None,
) -> FakeClock:
    """The sponsor opens today's founding meeting; S2 stands for president; the advisor
    approves the list; founders S2.. vote (`charter` on the motion, S2 for president); the
    clock runs to the end of the result publicity. The engine runs on the returned clock."""
    moved = clock or FakeClock(utcnow())
    campus.engine.clock = moved.now
    policy = campus.engine.policy

    async def tick(**delta: float) -> None:
        moved.advance(**delta)
        await advance_due(campus.db, policy, CAL, moved.now())

    if "On which day" in await sponsor.send("/founding"):
        await sponsor.click("Today")
    assert "founding members" in sponsor.said, sponsor.said
    await sponsor.click("President")
    assert "is open" in sponsor.said, sponsor.said
    s2 = Chat(campus.engine, 1002)
    await s2.press((await last(campus, 1002)).data("Nominate"))
    await s2.click("Myself")
    assert "You are a candidate" in s2.said, s2.said
    await tick(days=policy.election_nomination_days, minutes=1)
    advisor = Chat(campus.engine, ADVISOR)
    await advisor.press((await last(campus, ADVISOR)).data("Approve the list"))
    await tick(days=policy.election_publicity_days, minutes=1)
    for user in range(1002, 1002 + voters):
        chat = Chat(campus.engine, user)
        await chat.press((await last(campus, user)).data("Vote"))
        await chat.click(charter)
        await chat.click("Student S2")
        await chat.click("Next")
        await chat.click("Cast my ballot")
        assert "Receipt" in chat.said, chat.said
    await tick(days=policy.election_voting_days, minutes=1)
    await tick(days=policy.election_result_days, minutes=1)
    return moved


async def app_state(campus: Campus, app_id: int = 1) -> str:
    """The application's state as stored."""
    async with campus.db.transaction() as session:
        app = await applications_store.get(Tx(session, campus.db), app_id)
    assert app is not None
    return app.state
