"""Establishing a club: applications, signatures, charters, history, the name screening list.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_HOLDS_NAME = (
    "state IN ('signing', 'unit_review', 'committee', 'returned', 'paused', 'founding', "
    "'confirming')"
)


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
    with op.batch_alter_table("advisor") as batch:
        batch.add_column(sa.Column("retired_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("guidance_unit") as batch:
        batch.add_column(sa.Column("retired_at", UTCDateTime(), nullable=True))
    op.create_table(
        "club_application",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sponsor_pk", sa.Integer(), sa.ForeignKey("student.id"), nullable=False),
        sa.Column("sponsor_user", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("purpose", sa.String(), nullable=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("guidance_unit.id"), nullable=True),
        sa.Column("advisor_pk", sa.Integer(), sa.ForeignKey("advisor.id"), nullable=True),
        sa.Column("advisor_accepted", sa.Boolean(), nullable=False),
        sa.Column("charter_text", sa.String(), nullable=True),
        sa.Column("token", sa.String(32), nullable=True, unique=True),
        sa.Column("meeting_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_club_application_sponsor_pk", "club_application", ["sponsor_pk"])
    op.create_index("ix_application_state", "club_application", ["state", "updated_at"])
    op.create_index("ix_application_advisor", "club_application", ["advisor_pk", "state"])
    _partial("uq_application_name", "club_application", ["name_key"], _HOLDS_NAME)
    _partial("uq_application_draft", "club_application", ["sponsor_pk"], "state = 'draft'")
    op.create_table(
        "application_charter",
        sa.Column(
            "application_id",
            sa.Integer(),
            sa.ForeignKey("club_application.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("mime_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "application_signature",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "application_id", sa.Integer(), sa.ForeignKey("club_application.id"), nullable=False
        ),
        sa.Column("student_pk", sa.Integer(), sa.ForeignKey("student.id"), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("sponsor", sa.Boolean(), nullable=False),
        sa.Column("signed_at", UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.Column("founder", sa.Boolean(), nullable=True),
    )
    _partial(
        "uq_signature_active",
        "application_signature",
        ["application_id", "student_pk"],
        "withdrawn_at IS NULL",
    )
    op.create_index(
        "ix_signature_student", "application_signature", ["student_pk", "withdrawn_at"]
    )
    op.create_table(
        "application_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "application_id", sa.Integer(), sa.ForeignKey("club_application.id"), nullable=False
        ),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.BigInteger(), nullable=True),
        sa.Column("what", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("comment", sa.String(), nullable=True),
    )
    op.create_index("ix_application_event", "application_event", ["application_id", "id"])
    op.create_table(
        "screened_name",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("term", sa.String(200), nullable=False),
        sa.Column("term_key", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("added_by", sa.BigInteger(), nullable=True),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
    )
    _partial("uq_screened_name_current", "screened_name", ["term_key"], "retired_at IS NULL")


def downgrade() -> None:
    op.drop_index("uq_screened_name_current", "screened_name")
    op.drop_table("screened_name")
    op.drop_index("ix_application_event", "application_event")
    op.drop_table("application_event")
    op.drop_index("ix_signature_student", "application_signature")
    op.drop_index("uq_signature_active", "application_signature")
    op.drop_table("application_signature")
    op.drop_table("application_charter")
    op.drop_index("uq_application_draft", "club_application")
    op.drop_index("uq_application_name", "club_application")
    op.drop_index("ix_application_advisor", "club_application")
    op.drop_index("ix_application_state", "club_application")
    op.drop_index("ix_club_application_sponsor_pk", "club_application")
    op.drop_table("club_application")
    with op.batch_alter_table("guidance_unit") as batch:
        batch.drop_column("retired_at")
    with op.batch_alter_table("advisor") as batch:
        batch.drop_column("retired_at")
