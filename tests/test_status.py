"""Staff's /status as chat transcripts: the summary, one club, member pages, refusals (REG-9)."""

from __future__ import annotations

from bot.chat.callbacks import encode
from bot.core.engine import Engine
from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.domain.values import Role
from bot.flows.staff import MEMBERS_PER_PAGE
from bot.services import roster
from emulator.formatting import parse_html, utf16_len
from storage import people
from storage.models import ClubRow
from storage.tx import Tx
from storage.types import utcnow
from tests.harness import Campus, Chat, student_line

STAFF = 9001


async def set_role(campus: Campus, user_id: int, *, granted: bool) -> None:
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        if granted:
            await people.grant(tx, user_id, Role.STAFF, utcnow())
        else:
            await people.revoke(tx, user_id, Role.STAFF)


async def staff_chat(campus: Campus, language_code: str = "en") -> Chat:
    await set_role(campus, STAFF, granted=True)
    return Chat(campus.engine, STAFF, language_code)


async def test_summary_counts_clubs_by_state_and_category(campus: Campus) -> None:
    await campus.clubs("Chess Club", "Go Club", ("Band", "culture_sports"))
    async with campus.db.transaction() as session:
        band = await session.get(ClubRow, 3)
        assert band is not None
        band.status = "suspended"
    alice = await campus.bound("S1", 1001)
    await alice.send("/join Chess Club")
    await alice.send("/join Go Club")
    staff = await staff_chat(campus)

    summary = await staff.send("/status")

    assert "Clubs: 3 (2 active, 1 suspended, 0 banned, 0 dissolved)" in summary
    assert "Academic and science: 2 active of 2" in summary
    assert "Culture and sports: 0 active of 1" in summary
    assert "2 memberships, held by 1 student" in summary


async def test_one_club_shows_its_record_and_members(campus: Campus) -> None:
    await campus.clubs("Chess Club")
    await campus.students(student_line("S2", "Bob <B>"))
    bob = await campus.bound("S2", 1002)
    await bob.send("/join Chess Club")
    staff = await staff_chat(campus)

    answer = await staff.send("/status chess  CLUB")

    assert "Chess Club" in answer
    assert "State: Active" in answer
    assert "Category: Academic and science" in answer
    assert "Guidance unit: Computer Science Dept" in answer
    assert "Founded: 2020-09-01" in answer
    assert "Members: 1" in answer
    assert "Bob <B>, S2, Engineering, CS-1" in answer
    assert staff.outcomes[-1].replies[0].buttons == ()


async def test_club_without_members(campus: Campus) -> None:
    await campus.clubs("Chess Club")
    staff = await staff_chat(campus, "zh-hans")
    answer = await staff.send("/status Chess Club")
    assert "成员：0 人" in answer
    assert "暂无成员" in answer


async def test_long_member_list_is_paged_with_buttons(campus: Campus, engine: Engine) -> None:
    await campus.clubs("Chess Club")
    count = MEMBERS_PER_PAGE + 3
    ids = [f"S{n:03d}" for n in range(count)]
    await campus.students(*(student_line(i) for i in ids))
    codes = await campus.codes()
    for n, student_id in enumerate(ids):
        member = Chat(engine, 2000 + n)
        await member.bind(codes[student_id])
        await member.send("/join Chess Club")
    staff = await staff_chat(campus)

    first = await staff.send("/status Chess Club")
    assert f"Members: {count}" in first
    assert "page 1 of 2" in first
    assert ids[0] in first
    assert ids[-1] not in first
    await staff.click("Next")
    assert "page 2 of 2" in staff.said
    assert ids[-1] in staff.said
    assert ids[0] not in staff.said
    assert staff.outcomes[-1].replies[0].edit
    await staff.click("◀ Previous")
    assert "page 1 of 2" in staff.said


async def test_a_page_past_the_end_shows_the_last_page(campus: Campus) -> None:
    await campus.clubs("Chess Club")
    staff = await staff_chat(campus)
    await staff.press(encode("st", 1, 99))
    assert "page" not in staff.said
    assert "No members yet" in staff.said


async def test_worst_case_page_fits_in_a_telegram_message(campus: Campus, engine: Engine) -> None:
    """Every field at its longest, in characters that take two UTF-16 units each."""
    long = "𝕏" * 200
    club_line = f"{long},academic,{long},2020-09-01"
    async with campus.db.transaction() as session:
        data = f"name,category,guidance_unit,founded\n{club_line}".encode()
        await roster.import_clubs(
            Tx(session, campus.db), utcnow(), data, policy=Policy(), cal=Calendar.named()
        )
    lines = [
        f"{'9' * 60}{n:02d},{long},{long},{long},enrolled,no,10,none"
        for n in range(MEMBERS_PER_PAGE)
    ]
    await campus.students(*lines)
    codes = await campus.codes()
    for n, code in enumerate(codes.values()):
        member = Chat(engine, 3000 + n)
        await member.bind(code)
        await member.press(encode("st", 1, 0))  # not staff: refused, nothing else
        assert "Only staff" in member.said
        assert "Welcome" in await member.send(f"/join {long}")
    staff = await staff_chat(campus, "zh-hans")

    await staff.send(f"/status {long}")

    text, _ = parse_html(staff.outcomes[-1].replies[0].text)
    assert text.count("•") == MEMBERS_PER_PAGE
    assert utf16_len(text) <= 4096


async def test_unknown_club_offers_the_closest_names(campus: Campus) -> None:
    await campus.clubs(
        "Chess Club", "Chinese Chess Society", "Robotics", ("Band", "culture_sports")
    )
    staff = await staff_chat(campus)

    answer = await staff.send("/status chess")
    assert "no club named “chess”" in answer
    labels = [b.text for row in staff.last_with_buttons().buttons for b in row]
    assert labels == ["Chess Club", "Chinese Chess Society"]
    await staff.click("Chinese Chess Society")
    assert "Chinese Chess Society" in staff.said
    assert "State: Active" in staff.said

    await staff.send("/status robotcs")
    assert staff.button("Robotics").data == encode("st", 3, 0)
    assert "nor one with a similar name" in await staff.send("/status Quantum Basket Weaving")


async def test_students_and_strangers_are_refused(campus: Campus, engine: Engine) -> None:
    await campus.clubs("Chess Club")
    alice = await campus.bound("S1", 1001)
    assert "Only staff" in await alice.send("/status")
    assert "Only staff" in await alice.send("/status Chess Club")
    await alice.press(encode("st", 1, 0))
    assert "Only staff" in alice.said
    assert "Chess Club" not in alice.said
    stranger = Chat(engine, 999)
    assert "Only staff" in await stranger.send("/status")
    assert "/status" not in await alice.send("/help")


async def test_a_revoked_role_counts_from_the_next_message(campus: Campus) -> None:
    await campus.clubs("Chess Club")
    staff = await staff_chat(campus)
    assert "/status" in await staff.send("/help")
    assert "Clubs: 1" in await staff.send("/status")
    await set_role(campus, STAFF, granted=False)
    assert "Only staff" in await staff.send("/status")
    await staff.press(encode("st", 1, 0))
    assert "Only staff" in staff.said
