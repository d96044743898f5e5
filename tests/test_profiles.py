"""Club profiles: /club NAME for everyone, /club edit for the club's officers and advisor."""

from __future__ import annotations

from storage import audit, clubs
from storage.db import Database
from storage.tx import Tx
from tests.elections import ADVISOR, OFFICER, Club


async def test_officers_keep_the_profile_and_students_read_it_and_join(db: Database) -> None:
    club = await Club.seeded(db)
    officer, member, other = club.chat(OFFICER), club.chat(OFFICER + 1), club.chat(OFFICER + 5)
    await other.send("/leave Chess Club")

    assert "No description yet" in await member.send("/club Chess Club")
    assert "Officers: Student S1 (President)" in member.said
    assert "Advisor:" in member.said
    assert "Edit" not in str(member.outcomes[-1].replies[0].buttons)  # a member cannot edit
    assert "Only a club's officers" in await member.send("/club edit")

    await officer.send("/club edit")
    assert "What do you want to change?" in officer.said
    await officer.click("Description")
    await officer.send("x" * 1001)
    assert "That is 1001 characters; at most 1000" in officer.said
    await officer.send("We play chess every week; beginners <welcome> & more.")
    assert "Saved." in officer.said
    # The profile inside the question is HTML once: tags work, typed text is escaped once
    # (playing it showed `<b>` and `<i>` as text).
    shown_raw = officer.outcomes[-1].replies[-1].text
    assert "<b>Chess Club</b>" in shown_raw
    assert "beginners &lt;welcome&gt; &amp; more." in shown_raw
    assert "&lt;b&gt;" not in shown_raw
    await officer.click("Group link")
    await officer.send("https://example.com/chess")
    assert "not a Telegram group link" in officer.said
    await officer.send("t.me/+AbCdEf123")
    assert "Saved." in officer.said
    await officer.click("Meeting place")
    await officer.send("Library room 204, Thursdays 19:00")
    await officer.click("Done")
    assert "This is the profile students see" in officer.said
    assert "Meets: Library room 204, Thursdays 19:00" in officer.said  # shown, not referred to

    shown = await other.send("/club chess club")
    assert "beginners <welcome> & more." in shown
    assert "Meets: Library room 204, Thursdays 19:00" in shown
    assert '<a href="https://t.me/+AbCdEf123">' in other.outcomes[-1].replies[0].text
    await other.click("Join this club")
    assert "Join Chess Club?" in other.said
    await other.click("Yes, join")
    assert "Welcome to Chess Club" in other.said
    assert "Join this club" not in str(other.outcomes[-1].replies[0].buttons)

    # The advisor keeps it too, and clears a part with "-".
    advisor = club.chat(ADVISOR)
    await advisor.send("/club edit")
    await advisor.click("Meeting place")
    await advisor.send("-")
    assert "Meets:" not in advisor.said
    # Every change is in the audit log, with the part before and after.
    async with db.transaction() as session:
        tx = Tx(session, db)
        chess = await clubs.club_by_key(tx, "chess club")
        assert chess is not None
        entries = [e for e in await audit.of_club(tx, chess.id) if e.action == "club.profile"]
        assert (await clubs.profile(tx, chess.id)).meeting_place == ""
    assert len(entries) == 4
    assert entries[0].actor == ADVISOR
    assert entries[0].before == {"meeting_place": "Library room 204, Thursdays 19:00"}


async def test_a_name_not_quite_right_and_chinese(db: Database) -> None:
    club = await Club.seeded(db, members=2)
    member = club.chat(OFFICER + 1)
    assert "Did you mean" in await member.send("/club chess clb")
    await member.click("Chess Club")
    assert "Officers:" in member.said
    assert "no club named" in await member.send("/club Underwater Basket Weaving")
    assert "Your clubs" in await member.send("/club")
    await member.send("/language")
    await member.click("中文")
    assert "负责人：Student S1（会长）" in await member.send("/club Chess Club")
    assert "暂无简介" in member.said
