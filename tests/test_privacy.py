"""Personal data in chat (PRIV-1 to PRIV-5): the notice, consent, and each right a student has."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import openpyxl
from sqlalchemy import select, update
from sqlmodel import SQLModel

from bot.core.engine import Engine
from bot.domain.policy import Policy
from bot.domain.values import Role
from bot.flows import build_router
from bot.flows.privacy import notice_version
from bot.services.privacy import HELD_NOT_SHOWN, Swept
from schedules.privacy import sweep
from storage import audit, people
from storage.db import Database
from storage.models import (
    AccountRow,
    AuditRow,
    BindCodeRow,
    ConsentRow,
    ConversationRow,
    OutboxRow,
)
from storage.privacy import KEPT, LINKS, Holder
from storage.tx import Tx
from storage.types import utcnow
from tests.elections import STAFF, Club
from tests.harness import BOT_ID, BOT_USERNAME, Campus, Chat, student_line
from tests.statements import counted


async def _consents(db: Database) -> dict[int, str]:
    async with db.transaction() as session:
        rows = await session.execute(select(ConsentRow.user_id, ConsentRow.version))
        return dict(rows.all())


async def _bound_to(db: Database, user_id: int) -> int | None:
    async with db.transaction() as session:
        row = await session.get(AccountRow, user_id)
        return None if row is None else row.student_pk


async def test_binding_shows_the_notice_first_and_binds_only_on_agreement(
    campus: Campus, engine: Engine, db: Database
) -> None:
    await campus.students(student_line("S1", "Li Lei"))
    code = (await campus.codes())["S1"]
    li = Chat(engine, 1001)
    shown = await li.send(f"/start {code}")
    assert "How clubbot handles your personal data" in shown
    assert "bound to" not in shown
    assert await _bound_to(db, 1001) is None
    await li.click("No, do not bind")
    assert "not linked" in li.said
    assert await _bound_to(db, 1001) is None
    assert await _consents(db) == {}

    await li.send(f"/start {code}")
    await li.click("I agree, bind my record")
    assert "bound to Li Lei (S1)" in li.said
    assert await _bound_to(db, 1001) is not None
    assert await _consents(db) == {1001: notice_version(engine.policy)}
    # Agreed once: a second code (an advisor's, say) is not asked again.
    assert "already bound" in await li.send(f"/start {code}")
    async with db.transaction() as session:
        actions = list(await session.scalars(select(AuditRow.action)))
    assert "privacy.consent" in actions


async def test_the_notice_names_controller_purposes_retention_recipients_and_rights(
    campus: Campus, db: Database
) -> None:
    policy = Policy(
        throttle_updates=1000,
        privacy_controller="North University, Student Affairs",
        privacy_contact="privacy@north.example",
        leaver_retention_days=45,
        conversation_retention_days=60,
    )
    engine = Engine(db, policy, build_router(), bot_id=BOT_ID, bot_username=BOT_USERNAME)
    # A student's notice, read by a bound student (under this policy: a changed notice).
    await campus.bound("S1", 1001)
    await campus.bound("S2", 1002)
    shown = await Chat(engine, 1001).send("/privacy")
    for expected in (
        "North University, Student Affairs",
        "privacy@north.example",
        "(ORG-5, ORG-6, PRIV-4)",  # restricted values: the rules that need them
        "45 days after",
        "60 days after your last message",
        "outside the Chinese mainland",  # Telegram, abroad
        "/mydata",
        "/correct",
        "/delete",
        "Ask staff to review",
        "/correct asks staff to put it right",  # what other refusals offer (play-test)
        f"Notice version {notice_version(policy)}",
    ):
        assert expected in shown, expected
    chinese = await Chat(engine, 1002, language_code="zh-hans").send("/privacy")
    assert "中国大陆境外" in chinese
    assert "45 天" in chinese
    assert "privacy@north.example" in chinese
    # Left at its default, who is responsible reads in the reader's language (found playing it:
    # the Chinese notice named "the university's student affairs office").
    await campus.bound("S3", 1003)
    default = await Chat(campus.engine, 1003, language_code="zh").send("/privacy")
    assert "个人信息处理者：学校学生工作部门" in default
    assert "student affairs" not in default


async def test_an_account_bound_to_no_record_reads_what_is_held_about_the_account(
    campus: Campus, db: Database
) -> None:
    policy = Policy(throttle_updates=1000, conversation_retention_days=60)
    engine = Engine(db, policy, build_router(), bot_id=BOT_ID, bot_username=BOT_USERNAME)
    shown = await Chat(engine, 1001).send("/privacy")
    assert "bound to no student or staff record" in shown
    assert "60 days after your last message" in shown
    assert f"after {policy.update_retention_days} days" in shown  # processed messages
    assert "/mydata" in shown
    assert "code from your letter" in shown  # binding shows the record's notice first
    # Not a student's notice: no student record, restricted values or /delete to speak of.
    for absent in ("student ID", "(ORG-5, ORG-6, PRIV-4)", "/delete", "/correct"):
        assert absent not in shown, absent
    chinese = await Chat(engine, 1002, language_code="zh-hans").send("/privacy")
    assert "没有绑定学籍或教师信息" in chinese
    assert "最后一条消息 60 天后" in chinese
    assert "中国大陆境外" in chinese
    assert "您" in chinese
    assert "你的" not in chinese
    # Binding still shows the student's notice first.
    codes = await campus.codes()
    if "S1" not in codes:
        await campus.students(student_line("S1"))
        codes = await campus.codes()
    before = await Chat(campus.engine, 1003).send(f"/start {codes['S1']}")
    assert "student record" in before
    assert "(ORG-5, ORG-6, PRIV-4)" in before


async def test_a_changed_notice_asks_again_at_the_next_message(
    campus: Campus, engine: Engine, db: Database
) -> None:
    await campus.clubs("Chess Club")
    await campus.bound("S1", 1001)
    changed = engine.policy.model_copy(update={"privacy_contact": "a new office"})
    later = Engine(db, changed, build_router(), bot_id=BOT_ID, bot_username=BOT_USERNAME)
    assert notice_version(changed) != notice_version(engine.policy)
    li = Chat(later, 1001)
    asked = await li.send("/join Chess Club")
    assert "The processing notice changed" in asked
    assert "a new office" in asked
    assert "Chess Club" not in await li.send("/myclubs")  # nothing else until they answer
    assert "a new office" in await li.send("/privacy")  # the notice itself is open
    await li.click("I agree")
    assert "Thank you" in li.said
    assert "Chess Club" in await li.send("/join Chess Club")
    assert (await _consents(db))[1001] == notice_version(changed)


async def test_withdrawing_consent_unbinds_and_stops_processing(
    campus: Campus, engine: Engine, db: Database
) -> None:
    await campus.clubs("Chess Club")
    li = await campus.bound("S1", 1001)
    await li.send("/privacy")
    await li.click("Withdraw my consent")
    assert "unbound" in li.said
    assert await _bound_to(db, 1001) is not None  # asked first
    await li.click("Yes, withdraw")
    assert "no longer bound" in li.said
    assert await _bound_to(db, 1001) is None
    assert await _consents(db) == {}
    assert "bind your student record" in await li.send("/join Chess Club")
    async with db.transaction() as session:
        actions = list(await session.scalars(select(AuditRow.action)))
    assert "privacy.withdraw" in actions
    # A new code binds again, after the notice again.
    code = (await campus.codes())["S1"]
    assert "bound" in await li.bind(code)


async def test_withdrawing_consent_can_be_called_off_and_changes_nothing(
    campus: Campus, engine: Engine, db: Database
) -> None:
    li = await campus.bound("S1", 1001)
    given = await _consents(db)
    await li.send("/privacy")
    await li.click("Withdraw my consent")
    await li.click("Keep my consent")
    assert "Nothing changed" in li.said
    assert await _bound_to(db, 1001) is not None
    assert await _consents(db) == given
    async with db.transaction() as session:
        actions = list(await session.scalars(select(AuditRow.action)))
    assert "privacy.withdraw" not in actions
    await campus.students(student_line("S2", "Wang Fang"))
    zh = Chat(engine, 1002, language_code="zh")
    await zh.bind((await campus.codes())["S2"])
    await zh.send("/privacy")
    await zh.click("撤回同意")
    await zh.click("不撤回")
    assert "没有做任何更改" in zh.said
    assert await _bound_to(db, 1002) is not None


async def test_a_refusal_on_restricted_data_names_the_rule_and_goes_to_staff_for_review(
    db: Database,
) -> None:
    """PRIV-4: S6 ranks in the bottom half; standing is refused naming ORG-5 only, with "Ask
    staff to review", which lands in staff's /todo; staff's answer reaches S6."""
    club = await Club.seeded(db)
    await club.start_president_election()
    s6 = club.chat(1006)
    await club.press_sent(1006, "Nominate")
    await s6.click("Myself")
    assert "not eligible under ORG-5" in s6.said
    assert "top 50" not in s6.said
    await s6.click("Ask staff to review")
    assert "Sent to staff" in s6.said
    await s6.click("Ask staff to review", s6.outcomes[-2].replies[-1])
    assert "already with staff" in s6.said  # a second tap files nothing more

    staff = club.chat(STAFF)
    listed = await staff.send("/todo")
    assert "Review request #1 from Student S6 (S6)" in listed
    assert "Review request" not in await club.chat(1002).send("/todo")  # staff's alone
    await staff.click("Answer")
    assert "request #1" in staff.said
    assert "on its way to Student S6" in await staff.send("Your rank was checked: it stands.")
    await club.tick(minutes=1)
    assert "Your rank was checked: it stands." in club.w.telegram.to(1006)[-1]
    assert "Review request" not in await staff.send("/todo")


async def test_only_staff_answer_requests(campus: Campus, engine: Engine) -> None:
    student = await campus.bound("S1", 1001)
    await student.press("v1:privans:1")
    assert "Only staff" in student.said


async def _grant_staff(db: Database, user_id: int) -> None:
    async with db.transaction() as session:
        await people.grant(Tx(session, db), user_id, Role.STAFF, utcnow())


async def test_mydata_sends_everything_held_as_json_and_a_workbook(
    campus: Campus, engine: Engine, db: Database
) -> None:
    await campus.students(student_line("S1", "Li Lei", rank=70, political="party"))
    await campus.clubs("Chess Club", "Go Club")
    li = await campus.bound("S1", 1001)
    await li.send("/join Chess Club")
    await _grant_staff(db, STAFF)
    assert "Li Lei" in await Chat(engine, STAFF).send("/student S1")

    await li.send("/mydata")
    replies = li.outcomes[-1].replies
    files = [r.attachment for r in replies if r.attachment is not None]
    assert [f.name.rsplit(".", 1)[1] for f in files] == ["json", "xlsx"]
    copy = json.loads(await files[0].read())
    tables = copy["tables"]
    [record] = tables["student"]
    assert record["student_id"] == "S1"
    assert record["name"] == "Li Lei"
    # PRIV-4: held, not shown in chat.
    assert {record["political"], record["rank_pct"], record["disciplinary"]} == {HELD_NOT_SHOWN}
    assert [m["club_id"] for m in tables["membership"]] == [1]
    assert [a["user_id"] for a in tables["account"]] == [1001]
    assert [c["user_id"] for c in tables["privacy_consent"]] == [1001]
    actions = {entry["action"] for entry in tables["audit"]}
    # Their consent, and staff's read of their record (PRIV-5), with who and why.
    assert {"privacy.consent", "privacy.staff_read"} <= actions
    read = next(e for e in tables["audit"] if e["action"] == "privacy.staff_read")
    assert read["actor"] == STAFF
    assert json.loads(read["after"]) == {"what": "/student", "why": "REG-9"}
    assert "party" not in json.dumps(copy)
    # The workbook is for the student to read: sheets, headers and markers in words.
    book = openpyxl.load_workbook(io.BytesIO(await files[1].read()))
    assert {"Student record", "Memberships", "Telegram account", "Audit log"} <= set(
        book.sheetnames
    )
    sheet = book["Student record"]
    header = [c.value for c in sheet[1]]
    assert "Student ID" in header
    assert "Political status" in header
    political = sheet.cell(row=2, column=header.index("Political status") + 1).value
    assert political == "held; staff show it to you in person (PRIV-4)"
    # The copy itself is audited (PRIV-5).
    async with db.transaction() as session:
        found = list(await session.scalars(select(AuditRow.action)))
    assert "privacy.access" in found


async def test_mydata_reads_do_not_grow_with_the_data(
    campus: Campus, engine: Engine, db: Database
) -> None:
    await campus.clubs("Chess Club", "Go Club")
    li = await campus.bound("S1", 1001)
    await li.send("/mydata")
    with counted(db) as few:
        await li.send("/mydata")
    await li.send("/join Chess Club")
    await li.send("/join Go Club")
    for _ in range(3):
        await li.send("/myclubs")
    with counted(db) as more:
        await li.send("/mydata")
    assert len(few) == len(more)


async def test_correct_files_a_request_staff_answer_from_todo(
    campus: Campus, engine: Engine, db: Database
) -> None:
    li = await campus.bound("S1", 1001)
    await li.send("/correct")
    assert "What should be corrected" in li.said
    assert "Sent to staff" in await li.send("My class is CS-2, not CS-1.")
    await _grant_staff(db, STAFF)
    staff = Chat(engine, STAFF)
    listed = await staff.send("/todo")
    assert "Correction request #1 from Student S1 (S1)" in listed
    assert "My class is CS-2, not CS-1." in listed
    await staff.click("Answer")
    assert "on its way" in await staff.send("Corrected in the roster; it shows from tomorrow.")
    async with db.transaction() as session:
        sent = list(await session.scalars(select(OutboxRow.text).where(OutboxRow.chat_id == 1001)))
    assert any("Corrected in the roster" in text for text in sent)
    assert "Correction request" not in await staff.send("/todo")


async def test_staff_answering_a_request_in_chinese_read_nin(
    campus: Campus, engine: Engine, db: Database
) -> None:
    li = await campus.bound("S1", 1001)
    await li.send("/correct My class is CS-2.")
    await _grant_staff(db, STAFF)
    staff = Chat(engine, STAFF, language_code="zh")
    await staff.send("/todo")
    await staff.click("答复")
    sent = await staff.send("已在名册中更正。")
    assert "您对第 1 号请求的答复" in sent
    assert "你" not in sent


async def _rows_naming(db: Database, student_pk: int, user_id: int, text: str) -> set[str]:
    """The tables with a row that names the person: by a link column, or by `text` anywhere."""
    found: set[str] = set()
    async with db.transaction() as session:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                values = dict(zip(table.columns.keys(), row, strict=True))
                linked = any(
                    name == table.name
                    and values[column] == (user_id if holder is Holder.USER else student_pk)
                    for name, column, holder in LINKS
                    if holder is not Holder.ADVISOR
                )
                if linked or any(text in str(v) for v in values.values()):
                    found.add(table.name)
    return found


async def test_delete_erases_what_no_rule_keeps_and_says_what_remains(
    campus: Campus, engine: Engine, db: Database
) -> None:
    await campus.students(student_line("S1", "Li Lei Zhang"), student_line("S2"))
    await campus.clubs("Chess Club")
    li = await campus.bound("S1", 1001)
    await campus.bound("S2", 1002)
    await li.send("/join Chess Club")
    await li.send("/correct Wrong college")
    async with db.transaction() as session:
        pk = (await people.student_by_student_id(Tx(session, db), "S1")).id  # type: ignore[union-attr]
    before = await _rows_naming(db, pk, 1001, "Li Lei Zhang")
    assert {"account", "privacy_consent", "privacy_request", "membership"} <= before

    await li.send("/delete")
    await li.click("No, keep everything")
    assert "Nothing was deleted" in li.said
    await li.send("/delete")
    await li.click("Yes, delete")
    said = li.said
    assert "erased" in said
    assert "1 membership, ended now" in said
    assert "audit log" in said
    assert set(await _rows_naming(db, pk, 1001, "Li Lei Zhang")) <= set(KEPT)
    # The name is gone everywhere, the audit log included (pseudonymised, the chain holds).
    assert await _rows_naming(db, -1, -1, "Li Lei Zhang") == set()
    async with db.transaction() as session:
        erased = list(await session.scalars(select(AuditRow).where(AuditRow.subject == "erased")))
        named = list(await session.scalars(select(AuditRow).where(AuditRow.actor == 1001)))
    assert erased
    assert named == []
    assert "bind your student record" in await li.send("/myclubs")
    async with db.transaction() as session:
        assert (await audit.verify(Tx(session, db)))[1] is None
    # The other student is untouched.
    assert "Chess Club" not in await Chat(engine, 1002).send("/myclubs")
    async with db.transaction() as session:
        other = await people.student_by_student_id(Tx(session, db), "S2")
        account = await session.get(AccountRow, 1002)
    assert other is not None
    assert account is not None
    assert account.student_pk == other.id


async def _count(db: Database, model: type[SQLModel]) -> int:
    async with db.transaction() as session:
        return len((await session.execute(select(model))).all())


async def test_the_retention_sweep_forgets_by_the_policy_and_keeps_the_chain(
    campus: Campus, engine: Engine, db: Database
) -> None:
    await campus.students(student_line("S1"), student_line("S2"), student_line("S3"))
    li = await campus.bound("S1", 1001)
    await campus.bound("S2", 1002)
    await li.send("/correct")  # a conversation left in a flow
    await campus.students(student_line("S2", status="graduated"))
    await campus.codes()  # S3's code, never used
    policy, start = engine.policy, utcnow()

    async def swept(days: int) -> Swept:
        return await sweep(db, policy, start + timedelta(days=days))

    first = await swept(10)
    assert first.updates > 0  # older than update_retention_days
    assert (first.codes, first.conversations, first.leavers) == (0, 0, 0)
    assert await _bound_to(db, 1002) is not None
    later = await swept(policy.leaver_retention_days + 1)
    assert later.leavers == 1
    assert await _bound_to(db, 1002) is None  # left the university more than 30 days ago
    assert await _bound_to(db, 1001) is not None
    assert set(await _consents(db)) == {1001}
    async with db.transaction() as session:
        unused = len(
            list(await session.scalars(select(BindCodeRow).where(BindCodeRow.used_at.is_(None))))
        )  # type: ignore[union-attr]
    last = await swept(policy.unused_code_retention_days + 1)
    assert last.codes == unused > 0
    assert await _count(db, BindCodeRow) == 2  # the used ones: they say when each bound
    assert last.conversations >= 1
    assert await _count(db, ConversationRow) == 0
    async with db.transaction() as session:
        entries, broken = await audit.verify(Tx(session, db))
        actions = list(await session.scalars(select(AuditRow.action)))
    assert broken is None
    assert entries > 0
    assert actions.count("privacy.sweep") == 2


async def test_a_pseudonymised_audit_entry_still_verifies_and_cannot_be_rewritten(
    campus: Campus, db: Database
) -> None:
    async with db.transaction() as session:
        tx = Tx(session, db)
        await audit.append(tx, utcnow(), 1001, "role.grant", subject="user:1001")
        await audit.append(tx, utcnow(), 7, "unit.add", subject="unit:CS", after={"by": "S9"})
        await audit.append(tx, utcnow(), 1001, "privacy.consent", subject="user:1001")
    async with db.transaction() as session:
        assert await audit.pseudonymise(Tx(session, db), [1001], ["user:1001"], "S9") == 3
    async with db.transaction() as session:
        count, broken = await audit.verify(Tx(session, db))
        rows = list(await session.scalars(select(AuditRow).order_by(AuditRow.seq)))
    assert count == 3
    assert broken is None
    assert [(r.actor, r.subject, r.after) for r in rows] == [
        (None, "erased", None),
        (7, "unit:CS", None),  # staff's own part of the entry stays
        (None, "erased", None),
    ]
    # An erased field cannot be given another value afterwards, nor a false "erased" be made
    # by dropping a salt while keeping the value.
    async with db.transaction() as session:
        await session.execute(update(AuditRow).where(AuditRow.seq == 1).values(subject="user:666"))
    async with db.transaction() as session:
        assert (await audit.verify(Tx(session, db)))[1] is not None


async def test_the_sweep_forgets_a_draft_that_expired_unsubmitted(
    campus: Campus, engine: Engine, db: Database
) -> None:
    """PRIV-3: a sponsor's answers that never became an application go after the policy's
    period; an application that was submitted stays (its sponsors signed it)."""
    from storage.models import ApplicationRow

    await campus.students(student_line("S1"))
    li = await campus.bound("S1", 1001)
    await li.send("/establish")
    await li.send("Robotics Club")
    policy, start = engine.policy, utcnow()
    async with db.transaction() as session:
        drafts = list(await session.scalars(select(ApplicationRow)))
        assert len(drafts) == 1
        drafts[0].state = "expired"  # as the expire-drafts job leaves it
        submitted = ApplicationRow(
            sponsor_pk=drafts[0].sponsor_pk,
            sponsor_user=1001,
            state="expired",
            name="Go Club",
            name_key="go club",
            submitted_at=start,
        )
        session.add(submitted)
    kept = await sweep(db, policy, start + timedelta(days=policy.expired_draft_retention_days - 1))
    assert kept.drafts == 0
    gone = await sweep(db, policy, start + timedelta(days=policy.expired_draft_retention_days + 1))
    assert gone.drafts == 1
    async with db.transaction() as session:
        left = [a.name for a in await session.scalars(select(ApplicationRow))]
        _, broken = await audit.verify(Tx(session, db))
    assert left == ["Go Club"]
    assert broken is None


def test_every_reason_not_to_stand_names_its_rule() -> None:
    """Found by the play-test: the notice promises that an automated refusal names its rule;
    "not enrolled" and "not a member" named none."""
    from bot.domain.values import Language
    from bot.services.elections.notices import reasons

    keys = [
        "election.why.not_member",
        "election.why.not_enrolled",
        "election.why.disciplinary",
        "election.why.rank",
        "election.why.party",
    ]
    for language in Language:
        for shown in reasons(language, Policy(), keys):
            assert "ORG-" in shown, shown
        restricted = reasons(language, Policy(), keys)[-1]
        assert ("ORG-5、ORG-6" if language is Language.ZH else "ORG-5, ORG-6") in restricted
