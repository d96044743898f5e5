"""Applications to establish a club, their co-sponsor signatures, charters and history.

State changes are conditional updates (`... WHERE state = :expected`), so of two people acting
on the same application at once exactly one changes it, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlmodel import col

from bot.domain.values import Advisor, ClubStatus, Student
from storage import officers
from storage.advisors import to_advisor
from storage.models import (
    NAME_HOLDING_STATES,
    AdvisorDismissalRow,
    AdvisorRow,
    ApplicationEventRow,
    ApplicationRow,
    CharterFileRow,
    ClubProfileRow,
    ClubRow,
    GuidanceUnitRow,
    OfficerRow,
    ScreenedNameRow,
    SignatureRow,
    StudentRow,
)
from storage.people import students_menus_due, to_student
from storage.tx import Tx


@dataclass(frozen=True, slots=True)
class Application:
    id: int
    sponsor_pk: int
    sponsor_user: int
    state: str
    name: str
    name_key: str
    category: str | None
    purpose: str | None
    unit_id: int | None
    advisor_pk: int | None
    advisor_accepted: bool
    charter_text: str | None
    token: str | None
    meeting_on: date | None
    outcome: str | None
    club_id: int | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None


@dataclass(frozen=True, slots=True)
class Charter:
    """A charter document without its bytes."""

    file_name: str
    mime_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Signer:
    student: Student
    user_id: int
    sponsor: bool
    signed_at: datetime
    founder: bool | None


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime
    actor: int | None
    what: str
    from_state: str | None
    to_state: str
    comment: str | None


@dataclass(frozen=True, slots=True)
class Screened:
    term: str
    term_key: str
    reason: str


def _application(row: ApplicationRow) -> Application:
    assert row.id is not None
    return Application(
        id=row.id,
        sponsor_pk=row.sponsor_pk,
        sponsor_user=row.sponsor_user,
        state=row.state,
        name=row.name,
        name_key=row.name_key,
        category=row.category,
        purpose=row.purpose,
        unit_id=row.unit_id,
        advisor_pk=row.advisor_pk,
        advisor_accepted=row.advisor_accepted,
        charter_text=row.charter_text,
        token=row.token,
        meeting_on=row.meeting_on,
        outcome=row.outcome,
        club_id=row.club_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        submitted_at=row.submitted_at,
    )


async def get(tx: Tx, application_id: int) -> Application | None:
    return await _first(tx, select(ApplicationRow).where(col(ApplicationRow.id) == application_id))


async def lock(tx: Tx, application_id: int) -> Application | None:
    """The application, read again after locking it until the transaction ends."""
    await tx.db.lock_rows(tx.session, "club_application", [application_id])
    return await get(tx, application_id)


async def by_token(tx: Tx, token: str) -> Application | None:
    return await _first(tx, select(ApplicationRow).where(col(ApplicationRow.token) == token))


async def draft_of(tx: Tx, sponsor_pk: int, states: tuple[str, ...]) -> Application | None:
    """The sponsor's most recent application in one of `states`."""
    return await _latest(tx, col(ApplicationRow.sponsor_pk) == sponsor_pk, states)


async def untouched(tx: Tx, state: str, before: datetime, limit: int) -> list[Application]:
    """Applications in `state` last changed before `before`, oldest first, at most `limit`."""
    stmt = (
        select(ApplicationRow)
        .where(col(ApplicationRow.state) == state)
        .where(col(ApplicationRow.updated_at) < before)
        .order_by(col(ApplicationRow.updated_at))
        .limit(limit)
    )
    return [_application(row) for row in await tx.session.scalars(stmt)]


async def _latest(tx: Tx, which: Any, states: tuple[str, ...]) -> Application | None:
    stmt = (
        select(ApplicationRow)
        .where(which)
        .where(col(ApplicationRow.state).in_(states))
        .order_by(col(ApplicationRow.id).desc())
        .limit(1)
    )
    return await _first(tx, stmt)


async def _first(tx: Tx, stmt: Select[ApplicationRow]) -> Application | None:
    """The first application `stmt` selects, as the database has it now (not the session's
    copy of the row)."""
    row = (await tx.session.scalars(stmt.execution_options(populate_existing=True))).first()
    return None if row is None else _application(row)


async def of_sponsor(tx: Tx, sponsor_pk: int) -> list[Application]:
    stmt = (
        select(ApplicationRow)
        .where(col(ApplicationRow.sponsor_pk) == sponsor_pk)
        .order_by(col(ApplicationRow.id))
    )
    return [_application(row) for row in await tx.session.scalars(stmt)]


async def create(tx: Tx, sponsor_pk: int, sponsor_user: int, state: str, now: datetime) -> int:
    row = ApplicationRow(
        sponsor_pk=sponsor_pk,
        sponsor_user=sponsor_user,
        state=state,
        created_at=now,
        updated_at=now,
    )
    tx.session.add(row)
    await tx.session.flush()
    assert row.id is not None
    return row.id


async def change(tx: Tx, application_id: int, expected: str, now: datetime, **values: Any) -> bool:
    """Set `values` if the application is still in state `expected`; False if it is not."""
    stmt = (
        update(ApplicationRow)
        .where(col(ApplicationRow.id) == application_id)
        .where(col(ApplicationRow.state) == expected)
        .values(updated_at=now, **values)
    )
    result = await tx.session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def add_event(
    tx: Tx,
    application_id: int,
    now: datetime,
    actor: int | None,
    what: str,
    from_state: str | None,
    to_state: str,
    comment: str | None = None,
) -> int:
    row = ApplicationEventRow(
        application_id=application_id,
        at=now,
        actor=actor,
        what=what,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
    )
    tx.session.add(row)
    await tx.session.flush()
    assert row.id is not None
    return row.id


async def event_count(tx: Tx, application_id: int) -> int:
    """How many history entries the application has."""
    stmt = (
        select(func.count())
        .select_from(ApplicationEventRow)
        .where(col(ApplicationEventRow.application_id) == application_id)
    )
    return int((await tx.session.execute(stmt)).scalar_one())


async def events(tx: Tx, application_id: int) -> list[Event]:
    stmt = (
        select(ApplicationEventRow)
        .where(col(ApplicationEventRow.application_id) == application_id)
        .order_by(col(ApplicationEventRow.id))
    )
    return [
        Event(row.at, row.actor, row.what, row.from_state, row.to_state, row.comment)
        for row in await tx.session.scalars(stmt)
    ]


async def by_name(tx: Tx, key: str, states: tuple[str, ...]) -> Application | None:
    """The latest application in one of `states` for a club of this name key."""
    return await _latest(tx, col(ApplicationRow.name_key) == key, states)


async def state_counts(tx: Tx, states: tuple[str, ...]) -> dict[str, int]:
    """How many applications are in each of `states`."""
    stmt = (
        select(col(ApplicationRow.state), func.count())
        .where(col(ApplicationRow.state).in_(states))
        .group_by(col(ApplicationRow.state))
    )
    return {state: int(n) for state, n in (await tx.session.execute(stmt)).all()}


async def signed_by(tx: Tx, student_pk: int, states: tuple[str, ...]) -> list[Application]:
    """Applications in `states` the student signed (as lead sponsor or co-sponsor)."""
    stmt = (
        select(ApplicationRow)
        .join(SignatureRow, col(SignatureRow.application_id) == col(ApplicationRow.id))
        .where(col(SignatureRow.student_pk) == student_pk)
        .where(_ACTIVE_SIGNATURE)
        .where(col(ApplicationRow.state).in_(states))
        .order_by(col(ApplicationRow.id))
    )
    return [_application(row) for row in await tx.session.scalars(stmt)]


async def next_founding_meeting(tx: Tx, after: date) -> date | None:
    """The first day after `after` on which a founding meeting is set (ORG-3)."""
    stmt = select(func.min(col(ApplicationRow.meeting_on))).where(
        col(ApplicationRow.state) == "founding", col(ApplicationRow.meeting_on) > after
    )
    found: date | None = await tx.session.scalar(stmt)
    return found


async def open_applications(tx: Tx, states: tuple[str, ...]) -> list[Application]:
    stmt = (
        select(ApplicationRow)
        .where(col(ApplicationRow.state).in_(states))
        .order_by(col(ApplicationRow.id))
    )
    return [_application(row) for row in await tx.session.scalars(stmt)]


async def name_held(tx: Tx, key: str, other_than: int) -> bool:
    """Whether another application that holds its name (submitted, not decided) uses `key`."""
    stmt = (
        select(col(ApplicationRow.id))
        .where(col(ApplicationRow.name_key) == key)
        .where(col(ApplicationRow.state).in_(NAME_HOLDING_STATES))
        .where(col(ApplicationRow.id) != other_than)
    )
    return (await tx.session.scalars(stmt)).first() is not None


async def names_held(tx: Tx, other_than: int) -> list[str]:
    """The names other applications hold (submitted, not decided)."""
    stmt = (
        select(col(ApplicationRow.name))
        .where(col(ApplicationRow.state).in_(NAME_HOLDING_STATES))
        .where(col(ApplicationRow.id) != other_than)
    )
    return list(await tx.session.scalars(stmt))


async def advisor_load(tx: Tx, advisor_pk: int, other_than: int) -> int:
    """ADV-4: how many other live applications name this advisor."""
    stmt = (
        select(func.count())
        .select_from(ApplicationRow)
        .where(col(ApplicationRow.advisor_pk) == advisor_pk)
        .where(col(ApplicationRow.state).in_(NAME_HOLDING_STATES))
        .where(col(ApplicationRow.id) != other_than)
    )
    return int((await tx.session.execute(stmt)).scalar_one())


async def advisor_loads(tx: Tx, other_than: int) -> dict[int, int]:
    """ADV-4: how many live applications other than this one name each advisor (those named by
    none left out)."""
    stmt = (
        select(col(ApplicationRow.advisor_pk), func.count())
        .where(col(ApplicationRow.advisor_pk).is_not(None))
        .where(col(ApplicationRow.state).in_(NAME_HOLDING_STATES))
        .where(col(ApplicationRow.id) != other_than)
        .group_by(col(ApplicationRow.advisor_pk))
    )
    return {pk: int(n) for pk, n in (await tx.session.execute(stmt)).all() if pk is not None}


PROFILE_TEXT_MAX = 1000  # ClubProfileRow.description

# --- founding (ORG-3) -------------------------------------------------------------------------


async def create_club(tx: Tx, app: Application, founded: date, now: datetime) -> int:
    """The active club an approved application founds, under its guidance unit."""
    assert app.category is not None
    assert app.unit_id is not None
    unit = await tx.session.get(GuidanceUnitRow, app.unit_id)
    assert unit is not None
    row = ClubRow(
        name=app.name,
        name_key=app.name_key,
        category=app.category,
        guidance_unit=unit.name,
        unit_id=unit.id,
        founded=founded,
        status=ClubStatus.ACTIVE.value,
        created_at=now,
    )
    tx.session.add(row)
    await tx.session.flush()
    assert row.id is not None
    # The purpose the application stated is the club's first description (/club shows it;
    # the officers rewrite it with /club edit).
    description = (app.purpose or "")[:PROFILE_TEXT_MAX]
    tx.session.add(ClubProfileRow(club_id=row.id, description=description, updated_at=now))
    await tx.session.flush()
    return row.id


async def seat_officers(
    tx: Tx, club_id: int, seated: tuple[tuple[int, str], ...], now: datetime
) -> None:
    """Officers (student pk, position) a founding meeting chose without the bot's vote."""
    for student_pk, position in seated:
        if position == officers.PRESIDENT:
            await officers.set_president(tx, club_id, student_pk, now)
        else:
            tx.session.add(
                OfficerRow(club_id=club_id, student_pk=student_pk, position=position, since=now)
            )
    await tx.session.flush()
    await students_menus_due(tx, [student_pk for student_pk, _ in seated])


# --- charters ---------------------------------------------------------------------------------


async def put_charter(
    tx: Tx,
    application_id: int,
    charter: Charter,
    content: bytes,
    now: datetime,
) -> None:
    """Store the charter document, replacing an earlier one."""
    await tx.session.execute(
        delete(CharterFileRow).where(col(CharterFileRow.application_id) == application_id)
    )
    tx.session.add(
        CharterFileRow(
            application_id=application_id,
            file_name=charter.file_name,
            mime_type=charter.mime_type,
            size=charter.size,
            sha256=charter.sha256,
            content=content,
            uploaded_at=now,
        )
    )
    await tx.session.flush()


async def drop_charter(tx: Tx, application_id: int) -> None:
    await tx.session.execute(
        delete(CharterFileRow).where(col(CharterFileRow.application_id) == application_id)
    )


async def charter(tx: Tx, application_id: int) -> Charter | None:
    stmt = select(
        col(CharterFileRow.file_name),
        col(CharterFileRow.mime_type),
        col(CharterFileRow.size),
        col(CharterFileRow.sha256),
    ).where(col(CharterFileRow.application_id) == application_id)
    row = (await tx.session.execute(stmt)).first()
    return None if row is None else Charter(*row)


async def charter_content(tx: Tx, application_id: int) -> tuple[Charter, bytes] | None:
    """The charter document with its bytes, to send to someone who may read it."""
    stmt = select(CharterFileRow).where(col(CharterFileRow.application_id) == application_id)
    row = (await tx.session.scalars(stmt)).first()
    if row is None:
        return None
    return Charter(row.file_name, row.mime_type, row.size, row.sha256), row.content


# --- signatures -------------------------------------------------------------------------------

_ACTIVE_SIGNATURE = col(SignatureRow.withdrawn_at).is_(None)


async def sign(
    tx: Tx, application_id: int, student_pk: int, user_id: int, sponsor: bool, now: datetime
) -> bool:
    """Add an active signature; False when the student has one already (a unique index)."""
    stmt = (
        tx.insert(SignatureRow)
        .values(
            application_id=application_id,
            student_pk=student_pk,
            user_id=user_id,
            sponsor=sponsor,
            signed_at=now,
        )
        .on_conflict_do_nothing()
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def withdraw(
    tx: Tx, application_id: int, now: datetime, student_pk: int | None = None
) -> int:
    """Withdraw one student's signature, or (None) every co-sponsor's but the lead sponsor's."""
    stmt = (
        update(SignatureRow)
        .where(col(SignatureRow.application_id) == application_id)
        .where(_ACTIVE_SIGNATURE)
        .values(withdrawn_at=now)
    )
    if student_pk is None:
        stmt = stmt.where(col(SignatureRow.sponsor).is_(False))
    else:
        stmt = stmt.where(col(SignatureRow.student_pk) == student_pk)
    return int((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def count(tx: Tx, application_id: int) -> int:
    stmt = (
        select(func.count())
        .select_from(SignatureRow)
        .where(col(SignatureRow.application_id) == application_id)
        .where(_ACTIVE_SIGNATURE)
    )
    return int((await tx.session.execute(stmt)).scalar_one())


async def has_signed(tx: Tx, application_id: int, student_pk: int) -> bool:
    stmt = (
        select(col(SignatureRow.id))
        .where(col(SignatureRow.application_id) == application_id)
        .where(col(SignatureRow.student_pk) == student_pk)
        .where(_ACTIVE_SIGNATURE)
    )
    return (await tx.session.scalars(stmt)).first() is not None


async def signers(tx: Tx, application_id: int) -> list[Signer]:
    """Active signatures, the lead sponsor first, then by time."""
    stmt = (
        select(SignatureRow, StudentRow)
        .join(StudentRow, col(StudentRow.id) == col(SignatureRow.student_pk))
        .where(col(SignatureRow.application_id) == application_id)
        .where(_ACTIVE_SIGNATURE)
        .order_by(col(SignatureRow.sponsor).desc(), col(SignatureRow.id))
    )
    return [
        Signer(to_student(student), sig.user_id, sig.sponsor, sig.signed_at, sig.founder)
        for sig, student in (await tx.session.execute(stmt)).all()
    ]


async def mark_founders(tx: Tx, application_id: int, founders: set[int]) -> None:
    """ORG-3: which active signers became founding members (the rest were left out)."""
    base = (
        update(SignatureRow)
        .where(col(SignatureRow.application_id) == application_id)
        .where(_ACTIVE_SIGNATURE)
    )
    await tx.session.execute(base.values(founder=False))
    if founders:
        await tx.session.execute(
            base.where(col(SignatureRow.student_pk).in_(founders)).values(founder=True)
        )


# --- the lists staff keep: advisors, screened names ----------------------------------------------


async def current_advisors(tx: Tx) -> list[Advisor]:
    """ADV-1: the advisors an application may choose (not retired, not dismissed), by name."""
    dismissed = select(col(AdvisorDismissalRow.advisor_pk))
    stmt = (
        select(AdvisorRow)
        .where(col(AdvisorRow.retired_at).is_(None))
        .where(col(AdvisorRow.id).not_in(dismissed))
        .order_by(col(AdvisorRow.name), col(AdvisorRow.staff_id))
    )
    return [to_advisor(row) for row in await tx.session.scalars(stmt)]


async def screened(tx: Tx) -> list[Screened]:
    """REG-6: the current screening list, by term."""
    stmt = (
        select(ScreenedNameRow)
        .where(col(ScreenedNameRow.retired_at).is_(None))
        .order_by(col(ScreenedNameRow.term_key))
    )
    return [Screened(r.term, r.term_key, r.reason) for r in await tx.session.scalars(stmt)]


async def screen(tx: Tx, term: str, key: str, reason: str, by: int | None, now: datetime) -> bool:
    """Add a term to the screening list; False when it is on it already."""
    stmt = (
        tx.insert(ScreenedNameRow)
        .values(term=term, term_key=key, reason=reason, added_by=by, added_at=now)
        .on_conflict_do_nothing()
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def unscreen(tx: Tx, key: str, now: datetime) -> bool:
    stmt = (
        update(ScreenedNameRow)
        .where(col(ScreenedNameRow.term_key) == key)
        .where(col(ScreenedNameRow.retired_at).is_(None))
        .values(retired_at=now)
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]
