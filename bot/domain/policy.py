"""The university's policy: every number of RULES.md, with the rulebook's defaults.

A university overrides any of them in a TOML file named by `POLICY_FILE`; the code reads these
fields and never spells a rule's number itself.
"""

from __future__ import annotations

import tomllib
from datetime import time
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.domain.values import Category, Political


class PolicyError(Exception):
    """The policy file cannot be read or holds a value out of range."""


class Level(StrEnum):
    """Who is told about a deadline, in the order a missed one escalates."""

    OFFICERS = "officers"
    ADVISOR = "advisor"
    UNIT = "unit"  # the representatives of the club's guidance unit
    STAFF = "staff"


class Policy(BaseModel):
    """Rule values; field names cite the rule they parameterize."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # ORG-2: a student belongs to at most this many clubs at a time.
    max_clubs_per_student: int = Field(default=2, ge=1, le=20)
    # Binding: wrong one-time codes allowed per window before the user must wait.
    bind_max_failures: int = Field(default=5, ge=1)
    bind_failure_window_minutes: int = Field(default=10, ge=1)

    # ORG-3: a registered club holds its general meeting at least once every N months.
    general_meeting_interval_months: int = Field(default=12, ge=1, le=60)
    # ADV-3: an advisor is appointed for a term of N months, then renewed or replaced.
    advisor_term_months: int = Field(default=12, ge=1, le=120)
    # ADV-4: one advisor guides at most M clubs.
    max_clubs_per_advisor: int = Field(default=2, ge=1, le=50)
    # ADV-2: clubs of these categories need an advisor who is a Party member.
    party_advisor_categories: tuple[Category, ...] = (Category.IDEOLOGICAL, Category.VOLUNTEER)

    # REG-1: a new club is sponsored jointly by at least N students (the lead sponsor counts).
    min_sponsors: int = Field(default=20, ge=1, le=1000)
    # An unfinished /establish draft is dropped after this many days without a change.
    draft_expiry_days: int = Field(default=30, ge=1, le=365)
    # REG-4: a charter document is a file of these types, at most this many bytes; typed
    # charters are at most this many characters (one Telegram message).
    charter_max_bytes: int = Field(default=2_000_000, ge=1_000, le=20_000_000)
    charter_types: tuple[str, ...] = ("pdf", "docx", "txt")
    charter_text_max_chars: int = Field(default=3500, ge=100, le=3500)
    # A club name, after NFKC normalization, has between these many characters.
    club_name_min_chars: int = Field(default=2, ge=1, le=50)
    club_name_max_chars: int = Field(default=40, ge=2, le=200)
    purpose_max_chars: int = Field(default=500, ge=20, le=2000)

    # Reminders: sent this many days before a deadline (each once).
    reminder_lead_days: tuple[int, ...] = (30, 7, 1)
    # A deadline that passes without the action recorded is escalated along these levels,
    # the first on the day after the deadline, each next one this many days later.
    escalation_levels: tuple[Level, ...] = (
        Level.OFFICERS,
        Level.ADVISOR,
        Level.UNIT,
        Level.STAFF,
    )
    escalation_spacing_days: int = Field(default=7, ge=1, le=90)
    # Reminders that are not urgent wait while it is night in TIMEZONE (start == end: never).
    quiet_hours_start: time = time(22, 0)
    quiet_hours_end: time = time(8, 0)

    # Telegram's limits for messages the bot sends on its own initiative.
    delivery_rate_per_second: float = Field(default=25.0, gt=0, le=30)
    delivery_chat_rate_per_second: float = Field(default=1.0, gt=0, le=1)
    delivery_group_rate_per_minute: int = Field(default=20, ge=1, le=20)
    # Other failures are retried with back-off (base, doubling); after `visible` attempts staff
    # see the message in /deadlines, after `max` attempts it is given up.
    delivery_backoff_seconds: int = Field(default=30, ge=1)
    delivery_attempts_visible: int = Field(default=3, ge=1)
    delivery_max_attempts: int = Field(default=5, ge=1, le=50)

    # ORG-5: officers rank in the top N percent of their class (the ledger checks it).
    officer_max_rank_pct: int = Field(default=50, ge=1, le=100)
    # ADV-5: an appointed advisor has an evaluation at most this many months old.
    advisor_evaluation_months: int = Field(default=12, ge=1, le=60)
    # REG-5: a review round staff open without a closing date lasts this many days.
    review_round_days: int = Field(default=30, ge=1, le=365)
    # Elections (ORG-5, ORG-6, ORG-7); candidates rank within `officer_max_rank_pct` (ORG-5).
    # ORG-6: the main person in charge of a club of `party_advisor_categories` (the same
    # categories as ADV-2) holds one of these political statuses.
    leader_political: tuple[Political, ...] = (Political.PARTY, Political.PROBATIONARY)
    # Phase lengths in days: nominations, candidate publicity, voting, result publicity.
    election_nomination_days: int = Field(default=7, ge=1, le=60)
    election_publicity_days: int = Field(default=3, ge=1, le=60)
    election_voting_days: int = Field(default=3, ge=1, le=60)
    election_result_days: int = Field(default=5, ge=1, le=60)
    # At least this fraction of the members must vote, or the vote fails.
    election_quorum: str = "1/2"
    # A tie for a seat: a runoff among the tied, or a draw by lot with a seed published first.
    election_tie_rule: Literal["runoff", "lot"] = "runoff"
    # Members who have not voted are reminded once, this many days before voting closes.
    election_reminder_lead_days: int = Field(default=1, ge=1, le=30)
    # PRIV-4: nominations of other members one account may try per hour (each refusal tells
    # something about a member's eligibility).
    nomination_attempts_per_hour: int = Field(default=10, ge=1, le=1000)
    # Updates one user may send per window; past them, one notice, then silence until the
    # window ends (a flood must not crowd out everyone else's answers).
    throttle_updates: int = Field(default=20, ge=1, le=1000)
    throttle_window_seconds: int = Field(default=10, ge=1, le=3600)

    # PRIV-1: the processing notice names who is responsible for the data and how to reach
    # them (the deployer sets both in the policy file).
    privacy_controller: str = Field(
        default="the university's student affairs office", min_length=1, max_length=200
    )
    privacy_contact: str = Field(
        default="the student affairs office, in person", min_length=1, max_length=200
    )
    # PRIV-3: how long data is kept once its purpose ends, in days. A student who left (any
    # status but enrolled) keeps their binding this long after the roster said so.
    leaver_retention_days: int = Field(default=30, ge=1, le=3650)
    # Binding codes never used, after they were issued (a new letter brings a new code).
    unused_code_retention_days: int = Field(default=90, ge=1, le=3650)
    # The conversation state of a chat nobody wrote in for this long.
    conversation_retention_days: int = Field(default=90, ge=1, le=3650)
    # The records of processed updates (with their answers), kept to refuse redeliveries.
    update_retention_days: int = Field(default=2, ge=1, le=365)
    # A draft application that expired unsubmitted (its sponsor's answers), after it expired.
    expired_draft_retention_days: int = Field(default=30, ge=1, le=3650)
    # The pages a paged answer built (a /ledger request's, which may name students), kept for its
    # page buttons this long; a button pressed later asks for the command again.
    kept_pages_minutes: int = Field(default=60, ge=1, le=1440)

    # --- activities (ACT-1 to ACT-5) ---
    # ACT-1: a proposal is submitted at least N working days before its start; each level
    # answers within M working days.
    activity_lead_working_days: int = Field(default=5, ge=0, le=60)
    activity_answer_working_days: int = Field(default=3, ge=1, le=30)
    # ACT-1: whether small regular and online activities need staff's approval too (talks,
    # large and off-campus ones always do).
    activity_staff_approval: bool = True
    # ACT-3: a large activity by expected participants; a police permit from this many, filed
    # this many days ahead.
    activity_large_participants: int = Field(default=200, ge=2, le=100_000)
    large_permit_participants: int = Field(default=1000, ge=2, le=1_000_000)
    large_permit_lead_days: int = Field(default=20, ge=0, le=365)
    # ACT-4: talks at least N days ahead; N working days when a speaker comes from abroad,
    # Hong Kong, Macao or Taiwan.
    talk_lead_days: int = Field(default=7, ge=0, le=365)
    talk_outside_lead_working_days: int = Field(default=10, ge=0, le=120)
    # ACT-5: off-campus activities at least N days ahead.
    off_campus_lead_days: int = Field(default=5, ge=0, le=365)
    # ACT-3, ACT-5: an activity's participant list and safety plan are documents of these
    # types, each at most `charter_max_bytes`.
    activity_document_types: tuple[str, ...] = ("pdf", "docx", "doc", "xlsx", "xls", "txt")
    # The most places (and expected participants) one activity may have.
    activity_max_capacity: int = Field(default=5000, ge=1, le=1_000_000)
    # Check-in (ACT-10's actual participants): the code and QR link change every N minutes; a
    # student checks in from this many minutes before the start to the end; this many wrong
    # codes per student in the window of minutes below, then they wait.
    checkin_rotate_minutes: int = Field(default=3, ge=1, le=60)
    checkin_code_length: int = Field(default=6, ge=4, le=12)
    checkin_opens_minutes: int = Field(default=30, ge=0, le=1440)
    checkin_guesses: int = Field(default=5, ge=1, le=100)
    checkin_guess_window_minutes: int = Field(default=10, ge=1, le=1440)
    # ACT-10: the organizer files the report within N days of the end (missed check-ins may be
    # added until then); reminded and escalated like every deadline.
    activity_report_days: int = Field(default=7, ge=1, le=90)
    # ACT-2: each semester a club holds at least N activities of at least P participants
    # (checked in), counted for the last semester that has ended.
    semester_min_activities: int = Field(default=2, ge=0, le=100)
    activity_min_participants: int = Field(default=20, ge=1, le=100_000)
    # Photos one report may carry (sent as files, each within `charter_max_bytes`).
    activity_report_max_photos: int = Field(default=9, ge=0, le=50)
    # ACT-6: a club records an online account within N days of opening it.
    account_record_days: int = Field(default=30, ge=0, le=365)
    # ACT-7: a voucher is a document of these types, at most `charter_max_bytes`; one line is
    # at most this many fen (100 fen = 1 yuan).
    voucher_types: tuple[str, ...] = ("pdf", "jpg", "jpeg", "png")
    finance_max_fen: int = Field(default=100_000_000, ge=100, le=10_000_000_000)
    # ACT-7: the semesters a statement covers start on the 1st of these months (spring, autumn).
    spring_semester_month: int = Field(default=2, ge=1, le=12)
    autumn_semester_month: int = Field(default=9, ge=1, le=12)

    # --- issue 17: student unions (SU-1 to SU-14) and club branches (ORG-4a) ---
    # SU-1: a school-level union's staff, at most (a large or multi-campus university: the 2nd).
    su_school_staff: int = Field(default=40, ge=1, le=1000)
    su_school_staff_large: int = Field(default=60, ge=1, le=1000)
    # SU-2: presidium, departments, persons in charge per department (min, max), staff per one.
    su_school_presidium: int = Field(default=5, ge=1, le=50)
    su_departments: int = Field(default=6, ge=1, le=50)
    su_department_heads_min: int = Field(default=2, ge=0, le=50)
    su_department_heads_max: int = Field(default=3, ge=1, le=50)
    su_department_staff: int = Field(default=6, ge=0, le=100)
    # SU-3: a college-level union's staff (at least, at most) and presidium (at most).
    su_college_staff_min: int = Field(default=20, ge=0, le=1000)
    su_college_staff: int = Field(default=30, ge=1, le=1000)
    su_college_presidium: int = Field(default=3, ge=1, le=50)
    # SU-5: union staff rank in the top N percent of their major, on this basis.
    su_major_rank_pct: int = Field(default=30, ge=1, le=100)
    su_rank_basis: Literal["semester", "year", "enrolment"] = "year"
    # SU-6: at least this percentage of a school-level union's staff come from college unions.
    su_from_college_pct: int = Field(default=50, ge=0, le=100)
    # SU-7: a congress at least every N months, with representatives at least this many per
    # thousand students served.
    su_congress_months: int = Field(default=12, ge=1, le=60)
    su_representatives_permille: int = Field(default=10, ge=0, le=1000)
    # SU-8: presidium members and department heads are appraised at least every N months.
    su_appraisal_months: int = Field(default=6, ge=1, le=24)
    # SU-11: non-officer representatives, candidates beyond the seats (percent), the quorum,
    # and the population below which a college may hold an all-student assembly instead.
    su_non_officer_pct: int = Field(default=60, ge=0, le=100)
    su_slate_margin_pct: int = Field(default=20, ge=0, le=500)
    su_congress_quorum: str = "2/3"
    su_assembly_population: int = Field(default=400, ge=0)
    # SU-12: a spring and an autumn all-staff training within the last N months.
    su_training_months: int = Field(default=12, ge=1, le=60)
    # SU-13: the Party committee hears the school-level union at least every N months.
    su_hearing_months: int = Field(default=6, ge=1, le=24)
    # SU-14: the university publishes its self-evaluation at least every N months.
    su_self_evaluation_months: int = Field(default=12, ge=1, le=60)
    # Seed 003: the self-examination report is at most this many characters.
    report_max_chars: int = Field(default=3000, ge=100, le=100_000)
    # ORG-4a: a club with at least N full Party (League) members sets up that branch.
    branch_min_members: int = Field(default=3, ge=1, le=100)

    @field_validator("election_quorum", "su_congress_quorum")
    @classmethod
    def _fraction(cls, value: str) -> str:
        try:
            quorum = Fraction(value)
        except (ValueError, ZeroDivisionError):
            raise ValueError("the quorum is a fraction such as 1/2 or 2/3") from None
        if not 0 <= quorum <= 1:
            raise ValueError("the quorum is a fraction from 0 to 1")
        return str(quorum)

    @field_validator("reminder_lead_days")
    @classmethod
    def _leads(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(days < 1 or days > 365 for days in value) or len(set(value)) != len(value):
            raise ValueError("lead days are distinct whole days between 1 and 365")
        return tuple(sorted(value, reverse=True))

    @field_validator("escalation_levels")
    @classmethod
    def _levels(cls, value: tuple[Level, ...]) -> tuple[Level, ...]:
        if not value or len(set(value)) != len(value):
            raise ValueError("escalation levels are a non-empty list without repeats")
        return value

    @field_validator("quiet_hours_start", "quiet_hours_end")
    @classmethod
    def _whole_minutes(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("quiet hours are local times of TIMEZONE, without an offset")
        return value.replace(second=0, microsecond=0)

    @model_validator(mode="after")
    def _ranges(self) -> Policy:
        if self.su_college_staff_min > self.su_college_staff:
            raise ValueError("su_college_staff_min is at most su_college_staff")
        if self.su_department_heads_min > self.su_department_heads_max:
            raise ValueError("su_department_heads_min is at most su_department_heads_max")
        return self


def load_policy(path: Path | None) -> Policy:
    """Read the policy TOML (a flat table of the fields above); None gives the defaults."""
    if path is None:
        return Policy()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc}") from exc
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        raise PolicyError(f"invalid policy file {path}:\n{exc}") from exc
