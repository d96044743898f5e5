"""/todo and the ways out of issue 15's dead ends: every decision waiting for a person, with its
buttons; /application N with the buttons of whoever may decide it now; an advisor who binds
after the request was sent, and a unit representative appointed after it; a withdrawal that
asks first and tells the co-signers."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from bot.app.cli import _rep
from bot.chat.replies import Reply
from bot.services import identity, roster
from bot.services import todo as todo_service
from storage import applications as applications_store
from storage import units
from storage.db import Database
from storage.models import ApplicationRow
from storage.tx import Tx
from storage.types import utcnow
from tests.elections import ADVISOR as CLUB_ADVISOR
from tests.elections import OFFICER, Club
from tests.elections import REP as CLUB_REP
from tests.elections import STAFF as STAFF_USER
from tests.establishing import (
    ADVISOR,
    ADVISOR2,
    CHARTER,
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
)
from tests.harness import Campus, Chat
from tests.statements import counted


def _replies(chat: Chat) -> list[Reply]:
    return chat.outcomes[-1].replies


def _labels(reply: Reply) -> list[str]:
    return [b.text for row in reply.buttons for b in row]


async def test_todo_lists_each_decision_with_its_buttons(campus: Campus) -> None:
    advisor = await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    staff, rep, reviewer = (Chat(campus.engine, u) for u in (STAFF, REP, REVIEWER))
    for chat in (advisor, staff, rep, reviewer, sponsor):
        assert "Nothing waits for you" in await chat.send("/todo")
    token = await submit(sponsor)

    # The advisor: the request, as its notification words it, with Accept and Decline.
    shown = await advisor.send("/todo")
    assert "Waiting for you: 1" in shown
    assert "asked to be the advisor" in shown
    assert "Robotics Club" in shown
    request = _replies(advisor)[1]
    assert _labels(request) == ["✅ Accept", "❌ Decline", "📄 The charter"]
    notified = await last(campus, ADVISOR)
    assert [b.data for row in request.buttons for b in row] == [d for _, d in notified.buttons]
    # Nobody else has it.
    for chat in (staff, rep, reviewer, sponsor, Chat(campus.engine, ADVISOR2)):
        assert "Nothing waits for you" in await chat.send("/todo")
    await advisor.click("✅ Accept", request)
    assert "agreed to advise" in advisor.said
    assert "Nothing waits for you" in await advisor.send("/todo")

    # The unit's representative, once every signature is there.
    for i in range(2, 21):
        await sign(campus, token, f"S{i}", 1000 + i)
    assert await app_state(campus) == "unit_review"
    assert "asks CS Dept, which you represent, to guide it" in await rep.send("/todo")
    assert _labels(_replies(rep)[1]) == ["✅ Accept", "↩ Return", "📄 The charter"]
    assert "Nothing waits for you" in await reviewer.send("/todo")
    await rep.click("✅ Accept", _replies(rep)[1])
    assert "review committee" in rep.said

    # Each reviewer; the decision taken from /todo is the one taken from the notification.
    assert "awaits the review committee" in await reviewer.send("/todo")
    assert _labels(_replies(reviewer)[1]) == [
        "✅ Approve",
        "↩ Return",
        "❌ Reject",
        "📄 The charter",
    ]
    await reviewer.click("✅ Approve", _replies(reviewer)[1])
    assert "Approved" in reviewer.said
    assert await app_state(campus) == "founding"
    for chat in (advisor, rep, reviewer, Chat(campus.engine, 5002)):
        assert "Nothing waits for you" in await chat.send("/todo")

    # The founding meeting's outcome waits for the advisor's confirmation.
    await found_by_vote(campus, sponsor)
    assert await app_state(campus) == "confirming"
    shown = await advisor.send("/todo")
    assert "has its result: the charter adopted" in shown
    assert "Student S2" in shown  # the president elected
    assert "20 founding members" in shown
    await advisor.click("✅ Confirm", _replies(advisor)[1])
    assert "is active" in advisor.said
    assert "Nothing waits for you" in await advisor.send("/todo")


async def test_application_shows_the_buttons_to_whoever_may_decide_now(campus: Campus) -> None:
    advisor = await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    staff, rep, reviewer = (Chat(campus.engine, u) for u in (STAFF, REP, REVIEWER))
    other = Chat(campus.engine, ADVISOR2)
    token = await submit(sponsor)

    assert "Robotics Club" in await advisor.send("/application 1")
    assert _labels(_replies(advisor)[0]) == ["✅ Accept", "❌ Decline", "📄 The charter"]
    for chat in (staff, reviewer):
        assert "Robotics Club" in await chat.send("/application 1")
        assert _replies(chat)[0].buttons == ()
    # Another advisor, the unit before its turn... the unit's representative sees its own
    # application without buttons; another advisor does not see it at all.
    assert "Robotics Club" in await rep.send("/application 1")
    assert _replies(rep)[0].buttons == ()
    refused = await other.send("/application 1")
    assert "Robotics Club" not in refused
    assert "1" in refused
    assert "Robotics Club" not in await sponsor.send("/application 1")
    await advisor.click("✅ Accept")
    assert "agreed to advise" in advisor.said
    await advisor.send("/application 1")
    assert _replies(advisor)[0].buttons == ()

    for i in range(2, 21):
        await sign(campus, token, f"S{i}", 1000 + i)
    await rep.send("/application 1")
    assert _labels(_replies(rep)[0]) == ["✅ Accept", "↩ Return", "📄 The charter"]
    await reviewer.send("/application 1")
    assert _replies(reviewer)[0].buttons == ()
    # A return asks for the comment, as from the notification.
    await rep.click("↩ Return")
    assert "comment" in rep.said.lower()
    await rep.send("Please name a second advisor.")
    assert "Returned" in rep.said
    assert await app_state(campus) == "returned"
    await rep.send("/application 1")
    assert _replies(rep)[0].buttons == ()


async def test_an_advisor_who_binds_late_finds_the_request(campus: Campus) -> None:
    await seed(campus)
    now = utcnow()
    async with campus.db.transaction() as session:
        await roster.import_advisors(
            Tx(session, campus.db),
            now,
            b"staff_id,name,department,party_member\nT3,Teacher Three,CS,yes\n",
        )
    sponsor = await campus.bound("S1", SPONSOR)
    assert "What is the club's name" in await sponsor.send("/establish")
    await sponsor.send("Robotics Club")
    await sponsor.click("Academic and science")
    await sponsor.send("We build robots and compete.")
    await sponsor.click("CS Dept")
    await sponsor.click("Teacher Three")
    await sponsor.send_document(CHARTER)
    await sponsor.click("📨 Submit")
    assert "submitted" in sponsor.said
    # Nobody could be asked: staff hear that the advisor has no account.
    assert any("Teacher Three" in m.text for m in await inbox(campus, STAFF))

    async with campus.db.transaction() as session:
        codes = {
            a.staff_id: c
            for a, c in await identity.issue_advisor_codes(Tx(session, campus.db), now)
        }
    late = Chat(campus.engine, 2003)
    bound = await late.bind(codes["T3"])
    assert "Teacher Three" in bound
    assert "Waiting for you: 1" in bound
    assert "asked to be the advisor" in bound
    request = _replies(late)[-1]
    assert _labels(request) == ["✅ Accept", "❌ Decline", "📄 The charter"]
    await late.click("✅ Accept", request)
    assert "agreed to advise" in late.said
    async with campus.db.transaction() as session:
        app = await applications_store.get(Tx(session, campus.db), 1)
    assert app is not None
    assert app.advisor_accepted
    # Binding again says nothing waits: the code is used, and so is the request.
    assert "Nothing waits for you" in await late.send("/todo")


async def test_a_new_unit_representative_is_sent_what_waits(campus: Campus) -> None:
    advisor = await seed(campus, students=21)
    sponsor = await campus.bound("S1", SPONSOR)
    token = await submit(sponsor)
    await advisor.press((await last(campus, ADVISOR)).data("Accept"))
    for i in range(2, 21):
        await sign(campus, token, f"S{i}", 1000 + i)
    assert await app_state(campus) == "unit_review"
    newcomer = 3002
    # `clubbot grant rep 3002 --unit "CS Dept"` sends what waits for the unit.
    assert await _rep(campus.db, "grant", newcomer, "CS Dept") == 0
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        unit = await units.unit_by_name(tx, "CS Dept")
        assert unit is not None
        assert unit.id is not None
        # Once: telling again (a retried grant) queues nothing more.
        assert await todo_service.tell_rep(tx, utcnow(), newcomer, unit.id) == 1
    sent = await inbox(campus, newcomer)
    assert len(sent) == 2
    assert "Waiting for you: 1" in sent[0].text
    assert "which you represent, to guide it" in sent[1].text
    rep = Chat(campus.engine, newcomer)
    await rep.press(sent[1].data("Accept"))
    assert "review committee" in rep.said
    assert await app_state(campus) == "committee"


async def test_withdrawing_asks_first_and_tells_the_co_signers(campus: Campus) -> None:
    await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    token = await submit(sponsor)
    await sign(campus, token, "S2", 1002)
    await sign(campus, token, "S3", 1003)
    assert "collecting signatures" in await sponsor.send("/establish")
    await sponsor.click("Withdraw the application")
    assert "cannot be undone" in sponsor.said
    assert await app_state(campus) == "signing"
    await sponsor.click("No, keep it")
    assert "Nothing changed" in sponsor.said
    assert await app_state(campus) == "signing"
    # Only the sponsor may answer the question.
    stranger = await campus.bound("S9", 1009)
    await stranger.press("v1:ap:sx:1")
    assert await app_state(campus) == "signing"
    await sponsor.send("/establish")
    await sponsor.click("Withdraw the application")
    await sponsor.click("Yes, withdraw")
    assert "is withdrawn" in sponsor.said
    assert await app_state(campus) == "withdrawn"
    for user in (1002, 1003):
        assert "withdrew the application for Robotics Club" in (await last(campus, user)).text
    assert not any("withdrew" in m.text for m in await inbox(campus, SPONSOR))
    # The question's buttons, pressed again, change nothing.
    await sponsor.press("v1:ap:sx:1")
    assert "changed in the meantime" in sponsor.said


async def test_a_draft_is_discarded_only_after_a_yes(campus: Campus) -> None:
    await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    await fill_in(sponsor)
    await sponsor.click("🗑 Discard / withdraw")
    assert "Discard the draft" in sponsor.said
    await sponsor.click("No, keep it")
    assert await app_state(campus) == "draft"
    assert "Change any answer, or submit" in await sponsor.send("/establish")
    await sponsor.click("🗑 Discard / withdraw")
    await sponsor.click("Yes, withdraw")
    assert "discarded" in sponsor.said
    assert await app_state(campus) == "withdrawn"


async def test_club_to_dos_nomination_review_and_approval(db: Database) -> None:
    club = await Club.seeded(db)
    await club.start_president_election()
    # S3 nominates S4: S4 finds the nomination in /todo, with Accept and Decline.
    await club.press_sent(1003, "Nominate")
    assert "asked to accept" in await club.chat(1003).send("Student S4")
    nominee = club.chat(1004)
    shown = await nominee.send("/todo")
    assert "nominated for" in shown
    assert "Student S3" in shown
    await nominee.click("Accept", _replies(nominee)[1])
    assert "You accepted" in nominee.said
    assert "Nothing waits for you" in await nominee.send("/todo")

    # Nominations close: the list waits for the advisor, with a Strike button per candidate.
    await club.tick(days=7)
    advisor = club.chat(CLUB_ADVISOR)
    shown = await advisor.send("/todo")
    assert "review the candidates" in shown
    assert "Student S4" in shown
    assert _labels(_replies(advisor)[1]) == ["Strike Student S4", "Approve the list"]
    # Staff stand in only where a club has no advisor: Chess Club has one.
    assert "Nothing waits for you" in await club.chat(STAFF_USER).send("/todo")
    await advisor.click("Approve the list", _replies(advisor)[1])
    assert "approved" in advisor.said
    assert "Nothing waits for you" in await advisor.send("/todo")

    # Publicity, voting, count, result publicity: the result waits for both approvals.
    await club.tick(days=3, minutes=1)
    for user in (1001, 1002, 1003, 1004):
        await club.press_sent(user, "Vote")
        await club.chat(user).click("Student S4")
        await club.chat(user).click("Next")
        await club.chat(user).click("Cast my ballot")
        assert "Receipt" in club.chat(user).said
    await club.tick(days=3, minutes=1)
    await club.tick(days=5, minutes=1)
    rep = club.chat(CLUB_REP)
    for chat in (advisor, rep):
        listed = await chat.send("/todo")
        assert "awaits your approval" in listed
        assert "Elected: Student S4 (President)" in listed
    await rep.click("Approve the result", _replies(rep)[1])
    assert "Nothing waits for you" in await rep.send("/todo")
    assert "awaits your approval" in await advisor.send("/todo")
    await advisor.click("Approve the result", _replies(advisor)[1])
    assert "taken office" in advisor.said
    assert "Nothing waits for you" in await advisor.send("/todo")


async def test_a_recorded_meeting_waits_for_the_advisor(db: Database) -> None:
    club = await Club.seeded(db)
    await club.tick(days=1)  # the last confirmed meeting was held on the start day
    officer = club.chat(OFFICER)
    await officer.send("/meeting")
    await officer.click("Today")
    assert "asked to confirm" in officer.said or "recorded" in officer.said, officer.said
    advisor = club.chat(CLUB_ADVISOR)
    shown = await advisor.send("/todo")
    assert "recorded a general meeting" in shown
    assert "Chess Club" in shown
    await advisor.click("✅ It was held", _replies(advisor)[1])
    assert "Nothing waits for you" in await advisor.send("/todo")


async def _force(campus: Campus, state: str) -> None:
    async with campus.db.transaction() as session:
        await session.execute(update(ApplicationRow).values(state=state))


async def _cost(chat: Chat) -> tuple[int, int]:
    """The statements /todo sends, and how many things it lists."""
    await chat.send("/todo")  # the account and the conversation are read warm
    with counted(chat.engine.db) as sent:
        shown = await chat.send("/todo")
    return len(sent), len(_replies(chat)) - 1 if "Waiting for you" in shown else 0


async def test_todo_sends_one_statement_per_kind_whatever_waits(campus: Campus) -> None:
    """Two applications waiting for each person cost what one costs."""
    advisor = await seed(campus)
    rep, reviewer = Chat(campus.engine, REP), Chat(campus.engine, REVIEWER)
    one = await campus.bound("S1", SPONSOR)
    await submit(one)
    costs = {"advisor": [await _cost(advisor)]}
    two = await campus.bound("S22", 1022)
    await submit(two, "Chess Club")
    costs["advisor"].append(await _cost(advisor))
    await _force(campus, "unit_review")
    costs["rep"] = [await _cost(rep)]
    await _force(campus, "committee")
    costs["reviewer"] = [await _cost(reviewer)]
    await _force(campus, "confirming")
    costs["confirming"] = [await _cost(advisor)]
    assert costs["advisor"][0][1] == 1
    assert costs["advisor"][1][1] == 2
    assert costs["advisor"][0][0] == costs["advisor"][1][0], costs
    assert costs["rep"][0][1] == costs["reviewer"][0][1] == 2
    # A founding meeting to confirm reads its presidents in one more statement, for both.
    assert costs["confirming"][0][0] <= costs["advisor"][0][0] + 1, costs
    assert costs["rep"][0][0] <= costs["advisor"][0][0], costs


async def test_todo_in_chinese(campus: Campus) -> None:
    await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    await sponsor.send("/language")
    await sponsor.click("中文")
    assert "目前没有待处理的事项" in await sponsor.send("/todo")
    await submit_zh(campus, sponsor)
    advisor = Chat(campus.engine, ADVISOR)
    await advisor.send("/language")
    await advisor.click("中文")
    shown = await advisor.send("/todo")
    assert "待处理事项：1 项" in shown
    assert _labels(_replies(advisor)[1])[0].startswith("✅")
    await sponsor.send("/establish")
    await sponsor.click("撤回申请")
    assert "确定撤回" in sponsor.said
    await sponsor.click("取消")
    assert "未作任何更改" in sponsor.said


async def submit_zh(campus: Campus, sponsor: Chat) -> None:
    """The application, submitted in English answers by a sponsor who reads Chinese."""
    await sponsor.send("/establish")
    await sponsor.send("Robotics Club")
    await sponsor.click(sponsor.last_with_buttons().buttons[0][0].text)
    await sponsor.send("We build robots and compete.")
    await sponsor.click("CS Dept")
    await sponsor.click("Teacher One")
    await sponsor.send_document(CHARTER)
    await sponsor.click("📨")
    assert await app_state(campus) == "signing"


async def test_a_long_list_shows_the_first_and_counts_the_rest(
    campus: Campus, monkeypatch: pytest.MonkeyPatch
) -> None:
    advisor = await seed(campus)
    await submit(await campus.bound("S1", SPONSOR))
    await submit(await campus.bound("S22", 1022), "Chess Club")
    monkeypatch.setattr(todo_service, "SHOWN", 1)
    shown = await advisor.send("/todo")
    assert "Waiting for you: 2" in shown
    assert "the rest (1)" in shown
    assert len(_replies(advisor)) == 2
    assert "Robotics Club" in shown
    assert "Chess Club" not in shown
    await advisor.click("✅ Accept", _replies(advisor)[1])
    shown = await advisor.send("/todo")
    assert "Waiting for you: 1" in shown
    assert "Chess Club" in shown
