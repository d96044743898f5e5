"""Personal data (PRIV-1 to PRIV-5): what clubbot holds, why, for how long, and who sees it.

The processing notice (`/privacy`), the README's "Personal data" section and the processing
records in docs/ are written from these values; a test keeps their column lists equal to the
tables'.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.policy import Policy


class DataCategory(StrEnum):
    """The kinds of personal data clubbot holds, each kept for its own purposes and time."""

    RECORD = "record"  # the roster's student record: ID, name, college, class, status
    RESTRICTED = "restricted"  # political status, class rank, disciplinary record (PRIV-4)
    ACCOUNT = "account"  # the Telegram account: id, language, binding, consent
    CLUBS = "clubs"  # memberships, positions, signatures, nominations, objections, voting
    CHAT = "chat"  # conversation state, processed updates and their answers, codes
    AUDIT = "audit"  # the audit log's entries naming the person


class Right(StrEnum):
    """What a person may ask (PRIV-2), and the command that does it."""

    NOTICE = "privacy"
    ACCESS = "mydata"
    CORRECTION = "correct"
    DELETION = "delete"
    REVIEW = "review"  # of a refusal the bot made on its own (PRIV-4)


@dataclass(frozen=True, slots=True)
class Holding:
    """One category: the rules it serves, and how long it is kept (a policy field, or None
    when a rule keeps it as a club's record)."""

    category: DataCategory
    purposes: tuple[str, ...]
    retention_field: str | None


HOLDINGS: tuple[Holding, ...] = (
    Holding(
        DataCategory.RECORD,
        ("ORG-1", "ORG-2", "REG-1", "REG-9", "PRIV-2"),
        "leaver_retention_days",
    ),
    Holding(DataCategory.RESTRICTED, ("ORG-5", "ORG-6", "PRIV-4"), "leaver_retention_days"),
    Holding(DataCategory.ACCOUNT, ("PRIV-1", "ORG-1"), "leaver_retention_days"),
    Holding(DataCategory.CLUBS, ("ORG-1", "ORG-2", "ORG-3", "ORG-5", "ORG-7", "REG-1"), None),
    Holding(DataCategory.CHAT, ("PRIV-3",), "conversation_retention_days"),
    Holding(DataCategory.AUDIT, ("PRIV-5", "REG-9"), None),
)


class AdvisorCategory(StrEnum):
    """What clubbot holds about an advisor (ADV-1 to ADV-5): a teacher, not a student."""

    RECORD = "record"  # the advisor bank: staff ID, name, department, Party membership (ADV-2)
    CLUBS = "clubs"  # the clubs advised: appointments, terms, approvals given
    EVALUATIONS = "evaluations"  # yearly evaluations and dismissals recorded by staff (ADV-5)
    ACCOUNT = "account"
    CHAT = "chat"
    AUDIT = "audit"


@dataclass(frozen=True, slots=True)
class AdvisorHolding:
    """One category held about an advisor and the rules it serves."""

    category: AdvisorCategory
    purposes: tuple[str, ...]


ADVISOR_HOLDINGS: tuple[AdvisorHolding, ...] = (
    AdvisorHolding(AdvisorCategory.RECORD, ("ADV-1", "ADV-2", "ADV-4")),
    AdvisorHolding(AdvisorCategory.CLUBS, ("REG-3", "ADV-1", "ADV-3", "ADV-4")),
    AdvisorHolding(AdvisorCategory.EVALUATIONS, ("ADV-5",)),
    AdvisorHolding(AdvisorCategory.ACCOUNT, ("PRIV-1",)),
    AdvisorHolding(AdvisorCategory.CHAT, ("PRIV-3",)),
    AdvisorHolding(AdvisorCategory.AUDIT, ("PRIV-5", "REG-9")),
)
# An advisor's rights: the notice, a copy of what is held (/mydata), a correction (/correct);
# an erasure is asked of staff, whom the notice names.
ADVISOR_RIGHTS = ("privacy", "mydata", "correct", "ask_staff")

# What is held about an account bound to no record (a visitor, staff, a reviewer): the account
# itself, the conversation and the updates it sent, and, for a role staff granted, what was
# done with it. Each with the rules it serves.
ACCOUNT_HOLDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("account", ("PRIV-1",)),
    ("chat", ("PRIV-3",)),
    ("roles", ("REG-8", "REG-9", "PRIV-5")),
)
ACCOUNT_RIGHTS = ("privacy", "mydata", "ask_staff")


def retention_days(policy: Policy, holding: Holding) -> int | None:
    """How many days the category is kept after its purpose ends; None: kept as a record."""
    if holding.retention_field is None:
        return None
    value = getattr(policy, holding.retention_field)
    assert isinstance(value, int)
    return value


# Whom the data reaches besides the person: staff and reviewers (REG-9), the club's officers
# and advisor (its members), and Telegram, whose servers are outside the mainland: every
# message the bot writes in chat passes through them (PIPL arts. 38-39).
RECIPIENTS = ("staff", "club", "telegram")


# PRIV-4: the student record's restricted columns; shown only to staff, so a copy sent through
# chat says they are held, not what they hold.
RESTRICTED_COLUMNS = frozenset({"political", "rank_pct", "disciplinary"})
# An advisor's Party membership (ADV-2) is political status: restricted alike.
ADVISOR_RESTRICTED_COLUMNS = frozenset({"party_member"})
