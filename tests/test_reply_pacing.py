"""Replies to updates go through the outbox's limits, and a 429 delays a reply, never drops it."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.chat.frontend import RetryAfter
from bot.core.engine import Engine
from bot.domain.policy import Policy
from bot.flows import build_router
from emulator import BotApiEmulator
from schedules.throttle import Pacer, Throttle
from storage import migrate
from storage.db import Database
from storage.types import utcnow
from tests.e2e import running_bot
from tests.harness import Chat


class FakeTime:
    """Time that moves only when the pacer sleeps."""

    def __init__(self) -> None:
        self.at = 1000.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.at

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.at += seconds


async def test_replies_to_one_chat_are_a_second_apart() -> None:
    clock = FakeTime()
    pacer = Pacer(Throttle(Policy()), now=clock.now, sleep=clock.sleep)
    starts: list[float] = []

    async def call() -> None:
        starts.append(clock.at)

    for _ in range(3):
        await pacer.send(7, call)
    await pacer.send(8, call)
    assert [round(b - a, 3) for a, b in itertools.pairwise(starts)] == [1, 1, 0.04]


async def test_replies_waiting_at_once_keep_the_overall_pace() -> None:
    """aiogram handles a whole batch of updates at once: their replies, all waiting together,
    still start at most `delivery_rate_per_second` in a second, one pace apart."""
    policy = Policy()
    pacer = Pacer(Throttle(policy))
    starts: list[float] = []

    async def one(chat_id: int) -> None:
        async with pacer.turn(chat_id):
            starts.append(time.monotonic())

    began = time.monotonic()
    await asyncio.gather(*(one(1000 + n) for n in range(40)))
    in_first_second = sum(1 for at in starts if at - began < 1.0)
    assert in_first_second <= policy.delivery_rate_per_second
    # In no second do more than the rate start (a late wake-up may bunch two, never more).
    rate = int(policy.delivery_rate_per_second)
    ordered = sorted(starts)
    assert all(b - a >= 0.99 for a, b in zip(ordered, ordered[rate:], strict=False))


async def test_a_429_is_waited_out_and_holds_the_outbox_too() -> None:
    clock = FakeTime()
    throttle = Throttle(Policy())
    pacer = Pacer(throttle, now=clock.now, sleep=clock.sleep)
    calls: list[float] = []

    async def call() -> str:
        calls.append(clock.at)
        if len(calls) == 1:
            raise RetryAfter(3)
        return "sent"

    assert await pacer.send(7, call) == "sent"
    assert calls[1] - calls[0] >= 3
    # The outbox's delivery reads the same throttle: nothing of it starts before the wait ends.
    slot = throttle.next_slot()
    assert slot is not None
    assert slot >= calls[0] + 3


async def test_a_reply_refused_again_and_again_is_given_up() -> None:
    clock = FakeTime()
    pacer = Pacer(Throttle(Policy()), now=clock.now, sleep=clock.sleep)

    async def call() -> None:
        raise RetryAfter(1)

    with pytest.raises(RetryAfter):
        await pacer.send(7, call)


async def test_edits_of_pressed_messages_are_made_at_once_but_429_is_waited_out() -> None:
    """A user pressing on must see each edit: edits do not wait for the chat's turn."""
    clock = FakeTime()
    pacer = Pacer(Throttle(Policy()), now=clock.now, sleep=clock.sleep)
    made: list[float] = []

    async def call() -> None:
        made.append(clock.at)

    await pacer.send(7, call)
    for _ in range(3):
        await pacer.edit(call)
    assert made == [1000.0] * 4
    refused = [RetryAfter(2)]

    async def busy() -> str:
        if refused:
            raise refused.pop()
        return "edited"

    assert await pacer.edit(busy) == "edited"
    assert clock.slept == [2]


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(bot_username="clubbot_test_bot") as emulator:
        yield emulator


@pytest.mark.e2e
async def test_a_reply_answered_429_arrives_after_the_wait(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database(url)
    await migrate.upgrade(db)
    await db.dispose()
    async with running_bot(emu, "aiogram", url):
        alice = emu.user(1001, language_code="en")
        emu.fail_next("sendMessage", chat_id=1001, retry_after=1)
        began = time.monotonic()
        await alice.send("/help")
        reply = await alice.wait_message()
        assert "What I can do" in (reply.text or "")
        assert time.monotonic() - began >= 1


@pytest.mark.e2e
async def test_an_answer_sent_at_start_waits_out_a_429(
    emu: BotApiEmulator, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database(url)
    await migrate.upgrade(db)
    # A process that stopped three minutes ago, after committing its answer and before sending.
    stopped = utcnow() - timedelta(minutes=3)
    engine = Engine(
        db,
        Policy(),
        build_router(),
        bot_id=emu.bot_id,
        bot_username="clubbot_test_bot",
        clock=lambda: stopped,
    )
    assert (await Chat(engine, 1001).deliver(Chat(engine, 1001).incoming(text="/help"))).replies
    await db.dispose()
    alice = emu.user(1001, language_code="en")
    emu.fail_next("sendMessage", chat_id=1001, retry_after=1)
    began = time.monotonic()
    async with running_bot(emu, "ptb", url):
        reply = await alice.wait_message(timeout=15)
    assert "What I can do" in (reply.text or "")
    assert time.monotonic() - began >= 1


async def test_replies_waiting_at_once_are_not_all_woken_by_every_answer() -> None:
    """A batch of replies waiting for their slots waits in line: each answer wakes the reply
    whose slot it frees, not every reply of the batch (which cost aiogram's batches more CPU
    than answering them). And replies to one chat still go in order, a second apart."""
    clock = YieldingTime()
    pacer = Pacer(Throttle(Policy()), now=clock.now, sleep=clock.sleep)
    woken = 0
    wait = pacer._answer_of

    async def counted(send: object) -> None:
        nonlocal woken
        woken += 1
        await wait(send)  # type: ignore[arg-type]

    pacer._answer_of = counted  # type: ignore[method-assign]
    order: list[tuple[int, int, float]] = []

    async def one(chat_id: int, n: int) -> None:
        await pacer.send(chat_id, lambda: _record(order, chat_id, n, clock.at))

    replies = [(1000 + n % 100, n) for n in range(300)]  # 100 chats, three replies each
    await asyncio.gather(*(one(chat_id, n) for chat_id, n in replies))
    assert len(order) == len(replies)
    # At most one wait per reply (all woken by every answer, this batch woke them 946 times).
    assert woken <= len(replies), woken
    for chat_id in range(1000, 1100):
        mine = [(n, at) for c, n, at in order if c == chat_id]
        assert [n for n, _ in mine] == sorted(n for n, _ in mine)
        assert all(b[1] - a[1] >= 1 for a, b in itertools.pairwise(mine))


class YieldingTime(FakeTime):
    """Fake time whose sleep lets the other replies run meanwhile, as a real one does."""

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds)
        await asyncio.sleep(0)


async def _record(order: list[tuple[int, int, float]], chat_id: int, n: int, at: float) -> None:
    order.append((chat_id, n, at))
