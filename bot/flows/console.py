"""The staff console: /student, /advisor, /overdue, /audit, /grant and /revoke.

Each command is registered through `bot.core.permissions`, which checks the permission matrix on
the server at every call. Long answers are paged (`bot.flows.pages`).
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from enum import StrEnum

from pydantic import BaseModel

from bot.chat.replies import PersonPicker, Reply, SharedPerson
from bot.chat.text import number
from bot.core.context import Ctx
from bot.core.permissions import command, guard
from bot.core.router import END, Flow, Input, Router, Step
from bot.domain.values import Club, Role, name_key
from bot.flows import pages
from bot.flows.common import aside, clip, named
from bot.flows.staff import OPEN_STATES, closest, entry_lines
from bot.services import privacy, roles
from storage import advisors, applications, audit, clubs, officers, people
from storage import deadlines as deadlines_store
from storage.tx import Tx

router = Router()
SUGGESTIONS = 5
OVERDUE, AUDIT = "ov", "au"


async def find_club(ctx: Ctx, query: str) -> Club | Step:
    """The club named `query`, or the answer that lists the closest names."""
    found = await clubs.club_by_key(ctx.tx, name_key(query))
    if found is not None:
        return found
    close = closest(query, await clubs.all_clubs(ctx.tx))
    if not close:
        return Step.say(ctx.t("status.unknown_no_match", name=clip(query)))
    names = "\n".join(f"• {clip(c.name)}" for c in close)
    return Step.say(ctx.t("console.did_you_mean", name=clip(query), names=names))


def usage(ctx: Ctx, name: str) -> Step:
    return Step.say(ctx.t(f"console.usage.{name}"))


# --- /student ----------------------------------------------------------------------------------


@command(router, "student")
async def student(ctx: Ctx, args: str) -> Step:
    if not args:
        return usage(ctx, "student")
    found = await people.student_by_student_id(ctx.tx, args.strip())
    if found is None:
        matches = await people.search_students(ctx.tx, args.strip(), SUGGESTIONS)
        if len(matches) == 1:
            found = matches[0]
        else:
            if not matches:
                keys = await people.all_student_keys(ctx.tx)
                by_id = {sid: f"{sid} {name}" for sid, name in keys}
                close = difflib.get_close_matches(args.strip(), list(by_id), SUGGESTIONS, 0.5)
                labels = [by_id[sid] for sid in close]
            else:
                labels = [f"{s.student_id} {s.name}" for s in matches]
            if not labels:
                return Step.say(ctx.t("console.no_student", query=clip(args)))
            names = "\n".join(f"• {clip(label)}" for label in labels)
            return Step.say(ctx.t("console.did_you_mean", name=clip(args), names=names))
    # PRIV-5: staff's read of a person's record is audited: who, what, why.
    now, user_id, student_id = ctx.now, ctx.user_id, found.student_id

    async def audited(tx: Tx) -> None:
        await privacy.staff_read(tx, now, user_id, student_id, "/student", "REG-9")

    await ctx.write(audited)
    held = await clubs.active_memberships(ctx.tx, found.id)
    led = await officers.clubs_led_by(ctx.tx, found.id)
    lines = [
        ctx.t(
            "console.student",
            name=clip(found.name),
            student_id=clip(found.student_id),
            college=clip(found.college),
            class_name=clip(found.class_name),
            status=found.status,
            rank=found.rank_pct,
            political=found.political,
            disciplinary=ctx.t("console.yes" if found.disciplinary else "console.no"),
            bound=ctx.t(
                "console.yes"
                if await people.account_of_student(ctx.tx, found.id) is not None
                else "console.no"
            ),
        )
    ]
    lines.append(ctx.t("console.student_clubs", clubs=ctx.join(c.name for _, c in held) or "—"))
    lines.append(ctx.t("console.student_positions", clubs=ctx.join(c.name for c in led) or "—"))
    signed = await applications.signed_by(ctx.tx, found.id, OPEN_STATES)
    if signed:
        held_apps = ctx.join(
            f"#{a.id} {clip(a.name, 40)} ({ctx.t(f'application.state.{a.state}')})" for a in signed
        )
        lines.append(ctx.t("console.student_applications", applications=held_apps))
    return Step.say("\n".join(lines))


# --- /advisor ----------------------------------------------------------------------------------


@command(router, "advisor")
async def advisor(ctx: Ctx, args: str) -> Step:
    if not args:
        return usage(ctx, "advisor")
    query = args.strip()
    found = await advisors.by_staff_id(ctx.tx, query)
    if found is None:
        bank = await advisors.all_advisors(ctx.tx)
        same = [a for a in bank if name_key(a.name) == name_key(query)]
        if len(same) > 1:
            names = "\n".join(
                "• " + aside(ctx, clip(a.name), ctx.join([a.staff_id, clip(a.department)]))
                for a in same
            )
            return Step.say(ctx.t("console.ambiguous", name=clip(query), names=names))
        if not same:
            labels = {named(ctx, a.name, a.staff_id): a for a in bank}
            keys = {name_key(label): label for label in labels}
            containing = [k for k in keys if name_key(query) in k]
            close = containing or difflib.get_close_matches(
                name_key(query), list(keys), SUGGESTIONS, 0.5
            )
            if not close:
                return Step.say(ctx.t("console.no_advisor", query=clip(query)))
            if len(close) > 1:
                names = "\n".join(f"• {clip(keys[k])}" for k in close[:SUGGESTIONS])
                return Step.say(ctx.t("console.did_you_mean", name=clip(query), names=names))
            same = [labels[keys[close[0]]]]
        found = same[0]
    terms = await advisors.current_for_advisor(ctx.tx, found.id)
    club_names = await deadlines_store.club_names(ctx.tx, [t.club_id for t in terms])
    evaluation = await advisors.latest_evaluation(ctx.tx, found.id)
    lines = [
        ctx.t(
            "console.advisor",
            name=clip(found.name),
            staff_id=clip(found.staff_id),
            department=clip(found.department),
            party=ctx.t("console.yes" if found.party_member else "console.no"),
            count=len(terms),
            limit=ctx.policy.max_clubs_per_advisor,
        )
    ]
    lines += [
        ctx.t(
            "console.advisor_club", club=club_names.get(t.club_id, "?"), end=t.term_end.isoformat()
        )
        for t in terms
    ]
    if evaluation is None:
        lines.append(ctx.t("console.no_evaluation"))
    else:
        key = "console.evaluation_pass" if evaluation.passed else "console.evaluation_fail"
        lines.append(ctx.t(key, year=evaluation.year, comment=clip(evaluation.comment or "—")))
    if await advisors.is_dismissed(ctx.tx, found.id):
        lines.append(ctx.t("console.dismissed"))
    return Step.say("\n".join(lines))


# --- /overdue ----------------------------------------------------------------------------------


@pages.view(OVERDUE, "overdue")
async def overdue_view(ctx: Ctx, arg: int) -> tuple[str, list[str]]:
    found, total = await deadlines_store.overdue(ctx.tx, ctx.today, 0, 100_000)
    header = ctx.t("console.overdue_title", count=total)
    lines = [
        ctx.t(
            "console.overdue_line",
            date=item.due_on.isoformat(),
            club=clip(item.club),
            what=item.kind,
            days=(ctx.today - item.due_on).days,
        )
        for item in found
    ]
    return header, lines or [ctx.t("deadlines.none")]


@command(router, "overdue", report=True)
async def overdue(ctx: Ctx, args: str) -> Step:
    step = await pages.first_page(ctx, OVERDUE, 0)
    assert step is not None
    return step


# --- /audit ------------------------------------------------------------------------------------


@pages.view(AUDIT, "audit")
async def audit_view(ctx: Ctx, club_id: int) -> tuple[str, list[str]] | None:
    club = await clubs.club(ctx.tx, club_id)
    if club is None:
        return None
    entries = await audit.of_club(ctx.tx, club.id)
    lines = await entry_lines(ctx, entries) or [ctx.t("console.audit_empty")]
    return ctx.t("console.audit_title", club=clip(club.name), count=len(entries)), lines


@command(router, "audit")
async def audit_club(ctx: Ctx, args: str) -> Step:
    if not args:
        return usage(ctx, "audit")
    club = await find_club(ctx, args)
    if isinstance(club, Step):
        return club
    step = await pages.first_page(ctx, AUDIT, club.id)
    assert step is not None
    return step


# --- /grant and /revoke ------------------------------------------------------------------------
#
# `/grant ROLE USER_ID` acts at once; `/grant ROLE` asks for the person (Telegram's person picker,
# or their numeric id typed); `/grant` alone asks for the role first. /revoke alike.

ROLES_FLOW = "roles"


class RoleState(StrEnum):
    ROLE = "role"
    PERSON = "person"


class RoleData(BaseModel):
    grant: bool
    role: Role | None = None


def _role(raw: str) -> Role | None:
    try:
        return Role(raw.lower())
    except ValueError:
        return None


async def _roles_command(ctx: Ctx, args: str, grant: bool) -> Step:
    name = "grant" if grant else "revoke"
    parts = args.split()
    role = _role(parts[0]) if parts else None
    if not parts:
        return _ask_role(ctx, RoleData(grant=grant))
    if role is None or len(parts) > 2:
        return usage(ctx, name)
    if len(parts) == 1:
        return _ask_person(ctx, RoleData(grant=grant, role=role))
    user_id = number(parts[1], 15)
    if user_id is None:
        return usage(ctx, name)
    return await _change(ctx, grant, role, user_id, None)


@command(router, "grant")
async def grant(ctx: Ctx, args: str) -> Step:
    return await _roles_command(ctx, args, grant=True)


@command(router, "revoke")
async def revoke(ctx: Ctx, args: str) -> Step:
    return await _roles_command(ctx, args, grant=False)


def _ask_role(ctx: Ctx, data: RoleData, note: str | None = None) -> Step:
    rows = [[ctx.choice(ctx.t(f"grant.role_button.{role.value}"), role.value)] for role in Role]
    key = "grant.ask_role_grant" if data.grant else "grant.ask_role_revoke"
    return Step.ask(ROLES_FLOW, RoleState.ROLE, data, ctx.t(key), rows, note)


def _ask_person(ctx: Ctx, data: RoleData, note: str | None = None) -> Step:
    assert data.role is not None
    label = ctx.t("grant.button_pick")
    key = "grant.ask_person_grant" if data.grant else "grant.ask_person_revoke"
    text = ctx.t(key, role=ctx.t(f"console.role.{data.role.value}"), button=label)
    body = f"{note}\n\n{text}" if note else text
    # A picker goes in a message of its own: Telegram shows it under the input field.
    reply = Reply(body, picker=PersonPicker(label))
    return Step([reply], flow=ROLES_FLOW, state=RoleState.PERSON.value, data=data)


async def on_role(ctx: Ctx, data: RoleData, given: Input) -> Step:
    refused = await guard(ctx, "grant" if data.grant else "revoke", "roles flow")
    if refused is not None:
        return refused
    role = _role(given.choice or "")
    if role is None:
        return _ask_role(ctx, data, ctx.t("grant.use_buttons"))
    step = _ask_person(ctx, data.model_copy(update={"role": role}))
    # The question keeps the answer, without its buttons; the picker comes in a new message.
    chosen = ctx.t("grant.role_chosen", role=ctx.t(f"console.role.{role.value}"))
    step.replies.insert(0, Reply(chosen, edit=True))
    return step


async def on_person(ctx: Ctx, data: RoleData, given: Input) -> Step:
    assert data.role is not None
    refused = await guard(ctx, "grant" if data.grant else "revoke", "roles flow")
    if refused is not None:
        return replace(refused, replies=[_closing(r) for r in refused.replies])
    if given.person is not None:
        return await _change(ctx, data.grant, data.role, given.person.user_id, given.person)
    user_id = number((given.text or "").strip(), 15)
    if user_id is None:
        return _ask_person(ctx, data, ctx.t("grant.send_person"))
    return await _change(ctx, data.grant, data.role, user_id, None)


def _telegram_name(ctx: Ctx, person: SharedPerson | None) -> str | None:
    """A person bound to no record, as Telegram shared them: "First Last (@username)" (a
    Chinese name family name first), or either part alone; None when Telegram gave neither."""
    if person is None:
        return None
    handle = f"@{person.username}" if person.username else ""
    if person.name and handle:
        return aside(ctx, person.name, handle)
    return person.name or handle or None


async def _change(
    ctx: Ctx, grant: bool, role: Role, user_id: int, shared: SharedPerson | None
) -> Step:
    """Grant or revoke, and say so naming the person (in a message that also takes the person
    picker away, when one was shown): by their record's name when they are bound to one,
    else by the name Telegram shared."""
    record = (await people.account_names(ctx.tx, [user_id])).get(user_id)
    name = named(ctx, *record) if record else _telegram_name(ctx, shared)
    who = name or ctx.t("console.actor_account", id=user_id)
    role_name = ctx.t(f"console.role.{role.value}")
    if grant:
        changed = await roles.grant(ctx.tx, ctx.now, ctx.user_id, user_id, role)
        key = "grant.granted" if changed else "grant.already"
    elif user_id == ctx.user_id and role is Role.STAFF:
        key = "grant.not_self"
    else:
        changed = await roles.revoke(ctx.tx, ctx.now, ctx.user_id, user_id, role)
        key = "grant.revoked" if changed else "grant.not_held"
    text = ctx.t(key, role=role_name, user=who)
    if name:
        text += "\n" + ctx.t("grant.telegram_id", id=user_id)
    return Step(replies=[_closing(Reply(text))])


def _closing(reply: Reply) -> Reply:
    """The reply, taking away a person picker that may still be shown."""
    if reply.buttons or reply.edit or reply.attachment is not None:
        return reply
    return replace(reply, close_picker=True)


router.flow(
    Flow(
        name=ROLES_FLOW,
        data_type=RoleData,
        states={RoleState.ROLE.value: on_role, RoleState.PERSON.value: on_person},
        starts=frozenset({RoleState.ROLE, RoleState.PERSON}),
        transitions={
            RoleState.ROLE: frozenset({RoleState.ROLE, RoleState.PERSON, END}),
            RoleState.PERSON: frozenset({RoleState.PERSON, END}),
        },
    )
)
