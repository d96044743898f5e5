"""The annual review round (REG-5, REG-8).

- /review_open YEAR [CLOSES]: staff open the round; officers of active clubs are told.
- /review_form: officers submit the form. Flow: CLUB (if several) -> ACTIVITIES -> MEMBERS
  (confirm the count, or type the right one) -> FINANCES -> ADVISOR (the advisor's comment).
- /verdict: reviewers see the clubs awaiting a decision; RESULT (buttons) -> COMMENT -> recorded.
  A fail suspends the club; the officers are told the result.
- /appeal: officers of a club whose review failed appeal; reviewers decide again (/verdict).

The three flows' moves are drawn in review.mmd, next to this module.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel

from bot.chat.i18n import tr
from bot.chat.text import number
from bot.core import permissions
from bot.core.context import Ctx
from bot.core.router import END, Flow, Input, Router, Step
from bot.domain.values import Club, DomainError, NoReviewRound, ReviewResult, VerdictRecorded
from bot.flows.common import clip
from bot.flows.console import usage
from bot.services import reviews
from bot.services.notices import review_records
from storage import clubs
from storage import reviews as reviews_store

router = Router()
FORM, VERDICT, APPEAL = "review_form", "verdict", "appeal"
TEXT_MAX = 2000


def _err(ctx: Ctx, err: DomainError) -> Step:
    return Step.say(tr(ctx.lang, err.key, **err.params))


# --- /review_open ------------------------------------------------------------------------------


@permissions.command(router, "review_open")
async def review_open(ctx: Ctx, args: str) -> Step:
    parts = args.split()
    if not parts or number(parts[0]) is None or len(parts) > 2 or len(parts[0]) != 4:
        return usage(ctx, "review_open")
    try:
        closes = (
            date.fromisoformat(parts[1])
            if len(parts) == 2
            else ctx.today + timedelta(days=ctx.policy.review_round_days)
        )
        told = await reviews.open_round(
            ctx.tx, ctx.policy, ctx.cal, ctx.now, ctx.user_id, int(parts[0]), closes
        )
    except ValueError:
        return usage(ctx, "review_open")
    return Step.say(ctx.t("review.opened", year=parts[0], closes=closes.isoformat(), told=told))


# --- /review_form ------------------------------------------------------------------------------


class FormState(StrEnum):
    CLUB = "club"
    ACTIVITIES = "activities"
    MEMBERS = "members"
    FINANCES = "finances"
    ADVISOR = "advisor"


class FormData(BaseModel):
    club_id: int = 0
    year: int = 0
    activities: str = ""
    member_count: int = 0
    finances: str = ""


def _text(given: Input) -> str:
    return " ".join((given.text or "").split())[:TEXT_MAX]


@permissions.command(router, "review_form")
async def review_form(ctx: Ctx, args: str) -> Step:
    try:
        window = await reviews.current_round(ctx.tx, ctx.cal, ctx.now)
    except DomainError as err:
        return _err(ctx, err)
    led = await reviews.officer_clubs(ctx.tx, ctx.student)
    if len(led) == 1:
        return await _ask_activities(ctx, FormData(club_id=led[0].id, year=window.year))
    rows = [[ctx.choice(c.name, f"k{c.id}")] for c in led]
    data = FormData(year=window.year)
    return Step.ask(FORM, FormState.CLUB, data, ctx.t("review.ask_club"), rows)


async def _ask_activities(ctx: Ctx, data: FormData, note: str | None = None) -> Step:
    club = await clubs.club(ctx.tx, data.club_id)
    assert club is not None
    try:
        await reviews.require_undecided(ctx.tx, club, data.year)
    except DomainError as err:
        return _err(ctx, err)
    # REV-2: the year's activities come from the activity records; typed text only adds to them.
    records = await review_records.activities_text(
        ctx.tx, ctx.cal, ctx.now, ctx.lang, data.club_id, data.year
    )
    text = ctx.t("review.ask_activities", club=club.name, year=data.year)
    text += "\n\n" + ctx.t("review_records.use_or_add", records=records)
    rows = [[ctx.choice(ctx.t("review_records.button.use"), "ok")]]
    return Step.ask(FORM, FormState.ACTIVITIES, data, text, rows, note)


async def on_form_club(ctx: Ctx, data: FormData, given: Input) -> Step:
    led = await reviews.officer_clubs(ctx.tx, ctx.student)
    choice = given.choice or ""
    chosen = next((c for c in led if f"k{c.id}" == choice), None)
    if chosen is None:
        rows = [[ctx.choice(c.name, f"k{c.id}")] for c in led]
        text = ctx.t("review.ask_club")
        return Step.ask(FORM, FormState.CLUB, data, text, rows, ctx.t("meeting.use_buttons"))
    data.club_id = chosen.id
    return await _ask_activities(ctx, data)


async def on_activities(ctx: Ctx, data: FormData, given: Input) -> Step:
    text = _text(given)
    if not text and given.choice != "ok":
        return await _ask_activities(ctx, data, ctx.t("review.need_text"))
    records = await review_records.activities_text(
        ctx.tx, ctx.cal, ctx.now, ctx.lang, data.club_id, data.year
    )
    data.activities = _with_remark(ctx, records, text)
    return await _ask_members(ctx, data)


def _with_remark(ctx: Ctx, records: str, remark: str) -> str:
    """What the records say, then what the officers added (clipped to the form's length)."""
    if remark:
        records += "\n" + ctx.t("review_records.remark", text=remark)
    return records[:TEXT_MAX]


async def _ask_members(ctx: Ctx, data: FormData, note: str | None = None) -> Step:
    count = (await clubs.member_counts(ctx.tx, [data.club_id])).get(data.club_id, 0)
    data.member_count = count
    rows = [[ctx.choice(ctx.t("review.count_right", count=count), "ok")]]
    text = ctx.t("review.ask_members", count=count)
    return Step.ask(FORM, FormState.MEMBERS, data, text, rows, note)


async def on_members(ctx: Ctx, data: FormData, given: Input) -> Step:
    if given.choice != "ok":
        raw = (given.text or "").strip()
        count = number(raw, 6)
        if count is None:
            return await _ask_members(ctx, data, ctx.t("review.need_number"))
        data.member_count = count
    return await _ask_finances(ctx, data)


async def _ask_finances(ctx: Ctx, data: FormData) -> Step:
    # REV-2, ACT-7: the year's sums come from /finance's lines; typed text only adds to them.
    records = await review_records.finance_text(ctx.tx, ctx.lang, data.club_id, data.year)
    text = ctx.t("review.ask_finances")
    text += "\n\n" + ctx.t("review_records.use_or_add", records=records)
    rows = [[ctx.choice(ctx.t("review_records.button.use"), "ok")]]
    return Step.ask(FORM, FormState.FINANCES, data, text, rows)


async def on_finances(ctx: Ctx, data: FormData, given: Input) -> Step:
    text = _text(given)
    if not text and given.choice != "ok":
        return await _ask_finances(ctx, data)
    records = await review_records.finance_text(ctx.tx, ctx.lang, data.club_id, data.year)
    data.finances = _with_remark(ctx, records, text)
    return Step.ask(FORM, FormState.ADVISOR, data, ctx.t("review.ask_advisor"), [])


async def on_advisor(ctx: Ctx, data: FormData, given: Input) -> Step:
    text = _text(given)
    if not text:
        return Step.ask(FORM, FormState.ADVISOR, data, ctx.t("review.ask_advisor"), [])
    form = reviews_store.Submission(
        data.club_id, data.year, data.activities, data.member_count, data.finances, text, ctx.now
    )
    try:
        year = await reviews.submit(
            ctx.tx, ctx.cal, ctx.now, ctx.user_id, ctx.student, data.club_id, form
        )
    except DomainError as err:
        return _err(ctx, err)
    club = await clubs.club(ctx.tx, data.club_id)
    assert club is not None
    return Step.say(ctx.t("review.submitted", club=club.name, year=year))


router.flow(
    Flow(
        name=FORM,
        data_type=FormData,
        states={
            FormState.CLUB.value: on_form_club,
            FormState.ACTIVITIES.value: on_activities,
            FormState.MEMBERS.value: on_members,
            FormState.FINANCES.value: on_finances,
            FormState.ADVISOR.value: on_advisor,
        },
        starts=frozenset({FormState.CLUB, FormState.ACTIVITIES}),
        transitions={
            # The club's review of the year decided already: nothing to submit (END).
            FormState.CLUB: frozenset({FormState.CLUB, FormState.ACTIVITIES, END}),
            FormState.ACTIVITIES: frozenset({FormState.ACTIVITIES, FormState.MEMBERS, END}),
            FormState.MEMBERS: frozenset({FormState.MEMBERS, FormState.FINANCES}),
            FormState.FINANCES: frozenset({FormState.FINANCES, FormState.ADVISOR}),
            FormState.ADVISOR: frozenset({FormState.ADVISOR, END}),
        },
    )
)


# --- /verdict ----------------------------------------------------------------------------------


class VerdictState(StrEnum):
    CLUB = "club"
    RESULT = "result"
    COMMENT = "comment"


class VerdictData(BaseModel):
    year: int
    club_id: int = 0
    result: ReviewResult | None = None


async def _awaiting(ctx: Ctx, year: int) -> list[Club]:
    found = []
    for club_id in await reviews_store.awaiting_verdict(ctx.tx, year):
        club = await clubs.club(ctx.tx, club_id)
        if club is not None:
            found.append(club)
    return found


@permissions.command(router, "verdict")
async def verdict(ctx: Ctx, args: str) -> Step:
    windows = await reviews_store.review_windows(ctx.tx)
    if not windows:
        return _err(ctx, NoReviewRound())
    opened = [w.year for w in windows if w.opens_on <= ctx.today]
    year = max(opened) if opened else windows[-1].year
    waiting = await _awaiting(ctx, year)
    if not waiting:
        return Step.say(ctx.t("review.nothing_waiting", year=year))
    rows = [[ctx.choice(clip(c.name), f"k{c.id}")] for c in waiting[:40]]
    text = ctx.t("review.pick_club", year=year, count=len(waiting))
    return Step.ask(VERDICT, VerdictState.CLUB, VerdictData(year=year), text, rows)


async def on_verdict_club(ctx: Ctx, data: VerdictData, given: Input) -> Step:
    denied = await permissions.guard(ctx, "verdict", f"flow:{VERDICT}")
    if denied is not None:
        return denied
    waiting = await _awaiting(ctx, data.year)
    chosen = next((c for c in waiting if f"k{c.id}" == given.choice), None)
    if chosen is None:
        return Step.say(ctx.t("review.nothing_waiting", year=data.year))
    data.club_id = chosen.id
    return await _ask_result(ctx, data, chosen.name)


async def _ask_result(ctx: Ctx, data: VerdictData, club: str, note: str | None = None) -> Step:
    """The form (and an appeal) with the four results to choose from."""
    assert data.club_id is not None
    form = await reviews_store.submission(ctx.tx, data.club_id, data.year)
    lines = [ctx.t("review.form_title", club=club, year=data.year)]
    if form is not None:
        lines.append(
            ctx.t(
                "review.form",
                activities=clip(form.activities, 600),
                members=form.member_count,
                finances=clip(form.finances, 600),
                advisor=clip(form.advisor_comment, 600),
            )
        )
    # An appeal of a failed review is what the committee decides again: it reads it here.
    appealed = await reviews_store.latest_appeal(ctx.tx, data.club_id, data.year)
    if appealed is not None:
        lines.append(ctx.t("review.appeal_text", text=clip(appealed, 1500)))
    rows = [
        [ctx.choice(ctx.t(f"reviewresult.{r.value}"), r.value) for r in ReviewResult],
    ]
    return Step.ask(VERDICT, VerdictState.RESULT, data, "\n".join(lines), rows, note)


async def on_verdict_result(ctx: Ctx, data: VerdictData, given: Input) -> Step:
    try:
        data.result = ReviewResult(given.choice or "")
    except ValueError:
        # A comment typed before the result: asked again, the buttons kept (found by the
        # play-test: the flow ended and the buttons no longer answered).
        club = await clubs.club(ctx.tx, data.club_id or 0)
        name = club.name if club is not None else "—"
        return await _ask_result(ctx, data, name, ctx.t("review.result_first"))
    text = ctx.t("review.ask_comment", result=data.result)
    return Step.ask(VERDICT, VerdictState.COMMENT, data, text, [])


async def on_verdict_comment(ctx: Ctx, data: VerdictData, given: Input) -> Step:
    denied = await permissions.guard(ctx, "verdict", f"flow:{VERDICT}")
    if denied is not None:
        return denied
    comment = _text(given)
    if not comment or data.result is None:
        return Step.ask(VERDICT, VerdictState.COMMENT, data, ctx.t("review.need_text"), [])
    try:
        club = await reviews.record_verdict(
            ctx.tx,
            ctx.policy,
            ctx.cal,
            ctx.now,
            data.club_id,
            data.result,
            data.year,
            ctx.user_id,
            comment,
        )
    except VerdictRecorded:
        return Step.say(ctx.t("review.already_decided"))
    return Step.say(ctx.t("review.recorded", club=club.name, year=data.year, result=data.result))


router.flow(
    Flow(
        name=VERDICT,
        data_type=VerdictData,
        states={
            VerdictState.CLUB.value: on_verdict_club,
            VerdictState.RESULT.value: on_verdict_result,
            VerdictState.COMMENT.value: on_verdict_comment,
        },
        starts=frozenset({VerdictState.CLUB}),
        transitions={
            VerdictState.CLUB: frozenset({VerdictState.RESULT, END}),
            VerdictState.RESULT: frozenset({VerdictState.RESULT, VerdictState.COMMENT}),
            VerdictState.COMMENT: frozenset({VerdictState.COMMENT, END}),
        },
    )
)


# --- /appeal -----------------------------------------------------------------------------------


class AppealState(StrEnum):
    TEXT = "text"


class AppealData(BaseModel):
    club_id: int


@permissions.command(router, "appeal")
async def appeal(ctx: Ctx, args: str) -> Step:
    led = await reviews.officer_clubs(ctx.tx, ctx.student)
    failed = []
    for club in led:
        latest = await reviews_store.latest_result(ctx.tx, club.id)
        if latest is not None and latest.result is ReviewResult.FAIL:
            failed.append(club)
    if not failed:
        return Step.say(ctx.t("review.nothing_to_appeal"))
    club = failed[0]
    text = ctx.t("review.ask_appeal", club=club.name)
    return Step.ask(APPEAL, AppealState.TEXT, AppealData(club_id=club.id), text, [])


async def on_appeal_text(ctx: Ctx, data: AppealData, given: Input) -> Step:
    text = _text(given)
    if not text:
        return Step.ask(APPEAL, AppealState.TEXT, data, ctx.t("review.need_text"), [])
    try:
        year = await reviews.appeal(ctx.tx, ctx.now, ctx.user_id, ctx.student, data.club_id, text)
    except DomainError as err:
        return _err(ctx, err)
    club = await clubs.club(ctx.tx, data.club_id)
    assert club is not None
    return Step.say(ctx.t("review.appealed", club=club.name, year=year))


router.flow(
    Flow(
        name=APPEAL,
        data_type=AppealData,
        states={AppealState.TEXT.value: on_appeal_text},
        starts=frozenset({AppealState.TEXT}),
        transitions={AppealState.TEXT: frozenset({AppealState.TEXT, END})},
    )
)
