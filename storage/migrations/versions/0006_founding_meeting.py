"""The founding meeting by vote: an election may belong to an application (ORG-3).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

RUNNING = "parent_id IS NULL AND phase NOT IN ('done', 'failed', 'cancelled')"


def upgrade() -> None:
    with op.batch_alter_table("election") as batch:
        batch.alter_column("club_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(
            sa.Column(
                "application_id",
                sa.Integer(),
                sa.ForeignKey("club_application.id", name="fk_election_application"),
                nullable=True,
            )
        )
    op.create_index(
        "uq_election_founding_running",
        "election",
        ["application_id"],
        unique=True,
        sqlite_where=sa.text(RUNNING),
        postgresql_where=sa.text(RUNNING),
    )


def downgrade() -> None:
    op.drop_index("uq_election_founding_running", "election")
    # Founding meetings of clubs never founded cannot live without a club: they go.
    orphans = "SELECT id FROM election WHERE club_id IS NULL"
    for table in ("election_ballot", "election_voter", "election_objection"):
        op.execute(f"DELETE FROM {table} WHERE election_id IN ({orphans})")
    op.execute(f"DELETE FROM election_candidate WHERE election_id IN ({orphans})")
    op.execute(f"DELETE FROM election_position WHERE election_id IN ({orphans})")
    op.execute(f"DELETE FROM election WHERE parent_id IN ({orphans})")
    op.execute("DELETE FROM election WHERE club_id IS NULL")
    with op.batch_alter_table("election") as batch:
        batch.drop_column("application_id")
        batch.alter_column("club_id", existing_type=sa.Integer(), nullable=False)
