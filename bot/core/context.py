"""The context a handler gets: the transaction, the user, the policy and the clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from bot.chat import callbacks
from bot.chat.i18n import joined, tr
from bot.chat.replies import Button
from bot.core.router import Router
from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.domain.values import Advisor, Language, Role, Student
from storage import advisors, people
from storage.tx import Tx

FLOW_KIND = "f"
# The same buttons of a fast flow (`Flow.fast`): the engine rewrites them, and checks the claim.
FAST_FLOW_KIND = "q"


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
    cal: Calendar
    # The advisor record the account is bound to (read lazily: few users are advisors).
    advisor_pk: int | None = None
    # The key of voters' receipts (BALLOT_KEY): kept outside the database.
    ballot_key: bytes = b""
    # A report's read-only run (`Router.command(report=True)`): the writes it asked for, run in
    # the transaction that records the update afterwards. None: writes run at once.
    deferred: list[Callable[[Tx], Awaitable[None]]] | None = None
    # The version of the processing notice this account agreed to (PRIV-1), if any.
    consent: str | None = None

    @property
    def today(self) -> date:
        """The university's local date."""
        return self.cal.today(self.now)

    def t(self, key: str, **params: object) -> str:
        """A message in the user's language."""
        return tr(self.lang, key, **params)

    def join(self, items: Iterable[str]) -> str:
        """A list within a sentence, separated as the user's language writes one."""
        return joined(self.lang, items)

    async def write(self, work: Callable[[Tx], Awaitable[None]]) -> None:
        """A write that belongs to this update: now, or, in a report's read-only run, with the
        update's record once the report is built."""
        if self.deferred is None:
            await work(self.tx)
        else:
            self.deferred.append(work)

    def choice(self, label: str, value: str | int) -> Button:
        """A button answering the current flow step; pressed later, it is "expired"."""
        return Button(label, callbacks.encode(FLOW_KIND, self.step, value))

    async def roles(self) -> frozenset[Role]:
        """The user's roles, read on each call: a revoked role counts from the next message."""
        return await people.roles_of(self.tx, self.user_id)

    async def advisor(self) -> Advisor | None:
        """The advisor this account is bound to, if any."""
        if self.advisor_pk is None:
            return None
        return await advisors.advisor_by_pk(self.tx, self.advisor_pk)
