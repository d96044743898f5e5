"""/plan ITEM asks for the work ledger's entry step by step, kept in the conversation until the
last answer; /plan alone lists the items not in place that lack a date or an obstacle."""

from __future__ import annotations

from datetime import date

from bot.domain import annex, compliance
from bot.domain.unions import ItemStatus
from bot.domain.values import Language, Role
from storage import ledger as ledger_store
from storage import people
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow
from tests import unions as data
from tests.clock import local
from tests.harness import Campus, Chat


async def _rows(db: Database) -> dict[str, annex.LedgerRow]:
    async with db.transaction() as session:
        snap = await ledger_store.snapshot(Tx(session, db), data.TODAY)
    rows = annex.rows(compliance.compute(snap, data.POLICY), snap.unions.plans)
    return {r.item.key: r for r in rows}


async def _staff(campus: Campus) -> Chat:
    await data.load(campus.db)
    campus.engine.policy = data.POLICY
    campus.engine.clock = lambda: local(data.TODAY)
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        await people.ensure_account(tx, 9300, Language.EN, utcnow())
        await people.grant(tx, 9300, Role.STAFF, utcnow())
    return Chat(campus.engine, 9300)


async def test_plan_item_asks_step_by_step(campus: Campus) -> None:
    staff = await _staff(campus)
    asked = await staff.send("/plan 1.3.3")
    assert "一、3.（3）" in asked
    assert "planned completion date" in asked
    # Bad dates: refused, asked again; nothing saved.
    assert "is not a date" in await staff.send("next year")
    assert "is not a date" in await staff.send("2027-02-30")
    assert "has passed" in await staff.send("2026-05-31")
    assert (await _rows(campus.db))["1.3.3"].plan.planned_on is None
    assert "stands in the way" in await staff.send("2027-06-30")
    assert "longer than 200" in await staff.send("x" * 201)
    assert "Who owns" in await staff.send("college unions merge first")
    assert "evidence" in await staff.send("Arts college League committee")
    assert (await _rows(campus.db))["1.3.3"].plan.obstacle is None  # a draft until the end
    done = await staff.send("merger plan, 2026-05-20")
    assert "Saved for item 一、3.（3）" in done
    assert "planned 2027-06-30" in done
    plan = (await _rows(campus.db))["1.3.3"].plan
    assert plan.planned_on == date(2027, 6, 30)
    assert plan.obstacle == "college unions merge first"
    assert plan.owner == "Arts college League committee"
    assert plan.evidence == "merger plan, 2026-05-20"


async def test_skip_and_cancel(campus: Campus) -> None:
    staff = await _staff(campus)
    # An item staff decide keeps the status they entered.
    assert "in place" in await staff.send("/plan 1.9.3 done | | | minutes")
    await staff.send("/plan 1.9.3")
    await staff.send("2026-09-01")
    await staff.send("a new secretary")
    await staff.click("Skip")
    outcome = await staff.click("Skip")
    assert any("Saved for item 一、9.（3）" in r.text for r in outcome.replies)
    row = (await _rows(campus.db))["1.9.3"]
    assert row.status is ItemStatus.DONE
    assert (row.plan.owner, row.plan.evidence) == (None, None)
    # /cancel drops the draft: nothing is saved.
    await staff.send("/plan 1.3.1")
    await staff.send("2027-01-01")
    assert "ancel" in await staff.send("/cancel")
    assert (await _rows(campus.db))["1.3.1"].plan.planned_on is None
    assert "no annex item" in await staff.send("/plan 9.9.9")
    # /ledger plan ITEM runs as a report: it points to /plan ITEM instead.
    assert "/plan 1.3.1" in await staff.send("/ledger plan 1.3.1")
    stranger = Chat(campus.engine, 4321)
    assert "Only staff" in await stranger.send("/plan 1.3.1")


async def test_plan_alone_lists_the_items_without_a_plan(campus: Campus) -> None:
    staff = await _staff(campus)
    rows = await _rows(campus.db)
    missing = [r for r in rows.values() if r.incomplete]
    listed = await staff.send("/plan")
    assert f"{len(missing)} items not in place" in listed
    assert all(f"{r.item.key} {r.item.number}" in listed for r in missing)
    assert all(f"{k} {r.item.number}" not in listed for k, r in rows.items() if not r.incomplete)
    await staff.send("/plan 1.3.1 2027-06-30 | the graduate union must shrink | League committee")
    listed = await staff.send("/plan")
    assert f"{len(missing) - 1} items not in place" in listed
    assert "1.3.1 一、3.（1）" not in listed
