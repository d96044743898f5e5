"""Advisors by command (ADV-1 to ADV-5), for staff.

/hire STAFF_ID, NAME, DEPARTMENT, party|no   add a teacher to the bank (or bring one back)
/appoint STAFF_ID CLUB                          appoint (ADV-2 and ADV-4 checked)
/renew CLUB                                     renew the current advisor's term (ADV-3)
/evaluate STAFF_ID pass|fail [COMMENT]          record this year's evaluation (ADV-5)
/dismiss STAFF_ID [REASON]                      dismiss after a failed evaluation
"""

from __future__ import annotations

from bot.chat.i18n import tr
from bot.core.context import Ctx
from bot.core.permissions import command
from bot.core.router import Router, Step
from bot.domain.values import Advisor, DomainError
from bot.flows.common import clip
from bot.flows.console import find_club, usage
from bot.services import advisors as service
from bot.services import appointments, roster
from storage import advisors

router = Router()
PARTY = {"party", "yes", "y", "党员", "是"}
NOT_PARTY = {"no", "n", "none", "否", "非党员"}


def _err(ctx: Ctx, err: DomainError) -> Step:
    return Step.say(tr(ctx.lang, err.key, **err.params))


@command(router, "hire")
async def hire(ctx: Ctx, args: str) -> Step:
    # A Chinese keyboard types the full-width comma.
    parts = [p.strip() for p in args.replace("，", ",").split(",")]
    if len(parts) != 4 or parts[3].lower() not in PARTY | NOT_PARTY:
        return usage(ctx, "hire")
    # The same checks as a row of `clubbot import advisors`.
    parts[3] = "yes" if parts[3].lower() in PARTY else "no"
    try:
        record = roster.advisor_record(dict(zip(roster.ADVISOR_HEADER, parts, strict=True)))
    except ValueError as exc:
        reason = ctx.t("console.hire_bad", reason=str(exc))
        return Step.say(f"{reason}\n{ctx.t('console.usage.hire')}")
    hired = await service.hire(
        ctx.tx,
        ctx.now,
        ctx.user_id,
        record.staff_id,
        record.name,
        record.department,
        record.party_member,
    )
    if hired is None:
        return Step.say(ctx.t("console.hire_exists", staff_id=clip(record.staff_id)))
    return Step.say(ctx.t("console.hired", name=hired.name, staff_id=hired.staff_id))


async def _advisor(ctx: Ctx, staff_id: str) -> Advisor | Step:
    found = await advisors.by_staff_id(ctx.tx, staff_id)
    if found is None:
        return Step.say(ctx.t("console.no_advisor", query=clip(staff_id)))
    return found


@command(router, "appoint")
async def appoint(ctx: Ctx, args: str) -> Step:
    staff_id, _, name = args.strip().partition(" ")
    if not staff_id or not name.strip():
        return usage(ctx, "appoint")
    advisor = await _advisor(ctx, staff_id)
    if isinstance(advisor, Step):
        return advisor
    club = await find_club(ctx, name)
    if isinstance(club, Step):
        return club
    try:
        await appointments.appoint(
            ctx.tx, ctx.policy, ctx.cal, ctx.now, club, advisor, actor=ctx.user_id
        )
    except DomainError as err:
        return _err(ctx, err)
    current = await advisors.current(ctx.tx, club.id)
    assert current is not None
    return Step.say(
        ctx.t("console.appointed", name=advisor.name, club=club.name, end=current.term_end)
    )


@command(router, "renew")
async def renew(ctx: Ctx, args: str) -> Step:
    if not args.strip():
        return usage(ctx, "renew")
    club = await find_club(ctx, args)
    if isinstance(club, Step):
        return club
    try:
        await appointments.renew(ctx.tx, ctx.policy, ctx.cal, ctx.now, club, actor=ctx.user_id)
    except DomainError as err:
        return _err(ctx, err)
    current = await advisors.current(ctx.tx, club.id)
    assert current is not None
    return Step.say(
        ctx.t("console.renewed", name=current.advisor.name, club=club.name, end=current.term_end)
    )


@command(router, "evaluate")
async def evaluate(ctx: Ctx, args: str) -> Step:
    parts = args.split(maxsplit=2)
    if len(parts) < 2 or parts[1].lower() not in ("pass", "fail"):
        return usage(ctx, "evaluate")
    advisor = await _advisor(ctx, parts[0])
    if isinstance(advisor, Step):
        return advisor
    passed = parts[1].lower() == "pass"
    comment = parts[2][:1000] if len(parts) == 3 else ""
    await service.evaluate(ctx.tx, ctx.now, ctx.user_id, advisor, ctx.today.year, passed, comment)
    key = "console.evaluated_pass" if passed else "console.evaluated_fail"
    return Step.say(ctx.t(key, name=advisor.name, year=ctx.today.year))


@command(router, "dismiss")
async def dismiss(ctx: Ctx, args: str) -> Step:
    staff_id, _, reason = args.strip().partition(" ")
    if not staff_id:
        return usage(ctx, "dismiss")
    advisor = await _advisor(ctx, staff_id)
    if isinstance(advisor, Step):
        return advisor
    try:
        left = await service.dismiss(
            ctx.tx,
            ctx.policy,
            ctx.cal,
            ctx.now,
            ctx.user_id,
            advisor,
            " ".join(reason.split())[:500] or "ADV-5",
        )
    except DomainError as err:
        return _err(ctx, err)
    lines = [ctx.t("console.dismissed_done", name=advisor.name, count=len(left))]
    lines += [ctx.t("console.flag_no_advisor", club=clip(c.name)) for c in left]
    return Step.say("\n".join(lines))
