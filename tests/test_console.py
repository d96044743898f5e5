"""The staff console as chat transcripts: the permission matrix, status commands, lifecycle,
the review round, advisors, exports, charts, paging and the audit chain."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, update

from bot.chat import callbacks
from bot.core.permissions import BUTTON_ACTIONS, COMMANDS, PERMISSIONS, ROLES
from bot.core.router import Audience
from bot.domain.values import Role
from bot.flows.applications import MATRIX_ROWS
from bot.flows.common import utf16_len
from bot.flows.elections import MATRIX_ROWS as ELECTION_ROWS
from emulator.formatting import parse_html
from storage import audit
from storage.db import Database
from storage.models import AuditRow
from storage.tx import Tx
from storage.types import utcnow
from tests.conftest import MakeDb
from tests.console import MEMBER, OFFICER, REVIEWER, STAFF, USERS, Console, files
from tests.harness import Campus, Chat, plain


@pytest.fixture
async def console(campus: Campus) -> Console:
    world = Console(campus)
    await world.seed()
    return world


REFUSED = ("Only ", "You are not allowed")


async def test_permission_matrix_every_command_and_role(console: Console) -> None:
    denials = 0
    for role in ROLES:
        chat = console.chat(USERS[role])
        for name in COMMANDS:
            answer = await chat.send(f"/{name}")
            refused = answer.startswith(REFUSED)
            assert refused is (role not in PERMISSIONS[name]), (role, name, answer)
            denials += refused
            await chat.send("/cancel")
    actions = await console.audit_actions()
    assert actions.count("denied") == denials
    assert denials > 60


async def test_permission_matrix_every_application_button_and_role(console: Console) -> None:
    """Deciding an application: the matrix answers first, then the service (no such one)."""
    assert set(MATRIX_ROWS.values()) | set(ELECTION_ROWS.values()) == BUTTON_ACTIONS
    denials = 0
    for role in ROLES:
        chat = console.chat(USERS[role])
        for code, row in MATRIX_ROWS.items():
            await chat.press(callbacks.encode("ap", code, 999_999))
            refused = chat.said.startswith(REFUSED)
            assert refused is (role not in PERMISSIONS[row]), (role, code, chat.said)
            if not refused:
                assert "no such application" in chat.said  # the service looked: none
            denials += refused
    assert (await console.audit_actions()).count("denied") == denials
    assert denials == sum(len(ROLES) - len(PERMISSIONS[row]) for row in MATRIX_ROWS.values())


async def test_permission_matrix_every_election_button_and_role(console: Console) -> None:
    """Election buttons: the matrix answers first (“Only …”), then the service (no such one)."""
    denials = 0
    for role in ROLES:
        chat = console.chat(USERS[role])
        for code, row in ELECTION_ROWS.items():
            await chat.press(callbacks.encode("el", code, 999_999))
            refused = chat.said.startswith("Only ")
            assert refused is (role not in PERMISSIONS[row]), (role, code, chat.said)
            denials += refused
            await chat.send("/cancel")
    assert (await console.audit_actions()).count("denied") == denials
    rows = ELECTION_ROWS.values()
    assert denials == sum(len(ROLES) - len(PERMISSIONS[row]) for row in rows)


async def test_help_lists_what_the_matrix_allows(console: Console) -> None:
    for role in ROLES:
        shown = await console.chat(USERS[role]).send("/help")
        for name in COMMANDS:
            assert (f"/{name} —" in shown) is (role in PERMISSIONS[name]), (role, name)
    reviewer = await console.chat(REVIEWER).send("/help")
    assert "/applications —" in reviewer
    assert "/application —" in reviewer
    # Staff have no student record: their help does not tell them to bind one.
    assert "first bind your student record" not in await console.chat(STAFF).send("/help")
    assert "first bind your student record" in await console.chat(987654).send("/help")


async def test_grant_and_revoke_in_chat_count_from_the_next_message(console: Console) -> None:
    staff, newcomer = console.chat(STAFF), console.chat(4242)
    assert "Only staff" in await newcomer.send("/ledger")
    granted = await staff.send("/grant reviewer 4242")
    assert "4242 is now a member of the review committee" in granted
    assert "already" in await staff.send("/grant reviewer 4242")
    assert "Compliance ledger" in await newcomer.send("/ledger")
    await newcomer.send("/ledger REG-3")
    assert "Revoked" in await staff.send("/revoke reviewer 4242")
    assert "Only staff" in await newcomer.send("/ledger")
    assert "Usage" in await staff.send("/grant reviewer @someone")
    assert "Usage" in await staff.send("/grant king 4242")
    assert "cannot revoke your own" in await staff.send(f"/revoke staff {STAFF}")
    actions = await console.audit_actions()
    assert actions.count("role.grant") == 1
    assert actions.count("role.revoke") == 1


async def test_one_rule_of_the_ledger_states_its_figures_and_names_clubs(
    console: Console,
) -> None:
    """Found by the play-test: /ledger ORG-3 showed "{months}" and a club's database id."""
    staff = console.chat(STAFF)
    shown = await staff.send("/ledger ORG-3")
    assert "at least once every 12 months" in shown
    assert "{" not in shown
    assert "Go Club: " in await staff.send("/ledger REG-3")  # no advisor; no "(2)" after it
    zh = console.chat(STAFF, "zh")
    assert "每 12 个月" in await zh.send("/ledger ORG-3")


async def test_a_revoked_staff_members_old_buttons_show_nothing(console: Console) -> None:
    staff = console.chat(STAFF)
    await console.campus.clubs(*(f"Club {n:03d}" for n in range(60)))
    await staff.send("/ledger REG-3")
    next_page = staff.button("Next").data
    assert next_page is not None
    await console.chat(STAFF + 1).send("/start")
    async with console.db.transaction() as session:
        from storage import people

        await people.revoke(Tx(session, console.db), STAFF, Role.STAFF)
    await staff.press(next_page)
    assert "Only staff" in staff.said
    assert "Club 0" not in staff.said


async def test_ledger_pages_are_the_requests_until_they_expire(console: Console) -> None:
    """Issue 18: a page button shows the pages its /ledger request built (the ledger is not
    read again, so a club added since is not on them); once they expire, or were swept, or for
    a button from before pages were kept, it asks for the command again, in both languages."""
    from datetime import timedelta

    from bot.flows import pages, reports
    from schedules.privacy import sweep

    await console.campus.clubs(*(f"Club {n:03d}" for n in range(60)))
    staff = console.chat(STAFF)
    assert "1 of 62 comply" in await staff.send("/ledger REG-3")
    next_page = staff.button("Next").data
    assert next_page is not None
    await console.campus.clubs("Club 999")
    await staff.press(next_page)
    assert "page 2 of" in staff.said
    assert "1 of 62 comply" in staff.said  # the request's figures, not 1 of 63
    assert "Club 999" not in staff.said
    assert "out of date" not in staff.said
    # A button carrying no token (pages were not kept before issue 18's change).
    rule = reports.RULE_IDS.index("REG-3")
    await staff.press(callbacks.encode(pages.KIND, reports.RULE, rule, 1))
    assert "This list is out of date" in staff.said
    assert "/ledger REG-3" in staff.said
    # A token nobody kept, or another staff member's.
    await staff.press(callbacks.encode(pages.KIND, reports.RULE, rule, "AAAAAAAA", 1))
    assert "This list is out of date" in staff.said
    # Expired: the policy's minutes after the request.
    policy = console.campus.engine.policy
    later = utcnow() + timedelta(minutes=policy.kept_pages_minutes + 1)
    console.campus.engine.clock = lambda: later
    await staff.press(next_page)
    assert "This list is out of date" in staff.said
    assert "1 of 62" not in staff.said
    zh = console.chat(STAFF, "zh")
    await zh.send("/ledger")
    zh_next = zh.button("下一页").data
    assert zh_next is not None
    # The sweep deletes expired pages: even with a clock set back, the button finds nothing.
    gone = later + timedelta(minutes=policy.kept_pages_minutes + 1)
    swept = await sweep(console.db, policy, gone)
    assert swept.pages == 2
    console.campus.engine.clock = utcnow
    await zh.press(zh_next)
    assert "这份清单已过期" in zh.said
    assert "/ledger" in zh.said


async def test_status_of_a_club_shows_its_record(console: Console) -> None:
    answer = await console.chat(STAFF).send("/status Chess Club")
    assert "Officers: Alice (President)" in answer
    assert "Advisor: Teacher One, term until" in answer
    assert "Last general meeting: —" in answer
    assert "Last annual review: none" in answer
    assert "advisor appointed" in answer  # recent history from the audit log, in words
    summary = await console.chat(REVIEWER).send("/status")
    assert "Advisors: 2 in the bank; 1 club has one." in summary
    assert "Active clubs without an advisor: 1" in summary


async def test_student_advisor_and_overdue(console: Console) -> None:
    staff = console.chat(STAFF)
    answer = await staff.send("/student S1")
    assert "Alice (S1)" in answer
    assert "Clubs: Chess Club" in answer
    assert "Positions in: Chess Club" in answer
    assert "Alice" in await staff.send("/student alic")
    assert "nor one with a similar" in await staff.send("/student ZZZ999")
    teacher = await staff.send("/advisor teacher one")
    assert "Teacher One (T1)" in teacher
    assert "Chess Club, term until" in teacher
    assert "Did you mean" in await staff.send("/advisor Teacher")
    assert "nor one with a similar" in await staff.send("/advisor Quux")
    assert "Usage" in await staff.send("/advisor")
    assert "Overdue" in await staff.send("/overdue")


async def test_unknown_club_answers_with_the_closest_names(console: Console) -> None:
    staff = console.chat(STAFF)
    answer = await staff.send("/audit Chess Clb")
    assert "Did you mean" in answer
    assert "Chess Club" in answer
    assert "Usage" in await staff.send("/export members")
    assert "Did you mean" in await staff.send("/suspend chess")


async def test_suspend_then_dissolve_tells_members_and_frees_them(console: Console) -> None:
    staff = console.chat(STAFF)
    ask = await staff.send("/suspend Chess Club")
    assert "Why suspend" in ask
    done = await staff.send("Finances unaccounted for.")
    assert "is now Suspended" in done
    # The typed reason's full stop is not doubled by the notice's own.
    assert any("Finances unaccounted for. " in t for t in await console.outbox_to(MEMBER))
    assert "Members told: 2" in done
    assert any("suspended" in t for t in await console.outbox_to(MEMBER))
    carol = await console.campus.bound("S3", 7003)
    assert "not active" in (await carol.send("/join Chess Club")).lower() or "cannot" in (
        await carol.send("/join Chess Club")
    )
    assert "does not apply" in await staff.send("/suspend Chess Club")
    await staff.send("/dissolve Chess Club")
    done = await staff.send("The members asked for it")
    assert "is now Dissolved" in done
    assert "Memberships ended: 2" in done
    assert "Your membership has ended" in (await console.outbox_to(MEMBER))[-1]
    assert "Members: 0" in await staff.send("/status Chess Club")
    history = await staff.send("/audit Chess Club")
    assert "club dissolved" in history
    assert "club suspended" in history


async def test_review_round_fail_suspends_then_appeal_and_pass_reinstate(
    console: Console,
) -> None:
    staff, officer, reviewer = (
        console.chat(STAFF),
        console.chat(OFFICER),
        console.chat(REVIEWER),
    )
    assert "No annual review round is open" in await officer.send("/review_form")
    opened = await staff.send("/review_open 2026")
    assert "open until" in opened
    assert any("review form" in t for t in await console.outbox_to(OFFICER))
    assert "1/4" in await officer.send("/review_form")
    assert "2/4" in await officer.send("Chess evenings, a tournament")
    await officer.click("Yes, 2")
    assert "3/4" in officer.said
    assert "4/4" in await officer.send("Dues 200, spent 150")
    assert "submitted" in await officer.send("A good year")

    # The committee's /todo says what waits for its verdict (found by the play-test: empty).
    assert "1 club awaits the committee's verdict (Chess Club)" in await reviewer.send("/todo")
    assert "1 club awaits" in await reviewer.send("/verdict")
    await reviewer.click("Chess Club")
    assert "Chess evenings" in reviewer.said
    # A comment typed before the result is asked again, the buttons kept.
    assert "First choose the result" in await reviewer.send("No general meeting held")
    await reviewer.click("Fail")
    assert "recorded" in (await reviewer.send("No general meeting held")).lower()
    assert "Suspended" in await staff.send("/status Chess Club")
    assert any("Fail" in t for t in await console.outbox_to(OFFICER))

    assert "Why should" in await officer.send("/appeal")
    assert "appeal" in (await officer.send("We held it in May")).lower()
    assert any("appeal" in t for t in await console.outbox_to(REVIEWER))
    await reviewer.send("/verdict")
    await reviewer.click("Chess Club")
    # The appeal is what the committee decides again: it is shown with the form.
    assert "The officers' appeal: We held it in May" in reviewer.said
    await reviewer.click("Pass")
    await reviewer.send("Meeting minutes found")
    assert "State: Active" in await staff.send("/status Chess Club")
    # The year is decided: the form is refused at once, and a round opened again for the same
    # year does not ask this club for a form nobody would decide (found by the play-test).
    assert "has its result already (Pass)" in await officer.send("/review_form")
    before = len(await console.outbox_to(OFFICER))
    assert "open until" in await staff.send("/review_open 2026")
    assert len(await console.outbox_to(OFFICER)) == before
    actions = await console.audit_actions()
    assert actions.count("review.result") == 2
    assert "club.reinstate" in actions
    # Members are told why in words, the reinstatement's reason its own (the play-test saw
    # "annual review 2027 failed" in Chinese notices, for the reinstatement too).
    told = await console.outbox_to(MEMBER)
    assert any("has been suspended: annual review 2026 failed." in t for t in told)
    assert any(
        "active again: the annual review of 2026 was decided again: Pass." in t for t in told
    )


async def test_two_reviewers_on_one_club_give_one_verdict(console: Console) -> None:
    staff, officer = console.chat(STAFF), console.chat(OFFICER)
    assert "Granted" in await staff.send("/grant reviewer 5099")
    first, second = console.chat(REVIEWER), console.chat(5099)
    await staff.send("/review_open 2026")
    await officer.send("/review_form")
    await officer.send("Chess evenings")
    await officer.click("Yes, 2")
    await officer.send("Dues 200")
    await officer.send("A good year")
    for reviewer in (first, second):
        await reviewer.send("/verdict")
        await reviewer.click("Chess Club")
    await first.click("Pass")
    await second.click("Fail")
    assert "recorded" in (await first.send("All in order")).lower()
    assert "in the meantime" in await second.send("No meeting held")
    assert "State: Active" in await staff.send("/status Chess Club")
    assert (await console.audit_actions()).count("review.result") == 1


async def test_advisor_evaluation_and_dismissal_flag_clubs(console: Console) -> None:
    staff = console.chat(STAFF)
    assert "now in the advisor bank" in await staff.send("/hire T9, Nine, Physics, no")
    assert "already" in await staff.send("/hire T9, Nine, Physics, no")
    assert "Usage" in await staff.send("/hire T9 Nine")
    # A Chinese keyboard's full-width commas work too.
    assert "now in the advisor bank" in await staff.send("/hire T10，十号，物理系，否")
    await console.campus.clubs(("Volunteers", "volunteer"))
    assert "Party member" in await staff.send("/appoint T9 Volunteers")  # ADV-2
    assert "only after a failed one" in await staff.send("/dismiss T1")
    assert "failed" in await staff.send("/evaluate T1 fail absent all year")
    done = await staff.send("/dismiss T1 failed evaluation")
    assert "1 club is left without an advisor" in done
    assert "Chess Club" in done
    assert any("dismissed" in t for t in await console.outbox_to(OFFICER))
    assert "cannot be appointed again" in await staff.send("/appoint T1 Go Club")
    assert "Advisor: <b>none</b>" not in await staff.send("/status Chess Club")
    assert "Advisor: none" in await staff.send("/status Chess Club")


async def test_export_members_and_clubs_as_xlsx_and_csv(console: Console) -> None:
    staff = console.chat(STAFF)
    outcome = await staff.deliver(staff.incoming(text="/export members Chess Club"))
    xlsx, as_csv = files(outcome)
    assert xlsx.attachment is not None
    assert as_csv.attachment is not None
    assert xlsx.attachment.name.endswith(".xlsx")
    book = load_workbook(io.BytesIO(await xlsx.attachment.read()))
    sheet = book.active
    assert sheet is not None
    # The workbook is for people: headers and values in words, in the reader's language.
    assert [c.value for c in sheet[1]][:2] == ["Student ID", "Name"]
    assert [sheet.cell(row=r, column=1).value for r in (2, 3)] == ["S1", "S2"]
    assert sheet.cell(row=2, column=5).value == "Enrolled"
    assert sheet.cell(row=2, column=7).value == "President"
    # The CSV is for programs: stable column names and codes.
    rows = list(csv.reader(io.StringIO((await as_csv.attachment.read()).decode("utf-8-sig"))))
    assert rows[0][:2] == ["student_id", "name"]
    assert rows[1][:2] == ["S1", "Alice"]
    assert rows[1][4] == "enrolled"
    assert "no members to export" in await staff.send("/export members Go Club")
    outcome = await staff.deliver(staff.incoming(text="/export clubs"))
    book = load_workbook(io.BytesIO(await files(outcome)[0].attachment.read()))  # type: ignore[union-attr]
    sheet = book.active
    assert sheet is not None
    names = [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)]
    assert names == ["Chess Club", "Go Club"]
    assert sheet.cell(row=2, column=7).value == "Teacher One"
    assert sheet.cell(row=2, column=3).value == "Active"
    # In Chinese for a reader of Chinese.
    zh = console.chat(STAFF, "zh-hans")
    outcome = await zh.deliver(zh.incoming(text="/export clubs"))
    book = load_workbook(io.BytesIO(await files(outcome)[0].attachment.read()))  # type: ignore[union-attr]
    sheet = book.active
    assert sheet is not None
    assert sheet.title == "社团名录"
    assert [c.value for c in sheet[1]][:3] == ["名称", "类别", "状态"]
    assert sheet.cell(row=2, column=3).value == "正常"


async def test_export_takes_chinese_words_and_english_ones_in_both_languages(
    console: Console,
) -> None:
    zh = console.chat(STAFF, "zh-hans")
    usage = await zh.send("/export")
    assert "/export 成员 社团名" in usage
    assert "/export 社团" in usage
    assert "members" in usage  # the English words work too, and it says so
    sheets = {}
    for text in (
        "/export 社团",
        "/export clubs",
        "/export 成员 Chess Club",
        "/export 成员名单 Chess Club",
    ):
        outcome = await zh.deliver(zh.incoming(text=text))
        book = load_workbook(io.BytesIO(await files(outcome)[0].attachment.read()))  # type: ignore[union-attr]
        sheets[text] = book.active.title  # type: ignore[union-attr]
    assert sheets == {
        "/export 社团": "社团名录",
        "/export clubs": "社团名录",
        "/export 成员 Chess Club": "成员名单",
        "/export 成员名单 Chess Club": "成员名单",
    }
    assert "用法" in await zh.send("/export 成员")  # no club named
    assert "用法" in await zh.send("/export 会议")  # not an export
    en = console.chat(STAFF)
    usage = await en.send("/export")
    assert "/export members CLUB" in usage
    assert "成员" not in usage
    for text in ("/export MEMBERS Chess Club", "/export 成员\u3000Chess Club"):
        outcome = await en.deliver(en.incoming(text=text))
        book = load_workbook(io.BytesIO(await files(outcome)[0].attachment.read()))  # type: ignore[union-attr]
        assert book.active.title == "Members"  # type: ignore[union-attr]


async def test_stats_sends_a_png(console: Console) -> None:
    staff = console.chat(STAFF, "zh-hans")
    outcome = await staff.deliver(staff.incoming(text="/stats"))
    (photo,) = files(outcome)
    assert photo.attachment is not None
    assert photo.attachment.photo
    png = await photo.attachment.read()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 10_000


async def test_ledger_pages_over_500_clubs(campus: Campus) -> None:
    console = Console(campus)
    await console.campus.clubs(*(f"Club {n:03d} {'x' * 40}" for n in range(500)))
    from storage import people
    from storage.types import utcnow

    async with campus.db.transaction() as session:
        await people.grant(Tx(session, campus.db), STAFF, Role.STAFF, utcnow())
    staff = console.chat(STAFF)
    first = await staff.send("/ledger REG-3")
    assert "0 of 500 comply, 500 do not" in first
    seen: set[str] = set()
    pages = 0
    while True:
        text, _ = parse_html(staff.outcomes[-1].replies[0].text)
        assert utf16_len(text) <= 4096
        seen |= {line.split(" (")[0][2:] for line in text.splitlines() if line.startswith("• ")}
        pages += 1
        labels = [b.text for row in staff.outcomes[-1].replies[0].buttons for b in row]
        if "Next ▶" not in labels and not any(label.startswith("Next") for label in labels):
            break
        await staff.click("Next")
    assert pages > 5
    assert len(seen) == 500


async def test_ledger_on_an_empty_database(campus: Campus) -> None:
    from storage import people
    from storage.types import utcnow

    async with campus.db.transaction() as session:
        await people.grant(Tx(session, campus.db), STAFF, Role.STAFF, utcnow())
    staff = Chat(campus.engine, STAFF)
    answer = await staff.send("/ledger")
    assert "0 of 50 rules have gaps" in answer
    assert "no data yet" in answer
    # One rule's page says what its empty list means, not the summary's words twice.
    detail = await staff.send("/ledger REG-5")
    assert detail.count("no data yet") == 1
    assert "Nothing to check yet" in detail
    # Rule titles state the policy's figures, not letters standing for them.
    assert "At most 2 clubs per advisor" in answer
    assert "every 12 months" in answer
    outcome = await staff.deliver(staff.incoming(text="/ledger export"))
    book = load_workbook(io.BytesIO(await files(outcome)[0].attachment.read()))  # type: ignore[union-attr]
    assert book.sheetnames == ["Summary", "REG", "ADV", "ORG", "SU", "ACT", "Work ledger"]
    assert book["Summary"].max_row == 51  # a header and the 50 rules
    titles = [row[2].value for row in book["Summary"].iter_rows(min_row=2)]
    assert "At most 2 clubs per student; yearly re-registration" in titles
    assert "no club named" in plain(await staff.send("/export members Nothing"))
    assert "no clubs to export" in await staff.send("/export clubs")
    assert "no rule" in (await staff.send("/ledger XYZ-1")).lower()


async def _grants(console: Console) -> None:
    for user in (5001, 5002, 5003):
        assert "Granted" in await console.chat(STAFF).send(f"/grant reviewer {user}")


async def test_audit_chain_detects_an_edited_entry(console: Console) -> None:
    await _grants(console)
    async with console.db.transaction() as session:
        count, broken = await audit.verify(Tx(session, console.db))
    assert broken is None
    assert count >= 2
    async with console.db.transaction() as session:
        await session.execute(
            update(AuditRow).where(AuditRow.seq == 1).values(after='{"role":"king"}')
        )
    async with console.db.transaction() as session:
        _, broken = await audit.verify(Tx(session, console.db))
    assert broken is not None
    assert broken.seq == 1
    assert "altered" in broken.reason


async def test_audit_chain_holds_with_a_subject_longer_than_its_column(console: Console) -> None:
    async with console.db.transaction() as session:
        await audit.append(Tx(session, console.db), utcnow(), STAFF, "unit.add", subject="u" * 500)
    async with console.db.transaction() as session:
        count, broken = await audit.verify(Tx(session, console.db))
    assert broken is None
    assert count >= 1


async def test_audit_chain_detects_deleted_entries(console: Console) -> None:
    await _grants(console)
    async with console.db.transaction() as session:
        _count, _ = await audit.verify(Tx(session, console.db))
        await session.execute(delete(AuditRow).where(AuditRow.seq == 2))
    async with console.db.transaction() as session:
        _, broken = await audit.verify(Tx(session, console.db))
    assert broken is not None
    assert broken.seq == 2
    async with console.db.transaction() as session:
        await session.execute(delete(AuditRow).where(AuditRow.seq >= 2))
    async with console.db.transaction() as session:
        _, broken = await audit.verify(Tx(session, console.db))
    assert broken is not None
    assert "deleted" in broken.reason


def test_every_role_is_a_column_of_the_matrix() -> None:
    assert set(ROLES) == set(Audience) - {Audience.EVERYONE, Audience.STUDENT}
    assert all(allowed <= set(ROLES) for allowed in PERMISSIONS.values())


async def test_concurrent_appends_keep_one_chain(make_db: MakeDb, backend: str) -> None:
    """Two processes (two database handles) append at once: the chain stays one line."""
    first = await make_db(backend)
    second = await make_db(backend, share=first)

    async def append(db: Database, n: int) -> None:
        async with db.transaction() as session:
            await audit.append(Tx(session, db), utcnow(), n, "test.append", subject=str(n))

    await asyncio.gather(*(append(first if n % 2 else second, n) for n in range(40)))
    async with first.transaction() as session:
        count, broken = await audit.verify(Tx(session, first))
    assert broken is None
    assert count == 40


async def test_the_audit_history_shows_recorded_moments_in_local_minutes(
    console: Console,
) -> None:
    """Found by the play-test: the history showed "until: 2027-01-19 17:02:24.235386+00:00"."""
    from storage import audit, clubs
    from storage.types import utcnow

    async with console.db.transaction() as session:
        tx = Tx(session, console.db)
        chess = await clubs.club_by_key(tx, "chess club")
        assert chess is not None
        await audit.append(
            tx,
            utcnow(),
            STAFF,
            "election.office",
            club_id=chess.id,
            subject=f"club:{chess.id}",
            after={"until": "2027-01-19 17:02:24.235386+00:00"},
        )
    shown = await console.chat(STAFF).send("/audit Chess Club")
    assert "17:02:24" not in shown
    assert "+00:00" not in shown
    assert "until: 2027-01-20 01:02" in shown  # the university's zone, UTC+8
    # Staff bind no record: they are named by what they act as, not by a bare account number.
    assert "by staff of the student-work office (Telegram account 9001)" in shown
