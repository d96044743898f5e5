"""Command menus per person: the menu published in each user's chat, and whether it is due.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("menu", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column("menu_due", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index("ix_account_menu_due", ["menu_due"])
    # Everyone met before this version gets the menu of what they are at the first tick.
    op.execute(sa.text("UPDATE account SET menu_due = true"))


def downgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.drop_index("ix_account_menu_due")
        batch.drop_column("menu_due")
        batch.drop_column("menu")
