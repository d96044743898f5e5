"""From approval to an active club (ORG-3): the founding members, the founding meeting's date,
its outcome (as its vote in bot/services/elections/ decided it), and the advisor's
confirmation that founds the club."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.domain.values import (
    Advisor,
    AdvisorDismissed,
    AdvisorLimitReached,
    AdvisorNotPartyMember,
    ApplicationChanged,
    Category,
    Club,
    DomainError,
    MeetingStatus,
    NotAllowed,
    Role,
    Student,
    UnknownApplication,
)
from bot.services import appointments, memberships, reminders
from bot.services.applications import notices
from bot.services.applications.answers import NameTaken
from bot.services.applications.machine import Action, AppState
from bot.services.applications.moves import locked, move, unit_reps
from storage import advisors, clubs, officers, people
from storage import applications as applications_store
from storage import elections as elections_store
from storage import meetings as meetings_store
from storage.applications import Application
from storage.tx import Tx

PRESIDENT = officers.PRESIDENT


async def choose_founders(tx: Tx, policy: Policy, now: datetime, app: Application) -> None:
    """ORG-3: the signers become founding members, unless already in the maximum of clubs."""
    founders: set[int] = set()
    for signer in await applications_store.signers(tx, app.id):
        held = await clubs.active_memberships(tx, signer.student.id)
        if len(held) >= policy.max_clubs_per_student or not signer.student.has_formal_status:
            await notices.tell_left_out(
                tx, now, app, signer.user_id, policy.max_clubs_per_student, "left-out"
            )
            continue
        founders.add(signer.student.id)
        if not signer.sponsor:
            await notices.tell_founder(tx, now, app, signer.user_id)
    await applications_store.mark_founders(tx, app.id, founders)


async def founding_of(tx: Tx, student: Student | None) -> Application | None:
    """The sponsor's approved application whose founding meeting is pending."""
    if student is None:
        return None
    return await applications_store.draft_of(
        tx, student.id, (AppState.FOUNDING.value, AppState.CONFIRMING.value)
    )


async def set_meeting(
    tx: Tx,
    cal: Calendar,
    now: datetime,
    user_id: int,
    student: Student | None,
    app_id: int,
    day: date,
) -> Application:
    """The sponsor sets (or moves) the founding meeting's date."""
    app = await locked(tx, app_id)
    if student is None or app.sponsor_pk != student.id:
        raise UnknownApplication(id=app_id)
    return await move(tx, app, Action.SET_MEETING, user_id, now, day.isoformat(), meeting_on=day)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A founding meeting's decisions: charter adopted, officers (student pk, position)."""

    held_on: date
    charter_adopted: bool
    officers: tuple[tuple[int, str], ...]
    # The founding meeting's vote that decided it (its officers took office by election).
    election_id: int | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "held_on": self.held_on.isoformat(),
                "charter_adopted": self.charter_adopted,
                "officers": [list(o) for o in self.officers],
                "election_id": self.election_id,
            }
        )

    @classmethod
    def from_json(cls, raw: str) -> Outcome:
        data = json.loads(raw)
        return cls(
            date.fromisoformat(data["held_on"]),
            bool(data["charter_adopted"]),
            tuple((int(pk), str(position)) for pk, position in data["officers"]),
            data.get("election_id"),
        )


class BadOutcome(DomainError):
    key = "error.application.bad_outcome"


async def record_outcome(
    tx: Tx,
    cal: Calendar,
    now: datetime,
    user_id: int,
    app_id: int,
    outcome: Outcome,
) -> Application:
    """Record the founding meeting's outcome as its vote decided it (bot/services/elections/);
    the advisor is asked to confirm it. Officers are founding members; one is president."""
    app = await locked(tx, app_id)
    founders = {s.student.id for s in await applications_store.signers(tx, app.id) if s.founder}
    presidents = [pk for pk, position in outcome.officers if position == PRESIDENT]
    if (
        not outcome.charter_adopted
        or outcome.held_on > cal.today(now)
        or len(presidents) != 1
        or any(pk not in founders for pk, _ in outcome.officers)
        or len({pk for pk, _ in outcome.officers}) != len(outcome.officers)
    ):
        raise BadOutcome()
    app = await move(
        tx,
        app,
        Action.RECORD_OUTCOME,
        user_id,
        now,
        outcome.held_on.isoformat(),
        outcome=outcome.to_json(),
    )
    await notices.ask_founding_confirmation(
        tx, now, app, outcome.held_on, presidents[0], len(founders)
    )
    return app


@dataclass(frozen=True, slots=True)
class Activated:
    app: Application
    club: Club | None
    members: int
    left_out: int


async def confirm_outcome(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    user_id: int,
    app_id: int,
    confirm: bool,
) -> Activated:
    """The advisor confirms the founding meeting (the club becomes active) or rejects it."""
    app = await locked(tx, app_id)
    mine = await people.advisor_of_account(tx, user_id)
    if mine is None or mine.id != app.advisor_pk:
        raise NotAllowed()
    if app.state != AppState.CONFIRMING or app.outcome is None:
        raise ApplicationChanged(id=app.id)
    outcome = Outcome.from_json(app.outcome)
    if not confirm:
        app = await move(tx, app, Action.REJECT_OUTCOME, user_id, now, outcome=None)
        await notices.tell_sponsor(tx, now, app, "application.founding_rejected_notice")
        return Activated(app, None, 0, 0)
    await _check_founding(tx, policy, app, mine)
    club_id = await applications_store.create_club(tx, app, outcome.held_on, now)
    app = await move(tx, app, Action.CONFIRM_OUTCOME, user_id, now, club_id=club_id)
    club = await clubs.club(tx, club_id)
    assert club is not None
    members, left_out = await _found(tx, policy, cal, now, user_id, app, club, mine, outcome)
    await notices.tell_sponsor(tx, now, app, "application.active_notice", members=members)
    return Activated(app, club, members, left_out)


async def _check_founding(tx: Tx, policy: Policy, app: Application, advisor: Advisor) -> None:
    """What the founding would refuse halfway, refused before anything is written: a club of
    that name meanwhile (imported, perhaps banned or dissolved: its members must not grow,
    REG-7), the advisor dismissed (ADV-5), no longer a Party member where the category needs one
    (ADV-2), or at their limit meanwhile (ADV-4)."""
    if await clubs.club_by_key(tx, app.name_key) is not None:
        raise NameTaken(name=app.name)
    await advisors.lock_advisors(tx, [advisor.id])
    if await advisors.is_dismissed(tx, advisor.id):
        raise AdvisorDismissed(advisor=advisor.name)
    category = Category(app.category) if app.category is not None else None
    if category in policy.party_advisor_categories and not advisor.party_member:
        raise AdvisorNotPartyMember(club=app.name, advisor=advisor.name)
    if await advisors.count_current(tx, advisor.id) >= policy.max_clubs_per_advisor:
        raise AdvisorLimitReached(advisor=advisor.name, limit=policy.max_clubs_per_advisor)


async def _found(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    actor: int,
    app: Application,
    club: Club,
    advisor: Advisor,
    outcome: Outcome,
) -> tuple[int, int]:
    """Memberships by the join rules (the cap enforced), officers, advisor, meeting, deadlines."""
    members = left_out = 0
    for signer in await applications_store.signers(tx, app.id):
        if not signer.founder:
            continue
        try:
            await memberships.join(tx, policy, now, signer.student, club.id)
        except DomainError:
            left_out += 1
            await notices.tell_left_out(
                tx, now, app, signer.user_id, policy.max_clubs_per_student, "left-out-late"
            )
            continue
        members += 1
        if not signer.sponsor:
            await notices.tell_member(tx, now, app, signer.user_id)
    if outcome.election_id is not None:
        # ORG-7: elected by the founding members; the vote now belongs to the club it founded.
        await officers.take_office(tx, club.id, list(outcome.officers), outcome.election_id, now)
        await elections_store.attach(tx, outcome.election_id, club.id)
    else:
        await applications_store.seat_officers(tx, club.id, outcome.officers, now)
    await appointments.appoint(tx, policy, cal, now, club, advisor, refresh=False, actor=actor)
    await meetings_store.record(
        tx, club.id, outcome.held_on, MeetingStatus.CONFIRMED, now, recorded_by=app.sponsor_user
    )
    await reminders.refresh(tx, policy, cal, now, [club.id])
    return members, left_out


@dataclass(frozen=True, slots=True)
class CharterCopy:
    """The charter an application stored: its document, or the text typed instead."""

    app: Application
    document: tuple[applications_store.Charter, bytes] | None
    text: str | None


async def charter_to_read(
    tx: Tx, user_id: int, advisor_pk: int | None, student: Student | None, app_id: int
) -> CharterCopy:
    """The charter, for those who decide on the application or vote on it: its advisor, its
    unit's representatives, reviewers and staff, its sponsor and co-sponsors (the founding
    members). Anyone else is answered as for an unknown application (its existence not told)."""
    app = await applications_store.get(tx, app_id)
    if app is None:
        raise UnknownApplication(id=app_id)
    allowed = (
        (advisor_pk is not None and app.advisor_pk == advisor_pk)
        or bool(await people.roles_of(tx, user_id) & {Role.STAFF, Role.REVIEWER})
        or (student is not None and await applications_store.has_signed(tx, app_id, student.id))
        or user_id in await unit_reps(tx, app)
    )
    if not allowed:
        raise UnknownApplication(id=app_id)
    return CharterCopy(app, await applications_store.charter_content(tx, app_id), app.charter_text)
