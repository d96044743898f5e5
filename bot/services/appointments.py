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
    if await advisors.is_dismissed(tx, advisor.id):
        raise AdvisorDismissed(advisor=advisor.name)
    if club.category in policy.party_advisor_categories and not advisor.party_member:
        raise AdvisorNotPartyMember(club=club.name, advisor=advisor.name)
    current = await advisors.current(tx, club.id)
    if current is not None and current.advisor.id == advisor.id:
        return await renew(
            tx, policy, cal, now, club, term_end, refresh=refresh, actor=actor, audited=audited
        )
    # This advisor does not hold this club (that returned above): every current term counts.
    limit = policy.max_clubs_per_advisor
    if not over_limit and await advisors.count_current(tx, advisor.id) >= limit:
        raise AdvisorLimitReached(advisor=advisor.name, limit=policy.max_clubs_per_advisor)
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
