"""Every message and button the use cases send is built here, in the reader's language.

The use cases call these builders; only this package reads `bot.chat.i18n` and
`bot.chat.callbacks`. `tell` and friends queue the console's notices in the outbox, in the
transaction of the action (so nobody is told of a change that rolled back)."""

from __future__ import annotations

from datetime import datetime

# `Phrase`: what a use case hands a notice as words of the reader's language (it builds none).
from bot.chat.i18n import Listing as Listing
from bot.chat.i18n import Phrase as Phrase
from bot.chat.i18n import tr
from bot.domain.values import Language
from storage import officers, outbox, people
from storage.tx import Tx


async def tell(
    tx: Tx,
    now: datetime,
    key: str,
    users: list[tuple[int, Language]],
    message: str,
    **params: object,
) -> int:
    """Queue `message` to each user once (the outbox key is `key` plus the user); how many."""
    messages = [
        outbox.Message(f"{key}:{user_id}", user_id, tr(language, message, **params))
        for user_id, language in dict(users).items()
    ]
    return await outbox.enqueue_many(tx, messages, now)


async def tell_students(
    tx: Tx, now: datetime, key: str, student_pks: list[int], message: str, **params: object
) -> int:
    """Tell these students (those with a reachable account)."""
    users = await people.accounts_of_students(tx, student_pks)
    return await tell(tx, now, key, users, message, **params)


async def tell_officers_of(
    tx: Tx, now: datetime, notes: list[tuple[int, str, dict[str, object]]], message: str
) -> int:
    """Tell the current officers of many clubs, each club's (club id, outbox key, parameters):
    two statements, whatever the number of clubs. How many were told."""
    accounts = await officers.officer_accounts(tx, [club_id for club_id, _, _ in notes])
    messages = [
        outbox.Message(f"{key}:{user_id}", user_id, tr(language, message, **params))
        for club_id, key, params in notes
        for user_id, language in dict(accounts.get(club_id, [])).items()
    ]
    return await outbox.enqueue_many(tx, messages, now)


async def tell_officers(
    tx: Tx, now: datetime, key: str, club_id: int, message: str, **params: object
) -> int:
    """Tell the club's current officers."""
    held = [student.id for _, student in await officers.current_officers(tx, club_id)]
    return await tell_students(tx, now, key, held, message, **params)
