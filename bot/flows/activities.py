"""/activity: an officer or the advisor proposes a club activity (ACT-1 to ACT-5).

CLUB (when they keep several clubs) -> ASK (one question at a time: title, kind, start, end,
place, expected participants, capacity, audience, description, budget, sponsor) -> SPEAKERS (a
talk's, ACT-4) -> ASK (the documents its kind and size need: the participant list of an
off-campus activity, ACT-5; the safety plan of that and of a large one, ACT-3) -> REVIEW ->
submitted. Every answer is saved in the activity's row at once, so /cancel, another
command or a restart lose nothing: /activity resumes the proposal where it stands. From REVIEW
any answer can be changed (the flow comes back to REVIEW). The moves are drawn in
activities.mmd, next to this module; an activity's own states in bot/domain/activities.mmd.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel

from bot.chat import callbacks
from bot.chat.callbacks import Callback
from bot.chat.i18n import Html, tr
from bot.chat.replies import Attachment, Button, Reply
from bot.chat.text import hostile_text, number, prefixed_number
from bot.core import permissions
from bot.core.context import Ctx
from bot.core.router import END, Flow, Input, Router, Step
from bot.domain.activities import (
    LEVELS,
    ActivityAudience,
    ActivityKind,
    ActivityState,
    Decision,
    Speaker,
    documents_needed,
)
from bot.domain.finance import yuan
from bot.domain.values import DomainError
from bot.flows.common import actor_name, actor_names, clip
from bot.services import activities as service
from bot.services import approvals
from bot.services.documents import megabytes
from bot.services.notices import activities as notices
from storage import activities as store
from storage import activity_reports as report_store
from storage import checkin as checkin_store
from storage.activities import Activity

router = Router()
FLOW = "activity"
# The questions answered with a button (the others are typed).
CHOSEN = {"kind": ActivityKind, "audience": ActivityAudience}


class ActivityStep(StrEnum):
    CLUB = "club"
    ASK = "ask"
    SPEAKERS = "speakers"
    REVIEW = "review"


class ActivityData(BaseModel):
    activity_id: int | None = None
    field: str | None = None
    editing: bool = False  # answering a change from the review screen: come back to it


def _err(ctx: Ctx, err: DomainError) -> str:
    return tr(ctx.lang, err.key, **err.params)


def local(ctx: Ctx, at: datetime | None) -> str:
    return notices.local(ctx.cal, at)


@permissions.command(router, "activity")
async def activity_command(ctx: Ctx, args: str) -> Step:
    head, _, rest = args.partition(" ")
    if head.casefold() == "change":
        # ACT-1: changing an approved activity sends it back for approval.
        activity_id = number(rest.strip())
        if activity_id is None:
            return Step.say(ctx.t("activity_change.usage"))
        changed = await service.reopen(
            ctx.tx,
            ctx.policy,
            ctx.cal,
            ctx.now,
            ctx.user_id,
            ctx.student,
            ctx.advisor_pk,
            activity_id,
        )
        note = ctx.t("activity_change.reopened", title=changed.title or "—")
        return await _next(ctx, ActivityData(activity_id=changed.id), note)
    shown = number(head.removeprefix("#")) if head else None
    if shown is not None and not rest.strip():
        return await _detail(ctx, shown)
    draft = await store.editable_of(ctx.tx, ctx.user_id)
    if draft is not None:
        returned = draft.state is ActivityState.RETURNED and service.missing(ctx.policy, draft)
        # A returned proposal with a question to answer first says why it came back.
        hint = ctx.t("activity.returned_hint", comment=draft.comment or "—")
        return await _next(ctx, ActivityData(activity_id=draft.id), hint if returned else None)
    kept = await service.organizable(ctx.tx, ctx.student, ctx.advisor_pk)
    if not kept:
        if await permissions.allowed(ctx, "activities"):
            # Staff and reviewers propose nothing: they look activities up.
            return Step.say(ctx.t("activity_detail.usage"))
        raise service.NotOrganizer()
    if len(kept) == 1:
        return await _start(ctx, kept[0].id)
    return _ask_club(ctx, [(c.id, c.name) for c in kept])


async def _detail(ctx: Ctx, activity_id: int) -> Step:
    """One activity: the proposal, its state and approval history, sign-ups, check-ins and
    the report, to staff, reviewers, its unit's representatives and its club's organizers."""
    act = await store.activity(ctx.tx, activity_id)
    if act is None or not await _may_see(ctx, act):
        return Step.say(ctx.t("activity_detail.unknown", id=activity_id))
    decided = await store.decisions(ctx.tx, act.id)
    names = await actor_names(ctx, [d.by for d in decided])
    lines = [
        ctx.t(
            "activity_detail.title",
            id=act.id,
            state=ctx.t(f"activity_detail.state.{act.state.value}"),
        ),
        summary(ctx, act),
        ctx.t("activity_detail.history") if decided else ctx.t("activity_detail.no_history"),
    ]
    lines += [
        ctx.t(
            "activity_detail.decision",
            at=local(ctx, d.at),
            level=ctx.t(f"activity.level.{d.level.value}"),
            decision=ctx.t(f"activity_detail.decision_word.{d.decision.value}"),
            by=actor_name(ctx, d.by, names),
            comment=f" — {clip(d.comment, 200)}" if d.comment else "",
        )
        for d in decided
    ]
    if act.state is ActivityState.APPROVED:
        counts = await store.sign_up_counts(ctx.tx, act.id)
        lines.append(ctx.t("activity_detail.sign_ups", **_sign_up_figures(counts)))
        lines.append(
            ctx.t("activity_detail.checkins", n=await checkin_store.count(ctx.tx, act.id))
        )
        report = await report_store.report_of(ctx.tx, act.id)
        if report is not None and report.filed_at is not None:
            filed = local(ctx, report.filed_at)
            lines.append(
                ctx.t("activity_detail.report_filed", at=filed, n=report.participants or 0)
            )
        elif act.ends_at is not None and act.ends_at <= ctx.now:
            lines.append(ctx.t("activity_detail.report_owed"))
    documents = notices.document_buttons(ctx.lang, act)
    return Step.say("\n".join(lines), (documents,) if documents else ())


@router.callback(notices.DOCUMENT)
async def document_button(ctx: Ctx, cb: Callback) -> Step:
    """Send a proposal's participant list or safety plan (ACT-3, ACT-5) to whoever may see
    the activity: its organizers, its approvers, staff and reviewers."""
    codes = {code: kind for kind, code in notices.DOCUMENT_CODES.items()}
    kind = codes.get(cb.args[1] if len(cb.args) > 1 else "")
    if kind is None:
        raise callbacks.BadCallback("expected p|s")
    act = await store.activity(ctx.tx, cb.int_arg(0))
    if act is None or not await _may_see(ctx, act):
        return Step.say(ctx.t("activity_detail.unknown", id=cb.int_arg(0)))
    found = await store.document_content(ctx.tx, act.id, kind)
    if found is None:
        return Step.say(ctx.t("error.activity.no_document"))
    document, content = found
    caption = notices.document_line(ctx.lang, document)
    attachment = Attachment(document.file_name, content, document.mime_type)
    return Step(replies=[Reply(f"{caption}\nSHA-256 {document.sha256}", attachment=attachment)])


def _sign_up_figures(counts: dict[str, int]) -> dict[str, int]:
    return {
        "confirmed": counts.get(store.CONFIRMED, 0),
        "waiting": counts.get(store.WAITLISTED, 0),
    }


async def _may_see(ctx: Ctx, act: Activity) -> bool:
    """Staff and reviewers see every activity; the club's organizers and its unit's
    representatives see theirs."""
    if await permissions.allowed(ctx, "activities"):
        return True
    kept = await service.organizable(ctx.tx, ctx.student, ctx.advisor_pk)
    if any(club.id == act.club_id for club in kept):
        return True
    reps = await store.approvers(ctx.tx, act.club_id, ActivityState.UNIT)
    return any(user_id == ctx.user_id for user_id, _ in reps)


def _ask_club(ctx: Ctx, kept: list[tuple[int, str]], note: str | None = None) -> Step:
    rows = [[ctx.choice(clip(name), f"k{club_id}")] for club_id, name in kept]
    return Step.ask(
        FLOW, ActivityStep.CLUB, ActivityData(), ctx.t("activity.ask_club"), rows, note
    )


async def _start(ctx: Ctx, club_id: int) -> Step:
    activity_id = await service.start(
        ctx.tx, ctx.now, ctx.user_id, ctx.student, ctx.advisor_pk, club_id
    )
    return await _next(ctx, ActivityData(activity_id=activity_id))


async def on_club(ctx: Ctx, data: ActivityData, given: Input) -> Step:
    kept = await service.organizable(ctx.tx, ctx.student, ctx.advisor_pk)
    club_id = prefixed_number(given.choice or "", "k")
    if club_id is None or club_id not in {c.id for c in kept}:
        note = ctx.t("activity.use_buttons")
        return _ask_club(ctx, [(c.id, c.name) for c in kept], note)
    try:
        return await _start(ctx, club_id)
    except service.ClubStopped as err:
        return _ask_club(ctx, [(c.id, c.name) for c in kept], _err(ctx, err))


async def _act(ctx: Ctx, data: ActivityData) -> Activity:
    assert data.activity_id is not None
    return await service.editable(ctx.tx, data.activity_id, ctx.user_id)


async def _next(ctx: Ctx, data: ActivityData, note: str | None = None) -> Step:
    """The first unanswered question, or the review screen."""
    act = await _act(ctx, data)
    gaps = service.missing(ctx.policy, act)
    if not gaps:
        return await _review(ctx, act, note)
    if gaps[0] == "speakers":
        return _speakers(ctx, act, ActivityData(activity_id=act.id), note)
    return _ask(ctx, act, gaps[0], ActivityData(activity_id=act.id), note)


def _ask(ctx: Ctx, act: Activity, field: str, data: ActivityData, note: str | None = None) -> Step:
    rows: list[list[Button]] = []
    params: dict[str, object] = {}
    if field in CHOSEN:
        rows = [[ctx.choice(ctx.t(f"activity.{field}.{v.value}"), v.value)] for v in CHOSEN[field]]
    elif field == "capacity":
        rows = [[ctx.choice(ctx.t("activity.button.no_limit"), "none")]]
        params["max"] = ctx.policy.activity_max_capacity
    elif field == "sponsor":
        rows = [[ctx.choice(ctx.t("activity.button.no_sponsor"), "none")]]
        params["max"] = service.LIMITS["sponsor"]
    elif field == "budget":
        params["max"] = yuan(ctx.policy.finance_max_fen)
    elif field in service.DOCUMENTS:
        needed = documents_needed(ctx.policy, act.kind, act.expected)
        params["rule"] = needed.get(service.DOCUMENTS[field], "ACT-5")
        params["types"] = ctx.join(ctx.policy.activity_document_types)
        params["limit"] = megabytes(ctx.policy.charter_max_bytes)
    elif field == "expected":
        params["max"] = ctx.policy.activity_max_capacity
        params["large"] = ctx.policy.activity_large_participants
    elif field in service.LIMITS:
        params["max"] = service.LIMITS[field]
    elif field == "ends":
        params["starts"] = local(ctx, act.starts_at)
    if data.editing:
        rows.append([ctx.choice(ctx.t("button.back"), "back")])
    data = data.model_copy(update={"field": field})
    text = ctx.t(f"activity.ask.{field}", **params)
    return Step.ask(FLOW, ActivityStep.ASK, data, text, rows, note)


async def on_ask(ctx: Ctx, data: ActivityData, given: Input) -> Step:
    act = await _act(ctx, data)
    field = data.field or ""
    if data.editing and given.choice == "back":
        return await _review(ctx, act)
    try:
        if field in service.DOCUMENTS:
            if given.document is None:
                return _ask(ctx, act, field, data, ctx.t("activity.send_file"))
            await service.attach(ctx.tx, ctx.policy, ctx.now, act, field, given.document)
        elif given.choice is not None and (field in CHOSEN or field in ("capacity", "sponsor")):
            try:
                await service.choose(ctx.tx, ctx.now, act, field, given.choice)
            except ValueError:
                return _ask(ctx, act, field, data, ctx.t("activity.use_buttons"))
        elif given.text and field not in CHOSEN:
            await service.answer(ctx.tx, ctx.policy, ctx.cal, ctx.now, act, field, given.text)
        else:
            key = "activity.use_buttons" if field in CHOSEN else "activity.type_it"
            return _ask(ctx, act, field, data, ctx.t(key))
    except DomainError as err:
        return _ask(ctx, act, field, data, _err(ctx, err))
    act = await _act(ctx, data)
    if field == "kind" and act.kind is ActivityKind.TALK and not act.speakers:
        return _speakers(ctx, act, data.model_copy(update={"field": None}))
    if field == "starts" and act.ends_at is None and data.editing:
        return _ask(ctx, act, "ends", data)
    return await _next(ctx, data.model_copy(update={"field": None}))


def _speakers(ctx: Ctx, act: Activity, data: ActivityData, note: str | None = None) -> Step:
    lines = [_speaker_line(ctx, entry.speaker) for entry in act.speakers]
    text = ctx.t(
        "activity.ask.speakers",
        speakers=Html("\n".join(lines)) if lines else ctx.t("activity.no_speakers_yet"),
        max=service.LIMITS["speaker"],
    )
    rows: list[list[Button]] = []
    for n, entry in enumerate(act.speakers, 1):
        outside = (
            "activity.button.outside_off" if entry.speaker.outside else "activity.button.outside"
        )
        rows.append(
            [
                ctx.choice(ctx.t(outside, n=n), f"o{entry.id}"),
                ctx.choice(ctx.t("activity.button.remove", n=n), f"r{entry.id}"),
            ]
        )
    if act.speakers:
        rows.append([ctx.choice(ctx.t("activity.button.speakers_done"), "done")])
    return Step.ask(FLOW, ActivityStep.SPEAKERS, data, text, rows, note)


def _speaker_line(ctx: Ctx, speaker: Speaker) -> str:
    return notices.speaker_line(ctx.lang, speaker)


async def on_speakers(ctx: Ctx, data: ActivityData, given: Input) -> Step:
    act = await _act(ctx, data)
    choice = given.choice or ""
    if choice == "done" and act.speakers:
        return await _next(ctx, data)
    toggled, removed = prefixed_number(choice, "o"), prefixed_number(choice, "r")
    if toggled is not None:
        await service.mark_speaker(ctx.tx, ctx.now, act, toggled)
    elif removed is not None:
        await service.remove_speaker(ctx.tx, ctx.now, act, removed)
    elif given.text:
        try:
            await service.add_speaker(ctx.tx, ctx.now, act, given.text)
        except DomainError as err:
            return _speakers(ctx, act, data, _err(ctx, err))
    else:
        return _speakers(ctx, act, data, ctx.t("activity.type_it"))
    return _speakers(ctx, await _act(ctx, data), data)


def summary(ctx: Ctx, act: Activity) -> str:
    """The proposal as approvers and the organizer see it."""
    return notices.summary(ctx.lang, ctx.cal, act)


async def _review(ctx: Ctx, act: Activity, note: str | None = None) -> Step:
    text = ctx.t("activity.review", summary=summary(ctx, act))
    if act.state is ActivityState.RETURNED:
        text = ctx.t("activity.returned_hint", comment=act.comment or "—") + "\n\n" + text
    changes = service.asked(ctx.policy, act)
    rows = [
        [ctx.choice(ctx.t(f"activity.change.{f}"), f"e{f}") for f in changes[i : i + 3]]
        for i in range(0, len(changes), 3)
    ]
    if not service.missing(ctx.policy, act):
        rows.append([ctx.choice(ctx.t("activity.button.submit"), "submit")])
    rows.append([ctx.choice(ctx.t("activity.button.discard"), "discard")])
    data = ActivityData(activity_id=act.id)
    return Step.ask(FLOW, ActivityStep.REVIEW, data, text, rows, note)


async def on_review(ctx: Ctx, data: ActivityData, given: Input) -> Step:
    act = await _act(ctx, data)
    choice = given.choice or ""
    editing = ActivityData(activity_id=act.id, editing=True)
    asked = service.asked(ctx.policy, act)
    if choice == "espeakers" and "speakers" in asked:
        return _speakers(ctx, act, editing)
    if choice.startswith("e") and choice[1:] in asked:
        return _ask(ctx, act, choice[1:], editing)
    if choice == "discard":
        await service.discard(ctx.tx, ctx.now, ctx.user_id, act.id)
        return Step.say(ctx.t("activity.discarded", title=act.title or "—"), edit=True)
    if choice != "submit":
        return await _review(ctx, act, ctx.t("activity.use_buttons"))
    try:
        done = await service.submit(
            ctx.tx,
            ctx.policy,
            ctx.cal,
            ctx.now,
            ctx.user_id,
            ctx.student,
            ctx.advisor_pk,
            act.id,
        )
    except DomainError as err:
        return await _review(ctx, act, _err(ctx, err))
    await approvals.ask_next(ctx.tx, ctx.policy, ctx.cal, ctx.now, done.activity.id)
    key = "activity.submitted_staff" if done.staff else "activity.submitted"
    return Step.say(ctx.t(key, title=act.title or "—", club=act.club), edit=True)


router.flow(
    Flow(
        name=FLOW,
        resume="/activity",
        data_type=ActivityData,
        states={
            ActivityStep.CLUB.value: on_club,
            ActivityStep.ASK.value: on_ask,
            ActivityStep.SPEAKERS.value: on_speakers,
            ActivityStep.REVIEW.value: on_review,
        },
        # /activity resumes a proposal at its first unanswered question, or at the review.
        starts=frozenset(ActivityStep),
        transitions={
            ActivityStep.CLUB: frozenset({ActivityStep.CLUB, ActivityStep.ASK}),
            ActivityStep.ASK: frozenset(
                {ActivityStep.ASK, ActivityStep.SPEAKERS, ActivityStep.REVIEW}
            ),
            ActivityStep.SPEAKERS: frozenset(
                {ActivityStep.SPEAKERS, ActivityStep.ASK, ActivityStep.REVIEW}
            ),
            ActivityStep.REVIEW: frozenset(
                {ActivityStep.ASK, ActivityStep.SPEAKERS, ActivityStep.REVIEW, END}
            ),
        },
    )
)


# --- deciding (ACT-1) ----------------------------------------------------------------------------

COMMENT_FLOW = "activity_comment"


class CommentStep(StrEnum):
    COMMENT = "comment"


class CommentData(BaseModel):
    activity_id: int
    version: int
    decision: Decision


@router.callback(notices.DECIDE)
async def decide_button(ctx: Ctx, cb: Callback) -> Step:
    """Approve at once; return and reject ask for the comment first. The service checks that
    this person answers at the activity's current level, and that the button's version is the
    activity's."""
    code = cb.args[0] if cb.args else ""
    if code not in notices.ACTIONS:
        raise callbacks.BadCallback("expected a|t|j")
    decision = Decision(notices.ACTIONS[code])
    act = await approvals.current(ctx.tx, cb.int_arg(1), cb.int_arg(2))
    if not await approvals.may_decide(ctx.tx, ctx.user_id, act):
        raise approvals.NotApprover()
    if decision is Decision.APPROVE:
        return await _decided(ctx, act.id, act.version, decision, None)
    data = CommentData(activity_id=act.id, version=act.version, decision=decision)
    text = ctx.t(f"activity.ask_comment.{decision.value}", title=act.title or "—")
    return Step.ask(COMMENT_FLOW, CommentStep.COMMENT, data, text, [])


async def _decided(
    ctx: Ctx, activity_id: int, version: int, decision: Decision, comment: str | None
) -> Step:
    act, state, taken = await approvals.decide(
        ctx.tx,
        ctx.policy,
        ctx.cal,
        ctx.now,
        ctx.user_id,
        activity_id,
        version,
        decision,
        comment,
    )
    if taken is not decision:
        return Step.say(ctx.t("activity.refused_stopped", title=act.title or "—"), edit=True)
    key = f"activity.decided.{state.value if decision is Decision.APPROVE else decision.value}"
    return Step.say(ctx.t(key, title=act.title or "—", club=act.club), edit=True)


async def on_comment(ctx: Ctx, data: CommentData, given: Input) -> Step:
    text = (given.text or "").strip()
    if not text or hostile_text(text) is not None or len(text) > approvals.COMMENT_MAX:
        note = ctx.t("activity.comment_how", max=approvals.COMMENT_MAX)
        key = f"activity.ask_comment.{data.decision.value}"
        return Step.ask(COMMENT_FLOW, CommentStep.COMMENT, data, note, [], ctx.t(key, title="—"))
    return await _decided(ctx, data.activity_id, data.version, data.decision, text)


router.flow(
    Flow(
        name=COMMENT_FLOW,
        data_type=CommentData,
        states={CommentStep.COMMENT.value: on_comment},
        starts=frozenset({CommentStep.COMMENT}),
        transitions={CommentStep.COMMENT: frozenset({CommentStep.COMMENT, END})},
    )
)


# --- staff's overview ----------------------------------------------------------------------------

# Lines shown per section of /activities; the rest are counted.
SECTION_LINES = 10


@permissions.command(router, "activities")
async def activities_overview(ctx: Ctx, args: str) -> Step:
    """Waiting for approval with their age, this week's, the large ones, talks with speakers
    from abroad, Hong Kong, Macao or Taiwan."""
    found = await store.in_progress(ctx.tx, ctx.now)
    week = ctx.now + timedelta(days=7)
    waiting = [a for a in found if a.state in LEVELS]
    waiting.sort(key=lambda a: a.submitted_at or ctx.now)
    soon = [
        a
        for a in found
        if a.state is ActivityState.APPROVED and a.starts_at is not None and a.starts_at < week
    ]
    large = [a for a in found if (a.expected or 0) >= ctx.policy.activity_large_participants]
    outside = [a for a in found if any(s.speaker.outside for s in a.speakers)]
    parts = [ctx.t("activity.staff.title")]
    for name, acts in (
        ("waiting", waiting),
        ("week", soon),
        ("large", large),
        ("outside", outside),
    ):
        lines = [ctx.t(f"activity.staff.{name}", count=len(acts))]
        lines += [_overview_line(ctx, a) for a in acts[:SECTION_LINES]]
        if len(acts) > SECTION_LINES:
            lines.append(ctx.t("activity.staff.more", more=len(acts) - SECTION_LINES))
        parts.append("\n".join(lines))
    return Step.say("\n\n".join(parts))


def _overview_line(ctx: Ctx, act: Activity) -> str:
    if act.state in LEVELS:
        days = (ctx.today - ctx.cal.today(act.submitted_at or ctx.now)).days
        return ctx.t(
            "activity.staff.waiting_line",
            id=act.id,
            title=act.title or "—",
            club=act.club,
            level=ctx.t(f"activity.level.{act.state.value}"),
            days=days,
            starts=local(ctx, act.starts_at),
        )
    return ctx.t(
        "activity.staff.line",
        id=act.id,
        title=act.title or "—",
        club=act.club,
        starts=local(ctx, act.starts_at),
        expected=act.expected or 0,
    )
