"""Personal data (PRIV-1 to PRIV-5): consents to the processing notice, the correction and
review requests staff answer, and the audit entries' seals (their personal fields hashed
apart, so that they can be pseudonymised).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_consent",
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("given_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "privacy_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("student_pk", sa.Integer(), sa.ForeignKey("student.id"), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("answer", sa.String(length=2000), nullable=True),
        sa.Column("answered_by", sa.BigInteger(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_privacy_request_open", "privacy_request", ["answered_at"])
    op.create_index("ix_privacy_request_student_pk", "privacy_request", ["student_pk"])
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("seal", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.drop_column("seal")
    op.drop_index("ix_privacy_request_student_pk", "privacy_request")
    op.drop_index("ix_privacy_request_open", "privacy_request")
    op.drop_table("privacy_request")
    op.drop_table("privacy_consent")
