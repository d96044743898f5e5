"""/unions and /union NAME: the student unions for staff (SU-1 to SU-13).

Staff by position against the policy's caps, SU-5's eligibility flags (restricted data: rank,
political status, sanctions, so staff only, PRIV-4), the last congress and the trainings.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import BaseModel

from bot.core.context import Ctx
from bot.core.permissions import command
from bot.core.router import END, Flow, Input, Router, Step
from bot.domain import annex, compliance
from bot.domain.calendar import add_months
from bot.domain.policy import Policy
from bot.domain.union_rules import eligibility_flags, presidium_cap, staff_cap
from bot.domain.unions import (
    HEADS,
    CongressFact,
    Eligibility,
    PostFact,
    Season,
    UnionData,
    UnionFact,
    in_fixed_list,
)
from bot.domain.values import Student, name_key
from bot.flows.common import clip, known
from bot.services import unions as service
from bot.services.roster import MAX_TEXT
from storage import ledger as ledger_store
from storage import people
from storage import unions as store
from storage.tx import Tx

router = Router()
# A message holds at most this many people; the rest are counted.
MAX_PEOPLE = 60


def _caps(policy: Policy, u: UnionFact) -> tuple[int, int]:
    """(staff, presidium) caps of a union: SU-1 and SU-2 at school level, SU-3 at a college's."""
    return staff_cap(policy, u), presidium_cap(policy, u)


def _last_congress(data: UnionData, union_id: int) -> CongressFact | None:
    held = [c for c in data.congresses if c.union_id == union_id]
    return max(held, key=lambda c: c.held_on) if held else None


def _trainings(ctx: Ctx, data: UnionData, union_id: int) -> str:
    since = add_months(ctx.today, -ctx.policy.su_training_months)
    done = {t.season for t in data.trainings if t.union_id == union_id and t.held_on >= since}
    return ctx.t(
        "unions.trainings",
        spring="✅" if Season.SPRING in done else "❌",
        autumn="✅" if Season.AUTUMN in done else "❌",
    )


def _flags(ctx: Ctx, student: Student | None, e: Eligibility | None) -> list[str]:
    """SU-5's objections in words, and a sanction on record; staff only (PRIV-4)."""
    if student is None:
        return []
    if e is None or e.failed_courses is None:
        found = [ctx.t("unions.no_eligibility")]
    else:
        found = [
            ctx.t(f"ledger.why.unions.{why}", **params)
            for why, params in eligibility_flags(student.political, e, ctx.policy)
        ]
    if student.disciplinary:
        found.append(ctx.t("unions.sanction"))
    return found


def _label(ctx: Ctx, u: UnionFact) -> str:
    level = ctx.t(f"unions.level.{u.level.value}")
    kind = ctx.t(f"unions.kind.{u.kind.value}")
    return ctx.t("unions.label", name=u.name, level=level, kind=kind, college=u.college or "—")


async def _students(ctx: Ctx, posts: list[PostFact]) -> dict[int, Student]:
    pks = sorted({p.student_pk for p in posts})
    return {s.id: s for s in await people.students_by_pks(ctx.tx, pks)}


@command(router, "unions")
async def unions_command(ctx: Ctx, args: str) -> Step:
    if args.strip():
        return await union_command(ctx, args)
    data = await store.union_data(ctx.tx)
    if not data.unions:
        return Step.say(ctx.t("unions.none"))
    by_union: dict[int, list[PostFact]] = defaultdict(list)
    for p in data.posts:
        by_union[p.union_id].append(p)
    students = await _students(ctx, data.posts)
    lines = [ctx.t("unions.title", date=ctx.today.isoformat(), count=len(data.unions))]
    for u in data.unions:
        posts = by_union[u.id]
        staff_cap, presidium_cap = _caps(ctx.policy, u)
        flagged = sum(
            1
            for p in posts
            if _flags(ctx, students.get(p.student_pk), data.eligibility.get(p.student_pk))
        )
        congress = _last_congress(data, u.id)
        lines.append(
            ctx.t(
                "unions.line",
                union=_label(ctx, u),
                staff=len(posts),
                staff_cap=staff_cap,
                presidium=sum(1 for p in posts if p.presidium),
                presidium_cap=presidium_cap,
                flagged=flagged,
                congress=congress.held_on.isoformat() if congress else "—",
                trainings=_trainings(ctx, data, u.id),
            )
        )
    lines.append(ctx.t("unions.hint"))
    return Step.say("\n\n".join(lines))


def _find(data: UnionData, query: str) -> UnionFact | None:
    key = name_key(query)
    return next((u for u in data.unions if name_key(u.name) == key), None)


def _person(ctx: Ctx, p: PostFact, s: Student | None, e: Eligibility | None) -> str:
    position = known(ctx, f"unions.position.{p.position}", p.position)
    if not in_fixed_list(p.position):
        position = ctx.t("unions.outside_list", position=clip(p.position, 32))
    flags = _flags(ctx, s, e)
    return ctx.t(
        "unions.person",
        name=clip(s.name, 32) if s else "?",
        student_id=s.student_id if s else "?",
        position=position,
        flags=ctx.t("unions.flags", flags="; ".join(flags)) if flags else "",
    )


@command(router, "union")
async def union_command(ctx: Ctx, args: str) -> Step:
    data = await store.union_data(ctx.tx)
    if not args.strip():
        return Step.say(ctx.t("unions.usage", names=ctx.join(u.name for u in data.unions)))
    u = _find(data, args.strip())
    if u is None:
        names = ctx.join(clip(u.name) for u in data.unions) or "—"
        return Step.say(ctx.t("unions.unknown", name=clip(args.strip()), names=names))
    posts = [p for p in data.posts if p.union_id == u.id]
    students = await _students(ctx, posts)
    staff_cap, presidium_cap = _caps(ctx.policy, u)
    presidium = [p for p in posts if p.presidium]
    departments = [d for d in data.departments if d.union_id == u.id]
    lines = [
        f"<b>{_label(ctx, u)}</b>",
        ctx.t(
            "unions.figures",
            staff=len(posts),
            staff_cap=staff_cap,
            presidium=len(presidium),
            presidium_cap=presidium_cap,
            departments=len(departments),
            departments_cap=ctx.policy.su_departments,
            population=u.population,
        ),
        ctx.t("unions.presidium"),
    ]
    shown = 0

    def people_of(group: list[PostFact]) -> list[str]:
        nonlocal shown
        out = []
        for p in group:
            shown += 1
            if shown <= MAX_PEOPLE:
                s = students.get(p.student_pk)
                out.append(_person(ctx, p, s, data.eligibility.get(p.student_pk)))
        return out

    lines += people_of(presidium)
    for d in departments:
        inside = [p for p in posts if p.department_id == d.id]
        kind = known(ctx, f"unions.department_kind.{d.kind}", d.kind)
        lines.append(ctx.t("unions.department", name=clip(d.name), kind=kind, count=len(inside)))
        lines += people_of(inside)
    if shown > MAX_PEOPLE:
        lines.append(ctx.t("unions.more", count=shown - MAX_PEOPLE))
    congress = _last_congress(data, u.id)
    if congress is None:
        lines.append(ctx.t("unions.no_congress"))
    else:
        lines.append(
            ctx.t(
                "unions.congress",
                date=congress.held_on.isoformat(),
                kind=ctx.t(f"unions.congress_kind.{congress.kind.value}"),
                representatives=congress.representatives,
                present=congress.present,
                candidates=congress.candidates,
                seats=congress.seats,
            )
        )
    held = sorted(
        (t for t in data.trainings if t.union_id == u.id), key=lambda t: t.held_on, reverse=True
    )
    lines.append(_trainings(ctx, data, u.id))
    lines += [
        ctx.t(
            "unions.training",
            date=t.held_on.isoformat(),
            season=ctx.t(f"unions.season.{t.season.value}"),
            count=t.attendees,
        )
        for t in held[:4]
    ]
    lines.append(_appraised(ctx, data, posts))
    return Step.say("\n".join(lines))


def _appraised(ctx: Ctx, data: UnionData, posts: list[PostFact]) -> str:
    """SU-8: how many presidium members and department heads were appraised in time."""
    last: dict[tuple[int, int], date] = {}
    for a in data.appraisals:
        key = (a.union_id, a.student_pk)
        last[key] = max(last.get(key, a.appraised_on), a.appraised_on)
    due = [p for p in posts if p.presidium or p.position in HEADS]
    timely = sum(
        1
        for p in due
        if add_months(
            last.get((p.union_id, p.student_pk), p.term_start), ctx.policy.su_appraisal_months
        )
        >= ctx.today
    )
    return ctx.t("unions.appraised", count=timely, total=len(due))


# --- the province's work ledger: /plan, /plan ITEM, /plan ITEM … (also /ledger plan ITEM …) ---

PLAN_PARTS = ("obstacle", "owner", "evidence")
PLAN_FLOW = "plan"
SKIP = "skip"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class PlanState(StrEnum):
    DATE = "date"
    OBSTACLE = "obstacle"
    OWNER = "owner"
    EVIDENCE = "evidence"


class PlanData(BaseModel):
    """The draft of an item's entry, kept in the conversation until the last answer."""

    item: str
    planned_on: date | None = None
    obstacle: str | None = None
    owner: str | None = None


def iso_day(value: str) -> date | None:
    """A date written YYYY-MM-DD, or None."""
    if not ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@command(router, "plan")
async def plan_command(ctx: Ctx, args: str) -> Step:
    """`/plan`: the items that still lack a plan; `/plan ITEM`: a short conversation;
    `/plan ITEM [STATUS] [DATE] | OBSTACLE | OWNER | EVIDENCE`: all in one line."""
    words = args.split()
    if not words:
        return await _missing_plans(ctx)
    if len(words) == 1 and "|" not in args and "｜" not in args:
        item = words[0]
        if item not in annex.ITEMS:
            return Step.say(ctx.t("ledger.province.unknown_item", item=clip(item, 24)))
        if ctx.deferred is not None:
            # /ledger plan runs as a report, which cannot hold a conversation: say where to go.
            return Step.say(ctx.t("plan_flow.use_plan", item=item))
        return _ask_date(ctx, PlanData(item=item))
    return await _plan_line(ctx, args)


async def _missing_plans(ctx: Ctx) -> Step:
    """The items not in place that lack a planned date or an obstacle (the export's rule)."""
    snap = await ledger_store.snapshot(ctx.tx, ctx.today)
    rows = annex.rows(compliance.compute(snap, ctx.policy), snap.unions.plans)
    missing = [r for r in rows if r.incomplete]
    if not missing:
        return Step.say(ctx.t("plan_flow.none_missing"))
    lines = [ctx.t("plan_flow.missing_title", count=len(missing))]
    lines += [
        ctx.t(
            "plan_flow.missing_line",
            code=r.item.key,
            number=r.item.number,
            status=ctx.t(f"ledger.province.status_{r.status.value}"),
            requirement=clip(r.item.requirement, 40),
        )
        for r in missing
    ]
    lines.append(ctx.t("plan_flow.missing_hint"))
    return Step.say("\n".join(lines))


def _ask_date(ctx: Ctx, data: PlanData, note: str | None = None) -> Step:
    item = annex.ITEMS[data.item]
    text = ctx.t("plan_flow.ask_date", item=item.number, requirement=clip(item.requirement, 120))
    return Step.ask(PLAN_FLOW, PlanState.DATE, data, text, [], note)


def _ask_text(ctx: Ctx, state: PlanState, data: PlanData, note: str | None = None) -> Step:
    rows = [] if state is PlanState.OBSTACLE else [[ctx.choice(ctx.t("plan_flow.skip"), SKIP)]]
    text = ctx.t(
        f"plan_flow.ask_{state.value}",
        item=annex.ITEMS[data.item].number,
        max=MAX_TEXT,
    )
    return Step.ask(PLAN_FLOW, state, data, text, rows, note)


async def on_date(ctx: Ctx, data: PlanData, given: Input) -> Step:
    value = (given.text or "").strip()
    if not value:
        return _ask_date(ctx, data, ctx.t("plan_flow.send_text"))
    day = iso_day(value)
    if day is None:
        return _ask_date(ctx, data, ctx.t("plan_flow.bad_date", value=clip(value, 24)))
    if day < ctx.today:
        return _ask_date(ctx, data, ctx.t("plan_flow.past_date", date=day.isoformat()))
    return _ask_text(ctx, PlanState.OBSTACLE, data.model_copy(update={"planned_on": day}))


async def on_obstacle(ctx: Ctx, data: PlanData, given: Input) -> Step:
    answer = _answer(ctx, PlanState.OBSTACLE, given)
    if isinstance(answer, Refusal):
        return _ask_text(ctx, PlanState.OBSTACLE, data, answer.note)
    return _ask_text(ctx, PlanState.OWNER, data.model_copy(update={"obstacle": answer}))


async def on_owner(ctx: Ctx, data: PlanData, given: Input) -> Step:
    answer = _answer(ctx, PlanState.OWNER, given)
    if isinstance(answer, Refusal):
        return _ask_text(ctx, PlanState.OWNER, data, answer.note)
    return _ask_text(ctx, PlanState.EVIDENCE, data.model_copy(update={"owner": answer}))


async def on_evidence(ctx: Ctx, data: PlanData, given: Input) -> Step:
    answer = _answer(ctx, PlanState.EVIDENCE, given)
    if isinstance(answer, Refusal):
        return _ask_text(ctx, PlanState.EVIDENCE, data, answer.note)
    row = {
        "item": data.item,
        "planned_on": data.planned_on.isoformat() if data.planned_on else "",
        "obstacle": data.obstacle or "",
        "owner": data.owner or "",
        "evidence": answer or "",
    }
    # An item no record decides keeps the status staff entered for it.
    entered = (await store.plans(ctx.tx)).get(data.item)
    if entered is not None and entered.status is not None:
        row["status"] = entered.status.value
    return await _save(ctx, row, edit=True)


@dataclass(frozen=True, slots=True)
class Refusal:
    note: str


def _answer(ctx: Ctx, state: PlanState, given: Input) -> str | Refusal | None:
    """The answer to a text question: the text, None (skipped), or why it is asked again."""
    if given.choice == SKIP and state is not PlanState.OBSTACLE:
        return None
    value = (given.text or "").strip()
    if not value:
        return Refusal(ctx.t("plan_flow.send_text"))
    limit = MAX_TEXT
    if len(value) > limit:
        return Refusal(ctx.t("plan_flow.too_long", max=limit))
    return value


async def _plan_line(ctx: Ctx, args: str) -> Step:
    """Staff's entry for an annex item: `ITEM [STATUS] [DATE] | OBSTACLE | OWNER | EVIDENCE`."""
    # A Chinese keyboard types the full-width bar.
    first, *rest = args.replace("｜", "|").split("|")
    tokens = first.split()
    if not tokens or len(rest) > len(PLAN_PARTS):
        return Step.say(ctx.t("ledger.province.usage"))
    item, *marks = tokens
    row = {"item": item, **dict(zip(PLAN_PARTS, (p.strip() for p in rest), strict=False))}
    for mark in marks:
        key = "planned_on" if mark[:1].isdigit() else "status"
        if key in row:
            return Step.say(ctx.t("ledger.province.usage"))
        row[key] = mark
    if item not in annex.ITEMS:
        return Step.say(ctx.t("ledger.province.unknown_item", item=clip(item, 24)))
    return await _save(ctx, row)


async def _save(ctx: Ctx, row: dict[str, str], *, edit: bool = False) -> Step:
    try:
        key, plan = service.plan_record(row)
    except ValueError as exc:
        return Step.say(ctx.t("ledger.province.bad", reason=str(exc)), edit=edit)
    now, actor = ctx.now, ctx.user_id

    async def save(tx: Tx) -> None:
        await service.save_plan(tx, now, actor, key, plan)

    # Through `write`: `/ledger plan` runs inside /ledger's read-only report run.
    await ctx.write(save)
    # An item measured by rules takes its status from the records; only an entered one shows.
    status = (
        ctx.t(
            "ledger.province.saved_status",
            status=ctx.t(f"ledger.province.status_{plan.status.value}"),
        )
        if plan.status
        else ""
    )
    return Step.say(
        ctx.t(
            "ledger.province.saved",
            item=annex.ITEMS[key].number,
            status=status,
            planned=plan.planned_on.isoformat() if plan.planned_on else "—",
            owner=plan.owner or "—",
        ),
        edit=edit,
    )


router.flow(
    Flow(
        name=PLAN_FLOW,
        data_type=PlanData,
        states={
            PlanState.DATE.value: on_date,
            PlanState.OBSTACLE.value: on_obstacle,
            PlanState.OWNER.value: on_owner,
            PlanState.EVIDENCE.value: on_evidence,
        },
        starts=frozenset({PlanState.DATE}),
        transitions={
            PlanState.DATE: frozenset({PlanState.DATE, PlanState.OBSTACLE}),
            PlanState.OBSTACLE: frozenset({PlanState.OBSTACLE, PlanState.OWNER}),
            PlanState.OWNER: frozenset({PlanState.OWNER, PlanState.EVIDENCE}),
            PlanState.EVIDENCE: frozenset({PlanState.EVIDENCE, END}),
        },
    )
)
