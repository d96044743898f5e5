"""Advisors, guidance units, officers, appointments, meetings, reviews, windows, deadlines.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _partial(name: str, table: str, columns: list[str], where: str) -> None:
    op.create_index(
        name,
        table,
        columns,
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    op.create_table(
        "advisor",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("staff_id", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("party_member", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "guidance_unit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "unit_rep",
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("guidance_unit.id"), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("granted_at", UTCDateTime(), nullable=False),
    )
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("advisor_pk", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_account_advisor_pk", "advisor", ["advisor_pk"], ["id"])
        batch.add_column(sa.Column("unreachable_at", UTCDateTime(), nullable=True))
    _partial("uq_account_advisor", "account", ["advisor_pk"], "advisor_pk IS NOT NULL")
    with op.batch_alter_table("bind_code") as batch:
        batch.alter_column("student_pk", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("advisor_pk", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_bind_code_advisor_pk", "advisor", ["advisor_pk"], ["id"])
        batch.create_check_constraint(
            "ck_bind_code_one_holder", "(student_pk IS NULL) <> (advisor_pk IS NULL)"
        )
    op.create_index("ix_bind_code_advisor_pk", "bind_code", ["advisor_pk"])
    with op.batch_alter_table("club") as batch:
        batch.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_club_unit_id", "guidance_unit", ["unit_id"], ["id"])
    op.create_index("ix_club_unit_id", "club", ["unit_id"])
    op.create_table(
        "officer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), nullable=False),
        sa.Column("student_pk", sa.Integer(), sa.ForeignKey("student.id"), nullable=False),
        sa.Column("position", sa.String(32), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.Column("until", UTCDateTime(), nullable=True),
    )
    _partial("uq_officer_current", "officer", ["club_id", "student_pk"], "until IS NULL")
    _partial(
        "uq_officer_president",
        "officer",
        ["club_id"],
        "until IS NULL AND position = 'president'",
    )
    op.create_index("ix_officer_student", "officer", ["student_pk", "until"])
    op.create_table(
        "appointment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), nullable=False),
        sa.Column("advisor_pk", sa.Integer(), sa.ForeignKey("advisor.id"), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("end_reason", sa.String(32), nullable=True),
    )
    _partial("uq_appointment_current", "appointment", ["club_id"], "ended_at IS NULL")
    op.create_index("ix_appointment_advisor", "appointment", ["advisor_pk", "ended_at"])
    op.create_table(
        "general_meeting",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("recorded_by", sa.BigInteger(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
    )
    _partial("uq_general_meeting_pending", "general_meeting", ["club_id"], "status = 'pending'")
    op.create_index("ix_general_meeting_club", "general_meeting", ["club_id", "status", "held_on"])
    op.create_table(
        "annual_review",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.BigInteger(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_index("uq_annual_review_year", "annual_review", ["club_id", "year"], unique=True)
    for table, key in (
        ("review_window", "year"),
        ("reregistration_window", "academic_year"),
    ):
        op.create_table(
            table,
            sa.Column(key, sa.Integer(), primary_key=True, autoincrement=False),
            sa.Column("opens_on", sa.Date(), nullable=False),
            sa.Column("closes_on", sa.Date(), nullable=False),
            sa.Column("set_at", UTCDateTime(), nullable=False),
        )
    op.create_table(
        "reregistration",
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), primary_key=True),
        sa.Column("academic_year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("recorded_by", sa.BigInteger(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "deadline",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("subject", sa.Integer(), nullable=True),
        sa.Column("opens_on", sa.Date(), nullable=True),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.Column("notified_until", UTCDateTime(), nullable=True),
        sa.Column("next_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("close_reason", sa.String(16), nullable=True),
    )
    _partial("uq_deadline_open", "deadline", ["club_id", "kind"], "closed_at IS NULL")
    op.create_index("ix_deadline_next", "deadline", ["next_at"])
    op.create_table(
        "lease",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("holder", sa.String(100), nullable=False),
        sa.Column("until", UTCDateTime(), nullable=False),
        sa.Column("paused_until", UTCDateTime(), nullable=True),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("deadline_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_outbox_deadline_id", "deadline", ["deadline_id"], ["id"])
        batch.add_column(sa.Column("step", sa.String(8), nullable=True))
        batch.add_column(sa.Column("level", sa.String(16), nullable=True))
        batch.add_column(sa.Column("deadline_at", UTCDateTime(), nullable=True))
    op.create_index("ix_outbox_deadline", "outbox", ["deadline_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_outbox_deadline", "outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("fk_outbox_deadline_id", type_="foreignkey")
        for column in ("deadline_at", "level", "step", "deadline_id"):
            batch.drop_column(column)
    for table in (
        "lease",
        "deadline",
        "reregistration",
        "reregistration_window",
        "review_window",
        "annual_review",
        "general_meeting",
        "appointment",
        "officer",
    ):
        op.drop_table(table)
    op.drop_index("ix_club_unit_id", "club")
    with op.batch_alter_table("club") as batch:
        batch.drop_constraint("fk_club_unit_id", type_="foreignkey")
        batch.drop_column("unit_id")
    # Advisors' codes have no student to fall back to.
    op.execute("DELETE FROM bind_code WHERE student_pk IS NULL")
    op.drop_index("ix_bind_code_advisor_pk", "bind_code")
    with op.batch_alter_table("bind_code") as batch:
        batch.drop_constraint("ck_bind_code_one_holder", type_="check")
        batch.drop_constraint("fk_bind_code_advisor_pk", type_="foreignkey")
        batch.drop_column("advisor_pk")
        batch.alter_column("student_pk", existing_type=sa.Integer(), nullable=False)
    op.drop_index("uq_account_advisor", "account")
    with op.batch_alter_table("account") as batch:
        batch.drop_constraint("fk_account_advisor_pk", type_="foreignkey")
        batch.drop_column("unreachable_at")
        batch.drop_column("advisor_pk")
    op.drop_table("unit_rep")
    op.drop_table("guidance_unit")
    op.drop_table("advisor")
