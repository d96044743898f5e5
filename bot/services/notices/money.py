"""The club's money and accounts in words (ACT-6, ACT-7): the semester statement members read,
the year's sums the review form shows, the handover reminder of an online account."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.chat.i18n import tr
from bot.domain.accounts import ClubAccount
from bot.domain.finance import Semester, Totals, yuan
from bot.domain.values import Language

if TYPE_CHECKING:
    from bot.services.finance import Book


def semester_name(lang: Language, semester: Semester) -> str:
    return tr(lang, f"finance.semester.{semester.season}", year=semester.year)


def statement_text(lang: Language, club: str, current: Book) -> str:
    """The statement as members read it: the semester's income, expenses, lines and balance."""
    return tr(
        lang,
        "finance.statement",
        club=club,
        semester=semester_name(lang, current.semester),
        income=yuan(current.sums.income_fen),
        expense=yuan(current.sums.expense_fen),
        lines=current.sums.lines,
        balance=yuan(current.balance_fen),
    )


def summary_text(lang: Language, year: int, sums: Totals, balance_fen: int) -> str:
    return tr(
        lang,
        "finance.year_summary",
        year=year,
        income=yuan(sums.income_fen),
        expense=yuan(sums.expense_fen),
        lines=sums.lines,
        bare=sums.without_voucher,
        balance=yuan(balance_fen),
    )


def handover_text(lang: Language, account: ClubAccount) -> str:
    """ACT-6: the new officers take over an account whose responsible officer left."""
    return tr(
        lang,
        "accounts.handover",
        club=account.club,
        platform=tr(lang, f"accounts.platform.{account.platform.value}"),
        handle=account.handle,
        left=account.responsible,
    )
