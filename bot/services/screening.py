"""The REG-6 name screening list: terms a new club's name may not contain, each with the reason
staff give; every change audited."""

from __future__ import annotations

from datetime import datetime

from bot.chat.text import unsafe_character
from bot.domain.values import name_key
from storage import applications as applications_store
from storage import audit
from storage.tx import Tx


async def screen(tx: Tx, now: datetime, term: str, reason: str, by: int | None) -> bool:
    """Add a term to the REG-6 screening list; ValueError for an empty or unsafe one."""
    term = " ".join(term.split())
    key = name_key(term)
    if not key or not reason or len(term) > 200 or len(reason) > 500:
        raise ValueError("a term and a reason are needed")
    if unsafe_character(term) or unsafe_character(reason):
        raise ValueError("invisible or control characters")
    if not await applications_store.screen(tx, term, key, reason, by, now):
        return False
    await audit.append(
        tx, now, by, "screening.add", subject=f"screening:{term}", after={"reason": reason}
    )
    return True


async def unscreen(tx: Tx, now: datetime, actor: int | None, term: str) -> bool:
    """Take a term off the REG-6 screening list; False if it was not on it."""
    if not await applications_store.unscreen(tx, name_key(term), now):
        return False
    await audit.append(tx, now, actor, "screening.retire", subject=f"screening:{term}")
    return True
