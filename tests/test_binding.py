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


async def _advisor_codes(campus: Campus) -> dict[str, str]:
    from bot.services import identity, roster
    from storage.tx import Tx
    from storage.types import utcnow

    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        data = b"staff_id,name,department,party_member\nT1,Wang Fang,CS,yes\nT2,Zhao,CS,no\n"
        await roster.import_advisors(tx, utcnow(), data)
        return {a.staff_id: c for a, c in await identity.issue_advisor_codes(tx, utcnow())}


async def test_an_advisor_reads_the_advisor_notice_before_binding(
    campus: Campus, engine: Engine
) -> None:
    """Found by the play-test: an advisor's code showed the student notice ("your student
    record ... college, class, enrolment status") and "I agree, bind my record"."""
    from sqlalchemy import select

    from bot.flows.privacy import advisor_notice_version, notice_version
    from storage.models import AuditRow, ConsentRow

    codes = await _advisor_codes(campus)
    wang = Chat(engine, 1001)
    shown = await wang.send(f"/start {codes['T1']}")
    assert "Before linking your staff record" in shown
    assert "staff ID, name, department" in shown
    assert "Party member" in shown
    assert "ADV-2" in shown
    assert "student record" not in shown
    assert "enrolment status" not in shown
    assert f"Notice version {advisor_notice_version(engine.policy)}" in shown
    assert advisor_notice_version(engine.policy) != notice_version(engine.policy)
    await wang.click("No, do not bind")
    assert "staff record was not linked" in wang.said
    await wang.send(f"/start {codes['T1']}")
    await wang.click("I agree, bind my staff record")
    assert "bound to advisor Wang Fang (T1)" in wang.said
    async with campus.db.transaction() as session:
        rows = await session.execute(select(ConsentRow.user_id, ConsentRow.version))
        consents = dict(rows.all())
        actions = list(await session.scalars(select(AuditRow.action)))
    assert consents == {1001: advisor_notice_version(engine.policy)}
    assert "privacy.consent" in actions
    # Agreed: nothing is asked again, and /privacy shows the advisor's notice.
    assert "The processing notice changed" not in await wang.send("/start")
    assert "as an advisor" in await wang.send("/privacy")

    # In Chinese: 您, and the staff record's words.
    zhao = Chat(engine, 1002, language_code="zh")
    shown = await zhao.send(f"/start {codes['T2']}")
    assert "绑定教师信息之前，请先阅读我们如何处理您的个人信息" in shown
    assert "工号、姓名、所在单位" in shown
    assert "学籍" not in shown
    assert "你" not in shown
    await zhao.click("我同意，绑定我的教师信息")
    assert "Zhao" in zhao.said
    assert "您已同意本告知书" in await zhao.send("/privacy")
    await zhao.click("撤回同意")
    assert "教师信息解除绑定" in zhao.said
    assert "你" not in zhao.said
    await zhao.click("不撤回")
    assert "您的同意" in zhao.said


async def test_a_student_binding_an_advisor_code_reads_the_advisor_notice_too(
    campus: Campus, engine: Engine
) -> None:
    await campus.students(student_line("S1", "Li Lei"))
    codes = await _advisor_codes(campus)
    both = await campus.bound("S1", 1001)
    shown = await both.send(f"/start {codes['T1']}")
    assert "Before linking your staff record" in shown
    assert "as an advisor" in shown
    await both.click("I agree, bind my staff record")
    assert "bound to advisor Wang Fang (T1)" in both.said
    # Both records, both notices agreed: the student's commands answer as before.
    assert "The processing notice changed" not in await both.send("/myclubs")
