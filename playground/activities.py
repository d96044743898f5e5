"""The demo university's club life (issue 16): activities in every state, sign-ups with a
waiting list, online accounts and money lines, so that a tester can approve, sign up, look at
the accounts and the book, and see the ledger's activity rows."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from bot.domain.accounts import Platform
from bot.domain.activities import ActivityAudience, ActivityKind, ActivityState, Speaker
from bot.domain.finance import LineCategory, LineKind, Voucher
from bot.domain.values import Club, Language, Student
from storage import accounts, activities, finance
from storage.activities import CONFIRMED, WAITLISTED
from storage.finance import NewLine
from storage.tx import Tx

# (title in English, in Chinese, state, days from now to the start, kind)
LIFE: tuple[tuple[str, str, ActivityState, float, ActivityKind], ...] = (
    ("Opening night (draft)", "迎新晚会（草稿）", ActivityState.DRAFT, 20, ActivityKind.REGULAR),
    ("Spring workshop", "春季工作坊", ActivityState.ADVISOR, 14, ActivityKind.REGULAR),
    ("Guest talk", "嘉宾讲座", ActivityState.UNIT, 15, ActivityKind.TALK),
    ("Campus fair", "社团嘉年华", ActivityState.STAFF, 16, ActivityKind.REGULAR),
    ("Museum visit", "博物馆参观", ActivityState.RETURNED, 18, ActivityKind.OFF_CAMPUS),
    ("Weekly meetup", "每周例会", ActivityState.APPROVED, 3, ActivityKind.REGULAR),
    ("Practice session", "练习活动", ActivityState.APPROVED, -1 / 24, ActivityKind.REGULAR),
    ("Winter gathering", "冬季聚会", ActivityState.APPROVED, -3, ActivityKind.REGULAR),
)
# The upcoming approved activity: this many places, one more sign-up waits.
PLACES = 2
VOUCHER = b"%PDF-1.4 demo receipt"


async def seed_life(
    tx: Tx,
    now: datetime,
    club: Club,
    organizer: int,
    president: Student,
    members: list[Student],
    language: Language,
    today: date,
) -> None:
    """Activities of `club` in every state (the organizer's Telegram id is `organizer`), the
    upcoming one with its places taken and a waiting list, two accounts and three lines."""
    for title_en, title_zh, state, days, kind in LIFE:
        act_id = await activities.new_draft(tx, club.id, organizer, now)
        starts = now + timedelta(days=days)
        upcoming = state is ActivityState.APPROVED and days > 0
        await activities.change(
            tx,
            act_id,
            now,
            title=title_zh if language is Language.ZH else title_en,
            kind=kind.value,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            place="Student centre 101" if language is Language.EN else "学生活动中心 101",
            expected=30,
            capacity=PLACES if upcoming else None,
            capacity_set=True,
            audience=ActivityAudience.MEMBERS.value,
            description="-",
            submitted_at=None if state is ActivityState.DRAFT else now - timedelta(days=1),
        )
        if kind is ActivityKind.TALK:
            await activities.add_speaker(tx, act_id, Speaker("Li Ming", "PKU", outside=False))
        if state is not ActivityState.DRAFT:
            moved = await activities.move(
                tx, act_id, ActivityState.DRAFT, 1, now, state, needs_staff=True
            )
            assert moved
        if state is ActivityState.APPROVED:
            await activities.mark_announced(tx, act_id, now)
        if upcoming:
            for n, student in enumerate(members[: PLACES + 1], 1):
                status, place = (CONFIRMED, n) if n <= PLACES else (WAITLISTED, None)
                await activities.add_sign_up(tx, act_id, student.id, status, place, now)
    for platform, handle in ((Platform.WECHAT, "demo_club"), (Platform.TELEGRAM_GROUP, "@demo")):
        await accounts.add(tx, now, club.id, platform, handle, president.id, today, organizer)
    voucher = Voucher("receipt.pdf", "application/pdf", len(VOUCHER), _sha(VOUCHER))
    lines = (
        (LineKind.INCOME, 50000, LineCategory.ALLOCATION, "Semester grant", True),
        (LineKind.EXPENSE, 12050, LineCategory.MATERIALS, "Posters", True),
        (LineKind.EXPENSE, 3000, LineCategory.ACTIVITY, "Tea and snacks", False),
    )
    for kind_, fen, category, what, vouched in lines:
        # Today: in the semester /finance opens on, whatever the day.
        line = NewLine(kind_, today, fen, category, what)
        await finance.add_line(
            tx,
            now,
            club.id,
            line,
            voucher if vouched else None,
            VOUCHER if vouched else None,
            organizer,
        )


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
