"""An activity's documents (ACT-3 safety plan, ACT-5 participant list), its budget and its
sponsor (ACT-9, staff's exception); the dues a club's charter fixes (ACT-8), in its profile.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activity") as batch:
        batch.add_column(sa.Column("budget_fen", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("sponsor", sa.String(200), nullable=True))
        batch.add_column(
            sa.Column("sponsor_set", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "activity_document",
        sa.Column(
            "activity_id",
            sa.Integer(),
            sa.ForeignKey("activity.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("mime_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False),
    )
    with op.batch_alter_table("club_profile") as batch:
        batch.add_column(
            sa.Column("dues", sa.String(100), nullable=False, server_default=sa.text("''"))
        )


def downgrade() -> None:
    with op.batch_alter_table("club_profile") as batch:
        batch.drop_column("dues")
    op.drop_table("activity_document")
    with op.batch_alter_table("activity") as batch:
        batch.drop_column("sponsor_set")
        batch.drop_column("sponsor")
        batch.drop_column("budget_fen")
