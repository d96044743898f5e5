"""The playground: the real bot on the Bot API emulator, a web chat, and a demo university.

`clubbot playground` (and `make run` without BOT_TOKEN) serves both the emulated Bot API and
the chat page from one port on 127.0.0.1. It keeps its own SQLite file, never the real
database. Binding goes through the bot as in Telegram: the persona picker shows each student's
and each advisor's one-time code and offers to send `/start CODE`. Every party of a new club's
application is someone to be: sponsor and co-signers (students), the advisor, the guidance
unit's representative, the review committee (a reviewer) and staff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import SecretStr

from bot.app.root import build_app, serve
from bot.app.settings import Settings
from bot.chat.i18n import plain, tr
from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.domain.values import Advisor, Language, Student
from bot.services import identity
from emulator import BotApiEmulator
from emulator.web import Persona, Shortcut, WebChat
from playground import demo
from playground.clock import ClockControls, PlaygroundClock
from storage import advisors, clubs, migrate, officers, people, units
from storage.db import Database, sqlite_file
from storage.tx import Tx

log = logging.getLogger(__name__)

DATABASE_URL = "sqlite:///data/playground.db"
# Used when no POLICY_FILE is set: fewer sponsors, so an application can be tried alone.
PLAYGROUND_POLICY = Path(__file__).with_name("policy.toml")
BOT_USERNAME = "clubbot_playground_bot"
# A demo student's Telegram user id is this plus the id of their record.
STUDENT_USERS = 710_000_000
# A demo advisor's Telegram user id is this plus the id of their record in the advisor bank.
ADVISOR_USERS = 720_000_000
VISITOR = 700_000_099
PERSONA_IDS = frozenset(s.student_id for s in demo.STUDENTS)
START_TIMEOUT = 60.0
# Beside the database: how far testers have moved the playground's clock.
CLOCK_SUFFIX = ".clock"
# The bot's jobs look for what fell due this often (a second, so a moved clock shows at once).
TICK_SECONDS = 1.0


def _text(language: Language, key: str, **params: object) -> str:
    # Catalog messages are HTML for Telegram; the page shows persona texts as plain text.
    return plain(tr(language, key, **params))


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """What the personas show, read in one transaction."""

    accounts: list[tuple[Student, int | None]]
    held: dict[int, list[str]]  # student record id -> the clubs they are in
    led: dict[int, list[tuple[str, str]]]  # student record id -> (position, club name)
    advisors: list[tuple[Advisor, bool, list[str]]]  # (advisor, bound, the clubs they guide)
    represented: list[str]  # the units the demo representative speaks for


class Directory:
    """The people a browser tab can be, read from the playground database on each request."""

    def __init__(self, db: Database, policy: Policy | None = None) -> None:
        self.db = db
        self.policy = policy or Policy()
        self.codes: dict[int, str] = {}  # student record id -> their one-time code
        self.advisor_codes: dict[int, str] = {}  # advisor record id -> their one-time code
        self._demo = {s.student_id: s for s in demo.STUDENTS}
        self._demo_advisors = {a.staff_id: a for a in demo.ADVISORS}

    async def issue_codes(self, now: datetime) -> None:
        """A fresh code for every unbound student, whatever their status, so that a suspended
        student can bind too and meet the rule that keeps them out of clubs; and for every
        unbound advisor."""
        async with self.db.transaction() as session:
            tx = Tx(session, self.db)
            for student, user_id in await people.roster_accounts(tx):
                if user_id is None:
                    self.codes[student.id] = await identity.issue_code(tx, student, now)
            for advisor, code in await identity.issue_advisor_codes(tx, now):
                self.advisor_codes[advisor.id] = code

    async def _snapshot(self) -> _Snapshot:
        async with self.db.transaction() as session:
            tx = Tx(session, self.db)
            names = {club.id: club.name for club in await clubs.all_clubs(tx)}
            led: dict[int, list[tuple[str, str]]] = {}
            for club_id, club_name in names.items():
                for position, student in await officers.current_officers(tx, club_id):
                    led.setdefault(student.id, []).append((position, club_name))
            unbound = {advisor.id for advisor in await advisors.unbound(tx)}
            bank = [
                (
                    advisor,
                    advisor.id not in unbound,
                    [
                        names[a.club_id]
                        for a in await advisors.current_for_advisor(tx, advisor.id)
                        if a.club_id in names
                    ],
                )
                for advisor in await advisors.all_advisors(tx)
            ]
            represented = set(await units.units_represented_by(tx, demo.UNIT_REP.user_id))
            return _Snapshot(
                # The demo's students; the unions' staff are records to report on, not personas.
                accounts=[
                    (student, user_id)
                    for student, user_id in await people.roster_accounts(tx)
                    if student.student_id in PERSONA_IDS
                ],
                held=await clubs.club_names_by_student(tx),
                led=led,
                advisors=sorted(bank, key=lambda entry: entry[0].staff_id),
                represented=[
                    unit.name for unit in await units.current_units(tx) if unit.id in represented
                ],
            )

    async def personas(self, language_code: str) -> list[Persona]:
        """Staff, the review committee and the guidance units' representative first, then the
        advisors, the students by college, and a visitor without a record."""
        language = Language(language_code)
        found = await self._snapshot()
        students = sorted(found.accounts, key=lambda pair: (pair[0].college, pair[0].student_id))
        return [
            self._staff(language),
            self._reviewer(language),
            self._unit_rep(language, found.represented),
            *(
                self._advisor(language, advisor, bound, guided)
                for advisor, bound, guided in found.advisors
            ),
            *(
                self._student(
                    language,
                    student,
                    user_id,
                    found.held.get(student.id, []),
                    found.led.get(student.id, []),
                )
                for student, user_id in students
            ),
            self._visitor(language),
        ]

    def _staff(self, language: Language) -> Persona:
        family, given = demo.STAFF.pinyin.split(" ", 1)
        return Persona(
            user_id=demo.STAFF.user_id,
            first_name=given,
            last_name=family,
            group=_text(language, "playground.group_staff"),
            name=f"{demo.STAFF.name} · {demo.STAFF.pinyin}",
            details=_text(language, "playground.staff_details"),
            tags=(_text(language, "playground.tag_staff"),),
            note=_text(language, "playground.staff_note"),
            shortcuts=(
                Shortcut("/status", "/status"),
                Shortcut("/applications", "/applications"),
                Shortcut("/help", "/help"),
            ),
        )

    def _reviewer(self, language: Language) -> Persona:
        family, given = demo.REVIEWER.pinyin.split(" ", 1)
        return Persona(
            user_id=demo.REVIEWER.user_id,
            first_name=given,
            last_name=family,
            group=_text(language, "playground.group_staff"),
            name=f"{demo.REVIEWER.name} · {demo.REVIEWER.pinyin}",
            details=_text(language, "playground.reviewer_details"),
            tags=(_text(language, "playground.tag_reviewer"),),
            note=_text(language, "playground.reviewer_note"),
            shortcuts=(
                Shortcut("/todo", "/todo"),
                Shortcut("/applications", "/applications"),
                Shortcut("/help", "/help"),
            ),
        )

    def _unit_rep(self, language: Language, represented: list[str]) -> Persona:
        family, given = demo.UNIT_REP.pinyin.split(" ", 1)
        return Persona(
            user_id=demo.UNIT_REP.user_id,
            first_name=given,
            last_name=family,
            group=_text(language, "playground.group_staff"),
            name=f"{demo.UNIT_REP.name} · {demo.UNIT_REP.pinyin}",
            details=_text(language, "playground.unit_rep_details"),
            # The units' names would fill the card; the count says enough to see it works.
            tags=(_text(language, "playground.tag_unit_rep", count=len(represented)),),
            note=_text(language, "playground.unit_rep_note"),
            shortcuts=(Shortcut("/todo", "/todo"), Shortcut("/help", "/help")),
        )

    def _advisor(
        self, language: Language, advisor: Advisor, bound: bool, guided: list[str]
    ) -> Persona:
        demo_record = self._demo_advisors.get(advisor.staff_id)
        pinyin = demo_record.pinyin if demo_record else ""
        family, _, given = pinyin.partition(" ")
        tags = [
            _text(language, "political.party" if advisor.party_member else "playground.not_party"),
            *(_text(language, "playground.advises", club=club) for club in guided),
        ]
        if not guided:
            tags.append(_text(language, "playground.advises_none"))
        code = None if bound else self.advisor_codes.get(advisor.id)
        if bound:
            tags.append(_text(language, "playground.bound"))
        return Persona(
            user_id=ADVISOR_USERS + advisor.id,
            first_name=given or advisor.name,
            last_name=family or None,
            group=_text(language, "playground.group_advisors"),
            name=f"{advisor.name} · {pinyin}" if pinyin else advisor.name,
            details=_text(
                language,
                "playground.advisor_details",
                staff_id=advisor.staff_id,
                department=advisor.department,
            ),
            tags=tuple(tags),
            note=_note(language, code, "playground.advisor_note"),
            shortcuts=_shortcuts(language, code, ("/deadlines", "/todo", "/help")),
        )

    def _student(
        self,
        language: Language,
        student: Student,
        user_id: int | None,
        held: list[str],
        led: list[tuple[str, str]],
    ) -> Persona:
        demo_record = self._demo.get(student.student_id)
        pinyin = demo_record.pinyin if demo_record else ""
        family, _, given = pinyin.partition(" ")
        tags = [
            _text(language, f"studentstatus.{student.status.value}"),
            _text(language, f"political.{student.political.value}"),
            _text(language, "playground.rank", rank=student.rank_pct),
        ]
        if student.disciplinary:
            tags.append(_text(language, "playground.disciplinary"))
        tags += (
            _text(
                language,
                "playground.president" if position == officers.PRESIDENT else "playground.officer",
                club=club,
            )
            for position, club in led
        )
        # An officer's tag names the club already; the plain membership tag would repeat it.
        tags += (club for club in held if club not in {name for _, name in led})
        code = self.codes.get(student.id) if user_id is None else None
        if user_id is not None:
            tags.append(_text(language, "playground.bound"))
        if led:
            hint, commands = "playground.officer_note", ("/deadlines", "/meeting", "/myclubs")
        else:
            hint, commands = "playground.student_note", ("/establish", "/join", "/myclubs")
        return Persona(
            user_id=STUDENT_USERS + student.id,
            first_name=given or student.name,
            last_name=family or None,
            group=student.college,
            name=f"{student.name} · {pinyin}" if pinyin else student.name,
            details=_text(
                language,
                "playground.student_details",
                student_id=student.student_id,
                class_name=student.class_name,
            ),
            tags=tuple(tags),
            # Plain students' cards show only their code until they bind: sixty hints would bury
            # the picker, and the intro says what students can do.
            note=_note(
                language,
                code,
                hint if led or code is None else None,
                sponsors=self.policy.min_sponsors,
            ),
            shortcuts=_shortcuts(language, code, commands),
        )

    def _visitor(self, language: Language) -> Persona:
        return Persona(
            user_id=VISITOR,
            first_name="Visitor",
            last_name=None,
            group=_text(language, "playground.group_others"),
            name=_text(language, "playground.visitor_name"),
            details=_text(language, "playground.visitor_details"),
        )


def _note(language: Language, code: str | None, hint: str | None, **params: object) -> str:
    """The binding code while there is one, then what to try."""
    lines = [_text(language, "playground.code", code=code)] if code else []
    if hint:
        lines.append(_text(language, hint, **params))
    return "\n".join(lines)


def _shortcuts(
    language: Language, code: str | None, commands: tuple[str, ...]
) -> tuple[Shortcut, ...]:
    """Binding first, while unbound; afterwards the commands of the person's role."""
    if code:
        return (Shortcut(_text(language, "playground.bind"), f"/start {code}"),)
    return tuple(Shortcut(command, command) for command in commands)


class PortUnavailable(Exception):
    """The playground cannot listen on the port (taken, or reserved)."""

    def __init__(self, port: int, reason: str) -> None:
        super().__init__(f"cannot listen on 127.0.0.1:{port}: {reason}")
        self.port = port
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Playground:
    url: str
    emulator: BotApiEmulator
    directory: Directory
    clock: ClockControls


def forget(database_url: str) -> None:
    """Delete the playground's SQLite file (and its WAL files), to start over."""
    path = sqlite_file(database_url)
    if path is None:
        return
    for suffix in ("", "-wal", "-shm", CLOCK_SUFFIX):
        Path(path + suffix).unlink(missing_ok=True)


@contextlib.asynccontextmanager
async def running(
    settings: Settings,
    *,
    port: int,
    database_url: str = DATABASE_URL,
    reset: bool = False,
) -> AsyncIterator[Playground]:
    """The emulator, the web chat and the bot (BOT_FRAMEWORK's), until the block ends."""
    from bot.app.frontends import make_front_end

    if reset:
        forget(database_url)
    # The database remembers processed update ids; a new run must not reuse one.
    path = sqlite_file(database_url)
    clock = PlaygroundClock.load(Path(path + CLOCK_SUFFIX) if path else None)
    # Messages are dated on the playground's clock, which testers move forward.
    emulator = BotApiEmulator(
        bot_username=BOT_USERNAME,
        bot_first_name="clubbot",
        first_update_id=int(time.time() * 1000),
        clock=lambda: clock.now().timestamp(),
    )
    db = Database(database_url)
    directory = Directory(db)
    controls = ClockControls(clock, db, Calendar.named(settings.timezone))
    WebChat(emulator, directory.personas, controls, time_zone=settings.timezone)
    try:
        await emulator.start("127.0.0.1", port)
    except OSError as exc:
        await db.dispose()
        raise PortUnavailable(port, exc.strerror or str(exc)) from exc
    try:
        bot_settings = settings.model_copy(
            update={
                "bot_token": SecretStr(emulator.token),
                "telegram_api_url": emulator.base_url,
                "database_url": database_url,
                "bot_username": None,
                "policy_file": settings.policy_file or PLAYGROUND_POLICY,
                # The playground's bot polls its emulator, beside any real bot on this machine.
                "webhook_url": None,
                "http_listen": "127.0.0.1:0",
                "tick_seconds": min(settings.tick_seconds, TICK_SECONDS),
            }
        )
        app = build_app(bot_settings, db, clock=clock.now)
        directory.policy = app.policy
        await migrate.upgrade(db)
        now = clock.now()
        names = Language(settings.playground_names)
        if await demo.seed(db, app.policy, now, app.cal, names):
            log.info("seeded the demo university into %s", database_url)
        await directory.issue_codes(now)
        # Everyone has started the bot already, as they would have in Telegram: a request for
        # the unit's representative or the reviewer reaches them before their tab is opened.
        everyone = await directory.personas(Language.EN.value)
        for persona in everyone:
            emulator.user(
                persona.user_id,
                persona.first_name,
                last_name=persona.last_name,
                language_code=None,
            )
        # ...and the bot has met them, in the demo's language until their Telegram says another:
        # staff's and advisors' menus are theirs from the start.
        async with db.transaction() as session:
            tx = Tx(session, db)
            for persona in everyone:
                await people.ensure_account(tx, persona.user_id, names, now)
        stop = asyncio.Event()
        bot = asyncio.create_task(
            serve(app, make_front_end(bot_settings, app.policy.charter_max_bytes), stop)
        )
        try:
            await _until_polling(emulator, bot)
            yield Playground(emulator.base_url, emulator, directory, controls)
        finally:
            stop.set()
            await bot
    finally:
        await emulator.stop()
        await db.dispose()


async def _until_polling(emulator: BotApiEmulator, bot: asyncio.Task[None]) -> None:
    polling = asyncio.create_task(emulator.wait_polling(START_TIMEOUT))
    await asyncio.wait({polling, bot}, return_when=asyncio.FIRST_COMPLETED)
    if not polling.done():
        polling.cancel()
        bot.result()  # raises what stopped the bot
        raise RuntimeError("the bot stopped before it started polling")
    polling.result()


async def run(settings: Settings, *, port: int, reset: bool) -> None:
    """`clubbot playground`: serve on 127.0.0.1:`port` until SIGTERM or SIGINT."""
    # The terminal should show the address, not a line per poll, tick or update.
    for name in ("apscheduler", "aiogram.event", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with running(settings, port=port, reset=reset) as playground:
        print(
            f"\nclubbot playground: open {playground.url} in a browser.\n"
            f"Demo university in {sqlite_file(DATABASE_URL)} "
            "(`clubbot playground --reset` starts over). Ctrl-C stops.\n",
            flush=True,
        )
        await stop.wait()
