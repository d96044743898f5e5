"""Elections and general-meeting votes: phases, positions, eligibility. Plain values, no I/O.

An officer election goes through NOMINATION (members nominate; a nominee accepts), REVIEW (the
advisor approves the list or strikes candidates with a reason), PUBLICITY (the list and the dates
go to every member; objections reach the advisor and staff; staff may strike), VOTING (secret
ballot of the members counted when voting opened), RESULTS (the count is published; objections
again) and APPROVAL (the advisor and the guidance unit approve; the winners take office), to
DONE. It ends early as FAILED (no candidate, no quorum) or CANCELLED (the club may no longer act,
REG-7). A general-meeting vote on motions alone goes straight to VOTING and ends after RESULTS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.policy import Policy
from bot.domain.tally import Method
from bot.domain.values import Category, DomainError, Student


class Phase(StrEnum):
    NOMINATION = "nomination"
    REVIEW = "review"
    PUBLICITY = "publicity"
    VOTING = "voting"
    RESULTS = "results"
    APPROVAL = "approval"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


ENDED = frozenset({Phase.DONE, Phase.FAILED, Phase.CANCELLED})
# Before voting opens, candidates and dates may still change; from then on they are frozen.
BEFORE_VOTING = frozenset({Phase.NOMINATION, Phase.REVIEW, Phase.PUBLICITY})


class Kind(StrEnum):
    OFFICERS = "officers"
    MEETING = "meeting"  # a general meeting: motions, and officers too at the founding meeting


class CandidateStatus(StrEnum):
    NOMINATED = "nominated"  # waiting for the nominee to accept
    ACCEPTED = "accepted"  # waiting for the advisor's review
    APPROVED = "approved"  # on the ballot
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    STRUCK = "struck"
    INELIGIBLE = "ineligible"  # no longer eligible when voting opened


LIVE = frozenset({CandidateStatus.NOMINATED, CandidateStatus.ACCEPTED, CandidateStatus.APPROVED})


class Reason(StrEnum):
    """Why an election ended early."""

    NO_CANDIDATES = "no_candidates"
    NO_QUORUM = "no_quorum"
    CLUB_INACTIVE = "club_inactive"


# The key of the general-meeting motion that dissolves the club when it passes (REG-11).
DISSOLVE = "dissolve"
# The key of the founding meeting's motion to adopt the charter (ORG-3).
CHARTER = "charter"


@dataclass(frozen=True, slots=True)
class Election:
    """An officer election or a general-meeting vote of one club, and where it stands.

    `next_at` is when the clock must act next; a founding meeting has an application and no
    club until the founding is confirmed; a runoff names the election it continues.
    """

    id: int
    club_id: int | None
    application_id: int | None
    kind: Kind
    phase: Phase
    founding: bool
    parent_id: int | None
    started_by: int
    created_at: datetime
    publicity_days: int
    voting_days: int
    result_days: int
    quorum: str
    seed: str | None
    nominations_close_at: datetime | None = None
    voting_opens_at: datetime | None = None
    voting_closes_at: datetime | None = None
    remind_at: datetime | None = None
    reminded: bool = False
    results_until: datetime | None = None
    next_at: datetime | None = None
    members: int | None = None
    list_approved_by: int | None = None
    advisor_ok_by: int | None = None
    unit_ok_by: int | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """A position to fill (or a motion to decide) of one election and, once counted, its
    result as recorded at the count."""

    id: int
    election_id: int
    key: str
    title: str
    method: Method
    seats: int
    leader: bool
    on_ballot: bool
    result: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A nomination: a member for a position, and where it stands."""

    id: int
    election_id: int
    position_id: int
    student_pk: int
    nominated_by: int
    status: CandidateStatus
    reason: str | None


@dataclass(frozen=True, slots=True)
class PositionSpec:
    """A position to fill (or, with Method.MOTION, a question to decide)."""

    key: str
    title: str
    method: Method
    seats: int = 1
    leader: bool = False


# Seats of one position: more cannot be marked on a phone's ballot paper, and a typed number
# past it is a mistake, answered as one (never stored).
MAX_SEATS = 50

# A phase lasts 1 to 60 days: the bounds the policy file accepts for its defaults.
SCHEDULE_DAYS = range(1, 61)


@dataclass(frozen=True, slots=True)
class Schedule:
    """Phase lengths in days."""

    nomination: int
    publicity: int
    voting: int
    results: int

    @classmethod
    def of(cls, policy: Policy) -> Schedule:
        return cls(
            policy.election_nomination_days,
            policy.election_publicity_days,
            policy.election_voting_days,
            policy.election_result_days,
        )

    @classmethod
    def parse(cls, text: str) -> Schedule | None:
        """Four typed lengths, "7 3 3 5" (nomination, publicity, voting, results); None unless
        each is a whole number of days in SCHEDULE_DAYS."""
        parts = text.replace(",", " ").split()
        if len(parts) != 4 or not all(p.isdecimal() for p in parts):
            return None
        days = [int(p) for p in parts]
        if any(d not in SCHEDULE_DAYS for d in days):
            return None
        return cls(*days)

    def days(self) -> list[int]:
        return [self.nomination, self.publicity, self.voting, self.results]


PRESIDENT = PositionSpec("president", "President", Method.IRV, 1, leader=True)
VICE = PositionSpec("vice_president", "Vice-president", Method.IRV)
HEADS = PositionSpec("dept_heads", "Department heads", Method.BLOCK, 3)
PRESETS: dict[str, tuple[PositionSpec, ...]] = {
    "p": (PRESIDENT,),
    "pv": (PRESIDENT, VICE),
    "pvh": (PRESIDENT, VICE, HEADS),
}
# The title each preset position is stored with: shown in the reader's words (`position.<key>`).
PRESET_TITLES = {spec.key: spec.title for specs in PRESETS.values() for spec in specs}


def preset(key: str, title: str) -> bool:
    """Whether a position is a preset one, as the preset named it (not a title typed)."""
    return PRESET_TITLES.get(key) == title


def check_specs(specs: tuple[PositionSpec, ...]) -> None:
    """Refuse a ballot paper that cannot be counted: duplicate keys, bad seat numbers."""
    keys = [s.key for s in specs]
    if not specs or len(set(keys)) != len(keys):
        raise BadPositions()
    for spec in specs:
        single = spec.method in (Method.IRV, Method.PLURALITY, Method.MOTION)
        if not 1 <= spec.seats <= MAX_SEATS or (single and spec.seats != 1):
            raise BadPositions()
        if not spec.title.strip():
            raise BadPositions()


def ineligibility(
    policy: Policy, student: Student, category: Category, member: bool, leader: bool
) -> list[str]:
    """Message keys of every reason the student cannot stand (ORG-1, ORG-5, ORG-6); [] if none."""
    reasons = []
    if not member:
        reasons.append("election.why.not_member")
    if not student.has_formal_status:
        reasons.append("election.why.not_enrolled")
    if student.disciplinary:
        reasons.append("election.why.disciplinary")
    if student.rank_pct > policy.officer_max_rank_pct:
        reasons.append("election.why.rank")
    if (
        leader
        and category in policy.party_advisor_categories
        and student.political not in policy.leader_political
    ):
        reasons.append("election.why.party")
    return reasons


# PRIV-4: the reasons that rest on restricted data (disciplinary record, class rank, political
# status), by the rule that needs them: a refusal in chat names the rule, never the value.
RESTRICTED_REASONS: dict[str, str] = {
    "election.why.disciplinary": "ORG-5",
    "election.why.rank": "ORG-5",
    "election.why.party": "ORG-6",
}


def restricted_rules(reasons: list[str]) -> list[str]:
    """The rules behind the reasons that rest on restricted data, each once, in order."""
    return sorted({RESTRICTED_REASONS[key] for key in reasons if key in RESTRICTED_REASONS})


def officer_rules(policy: Policy, category: Category, leader: bool) -> str:
    """The rules a nominee for this position must meet, as a refusal names them: never which
    condition failed (PRIV-4)."""
    party = leader and category in policy.party_advisor_categories
    return "ORG-5, ORG-6" if party else "ORG-5"


class BadPositions(DomainError):
    key = "error.election.positions"


class ElectionRunning(DomainError):
    key = "error.election.running"


class UnknownElection(DomainError):
    key = "error.election.unknown"


class WrongPhase(DomainError):
    """The election is not in the phase this action belongs to (stale button, late action)."""

    key = "error.election.phase"


class NotEligible(DomainError):
    key = "error.election.not_eligible"


class NomineeNotEligible(DomainError):
    """A nomination of another person refused: the same answer for an ineligible member and for
    anyone who is not a member, naming only the rules (PRIV-4)."""

    key = "error.election.nominee_not_eligible"


class TooManyNominations(DomainError):
    key = "error.election.too_many_nominations"


class AlreadyCandidate(NotEligible):
    key = "error.election.already_candidate"


class NotVoter(DomainError):
    key = "error.election.not_voter"


class AlreadyVoted(DomainError):
    key = "error.election.already_voted"


class BadBallot(DomainError):
    key = "error.election.bad_ballot"


class UnknownCandidate(DomainError):
    key = "error.election.candidate"


class Decision(StrEnum):
    """The answer to a member's objection (ORG-5's publicity): upheld or dismissed."""

    UPHELD = "upheld"
    DISMISSED = "dismissed"


class UnknownObjection(DomainError):
    """No such objection (a forged or mistyped button)."""

    key = "objection.unknown"


class ObjectionAnswered(DomainError):
    """The objection has its answer already: one decision per objection. `by` is the account
    that answered, `decision` what it decided (the flow names the person)."""

    key = "objection.answered"
