"""Students, accounts, binding codes, roles, clubs, memberships, conversations, updates, outbox.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ACTIVE_SLOT = sa.text("slot IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "student",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("student_id", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("college", sa.String(200), nullable=False),
        sa.Column("class_name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("disciplinary", sa.Boolean(), nullable=False),
        sa.Column("rank_pct", sa.Integer(), nullable=False),
        sa.Column("political", sa.String(16), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "account",
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("language_chosen", sa.Boolean(), nullable=False),
        sa.Column("student_pk", sa.Integer(), sa.ForeignKey("student.id"), nullable=True),
        sa.Column("bound_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "uq_account_student",
        "account",
        ["student_pk"],
        unique=True,
        sqlite_where=sa.text("student_pk IS NOT NULL"),
        postgresql_where=sa.text("student_pk IS NOT NULL"),
    )
    op.create_table(
        "bind_code",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("student_pk", sa.Integer(), sa.ForeignKey("student.id"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_bind_code_student_pk", "bind_code", ["student_pk"])
    op.create_table(
        "bind_failure",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_bind_failure_user_at", "bind_failure", ["user_id", "at"])
    op.create_table(
        "role_grant",
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("role", sa.String(32), primary_key=True),
        sa.Column("granted_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "club",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False, unique=True),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("guidance_unit", sa.String(200), nullable=False),
        sa.Column("founded", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_club_category", "club", ["category"])
    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("student_pk", sa.Integer(), sa.ForeignKey("student.id"), nullable=False),
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=True),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("end_reason", sa.String(32), nullable=True),
    )
    op.create_index(
        "uq_membership_slot",
        "membership",
        ["student_pk", "slot"],
        unique=True,
        sqlite_where=ACTIVE_SLOT,
        postgresql_where=ACTIVE_SLOT,
    )
    op.create_index(
        "uq_membership_active",
        "membership",
        ["student_pk", "club_id"],
        unique=True,
        sqlite_where=ACTIVE_SLOT,
        postgresql_where=ACTIVE_SLOT,
    )
    op.create_index("ix_membership_club_active", "membership", ["club_id", "slot"])
    op.create_table(
        "conversation",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("flow", sa.String(32), nullable=True),
        sa.Column("state", sa.String(32), nullable=True),
        sa.Column("data", sa.String(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "processed_update",
        sa.Column("bot_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("update_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("processed_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("buttons", sa.String(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "due_at"])


def downgrade() -> None:
    for table in (
        "outbox",
        "processed_update",
        "conversation",
        "membership",
        "club",
        "role_grant",
        "bind_failure",
        "bind_code",
        "account",
        "student",
    ):
        op.drop_table(table)
