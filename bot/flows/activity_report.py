"""/activity_report: the organizer files an activity's report (ACT-10).

CHOOSE (when several are owed) -> ASK (summary, then spending) -> PHOTOS (optional, sent as
files) -> REVIEW (the participants from the check-ins, each answer changeable) -> filed. The
draft is a row, so /cancel or a restart lose nothing: /activity_report resumes it. The moves are
drawn in activity_report.mmd, next to this module.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from bot.chat.i18n import tr
from bot.chat.text import prefixed_number
from bot.core import permissions
from bot.core.context import Ctx
from bot.core.router import END, Flow, Input, Router, Step
from bot.domain.values import DomainError
from bot.flows.common import clip
from bot.services import activity_reports as service
from bot.services.notices import activities as notices
from storage import checkin as records
from storage.activities import Activity
from storage.activity_reports import Report

router = Router()
FLOW = "activity_report"
# Names shown on the review screen; the rest are counted.
SHOWN = 30


class ReportStep(StrEnum):
    CHOOSE = "choose"
    ASK = "ask"
    PHOTOS = "photos"
    REVIEW = "review"


class ReportData(BaseModel):
    activity_id: int | None = None
    field: str | None = None
    editing: bool = False


def _err(ctx: Ctx, err: DomainError) -> str:
    return tr(ctx.lang, err.key, **err.params)


@permissions.command(router, "activity_report")
async def report_command(ctx: Ctx, args: str) -> Step:
    owed = await service.owed(ctx.tx, ctx.now, ctx.student, ctx.advisor_pk)
    if not owed:
        raise service.NothingToReport()
    if len(owed) == 1:
        return await _open(ctx, owed[0].id)
    return _choose(ctx, owed)


def _choose(ctx: Ctx, owed: list[Activity], note: str | None = None) -> Step:
    rows = [
        [ctx.choice(clip(f"{a.title or '—'} · {notices.local(ctx.cal, a.starts_at)}"), f"a{a.id}")]
        for a in owed
    ]
    return Step.ask(
        FLOW, ReportStep.CHOOSE, ReportData(), ctx.t("activity_report.choose"), rows, note
    )


async def on_choose(ctx: Ctx, data: ReportData, given: Input) -> Step:
    owed = await service.owed(ctx.tx, ctx.now, ctx.student, ctx.advisor_pk)
    chosen = prefixed_number(given.choice or "", "a")
    if chosen is None or chosen not in {a.id for a in owed}:
        if not owed:
            raise service.NothingToReport()
        return _choose(ctx, owed, ctx.t("activity_report.use_buttons"))
    return await _open(ctx, chosen)


async def _open(ctx: Ctx, activity_id: int) -> Step:
    return await _next(ctx, ReportData(activity_id=activity_id))


async def _draft(ctx: Ctx, data: ReportData) -> tuple[Activity, Report]:
    assert data.activity_id is not None
    return await service.open_draft(ctx.tx, ctx.now, ctx.student, ctx.advisor_pk, data.activity_id)


async def _next(ctx: Ctx, data: ReportData, note: str | None = None) -> Step:
    act, report = await _draft(ctx, data)
    gaps = service.missing(report)
    if gaps and not data.editing:
        return _ask(ctx, act, gaps[0], ReportData(activity_id=act.id), note)
    return await _review(ctx, act, report, note)


def _ask(ctx: Ctx, act: Activity, field: str, data: ReportData, note: str | None = None) -> Step:
    rows = [[ctx.choice(ctx.t("button.back"), "back")]] if data.editing else []
    text = ctx.t(f"activity_report.ask.{field}", title=act.title or "—", max=service.SUMMARY_MAX)
    return Step.ask(
        FLOW, ReportStep.ASK, data.model_copy(update={"field": field}), text, rows, note
    )


async def on_ask(ctx: Ctx, data: ReportData, given: Input) -> Step:
    act, report = await _draft(ctx, data)
    field = data.field or "summary"
    if given.choice == "back" and data.editing:
        return await _review(ctx, act, report)
    if not given.text:
        return _ask(ctx, act, field, data, ctx.t("activity_report.type_it"))
    try:
        await service.answer(ctx.tx, ctx.now, report, field, given.text)
    except DomainError as err:
        return _ask(ctx, act, field, data, _err(ctx, err))
    if field == "spending" and not data.editing:
        return _photos(ctx, act, report, ReportData(activity_id=act.id))
    return await _next(ctx, ReportData(activity_id=act.id, editing=data.editing))


def _photos(
    ctx: Ctx, act: Activity, report: Report, data: ReportData, note: str | None = None
) -> Step:
    text = ctx.t(
        "activity_report.ask.photos",
        count=report.photos,
        max=ctx.policy.activity_report_max_photos,
    )
    rows = [[ctx.choice(ctx.t("activity_report.button.photos_done"), "done")]]
    return Step.ask(FLOW, ReportStep.PHOTOS, data, text, rows, note)


async def on_photos(ctx: Ctx, data: ReportData, given: Input) -> Step:
    act, report = await _draft(ctx, data)
    if given.choice == "done":
        return await _review(ctx, act, report)
    if given.document is None:
        return _photos(ctx, act, report, data, ctx.t("activity_report.send_file"))
    try:
        await service.add_photo(ctx.tx, ctx.policy, report, given.document)
    except DomainError as err:
        return _photos(ctx, act, report, data, _err(ctx, err))
    _, report = await _draft(ctx, data)
    return _photos(ctx, act, report, data, ctx.t("activity_report.photo_added"))


async def _review(ctx: Ctx, act: Activity, report: Report, note: str | None = None) -> Step:
    present = await records.present(ctx.tx, act.id)
    names = ctx.join(f"{p.name} ({p.student_id})" for p in present[:SHOWN])
    if len(present) > SHOWN:
        names += ctx.t("activity_report.more", more=len(present) - SHOWN)
    text = ctx.t(
        "activity_report.review",
        title=act.title or "—",
        club=act.club,
        starts=notices.local(ctx.cal, act.starts_at),
        participants=len(present),
        names=names or "—",
        summary=report.summary or "—",
        spending=service.yuan(report.spending),
        photos=report.photos,
        id=act.id,
    )
    rows = [
        [
            ctx.choice(ctx.t("activity_report.change.summary"), "esummary"),
            ctx.choice(ctx.t("activity_report.change.spending"), "espending"),
            ctx.choice(ctx.t("activity_report.change.photos"), "ephotos"),
        ]
    ]
    if not service.missing(report):
        rows.append([ctx.choice(ctx.t("activity_report.button.file"), "file")])
    data = ReportData(activity_id=act.id)
    return Step.ask(FLOW, ReportStep.REVIEW, data, text, rows, note)


async def on_review(ctx: Ctx, data: ReportData, given: Input) -> Step:
    act, report = await _draft(ctx, data)
    choice = given.choice or ""
    editing = ReportData(activity_id=act.id, editing=True)
    if choice in ("esummary", "espending"):
        return _ask(ctx, act, choice[1:], editing)
    if choice == "ephotos":
        return _photos(ctx, act, report, ReportData(activity_id=act.id))
    if choice != "file":
        return await _review(ctx, act, report, ctx.t("activity_report.use_buttons"))
    try:
        present = await service.file(
            ctx.tx, ctx.policy, ctx.cal, ctx.now, ctx.user_id, act, report
        )
    except DomainError as err:
        return await _review(ctx, act, report, _err(ctx, err))
    return Step.say(
        ctx.t("activity_report.filed", title=act.title or "—", participants=present), edit=True
    )


router.flow(
    Flow(
        name=FLOW,
        resume="/activity_report",
        data_type=ReportData,
        states={
            ReportStep.CHOOSE.value: on_choose,
            ReportStep.ASK.value: on_ask,
            ReportStep.PHOTOS.value: on_photos,
            ReportStep.REVIEW.value: on_review,
        },
        starts=frozenset({ReportStep.CHOOSE, ReportStep.ASK, ReportStep.REVIEW}),
        transitions={
            ReportStep.CHOOSE: frozenset({ReportStep.CHOOSE, ReportStep.ASK, ReportStep.REVIEW}),
            ReportStep.ASK: frozenset({ReportStep.ASK, ReportStep.PHOTOS, ReportStep.REVIEW}),
            ReportStep.PHOTOS: frozenset({ReportStep.PHOTOS, ReportStep.REVIEW}),
            ReportStep.REVIEW: frozenset(
                {ReportStep.ASK, ReportStep.PHOTOS, ReportStep.REVIEW, END}
            ),
        },
    )
)
