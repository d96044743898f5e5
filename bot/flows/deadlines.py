"""/deadlines (what is coming, by role), /meeting (ORG-3), and the buttons reminders carry.

Meeting flow:  CLUB (officers of several clubs pick one) -> DATE -> recorded, advisor asked
(deadlines.mmd).
Buttons: `gm:<club>` records a meeting, `gmc:<meeting>:y|n` confirms or rejects one,
`rr:<club>` confirms the member list (ORG-2), `dl:<page>` pages staff's overdue list.
Each handler checks again on the server that this user may do it.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel

from bot.chat import callbacks
from bot.chat.callbacks import Callback
from bot.chat.i18n import tr
from bot.chat.replies import Button, Keyboard
from bot.chat.text import parse_day, prefixed_number
from bot.core.context import Ctx
from bot.core.router import END, Audience, Flow, Input, Router, Step
from bot.domain.values import (
    BadMeetingDate,
    Club,
    ClubStatus,
    DeadlineKind,
    DomainError,
    NotAllowed,
    Role,
)
from bot.flows.common import clip
from bot.services import meetings, reviews
from bot.services.memberships import require_bound
from bot.services.notices.reminders import (
    DECIDE_MEETING,
    RECORD_MEETING,
    REREGISTER,
    decision_buttons,
)
from storage import advisors, officers, outbox
from storage import deadlines as deadlines_store
from storage import meetings as meetings_store
from storage.deadlines import Listed

router = Router()
STAFF_PAGE = 20
PROBLEMS_SHOWN = 5
PAGE_KIND = "dl"


# --- /deadlines -------------------------------------------------------------------------------


@router.command("deadlines", Audience.OFFICER, Audience.ADVISOR, Audience.STAFF)
async def deadlines(ctx: Ctx, args: str) -> Step:
    parts: list[str] = []
    rows: list[tuple[Button, ...]] = []
    if ctx.student is not None:
        await _officer_part(ctx, parts, rows)
    await _advisor_part(ctx, parts, rows)
    if Role.STAFF in await ctx.roles():
        text, pager = await _staff_part(ctx, 0)
        parts.append(text)
        rows.extend(pager)
    if not parts:
        return Step.say(ctx.t("deadlines.nothing"))
    return Step.say("\n\n".join(parts), tuple(rows))


@router.callback(PAGE_KIND)
async def staff_page(ctx: Ctx, cb: Callback) -> Step:
    if Role.STAFF not in await ctx.roles():
        raise NotAllowed()
    text, pager = await _staff_part(ctx, cb.int_arg(0))
    return Step.say(text, pager, edit=True)


def _when(ctx: Ctx, due_on: date) -> str:
    days = (due_on - ctx.today).days
    if days > 0:
        return ctx.t("deadlines.in_days", days=days)
    if days == 0:
        return ctx.t("deadlines.today")
    return ctx.t("deadlines.overdue_days", days=-days)


def _line(ctx: Ctx, item: Listed) -> str:
    return ctx.t(
        "deadlines.line",
        date=item.due_on.isoformat(),
        club=item.club,
        what=item.kind,
        when=_when(ctx, item.due_on),
    )


async def _officer_part(ctx: Ctx, parts: list[str], rows: list[tuple[Button, ...]]) -> None:
    assert ctx.student is not None
    led = await officers.clubs_led_by(ctx.tx, ctx.student.id)
    if not led:
        return
    listed = await deadlines_store.of_clubs(ctx.tx, [club.id for club in led])
    awaiting = await meetings_store.pending(ctx.tx, [club.id for club in led])
    lines = [ctx.t("deadlines.officer_title")]
    lines += [_line(ctx, item) for item in listed] or [ctx.t("deadlines.none")]
    for club_id, meeting in awaiting.items():
        name = next(c.name for c in led if c.id == club_id)
        lines.append(ctx.t("deadlines.awaiting", club=name, held=meeting.held_on.isoformat()))
    parts.append("\n".join(lines))
    for item in listed:
        if item.kind is DeadlineKind.MEETING and item.club_id not in awaiting:
            label = ctx.t("button.record_meeting_of", club=clip(item.club, 32))
            rows.append((Button(label, callbacks.encode(RECORD_MEETING, item.club_id)),))
        elif item.kind is DeadlineKind.REREGISTRATION:
            label = ctx.t("button.reregister_of", club=clip(item.club, 32))
            rows.append((Button(label, callbacks.encode(REREGISTER, item.club_id)),))


async def _advisor_part(ctx: Ctx, parts: list[str], rows: list[tuple[Button, ...]]) -> None:
    if ctx.advisor_pk is None:
        return
    terms = await advisors.current_for_advisor(ctx.tx, ctx.advisor_pk)
    club_ids = [a.club_id for a in terms]
    listed = await deadlines_store.of_clubs(ctx.tx, club_ids)
    names = await deadlines_store.club_names(ctx.tx, club_ids)
    lines = [ctx.t("deadlines.advisor_title")]
    lines += [
        ctx.t("deadlines.own_term", club=names.get(a.club_id, "?"), date=a.term_end.isoformat())
        for a in terms
    ] or [ctx.t("deadlines.no_clubs")]
    lines += [_line(ctx, item) for item in listed if item.kind is not DeadlineKind.ADVISOR_TERM]
    for club_id, meeting in (await meetings_store.pending(ctx.tx, club_ids)).items():
        club = names.get(club_id, "?")
        lines.append(ctx.t("deadlines.awaiting", club=club, held=meeting.held_on.isoformat()))
        rows.append(decision_buttons(meeting.id, ctx.lang))
    parts.append("\n".join(lines))


async def _staff_part(ctx: Ctx, page: int) -> tuple[str, Keyboard]:
    found, total = await deadlines_store.overdue(ctx.tx, ctx.today, page * STAFF_PAGE, STAFF_PAGE)
    lines = [ctx.t("deadlines.staff_title", count=total)]
    lines += [_line(ctx, item) for item in found]
    problems, count = await outbox.problems(
        ctx.tx, ctx.policy.delivery_attempts_visible, PROBLEMS_SHOWN
    )
    if count:
        lines += ["", ctx.t("deadlines.problems_title", count=count)]
        lines += [
            ctx.t(
                "deadlines.problem",
                chat=p.chat_id,
                status=p.status,
                attempts=p.attempts,
                error=clip(p.error or "—", 80),
            )
            for p in problems
        ]
    pager: list[Button] = []
    if page > 0:
        pager.append(Button(ctx.t("button.previous"), callbacks.encode(PAGE_KIND, page - 1)))
    if (page + 1) * STAFF_PAGE < total:
        pager.append(Button(ctx.t("button.next"), callbacks.encode(PAGE_KIND, page + 1)))
    return "\n".join(lines), ((tuple(pager),) if pager else ())


# --- /meeting ---------------------------------------------------------------------------------


class MeetingState(StrEnum):
    CLUB = "club"
    DATE = "date"


class MeetingData(BaseModel):
    club_id: int | None = None


@router.command("meeting", Audience.OFFICER)
async def meeting(ctx: Ctx, args: str) -> Step:
    student = require_bound(ctx.student)
    led = await officers.clubs_led_by(ctx.tx, student.id)
    active = [c for c in led if c.status is ClubStatus.ACTIVE]
    if not active:
        return Step.say(ctx.t("meeting.not_officer"))
    if len(active) == 1:
        return _ask_date(ctx, active[0])
    return _ask_club(ctx, active)


@router.callback(RECORD_MEETING)
async def record_button(ctx: Ctx, cb: Callback) -> Step:
    club = await meetings.require_officer(ctx.tx, ctx.student, cb.int_arg(0))
    return _ask_date(ctx, club)


def _ask_club(ctx: Ctx, clubs: list[Club], note: str | None = None) -> Step:
    rows = [[ctx.choice(club.name, f"k{club.id}")] for club in clubs]
    text = ctx.t("meeting.ask_club")
    return Step.ask("meeting", MeetingState.CLUB, MeetingData(), text, rows, note)


def _ask_date(ctx: Ctx, club: Club, note: str | None = None) -> Step:
    rows = [[ctx.choice(ctx.t("button.today"), "today"), ctx.choice(ctx.t("button.no"), "no")]]
    text = ctx.t("meeting.ask_date", club=club.name)
    return Step.ask("meeting", MeetingState.DATE, MeetingData(club_id=club.id), text, rows, note)


async def on_club(ctx: Ctx, data: MeetingData, given: Input) -> Step:
    student = require_bound(ctx.student)
    led = await officers.clubs_led_by(ctx.tx, student.id)
    choice = given.choice or ""
    chosen = None
    club_id = prefixed_number(choice, "k")
    if club_id is not None:
        chosen = next((c for c in led if c.id == club_id), None)
    if chosen is None:
        return _ask_club(ctx, led, ctx.t("meeting.use_buttons"))
    return _ask_date(ctx, chosen)


async def on_date(ctx: Ctx, data: MeetingData, given: Input) -> Step:
    assert data.club_id is not None
    if given.choice == "no":
        return Step.say(ctx.t("meeting.declined"), edit=True)
    held = ctx.today if given.choice == "today" else parse_day(given.text)
    club = await meetings.require_officer(ctx.tx, ctx.student, data.club_id)
    if held is None:
        return _ask_date(ctx, club, ctx.t("meeting.bad_date"))
    try:
        recorded = await meetings.record(
            ctx.tx, ctx.policy, ctx.cal, ctx.now, ctx.user_id, ctx.student, club.id, held
        )
    except BadMeetingDate as err:
        return _ask_date(ctx, club, tr(ctx.lang, err.key, **err.params))
    key = "meeting.recorded" if recorded.asked else "meeting.recorded_nobody"
    return Step.say(ctx.t(key, club=club.name, held=held.isoformat()), edit=True)


router.flow(
    Flow(
        name="meeting",
        data_type=MeetingData,
        states={MeetingState.CLUB.value: on_club, MeetingState.DATE.value: on_date},
        starts=frozenset({MeetingState.CLUB, MeetingState.DATE}),
        transitions={
            MeetingState.CLUB: frozenset({MeetingState.CLUB, MeetingState.DATE}),
            MeetingState.DATE: frozenset({MeetingState.DATE, END}),
        },
    )
)


# --- the advisor's decision and re-registration -----------------------------------------------


@router.callback(DECIDE_MEETING)
async def decide_button(ctx: Ctx, cb: Callback) -> Step:
    if len(cb.args) != 2 or cb.args[1] not in ("y", "n"):
        raise callbacks.BadCallback("expected a meeting and y|n")
    confirm = cb.args[1] == "y"
    try:
        club, decided = await meetings.decide(
            ctx.tx, ctx.policy, ctx.cal, ctx.now, ctx.user_id, cb.int_arg(0), confirm
        )
    except DomainError as err:
        return Step.say(tr(ctx.lang, err.key, **err.params), edit=True)
    key = "meeting.confirmed" if confirm else "meeting.rejected"
    return Step.say(ctx.t(key, club=club.name, held=decided.held_on.isoformat()), edit=True)


@router.callback(REREGISTER)
async def reregister_button(ctx: Ctx, cb: Callback) -> Step:
    club, year = await reviews.reregister(
        ctx.tx, ctx.policy, ctx.cal, ctx.now, ctx.user_id, ctx.student, cb.int_arg(0)
    )
    if year is None:
        return Step.say(ctx.t("reregistration.none", club=club.name), edit=True)
    return Step.say(
        ctx.t("reregistration.done", club=club.name, year=year, next=year + 1), edit=True
    )
