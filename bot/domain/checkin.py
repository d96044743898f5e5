"""Check-in at an activity that resists cheating (ACT-10's actual participants): the rotating
code and link, derived from a secret of the activity that never leaves the server, and the
times a check-in and a late addition are accepted. Pure: no database, no messages.

The organizer's screen shows, for the current window of `checkin_rotate_minutes`, a short code
to type (`/checkin CODE`) and a QR code of a deep link (`ci_<id>_<window>_<mac>`). Both are an
HMAC of the activity and the window under the activity's secret: a code seen by someone who is
not in the room stops working a window later, and a code cannot be made up without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.domain.policy import Policy

# Letters and digits that cannot be misread for one another (no 0/O, 1/I/L).
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LINK_PREFIX = "ci_"
# The deep link's MAC: 16 characters of the alphabet (about 79 bits).
LINK_MAC = 16
_LINK = re.compile(r"ci_(\d{1,12})_(\d{1,12})_([A-Z2-9]{16})")
_CODE = re.compile(r"[A-Z2-9]{4,12}")


class Method(StrEnum):
    """How a check-in was made: by the typed code, the scanned link, or added by the
    organizer afterwards (with a reason, audited)."""

    CODE = "code"
    LINK = "link"
    ADDED = "added"


def window(policy: Policy, at: datetime) -> int:
    """The number of the rotation window `at` falls in."""
    return int(at.timestamp()) // (policy.checkin_rotate_minutes * 60)


def window_ends(policy: Policy, number: int) -> datetime:
    """When window `number` ends (the code shown in it stops working a window later)."""
    seconds = (number + 1) * policy.checkin_rotate_minutes * 60
    return datetime.fromtimestamp(seconds, UTC)


def _mac(secret: bytes, purpose: str, activity_id: int, number: int, length: int) -> str:
    digest = hmac.new(secret, f"{purpose}:{activity_id}:{number}".encode(), hashlib.sha256)
    value = int.from_bytes(digest.digest(), "big")
    out = []
    for _ in range(length):
        value, rest = divmod(value, len(ALPHABET))
        out.append(ALPHABET[rest])
    return "".join(out)


def code(policy: Policy, secret: bytes, activity_id: int, number: int) -> str:
    """The short code of window `number`."""
    return _mac(secret, "code", activity_id, number, policy.checkin_code_length)


def link_payload(secret: bytes, activity_id: int, number: int) -> str:
    """The /start payload of window `number` (at most 64 bytes, Telegram's limit)."""
    mac = _mac(secret, "link", activity_id, number, LINK_MAC)
    return f"{LINK_PREFIX}{activity_id}_{number}_{mac}"


def parse_link(payload: str) -> tuple[int, int, str] | None:
    """(activity id, window, mac) of a deep-link payload, or None if it is not one."""
    found = _LINK.fullmatch(payload)
    if found is None:
        return None
    return int(found.group(1)), int(found.group(2)), found.group(3)


def link_valid(secret: bytes, activity_id: int, number: int, mac: str) -> bool:
    """Whether `mac` is the link's for this activity and window (compared in constant time)."""
    return hmac.compare_digest(_mac(secret, "link", activity_id, number, LINK_MAC), mac)


def normal_code(text: str) -> str | None:
    """A typed code as it is compared: upper case, spaces and dashes dropped; None if it
    cannot be a code at all."""
    cleaned = re.sub(r"[\s\-]", "", text).upper()
    return cleaned if _CODE.fullmatch(cleaned) else None


def fresh(policy: Policy, number: int, now: datetime) -> bool:
    """A code or link of window `number` is accepted in that window and the next (a code read
    at the end of its window is typed in the next one)."""
    return 0 <= window(policy, now) - number <= 1


def opens(policy: Policy, starts_at: datetime) -> datetime:
    """When check-in opens: `checkin_opens_minutes` before the start."""
    return starts_at - timedelta(minutes=policy.checkin_opens_minutes)


def is_open(policy: Policy, starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    """Whether students may check in now: from before the start to the end."""
    return opens(policy, starts_at) <= now <= ends_at


def report_due(policy: Policy, ends_at: datetime) -> datetime:
    """ACT-10: the report is due this long after the end; late check-ins are added until then."""
    return ends_at + timedelta(days=policy.activity_report_days)


def may_add(policy: Policy, starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    """Whether the organizer may add a missed check-in now (from the start to the report's
    deadline, ACT-10)."""
    return opens(policy, starts_at) <= now <= report_due(policy, ends_at)


def hours(starts_at: datetime, ends_at: datetime) -> float:
    """An activity's length in hours, to the tenth, as the second-classroom record counts it."""
    return round(max(0.0, (ends_at - starts_at).total_seconds()) / 3600, 1)


def hours_by_category(entries: list[tuple[str, float]]) -> dict[str, float]:
    """(category, hours) pairs summed by category, largest first."""
    total: dict[str, float] = {}
    for category, spent in entries:
        total[category] = round(total.get(category, 0.0) + spent, 1)
    return dict(sorted(total.items(), key=lambda item: (-item[1], item[0])))
