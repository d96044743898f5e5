"""The ledger's student-union rules (SU-1 to SU-14) and club branches (ORG-4, ORG-4a): pure
functions of a `Snapshot` (its `unions` records) and the policy, like `compliance.py`'s.

A rule with no union on record says "no data", not "met". Each finding names the union (or the
student, or the club), since when it stands and why.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from fractions import Fraction

from bot.domain.calendar import add_months
from bot.domain.compliance import (
    Finding,
    RuleReport,
    Snapshot,
    Standing,
    _club,
    _live,
    _report,
)
from bot.domain.policy import Policy
from bot.domain.unions import (
    GRADUATE_LEVELS,
    HEADS,
    BranchKind,
    CongressFact,
    CongressKind,
    DepartmentKind,
    Eligibility,
    EventKind,
    PostFact,
    Season,
    UnionFact,
    UnionKind,
    UnionLevel,
    in_fixed_list,
)
from bot.domain.values import Political

# Who may hold a union post (SU-5): Party members (full or probationary) and League members.
UNION_POLITICAL = frozenset({Political.PARTY, Political.PROBATIONARY, Political.LEAGUE})
# A finding on SU-7's coverage names at most this many of the values left out.
COVERAGE_SHOWN = 5
# The reasons' message keys live under `ledger.why.unions.`.
WHY = "unions."


def _union(u: UnionFact, since: date | None, why: str, **params: object) -> Finding:
    pairs = tuple((k, str(v)) for k, v in params.items())
    return Finding("union", str(u.id), u.name, since, f"{WHY}{why}", pairs)


def _holder(
    snap: Snapshot, p: PostFact, why: str, since: date | None = None, **params: object
) -> Finding:
    """A finding about a post's holder, since the term began unless said otherwise."""
    s = snap.students.get(p.student_pk)
    ref, name = (s.student_id, s.name) if s else (str(p.student_pk), "")
    pairs = tuple((k, str(v)) for k, v in params.items())
    return Finding("student", ref, name, since or p.term_start, f"{WHY}{why}", pairs)


def _posts(snap: Snapshot) -> dict[int, list[PostFact]]:
    held: dict[int, list[PostFact]] = defaultdict(list)
    for p in snap.unions.posts:
        held[p.union_id].append(p)
    return held


def _level(snap: Snapshot, level: UnionLevel) -> list[UnionFact]:
    return [u for u in snap.unions.unions if u.level is level]


def _since(posts: list[PostFact]) -> date | None:
    """When a union's current make-up took shape: the latest term start."""
    return max((p.term_start for p in posts), default=None)


def staff_cap(policy: Policy, u: UnionFact) -> int:
    """How many people a union may have in post: SU-1 at school level (higher for a large or
    multi-campus university), SU-3 at a college's."""
    if u.level is UnionLevel.COLLEGE:
        return policy.su_college_staff
    return policy.su_school_staff_large if u.large_or_multi_campus else policy.su_school_staff


def presidium_cap(policy: Policy, u: UnionFact) -> int:
    """SU-2 at school level, SU-3 at a college's."""
    if u.level is UnionLevel.COLLEGE:
        return policy.su_college_presidium
    return policy.su_school_presidium


def su_1(snap: Snapshot, policy: Policy) -> RuleReport:
    held = _posts(snap)
    found = []
    schools = _level(snap, UnionLevel.SCHOOL)
    for u in schools:
        cap = staff_cap(policy, u)
        staff = len(held[u.id])
        if staff > cap:
            found.append(_union(u, _since(held[u.id]), "union_staff", count=staff, limit=cap))
    return _report("SU-1", len(schools), found)


def su_2(snap: Snapshot, policy: Policy) -> RuleReport:
    held = _posts(snap)
    schools = _level(snap, UnionLevel.SCHOOL)
    found = []
    for u in schools:
        posts = held[u.id]
        since = _since(posts)
        presidium = sum(1 for p in posts if p.presidium)
        if presidium > policy.su_school_presidium:
            found.append(
                _union(
                    u, since, "presidium_size", count=presidium, limit=policy.su_school_presidium
                )
            )
        departments = [d for d in snap.unions.departments if d.union_id == u.id]
        if len(departments) > policy.su_departments:
            found.append(
                _union(
                    u, since, "departments", count=len(departments), limit=policy.su_departments
                )
            )
        for d in departments:
            inside = [p for p in posts if p.department_id == d.id]
            heads = sum(1 for p in inside if p.position in HEADS)
            staff = sum(1 for p in inside if p.position not in HEADS)
            low, high = policy.su_department_heads_min, policy.su_department_heads_max
            if not low <= heads <= high:
                found.append(
                    _union(
                        u,
                        since,
                        "department_heads",
                        department=d.name,
                        count=heads,
                        low=low,
                        high=high,
                    )
                )
            if staff > policy.su_department_staff:
                found.append(
                    _union(
                        u,
                        since,
                        "department_staff",
                        department=d.name,
                        count=staff,
                        limit=policy.su_department_staff,
                    )
                )
    return _report("SU-2", len(schools), found)


def su_3(snap: Snapshot, policy: Policy) -> RuleReport:
    held = _posts(snap)
    colleges = _level(snap, UnionLevel.COLLEGE)
    found = []
    for u in colleges:
        posts = held[u.id]
        presidium = sum(1 for p in posts if p.presidium)
        if len(posts) > policy.su_college_staff:
            found.append(
                _union(
                    u,
                    _since(posts),
                    "union_staff",
                    count=len(posts),
                    limit=policy.su_college_staff,
                )
            )
        elif len(posts) < policy.su_college_staff_min:
            # Too few is a breach too ("20 to 30"); its message lives in `ledger.why.union_size`.
            pairs = (("count", str(len(posts))), ("low", str(policy.su_college_staff_min)))
            found.append(
                Finding("union", str(u.id), u.name, _since(posts), "union_size.too_few", pairs)
            )
        if presidium > policy.su_college_presidium:
            found.append(
                _union(
                    u,
                    _since(posts),
                    "presidium_size",
                    count=presidium,
                    limit=policy.su_college_presidium,
                )
            )
    return _report("SU-3", len(colleges), found)


def su_4(snap: Snapshot, policy: Policy) -> RuleReport:
    held = _posts(snap)
    found = []
    for u in snap.unions.unions:
        other = [p for p in held[u.id] if not in_fixed_list(p.position)]
        if other:
            found.append(
                _union(
                    u,
                    min(p.term_start for p in other),
                    "other_positions",
                    positions=", ".join(sorted({p.position for p in other})),
                )
            )
    return _report("SU-4", len(snap.unions.unions), found)


def eligibility_flags(
    political: Political, e: Eligibility, policy: Policy
) -> list[tuple[str, dict[str, object]]]:
    """SU-5's objections to a union post holder, as (reason key, parameters); none if eligible.

    First-year students are exempt from the rank bar; graduate students need only no failed
    course."""
    flags: list[tuple[str, dict[str, object]]] = []
    if e.failed_courses:
        flags.append(("failed_courses", {"count": e.failed_courses}))
    if e.degree_level in GRADUATE_LEVELS:
        return flags
    if political not in UNION_POLITICAL:
        flags.append(("union_political", {}))
    if e.grade == 1:
        return flags
    if e.major_rank_pct is None:
        flags.append(("no_major_rank", {}))
    elif e.rank_basis is not None and e.rank_basis.value != policy.su_rank_basis:
        flags.append(("rank_basis", {"basis": e.rank_basis.value}))
    elif e.major_rank_pct > policy.su_major_rank_pct:
        flags.append(("major_rank", {"rank": e.major_rank_pct, "limit": policy.su_major_rank_pct}))
    return flags


def su_5(snap: Snapshot, policy: Policy) -> RuleReport:
    """Every post holder against `eligibility_flags`; a holder whose roster has no SU-5 columns
    (no failed-course count) is "no record"."""
    checked, unrecorded, found = 0, 0, []
    seen: set[int] = set()
    for p in snap.unions.posts:
        if p.student_pk in seen:
            continue
        seen.add(p.student_pk)
        e = snap.unions.eligibility.get(p.student_pk)
        s = snap.students.get(p.student_pk)
        if e is None or s is None or e.failed_courses is None:
            unrecorded += 1
            continue
        checked += 1
        found += [
            replace(_holder(snap, p, why), params=tuple((k, str(v)) for k, v in params.items()))
            for why, params in eligibility_flags(s.political, e, policy)
        ]
    return _report("SU-5", checked, found, unrecorded)


def su_6(snap: Snapshot, policy: Policy) -> RuleReport:
    """Presidium members elected by a congress; at school level, the selection trail complete
    and at least the policy's share of the staff from college unions."""
    levels = {u.id: u for u in snap.unions.unions}
    held = _posts(snap)
    checked, found = 0, []
    for p in snap.unions.posts:
        if not p.presidium:
            continue
        checked += 1
        if p.congress_id is None:
            found.append(_holder(snap, p, "not_elected_by_congress"))
        school = levels[p.union_id].level is UnionLevel.SCHOOL
        trail = (p.recommended_on, p.party_consent_on, p.joint_review_on, p.decided_on)
        if school and any(day is None for day in trail):
            found.append(_holder(snap, p, "trail_incomplete"))
    for u in _level(snap, UnionLevel.SCHOOL):
        posts = held[u.id]
        if not posts:
            continue
        checked += 1
        share = sum(1 for p in posts if p.from_college_union) * 100 // len(posts)
        if share < policy.su_from_college_pct:
            found.append(
                _union(
                    u, _since(posts), "from_college", pct=share, limit=policy.su_from_college_pct
                )
            )
    return _report("SU-6", checked, found)


def _latest(snap: Snapshot) -> dict[int, CongressFact]:
    latest: dict[int, CongressFact] = {}
    for c in sorted(snap.unions.congresses, key=lambda c: c.held_on):
        latest[c.union_id] = c
    return latest


def _served(snap: Snapshot, u: UnionFact) -> list[tuple[str, int | None, str | None]]:
    """(college, grade, major) of the enrolled students a union serves."""
    return [
        (e.college, e.grade, e.major)
        for e in snap.unions.enrolled
        if (u.level is UnionLevel.SCHOOL or e.college == u.college)
        and e.graduate == (u.kind is UnionKind.GRADUATE)
    ]


def su_7(snap: Snapshot, policy: Policy) -> RuleReport:
    latest = _latest(snap)
    found = []
    for u in snap.unions.unions:
        c = latest.get(u.id)
        if c is None:
            found.append(_union(u, None, "no_congress"))
            continue
        due = add_months(c.held_on, policy.su_congress_months)
        if due < snap.today:
            found.append(_union(u, due, "congress_overdue", last=c.held_on))
        if c.kind is CongressKind.ASSEMBLY:
            continue  # every student may attend: nobody is left unrepresented
        needed = -(-u.population * policy.su_representatives_permille // 1000)
        if c.representatives < needed:
            found.append(
                _union(u, c.held_on, "few_representatives", count=c.representatives, needed=needed)
            )
        reps = [r for r in snap.unions.representatives if r.congress_id == c.id]
        served = _served(snap, u)
        # One finding per dimension left uncovered, naming at most a few of its values.
        for label, index in (("college", 0), ("grade", 1), ("major", 2)):
            wanted = {row[index] for row in served if row[index] is not None}
            have = {(r.college, r.grade, r.major)[index] for r in reps}
            missing = sorted(wanted - have, key=str)
            if missing:
                found.append(
                    _union(
                        u,
                        c.held_on,
                        f"uncovered_{label}",
                        missing=", ".join(str(m) for m in missing[:COVERAGE_SHOWN]),
                        count=len(missing),
                    )
                )
        if not any(r.club for r in reps):
            found.append(_union(u, c.held_on, "uncovered_clubs"))
    return _report("SU-7", len(snap.unions.unions), found)


def su_8(snap: Snapshot, policy: Policy) -> RuleReport:
    last: dict[tuple[int, int], date] = {}
    for a in snap.unions.appraisals:
        key = (a.union_id, a.student_pk)
        last[key] = max(last.get(key, a.appraised_on), a.appraised_on)
    checked, found = 0, []
    for p in snap.unions.posts:
        if not (p.presidium or p.position in HEADS):
            continue
        checked += 1
        seen = last.get((p.union_id, p.student_pk))
        due = add_months(seen or p.term_start, policy.su_appraisal_months)
        if due < snap.today:
            found.append(_holder(snap, p, "not_appraised", due, last=seen or "—"))
    by_position = [a for a in snap.unions.appraisals if not a.used_for_awards]
    posts = {(p.union_id, p.student_pk): p for p in snap.unions.posts}
    for a in by_position:
        holder = posts.get((a.union_id, a.student_pk))
        if holder is not None:
            found.append(_holder(snap, holder, "awards_by_position", a.appraised_on))
    return _report("SU-8", checked, found)


def su_9(snap: Snapshot, policy: Policy) -> RuleReport:
    found = [
        _union(u, None, "admin_functions", functions=u.admin_functions)
        for u in snap.unions.unions
        if u.admin_functions
    ]
    return _report("SU-9", len(snap.unions.unions), found)


def su_10(snap: Snapshot, policy: Policy) -> RuleReport:
    names = {u.id: u for u in snap.unions.unions}
    other: dict[int, list[str]] = defaultdict(list)
    for d in snap.unions.departments:
        if d.kind != DepartmentKind.DEPARTMENT.value:
            other[d.union_id].append(d.name)
    found = [
        _union(names[uid], None, "standing_bodies", bodies=", ".join(sorted(bodies)))
        for uid, bodies in other.items()
    ]
    return _report("SU-10", len(snap.unions.unions), found)


def su_11(snap: Snapshot, policy: Policy) -> RuleReport:
    latest = _latest(snap)
    names = {u.id: u for u in snap.unions.unions}
    quorum = Fraction(policy.su_congress_quorum)
    found = []
    for uid, c in latest.items():
        u = names[uid]
        if c.kind is CongressKind.ASSEMBLY:
            if u.level is not UnionLevel.COLLEGE or u.population >= policy.su_assembly_population:
                found.append(
                    _union(
                        u,
                        c.held_on,
                        "assembly_not_allowed",
                        population=u.population,
                        limit=policy.su_assembly_population,
                    )
                )
            continue
        reps = [r for r in snap.unions.representatives if r.congress_id == c.id]
        if reps:
            share = sum(1 for r in reps if not r.union_officer) * 100 // len(reps)
            if share < policy.su_non_officer_pct:
                found.append(
                    _union(
                        u, c.held_on, "non_officers", pct=share, limit=policy.su_non_officer_pct
                    )
                )
        if c.candidates * 100 < c.seats * (100 + policy.su_slate_margin_pct):
            found.append(
                _union(
                    u,
                    c.held_on,
                    "slate",
                    candidates=c.candidates,
                    seats=c.seats,
                    pct=policy.su_slate_margin_pct,
                )
            )
        if c.present < quorum * c.representatives:
            found.append(
                _union(u, c.held_on, "quorum", present=c.present, count=c.representatives)
            )
    return _report("SU-11", len(latest), found)


def su_12(snap: Snapshot, policy: Policy) -> RuleReport:
    held = _posts(snap)
    start = add_months(snap.today, -policy.su_training_months)
    found = []
    for u in snap.unions.unions:
        recent = [t for t in snap.unions.trainings if t.union_id == u.id and t.held_on >= start]
        for season in Season:
            of_season = [t for t in recent if t.season is season]
            if not of_season:
                found.append(_union(u, start, f"no_training_{season.value}"))
            elif max(t.attendees for t in of_season) < len(held[u.id]):
                best = max(of_season, key=lambda t: t.attendees)
                found.append(
                    _union(
                        u,
                        best.held_on,
                        f"training_not_all_{season.value}",
                        count=best.attendees,
                        staff=len(held[u.id]),
                    )
                )
    return _report("SU-12", len(snap.unions.unions), found)


def su_13(snap: Snapshot, policy: Policy) -> RuleReport:
    schools = _level(snap, UnionLevel.SCHOOL)
    found = []
    for u in schools:
        hearings = [
            e.held_on
            for e in snap.unions.events
            if e.union_id == u.id and e.kind is EventKind.PARTY_HEARING
        ]
        due = add_months(max(hearings), policy.su_hearing_months) if hearings else None
        if due is None:
            found.append(_union(u, None, "no_hearing"))
        elif due < snap.today:
            found.append(_union(u, due, "hearing_overdue", last=max(hearings)))
        if not u.league_guide:
            found.append(_union(u, None, "no_league_guide"))
        if not u.secretary_general:
            found.append(_union(u, None, "no_secretary_general"))
    return _report("SU-13", len(schools), found)


def su_14(snap: Snapshot, policy: Policy) -> RuleReport:
    if not snap.unions.unions:
        return RuleReport("SU-14", Standing.NO_DATA)
    published = [e.held_on for e in snap.unions.events if e.kind is EventKind.SELF_EVALUATION]
    found = []
    if not published:
        found.append(Finding("university", "-", "", None, f"{WHY}no_self_evaluation"))
    else:
        due = add_months(max(published), policy.su_self_evaluation_months)
        if due < snap.today:
            found.append(
                Finding(
                    "university",
                    "-",
                    "",
                    due,
                    f"{WHY}self_evaluation_overdue",
                    (("last", str(max(published))),),
                )
            )
    return _report("SU-14", 1, found)


def _branch_members(snap: Snapshot) -> dict[int, Counter[Political]]:
    return defaultdict(Counter, snap.memberships.by_club)


def org_4(snap: Snapshot, policy: Policy) -> RuleReport:
    """A qualified club (enough Party or League members, ORG-4a) has a branch of either kind."""
    counts = _branch_members(snap)
    n = policy.branch_min_members
    qualified = [
        c
        for c in _live(snap)
        if counts[c.id][Political.PARTY] >= n or counts[c.id][Political.LEAGUE] >= n
    ]
    found = [
        _club(c, None, f"{WHY}no_branch") for c in qualified if not snap.unions.branches.get(c.id)
    ]
    return _report("ORG-4", len(qualified), found)


def org_4a(snap: Snapshot, policy: Policy) -> RuleReport:
    """The branch of each kind the members call for: Party (full members) and League."""
    counts = _branch_members(snap)
    n = policy.branch_min_members
    checked, found = 0, []
    for c in _live(snap):
        has = snap.unions.branches.get(c.id, {})
        for kind, political in (
            (BranchKind.PARTY, Political.PARTY),
            (BranchKind.LEAGUE, Political.LEAGUE),
        ):
            if counts[c.id][political] < n:
                continue
            checked += 1
            if kind not in has:
                found.append(
                    _club(
                        c, None, f"{WHY}branch_missing_{kind.value}", count=counts[c.id][political]
                    )
                )
    return _report("ORG-4a", checked, found)


def _data(
    rule: str, check: Callable[[Snapshot, Policy], RuleReport]
) -> Callable[[Snapshot, Policy], RuleReport]:
    """No union on record: the rule has no data (not "met")."""

    def guarded(snap: Snapshot, policy: Policy) -> RuleReport:
        if not snap.unions.unions:
            return RuleReport(rule, Standing.NO_DATA)
        return check(snap, policy)

    return guarded


RULES: dict[str, Callable[[Snapshot, Policy], RuleReport]] = {
    "ORG-4": org_4,
    "ORG-4a": org_4a,
    **{
        f"SU-{n}": _data(f"SU-{n}", check)
        for n, check in enumerate(
            (
                su_1,
                su_2,
                su_3,
                su_4,
                su_5,
                su_6,
                su_7,
                su_8,
                su_9,
                su_10,
                su_11,
                su_12,
                su_13,
                su_14,
            ),
            start=1,
        )
    },
}
