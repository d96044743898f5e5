"""ACT-6: the online accounts a club runs, each recorded with its responsible officer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.values import DomainError

HANDLE_MAX = 200


class Platform(StrEnum):
    WECHAT = "wechat"
    WEIBO = "weibo"
    QQ_GROUP = "qq_group"
    TELEGRAM_GROUP = "telegram_group"
    TELEGRAM_CHANNEL = "telegram_channel"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ClubAccount:
    """A live account: who answers for it, and whether they still hold office in the club."""

    id: int
    club_id: int
    club: str  # the club's name
    platform: Platform
    handle: str
    responsible_pk: int
    responsible: str  # the officer's name
    opened_on: date | None
    recorded_at: datetime
    responsible_in_office: bool


def recorded_late(account: ClubAccount, today_of_record: date, days: int) -> bool:
    """ACT-6: recorded more than `days` days after the account was opened."""
    return account.opened_on is not None and today_of_record > account.opened_on + timedelta(
        days=days
    )


class BadHandle(DomainError):
    key = "error.accounts.handle"


class DuplicateAccount(DomainError):
    key = "error.accounts.duplicate"


class BadOpenedOn(DomainError):
    key = "error.accounts.opened_on"


class NotAnOfficer(DomainError):
    """The person chosen as responsible holds no office in the club (any more)."""

    key = "error.accounts.responsible"


class NoSuchAccount(DomainError):
    key = "error.accounts.gone"
