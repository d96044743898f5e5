"""Logging: the level and format from the configuration, no secret in any line, and internal
errors reported to a staff chat (at most one report per interval, with how many it stands for)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

# Libraries that log every request, update or timer tick at INFO: at hundreds of updates a second
# that is most of a process's work, and none of it news. Their warnings and errors still show.
CHATTY_LOGGERS = (
    "aiogram.event",
    "httpx",
    "apscheduler.executors.default",
    "apscheduler.scheduler",
)
MASK = "***"


class Redacting(logging.Formatter):
    """Formats with `inner`, then masks every secret in the whole text (message, arguments,
    traceback): a token in a download URL or an exception's repr never reaches the log."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self.inner = inner
        # Longest first, so a secret that contains another is masked whole.
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record)
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


def _masked(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


class Masking:
    """A log record factory that masks the secrets in each record as it is made (its message
    with the arguments filled in, its traceback and stack): every handler then sees it masked,
    also those that never use the app's formatter (a library's own, a test's capture)."""

    def __init__(self, make: Callable[..., logging.LogRecord], secrets: Iterable[str]) -> None:
        self.make = make
        plain = {s for s in secrets if s}
        # A URL may carry a secret percent-encoded; longest first, so a secret that contains
        # another is masked whole.
        every = plain | {quote(s, safe="") for s in plain}
        self.secrets = sorted(every, key=len, reverse=True)

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.make(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: the handler reports it
            return record
        record.msg, record.args = _masked(message, self.secrets), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = _masked(_TRACEBACKS.formatException(record.exc_info), self.secrets)
        if record.stack_info:
            record.stack_info = _masked(record.stack_info, self.secrets)
        return record


_TRACEBACKS = logging.Formatter()


class Json(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the
    traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(level: str, json_lines: bool, secrets: Iterable[str]) -> None:
    """Log to standard error at `level`, as text or JSON lines, with the secrets masked in
    every record (see `Masking`) and every line. Like
    `logging.basicConfig`, it adds no handler where the host already set one up (a test run)."""
    root = logging.getLogger()
    root.setLevel(level)
    make = logging.getLogRecordFactory()
    if isinstance(make, Masking):  # configured again: mask these secrets instead
        make = make.make
    secrets = [s for s in secrets if s]
    logging.setLogRecordFactory(Masking(make, secrets) if secrets else make)
    if not root.handlers:
        handler = logging.StreamHandler()
        inner = Json() if json_lines else logging.Formatter(PLAIN)
        handler.setFormatter(Redacting(inner, secrets))
        root.addHandler(handler)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


class Alerts(logging.Handler):
    """Collects ERROR records for a staff chat: the first at once, then at most one report per
    `interval` seconds, which says how many errors it stands for. `take()` hands over what is
    due; the app queues it in the outbox (so Telegram's limits hold, and a restart loses none
    of what was queued)."""

    def __init__(self, interval: float, secrets: Iterable[str]) -> None:
        super().__init__(logging.ERROR)
        self.interval = interval
        self.setFormatter(Redacting(logging.Formatter("%(name)s: %(message)s"), secrets))
        self._lock = threading.Lock()
        self._last_sent = -interval
        self._first: str | None = None
        self._count = 0

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record).splitlines()[0]
        with self._lock:
            if self._first is None:
                self._first = line
            self._count += 1

    def take(self, now: float | None = None) -> tuple[str, int] | None:
        """(the first error's line, how many errors) when a report is due; else None."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            if self._first is None or moment - self._last_sent < self.interval:
                return None
            due = (self._first, self._count)
            self._first, self._count, self._last_sent = None, 0, moment
            return due
