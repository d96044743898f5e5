"""Binding a Telegram account to a student record with a one-time code."""

from __future__ import annotations

from bot.core.engine import Engine
from tests.harness import Campus, Chat, student_line


async def test_code_binds_once(campus: Campus, engine: Engine) -> None:
    await campus.students(student_line("S1", "Li Lei"), student_line("S2"))
    codes = await campus.codes()
    assert set(codes) == {"S1", "S2"}
    alice = Chat(engine, 1001)
    assert "bind your student record" in await alice.send("/start")
    assert "bound to Li Lei (S1)" in await alice.bind(codes["S1"])
    assert "already bound to Li Lei" in await alice.bind(codes["S2"])
    mallory = Chat(engine, 1002)
    assert "not valid" in await mallory.bind(codes["S1"])
    assert "Welcome back, Li Lei" in await alice.send("/start")
    # bound students get no new code
    assert set(await campus.codes()) == {"S2"}


async def test_code_is_case_and_dash_tolerant(campus: Campus, engine: Engine) -> None:
    await campus.students(student_line("S1"))
    code = (await campus.codes())["S1"]
    typed = f"{code[:5].lower()}-{code[5:]}"
    assert "bound" in await Chat(engine, 1001).bind(typed)


async def test_reissued_code_replaces_the_old_one(campus: Campus, engine: Engine) -> None:
    await campus.students(student_line("S1"))
    old = (await campus.codes())["S1"]
    new = (await campus.codes())["S1"]
    assert "not valid" in await Chat(engine, 1001).bind(old)
    assert "bound" in await Chat(engine, 1001).bind(new)


async def test_five_wrong_codes_make_the_user_wait(campus: Campus, engine: Engine) -> None:
    await campus.students(student_line("S1"))
    code = (await campus.codes())["S1"]
    eve = Chat(engine, 666)
    for attempt in ["WRONGCODE2", "<b>x</b>", "A" * 300, "ABCDEFGHJK", "sign_garbage"]:
        assert "not valid" in await eve.bind(attempt)
    assert "wait 10 minutes" in await eve.bind(code)
    # another user is not affected
    assert "bound" in await Chat(engine, 667).bind(code)


async def test_unenrolled_students_get_no_code(campus: Campus) -> None:
    await campus.students(student_line("S1"), student_line("S2", status="graduated"))
    assert set(await campus.codes()) == {"S1"}


async def test_an_advisor_binds_with_a_code_of_their_own(campus: Campus, engine: Engine) -> None:
    from bot.services import identity, roster
    from storage.tx import Tx
    from storage.types import utcnow

    await campus.students(student_line("S1", "Li Lei"))
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        data = b"staff_id,name,department,party_member\nT1,Wang Fang,CS,yes\nT2,Zhao,CS,no\n"
        await roster.import_advisors(tx, utcnow(), data)
        codes = {a.staff_id: c for a, c in await identity.issue_advisor_codes(tx, utcnow())}
    student_codes = await campus.codes()
    # One person may be a student and an advisor: the second code binds the other record.
    both = Chat(engine, 1001)
    assert "bound to Li Lei" in await both.bind(student_codes["S1"])
    assert "bound to advisor Wang Fang (T1)" in await both.bind(codes["T1"])
    assert "already bound to Wang Fang" in await both.bind(codes["T2"])
    assert "not valid" in await Chat(engine, 1002).bind(codes["T1"])
    assert "bound to advisor Zhao" in await Chat(engine, 1003).bind(codes["T2"])
    assert "Welcome back, Zhao" in await Chat(engine, 1003).send("/start")
    async with campus.db.transaction() as session:
        assert await identity.issue_advisor_codes(Tx(session, campus.db), utcnow()) == []
