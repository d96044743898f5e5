"""The `clubbot` command (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import date
from importlib import metadata
from pathlib import Path

from pydantic import ValidationError

from bot.app import logs
from bot.app.root import App, build_app, menu_publisher, run, tick
from bot.app.settings import Settings
from bot.chat.i18n import tr
from bot.domain.compliance import Snapshot
from bot.domain.policy import PolicyError
from bot.domain.tally import sidecar, write_export
from bot.domain.values import Club, DomainError, Language, ReviewResult, Role, name_key
from bot.services import (
    appointments,
    elections,
    identity,
    regulations,
    reviews,
    roles,
    roster,
    screening,
    todo,
    unions,
    workdays,
)
from schedules.deadlines import refresh_all
from schedules.delivery import Delivery
from schedules.throttle import Pacer
from storage import advisors, audit, clubs, migrate, units
from storage import applications as applications_store
from storage import reviews as reviews_store
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow

NO_TOKEN = """\
BOT_TOKEN is not set, so clubbot cannot reach Telegram.

To try clubbot without Telegram, run `clubbot playground` (or `make run` without a token):
the bot and a web chat on http://127.0.0.1:8080, with a demo university.

To run it on Telegram, get a token from @BotFather (send /newbot), then either
  export BOT_TOKEN=123456:ABC...   or   put BOT_TOKEN=123456:ABC... in a .env file here
and run `make run` again."""

REP = "rep"
# Issue 17: the student unions' files (bot/services/unions.py).
UNION_IMPORTS = (
    "unions",
    "union-posts",
    "congress",
    "representatives",
    "appraisals",
    "trainings",
    "union-events",
    "branches",
    "ledger-plans",
    "regulations",
)


class Refused(Exception):
    """A staff command that cannot be carried out; the message says why."""


def _iso(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO date (2026-09-01)") from None


def version() -> str:
    """The installed package's version (pyproject.toml's)."""
    return metadata.version("clubbot")


def output(*suffixes: str) -> Callable[[str], Path]:
    """An output file's argument: its extension says what is written, so an unknown one is
    refused before anything runs (a workbook named .pdf would mislead whoever opens it)."""

    def checked(raw: str) -> Path:
        path = Path(raw)
        if path.suffix.lower() not in suffixes:
            given = f"“{path.suffix}”" if path.suffix else "no extension"
            raise argparse.ArgumentTypeError(
                f"{raw}: {given}; the file's name must end in {' or '.join(suffixes)}"
            )
        return path

    return checked


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="clubbot", description=__doc__)
    p.add_argument("--version", action="version", version=f"clubbot {version()}")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="poll Telegram and serve (applies pending migrations first)")
    sub.add_parser(
        "start", help="`run` when BOT_TOKEN is set, else `playground` (what `make run` does)"
    )
    play = sub.add_parser(
        "playground",
        help="try the bot in a browser, without Telegram, on a demo university "
        "(its own database, data/playground.db)",
    )
    play.add_argument("--port", type=int, help="port on 127.0.0.1 (default PLAYGROUND_PORT, 8080)")
    play.add_argument("--reset", action="store_true", help="start over with a fresh demo")
    play.add_argument(
        "--names",
        choices=("zh", "en"),
        help="the demo university's names, when it is seeded (default PLAYGROUND_NAMES, zh)",
    )
    once = sub.add_parser("tick", help="queue the reminders that fell due, send them, and exit")
    once.add_argument(
        "--refresh", action="store_true", help="recompute every club's deadlines first"
    )
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="action", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations")
    imp = sub.add_parser("import", help="import a CSV file: all rows or none")
    imp.add_argument("kind", choices=["students", "clubs", "advisors", "units", *UNION_IMPORTS])
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--strict",
        action="store_true",
        help="refuse a file that records an existing breach (ADV-4, ORG-5, SU-1, SU-3) "
        "instead of recording it with a warning",
    )
    hol = sub.add_parser("holidays", help="the working-day calendar (ACT-1 lead times)")
    hol_sub = hol.add_subparsers(dest="action", required=True)
    hol_import = hol_sub.add_parser(
        "import", help="import holidays and make-up working days (date,kind): all rows or none"
    )
    hol_import.add_argument("file", type=Path)
    codes = sub.add_parser("codes", help="write one-time binding codes for unbound students")
    codes.add_argument("out", type=output(".csv"))
    codes.add_argument("--advisors", action="store_true", help="codes for advisors instead")
    for name in ("grant", "revoke"):
        role = sub.add_parser(name, help=f"{name} a role to a Telegram user id")
        role.add_argument("role", choices=[*(r.value for r in Role), REP])
        role.add_argument("user_id", type=int)
        role.add_argument("--unit", help="the guidance unit a representative (rep) speaks for")
    review = sub.add_parser("review", help="annual reviews (REG-5)")
    review_sub = review.add_subparsers(dest="action", required=True)
    window = review_sub.add_parser("window", help="set the review window of a year")
    window.add_argument("year", type=int)
    window.add_argument("opens", type=_iso)
    window.add_argument("closes", type=_iso)
    result = review_sub.add_parser("result", help="record a club's review result")
    result.add_argument("club")
    result.add_argument("result", choices=[r.value for r in ReviewResult])
    result.add_argument("--date", type=_iso, help="the day it was decided (default: today)")
    result.add_argument("--year", type=int, help="the review year (default: the date's year)")
    rereg = sub.add_parser("reregistration", help="member re-registration (ORG-2)")
    rereg_sub = rereg.add_subparsers(dest="action", required=True)
    rwindow = rereg_sub.add_parser("window", help="set the window of an academic year")
    rwindow.add_argument("year", type=int, help="the year the academic year starts (2026)")
    rwindow.add_argument("opens", type=_iso)
    rwindow.add_argument("closes", type=_iso)
    adv = sub.add_parser("advisor", help="club advisors (ADV-3)")
    adv_sub = adv.add_subparsers(dest="action", required=True)
    renew = adv_sub.add_parser("renew", help="renew a club's advisor for another term")
    renew.add_argument("club")
    renew.add_argument("--until", type=_iso, help="the new term's end (default: one term)")
    appoint = adv_sub.add_parser("appoint", help="appoint (or replace) a club's advisor")
    appoint.add_argument("club")
    appoint.add_argument("staff_id")
    appoint.add_argument("--until", type=_iso, help="the term's end (default: one term)")
    # The REG-6 name screening list.
    scr = sub.add_parser("screen", help="the club-name screening list (REG-6)")
    scr_sub = scr.add_subparsers(dest="action", required=True)
    scr_add = scr_sub.add_parser("add", help="screen a term out of club names")
    scr_add.add_argument("term")
    scr_add.add_argument("--reason", required=True, help="why (shown to the sponsor)")
    scr_retire = scr_sub.add_parser("retire", help="take a term off the list")
    scr_retire.add_argument("term")
    scr_sub.add_parser("list", help="print the current list")
    ledger_cmd = sub.add_parser("ledger", help="write the compliance ledger (.xlsx, or .csv)")
    ledger_cmd.add_argument("out", type=output(".xlsx", ".csv"))
    ledger_cmd.add_argument("--lang", choices=[lang.value for lang in Language], default="en")
    rep = sub.add_parser(
        "report", help="write the self-examination report seed 003 asks for (.docx)"
    )
    rep.add_argument("out", type=output(".docx"))
    rep.add_argument("--lang", choices=[lang.value for lang in Language], default="zh")
    rep.add_argument(
        "--from", dest="start", type=_iso, help="the period's first day (default: a year back)"
    )
    rep.add_argument("--to", dest="end", type=_iso, help="the period's last day (default: today)")
    backup = sub.add_parser(
        "backup", help="write a consistent backup of the database while the bot runs"
    )
    backup.add_argument("out", type=Path, help="the backup file (SQLite copy, or pg_dump -Fc)")
    audit_cmd = sub.add_parser("audit", help="the audit log")
    audit_sub = audit_cmd.add_subparsers(dest="action", required=True)
    audit_sub.add_parser("verify", help="check the hash chain; non-zero exit if it is broken")
    elect = sub.add_parser("election", help="elections and general-meeting votes")
    elect_sub = elect.add_subparsers(dest="action", required=True)
    export = elect_sub.add_parser(
        "export", help="write a counted election's anonymous ballots and result, with SHA-256"
    )
    export.add_argument("election_id", type=int)
    export.add_argument("out", type=output(".json"))
    records = sub.add_parser("export", help="write records as a workbook")
    records_sub = records.add_subparsers(dest="what", required=True)
    acts = records_sub.add_parser(
        "activities",
        help="the students' activity records (second classroom): one row per check-in",
    )
    acts.add_argument("out", type=output(".xlsx"))
    acts.add_argument("--from", dest="since", type=_iso, help="first local date (inclusive)")
    acts.add_argument("--to", dest="until", type=_iso, help="last local date (inclusive)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        logs.configure("INFO", json_lines=False, secrets=())
        print(f"invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level, settings.log_format == "json", settings.secrets())
    try:
        return asyncio.run(_dispatch(args, settings))
    except PolicyError as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "start":
        if settings.bot_token is None:
            return await _playground(settings, settings.playground_port, reset=False)
        await run(settings)
        return 0
    if args.command == "run":
        if settings.bot_token is None:
            print(NO_TOKEN, file=sys.stderr)
            return 2
        await run(settings)
        return 0
    if args.command == "playground":
        port = settings.playground_port if args.port is None else args.port
        if args.names is not None:
            settings = settings.model_copy(update={"playground_names": args.names})
        return await _playground(settings, port, reset=args.reset)
    if args.command == "tick" and settings.bot_token is None:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    app = build_app(settings)
    try:
        await migrate.upgrade(app.db)
        return await _command(app, args)
    except Refused as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        await app.db.dispose()


async def _playground(settings: Settings, port: int, *, reset: bool) -> int:
    from playground import run as playground

    if not 0 <= port <= 65535:
        print(f"--port {port} is not a port number", file=sys.stderr)
        return 2
    try:
        await playground.run(settings, port=port, reset=reset)
    except playground.PortUnavailable as exc:
        print(f"{exc}; choose another port with --port N (or PLAYGROUND_PORT)", file=sys.stderr)
        return 2
    return 0


async def _command(app: App, args: argparse.Namespace) -> int:
    match args.command:
        case "db":
            print(f"database at revision {await migrate.current(app.db)}")
            return 0
        case "tick":
            return await _tick(app, args.refresh)
        case "import":
            return await _import(app, args.kind, args.file, strict=args.strict)
        case "holidays":
            return await _import(app, "holidays", args.file)
        case "codes":
            return await _codes(app.db, app.settings, args.out, args.advisors)
        case "review":
            return await _review(app, args)
        case "reregistration":
            return await _window(app, args, reregistration=True)
        case "advisor":
            return await _advisor(app, args)
        case "screen":
            return await _screen(app.db, args)
        case "ledger":
            return await _ledger(app, args.out, Language(args.lang))
        case "report":
            return await _report(app, args.out, Language(args.lang), args.start, args.end)
        case "audit":
            return await _audit_verify(app.db)
        case "backup":
            return await _backup(app.db, args.out)
        case "export":
            return await _export_activities(app, args.out, args.since, args.until)
        case "election":
            return await _election_export(app, args.election_id, args.out)
    if args.role == REP:
        return await _rep(app.db, args.command, args.user_id, args.unit)
    return await _role(app.db, args.command, Role(args.role), args.user_id)


async def _tick(app: App, refresh: bool) -> int:
    from bot.app.frontends import SenderOnDemand, make_front_end

    # For cron: the framework is imported only if something is due to be sent.
    front = SenderOnDemand(lambda: make_front_end(app.settings))
    delivery = Delivery(app.db, front, app.policy, app.cal)
    publisher = menu_publisher(app, front, Pacer(delivery.throttle))
    try:
        queued, sent = await tick(app, delivery, publisher, refresh=refresh)
    finally:
        await delivery.close()
        await front.close()
    print(f"{queued} reminders queued, {sent} messages sent")
    return 0


async def _import(app: App, kind: str, path: Path, *, strict: bool = False) -> int:
    importers: dict[str, Callable[[Tx, bytes], Awaitable[roster.ImportReport]]] = {
        "students": lambda tx, data: roster.import_students(tx, utcnow(), data),
        "clubs": lambda tx, data: roster.import_clubs(
            tx, utcnow(), data, policy=app.policy, cal=app.cal, strict=strict
        ),
        "advisors": lambda tx, data: roster.import_advisors(tx, utcnow(), data),
        "units": lambda tx, data: roster.import_units(tx, utcnow(), data),
        "holidays": lambda tx, data: workdays.import_days(tx, utcnow(), data),
        **_union_importers(app, strict),
    }
    try:
        data = roster.read_file(path)
        async with app.db.transaction() as session:
            tx = Tx(session, app.db)
            report = await importers[kind](tx, data)
            await audit.append(
                tx, utcnow(), None, f"import.{kind}", subject=path.name, after=asdict(report)
            )
    except roster.ImportRejected as exc:
        count = len(exc.errors)
        lines = "line has" if count == 1 else "lines have"
        print(f"{path}: nothing imported; {count} {lines} errors:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    extras = [
        f"{count} {label}"
        for count, label in (
            (report.memberships_ended, "memberships ended"),
            (report.applications_paused, "applications paused"),
            (report.presidents, "presidents set"),
            (report.appointments, "advisors appointed"),
            (report.meetings, "general meetings recorded"),
            (report.reviews, "reviews recorded"),
        )
        if count
    ]
    print(
        f"{path}: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged" + "".join(f", {extra}" for extra in extras)
    )
    _warnings(path, report.warnings)
    return 0


def _warnings(path: Path, warnings: list[roster.RowError]) -> None:
    """Existing breaches recorded as they are: one line per row; the ledger shows them."""
    if not warnings:
        return
    count = len(warnings)
    rows = "row records" if count == 1 else "rows record"
    print(
        f"{path}: warning: {count} {rows} an existing breach, imported as it is "
        "(the ledger shows it; --strict refuses such a file):",
        file=sys.stderr,
    )
    for warning in warnings:
        print(f"  {warning}", file=sys.stderr)


def _union_importers(
    app: App, strict: bool
) -> dict[str, Callable[[Tx, bytes], Awaitable[roster.ImportReport]]]:
    """The student unions' files (issue 17); days in the future are refused against today."""
    today = app.cal.today(utcnow())
    return {
        "unions": lambda tx, data: unions.import_unions(tx, utcnow(), data),
        "union-posts": lambda tx, data: unions.import_posts(
            tx, utcnow(), data, policy=app.policy, strict=strict
        ),
        "congress": lambda tx, data: unions.import_congresses(tx, utcnow(), data, today),
        "representatives": lambda tx, data: unions.import_representatives(tx, utcnow(), data),
        "appraisals": lambda tx, data: unions.import_appraisals(tx, utcnow(), data, today),
        "trainings": lambda tx, data: unions.import_trainings(tx, utcnow(), data, today),
        "union-events": lambda tx, data: unions.import_events(tx, utcnow(), data, today),
        "branches": lambda tx, data: unions.import_branches(tx, utcnow(), data, today),
        "ledger-plans": lambda tx, data: unions.import_plans(tx, utcnow(), data),
        "regulations": lambda tx, data: regulations.import_regulations(tx, utcnow(), data, today),
    }


async def _codes(db: Database, settings: Settings, out: Path, for_advisors: bool) -> int:
    username = settings.bot_username or await _bot_username(settings)
    if not username:
        print(
            "set BOT_USERNAME (or BOT_TOKEN, to ask Telegram) to build the links", file=sys.stderr
        )
        return 2
    async with db.transaction() as session:
        tx = Tx(session, db)
        if for_advisors:
            header = "staff_id"
            issued = [
                (a.staff_id, code) for a, code in await identity.issue_advisor_codes(tx, utcnow())
            ]
        else:
            header = "student_id"
            issued = [(s.student_id, code) for s, code in await identity.issue_codes(tx, utcnow())]
        # Written before the codes are committed: a file that cannot be written issues none.
        rows = [[holder, code, f"https://t.me/{username}?start={code}"] for holder, code in issued]
        await asyncio.to_thread(_write_codes, out, [header, "code", "link"], rows)
    who = "advisors" if for_advisors else "students"
    print(f"{out}: {len(issued)} codes (earlier unused codes of these {who} no longer work)")
    return 0


def _write_codes(out: Path, header: list[str], rows: list[list[str]]) -> None:
    """The codes bind accounts to people: the file is readable by its owner only, whatever the
    umask."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(descriptor, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


async def _bot_username(settings: Settings) -> str | None:
    if settings.bot_token is None:
        return None
    from bot.app.frontends import make_front_end

    front = make_front_end(settings)
    try:
        return (await front.open()).username
    finally:
        await front.close()


async def _role(db: Database, action: str, role: Role, user_id: int) -> int:
    async with db.transaction() as session:
        tx = Tx(session, db)
        if action == "grant":
            changed = await roles.grant(tx, utcnow(), None, user_id, role)
        else:
            changed = await roles.revoke(tx, utcnow(), None, user_id, role)
    verb = "granted to" if action == "grant" else "revoked from"
    print(f"{role.value} {verb} {user_id}" if changed else f"nothing to do for {user_id}")
    return 0


async def _rep(db: Database, action: str, user_id: int, unit_name: str | None) -> int:
    if not unit_name:
        raise Refused("name the unit: --unit NAME")
    async with db.transaction() as session:
        tx = Tx(session, db)
        unit = await units.unit_by_name(tx, unit_name)
        if unit is None or unit.id is None:
            raise Refused(f"there is no guidance unit named {unit_name!r}")
        if action == "grant":
            changed = await units.grant_rep(tx, unit.id, user_id, utcnow())
            # What already waits for the unit reaches its new representative now.
            if changed:
                await todo.tell_rep(tx, utcnow(), user_id, unit.id)
        else:
            changed = await units.revoke_rep(tx, unit.id, user_id)
    verb = "now represents" if action == "grant" else "no longer represents"
    print(f"{user_id} {verb} {unit.name}" if changed else f"nothing to do for {user_id}")
    return 0


async def _club(tx: Tx, name: str) -> Club:
    club = await clubs.club_by_key(tx, name_key(name))
    if club is None:
        raise Refused(f"there is no club named {name!r}")
    return club


async def _review(app: App, args: argparse.Namespace) -> int:
    if args.action == "window":
        return await _window(app, args, reregistration=False)
    now = utcnow()
    decided = args.date or app.cal.today(now)
    async with app.db.transaction() as session:
        tx = Tx(session, app.db)
        club = await _club(tx, args.club)
        await reviews.record_result(
            tx, app.policy, app.cal, now, club, ReviewResult(args.result), decided, args.year
        )
    print(f"{club.name}: review {args.year or decided.year} recorded as {args.result}")
    return 0


async def _window(app: App, args: argparse.Namespace, *, reregistration: bool) -> int:
    try:
        reviews.check_window(args.opens, args.closes)
    except reviews.BadWindow as exc:
        raise Refused(str(exc)) from None
    now = utcnow()
    async with app.db.transaction() as session:
        tx = Tx(session, app.db)
        setter = (
            reviews_store.set_reregistration_window
            if reregistration
            else reviews_store.set_review_window
        )
        await setter(tx, args.year, args.opens, args.closes, now)
    report = await refresh_all(app.db, app.policy, app.cal, now)
    what = "re-registration" if reregistration else "review"
    print(
        f"{what} window {args.year}: {args.opens} to {args.closes}; "
        f"{report.opened} deadlines opened, {report.closed} closed"
    )
    return 0


async def _advisor(app: App, args: argparse.Namespace) -> int:
    now = utcnow()
    try:
        async with app.db.transaction() as session:
            tx = Tx(session, app.db)
            club = await _club(tx, args.club)
            if args.action == "renew":
                await appointments.renew(tx, app.policy, app.cal, now, club, args.until)
            else:
                advisor = await advisors.by_staff_id(tx, args.staff_id)
                if advisor is None:
                    raise Refused(f"{args.staff_id} is not in the advisor bank")
                await appointments.appoint(tx, app.policy, app.cal, now, club, advisor, args.until)
            current = await advisors.current(tx, club.id)
    except DomainError as err:
        raise Refused(tr(Language.EN, err.key, **err.params)) from None
    assert current is not None
    print(
        f"{club.name}: advisor {current.advisor.name} ({current.advisor.staff_id}) "
        f"until {current.term_end}"
    )
    return 0


# --- the REG-6 name screening list ---------------------------------------------------------------


async def _screen(db: Database, args: argparse.Namespace) -> int:
    async with db.transaction() as session:
        tx = Tx(session, db)
        if args.action == "list":
            for entry in await applications_store.screened(tx):
                print(f"{entry.term}\t{entry.reason}")
            return 0
        if args.action == "retire":
            changed = await screening.unscreen(tx, utcnow(), None, args.term)
        else:
            try:
                changed = await screening.screen(tx, utcnow(), args.term, args.reason, None)
            except ValueError as exc:
                raise Refused(str(exc)) from None
    print(f"{args.action}: {args.term}" if changed else f"nothing to do for {args.term!r}")
    return 0


# --- the staff console: the ledger, the audit log ------------------------------------------------


async def _ledger(app: App, out: Path, language: Language) -> int:
    from bot.render import ledger as ledger_files
    from storage import ledger as ledger_store

    now = utcnow()
    async with app.db.transaction() as session:
        snap = await ledger_store.snapshot(Tx(session, app.db), app.cal.today(now), app.policy)
    write = ledger_files.csv if out.suffix.lower() == ".csv" else ledger_files.workbook
    data = await asyncio.to_thread(write, snap, app.policy, language)
    out.parent.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(out.write_bytes, data)
    print(f"{out}: the compliance ledger of {app.cal.today(now)}")
    _incomplete(snap, app)
    return 0


def _incomplete(snap: Snapshot, app: App) -> None:
    """The province's work ledger is incomplete while an item not in place lacks a planned
    date or an obstacle: say which (`clubbot import ledger-plans`, /plan)."""
    from bot.domain import annex, compliance
    from bot.render import ledger as ledger_files

    rows = annex.rows(compliance.compute(snap, app.policy), snap.unions.plans)
    missing = ledger_files.incomplete(rows)
    if missing:
        print(
            f"warning: the work ledger is incomplete: {len(missing)} items not in place lack a "
            f"planned completion date or an obstacle: {', '.join(missing)}",
            file=sys.stderr,
        )


async def _report(
    app: App, out: Path, language: Language, start: date | None, end: date | None
) -> int:
    """The self-examination report of a period (a year to today unless given)."""
    from bot.render import self_examination
    from storage import ledger as ledger_store
    from storage import regulations as regulations_store

    now = utcnow()
    today = app.cal.today(now)
    end = end or today
    if end > today:
        raise Refused(f"--to {end} is after today ({today}): a period cannot include days to come")
    if start is not None and start > end:
        raise Refused(f"--from {start} is after --to {end}")
    period = self_examination.Period.ending(end, start)
    async with app.db.transaction() as session:
        tx = Tx(session, app.db)
        snap = await ledger_store.snapshot(tx, today)
        issued = await regulations_store.all_regulations(tx)
    built = self_examination.build(
        snap, app.policy, language, issued, period, now.astimezone(app.cal.zone)
    )
    if built is None:
        raise Refused(
            f"nothing is on record from {period.start} to {period.end}: no report written "
            "(import the unions and clubs first, or choose another period with --from/--to)"
        )
    data = await asyncio.to_thread(self_examination.docx, built)
    out.parent.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(out.write_bytes, data)
    print(
        f"{out}: the self-examination report of {period.start} to {period.end}, "
        f"{built.chars} characters (limit {built.limit})"
    )
    if built.excess:
        print(
            f"warning: the report has {built.chars} characters, {built.excess} over the limit "
            f"of {built.limit}: shorten it before submitting",
            file=sys.stderr,
        )
    _incomplete(snap, app)
    return 0


async def _backup(db: Database, out: Path) -> int:
    from storage.backup import BackupFailed, backup

    try:
        what = await backup(db, out)
    except BackupFailed as exc:
        raise Refused(str(exc)) from None
    print(f"{out}: a backup of the {what}")
    return 0


async def _audit_verify(db: Database) -> int:
    async with db.transaction() as session:
        count, broken = await audit.verify(Tx(session, db))
    if broken is not None:
        print(
            f"audit chain broken at entry #{broken.seq}: {broken.reason} "
            f"({count} entries before it are intact)",
            file=sys.stderr,
        )
        return 1
    print(f"audit chain intact: {count} entries")
    return 0


async def _export_activities(app: App, out: Path, since: date | None, until: date | None) -> int:
    """`clubbot export activities OUT.xlsx [--from D] [--to D]`: every check-in of activities
    starting in those local days."""
    from bot.render import records as record_files
    from storage import checkin as checkin_store

    if since is not None and until is not None and until < since:
        raise Refused(f"--to {until} is before --from {since}")
    start = app.cal.start_of(since) if since is not None else None
    end = app.cal.end_of(until) if until is not None else None
    async with app.db.transaction() as session:
        found = await checkin_store.records(Tx(session, app.db), start, end)
    data = await asyncio.to_thread(record_files.workbook, app.cal, found)
    out.parent.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(out.write_bytes, data)
    print(f"{out}: {len(found)} activity records")
    return 0


# --- elections -----------------------------------------------------------------------------------


async def _election_export(app: App, election_id: int, out: Path) -> int:
    try:
        async with app.db.transaction() as session:
            document = await elections.export_document(Tx(session, app.db), election_id)
    except DomainError as err:
        raise Refused(
            f"election {election_id}: " + tr(Language.EN, err.key, **err.params)
        ) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    digest = write_export(out, document)
    print(f"{out}: election {election_id}, sha256 {digest} (also in {sidecar(out).name})")
    print(f"recount it with: python -m bot.tally {out}")
    return 0
