"""The nomination attempts per account (ORG-5, PRIV-4).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "election_nomination_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_nomination_attempt_user_at", "election_nomination_attempt", ["user_id", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_nomination_attempt_user_at", "election_nomination_attempt")
    op.drop_table("election_nomination_attempt")
