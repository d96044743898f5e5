"""/suspend, /reinstate, /ban, /dissolve <club>: staff change a club's state, with a reason.

Flow: the command names the club -> REASON (typed text) -> done (lifecycle.mmd). The reason step
checks the permission matrix again: a role revoked mid-flow stops it.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from bot.chat.i18n import tr
from bot.core import permissions
from bot.core.context import Ctx
from bot.core.router import END, Flow, Input, Router, Step
from bot.domain.values import DomainError, LifecycleAction
from bot.flows.common import clip
from bot.flows.console import find_club, usage
from bot.services import lifecycle

router = Router()
FLOW = "lifecycle"
REASON_MAX = 500


class LifecycleState(StrEnum):
    REASON = "reason"


class LifecycleData(BaseModel):
    action: LifecycleAction
    club_id: int


def _register(action: LifecycleAction) -> None:
    async def start(ctx: Ctx, args: str) -> Step:
        if not args:
            return usage(ctx, action.value)
        club = await find_club(ctx, args)
        if isinstance(club, Step):
            return club
        applies_to, _ = lifecycle.TRANSITIONS[action]
        if club.status not in applies_to:
            return Step.say(
                tr(
                    ctx.lang,
                    "error.console.lifecycle_state",
                    club=club.name,
                    state=club.status,
                    action=action,
                )
            )
        data = LifecycleData(action=action, club_id=club.id)
        text = ctx.t("lifecycle.ask_reason", club=club.name, action=action)
        return Step.ask(FLOW, LifecycleState.REASON, data, text, [])

    permissions.command(router, action.value)(start)


for _action in LifecycleAction:
    _register(_action)


async def on_reason(ctx: Ctx, data: LifecycleData, given: Input) -> Step:
    denied = await permissions.guard(ctx, data.action.value, f"flow:{FLOW}")
    if denied is not None:
        return denied
    reason = " ".join((given.text or "").split())
    if not reason:
        text = ctx.t("lifecycle.ask_reason_again")
        return Step.ask(FLOW, LifecycleState.REASON, data, text, [])
    try:
        done = await lifecycle.change(
            ctx.tx,
            ctx.policy,
            ctx.cal,
            ctx.now,
            ctx.user_id,
            data.club_id,
            data.action,
            reason[:REASON_MAX],
        )
    except DomainError as err:
        return Step.say(tr(ctx.lang, err.key, **err.params))
    return Step.say(
        ctx.t(
            "lifecycle.done",
            club=clip(done.club.name),
            action=data.action,
            state=done.after,
            ended=done.members_ended,
            told=done.told,
        )
    )


router.flow(
    Flow(
        name=FLOW,
        data_type=LifecycleData,
        states={LifecycleState.REASON.value: on_reason},
        starts=frozenset({LifecycleState.REASON}),
        transitions={LifecycleState.REASON: frozenset({LifecycleState.REASON, END})},
    )
)
