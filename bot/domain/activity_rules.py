"""The ledger's activity rules (ACT-1 to ACT-12): pure functions of a `Snapshot` (its
`activities` records) and the policy, like `compliance.py`'s and `union_rules.py`'s.

Each rule counts the clubs it checks and names those that do not comply, since when and why.
ACT-2 (activities a semester) counts the participants checked in; ACT-10 the reports filed
after each activity. A rule with nothing to check says "no data".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from bot.domain.activities import LEVELS, ActivityKind, ActivityState, WorkCalendar
from bot.domain.activity_facts import ActivityFact, MoneyFact
from bot.domain.compliance import (
    ClubFact,
    Finding,
    RuleReport,
    Snapshot,
    Standing,
    _club,
    _live,
    _report,
)
from bot.domain.finance import semester_of, shifted
from bot.domain.policy import Policy
from bot.domain.values import ClubStatus

# The reasons' message keys live under `ledger.why.act.`.
WHY = "act."
# Activities that reached the approval path (a draft or a withdrawal is not an activity).
PROPOSED = frozenset(
    {ActivityState.ADVISOR, ActivityState.UNIT, ActivityState.STAFF, ActivityState.APPROVED}
)


def _by_club(snap: Snapshot) -> dict[int, ClubFact]:
    return {c.id: c for c in snap.clubs}


def _activity(
    c: ClubFact, a: ActivityFact, since: date | None, why: str, **params: object
) -> Finding:
    return _club(c, since, f"{WHY}{why}", title=a.title, **params)


def _per_club(
    snap: Snapshot, rule: str, wanted: Callable[[ActivityFact], bool], check: Checker
) -> RuleReport:
    """A rule over activities: the clubs with at least one activity it concerns are checked."""
    clubs = _by_club(snap)
    checked: set[int] = set()
    found: list[Finding] = []
    for a in snap.activities.activities:
        c = clubs.get(a.club_id)
        if c is None or not wanted(a):
            continue
        checked.add(c.id)
        finding = check(c, a)
        if finding is not None:
            found.append(finding)
    return _report(rule, len(checked), found)


Checker = Callable[[ClubFact, ActivityFact], Finding | None]


def act_1(snap: Snapshot, policy: Policy) -> RuleReport:
    """Held without full approval (started while still waiting), or a level that has not
    answered within `activity_answer_working_days` working days (silence is not approval)."""
    work, today = snap.activities.work, snap.today
    limit = policy.activity_answer_working_days

    def check(c: ClubFact, a: ActivityFact) -> Finding | None:
        if a.state not in LEVELS:
            return None
        if a.starts_on <= today:
            return _activity(c, a, a.starts_on, "unapproved_held", level=a.state.value)
        since = a.waiting_since or a.submitted_on
        if since is not None and work.between(since, today) >= limit:
            return _activity(c, a, since, "approval_overdue", level=a.state.value, days=limit)
        return None

    return _per_club(snap, "ACT-1", lambda a: a.state in PROPOSED, check)


def act_2(snap: Snapshot, policy: Policy) -> RuleReport:
    """Every active club that existed all through the last semester that has ended held at
    least `semester_min_activities` approved activities there, each with at least
    `activity_min_participants` checked in."""
    last = shifted(policy, semester_of(policy, snap.today), 1)
    n, p = policy.semester_min_activities, policy.activity_min_participants
    held: dict[int, int] = {}
    for a in snap.activities.activities:
        approved = a.state is ActivityState.APPROVED
        if approved and last.starts <= a.starts_on <= last.ends and a.checkins >= p:
            held[a.club_id] = held.get(a.club_id, 0) + 1
    clubs = [c for c in _live(snap) if c.status is ClubStatus.ACTIVE and c.founded <= last.starts]
    found = [
        _club(
            c,
            last.ends + timedelta(days=1),
            f"{WHY}too_few",
            held=held.get(c.id, 0),
            needed=n,
            participants=p,
            semester=last.label,
        )
        for c in clubs
        if held.get(c.id, 0) < n
    ]
    return _report("ACT-2", len(clubs), found)


def act_10(snap: Snapshot, policy: Policy) -> RuleReport:
    """Every approved activity that has ended has its report (participants from the check-ins,
    a summary, the spending) within `activity_report_days` of its end."""
    days = policy.activity_report_days

    def check(c: ClubFact, a: ActivityFact) -> Finding | None:
        if a.report_filed or a.ends_on is None:
            return None
        due = a.ends_on + timedelta(days=days)
        return _activity(c, a, due + timedelta(days=1), "report_overdue", due=due.isoformat())

    def due(a: ActivityFact) -> bool:
        if a.state is not ActivityState.APPROVED or a.ends_on is None:
            return False
        return a.report_filed or a.ends_on + timedelta(days=days) < snap.today

    return _per_club(snap, "ACT-10", due, check)


def act_3(snap: Snapshot, policy: Policy) -> RuleReport:
    """Large activities still to come: those without a safety plan on record, and those of
    `large_permit_participants` or more, flagged for staff to see the police permit."""

    def check(c: ClubFact, a: ActivityFact) -> Finding | None:
        if a.expected >= policy.large_permit_participants:
            why = "permit" if a.safety_plan else "permit_no_plan"
            return _activity(c, a, a.submitted_on, why, expected=a.expected)
        if not a.safety_plan:
            return _activity(c, a, a.submitted_on, "no_safety_plan", expected=a.expected)
        return None

    def large(a: ActivityFact) -> bool:
        return (
            a.state in PROPOSED
            and a.starts_on >= snap.today
            and a.expected >= policy.activity_large_participants
        )

    return _per_club(snap, "ACT-3", large, check)


def _short(a: ActivityFact, days: int, working: bool, work: WorkCalendar) -> bool:
    if a.submitted_on is None:
        return False
    if working:
        return work.between(a.submitted_on, a.starts_on) < days
    return (a.starts_on - a.submitted_on).days < days


def act_4(snap: Snapshot, policy: Policy) -> RuleReport:
    """Talks submitted with less than ACT-4's lead time (working days with a speaker from
    abroad, Hong Kong, Macao or Taiwan)."""

    def check(c: ClubFact, a: ActivityFact) -> Finding | None:
        if a.outside_speaker:
            days, working = policy.talk_outside_lead_working_days, True
        else:
            days, working = policy.talk_lead_days, False
        if _short(a, days, working, snap.activities.work):
            return _activity(c, a, a.submitted_on, "talk_lead", days=days)
        return None

    return _per_club(
        snap, "ACT-4", lambda a: a.kind is ActivityKind.TALK and a.state in PROPOSED, check
    )


def act_5(snap: Snapshot, policy: Policy) -> RuleReport:
    """Off-campus activities without their participant list or safety plan on record, or
    submitted with less than `off_campus_lead_days` days' notice."""

    def check(c: ClubFact, a: ActivityFact) -> Finding | None:
        if not (a.participant_list and a.safety_plan):
            return _activity(c, a, a.submitted_on, "off_campus_documents")
        if _short(a, policy.off_campus_lead_days, False, snap.activities.work):
            return _activity(
                c, a, a.submitted_on, "off_campus_lead", days=policy.off_campus_lead_days
            )
        return None

    return _per_club(
        snap, "ACT-5", lambda a: a.kind is ActivityKind.OFF_CAMPUS and a.state in PROPOSED, check
    )


def act_6(snap: Snapshot, policy: Policy) -> RuleReport:
    """Clubs with an account whose responsible officer left office, or recorded more than
    `account_record_days` days after it was opened."""
    clubs = _by_club(snap)
    checked: set[int] = set()
    found: list[Finding] = []
    for a in snap.activities.accounts:
        c = clubs.get(a.club_id)
        if c is None or c.status is not ClubStatus.ACTIVE:
            continue
        checked.add(c.id)
        if a.left_on is not None:
            found.append(_club(c, a.left_on, f"{WHY}account_orphaned", handle=a.handle))
        late = a.opened_on is not None and a.recorded_on > a.opened_on + timedelta(
            days=policy.account_record_days
        )
        if late and a.opened_on is not None:
            found.append(
                _club(
                    c,
                    a.opened_on + timedelta(days=policy.account_record_days + 1),
                    f"{WHY}account_late",
                    handle=a.handle,
                    days=policy.account_record_days,
                )
            )
    return _report("ACT-6", len(checked), found)


def act_7(snap: Snapshot, policy: Policy) -> RuleReport:
    """Every active club: the last ended semester's statement shown to the members (a club
    founded after that semester began is not asked), and no expense without a voucher."""
    last = shifted(policy, semester_of(policy, snap.today), 1)
    clubs = [c for c in _live(snap) if c.status is ClubStatus.ACTIVE]
    found: list[Finding] = []
    for c in clubs:
        money = snap.activities.money.get(c.id, MoneyFact(c.id))
        if c.founded <= last.starts and last.label not in money.statements:
            since = last.ends + timedelta(days=1)
            found.append(_club(c, since, f"{WHY}no_statement", semester=last.label))
        if money.bare_expenses:
            found.append(_club(c, money.first_bare, f"{WHY}no_voucher", count=money.bare_expenses))
    return _report("ACT-7", len(clubs), found)


def act_8(snap: Snapshot, policy: Policy) -> RuleReport:
    """Clubs with money on record: those that collected dues while no dues fixed by the
    charter are on record (the advisor records them in the club's profile)."""
    clubs = _by_club(snap)
    checked = [m for m in snap.activities.money.values() if m.club_id in clubs and m.lines]
    found = [
        _club(clubs[m.club_id], m.first_dues, f"{WHY}dues_unchartered", count=m.dues)
        for m in checked
        if m.dues and not m.dues_chartered
    ]
    return _report("ACT-8", len(checked), found)


def act_9(snap: Snapshot, policy: Policy) -> RuleReport:
    """Clubs with money on record: those with sponsorship income but no sponsored activity
    staff approved (the exception and its record, ACT-9)."""
    clubs = _by_club(snap)
    approved = {
        a.club_id
        for a in snap.activities.activities
        if a.sponsored and a.state is ActivityState.APPROVED
    }
    checked = [m for m in snap.activities.money.values() if m.club_id in clubs and m.lines]
    found = [
        _club(clubs[m.club_id], m.first_sponsorship, f"{WHY}sponsorship", count=m.sponsorships)
        for m in checked
        if m.sponsorships and m.club_id not in approved
    ]
    return _report("ACT-9", len(checked), found)


def act_12(snap: Snapshot, policy: Policy) -> RuleReport:
    """Activities of a club that is not active (suspended after a failed review, banned or
    dissolved) starting after its status changed: approved or still in the approval path."""

    def check(c: ClubFact, a: ActivityFact) -> Finding | None:
        if c.status is ClubStatus.ACTIVE:
            return None
        if c.status_since is not None and a.starts_on < c.status_since:
            return None
        return _activity(c, a, c.status_since, "stopped_club", status=c.status.value)

    return _per_club(snap, "ACT-12", lambda a: a.state in PROPOSED, check)


RULES: dict[str, Callable[[Snapshot, Policy], RuleReport]] = {
    "ACT-1": act_1,
    "ACT-2": act_2,
    "ACT-3": act_3,
    "ACT-4": act_4,
    "ACT-5": act_5,
    "ACT-6": act_6,
    "ACT-7": act_7,
    "ACT-8": act_8,
    "ACT-9": act_9,
    "ACT-10": act_10,
    # ACT-11: an activity's fit with the club's purpose is checked by the three approvers.
    "ACT-11": lambda snap, policy: RuleReport("ACT-11", Standing.IN_PLACE),
    "ACT-12": act_12,
}
