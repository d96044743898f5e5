"""Student unions (SU-1 to SU-14), the roster's SU-5 eligibility columns, club branches (ORG-4),
the province's work ledger plans.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "student_eligibility",
        sa.Column("student_pk", sa.Integer(), sa.ForeignKey("student.id"), primary_key=True),
        sa.Column("major", sa.String(200), nullable=True),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("degree_level", sa.String(16), nullable=True),
        sa.Column("major_rank_pct", sa.Integer(), nullable=True),
        sa.Column("rank_basis", sa.String(16), nullable=True),
        sa.Column("failed_courses", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "student_union",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("college", sa.String(200), nullable=True),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("large_or_multi_campus", sa.Boolean(), nullable=False),
        sa.Column("admin_functions", sa.String(200), nullable=True),
        sa.Column("league_guide", sa.String(200), nullable=True),
        sa.Column("secretary_general", sa.String(200), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "union_department",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("union_id", sa.Integer(), sa.ForeignKey("student_union.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
    )
    op.create_index(
        "uq_union_department", "union_department", ["union_id", "name_key"], unique=True
    )
    op.create_table(
        "union_congress",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("union_id", sa.Integer(), sa.ForeignKey("student_union.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("representatives", sa.Integer(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.CheckConstraint("present <= representatives", name="ck_congress_present"),
    )
    op.create_index("uq_union_congress", "union_congress", ["union_id", "held_on"], unique=True)
    op.create_table(
        "union_post",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("union_id", sa.Integer(), sa.ForeignKey("student_union.id"), nullable=False),
        sa.Column("student_pk", sa.Integer(), sa.ForeignKey("student.id"), nullable=False),
        sa.Column(
            "department_id", sa.Integer(), sa.ForeignKey("union_department.id"), nullable=True
        ),
        sa.Column("position", sa.String(40), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("from_college_union", sa.Boolean(), nullable=False),
        sa.Column("recommended_by", sa.String(200), nullable=True),
        sa.Column("recommended_on", sa.Date(), nullable=True),
        sa.Column("party_consent_on", sa.Date(), nullable=True),
        sa.Column("joint_review_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("congress_id", sa.Integer(), sa.ForeignKey("union_congress.id"), nullable=True),
    )
    op.create_index("ix_union_post_student_pk", "union_post", ["student_pk"])
    op.create_index("uq_union_post", "union_post", ["union_id", "student_pk"], unique=True)
    op.create_index(
        "uq_union_presidium",
        "union_post",
        ["student_pk"],
        unique=True,
        sqlite_where=sa.text("department_id IS NULL"),
        postgresql_where=sa.text("department_id IS NULL"),
    )
    op.create_table(
        "union_representative",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("congress_id", sa.Integer(), sa.ForeignKey("union_congress.id"), nullable=False),
        sa.Column("student_pk", sa.Integer(), sa.ForeignKey("student.id"), nullable=False),
        sa.Column("college", sa.String(200), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("major", sa.String(200), nullable=True),
        sa.Column("club", sa.String(200), nullable=True),
        sa.Column("union_officer", sa.Boolean(), nullable=False),
    )
    op.create_index(
        "uq_union_representative",
        "union_representative",
        ["congress_id", "student_pk"],
        unique=True,
    )
    op.create_table(
        "union_appraisal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("union_id", sa.Integer(), sa.ForeignKey("student_union.id"), nullable=False),
        sa.Column("student_pk", sa.Integer(), sa.ForeignKey("student.id"), nullable=False),
        sa.Column("appraised_on", sa.Date(), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("used_for_awards", sa.Boolean(), nullable=False),
    )
    op.create_index(
        "uq_union_appraisal",
        "union_appraisal",
        ["union_id", "student_pk", "appraised_on"],
        unique=True,
    )
    op.create_table(
        "union_training",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("union_id", sa.Integer(), sa.ForeignKey("student_union.id"), nullable=False),
        sa.Column("season", sa.String(16), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
    )
    op.create_index("uq_union_training", "union_training", ["union_id", "held_on"], unique=True)
    op.create_table(
        "union_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("union_id", sa.Integer(), sa.ForeignKey("student_union.id"), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
    )
    op.create_index("ix_union_event", "union_event", ["union_id", "kind", "held_on"])
    op.create_table(
        "club_branch",
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("set_up_on", sa.Date(), nullable=False),
    )
    op.create_table(
        "ledger_plan",
        sa.Column("item", sa.String(16), primary_key=True),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("obstacle", sa.String(500), nullable=True),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("evidence", sa.String(500), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
    )


def downgrade() -> None:
    for table in (
        "ledger_plan",
        "club_branch",
        "union_event",
        "union_training",
        "union_appraisal",
        "union_representative",
        "union_post",
        "union_congress",
        "union_department",
        "student_union",
        "student_eligibility",
    ):
        op.drop_table(table)
