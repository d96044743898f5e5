"""/join, /leave and /myclubs (ORG-1, ORG-2, REG-7).

Join flow:  CATEGORY -> CLUB -> CONFIRM -> done.
Leave flow: PICK -> CONFIRM -> done.
Every move of both is drawn in joining.mmd, next to this module.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from bot.chat import callbacks
from bot.chat.callbacks import Callback
from bot.chat.i18n import tr
from bot.chat.text import prefixed_number
from bot.core.context import Ctx
from bot.core.router import END, Audience, Flow, Input, Router, Step
from bot.domain.values import Category, Club, ClubStatus, DomainError, UnknownClub, name_key
from bot.flows.browsing import similar_active
from bot.flows.common import (
    PAGE_SIZE,
    aside,
    category_by_index,
    category_index,
    category_label,
    clip,
    pager,
)
from bot.services import memberships
from storage import clubs

router = Router()


# --- /join ------------------------------------------------------------------------------------


class JoinState(StrEnum):
    CATEGORY = "category"
    CLUB = "club"
    CONFIRM = "confirm"


class JoinData(BaseModel):
    category: Category | None = None
    page: int = 0
    club_id: int | None = None


@router.command("join", Audience.STUDENT, fast=True)
async def join(ctx: Ctx, args: str) -> Step:
    if args:
        club = await clubs.club_by_key(ctx.tx, name_key(args))
        if club is not None:
            return await _do_join(ctx, club)
        close = await similar_active(ctx, args)
        if not close:
            raise UnknownClub(name=clip(args))
        rows = [[ctx.choice(c.name, f"k{c.id}")] for c in close]
        text = ctx.t("join.did_you_mean", name=clip(args))
        return Step.ask("join", JoinState.CATEGORY, JoinData(), text, rows)
    student = memberships.require_member_eligible(ctx.student)
    current = await memberships.my_clubs(ctx.tx, student)
    if len(current) >= ctx.policy.max_clubs_per_student:
        raise memberships.limit_error(ctx.policy, current)
    return await _ask_category(ctx, JoinData())


@router.callback("jn")
async def join_button(ctx: Ctx, cb: Callback) -> Step:
    """The Join button of a club's profile (`/club NAME`): the same question as /join asks."""
    club = await clubs.club(ctx.tx, cb.int_arg(0))
    if club is None:
        raise callbacks.BadCallback("no such club")
    memberships.require_member_eligible(ctx.student)
    return await _ask_confirm(ctx, JoinData(), club)


async def _do_join(ctx: Ctx, club: Club | int) -> Step:
    club = await memberships.join(ctx.tx, ctx.policy, ctx.now, ctx.student, club)
    return Step.say(ctx.t("join.done", club=club.name), edit=True)


async def _ask_category(ctx: Ctx, data: JoinData, note: str | None = None) -> Step:
    counts = await clubs.active_counts(ctx.tx)
    if not counts:
        return Step.say(ctx.t("clubs.none"), edit=True)
    rows = [
        [ctx.choice(aside(ctx, category_label(ctx, c), counts[c]), f"c{category_index(c)}")]
        for c in Category
        if c in counts
    ]
    return Step.ask("join", JoinState.CATEGORY, data, ctx.t("join.ask_category"), rows, note)


async def _ask_club(ctx: Ctx, data: JoinData, note: str | None = None) -> Step:
    assert data.category is not None
    found, total = await clubs.active_page(ctx.tx, data.category, data.page * PAGE_SIZE, PAGE_SIZE)
    if not found:
        return await _ask_category(ctx, JoinData(), ctx.t("join.category_empty"))
    rows = [[ctx.choice(club.name, f"k{club.id}")] for club in found]
    rows.append(pager(ctx, data.page, total))
    rows.append([ctx.choice(ctx.t("button.back"), "back")])
    text = ctx.t("join.ask_club", category=category_label(ctx, data.category))
    return Step.ask("join", JoinState.CLUB, data, text, rows, note)


async def _ask_confirm(ctx: Ctx, data: JoinData, club: Club, note: str | None = None) -> Step:
    data = data.model_copy(update={"club_id": club.id})
    rows = [[ctx.choice(ctx.t("button.yes_join"), "yes"), ctx.choice(ctx.t("button.no"), "no")]]
    text = ctx.t("join.confirm", club=club.name)
    return Step.ask("join", JoinState.CONFIRM, data, text, rows, note)


async def _typed_club(ctx: Ctx, text: str | None) -> Club | None:
    return await clubs.club_by_key(ctx.tx, name_key(text)) if text else None


async def on_category(ctx: Ctx, data: JoinData, given: Input) -> Step:
    if given.choice is not None and given.choice.startswith("c"):
        category = category_by_index(given.choice[1:])
        if category is not None:
            return await _ask_club(ctx, JoinData(category=category))
    # A club suggested for a name that matched none (`/join robotics`).
    suggested = prefixed_number(given.choice or "", "k")
    if suggested is not None:
        club = await clubs.club(ctx.tx, suggested)
        if club is not None:
            return await _ask_confirm(ctx, data, club)
    club = await _typed_club(ctx, given.text)
    if club is not None:
        return await _ask_confirm(ctx, data, club)
    return await _ask_category(ctx, data, ctx.t("join.use_buttons"))


async def on_club(ctx: Ctx, data: JoinData, given: Input) -> Step:
    choice = given.choice or ""
    if choice == "back":
        return await _ask_category(ctx, JoinData())
    page = prefixed_number(choice, "p")
    if page is not None:
        return await _ask_club(ctx, data.model_copy(update={"page": page}))
    club = None
    club_id = prefixed_number(choice, "k")
    if club_id is not None:
        club = await clubs.club(ctx.tx, club_id)
    elif given.text:
        club = await _typed_club(ctx, given.text)
    if club is not None:
        return await _ask_confirm(ctx, data, club)
    return await _ask_club(ctx, data, ctx.t("join.use_buttons"))


async def on_confirm(ctx: Ctx, data: JoinData, given: Input) -> Step:
    assert data.club_id is not None
    if given.choice == "no":
        return Step.say(ctx.t("join.declined"), edit=True)
    if given.choice != "yes":
        club = await clubs.club(ctx.tx, data.club_id)
        if club is None:
            return Step.say(ctx.t("flow.expired"))
        return await _ask_confirm(ctx, data, club, ctx.t("join.use_buttons"))
    try:
        return await _do_join(ctx, data.club_id)
    except DomainError as err:
        # Checked again at the last moment: the flow ends with the reason.
        return Step.say(tr(ctx.lang, err.key, **err.params), edit=True)


router.flow(
    Flow(
        name="join",
        data_type=JoinData,
        states={
            JoinState.CATEGORY.value: on_category,
            JoinState.CLUB.value: on_club,
            JoinState.CONFIRM.value: on_confirm,
        },
        starts=frozenset({JoinState.CATEGORY, JoinState.CONFIRM}),
        transitions={
            JoinState.CATEGORY: frozenset(
                {JoinState.CATEGORY, JoinState.CLUB, JoinState.CONFIRM, END}
            ),
            JoinState.CLUB: frozenset(
                {JoinState.CATEGORY, JoinState.CLUB, JoinState.CONFIRM, END}
            ),
            JoinState.CONFIRM: frozenset({JoinState.CONFIRM, END}),
        },
    )
)


# --- /leave -----------------------------------------------------------------------------------


class LeaveState(StrEnum):
    PICK = "pick"
    CONFIRM = "confirm"


class LeaveData(BaseModel):
    club_id: int | None = None


@router.command("leave", Audience.STUDENT, fast=True)
async def leave(ctx: Ctx, args: str) -> Step:
    student = memberships.require_bound(ctx.student)
    current = await memberships.my_clubs(ctx.tx, student)
    if not current:
        return Step.say(ctx.t("myclubs.none"))
    if args:
        key = name_key(args)
        club = next((c for c in current if name_key(c.name) == key), None)
        if club is None:
            return Step.say(ctx.t("leave.not_yours", name=clip(args)))
        await memberships.leave(ctx.tx, ctx.now, student, club)
        return Step.say(ctx.t("leave.done", club=club.name))
    return _ask_pick(ctx, current)


def _ask_pick(ctx: Ctx, current: list[Club], note: str | None = None) -> Step:
    rows = [[ctx.choice(club.name, f"k{club.id}")] for club in current]
    rows.append([ctx.choice(ctx.t("button.no"), "no")])
    return Step.ask("leave", LeaveState.PICK, LeaveData(), ctx.t("leave.ask"), rows, note)


async def on_pick(ctx: Ctx, data: LeaveData, given: Input) -> Step:
    if given.choice == "no":
        return Step.say(ctx.t("leave.declined"), edit=True)
    student = memberships.require_bound(ctx.student)
    current = await memberships.my_clubs(ctx.tx, student)
    chosen = None
    picked = prefixed_number(given.choice, "k") if given.choice else None
    if picked is not None:
        chosen = next((c for c in current if c.id == picked), None)
    elif given.text:
        chosen = next((c for c in current if name_key(c.name) == name_key(given.text)), None)
    if chosen is None:
        if not current:
            return Step.say(ctx.t("myclubs.none"), edit=True)
        return _ask_pick(ctx, current, ctx.t("leave.use_buttons"))
    return _ask_leave_confirm(ctx, LeaveData(club_id=chosen.id), chosen.name)


def _ask_leave_confirm(ctx: Ctx, data: LeaveData, club: str, note: str | None = None) -> Step:
    rows = [[ctx.choice(ctx.t("button.yes_leave"), "yes"), ctx.choice(ctx.t("button.no"), "no")]]
    text = ctx.t("leave.confirm", club=club)
    return Step.ask("leave", LeaveState.CONFIRM, data, text, rows, note)


async def on_leave_confirm(ctx: Ctx, data: LeaveData, given: Input) -> Step:
    assert data.club_id is not None
    if given.choice == "yes":
        try:
            left = await memberships.leave(ctx.tx, ctx.now, ctx.student, data.club_id)
        except DomainError as err:
            return Step.say(tr(ctx.lang, err.key, **err.params), edit=True)
        return Step.say(ctx.t("leave.done", club=left.name), edit=True)
    if given.choice == "no":
        return Step.say(ctx.t("leave.declined"), edit=True)
    club = await clubs.club(ctx.tx, data.club_id)
    if club is None:
        return Step.say(ctx.t("flow.expired"))
    return _ask_leave_confirm(ctx, data, club.name, ctx.t("leave.use_buttons"))


router.flow(
    Flow(
        name="leave",
        data_type=LeaveData,
        states={LeaveState.PICK.value: on_pick, LeaveState.CONFIRM.value: on_leave_confirm},
        starts=frozenset({LeaveState.PICK}),
        transitions={
            LeaveState.PICK: frozenset({LeaveState.PICK, LeaveState.CONFIRM, END}),
            LeaveState.CONFIRM: frozenset({LeaveState.CONFIRM, END}),
        },
    )
)


# --- /myclubs ---------------------------------------------------------------------------------


@router.command("myclubs", Audience.STUDENT, fast=True)
async def my_clubs(ctx: Ctx, args: str) -> Step:
    student = memberships.require_bound(ctx.student)
    current = await memberships.my_clubs(ctx.tx, student)
    if not current:
        return Step.say(ctx.t("myclubs.none"))
    lines = [ctx.t("myclubs.title", count=len(current), limit=ctx.policy.max_clubs_per_student)]
    for club in current:
        category = category_label(ctx, club.category)
        if club.status is ClubStatus.ACTIVE:
            lines.append(ctx.t("myclubs.line", name=club.name, category=category))
        else:
            status = ctx.t(f"clubstatus.{club.status.value}")
            lines.append(
                ctx.t("myclubs.line_stopped", name=club.name, category=category, status=status)
            )
    return Step.say("\n".join(lines))
