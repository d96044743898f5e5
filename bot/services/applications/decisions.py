"""Decisions on a submitted application: its advisor (REG-3), its guidance unit's
representative (REG-2), the review committee (REG-8); and the moves nobody decides: on to the
unit once everything is there, paused while the sponsor cannot sponsor (REG-1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.policy import Policy
from bot.domain.values import (
    ApplicationChanged,
    DomainError,
    NotAllowed,
    Role,
    Student,
    UnknownApplication,
)
from bot.services.applications import notices
from bot.services.applications.answers import within_limit
from bot.services.applications.founding import choose_founders
from bot.services.applications.machine import NEEDS_COMMENT, Action, AppState, target
from bot.services.applications.moves import (
    eligible,
    locked,
    move,
    require_eligible,
    reread,
    unit_reps,
)
from storage import advisors, people
from storage import applications as applications_store
from storage.applications import Application
from storage.tx import Tx


async def advance(tx: Tx, policy: Policy, now: datetime, app: Application) -> Application:
    """Move a submitted application to its unit once it has N signatures and its advisor."""
    if app.state != AppState.SIGNING or not app.advisor_accepted:
        return app
    if await applications_store.count(tx, app.id) < policy.min_sponsors:
        return app
    if await pause_if_sponsor_lost(tx, now, app):
        return await reread(tx, app)
    app = await move(tx, app, Action.READY, None, now)
    await notices.ask_unit(tx, now, app)
    await notices.tell_sponsor(tx, now, app, "application.to_unit_notice")
    return app


async def pause_if_sponsor_lost(tx: Tx, now: datetime, app: Application) -> bool:
    """REG-1: an application whose lead sponsor lost formal status pauses; staff are told."""
    sponsor = await people.student_by_pk(tx, app.sponsor_pk)
    if eligible(sponsor) or target(app.state, Action.PAUSE) is None:
        return False
    paused = await move(tx, app, Action.PAUSE, None, now)
    await notices.tell_staff(tx, now, paused, "application.staff_paused")
    await notices.tell_sponsor(tx, now, paused, "application.paused_notice", review=True)
    return True


async def resume(
    tx: Tx, now: datetime, user_id: int, student: Student | None, app_id: int
) -> Application:
    """A paused application whose sponsor is eligible again goes back to the sponsor."""
    app = await locked(tx, app_id)
    if student is None or app.sponsor_pk != student.id:
        raise UnknownApplication(id=app_id)
    require_eligible(student, app.id)
    return await move(tx, app, Action.RESUME, user_id, now)


async def advisor_decides(
    tx: Tx, policy: Policy, now: datetime, user_id: int, app_id: int, accept: bool
) -> Application:
    """REG-3: the chosen advisor accepts (ADV-4 checked again) or declines."""
    app = await locked(tx, app_id)
    mine = await people.advisor_of_account(tx, user_id)
    if mine is None or mine.id != app.advisor_pk:
        raise NotAllowed()
    if app.state != AppState.SIGNING or app.advisor_accepted:
        raise ApplicationChanged(id=app.id)
    if not accept:
        app = await move(
            tx, app, Action.ADVISOR_DECLINE, user_id, now, advisor_pk=None, advisor_accepted=False
        )
        await notices.tell_sponsor(
            tx, now, app, "application.advisor_declined_notice", advisor=mine.name
        )
        return app
    await advisors.lock_advisors(tx, [mine.id])
    await within_limit(tx, policy, app, mine)
    app = await move(tx, app, Action.ADVISOR_ACCEPT, user_id, now, advisor_accepted=True)
    await notices.tell_sponsor(
        tx, now, app, "application.advisor_accepted_notice", advisor=mine.name
    )
    return await advance(tx, policy, now, app)


@dataclass(frozen=True, slots=True)
class Decided:
    app: Application
    paused: bool = False


async def may_decide(tx: Tx, user_id: int, app: Application, action: Action) -> bool:
    """The unit's representatives decide at REG-2, reviewers (REG-8) at the committee."""
    if action in (Action.UNIT_ACCEPT, Action.UNIT_RETURN):
        return user_id in await unit_reps(tx, app)
    return Role.REVIEWER in await people.roles_of(tx, user_id)


async def decide(
    tx: Tx,
    policy: Policy,
    now: datetime,
    user_id: int,
    app_id: int,
    action: Action,
    comment: str | None = None,
) -> Decided:
    """A unit's or the committee's decision; of two at once, one counts (conditional update)."""
    app = await locked(tx, app_id)
    if not await may_decide(tx, user_id, app, action):
        raise NotAllowed()
    if action in NEEDS_COMMENT and not (comment or "").strip():
        raise CommentNeeded()
    if target(app.state, action) is None:
        raise ApplicationChanged(id=app.id)
    if await pause_if_sponsor_lost(tx, now, app):
        return Decided(await reread(tx, app), paused=True)
    app = await move(tx, app, action, user_id, now, comment=comment)
    match action:
        case Action.UNIT_ACCEPT:
            await notices.ask_committee(tx, now, app)
            await notices.tell_sponsor(tx, now, app, "application.to_committee_notice")
        case Action.UNIT_RETURN | Action.RETURN:
            await notices.tell_sponsor(
                tx, now, app, "application.returned_notice", comment=comment
            )
        case Action.REJECT:
            await notices.tell_sponsor(
                tx, now, app, "application.rejected_notice", comment=comment
            )
        case Action.APPROVE:
            await choose_founders(tx, policy, now, app)
            await notices.tell_sponsor(tx, now, app, "application.approved_notice")
    return Decided(app)


class CommentNeeded(DomainError):
    key = "error.application.comment_needed"
