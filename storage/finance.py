"""ACT-7: a club's income and expense lines, their vouchers, semester statements. Plain values
out; the sums are the database's (one statement), never a loop over rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlmodel import col

from bot.domain.finance import Line, LineCategory, LineKind, Totals, Voucher
from storage.models import FinanceLineRow, FinanceStatementRow
from storage.tx import Tx

# Lines of one semester shown at most (the totals count them all).
LIMIT = 30


@dataclass(frozen=True, slots=True)
class NewLine:
    kind: LineKind
    on_date: date
    amount_fen: int
    category: LineCategory
    description: str


@dataclass(frozen=True, slots=True)
class Statement:
    semester: str
    income_fen: int
    expense_fen: int
    members_told: int
    sent_at: datetime


async def add_line(
    tx: Tx,
    now: datetime,
    club_id: int,
    line: NewLine,
    voucher: Voucher | None,
    content: bytes | None,
    user_id: int,
) -> int:
    row = FinanceLineRow(
        club_id=club_id,
        kind=line.kind.value,
        on_date=line.on_date,
        amount_fen=line.amount_fen,
        category=line.category.value,
        description=line.description,
        voucher_name=voucher.file_name if voucher else None,
        voucher_mime=voucher.mime_type if voucher else None,
        voucher_size=voucher.size if voucher else None,
        voucher_sha256=voucher.sha256 if voucher else None,
        voucher=content,
        recorded_by=user_id,
        recorded_at=now,
    )
    tx.session.add(row)
    await tx.session.flush()
    assert row.id is not None
    return row.id


_COLUMNS = (
    col(FinanceLineRow.id),
    col(FinanceLineRow.club_id),
    col(FinanceLineRow.kind),
    col(FinanceLineRow.on_date),
    col(FinanceLineRow.amount_fen),
    col(FinanceLineRow.category),
    col(FinanceLineRow.description),
    col(FinanceLineRow.voucher_name),
    col(FinanceLineRow.voucher_mime),
    col(FinanceLineRow.voucher_size),
    col(FinanceLineRow.voucher_sha256),
    col(FinanceLineRow.recorded_at),
)


async def lines(tx: Tx, club_id: int, starts: date, ends: date) -> list[Line]:
    """The club's lines dated from `starts` to `ends`, oldest first (without the vouchers'
    bytes), at most LIMIT."""
    stmt = (
        select(*_COLUMNS)
        .where(col(FinanceLineRow.club_id) == club_id)
        .where(col(FinanceLineRow.on_date).between(starts, ends))
        .order_by(col(FinanceLineRow.on_date), col(FinanceLineRow.id))
        .limit(LIMIT)
    )
    return [
        Line(
            id=r.id,
            club_id=r.club_id,
            kind=LineKind(r.kind),
            on_date=r.on_date,
            amount_fen=r.amount_fen,
            category=LineCategory(r.category),
            description=r.description,
            voucher=Voucher(r.voucher_name, r.voucher_mime, r.voucher_size, r.voucher_sha256)
            if r.voucher_sha256
            else None,
            recorded_at=r.recorded_at,
        )
        for r in await tx.session.execute(stmt)
    ]


_INCOME = col(FinanceLineRow.kind) == LineKind.INCOME.value
_EXPENSE = col(FinanceLineRow.kind) == LineKind.EXPENSE.value
_BARE = _EXPENSE & col(FinanceLineRow.voucher_sha256).is_(None)


async def totals(
    tx: Tx, club_ids: list[int], starts: date | None, ends: date
) -> dict[int, Totals]:
    """Each club's totals of the lines dated up to `ends` (and from `starts`, when given): one
    statement for all clubs."""
    if not club_ids:
        return {}
    stmt = (
        select(
            col(FinanceLineRow.club_id),
            func.sum(case((_INCOME, col(FinanceLineRow.amount_fen)), else_=0)),
            func.sum(case((_EXPENSE, col(FinanceLineRow.amount_fen)), else_=0)),
            func.count(col(FinanceLineRow.id)),
            func.sum(case((_BARE, 1), else_=0)),
        )
        .where(col(FinanceLineRow.club_id).in_(club_ids))
        .where(col(FinanceLineRow.on_date) <= ends)
        .group_by(col(FinanceLineRow.club_id))
    )
    if starts is not None:
        stmt = stmt.where(col(FinanceLineRow.on_date) >= starts)
    found = {club_id: Totals() for club_id in club_ids}
    for club_id, income, expense, count, bare in await tx.session.execute(stmt):
        found[club_id] = Totals(int(income or 0), int(expense or 0), count, int(bare or 0))
    return found


async def record_statement(
    tx: Tx, now: datetime, club_id: int, semester: str, sums: Totals, told: int, user_id: int
) -> bool:
    """Record the semester's statement once: False when it was already sent (a unique index
    decides, so two officers confirming at once send it once)."""
    stmt = (
        tx.insert(FinanceStatementRow)
        .values(
            club_id=club_id,
            semester=semester,
            income_fen=sums.income_fen,
            expense_fen=sums.expense_fen,
            members_told=told,
            sent_by=user_id,
            sent_at=now,
        )
        .on_conflict_do_nothing()
        .returning(col(FinanceStatementRow.id))
    )
    return (await tx.session.execute(stmt)).first() is not None


async def statement(tx: Tx, club_id: int, semester: str) -> Statement | None:
    stmt = (
        select(FinanceStatementRow)
        .where(col(FinanceStatementRow.club_id) == club_id)
        .where(col(FinanceStatementRow.semester) == semester)
    )
    row = (await tx.session.scalars(stmt)).first()
    if row is None:
        return None
    return Statement(row.semester, row.income_fen, row.expense_fen, row.members_told, row.sent_at)


async def sent_semesters(tx: Tx, club_ids: list[int], labels: list[str]) -> dict[int, set[str]]:
    """Which of these semesters (labels) each club has shown a statement for: one statement."""
    if not club_ids:
        return {}
    stmt = select(col(FinanceStatementRow.club_id), col(FinanceStatementRow.semester)).where(
        col(FinanceStatementRow.club_id).in_(club_ids),
        col(FinanceStatementRow.semester).in_(labels),
    )
    found: dict[int, set[str]] = {}
    for club_id, label in await tx.session.execute(stmt):
        found.setdefault(club_id, set()).add(label)
    return found
