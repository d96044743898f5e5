"""The tables. Every schema change here comes with a migration in `storage/migrations/`."""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Table, text
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
    )

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    language: str = Field(default="en", max_length=8)
    # False while the language follows Telegram's language_code; True after /language.
    language_chosen: bool = False
    student_pk: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("student.id"), nullable=True)
    )
    bound_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class BindCodeRow(SQLModel, table=True):
    """A one-time binding code; only its SHA-256 is kept."""

    __tablename__ = "bind_code"

    code_hash: str = Field(primary_key=True, max_length=64)
    student_pk: int = Field(foreign_key="student.id", index=True)
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


class ClubRow(SQLModel, table=True):
    __tablename__ = "club"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200, unique=True)
    category: str = Field(max_length=32, index=True)
    guidance_unit: str = Field(max_length=200)
    founded: date
    status: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


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


class OutboxRow(SQLModel, table=True):
    """A message the bot sends on its own initiative; `key` makes each one unique."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "due_at"),)

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
