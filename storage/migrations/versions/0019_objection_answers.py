"""An election objection's answer: upheld or dismissed, why, by whom and when (ORG-5).

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("election_objection") as batch:
        batch.add_column(sa.Column("decision", sa.String(16), nullable=True))
        batch.add_column(sa.Column("answer", sa.String(2000), nullable=True))
        batch.add_column(sa.Column("decided_by", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("decided_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("election_objection") as batch:
        batch.drop_column("decided_at")
        batch.drop_column("decided_by")
        batch.drop_column("answer")
        batch.drop_column("decision")
