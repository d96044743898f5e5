"""Online accounts (ACT-6) and club money (ACT-7): accounts with their responsible officer,
income and expense lines with vouchers, semester statements.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "club_account",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("handle", sa.String(200), nullable=False),
        sa.Column("handle_key", sa.String(200), nullable=False),
        sa.Column("responsible_pk", sa.Integer(), sa.ForeignKey("student.id"), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.BigInteger(), nullable=False),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_club_account_club", "club_account", ["club_id"])
    op.create_index(
        "uq_club_account_live",
        "club_account",
        ["club_id", "platform", "handle_key"],
        unique=True,
        sqlite_where=sa.text("removed_at IS NULL"),
        postgresql_where=sa.text("removed_at IS NULL"),
    )
    op.create_table(
        "finance_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("voucher_name", sa.String(200), nullable=True),
        sa.Column("voucher_mime", sa.String(100), nullable=True),
        sa.Column("voucher_size", sa.Integer(), nullable=True),
        sa.Column("voucher_sha256", sa.String(64), nullable=True),
        sa.Column("voucher", sa.LargeBinary(), nullable=True),
        sa.Column("recorded_by", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name="ck_finance_line_amount"),
        sa.CheckConstraint("kind IN ('income', 'expense')", name="ck_finance_line_kind"),
    )
    op.create_index("ix_finance_line_club_day", "finance_line", ["club_id", "on_date"])
    op.create_table(
        "finance_statement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("club_id", sa.Integer(), sa.ForeignKey("club.id"), nullable=False),
        sa.Column("semester", sa.String(16), nullable=False),
        sa.Column("income_fen", sa.BigInteger(), nullable=False),
        sa.Column("expense_fen", sa.BigInteger(), nullable=False),
        sa.Column("members_told", sa.Integer(), nullable=False),
        sa.Column("sent_by", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "uq_finance_statement", "finance_statement", ["club_id", "semester"], unique=True
    )


def downgrade() -> None:
    for table in ("finance_statement", "finance_line", "club_account"):
        op.drop_table(table)
