"""/finance: officers record the club's income and expenses with vouchers, by semester with the
balance, and send the semester's statement to the members (ACT-7 to ACT-9), as transcripts."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.chat.replies import Document
from bot.domain.activities import ActivityState
from bot.domain.finance import BadAmount, StatementSent, parse_amount, semester_of, yuan
from bot.domain.policy import Policy
from bot.services import finance
from storage.db import Database
from storage.models import AuditRow, FinanceLineRow, FinanceStatementRow, ReviewSubmissionRow
from storage.tx import Tx
from tests.activities import ADVISOR, OFFICER, STAFF, Club, make_activity, seeded
from tests.clock import local
from tests.elections import FAR, START
from tests.reminders import CAL

S2 = OFFICER + 1
PDF = b"%PDF-1.4 receipt for three chess clocks"


def _pdf(name: str = "receipt.pdf", content: bytes | None = PDF, size: int = 0) -> Document:
    return Document("f1", name, "application/pdf", size or len(content or b""), content)


async def _lines(club: Club) -> list[FinanceLineRow]:
    async with club.w.db.transaction() as session:
        return list(await session.scalars(select(FinanceLineRow).order_by(FinanceLineRow.id)))


def test_amounts_are_whole_fen_and_semesters_follow_the_policy() -> None:
    policy = Policy()
    assert parse_amount(policy, "35.5") == 3550
    assert parse_amount(policy, "¥0.10") == 10
    assert parse_amount(policy, "120元") == 12000
    assert parse_amount(policy, "1000000") == policy.finance_max_fen
    for bad in ("0", "0.00", "-5", "12.345", "abc", "1e3", "1000000.01", ""):
        with pytest.raises(BadAmount):
            parse_amount(policy, bad)
    assert yuan(123456) == "1,234.56"
    assert yuan(-5) == "-0.05"
    assert semester_of(policy, date(2026, 3, 2)).label == "2026-spring"
    assert semester_of(policy, date(2026, 1, 31)).label == "2025-autumn"
    autumn = semester_of(policy, date(2026, 9, 1))
    assert (autumn.label, autumn.ends) == ("2026-autumn", date(2027, 1, 31))
    assert semester_of(policy, date(2026, 8, 31)).ends == date(2026, 8, 31)


async def test_an_officer_records_lines_and_bad_input_changes_nothing(db: Database) -> None:
    club = await seeded(db)
    assert "officer" in (await club.chat(S2).send("/finance")).lower()  # a member only
    officer = club.chat(OFFICER)
    said = await officer.send("/finance")
    assert "spring semester 2026" in said
    assert "No income or expense recorded" in said
    assert "use the buttons" in await officer.send("100")
    await officer.click("➖ Expense")
    assert "On which day was the expense" in officer.said
    assert "real date" in await officer.send("2026-02-30")
    assert "real date" in await officer.send((START + timedelta(days=1)).isoformat())
    assert "How much" in await officer.send(START.isoformat())
    for bad in ("abc", "0", "12.345", "-5", "1000001"):
        assert "greater than 0 and at most ¥1,000,000.00" in await officer.send(bad)
    assert "What is it for?" in await officer.send("35.50")
    assert "Sponsorship" not in officer.said  # not an expense's category
    assert "use the buttons" in await officer.send("Materials")
    await officer.click("Materials")
    assert "2 to 200 characters" in await officer.send("x")
    assert "Send the voucher" in await officer.send("Three chess clocks")
    assert "as a document" in await officer.send("here it is")
    exe = Document("f2", "receipt.exe", "application/octet-stream", 10, b"MZ" * 5)
    assert "of these types: pdf, jpg, jpeg, png" in await officer.send_document(exe)
    huge = _pdf(content=None, size=Policy().charter_max_bytes + 1)
    assert "too large" in await officer.send_document(huge)
    assert await _lines(club) == []  # nothing written before the voucher step ends
    assert "¥35.50 recorded" in await officer.send_document(_pdf())
    assert "2026-03-02 −35.50 · Materials · Three chess clocks 📎" in officer.said
    # Income: sponsorship is refused (ACT-9); without a voucher it is recorded, flagged.
    await officer.click("➕ Income")
    await officer.click("Today")
    await officer.send("1000")
    await officer.click("Sponsorship (ACT-9)")
    assert "ACT-9" in officer.said
    assert "What is it for?" in officer.said
    await officer.click("Allocation")
    await officer.send("From the CS Dept")
    await officer.click("No voucher yet")
    assert "¥1,000.00 recorded" in officer.said
    assert "Recorded without a voucher" in officer.said
    assert "Income ¥1,000.00 · expenses ¥35.50" in officer.said
    assert "Balance at the end of the semester: ¥964.50" in officer.said
    rows = await _lines(club)
    assert [(r.kind, r.amount_fen, r.category) for r in rows] == [
        ("expense", 3550, "materials"),
        ("income", 100000, "allocation"),
    ]
    assert rows[0].voucher_sha256 == hashlib.sha256(PDF).hexdigest()
    assert rows[0].voucher == PDF
    assert rows[1].voucher_sha256 is None
    # A line of the autumn semester shows that semester; its balance counts up to its end.
    await officer.click("➖ Expense")
    await officer.send("2026-01-10")
    await officer.send("20")
    await officer.click("Travel")
    await officer.send("Bus to the tournament")
    await officer.send_document(Document("f3", "ticket.png", "image/png", 11, b"\x89PNG ticket"))
    assert "autumn semester 2025" in officer.said
    assert "Balance at the end of the semester: ¥-20.00" in officer.said
    await officer.click("Later semester ▶")
    assert "Balance at the end of the semester: ¥944.50" in officer.said
    async with club.w.db.transaction() as session:
        actions = list(await session.scalars(select(AuditRow.action)))
    assert actions.count("finance.line") == 3


async def test_an_officer_of_two_clubs_chooses_whose_money(db: Database) -> None:
    go = f"Go Club,academic,CS Dept,2021-09-01,S1,T2,{FAR},2026-01-10,2025-11-20"
    club = await seeded(db, more=(go,))
    officer = club.chat(OFFICER)
    assert "which club?" in await officer.send("/finance")
    assert "use the buttons" in await officer.send("Go Club")  # typed, not pressed
    assert "which club?" in officer.said
    await officer.click("Go Club")
    assert "Go Club: money" in officer.said
    await officer.send("/language")
    await officer.click("中文")
    assert "哪个社团" in await officer.send("/finance")
    assert "请使用下方按钮" in await officer.send("x")
    await officer.click("Chess Club")
    assert "Chess Club" in officer.said
    assert "Go Club" not in officer.said


async def test_the_statement_goes_to_the_members_once(db: Database) -> None:
    club = await seeded(db)
    officer = club.chat(OFFICER)
    await officer.send("/finance")
    await officer.click("➕ Income")
    await officer.click("Today")
    await officer.send("300")
    await officer.click("Allocation")
    await officer.send("Semester grant")
    await officer.send_document(_pdf())
    await officer.click("📣 Send the statement")
    assert "to the club's 2 members" in officer.said
    assert "Income ¥300.00" in officer.said
    await officer.click("◀ Back")
    assert "not been shown to the members yet" in officer.said
    await officer.click("📣 Send the statement")
    await officer.click("📣 Send")
    assert "goes to 2 members" in officer.said
    assert "went to the members on 2026-03-02" in officer.said
    labels = [b.text for row in officer.last_with_buttons().buttons for b in row]
    assert not [label for label in labels if label.startswith("📣")]
    await club.tick(minutes=1)
    told = [t for t in club.w.telegram.to(S2) if "accounts for spring semester 2026" in t]
    assert len(told) == 1
    assert "¥300.00" in told[0]
    # A second officer confirming the same semester sends nothing more.
    student, club_id = await club.student("S1"), await club.club_id()
    async with db.transaction() as session:
        tx = Tx(session, db)
        with pytest.raises(StatementSent):
            await finance.send_statement(
                tx,
                club.w.policy,
                CAL,
                club.w.clock.now(),
                OFFICER,
                student,
                club_id,
            )
    async with db.transaction() as session:
        sent = list(await session.scalars(select(FinanceStatementRow)))
    assert [(s.semester, s.income_fen, s.members_told) for s in sent] == [
        ("2026-spring", 30000, 2)
    ]


async def test_the_review_form_takes_activities_and_money_from_the_records(db: Database) -> None:
    club = await seeded(db)
    await make_activity(db, ActivityState.APPROVED, "Spring open", days=10)
    await make_activity(db, ActivityState.APPROVED, "Winter blitz", days=-20)
    await make_activity(db, ActivityState.DRAFT, "Not yet proposed", days=12)
    await make_activity(db, ActivityState.REJECTED, "Refused trip", days=14)
    officer = club.chat(OFFICER)
    await officer.send("/finance")
    await officer.click("➖ Expense")
    await officer.click("Today")
    await officer.send("12.30")
    await officer.click("Materials")
    await officer.send("Score sheets")
    await officer.click("No voucher yet")
    assert "open until" in await club.chat(STAFF).send("/review_open 2026")
    said = await officer.send("/review_form")
    assert "2 activities approved in 2026, 1 held so far" in said
    assert "Winter blitz" in said
    assert "Spring open" in said
    assert "Not yet proposed" not in said
    assert "Refused trip" not in said
    await officer.click("✅ Use the records")
    await officer.click("Yes, 2")
    assert "expenses ¥12.30, 1 line, 1 expense without a voucher" in officer.said
    await officer.send("Dues are not collected")
    assert "submitted" in await officer.send("A good year")
    async with db.transaction() as session:
        form = (await session.scalars(select(ReviewSubmissionRow))).one()
    assert form.activities.startswith("From the activity records: 2 activities")
    assert "Winter blitz" in form.activities
    assert "¥12.30" in form.finances
    assert form.finances.endswith("Added by the officers: Dues are not collected")


async def test_a_statement_owed_is_a_deadline_until_it_is_sent(db: Database) -> None:
    """ACT-7: a club that kept its book in the semester just ended owes that statement
    (overdue from the day after), and then the current one by its last day; sending each
    moves the deadline on. A club that kept nothing here then is not reminded of it."""
    club = await seeded(db)
    spring_ends = date(2026, 8, 31)
    assert (await club.w.open_deadlines())["statement"] == spring_ends
    officer = club.chat(OFFICER)
    await officer.send("/finance")
    await officer.click("➖ Expense")
    await officer.send("2026-01-10")
    await officer.send("20")
    await officer.click("Travel")
    await officer.send("Bus to the tournament")
    await officer.send_document(_pdf())
    assert "autumn semester 2025" in officer.said
    assert (await club.w.open_deadlines())["statement"] == date(2026, 1, 31)
    # The missed statement can still be sent, from that semester's page.
    await officer.click("📣 Send the statement")
    assert "accounts for autumn semester 2025" in officer.said
    assert "expenses ¥20.00" in officer.said
    await officer.click("📣 Send")
    assert (await club.w.open_deadlines())["statement"] == spring_ends
    # Thirty days before the spring semester ends, the officers are reminded.
    await club.w.tick(local(date(2026, 8, 1), 10))
    reminded = [t for t in club.w.telegram.to(OFFICER) if "(ACT-7)" in t]
    assert any("by 2026-08-31" in t and "30 days left" in t for t in reminded)
    await officer.send("/finance")
    await officer.click("📣 Send the statement")
    await officer.click("📣 Send")
    assert "statement" not in await club.w.open_deadlines()
    # Two semesters back is the ledger's: no button to send it.
    await officer.click("◀ Earlier semester")
    await officer.click("◀ Earlier semester")
    labels = [b.text for row in officer.last_with_buttons().buttons for b in row]
    assert not [label for label in labels if label.startswith("📣")]


async def test_dues_only_as_the_charter_fixes_them_recorded_by_the_advisor(db: Database) -> None:
    """ACT-8: a dues line is refused until the club's advisor records the dues its charter
    fixes in the profile; officers may not record them themselves."""
    club = await seeded(db)
    officer = club.chat(OFFICER)
    await officer.send("/finance")
    await officer.click("➕ Income")
    await officer.click("Today")
    await officer.send("20")
    await officer.click("Dues (ACT-8)")
    assert "only as the club's charter fixes them (ACT-8)" in officer.said
    await officer.send("/club edit")
    await officer.click("Dues (charter)")
    assert "recorded by the club's advisor" in await officer.send("20 yuan a year")
    advisor = club.chat(ADVISOR)
    await advisor.send("/club edit")
    await advisor.click("Dues (charter)")
    assert "Saved" in await advisor.send("20 yuan a year (article 12)")
    assert "Dues fixed by the charter (ACT-8): 20 yuan a year (article 12)" in advisor.said
    await officer.send("/finance")
    await officer.click("➕ Income")
    await officer.click("Today")
    await officer.send("20")
    await officer.click("Dues (ACT-8)")
    await officer.send("Membership dues, Wang Fang")
    await officer.click("No voucher yet")
    assert "¥20.00 recorded" in officer.said
    assert "recorded as dues the charter fixes: 20 yuan a year (article 12)" in officer.said
    async with db.transaction() as session:
        rows = list(await session.scalars(select(FinanceLineRow)))
        actions = list(await session.scalars(select(AuditRow.action)))
    assert [(r.category, r.amount_fen) for r in rows] == [("dues", 2000)]
    assert "club.profile" in actions
