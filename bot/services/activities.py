"""Activities (ACT-1 to ACT-12): proposing one, and the checks it meets at submission.

A proposal is a row from its first answer on (state `draft`), so /cancel, another command or a
restart lose nothing: /activity resumes it. Each answer is checked as it is given; the rules that
depend on several answers, on the club and on the calendar (REG-7, ACT-12, ACT-1, ACT-4, ACT-5)
are checked again when it is submitted, each refusal naming its rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from bot.chat.replies import Document
from bot.chat.text import hostile_text, number
from bot.domain.activities import (
    EDITABLE,
    ActivityAudience,
    ActivityKind,
    ActivityRefused,
    ActivityState,
    DocumentKind,
    EndsBeforeStart,
    InThePast,
    Move,
    NoSuchMove,
    Proposal,
    Speaker,
    after,
    check,
    documents_needed,
    needs_staff,
)
from bot.domain.calendar import Calendar
from bot.domain.finance import BadAmount, parse_amount, yuan
from bot.domain.policy import Policy
from bot.domain.values import Club, ClubStatus, DomainError, Student
from bot.services import documents, profiles, reminders
from bot.services.notices import checkin as change_notices
from storage import activities as store
from storage import advisors, audit, outbox
from storage.activities import Activity, AttachedDocument
from storage.outbox import Message
from storage.tx import Tx

# How long each typed answer may be, in characters.
LIMITS = {
    "title": 100,
    "place": 200,
    "description": 2000,
    "speaker": 100,
    "affiliation": 200,
    "sponsor": 200,
}
TITLE_MIN = 2
# The questions in the order asked; `speakers` only for a talk.
FIELDS = (
    "title",
    "kind",
    "starts",
    "ends",
    "place",
    "expected",
    "capacity",
    "audience",
    "description",
    "budget",
    "sponsor",
    "speakers",
    DocumentKind.PARTICIPANTS.value,
    DocumentKind.SAFETY_PLAN.value,
)
# The questions answered with a document.
DOCUMENTS = {kind.value: kind for kind in DocumentKind}
_WHEN = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2})[:：](\d{2})")
_CLOCK = re.compile(r"(\d{1,2})[:：](\d{2})")


class NotOrganizer(DomainError):
    """Only a club's officers and its advisor propose its activities."""

    key = "error.activity.not_organizer"


class ClubStopped(ActivityRefused):
    key = "error.activity.club_stopped"


class NoAdvisor(ActivityRefused):
    key = "error.activity.no_advisor"


class BadTime(DomainError):
    key = "error.activity.bad_time"


class BadNumber(DomainError):
    key = "error.activity.bad_number"


class BadText(DomainError):
    key = "error.activity.bad_text"


class TooLong(DomainError):
    key = "error.activity.too_long"


class BadSpeaker(DomainError):
    key = "error.activity.bad_speaker"


class Incomplete(DomainError):
    key = "error.activity.incomplete"


class BadBudget(DomainError):
    key = "error.activity.budget"


class BadDocument(DomainError):
    key = "error.activity.document_type"


class DocumentTooLarge(DomainError):
    key = "error.activity.document_size"


async def organizable(tx: Tx, student: Student | None, advisor_pk: int | None) -> list[Club]:
    """The clubs this person may propose activities for: as an officer or as the advisor."""
    return await profiles.kept_by(tx, student, advisor_pk)


def _running(club: Club) -> None:
    """REG-7, ACT-12: a club that is not active holds no activity."""
    if club.status is not ClubStatus.ACTIVE:
        raise ClubStopped(rule="ACT-12", club=club.name, state=club.status)


async def start(
    tx: Tx,
    now: datetime,
    user_id: int,
    student: Student | None,
    advisor_pk: int | None,
    club_id: int,
) -> int:
    """A new draft for the club; its id."""
    kept = {c.id: c for c in await organizable(tx, student, advisor_pk)}
    club = kept.get(club_id)
    if club is None:
        raise NotOrganizer()
    _running(club)
    return await store.new_draft(tx, club_id, user_id, now)


async def editable(tx: Tx, activity_id: int, user_id: int) -> Activity:
    """The proposal, if this person organizes it and it can still be changed."""
    found = await store.activity(tx, activity_id)
    if found is None or found.organizer != user_id or found.state not in EDITABLE:
        raise NoSuchMove()
    return found


def asked(policy: Policy, act: Activity) -> list[str]:
    """The questions this proposal asks, in order: a talk's speakers, and the documents its
    kind and size need (ACT-3, ACT-5)."""
    needed = {kind.value for kind in documents_needed(policy, act.kind, act.expected)}
    return [
        field
        for field in FIELDS
        if (field != "speakers" or act.kind is ActivityKind.TALK)
        and (field not in DOCUMENTS or field in needed)
    ]


def missing(policy: Policy, act: Activity) -> list[str]:
    """The questions not answered yet, in order."""
    attached = {d.kind.value for d in act.documents}
    answered = {
        "title": act.title is not None,
        "kind": act.kind is not None,
        "starts": act.starts_at is not None,
        "ends": act.ends_at is not None,
        "place": act.place is not None,
        "expected": act.expected is not None,
        "capacity": act.capacity_set,
        "audience": act.audience is not None,
        "description": act.description is not None,
        "budget": act.budget_fen is not None,
        "sponsor": act.sponsor_set,
        "speakers": bool(act.speakers),
    }
    return [
        field
        for field in asked(policy, act)
        if not (field in attached if field in DOCUMENTS else answered[field])
    ]


def _text(value: str, limit: int, minimum: int = 1) -> str:
    value = value.strip()
    bad = hostile_text(value)
    if bad is not None or len(value) < minimum:
        raise BadText(min=minimum)
    if len(value) > limit:
        raise TooLong(max=limit, length=len(value))
    return value


def parse_when(cal: Calendar, text: str, day_of: datetime | None = None) -> datetime:
    """A local `YYYY-MM-DD HH:MM` (or `HH:MM` on the day of `day_of`) as an aware UTC instant;
    BadTime for anything else, an impossible date (30 February) or time (25:00) included."""
    text = text.strip()
    found = _WHEN.fullmatch(text)
    try:
        if found is not None:
            year, month, day, hour, minute = (int(part) for part in found.groups())
            local = datetime(year, month, day, hour, minute, tzinfo=cal.zone)
        elif day_of is not None and (clock := _CLOCK.fullmatch(text)) is not None:
            moment = time(int(clock.group(1)), int(clock.group(2)))
            local = datetime.combine(cal.today(day_of), moment, cal.zone)
        else:
            raise BadTime()
    except ValueError:
        raise BadTime() from None
    return local.astimezone(UTC)


def _count(policy: Policy, text: str) -> int:
    found = number(text.strip(), 9)
    if found is None or not 1 <= found <= policy.activity_max_capacity:
        raise BadNumber(min=1, max=policy.activity_max_capacity)
    return found


async def answer(
    tx: Tx, policy: Policy, cal: Calendar, now: datetime, act: Activity, field: str, text: str
) -> None:
    """Record a typed answer, checked; a DomainError says what is wrong with it."""
    values: dict[str, object]
    match field:
        case "title":
            values = {"title": _text(text, LIMITS["title"], TITLE_MIN)}
        case "place":
            values = {"place": _text(text, LIMITS["place"])}
        case "description":
            values = {"description": _text(text, LIMITS["description"])}
        case "starts":
            starts = parse_when(cal, text)
            if starts <= now:
                raise InThePast()
            values = {"starts_at": starts}
            if act.ends_at is not None and act.ends_at <= starts:
                values["ends_at"] = None  # asked again: the old end came before the new start
        case "ends":
            ends = parse_when(cal, text, act.starts_at)
            if act.starts_at is not None and ends <= act.starts_at:
                raise EndsBeforeStart()
            values = {"ends_at": ends}
        case "expected":
            values = {"expected": _count(policy, text)}
        case "capacity":
            values = {"capacity": _count(policy, text), "capacity_set": True}
        case "budget":
            values = {"budget_fen": parse_budget(policy, text)}
        case "sponsor":
            values = {"sponsor": _text(text, LIMITS["sponsor"], TITLE_MIN), "sponsor_set": True}
        case _:
            raise ValueError(field)
    await store.change(tx, act.id, now, **values)


def parse_budget(policy: Policy, text: str) -> int:
    """ACT-7: the planned cost in yuan as whole fen; 0 for an activity that costs nothing."""
    if text.strip() in ("0", "0.0", "0.00"):
        return 0
    try:
        return parse_amount(policy, text)
    except BadAmount:
        raise BadBudget(max=yuan(policy.finance_max_fen)) from None


async def attach(
    tx: Tx, policy: Policy, now: datetime, act: Activity, field: str, document: Document
) -> AttachedDocument:
    """ACT-3, ACT-5: store the participant list or the safety plan, replacing an earlier one;
    refused whole if its type or size is not allowed."""
    kind = DOCUMENTS[field]
    found = documents.accept(
        document,
        policy.activity_document_types,
        policy.charter_max_bytes,
        BadDocument,
        DocumentTooLarge,
        kind.value,
    )
    attached = AttachedDocument(kind, found.file_name, found.mime_type, found.size, found.sha256)
    await store.put_document(tx, act.id, attached, found.content, now)
    await store.change(tx, act.id, now)
    return attached


async def choose(tx: Tx, now: datetime, act: Activity, field: str, value: str) -> None:
    """Record an answer given with a button: the kind, the audience, or no capacity."""
    match field:
        case "kind":
            await store.change(tx, act.id, now, kind=ActivityKind(value).value)
        case "audience":
            await store.change(tx, act.id, now, audience=ActivityAudience(value).value)
        case "capacity" if value == "none":
            await store.change(tx, act.id, now, capacity=None, capacity_set=True)
        case "sponsor" if value == "none":
            await store.change(tx, act.id, now, sponsor=None, sponsor_set=True)
        case _:
            raise ValueError(field)


def parse_speaker(text: str) -> Speaker:
    """`Name, affiliation` (a Chinese comma too); from abroad/HK/Macao/Taiwan is a button."""
    name, sep, affiliation = text.replace("，", ",").partition(",")
    if not sep:
        raise BadSpeaker()
    try:
        return Speaker(
            _text(name, LIMITS["speaker"]), _text(affiliation, LIMITS["affiliation"]), False
        )
    except DomainError:
        raise BadSpeaker() from None


@dataclass(frozen=True, slots=True)
class Submitted:
    activity: Activity
    staff: bool


async def submit(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    user_id: int,
    student: Student | None,
    advisor_pk: int | None,
    activity_id: int,
) -> Submitted:
    """Send the proposal to the club's advisor (ACT-1), after every check at submission."""
    act = await editable(tx, activity_id, user_id)
    if missing(policy, act):
        raise Incomplete()
    kept = {c.id: c for c in await organizable(tx, student, advisor_pk)}
    club = kept.get(act.club_id)
    if club is None:
        raise NotOrganizer()
    _running(club)
    if await advisors.current(tx, club.id) is None:
        raise NoAdvisor(rule="ACT-1", club=club.name)
    assert act.kind is not None
    assert act.starts_at is not None
    assert act.ends_at is not None
    assert act.expected is not None
    proposal = Proposal(
        act.kind,
        act.starts_at,
        act.ends_at,
        act.expected,
        tuple(s.speaker for s in act.speakers),
        frozenset(d.kind for d in act.documents),
        sponsored=act.sponsor is not None,
    )
    work = await store.work_calendar(tx)
    check(policy, work, now, cal.today(act.starts_at), cal.today(now), proposal)
    # A document its kind and size no longer need (a trip made a regular meeting) goes with it:
    # approvers read only what the rules ask for, and a participant list is personal data.
    needed = documents_needed(policy, act.kind, act.expected)
    await store.drop_documents(tx, act.id, [d.kind for d in act.documents if d.kind not in needed])
    staff = needs_staff(policy, proposal)
    moved = await store.move(
        tx,
        act.id,
        act.state,
        act.version,
        now,
        ActivityState.ADVISOR,
        version=act.version + 1,
        needs_staff=staff,
        submitted_at=now,
        comment=None,
    )
    if not moved:
        raise NoSuchMove()
    await audit.append(
        tx,
        now,
        user_id,
        "activity.submit",
        club_id=club.id,
        subject=f"activity:{act.id}",
        after={
            "title": act.title,
            "kind": act.kind.value,
            "staff": staff,
            **({"sponsor": act.sponsor} if act.sponsor else {}),
        },
    )
    return Submitted(act, staff)


async def expire_stale_drafts(tx: Tx, policy: Policy, now: datetime, limit: int) -> int:
    """Withdraw up to `limit` proposals never submitted and untouched for longer than the
    policy keeps drafts (`draft_expiry_days`, as for applications); how many."""
    before = now - timedelta(days=policy.draft_expiry_days)
    return await store.withdraw_stale_drafts(tx, before, now, limit)


async def discard(tx: Tx, now: datetime, user_id: int, activity_id: int) -> Activity:
    """Withdraw a proposal still with its organizer."""
    act = await editable(tx, activity_id, user_id)
    if not await store.move(tx, act.id, act.state, act.version, now, ActivityState.WITHDRAWN):
        raise NoSuchMove()
    await audit.append(
        tx,
        now,
        user_id,
        "activity.withdraw",
        club_id=act.club_id,
        subject=f"activity:{act.id}",
    )
    return act


async def add_speaker(tx: Tx, now: datetime, act: Activity, text: str) -> None:
    """ACT-4: add a speaker typed as `name, affiliation`."""
    await store.add_speaker(tx, act.id, parse_speaker(text))
    await store.change(tx, act.id, now)


async def mark_speaker(tx: Tx, now: datetime, act: Activity, speaker_id: int) -> None:
    """Mark a speaker as from abroad, Hong Kong, Macao or Taiwan, or take the mark off."""
    await store.toggle_speaker(tx, act.id, speaker_id)
    await store.change(tx, act.id, now)


async def remove_speaker(tx: Tx, now: datetime, act: Activity, speaker_id: int) -> None:
    await store.remove_speaker(tx, act.id, speaker_id)
    await store.change(tx, act.id, now)


class NotChangeable(DomainError):
    """Only an approved activity that has not started is changed after approval."""

    key = "activity_change.not_changeable"


async def reopen(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    user_id: int,
    student: Student | None,
    advisor_pk: int | None,
    activity_id: int,
) -> Activity:
    """ACT-1: an approved activity whose time, place or speakers must change goes back to its
    organizer, and then through approval again; a new version, so an approval button of the
    old one is refused. The students signed up are told; their day-before reminders and the
    request for the report wait for the new approval."""
    act = await store.activity(tx, activity_id)
    kept = {c.id for c in await organizable(tx, student, advisor_pk)}
    if act is None or act.club_id not in kept:
        raise NotOrganizer()
    if act.state is not ActivityState.APPROVED or act.starts_at is None or act.starts_at <= now:
        raise NotChangeable(title=act.title or "—")
    after(act.state, Move.CHANGE)
    moved = await store.move(
        tx,
        act.id,
        act.state,
        act.version,
        now,
        ActivityState.RETURNED,
        version=act.version + 1,
        organizer=user_id,
        comment=None,
    )
    if not moved:
        raise NoSuchMove()
    await store.clear_prefixed(tx, f"activity:{act.id}:v{act.version}:")
    told = [
        Message(
            f"activity:{act.id}:v{act.version + 1}:changed:{user_id_}",
            user_id_,
            change_notices.changed(lang, cal, act),
        )
        for _, user_id_, lang in await store.signed_up_accounts(tx, act.id)
    ]
    await outbox.enqueue_many(tx, told, now)
    await audit.append(
        tx,
        now,
        user_id,
        "activity.change",
        club_id=act.club_id,
        subject=f"activity:{act.id}",
        before={"state": act.state.value, "version": act.version},
        after={"state": ActivityState.RETURNED.value, "told": len(told)},
    )
    await reminders.refresh(tx, policy, cal, now, [act.club_id])
    return act
