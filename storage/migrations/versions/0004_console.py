"""Staff console: the audit chain, club lifecycle events, the review round, advisor evaluations.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("annual_review") as batch:
        batch.add_column(sa.Column("comment", sa.String(1000), nullable=True))
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False, unique=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("club_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("before", sa.String(), nullable=True),
        sa.Column("after", sa.String(), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_club", "audit", ["club_id", "seq"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "club_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("by", sa.BigInteger(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_club_event_club", "club_event", ["club_id", "at"])
    op.create_table(
        "review_submission",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("activities", sa.String(2000), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("finances", sa.String(2000), nullable=False),
        sa.Column("advisor_comment", sa.String(2000), nullable=False),
        sa.Column("submitted_by", sa.BigInteger(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "uq_review_submission_year", "review_submission", ["club_id", "year"], unique=True
    )
    op.create_table(
        "review_appeal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(2000), nullable=False),
        sa.Column("by", sa.BigInteger(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_review_appeal_club", "review_appeal", ["club_id", "year"])
    op.create_table(
        "advisor_evaluation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("advisor_pk", sa.Integer(), sa.ForeignKey("advisor.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.String(1000), nullable=False),
        sa.Column("by", sa.BigInteger(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "uq_advisor_evaluation_year", "advisor_evaluation", ["advisor_pk", "year"], unique=True
    )
    op.create_table(
        "advisor_dismissal",
        sa.Column(
            "advisor_pk",
            sa.Integer(),
            sa.ForeignKey("advisor.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("by", sa.BigInteger(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "advisor_dismissal",
        "advisor_evaluation",
        "review_appeal",
        "review_submission",
        "club_event",
        "audit_head",
        "audit",
    ):
        op.drop_table(table)
    with op.batch_alter_table("annual_review") as batch:
        batch.drop_column("comment")
