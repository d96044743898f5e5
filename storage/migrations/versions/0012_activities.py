"""Activities (ACT-1 to ACT-12): the working-day calendar, proposals, decisions, sign-ups.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

LIVE = "status IN ('confirmed', 'waitlisted')"
PLACED = "place IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organizer", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("starts_at", UTCDateTime(), nullable=True),
        sa.Column("ends_at", UTCDateTime(), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("expected", sa.Integer(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("capacity_set", sa.Boolean(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=True),
        sa.Column("description", sa.String(length=2000), nullable=True),
        sa.Column("needs_staff", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.String(length=1000), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("announced_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="ck_activity_capacity"),
    )
    op.create_index("ix_activity_club_state", "activity", ["club_id", "state"])
    op.create_index("ix_activity_state_starts", "activity", ["state", "starts_at"])
    op.create_table(
        "activity_speaker",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activity.id"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("affiliation", sa.String(length=200), nullable=False),
        sa.Column("outside", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_activity_speaker_activity", "activity_speaker", ["activity_id"])
    op.create_table(
        "activity_decision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activity.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=False),
        sa.Column("comment", sa.String(length=1000), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "uq_activity_decision",
        "activity_decision",
        ["activity_id", "version", "level"],
        unique=True,
    )
    op.create_table(
        "activity_signup",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activity.id"), nullable=False),
        sa.Column("student_pk", sa.Integer(), sa.ForeignKey("student.id"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("place", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "uq_activity_signup_live",
        "activity_signup",
        ["activity_id", "student_pk"],
        unique=True,
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )
    op.create_index(
        "uq_activity_signup_place",
        "activity_signup",
        ["activity_id", "place"],
        unique=True,
        sqlite_where=sa.text(PLACED),
        postgresql_where=sa.text(PLACED),
    )
    op.create_index("ix_activity_signup_student", "activity_signup", ["student_pk", "status"])


def downgrade() -> None:
    op.drop_table("activity_signup")
    op.drop_table("activity_decision")
    op.drop_table("activity_speaker")
    op.drop_table("activity")
    op.drop_table("calendar_day")
