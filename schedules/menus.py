"""The menu side of the clock: publish the command menus whose people changed.

What someone is changes inside an update's transaction (a role granted, a record bound, an
election's winners seated), which only marks their menu due; this tick reads what they are then
and calls Telegram outside any transaction, within the shared sending limits."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from bot.chat.frontend import DeliveryError, Pace, Unreachable
from bot.chat.replies import BotCommand, Menu
from storage import people
from storage.db import Database
from storage.people import MenuFacts
from storage.tx import Tx, transact

log = logging.getLogger(__name__)

# Accounts per transaction: on SQLite the tick holds the event loop for one batch (63 ms for
# 100 while 40,000 accounts are gone through after the upgrade; 387 ms for 500: bench/menus.py).
BATCH = 100


class MenuSetter(Protocol):
    """The part of a front end this tick uses (`FrontEnd.set_menu`)."""

    async def set_menu(self, chat_id: int, commands: list[BotCommand] | None) -> None: ...


class Published(Enum):
    DONE = "done"
    GONE = "gone"  # no chat to show it in: the chat is recorded as showing the default
    RETRY = "retry"


@dataclass
class MenuPublisher:
    """Publishes due menus: `wanted` says which menu a person's chat should show."""

    db: Database
    front: MenuSetter
    pace: Pace
    wanted: Callable[[MenuFacts], Menu | None]

    async def publish_due(self) -> int:
        """Publish every due menu, a batch at a time; how many chats got a new one."""
        changed = 0
        while True:
            due = await transact(self.db, lambda tx: people.claim_menus(tx, BATCH))
            if not due:
                return changed
            published: dict[int, str | None] = {}
            retry: list[int] = []
            for facts in due:
                menu = self.wanted(facts)
                key = menu.key if menu is not None else None
                if key == facts.published:
                    continue
                outcome = await self._publish(facts.user_id, menu)
                if outcome is Published.RETRY:
                    retry.append(facts.user_id)
                elif outcome is Published.DONE:
                    published[facts.user_id] = key
                    changed += 1
                else:
                    published[facts.user_id] = None

            await transact(self.db, functools.partial(_record, published=published, retry=retry))
            if retry or len(due) < BATCH:
                return changed

    async def _publish(self, chat_id: int, menu: Menu | None) -> Published:
        commands = menu.commands if menu is not None else None
        try:
            await self.pace.send(chat_id, lambda: self.front.set_menu(chat_id, commands))
        except Unreachable:
            # Blocked, or never opened the chat: the default shows there; writing to the bot
            # again marks the menu due (storage.people).
            return Published.GONE
        except DeliveryError as exc:
            log.info("menu of chat %s not published yet: %s", chat_id, exc)
            return Published.RETRY
        except Exception:
            # A menu Telegram refuses is a bug to fix, not to retry every tick.
            log.exception("menu of chat %s refused", chat_id)
            return Published.GONE
        return Published.DONE


async def _record(tx: Tx, published: dict[int, str | None], retry: list[int]) -> None:
    await people.menus_published(tx, published)
    await people.menus_due(tx, retry)
