"""The context a handler gets: the transaction, the user, the policy and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import callbacks
from bot.domain import Language, Role, Student
from bot.i18n import tr
from bot.policy import Policy
from bot.replies import Button
from bot.router import Router
from storage import people
from storage.tx import Tx

FLOW_KIND = "f"


@dataclass(slots=True)
class Ctx:
    tx: Tx
    policy: Policy
    now: datetime
    lang: Language
    user_id: int
    chat_id: int
    student: Student | None
    # The step number that buttons rendered by this update carry (see ConversationRow.step).
    step: int
    bot_username: str
    router: Router

    def t(self, key: str, **params: object) -> str:
        """A message in the user's language."""
        return tr(self.lang, key, **params)

    def choice(self, label: str, value: str | int) -> Button:
        """A button answering the current flow step; pressed later, it is "expired"."""
        return Button(label, callbacks.encode(FLOW_KIND, self.step, value))

    async def roles(self) -> frozenset[Role]:
        """The user's roles, read on each call: a revoked role counts from the next message."""
        return await people.roles_of(self.tx, self.user_id)
