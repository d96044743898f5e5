"""The demo university's club life (issue 16): activities in every state, sign-ups with a
waiting list, online accounts and money lines, so that a tester can approve, sign up, look at
the accounts and the book, and see the ledger's activity rows."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime, timedelta

from bot.domain.accounts import Platform
from bot.domain.activities import (
    ActivityAudience,
    ActivityKind,
    ActivityState,
    DocumentKind,
    Speaker,
)
from bot.domain.finance import LineCategory, LineKind, Voucher
from bot.domain.values import Club, Language, Student
from storage import accounts, activities, finance
from storage.activities import CONFIRMED, WAITLISTED, AttachedDocument
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
# The campus fair waiting for staff is large (ACT-3: its safety plan), costs money and is
# sponsored (ACT-9); the returned museum visit carries its participant list but still lacks its
# safety plan (ACT-5), so its organizer is asked for it: (expected, budget in fen, sponsor).
RETURNED_COMMENT = {
    Language.ZH: "请补充安全应急预案后重新提交。",
    Language.EN: "Please add the safety and emergency plan, then submit it again.",
}
LARGE = ("Campus fair", 250, 150000, ("Campus bookstore: prizes", "校园书店：奖品"))


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
            sponsor_set=True,
            audience=ActivityAudience.MEMBERS.value,
            description=(
                f"{title_zh}：欢迎本社团会员参加。"
                if language is Language.ZH
                else f"{title_en}: every member is welcome."
            ),
            comment=RETURNED_COMMENT[language] if state is ActivityState.RETURNED else None,
            submitted_at=None if state is ActivityState.DRAFT else now - timedelta(days=1),
        )
        if title_en == LARGE[0]:
            _, expected, budget, (sponsor_en, sponsor_zh) = LARGE
            await activities.change(
                tx,
                act_id,
                now,
                expected=expected,
                budget_fen=budget,
                sponsor=sponsor_zh if language is Language.ZH else sponsor_en,
            )
            await _attach(tx, now, act_id, DocumentKind.SAFETY_PLAN, language)
        else:
            await activities.change(tx, act_id, now, budget_fen=0, sponsor_set=True)
        if kind is ActivityKind.OFF_CAMPUS:
            await _attach(tx, now, act_id, DocumentKind.PARTICIPANTS, language)
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
    zh = language is Language.ZH
    lines = (
        (LineKind.INCOME, 50000, LineCategory.ALLOCATION, "学期活动经费", "Semester grant", True),
        (LineKind.EXPENSE, 12050, LineCategory.MATERIALS, "海报印制", "Posters", True),
        (LineKind.EXPENSE, 3000, LineCategory.ACTIVITY, "茶歇", "Tea and snacks", False),
    )
    for kind_, fen, category, what_zh, what_en, vouched in lines:
        what = what_zh if zh else what_en
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


async def _attach(
    tx: Tx, now: datetime, act_id: int, kind: DocumentKind, language: Language
) -> None:
    """A real document a tester can open: the participant list as a workbook, the safety plan
    as a Word document."""
    zh = language is Language.ZH
    if kind is DocumentKind.PARTICIPANTS:
        name, mime, content = "participants.xlsx", XLSX, _participants(zh)
    else:
        name, mime, content = "safety-plan.docx", DOCX, _safety_plan(zh)
    found = AttachedDocument(kind, name, mime, len(content), _sha(content))
    await activities.put_document(tx, act_id, found, content, now)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _participants(zh: bool) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "学号", "手机"] if zh else ["Name", "Student id", "Phone"])
    for n, name in enumerate(
        ("王芳", "李雷", "张伟") if zh else ("Wang Fang", "Li Lei", "Zhang Wei")
    ):
        sheet.append([name, f"2024{n + 1:04d}", f"138-0000-{n + 1:04d}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _safety_plan(zh: bool) -> bytes:
    from docx import Document

    doc = Document()
    if zh:
        doc.add_heading("安全应急预案", level=1)
        for line in (
            "一、活动负责人及联系方式",
            "二、场地安全与人员疏散",
            "三、突发情况处置与报告",
        ):
            doc.add_paragraph(line)
    else:
        doc.add_heading("Safety and emergency plan", level=1)
        for line in ("1. Who is responsible", "2. The venue and evacuation", "3. Incidents"):
            doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
