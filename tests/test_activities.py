"""/activity: proposing a club activity (ACT-1 to ACT-5), and its approval by the advisor, the
guidance unit and staff, as transcripts."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.chat.replies import Document
from bot.domain.activities import (
    TRANSITIONS,
    ActivityKind,
    ActivityState,
    DayKind,
    DocumentKind,
    EndsBeforeStart,
    Move,
    NoSuchMove,
    Proposal,
    Speaker,
    TalkWithoutSpeakers,
    TooLate,
    TooLateWorking,
    WorkCalendar,
    after,
    check,
    needs_staff,
)
from bot.domain.policy import Policy
from bot.domain.values import Role
from storage import activities, audit, people
from storage.db import Database
from storage.models import ActivityRow
from storage.tx import Tx
from tests.activities import (
    ADVISOR,
    FAR,
    OFFICER,
    REP,
    STAFF,
    Club,
    approve_all,
    make_activity,
    propose,
    seeded,
)
from tests.clock import local


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


PLAN = frozenset({DocumentKind.SAFETY_PLAN})
PLAN_PDF = Document("plan", "safety-plan.pdf", "application/pdf", 12, b"%PDF-1.4 plan")


def test_lead_times_name_their_rule_and_count_working_days() -> None:
    policy = Policy()
    work = WorkCalendar.of([(date(2026, 3, 9), DayKind.HOLIDAY)])
    today, now = date(2026, 3, 2), _at(2, 1)  # a Monday
    regular = Proposal(ActivityKind.REGULAR, _at(10), _at(10, 12), 30)
    # Tuesday to Friday and (the 9th being a holiday) Tuesday the 10th: the 11th is the first.
    with pytest.raises(TooLateWorking) as caught:
        check(policy, work, now, date(2026, 3, 10), today, regular)
    assert caught.value.params == {"rule": "ACT-1", "days": 5, "earliest": "2026-03-11"}
    check(policy, work, now, date(2026, 3, 11), today, regular)
    loose = Policy(activity_lead_working_days=0)  # so that ACT-4 alone decides
    talk = Proposal(
        ActivityKind.TALK, _at(11), _at(11, 12), 30, (Speaker("Li", "PKU", outside=False),)
    )
    with pytest.raises(TooLate) as late:
        check(loose, WorkCalendar(), now, date(2026, 3, 8), today, talk)
    assert late.value.params == {"rule": "ACT-4", "days": 7, "earliest": "2026-03-09"}
    check(loose, WorkCalendar(), now, date(2026, 3, 9), today, talk)
    outside = Proposal(
        ActivityKind.TALK, _at(20), _at(20, 12), 30, (Speaker("Wong", "HKU", outside=True),)
    )
    with pytest.raises(TooLateWorking) as far:
        check(loose, WorkCalendar(), now, date(2026, 3, 13), today, outside)
    assert (far.value.params["rule"], far.value.params["days"]) == ("ACT-4", 10)
    check(loose, WorkCalendar(), now, date(2026, 3, 17), today, outside)
    with pytest.raises(TalkWithoutSpeakers):
        check(
            policy,
            WorkCalendar(),
            now,
            date(2026, 3, 17),
            today,
            Proposal(ActivityKind.TALK, _at(17), _at(17, 12), 30),
        )
    with pytest.raises(TooLate) as trip:
        check(
            policy,
            WorkCalendar(),
            now,
            date(2026, 3, 10),
            today,
            Proposal(ActivityKind.REGULAR, _at(30), _at(30, 12), 1000, documents=PLAN),
        )
    assert trip.value.params["rule"] == "ACT-3"  # a police permit, 20 days ahead
    with pytest.raises(EndsBeforeStart):
        check(
            policy,
            work,
            now,
            date(2026, 3, 20),
            today,
            Proposal(ActivityKind.REGULAR, _at(20, 12), _at(20, 12), 30),
        )
    small = Proposal(ActivityKind.REGULAR, _at(9), _at(9, 12), 30)
    assert needs_staff(policy, small)
    assert not needs_staff(Policy(activity_staff_approval=False), small)
    large = Proposal(ActivityKind.REGULAR, _at(9), _at(9, 12), 200)
    assert needs_staff(Policy(activity_staff_approval=False), large)
    trip_small = Proposal(ActivityKind.OFF_CAMPUS, _at(9), _at(9, 12), 5)
    assert needs_staff(Policy(activity_staff_approval=False), trip_small)


def test_the_state_table_refuses_what_it_lacks() -> None:
    assert after(ActivityState.ADVISOR, Move.APPROVE) is ActivityState.UNIT
    assert after(ActivityState.UNIT, Move.APPROVE_LAST) is ActivityState.APPROVED
    with pytest.raises(NoSuchMove):
        after(ActivityState.APPROVED, Move.APPROVE)


async def _activity(club: Club) -> activities.Activity:
    """The latest activity proposed."""
    async with club.w.db.transaction() as session:
        tx = Tx(session, club.w.db)
        latest = (await session.execute(select(func.max(ActivityRow.id)))).scalar_one()
        found = await activities.activity(tx, latest)
    assert found is not None
    return found


async def test_an_officer_proposes_with_bad_answers_refused_and_three_levels_approve(
    db: Database,
) -> None:
    club = await seeded(db)
    officer = club.chat(OFFICER)
    assert "What is the activity called?" in await officer.send("/activity")
    assert "at least 2 characters" in await officer.send("C")
    assert "What kind" in await officer.send("Chess night")
    assert "Please use the buttons" in await officer.send("a talk")
    await officer.click("Regular activity")
    assert "YYYY-MM-DD HH:MM" in await officer.send("2026-02-30 19:00")
    assert "real date" in officer.said
    assert "has passed already" in await officer.send("2026-03-01 19:00")
    assert "When does it end?" in await officer.send("2026-03-12 19:00")
    assert "The end must come after the start" in await officer.send("18:00")
    assert "Where" in await officer.send("21:00")
    await officer.send("Library room 204")
    assert "whole number from 1 to 5000" in await officer.send("0")
    assert "whole number from 1 to 5000" in await officer.send("1000000")
    await officer.send("30")
    await officer.send("20")
    await officer.click("The club's members")
    # Restart-safe: another command, then /activity resumes the draft where it stood.
    # /cancel says the truth: the draft is kept, and how to go on.
    assert "Your draft is kept: /activity picks it up" in await officer.send("/cancel")
    assert "Describe the activity" in await officer.send("/activity")
    await officer.send("Games for every level; boards provided.")
    assert "What is the budget" in officer.said
    assert "from 0 (it costs nothing)" in await officer.send("-5")
    assert "Does a company or organization sponsor it?" in await officer.send("350.5")
    await officer.click("No sponsor")
    review = officer.said
    assert "Budget: ¥350.50" in review
    assert "Sponsor: none" in review
    assert "Chess night — Chess Club" in review
    assert "From 2026-03-12 19:00 to 2026-03-12 21:00" in review
    assert "Expected participants: 30; places: 20" in review
    # A start too close: refused at submission, naming the rule and the earliest start.
    await officer.click("Start")
    await officer.send("2026-03-04 19:00")
    await officer.click("✅ Submit for approval")
    assert "Too late under ACT-1" in officer.said
    assert "2026-03-10" in officer.said
    await officer.click("Start")
    await officer.send("2026-03-12 19:00")
    await officer.click("✅ Submit for approval")
    assert "is submitted" in officer.said
    assert "staff decide" in officer.said  # the policy's default: staff approve every one

    await club.tick(minutes=1)
    assert any(
        "waits for your approval as the club's advisor" in t for t in club.w.telegram.to(ADVISOR)
    )
    # The advisor sees it in /todo too.
    advisor = club.chat(ADVISOR)
    assert "Chess night" in await advisor.send("/todo")
    # Nobody else decides at the advisor's level, not even with the advisor's button.
    rep = club.chat(REP)
    await rep.press(club.w.telegram.button(ADVISOR, "✅ Approve"))
    assert "does not wait for your decision" in rep.said
    assert "Chess night" not in await rep.send("/todo")
    assert "goes on to the guidance unit" in await club.press_sent(ADVISOR, "✅ Approve")
    await club.tick(minutes=1)
    assert "goes on to staff" in await club.press_sent(REP, "✅ Approve")
    await club.tick(minutes=1)
    assert "may be announced and held" in await club.press_sent(STAFF, "✅ Approve")
    await club.tick(minutes=1)
    assert any("is approved (ACT-1)" in t for t in club.w.telegram.to(OFFICER))
    # The old button, pressed again: decided already.
    assert "has changed" in await club.press_sent(STAFF, "✅ Approve")
    act = await _activity(club)
    assert act.state is ActivityState.APPROVED
    async with db.transaction() as session:
        tx = Tx(session, db)
        levels = [d.level for d in await activities.decisions(tx, act.id)]
        actions = [e.action for e in await audit.of_club(tx, act.club_id)]
    assert levels == [ActivityState.ADVISOR, ActivityState.UNIT, ActivityState.STAFF]
    assert actions.count("activity.approve") == 3
    assert "activity.submit" in actions


async def test_returned_with_a_comment_changed_and_submitted_again(db: Database) -> None:
    club = await seeded(db)
    officer = club.chat(OFFICER)
    await propose(officer)
    await club.tick(minutes=1)
    await club.press_sent(ADVISOR, "↩ Return")
    advisor = club.chat(ADVISOR)
    assert "Why is Chess night returned?" in advisor.said
    assert "Returned" in await advisor.send("Please hold it in the big hall.")
    await club.tick(minutes=1)
    assert any(
        "returned for changes: Please hold it in the big hall." in t
        for t in club.w.telegram.to(OFFICER)
    )
    assert "It was returned for changes" in await officer.send("/activity")
    await officer.click("Place")
    await officer.send("Main hall")
    await officer.click("✅ Submit for approval")
    assert "is submitted" in officer.said
    await club.tick(minutes=1)
    # The button of the first round is refused; the new request decides.
    old = club.w.telegram.replies[ADVISOR][0]
    data = next(b.data for row in old.buttons for b in row if b.text.startswith("✅"))
    await advisor.press(data or "")
    assert "has changed" in advisor.said
    assert "goes on to the guidance unit" in await club.press_sent(ADVISOR, "✅ Approve")
    await club.tick(minutes=1)
    await club.press_sent(REP, "❌ Reject")
    rep = club.chat(REP)
    assert "Rejected" in await rep.send("Not the unit's business this term.")
    await club.tick(minutes=1)
    assert any("was rejected: Not the unit" in t for t in club.w.telegram.to(OFFICER))


async def test_two_approvers_pressing_at_once_give_one_decision(db: Database) -> None:
    club = await seeded(db)
    async with db.transaction() as session:
        await people.grant(Tx(session, db), STAFF + 1, Role.STAFF, club.w.clock.now())
    await propose(club.chat(OFFICER))
    await club.tick(minutes=1)
    await club.press_sent(ADVISOR, "✅ Approve")
    await club.tick(minutes=1)
    await club.press_sent(REP, "✅ Approve")
    await club.tick(minutes=1)
    first, second = club.chat(STAFF), club.chat(STAFF + 1)
    data = club.w.telegram.button(STAFF, "✅ Approve")
    assert data == club.w.telegram.button(STAFF + 1, "✅ Approve")
    await asyncio.gather(first.press(data), second.press(data))
    said = sorted([first.said, second.said])
    assert sum("may be announced and held" in s for s in said) == 1
    assert sum("has changed" in s for s in said) == 1
    act = await _activity(club)
    async with db.transaction() as session:
        found = await activities.decisions(Tx(session, db), act.id)
    assert [d.level for d in found].count(ActivityState.STAFF) == 1


async def test_talks_need_speakers_and_outside_speakers_more_notice(db: Database) -> None:
    club = await seeded(db)
    officer = club.chat(OFFICER)
    await officer.send("/activity")
    await officer.send("Openings explained")
    await officer.click("Talk, lecture or forum")
    assert "names its speakers (ACT-4)" in officer.said
    assert "Done with the speakers" not in str(officer.last_with_buttons().buttons)
    assert "name, affiliation" in await officer.send("Wong Ka Ming")
    await officer.send("Wong Ka Ming, University of Hong Kong")
    await officer.click("🌏 Speaker 1")
    assert "from abroad, Hong Kong, Macao or Taiwan" in officer.said
    await officer.click("Done with the speakers")
    await officer.send("2026-03-12 19:00")
    await officer.send("21:00")
    await officer.send("Room 1")
    await officer.send("40")
    await officer.click("No limit")
    await officer.click("Every student")
    await officer.send("The Sicilian, slowly.")
    await officer.send("0")
    await officer.click("No sponsor")
    await officer.click("✅ Submit for approval")
    assert "Too late under ACT-4" in officer.said
    assert "10 working days" in officer.said
    await officer.click("Speakers")
    await officer.click("✖ Remove speaker 1")
    assert "No speaker yet" in officer.said
    await officer.send("Li Ming, Peking University")
    await officer.click("Done with the speakers")
    await officer.click("✅ Submit for approval")
    assert "is submitted" in officer.said


async def test_a_stopped_club_proposes_nothing_and_a_waiting_proposal_is_refused(
    db: Database,
) -> None:
    club = await seeded(db)
    officer = club.chat(OFFICER)
    await propose(officer)
    await club.tick(minutes=1)
    await club.suspend()
    assert "no longer holds activities" in await club.press_sent(ADVISOR, "✅ Approve")
    await club.tick(minutes=1)
    assert any("was rejected: ACT-12" in t for t in club.w.telegram.to(OFFICER))
    assert "Refused (ACT-12)" in await officer.send("/activity")
    # A member who holds no office may not propose; nor may a student of no club.
    assert "Only " in await club.chat(OFFICER + 1).send("/activity")


def test_the_state_diagram_draws_the_table() -> None:
    """bot/domain/activities.mmd draws TRANSITIONS, move for move (README shows it)."""
    text = (Path(__file__).resolve().parents[1] / "bot/domain/activities.mmd").read_text()
    drawn = set()
    for line in text.splitlines()[1:]:
        found = re.fullmatch(r"\s*(\w+) --> (\w+): (\w+)", line)
        if found:
            drawn.add((ActivityState(found[1]), Move(found[3]), ActivityState(found[2])))
    assert drawn == {(state, move, to) for (state, move), to in TRANSITIONS.items()}


async def test_the_advisor_of_two_clubs_chooses_the_club_and_reads_chinese(db: Database) -> None:
    go = f"Go Club,academic,CS Dept,2021-09-01,S2,T1,{FAR},2026-01-10,2025-11-20"
    club = await seeded(db, more=(go,))
    advisor = club.chat(ADVISOR)
    await advisor.send("/language")
    await advisor.click("中文")
    assert "为哪个社团申报活动？" in await advisor.send("/activity")
    assert "请点击下方按钮选择" in await advisor.send("Go Club")
    await advisor.click("Go Club")
    assert "活动名称是什么？" in advisor.said
    await advisor.send("围棋入门")
    await advisor.click("讲座、报告会或论坛")
    assert "一会一报" in advisor.said
    await advisor.send("李明，北京大学")
    await advisor.click("主讲人已填好")
    assert "请按“年-月-日 时:分”" in await advisor.send("明天晚上")
    await advisor.send("2026-03-12 19:00")
    await advisor.send("21:00")
    await advisor.send("图书馆 204")
    await advisor.send("25")
    await advisor.click("不限名额")
    await advisor.click("全校学生")
    assert "活动经费预算是多少元" in await advisor.send("从零开始学围棋。")
    assert "是否有企业或机构赞助" in await advisor.send("200")
    await advisor.click("无赞助")
    review = advisor.said
    assert "经费预算：¥200.00" in review
    assert "赞助方：无" in review
    assert "围棋入门——Go Club" in review
    assert "主讲人：\n李明（北京大学）" in review
    assert "预计人数：25；名额：不限" in review
    await advisor.click("✅ 提交审批")
    assert "已提交，将依次由指导教师、业务指导单位和学生工作部门审批" in advisor.said
    # The advisor who proposed it is asked as the advisor too (ACT-1 asks every level).
    await club.tick(minutes=1)
    assert any("围棋入门" in t for t in club.w.telegram.to(ADVISOR))


async def test_an_approver_is_reminded_on_the_last_day_and_the_level_above_told_after(
    db: Database,
) -> None:
    """Submitted on Monday 2 March: the advisor answers within 3 working days, so is reminded
    on Thursday 5 March; on Friday the unit's representative hears that it waits. A level that
    answered in time is neither reminded nor escalated."""
    club = await seeded(db)
    await propose(club.chat(OFFICER))
    await club.tick(minutes=1)
    await club.w.tick(local(date(2026, 3, 5), 9, 5))
    assert any(
        "last day to answer" in t and "by 2026-03-05" in t for t in club.w.telegram.to(ADVISOR)
    )
    assert not any("without an answer" in t for t in club.w.telegram.to(REP))
    await club.w.tick(local(date(2026, 3, 6), 9, 5))
    assert any(
        "waited for the club's advisor until 2026-03-05" in t for t in club.w.telegram.to(REP)
    )
    # The reminder carries the decision buttons: the advisor answers from it.
    assert "goes on to the guidance unit" in await club.press_sent(ADVISOR, "✅ Approve")
    await club.w.tick(local(date(2026, 3, 6), 9, 10))
    assert "goes on to staff" in await club.press_sent(REP, "✅ Approve")
    # The unit answered at once: no reminder on its last day (Wednesday 11 March).
    await club.w.tick(local(date(2026, 3, 12), 9, 5))
    assert not any("last day to answer" in t for t in club.w.telegram.to(REP))
    assert any(
        "last day to answer" in t and "by 2026-03-11" in t for t in club.w.telegram.to(STAFF)
    )


async def test_staff_see_what_waits_this_week_large_and_outside_speakers(db: Database) -> None:
    club = await seeded(db)
    await make_activity(db, ActivityState.APPROVED, "Blitz", days=3)
    await make_activity(db, ActivityState.UNIT, "Simul", days=12)
    await make_activity(db, ActivityState.REJECTED, "Casino night", days=4)
    await propose(
        club.chat(OFFICER), "Grand open", expected="250", capacity=None, documents=(PLAN_PDF,)
    )
    club.w.clock.advance(days=2)
    shown = await club.chat(STAFF).send("/activities")
    assert "Waiting for approval (ACT-1): 2" in shown
    assert "Grand open — Chess Club: with the club's advisor for 2 days" in shown
    assert "In the next 7 days: 1" in shown
    assert "Blitz — Chess Club, 30 participants expected" in shown
    assert "Large (ACT-3): 1" in shown
    assert "Casino night" not in shown
    assert "Only " in await club.chat(OFFICER).send("/activities")


async def test_one_activity_with_its_approvals_sign_ups_and_check_ins(db: Database) -> None:
    """/activity ID: the proposal, who decided what, sign-ups and check-ins, to those who may
    see it; the number is in /activities."""
    club = await seeded(db)
    officer = club.chat(OFFICER)
    await propose(officer, "Chess night")
    act = await _activity(club)
    assert f"#{act.id} " in await club.chat(STAFF).send("/activities")
    waiting = await club.chat(STAFF).send(f"/activity {act.id}")
    assert f"Activity #{act.id} · waiting for the club's advisor" in waiting
    assert "Not decided by anyone yet" in waiting
    await approve_all(club)
    shown = await club.chat(STAFF).send(f"/activity {act.id}")
    assert "· approved" in shown
    assert "the club's advisor: approved, Teacher" in shown
    assert "staff: approved" in shown
    assert "Sign-ups: 0 confirmed, 0 on the waiting list" in shown
    assert "Checked in: 0" in shown
    # The organizer and the unit's representative see it; a member, or a wrong number, does not.
    assert f"Activity #{act.id}" in await officer.send(f"/activity {act.id}")
    assert f"Activity #{act.id}" in await club.chat(REP).send(f"/activity {act.id}")
    assert "Only " in await club.chat(1002).send(f"/activity {act.id}")
    assert "no activity #999" in await club.chat(STAFF).send("/activity 999")
    # Staff who send /activity alone are told how to look one up.
    assert "/activity ID" in await club.chat(STAFF).send("/activity")


async def test_a_draft_left_untouched_is_withdrawn_by_the_sweep(db: Database) -> None:
    """Like an application's draft: untouched past draft_expiry_days, the sweep withdraws it and
    /activity starts afresh; a draft touched recently stays."""
    from datetime import timedelta

    from bot.services import activities as service

    club = await seeded(db)
    officer = club.chat(OFFICER)
    await officer.send("/activity")
    await officer.send("Chess night")
    draft = await _activity(club)
    policy = club.w.policy
    now = club.w.clock.now()
    later = now + timedelta(days=policy.draft_expiry_days + 1)
    async with db.transaction() as session:
        tx = Tx(session, db)
        assert await service.expire_stale_drafts(tx, policy, now, 100) == 0
        assert await service.expire_stale_drafts(tx, policy, later, 100) == 1
        assert await service.expire_stale_drafts(tx, policy, later, 100) == 0
        gone = await activities.activity(tx, draft.id)
    assert gone is not None
    assert gone.state is ActivityState.WITHDRAWN
    assert "What is the activity called?" in await officer.send("/activity")
