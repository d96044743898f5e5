"""Personal data (PRIV-1 to PRIV-5): consents, the requests staff answer, everything held about
one student read at once, erasure and the retention sweep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlmodel import col

from storage.models import AccountRow, ConsentRow, PrivacyRequestRow, StudentRow
from storage.tx import Tx


async def give_consent(tx: Tx, user_id: int, version: str, now: datetime) -> None:
    """Record that this account agreed to the notice `version` (replacing an older one)."""
    await tx.session.execute(delete(ConsentRow).where(col(ConsentRow.user_id) == user_id))
    await tx.session.execute(
        tx.insert(ConsentRow).values(user_id=user_id, version=version, given_at=now)
    )


async def withdraw_consent(tx: Tx, user_id: int) -> bool:
    """Forget the account's consent and unbind it from its student and advisor records;
    whether it had consented."""
    gone = await tx.session.execute(delete(ConsentRow).where(col(ConsentRow.user_id) == user_id))
    await tx.session.execute(
        update(AccountRow)
        .where(col(AccountRow.user_id) == user_id)
        .values(student_pk=None, advisor_pk=None, bound_at=None)
    )
    return bool(gone.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Request:
    """A correction request or a review of a refusal (PRIV-2, PRIV-4), with who asked."""

    id: int
    kind: str
    student_pk: int | None
    user_id: int
    text: str
    created_at: datetime
    name: str | None
    student_id: str | None
    answer: str | None


def _requests() -> Any:
    return select(
        col(PrivacyRequestRow.id),
        col(PrivacyRequestRow.kind),
        col(PrivacyRequestRow.student_pk),
        col(PrivacyRequestRow.user_id),
        col(PrivacyRequestRow.text),
        col(PrivacyRequestRow.created_at),
        col(StudentRow.name),
        col(StudentRow.student_id),
        col(PrivacyRequestRow.answer),
    ).outerjoin(StudentRow, col(StudentRow.id) == col(PrivacyRequestRow.student_pk))


async def add_request(
    tx: Tx, kind: str, student_pk: int | None, user_id: int, text: str, now: datetime
) -> int | None:
    """File a request; None when the same one is already waiting (a second tap)."""
    waiting = select(col(PrivacyRequestRow.id)).where(
        col(PrivacyRequestRow.kind) == kind,
        col(PrivacyRequestRow.user_id) == user_id,
        col(PrivacyRequestRow.text) == text,
        col(PrivacyRequestRow.answered_at).is_(None),
    )
    if (await tx.session.execute(waiting)).first() is not None:
        return None
    row = PrivacyRequestRow(
        kind=kind, student_pk=student_pk, user_id=user_id, text=text, created_at=now
    )
    tx.session.add(row)
    await tx.session.flush()
    assert row.id is not None
    return row.id


async def open_requests(tx: Tx, limit: int) -> list[Request]:
    """Requests staff have not answered yet, oldest first."""
    stmt = (
        _requests()
        .where(col(PrivacyRequestRow.answered_at).is_(None))
        .order_by(col(PrivacyRequestRow.id))
        .limit(limit)
    )
    return [Request(*row) for row in (await tx.session.execute(stmt)).all()]


async def request(tx: Tx, request_id: int) -> Request | None:
    stmt = _requests().where(col(PrivacyRequestRow.id) == request_id)
    row = (await tx.session.execute(stmt)).first()
    return None if row is None else Request(*row)


async def answer_request(tx: Tx, request_id: int, answer: str, by: int, now: datetime) -> bool:
    """Record staff's answer, once: False when someone answered it first."""
    stmt = (
        update(PrivacyRequestRow)
        .where(
            col(PrivacyRequestRow.id) == request_id,
            col(PrivacyRequestRow.answered_at).is_(None),
        )
        .values(answer=answer, answered_by=by, answered_at=now)
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]
