"""/start (binding), /help and /language."""

from __future__ import annotations

from bot.chat import callbacks
from bot.chat.callbacks import Callback
from bot.chat.i18n import tr
from bot.chat.replies import Button, Reply
from bot.core import permissions
from bot.core.context import Ctx
from bot.core.router import Audience, Router, Step
from bot.domain.checkin import LINK_PREFIX as CHECKIN_PREFIX
from bot.domain.values import Language
from bot.flows.privacy import before_binding
from bot.flows.todo import listing
from bot.services import identity, todo
from bot.services.applications import SIGN_PREFIX
from bot.services.identity import BindOutcome

router = Router()

LANGUAGE_NAMES = {Language.EN: "English", Language.ZH: "中文"}
# What someone may be without a record of their own to bind.
GRANTED_ROLES = (Audience.STAFF, Audience.REVIEWER, Audience.UNIT_REP)


@router.command("start")
async def start(ctx: Ctx, args: str) -> Step:
    if not args:
        if ctx.student is not None:
            return Step.say(ctx.t("start.welcome_bound", name=ctx.student.name))
        advisor = await ctx.advisor()
        if advisor is not None:
            return Step.say(ctx.t("start.welcome_bound", name=advisor.name))
        # Staff, reviewers and unit representatives have no record to bind: say what they are.
        held = [a for a in GRANTED_ROLES if a in await permissions.capacities(ctx)]
        if held:
            roles = ctx.t("start.separator").join(ctx.t(f"start.role.{a.value}") for a in held)
            return Step.say(ctx.t("start.welcome_role", roles=roles))
        return Step.say(ctx.t("start.welcome_unbound"))
    if args.startswith(SIGN_PREFIX):
        # A co-sponsor's signing link (REG-1), never a binding code: no code has an underscore.
        from bot.flows.establish import sign_screen

        return await sign_screen(ctx, args.removeprefix(SIGN_PREFIX))
    if args.startswith(CHECKIN_PREFIX):
        # A check-in QR code's deep link (ACT-10), never a binding code: no code has one.
        from bot.flows.checkin import by_link

        return await by_link(ctx, args)
    # PRIV-1: the processing notice comes first; the code is used once the user agrees.
    asked = await before_binding(ctx, args)
    if asked is not None:
        return asked
    result = await identity.bind(ctx.tx, ctx.policy, ctx.now, ctx.user_id, ctx.student, args)
    match result.outcome:
        case BindOutcome.BOUND if result.advisor is not None:
            done = ctx.t(
                "bind.done_advisor", name=result.advisor.name, staff_id=result.advisor.staff_id
            )
            # Requests made before the account was bound never reached the advisor: what
            # waits for them comes now, each with its buttons.
            waiting = await todo.waiting(ctx.tx, ctx.user_id, None, result.advisor.id, ctx.lang)
            if not waiting:
                return Step.say(done)
            return Step(replies=[Reply(done), *listing(ctx, waiting)])
        case BindOutcome.BOUND:
            bound = result.student
            assert bound is not None
            if not bound.has_formal_status:
                # Not told to /join what they may not join.
                return Step.say(
                    ctx.t(
                        "bind.done_not_enrolled",
                        name=bound.name,
                        student_id=bound.student_id,
                        status=ctx.t(f"studentstatus.{bound.status.value}"),
                    )
                )
            return Step.say(ctx.t("bind.done", name=bound.name, student_id=bound.student_id))
        case BindOutcome.ALREADY_BOUND:
            holder = result.student or result.advisor
            assert holder is not None
            return Step.say(ctx.t("bind.already", name=holder.name))
        case BindOutcome.TOO_MANY_ATTEMPTS:
            return Step.say(ctx.t("bind.too_many", minutes=ctx.policy.bind_failure_window_minutes))
        case BindOutcome.WRONG_CODE:
            return Step.say(ctx.t("bind.wrong_code"))


@router.command("help", fast=True)
async def help_(ctx: Ctx, args: str) -> Step:
    shown = await permissions.capacities(ctx)
    lines = [ctx.t("help.title")]
    lines += [
        f"/{command.name} — {ctx.t(f'command.{command.name}')}"
        for command in ctx.router.commands.values()
        if command.audiences & shown
    ]
    lines.append(f"/cancel — {ctx.t('command.cancel')}")
    # Staff, reviewers, advisors and unit representatives have no student record to bind.
    if ctx.student is None and shown == {Audience.EVERYONE}:
        lines.append("")
        lines.append(ctx.t("help.bind_hint"))
    return Step.say("\n".join(lines))


@router.command("language")
async def language(ctx: Ctx, args: str) -> Step:
    buttons = tuple(
        Button(name, callbacks.encode("lang", lang.value)) for lang, name in LANGUAGE_NAMES.items()
    )
    return Step.say(ctx.t("language.choose"), (buttons,))


@router.callback("lang")
async def language_chosen(ctx: Ctx, cb: Callback) -> Step:
    try:
        chosen = Language(cb.args[0]) if len(cb.args) == 1 else None
    except ValueError:
        chosen = None
    if chosen is None:
        raise callbacks.BadCallback("unknown language")
    await identity.choose_language(ctx.tx, ctx.user_id, chosen)
    return Step.say(tr(chosen, "language.set"), edit=True)
