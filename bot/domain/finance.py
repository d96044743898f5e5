"""ACT-7 to ACT-9: a club's money as income and expense lines in fen (integers, never floats),
the semesters a statement covers, and what may be recorded."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from bot.domain.policy import Policy
from bot.domain.values import DomainError

DESCRIPTION_MAX = 200
FEN_PER_YUAN = 100


class LineKind(StrEnum):
    INCOME = "income"
    EXPENSE = "expense"


class LineCategory(StrEnum):
    ALLOCATION = "allocation"  # from the university, the guidance unit or the fund (FUND-1)
    DUES = "dues"  # ACT-8: only if the charter fixes them
    SPONSORSHIP = "sponsorship"  # ACT-9: only with staff's approval
    ACTIVITY = "activity"
    MATERIALS = "materials"
    TRAVEL = "travel"
    OTHER = "other"


CATEGORIES: dict[LineKind, tuple[LineCategory, ...]] = {
    LineKind.INCOME: (
        LineCategory.ALLOCATION,
        LineCategory.DUES,
        LineCategory.SPONSORSHIP,
        LineCategory.OTHER,
    ),
    LineKind.EXPENSE: (
        LineCategory.ACTIVITY,
        LineCategory.MATERIALS,
        LineCategory.TRAVEL,
        LineCategory.OTHER,
    ),
}


@dataclass(frozen=True, slots=True)
class Voucher:
    file_name: str
    mime_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Line:
    id: int
    club_id: int
    kind: LineKind
    on_date: date
    amount_fen: int
    category: LineCategory
    description: str
    voucher: Voucher | None
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Totals:
    income_fen: int = 0
    expense_fen: int = 0
    lines: int = 0
    without_voucher: int = 0  # expenses recorded without a voucher (ACT-7)

    @property
    def net_fen(self) -> int:
        return self.income_fen - self.expense_fen


@dataclass(frozen=True, slots=True)
class Semester:
    """A semester: spring from `spring_semester_month` of `year`, autumn from
    `autumn_semester_month` to the next spring."""

    year: int
    season: str  # spring | autumn
    starts: date
    ends: date  # the last day

    @property
    def label(self) -> str:
        return f"{self.year}-{self.season}"


def _first(year: int, month: int) -> date:
    return date(year, month, 1)


def _before(day: date) -> date:
    return date.fromordinal(day.toordinal() - 1)


def semester_of(policy: Policy, day: date) -> Semester:
    """The semester `day` falls in."""
    spring, autumn = policy.spring_semester_month, policy.autumn_semester_month
    if day >= _first(day.year, autumn):
        return Semester(
            day.year, "autumn", _first(day.year, autumn), _before(_first(day.year + 1, spring))
        )
    if day >= _first(day.year, spring):
        return Semester(
            day.year, "spring", _first(day.year, spring), _before(_first(day.year, autumn))
        )
    return Semester(
        day.year - 1, "autumn", _first(day.year - 1, autumn), _before(_first(day.year, spring))
    )


def shifted(policy: Policy, semester: Semester, back: int) -> Semester:
    """The semester `back` semesters before this one."""
    found = semester
    for _ in range(back):
        found = semester_of(policy, _before(found.starts))
    return found


def statement_owed(
    current: Semester, last: Semester, founded: date, sent: frozenset[str], kept_last: bool
) -> Semester | None:
    """ACT-7: the semester whose statement a club owes first: `last` (the one just ended) when
    the club kept its book here then (`kept_last`: it recorded lines) and did not show it,
    else `current` until it is shown. A semester before the club kept its book here is the
    ledger's to report, not a reminder's: a university starting with clubbot does not remind
    every club of a statement nobody could have sent."""
    if kept_last and founded <= last.starts and last.label not in sent:
        return last
    return None if current.label in sent else current


_AMOUNT = re.compile(r"^(?:¥|￥)?\s*(\d{1,12})(?:[.,](\d{1,2}))?\s*(?:元|yuan|CNY|RMB)?$", re.I)


def parse_amount(policy: Policy, text: str) -> int:
    """An amount in yuan (at most two decimals) as whole fen, never through a float."""
    found = _AMOUNT.match(text.strip().replace(" ", ""))
    if found is None:
        raise BadAmount(max=yuan(policy.finance_max_fen))
    try:
        value = Decimal(f"{found.group(1)}.{found.group(2) or '0'}") * FEN_PER_YUAN
    except InvalidOperation:
        raise BadAmount(max=yuan(policy.finance_max_fen)) from None
    fen = int(value)
    if fen <= 0 or fen > policy.finance_max_fen:
        raise BadAmount(max=yuan(policy.finance_max_fen))
    return fen


def yuan(fen: int) -> str:
    """Fen as yuan with two decimals and thousands separated: 123456 -> 1,234.56."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole:,}.{part:02d}"


def check_category(
    kind: LineKind, category: LineCategory, sponsor_approved: bool, dues_chartered: bool
) -> None:
    """A category must fit the line's kind; ACT-9: sponsorship income only when staff approved
    a sponsored activity of the club (the exception, recorded with its approval); ACT-8: dues
    only when the dues the charter fixes are on record."""
    if category not in CATEGORIES[kind]:
        raise BadCategory()
    if category is LineCategory.SPONSORSHIP and not sponsor_approved:
        raise SponsorshipNeedsApproval(rule="ACT-9")
    if category is LineCategory.DUES and not dues_chartered:
        raise DuesNotChartered(rule="ACT-8")


class BadAmount(DomainError):
    key = "error.finance.amount"


class BadCategory(DomainError):
    key = "error.finance.category"


class SponsorshipNeedsApproval(DomainError):
    key = "error.finance.sponsorship"


class DuesNotChartered(DomainError):
    key = "error.finance.dues"


class BadDay(DomainError):
    key = "error.finance.day"


class BadDescription(DomainError):
    key = "error.finance.description"


class VoucherWrongType(DomainError):
    key = "error.finance.voucher_type"


class VoucherTooLarge(DomainError):
    key = "error.finance.voucher_size"


class StatementSent(DomainError):
    key = "error.finance.statement_sent"
