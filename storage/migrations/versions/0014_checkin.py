"""Check-in at activities and their reports (ACT-10): the rotating codes' secret, the
check-ins (once per student), the wrong codes typed, the reports and their photos.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activity") as batch:
        batch.add_column(sa.Column("checkin_secret", sa.String(64), nullable=True))
    op.create_table(
        "activity_checkin",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activity.id"), nullable=False),
        sa.Column("student_pk", sa.Integer(), sa.ForeignKey("student.id"), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("by_user", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "uq_activity_checkin", "activity_checkin", ["activity_id", "student_pk"], unique=True
    )
    op.create_index("ix_activity_checkin_student", "activity_checkin", ["student_pk"])
    op.create_table(
        "checkin_guess",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_checkin_guess_user_at", "checkin_guess", ["user_id", "at"])
    op.create_table(
        "activity_report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activity.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("summary", sa.String(4000), nullable=True),
        sa.Column("spending", sa.Integer(), nullable=True),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("filed_at", UTCDateTime(), nullable=True),
        sa.Column("filed_by", sa.BigInteger(), nullable=True),
    )
    op.create_index("uq_activity_report", "activity_report", ["activity_id"], unique=True)
    op.create_table(
        "activity_report_photo",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("activity_report.id"), nullable=False),
        sa.Column("file_id", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
    )
    op.create_index("ix_activity_report_photo_report", "activity_report_photo", ["report_id"])


def downgrade() -> None:
    op.drop_index("ix_activity_report_photo_report", table_name="activity_report_photo")
    op.drop_table("activity_report_photo")
    op.drop_index("uq_activity_report", table_name="activity_report")
    op.drop_table("activity_report")
    op.drop_index("ix_checkin_guess_user_at", table_name="checkin_guess")
    op.drop_table("checkin_guess")
    op.drop_index("ix_activity_checkin_student", table_name="activity_checkin")
    op.drop_index("uq_activity_checkin", table_name="activity_checkin")
    op.drop_table("activity_checkin")
    with op.batch_alter_table("activity") as batch:
        batch.drop_column("checkin_secret")
