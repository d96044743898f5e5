"""What the core answers: commands, stateless buttons and flows, collected from `bot/flows/`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from bot.chat.callbacks import Callback
from bot.chat.replies import Button, Document, Keyboard, Reply, SharedPerson, Toast

if TYPE_CHECKING:
    from bot.core.context import Ctx


class Audience(StrEnum):
    """Who sees a command in /help and in Telegram's menu."""

    EVERYONE = "everyone"
    STUDENT = "student"  # a bound student record
    OFFICER = "officer"  # a student holding a position in a club
    ADVISOR = "advisor"  # a bound advisor record
    STAFF = "staff"
    REVIEWER = "reviewer"  # REG-8: granted like staff
    UNIT_REP = "unit_rep"  # represents a guidance unit (`clubbot grant rep`)
    MEMBER = "member"  # a student holding a membership


@dataclass(slots=True)
class Step:
    """What one update did: replies, and the flow state the conversation is in afterwards."""

    replies: list[Reply] = field(default_factory=list)
    toast: Toast | None = None
    flow: str | None = None
    state: str | None = None
    data: BaseModel | None = None

    @classmethod
    def say(cls, text: str, buttons: Keyboard = (), *, edit: bool = False) -> Step:
        """A step that ends any flow with one message."""
        return cls(replies=[Reply(text, buttons, edit)])

    @classmethod
    def ask(
        cls,
        flow: str,
        state: StrEnum,
        data: BaseModel,
        text: str,
        rows: list[list[Button]],
        note: str | None = None,
    ) -> Step:
        """Move the flow to `state` and ask its question (after `note`, if any)."""
        body = f"{note}\n\n{text}" if note else text
        keyboard = tuple(tuple(row) for row in rows if row)
        return cls([Reply(body, keyboard, edit=True)], flow=flow, state=state.value, data=data)


@dataclass(frozen=True, slots=True)
class Input:
    """What the user gave a flow: typed text, a button's value, a document, or a person chosen
    with a person picker."""

    text: str | None = None
    choice: str | None = None
    document: Document | None = None
    person: SharedPerson | None = None


CommandHandler = Callable[["Ctx", str], Awaitable[Step]]
CallbackHandler = Callable[["Ctx", Callback], Awaitable[Step]]
StateHandler = Callable[["Ctx", Any, Input], Awaitable[Step]]
# Asked before any command, button or flow input (e.g. consent, PRIV-1): a step answers the
# update instead; None lets it through. It runs on every route, fast ones too: no session.
GateHandler = Callable[["Ctx", "Route"], Awaitable[Step | None]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    handler: CommandHandler
    audiences: frozenset[Audience]
    menu: bool  # offered in Telegram's command menu
    fast: bool = False  # see `Router.command`
    report: bool = False  # see `Router.command`


@dataclass(frozen=True, slots=True)
class Route:
    """Where an update goes, as far as the update itself tells: a command, a button's kind, the
    current flow's input (known only from the stored conversation), or nowhere (the engine
    answers it itself: a group, an expired button)."""

    kind: str  # command | button | flow | none
    name: str = ""

    NONE: ClassVar[Route]
    FLOW: ClassVar[Route]
    FAST_FLOW: ClassVar[Route]  # a button of a fast flow's current step

    @classmethod
    def command(cls, name: str) -> Route:
        return cls("command", name)

    @classmethod
    def button(cls, kind: str) -> Route:
        return cls("button", kind)


Route.NONE = Route("none")
Route.FLOW = Route("flow")
Route.FAST_FLOW = Route("flow", "fast")


# Where a flow's table sends a conversation that finishes (Mermaid's name for the end).
END = "[*]"


@dataclass(frozen=True, slots=True)
class Flow:
    """A conversation: named states, typed data, one handler per state, and its allowed moves.

    `starts` are the states a command or a button may open the flow in; `transitions` give, for
    each state, the states its handler may move the conversation to (END: the flow finishes).
    Each flow module draws the same table in its `.mmd` diagram, and a test compares the two.

    `fast`: every state's handler runs on `Tx`'s prebuilt statements, as a fast command does; its
    buttons then say so in their data (`FAST_FLOW_KIND`), so that their presses run on the
    driver's connection (typed input still runs in a session: which flow it is for is known only
    from the stored conversation).
    """

    name: str
    data_type: type[BaseModel]
    states: dict[str, StateHandler]
    starts: frozenset[str]
    transitions: Mapping[str, frozenset[str]]
    fast: bool = False
    # The command that picks up the draft this flow keeps (its answers are saved as they come),
    # so that /cancel says the draft is kept, not that nothing was changed.
    resume: str | None = None

    def __post_init__(self) -> None:
        # A table naming a state the flow lacks is a typo: refuse it when the module loads.
        targets = self.starts.union(*self.transitions.values()) - {END}
        if self.transitions.keys() != self.states.keys() or not targets <= self.states.keys():
            raise ValueError(f"flow {self.name}: its table does not match its states")
        if not self.starts or END in self.starts:
            raise ValueError(f"flow {self.name}: it must start in one of its states")

    def allows(self, before: str | None, after: str | None) -> bool:
        """Whether the table lets the conversation go from `before` to `after` (None: outside)."""
        if before is None:
            return after in self.starts
        return (END if after is None else after) in self.transitions.get(before, frozenset())


class Router:
    """A registry that flow modules fill and the engine merges."""

    def __init__(self) -> None:
        self.commands: dict[str, Command] = {}
        self.callbacks: dict[str, CallbackHandler] = {}
        self.fast_callbacks: set[str] = set()
        self.report_callbacks: set[str] = set()
        self.flows: dict[str, Flow] = {}
        self.gates: list[GateHandler] = []

    def command(
        self,
        name: str,
        *audiences: Audience,
        menu: bool = True,
        fast: bool = False,
        report: bool = False,
    ) -> Callable[[CommandHandler], CommandHandler]:
        """Register a command for these audiences (everyone when none is named).

        `fast`: every path of it runs on `Tx`'s prebuilt statements, so its update's transaction
        runs on the driver's connection without an ORM session (`storage/tx.py`); the tests hold
        the re-runs of a wrong declaration at zero.
        `report`: it only reads, and may read a lot: it runs off the chat path, in a read-only
        transaction on the reports' thread (`storage/reports.py`); a write in it fails, but for
        the ones it hands to `Ctx.write`, which run with the update's record afterwards."""
        seen_by = frozenset(audiences or (Audience.EVERYONE,))

        def register(handler: CommandHandler) -> CommandHandler:
            self.commands[name] = Command(name, handler, seen_by, menu, fast, report)
            return handler

        return register

    def callback(
        self, kind: str, *, fast: bool = False, report: bool = False
    ) -> Callable[[CallbackHandler], CallbackHandler]:
        """Register a stateless button's handler; `fast` and `report` as for `command`."""

        def register(handler: CallbackHandler) -> CallbackHandler:
            self.callbacks[kind] = handler
            if fast:
                self.fast_callbacks.add(kind)
            if report:
                self.report_callbacks.add(kind)
            return handler

        return register

    def is_report(self, route: Route) -> bool:
        """Whether the route is a report's (see `command`)."""
        if route.kind == "command":
            command = self.commands.get(route.name)
            return command is not None and command.report
        return route.kind == "button" and route.name in self.report_callbacks

    def needs_session(self, route: Route) -> bool:
        """Whether the update's transaction needs the ORM session: every route does, unless it
        is declared fast or answered by the engine alone. A flow's input always does (which flow
        is known only inside the transaction)."""
        if route.kind == "command":
            command = self.commands.get(route.name)
            return command is not None and not command.fast
        if route.kind == "button":
            return route.name in self.callbacks and route.name not in self.fast_callbacks
        return route == Route.FLOW

    def gate(self, handler: GateHandler) -> GateHandler:
        """Register a gate: asked first for every update in a private chat."""
        self.gates.append(handler)
        return handler

    def flow(self, flow: Flow) -> Flow:
        self.flows[flow.name] = flow
        return flow

    def include(self, other: Router) -> None:
        clash = (
            (self.commands.keys() & other.commands.keys())
            | (self.callbacks.keys() & other.callbacks.keys())
            | (self.flows.keys() & other.flows.keys())
        )
        if clash:
            raise ValueError(f"registered twice: {sorted(clash)}")
        self.commands.update(other.commands)
        self.callbacks.update(other.callbacks)
        self.fast_callbacks |= other.fast_callbacks
        self.report_callbacks |= other.report_callbacks
        self.flows.update(other.flows)
        self.gates += other.gates
