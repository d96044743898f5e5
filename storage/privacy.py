"""Personal data (PRIV-1 to PRIV-5): consents, the requests staff answer, everything held about
one student read at once, erasure and the retention sweep."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Table, delete, false, func, or_, select, update
from sqlmodel import SQLModel, col

from storage import audit
from storage.models import AccountRow, AdvisorRow, ConsentRow, PrivacyRequestRow, StudentRow
from storage.tx import Tx


async def give_consent(tx: Tx, user_id: int, version: str, now: datetime) -> None:
    """Record that this account agreed to the notice `version` (replacing an older one)."""
    await tx.session.execute(delete(ConsentRow).where(col(ConsentRow.user_id) == user_id))
    await tx.session.execute(
        tx.insert(ConsentRow).values(user_id=user_id, version=version, given_at=now)
    )


async def withdraw_consent(tx: Tx, user_id: int) -> bool:
    """Forget the account's consent and unbind it from its student and advisor records;
    whether it had consented."""
    gone = await tx.session.execute(delete(ConsentRow).where(col(ConsentRow.user_id) == user_id))
    await tx.session.execute(
        update(AccountRow)
        .where(col(AccountRow.user_id) == user_id)
        # Unbound, they are no more than anyone: their menu follows (`schedules/menus.py`).
        .values(student_pk=None, advisor_pk=None, bound_at=None, menu_due=True)
    )
    return bool(gone.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Request:
    """A correction request or a review of a refusal (PRIV-2, PRIV-4), with who asked."""

    id: int
    kind: str
    student_pk: int | None
    user_id: int
    text: str
    created_at: datetime
    name: str | None
    student_id: str | None  # the student's ID, or an advisor's staff ID (see `advisor`)
    answer: str | None
    advisor: bool = False  # asked by an advisor, about their advisor record


def _requests() -> Any:
    return (
        select(
            col(PrivacyRequestRow.id),
            col(PrivacyRequestRow.kind),
            col(PrivacyRequestRow.student_pk),
            col(PrivacyRequestRow.user_id),
            col(PrivacyRequestRow.text),
            col(PrivacyRequestRow.created_at),
            col(StudentRow.name),
            col(StudentRow.student_id),
            col(PrivacyRequestRow.answer),
            col(AdvisorRow.name),
            col(AdvisorRow.staff_id),
        )
        .outerjoin(StudentRow, col(StudentRow.id) == col(PrivacyRequestRow.student_pk))
        # A request with no student record is an advisor's: named by the record the asking
        # account is bound to.
        .outerjoin(
            AccountRow,
            (col(AccountRow.user_id) == col(PrivacyRequestRow.user_id))
            & col(PrivacyRequestRow.student_pk).is_(None),
        )
        .outerjoin(AdvisorRow, col(AdvisorRow.id) == col(AccountRow.advisor_pk))
    )


def _request(row: Any) -> Request:
    *fields, advisor_name, staff_id = row
    found = Request(*fields)
    if found.student_pk is None and staff_id is not None:
        return replace(found, name=advisor_name, student_id=staff_id, advisor=True)
    return found


async def add_request(
    tx: Tx, kind: str, student_pk: int | None, user_id: int, text: str, now: datetime
) -> int | None:
    """File a request; None when the same one is already waiting (a second tap)."""
    waiting = select(col(PrivacyRequestRow.id)).where(
        col(PrivacyRequestRow.kind) == kind,
        col(PrivacyRequestRow.user_id) == user_id,
        col(PrivacyRequestRow.text) == text,
        col(PrivacyRequestRow.answered_at).is_(None),
    )
    if (await tx.session.execute(waiting)).first() is not None:
        return None
    row = PrivacyRequestRow(
        kind=kind, student_pk=student_pk, user_id=user_id, text=text, created_at=now
    )
    tx.session.add(row)
    await tx.session.flush()
    assert row.id is not None
    return row.id


async def open_requests(tx: Tx, limit: int) -> list[Request]:
    """Requests staff have not answered yet, oldest first."""
    stmt = (
        _requests()
        .where(col(PrivacyRequestRow.answered_at).is_(None))
        .order_by(col(PrivacyRequestRow.id))
        .limit(limit)
    )
    return [_request(row) for row in (await tx.session.execute(stmt)).all()]


async def request(tx: Tx, request_id: int) -> Request | None:
    stmt = _requests().where(col(PrivacyRequestRow.id) == request_id)
    row = (await tx.session.execute(stmt)).first()
    return None if row is None else _request(row)


async def answer_request(tx: Tx, request_id: int, answer: str, by: int, now: datetime) -> bool:
    """Record staff's answer, once: False when someone answered it first."""
    stmt = (
        update(PrivacyRequestRow)
        .where(
            col(PrivacyRequestRow.id) == request_id,
            col(PrivacyRequestRow.answered_at).is_(None),
        )
        .values(answer=answer, answered_by=by, answered_at=now)
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


# --- what is held about a person (PRIV-2), and where -----------------------------------------


class Holder(StrEnum):
    """Whom a column names: a student record, a Telegram account, an advisor record."""

    STUDENT = "student"
    USER = "user"
    ADVISOR = "advisor"


# Every column outside the student and advisor tables that names a person. A test keeps this
# list equal to the models (tests/test_privacy_records.py): a new table naming someone must say
# so here, and /mydata, /delete and docs/processing-records.md follow.
LINKS: tuple[tuple[str, str, Holder], ...] = (
    ("account", "user_id", Holder.USER),
    ("account", "student_pk", Holder.STUDENT),
    ("account", "advisor_pk", Holder.ADVISOR),
    ("privacy_consent", "user_id", Holder.USER),
    ("privacy_request", "student_pk", Holder.STUDENT),
    ("privacy_request", "user_id", Holder.USER),
    ("privacy_request", "answered_by", Holder.USER),
    ("bind_code", "student_pk", Holder.STUDENT),
    ("bind_code", "advisor_pk", Holder.ADVISOR),
    ("bind_failure", "user_id", Holder.USER),
    ("role_grant", "user_id", Holder.USER),
    ("unit_rep", "user_id", Holder.USER),
    ("conversation", "chat_id", Holder.USER),
    ("conversation", "user_id", Holder.USER),
    ("processed_update", "chat_id", Holder.USER),
    ("kept_pages", "user_id", Holder.USER),
    ("outbox", "chat_id", Holder.USER),
    ("membership", "student_pk", Holder.STUDENT),
    ("officer", "student_pk", Holder.STUDENT),
    ("club_application", "sponsor_pk", Holder.STUDENT),
    ("club_application", "sponsor_user", Holder.USER),
    ("club_application", "advisor_pk", Holder.ADVISOR),
    ("application_signature", "student_pk", Holder.STUDENT),
    ("application_signature", "user_id", Holder.USER),
    ("application_event", "actor", Holder.USER),
    ("election", "started_by", Holder.USER),
    ("election", "list_approved_by", Holder.USER),
    ("election", "advisor_ok_by", Holder.USER),
    ("election", "unit_ok_by", Holder.USER),
    ("election_candidate", "student_pk", Holder.STUDENT),
    ("election_candidate", "nominated_by", Holder.STUDENT),
    ("election_candidate", "decided_by", Holder.USER),
    ("election_voter", "student_pk", Holder.STUDENT),
    ("election_objection", "student_pk", Holder.STUDENT),
    ("election_objection", "decided_by", Holder.USER),
    ("election_nomination_attempt", "user_id", Holder.USER),
    ("club_event", "by", Holder.USER),
    ("club_profile", "updated_by", Holder.USER),
    ("activity", "organizer", Holder.USER),
    ("activity_decision", "decided_by", Holder.USER),
    ("activity_signup", "student_pk", Holder.STUDENT),
    ("activity_checkin", "student_pk", Holder.STUDENT),
    ("activity_checkin", "by_user", Holder.USER),
    ("activity_report", "filed_by", Holder.USER),
    ("checkin_guess", "user_id", Holder.USER),
    ("student_eligibility", "student_pk", Holder.STUDENT),
    ("union_post", "student_pk", Holder.STUDENT),
    ("union_appraisal", "student_pk", Holder.STUDENT),
    ("union_representative", "student_pk", Holder.STUDENT),
    ("ledger_plan", "updated_by", Holder.USER),
    ("club_account", "responsible_pk", Holder.STUDENT),
    ("club_account", "recorded_by", Holder.USER),
    ("finance_line", "recorded_by", Holder.USER),
    ("finance_statement", "sent_by", Holder.USER),
    ("general_meeting", "recorded_by", Holder.USER),
    ("general_meeting", "decided_by", Holder.USER),
    ("annual_review", "recorded_by", Holder.USER),
    ("reregistration", "recorded_by", Holder.USER),
    ("review_submission", "submitted_by", Holder.USER),
    ("review_appeal", "by", Holder.USER),
    ("advisor_evaluation", "advisor_pk", Holder.ADVISOR),
    ("advisor_evaluation", "by", Holder.USER),
    ("advisor_dismissal", "advisor_pk", Holder.ADVISOR),
    ("advisor_dismissal", "by", Holder.USER),
    ("appointment", "advisor_pk", Holder.ADVISOR),
    ("screened_name", "added_by", Holder.USER),
    ("audit", "actor", Holder.USER),
)
# Tables that are a person's record themselves.
RECORDS = {"student": Holder.STUDENT, "advisor": Holder.ADVISOR}


@dataclass(frozen=True, slots=True)
class Section:
    """The rows of one table that name the person, as plain cells."""

    table: str
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Person:
    """Whom a copy is of: the records their accounts are bound to (a student's, an advisor's,
    both or neither: staff and visitors have none) and those Telegram accounts."""

    user_ids: tuple[int, ...]
    student_pk: int | None = None
    student_id: str | None = None
    advisor_pk: int | None = None
    staff_id: str | None = None


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _naming(name: str, person: Person) -> Any:
    """Where a row of table `name` names the person: their records or one of their accounts."""
    table = _table(name)
    records = {Holder.STUDENT: person.student_pk, Holder.ADVISOR: person.advisor_pk}
    conditions: list[Any] = []
    for link_table, column, holder in LINKS:
        if link_table != name:
            continue
        if holder is Holder.USER:
            if person.user_ids:
                conditions.append(table.c[column].in_(person.user_ids))
        elif records[holder] is not None:
            conditions.append(table.c[column] == records[holder])
    return or_(false(), *conditions)


def _audit_naming(person: Person) -> Any:
    """Audit entries about the person: by one of their accounts, with their account or record
    as the subject, or naming their student or staff ID in what changed."""
    table = _table("audit")
    subjects = [f"user:{uid}" for uid in person.user_ids]
    numbers: list[str] = []
    if person.student_id is not None:
        subjects.append(f"student:{person.student_id}")
        numbers.append(person.student_id)
    if person.staff_id is not None:
        subjects.append(f"advisor:{person.staff_id}")
        numbers.append(person.staff_id)
    conditions: list[Any] = [table.c.subject.in_(subjects)]
    for number in numbers:
        quoted = f'%"{number}"%'
        conditions += [table.c.before.like(quoted), table.c.after.like(quoted)]
    if person.user_ids:
        conditions.append(table.c.actor.in_(person.user_ids))
    return or_(false(), *conditions)


async def accounts_of(tx: Tx, student_pk: int) -> list[int]:
    """The Telegram accounts bound to the student, and any that bound it before (signatures
    and applications keep the account that acted)."""
    table = _table("account")
    stmt = select(table.c.user_id).where(table.c.student_pk == student_pk)
    return [row[0] for row in (await tx.session.execute(stmt)).all()]


async def accounts_of_advisor(tx: Tx, advisor_pk: int) -> list[int]:
    """The Telegram accounts bound to the advisor record."""
    table = _table("account")
    stmt = select(table.c.user_id).where(table.c.advisor_pk == advisor_pk)
    return [row[0] for row in (await tx.session.execute(stmt)).all()]


async def held_about(tx: Tx, person: Person) -> list[Section]:
    """Everything that names the person or their accounts, one statement per table."""
    sections: list[Section] = []
    records = {"student": person.student_pk, "advisor": person.advisor_pk}
    for name in [*RECORDS, *dict.fromkeys(t for t, _, _ in LINKS)]:
        table = _table(name)
        if name in RECORDS:
            pk = records[name]
            if pk is None:
                continue
            where = table.c.id == pk
        elif name == "audit":
            where = _audit_naming(person)
        else:
            where = _naming(name, person)
        stmt = select(table).where(where)
        key = list(table.primary_key.columns)
        if key:
            stmt = stmt.order_by(*key)
        rows = [tuple(row) for row in (await tx.session.execute(stmt)).all()]
        if rows:
            sections.append(Section(name, tuple(c.name for c in table.columns), rows))
    return sections


# --- erasure (PRIV-2) ---------------------------------------------------------------------------

# What /delete removes outright: nothing but the person's use of the bot needs them.
ERASED = (
    "privacy_consent",
    "privacy_request",
    "bind_code",
    "bind_failure",
    "conversation",
    "kept_pages",
    "outbox",
    "election_nomination_attempt",
    "checkin_guess",
    "role_grant",
    "unit_rep",
    "account",
)
# What a rule keeps, pointing at the pseudonymised record; an account number in them becomes
# ERASED_ACCOUNT. `processed_update` keeps the answer to /delete itself until the sweep
# (PRIV-3), so that a redelivered update is answered once; `audit` is the hash-chained record,
# its entries pseudonymised.
KEPT = (
    "student",
    "membership",
    "officer",
    "club_application",
    "application_signature",
    "application_event",
    "election",
    "election_candidate",
    "election_voter",
    "election_objection",
    "processed_update",
    "audit",
)
ERASED_ACCOUNT = 0


@dataclass(frozen=True, slots=True)
class Erasure:
    """What /delete did: rows removed and rows kept (pseudonymised), by table."""

    erased: dict[str, int]
    kept: dict[str, int]


async def erase(
    tx: Tx, now: datetime, student_pk: int, student_id: str, user_ids: list[int]
) -> Erasure:
    """Erase what no rule needs, end the student's memberships and posts, and pseudonymise the
    record and the account numbers the kept rows hold."""
    person = Person(tuple(user_ids), student_pk, student_id)
    kept: dict[str, int] = {}
    audited = (
        await tx.session.execute(
            select(func.count()).select_from(_table("audit")).where(_audit_naming(person))
        )
    ).scalar_one()
    if audited:
        kept["audit"] = int(audited)
    # PRIV-2: the audit log keeps its entries, their personal fields pseudonymised (the
    # chain covers salted hashes of them, not the values).
    subjects = [f"user:{uid}" for uid in user_ids] + [f"student:{student_id}"]
    await audit.pseudonymise(tx, user_ids, subjects, student_id)
    erased: dict[str, int] = {}
    for name in ERASED:
        result = await tx.session.execute(delete(_table(name)).where(_naming(name, person)))
        if result.rowcount:  # type: ignore[attr-defined]
            erased[name] = int(result.rowcount)  # type: ignore[attr-defined]
    if user_ids:
        # The answers kept for redelivery repeat what the bot said to them (their name, say):
        # the record that an update was handled stays, its answer and chat go.
        processed = _table("processed_update")
        await tx.session.execute(
            update(processed)
            .where(processed.c.chat_id.in_(user_ids))
            .values(chat_id=None, answer=None)
        )
    membership, officer = _table("membership"), _table("officer")
    await tx.session.execute(
        update(membership)
        .where(membership.c.student_pk == student_pk, membership.c.ended_at.is_(None))
        .values(slot=None, ended_at=now, end_reason="erased")
    )
    await tx.session.execute(
        update(officer)
        .where(officer.c.student_pk == student_pk, officer.c.until.is_(None))
        .values(until=now)
    )
    if user_ids:
        for name, column, holder in LINKS:
            if holder is Holder.USER and name not in ERASED and name != "audit":
                table = _table(name)
                await tx.session.execute(
                    update(table)
                    .where(table.c[column].in_(user_ids))
                    .values({column: ERASED_ACCOUNT})
                )
    student = _table("student")
    await tx.session.execute(
        update(student)
        .where(student.c.id == student_pk)
        .values(
            student_id=f"erased-{student_pk}",
            name=f"erased-{student_pk}",
            college="",
            class_name="",
            status="withdrawn",
            disciplinary=False,
            rank_pct=0,
            political="none",
            updated_at=now,
        )
    )
    for name in KEPT:
        if name in ("student", "processed_update", "audit"):
            continue
        where = _naming(name, Person((), student_pk, student_id))
        count = (
            await tx.session.execute(select(func.count()).select_from(_table(name)).where(where))
        ).scalar_one()
        if count:
            kept[name] = int(count)
    return Erasure(erased, kept)


# --- the retention sweep (PRIV-3) ---------------------------------------------------------------


def _deleted(result: Any) -> int:
    return int(result.rowcount)


async def forget_processed(tx: Tx, before: datetime) -> int:
    """Records of updates processed before `before` (Telegram redelivers for a day at most)."""
    table = _table("processed_update")
    return _deleted(await tx.session.execute(delete(table).where(table.c.processed_at < before)))


async def forget_unused_codes(tx: Tx, before: datetime) -> int:
    """Binding codes issued before `before` and never used."""
    table = _table("bind_code")
    stmt = delete(table).where(table.c.used_at.is_(None), table.c.created_at < before)
    return _deleted(await tx.session.execute(stmt))


async def forget_expired_drafts(tx: Tx, expired: str, before: datetime) -> int:
    """Draft applications that expired unsubmitted before `before`, with their charter file and
    history: a sponsor's answers that never became an application."""
    app, charter, event = (
        _table("club_application"),
        _table("application_charter"),
        _table("application_event"),
    )
    stale = select(app.c.id).where(
        app.c.state == expired, app.c.submitted_at.is_(None), app.c.updated_at < before
    )
    await tx.session.execute(delete(charter).where(charter.c.application_id.in_(stale)))
    await tx.session.execute(delete(event).where(event.c.application_id.in_(stale)))
    return _deleted(await tx.session.execute(delete(app).where(app.c.id.in_(stale))))


async def forget_conversations(tx: Tx, before: datetime) -> int:
    """The state of conversations nobody moved since `before`."""
    table = _table("conversation")
    return _deleted(await tx.session.execute(delete(table).where(table.c.updated_at < before)))


async def unbind_leavers(tx: Tx, enrolled: str, before: datetime) -> list[int]:
    """Unbind the accounts of students whose record left `enrolled` before `before` (the
    roster's last change), and forget their consent; the accounts unbound."""
    account, student, consent = _table("account"), _table("student"), _table("privacy_consent")
    left = select(student.c.id).where(student.c.status != enrolled, student.c.updated_at < before)
    found = select(account.c.user_id).where(account.c.student_pk.in_(left))
    users = [row[0] for row in (await tx.session.execute(found)).all()]
    if not users:
        return []
    await tx.session.execute(
        update(account)
        .where(account.c.user_id.in_(users))
        .values(student_pk=None, bound_at=None, menu_due=True)
    )
    await tx.session.execute(delete(consent).where(consent.c.user_id.in_(users)))
    return users
