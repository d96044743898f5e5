"""/mydata for advisors, staff and accounts bound to no record (PRIV-2): what the bot holds about
each, in their language, as JSON and a workbook (found in a play-test: only students had it)."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl

from bot.chat.replies import Attachment
from bot.services.privacy import HELD_NOT_SHOWN
from storage.db import Database
from tests.activities import ADVISOR, OFFICER, STAFF, approve_all, propose, seeded
from tests.harness import Chat


async def _copy(chat: Chat, command: str = "/mydata") -> tuple[str, dict[str, Any], Attachment]:
    """The caption, the JSON copy's tables and the workbook of one /mydata."""
    await chat.send(command)
    replies = chat.outcomes[-1].replies
    files = [r.attachment for r in replies if r.attachment is not None]
    assert [f.name.rsplit(".", 1)[1] for f in files] == ["json", "xlsx"]
    copy = json.loads(await files[0].read())
    return chat.said, copy["tables"], files[1]


async def test_an_advisor_gets_their_record_clubs_decisions_and_consent(db: Database) -> None:
    club = await seeded(db)
    await propose(club.chat(OFFICER))
    await approve_all(club)  # the advisor approves first, then the unit and staff
    advisor = club.chat(ADVISOR)
    caption, tables, workbook = await _copy(advisor)
    assert "your advisor record" in caption
    assert "Party membership is marked as held" in caption
    [record] = tables["advisor"]
    assert (record["staff_id"], record["name"]) == ("T1", "Teacher One")
    assert record["party_member"] == HELD_NOT_SHOWN  # PRIV-4: political status
    assert "student" not in tables
    # The clubs advised, the decisions made, the binding and the consent.
    assert [a["advisor_pk"] for a in tables["appointment"]] == [record["id"]]
    decisions = tables["activity_decision"]
    assert [(d["level"], d["decided_by"]) for d in decisions] == [("advisor", ADVISOR)]
    assert [(a["user_id"], a["advisor_pk"]) for a in tables["account"]] == [
        (ADVISOR, record["id"])
    ]
    assert [c["user_id"] for c in tables["privacy_consent"]] == [ADVISOR]
    assert "activity.approve" in {e["action"] for e in tables["audit"]}
    # Nothing about anyone else: staff's own decision is not in the advisor's copy.
    assert STAFF not in {d["decided_by"] for d in decisions}
    # The workbook in words; the file is named by the staff ID.
    assert workbook.name.startswith("mydata-T1-")
    book = openpyxl.load_workbook(io.BytesIO(await workbook.read()))
    assert {"Advisor record", "Advisor appointments", "Activity decisions"} <= set(book.sheetnames)
    sheet = book["Advisor record"]
    header = [c.value for c in sheet[1]]
    assert {"Staff ID", "Department", "Party member"} <= set(header)
    party = sheet.cell(row=2, column=header.index("Party member") + 1).value
    assert party == "held; staff show it to you in person (PRIV-4)"


async def test_an_advisor_reads_the_copy_in_chinese_and_the_notice_offers_it(
    db: Database,
) -> None:
    club = await seeded(db)
    advisor = club.chat(ADVISOR)
    await advisor.send("/language")
    await advisor.click("中文")
    notice = await advisor.send("/privacy")
    assert "/mydata：获取我们保存的关于您的全部信息副本" in notice
    caption, _, workbook = await _copy(advisor)
    assert "我们保存的关于您的全部信息" in caption
    assert "中共党员只标明“已保存”" in caption
    book = openpyxl.load_workbook(io.BytesIO(await workbook.read()))
    assert "指导教师信息" in book.sheetnames
    sheet = book["指导教师信息"]
    header = [c.value for c in sheet[1]]
    assert {"工号", "姓名", "所在单位", "中共党员"} <= set(header)
    party = sheet.cell(row=2, column=header.index("中共党员") + 1).value
    assert party == "已保存；请当面向工作人员查阅（PRIV-4）"


async def test_staff_and_a_visitor_get_what_names_their_account(db: Database) -> None:
    club = await seeded(db)
    await propose(club.chat(OFFICER))
    await approve_all(club)
    staff = club.chat(STAFF)
    caption, tables, workbook = await _copy(staff)
    assert "bound to no student or staff record" in caption
    assert [g["user_id"] for g in tables["role_grant"]] == [STAFF]
    assert [(d["level"], d["decided_by"]) for d in tables["activity_decision"]] == [
        ("staff", STAFF)
    ]
    assert "student" not in tables
    assert "advisor" not in tables
    assert workbook.name.startswith(f"mydata-{STAFF}-")
    # A visitor who only talked to the bot: their account, in Chinese.
    visitor = Chat(club.w.engine, 4242, "zh-hans")
    await visitor.send("/help")
    caption, tables, _ = await _copy(visitor)
    assert "与您的 Telegram 账号有关的全部信息" in caption
    assert set(tables) <= {"account", "processed_update", "conversation", "outbox", "audit"}
    assert all(row["user_id"] == 4242 for row in tables.get("account", []))


async def test_an_advisor_asks_for_a_correction_staff_answer_it(db: Database) -> None:
    club = await seeded(db)
    advisor = club.chat(ADVISOR)
    await advisor.send("/language")
    await advisor.click("中文")
    assert "/correct：请工作人员更正信息" in await advisor.send("/privacy")
    asked = await advisor.send("/correct")
    assert "您的教师信息中哪里需要更正" in asked
    assert "你" not in asked
    assert "您的更正请求已进入" in await advisor.send("我的所在单位应为数学系。")
    assert "您的请求已经在工作人员那里了" in await advisor.send(
        "/correct 我的所在单位应为数学系。"
    )
    staff = club.chat(STAFF)
    listed = await staff.send("/todo")
    assert "Correction request #1 from Teacher One (T1)" in listed
    await staff.click("Answer")
    assert "on its way to Teacher One" in await staff.send("Corrected in the advisor bank.")
    await club.tick(minutes=1)
    told = [t for t in club.w.telegram.to(ADVISOR) if "更正请求" in t]
    assert len(told) == 1
    assert "工作人员已答复您的更正请求" in told[0]
    assert "Corrected in the advisor bank." in told[0]
    # Bound to no record, there is nothing of theirs to correct: /privacy says whom to write to.
    assert "first bind your student record" in (await club.chat(4242).send("/correct")).lower()
