"""Objections in an election's publicity (ORG-5): the advisor or staff answer each one once,
upheld or dismissed with a reason; the objector hears the answer; the decision is audited."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select

from bot.domain.elections import Decision, ObjectionAnswered
from bot.domain.values import NotAllowed
from bot.services import elections
from storage import audit
from storage import elections as elections_store
from storage.db import Database
from storage.models import ObjectionRow, OutboxRow, RoleGrantRow
from storage.tx import Tx
from tests.elections import ADVISOR, REP, STAFF, Club

OBJECTOR = 1005
TAPS = 10


async def _in_publicity(club: Club) -> None:
    """S2 and S4 stand for president; the advisor approves the list: candidate publicity."""
    await club.start_president_election()
    for user in (1002, 1004):
        await club.press_sent(user, "Nominate")
        await club.chat(user).click("Myself")
    await club.tick(days=club.w.policy.election_nomination_days)
    assert "approved" in await club.press_sent(ADVISOR, "Approve the list")
    await club.tick(minutes=1)


async def _object(club: Club, text: str = "S2 bought votes with pizza") -> None:
    """S5 objects from the publicity message; the advisor and staff are told."""
    await club.press_sent(OBJECTOR, "Lodge an objection")
    assert "was sent to the advisor and staff" in await club.chat(OBJECTOR).send(text)
    await club.tick(minutes=1)


async def _objection(db: Database) -> ObjectionRow:
    async with db.transaction() as session:
        return (await session.scalars(select(ObjectionRow))).one()


def _answer_buttons(club: Club, user: int) -> tuple[str, str]:
    telegram = club.w.telegram
    return telegram.button(user, "Uphold"), telegram.button(user, "Dismiss")


async def test_the_advisor_dismisses_an_objection_and_the_objector_hears_why(
    db: Database,
) -> None:
    club = await Club.seeded(db)
    await _in_publicity(club)
    await _object(club)
    for user in (ADVISOR, STAFF):
        notice = club.w.telegram.to(user)[-1]
        assert "S2 bought votes with pizza" in notice
        assert "Student S5 (S5)" in notice
    uphold, dismiss = _answer_buttons(club, ADVISOR)
    assert uphold.startswith("v1:el:ou:")
    assert dismiss.startswith("v1:el:od:")

    advisor = club.chat(ADVISOR)
    await advisor.press(dismiss)
    assert "You dismiss objection #" in advisor.said
    # Nothing typed: asked again, nothing decided.
    assert "You dismiss objection #" in await advisor.send("   ")
    assert (await _objection(db)).decided_at is None
    done = await advisor.send("The receipts show the pizza was paid by the club for everyone.")
    assert "is dismissed" in done
    assert "strike" not in done.lower()
    row = await _objection(db)
    assert row.decision == "dismissed"
    assert row.decided_by == ADVISOR
    assert row.answer == "The receipts show the pizza was paid by the club for everyone."

    await club.tick(minutes=1)
    told = club.w.telegram.to(OBJECTOR)[-1]
    assert "was dismissed by the advisor" in told
    assert "paid by the club for everyone" in told

    # Staff's copy of the notice is out of date now: the answer says who answered.
    await club.chat(STAFF).press(_answer_buttons(club, STAFF)[0])
    already = club.chat(STAFF).said
    assert "already been answered: dismissed by Teacher One" in already
    async with db.transaction() as session:
        kept = await elections_store.objection(Tx(session, db), row.id or 0)
    assert kept is not None
    assert kept.decision == "dismissed"
    assert kept.decided_by == ADVISOR

    # Audited, and shown in words in the club's history.
    club_id = await club.club_id()
    async with db.transaction() as session:
        entries = await audit.of_club(Tx(session, db), club_id)
    entry = next(e for e in entries if e.action == "election.objection")
    assert entry.actor == ADVISOR
    assert entry.after is not None
    assert entry.after["decision"] == "dismissed"
    assert entry.after["objection"] == row.id
    status = await club.chat(STAFF).send("/status Chess Club")
    assert "objection answered" in status
    assert "decision: dismissed" in status
    assert "lodged during: candidate publicity" in status


async def test_upholding_in_candidate_publicity_lets_the_advisor_strike(db: Database) -> None:
    club = await Club.seeded(db)
    await _in_publicity(club)
    async with db.transaction() as session:
        listed = await elections_store.candidates(Tx(session, db), 1)
    s2 = next(c for c, s in listed if s.student_id == "S2")
    advisor = club.chat(ADVISOR)
    # Before any objection is upheld, the advisor may not strike in publicity (staff may).
    await advisor.press(f"v1:el:s:{s2.id}")
    assert "not allowed" in await advisor.send("I just do not like them")
    async with db.transaction() as session:
        still = await elections_store.candidate(Tx(session, db), s2.id)
    assert still is not None
    assert still.status.value == "approved"

    await _object(club)
    await advisor.press(_answer_buttons(club, ADVISOR)[0])
    assert "You uphold objection #" in advisor.said
    done = await advisor.send("Two members confirm the pizza was offered for votes.")
    assert "is upheld" in done
    assert "you may strike the candidate concerned" in done
    labels = [b.text for row in advisor.last_with_buttons().buttons for b in row]
    assert labels == ["Strike Student S2", "Strike Student S4"]

    await advisor.click("Strike Student S2")
    struck = await advisor.send("Buying votes (objection upheld).")
    assert "struck" in struck.lower()
    async with db.transaction() as session:
        gone = await elections_store.candidate(Tx(session, db), s2.id)
    assert gone is not None
    assert gone.status.value == "struck"
    await club.tick(minutes=1)
    assert any("was upheld by the advisor" in t for t in club.w.telegram.to(OBJECTOR))
    assert "Buying votes" in club.w.telegram.to(1002)[-1]


async def test_staff_answer_from_todo_and_an_upheld_result_objection_is_recorded(
    db: Database,
) -> None:
    """A result objection waits in staff's /todo; upheld, it is a finding (nothing to strike)."""
    club = await Club.seeded(db)
    await _in_publicity(club)
    await club.tick(days=club.w.policy.election_publicity_days)
    for user in (1001, 1002, 1003, 1004):
        await club.press_sent(user, "Vote")
        chat = club.chat(user)
        await chat.click("Student S2")
        await chat.click("Next")
        await chat.click("Cast my ballot")
    await club.tick(days=club.w.policy.election_voting_days)
    assert "Results" in club.w.telegram.to(OBJECTOR)[-1]
    await _object(club, "The count left out my ballot")

    staff = club.chat(STAFF)
    listed = await staff.send("/todo")
    assert "The count left out my ballot" in listed
    assert "result publicity" in listed.lower()
    await staff.click("Uphold")
    done = await staff.send("S5 was on the roll; the advisor will look into it.")
    assert "is upheld" in done
    assert "recorded in the election's history" in done
    assert not staff.outcomes[-1].replies[0].buttons
    assert "The count left out my ballot" not in await staff.send("/todo")
    await club.tick(minutes=1)
    assert "was upheld by staff" in club.w.telegram.to(OBJECTOR)[-1]
    # The advisor's copy is answered already.
    await club.chat(ADVISOR).press(_answer_buttons(club, ADVISOR)[1])
    assert "already been answered: upheld by" in club.chat(ADVISOR).said
    # Those who approve the result read the finding with it: in the request, and in /todo.
    await club.tick(days=club.w.policy.election_result_days)
    request = next(t for t in club.w.telegram.to(ADVISOR) if "awaits your approval" in t)
    assert "Objections to this election: 1 upheld, 0 not answered yet" in request
    todo = await club.chat(ADVISOR).send("/todo")
    assert "Objections to this election: 1 upheld, 0 not answered yet" in todo


async def test_forged_and_foreign_answer_buttons_change_nothing(db: Database) -> None:
    club = await Club.seeded(db)
    await _in_publicity(club)
    await _object(club)
    row = await _objection(db)
    # No such objection.
    await club.chat(ADVISOR).press("v1:el:ou:9999")
    assert "There is no such objection" in club.chat(ADVISOR).said
    # Not a number: an expired button.
    await club.chat(ADVISOR).press("v1:el:ou:x")
    assert "expired" in club.chat(ADVISOR).said.lower()
    # A member (the objector themself, an officer) may not answer.
    for user in (OBJECTOR, 1001):
        await club.chat(user).press(f"v1:el:od:{row.id}")
        assert "Only staff or advisors" in club.chat(user).said, user
    # Past the matrix, the service checks this election: someone neither its advisor nor staff
    # (the unit's representative here) may not answer it.
    async with db.transaction() as session:
        with pytest.raises(NotAllowed):
            await elections.answer_objection(
                Tx(session, db), club.w.clock.now(), REP, row.id or 0, Decision.UPHELD, "x"
            )
    assert (await _objection(db)).decided_at is None
    await club.tick(minutes=1)
    assert not any("dismissed" in t or "upheld" in t for t in club.w.telegram.to(OBJECTOR))


async def test_the_role_lost_between_button_and_reason_answers_nothing(db: Database) -> None:
    """Staff press Dismiss, lose the role, then type the reason: refused, nothing decided."""
    club = await Club.seeded(db)
    await _in_publicity(club)
    await _object(club)
    staff = club.chat(STAFF)
    await staff.press(_answer_buttons(club, STAFF)[1])
    assert "You dismiss objection #" in staff.said
    async with db.transaction() as session:
        for grant in await session.scalars(select(RoleGrantRow)):
            if grant.user_id == STAFF:
                await session.delete(grant)
    answer = await staff.send("Not relevant.")
    assert "is dismissed" not in answer
    assert (await _objection(db)).decided_at is None


async def test_simultaneous_answers_give_one_decision(
    make_db: Callable[..., Awaitable[Database]], backend: str
) -> None:
    """The advisor and staff answer at once, many times, through two database handles (two
    processes): one decision, one audit entry, one message to the objector."""
    db = await make_db(backend)
    other = await make_db(backend, share=db)
    club = await Club.seeded(db)
    await _in_publicity(club)
    await _object(club)
    objection_id = (await _objection(db)).id or 0

    async def answer(i: int) -> str:
        handle = db if i % 2 else other
        user, decision = (ADVISOR, Decision.UPHELD) if i % 2 else (STAFF, Decision.DISMISSED)
        try:
            async with handle.transaction() as session:
                await elections.answer_objection(
                    Tx(session, handle),
                    club.w.clock.now(),
                    user,
                    objection_id,
                    decision,
                    f"reason {i}",
                )
        except ObjectionAnswered:
            return "answered"
        return "decided"

    results = Counter(await asyncio.gather(*(answer(i) for i in range(TAPS))))
    assert results == Counter({"decided": 1, "answered": TAPS - 1}), results
    row = await _objection(db)
    club_id = await club.club_id()
    async with db.transaction() as session:
        entries = await audit.of_club(Tx(session, db), club_id)
        told = list(
            await session.scalars(
                select(OutboxRow).where(OutboxRow.key == f"el:1:objans{objection_id}")
            )
        )
    decided = [e for e in entries if e.action == "election.objection"]
    assert len(decided) == 1
    assert decided[0].actor == row.decided_by
    assert decided[0].after is not None
    assert decided[0].after["reason"] == row.answer
    assert len(told) == 1


async def test_an_objection_answered_in_chinese(db: Database) -> None:
    """The advisor and the objector read Chinese: the notice's buttons, the question of the
    reason, the confirmation and what the objector is told."""
    club = await Club.seeded(db)
    await _in_publicity(club)
    for user in (ADVISOR, OBJECTOR):
        await club.chat(user).send("/language")
        await club.chat(user).click("中文")
    objector = club.chat(OBJECTOR)
    await club.press_sent(OBJECTOR, "Lodge an objection")
    assert "请用一条消息写明你的异议" in objector.said
    assert "选举的异议已发送给指导教师和工作人员" in await objector.send("S2 请大家吃披萨拉票")
    await club.tick(minutes=1)
    notice = club.w.telegram.to(ADVISOR)[-1]
    assert "S2 请大家吃披萨拉票" in notice
    advisor = club.chat(ADVISOR)
    await advisor.press(club.w.telegram.button(ADVISOR, "驳回异议"))
    assert "请用一条消息写明理由" in advisor.said
    assert "号异议已驳回" in await advisor.send("披萨由社团统一出资，面向全体会员。")
    await club.tick(minutes=1)
    told = club.w.telegram.to(OBJECTOR)[-1]
    assert "指导教师已驳回，理由：披萨由社团统一出资" in told
