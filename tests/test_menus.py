"""Command menus by role (issue 15, part 6): each person's chat offers what they may use, in their
language, and a role granted or revoked changes it at the next tick; staff grant a role by
picking the person with Telegram's person picker as well as by id."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from bot.chat.frontend import Unreachable
from bot.chat.replies import BotCommand, Reply
from bot.core import menus
from bot.core.router import Audience
from bot.domain.values import Language, Role
from emulator import BotApiEmulator
from schedules.menus import MenuPublisher
from storage import clubs, migrate, officers, people
from storage.db import Database
from storage.tx import Tx, transact
from storage.types import utcnow
from tests.console import ADVISOR, MEMBER, OFFICER, REP, REVIEWER, STAFF, Console
from tests.e2e import FRAMEWORKS, running_bot
from tests.harness import Campus, Chat

T = TypeVar("T")
EVERYONE = (STAFF, REVIEWER, REP, ADVISOR, OFFICER, MEMBER)


class FakeMenus:
    """Telegram's side: the menu each chat shows (None: the default), and the calls made."""

    def __init__(self) -> None:
        self.menus: dict[int, list[BotCommand] | None] = {}
        self.calls = 0
        self.unreachable: set[int] = set()

    async def set_menu(self, chat_id: int, commands: list[BotCommand] | None) -> None:
        self.calls += 1
        if chat_id in self.unreachable:
            raise Unreachable("Bad Request: chat not found")
        self.menus[chat_id] = commands

    def names(self, chat_id: int) -> set[str]:
        shown = self.menus.get(chat_id)
        assert shown is not None, f"chat {chat_id} shows the default menu"
        return {c.command for c in shown}


class Direct:
    """No limits: the publisher's calls go at once."""

    async def send(self, chat_id: int, call: Callable[[], Awaitable[T]]) -> T:
        return await call()

    async def edit(self, call: Callable[[], Awaitable[T]]) -> T:
        return await call()


@pytest.fixture
async def console(campus: Campus) -> Console:
    world = Console(campus)
    await world.seed()
    # Everyone has written to the bot once: each has a chat a menu can be shown in.
    for user_id in EVERYONE:
        await world.chat(user_id).send("/help")
    return world


def publisher(console: Console, front: FakeMenus) -> MenuPublisher:
    router = console.engine.router
    return MenuPublisher(console.db, front, Direct(), lambda facts: menus.wanted(router, facts))


def last(chat: Chat) -> Reply:
    return chat.outcomes[-1].replies[-1]


async def test_each_role_gets_its_menu_and_a_student_the_default(console: Console) -> None:
    front = FakeMenus()
    assert await publisher(console, front).publish_due() == 5
    staff = front.names(STAFF)
    assert {"status", "ledger", "grant", "revoke", "todo", "election"} <= staff
    assert not {"join", "establish", "verdict"} & staff
    assert {"verdict", "status", "todo"} <= front.names(REVIEWER)
    assert not {"grant", "join"} & front.names(REVIEWER)
    assert {"todo", "election"} <= front.names(REP)
    assert {"todo", "election", "deadlines"} <= front.names(ADVISOR)
    assert not {"join", "status"} & front.names(ADVISOR)
    officer = front.names(OFFICER)
    assert {"join", "meeting", "review_form", "deadlines", "election", "cancel"} <= officer
    assert "status" not in officer
    # A member is a student: the default menu (published for each language at start) fits.
    assert MEMBER not in front.menus
    default = {c.command for c in menus.default(console.engine.router, Language.EN)}
    assert {"start", "join", "leave", "establish", "cancel"} <= default
    assert not {"status", "meeting", "grant"} & default
    # Nothing changed since: the next tick calls Telegram for nobody.
    assert await publisher(console, front).publish_due() == 0
    assert front.calls == 5


async def test_a_grant_and_a_revoke_change_the_menu_at_the_next_tick(console: Console) -> None:
    front = FakeMenus()
    await publisher(console, front).publish_due()
    staff = console.chat(STAFF)
    assert "Granted" in await staff.send(f"/grant reviewer {MEMBER}")
    assert await publisher(console, front).publish_due() == 1
    assert {"verdict", "status", "join"} <= front.names(MEMBER)
    assert "Revoked" in await staff.send(f"/revoke reviewer {MEMBER}")
    calls = front.calls
    await publisher(console, front).publish_due()
    # Back to being a student: the chat's own menu is taken away, so the default shows.
    assert front.calls == calls + 1
    assert front.menus[MEMBER] is None


async def test_a_new_president_gets_the_officers_menu(console: Console) -> None:
    front = FakeMenus()
    await publisher(console, front).publish_due()
    async with console.db.transaction() as session:
        tx = Tx(session, console.db)
        chess = await clubs.club_by_key(tx, "chess club")
        s2 = await people.student_by_student_id(tx, "S2")
        assert chess is not None
        assert s2 is not None
        await officers.set_president(tx, chess.id, s2.id, utcnow())
    await publisher(console, front).publish_due()
    assert "meeting" in front.names(MEMBER)
    # The president before them holds no office now: their chat shows the default again.
    assert front.menus[OFFICER] is None


async def test_a_chosen_language_gives_a_menu_in_it(console: Console) -> None:
    front = FakeMenus()
    await publisher(console, front).publish_due()
    member = console.chat(MEMBER)
    await member.send("/language")
    await member.click("中文")
    await publisher(console, front).publish_due()
    shown = front.menus[MEMBER]
    assert shown is not None
    join = next(c for c in shown if c.command == "join")
    assert join.description == "加入社团"


async def test_a_chat_that_cannot_be_reached_gets_its_menu_when_it_is_again(
    console: Console,
) -> None:
    front = FakeMenus()
    front.unreachable = {STAFF}
    await publisher(console, front).publish_due()
    assert STAFF not in front.menus
    calls = front.calls
    assert await publisher(console, front).publish_due() == 0
    assert front.calls == calls  # not tried again every tick
    front.unreachable = set()
    # The user unblocks the bot (or writes to it): their menu is due again.
    await transact(console.db, lambda tx: people.set_reachable(tx, STAFF, True, utcnow()))
    assert await publisher(console, front).publish_due() == 1
    assert "grant" in front.names(STAFF)


# --- granting by picking the person --------------------------------------------------------------


async def test_staff_grant_a_role_by_picking_the_person(console: Console) -> None:
    staff = console.chat(STAFF)
    await staff.send("/grant")
    await staff.click("Review committee member")
    ask = last(staff)
    assert ask.picker is not None
    assert ask.picker.text == "👤 Choose a person"
    assert not ask.buttons
    assert not ask.edit
    # Something that is no person asks again, with the picker.
    assert "not a person" in await staff.send("Bob please")
    assert last(staff).picker is not None
    done = await staff.share(MEMBER, "Bob Telegram")
    # The name the records give wins over the one the picker shared.
    assert "Granted: Bob (S2) is now a member of the review committee" in done
    assert "Telegram ID: 9006" in done
    assert last(staff).close_picker
    async with console.db.transaction() as session:
        held = await people.roles_of(Tx(session, console.db), MEMBER)
    assert held == frozenset({Role.REVIEWER})
    # The picker has gone with its question: a choice sent now is answered, and changes nothing.
    assert "Nothing is waiting for you to choose a person" in await staff.share(OFFICER, "Alice")
    assert last(staff).close_picker
    async with console.db.transaction() as session:
        assert await people.roles_of(Tx(session, console.db), OFFICER) == frozenset()


async def test_grant_names_a_telegram_only_person_as_telegram_shows_them(
    console: Console,
) -> None:
    en, zh = console.chat(STAFF), console.chat(STAFF, "zh-hans")
    # Bound to no record: the Telegram name in its own order, and the username.
    await en.send("/grant reviewer")
    done = await en.share(9101, "Sam", "Lee", "samlee")
    assert "Granted: Sam Lee (@samlee) is now a member of the review committee" in done
    await zh.send("/grant reviewer")
    done = await zh.share(9102, "晓华", "陈", "chenxh")
    assert "已授予：陈晓华（@chenxh） 现为评审委员会委员" in done
    await zh.send("/grant reviewer")
    assert "已授予：Ann Wu 现为" in await zh.share(9103, "Ann", "Wu")  # Latin: as written
    await en.send("/grant reviewer")
    assert "Granted: @ghost is now" in await en.share(9104, "", None, "ghost")
    # Bound to a record: the record's name and number, whatever Telegram shared.
    await en.send("/revoke reviewer")
    done = await en.share(ADVISOR, "T", "One", "t1")
    assert "Teacher One (T1)" in done
    assert "@t1" not in done
    await zh.send("/grant reviewer")
    assert "Bob（S2）" in await zh.share(MEMBER, "波", "鲍", "bob")


async def test_staff_revoke_by_role_then_a_typed_id_and_cancel(console: Console) -> None:
    staff = console.chat(STAFF)
    await staff.send("/revoke reviewer")
    assert last(staff).picker is not None
    assert "Revoked: " in await staff.send(str(REVIEWER))
    assert last(staff).close_picker
    await staff.send("/grant staff")
    assert "Cancelled" in await staff.send("/cancel")
    assert last(staff).close_picker
    assert "Usage" in await staff.send("/grant boss")
    assert "Usage" in await staff.send("/grant staff 12x")


async def test_a_picker_answered_after_the_role_was_revoked_is_refused(console: Console) -> None:
    staff, other = console.chat(STAFF), console.chat(9100)
    await transact(console.db, lambda tx: people.grant(tx, 9100, Role.STAFF, utcnow()))
    await staff.send("/grant reviewer")
    assert "Revoked" in await other.send(f"/revoke staff {STAFF}")
    refused = await staff.share(MEMBER, "Bob")
    assert "staff" in refused.lower()
    assert last(staff).close_picker
    async with console.db.transaction() as session:
        assert await people.roles_of(Tx(session, console.db), MEMBER) == frozenset()


async def test_a_person_chosen_in_another_flow_is_asked_for_again(campus: Campus) -> None:
    chat = await campus.bound("S1", 1001)
    await chat.send("/establish")
    answer = await chat.share(1002, "Someone")
    assert "Please type it as a message" in answer
    assert "What is the club's name?" in answer
    # Nothing was lost: the question is still the name.
    assert "Step 2 of 6" in await chat.send("Robotics Club")


# --- through Telegram's API, on both frameworks -------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_the_menus_follow_a_role_picked_in_the_emulator(
    tmp_path: Path, framework: str
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database(url)
    await migrate.upgrade(db)
    await transact(db, lambda tx: people.grant(tx, 7001, Role.STAFF, utcnow()))
    await db.dispose()
    async with (
        BotApiEmulator(bot_username="clubbot_test_bot") as emu,
        running_bot(emu, framework, url),
    ):
        staff = emu.user(7001, first_name="Sam", language_code="zh")
        alice = emu.user(
            7002, first_name="Alice", last_name="Li", username="alice_li", language_code="en"
        )
        await alice.send("/help")
        await alice.wait_message()
        await staff.send("/grant reviewer")
        ask = await staff.wait_message()
        assert "Telegram" in (ask.text or "")
        assert staff.reply_keyboard is not None
        await staff.share(alice)
        done = await staff.wait_message()
        # The picker asks for the username too, and Telegram shares it.
        assert "已授予：Alice Li（@alice_li） 现为评审委员会委员" in (done.text or "")
        assert "Telegram ID：7002" in (done.text or "")
        assert staff.reply_keyboard is None
        await shown(emu, "en", alice.id, "verdict")
        # Staff's own chat got its menu at their first message, in their language.
        await shown(emu, "zh", staff.id, "grant")
        assert "join" not in {c for c, _ in emu.menu("zh", staff.id)}
        # Someone who never wrote sees the default menu.
        assert {c for c, _ in emu.menu("en")} >= {"join", "start"}


async def shown(emu: BotApiEmulator, language: str, chat_id: int, command: str) -> None:
    """Wait for the chat's menu to offer `command` (a tick publishes it)."""
    async with asyncio.timeout(10):
        while True:
            if command in {c for c, _ in emu.menu(language, chat_id)}:
                return
            await asyncio.sleep(0.05)


def test_every_menu_command_has_a_description_in_both_languages() -> None:
    from bot.flows import build_router

    router = build_router()
    everyone = frozenset(Audience)
    for language in Language:
        shown = menus.commands(router, language, everyone)
        assert len(shown) <= 100  # Telegram's limit
        assert all(1 <= len(c.description) <= 256 for c in shown)
