"""ACT-7: officers record the club's income and expenses with vouchers, list them by semester
with the balance, and send the semester's statement to the members; the annual review reads the
year's sums (REV-2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.chat.replies import Document
from bot.domain.activities import ActivityAudience
from bot.domain.calendar import Calendar
from bot.domain.finance import (
    DESCRIPTION_MAX,
    BadDay,
    BadDescription,
    Line,
    LineCategory,
    LineKind,
    Semester,
    StatementSent,
    Totals,
    Voucher,
    VoucherTooLarge,
    VoucherWrongType,
    check_category,
    semester_of,
    shifted,
)
from bot.domain.policy import Policy
from bot.domain.values import Student
from bot.services import documents, reminders
from bot.services.notices import money as money_notices
from bot.services.officers import club_of as club_of
from bot.services.officers import officer_clubs as officer_clubs
from storage import activities as activities_store
from storage import audit, clubs, outbox
from storage import finance as store
from storage.finance import NewLine
from storage.outbox import Message
from storage.tx import Tx

# A statement may be sent for the current semester and the one just ended (when it was
# missed); older semesters are the ledger's to report.
STATEMENT_BACK = 1


async def check_line(tx: Tx, club_id: int, kind: LineKind, category: LineCategory) -> None:
    """The category fits the kind; sponsorship only after staff approved a sponsored
    activity of the club (ACT-9); dues only as the charter fixes them (ACT-8)."""
    approved = category is LineCategory.SPONSORSHIP and await activities_store.sponsor_approved(
        tx, club_id
    )
    chartered = category is LineCategory.DUES and bool((await clubs.profile(tx, club_id)).dues)
    check_category(kind, category, approved, chartered)


@dataclass(frozen=True, slots=True)
class Book:
    """One semester of a club's money: its lines, its sums, the balance at its end."""

    semester: Semester
    lines: list[Line]
    sums: Totals
    balance_fen: int
    statement_sent: date | None


async def book(
    tx: Tx, policy: Policy, cal: Calendar, now: datetime, club_id: int, back: int = 0
) -> Book:
    """The semester `back` semesters before the current one (three statements)."""
    semester = shifted(policy, semester_of(policy, cal.today(now)), back)
    found = await store.lines(tx, club_id, semester.starts, semester.ends)
    sums = (await store.totals(tx, [club_id], semester.starts, semester.ends))[club_id]
    overall = (await store.totals(tx, [club_id], None, semester.ends))[club_id]
    sent = await store.statement(tx, club_id, semester.label)
    return Book(
        semester,
        found,
        sums,
        overall.net_fen,
        cal.today(sent.sent_at) if sent is not None else None,
    )


def parse_day(cal: Calendar, now: datetime, text: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise BadDay() from None
    if day > cal.today(now):
        raise BadDay()
    return day


def parse_description(text: str) -> str:
    found = " ".join(text.split())
    if len(found) < 2 or len(found) > DESCRIPTION_MAX:
        raise BadDescription(max=DESCRIPTION_MAX)
    return found


def voucher_of(policy: Policy, document: Document) -> tuple[Voucher, bytes]:
    """A voucher document checked as charters are (type by extension and MIME type, size
    within `charter_max_bytes`), with its SHA-256; refused whole otherwise."""
    found = documents.accept(
        document,
        policy.voucher_types,
        policy.charter_max_bytes,
        VoucherWrongType,
        VoucherTooLarge,
        "voucher",
    )
    voucher = Voucher(found.file_name, found.mime_type, found.size, found.sha256)
    content = found.content
    return voucher, content


async def record(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    user_id: int,
    student: Student | None,
    club_id: int,
    line: NewLine,
    voucher: tuple[Voucher, bytes] | None,
) -> int:
    """Record a line (ACT-7; ACT-9 refuses sponsorship without staff's approval); audited with
    the voucher's SHA-256."""
    club = await club_of(tx, student, club_id)
    await check_line(tx, club.id, line.kind, line.category)
    line_id = await store.add_line(
        tx,
        now,
        club.id,
        line,
        voucher[0] if voucher else None,
        voucher[1] if voucher else None,
        user_id,
    )
    await audit.append(
        tx,
        now,
        user_id,
        "finance.line",
        club_id=club.id,
        subject=f"finance:{line_id}",
        after={
            "kind": line.kind.value,
            "on_date": line.on_date,
            "amount_fen": line.amount_fen,
            "category": line.category.value,
            "voucher_sha256": voucher[0].sha256 if voucher else None,
        },
    )
    if semester_of(policy, line.on_date) != semester_of(policy, cal.today(now)):
        # A line of the semester just ended makes its statement owed (ACT-7), if not shown
        # yet; one of this semester changes no deadline (its statement is owed anyway).
        await reminders.refresh(tx, policy, cal, now, [club.id])
    return line_id


async def statement_readers(tx: Tx, club_id: int) -> int:
    """How many members the statement would reach."""
    return len(await activities_store.audience_accounts(tx, club_id, ActivityAudience.MEMBERS))


async def send_statement(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    user_id: int,
    student: Student | None,
    club_id: int,
    back: int = 0,
) -> int:
    """Show a semester's accounts to the members (ACT-7), once per semester, through the
    outbox: the current one, or the one just ended when it was not shown yet; how many
    members it goes to."""
    if not 0 <= back <= STATEMENT_BACK:
        raise ValueError(back)
    club = await club_of(tx, student, club_id)
    current = await book(tx, policy, cal, now, club.id, back)
    semester = current.semester
    readers = await activities_store.audience_accounts(tx, club.id, ActivityAudience.MEMBERS)
    if not await store.record_statement(
        tx, now, club.id, semester.label, current.sums, len(readers), user_id
    ):
        raise StatementSent(semester=semester.label)
    messages = [
        Message(
            f"fin:stmt:{club.id}:{semester.label}:{reader}",
            reader,
            money_notices.statement_text(lang, club.name, current),
        )
        for reader, lang in readers
    ]
    await outbox.enqueue_many(tx, messages, now)
    await audit.append(
        tx,
        now,
        user_id,
        "finance.statement",
        club_id=club.id,
        subject=f"club:{club.id}",
        after={
            "semester": semester.label,
            "income_fen": current.sums.income_fen,
            "expense_fen": current.sums.expense_fen,
            "members_told": len(readers),
        },
    )
    await reminders.refresh(tx, policy, cal, now, [club.id])
    return len(readers)


async def year_summary(tx: Tx, club_id: int, year: int) -> tuple[Totals, int]:
    """REV-2, ACT-7: the sums of the lines dated in `year`, and the balance at its end."""
    sums = (await store.totals(tx, [club_id], date(year, 1, 1), date(year, 12, 31)))[club_id]
    overall = (await store.totals(tx, [club_id], None, date(year, 12, 31)))[club_id]
    return sums, overall.net_fen


def back_of(policy: Policy, cal: Calendar, now: datetime, day: date) -> int:
    """How many semesters before the current one `day` falls in (0: this one)."""
    target = semester_of(policy, day)
    current = semester_of(policy, cal.today(now))
    back = 0
    while current.starts > target.starts:
        current = shifted(policy, current, 1)
        back += 1
    return back
