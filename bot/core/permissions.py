"""Who may do what: the permission matrix, one table, used to check each call and to build /help.

Staff and reviewers are granted (`/grant`, `clubbot grant`); the other roles follow from the
records: officer (a current position), advisor (a bound advisor record), member (an active
membership), unit representative (`clubbot grant rep`). Every privileged command and button
checks the matrix again on the server at each call, so a revoked role counts from the next
message; a refused attempt is logged and written to the audit log.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable

from bot.chat import callbacks
from bot.chat.callbacks import Callback
from bot.core.context import Ctx
from bot.core.router import Audience, Router, Step
from bot.domain.values import Role
from storage import audit, people
from storage.tx import Tx

log = logging.getLogger(__name__)

A = Audience
STAFF = frozenset({A.STAFF})
STAFF_OR_REVIEWER = frozenset({A.STAFF, A.REVIEWER})

# Command (or button action) -> the roles that may use it.
PERMISSIONS: dict[str, frozenset[Audience]] = {
    # Status and reports (REG-9).
    "status": STAFF_OR_REVIEWER,
    "student": STAFF_OR_REVIEWER,
    "advisor": STAFF_OR_REVIEWER,
    "overdue": STAFF_OR_REVIEWER,
    "ledger": STAFF_OR_REVIEWER,
    "stats": STAFF_OR_REVIEWER,
    "export": STAFF,
    "audit": STAFF,
    # Roles.
    "grant": STAFF,
    "revoke": STAFF,
    # Club lifecycle (REG-7, REG-10, REG-11).
    "suspend": STAFF,
    "reinstate": STAFF,
    "ban": STAFF,
    "dissolve": STAFF,
    # The annual review round (REG-5, REG-8).
    "review_open": STAFF,
    "review_form": frozenset({A.OFFICER}),
    "appeal": frozenset({A.OFFICER}),
    "verdict": frozenset({A.REVIEWER}),
    # Advisors (ADV-1 to ADV-5).
    "hire": STAFF,
    "appoint": STAFF,
    "renew": STAFF,
    "evaluate": STAFF,
    "dismiss": STAFF,
    # Establishing a club (REG-1 to REG-8): the staff side and the lists staff keep.
    "applications": STAFF_OR_REVIEWER,
    # Its advisor and its unit's representatives see their own application, with its buttons.
    "application": frozenset({A.STAFF, A.REVIEWER, A.ADVISOR, A.UNIT_REP}),
    "units": STAFF,
    "advisorbank": STAFF,
    "screening": STAFF,
    # Buttons only: deciding an application. The service checks again that it is this
    # application's advisor (REG-3, ORG-3), a representative of its unit (REG-2).
    "app_advisor": frozenset({A.ADVISOR}),
    "app_unit": frozenset({A.UNIT_REP}),
    "app_committee": frozenset({A.REVIEWER}),
    # Elections and general-meeting votes (ORG-3, ORG-5 to ORG-7). /election lists a user's
    # elections; the buttons are checked here, then by the service against this election's
    # club (its officer, its advisor, its unit's representative, its member).
    "election": frozenset({A.STAFF, A.UNIT_REP, A.ADVISOR, A.OFFICER, A.MEMBER}),
    "election_start": frozenset({A.STAFF, A.ADVISOR, A.OFFICER}),
    # Officers are members of their club (ORG-1): they stand, nominate and object as members.
    "election_nominate": frozenset({A.OFFICER, A.MEMBER}),
    "election_review": frozenset({A.STAFF, A.ADVISOR}),
    "election_strike": frozenset({A.STAFF, A.ADVISOR}),
    "election_object": frozenset({A.OFFICER, A.MEMBER}),
    # Those told of an objection answer it; the service checks it is this election's advisor.
    "election_answer": frozenset({A.STAFF, A.ADVISOR}),
    "election_approve": frozenset({A.STAFF, A.UNIT_REP, A.ADVISOR}),
    # Activities (ACT-1): officers and advisors propose; the service checks it is their club.
    # The decision buttons are checked by the service against the activity's current level.
    # `/activity ID` shows one activity to its club's officers and advisor, its unit's
    # representatives, staff and reviewers (the flow checks which).
    "activity": frozenset({A.OFFICER, A.ADVISOR, A.UNIT_REP, A.STAFF, A.REVIEWER}),
    "activities": STAFF_OR_REVIEWER,
    # ACT-10: the organizer's report after the activity; the service checks it is their club.
    "activity_report": frozenset({A.OFFICER, A.ADVISOR}),
    # ACT-6, ACT-7: officers keep the club's accounts and money; the service checks the club.
    "accounts": frozenset({A.OFFICER}),
    "finance": frozenset({A.OFFICER}),
    # Student unions (SU-1 to SU-14): staff only, for they show SU-5's restricted data (PRIV-4).
    "unions": STAFF,
    "union": STAFF,
    # The province's work ledger: staff enter plans, obstacles, owners, evidence (issue 17).
    "plan": STAFF,
    # The self-examination report (issue 17, item 6): it names units not in place.
    "report": STAFF,
    "regulations": STAFF,
}
# The rows of the matrix that are button actions, not commands.
BUTTON_ACTIONS = frozenset(
    {
        "app_advisor",
        "app_unit",
        "app_committee",
        "election_start",
        "election_nominate",
        "election_review",
        "election_strike",
        "election_object",
        "election_answer",
        "election_approve",
    }
)
COMMANDS = tuple(name for name in PERMISSIONS if name not in BUTTON_ACTIONS)
# The commands offered in the menu of those who may use them (`bot.core.menus`); the others are
# rarer or end something, and /help lists them all.
MENU = frozenset(
    {
        "status",
        "applications",
        "student",
        "advisor",
        "overdue",
        "ledger",
        "stats",
        "export",
        "audit",
        "grant",
        "revoke",
        "review_open",
        "review_form",
        "appeal",
        "verdict",
        "units",
        "election",
        "activity",
        "activities",
        "accounts",
        "finance",
        "unions",
    }
)
# Every role a user can have, the columns of the matrix.
ROLES = (A.STAFF, A.REVIEWER, A.UNIT_REP, A.ADVISOR, A.OFFICER, A.MEMBER)
_GRANTED = {Role.STAFF: A.STAFF, Role.REVIEWER: A.REVIEWER}


def audiences_of(
    granted: frozenset[Role],
    *,
    student: bool,
    officer: bool,
    member: bool,
    advisor: bool,
    unit_rep: bool,
) -> frozenset[Audience]:
    """What someone is, from the roles staff granted and what their records make them: an
    officer or member only with a bound student record. Permissions and menus both read it."""
    held = {A.EVERYONE}
    held.update(_GRANTED[role] for role in granted if role in _GRANTED)
    if student:
        held.add(A.STUDENT)
        if officer:
            held.add(A.OFFICER)
        if member:
            held.add(A.MEMBER)
    if advisor:
        held.add(A.ADVISOR)
    if unit_rep:
        held.add(A.UNIT_REP)
    return frozenset(held)


async def capacities(ctx: Ctx) -> frozenset[Audience]:
    """Everything this user is at this moment, read now (one query): the roles staff granted, the
    roles the records give, and what everyone is. A revoked role counts from the next message."""
    student_pk = ctx.student.id if ctx.student is not None else None
    records = await people.record_roles(ctx.tx, ctx.user_id, student_pk)
    return audiences_of(
        records.granted,
        student=ctx.student is not None,
        officer=records.officer,
        member=records.member,
        advisor=ctx.advisor_pk is not None,
        unit_rep=records.unit_rep,
    )


async def allowed(ctx: Ctx, action: str) -> bool:
    """Whether the user may do `action` now."""
    return bool(await capacities(ctx) & PERMISSIONS[action])


def refusal(ctx: Ctx, action: str) -> str:
    """Why the user may not: who may."""
    needed = PERMISSIONS[action]
    if needed == STAFF:
        return ctx.t("error.staff_only")
    names = [ctx.t(f"console.audience.{role.value}") for role in ROLES if role in needed]
    who = names[-1] if len(names) < 2 else ctx.join(names[:-1]) + ctx.t("console.or") + names[-1]
    said = ctx.t("console.denied", who=who)
    if ctx.student is None and ctx.advisor_pk is None:
        # Nobody who holds a record yet: the likeliest reason is an account not bound.
        said += "\n" + ctx.t("console.bind_first")
    return said


def digest(data: str) -> str:
    """A short hash of callback data for the log: forged data never reaches it as written."""
    return hashlib.sha256(data.encode("utf-8", "replace")).hexdigest()[:12]


async def guard(ctx: Ctx, action: str, what: str, data: str | None = None) -> Step | None:
    """None when allowed; else the refusal, after logging and auditing the attempt."""
    if await allowed(ctx, action):
        return None
    if data is None:
        log.warning("user %s refused %s (%s)", ctx.user_id, action, what)
    else:
        log.warning("user %s refused %s (%s, data %s)", ctx.user_id, action, what, digest(data))
    now, user_id = ctx.now, ctx.user_id

    async def record(tx: Tx) -> None:
        await audit.append(tx, now, user_id, "denied", subject=what, after={"action": action})

    await ctx.write(record)
    return Step.say(refusal(ctx, action))


CommandFn = Callable[[Ctx, str], Awaitable[Step]]
ButtonFn = Callable[[Ctx, Callback], Awaitable[Step]]
# A button's row of the matrix: fixed, or read from its data (None: not privileged).
ButtonAction = str | Callable[[Callback], str | None]


def command(
    router: Router, name: str, *, report: bool = False
) -> Callable[[CommandFn], CommandFn]:
    """Register a privileged command: shown to, and allowed for, the roles of the matrix;
    `report` as for `Router.command`."""

    def register(handler: CommandFn) -> CommandFn:
        async def checked(ctx: Ctx, args: str) -> Step:
            return await guard(ctx, name, f"/{name}") or await handler(ctx, args)

        router.command(name, *PERMISSIONS[name], menu=name in MENU, report=report)(checked)
        return handler

    return register


def button(router: Router, kind: str, action: ButtonAction) -> Callable[[ButtonFn], ButtonFn]:
    """Register a privileged button kind, checked against `action`'s row of the matrix."""

    def register(handler: ButtonFn) -> ButtonFn:
        async def checked(ctx: Ctx, cb: Callback) -> Step:
            row = action if isinstance(action, str) else action(cb)
            if row is None:
                return await handler(ctx, cb)
            data = ":".join((callbacks.VERSION, cb.kind, *cb.args))
            refused = await guard(ctx, row, f"button:{kind}", data)
            return refused or await handler(ctx, cb)

        router.callback(kind)(checked)
        return handler

    return register
