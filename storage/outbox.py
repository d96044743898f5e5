"""The outbox: messages the bot sends on its own initiative, one row each, unique by key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlmodel import col

from bot.chat.replies import TEXT_LIMIT, Button, Keyboard, Reply, split_text, utf16_len
from storage.models import OutboxRow, table_of
from storage.tx import Tx

PENDING = "pending"
# Handed to Telegram and not yet answered: a row left so after its claim ran out was
# interrupted mid-send (a crash), and may have arrived.
SENDING = "sending"
SENT = "sent"
CLEARED = "cleared"  # a reminder whose deadline was met before it went out
UNREACHABLE = "unreachable"
UNCERTAIN = "uncertain"
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ReminderOf:
    """What a reminder row is about: which deadline, which step, who it reached, when due."""

    deadline_id: int
    step: str
    level: str
    deadline_at: datetime


@dataclass(frozen=True, slots=True)
class Message:
    key: str
    chat_id: int
    text: str
    buttons: Keyboard = ()
    reminder: ReminderOf | None = None


@dataclass(frozen=True, slots=True)
class Pending:
    id: int
    chat_id: int
    reply: Reply
    attempts: int
    reminder: ReminderOf | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """A message staff should know about: given up, maybe sent, or retried many times."""

    id: int
    chat_id: int
    status: str
    attempts: int
    error: str | None
    text: str


def _values(message: Message, due_at: datetime) -> dict[str, object]:
    rows = [
        [{"text": b.text, "data": b.data, "url": b.url} for b in row] for row in message.buttons
    ]
    reminder = message.reminder
    return {
        "key": message.key,
        "chat_id": message.chat_id,
        "text": message.text,
        "buttons": json.dumps(rows),
        "status": PENDING,
        "attempts": 0,
        "due_at": due_at,
        "created_at": due_at,
        "deadline_id": reminder.deadline_id if reminder else None,
        "step": reminder.step if reminder else None,
        "level": reminder.level if reminder else None,
        "deadline_at": reminder.deadline_at if reminder else None,
    }


async def enqueue(
    tx: Tx, key: str, chat_id: int, text: str, due_at: datetime, buttons: Keyboard = ()
) -> bool:
    """Queue a message once: a second call with the same key does nothing (False)."""
    return bool(await enqueue_many(tx, [Message(key, chat_id, text, buttons)], due_at))


_outbox = table_of(OutboxRow)
_KEY = _outbox.c.key


async def enqueue_many(tx: Tx, messages: list[Message], due_at: datetime) -> int:
    """Queue messages; those whose key is already queued (or sent) are left as they are. How
    many were queued (a message over Telegram's limit takes a row per part).

    The rows go as one `executemany` of a statement compiled once: SQLAlchemy sends them many
    rows per INSERT (its "insertmanyvalues"), as many as the database takes. A statement with a
    thousand rows in its VALUES, built here, took SQLAlchemy a quarter of a second of CPU to
    compile, on the event loop: other chats waited that long (issue 18)."""
    keys = {message.key for message in messages}
    rows = [_values(part, due_at) for message in messages for part in _parts(message)]
    if not rows:
        return 0
    stmt = tx.insert(_outbox).on_conflict_do_nothing().returning(_KEY)
    found = await tx.session.execute(stmt, rows)
    return sum(key in keys for (key,) in found.all())


def _parts(message: Message) -> list[Message]:
    """A message over Telegram's limit as several rows, in order: the first keeps the key (and
    what a reminder is about), the others `key#2`, `key#3`…, the buttons go with the last."""
    parts = split_text(message.text) if utf16_len(message.text) > TEXT_LIMIT else [message.text]
    if len(parts) == 1:
        return [message]
    last = len(parts) - 1
    return [
        Message(
            message.key if i == 0 else f"{message.key}#{i + 1}",
            message.chat_id,
            part,
            message.buttons if i == last else (),
            message.reminder if i == 0 else None,
        )
        for i, part in enumerate(parts)
    ]


async def claim_due(
    tx: Tx,
    now: datetime,
    lease: timedelta,
    limit: int,
    quiet_until: datetime | None = None,
) -> list[Pending]:
    """Take up to `limit` due messages for `lease`; other workers skip them meanwhile.

    During quiet hours (`quiet_until` set) reminders wait, unless their deadline ends before
    the quiet hours do: holding those would make them useless.
    """
    stmt = (
        select(OutboxRow)
        .where(col(OutboxRow.status) == PENDING)
        .where(col(OutboxRow.due_at) <= now)
        .where((col(OutboxRow.claimed_until).is_(None)) | (col(OutboxRow.claimed_until) < now))
        .order_by(col(OutboxRow.due_at), col(OutboxRow.id))
        .limit(limit)
    )
    if quiet_until is not None:
        stmt = stmt.where(_may_go_now(now, quiet_until))
    if not tx.db.is_sqlite:
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(await tx.session.scalars(stmt))
    for row in rows:
        row.claimed_until = now + lease
    return [_pending(row) for row in rows]


def _may_go_now(now: datetime, quiet_until: datetime) -> ColumnElement[bool]:
    """In quiet hours: not a reminder, or one whose deadline ends before the quiet hours do."""
    return or_(
        col(OutboxRow.deadline_id).is_(None),
        and_(col(OutboxRow.deadline_at) > now, col(OutboxRow.deadline_at) < quiet_until),
    )


async def next_due(tx: Tx, now: datetime, quiet_until: datetime | None) -> datetime | None:
    """When the next pending message falls due (None if there is none); a row another sender
    claimed is due when its claim runs out."""
    claimed = col(OutboxRow.claimed_until)
    due = case((claimed > col(OutboxRow.due_at), claimed), else_=col(OutboxRow.due_at))
    stmt = select(func.min(due)).where(col(OutboxRow.status) == PENDING)
    if quiet_until is not None:
        stmt = stmt.where(_may_go_now(now, quiet_until))
    found = (await tx.session.execute(stmt)).scalar_one()
    return found if isinstance(found, datetime) else None


def _pending(row: OutboxRow) -> Pending:
    assert row.id is not None
    keyboard = tuple(
        tuple(Button(b["text"], b.get("data"), b.get("url")) for b in r)
        for r in json.loads(row.buttons)
    )
    reminder = None
    if row.deadline_id is not None and row.step and row.level and row.deadline_at:
        reminder = ReminderOf(row.deadline_id, row.step, row.level, row.deadline_at)
    return Pending(row.id, row.chat_id, Reply(row.text, keyboard), row.attempts, reminder)


async def start_sending(tx: Tx, outbox_id: int) -> bool:
    """Mark a claimed row as being sent, before it is; False if it was cleared meanwhile."""
    stmt = (
        update(OutboxRow)
        .where(col(OutboxRow.id) == outbox_id)
        .where(col(OutboxRow.status) == PENDING)
        .values(status=SENDING)
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


# What staff read on a row whose sender died between sending it and recording the answer.
INTERRUPTED = "interrupted while sending: it may have arrived"


async def settle_interrupted(tx: Tx, now: datetime) -> int:
    """Rows whose send was never answered before their claim ran out become uncertain:
    sending them again could say it twice. How many."""
    stmt = (
        update(OutboxRow)
        .where(col(OutboxRow.status) == SENDING)
        .where(col(OutboxRow.claimed_until) < now)
        .values(
            status=UNCERTAIN,
            claimed_until=None,
            attempts=OutboxRow.attempts + 1,
            last_error=INTERRUPTED,
        )
    )
    return int((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def settle(
    tx: Tx,
    outbox_id: int,
    status: str,
    now: datetime,
    *,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    """Record how a send ended: sent, or failed for good, or pending again from `retry_at`."""
    values: dict[str, object] = {"status": status, "claimed_until": None, "last_error": error}
    if status == SENT:
        values["sent_at"] = now
    if retry_at is not None:
        values["due_at"] = retry_at
    stmt = (
        update(OutboxRow)
        .where(col(OutboxRow.id) == outbox_id)
        .values(attempts=OutboxRow.attempts + 1, **values)
    )
    if status == PENDING:
        # A reminder cleared while it was being sent stays cleared rather than coming back.
        stmt = stmt.where(col(OutboxRow.status) == SENDING)
    await tx.session.execute(stmt)


async def release(tx: Tx, ids: list[int], retry_at: datetime) -> None:
    """Give claimed rows back unsent, due again at `retry_at` (no attempt is counted); a
    row cleared meanwhile stays cleared."""
    stmt = (
        update(OutboxRow)
        .where(col(OutboxRow.id).in_(ids))
        .where(col(OutboxRow.status).in_([PENDING, SENDING]))
        .values(status=PENDING, claimed_until=None, due_at=retry_at)
    )
    await tx.session.execute(stmt)


async def release_each(tx: Tx, due: list[tuple[int, datetime]]) -> None:
    """Give claimed rows back unsent, each due again at its own time."""
    for outbox_id, retry_at in due:
        await release(tx, [outbox_id], retry_at)


async def clear(tx: Tx, deadline_ids: list[int]) -> int:
    """Withdraw the unsent reminders of these deadlines (their action was recorded)."""
    if not deadline_ids:
        return 0
    stmt = (
        update(OutboxRow)
        .where(col(OutboxRow.deadline_id).in_(deadline_ids))
        .where(col(OutboxRow.status).in_([PENDING, SENDING]))
        .values(status=CLEARED)
    )
    return int((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def problems(tx: Tx, visible_after: int, limit: int) -> tuple[list[Problem], int]:
    """Messages given up, possibly sent, unreachable, or still retried after `visible_after`
    attempts: newest first, and how many there are in all."""
    where = or_(
        col(OutboxRow.status).in_([FAILED, UNCERTAIN, UNREACHABLE]),
        and_(col(OutboxRow.status) == PENDING, col(OutboxRow.attempts) >= visible_after),
    )
    total = await tx.session.execute(select(func.count()).select_from(OutboxRow).where(where))
    stmt = select(OutboxRow).where(where).order_by(col(OutboxRow.id).desc()).limit(limit)
    found = [
        Problem(row.id or 0, row.chat_id, row.status, row.attempts, row.last_error, row.text)
        for row in await tx.session.scalars(stmt)
    ]
    return found, int(total.scalar_one())
