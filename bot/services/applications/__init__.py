"""Establishing a club (REG-1 to REG-8, ADV-1 to ADV-4, ORG-3).

`machine` holds the application's states and which action leads where; `moves` applies an
action to the stored application and records it in its history and the audit log; `answers`
the draft's answers, `signing` submission and the co-sponsors' signatures, `decisions` the
advisor's, the unit's and the committee's, `founding` the way from approval to an active club;
`notices` builds every message about an application and puts it in the outbox.
"""

from bot.services.applications.answers import (
    PurposeRefused,
    choosable_advisors,
    draft,
    editable,
    expire_stale_drafts,
    missing,
    set_advisor,
    set_category,
    set_charter_file,
    set_charter_text,
    set_name,
    set_purpose,
    set_unit,
)
from bot.services.applications.decisions import (
    Decided,
    advisor_decides,
    decide,
    may_decide,
    pause_if_sponsor_lost,
    resume,
)
from bot.services.applications.founding import (
    PRESIDENT,
    CharterCopy,
    Outcome,
    charter_to_read,
    confirm_outcome,
    founding_of,
    record_outcome,
    set_meeting,
)
from bot.services.applications.machine import (
    CLEARED,
    NEEDS_COMMENT,
    OPEN,
    SIGNABLE,
    SIGNED,
    TRANSITIONS,
    UNSIGNED,
    Action,
    AppState,
)
from bot.services.applications.moves import eligible, require_eligible
from bot.services.applications.notices import (
    APPLICATION_KIND,
    SIGN_KIND,
    SIGN_PREFIX,
    advisor_name,
    sign_link,
    summary,
)
from bot.services.applications.signing import open_link, sign, submit, unsign, withdraw
from bot.services.documents import megabytes

__all__ = [
    "APPLICATION_KIND",
    "CLEARED",
    "NEEDS_COMMENT",
    "OPEN",
    "PRESIDENT",
    "SIGNABLE",
    "SIGNED",
    "SIGN_KIND",
    "SIGN_PREFIX",
    "TRANSITIONS",
    "UNSIGNED",
    "Action",
    "AppState",
    "CharterCopy",
    "Decided",
    "Outcome",
    "PurposeRefused",
    "advisor_decides",
    "advisor_name",
    "charter_to_read",
    "choosable_advisors",
    "confirm_outcome",
    "decide",
    "draft",
    "editable",
    "eligible",
    "expire_stale_drafts",
    "founding_of",
    "may_decide",
    "megabytes",
    "missing",
    "open_link",
    "pause_if_sponsor_lost",
    "record_outcome",
    "require_eligible",
    "resume",
    "set_advisor",
    "set_category",
    "set_charter_file",
    "set_charter_text",
    "set_meeting",
    "set_name",
    "set_purpose",
    "set_unit",
    "sign",
    "sign_link",
    "submit",
    "summary",
    "unsign",
    "withdraw",
]
