"""/accounts: officers record the club's online accounts with a responsible officer, and new
officers are told to take over the accounts whose officer left (ACT-6), as transcripts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.db import Database
from storage.models import AuditRow, ClubAccountRow
from tests.activities import OFFICER, Club, seeded
from tests.elections import CLUB, FAR, START

S2 = OFFICER + 1  # the chess club's second member
# The chess club of tests/elections.py, with S2 as its president.
CLUB_S2 = CLUB.replace(",S1,", ",S2,")


async def _rows(club: Club) -> list[ClubAccountRow]:
    async with club.w.db.transaction() as session:
        return list(await session.scalars(select(ClubAccountRow).order_by(ClubAccountRow.id)))


async def _audited(club: Club) -> list[str]:
    async with club.w.db.transaction() as session:
        return list(await session.scalars(select(AuditRow.action).order_by(AuditRow.seq)))


async def _add(
    club: Club, user: int, platform: str, handle: str, opened: str | None = None
) -> str:
    chat = club.chat(user)
    await chat.send("/accounts")
    await chat.click("➕ Add an account")
    await chat.click(platform)
    await chat.send(handle)
    if opened is None:
        await chat.click("Today")
    else:
        await chat.send(opened)
    await chat.click("Student S")  # the only officer: the president
    return chat.said


async def test_an_officer_records_and_removes_accounts_and_bad_input_changes_nothing(
    db: Database,
) -> None:
    club = await seeded(db)
    member = club.chat(S2)
    assert "officer" in (await member.send("/accounts")).lower()  # a member, not an officer
    officer = club.chat(OFFICER)
    assert "No account recorded yet" in await officer.send("/accounts")
    assert "30 days" in officer.said
    assert "use the buttons" in await officer.send("hello")
    await officer.click("➕ Add an account")
    assert "Which platform" in officer.said
    assert "use the buttons" in await officer.send("WeChat")
    await officer.click("WeChat")
    assert "name or link" in officer.said
    assert "at most 200 characters" in await officer.send("x" * 201)
    assert "When was it opened" in await officer.send("chess_pku")
    assert "real date" in await officer.send("2026-02-30")
    future = (START + timedelta(days=3)).isoformat()
    assert "real date" in await officer.send(future)
    await officer.click("Today")
    assert "Which officer" in officer.said
    assert "use the buttons" in await officer.send("me")
    assert await _rows(club) == []  # nothing written before the last answer
    await officer.click("Student S1")
    assert "Account recorded" in officer.said
    assert "1. WeChat: chess_pku · Student S1" in officer.said
    assert "more than" not in officer.said
    # The same account again (spaces and case aside) is refused; the list is unchanged.
    assert "already has this account" in await _add(club, OFFICER, "WeChat", "  CHESS_pku ")
    # An account opened long ago is recorded, and flagged as recorded late.
    old = (START - timedelta(days=45)).isoformat()
    said = await _add(club, OFFICER, "QQ group", "123456", old)
    assert "more than 30 days before it was recorded (ACT-6)" in said
    rows = await _rows(club)
    assert [(r.platform, r.handle, r.opened_on) for r in rows] == [
        ("wechat", "chess_pku", START),
        ("qq_group", "123456", START - timedelta(days=45)),
    ]
    # Removing asks first; Back keeps it.
    await officer.click("🗑 2")
    assert "Remove QQ group: 123456" in officer.said
    await officer.click("◀ Back")
    assert "2. QQ group" in officer.said
    await officer.click("🗑 2")
    await officer.click("🗑 Remove")
    assert "Account removed" in officer.said
    assert "2. QQ group" not in officer.said
    rows = await _rows(club)
    assert [r.removed_at is not None for r in rows] == [False, True]
    # A removed account may be recorded again.
    assert "Account recorded" in await _add(club, OFFICER, "QQ group", "123456")
    await club.chat(OFFICER).click("✔ Done")
    assert "Done" in club.chat(OFFICER).said
    actions = await _audited(club)
    assert actions.count("account.add") == 3
    assert actions.count("account.remove") == 1


async def test_new_officers_are_told_to_take_over_the_accounts_of_one_who_left(
    db: Database,
) -> None:
    club = await seeded(db)
    officer = club.chat(OFFICER)
    await _add(club, OFFICER, "Weibo", "chess_weibo")
    await officer.send("/accounts")  # S1 keeps the list open while the officers change
    report = await club.w.import_clubs(CLUB_S2)  # the roster now names S2 the president
    assert report.presidents == 1
    await club.tick(minutes=1)
    told = club.w.telegram.to(S2)
    assert len(told) == 1
    assert "Student S1" in told[0]
    assert "chess_weibo" in told[0]
    assert "ACT-6" in told[0]
    assert not [t for t in club.w.telegram.to(OFFICER) if "chess_weibo" in t]
    # The former officer's old buttons are refused and change nothing.
    await officer.click("👤 1")
    assert "no longer hold a position" in officer.said
    # The same import again changes no officer and tells nobody again.
    await club.w.import_clubs(CLUB_S2)
    await club.tick(minutes=1)
    assert len([t for t in club.w.telegram.to(S2) if "chess_weibo" in t]) == 1
    # The new president sees the account flagged, and takes it over.
    new = club.chat(S2)
    assert "no longer an officer" in await new.send("/accounts")
    await new.click("👤 1")
    assert "Which officer" in new.said
    assert "Student S1" not in "".join(b.text for r in new.last_with_buttons().buttons for b in r)
    await new.click("Student S2")
    assert "responsible officer is changed" in new.said
    assert "1. Weibo: chess_weibo · Student S2" in new.said
    assert "no longer an officer" not in new.said
    rows = await _rows(club)
    assert [r.responsible_pk for r in rows] == [(await club.student("S2")).id]
    assert "account.responsible" in await _audited(club)


async def test_an_officer_of_two_clubs_chooses_the_club_and_reads_chinese(db: Database) -> None:
    go = f"Go Club,academic,CS Dept,2021-09-01,S1,T2,{FAR},2026-01-10,2025-11-20"
    club = await seeded(db, more=(go,))
    officer = club.chat(OFFICER)
    await officer.send("/language")
    await officer.click("中文")
    assert "要管理哪个社团的网络账号？" in await officer.send("/accounts")
    assert "请使用下方按钮" in await officer.send("Go Club")
    await officer.click("Go Club")
    assert "Go Club的网络账号" in officer.said
    assert "尚未登记任何账号" in officer.said
    await officer.click("➕ 登记账号")
    await officer.click("Telegram 频道")
    assert "该Telegram 频道账号的名称或链接" in officer.said
    await officer.send("@go_club")
    await officer.click("今天")
    await officer.click("Student S1")
    assert "✅ 账号已登记。" in officer.said
    assert "1. Telegram 频道：@go_club · Student S1" in officer.said
    rows = await _rows(club)
    assert [r.club_id for r in rows] != [await club.club_id()]  # the Go club's, not chess's
