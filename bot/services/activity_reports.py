"""ACT-10: after an activity the organizer files its report: the participants (its check-ins,
counted when it is filed), a summary, the spending, optional photos.

The report is a row from its first answer on (a draft), so /cancel or a restart lose nothing:
/report resumes it. It is also a deadline like the others (`activity_report_days` after the
end): reminded and escalated by the deadline machinery (`bot/services/reminders.py`), one
report at a time per club, the one due first; filing it closes that deadline and opens the
next.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from bot.chat.replies import Document
from bot.chat.text import hostile_text
from bot.domain.activities import ActivityState
from bot.domain.calendar import Calendar
from bot.domain.checkin import report_due
from bot.domain.policy import Policy
from bot.domain.values import DomainError, Student
from bot.services import activities as proposals
from bot.services import reminders
from bot.services.notices import checkin as report_notices
from storage import activities as store
from storage import activity_reports as reports
from storage import audit, outbox
from storage import checkin as records
from storage.activities import Activity
from storage.activity_reports import Report
from storage.tx import Tx

SUMMARY_MAX = 4000
# The photo types a report takes (sent as files, so Telegram does not recompress them).
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
_MONEY = re.compile(r"[¥￥]?\s*(\d{1,9})(?:[.．](\d{1,2}))?\s*(?:元|yuan|CNY|RMB)?", re.IGNORECASE)


class NotReportable(DomainError):
    """Not an activity this person organizes, not approved, not ended, or filed already."""

    key = "activity_report.not_reportable"


class NothingToReport(DomainError):
    key = "activity_report.nothing"


class BadSummary(DomainError):
    key = "activity_report.bad_summary"


class BadSpending(DomainError):
    key = "activity_report.bad_spending"


class BadPhoto(DomainError):
    key = "activity_report.bad_photo"


class TooManyPhotos(DomainError):
    key = "activity_report.too_many_photos"


class Incomplete(DomainError):
    key = "activity_report.incomplete"


async def owed(
    tx: Tx, now: datetime, student: Student | None, advisor_pk: int | None
) -> list[Activity]:
    """The ended approved activities of the clubs this person keeps whose report is not filed,
    earliest first."""
    kept = [c.id for c in await proposals.organizable(tx, student, advisor_pk)]
    owed = await reports.unfiled_of_clubs(tx, kept, ended_by=now)
    return await store.activities_by_ids(tx, [activity_id for _, activity_id, _ in owed])


async def open_draft(
    tx: Tx,
    now: datetime,
    student: Student | None,
    advisor_pk: int | None,
    activity_id: int,
) -> tuple[Activity, Report]:
    """The draft report of an ended activity this person organizes (made if need be)."""
    act = await store.activity(tx, activity_id)
    kept = {c.id for c in await proposals.organizable(tx, student, advisor_pk)}
    if (
        act is None
        or act.club_id not in kept
        or act.state is not ActivityState.APPROVED
        or act.ends_at is None
        or act.ends_at > now
    ):
        raise NotReportable()
    found = await reports.draft(tx, act.id, now)
    if found.state != reports.DRAFT:
        raise NotReportable()
    return act, found


def parse_spending(text: str) -> int:
    """Yuan as typed (`120`, `120.5`, `¥120.50`, `120元`) in fen; BadSpending otherwise."""
    found = _MONEY.fullmatch(text.strip())
    if found is None:
        raise BadSpending()
    fen = (found.group(2) or "").ljust(2, "0")
    return int(found.group(1)) * 100 + int(fen)


def yuan(fen: int | None) -> str:
    return "—" if fen is None else f"¥{fen // 100}.{fen % 100:02d}"


async def answer(tx: Tx, now: datetime, report: Report, field: str, text: str) -> None:
    """Record the summary or the spending, checked."""
    if field == "summary":
        value = text.strip()
        if not value or hostile_text(value) is not None or len(value) > SUMMARY_MAX:
            raise BadSummary(max=SUMMARY_MAX)
        await reports.change(tx, report.id, now, summary=value)
    elif field == "spending":
        await reports.change(tx, report.id, now, spending=parse_spending(text))
    else:
        raise ValueError(field)


async def add_photo(tx: Tx, policy: Policy, report: Report, document: Document) -> None:
    """A photo sent as a file: an image, within the documents' size limit, a few at most."""
    if report.photos >= policy.activity_report_max_photos:
        raise TooManyPhotos(max=policy.activity_report_max_photos)
    content = document.content
    if (
        document.mime_type not in PHOTO_TYPES
        or content is None
        or len(content) > policy.charter_max_bytes
        or document.size > len(content)
    ):
        raise BadPhoto(max=policy.charter_max_bytes // (1024 * 1024))
    digest = hashlib.sha256(content).hexdigest()
    await reports.add_photo(tx, report.id, document.file_id, digest, len(content))


def missing(report: Report) -> list[str]:
    return [
        name
        for name, given in (("summary", report.summary), ("spending", report.spending))
        if given is None
    ]


async def file(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    user_id: int,
    act: Activity,
    report: Report,
) -> int:
    """File the report with the participants counted from the check-ins now; how many. The
    club's report deadline moves to the next report owed, if any."""
    if missing(report):
        raise Incomplete()
    present = await records.count(tx, act.id)
    if not await reports.file(tx, report.id, present, user_id, now):
        raise NotReportable()
    await audit.append(
        tx,
        now,
        user_id,
        "activity.report",
        club_id=act.club_id,
        subject=f"activity:{act.id}",
        after={"participants": present, "spending": report.spending, "photos": report.photos},
    )
    await reminders.refresh(tx, policy, cal, now, [act.club_id])
    return present


async def ask_after_end(
    tx: Tx, policy: Policy, cal: Calendar, now: datetime, act: Activity
) -> None:
    """On approval: the organizer is asked for the report when the activity ends, and the
    club's report deadline is brought up to date."""
    if act.ends_at is None:
        return
    lang = await store.account_language(tx, act.organizer)
    due = report_due(policy, act.ends_at)
    await outbox.enqueue(
        tx,
        f"activity:{act.id}:v{act.version}:report_ask",
        act.organizer,
        report_notices.report_asked(lang, act, cal.today(due).isoformat()),
        max(now, act.ends_at),
    )
    await reminders.refresh(tx, policy, cal, now, [act.club_id])
