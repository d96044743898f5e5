"""The province's work ledger (seed 003's annex): every item numbered as the annex numbers it,
its status computed where the records decide and entered by staff where only evidence can, and
the export marked incomplete while an item not in place lacks a date or an obstacle."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.app.cli import main
from bot.domain import annex, compliance
from bot.domain.annex import ItemStatus
from bot.domain.compliance import RuleReport, Standing
from bot.domain.values import Language, Role
from bot.render import ledger as ledger_files
from bot.services import roster
from bot.services import unions as union_imports
from storage import ledger as ledger_store
from storage import people
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow
from tests import unions as data
from tests.clock import local
from tests.harness import Campus, Chat

PLANS = (
    "item,status,planned_on,obstacle,owner,evidence\n"
    "1.3.1,,2027-06-30,the cut waits for the new charter,Youth League committee,charter draft\n"
    "1.9.1,done,,,Party committee,minutes of 2026-03-01\n"
    "1.1.1,not_applicable,,,,\n"
)


async def _rows(db: Database) -> list[annex.LedgerRow]:
    async with db.transaction() as session:
        snap = await ledger_store.snapshot(Tx(session, db), data.TODAY)
    return annex.rows(compliance.compute(snap, data.POLICY), snap.unions.plans)


def test_every_annex_item_numbered_as_the_annex_numbers_it() -> None:
    keys = list(annex.ITEMS)
    assert len(keys) == 53  # part 1: 33 items in 10 sections; part 2: 20 in 3
    assert keys[0] == "1.1.1"
    assert keys[-1] == "2.3.6"
    assert annex.ITEMS["1.3.1"].number == "一、3.（1）"
    assert annex.ITEMS["2.2.2"].rules == ("ADV-2", "ADV-3", "ADV-4")
    ruled = {rule for item in annex.ITEMS.values() for rule in item.rules}
    assert ruled <= set(compliance.RULES)


def test_status_from_the_figures() -> None:
    met = RuleReport("SU-1", Standing.MET, 2)
    some = RuleReport("SU-2", Standing.GAPS, 2, [_finding("a")])
    none = RuleReport("SU-3", Standing.GAPS, 1, [_finding("b")])
    assert annex.status_of([met]) is ItemStatus.DONE
    assert annex.status_of([met, some]) is ItemStatus.PARTIAL
    assert annex.status_of([none]) is ItemStatus.NOT_DONE
    assert annex.status_of([RuleReport("SU-4", Standing.NO_DATA)]) is None


def _finding(ref: str) -> compliance.Finding:
    return compliance.Finding("union", ref, ref, date(2026, 1, 1), "unions.no_congress")


async def test_the_work_ledger_of_the_hand_built_university(db: Database) -> None:
    await data.load(db)
    before = {r.item.key: r for r in await _rows(db)}
    assert before["1.3.1"].status is ItemStatus.PARTIAL  # SU-1: School SU complies, Graduate not
    assert before["1.3.1"].measured == "SU-1 1/2"
    assert before["1.3.1"].units == ("Graduate SU",)
    assert before["1.3.1"].since == date(2025, 9, 1)
    assert before["1.9.1"].status is ItemStatus.UNREPORTED  # only evidence decides it
    assert before["2.1.1"].status is ItemStatus.UNREPORTED  # REG-1: no club founded here
    assert before["1.3.1"].incomplete
    async with db.transaction() as session:
        report = await union_imports.import_plans(Tx(session, db), utcnow(), PLANS.encode())
    assert report.created == 3
    after = {r.item.key: r for r in await _rows(db)}
    assert not after["1.3.1"].incomplete
    assert after["1.9.1"].status is ItemStatus.DONE
    assert after["1.1.1"].status is ItemStatus.NOT_APPLICABLE
    assert after["1.3.3"].incomplete  # SU-3: Arts SU too large, and no plan yet
    async with db.transaction() as session:
        snap = await ledger_store.snapshot(Tx(session, db), data.TODAY)
    book = load_workbook(io.BytesIO(ledger_files.workbook(snap, data.POLICY, Language.ZH)))
    assert book.sheetnames[-1] == "工作台账"
    sheet = [[c.value for c in row] for row in book["工作台账"].iter_rows()]
    assert sheet[0][:4] == ["序号", "检查事项（原文）", "对应规则", "落实情况"]
    by_number = {row[0]: row for row in sheet[1:]}
    su_1 = by_number["一、3.（1）"]
    assert su_1[2:6] == ["SU-1", "部分落实", "SU-1 1/2", "Graduate SU"]
    assert su_1[8:] == [
        "the cut waits for the new charter",
        "Youth League committee",
        "charter draft",
    ]
    assert "40人左右" in su_1[1]
    mark, names = sheet[-1][:2]
    assert mark == "⚠ 台账不完整"
    assert "一、3.（3）" in names
    assert "一、3.（1）" not in names


async def test_bad_plans_are_all_listed_and_nothing_is_saved(db: Database) -> None:
    bad = (
        "item,status,planned_on,obstacle,owner,evidence\n"
        "9.9.9,,,,,\n"
        "1.3.1,done,,,,\n"  # measured by SU-1: the records decide
        "1.9.1,maybe,2027-02-30,,,\n"
        "1.9.2,unreported,,,,\n"
    )
    with pytest.raises(roster.ImportRejected) as caught:
        async with db.transaction() as session:
            await union_imports.import_plans(Tx(session, db), utcnow(), bad.encode())
    errors = {e.line: e.reason for e in caught.value.errors}
    assert sorted(errors) == [2, 3, 4, 5]
    assert "no annex item '9.9.9'" in errors[2]
    assert "measured by SU-1" in errors[3]
    assert "status 'maybe'" in errors[4]
    assert "February 2027 has 28 days" in errors[4]
    assert "unreported" in errors[5]
    assert all(not r.plan.obstacle for r in await _rows(db))


async def test_staff_enter_a_plan_in_chat(campus: Campus) -> None:
    await data.load(campus.db)
    campus.engine.policy = data.POLICY
    campus.engine.clock = lambda: local(data.TODAY)
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        await people.ensure_account(tx, 9300, Language.EN, utcnow())
        await people.grant(tx, 9300, Role.STAFF, utcnow())
    staff = Chat(campus.engine, 9300)
    saved = await staff.send("/plan 1.3.3 2027-06-30 | college unions merge | Arts college | plan")
    assert "Saved for item 一、3.（3）; planned 2027-06-30; owner Arts college." in saved
    saved = await staff.send("/ledger plan 1.9.3 done | | | minutes of the joint meeting")
    assert "in place" in saved
    assert "measured by SU-13" in await staff.send("/plan 1.9.2 done")
    assert "no annex item" in await staff.send("/plan 7.7.7 2027-01-01")
    assert "/plan ITEM" in await staff.send("/plan")  # the items that lack a plan
    rows = {r.item.key: r for r in await _rows(campus.db)}
    assert rows["1.3.3"].plan.obstacle == "college unions merge"
    assert rows["1.9.2"].status is ItemStatus.PARTIAL  # SU-13 decides, not an entry
    assert rows["1.9.3"].status is ItemStatus.DONE  # only evidence decides: staff entered it
    stranger = Chat(campus.engine, 4321)
    assert "Only staff" in await stranger.send("/plan 1.3.3 2027-06-30")
    assert "Only" in await stranger.send("/ledger plan 1.3.3 2027-06-30")


def test_the_command_says_the_ledger_is_incomplete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "BOT_USERNAME", "POLICY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    (tmp_path / "plans.csv").write_text(PLANS, encoding="utf-8")
    assert main(["import", "ledger-plans", "plans.csv"]) == 0
    assert main(["ledger", "ledger.xlsx"]) == 0
    err = capsys.readouterr().err
    assert "the work ledger is incomplete" in err
    assert "一、1.（1）" not in err  # not applicable
    assert "一、9.（1）" not in err  # entered as done
    assert "一、2.（1）" in err
