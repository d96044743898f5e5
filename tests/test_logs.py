"""Logs: the configured level and format, no secret in any line, errors reported to staff."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.app import logs
from bot.app.root import build_app, report_errors
from bot.app.settings import Settings
from storage import migrate
from storage.db import Database
from storage.tx import Tx

TOKEN = "123456:AAE-secret-token-value"


def _record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    info = None
    if exc:
        try:
            raise RuntimeError(f"GET https://api.telegram.org/file/bot{TOKEN}/doc.pdf failed")
        except RuntimeError:
            info = sys.exc_info()
    return logging.LogRecord("bot.handlers", logging.ERROR, __file__, 1, message, args, info)


@pytest.mark.parametrize("json_lines", [False, True])
def test_a_secret_is_masked_in_message_arguments_and_traceback(json_lines: bool) -> None:
    inner = logs.Json() if json_lines else logging.Formatter(logs.PLAIN)
    formatter = logs.Redacting(inner, [TOKEN])
    text = formatter.format(_record("download of %s failed", f"/bot{TOKEN}/x", exc=True))
    assert TOKEN not in text
    assert text.count(logs.MASK) == 2
    if json_lines:
        entry = json.loads(text)
        assert entry["level"] == "ERROR"
        assert entry["logger"] == "bot.handlers"
        assert "RuntimeError" in entry["exception"]


def test_a_record_is_masked_as_it_is_made_for_a_handler_with_its_own_formatter() -> None:
    """A library's handler never sees the app's formatter: the record itself is masked."""
    masking = logs.Masking(logging.LogRecord, [TOKEN])
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(handler.format(record))  # type: ignore[method-assign]
    handler.setFormatter(logging.Formatter("%(message)s"))
    previous = logging.getLogRecordFactory()
    logging.setLogRecordFactory(masking)
    library = logging.getLogger("some.library")
    library.addHandler(handler)
    try:
        try:
            raise RuntimeError(f"GET /file/bot{TOKEN}/doc.pdf failed")
        except RuntimeError:
            library.exception("calling %s", f"/bot{quote(TOKEN, safe='')}/getMe")
    finally:
        library.removeHandler(handler)
        logging.setLogRecordFactory(previous)
    (text,) = lines
    assert TOKEN not in text
    assert quote(TOKEN, safe="") not in text
    assert text.count(logs.MASK) == 2


def test_without_secrets_nothing_is_masked() -> None:
    formatter = logs.Redacting(logging.Formatter("%(message)s"), ["", ""])
    assert formatter.format(_record("plain")) == "plain"


def test_alerts_report_the_first_at_once_then_one_per_interval() -> None:
    alerts = logs.Alerts(interval=600, secrets=[TOKEN])
    assert alerts.take(now=0) is None  # nothing logged
    alerts.handle(_record("boom %s", TOKEN))
    assert alerts.take(now=1) == ("bot.handlers: boom ***", 1)
    for i in range(3):
        alerts.handle(_record(f"again {i}"))
    assert alerts.take(now=2) is None  # within the interval: collected, not sent
    assert alerts.take(now=601) == ("bot.handlers: again 0", 3)
    assert alerts.take(now=1300) is None
    logger = logging.getLogger("tests.alerts")
    logger.addHandler(alerts)
    try:
        logger.warning("only a warning")
        assert alerts.take(now=5000) is None
        logger.error("a real one")
        assert alerts.take(now=5001) == ("tests.alerts: a real one", 1)
    finally:
        logger.removeHandler(alerts)


async def test_a_due_report_goes_to_the_alert_chat_through_the_outbox(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'alerts.db'}")
    await migrate.upgrade(db)
    app = build_app(Settings(alert_chat_id=-1001, bot_token=TOKEN), db=db)
    alerts = logs.Alerts(interval=600, secrets=app.settings.secrets())
    try:
        assert not await report_errors(app, alerts)
        alerts.handle(_record("update 7 failed"))
        assert await report_errors(app, alerts)
        async with db.transaction() as session:
            due = await outbox_rows(Tx(session, db))
        assert len(due) == 1
        assert due[0][0] == -1001
        assert "内部错误 1 次" in due[0][1]
        assert "internal errors since the last report: 1" in due[0][1]
        assert "update 7 failed" in due[0][1]
    finally:
        await db.dispose()


async def outbox_rows(tx: Tx) -> list[tuple[int, str]]:
    from sqlalchemy import text

    rows = await tx.session.execute(text("SELECT chat_id, text FROM outbox"))
    return [(int(r[0]), str(r[1])) for r in rows]


def test_the_command_line_logs_json_at_the_configured_level(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "debug",
        "BOT_TOKEN": TOKEN,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert lines, done.stderr
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert TOKEN not in done.stderr
    quiet = {**env, "LOG_LEVEL": "ERROR", "LOG_FORMAT": "text"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        capture_output=True,
        text=True,
        env=quiet,
        cwd=tmp_path,
        check=True,
    )
    assert done.stderr == ""
