"""Conversation state and the record of processed updates.

Every update runs in a transaction serialized on its conversation (`serial_key`), and starts with
`begin_turn`: it records the update's id (a redelivery stops there) and reads who is talking and
where their conversation stands. On PostgreSQL that is one statement, one round trip; the lock was
taken with BEGIN, so the statement's snapshot already sees the conversation's last update. The
statements are built once, with bind parameters: building a statement per call costs more in
SQLAlchemy than SQLite takes to run it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.domain.values import Language, Student
from storage import people
from storage.models import ConversationRow, ProcessedUpdateRow, table_of
from storage.tx import Tx

_conv = table_of(ConversationRow)
_processed = table_of(ProcessedUpdateRow)


@dataclass(slots=True)
class Conversation:
    """Where a chat with one user stands; `stored` is False until it first enters a flow."""

    chat_id: int
    user_id: int
    flow: str | None = None
    state: str | None = None
    data: str = "{}"
    step: int = 0
    stored: bool = False


_CLAIMED: dict[str, Any] = {
    "bot_id": bindparam("bot"),
    "update_id": bindparam("update"),
    "processed_at": bindparam("now"),
}
_CLAIM_SQLITE = sqlite.insert(_processed).values(**_CLAIMED).on_conflict_do_nothing()
_CLAIM_PG = postgresql.insert(_processed).values(**_CLAIMED).on_conflict_do_nothing()
_KEY = (_conv.c.chat_id == bindparam("chat")) & (_conv.c.user_id == bindparam("user"))
_CONV_COLUMNS = (
    _conv.c.flow.label("conv_flow"),
    _conv.c.state.label("conv_state"),
    _conv.c.data.label("conv_data"),
    _conv.c.step.label("conv_step"),
)
_ACCOUNT_CONVERSATION = people.ACCOUNT_AND_STUDENT.outerjoin(
    _conv, (_conv.c.chat_id == bindparam("chat")) & (_conv.c.user_id == people.USER_ID)
)
_LOAD = (
    select(*people.ACCOUNT_AND_STUDENT_COLUMNS, *_CONV_COLUMNS)
    .select_from(_ACCOUNT_CONVERSATION)
    .where(bindparam("user") == people.USER_ID)
)
# PostgreSQL: the claim and the load in one statement. `claimed` is 0 for a redelivery; on first
# contact the account's columns are NULL (the row comes from the claim's side of the join).
_claim = _CLAIM_PG.returning(_processed.c.update_id).cte("claim")
_claimed = select(func.count().label("claimed")).select_from(_claim).subquery("claimed")
_CLAIM_AND_LOAD_PG = select(
    _claimed.c.claimed, *people.ACCOUNT_AND_STUDENT_COLUMNS, *_CONV_COLUMNS
).select_from(_claimed.outerjoin(_ACCOUNT_CONVERSATION, bindparam("user") == people.USER_ID))
_INSERT = _conv.insert().values(
    chat_id=bindparam("chat"),
    user_id=bindparam("user"),
    flow=bindparam("new_flow"),
    state=bindparam("new_state"),
    data=bindparam("new_data"),
    step=bindparam("new_step"),
    updated_at=bindparam("now"),
)
_UPDATE = (
    update(_conv)
    .where(_KEY)
    .values(
        flow=bindparam("new_flow"),
        state=bindparam("new_state"),
        data=bindparam("new_data"),
        step=bindparam("new_step"),
        updated_at=bindparam("now"),
    )
)


@dataclass(frozen=True, slots=True)
class Turn:
    """Who sent an update, and where their conversation in that chat stands."""

    account: people.Account
    student: Student | None
    conversation: Conversation


def serial_key(chat_id: int, user_id: int) -> int:
    """The conversation's key for `Database.transaction(serial=…)`, the same in every process."""
    digest = hashlib.blake2b(f"{chat_id}:{user_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def claim_update(tx: Tx, bot_id: int, update_id: int, now: datetime) -> bool:
    """Record the update as processed; False when it already was (a redelivery)."""
    params = {"bot": bot_id, "update": update_id, "now": now}
    return bool(await tx.run(_CLAIM_SQLITE if tx.db.is_sqlite else _CLAIM_PG, params))


async def begin_turn(
    tx: Tx, bot_id: int, update_id: int, chat_id: int, user_id: int, seen: Language, now: datetime
) -> Turn | None:
    """Claim the update (None when it was processed already) and load its turn."""
    if tx.db.is_sqlite:
        if not await claim_update(tx, bot_id, update_id, now):
            return None
        return await load(tx, chat_id, user_id, seen, now)
    params = {"bot": bot_id, "update": update_id, "now": now, "chat": chat_id, "user": user_id}
    row = await tx.first(_CLAIM_AND_LOAD_PG, params)
    if not row.claimed:
        return None
    return await _turn(tx, chat_id, user_id, None if row.language is None else row, seen, now)


_ANSWER = (_processed.c.bot_id == bindparam("bot")) & (
    _processed.c.update_id == bindparam("update")
)
_KEEP_ANSWER = (
    update(_processed).where(_ANSWER).values(chat_id=bindparam("chat"), answer=bindparam("answer"))
)
_UNDELIVERED = _processed.c.answer.is_not(None) & _processed.c.delivered_at.is_(None)
_TAKE_ANSWER = (
    update(_processed)
    .where(_ANSWER & _UNDELIVERED & (_processed.c.processed_at < bindparam("before")))
    .values(delivered_at=bindparam("now"))
    .returning(_processed.c.answer)
)
_MARK_DELIVERED = (
    update(_processed).where(_ANSWER & _UNDELIVERED).values(delivered_at=bindparam("now"))
)
_RELEASE_ANSWER = (
    update(_processed)
    .where(_ANSWER & _processed.c.delivered_at.is_not(None))
    .values(delivered_at=None)
)
_TAKE_UNDELIVERED = (
    update(_processed)
    .where(
        (_processed.c.bot_id == bindparam("bot"))
        & _UNDELIVERED
        & (_processed.c.processed_at < bindparam("before"))
    )
    .values(delivered_at=bindparam("now"))
    .returning(_processed.c.update_id, _processed.c.chat_id, _processed.c.answer)
)


class Undelivered(NamedTuple):
    update_id: int
    chat_id: int
    answer: str


async def keep_answer(tx: Tx, bot_id: int, update_id: int, chat_id: int, answer: str) -> None:
    """Keep the update's answer with its record until `take_answer` (after it was sent)."""
    params = {"bot": bot_id, "update": update_id, "chat": chat_id, "answer": answer}
    await tx.run(_KEEP_ANSWER, params)


async def take_answer(
    tx: Tx, bot_id: int, update_id: int, before: datetime, now: datetime
) -> str | None:
    """The update's answer made before `before` and not yet delivered, now marked delivered;
    None if there is none."""
    params = {"bot": bot_id, "update": update_id, "before": before, "now": now}
    return cast(str | None, await tx.scalar(_TAKE_ANSWER, params))


async def mark_delivered(tx: Tx, bot_id: int, update_id: int, now: datetime) -> None:
    """The update's answer went out: it is never sent again."""
    await tx.run(_MARK_DELIVERED, {"bot": bot_id, "update": update_id, "now": now})


async def release_answer(tx: Tx, bot_id: int, update_id: int) -> None:
    """A taken answer of which nothing went out: undelivered again, so it is taken again."""
    await tx.run(_RELEASE_ANSWER, {"bot": bot_id, "update": update_id})


async def take_undelivered(
    tx: Tx, bot_id: int, before: datetime, now: datetime
) -> list[Undelivered]:
    """Every answer of an update processed before `before` not yet delivered, now marked
    delivered (the caller sends them)."""
    rows = await tx.rows(_TAKE_UNDELIVERED, {"bot": bot_id, "before": before, "now": now})
    return [Undelivered(r.update_id, r.chat_id, r.answer) for r in rows]


async def forget_updates(tx: Tx, before: datetime) -> int:
    """Drop records older than any redelivery Telegram would still make."""
    stmt = delete(_processed).where(_processed.c.processed_at < before)
    return int((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def load(tx: Tx, chat_id: int, user_id: int, seen: Language, now: datetime) -> Turn:
    """The account (created on first contact), student and conversation, in one query."""
    row = await tx.first(_LOAD, {"chat": chat_id, "user": user_id})
    return await _turn(tx, chat_id, user_id, row, seen, now)


_PROCESSED = select(_processed.c.update_id).where(
    (_processed.c.bot_id == bindparam("bot")) & (_processed.c.update_id == bindparam("update"))
)


async def processed(tx: Tx, bot_id: int, update_id: int) -> bool:
    """Whether the update has been recorded (read only: `claim_update` is the claim)."""
    return await tx.first(_PROCESSED, {"bot": bot_id, "update": update_id}) is not None


async def peek(tx: Tx, chat_id: int, user_id: int, seen: Language) -> Turn:
    """The turn `begin_turn` would load, read only (for a report's read-only transaction): a user
    met for the first time gets the account they will have, unwritten."""
    row = await tx.first(_LOAD, {"chat": chat_id, "user": user_id})
    blank = Conversation(chat_id, user_id)
    if row is None:
        return Turn(people.Account(user_id, seen, False, None), None, blank)
    language = Language(row.language) if row.language_chosen else seen
    chosen, student_pk, advisor_pk = row.language_chosen, row.student_pk, row.advisor_pk
    account = people.Account(
        user_id, language, chosen, student_pk, advisor_pk, row.consent_version
    )
    student = None if row.id is None else people.to_student(row)
    return Turn(account, student, blank)


async def _turn(
    tx: Tx, chat_id: int, user_id: int, row: Any, seen: Language, now: datetime
) -> Turn:
    account, student = await people.account_from_row(tx, user_id, row, seen, now)
    if row is None or row.conv_step is None:
        # Not written yet: a user who never enters a flow costs no write.
        return Turn(account, student, Conversation(chat_id, user_id))
    conv = Conversation(
        chat_id, user_id, row.conv_flow, row.conv_state, row.conv_data, row.conv_step, stored=True
    )
    return Turn(account, student, conv)


async def save(tx: Tx, conv: Conversation, now: datetime) -> None:
    """Write the conversation's new state with the transaction."""
    params = {"chat": conv.chat_id, "user": conv.user_id, "now": now, "new_step": conv.step}
    params |= {"new_flow": conv.flow, "new_state": conv.state, "new_data": conv.data}
    await tx.run(_UPDATE if conv.stored else _INSERT, params)
    conv.stored = True
