"""Activities (ACT-1 to ACT-12): the working-day calendar, proposals, decisions and sign-ups.

Plain values out, never rows. The invariants that concurrency could break are the database's:
one decision per level and version (a unique index, and state changes conditional on the state
and version read), one live sign-up per student, one sign-up per place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlmodel import col

from bot.domain.activities import (
    EDITABLE,
    LEVELS,
    ActivityAudience,
    ActivityKind,
    ActivityState,
    DayKind,
    Decision,
    DocumentKind,
    Speaker,
    WorkCalendar,
)
from bot.domain.values import Language, Role
from storage.imports import Upserted
from storage.models import (
    AccountRow,
    ActivityDecisionRow,
    ActivityDocumentRow,
    ActivityRow,
    ActivitySignupRow,
    ActivitySpeakerRow,
    AppointmentRow,
    ClubRow,
    MembershipRow,
    OutboxRow,
    RoleGrantRow,
    UnitRepRow,
    WorkDayRow,
    table_of,
)
from storage.outbox import CLEARED, PENDING
from storage.tx import Tx

# Rows of one list read at most (/todo says how many are shown).
LIMIT = 50

# --- the working-day calendar --------------------------------------------------------------------


async def work_calendar(tx: Tx) -> WorkCalendar:
    """The staff-kept list of holidays and make-up working days (a few dozen rows a year)."""
    rows = await tx.session.execute(select(col(WorkDayRow.day), col(WorkDayRow.kind)))
    return WorkCalendar.of((day, DayKind(kind)) for day, kind in rows)


async def upsert_days(tx: Tx, now: datetime, wanted: Mapping[date, DayKind]) -> Upserted:
    """Days by date: a day listed again takes its new kind."""
    done = Upserted()
    stmt = select(WorkDayRow).where(col(WorkDayRow.day).in_(list(wanted)))
    existing = {row.day: row for row in await tx.session.scalars(stmt)}
    for day, kind in wanted.items():
        row = existing.get(day)
        if row is None:
            tx.session.add(WorkDayRow(day=day, kind=kind.value, imported_at=now))
            done.created += 1
        elif row.kind != kind.value:
            row.kind, row.imported_at = kind.value, now
            done.updated += 1
        else:
            done.unchanged += 1
    await tx.session.flush()
    return done


# --- proposals -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Activity:
    """An activity as its proposal stands, with its club's name and its speakers."""

    id: int
    club_id: int
    club: str
    state: ActivityState
    version: int
    organizer: int
    title: str | None
    kind: ActivityKind | None
    starts_at: datetime | None
    ends_at: datetime | None
    place: str | None
    expected: int | None
    capacity: int | None
    capacity_set: bool
    audience: ActivityAudience | None
    description: str | None
    needs_staff: bool
    comment: str | None
    submitted_at: datetime | None
    budget_fen: int | None = None
    sponsor: str | None = None
    sponsor_set: bool = False
    speakers: tuple[SpeakerEntry, ...] = ()
    # Read with one activity and with the approvers' list; other lists leave them out.
    documents: tuple[AttachedDocument, ...] = ()


@dataclass(frozen=True, slots=True)
class AttachedDocument:
    """ACT-3, ACT-5: a document a proposal carries, without its bytes."""

    kind: DocumentKind
    file_name: str
    mime_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class SpeakerEntry:
    id: int
    speaker: Speaker


_a = table_of(ActivityRow)
_club = table_of(ClubRow)
_speaker = table_of(ActivitySpeakerRow)
_signup = table_of(ActivitySignupRow)
_document = table_of(ActivityDocumentRow)
_COLUMNS = (*_a.c, _club.c.name.label("club_name"))


def _activity(
    row: Any,
    speakers: tuple[SpeakerEntry, ...] = (),
    documents: tuple[AttachedDocument, ...] = (),
) -> Activity:
    return Activity(
        id=row.id,
        club_id=row.club_id,
        club=row.club_name,
        state=ActivityState(row.state),
        version=row.version,
        organizer=row.organizer,
        title=row.title,
        kind=ActivityKind(row.kind) if row.kind else None,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        place=row.place,
        expected=row.expected,
        capacity=row.capacity,
        capacity_set=row.capacity_set,
        audience=ActivityAudience(row.audience) if row.audience else None,
        description=row.description,
        needs_staff=row.needs_staff,
        comment=row.comment,
        submitted_at=row.submitted_at,
        budget_fen=row.budget_fen,
        sponsor=row.sponsor,
        sponsor_set=row.sponsor_set,
        speakers=speakers,
        documents=documents,
    )


def _select() -> Any:
    return select(*_COLUMNS).join(_club, _club.c.id == _a.c.club_id)


async def activity(tx: Tx, activity_id: int) -> Activity | None:
    """One activity with its speakers and its documents' names (three statements)."""
    row = (await tx.session.execute(_select().where(_a.c.id == activity_id))).first()
    if row is None:
        return None
    stmt = select(_speaker).where(_speaker.c.activity_id == activity_id).order_by(_speaker.c.id)
    speakers = tuple(
        SpeakerEntry(s.id, Speaker(s.name, s.affiliation, s.outside))
        for s in await tx.session.execute(stmt)
    )
    documents = await _documents_of(tx, [activity_id])
    return _activity(row, speakers, documents.get(activity_id, ()))


async def _documents_of(
    tx: Tx, activity_ids: list[int]
) -> dict[int, tuple[AttachedDocument, ...]]:
    """The documents' names and sizes (not their bytes) of these activities: one statement."""
    if not activity_ids:
        return {}
    stmt = (
        select(
            _document.c.activity_id,
            _document.c.kind,
            _document.c.file_name,
            _document.c.mime_type,
            _document.c.size,
            _document.c.sha256,
        )
        .where(_document.c.activity_id.in_(activity_ids))
        .order_by(_document.c.activity_id, _document.c.kind)
    )
    found: dict[int, list[AttachedDocument]] = {}
    for d in await tx.session.execute(stmt):
        entry = AttachedDocument(DocumentKind(d.kind), d.file_name, d.mime_type, d.size, d.sha256)
        found.setdefault(d.activity_id, []).append(entry)
    return {key: tuple(value) for key, value in found.items()}


async def sponsor_approved(tx: Tx, club_id: int) -> bool:
    """ACT-9: whether staff approved an activity of the club that names a sponsor."""
    stmt = select(
        select(_a.c.id)
        .where(
            _a.c.club_id == club_id,
            _a.c.state == ActivityState.APPROVED.value,
            _a.c.sponsor.is_not(None),
        )
        .exists()
    )
    return bool((await tx.session.execute(stmt)).scalar())


async def put_document(
    tx: Tx, activity_id: int, document: AttachedDocument, content: bytes, now: datetime
) -> None:
    """Store a proposal's document of its kind, replacing an earlier one."""
    await tx.session.execute(
        delete(_document).where(
            _document.c.activity_id == activity_id, _document.c.kind == document.kind.value
        )
    )
    await tx.session.execute(
        insert(_document).values(
            activity_id=activity_id,
            kind=document.kind.value,
            file_name=document.file_name,
            mime_type=document.mime_type,
            size=document.size,
            sha256=document.sha256,
            content=content,
            uploaded_at=now,
        )
    )


async def drop_documents(tx: Tx, activity_id: int, kinds: list[DocumentKind]) -> None:
    """Delete these documents of a proposal (none: nothing happens)."""
    if kinds:
        await tx.session.execute(
            delete(_document).where(
                _document.c.activity_id == activity_id,
                _document.c.kind.in_([kind.value for kind in kinds]),
            )
        )


async def document_content(
    tx: Tx, activity_id: int, kind: DocumentKind
) -> tuple[AttachedDocument, bytes] | None:
    """A proposal's document with its bytes, to send to someone who may read it."""
    stmt = select(_document).where(
        _document.c.activity_id == activity_id, _document.c.kind == kind.value
    )
    d = (await tx.session.execute(stmt)).first()
    if d is None:
        return None
    found = AttachedDocument(DocumentKind(d.kind), d.file_name, d.mime_type, d.size, d.sha256)
    return found, d.content


async def editable_of(tx: Tx, organizer: int) -> Activity | None:
    """The organizer's proposal still being written or returned to them, the latest changed."""
    stmt = (
        _select()
        .where(_a.c.organizer == organizer)
        .where(_a.c.state.in_([s.value for s in EDITABLE]))
        .order_by(_a.c.updated_at.desc(), _a.c.id.desc())
        .limit(1)
    )
    row = (await tx.session.execute(stmt)).first()
    return None if row is None else await activity(tx, row.id)


async def new_draft(tx: Tx, club_id: int, organizer: int, now: datetime) -> int:
    stmt = (
        insert(_a)
        .values(
            club_id=club_id,
            state=ActivityState.DRAFT.value,
            version=1,
            organizer=organizer,
            capacity_set=False,
            needs_staff=False,
            created_at=now,
            updated_at=now,
        )
        .returning(_a.c.id)
    )
    return int((await tx.session.execute(stmt)).scalar_one())


async def withdraw_stale_drafts(tx: Tx, before: datetime, now: datetime, limit: int) -> int:
    """Withdraw up to `limit` drafts never submitted and untouched since `before`, in one
    statement; how many."""
    stale = (
        select(_a.c.id)
        .where(_a.c.state == ActivityState.DRAFT.value, _a.c.updated_at < before)
        .order_by(_a.c.id)
        .limit(limit)
        .scalar_subquery()
    )
    stmt = (
        update(_a)
        .where(_a.c.id.in_(stale), _a.c.state == ActivityState.DRAFT.value)
        .values(state=ActivityState.WITHDRAWN.value, updated_at=now)
    )
    return int((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def change(tx: Tx, activity_id: int, now: datetime, **values: object) -> bool:
    """Set answers of a proposal still editable; False if it is not (any more)."""
    stmt = (
        update(_a)
        .where(_a.c.id == activity_id)
        .where(_a.c.state.in_([s.value for s in EDITABLE]))
        .values(updated_at=now, **values)
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def add_speaker(tx: Tx, activity_id: int, speaker: Speaker) -> None:
    await tx.session.execute(
        insert(_speaker).values(
            activity_id=activity_id,
            name=speaker.name,
            affiliation=speaker.affiliation,
            outside=speaker.outside,
        )
    )


async def toggle_speaker(tx: Tx, activity_id: int, speaker_id: int) -> None:
    await tx.session.execute(
        update(_speaker)
        .where(_speaker.c.id == speaker_id, _speaker.c.activity_id == activity_id)
        .values(outside=~_speaker.c.outside)
    )


async def remove_speaker(tx: Tx, activity_id: int, speaker_id: int) -> None:
    await tx.session.execute(
        delete(_speaker).where(_speaker.c.id == speaker_id, _speaker.c.activity_id == activity_id)
    )


async def move(
    tx: Tx,
    activity_id: int,
    before: ActivityState,
    at_version: int,
    now: datetime,
    state: ActivityState,
    **values: object,
) -> bool:
    """Move the activity from `before` (at `at_version`) to `state`: a conditional update, so
    of two moves raced from the same state, one happens and the other is told False."""
    stmt = (
        update(_a)
        .where(_a.c.id == activity_id, _a.c.state == before.value, _a.c.version == at_version)
        .values(state=state.value, updated_at=now, **values)
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


# --- approval (ACT-1) ----------------------------------------------------------------------------

_decision = table_of(ActivityDecisionRow)
_account = table_of(AccountRow)
_appointment = table_of(AppointmentRow)
_rep = table_of(UnitRepRow)
_grant = table_of(RoleGrantRow)


async def record_decision(
    tx: Tx,
    activity_id: int,
    version: int,
    level: ActivityState,
    decision: Decision,
    by: int,
    comment: str | None,
    now: datetime,
) -> bool:
    """Record one level's answer; False if that level already answered this version."""
    stmt = (
        tx.insert(ActivityDecisionRow)
        .values(
            activity_id=activity_id,
            version=version,
            level=level.value,
            decision=decision.value,
            decided_by=by,
            comment=comment,
            decided_at=now,
        )
        .on_conflict_do_nothing()
    )
    return bool((await tx.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Decided:
    level: ActivityState
    decision: Decision
    by: int
    comment: str | None
    at: datetime


async def decisions(tx: Tx, activity_id: int) -> list[Decided]:
    """The activity's decisions, oldest first."""
    stmt = (
        select(
            _decision.c.level,
            _decision.c.decision,
            _decision.c.decided_by,
            _decision.c.comment,
            _decision.c.decided_at.label("at"),
        )
        .where(_decision.c.activity_id == activity_id)
        .order_by(_decision.c.id)
    )
    rows = await tx.session.execute(stmt)
    return [
        Decided(ActivityState(r.level), Decision(r.decision), r.decided_by, r.comment, r.at)
        for r in rows
    ]


def _language(lang: str | None) -> Language:
    return Language(lang or Language.EN.value)


async def approvers(tx: Tx, club_id: int, level: ActivityState) -> list[tuple[int, Language]]:
    """Who answers at `level` for this club's activities, with their language: the account of
    the club's current advisor, the representatives of its guidance unit, or staff."""
    stmt: Any
    if level is ActivityState.ADVISOR:
        stmt = (
            select(_account.c.user_id, _account.c.language)
            .join(_appointment, _appointment.c.advisor_pk == _account.c.advisor_pk)
            .where(_appointment.c.club_id == club_id, _appointment.c.ended_at.is_(None))
        )
    elif level is ActivityState.UNIT:
        stmt = (
            select(_rep.c.user_id, _account.c.language)
            .join(_club, _club.c.unit_id == _rep.c.unit_id)
            .outerjoin(_account, _account.c.user_id == _rep.c.user_id)
            .where(_club.c.id == club_id)
        )
    else:
        stmt = (
            select(_grant.c.user_id, _account.c.language)
            .outerjoin(_account, _account.c.user_id == _grant.c.user_id)
            .where(_grant.c.role == Role.STAFF.value)
        )
    rows = await tx.session.execute(stmt.order_by(stmt.selected_columns[0]))
    return [(uid, _language(lang)) for uid, lang in rows]


async def account_language(tx: Tx, user_id: int) -> Language:
    stmt = select(_account.c.language).where(_account.c.user_id == user_id)
    return _language((await tx.session.execute(stmt)).scalar())


async def waiting_for(tx: Tx, user_id: int, advisor_pk: int | None, staff: bool) -> list[Activity]:
    """The activities whose current level this person answers at, oldest submission first,
    with their speakers and documents: three statements (the club's advisor, its unit's
    representatives, staff)."""
    as_advisor = (_a.c.state == ActivityState.ADVISOR.value) & _a.c.club_id.in_(
        select(_appointment.c.club_id).where(
            _appointment.c.advisor_pk == (advisor_pk if advisor_pk is not None else -1),
            _appointment.c.ended_at.is_(None),
        )
    )
    as_rep = (_a.c.state == ActivityState.UNIT.value) & _club.c.unit_id.in_(
        select(_rep.c.unit_id).where(_rep.c.user_id == user_id)
    )
    condition = or_(as_advisor, as_rep)
    if staff:
        condition = or_(condition, _a.c.state == ActivityState.STAFF.value)
    stmt = _select().where(condition).order_by(_a.c.submitted_at, _a.c.id).limit(LIMIT)
    rows = (await tx.session.execute(stmt)).all()
    talks = [r.id for r in rows if r.kind == ActivityKind.TALK.value]
    speakers = await _speakers_of(tx, talks)
    documents = await _documents_of(tx, [r.id for r in rows])
    return [_activity(r, speakers.get(r.id, ()), documents.get(r.id, ())) for r in rows]


async def _speakers_of(tx: Tx, activity_ids: list[int]) -> dict[int, tuple[SpeakerEntry, ...]]:
    if not activity_ids:
        return {}
    stmt = select(_speaker).where(_speaker.c.activity_id.in_(activity_ids)).order_by(_speaker.c.id)
    found: dict[int, list[SpeakerEntry]] = {}
    for s in await tx.session.execute(stmt):
        entry = SpeakerEntry(s.id, Speaker(s.name, s.affiliation, s.outside))
        found.setdefault(s.activity_id, []).append(entry)
    return {key: tuple(value) for key, value in found.items()}


# --- announcement and sign-up --------------------------------------------------------------------

_member = table_of(MembershipRow)
_outbox = table_of(OutboxRow)
CONFIRMED = "confirmed"
WAITLISTED = "waitlisted"
CANCELLED = "cancelled"
LIVE = (CONFIRMED, WAITLISTED)


async def audience_accounts(
    tx: Tx, club_id: int, audience: ActivityAudience
) -> list[tuple[int, Language]]:
    """The reachable accounts of the students who may come: the club's members, or every
    student with a bound account (one statement)."""
    stmt = select(_account.c.user_id, _account.c.language).where(
        _account.c.student_pk.is_not(None), _account.c.unreachable_at.is_(None)
    )
    if audience is ActivityAudience.MEMBERS:
        stmt = stmt.join(_member, _member.c.student_pk == _account.c.student_pk).where(
            _member.c.club_id == club_id, _member.c.slot.is_not(None)
        )
    rows = await tx.session.execute(stmt.order_by(_account.c.user_id))
    return [(uid, _language(lang)) for uid, lang in rows]


async def mark_announced(tx: Tx, activity_id: int, now: datetime) -> None:
    await tx.session.execute(update(_a).where(_a.c.id == activity_id).values(announced_at=now))


async def is_member(tx: Tx, student_pk: int, club_id: int) -> bool:
    stmt = select(_member.c.id).where(
        _member.c.student_pk == student_pk,
        _member.c.club_id == club_id,
        _member.c.slot.is_not(None),
    )
    return (await tx.session.execute(stmt)).first() is not None


def _open_to(student_pk: int, now: datetime) -> Any:
    """Approved activities still to start that this student may attend."""
    clubs_of_student = select(_member.c.club_id).where(
        _member.c.student_pk == student_pk, _member.c.slot.is_not(None)
    )
    return (
        (_a.c.state == ActivityState.APPROVED.value)
        & (_a.c.starts_at > now)
        & ((_a.c.audience == ActivityAudience.STUDENTS.value) | _a.c.club_id.in_(clubs_of_student))
    )


async def upcoming_count(tx: Tx, student_pk: int, now: datetime) -> int:
    stmt = select(func.count()).select_from(_a).where(_open_to(student_pk, now))
    return int((await tx.session.execute(stmt)).scalar_one())


async def upcoming_page(
    tx: Tx, student_pk: int, now: datetime, offset: int, limit: int
) -> list[tuple[Activity, str | None]]:
    """A page of the activities this student may attend, soonest first, each with the
    student's live sign-up status (None: not signed up): one statement."""
    mine = (
        select(_signup.c.activity_id, _signup.c.status)
        .where(_signup.c.student_pk == student_pk, _signup.c.status.in_(LIVE))
        .subquery("mine")
    )
    stmt = (
        select(*_COLUMNS, mine.c.status.label("signup"))
        .join(_club, _club.c.id == _a.c.club_id)
        .outerjoin(mine, mine.c.activity_id == _a.c.id)
        .where(_open_to(student_pk, now))
        .order_by(_a.c.starts_at, _a.c.id)
        .offset(offset)
        .limit(limit)
    )
    return [(_activity(row), row.signup) for row in await tx.session.execute(stmt)]


@dataclass(frozen=True, slots=True)
class SignUp:
    id: int
    student_pk: int
    status: str
    place: int | None


async def lock_activity(tx: Tx, activity_id: int) -> None:
    """Serialize sign-ups and cancellations of one activity until the transaction ends."""
    await tx.db.lock_rows(tx.session, "activity", [activity_id])


async def live_sign_up(tx: Tx, activity_id: int, student_pk: int) -> SignUp | None:
    stmt = select(_signup.c.id, _signup.c.student_pk, _signup.c.status, _signup.c.place).where(
        _signup.c.activity_id == activity_id,
        _signup.c.student_pk == student_pk,
        _signup.c.status.in_(LIVE),
    )
    row = (await tx.session.execute(stmt)).first()
    return None if row is None else SignUp(row.id, row.student_pk, row.status, row.place)


async def taken_places(tx: Tx, activity_id: int) -> set[int]:
    stmt = select(_signup.c.place).where(
        _signup.c.activity_id == activity_id, _signup.c.place.is_not(None)
    )
    return {place for (place,) in await tx.session.execute(stmt)}


async def add_sign_up(
    tx: Tx, activity_id: int, student_pk: int, status: str, place: int | None, now: datetime
) -> int | None:
    """Insert a sign-up; its id, or None if the student has a live one or the place is taken
    (the unique indexes decide, whatever the reads before said)."""
    stmt = (
        tx.insert(ActivitySignupRow)
        .values(
            activity_id=activity_id,
            student_pk=student_pk,
            status=status,
            place=place,
            created_at=now,
            changed_at=now,
        )
        .on_conflict_do_nothing()
        .returning(_signup.c.id)
    )
    found = (await tx.session.execute(stmt)).scalar()
    return None if found is None else int(found)


async def end_sign_up(tx: Tx, sign_up_id: int, now: datetime) -> None:
    await tx.session.execute(
        update(_signup)
        .where(_signup.c.id == sign_up_id)
        .values(status=CANCELLED, place=None, changed_at=now)
    )


async def promote_first(
    tx: Tx, activity_id: int, place: int | None, now: datetime
) -> SignUp | None:
    """Confirm the first waitlisted student on `place`; their sign-up (None: nobody waits)."""
    stmt = (
        select(_signup.c.id, _signup.c.student_pk)
        .where(_signup.c.activity_id == activity_id, _signup.c.status == WAITLISTED)
        .order_by(_signup.c.id)
        .limit(1)
    )
    row = (await tx.session.execute(stmt)).first()
    if row is None:
        return None
    await tx.session.execute(
        update(_signup)
        .where(_signup.c.id == row.id)
        .values(status=CONFIRMED, place=place, changed_at=now)
    )
    return SignUp(int(row.id), int(row.student_pk), CONFIRMED, place)


async def sign_up_counts(tx: Tx, activity_id: int) -> dict[str, int]:
    stmt = (
        select(_signup.c.status, func.count())
        .where(_signup.c.activity_id == activity_id, _signup.c.status.in_(LIVE))
        .group_by(_signup.c.status)
    )
    return {status: int(n) for status, n in await tx.session.execute(stmt)}


async def account_of_student(tx: Tx, student_pk: int) -> tuple[int, Language] | None:
    stmt = select(_account.c.user_id, _account.c.language).where(
        _account.c.student_pk == student_pk, _account.c.unreachable_at.is_(None)
    )
    row = (await tx.session.execute(stmt)).first()
    return None if row is None else (int(row.user_id), _language(row.language))


async def clear_messages(tx: Tx, keys: list[str]) -> None:
    """Drop messages still waiting in the outbox (a reminder for a sign-up cancelled)."""
    await tx.session.execute(
        update(_outbox)
        .where(_outbox.c.key.in_(keys), _outbox.c.status == PENDING)
        .values(status=CLEARED)
    )


async def clear_prefixed(tx: Tx, prefix: str) -> None:
    """Drop the messages still waiting whose key starts with `prefix` (a level's requests,
    reminders and escalations, once the level has answered)."""
    await tx.session.execute(
        update(_outbox)
        .where(_outbox.c.key.startswith(prefix, autoescape=True), _outbox.c.status == PENDING)
        .values(status=CLEARED)
    )


async def in_progress(tx: Tx, now: datetime) -> list[Activity]:
    """Activities waiting for a decision, and approved ones still to start, soonest first
    (at most LIMIT a list's worth of each), with their speakers: two statements."""
    stmt = (
        _select()
        .where(
            _a.c.state.in_([s.value for s in LEVELS])
            | ((_a.c.state == ActivityState.APPROVED.value) & (_a.c.starts_at > now))
        )
        .order_by(_a.c.starts_at, _a.c.id)
        .limit(4 * LIMIT)
    )
    rows = (await tx.session.execute(stmt)).all()
    speakers = await _speakers_of(tx, [r.id for r in rows if r.kind == ActivityKind.TALK.value])
    return [_activity(r, speakers.get(r.id, ())) for r in rows]


async def signed_up_accounts(
    tx: Tx, activity_id: int, statuses: tuple[str, ...] = LIVE
) -> list[tuple[int, int, Language]]:
    """(sign-up id, user id, language) of the reachable students signed up with these
    statuses (one statement)."""
    stmt = (
        select(_signup.c.id, _account.c.user_id, _account.c.language)
        .join(_account, _account.c.student_pk == _signup.c.student_pk)
        .where(
            _signup.c.activity_id == activity_id,
            _signup.c.status.in_(statuses),
            _account.c.unreachable_at.is_(None),
        )
        .order_by(_signup.c.id)
    )
    return [(sid, uid, _language(lang)) for sid, uid, lang in await tx.session.execute(stmt)]


async def activities_by_ids(tx: Tx, ids: list[int]) -> list[Activity]:
    """These activities in the order given, with their speakers (two statements)."""
    if not ids:
        return []
    rows = {r.id: r for r in await tx.session.execute(_select().where(_a.c.id.in_(ids)))}
    speakers = await _speakers_of(tx, [i for i in ids if i in rows])
    return [_activity(rows[i], speakers.get(i, ())) for i in ids if i in rows]
