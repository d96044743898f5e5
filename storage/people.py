"""Students, Telegram accounts, one-time binding codes and role grants."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import col

from bot.domain import Advisor, Language, Political, Role, Student, StudentStatus
from storage.advisors import to_advisor
from storage.models import (
    AccountRow,
    AdvisorRow,
    BindCodeRow,
    BindFailureRow,
    RoleGrantRow,
    StudentRow,
)
from storage.tx import Tx


def to_student(row: StudentRow) -> Student:
    assert row.id is not None
    return Student(
        id=row.id,
        student_id=row.student_id,
        name=row.name,
        college=row.college,
        class_name=row.class_name,
        status=StudentStatus(row.status),
        disciplinary=row.disciplinary,
        rank_pct=row.rank_pct,
        political=Political(row.political),
    )


async def student_by_pk(tx: Tx, pk: int) -> Student | None:
    row = await tx.session.get(StudentRow, pk)
    return None if row is None else to_student(row)


async def students_by_ids(tx: Tx, student_ids: list[str]) -> dict[str, StudentRow]:
    """Live rows by student_id, for the roster import's upsert."""
    found: dict[str, StudentRow] = {}
    chunk = 500
    for i in range(0, len(student_ids), chunk):
        stmt = select(StudentRow).where(col(StudentRow.student_id).in_(student_ids[i : i + chunk]))
        found.update((row.student_id, row) for row in (await tx.session.scalars(stmt)))
    return found


async def enrolled_unbound(tx: Tx) -> list[Student]:
    """Enrolled students who have not bound a Telegram account yet, by student_id."""
    bound = select(col(AccountRow.student_pk)).where(col(AccountRow.student_pk).is_not(None))
    stmt = (
        select(StudentRow)
        .where(col(StudentRow.status) == StudentStatus.ENROLLED.value)
        .where(col(StudentRow.id).not_in(bound))
        .order_by(StudentRow.student_id)
    )
    return [to_student(row) for row in await tx.session.scalars(stmt)]


async def ensure_account(tx: Tx, user_id: int, seen: Language, now: datetime) -> AccountRow:
    """The account of this Telegram user, created on first contact; its language follows
    Telegram's until the user picks one."""
    return (await account_and_student(tx, user_id, seen, now))[0]


async def account_and_student(
    tx: Tx, user_id: int, seen: Language, now: datetime
) -> tuple[AccountRow, Student | None]:
    """`ensure_account` and the bound student record, in one query (this runs for every update)."""
    stmt = (
        select(AccountRow, StudentRow)
        .outerjoin(StudentRow, col(StudentRow.id) == col(AccountRow.student_pk))
        .where(col(AccountRow.user_id) == user_id)
    )
    found = (await tx.session.execute(stmt)).first()
    row, student = (found[0], found[1]) if found else (None, None)
    if row is None:
        row = AccountRow(user_id=user_id, language=seen.value, created_at=now)
        tx.session.add(row)
        await tx.session.flush()
    elif not row.language_chosen and row.language != seen.value:
        row.language = seen.value
    return row, None if student is None else to_student(student)


async def choose_language(tx: Tx, user_id: int, language: Language) -> None:
    row = await tx.session.get(AccountRow, user_id)
    assert row is not None, "the engine creates the account before any handler runs"
    row.language = language.value
    row.language_chosen = True


async def account_of_student(tx: Tx, student_pk: int) -> AccountRow | None:
    stmt = select(AccountRow).where(col(AccountRow.student_pk) == student_pk)
    return (await tx.session.scalars(stmt)).first()


async def bind(tx: Tx, user_id: int, student_pk: int, now: datetime) -> None:
    row = await tx.session.get(AccountRow, user_id)
    assert row is not None, "the engine creates the account before any handler runs"
    row.student_pk = student_pk
    row.bound_at = now


async def account_of_advisor(tx: Tx, advisor_pk: int) -> AccountRow | None:
    stmt = select(AccountRow).where(col(AccountRow.advisor_pk) == advisor_pk)
    return (await tx.session.scalars(stmt)).first()


async def advisor_of_account(tx: Tx, user_id: int) -> Advisor | None:
    """The advisor this Telegram account is bound to, if any."""
    stmt = (
        select(AdvisorRow)
        .join(AccountRow, col(AccountRow.advisor_pk) == col(AdvisorRow.id))
        .where(col(AccountRow.user_id) == user_id)
    )
    row = (await tx.session.scalars(stmt)).first()
    return None if row is None else to_advisor(row)


async def bind_advisor(tx: Tx, user_id: int, advisor_pk: int, now: datetime) -> None:
    row = await tx.session.get(AccountRow, user_id)
    assert row is not None, "the engine creates the account before any handler runs"
    row.advisor_pk = advisor_pk
    row.bound_at = now


async def language_of(tx: Tx, user_id: int) -> Language:
    """The language of a user the bot writes to first (English if it never met them)."""
    stmt = select(col(AccountRow.language)).where(col(AccountRow.user_id) == user_id)
    found = (await tx.session.scalars(stmt)).first()
    return Language(found) if found else Language.EN


async def code_by_hash(tx: Tx, code_hash: str) -> BindCodeRow | None:
    return await tx.session.get(BindCodeRow, code_hash)


async def issue_code(tx: Tx, student_pk: int, code_hash: str, now: datetime) -> None:
    """Store a new code and revoke the student's earlier unused ones."""
    await revoke_codes(tx, student_pk, now)
    tx.session.add(BindCodeRow(code_hash=code_hash, student_pk=student_pk, created_at=now))


async def issue_advisor_code(tx: Tx, advisor_pk: int, code_hash: str, now: datetime) -> None:
    """Store a new code and revoke the advisor's earlier unused ones."""
    await revoke_codes(tx, None, now, advisor_pk=advisor_pk)
    tx.session.add(BindCodeRow(code_hash=code_hash, advisor_pk=advisor_pk, created_at=now))


async def revoke_codes(
    tx: Tx, student_pk: int | None, now: datetime, *, advisor_pk: int | None = None
) -> None:
    """Revoke the unused codes of a student (or, with `advisor_pk`, of an advisor)."""
    holder = (
        col(BindCodeRow.student_pk) == student_pk
        if student_pk is not None
        else col(BindCodeRow.advisor_pk) == advisor_pk
    )
    stmt = (
        update(BindCodeRow)
        .where(holder)
        .where(col(BindCodeRow.used_at).is_(None))
        .where(col(BindCodeRow.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    await tx.session.execute(stmt)


async def count_failures(tx: Tx, user_id: int, since: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(BindFailureRow)
        .where(col(BindFailureRow.user_id) == user_id)
        .where(col(BindFailureRow.at) >= since)
    )
    return int((await tx.session.execute(stmt)).scalar_one())


async def record_failure(tx: Tx, user_id: int, now: datetime) -> None:
    tx.session.add(BindFailureRow(user_id=user_id, at=now))


async def roles_of(tx: Tx, user_id: int) -> frozenset[Role]:
    stmt = select(col(RoleGrantRow.role)).where(col(RoleGrantRow.user_id) == user_id)
    return frozenset(Role(role) for role in await tx.session.scalars(stmt))


async def grant(tx: Tx, user_id: int, role: Role, now: datetime) -> bool:
    """Grant a role; False when the user already had it."""
    stmt = (
        tx.insert(RoleGrantRow)
        .values(user_id=user_id, role=role.value, granted_at=now)
        .on_conflict_do_nothing()
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def revoke(tx: Tx, user_id: int, role: Role) -> bool:
    """Revoke a role; False when the user did not have it."""
    row = await tx.session.get(RoleGrantRow, (user_id, role.value))
    if row is None:
        return False
    await tx.session.delete(row)
    return True
