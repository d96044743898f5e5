"""Appointing, renewing and replacing a club's advisor (REG-3, ADV-2, ADV-3, ADV-4)."""

from __future__ import annotations

from datetime import date, datetime

from bot.domain.calendar import Calendar, add_months
from bot.domain.policy import Policy
from bot.domain.values import (
    Advisor,
    AdvisorDismissed,
    AdvisorLimitReached,
    AdvisorNotPartyMember,
    Club,
    DomainError,
    NoAdvisor,
)
from bot.services import reminders
from storage import advisors, audit
from storage.advisors import Appointment
from storage.tx import Tx


async def appoint(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    club: Club,
    advisor: Advisor,
    term_end: date | None = None,
    *,
    refresh: bool = True,
    actor: int | None = None,
    audited: bool = True,
    over_limit: bool = False,
) -> int:
    """Make `advisor` the club's advisor from today (ending a current appointment, as a
    replacement); the term ends on `term_end` or after the policy's term. Returns its id.

    With `refresh=False` the caller recomputes the club's deadlines itself (an import does it
    once for all its clubs, and writes one audit entry for the whole file). `over_limit`
    records an appointment that already exists beyond ADV-4 (an import of the university's
    real state: the ledger shows the breach)."""
    await advisors.lock_advisors(tx, [advisor.id])
    dismissed = await advisors.is_dismissed(tx, advisor.id)
    current = await advisors.current(tx, club.id)
    same = current is not None and current.advisor.id == advisor.id
    # This advisor does not hold this club unless `same`: every current term counts (but for
    # an appointment recorded as it is, beyond ADV-4).
    holds = None if same or over_limit else await advisors.count_current(tx, advisor.id)
    refusal = _refusal(policy, club, advisor, dismissed, holds)
    if refusal is not None:
        raise refusal
    if same:
        return await renew(
            tx, policy, cal, now, club, term_end, refresh=refresh, actor=actor, audited=audited
        )
    today = cal.today(now)
    if current is not None:
        await advisors.end(tx, current.id, now, "replaced")
    ends = term_end or add_months(today, policy.advisor_term_months)
    appointment = await advisors.start(tx, club.id, advisor.id, today, ends)
    if audited:
        await audit.append(
            tx,
            now,
            actor,
            "advisor.appoint",
            club_id=club.id,
            subject=f"club:{club.id}",
            before=_term(current) if current else None,
            after={"advisor": advisor.staff_id, "starts_on": today, "term_end": ends},
        )
    if refresh:
        await reminders.refresh(tx, policy, cal, now, [club.id])
    return appointment


def _refusal(
    policy: Policy, club: Club, advisor: Advisor, dismissed: bool, holds: int | None
) -> DomainError | None:
    """Why the rules refuse to make `advisor` the club's advisor; `holds` is how many clubs the
    advisor guides now, None when they already guide this one (a renewal)."""
    if dismissed:
        return AdvisorDismissed(advisor=advisor.name)
    if club.category in policy.party_advisor_categories and not advisor.party_member:
        return AdvisorNotPartyMember(club=club.name, advisor=advisor.name)
    if holds is not None and holds >= policy.max_clubs_per_advisor:
        return AdvisorLimitReached(advisor=advisor.name, limit=policy.max_clubs_per_advisor)
    return None


async def appoint_many(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    wanted: list[tuple[Club, Advisor, date | None]],
    *,
    over_limit: bool = False,
) -> list[bool | DomainError]:
    """Give each club (at most once in `wanted`) the advisor until the term end, as `appoint`
    does one after another, in a few statements for all (an import's clubs): for each, True
    when appointed or renewed, False when the advisor already holds that very term, or why the
    rules refused. Not audited; the caller recomputes the clubs' deadlines. `over_limit`, as for
    `appoint`: appointments that already exist beyond ADV-4."""
    advisor_pks = sorted({advisor.id for _, advisor, _ in wanted})
    await advisors.lock_advisors(tx, advisor_pks)
    dismissed = await advisors.dismissed_among(tx, advisor_pks)
    holds = await advisors.count_current_of(tx, advisor_pks)
    current = await advisors.current_of(tx, [club.id for club, _, _ in wanted])
    today = cal.today(now)
    ended: dict[str, list[int]] = {"replaced": [], "renewed": []}
    started: list[tuple[int, int, date, date]] = []
    done: list[bool | DomainError] = []
    for club, advisor, term_end in wanted:
        held = current.get(club.id)
        same = held is not None and held.advisor.id == advisor.id
        if held is not None and same and term_end in (None, held.term_end):
            done.append(False)
            continue
        count = None if same or over_limit else holds.get(advisor.id, 0)
        refusal = _refusal(policy, club, advisor, advisor.id in dismissed, count)
        if refusal is not None:
            done.append(refusal)
            continue
        if held is not None and same:
            ends = term_end or add_months(max(held.term_end, today), policy.advisor_term_months)
            ended["renewed"].append(held.id)
        else:
            ends = term_end or add_months(today, policy.advisor_term_months)
            if held is not None:
                ended["replaced"].append(held.id)
                holds[held.advisor.id] = holds.get(held.advisor.id, 0) - 1
            holds[advisor.id] = holds.get(advisor.id, 0) + 1
        started.append((club.id, advisor.id, today, ends))
        done.append(True)
    for reason, ids in ended.items():
        await advisors.end_many(tx, ids, now, reason)
    await advisors.start_many(tx, started)
    return done


async def renew(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    club: Club,
    term_end: date | None = None,
    *,
    refresh: bool = True,
    actor: int | None = None,
    audited: bool = True,
) -> int:
    """Renew the current advisor for another term (to `term_end`, or one term more)."""
    current = await advisors.current(tx, club.id)
    if current is None:
        raise NoAdvisor(club=club.name)
    today = cal.today(now)
    new_end = term_end or add_months(max(current.term_end, today), policy.advisor_term_months)
    await advisors.end(tx, current.id, now, "renewed")
    appointment = await advisors.start(tx, club.id, current.advisor.id, today, new_end)
    if audited:
        await audit.append(
            tx,
            now,
            actor,
            "advisor.renew",
            club_id=club.id,
            subject=f"club:{club.id}",
            before=_term(current),
            after={"advisor": current.advisor.staff_id, "starts_on": today, "term_end": new_end},
        )
    if refresh:
        await reminders.refresh(tx, policy, cal, now, [club.id])
    return appointment


def _term(appointment: Appointment) -> dict[str, object]:
    return {
        "advisor": appointment.advisor.staff_id,
        "starts_on": appointment.starts_on,
        "term_end": appointment.term_end,
    }
