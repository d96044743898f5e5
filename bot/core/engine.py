"""The engine: one neutral update in, one outcome out, effect and state in one transaction.

For each update, in one database transaction: record its `update_id` (a redelivery stops here),
load the user and the conversation (locked), run the command, button or flow step, save the
conversation's new state, and keep the answer until the adapter has sent it. Updates of one
conversation are handled one at a time, and each user's updates are throttled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from pydantic import ValidationError

from bot.chat import callbacks, replies
from bot.chat.frontend import DeliveryError, NotSent, RetryAfter
from bot.chat.i18n import language_for, tr
from bot.chat.replies import Button, Incoming, Outcome, Reply, Toast, fit
from bot.chat.text import hostile_text
from bot.core.context import FAST_FLOW_KIND, FLOW_KIND, Ctx
from bot.core.permissions import digest
from bot.core.router import Flow, Input, Route, Router, Step
from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.domain.values import DomainError
from storage import conversations, people
from storage.conversations import Conversation
from storage.db import Database
from storage.tx import Tx, transact
from storage.types import utcnow

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# Told of each update: the update, how it ended (answered, duplicate, refused or error) and the
# seconds it took (the process's metrics count them).
Observer = Callable[[Incoming, str, float], None]

# How old an undelivered answer is before any process sends it: younger ones may still be on
# their way from the process that made them.
GRACE = timedelta(seconds=60)


class KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[object, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: object) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


@dataclass(slots=True)
class _Window:
    start: datetime
    count: int = 0
    told: bool = False


class UserThrottle:
    """How many updates each user sent in their current window (this process only: the
    conversation lock already makes one user's updates take turns within a process)."""

    # Past this many users, windows that ended are dropped, so memory stays small.
    PRUNE_AT = 4096

    def __init__(self, limit: int, window: timedelta) -> None:
        self.limit = limit
        self.window = window
        self._windows: dict[int, _Window] = {}

    def check(self, user_id: int, now: datetime) -> int | None:
        """None while the user is within the limit; else the whole seconds left in the
        window, or 0 once the user has been told."""
        win = self._windows.get(user_id)
        if win is None or now - win.start >= self.window:
            if len(self._windows) >= self.PRUNE_AT:
                self._prune(now)
            win = self._windows[user_id] = _Window(now)
        win.count += 1
        if win.count <= self.limit:
            return None
        if win.told:
            return 0
        win.told = True
        return max(1, math.ceil((win.start + self.window - now).total_seconds()))

    def _prune(self, now: datetime) -> None:
        ended = [u for u, w in self._windows.items() if now - w.start >= self.window]
        for user_id in ended:
            del self._windows[user_id]


# A start link pasted as text, as Telegram writes them: `https://t.me/<bot>?start=<payload>`
# (with or without the scheme, telegram.me too) or `tg://resolve?domain=<bot>&start=<payload>`.
_START_LINK = re.compile(
    r"(?:(?:https?://)?(?:t|telegram)\.me/(?P<bot>\w+)/?\?(?:\S*&)?start="
    r"|tg://resolve\?domain=(?P<domain>\w+)&(?:\S*&)?start=)"
    r"(?P<payload>[A-Za-z0-9_-]{1,64})(?:&\S*)?",
    re.IGNORECASE,
)


def parse_command(text: str, bot_username: str) -> tuple[str, str] | None:
    """`/join@bot Chess Club` -> ("join", "Chess Club"); None if the text is not a command.
    A pasted start link of this bot reads as `/start <payload>`, as if it had been opened."""
    if not text.startswith("/"):
        link = _START_LINK.fullmatch(text.strip())
        if link and (link["bot"] or link["domain"]).casefold() == bot_username.casefold():
            return ("start", link["payload"])
        return None
    head, _, args = text[1:].partition(" ")
    name, _, mention = head.partition("@")
    if mention and mention.casefold() != bot_username.casefold():
        return None
    if not name or not name.replace("_", "").isalnum() or not name.isascii():
        return ("", args.strip())
    return (name.lower(), args.strip())


class Engine:
    """Turns `Incoming` values into `Outcome`s; knows no Telegram framework."""

    def __init__(
        self,
        db: Database,
        policy: Policy,
        router: Router,
        *,
        bot_id: int,
        bot_username: str,
        clock: Clock = utcnow,
        cal: Calendar | None = None,
        ballot_key: bytes = b"",
        observe: Observer | None = None,
    ) -> None:
        self.db = db
        self.policy = policy
        self.router = router
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.clock = clock
        self.cal = cal or Calendar.named()
        self.ballot_key = ballot_key
        self.observe = observe
        self._locks = KeyedLocks()
        # Updates whose answer this process is sending: a redelivery meanwhile is not answered.
        self._sending: set[int] = set()
        self._throttle = UserThrottle(
            policy.throttle_updates, timedelta(seconds=policy.throttle_window_seconds)
        )

    async def handle(self, inc: Incoming) -> Outcome:
        """Process one update at most once; a redelivered update gives an empty outcome."""
        wait = self._throttle.check(inc.user_id, self.clock())
        if wait is not None:
            # Recorded, so Telegram does not deliver it again; it does nothing else.
            return await self._throttled(inc, wait)
        started = time.perf_counter()
        async with self._locks.hold((inc.chat_id, inc.user_id)):
            try:
                outcome, ending = await self._process(inc), "answered"
            except DomainError as err:
                # A rule refused after something was written: nothing of it stays.
                outcome, ending = await self._refusal(inc, err.key, err.params), "refused"
            except Exception:
                log.exception("update %s failed", inc.update_id)
                outcome, ending = await self._refusal(inc, "error.internal", {}), "error"
        if outcome.sent is not None:
            self._sending.add(inc.update_id)
        if self.observe is not None:
            ending = "duplicate" if outcome.duplicate else ending
            self.observe(inc, ending, time.perf_counter() - started)
        return outcome

    async def _keep(self, tx: Tx, inc: Incoming, outcome: Outcome) -> Outcome:
        """Keep the answer with the update's record, delivered when the adapter has sent it."""
        stored = outcome.stored()
        if stored is None:
            return outcome
        await conversations.keep_answer(tx, self.bot_id, inc.update_id, inc.chat_id, stored)

        async def sent() -> None:
            self._sending.discard(inc.update_id)
            await transact(
                self.db,
                lambda tx: conversations.mark_delivered(
                    tx, self.bot_id, inc.update_id, self.clock()
                ),
                session=False,
                single=True,  # one UPDATE: on PostgreSQL, one round trip rather than three
            )

        outcome.sent = sent
        return outcome

    async def _redelivered(self, tx: Tx, inc: Incoming) -> Outcome:
        """A redelivered update: the answer it had, if it was never delivered (the process
        that made it stopped before sending it), else nothing."""
        if inc.update_id in self._sending:
            return Outcome(duplicate=True)
        # A younger answer may still be on its way from the process (or the other worker) that
        # made it: the same update delivered twice at once is a duplicate, not a second answer.
        now = self.clock()
        answer = await conversations.take_answer(tx, self.bot_id, inc.update_id, now - GRACE, now)
        if answer is None:
            return Outcome(duplicate=True)
        toast = Toast() if inc.callback_id is not None else None
        return Outcome(replies=replies.stored_replies(answer), toast=toast)

    async def resend_undelivered(
        self, send: Callable[[int, Reply], Awaitable[None]], grace: timedelta = GRACE
    ) -> int:
        """Send the answers committed at least `grace` ago and never delivered (the process
        stopped between its commit and its send); how many replies went out. Each is taken
        before it is sent, so it is sent at most once more; one that surely never left (no
        connection, or Telegram still asking to wait) is released for the next round."""
        now = self.clock()
        pending = await transact(
            self.db,
            lambda tx: conversations.take_undelivered(tx, self.bot_id, now - grace, now),
            session=False,
        )
        count = 0
        for item in pending:
            for n, reply in enumerate(replies.stored_replies(item.answer)):
                try:
                    await send(item.chat_id, replace(reply, edit=False))
                except DeliveryError as exc:
                    log.warning("answer to update %s not sent: %s", item.update_id, exc)
                    if n == 0 and isinstance(exc, (NotSent, RetryAfter)):
                        # Nothing of it left: due again at the next round, not lost.
                        await self._release(item.update_id)
                    break
                count += 1
        return count

    async def _release(self, update_id: int) -> None:
        await transact(
            self.db,
            lambda tx: conversations.release_answer(tx, self.bot_id, update_id),
            session=False,
        )

    async def _process(self, inc: Incoming) -> Outcome:
        serial = conversations.serial_key(inc.chat_id, inc.user_id)
        if inc.blocked is not None:
            return await transact(
                self.db, lambda tx: self._membership(tx, inc), serial=serial, session=False
            )
        route = self._route_of(inc)
        if self.router.is_report(route):
            return await self._report(inc, serial)
        session = self.router.needs_session(route)
        return await transact(
            self.db, lambda tx: self._step(tx, inc), serial=serial, session=session
        )

    def _route_of(self, inc: Incoming) -> Route:
        """Which handler the update goes to, as far as the update alone tells (a flow's input is
        known only from the stored conversation); decides the transaction's kind."""
        if inc.callback_data is not None:
            try:
                kind = callbacks.decode(inc.callback_data).kind
            except callbacks.BadCallback:
                return Route.NONE  # answered "expired"
            if kind == FLOW_KIND:
                return Route.FLOW
            return Route.FAST_FLOW if kind == FAST_FLOW_KIND else Route.button(kind)
        if not inc.private:
            return Route.NONE
        command = parse_command(inc.text, self.bot_username) if inc.text else None
        if command is None:
            return Route.FLOW
        return Route.command(command[0])

    async def _step(self, tx: Tx, inc: Incoming) -> Outcome:
        now = self.clock()
        seen = language_for(inc.language_code)
        turn = await conversations.begin_turn(
            tx, self.bot_id, inc.update_id, inc.chat_id, inc.user_id, seen, now
        )
        if turn is None:
            return await self._redelivered(tx, inc)
        conv = turn.conversation
        ctx = self._ctx(tx, turn, now)
        step = await self._route(ctx, conv, inc)
        if _moved(conv, step, ctx.step, self.router.flows):
            await conversations.save(tx, conv, now)
        flow = self.router.flows.get(step.flow or "")
        if flow is not None and flow.fast:
            step.replies = [_fast_buttons(r) for r in step.replies]
        return await self._keep(tx, inc, _outcome(step, inc))

    async def _report(self, inc: Incoming, serial: int) -> Outcome:
        """A report's update in two parts. First the report is built off the chat path, in a
        read-only transaction on the reports' thread (`Database.read`): however long it takes,
        it holds no write lock, no chat connection and not this event loop. Then, in a short
        transaction like any update's, the update is claimed (a redelivery stops there), the
        writes the report asked for are made, and its answer is kept. A report writes nothing
        else, so building it before the claim repeats no effect; a redelivery of an update
        already recorded is not built at all."""
        now = self.clock()
        seen = language_for(inc.language_code)

        async def build(tx: Tx) -> tuple[Step, list[Callable[[Tx], Awaitable[None]]]] | None:
            if await conversations.processed(tx, self.bot_id, inc.update_id):
                return None
            turn = await conversations.peek(tx, inc.chat_id, inc.user_id, seen)
            ctx = self._ctx(tx, turn, now)
            ctx.deferred = []
            step = await self._route(ctx, turn.conversation, inc)
            if step.flow is not None:
                raise UndeclaredMove(f"a report started flow {step.flow}")
            return step, ctx.deferred

        built = await self.db.read(build)

        async def record(tx: Tx) -> Outcome:
            turn = await conversations.begin_turn(
                tx, self.bot_id, inc.update_id, inc.chat_id, inc.user_id, seen, self.clock()
            )
            if turn is None or built is None:
                return await self._redelivered(tx, inc)
            step, deferred = built
            for work in deferred:
                await work(tx)
            conv = turn.conversation
            if inc.callback_data is not None:
                _stay(conv, step)  # a button leaves the conversation where it is
            if _moved(conv, step, conv.step + 1, self.router.flows):
                await conversations.save(tx, conv, now)
            return await self._keep(tx, inc, _outcome(step, inc))

        session = built is not None and bool(built[1])
        return await transact(self.db, record, serial=serial, session=session)

    def _ctx(self, tx: Tx, turn: conversations.Turn, now: datetime) -> Ctx:
        return Ctx(
            tx=tx,
            policy=self.policy,
            now=now,
            lang=turn.account.language,
            user_id=turn.account.user_id,
            chat_id=turn.conversation.chat_id,
            student=turn.student,
            step=turn.conversation.step + 1,
            bot_username=self.bot_username,
            router=self.router,
            cal=self.cal,
            advisor_pk=turn.account.advisor_pk,
            ballot_key=self.ballot_key,
            consent=turn.account.consent,
        )

    async def _throttled(self, inc: Incoming, wait: int) -> Outcome:
        """An update past the user's limit: the notice once (`wait` > 0), then nothing."""
        if wait:
            return await self._refusal(inc, "error.throttled", {"seconds": wait})

        async def record(tx: Tx) -> Outcome:
            now = self.clock()
            if not await conversations.claim_update(tx, self.bot_id, inc.update_id, now):
                return Outcome(duplicate=True)
            return _outcome(Step(), inc)

        serial = conversations.serial_key(inc.chat_id, inc.user_id)
        return await transact(self.db, record, serial=serial, session=False)

    async def _membership(self, tx: Tx, inc: Incoming) -> Outcome:
        """The user blocked or unblocked the bot: their reachability, and no reply."""
        now = self.clock()
        if not await conversations.claim_update(tx, self.bot_id, inc.update_id, now):
            return Outcome(duplicate=True)
        await people.set_reachable(tx, inc.user_id, not inc.blocked, now)
        return Outcome()

    async def _refusal(self, inc: Incoming, key: str, params: dict[str, object]) -> Outcome:
        """Record the update alone (so it is not retried) and answer with the reason."""

        async def record(tx: Tx) -> Outcome:
            now = self.clock()
            if not await conversations.claim_update(tx, self.bot_id, inc.update_id, now):
                return await self._redelivered(tx, inc)
            account = await people.ensure_account(
                tx, inc.user_id, language_for(inc.language_code), now
            )
            return await self._keep(
                tx, inc, _outcome(Step.say(tr(account.language, key, **params)), inc)
            )

        serial = conversations.serial_key(inc.chat_id, inc.user_id)
        return await transact(self.db, record, serial=serial, session=False)

    async def _route(self, ctx: Ctx, conv: Conversation, inc: Incoming) -> Step:
        if inc.private and self.router.gates:
            route = self._route_of(inc)
            for gate in self.router.gates:
                stopped = await gate(ctx, route)
                if stopped is not None:
                    return _stay(conv, stopped)
        if inc.callback_data is not None:
            return await self._button(ctx, conv, inc.callback_data)
        if not inc.private:
            # Binding codes and ballots do not belong in a group: everything happens in private.
            return Step.say(ctx.t("group.private_only", bot=self.bot_username))
        command = parse_command(inc.text or "", self.bot_username) if inc.text else None
        if command is not None:
            return await self._command(ctx, conv, *command)
        if inc.shared is not None:
            if conv.flow is not None:
                return await self._flow_input(ctx, conv, Input(person=inc.shared))
            # A picker left on screen after its question ended: nothing waits for a person.
            return Step(replies=[Reply(ctx.t("picker.nothing"), close_picker=True)])
        if conv.flow is not None:
            if inc.document is not None and inc.document.fetch_failed:
                # The adapter could not download the file: the step waits for it again.
                return _stay(conv, Step.say(ctx.t("file.not_fetched")))
            refused = hostile_text(inc.text) if inc.text is not None else None
            if refused is not None:
                # Every free-text answer passes here: refused alike in every flow, and the
                # conversation stays where it is, so the answer can be typed again.
                return _stay(conv, Step.say(ctx.t("text.refused", why=refused)))
            return await self._flow_input(ctx, conv, Input(text=inc.text, document=inc.document))
        return Step.say(ctx.t("unknown.text"))

    async def _command(self, ctx: Ctx, conv: Conversation, name: str, args: str) -> Step:
        if name == "cancel":
            flow = self.router.flows.get(conv.flow) if conv.flow is not None else None
            if conv.flow is None:
                text = ctx.t("cancel.nothing")
            elif flow is not None and flow.resume is not None:
                text = ctx.t("cancel.kept", command=flow.resume)
            else:
                text = ctx.t("cancel.done")
            # A person picker the flow had opened goes with it (removing none is harmless).
            return Step(replies=[Reply(text, close_picker=conv.flow is not None)])
        command = self.router.commands.get(name)
        if command is None:
            # A new command abandons any flow; an unknown one leaves it as it was.
            return _stay(conv, Step.say(ctx.t("unknown.command")))
        return await command.handler(ctx, args)

    async def _button(self, ctx: Ctx, conv: Conversation, data: str) -> Step:
        # Why a button is refused, for the log: its data may be forged, so only its hash shows.
        why = "malformed"
        try:
            cb = callbacks.decode(data)
            if cb.kind in (FLOW_KIND, FAST_FLOW_KIND):
                why = "not the current step"
                if conv.flow is None or cb.int_arg(0) != conv.step or len(cb.args) != 2:
                    raise callbacks.BadCallback(why)
                flow = self.router.flows.get(conv.flow)
                if cb.kind == FAST_FLOW_KIND and (flow is None or not flow.fast):
                    raise callbacks.BadCallback(why)  # forged: this flow's buttons are not fast
                why = "refused by its flow"
                return await self._flow_input(ctx, conv, Input(choice=cb.args[1]))
            handler = self.router.callbacks.get(cb.kind)
            if handler is None:
                why = "unknown kind"
                raise callbacks.BadCallback(why)
            why = "refused by its handler"
            return _stay(conv, await handler(ctx, cb))
        except callbacks.BadCallback:
            log.warning("user %s button refused: %s (data %s)", ctx.user_id, why, digest(data))
            return _stay(conv, Step(toast=Toast(ctx.t("button.expired"), alert=True)))

    async def _flow_input(self, ctx: Ctx, conv: Conversation, given: Input) -> Step:
        flow = self.router.flows.get(conv.flow or "")
        handler = flow.states.get(conv.state or "") if flow else None
        if flow is None or handler is None:
            return Step.say(ctx.t("flow.expired"))
        try:
            data = flow.data_type.model_validate_json(conv.data)
        except ValidationError:
            return Step.say(ctx.t("flow.expired"))
        return await handler(ctx, data, given)


def _fast_buttons(reply: Reply) -> Reply:
    """A fast flow's reply: its step's buttons marked fast, so that their presses are routed to
    the driver's connection (the engine checks the mark against the stored flow)."""
    if not reply.buttons:
        return reply
    rows = tuple(tuple(_fast_button(b) for b in row) for row in reply.buttons)
    return replace(reply, buttons=rows)


def _fast_button(button: Button) -> Button:
    if button.data is None:
        return button
    try:
        cb = callbacks.decode(button.data)
    except callbacks.BadCallback:
        return button
    if cb.kind != FLOW_KIND:
        return button
    return replace(button, data=callbacks.encode(FAST_FLOW_KIND, *cb.args))


def _stay(conv: Conversation, step: Step) -> Step:
    """Keep the conversation where it is (stateless buttons, unknown commands)."""
    if conv.flow is not None and step.flow is None:
        step.flow, step.state = conv.flow, conv.state
        step.data = None  # keep the stored data as it is
    return step


def _moved(conv: Conversation, step: Step, new_step: int, flows: Mapping[str, Flow]) -> bool:
    """Move the conversation to where the step left it; False when nothing moved."""
    if step.flow == conv.flow and step.state == conv.state and step.data is None:
        return False  # old buttons stay valid
    if step.flow is not None:
        _check_move(conv, step, flows.get(step.flow))
    conv.data = step.data.model_dump_json() if step.data is not None else "{}"
    conv.flow, conv.state = step.flow, step.state
    conv.step = new_step
    return True


class UndeclaredMove(RuntimeError):
    """A flow moved where its table does not allow: a bug in the flow or in its table."""


def _check_move(conv: Conversation, step: Step, flow: Flow | None) -> None:
    """Refuse a move into a flow state that the flow's table does not declare.

    Leaving a flow is not checked: any command, or /cancel, may end a flow in any state. A move
    within one flow may also be a command starting that flow again, so a start is allowed too.
    """
    before = conv.state if conv.flow == step.flow else None
    if flow is not None and (flow.allows(before, step.state) or flow.allows(None, step.state)):
        return
    log.error("flow %s moved from %s to %s: not in its table", step.flow, before, step.state)
    raise UndeclaredMove(f"{step.flow}: {before} -> {step.state}")


def _outcome(step: Step, inc: Incoming) -> Outcome:
    is_button = inc.callback_id is not None
    replies = [
        part
        for r in step.replies
        for part in fit(r if is_button or not r.edit else replace(r, edit=False))
    ]
    toast = (step.toast or Toast()) if is_button else None
    return Outcome(replies=replies, toast=toast)
