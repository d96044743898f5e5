"""Student unions and their records (SU-1 to SU-14), the roster's SU-5 columns and club
branches (ORG-4): writes for the imports, reads for the ledger and /union, as plain values."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import case, delete, insert, select
from sqlmodel import SQLModel, col

from bot.domain.unions import (
    GRADUATE_LEVELS,
    AppraisalFact,
    AppraisalResult,
    BranchKind,
    CongressFact,
    CongressKind,
    DegreeLevel,
    DepartmentFact,
    Eligibility,
    EnrolledFact,
    EventFact,
    EventKind,
    ItemStatus,
    Plan,
    PostFact,
    RankBasis,
    RepresentativeFact,
    Season,
    TrainingFact,
    UnionData,
    UnionFact,
    UnionKind,
    UnionLevel,
)
from bot.domain.values import StudentStatus
from storage.models import (
    ClubBranchRow,
    ClubRow,
    LedgerPlanRow,
    StudentEligibilityRow,
    StudentRow,
    StudentUnionRow,
    UnionAppraisalRow,
    UnionCongressRow,
    UnionDepartmentRow,
    UnionEventRow,
    UnionPostRow,
    UnionRepresentativeRow,
    UnionTrainingRow,
    table_of,
)
from storage.tx import Tx

R = TypeVar("R", bound=SQLModel)
K = TypeVar("K", bound=Hashable)

CHUNK = 500


async def student_pks(tx: Tx, student_ids: list[str]) -> dict[str, int]:
    """Student pks by student_id, read in chunks (the unknown ones left out)."""
    found: dict[str, int] = {}
    for i in range(0, len(student_ids), CHUNK):
        stmt = select(col(StudentRow.student_id), col(StudentRow.id)).where(
            col(StudentRow.student_id).in_(student_ids[i : i + CHUNK])
        )
        found.update((sid, pk) for sid, pk in (await tx.session.execute(stmt)).all() if pk)
    return found


def _eligibility_values(e: Eligibility) -> dict[str, Any]:
    return {
        "major": e.major,
        "grade": e.grade,
        "degree_level": e.degree_level.value if e.degree_level else None,
        "major_rank_pct": e.major_rank_pct,
        "rank_basis": e.rank_basis.value if e.rank_basis else None,
        "failed_courses": e.failed_courses,
    }


async def upsert_eligibility(tx: Tx, now: datetime, wanted: Mapping[str, Eligibility]) -> None:
    """SU-5: the roster's eligibility columns by student_id (the students exist by now)."""
    pks = await student_pks(tx, list(wanted))
    existing: dict[int, StudentEligibilityRow] = {}
    keys = list(pks.values())
    for i in range(0, len(keys), CHUNK):
        stmt = select(StudentEligibilityRow).where(
            col(StudentEligibilityRow.student_pk).in_(keys[i : i + CHUNK])
        )
        existing.update((row.student_pk, row) for row in await tx.session.scalars(stmt))
    new = []
    for student_id, e in wanted.items():
        pk = pks[student_id]
        values = _eligibility_values(e)
        row = existing.get(pk)
        if row is None:
            new.append({"student_pk": pk, "updated_at": now, **values})
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
    await tx.session.flush()
    if new:
        await tx.session.execute(insert(table_of(StudentEligibilityRow)), new)


def to_eligibility(row: Any) -> Eligibility:
    """An Eligibility from a StudentEligibilityRow (or a row with its columns)."""
    return Eligibility(
        major=row.major,
        grade=row.grade,
        degree_level=DegreeLevel(row.degree_level) if row.degree_level else None,
        major_rank_pct=row.major_rank_pct,
        rank_basis=RankBasis(row.rank_basis) if row.rank_basis else None,
        failed_courses=row.failed_courses,
    )


async def eligibility_of(tx: Tx, student_pks: list[int]) -> dict[int, Eligibility]:
    """The SU-5 columns of these students (those with none left out)."""
    found: dict[int, Eligibility] = {}
    for i in range(0, len(student_pks), CHUNK):
        stmt = select(StudentEligibilityRow).where(
            col(StudentEligibilityRow.student_pk).in_(student_pks[i : i + CHUNK])
        )
        found.update(
            (row.student_pk, to_eligibility(row)) for row in await tx.session.scalars(stmt)
        )
    return found


@dataclass(slots=True)
class Written:
    """How many rows an import created, updated, and found as the file has them."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


async def _upsert(
    tx: Tx,
    model: type[R],
    existing: Mapping[K, R],
    wanted: Mapping[K, Mapping[str, Any]],
    keys: Mapping[K, Mapping[str, Any]],
) -> Written:
    """Rows by a natural key: changed ones updated, new ones inserted in one statement (their
    ids are not needed back, so no INSERT … RETURNING per row)."""
    done = Written()
    new: list[dict[str, Any]] = []
    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            new.append({**keys[key], **values})
            done.created += 1
        elif all(getattr(row, name) == value for name, value in values.items()):
            done.unchanged += 1
        else:
            for name, value in values.items():
                setattr(row, name, value)
            done.updated += 1
    await tx.session.flush()
    if new:
        await tx.session.execute(insert(table_of(model)), new)
    return done


def to_union(row: Any) -> UnionFact:
    assert row.id is not None
    return UnionFact(
        id=row.id,
        name=row.name,
        kind=UnionKind(row.kind),
        level=UnionLevel(row.level),
        college=row.college,
        population=row.population,
        large_or_multi_campus=row.large_or_multi_campus,
        admin_functions=row.admin_functions,
        league_guide=row.league_guide,
        secretary_general=row.secretary_general,
    )


async def colleges(tx: Tx) -> set[str]:
    """The colleges the roster names."""
    return set(await tx.session.scalars(select(col(StudentRow.college)).distinct()))


async def unions_by_keys(tx: Tx, keys: Sequence[str]) -> dict[str, UnionFact]:
    """Unions by normalized name (the unknown ones left out)."""
    stmt = select(StudentUnionRow).where(col(StudentUnionRow.name_key).in_(list(set(keys))))
    return {row.name_key: to_union(row) for row in await tx.session.scalars(stmt)}


async def all_unions(tx: Tx) -> list[UnionFact]:
    stmt = select(StudentUnionRow).order_by(
        col(StudentUnionRow.level).desc(), col(StudentUnionRow.name_key)
    )
    return [to_union(row) for row in await tx.session.scalars(stmt)]


async def club_ids(tx: Tx, keys: Sequence[str]) -> dict[str, int]:
    """Club ids by normalized name (the unknown ones left out)."""
    stmt = select(col(ClubRow.name_key), col(ClubRow.id)).where(
        col(ClubRow.name_key).in_(list(set(keys)))
    )
    return {key: pk for key, pk in (await tx.session.execute(stmt)).all() if pk is not None}


async def upsert_unions(tx: Tx, now: datetime, wanted: Mapping[str, Mapping[str, Any]]) -> Written:
    """Unions by normalized name."""
    stmt = select(StudentUnionRow).where(col(StudentUnionRow.name_key).in_(list(wanted)))
    existing = {row.name_key: row for row in await tx.session.scalars(stmt)}
    keys = {key: {"name_key": key, "updated_at": now} for key in wanted}
    done = await _upsert(tx, StudentUnionRow, existing, wanted, keys)
    await tx.session.flush()
    return done


async def presidium_seats(tx: Tx, student_pks: Sequence[int]) -> dict[int, int]:
    """The union whose presidium each of these students sits in."""
    stmt = select(col(UnionPostRow.student_pk), col(UnionPostRow.union_id)).where(
        col(UnionPostRow.student_pk).in_(list(set(student_pks))),
        col(UnionPostRow.department_id).is_(None),
    )
    return dict((await tx.session.execute(stmt)).all())


async def replace_posts(
    tx: Tx,
    union_ids: Sequence[int],
    departments: Mapping[tuple[int, str], tuple[str, str]],
    posts: Sequence[tuple[int, str | None, Mapping[str, Any]]],
) -> int:
    """The posts and departments of these unions, replaced by the file's: departments by
    (union, name key) -> (name, kind); posts as (union, department key or None, columns)."""
    ids = list(union_ids)
    await tx.session.execute(delete(UnionPostRow).where(col(UnionPostRow.union_id).in_(ids)))
    await tx.session.execute(
        delete(UnionDepartmentRow).where(col(UnionDepartmentRow.union_id).in_(ids))
    )
    if departments:
        await tx.session.execute(
            insert(table_of(UnionDepartmentRow)),
            [
                {"union_id": u, "name_key": key, "name": name, "kind": kind}
                for (u, key), (name, kind) in departments.items()
            ],
        )
    stmt = select(
        col(UnionDepartmentRow.union_id),
        col(UnionDepartmentRow.name_key),
        col(UnionDepartmentRow.id),
    ).where(col(UnionDepartmentRow.union_id).in_(ids))
    made = {(u, key): pk for u, key, pk in (await tx.session.execute(stmt)).all()}
    if posts:
        await tx.session.execute(
            insert(table_of(UnionPostRow)),
            [
                {
                    **values,
                    "union_id": union_id,
                    "department_id": None if dept is None else made[(union_id, dept)],
                }
                for union_id, dept, values in posts
            ],
        )
    return len(posts)


async def congresses_of(tx: Tx, union_ids: Sequence[int]) -> dict[tuple[int, date], int]:
    """Congress session ids of these unions by (union, day held)."""
    stmt = select(
        col(UnionCongressRow.union_id), col(UnionCongressRow.held_on), col(UnionCongressRow.id)
    ).where(col(UnionCongressRow.union_id).in_(list(set(union_ids))))
    return {(u, d): pk for u, d, pk in (await tx.session.execute(stmt)).all() if pk is not None}


async def upsert_congresses(
    tx: Tx, wanted: Mapping[tuple[int, date], Mapping[str, Any]]
) -> Written:
    """Congress sessions by (union, day held)."""
    stmt = select(UnionCongressRow).where(
        col(UnionCongressRow.union_id).in_(list({u for u, _ in wanted}))
    )
    existing = {(row.union_id, row.held_on): row for row in await tx.session.scalars(stmt)}
    keys = {k: {"union_id": k[0], "held_on": k[1]} for k in wanted}
    done = await _upsert(tx, UnionCongressRow, existing, wanted, keys)
    await tx.session.flush()
    return done


async def replace_representatives(
    tx: Tx, congress_ids: Sequence[int], rows: Sequence[Mapping[str, Any]]
) -> int:
    """The representatives of these congress sessions, replaced by the file's."""
    await tx.session.execute(
        delete(UnionRepresentativeRow).where(
            col(UnionRepresentativeRow.congress_id).in_(list(congress_ids))
        )
    )
    if rows:
        await tx.session.execute(insert(table_of(UnionRepresentativeRow)), [dict(r) for r in rows])
    return len(rows)


async def upsert_appraisals(
    tx: Tx, wanted: Mapping[tuple[int, int, date], Mapping[str, Any]]
) -> Written:
    """Appraisals by (union, student, day)."""
    stmt = select(UnionAppraisalRow).where(
        col(UnionAppraisalRow.union_id).in_(list({k[0] for k in wanted})),
        col(UnionAppraisalRow.student_pk).in_(list({k[1] for k in wanted})),
    )
    existing = {
        (row.union_id, row.student_pk, row.appraised_on): row
        for row in await tx.session.scalars(stmt)
    }
    keys = {k: {"union_id": k[0], "student_pk": k[1], "appraised_on": k[2]} for k in wanted}
    done = await _upsert(tx, UnionAppraisalRow, existing, wanted, keys)
    await tx.session.flush()
    return done


async def upsert_trainings(
    tx: Tx, wanted: Mapping[tuple[int, date], Mapping[str, Any]]
) -> Written:
    """Trainings by (union, day)."""
    stmt = select(UnionTrainingRow).where(
        col(UnionTrainingRow.union_id).in_(list({k[0] for k in wanted}))
    )
    existing = {(row.union_id, row.held_on): row for row in await tx.session.scalars(stmt)}
    keys = {k: {"union_id": k[0], "held_on": k[1]} for k in wanted}
    done = await _upsert(tx, UnionTrainingRow, existing, wanted, keys)
    await tx.session.flush()
    return done


async def add_events(
    tx: Tx, wanted: Sequence[tuple[int | None, EventKind, date, str | None]]
) -> Written:
    """Governance events; one already on record (same union, kind and day) is left as it is."""
    stmt = select(
        col(UnionEventRow.union_id), col(UnionEventRow.kind), col(UnionEventRow.held_on)
    ).where(col(UnionEventRow.held_on).in_(list({w[2] for w in wanted})))
    known = {(u, k, d) for u, k, d in (await tx.session.execute(stmt)).all()}
    done = Written()
    new = []
    for union_id, kind, day, note in wanted:
        if (union_id, kind.value, day) in known:
            done.unchanged += 1
            continue
        new.append({"union_id": union_id, "kind": kind.value, "held_on": day, "note": note})
        done.created += 1
    if new:
        await tx.session.execute(insert(table_of(UnionEventRow)), new)
    return done


async def upsert_branches(tx: Tx, wanted: Mapping[tuple[int, BranchKind], date]) -> Written:
    """Club branches (ORG-4) by (club, kind)."""
    stmt = select(ClubBranchRow).where(
        col(ClubBranchRow.club_id).in_(list({k[0] for k in wanted}))
    )
    existing = {(row.club_id, BranchKind(row.kind)): row for row in await tx.session.scalars(stmt)}
    keys = {k: {"club_id": k[0], "kind": k[1].value} for k in wanted}
    values = {k: {"set_up_on": day} for k, day in wanted.items()}
    done = await _upsert(tx, ClubBranchRow, existing, values, keys)
    await tx.session.flush()
    return done


async def union_data(tx: Tx) -> UnionData:
    """Every union record the ledger's union rules read, as plain values (a query a table)."""
    s = tx.session
    unions = [
        to_union(row)
        for row in await s.scalars(select(StudentUnionRow).order_by(col(StudentUnionRow.id)))
    ]
    departments = [
        DepartmentFact(pk, union_id, name, kind)
        for pk, union_id, name, kind in (
            await s.execute(
                select(
                    col(UnionDepartmentRow.id),
                    col(UnionDepartmentRow.union_id),
                    col(UnionDepartmentRow.name),
                    col(UnionDepartmentRow.kind),
                )
            )
        ).all()
        if pk is not None
    ]
    posts = [
        PostFact(
            union_id=row.union_id,
            student_pk=row.student_pk,
            department_id=row.department_id,
            position=row.position,
            term_start=row.term_start,
            from_college_union=row.from_college_union,
            recommended_on=row.recommended_on,
            party_consent_on=row.party_consent_on,
            joint_review_on=row.joint_review_on,
            decided_on=row.decided_on,
            congress_id=row.congress_id,
            term_end=row.term_end,
        )
        for row in await s.scalars(select(UnionPostRow).order_by(col(UnionPostRow.id)))
    ]
    congresses = [
        CongressFact(
            row.id or 0,
            row.union_id,
            CongressKind(row.kind),
            row.held_on,
            row.representatives,
            row.present,
            row.seats,
            row.candidates,
        )
        for row in await s.scalars(select(UnionCongressRow))
    ]
    representatives = [
        RepresentativeFact(
            row.congress_id,
            row.student_pk,
            row.college,
            row.grade,
            row.major,
            row.club,
            row.union_officer,
        )
        for row in await s.scalars(select(UnionRepresentativeRow))
    ]
    appraisals = [
        AppraisalFact(
            row.union_id,
            row.student_pk,
            row.appraised_on,
            AppraisalResult(row.result),
            row.used_for_awards,
        )
        for row in await s.scalars(select(UnionAppraisalRow))
    ]
    trainings = [
        TrainingFact(row.union_id, Season(row.season), row.held_on, row.attendees)
        for row in await s.scalars(select(UnionTrainingRow))
    ]
    events = [
        EventFact(union_id, EventKind(kind), day)
        for union_id, kind, day in (
            await s.execute(
                select(
                    col(UnionEventRow.union_id),
                    col(UnionEventRow.kind),
                    col(UnionEventRow.held_on),
                )
            )
        ).all()
    ]
    # The SU-5 roster columns of post holders: the only students the rules and /unions name.
    holders = select(col(UnionPostRow.student_pk))
    eligibility = {
        row.student_pk: to_eligibility(row)
        for row in await s.scalars(
            select(StudentEligibilityRow).where(col(StudentEligibilityRow.student_pk).in_(holders))
        )
    }
    # SU-7's coverage asks which colleges, grades and majors the enrolled students span, not
    # who they are: their distinct combinations, a few hundred rows for tens of thousands.
    graduate = case(
        (
            col(StudentEligibilityRow.degree_level).in_(sorted(d.value for d in GRADUATE_LEVELS)),
            True,
        ),
        else_=False,
    )
    enrolled_stmt = (
        select(
            col(StudentRow.college),
            col(StudentEligibilityRow.grade),
            col(StudentEligibilityRow.major),
            graduate,
        )
        .outerjoin(
            StudentEligibilityRow, col(StudentEligibilityRow.student_pk) == col(StudentRow.id)
        )
        .where(col(StudentRow.status) == StudentStatus.ENROLLED.value)
        .distinct()
    )
    enrolled = [
        EnrolledFact(college, grade, major, bool(grad))
        for college, grade, major, grad in (await s.execute(enrolled_stmt)).all()
    ]
    branches: dict[int, dict[BranchKind, date]] = {}
    for club_id, kind, day in (
        await s.execute(
            select(
                col(ClubBranchRow.club_id), col(ClubBranchRow.kind), col(ClubBranchRow.set_up_on)
            )
        )
    ).all():
        branches.setdefault(club_id, {})[BranchKind(kind)] = day
    return UnionData(
        unions=unions,
        departments=departments,
        posts=posts,
        congresses=congresses,
        representatives=representatives,
        appraisals=appraisals,
        trainings=trainings,
        events=events,
        eligibility=eligibility,
        enrolled=enrolled,
        branches=branches,
        plans=await plans(tx),
    )


async def roster_facts(
    tx: Tx, student_pks: Sequence[int]
) -> dict[int, tuple[str, int | None, str | None]]:
    """(college, grade, major) of these students, from the roster."""
    found: dict[int, tuple[str, int | None, str | None]] = {}
    pks = list(student_pks)
    for i in range(0, len(pks), CHUNK):
        stmt = (
            select(
                col(StudentRow.id),
                col(StudentRow.college),
                col(StudentEligibilityRow.grade),
                col(StudentEligibilityRow.major),
            )
            .outerjoin(
                StudentEligibilityRow, col(StudentEligibilityRow.student_pk) == col(StudentRow.id)
            )
            .where(col(StudentRow.id).in_(pks[i : i + CHUNK]))
        )
        found.update(
            (pk, (college, grade, major))
            for pk, college, grade, major in (await tx.session.execute(stmt)).all()
            if pk is not None
        )
    return found


async def plans(tx: Tx) -> dict[str, Plan]:
    """What staff entered for the annex items, by item."""
    return {
        row.item: Plan(
            ItemStatus(row.status) if row.status else None,
            row.planned_on,
            row.obstacle,
            row.owner,
            row.evidence,
        )
        for row in await tx.session.scalars(select(LedgerPlanRow))
    }


async def save_plans(
    tx: Tx, now: datetime, wanted: Mapping[str, Plan], actor: int | None
) -> Written:
    """Staff's entries by item (a file's rows, or one from chat)."""
    stmt = select(LedgerPlanRow).where(col(LedgerPlanRow.item).in_(list(wanted)))
    existing = {row.item: row for row in await tx.session.scalars(stmt)}
    values = {
        item: {
            "status": p.status.value if p.status else None,
            "planned_on": p.planned_on,
            "obstacle": p.obstacle,
            "owner": p.owner,
            "evidence": p.evidence,
        }
        for item, p in wanted.items()
    }
    keys = {item: {"item": item, "updated_at": now, "updated_by": actor} for item in wanted}
    for row in existing.values():
        row.updated_at, row.updated_by = now, actor
    return await _upsert(tx, LedgerPlanRow, existing, values, keys)
