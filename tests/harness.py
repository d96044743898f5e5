"""Test helpers: a campus to seed, and chats that read like transcripts."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from bot.chat.i18n import tr
from bot.chat.replies import Button, Document, Incoming, Outcome, Reply, SharedPerson
from bot.core.engine import Engine
from bot.domain.policy import Policy
from bot.domain.values import Language, Role
from bot.services import identity, roster
from storage.db import Database
from storage.models import AccountRow, RoleGrantRow, StudentRow
from storage.tx import Tx
from storage.types import utcnow

BOT_ID = 4242
BOT_USERNAME = "clubbot_test_bot"
STUDENT_HEADER = "student_id,name,college,class,status,disciplinary,rank_pct,political"
CLUB_HEADER = "name,category,guidance_unit,founded"
_update_ids = itertools.count(1)


def plain(text: str) -> str:
    """Reply text without HTML tags or entities, for assertions on meaning."""
    return (
        re.sub(r"<[^>]+>", "", text)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
    )


def student_line(
    student_id: str,
    name: str = "",
    *,
    status: str = "enrolled",
    disciplinary: str = "no",
    rank: int = 20,
    political: str = "league",
) -> str:
    return (
        f"{student_id},{name or 'Student ' + student_id},Engineering,CS-1,"
        f"{status},{disciplinary},{rank},{political}"
    )


@dataclass
class Chat:
    """A private chat of one user with the core, without any framework."""

    engine: Engine
    user_id: int
    language_code: str = "en"
    outcomes: list[Outcome] = field(default_factory=list)

    async def deliver(self, inc: Incoming) -> Outcome:
        outcome = await self.engine.handle(inc)
        self.outcomes.append(outcome)
        return outcome

    def incoming(self, **fields: object) -> Incoming:
        return Incoming(
            update_id=next(_update_ids),
            chat_id=self.user_id,
            user_id=self.user_id,
            language_code=self.language_code,
            **fields,  # type: ignore[arg-type]
        )

    async def send(self, text: str) -> str:
        """Send text; the plain text of the replies, joined."""
        outcome = await self.deliver(self.incoming(text=text))
        return "\n".join(plain(r.text) for r in outcome.replies)

    async def share(
        self, user_id: int, first: str, last: str | None = None, username: str | None = None
    ) -> str:
        """Choose a person with the person picker (Telegram shares their first and last name
        and username); the plain text of the replies, joined."""
        person = SharedPerson.of(user_id, first, last, username)
        outcome = await self.deliver(self.incoming(shared=person))
        return "\n".join(plain(r.text) for r in outcome.replies)

    async def bind(self, code: str) -> str:
        """Send `/start CODE` and agree to the processing notice it shows first (PRIV-1); the
        plain text of the answer to the code."""
        shown = await self.send(f"/start {code}")
        offered = [b for r in self.outcomes[-1].replies for row in r.buttons for b in row]
        agree = next((b for b in offered if (b.data or "").startswith("v1:consent:b:")), None)
        if agree is None:
            return shown
        outcome = await self.press(agree.data or "")
        return "\n".join(plain(r.text) for r in outcome.replies)

    async def send_document(self, document: Document, caption: str | None = None) -> str:
        outcome = await self.deliver(self.incoming(text=caption, document=document))
        return "\n".join(plain(r.text) for r in outcome.replies)

    def last_with_buttons(self) -> Reply:
        for outcome in reversed(self.outcomes):
            for reply in reversed(outcome.replies):
                if reply.buttons:
                    return reply
        raise AssertionError("no reply with buttons yet")

    def button(self, label: str, reply: Reply | None = None) -> Button:
        reply = reply or self.last_with_buttons()
        for row in reply.buttons:
            for button in row:
                if button.text == label or button.text.startswith(label):
                    return button
        labels = [b.text for row in reply.buttons for b in row]
        raise AssertionError(f"no button {label!r} in {labels}")

    async def click(self, label: str, reply: Reply | None = None) -> Outcome:
        """Press a button of the latest message that has buttons (or of `reply`)."""
        return await self.press(self.button(label, reply).data or "")

    async def press(self, data: str) -> Outcome:
        return await self.deliver(
            self.incoming(callback_id="cb", callback_data=data, message_id=1)
        )

    @property
    def said(self) -> str:
        """The plain text of the latest outcome's replies and toast."""
        outcome = self.outcomes[-1]
        parts = [plain(r.text) for r in outcome.replies]
        if outcome.toast and outcome.toast.text:
            parts.append(outcome.toast.text)
        return "\n".join(parts)


@dataclass
class Campus:
    """Seeds a university: roster, clubs, bound students."""

    db: Database
    engine: Engine

    async def students(self, *lines: str) -> None:
        data = "\n".join([STUDENT_HEADER, *lines]).encode()
        async with self.db.transaction() as session:
            await roster.import_students(Tx(session, self.db), utcnow(), data)

    async def clubs(self, *specs: str | tuple[str, str]) -> None:
        """Clubs by name (category `academic`) or (name, category)."""
        lines = [CLUB_HEADER]
        for spec in specs:
            name, category = (spec, "academic") if isinstance(spec, str) else spec
            lines.append(f"{name},{category},Computer Science Dept,2020-09-01")
        async with self.db.transaction() as session:
            await roster.import_clubs(
                Tx(session, self.db),
                utcnow(),
                "\n".join(lines).encode(),
                policy=self.engine.policy,
                cal=self.engine.cal,
            )

    async def codes(self) -> dict[str, str]:
        """Fresh binding codes by student_id."""
        async with self.db.transaction() as session:
            issued = await identity.issue_codes(Tx(session, self.db), utcnow())
        return {student.student_id: code for student, code in issued}

    async def bound(self, student_id: str, user_id: int, language_code: str = "en") -> Chat:
        """A chat of a user who has bound `student_id` (imported as enrolled if unknown)."""
        codes = await self.codes()
        if student_id not in codes:
            await self.students(student_line(student_id))
            codes = await self.codes()
        chat = Chat(self.engine, user_id, language_code)
        reply = await chat.bind(codes[student_id])
        assert "bound" in reply, reply
        return chat


# --- the privacy scan (PRIV-4) ---------------------------------------------------------------


@dataclass
class Transcript:
    """Every message the test's fakes delivered to a person: (user id, plain text, then the
    labels of its buttons after a blank line). tests/conftest.py records into `TRANSCRIPT` and
    scans it."""

    messages: list[tuple[int, str]] = field(default_factory=list)

    def record(self, user_id: int, reply: Reply) -> None:
        labels = "\n".join(b.text for row in reply.buttons for b in row)
        self.messages.append((user_id, f"{plain(reply.text)}\n\n{labels}"))


TRANSCRIPT = Transcript()

# How a check that needs a restricted value words its failure (ORG-5, ORG-6).
_REASONS = ("election.why.disciplinary", "election.why.rank", "election.why.party")


@dataclass(frozen=True, slots=True)
class Person:
    """A student's name, ID and restricted values (political status, class rank, record)."""

    pk: int
    student_id: str
    name: str
    political: str
    rank: int
    disciplinary: bool

    def mentioned(self, text: str) -> bool:
        keys = (self.name, self.student_id)
        return any(re.search(rf"(?<!\w){re.escape(key)}(?!\w)", text) for key in keys)

    def restricted(self, text: str) -> list[str]:
        """The renderings of this person's restricted values found in `text`."""
        limit = Policy().officer_max_rank_pct
        phrases = []
        for lang in Language:
            phrases.append(plain(tr(lang, f"political.{self.political}")))
            phrases.append(plain(tr(lang, "playground.rank", rank=self.rank)))
            phrases += [plain(tr(lang, key, limit=limit)) for key in _REASONS]
            if self.disciplinary:
                phrases.append(plain(tr(lang, "playground.disciplinary")))
        found = [p for p in phrases if p in text]
        if re.search(rf"(?<![\d.]){self.rank}\s?%", text):
            found.append(f"{self.rank}%")
        return found


async def privacy_leaks(db: Database, messages: list[tuple[int, str]]) -> list[str]:
    """Messages that show a student's restricted values to someone who is neither staff nor
    that student, or a reason resting on them to anyone but staff. Each paragraph (a note, a
    question, the buttons) naming a student by name or ID is checked for that student's
    political status, class rank and disciplinary record as the bot words them, and every
    message for the reasons a check that needs them gives."""
    async with db.transaction() as session:
        people = [
            Person(r.id or 0, r.student_id, r.name, r.political, r.rank_pct, r.disciplinary)
            for r in await session.scalars(select(StudentRow))
        ]
        accounts = await session.execute(select(AccountRow.user_id, AccountRow.student_pk))
        own: dict[int, int | None] = dict(accounts.all())
        staff = set(
            await session.scalars(
                select(RoleGrantRow.user_id).where(RoleGrantRow.role == Role.STAFF.value)
            )
        )
    found = []
    limit = Policy().officer_max_rank_pct
    # PRIV-4: a reason resting on restricted data is named by its rule only, in chat to anyone
    # but staff, the student concerned included.
    reasons = {plain(tr(lang, key, limit=limit)) for lang in Language for key in _REASONS}
    for user, text in messages:
        if user in staff:
            continue
        before = len(found)
        for paragraph in text.split("\n\n"):
            for person in people:
                if person.pk == own.get(user) or not person.mentioned(paragraph):
                    continue
                shown = person.restricted(paragraph)
                if shown:
                    found.append(f"to {user} about {person.name}: {shown} in {paragraph!r}")
        shown_reasons = sorted(r for r in reasons if r in text)
        if shown_reasons and len(found) == before:
            found.append(f"to {user}: restricted reasons {shown_reasons} in {text!r}")
    return found
