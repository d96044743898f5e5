"""Deciding applications (advisor, guidance unit, review committee), and the staff side.

Buttons `v1:ap:<action>:<id>`: `aa`/`ad` the advisor accepts or declines (REG-3), `ua`/`ur` the
unit accepts or returns (REG-2), `ca`/`cr`/`cx` the committee approves, returns or rejects
(REG-8), `fc`/`fx` the advisor confirms or rejects the founding meeting (ORG-3), `sw`/`sr` the
sponsor withdraws or resumes (a withdrawal asks first: `sx` yes, `sk` no), `ch` sends the
charter to whoever may read it (`charter_to_read`, bot/services/applications/founding.py).
Every press is checked against the permission matrix (`bot.core.permissions`, rows
`app_advisor`, `app_unit`, `app_committee`), then the service checks that it is this
application's advisor or unit. A return or a rejection asks for a comment first (the COMMENT
flow, applications.mmd), which checks the matrix again when the comment comes.

Staff: /applications, /application <id>, /units, /advisorbank and /screening (the lists staff
keep: guidance units, the advisor bank, the REG-6 name screening list); all through the matrix,
and every change to a list is audited. Advisors join the bank by /hire (bot/flows/advisors.py).
"""

from __future__ import annotations

from enum import StrEnum
from html import escape

from pydantic import BaseModel

from bot.chat import callbacks
from bot.chat.callbacks import Callback
from bot.chat.replies import Attachment, Button, Reply
from bot.chat.text import number, unsafe_character
from bot.core import permissions
from bot.core.context import Ctx
from bot.core.permissions import command
from bot.core.router import END, Flow, Input, Router, Step
from bot.domain.values import (
    NotAllowed,
    NotEligibleSponsor,
    Role,
    UnitKind,
    UnknownApplication,
)
from bot.flows.common import actor_name, actor_names, clip, known, with_review
from bot.services import advisors as advisor_service
from bot.services import applications as service
from bot.services import roster, todo
from bot.services import screening as screening_service
from bot.services import units as unit_service
from bot.services.applications import Action
from bot.services.applications.notices import decision_buttons
from storage import applications as applications_store
from storage import units as units_store

router = Router()
COMMENT_FLOW = "app_comment"
# A comment is one message: at most this many characters.
COMMENT_MAX = 1000
HISTORY_SHOWN = 20
SIGNATURE_EVENTS = (service.SIGNED, service.UNSIGNED)
SIGNERS_SHOWN = 30

DECISIONS = {
    "ua": Action.UNIT_ACCEPT,
    "ur": Action.UNIT_RETURN,
    "ca": Action.APPROVE,
    "cr": Action.RETURN,
    "cx": Action.REJECT,
}


# Button action -> its row of the permission matrix (the sponsor's own `sw`/`sr` need none).
MATRIX_ROWS = {
    "aa": "app_advisor",
    "ad": "app_advisor",
    "fc": "app_advisor",
    "fx": "app_advisor",
    "ua": "app_unit",
    "ur": "app_unit",
    "ca": "app_committee",
    "cr": "app_committee",
    "cx": "app_committee",
}
ROW_OF_DECISION = {decision: MATRIX_ROWS[code] for code, decision in DECISIONS.items()}


def _matrix_row(cb: Callback) -> str | None:
    return MATRIX_ROWS.get(cb.args[0]) if cb.args else None


@permissions.button(router, service.APPLICATION_KIND, _matrix_row)
async def application_button(ctx: Ctx, cb: Callback) -> Step:
    if len(cb.args) != 2:
        raise callbacks.BadCallback("expected an action and an application")
    action, app_id = cb.args[0], cb.int_arg(1)
    # A DomainError goes on to the engine, which rolls back whatever the action wrote before
    # the rule refused, and answers with the reason.
    return await _act(ctx, action, app_id)


async def _act(ctx: Ctx, action: str, app_id: int) -> Step:
    match action:
        case "aa" | "ad":
            app = await service.advisor_decides(
                ctx.tx, ctx.policy, ctx.now, ctx.user_id, app_id, action == "aa"
            )
            key = (
                "application.advisor_accepted"
                if action == "aa"
                else "application.advisor_declined"
            )
            return Step.say(ctx.t(key, name=app.name), edit=True)
        case "fc" | "fx":
            done = await service.confirm_outcome(
                ctx.tx, ctx.policy, ctx.cal, ctx.now, ctx.user_id, app_id, action == "fc"
            )
            if done.club is None:
                return Step.say(
                    ctx.t("application.founding_rejected", name=done.app.name), edit=True
                )
            # Who the two-club cap kept out is said only when someone was.
            key = "founding_confirmed" if done.left_out else "founding_confirmed_all"
            return Step.say(
                ctx.t(
                    f"application.{key}",
                    name=done.app.name,
                    members=done.members,
                    left_out=done.left_out,
                ),
                edit=True,
            )
        case "sw":
            return await ask_withdraw(ctx, app_id)
        case "sx":
            app = await service.withdraw(ctx.tx, ctx.now, ctx.user_id, ctx.student, app_id)
            key = "establish.discarded" if _was_draft(app) else "establish.withdrawn"
            return Step.say(ctx.t(key, name=app.name), edit=True)
        case "sk":
            own = await _own(ctx, app_id)
            return Step.say(ctx.t("todo.withdraw_kept", name=own.name), edit=True)
        case "sr":
            try:
                app = await service.resume(ctx.tx, ctx.now, ctx.user_id, ctx.student, app_id)
            except NotEligibleSponsor as err:
                refused = Step.say(ctx.t(err.key, **err.params), edit=True)
                return with_review(ctx, refused, err)
            return Step.say(ctx.t("establish.resumed", name=app.name), edit=True)
        case "ch":
            return await _charter(ctx, app_id)
    decision = DECISIONS.get(action)
    if decision is None:
        raise callbacks.BadCallback(f"unknown action {action!r}")
    found = await applications_store.get(ctx.tx, app_id)
    if found is None:
        raise UnknownApplication(id=app_id)
    if not await service.may_decide(ctx.tx, ctx.user_id, found, decision):
        raise NotAllowed()
    if decision in service.NEEDS_COMMENT:
        data = CommentData(app_id=app_id, action=decision)
        return _ask_comment(ctx, data, found.name)
    return _decided(
        ctx,
        await service.decide(ctx.tx, ctx.policy, ctx.now, ctx.user_id, app_id, decision),
        decision,
    )


async def _own(ctx: Ctx, app_id: int) -> applications_store.Application:
    """The sponsor's own application; UnknownApplication for anyone else's."""
    found = await applications_store.get(ctx.tx, app_id)
    if found is None or ctx.student is None or found.sponsor_pk != ctx.student.id:
        raise UnknownApplication(id=app_id)
    return found


def _was_draft(app: applications_store.Application) -> bool:
    """Whether the application withdrawn was a draft (never submitted: nobody signed it)."""
    return app.submitted_at is None


def _ap(action: str, app_id: int) -> str:
    return callbacks.encode(service.APPLICATION_KIND, action, app_id)


async def ask_withdraw(ctx: Ctx, app_id: int) -> Step:
    """The sponsor is asked to confirm before an application (or a draft) is withdrawn: the
    co-sponsors' signatures lapse with it."""
    found = await _own(ctx, app_id)
    draft = found.state == service.AppState.DRAFT
    key = "todo.discard_ask" if draft else "todo.withdraw_ask"
    buttons = (
        (
            Button(
                ctx.t("todo.withdraw_yes"),
                callbacks.encode(service.APPLICATION_KIND, "sx", app_id),
            ),
            Button(
                ctx.t("todo.withdraw_no"), callbacks.encode(service.APPLICATION_KIND, "sk", app_id)
            ),
        ),
    )
    return Step.say(ctx.t(key, name=found.name or "—"), buttons, edit=True)


def _decided(ctx: Ctx, done: service.Decided, decision: Action) -> Step:
    if done.paused:
        return Step.say(ctx.t("application.paused", name=done.app.name), edit=True)
    return Step.say(ctx.t(f"application.decided.{decision.value}", name=done.app.name), edit=True)


class CommentState(StrEnum):
    COMMENT = "comment"


class CommentData(BaseModel):
    app_id: int
    action: Action


def _ask_comment(ctx: Ctx, data: CommentData, name: str, note: str | None = None) -> Step:
    rows = [[ctx.choice(ctx.t("button.no"), "no")]]
    text = ctx.t(f"application.ask_comment.{data.action.value}", name=name)
    return Step.ask(COMMENT_FLOW, CommentState.COMMENT, data, text, rows, note)


async def on_comment(ctx: Ctx, data: CommentData, given: Input) -> Step:
    denied = await permissions.guard(ctx, ROW_OF_DECISION[data.action], f"flow:{COMMENT_FLOW}")
    if denied is not None:
        return denied
    if given.choice == "no":
        return Step.say(ctx.t("application.not_decided"), edit=True)
    comment = " ".join((given.text or "").split())
    app = await applications_store.get(ctx.tx, data.app_id)
    if app is None:
        return Step.say(ctx.t("flow.expired"))
    if not comment or len(comment) > COMMENT_MAX or unsafe_character(comment):
        note = ctx.t("application.comment_needed", max=COMMENT_MAX)
        return _ask_comment(ctx, data, app.name, note)
    done = await service.decide(
        ctx.tx, ctx.policy, ctx.now, ctx.user_id, data.app_id, data.action, comment
    )
    return _decided(ctx, done, data.action)


router.flow(
    Flow(
        name=COMMENT_FLOW,
        data_type=CommentData,
        states={CommentState.COMMENT.value: on_comment},
        starts=frozenset({CommentState.COMMENT}),
        transitions={CommentState.COMMENT: frozenset({CommentState.COMMENT, END})},
    )
)


# --- staff ------------------------------------------------------------------------------------


def _age(ctx: Ctx, app: applications_store.Application) -> int:
    return (ctx.now - (app.submitted_at or app.created_at)).days


@command(router, "applications")
async def applications(ctx: Ctx, args: str) -> Step:
    found = await applications_store.open_applications(
        ctx.tx, tuple(s.value for s in service.OPEN)
    )
    if not found:
        return Step.say(ctx.t("application.list_none"))
    lines = [ctx.t("application.list_title", count=len(found))]
    for app in found[:50]:
        lines.append(  # noqa: PERF401 (each line awaits its own count)
            ctx.t(
                "application.list_line",
                id=app.id,
                name=clip(app.name, 40),
                state=ctx.t(f"application.state.{app.state}"),
                days=_age(ctx, app),
                count=await applications_store.count(ctx.tx, app.id),
                needed=ctx.policy.min_sponsors,
            )
        )
    lines.append(ctx.t("application.list_hint"))
    return Step.say("\n".join(lines))


@command(router, "application")
async def application(ctx: Ctx, args: str) -> Step:
    raw = args.strip().lstrip("#")
    app_id = number(raw, 9)
    app = await applications_store.get(ctx.tx, app_id) if app_id is not None else None
    if app is None or not (
        await _staff_or_reviewer(ctx)
        or await todo.concerns(ctx.tx, ctx.user_id, ctx.advisor_pk, app)
    ):
        # An advisor or a unit's representative sees their own applications only; others'
        # are answered as unknown, so that their existence is not told either.
        return Step.say(ctx.t("application.unknown_id", id=clip(args or "—", 20)))
    params = await service.summary(ctx.tx, app, ctx.lang)
    lines = [
        ctx.t("application.summary", **params),
        ctx.t("application.detail_state", state=ctx.t(f"application.state.{app.state}")),
        ctx.t(
            "application.detail_advisor",
            advisor=await service.advisor_name(ctx.tx, app.advisor_pk),
            accepted=ctx.t("application.yes" if app.advisor_accepted else "application.no"),
        ),
    ]
    charter = await applications_store.charter(ctx.tx, app.id)
    if charter is not None:
        lines.append(
            ctx.t(
                "establish.charter_file",
                file=charter.file_name,
                size=charter.size,
                sha=charter.sha256,
            )
        )
    elif app.charter_text:
        lines.append(ctx.t("application.detail_charter_text", text=clip(app.charter_text, 300)))
    signers = await applications_store.signers(ctx.tx, app.id)
    lines.append(ctx.t("sign.count", count=len(signers), needed=ctx.policy.min_sponsors))
    lines += [
        ctx.t(
            "application.signer_line",
            name=clip(s.student.name, 32),
            student_id=s.student.student_id,
        )
        for s in signers[:SIGNERS_SHOWN]
    ]
    lines.append(ctx.t("application.history_title"))
    # Signatures are listed above; the history shows what else happened.
    changes = [
        e
        for e in await applications_store.events(ctx.tx, app.id)
        if e.what not in SIGNATURE_EVENTS
    ]
    shown = changes[-HISTORY_SHOWN:]
    names = await actor_names(ctx, [e.actor for e in shown if e.actor is not None])
    for event in shown:
        what = known(ctx, f"audit.action.application.{event.what}", event.what)
        comment = clip(event.comment, 200) if event.comment else ""
        if event.what == service.CLEARED and comment.isdigit():
            # Its comment is how many signatures went: part of the words.
            what = ctx.t(f"audit.action.application.{service.CLEARED}", n=int(comment))
            comment = ""
        if comment:
            comment = ctx.t("application.history_comment", comment=comment)
        lines.append(
            ctx.t(
                "application.history_line",
                at=event.at.astimezone(ctx.cal.zone).strftime("%Y-%m-%d %H:%M"),
                who=actor_name(ctx, event.actor, names),
                what=what,
                to=ctx.t(f"application.state.{event.to_state}"),
                comment=comment,
            )
        )
    # The decision buttons, to whoever may decide it now (and only them).
    choices = await todo.choices_on(ctx.tx, ctx.user_id, ctx.advisor_pk, app)
    return Step.say("\n".join(lines), decision_buttons(ctx.lang, app.id, choices))


async def _charter(ctx: Ctx, app_id: int) -> Step:
    """The charter the application stored, as a new message (the request stays as it is)."""
    found = await service.charter_to_read(ctx.tx, ctx.user_id, ctx.advisor_pk, ctx.student, app_id)
    if found.document is not None:
        charter, content = found.document
        caption = ctx.t(
            "establish.charter_file", file=charter.file_name, size=charter.size, sha=charter.sha256
        )
        attachment = Attachment(charter.file_name, content, charter.mime_type)
        return Step(replies=[Reply(caption, attachment=attachment)])
    if found.text:
        return Step.say(ctx.t("elections_more.charter_text", name=found.app.name, text=found.text))
    return Step.say(ctx.t("elections_more.no_charter"))


async def _staff_or_reviewer(ctx: Ctx) -> bool:
    return bool(await ctx.roles() & {Role.STAFF, Role.REVIEWER})


@command(router, "units")
async def units_command(ctx: Ctx, args: str) -> Step:
    """`/units`, `/units add <kind> <name>`, `/units retire <name>`."""
    verb, _, rest = args.strip().partition(" ")
    rest = rest.strip()
    if verb == "add":
        kind_raw, _, name = rest.partition(" ")
        name = " ".join(name.split())
        try:
            kind = UnitKind(kind_raw)
        except ValueError:
            return Step.say(ctx.t("application.units_usage"))
        if not name or len(name) > roster.MAX_TEXT or unsafe_character(name):
            return Step.say(ctx.t("application.units_usage"))
        changed = await unit_service.add_unit(ctx.tx, ctx.now, ctx.user_id, name, kind.value)
        return Step.say(
            ctx.t("application.unit_added" if changed else "application.nothing_to_do")
        )
    if verb == "retire" and rest:
        changed = await unit_service.retire_unit(ctx.tx, ctx.now, ctx.user_id, rest)
        return Step.say(
            ctx.t("application.unit_retired" if changed else "application.nothing_to_do")
        )
    if verb:
        return Step.say(ctx.t("application.units_usage"))
    found = await units_store.current_units(ctx.tx)
    lines = [ctx.t("application.units_title", count=len(found))]
    lines += [
        ctx.t(
            "application.unit_line",
            name=clip(u.name),
            kind=ctx.t(f"unitkind.{u.kind}") if u.kind else "—",
        )
        for u in found
    ]
    lines.append(ctx.t("application.units_usage"))
    return Step.say("\n".join(lines))


@command(router, "advisorbank")
async def advisor_bank(ctx: Ctx, args: str) -> Step:
    """`/advisorbank` lists the bank, `/advisorbank retire STAFF_ID`; /hire adds to it."""
    verb, _, rest = args.strip().partition(" ")
    rest = rest.strip()
    if verb == "retire" and rest:
        changed = await advisor_service.retire(ctx.tx, ctx.now, ctx.user_id, rest)
        return Step.say(
            ctx.t("application.advisor_retired" if changed else "application.nothing_to_do")
        )
    if verb:
        return Step.say(ctx.t("application.advisors_usage"))
    found = await applications_store.current_advisors(ctx.tx)
    lines = [ctx.t("application.advisors_title", count=len(found))]
    lines += [
        f"• {escape(clip(a.name, 32))} ({escape(a.staff_id)}, {escape(clip(a.department, 32))}"
        f"{', ' + ctx.t('political.party') if a.party_member else ''})"
        for a in found[:50]
    ]
    lines.append(ctx.t("application.advisors_usage"))
    return Step.say("\n".join(lines))


@command(router, "screening")
async def screening(ctx: Ctx, args: str) -> Step:
    """`/screening`, `/screening add <term> | <reason>`, `/screening retire <term>` (REG-6)."""
    verb, _, rest = args.strip().partition(" ")
    rest = rest.strip()
    if verb == "add":
        term, _, reason = (part.strip() for part in rest.partition("|"))
        try:
            changed = await screening_service.screen(ctx.tx, ctx.now, term, reason, ctx.user_id)
        except ValueError:
            return Step.say(ctx.t("application.screening_usage"))
        return Step.say(ctx.t("application.screened" if changed else "application.nothing_to_do"))
    if verb == "retire" and rest:
        changed = await screening_service.unscreen(ctx.tx, ctx.now, ctx.user_id, rest)
        return Step.say(
            ctx.t("application.unscreened" if changed else "application.nothing_to_do")
        )
    if verb:
        return Step.say(ctx.t("application.screening_usage"))
    found = await applications_store.screened(ctx.tx)
    lines = [ctx.t("application.screening_title", count=len(found))]
    lines += [f"• {escape(clip(s.term))}: {escape(clip(s.reason, 80))}" for s in found]
    lines.append(ctx.t("application.screening_usage"))
    return Step.say("\n".join(lines))
