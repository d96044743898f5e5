"""Elections and general-meeting votes: positions, candidates, voters, ballots, objections.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

RUNNING = "parent_id IS NULL AND phase NOT IN ('done', 'failed', 'cancelled')"
LIVE = "status IN ('nominated', 'accepted', 'approved')"


def upgrade() -> None:
    op.create_table(
        "election",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("founding", sa.Boolean(), nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("election.id"), nullable=True),
        sa.Column("started_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("publicity_days", sa.Integer(), nullable=False),
        sa.Column("voting_days", sa.Integer(), nullable=False),
        sa.Column("result_days", sa.Integer(), nullable=False),
        sa.Column("nominations_close_at", UTCDateTime(), nullable=True),
        sa.Column("voting_opens_at", UTCDateTime(), nullable=True),
        sa.Column("voting_closes_at", UTCDateTime(), nullable=True),
        sa.Column("remind_at", UTCDateTime(), nullable=True),
        sa.Column("reminded", sa.Boolean(), nullable=False),
        sa.Column("results_until", UTCDateTime(), nullable=True),
        sa.Column("next_at", UTCDateTime(), nullable=True),
        sa.Column("quorum", sa.String(16), nullable=False),
        sa.Column("seed", sa.String(64), nullable=True),
        sa.Column("members", sa.Integer(), nullable=True),
        sa.Column("list_approved_by", sa.BigInteger(), nullable=True),
        sa.Column("advisor_ok_by", sa.BigInteger(), nullable=True),
        sa.Column("unit_ok_by", sa.BigInteger(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("end_reason", sa.String(32), nullable=True),
    )
    op.create_index(
        "uq_election_running",
        "election",
        ["club_id"],
        unique=True,
        sqlite_where=sa.text(RUNNING),
        postgresql_where=sa.text(RUNNING),
    )
    op.create_index("ix_election_next", "election", ["next_at"])
    op.create_table(
        "election_position",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("election_id", sa.Integer(), sa.ForeignKey("election.id"), nullable=False),
        sa.Column("ord", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("leader", sa.Boolean(), nullable=False),
        sa.Column("on_ballot", sa.Boolean(), nullable=False),
        sa.Column("result", sa.String(), nullable=True),
    )
    op.create_index(
        "uq_election_position_key", "election_position", ["election_id", "key"], unique=True
    )
    op.create_table(
        "election_candidate",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("election_id", sa.Integer(), sa.ForeignKey("election.id"), nullable=False),
        sa.Column(
            "position_id", sa.Integer(), sa.ForeignKey("election_position.id"), nullable=False
        ),
        sa.Column("student_pk", sa.Integer(), sa.ForeignKey("student.id"), nullable=False),
        sa.Column("nominated_by", sa.Integer(), sa.ForeignKey("student.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "uq_candidate_live",
        "election_candidate",
        ["election_id", "student_pk"],
        unique=True,
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )
    op.create_index("ix_candidate_position", "election_candidate", ["position_id", "status"])
    op.create_table(
        "election_voter",
        sa.Column("election_id", sa.Integer(), sa.ForeignKey("election.id"), primary_key=True),
        sa.Column("student_pk", sa.Integer(), sa.ForeignKey("student.id"), primary_key=True),
        sa.Column("voted", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "election_ballot",
        sa.Column(
            "position_id", sa.Integer(), sa.ForeignKey("election_position.id"), primary_key=True
        ),
        sa.Column("receipt", sa.String(16), primary_key=True),
        sa.Column("election_id", sa.Integer(), sa.ForeignKey("election.id"), nullable=False),
        sa.Column("choices", sa.String(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_ballot_election", "election_ballot", ["election_id"])
    op.create_table(
        "election_objection",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("election_id", sa.Integer(), sa.ForeignKey("election.id"), nullable=False),
        sa.Column("student_pk", sa.Integer(), sa.ForeignKey("student.id"), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("text", sa.String(2000), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    with op.batch_alter_table("officer") as batch:
        batch.add_column(sa.Column("election_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("officer") as batch:
        batch.drop_column("election_id")
    op.drop_table("election_objection")
    op.drop_index("ix_ballot_election", "election_ballot")
    op.drop_table("election_ballot")
    op.drop_table("election_voter")
    op.drop_index("ix_candidate_position", "election_candidate")
    op.drop_index("uq_candidate_live", "election_candidate")
    op.drop_table("election_candidate")
    op.drop_index("uq_election_position_key", "election_position")
    op.drop_table("election_position")
    op.drop_index("ix_election_next", "election")
    op.drop_index("uq_election_running", "election")
    op.drop_table("election")
