"""The tables. Every schema change here comes with a migration in `storage/migrations/`."""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
    text,
)
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a model, for statements built once and run with bind parameters."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def _ts(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class StudentRow(SQLModel, table=True):
    __tablename__ = "student"

    id: int | None = Field(default=None, primary_key=True)
    student_id: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    college: str = Field(max_length=200)
    class_name: str = Field(max_length=200)
    status: str = Field(max_length=16)
    disciplinary: bool
    rank_pct: int
    political: str = Field(max_length=16)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class AccountRow(SQLModel, table=True):
    """A Telegram user the bot has met; bound to at most one student record."""

    __tablename__ = "account"
    __table_args__ = (
        Index(
            "uq_account_student",
            "student_pk",
            unique=True,
            sqlite_where=text("student_pk IS NOT NULL"),
            postgresql_where=text("student_pk IS NOT NULL"),
        ),
        Index(
            "uq_account_advisor",
            "advisor_pk",
            unique=True,
            sqlite_where=text("advisor_pk IS NOT NULL"),
            postgresql_where=text("advisor_pk IS NOT NULL"),
        ),
    )

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    language: str = Field(default="en", max_length=8)
    # False while the language follows Telegram's language_code; True after /language.
    language_chosen: bool = False
    student_pk: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("student.id"), nullable=True)
    )
    # An advisor (ADV-1) binds like a student; one account may be both.
    advisor_pk: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("advisor.id"), nullable=True)
    )
    bound_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    # Set when Telegram answered 403 (blocked, deactivated); cleared when the user writes again.
    unreachable_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    # Telegram's command menu of this user's chat: the one published (its key; None, the menu
    # everyone gets), and whether what they are or their language changed since (`menu_due`).
    menu: str | None = Field(default=None, max_length=200)
    menu_due: bool = Field(default=False, index=True)


class BindCodeRow(SQLModel, table=True):
    """A one-time binding code of a student or of an advisor; only its SHA-256 is kept."""

    __tablename__ = "bind_code"
    __table_args__ = (
        CheckConstraint(
            "(student_pk IS NULL) <> (advisor_pk IS NULL)", name="ck_bind_code_one_holder"
        ),
    )

    code_hash: str = Field(primary_key=True, max_length=64)
    student_pk: int | None = Field(default=None, foreign_key="student.id", index=True)
    advisor_pk: int | None = Field(default=None, foreign_key="advisor.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    used_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class BindFailureRow(SQLModel, table=True):
    __tablename__ = "bind_failure"
    __table_args__ = (Index("ix_bind_failure_user_at", "user_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class RoleGrantRow(SQLModel, table=True):
    __tablename__ = "role_grant"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    role: str = Field(primary_key=True, max_length=32)
    granted_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class AdvisorRow(SQLModel, table=True):
    """ADV-1: the advisor bank that staff keep."""

    __tablename__ = "advisor"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    department: str = Field(max_length=200)
    party_member: bool
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    # Set when staff retire the advisor from the bank: no new club may choose them.
    retired_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class GuidanceUnitRow(SQLModel, table=True):
    """REG-2: a department, party organization or research institution that guides clubs."""

    __tablename__ = "guidance_unit"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200, unique=True)
    # None for a unit first met in the clubs file, until the units file gives its kind.
    kind: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    # Set when staff retire the unit from the list new applications choose from.
    retired_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class UnitRepRow(SQLModel, table=True):
    """A Telegram user who represents a guidance unit (told when its clubs miss deadlines)."""

    __tablename__ = "unit_rep"

    unit_id: int = Field(foreign_key="guidance_unit.id", primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    granted_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class ClubRow(SQLModel, table=True):
    __tablename__ = "club"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200, unique=True)
    category: str = Field(max_length=32, index=True)
    # The unit's name as the clubs file gave it; `unit_id` is the unit it names.
    guidance_unit: str = Field(max_length=200)
    unit_id: int | None = Field(default=None, foreign_key="guidance_unit.id", index=True)
    founded: date
    status: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class ClubProfileRow(SQLModel, table=True):
    """What a club tells students about itself (`/club NAME`), kept by its officers and advisor."""

    __tablename__ = "club_profile"

    club_id: int = Field(sa_column=Column(Integer, ForeignKey("club.id"), primary_key=True))
    description: str = Field(default="", max_length=1000)
    meeting_place: str = Field(default="", max_length=200)
    group_link: str = Field(default="", max_length=200)
    # ACT-8: the dues the club's charter fixes, as its advisor recorded them; "" for none.
    dues: str = Field(default="", max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    # The Telegram account that changed it last.
    updated_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class MembershipRow(SQLModel, table=True):
    """A membership; `slot` (1..cap) is set while it is active, so the database caps them too."""

    __tablename__ = "membership"
    __table_args__ = (
        Index(
            "uq_membership_slot",
            "student_pk",
            "slot",
            unique=True,
            sqlite_where=text("slot IS NOT NULL"),
            postgresql_where=text("slot IS NOT NULL"),
        ),
        Index(
            "uq_membership_active",
            "student_pk",
            "club_id",
            unique=True,
            sqlite_where=text("slot IS NOT NULL"),
            postgresql_where=text("slot IS NOT NULL"),
        ),
        Index("ix_membership_club_active", "club_id", "slot"),
    )

    id: int | None = Field(default=None, primary_key=True)
    student_pk: int = Field(foreign_key="student.id")
    club_id: int = Field(foreign_key="club.id")
    slot: int | None = None
    joined_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    ended_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    end_reason: str | None = Field(default=None, max_length=32)


class OfficerRow(SQLModel, table=True):
    """A student holding a position in a club (president, vice president, department head)."""

    __tablename__ = "officer"
    __table_args__ = (
        Index(
            "uq_officer_current",
            "club_id",
            "student_pk",
            unique=True,
            sqlite_where=text("until IS NULL"),
            postgresql_where=text("until IS NULL"),
        ),
        Index(
            "uq_officer_president",
            "club_id",
            unique=True,
            sqlite_where=text("until IS NULL AND position = 'president'"),
            postgresql_where=text("until IS NULL AND position = 'president'"),
        ),
        Index("ix_officer_student", "student_pk", "until"),
    )

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="club.id")
    student_pk: int = Field(foreign_key="student.id")
    position: str = Field(max_length=32)
    since: datetime = Field(default_factory=utcnow, sa_column=_ts())
    until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    # The election that put the officer in office (ORG-5, ORG-7); None for imported ones.
    election_id: int | None = None


class AppointmentRow(SQLModel, table=True):
    """ADV-3: an advisor guiding a club for one term; a renewal is a new row."""

    __tablename__ = "appointment"
    __table_args__ = (
        Index(
            "uq_appointment_current",
            "club_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_appointment_advisor", "advisor_pk", "ended_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="club.id")
    advisor_pk: int = Field(foreign_key="advisor.id")
    starts_on: date
    term_end: date
    ended_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    end_reason: str | None = Field(default=None, max_length=32)


class GeneralMeetingRow(SQLModel, table=True):
    """ORG-3: a general meeting officers recorded; it counts once the advisor confirms it."""

    __tablename__ = "general_meeting"
    __table_args__ = (
        Index(
            "uq_general_meeting_pending",
            "club_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_general_meeting_club", "club_id", "status", "held_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="club.id")
    held_on: date
    status: str = Field(max_length=16)
    # None when the meeting came from the clubs file (staff vouch for it).
    recorded_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    decided_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    decided_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class ReviewRow(SQLModel, table=True):
    """REG-5: the result of a club's annual review for one year."""

    __tablename__ = "annual_review"
    __table_args__ = (Index("uq_annual_review_year", "club_id", "year", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="club.id")
    year: int
    result: str = Field(max_length=16)
    decided_on: date
    recorded_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    # The reviewer's comment; None for results from the clubs file.
    comment: str | None = Field(default=None, max_length=1000)


class ReviewWindowRow(SQLModel, table=True):
    """REG-5: when the review committee reviews the clubs in a year (set by staff)."""

    __tablename__ = "review_window"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    opens_on: date
    closes_on: date
    set_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class ReregistrationWindowRow(SQLModel, table=True):
    """ORG-2: when members re-register in an academic year (named by the year it starts)."""

    __tablename__ = "reregistration_window"

    academic_year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    opens_on: date
    closes_on: date
    set_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class ReregistrationRow(SQLModel, table=True):
    """ORG-2: a club's officers confirmed its member list for an academic year."""

    __tablename__ = "reregistration"

    club_id: int = Field(foreign_key="club.id", primary_key=True)
    academic_year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    recorded_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class DeadlineRow(SQLModel, table=True):
    """A deadline computed from a club's records; reminders and escalation walk its steps.

    A row is never changed into another deadline: when the records move it (a meeting held, an
    advisor renewed), the row is closed and a new one opened, so sent reminders keep their row.
    """

    __tablename__ = "deadline"
    __table_args__ = (
        Index(
            "uq_deadline_open",
            "club_id",
            "kind",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        Index("ix_deadline_next", "next_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="club.id")
    kind: str = Field(max_length=32)
    due_on: date
    # What the deadline is about: the appointment (ADV-3) or the year (REG-5, ORG-2).
    subject: int | None = None
    # No reminder before this day (a window that has not opened yet).
    opens_on: date | None = None
    seen_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    # Steps up to this time have been acted on; the next one falls due at `next_at`.
    notified_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    next_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    close_reason: str | None = Field(default=None, max_length=16)


class LeaseRow(SQLModel, table=True):
    """Which process may send for now: one sender keeps Telegram's limits across processes."""

    __tablename__ = "lease"

    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(max_length=100)
    until: datetime = Field(sa_column=_ts())
    # After a 429 nobody sends before this time.
    paused_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class ConversationRow(SQLModel, table=True):
    """Where a chat with one user stands: the flow, its state and typed data, as JSON."""

    __tablename__ = "conversation"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    flow: str | None = Field(default=None, max_length=32)
    state: str | None = Field(default=None, max_length=32)
    data: str = Field(default="{}")
    # Bumped on every step; buttons carry it, so a button from an older step is "expired".
    step: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class ProcessedUpdateRow(SQLModel, table=True):
    """An update that has taken effect; written in the same transaction as the effect."""

    __tablename__ = "processed_update"

    bot_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    processed_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    # The answer (JSON of its replies), kept with the update's effect so that a crash between
    # the commit and the send loses no answer; `delivered_at` is set once it was sent.
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    delivered_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class KeptPagesRow(SQLModel, table=True):
    """The pages of one paged answer (a /ledger request), as the request built them: its page
    buttons show them again instead of computing the answer anew. Kept for the policy's
    `kept_pages_minutes`, then swept (they may name people)."""

    __tablename__ = "kept_pages"

    token: str = Field(primary_key=True, max_length=16)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    view: str = Field(max_length=8)
    arg: int
    header: str = Field(sa_column=Column(Text, nullable=False))
    # The lines, as a JSON list of strings.
    lines: str = Field(sa_column=Column(Text, nullable=False))
    kept_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class OutboxRow(SQLModel, table=True):
    """A message the bot sends on its own initiative; `key` makes each one unique."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "due_at"),
        Index("ix_outbox_deadline", "deadline_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    text: str
    buttons: str = Field(default="[]")
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    due_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    claimed_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    # Set for reminders: the deadline, its step (`d7`, `e1`), the escalation level the
    # recipient was reached at, and the deadline's end (quiet hours let urgent ones through).
    deadline_id: int | None = Field(default=None, foreign_key="deadline.id")
    step: str | None = Field(default=None, max_length=8)
    level: str | None = Field(default=None, max_length=16)
    deadline_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


# --- establishing a club (applications, signatures, charters, history, screening) ----------------

# The states in which an application holds its name (see bot/services/applications/machine.py).
NAME_HOLDING_STATES = (
    "signing",
    "unit_review",
    "committee",
    "returned",
    "paused",
    "founding",
    "confirming",
)
_HOLDS_NAME = "state IN (" + ", ".join(f"'{s}'" for s in NAME_HOLDING_STATES) + ")"


class ApplicationRow(SQLModel, table=True):
    """An application to establish a club (REG-1 to REG-8, ORG-3), from draft to active club."""

    __tablename__ = "club_application"
    __table_args__ = (
        Index(
            "uq_application_name",
            "name_key",
            unique=True,
            sqlite_where=text(_HOLDS_NAME),
            postgresql_where=text(_HOLDS_NAME),
        ),
        Index(
            "uq_application_draft",
            "sponsor_pk",
            unique=True,
            sqlite_where=text("state = 'draft'"),
            postgresql_where=text("state = 'draft'"),
        ),
        Index("ix_application_state", "state", "updated_at"),
        Index("ix_application_advisor", "advisor_pk", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sponsor_pk: int = Field(foreign_key="student.id", index=True)
    sponsor_user: int = Field(sa_column=Column(BigInteger, nullable=False))
    state: str = Field(max_length=16)
    name: str = Field(default="", max_length=200)
    name_key: str = Field(default="", max_length=200)
    category: str | None = Field(default=None, max_length=32)
    purpose: str | None = None
    unit_id: int | None = Field(default=None, foreign_key="guidance_unit.id")
    advisor_pk: int | None = Field(default=None, foreign_key="advisor.id")
    # REG-3: the chosen advisor said yes (asked again when another advisor is chosen).
    advisor_accepted: bool = False
    charter_text: str | None = None
    # The co-sponsors' signing link carries it (`/start sign_<token>`).
    token: str | None = Field(default=None, max_length=32, unique=True)
    meeting_on: date | None = None
    # ORG-3: the founding meeting's outcome as the sponsor recorded it (JSON), until confirmed.
    outcome: str | None = None
    club_id: int | None = Field(default=None, foreign_key="club.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    submitted_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class CharterFileRow(SQLModel, table=True):
    """REG-4: a charter sent as a document: its bytes and their SHA-256."""

    __tablename__ = "application_charter"

    application_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("club_application.id"), primary_key=True, autoincrement=False
        )
    )
    file_name: str = Field(max_length=200)
    mime_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class SignatureRow(SQLModel, table=True):
    """REG-1: a student co-sponsoring an application; one active signature per student."""

    __tablename__ = "application_signature"
    __table_args__ = (
        Index(
            "uq_signature_active",
            "application_id",
            "student_pk",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL"),
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
        Index("ix_signature_student", "student_pk", "withdrawn_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="club_application.id")
    student_pk: int = Field(foreign_key="student.id")
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    sponsor: bool = False
    signed_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    withdrawn_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    # ORG-3: set on approval: the signer became a founding member, or was left out (the cap).
    founder: bool | None = None


class ApplicationEventRow(SQLModel, table=True):
    """One step in an application's history: who did what, when, from which state to which."""

    __tablename__ = "application_event"
    __table_args__ = (Index("ix_application_event", "application_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="club_application.id")
    at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    actor: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    what: str = Field(max_length=32)
    from_state: str | None = Field(default=None, max_length=16)
    to_state: str = Field(max_length=16)
    comment: str | None = None


class ScreenedNameRow(SQLModel, table=True):
    """REG-6: a term no club name may contain (a company, an outside body, a person, ...)."""

    __tablename__ = "screened_name"
    __table_args__ = (
        Index(
            "uq_screened_name_current",
            "term_key",
            unique=True,
            sqlite_where=text("retired_at IS NULL"),
            postgresql_where=text("retired_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    term: str = Field(max_length=200)
    term_key: str = Field(max_length=200)
    reason: str = Field(max_length=500)
    added_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    added_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    retired_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


# --- the staff console (audit log, club lifecycle, review round, advisor evaluations) ------------


class AuditRow(SQLModel, table=True):
    """One state change: who, when, what, before and after, chained to the entry before it.

    `hash` is SHA-256 over the previous entry's hash and this entry's canonical JSON, so an
    edited or deleted row breaks the chain (`clubbot audit verify`)."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_club", "club_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)
    at: datetime = Field(sa_column=_ts())
    # The Telegram user who acted; None for the command line and the bot itself.
    actor: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    action: str = Field(max_length=48)
    club_id: int | None = None
    subject: str = Field(default="", max_length=200)
    before: str | None = None
    after: str | None = None
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    # PRIV-2: each personal field's salted hash (`storage/audit.py`), which `hash` covers in
    # place of the value, so a field can be pseudonymised; None for entries written before.
    seal: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class AuditHeadRow(SQLModel, table=True):
    """The chain's last entry: locked by each append, so appends stay one line on PostgreSQL."""

    __tablename__ = "audit_head"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int
    hash: str = Field(max_length=64)


class ClubEventRow(SQLModel, table=True):
    """A club's state change (REG-7, REG-10, REG-11), with its reason."""

    __tablename__ = "club_event"
    __table_args__ = (Index("ix_club_event_club", "club_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="club.id")
    action: str = Field(max_length=16)
    from_status: str = Field(max_length=16)
    to_status: str = Field(max_length=16)
    reason: str = Field(max_length=500)
    by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    at: datetime = Field(sa_column=_ts())


class ReviewSubmissionRow(SQLModel, table=True):
    """REG-5: the review form a club's officers submitted for a year (resubmitting replaces it)."""

    __tablename__ = "review_submission"
    __table_args__ = (Index("uq_review_submission_year", "club_id", "year", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="club.id")
    year: int
    activities: str = Field(max_length=2000)
    member_count: int
    finances: str = Field(max_length=2000)
    advisor_comment: str = Field(max_length=2000)
    submitted_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    submitted_at: datetime = Field(sa_column=_ts())


class ReviewAppealRow(SQLModel, table=True):
    """REG-5: officers appeal a failed review; the review committee decides again."""

    __tablename__ = "review_appeal"
    __table_args__ = (Index("ix_review_appeal_club", "club_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="club.id")
    year: int
    text: str = Field(max_length=2000)
    by: int = Field(sa_column=Column(BigInteger, nullable=False))
    at: datetime = Field(sa_column=_ts())


class AdvisorEvaluationRow(SQLModel, table=True):
    """ADV-5: an advisor's yearly evaluation, recorded by staff."""

    __tablename__ = "advisor_evaluation"
    __table_args__ = (Index("uq_advisor_evaluation_year", "advisor_pk", "year", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    advisor_pk: int = Field(foreign_key="advisor.id")
    year: int
    passed: bool
    comment: str = Field(default="", max_length=1000)
    by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    at: datetime = Field(sa_column=_ts())


class AdvisorDismissalRow(SQLModel, table=True):
    """ADV-5: an advisor dismissed after a failed evaluation; no new appointment follows."""

    __tablename__ = "advisor_dismissal"

    advisor_pk: int = Field(
        sa_column=Column(Integer, ForeignKey("advisor.id"), primary_key=True, autoincrement=False)
    )
    reason: str = Field(max_length=500)
    by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    at: datetime = Field(sa_column=_ts())


# --- elections and general-meeting votes (ORG-3, ORG-5, ORG-6, ORG-7) ----------------------------


class ElectionRow(SQLModel, table=True):
    """An officer election or a general-meeting vote of one club, and where it stands.

    `next_at` is when the clock must act next (close nominations, open or close voting, remind
    non-voters, end a publicity period); the clock takes rows whose time has come.
    """

    __tablename__ = "election"
    __table_args__ = (
        Index(
            "uq_election_running",
            "club_id",
            unique=True,
            sqlite_where=text(
                "parent_id IS NULL AND phase NOT IN ('done', 'failed', 'cancelled')"
            ),
            postgresql_where=text(
                "parent_id IS NULL AND phase NOT IN ('done', 'failed', 'cancelled')"
            ),
        ),
        # A founding meeting belongs to its application (the club row does not exist yet).
        Index(
            "uq_election_founding_running",
            "application_id",
            unique=True,
            sqlite_where=text(
                "parent_id IS NULL AND phase NOT IN ('done', 'failed', 'cancelled')"
            ),
            postgresql_where=text(
                "parent_id IS NULL AND phase NOT IN ('done', 'failed', 'cancelled')"
            ),
        ),
        Index("ix_election_next", "next_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # None while a founding meeting runs; set to the new club when its founding is confirmed.
    club_id: int | None = Field(default=None, foreign_key="club.id")
    # The application whose founding meeting this is (ORG-3); None for a club's own votes.
    application_id: int | None = Field(default=None, foreign_key="club_application.id")
    kind: str = Field(max_length=16)
    phase: str = Field(max_length=16)
    founding: bool = False
    # A runoff among tied candidates names the election it continues.
    parent_id: int | None = Field(default=None, foreign_key="election.id")
    started_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    # The schedule: lengths are fixed at the start, dates as each phase begins.
    publicity_days: int
    voting_days: int
    result_days: int
    nominations_close_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    voting_opens_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    voting_closes_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    remind_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    reminded: bool = False
    results_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    next_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    # The counting rules, fixed at the start: quorum fraction of members, tie rule and seed.
    quorum: str = Field(max_length=16)
    seed: str | None = Field(default=None, max_length=64)
    # Members entitled to vote, counted when voting opened (the voter rows are that snapshot).
    members: int | None = None
    list_approved_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    advisor_ok_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    unit_ok_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    ended_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    end_reason: str | None = Field(default=None, max_length=32)


class ElectionPositionRow(SQLModel, table=True):
    """A position to fill (or a motion to decide) and, once counted, its result as JSON."""

    __tablename__ = "election_position"
    __table_args__ = (Index("uq_election_position_key", "election_id", "key", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    election_id: int = Field(foreign_key="election.id")
    ord: int
    key: str = Field(max_length=32)
    title: str = Field(max_length=300)
    method: str = Field(max_length=16)
    seats: int = 1
    # ORG-6: the club's main person in charge.
    leader: bool = False
    # False when voting opened without an approved candidate for it.
    on_ballot: bool = True
    result: str | None = None


class CandidateRow(SQLModel, table=True):
    """A nomination: a member for a position, accepted, approved, struck or withdrawn."""

    __tablename__ = "election_candidate"
    __table_args__ = (
        Index(
            "uq_candidate_live",
            "election_id",
            "student_pk",
            unique=True,
            sqlite_where=text("status IN ('nominated', 'accepted', 'approved')"),
            postgresql_where=text("status IN ('nominated', 'accepted', 'approved')"),
        ),
        Index("ix_candidate_position", "position_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    election_id: int = Field(foreign_key="election.id")
    position_id: int = Field(foreign_key="election_position.id")
    student_pk: int = Field(foreign_key="student.id")
    nominated_by: int = Field(foreign_key="student.id")
    status: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=500)
    decided_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class VoterRow(SQLModel, table=True):
    """Who may vote (the members when voting opened) and whether they have.

    No column here says what anyone chose, and none of the ballot table says who chose it: a
    voter's receipt is a keyed hash the bot computes again when the voter asks, never stored
    with them (`bot/services/elections/voting.py`)."""

    __tablename__ = "election_voter"

    election_id: int = Field(foreign_key="election.id", primary_key=True)
    student_pk: int = Field(foreign_key="student.id", primary_key=True)
    voted: bool = False


class NominationAttemptRow(SQLModel, table=True):
    """One nomination of another member, tried by an account: the attempts per hour are
    limited, so nobody can probe members' eligibility at length."""

    __tablename__ = "election_nomination_attempt"
    __table_args__ = (Index("ix_nomination_attempt_user_at", "user_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    at: datetime = Field(sa_column=_ts())


class BallotRow(SQLModel, table=True):
    """One anonymous ballot for one position: a random receipt and the choices, nothing else.

    No voter, no time, no sequence: the key is the random receipt, and on SQLite the table has
    no rowid that would keep the order in which ballots came in.
    """

    __tablename__ = "election_ballot"
    __table_args__ = (
        Index("ix_ballot_election", "election_id"),
        {"sqlite_with_rowid": False},
    )

    position_id: int = Field(foreign_key="election_position.id", primary_key=True)
    receipt: str = Field(max_length=16, primary_key=True)
    election_id: int = Field(foreign_key="election.id")
    # JSON list of candidate ids ("c12"), best first for instant runoff; or ["yes"] etc.
    choices: str


class ObjectionRow(SQLModel, table=True):
    """An objection a member lodged during a publicity period; advisor and staff receive it and
    one of them answers it, once: upheld or dismissed, with a reason the objector is told."""

    __tablename__ = "election_objection"

    id: int | None = Field(default=None, primary_key=True)
    election_id: int = Field(foreign_key="election.id")
    student_pk: int = Field(foreign_key="student.id")
    phase: str = Field(max_length=16)
    text: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    # The one decision: set by a single conditional UPDATE (storage/elections.py).
    decision: str | None = Field(default=None, max_length=16)  # upheld | dismissed
    answer: str | None = Field(default=None, max_length=2000)
    decided_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    decided_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


# --- personal data (PRIV-1 to PRIV-5) --------------------------------------------------------


class ConsentRow(SQLModel, table=True):
    """PRIV-1: the version of the processing notice a Telegram account agreed to, and when.
    Withdrawing consent deletes the row (the audit log keeps that it was given and withdrawn)."""

    __tablename__ = "privacy_consent"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    version: str = Field(max_length=16)
    given_at: datetime = Field(sa_column=_ts())


class PrivacyRequestRow(SQLModel, table=True):
    """PRIV-2, PRIV-4: a correction request, or a review of an automatic refusal, that staff
    answer from /todo; the answer is sent to the student."""

    __tablename__ = "privacy_request"
    __table_args__ = (Index("ix_privacy_request_open", "answered_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # correction | review
    student_pk: int | None = Field(default=None, foreign_key="student.id", index=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    # What the request is about: the student's text, or the rule that refused them.
    text: str = Field(max_length=2000)
    created_at: datetime = Field(sa_column=_ts())
    answer: str | None = Field(default=None, max_length=2000)
    answered_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    answered_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


# --- activities (ACT-1 to ACT-12) ---------------------------------------------------------------


class WorkDayRow(SQLModel, table=True):
    """A day of the university's calendar that is not as the weekday says: a holiday, or a
    make-up working day (`clubbot holidays import`)."""

    __tablename__ = "calendar_day"

    day: date = Field(primary_key=True)
    kind: str = Field(max_length=16)
    imported_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class ActivityRow(SQLModel, table=True):
    """A club activity, from its draft to its approval (ACT-1). `version` grows with each
    change of the proposal, so a decision button of an older version is refused."""

    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_club_state", "club_id", "state"),
        Index("ix_activity_state_starts", "state", "starts_at"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="ck_activity_capacity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="club.id")
    state: str = Field(max_length=16)
    version: int = 1
    organizer: int = Field(sa_column=Column(BigInteger, nullable=False))
    title: str | None = Field(default=None, max_length=100)
    kind: str | None = Field(default=None, max_length=16)
    starts_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    ends_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    place: str | None = Field(default=None, max_length=200)
    expected: int | None = None
    capacity: int | None = None
    capacity_set: bool = False  # the organizer answered the capacity question (none is an answer)
    audience: str | None = Field(default=None, max_length=16)
    description: str | None = Field(default=None, max_length=2000)
    needs_staff: bool = False
    comment: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    submitted_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    announced_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    # The key of its rotating check-in codes (hex), made when the organizer first shows them.
    checkin_secret: str | None = Field(default=None, max_length=64)
    # ACT-7, ACT-9: what it is planned to cost, and who sponsors it (staff's exception).
    budget_fen: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    sponsor: str | None = Field(default=None, max_length=200)
    sponsor_set: bool = False  # the organizer answered the sponsor question (none is an answer)


class ActivityDocumentRow(SQLModel, table=True):
    """ACT-3, ACT-5: a document a proposal carries (a participant list, a safety plan): its
    bytes and their SHA-256, one of each kind."""

    __tablename__ = "activity_document"

    activity_id: int = Field(
        sa_column=Column(Integer, ForeignKey("activity.id"), primary_key=True, autoincrement=False)
    )
    kind: str = Field(max_length=16, primary_key=True)
    file_name: str = Field(max_length=200)
    mime_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_at: datetime = Field(sa_column=_ts())


class ActivitySpeakerRow(SQLModel, table=True):
    """ACT-4: a speaker of a talk."""

    __tablename__ = "activity_speaker"
    __table_args__ = (Index("ix_activity_speaker_activity", "activity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id")
    name: str = Field(max_length=100)
    affiliation: str = Field(max_length=200)
    outside: bool = False


class ActivityDecisionRow(SQLModel, table=True):
    """One level's answer to one version of a proposal (ACT-1): unique, so two approvers
    pressing at once give one decision."""

    __tablename__ = "activity_decision"
    __table_args__ = (
        Index("uq_activity_decision", "activity_id", "version", "level", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id")
    version: int
    level: str = Field(max_length=16)
    decision: str = Field(max_length=16)
    decided_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    comment: str | None = Field(default=None, max_length=1000)
    decided_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class ActivitySignupRow(SQLModel, table=True):
    """A student's sign-up: confirmed with a place (when places are limited) or waitlisted.

    A student holds at most one live sign-up per activity, and a place is held by one sign-up:
    both are unique indexes, so simultaneous sign-ups never overfill an activity."""

    __tablename__ = "activity_signup"
    __table_args__ = (
        Index(
            "uq_activity_signup_live",
            "activity_id",
            "student_pk",
            unique=True,
            sqlite_where=text("status IN ('confirmed', 'waitlisted')"),
            postgresql_where=text("status IN ('confirmed', 'waitlisted')"),
        ),
        Index(
            "uq_activity_signup_place",
            "activity_id",
            "place",
            unique=True,
            sqlite_where=text("place IS NOT NULL"),
            postgresql_where=text("place IS NOT NULL"),
        ),
        Index("ix_activity_signup_student", "student_pk", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id")
    student_pk: int = Field(foreign_key="student.id")
    status: str = Field(max_length=16)
    place: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    changed_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class ActivityCheckinRow(SQLModel, table=True):
    """A student present at an activity (ACT-10): once per student (a unique index, so any
    number of simultaneous taps give one row); `method` says how, `reason` why the organizer
    added it afterwards."""

    __tablename__ = "activity_checkin"
    __table_args__ = (
        Index("uq_activity_checkin", "activity_id", "student_pk", unique=True),
        Index("ix_activity_checkin_student", "student_pk"),
    )

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id")
    student_pk: int = Field(foreign_key="student.id")
    method: str = Field(max_length=16)
    by_user: int = Field(sa_column=Column(BigInteger, nullable=False))
    reason: str | None = Field(default=None, max_length=500)
    at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class ActivityReportRow(SQLModel, table=True):
    """ACT-10: the organizer's report of an activity, kept as a draft while it is written and
    filed once (one per activity: a unique index). `participants` is the check-in count when it
    was filed; `spending` in fen (1/100 yuan)."""

    __tablename__ = "activity_report"
    __table_args__ = (Index("uq_activity_report", "activity_id", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id")
    state: str = Field(max_length=16)
    summary: str | None = Field(default=None, max_length=4000)
    spending: int | None = None
    participants: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    filed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    filed_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class ActivityReportPhotoRow(SQLModel, table=True):
    """A photo of an activity report: Telegram's file id and the SHA-256 of its bytes."""

    __tablename__ = "activity_report_photo"
    __table_args__ = (Index("ix_activity_report_photo_report", "report_id"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="activity_report.id")
    file_id: str = Field(max_length=200)
    sha256: str = Field(max_length=64)
    size: int


class CheckinGuessRow(SQLModel, table=True):
    """A wrong check-in code typed by a user: counted to slow down guessing."""

    __tablename__ = "checkin_guess"
    __table_args__ = (Index("ix_checkin_guess_user_at", "user_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_column=_ts())


# --- issue 17: student unions (SU-1 to SU-14), SU-5 eligibility, club branches (ORG-4) ---


class StudentEligibilityRow(SQLModel, table=True):
    """SU-5: the roster's optional eligibility columns of a student (none required)."""

    __tablename__ = "student_eligibility"

    student_pk: int = Field(sa_column=Column(Integer, ForeignKey("student.id"), primary_key=True))
    major: str | None = Field(default=None, max_length=200)
    grade: int | None = None  # year of study, 1 = first year
    degree_level: str | None = Field(default=None, max_length=16)
    major_rank_pct: int | None = None
    rank_basis: str | None = Field(default=None, max_length=16)
    failed_courses: int | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class StudentUnionRow(SQLModel, table=True):
    """A student union or graduate union, school-level or of one college."""

    __tablename__ = "student_union"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=16)  # student | graduate
    level: str = Field(max_length=16)  # school | college
    college: str | None = Field(default=None, max_length=200)
    population: int  # the students it serves
    # SU-1: a large university or one with several campuses may have the higher cap.
    large_or_multi_campus: bool
    # SU-9: administrative functions it carries (dormitory checks, patrols…); None if none.
    admin_functions: str | None = Field(default=None, max_length=200)
    # SU-13: the League official who guides it and the League teacher who is its secretary.
    league_guide: str | None = Field(default=None, max_length=200)
    secretary_general: str | None = Field(default=None, max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class UnionDepartmentRow(SQLModel, table=True):
    """A working department of a union (SU-2); `kind` other than department breaks SU-10."""

    __tablename__ = "union_department"
    __table_args__ = (Index("uq_union_department", "union_id", "name_key", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    union_id: int = Field(foreign_key="student_union.id")
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200)
    kind: str = Field(max_length=32)


class UnionPostRow(SQLModel, table=True):
    """A student's post in a union: in its presidium (no department) or in a department."""

    __tablename__ = "union_post"
    __table_args__ = (
        Index("uq_union_post", "union_id", "student_pk", unique=True),
        # Nobody sits in two presidiums.
        Index(
            "uq_union_presidium",
            "student_pk",
            unique=True,
            sqlite_where=text("department_id IS NULL"),
            postgresql_where=text("department_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    union_id: int = Field(foreign_key="student_union.id")
    student_pk: int = Field(foreign_key="student.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="union_department.id")
    # One of the fixed list, or what the file said (SU-4 flags the others).
    position: str = Field(max_length=40)
    term_start: date
    term_end: date | None = None
    from_college_union: bool
    # The selection trail (SU-6): recommended, Party consent, joint review, decided.
    recommended_by: str | None = Field(default=None, max_length=200)
    recommended_on: date | None = None
    party_consent_on: date | None = None
    joint_review_on: date | None = None
    decided_by: str | None = Field(default=None, max_length=200)
    decided_on: date | None = None
    congress_id: int | None = Field(default=None, foreign_key="union_congress.id")


class UnionCongressRow(SQLModel, table=True):
    """A session of a union's student congress, or an all-student assembly (SU-7, SU-11)."""

    __tablename__ = "union_congress"
    __table_args__ = (
        Index("uq_union_congress", "union_id", "held_on", unique=True),
        CheckConstraint("present <= representatives", name="ck_congress_present"),
    )

    id: int | None = Field(default=None, primary_key=True)
    union_id: int = Field(foreign_key="student_union.id")
    kind: str = Field(max_length=16)  # congress | assembly
    held_on: date
    representatives: int
    present: int
    seats: int
    candidates: int


class UnionRepresentativeRow(SQLModel, table=True):
    """A representative of a congress session, as they were then (SU-7, SU-11)."""

    __tablename__ = "union_representative"
    __table_args__ = (Index("uq_union_representative", "congress_id", "student_pk", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    congress_id: int = Field(foreign_key="union_congress.id")
    student_pk: int = Field(foreign_key="student.id")
    college: str = Field(max_length=200)
    grade: int | None = None
    major: str | None = Field(default=None, max_length=200)
    club: str | None = Field(default=None, max_length=200)
    union_officer: bool


class UnionAppraisalRow(SQLModel, table=True):
    """SU-8: a semester appraisal of a post holder by the congress."""

    __tablename__ = "union_appraisal"
    __table_args__ = (
        Index("uq_union_appraisal", "union_id", "student_pk", "appraised_on", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    union_id: int = Field(foreign_key="student_union.id")
    student_pk: int = Field(foreign_key="student.id")
    appraised_on: date
    result: str = Field(max_length=16)
    used_for_awards: bool


class UnionTrainingRow(SQLModel, table=True):
    """SU-12: an all-staff training."""

    __tablename__ = "union_training"
    __table_args__ = (Index("uq_union_training", "union_id", "held_on", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    union_id: int = Field(foreign_key="student_union.id")
    season: str = Field(max_length=16)  # spring | autumn
    held_on: date
    attendees: int


class UnionEventRow(SQLModel, table=True):
    """SU-13, SU-14: a hearing, a report, a discipline case, a published self-evaluation."""

    __tablename__ = "union_event"
    __table_args__ = (Index("ix_union_event", "union_id", "kind", "held_on"),)

    id: int | None = Field(default=None, primary_key=True)
    union_id: int | None = Field(default=None, foreign_key="student_union.id")
    kind: str = Field(max_length=32)
    held_on: date
    note: str | None = Field(default=None, max_length=200)


class ClubBranchRow(SQLModel, table=True):
    """ORG-4, ORG-4a: a temporary Party branch or League branch set up in a club."""

    __tablename__ = "club_branch"

    club_id: int = Field(foreign_key="club.id", primary_key=True)
    kind: str = Field(max_length=16, primary_key=True)  # party | league
    set_up_on: date


class LedgerPlanRow(SQLModel, table=True):
    """The province's work ledger: what staff entered for an annex item (bot/domain/annex.py)."""

    __tablename__ = "ledger_plan"

    item: str = Field(primary_key=True, max_length=16)
    status: str | None = Field(default=None, max_length=16)
    planned_on: date | None = None
    obstacle: str | None = Field(default=None, max_length=500)
    owner: str | None = Field(default=None, max_length=200)
    evidence: str | None = Field(default=None, max_length=500)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class RegulationRow(SQLModel, table=True):
    """A rule the university issued for its unions and clubs (the self-examination report's
    second section), kept by staff: `clubbot import regulations`."""

    __tablename__ = "regulation"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    title_key: str = Field(max_length=300, unique=True)
    issued_on: date
    number: str | None = Field(default=None, max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


# --- issue 16, items 10 and 11: online accounts (ACT-6) and club money (ACT-7) ---------------


class ClubAccountRow(SQLModel, table=True):
    """ACT-6: an online account the club runs, with its responsible officer. A removed account
    keeps its row (`removed_at`); a live one is unique per club, platform and name."""

    __tablename__ = "club_account"
    __table_args__ = (
        Index("ix_club_account_club", "club_id"),
        Index(
            "uq_club_account_live",
            "club_id",
            "platform",
            "handle_key",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="club.id")
    platform: str = Field(max_length=16)
    handle: str = Field(max_length=200)
    handle_key: str = Field(max_length=200)
    responsible_pk: int = Field(foreign_key="student.id")
    opened_on: date | None = None
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    recorded_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    removed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class FinanceLineRow(SQLModel, table=True):
    """ACT-7: one income or expense of a club, in fen (never a float), with its voucher's bytes
    and SHA-256."""

    __tablename__ = "finance_line"
    __table_args__ = (
        Index("ix_finance_line_club_day", "club_id", "on_date"),
        CheckConstraint("amount_fen > 0", name="ck_finance_line_amount"),
        CheckConstraint("kind IN ('income', 'expense')", name="ck_finance_line_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="club.id")
    kind: str = Field(max_length=16)
    on_date: date
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    category: str = Field(max_length=16)
    description: str = Field(max_length=200)
    voucher_name: str | None = Field(default=None, max_length=200)
    voucher_mime: str | None = Field(default=None, max_length=100)
    voucher_size: int | None = None
    voucher_sha256: str | None = Field(default=None, max_length=64)
    voucher: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    recorded_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class FinanceStatementRow(SQLModel, table=True):
    """ACT-7: a semester statement shown to the members; one per club and semester."""

    __tablename__ = "finance_statement"
    __table_args__ = (Index("uq_finance_statement", "club_id", "semester", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="club.id")
    semester: str = Field(max_length=16)
    income_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    expense_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    members_told: int
    sent_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    sent_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
