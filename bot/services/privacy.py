"""Personal data (PRIV-1 to PRIV-5): consent to the processing notice, and the rights a student
exercises in chat. The notice itself is written by the flow (bot/flows/privacy.py)."""

from __future__ import annotations

from datetime import datetime

from storage import audit
from storage import privacy as store
from storage.tx import Tx


async def consent(tx: Tx, now: datetime, user_id: int, version: str) -> None:
    """PRIV-1: the account agreed to the notice `version`; the audit log keeps that it did."""
    await store.give_consent(tx, user_id, version, now)
    await audit.append(
        tx, now, user_id, "privacy.consent", subject=f"user:{user_id}", after={"version": version}
    )


async def withdraw(tx: Tx, now: datetime, user_id: int) -> None:
    """PRIV-1: the account withdrew its consent: it is unbound from its records, so nothing is
    processed for it until it binds (and agrees) again."""
    await store.withdraw_consent(tx, user_id)
    await audit.append(tx, now, user_id, "privacy.withdraw", subject=f"user:{user_id}")
