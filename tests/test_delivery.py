"""The outbox is sent once, within Telegram's limits, held on 429 and during quiet hours, and
never repeats a message that may have arrived. Time is a fake clock: nothing sleeps."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.chat.frontend import MaybeDelivered, RetryAfter, Unreachable
from bot.chat.replies import Reply
from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from schedules.delivery import Delivery
from schedules.throttle import Throttle
from storage import outbox
from storage.db import Database
from storage.models import ClubRow, DeadlineRow, OutboxRow
from storage.outbox import Message, ReminderOf
from storage.tx import Tx
from tests.clock import FakeClock, local
from tests.conftest import MakeDb

CAL = Calendar.named("Asia/Shanghai")
NOON = local(date(2026, 3, 2), 12)


class FakeSender:
    """Records (time, chat, text) of every send; fails chats listed in `failures` once."""

    def __init__(self, clock: FakeClock, failures: dict[int, Exception] | None = None) -> None:
        self.clock = clock
        self.sent: list[tuple[datetime, int, str]] = []
        self.failures = failures or {}

    async def send(self, chat_id: int, reply: Reply) -> None:
        failure = self.failures.pop(chat_id, None)
        if failure is not None:
            raise failure
        self.sent.append((self.clock.now(), chat_id, reply.text))

    def chats(self) -> list[int]:
        return [chat for _, chat, _ in self.sent]


def _delivery(db: Database, sender: FakeSender, policy: Policy | None = None) -> Delivery:
    return Delivery(db, sender, policy or Policy(), CAL, sender.clock)


async def _queue(
    db: Database, at: datetime, *chats: int, reminder: ReminderOf | None = None
) -> None:
    async with db.transaction() as session:
        tx = Tx(session, db)
        messages = [
            Message(f"k{i}:{chat}", chat, f"hello {chat}", reminder=reminder)
            for i, chat in enumerate(chats)
        ]
        await outbox.enqueue_many(tx, messages, at)
        await outbox.enqueue_many(tx, messages, at)  # the same keys again change nothing


async def _statuses(db: Database) -> dict[int, str]:
    async with db.transaction() as session:
        return {r.chat_id: r.status for r in await session.scalars(select(OutboxRow))}


async def test_sent_once_across_ticks(db: Database) -> None:
    clock = FakeClock(NOON)
    await _queue(db, NOON, 1, 2)
    sender = FakeSender(clock)
    delivery = _delivery(db, sender)
    assert await delivery.deliver_due() == 2
    assert await delivery.deliver_due() == 0
    assert sorted(sender.chats()) == [1, 2]


async def test_429_pauses_every_sender_for_retry_after(db: Database, make_db: MakeDb) -> None:
    clock = FakeClock(NOON)
    await _queue(db, NOON, *range(1, 11))
    sender = FakeSender(clock, {3: RetryAfter(30)})
    first = _delivery(db, sender)
    assert await first.deliver_due() == 2
    paused_at = clock.now()
    assert Counter((await _statuses(db)).values()) == {"sent": 2, "pending": 8}
    await first.close()
    # Another process takes over the sending: it waits for the pause too.
    other = _delivery(await make_db("", share=db), sender)
    assert await other.deliver_due() == 0
    clock.advance(seconds=29)
    assert await other.deliver_due() == 0
    clock.advance(seconds=2)
    assert await other.deliver_due() == 8
    resumed = [at for at, chat, _ in sender.sent if chat not in (1, 2)]
    assert min(resumed) >= paused_at + timedelta(seconds=30)
    assert sorted(sender.chats()) == list(range(1, 11))


async def test_blocked_and_timed_out_are_not_retried(db: Database) -> None:
    clock = FakeClock(NOON)
    await _queue(db, NOON, 1, 2, 3)
    sender = FakeSender(clock, {1: Unreachable("blocked"), 2: MaybeDelivered("read timeout")})
    delivery = _delivery(db, sender)
    await delivery.deliver_due()
    assert await _statuses(db) == {1: "unreachable", 2: "uncertain", 3: "sent"}
    clock.advance(hours=1)
    assert await delivery.deliver_due() == 0
    async with db.transaction() as session:
        problems, count = await outbox.problems(Tx(session, db), 3, 10)
    assert count == 2
    assert {p.status for p in problems} == {"unreachable", "uncertain"}


async def test_a_sender_that_died_mid_send_leaves_its_row_uncertain_and_the_rest_due(
    db: Database,
) -> None:
    """A process claimed three rows, had started sending the first, then died: once the claims
    run out, the first may have arrived (uncertain), the others were never sent (sent now)."""
    clock = FakeClock(NOON)
    await _queue(db, NOON, 1, 2, 3)
    async with db.transaction() as session:
        tx = Tx(session, db)
        claimed = await outbox.claim_due(tx, NOON, timedelta(minutes=2), 10)
        assert await outbox.start_sending(tx, claimed[0].id)
    sender = FakeSender(clock)
    delivery = _delivery(db, sender)
    assert await delivery.deliver_due() == 0  # still claimed
    clock.advance(minutes=3)
    assert await delivery.deliver_due() == 2
    assert await _statuses(db) == {1: "uncertain", 2: "sent", 3: "sent"}
    clock.advance(hours=1)
    assert await delivery.deliver_due() == 0
    assert sorted(sender.chats()) == [2, 3]


async def test_other_failures_back_off_become_visible_then_give_up(db: Database) -> None:
    clock = FakeClock(NOON)
    await _queue(db, NOON, 1)
    policy = Policy(delivery_max_attempts=4, delivery_attempts_visible=2)
    statuses, visible = [], []
    for _ in range(4):
        sender = FakeSender(clock, {1: RuntimeError("boom")})
        delivery = _delivery(db, sender, policy)
        await delivery.deliver_due()
        assert await delivery.deliver_due() == 0  # backing off
        statuses.append((await _statuses(db))[1])
        async with db.transaction() as session:
            visible.append((await outbox.problems(Tx(session, db), 2, 10))[1])
        clock.advance(hours=1)
    assert statuses == ["pending", "pending", "pending", "failed"]
    assert visible == [0, 1, 1, 1]


def _min_span(times: list[float], n: int) -> float:
    """The shortest time in which n + 1 consecutive sends happened (more than n in a window
    means this is shorter than the window)."""
    return min(times[i + n] - times[i] for i in range(len(times) - n))


async def test_rates_stay_within_the_limits(db: Database) -> None:
    """300 messages: 60 chats × 4 and one group × 60; checked from the send timestamps."""
    clock = FakeClock(NOON)
    group = -100777
    await _queue(db, NOON, *[chat for chat in range(1, 61) for _ in range(4)], *[group] * 60)
    sender = FakeSender(clock)
    policy = Policy()
    delivery = _delivery(db, sender, policy)
    ticks = 0
    while len(sender.sent) < 300:
        # The group's rows wait a minute between bursts: later ticks (every 5 s) send them.
        await delivery.deliver_due()
        clock.advance(seconds=5)
        ticks += 1
    assert ticks < 60
    assert len(sender.sent) == 300
    times = [at.timestamp() for at, _, _ in sender.sent]
    assert times == sorted(times)
    # Overall: never more than the configured rate within any second.
    assert _min_span(times, int(policy.delivery_rate_per_second)) >= 1.0
    by_chat: dict[int, list[float]] = {}
    for at, chat, _ in sender.sent:
        by_chat.setdefault(chat, []).append(at.timestamp())
    for chat, sent in by_chat.items():
        assert _min_span(sent, 1) >= 1.0, chat
    assert _min_span(by_chat[group], policy.delivery_group_rate_per_minute) >= 60.0
    # The private chats' 240 messages are paced at the global rate, not one chat at a time.
    private = [t for at, chat, _ in sender.sent if chat > 0 for t in [at.timestamp()]]
    rate = (len(private) - 1) / (private[-1] - private[0])
    assert rate >= 0.95 * policy.delivery_rate_per_second


async def _deadlines(db: Database, *due: date) -> list[int]:
    """Deadline rows (of one club) for reminders to point at."""
    async with db.transaction() as session:
        club = ClubRow(
            name="Chess",
            name_key="chess",
            category="academic",
            guidance_unit="CS",
            founded=date(2020, 1, 1),
            status="active",
        )
        session.add(club)
        await session.flush()
        assert club.id is not None
        for day in due:
            session.add(DeadlineRow(club_id=club.id, kind="meeting", due_on=day, closed_at=NOON))
        await session.flush()
        return [d.id for d in await session.scalars(select(DeadlineRow)) if d.id is not None]


async def test_quiet_hours_hold_reminders_that_are_not_urgent(db: Database) -> None:
    night = local(NOON.date(), 23)
    morning = local(NOON.date() + timedelta(days=1), 8)
    clock = FakeClock(night)
    week, today = await _deadlines(db, NOON.date() + timedelta(days=7), NOON.date())
    later = ReminderOf(week, "d7", "officers", morning + timedelta(days=7))
    # Its deadline ends at midnight, before the quiet hours do: holding it would be useless.
    urgent = ReminderOf(today, "d1", "officers", local(NOON.date() + timedelta(days=1), 0))
    await _queue(db, night, 1, reminder=later)
    await _queue(db, night, 2, reminder=urgent)
    await _queue(db, night, 3)  # not a reminder: a notice goes out at once
    sender = FakeSender(clock)
    delivery = _delivery(db, sender)
    assert await delivery.deliver_due() == 2
    assert sorted(sender.chats()) == [2, 3]
    clock.set(morning - timedelta(minutes=1))
    assert await delivery.deliver_due() == 0
    clock.set(morning)
    assert await delivery.deliver_due() == 1
    assert sender.chats()[-1] == 1


@pytest.mark.postgres
async def test_two_workers_on_postgres_send_each_once(make_db: MakeDb) -> None:
    db = await make_db("postgres")
    other = await make_db("postgres", share=db)
    clock = FakeClock(NOON)
    await _queue(db, NOON, *range(1, 201))
    sender = FakeSender(clock)
    one, two = _delivery(db, sender), _delivery(other, sender)
    sent = await asyncio.gather(one.deliver_due(), two.deliver_due())
    assert sum(sent) == 200
    assert sorted(sender.chats()) == list(range(1, 201))


@pytest.mark.postgres
async def test_concurrent_claims_skip_each_others_rows(make_db: MakeDb) -> None:
    """The claim itself, without the sender lease: SKIP LOCKED hands out disjoint rows."""
    db = await make_db("postgres")
    other = await make_db("postgres", share=db)
    await _queue(db, NOON, *range(1, 101))
    first_claimed = asyncio.Event()
    release = asyncio.Event()

    async def claim(handle: Database, hold: bool) -> list[int]:
        async with handle.transaction() as session:
            found = await outbox.claim_due(Tx(session, handle), NOON, timedelta(minutes=2), 60)
            if hold:
                first_claimed.set()
                await release.wait()
        return [p.chat_id for p in found]

    async def second() -> list[int]:
        await first_claimed.wait()
        try:
            return await claim(other, False)
        finally:
            release.set()

    a, b = await asyncio.gather(claim(db, True), second())
    assert len(a) == 60
    assert len(b) == 40
    assert not set(a) & set(b)


def test_limits_count_from_the_answer_so_network_delays_cannot_squeeze_messages() -> None:
    """A request reaches Telegram between its start and its answer: counting from answers
    keeps two messages apart at Telegram's end however late the first one travelled."""
    throttle = Throttle(Policy(delivery_rate_per_second=2, delivery_group_rate_per_minute=2))
    first = throttle.start(7, 0.0)
    assert throttle.blocked(7)  # unanswered: the next message to chat 7 waits for the answer
    assert throttle.next_slot() == 0.5  # the even pace counts from starts
    second = throttle.start(8, 0.5)
    # Two per second: the third message waits for the answer to the first, then one second.
    assert throttle.next_slot() is None
    throttle.answered(first, 0.7)
    throttle.answered(second, 0.8)
    assert throttle.next_slot() == 1.7
    assert not throttle.blocked(7)
    assert throttle.ready_at(7) == 1.7
    group = -5
    for at in (2.0, 4.0):
        throttle.answered(throttle.start(group, at), at + 0.25)
    assert throttle.ready_at(group) == 2.25 + 60
