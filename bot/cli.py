"""The `clubbot` command (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import sys
from pathlib import Path

from pydantic import ValidationError

from bot.app import build_app, run
from bot.domain import Role
from bot.policy import PolicyError
from bot.services import identity, roster
from bot.settings import Settings
from storage import migrate, people
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


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="clubbot", description=__doc__)
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
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="action", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations")
    imp = sub.add_parser("import", help="import a CSV file: all rows or none")
    imp.add_argument("kind", choices=["students", "clubs"])
    imp.add_argument("file", type=Path)
    codes = sub.add_parser("codes", help="write one-time binding codes for unbound students")
    codes.add_argument("out", type=Path)
    for name in ("grant", "revoke"):
        role = sub.add_parser(name, help=f"{name} a role to a Telegram user id")
        role.add_argument("role", choices=[r.value for r in Role])
        role.add_argument("user_id", type=int)
    return p


# Libraries that log every request, update or timer tick at INFO: at hundreds of updates a second
# that is most of a process's work, and none of it news. Their warnings and errors still show.
CHATTY_LOGGERS = (
    "aiogram.event",
    "httpx",
    "apscheduler.executors.default",
    "apscheduler.scheduler",
)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"invalid configuration:\n{exc}", file=sys.stderr)
        return 2
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
        return await _playground(settings, port, reset=args.reset)
    app = build_app(settings)
    try:
        await migrate.upgrade(app.db)
        if args.command == "db":
            print(f"database at revision {await migrate.current(app.db)}")
            return 0
        if args.command == "import":
            return await _import(app.db, args.kind, args.file)
        if args.command == "codes":
            return await _codes(app.db, settings, args.out)
        return await _role(app.db, args.command, Role(args.role), args.user_id)
    finally:
        await app.db.dispose()


async def _playground(settings: Settings, port: int, *, reset: bool) -> int:
    from bot import playground

    if not 0 <= port <= 65535:
        print(f"--port {port} is not a port number", file=sys.stderr)
        return 2
    try:
        await playground.run(settings, port=port, reset=reset)
    except playground.PortUnavailable as exc:
        print(f"{exc}; choose another port with --port N (or PLAYGROUND_PORT)", file=sys.stderr)
        return 2
    return 0


async def _import(db: Database, kind: str, path: Path) -> int:
    importer = roster.import_students if kind == "students" else roster.import_clubs
    try:
        data = roster.read_file(path)
        async with db.transaction() as session:
            report = await importer(Tx(session, db), utcnow(), data)
    except roster.ImportRejected as exc:
        print(f"{path}: nothing imported, {len(exc.errors)} error(s):", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    print(
        f"{path}: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged"
        + (f", {report.memberships_ended} memberships ended" if report.memberships_ended else "")
    )
    return 0


async def _codes(db: Database, settings: Settings, out: Path) -> int:
    username = settings.bot_username or await _bot_username(settings)
    if not username:
        print(
            "set BOT_USERNAME (or BOT_TOKEN, to ask Telegram) to build the links", file=sys.stderr
        )
        return 2
    async with db.transaction() as session:
        issued = await identity.issue_codes(Tx(session, db), utcnow())
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["student_id", "code", "link"])
            for student, code in issued:
                writer.writerow(
                    [student.student_id, code, f"https://t.me/{username}?start={code}"]
                )
    print(f"{out}: {len(issued)} codes (earlier unused codes of these students no longer work)")
    return 0


async def _bot_username(settings: Settings) -> str | None:
    if settings.bot_token is None:
        return None
    from bot.handlers import make_front_end

    front = make_front_end(settings)
    try:
        return (await front.open()).username
    finally:
        await front.close()


async def _role(db: Database, action: str, role: Role, user_id: int) -> int:
    async with db.transaction() as session:
        tx = Tx(session, db)
        if action == "grant":
            changed = await people.grant(tx, user_id, role, utcnow())
        else:
            changed = await people.revoke(tx, user_id, role)
    verb = "granted to" if action == "grant" else "revoked from"
    print(f"{role.value} {verb} {user_id}" if changed else f"nothing to do for {user_id}")
    return 0
