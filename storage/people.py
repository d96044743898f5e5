"""Students, Telegram accounts, one-time binding codes and role grants.

The statements that run for every update are built once, with bind parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, func, insert, literal, select, update
from sqlmodel import col

from bot.domain.values import Advisor, Language, Political, Role, Student, StudentStatus
from storage.advisors import to_advisor
from storage.models import (
    AccountRow,
    AdvisorRow,
    ApplicationRow,
    BindCodeRow,
    BindFailureRow,
    ConsentRow,
    MembershipRow,
    OfficerRow,
    RoleGrantRow,
    SignatureRow,
    StudentRow,
    UnitRepRow,
    table_of,
)
from storage.tx import Tx

_account = table_of(AccountRow)
_student = table_of(StudentRow)
_role = table_of(RoleGrantRow)
_consent = table_of(ConsentRow)


@dataclass(frozen=True, slots=True)
class Account:
    """A Telegram user the bot has met."""

    user_id: int
    language: Language
    language_chosen: bool
    student_pk: int | None
    advisor_pk: int | None = None
    # The version of the processing notice the user agreed to (PRIV-1), if any.
    consent: str | None = None


@dataclass(frozen=True, slots=True)
class BindCode:
    """A one-time binding code (by its hash) and whom it binds: a student or an advisor."""

    code_hash: str
    student_pk: int | None
    advisor_pk: int | None
    used_at: datetime | None
    revoked_at: datetime | None


_STUDENT = (
    _student.c.id,
    _student.c.student_id,
    _student.c.name,
    _student.c.college,
    _student.c.class_name,
    _student.c.status,
    _student.c.disciplinary,
    _student.c.rank_pct,
    _student.c.political,
)
_STUDENT_BY_PK = select(*_STUDENT).where(_student.c.id == bindparam("pk"))
_STUDENT_LOCKED = _STUDENT_BY_PK.with_for_update()
# Who is talking: their account and, if bound, their student record (`conversations` adds the
# conversation to the same query).
USER_ID = _account.c.user_id
ACCOUNT_AND_STUDENT = _account.outerjoin(
    _student, _student.c.id == _account.c.student_pk
).outerjoin(_consent, _consent.c.user_id == _account.c.user_id)
ACCOUNT_AND_STUDENT_COLUMNS = (
    _account.c.language,
    _account.c.language_chosen,
    _account.c.student_pk,
    _account.c.advisor_pk,
    _account.c.unreachable_at,
    _consent.c.version.label("consent_version"),
    *_STUDENT,
)
_ACCOUNT_AND_STUDENT = (
    select(*ACCOUNT_AND_STUDENT_COLUMNS)
    .select_from(ACCOUNT_AND_STUDENT)
    .where(_account.c.user_id == bindparam("user_id"))
)
_ACCOUNT_OF_STUDENT = select(
    _account.c.user_id, _account.c.language, _account.c.language_chosen, _account.c.student_pk
).where(_account.c.student_pk == bindparam("pk"))
# A new account's menu is due: a role granted before the user first wrote could not be shown
# in a chat that did not exist yet.
_NEW_ACCOUNT = _account.insert().values(
    user_id=bindparam("uid"),
    language=bindparam("lang"),
    language_chosen=False,
    created_at=bindparam("now"),
    menu_due=True,
)
_ACCOUNT_WHERE = _account.c.user_id == bindparam("uid")
_SET_LANGUAGE = (
    update(_account).where(_ACCOUNT_WHERE).values(language=bindparam("lang"), menu_due=True)
)
# A user who writes again after a block gets their menu again: publishing failed meanwhile.
_REACHABLE = update(_account).where(_ACCOUNT_WHERE).values(unreachable_at=None, menu_due=True)
# A user who blocked the bot keeps the time of the first block seen.
_UNREACHABLE = (
    update(_account)
    .where(_ACCOUNT_WHERE)
    .where(_account.c.unreachable_at.is_(None))
    .values(unreachable_at=bindparam("now"))
)
_CHOOSE_LANGUAGE = (
    update(_account)
    .where(_ACCOUNT_WHERE)
    .values(language=bindparam("lang"), language_chosen=True, menu_due=True)
)
_BIND = (
    update(_account)
    .where(_ACCOUNT_WHERE)
    .values(student_pk=bindparam("pk"), bound_at=bindparam("now"), menu_due=True)
)
_ROLES = select(_role.c.role).where(_role.c.user_id == bindparam("user_id"))
_officer = table_of(OfficerRow)
_member = table_of(MembershipRow)
_rep = table_of(UnitRepRow)
_signature = table_of(SignatureRow)
_application = table_of(ApplicationRow)
# What a user is, in one statement: what the records make them, then each role staff may grant.
# /help and the permission checks ask it often.
_RECORD_ROLES = select(
    exists().where(_officer.c.student_pk == bindparam("pk"), _officer.c.until.is_(None)),
    exists().where(_member.c.student_pk == bindparam("pk"), _member.c.slot.is_not(None))
    # ORG-3: a founding member votes at the founding meeting as a member would.
    | exists().where(
        _signature.c.student_pk == bindparam("pk"),
        _signature.c.founder.is_(True),
        _signature.c.withdrawn_at.is_(None),
        _application.c.id == _signature.c.application_id,
        # Not IN: its values are rendered at execution, and Tx.first compiles once.
        (_application.c.state == "founding") | (_application.c.state == "confirming"),
    ),
    exists().where(_rep.c.user_id == bindparam("user_id")),
    *(
        exists().where(_role.c.user_id == bindparam("user_id"), _role.c.role == role.value)
        for role in Role
    ),
)


def to_student(row: Any) -> Student:
    """A Student from a StudentRow or a result row with the student's columns."""
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
    row = await tx.first(_STUDENT_BY_PK, {"pk": pk})
    return None if row is None else to_student(row)


async def students_by_pks(tx: Tx, pks: list[int]) -> list[Student]:
    """These students' records, by name."""
    if not pks:
        return []
    stmt = (
        select(StudentRow)
        .where(col(StudentRow.id).in_(pks))
        .order_by(col(StudentRow.name), col(StudentRow.id))
    )
    return [to_student(row) for row in await tx.session.scalars(stmt)]


async def locked_student(tx: Tx, student: Student) -> Student | None:
    """The student's record, locked until the transaction ends, to serialize their joins.
    PostgreSQL reads it again `FOR UPDATE`; on SQLite the write lock, held since BEGIN, already
    makes `student` current."""
    if tx.db.is_sqlite:
        return student
    row = await tx.first(_STUDENT_LOCKED, {"pk": student.id})
    return None if row is None else to_student(row)


async def students_by_ids(tx: Tx, student_ids: list[str]) -> dict[str, Student]:
    """The roster's students by student_id (the unknown ones left out)."""
    found: dict[str, Student] = {}
    chunk = 500
    for i in range(0, len(student_ids), chunk):
        stmt = select(StudentRow).where(col(StudentRow.student_id).in_(student_ids[i : i + chunk]))
        found.update((row.student_id, to_student(row)) for row in await tx.session.scalars(stmt))
    return found


async def lock_students(tx: Tx, student_pks: list[int]) -> None:
    """Serialize writers about these students until the transaction ends."""
    await tx.db.lock_rows(tx.session, "student", student_pks)


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


async def roster_accounts(tx: Tx) -> list[tuple[Student, int | None]]:
    """Every student by student_id, with the Telegram user id bound to the record, if any."""
    stmt = (
        select(StudentRow, col(AccountRow.user_id))
        .outerjoin(AccountRow, col(AccountRow.student_pk) == StudentRow.id)
        .order_by(col(StudentRow.student_id))
    )
    return [(to_student(row), user_id) for row, user_id in (await tx.session.execute(stmt)).all()]


async def ensure_account(tx: Tx, user_id: int, seen: Language, now: datetime) -> Account:
    """The account of this Telegram user, created on first contact."""
    row = await tx.first(_ACCOUNT_AND_STUDENT, {"user_id": user_id})
    return (await account_from_row(tx, user_id, row, seen, now))[0]


async def account_from_row(
    tx: Tx, user_id: int, row: Any, seen: Language, now: datetime
) -> tuple[Account, Student | None]:
    """The account and student from a row of ACCOUNT_AND_STUDENT_COLUMNS; on first contact (no
    row) the account is created. The language follows Telegram's until the user picks one, and a
    user marked unreachable (403) who writes again is reachable again."""
    if row is None:
        await tx.run(_NEW_ACCOUNT, {"uid": user_id, "lang": seen.value, "now": now})
        return Account(user_id, seen, False, None), None
    language = Language(row.language)
    if not row.language_chosen and language is not seen:
        await tx.run(_SET_LANGUAGE, {"uid": user_id, "lang": seen.value})
        language = seen
    if row.unreachable_at is not None:
        # They wrote to the bot, so it can write to them again.
        await tx.run(_REACHABLE, {"uid": user_id})
    account = Account(
        user_id,
        language,
        row.language_chosen,
        row.student_pk,
        row.advisor_pk,
        row.consent_version,
    )
    return account, None if row.id is None else to_student(row)


async def set_reachable(tx: Tx, user_id: int, reachable: bool, now: datetime) -> None:
    """Telegram said the user unblocked (reachable) or blocked the bot; an unknown user has
    no account to mark."""
    if reachable:
        await tx.run(_REACHABLE, {"uid": user_id})
    else:
        await tx.run(_UNREACHABLE, {"uid": user_id, "now": now})


async def unreachable_among(
    tx: Tx, student_pks: list[int], advisor_pks: list[int]
) -> tuple[set[int], set[int]]:
    """Which of these students and advisors have an account the bot cannot reach (blocked):
    (student pks, advisor pks)."""
    if not student_pks and not advisor_pks:
        return set(), set()
    stmt = (
        select(col(AccountRow.student_pk), col(AccountRow.advisor_pk))
        .where(col(AccountRow.unreachable_at).is_not(None))
        .where(
            col(AccountRow.student_pk).in_(student_pks)
            | col(AccountRow.advisor_pk).in_(advisor_pks)
        )
    )
    rows = (await tx.session.execute(stmt)).all()
    return (
        {student for student, _ in rows if student is not None},
        {advisor for _, advisor in rows if advisor is not None},
    )


async def choose_language(tx: Tx, user_id: int, language: Language) -> None:
    await tx.session.execute(_CHOOSE_LANGUAGE, {"uid": user_id, "lang": language.value})


async def account_of_student(tx: Tx, student_pk: int) -> Account | None:
    row = (await tx.session.execute(_ACCOUNT_OF_STUDENT, {"pk": student_pk})).first()
    if row is None:
        return None
    return Account(row.user_id, Language(row.language), row.language_chosen, row.student_pk)


async def bind(tx: Tx, user_id: int, student_pk: int, now: datetime) -> None:
    await tx.session.execute(_BIND, {"uid": user_id, "pk": student_pk, "now": now})


async def account_of_advisor(tx: Tx, advisor_pk: int) -> Account | None:
    stmt = select(AccountRow).where(col(AccountRow.advisor_pk) == advisor_pk)
    row = (await tx.session.scalars(stmt)).first()
    if row is None:
        return None
    language = Language(row.language)
    return Account(row.user_id, language, row.language_chosen, row.student_pk, row.advisor_pk)


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
    row.menu_due = True


async def language_of(tx: Tx, user_id: int) -> Language:
    """The language of a user the bot writes to first (English if it never met them)."""
    stmt = select(col(AccountRow.language)).where(col(AccountRow.user_id) == user_id)
    found = (await tx.session.scalars(stmt)).first()
    return Language(found) if found else Language.EN


async def code_by_hash(tx: Tx, code_hash: str) -> BindCode | None:
    row = await tx.session.get(BindCodeRow, code_hash)
    if row is None:
        return None
    return BindCode(row.code_hash, row.student_pk, row.advisor_pk, row.used_at, row.revoked_at)


async def use_code(tx: Tx, code_hash: str, now: datetime) -> None:
    """Mark a one-time code used."""
    stmt = update(BindCodeRow).where(col(BindCodeRow.code_hash) == code_hash).values(used_at=now)
    await tx.session.execute(stmt)


async def issue_code(tx: Tx, student_pk: int, code_hash: str, now: datetime) -> None:
    """Store a new code and revoke the student's earlier unused ones."""
    await revoke_codes(tx, student_pk, now)
    tx.session.add(BindCodeRow(code_hash=code_hash, student_pk=student_pk, created_at=now))


async def replace_unbound_codes(
    tx: Tx, hashes: list[tuple[int, str]], now: datetime, *, advisors: bool = False
) -> None:
    """Revoke every unused code of the enrolled students (or advisors) without a bound account,
    and store `hashes`, (holder pk, code hash) each, the new codes of exactly those: two
    statements, whatever their number (launch day issues tens of thousands)."""
    row = AdvisorRow if advisors else StudentRow
    holder = col(BindCodeRow.advisor_pk if advisors else BindCodeRow.student_pk)
    bound = col(AccountRow.advisor_pk if advisors else AccountRow.student_pk)
    accounts = select(bound).where(bound.is_not(None))
    unbound = select(col(row.id)).where(col(row.id).not_in(accounts))
    if not advisors:
        unbound = unbound.where(col(StudentRow.status) == StudentStatus.ENROLLED.value)
    await tx.session.execute(
        update(BindCodeRow)
        .where(holder.in_(unbound))
        .where(col(BindCodeRow.used_at).is_(None))
        .where(col(BindCodeRow.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    if hashes:
        key = "advisor_pk" if advisors else "student_pk"
        await tx.session.execute(
            insert(BindCodeRow),
            [{"code_hash": code, key: pk, "created_at": now} for pk, code in hashes],
        )


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


@dataclass(frozen=True, slots=True)
class RecordRoles:
    """What a user is: by the records, an officer or member of some club, a unit's
    representative; and the roles staff granted."""

    officer: bool
    member: bool
    unit_rep: bool
    granted: frozenset[Role]


async def record_roles(tx: Tx, user_id: int, student_pk: int | None) -> RecordRoles:
    row = await tx.first(_RECORD_ROLES, {"pk": student_pk, "user_id": user_id})
    granted = frozenset(role for role, held in zip(Role, row[3:], strict=True) if held)
    return RecordRoles(bool(row[0]), bool(row[1]), bool(row[2]), granted)


async def roles_of(tx: Tx, user_id: int) -> frozenset[Role]:
    rows = await tx.rows(_ROLES, {"user_id": user_id})
    return frozenset(Role(role) for (role,) in rows)


async def grant(tx: Tx, user_id: int, role: Role, now: datetime) -> bool:
    """Grant a role; False when the user already had it."""
    stmt = (
        tx.insert(RoleGrantRow)
        .values(user_id=user_id, role=role.value, granted_at=now)
        .on_conflict_do_nothing()
    )
    granted = bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]
    if granted:
        await menus_due(tx, [user_id])
    return granted


async def revoke(tx: Tx, user_id: int, role: Role) -> bool:
    """Revoke a role; False when the user did not have it."""
    row = await tx.session.get(RoleGrantRow, (user_id, role.value))
    if row is None:
        return False
    await tx.session.delete(row)
    await menus_due(tx, [user_id])
    return True


# --- finding students and accounts for staff -----------------------------------------------------


async def student_by_student_id(tx: Tx, student_id: str) -> Student | None:
    stmt = select(StudentRow).where(col(StudentRow.student_id) == student_id)
    row = (await tx.session.scalars(stmt)).first()
    return None if row is None else to_student(row)


async def search_students(tx: Tx, fragment: str, limit: int) -> list[Student]:
    """Students whose student_id or name contains `fragment` (case-insensitive)."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped.lower()}%"
    stmt = (
        select(StudentRow)
        .where(
            func.lower(col(StudentRow.student_id)).like(pattern, escape="\\")
            | func.lower(col(StudentRow.name)).like(pattern, escape="\\")
        )
        .order_by(col(StudentRow.student_id))
        .limit(limit)
    )
    return [to_student(row) for row in await tx.session.scalars(stmt)]


async def all_student_keys(tx: Tx) -> list[tuple[str, str]]:
    """Every (student_id, name), for suggesting close matches."""
    stmt = select(col(StudentRow.student_id), col(StudentRow.name))
    return [(sid, name) for sid, name in (await tx.session.execute(stmt)).all()]


async def accounts_of_students(tx: Tx, student_pks: list[int]) -> list[tuple[int, Language]]:
    """The reachable Telegram accounts bound to these students: (user_id, language)."""
    if not student_pks:
        return []
    stmt = (
        select(col(AccountRow.user_id), col(AccountRow.language))
        .where(col(AccountRow.student_pk).in_(student_pks))
        .where(col(AccountRow.unreachable_at).is_(None))
        .order_by(col(AccountRow.user_id))
    )
    return [(uid, Language(lang)) for uid, lang in (await tx.session.execute(stmt)).all()]


async def holders(tx: Tx, role: Role) -> list[tuple[int, Language]]:
    """Who holds a granted role: (user_id, language)."""
    stmt = (
        select(col(RoleGrantRow.user_id), col(AccountRow.language))
        .outerjoin(AccountRow, col(AccountRow.user_id) == col(RoleGrantRow.user_id))
        .where(col(RoleGrantRow.role) == role.value)
        .order_by(col(RoleGrantRow.user_id))
    )
    return [
        (uid, Language(lang or Language.EN.value))
        for uid, lang in (await tx.session.execute(stmt)).all()
    ]


async def held_roles(tx: Tx, user_ids: list[int]) -> dict[int, list[str]]:
    """The roles staff granted these users, and `unit_rep` for representatives (one statement):
    what an account without a record of its own acts as."""
    if not user_ids:
        return {}
    wanted = sorted(set(user_ids))
    granted = select(_role.c.user_id, _role.c.role).where(_role.c.user_id.in_(wanted))
    reps = select(_rep.c.user_id, literal("unit_rep")).where(_rep.c.user_id.in_(wanted))
    found: dict[int, list[str]] = {}
    for user_id, role in (await tx.session.execute(granted.union(reps))).all():
        found.setdefault(user_id, []).append(role)
    return {user_id: sorted(roles) for user_id, roles in found.items()}


async def account_names(tx: Tx, user_ids: list[int]) -> dict[int, tuple[str, str]]:
    """The name and the student or staff number of each bound account among `user_ids`, in one
    query; accounts bound to no record are left out."""
    if not user_ids:
        return {}
    stmt = (
        select(
            col(AccountRow.user_id),
            col(StudentRow.name),
            col(StudentRow.student_id),
            col(AdvisorRow.name),
            col(AdvisorRow.staff_id),
        )
        .outerjoin(StudentRow, col(StudentRow.id) == col(AccountRow.student_pk))
        .outerjoin(AdvisorRow, col(AdvisorRow.id) == col(AccountRow.advisor_pk))
        .where(col(AccountRow.user_id).in_(sorted(set(user_ids))))
    )
    names: dict[int, tuple[str, str]] = {}
    for user_id, student, student_id, advisor, staff_id in await tx.session.execute(stmt):
        if student is not None:
            names[user_id] = (student, student_id)
        elif advisor is not None:
            names[user_id] = (advisor, staff_id)
    return names


# --- command menus -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MenuFacts:
    """What a user is, as far as their command menu goes, and the menu their chat shows now."""

    user_id: int
    language: Language
    language_chosen: bool
    published: str | None
    student: bool
    advisor: bool
    officer: bool
    unit_rep: bool
    granted: frozenset[Role]


async def menus_due(tx: Tx, user_ids: list[int]) -> None:
    """What these users are changed: their menus are published again at the next tick (a user
    the bot never met has no chat to show one in, and no row)."""
    if user_ids:
        stmt = update(_account).where(_account.c.user_id.in_(user_ids)).values(menu_due=True)
        await tx.session.execute(stmt)


async def students_menus_due(tx: Tx, student_pks: list[int]) -> None:
    """`menus_due` for the accounts bound to these students."""
    if student_pks:
        stmt = update(_account).where(_account.c.student_pk.in_(student_pks)).values(menu_due=True)
        await tx.session.execute(stmt)


_MENU_FACTS = (
    _account.c.user_id,
    _account.c.language,
    _account.c.language_chosen,
    _account.c.menu,
    _account.c.student_pk.is_not(None),
    _account.c.advisor_pk.is_not(None),
    exists().where(_officer.c.student_pk == _account.c.student_pk, _officer.c.until.is_(None)),
    exists().where(_rep.c.user_id == _account.c.user_id),
    *(
        exists().where(_role.c.user_id == _account.c.user_id, _role.c.role == role.value)
        for role in Role
    ),
)


async def claim_menus(tx: Tx, limit: int) -> list[MenuFacts]:
    """Up to `limit` users whose menus are due, no longer marked, with what they are now (two
    statements). A change after this read marks them due again."""
    due = select(_account.c.user_id).where(_account.c.menu_due.is_(True)).limit(limit)
    claim = (
        update(_account)
        .where(_account.c.user_id.in_(due.scalar_subquery()))
        .values(menu_due=False)
        .returning(_account.c.user_id)
    )
    user_ids = [user_id for (user_id,) in (await tx.session.execute(claim)).all()]
    if not user_ids:
        return []
    rows = await tx.session.execute(
        select(*_MENU_FACTS).where(_account.c.user_id.in_(user_ids)).order_by(_account.c.user_id)
    )
    return [
        MenuFacts(
            user_id=row[0],
            language=Language(row[1]),
            language_chosen=row[2],
            published=row[3],
            student=bool(row[4]),
            advisor=bool(row[5]),
            officer=bool(row[6]),
            unit_rep=bool(row[7]),
            granted=frozenset(role for role, held in zip(Role, row[8:], strict=True) if held),
        )
        for row in rows
    ]


async def menus_published(tx: Tx, published: dict[int, str | None]) -> None:
    """Record the menu each chat shows now: one statement per distinct menu."""
    by_menu: dict[str | None, list[int]] = {}
    for user_id, key in published.items():
        by_menu.setdefault(key, []).append(user_id)
    for key, user_ids in by_menu.items():
        stmt = update(_account).where(_account.c.user_id.in_(user_ids)).values(menu=key)
        await tx.session.execute(stmt)
