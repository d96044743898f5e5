"""Imports from CSV files: the student told their memberships ended, and the rows refused."""

from __future__ import annotations

from bot.chat.i18n import tr
from bot.domain.values import DomainError, Language, StudentStatus


def membership_ended(language: Language, club: str, status: StudentStatus) -> str:
    """Tell a student who lost formal status that their membership of `club` ended."""
    return tr(language, "notice.membership_ended", club=club, status=status)


def refusal(err: DomainError) -> str:
    """Why a file's row was refused, in English (the language of the import's error list)."""
    return tr(Language.EN, err.key, **err.params)
