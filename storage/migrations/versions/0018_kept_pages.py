"""The pages of a paged answer, kept for its page buttons (issue 18: a /ledger page press shows
the request's pages instead of reading the ledger again).

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kept_pages",
        sa.Column("token", sa.String(16), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("view", sa.String(8), nullable=False),
        sa.Column("arg", sa.Integer(), nullable=False),
        sa.Column("header", sa.Text(), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("kept_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_kept_pages_kept_at", "kept_pages", ["kept_at"])


def downgrade() -> None:
    op.drop_index("ix_kept_pages_kept_at", table_name="kept_pages")
    op.drop_table("kept_pages")
