"""Establishing a club, as chat transcripts: the happy path with 20 signers, each refusal, the
return-for-changes loop, an advisor's decline, a restart in the middle of a draft."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.chat.replies import Document
from bot.core.engine import Engine
from bot.domain.policy import Policy
from bot.flows import build_router
from bot.services import applications as service
from storage import applications as applications_store
from storage import clubs, officers
from storage import elections as elections_store
from storage.models import ApplicationRow, AuditRow
from storage.tx import Tx
from storage.types import utcnow
from tests.establishing import (
    ADVISOR,
    ADVISOR2,
    CHARTER_SHA,
    REP,
    REVIEWER,
    SPONSOR,
    STAFF,
    app_state,
    fill_in,
    found_by_vote,
    inbox,
    last,
    seed,
    sign,
    submit,
    token_of,
)
from tests.harness import BOT_ID, BOT_USERNAME, Campus, Chat, student_line


async def _signers(campus: Campus, token: str, first: int, last_: int) -> list[str]:
    return [await sign(campus, token, f"S{i}", 1000 + i) for i in range(first, last_ + 1)]


async def test_happy_path_with_20_signers_to_an_active_club(campus: Campus) -> None:
    advisor = await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    review = await fill_in(sponsor)
    assert "Robotics Club" in review
    assert "Charter: charter.pdf (760 bytes)" in review
    await sponsor.click("📨 Submit")
    assert "Signatures: 1/20" in sponsor.said
    token = token_of(sponsor.said)

    ask = await last(campus, ADVISOR)
    assert "Robotics Club" in ask.text
    await advisor.press(ask.data("Accept"))
    assert "agreed to advise" in advisor.said

    answers = await _signers(campus, token, 2, 20)
    assert "Signatures: 2/20" in answers[0]
    assert "Signatures: 20/20" in answers[-1]
    notices = [m.text for m in await inbox(campus, SPONSOR)]
    assert any("Signatures: 20/20" in text for text in notices)
    assert await app_state(campus) == "unit_review"

    rep = Chat(campus.engine, REP)
    await rep.press((await last(campus, REP)).data("Accept"))
    assert "review committee" in rep.said
    reviewer = Chat(campus.engine, REVIEWER)
    await reviewer.press((await last(campus, REVIEWER)).data("Approve"))
    assert "Approved" in reviewer.said
    assert await app_state(campus) == "founding"
    assert "founding members" in (await last(campus, 1002)).text

    assert "founding general meeting" in await sponsor.send("/founding")
    # The founding members vote: the charter and S2 as president (see found_by_vote).
    await found_by_vote(campus, sponsor)
    assert await app_state(campus) == "confirming"

    confirm = await last(campus, ADVISOR)
    assert "founding meeting" in confirm.text
    await advisor.press(confirm.data("Confirm"))
    assert "is active, with 20 members" in advisor.said
    assert await app_state(campus) == "active"

    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        club = await clubs.club_by_key(tx, "robotics club")
        assert club is not None
        assert club.status == "active"
        assert await clubs.member_counts(tx, [club.id]) == {club.id: 20}
        president = await officers.president(tx, club.id)
        assert president is not None
        # ORG-7: the president took office by the founding members' vote.
        held = await officers.current_officers(tx, club.id)
        assert [(p, s.student_id) for p, s in held] == [("president", "S2")]
        elected = await elections_store.of_clubs(tx, [club.id])
        assert [(e.phase, e.founding) for e in elected] == [("done", True)]
    assert "Robotics Club" in await Chat(campus.engine, 1002).send("/myclubs")
    # The club is joinable now (REG-7).
    await campus.bound("S21", 1021)
    assert "Welcome to Robotics Club" in await Chat(campus.engine, 1021).send(
        "/join Robotics Club"
    )

    staff = Chat(campus.engine, STAFF)
    details = await staff.send("/application 1")
    for what in (
        "application submitted",
        "advisor accepted",
        "signatures complete",
        "guidance unit accepted",
        "committee approved",
        "founding meeting outcome confirmed",
    ):
        assert what in details, what
    assert CHARTER_SHA in details
    assert "Student S20" in details
    assert "There are no open applications" in await staff.send("/applications")
    # The new club describes itself with the purpose its application stated.
    assert "We build robots and compete." in await sponsor.send("/club Robotics Club")


async def test_names_are_refused_with_the_reason(campus: Campus) -> None:
    await seed(campus)
    await campus.clubs("Chess Club")
    staff = Chat(campus.engine, STAFF)
    assert "on the screening list" in await staff.send("/screening add Huawei | a company (REG-6)")
    sponsor = await campus.bound("S1", SPONSOR)
    assert "name" in await sponsor.send("/establish")
    assert "already used" in await sponsor.send("chess   CLUB")
    assert "already used" in await sponsor.send("ＣＨＥＳＳ　ＣＬＵＢ")  # full-width look-alike
    refused = await sponsor.send("The HUAWEI Fans")
    assert "screening list" in refused
    assert "a company (REG-6)" in refused
    assert "U+202E" in await sponsor.send("Robo\u202etics")
    assert "U+200B" in await sponsor.send("Robo\u200btics")
    assert "between 2 and 40" in await sponsor.send("R" * 41)
    assert "Which category" in await sponsor.send("Robotics")
    # Another sponsor cannot take a name a submitted application holds.
    await sponsor.click("Academic and science")
    await sponsor.send("Robots.")
    await sponsor.click("CS Dept")
    await sponsor.click("Teacher One")
    await sponsor.send("Our charter, typed: members meet weekly.")
    await sponsor.click("📨 Submit")
    other = await campus.bound("S2", 1002)
    await other.send("/establish")
    assert "already used" in await other.send("robotics")


async def test_look_alike_names_are_refused(campus: Campus) -> None:
    await seed(campus)
    await campus.clubs("Echo", "Chess Club")
    sponsor = await campus.bound("S1", SPONSOR)
    await sponsor.send("/establish")
    # All Cyrillic (Е, С, Н, О) yet it reads "ECHO"; Greek omicron inside a Latin word.
    assert "reads the same as “Echo”" in await sponsor.send("ЕСНО")
    assert "mixes letters of different alphabets" in await sponsor.send("Chess Clυb")
    assert "mixes letters of different alphabets" in await sponsor.send("Сhess Society")
    assert "Which category" in await sponsor.send("Шахматный клуб")  # Russian, one alphabet


async def test_charter_files_of_the_wrong_type_or_size_are_refused(campus: Campus) -> None:
    await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    await sponsor.send("/establish")
    await sponsor.send("Robotics Club")
    await sponsor.click("Academic and science")
    await sponsor.send("Robots.")
    await sponsor.click("CS Dept")
    await sponsor.click("Teacher One")
    exe = Document("f2", "charter.exe", "application/x-msdownload", 10, b"MZ" * 5)
    assert "must be one of: pdf, docx, txt" in await sponsor.send_document(exe)
    big = Document("f3", "charter.pdf", "application/pdf", 3_000_000, None)
    assert "too large" in await sponsor.send_document(big)
    disguised = Document("f4", "charter.pdf", "image/png", 10, b"x" * 10)
    assert "must be one of" in await sponsor.send_document(disguised)
    async with campus.db.transaction() as session:
        assert await applications_store.charter(Tx(session, campus.db), 1) is None
    txt = Document("f5", "charter.txt", "text/plain", 12, b"Our charter.")
    review = await sponsor.send_document(txt)
    assert "Change any answer" in review
    # The sponsor's review names the file and its size as people read it, no hash.
    assert "Charter: charter.txt (12 bytes)" in review
    assert "SHA-256" not in review


async def test_a_charter_the_adapter_could_not_fetch_is_asked_for_again(campus: Campus) -> None:
    await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    await sponsor.send("/establish")
    await sponsor.send("Robotics Club")
    await sponsor.click("Academic and science")
    await sponsor.send("Robots.")
    await sponsor.click("CS Dept")
    await sponsor.click("Teacher One")
    lost = Document("f6", "charter.pdf", "application/pdf", 12, None, fetch_failed=True)
    assert "could not fetch that file" in await sponsor.send_document(lost)
    async with campus.db.transaction() as session:
        assert await applications_store.charter(Tx(session, campus.db), 1) is None
    txt = Document("f5", "charter.txt", "text/plain", 12, b"Our charter.")
    assert "Change any answer" in await sponsor.send_document(txt)


async def test_signing_refusals(campus: Campus) -> None:
    advisor = await seed(campus)
    await campus.students(student_line("BAD", disciplinary="yes"))
    sponsor = await campus.bound("S1", SPONSOR)
    token = await submit(sponsor)
    assert "Signatures: 2/20" in await sign(campus, token, "S2", 1002)
    twice = Chat(campus.engine, 1002)
    assert "You have signed" in await twice.send(f"/start sign_{token}")
    # The link pasted as text works as if it had been opened.
    assert "You have signed" in await twice.send(f"https://t.me/{BOT_USERNAME}?start=sign_{token}")
    # An old "Sign" button pressed again counts once.
    await twice.press(f"v1:sg:s:{token}")
    assert "had already signed" in twice.said
    assert "lead sponsor" in await sponsor.send(f"/start sign_{token}")
    bad = await campus.bound("BAD", 1099)
    await bad.send(f"/start sign_{token}")
    await bad.click("✍ Sign")
    assert "no disciplinary record" in bad.said
    stranger = Chat(campus.engine, 1500)
    assert "not valid" in await stranger.send("/start sign_garbage-token")
    assert "not valid" in await stranger.send("/start sign_")
    await stranger.press("v1:sg:s:nonsense")
    assert "not valid" in stranger.said
    # Withdrawing, then the sponsor withdraws the application: signing is closed.
    await twice.send(f"/start sign_{token}")
    await twice.click("Withdraw my signature")
    assert "withdrawn" in twice.said
    assert "collecting signatures" in await sponsor.send("/establish")
    await sponsor.click("Withdraw the application")
    assert "cannot be undone" in sponsor.said
    await sponsor.click("Yes, withdraw")
    assert "withdrawn" in sponsor.said
    late = await campus.bound("S3", 1003)
    assert "no longer open" in await late.send(f"/start sign_{token}")
    await late.press(f"v1:sg:s:{token}")
    assert "closed" in late.said
    # The advisor's request is void now.
    await advisor.press((await last(campus, ADVISOR)).data("Accept"))
    assert "changed in the meantime" in advisor.said


async def test_advisor_limit_and_party_rule(campus: Campus) -> None:
    campus.engine.policy = Policy(max_clubs_per_advisor=1, min_sponsors=3)
    await seed(campus)
    first = await campus.bound("S1", SPONSOR)
    await submit(first, "Robotics Club")
    other = await campus.bound("S2", 1002)
    await other.send("/establish")
    await other.send("Go Club")
    await other.click("Ideological and political")
    await other.send("Study.")
    await other.click("CS Dept")
    # T1 is at the limit (a pending application counts, ADV-4); T2 is no Party member (ADV-2).
    assert "No advisor in the bank can take this club" in other.said
    await other.press("v1:f:99:a1")
    assert "expired" in other.said


async def test_return_for_changes_loop(campus: Campus) -> None:
    campus.engine.policy = Policy(min_sponsors=3)
    advisor = await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    token = await submit(sponsor)
    await advisor.press((await last(campus, ADVISOR)).data("Accept"))
    await _signers(campus, token, 2, 3)
    rep = Chat(campus.engine, REP)
    await rep.press((await last(campus, REP)).data("Accept"))
    reviewer = Chat(campus.engine, REVIEWER)
    await reviewer.press((await last(campus, REVIEWER)).data("Return"))
    assert "type what should change" in reviewer.said
    assert "type what should change" in await reviewer.send("")  # no comment yet
    assert "goes back to its sponsor" in await reviewer.send("Say how often you meet.")
    assert "Say how often you meet." in (await last(campus, SPONSOR)).text
    assert await app_state(campus) == "returned"

    review = await sponsor.send("/establish")
    assert "returned for changes" in review
    # The comment is there to read where the changes are made (found by the play-test).
    assert "returned with this comment: Say how often you meet." in review
    await sponsor.click("Purpose")
    await sponsor.send("We build robots and meet every Friday.")
    await sponsor.click("📨 Submit")
    # Signatures stay (the name did not change) and the advisor had accepted: on to the unit.
    assert "Signatures: 3/3, enough" in sponsor.said
    assert "Share this link" not in sponsor.said  # nobody is left to ask
    assert await app_state(campus) == "unit_review"

    await rep.press((await last(campus, REP)).data("Return"))
    await rep.send("Choose a clearer name.")
    await sponsor.send("/establish")
    await sponsor.click("Name")
    await sponsor.send("Robot Builders")
    await sponsor.click("📨 Submit")
    assert "Signatures: 1/3" in sponsor.said  # the co-sponsors signed another name
    assert await app_state(campus) == "signing"
    history = await Chat(campus.engine, STAFF).send("/application 1")
    assert "2 signatures cleared: the name changed" in history
    assert "Choose a clearer name." in history


async def test_advisor_declines_and_the_sponsor_chooses_another(campus: Campus) -> None:
    advisor = await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    await submit(sponsor)
    await advisor.press((await last(campus, ADVISOR)).data("Decline"))
    assert "declined" in advisor.said
    assert "Choose another advisor" in (await last(campus, SPONSOR)).text
    assert await app_state(campus) == "returned"
    assert "Who will be the advisor" in await sponsor.send("/establish")
    await sponsor.click("Teacher Two")
    await sponsor.click("📨 Submit")
    assert "submitted" in sponsor.said
    assert "Robotics Club" in (await last(campus, ADVISOR2)).text


async def test_the_sponsor_losing_status_pauses_the_application(campus: Campus) -> None:
    campus.engine.policy = Policy(min_sponsors=2)
    advisor = await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    token = await submit(sponsor)
    await sign(campus, token, "S2", 1002)
    request = await last(campus, ADVISOR)
    await campus.students(student_line("S1", status="withdrawn"))
    # The roster import pauses it at once, and staff hear of it then.
    assert await app_state(campus) == "paused"
    assert "is paused" in (await last(campus, STAFF)).text
    assert "paused" in (await last(campus, SPONSOR)).text
    await advisor.press(request.data("Accept"))
    assert await app_state(campus) == "paused"


async def test_a_disciplinary_sanction_pauses_the_sponsors_application(campus: Campus) -> None:
    campus.engine.policy = Policy(min_sponsors=2)
    await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    await submit(sponsor)
    await campus.students(student_line("S1", disciplinary="yes"))
    assert await app_state(campus) == "paused"
    assert "is paused" in (await last(campus, STAFF)).text


async def test_two_decisions_on_the_same_step_give_one(campus: Campus) -> None:
    campus.engine.policy = Policy(min_sponsors=1)
    advisor = await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    await submit(sponsor)
    await advisor.press((await last(campus, ADVISOR)).data("Accept"))
    await Chat(campus.engine, REP).press((await last(campus, REP)).data("Accept"))
    one, two = Chat(campus.engine, REVIEWER), Chat(campus.engine, 5002)
    await one.press((await last(campus, REVIEWER)).data("Approve"))
    await two.press((await last(campus, 5002)).data("Approve"))
    assert "Approved" in one.said
    assert "changed in the meantime" in two.said
    # Forged: a student pressing a reviewer's button.
    await sponsor.press((await last(campus, REVIEWER)).data("Reject"))
    assert "Only the review committee" in sponsor.said  # the permission matrix refused it


async def test_a_restart_in_the_middle_of_a_draft_loses_nothing(campus: Campus) -> None:
    await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    await sponsor.send("/establish")
    await sponsor.send("Robotics Club")
    await sponsor.click("Academic and science")
    # A new process: nothing in memory, only the database.
    restarted = Engine(
        campus.db, campus.engine.policy, build_router(), bot_id=BOT_ID, bot_username=BOT_USERNAME
    )
    again = Chat(restarted, SPONSOR)
    assert "guidance unit" in await again.send("We build robots.")
    # Another command abandons the flow, but the answers stay in the draft.
    await again.send("/help")
    assert "Which guidance unit" in await again.send("/establish")
    await again.click("CS Dept")
    await again.click("Teacher One")
    await again.send("The charter text.")
    assert "Robotics Club" in again.said
    assert "We build robots." in again.said


async def test_drafts_expire(campus: Campus) -> None:
    await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    await sponsor.send("/establish")
    await sponsor.send("Robotics Club")
    async with campus.db.transaction() as session:
        row = (await session.scalars(select(ApplicationRow))).one()
        row.updated_at = utcnow() - timedelta(days=31)
    assert "What is the club's name" in await sponsor.send("/establish")
    assert await app_state(campus, 1) == "expired"
    assert await app_state(campus, 2) == "draft"


async def test_staff_keep_units_and_advisors_in_chat(campus: Campus) -> None:
    await seed(campus)
    staff = Chat(campus.engine, STAFF)
    assert "listed" in await staff.send("/units add research Robotics Institute")
    assert "Robotics Institute" in await staff.send("/units")
    assert "retired" in await staff.send("/units retire Physics Lab")
    assert "Physics Lab" not in await staff.send("/units")
    assert "now in the advisor bank" in await staff.send("/hire T9, Teacher Nine, EE, yes")
    assert "Usage" in await staff.send("/hire T8, Teacher Eight, EE, maybe")
    assert "Not added" in await staff.send("/hire T8, Teacher \u200bEight, EE, no")
    assert "/hire" in await staff.send("/advisorbank add T7, Teacher Seven, EE, yes")
    assert "retired" in await staff.send("/advisorbank retire T2")
    listed = await staff.send("/advisorbank")
    assert "Teacher Nine" in listed
    assert "Teacher Two" not in listed
    assert "now in the advisor bank" in await staff.send("/hire T2, Teacher Two, CS, no")
    assert "Teacher Two" in await staff.send("/advisorbank")
    assert "already" in await staff.send("/hire T2, Teacher Two, CS, no")
    assert "Nothing to do" in await staff.send("/screening retire nothing")
    assert "on the screening list" in await staff.send("/screening add Acme | a company")
    assert "off" in await staff.send("/screening retire acme")
    student = await campus.bound("S1", SPONSOR)
    assert "staff" in (await student.send("/units add research X")).lower()
    async with campus.db.transaction() as session:
        rows = await session.scalars(select(AuditRow).order_by(AuditRow.seq))
        # Bindings agree to the notice (PRIV-1): not what this test is about.
        actions = [row.action for row in rows if not row.action.startswith("privacy.")]
    assert actions == [
        "unit.add",
        "unit.retire",
        "advisor.hire",
        "advisor.retire",
        "advisor.hire",
        "screening.add",
        "screening.retire",
        "denied",
    ]


def test_every_transition_is_in_the_table() -> None:
    reachable = {service.AppState.DRAFT} | set(service.TRANSITIONS.values())
    assert reachable == set(service.AppState)


async def test_staff_lists_escape_what_staff_typed(campus: Campus) -> None:
    await seed(campus)
    staff = Chat(campus.engine, STAFF)
    assert "on the screening list" in await staff.send("/screening add Acme | names <3 & such")
    listing = (await staff.deliver(staff.incoming(text="/screening"))).replies[0].text
    assert "names &lt;3 &amp; such" in listing


async def test_a_co_sponsor_who_binds_after_opening_the_link_still_signs(campus: Campus) -> None:
    """Found by the play-test: the Sign message was replaced by "bind first" and, once bound,
    the student had to find the link again."""
    await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    token = await submit(sponsor)
    await campus.students(student_line("S2"))
    code = (await campus.codes())["S2"]
    late = Chat(campus.engine, 1002)
    shown = await late.send(f"/start sign_{token}")
    assert "first bind your student record" in shown
    screen = late.last_with_buttons()
    outcome = await late.click("✍ Sign", screen)
    assert "first bind your student record" in late.said
    assert not outcome.replies[0].edit  # the Sign message stays
    assert "bound" in await late.bind(code)
    await late.click("✍ Sign", screen)
    assert "you signed for" in late.said
