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
    STAFF = "staff"


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


class StaffOnly(DomainError):
    """The command is for staff, and the user holds no staff role (now)."""

    key = "error.staff_only"
