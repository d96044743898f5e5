"""Domain values and errors. Plain data: no framework, no database."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class StudentStatus(StrEnum):
    ENROLLED = "enrolled"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    GRADUATED = "graduated"


class Political(StrEnum):
    PARTY = "party"
    PROBATIONARY = "probationary"
    LEAGUE = "league"
    NONE = "none"


class Category(StrEnum):
    """The 2020 Measures' club classes, in the order they are listed to users."""

    IDEOLOGICAL = "ideological"
    ACADEMIC = "academic"
    INNOVATION = "innovation"
    CULTURE_SPORTS = "culture_sports"
    VOLUNTEER = "volunteer"
    MUTUAL_AID = "mutual_aid"
    OTHER = "other"


class ClubStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    BANNED = "banned"
    DISSOLVED = "dissolved"


class Role(StrEnum):
    """Roles staff grant (the others, officer, advisor and member, follow from the records)."""

    STAFF = "staff"
    REVIEWER = "reviewer"  # REG-8: a member of the review committee


class UnitKind(StrEnum):
    """REG-2: what a guidance unit is."""

    DEPARTMENT = "department"
    PARTY_ORG = "party_org"
    RESEARCH = "research"


class ReviewResult(StrEnum):
    """REG-5: the outcome of a club's annual review."""

    PASS = "pass"
    CONDITIONAL = "conditional"
    FAIL = "fail"


class MeetingStatus(StrEnum):
    """ORG-3: a general meeting that officers recorded, as the advisor decided."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # replaced by a later record before anyone decided


class DeadlineKind(StrEnum):
    """The deadlines the bot reminds about, each after the rule it serves."""

    MEETING = "meeting"  # ORG-3
    REVIEW = "review"  # REG-5
    ADVISOR_TERM = "advisor_term"  # ADV-3
    REREGISTRATION = "reregistration"  # ORG-2
    ACTIVITY_REPORT = "activity_report"  # ACT-10: the earliest report not filed
    STATEMENT = "statement"  # ACT-7: the semester's accounts shown to the members


class Language(StrEnum):
    EN = "en"
    ZH = "zh"


@dataclass(frozen=True, slots=True)
class Student:
    id: int
    student_id: str
    name: str
    college: str
    class_name: str
    status: StudentStatus
    disciplinary: bool
    rank_pct: int
    political: Political

    @property
    def has_formal_status(self) -> bool:
        """ORG-1: formal student status means enrolled."""
        return self.status is StudentStatus.ENROLLED


@dataclass(frozen=True, slots=True)
class Club:
    id: int
    name: str
    category: Category
    guidance_unit: str
    founded: date
    status: ClubStatus


@dataclass(frozen=True, slots=True)
class ClubProfile:
    """What a club tells students about itself; empty strings where nothing is said yet."""

    description: str = ""
    meeting_place: str = ""
    group_link: str = ""
    dues: str = ""  # ACT-8: what the charter fixes, recorded by the advisor


@dataclass(frozen=True, slots=True)
class Advisor:
    """ADV-1: a teacher in the advisor bank."""

    id: int
    staff_id: str
    name: str
    department: str
    party_member: bool


def name_key(name: str) -> str:
    """The key under which two club names count as the same: NFKC, case-folded, spaces folded."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(folded.split())


class DomainError(Exception):
    """A rule refused the request; `key` names the message that explains why."""

    key: str = "error.generic"

    def __init__(self, **params: object) -> None:
        super().__init__(self.key, params)
        self.params = params


class NotBound(DomainError):
    key = "error.not_bound"


class NotClubOfficer(DomainError):
    """The student holds no position in the club they act for (ACT-6, ACT-7)."""

    key = "error.accounts.not_officer"


class NoFormalStatus(DomainError):
    key = "error.no_formal_status"


class UnknownClub(DomainError):
    key = "error.unknown_club"


class ClubNotActive(DomainError):
    key = "error.club_not_active"


class AlreadyMember(DomainError):
    key = "error.already_member"


class NotMember(DomainError):
    key = "error.not_member"


class MembershipLimitReached(DomainError):
    """ORG-2: the student is already in the maximum number of clubs."""

    key = "error.membership_limit"


class NotOfficer(DomainError):
    key = "error.not_officer"


class NotAllowed(DomainError):
    """The user lacks the role this action needs (checked again on the server)."""

    key = "error.not_allowed"


class AdvisorLimitReached(DomainError):
    """ADV-4: the advisor already guides the maximum number of clubs."""

    key = "error.advisor_limit"


class AdvisorNotPartyMember(DomainError):
    """ADV-2: this club's category needs an advisor who is a Party member."""

    key = "error.advisor_not_party"


class NoAdvisor(DomainError):
    key = "error.no_advisor"


class BadMeetingDate(DomainError):
    key = "error.bad_meeting_date"


class NothingToConfirm(DomainError):
    key = "error.nothing_to_confirm"


# --- establishing a club -------------------------------------------------------------------------


class NameRefused(DomainError):
    """A proposed club name breaks a naming rule (REG-6, length, characters, uniqueness)."""

    key = "error.application.name"


class NotEligibleSponsor(DomainError):
    """REG-1: a sponsor or signer has formal student status and no disciplinary record. The
    refusal names the rule only and offers a person's review of the application `review` (0:
    a new one); it carries no restricted value (PRIV-4)."""

    key = "error.application.not_eligible"


class ApplicationChanged(DomainError):
    """The application is no longer in the state the action was meant for (someone was first)."""

    key = "error.application.changed"


class UnknownApplication(DomainError):
    key = "error.application.unknown"


class CharterRefused(DomainError):
    """REG-4: a charter file of a type or size the policy does not accept."""

    key = "error.application.charter"


# --- the club lifecycle and the staff console ----------------------------------------------------


class LifecycleAction(StrEnum):
    """What staff (or a members' vote) do to a club's state, each with a reason (REG-7/10/11)."""

    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    BAN = "ban"
    DISSOLVE = "dissolve"


class WrongClubState(DomainError):
    """The club is not in a state this lifecycle action applies to."""

    key = "error.console.lifecycle_state"


class AdvisorDismissed(DomainError):
    """ADV-5: a dismissed advisor is not appointed again."""

    key = "error.console.advisor_dismissed"


class NotEvaluatedFailed(DomainError):
    """ADV-5: an advisor is dismissed only after a failed evaluation."""

    key = "error.console.advisor_not_failed"


class NoReviewRound(DomainError):
    """REG-5: no annual review round is open."""

    key = "error.console.review_no_round"


class AlreadyReviewed(DomainError):
    """REG-5: the club's review of this year has its result already: nothing more to submit."""

    key = "error.console.review_decided"


class VerdictRecorded(DomainError):
    """REG-5: another reviewer recorded this club's verdict for the year first."""

    key = "review.already_decided"
