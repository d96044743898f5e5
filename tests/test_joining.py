"""Joining and leaving clubs as chat transcripts, without any framework (ORG-1, ORG-2, REG-7)."""

from __future__ import annotations

from bot.core.engine import Engine
from storage import clubs as clubs_store
from storage.tx import Tx
from tests.harness import Campus, Chat, student_line


async def test_join_by_name_then_myclubs(campus: Campus) -> None:
    await campus.clubs("Chess Club", "Robotics")
    alice = await campus.bound("S1", 1001)
    assert "Welcome to Chess Club" in await alice.send("/join chess club")
    assert "Chess Club" in await alice.send("/myclubs")
    assert "already a member" in await alice.send("/join Chess Club")


async def test_join_flow_category_club_confirm(campus: Campus) -> None:
    await campus.clubs("Chess Club", ("Band", "culture_sports"))
    alice = await campus.bound("S1", 1001)
    assert "Which kind of club" in await alice.send("/join")
    await alice.click("Culture and sports")
    assert "choose a club" in alice.said
    await alice.click("Band")
    assert "Join Band?" in alice.said
    await alice.click("Yes, join")
    assert "Welcome to Band" in alice.said
    assert "Band" in await alice.send("/myclubs")


async def test_join_limit_names_the_two_clubs(campus: Campus) -> None:
    await campus.clubs("A Club", "B Club", "C Club")
    alice = await campus.bound("S1", 1001)
    await alice.send("/join A Club")
    await alice.send("/join B Club")
    answer = await alice.send("/join C Club")
    assert "already in 2 clubs (A Club, B Club)" in answer
    assert "already in 2 clubs" in await alice.send("/join")
    assert "C Club" not in await alice.send("/myclubs")
    # The refusal names its rule, and lists as the reader's language does (play-test).
    assert "(ORG-2)" in answer
    await alice.send("/language")
    await alice.click("中文")
    chinese = await alice.send("/join C Club")
    assert "（A Club、B Club）" in chinese
    assert "ORG-2" in chinese
    assert "A Club, B Club" not in chinese


async def test_join_refused_without_binding_or_status(campus: Campus, engine: Engine) -> None:
    await campus.clubs("Chess Club")
    stranger = Chat(engine, 999)
    assert "bind your student record" in await stranger.send("/join Chess Club")
    alice = await campus.bound("S1", 1001)
    await campus.students(student_line("S1", status="graduated"))
    assert "formal student status" in await alice.send("/join Chess Club")
    assert "Graduated" in await alice.send("/join Chess Club")
    assert "(ORG-1)" in await alice.send("/join")
    await campus.students(student_line("S2"))
    bob = Chat(engine, 1002, language_code="zh")
    await bob.bind((await campus.codes())["S2"])
    await campus.students(student_line("S2", status="suspended"))
    refused = await bob.send("/join Chess Club")
    assert "（ORG-1）" in refused
    assert "休学" in refused


async def test_join_refused_for_inactive_or_unknown_club(campus: Campus) -> None:
    await campus.clubs("Chess Club")
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        club = await clubs_store.club_by_key(tx, "chess club")
        assert club is not None
        from storage.models import ClubRow

        row = await session.get(ClubRow, club.id)
        assert row is not None
        row.status = "suspended"
    alice = await campus.bound("S1", 1001)
    refused = await alice.send("/join Chess Club")
    assert "not active" in refused
    assert "(REG-7)" in refused
    assert "no club named" in await alice.send("/join Nope Club")


async def test_leave_by_name_and_by_flow(campus: Campus) -> None:
    await campus.clubs("A Club", "B Club")
    alice = await campus.bound("S1", 1001)
    await alice.send("/join A Club")
    await alice.send("/join B Club")
    assert "You have left A Club" in await alice.send("/leave a club")
    assert "Which club do you want to leave" in await alice.send("/leave")
    await alice.click("B Club")
    assert "Leave B Club?" in alice.said
    await alice.click("Yes, leave")
    assert "You have left B Club" in alice.said
    assert "not in any club" in await alice.send("/myclubs")
    assert "not in any club" in await alice.send("/leave")


async def test_losing_status_ends_memberships_and_queues_notice(campus: Campus) -> None:
    await campus.clubs("A Club")
    alice = await campus.bound("S1", 1001)
    await alice.send("/join A Club")
    await campus.students(student_line("S1", status="withdrawn"))
    assert "not in any club" in await alice.send("/myclubs")
    from sqlalchemy import select

    from storage.models import OutboxRow

    async with campus.db.transaction() as session:
        rows = list(await session.scalars(select(OutboxRow)))
    assert [(r.chat_id, "A Club" in r.text) for r in rows] == [(1001, True)]


async def test_a_name_not_quite_right_is_answered_with_close_names(campus: Campus) -> None:
    await campus.clubs("Robotics Club", "Chess Club", "Go Club")
    alice = await campus.bound("S1", 1001)
    # A part of the name: the clubs that contain it, as buttons that join.
    assert "Did you mean" in await alice.send("/join robotics")
    await alice.click("Robotics Club")
    assert "Join Robotics Club?" in alice.said
    await alice.click("Yes, join")
    assert "Welcome to Robotics Club" in alice.said
    # A typo: the closest names.
    assert "Did you mean" in await alice.send("/join Chss Club")
    await alice.click("Chess Club")
    assert "Join Chess Club?" in alice.said
    await alice.click("Cancel")
    assert "Chess Club" not in await alice.send("/myclubs")
    # Nothing close: the plain refusal.
    assert "no club named" in await alice.send("/join Underwater Basket Weaving")
    # /clubs searches the same way.
    assert "Did you mean" in await alice.send("/clubs Chss Club")
    assert "Chess Club" in alice.said
    assert "No active club matches" in await alice.send("/clubs zzzz")


async def test_myclubs_marks_a_club_that_is_not_active(campus: Campus) -> None:
    await campus.clubs("Chess Club", "Band")
    alice = await campus.bound("S1", 1001)
    await alice.send("/join Chess Club")
    await alice.send("/join Band")
    async with campus.db.transaction() as session:
        club = await clubs_store.club_by_key(Tx(session, campus.db), "chess club")
        assert club is not None
        from storage.models import ClubRow

        row = await session.get(ClubRow, club.id)
        assert row is not None
        row.status = "suspended"
    listed = await alice.send("/myclubs")
    assert "• Chess Club (Academic and science) · Suspended" in listed
    assert "• Band (Academic and science)" in listed
    assert "Band (Academic and science) ·" not in listed


async def test_a_graduate_who_binds_is_not_told_to_join(campus: Campus) -> None:
    # A code issued while enrolled, used after the record changed.
    await campus.students(student_line("S1"))
    code = (await campus.codes())["S1"]
    await campus.students(student_line("S1", status="graduated"))
    said = await Chat(campus.engine, 1001).bind(code)
    assert "“Graduated”" in said
    assert "/join" not in said
    assert "ORG-1" in said
