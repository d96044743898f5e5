"""Personal data (PRIV-1 to PRIV-5): consents, the requests staff answer, everything held about
one student read at once, erasure and the retention sweep."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col

from storage.models import AccountRow, ConsentRow
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
