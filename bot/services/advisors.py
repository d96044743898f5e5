"""The advisor bank (ADV-1), yearly evaluations and dismissal (ADV-5), audited."""

from __future__ import annotations

from datetime import datetime

from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.domain.values import Advisor, Club, NotEvaluatedFailed
from bot.services import notices, reminders
from storage import advisors, audit, clubs
from storage.tx import Tx


async def hire(
    tx: Tx,
    now: datetime,
    actor: int | None,
    staff_id: str,
    name: str,
    department: str,
    party_member: bool,
) -> Advisor | None:
    """Add a teacher to the bank, or bring a retired one back (their record as it was);
    None when the staff_id is in the bank already."""
    advisor = await advisors.hire(tx, staff_id, name, department, party_member, now)
    before: dict[str, object] | None = None
    if advisor is None:
        if not await advisors.unretire(tx, staff_id):
            return None
        advisor = await advisors.by_staff_id(tx, staff_id)
        assert advisor is not None
        before = {"retired": True}
    await audit.append(
        tx,
        now,
        actor,
        "advisor.hire",
        subject=f"advisor:{staff_id}",
        before=before,
        after={
            "name": advisor.name,
            "department": advisor.department,
            "party_member": advisor.party_member,
        },
    )
    return advisor


async def retire(tx: Tx, now: datetime, actor: int | None, staff_id: str) -> bool:
    """Take an advisor out of the bank: new applications cannot choose them (ADV-1); their
    current appointments stay. False when they were not in it."""
    if not await advisors.retire(tx, staff_id, now):
        return False
    await audit.append(
        tx, now, actor, "advisor.retire", subject=f"advisor:{staff_id}", after={"retired": True}
    )
    return True


async def evaluate(
    tx: Tx,
    now: datetime,
    actor: int | None,
    advisor: Advisor,
    year: int,
    passed: bool,
    comment: str,
) -> None:
    """Record the advisor's evaluation for `year` (a second one corrects the first)."""
    old = await advisors.record_evaluation(tx, advisor.id, year, passed, comment, actor, now)
    await audit.append(
        tx,
        now,
        actor,
        "advisor.evaluate",
        subject=f"advisor:{advisor.staff_id}",
        before={"year": old.year, "passed": old.passed} if old else None,
        after={"year": year, "passed": passed, "comment": comment},
    )


async def dismiss(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    actor: int | None,
    advisor: Advisor,
    reason: str,
) -> list[Club]:
    """Dismiss an advisor whose latest evaluation failed: every appointment ends, and the clubs
    left without an advisor (returned) have their officers told."""
    await advisors.lock_advisors(tx, [advisor.id])
    latest = await advisors.latest_evaluation(tx, advisor.id)
    if latest is None or latest.passed:
        raise NotEvaluatedFailed(advisor=advisor.name)
    await advisors.dismiss(tx, advisor.id, reason, actor, now)
    left: list[Club] = []
    for appointment in await advisors.current_for_advisor(tx, advisor.id):
        await advisors.end(tx, appointment.id, now, "dismissed")
        club = await clubs.club(tx, appointment.club_id)
        if club is not None:
            left.append(club)
    await audit.append(
        tx,
        now,
        actor,
        "advisor.dismiss",
        subject=f"advisor:{advisor.staff_id}",
        after={"reason": reason, "clubs": [c.id for c in left]},
    )
    for club in left:
        await notices.tell_officers(
            tx,
            now,
            f"dismissed:{advisor.id}:{club.id}",
            club.id,
            "console.notice_no_advisor",
            club=club.name,
            advisor=advisor.name,
        )
    await reminders.refresh(tx, policy, cal, now, [c.id for c in left])
    return left
