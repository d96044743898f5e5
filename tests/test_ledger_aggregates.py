"""The ledger reads aggregates (issue 18): what SQL computes for the memberships and the students
a rule names gives the same figures and findings as the same rules over every student and every
membership, on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from bot.domain import compliance
from bot.domain.compliance import Memberships, StudentFact
from bot.domain.policy import Policy
from bot.domain.values import ClubStatus, Political
from storage import ledger as ledger_store
from storage.db import Database
from storage.models import ClubEventRow, ClubRow, MembershipRow, OfficerRow, StudentRow
from storage.tx import Tx
from tests.conftest import MakeDb
from tests.harness import BOT_ID, BOT_USERNAME, Campus, student_line

TODAY = date(2026, 6, 1)
SUSPENDED_ON = datetime(2026, 3, 1, tzinfo=UTC)
POLITICAL = ["party", "league", "none", "probationary"]


async def _university(db: Database) -> None:
    """30 students of every status and political standing; 6 clubs, one suspended (with joins
    before and after), one dissolved with members left; students holding 0 to 4 memberships,
    ended memberships besides; officers."""
    from bot.core.engine import Engine
    from bot.flows import build_router

    engine = Engine(db, Policy(), build_router(), bot_id=BOT_ID, bot_username=BOT_USERNAME)
    campus = Campus(db, engine)
    statuses = ["enrolled"] * 5 + ["graduated", "suspended"]
    await campus.students(
        *(
            student_line(
                f"S{i}",
                status=statuses[i % len(statuses)],
                political=POLITICAL[i % len(POLITICAL)],
                rank=(i * 7) % 100 + 1,
            )
            for i in range(30)
        )
    )
    await campus.clubs(*(f"Club {i}" for i in range(6)))
    async with db.transaction() as session:
        students = list(
            await session.scalars(select(col(StudentRow.id)).order_by(col(StudentRow.id)))
        )
        clubs = list(await session.scalars(select(col(ClubRow.id)).order_by(col(ClubRow.id))))
        rows = []
        for n, pk in enumerate(students):
            held = n % 5  # 0 to 4 clubs: above the limit of 2 for some
            for slot, club in enumerate(clubs[(n + k) % len(clubs)] for k in range(held)):
                joined = datetime(2025 + n % 2, 1 + (n + slot) % 5, 1 + n % 28, tzinfo=UTC)
                rows.append(
                    MembershipRow(student_pk=pk, club_id=club, slot=slot + 1, joined_at=joined)
                )
            # An ended membership counts for nothing.
            rows.append(
                MembershipRow(
                    student_pk=pk,
                    club_id=clubs[(n + 5) % len(clubs)],
                    slot=None,
                    joined_at=datetime(2026, 5, 1, tzinfo=UTC),
                    ended_at=datetime(2026, 5, 2, tzinfo=UTC),
                )
            )
        session.add_all(rows)
        for club, position, pk in (
            (clubs[0], "president", students[6]),
            (clubs[1], "president", students[3]),
            (clubs[1], "vice_president", students[13]),
        ):
            session.add(
                OfficerRow(club_id=club, student_pk=pk, position=position, since=SUSPENDED_ON)
            )
        for club, status, action in (
            (clubs[2], ClubStatus.SUSPENDED, "suspend"),
            (clubs[3], ClubStatus.DISSOLVED, "dissolve"),
        ):
            await session.execute(
                update(ClubRow).where(col(ClubRow.id) == club).values(status=status.value)
            )
            session.add(
                ClubEventRow(
                    club_id=club,
                    action=action,
                    from_status="active",
                    to_status=status.value,
                    reason="test",
                    at=SUSPENDED_ON,
                )
            )


async def _everything(
    db: Database,
) -> tuple[dict[int, StudentFact], list[tuple[int, int, date | None]]]:
    """Every student and every active membership, as the ledger read them before issue 18."""
    async with db.transaction() as session:
        students = {
            pk: StudentFact(pk, sid, name, status, rank, Political(political))
            for pk, sid, name, status, rank, political in (
                await session.execute(
                    select(
                        col(StudentRow.id),
                        col(StudentRow.student_id),
                        col(StudentRow.name),
                        col(StudentRow.status),
                        col(StudentRow.rank_pct),
                        col(StudentRow.political),
                    )
                )
            ).all()
        }
        rows = [
            (pk, club, joined.date())
            for pk, club, joined in (
                await session.execute(
                    select(
                        col(MembershipRow.student_pk),
                        col(MembershipRow.club_id),
                        col(MembershipRow.joined_at),
                    ).where(col(MembershipRow.slot).is_not(None))
                )
            ).all()
        ]
    return students, rows


@pytest.mark.parametrize("limit", [1, 2, 3])
async def test_aggregates_give_the_figures_of_every_row(
    make_db: MakeDb, backend: str, limit: int
) -> None:
    db = await make_db(backend)
    await _university(db)
    policy = Policy(max_clubs_per_student=limit)
    students, rows = await _everything(db)
    async with db.transaction() as session:
        tx = Tx(session, db)
        snap = await ledger_store.snapshot(tx, TODAY, policy)
        every = await ledger_store.snapshot(tx, TODAY)  # no policy: every member named
    # Only the students a rule names: not the 30, and every one of them as the roster has it.
    assert 0 < len(snap.students) < len(students)
    assert all(students[pk] == fact for pk, fact in snap.students.items())
    assert snap.memberships == Memberships.of(students, rows, held_over=limit)
    assert every.memberships == Memberships.of(students, rows)
    whole = replace(snap, students=students, memberships=Memberships.of(students, rows))
    expected = compliance.compute(whole, policy)
    assert compliance.compute(snap, policy) == expected
    assert compliance.compute(every, policy) == expected
    reports = {r.rule: r for r in expected}
    # The data reaches the rules that read the memberships: each has findings to compare.
    for rule in ("REG-7", "REG-11", "ORG-1", "ORG-2", "ORG-5"):
        assert reports[rule].findings, rule
    (suspended,) = [f for f in reports["REG-7"].findings if f.why == "joined_while_suspended"]
    assert suspended.since == max(j for _, club, j in rows if str(club) == suspended.ref)


async def test_a_snapshot_for_a_lenient_limit_refuses_a_stricter_policy(
    make_db: MakeDb, backend: str
) -> None:
    db = await make_db(backend)
    await _university(db)
    async with db.transaction() as session:
        snap = await ledger_store.snapshot(Tx(session, db), TODAY, Policy(max_clubs_per_student=3))
    with pytest.raises(ValueError, match="cannot judge"):
        compliance.RULES["ORG-2"](snap, Policy(max_clubs_per_student=2))
