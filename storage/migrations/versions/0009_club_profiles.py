"""Club profiles: a description, a meeting place and a group link, kept by the club.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "club_profile",
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), primary_key=True),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("meeting_place", sa.String(length=200), nullable=False),
        sa.Column("group_link", sa.String(length=200), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("club_profile")
