"""A flood from one user: bounded answers for that user, everyone else still answered."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

import pytest

from bot.core.engine import Engine, UserThrottle
from bot.domain.policy import Policy
from bot.flows import build_router
from storage.db import Database
from storage.types import utcnow
from tests.harness import BOT_ID, BOT_USERNAME, Chat


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.at = utcnow()

    def __call__(self) -> datetime:
        return self.at


async def test_flood_is_bounded_and_others_are_answered(db: Database) -> None:
    clock = Clock()
    policy = Policy(throttle_updates=20, throttle_window_seconds=10)
    engine = Engine(
        db, policy, build_router(), bot_id=BOT_ID, bot_username=BOT_USERNAME, clock=clock
    )
    flood, other = Chat(engine, 5001), Chat(engine, 5002)
    answered = 0
    others = []
    for n in range(500):
        outcome = await flood.deliver(flood.incoming(text=f"spam {n}"))
        answered += bool(outcome.replies)
        assert not outcome.duplicate
        if n % 50 == 0:
            others.append(await other.send("hello"))
    assert answered == 21  # twenty answers and one notice
    notices = [o for o in flood.outcomes if o.replies and "Too many" in o.replies[0].text]
    assert len(notices) == 1
    assert "wait 10 seconds" in notices[0].replies[0].text
    assert all("didn't understand" in said for said in others), others
    clock.at += timedelta(seconds=10)
    assert "didn't understand" in await flood.send("hello again")


async def test_updates_past_the_limit_are_recorded(db: Database) -> None:
    clock = Clock()
    policy = Policy(throttle_updates=1, throttle_window_seconds=5)
    engine = Engine(
        db, policy, build_router(), bot_id=BOT_ID, bot_username=BOT_USERNAME, clock=clock
    )
    chat = Chat(engine, 5003)
    await chat.send("one")
    silent = chat.incoming(text="three")
    assert "wait 5 seconds" in await chat.send("two")
    assert not (await engine.handle(silent)).duplicate
    clock.at += timedelta(seconds=5)
    assert (await engine.handle(silent)).duplicate


def test_throttle_windows() -> None:
    start = utcnow()
    throttle = UserThrottle(2, timedelta(seconds=10))
    assert throttle.check(1, start) is None
    assert throttle.check(1, start) is None
    assert throttle.check(1, start + timedelta(seconds=3.5)) == 7
    assert throttle.check(1, start + timedelta(seconds=4)) == 0
    assert throttle.check(2, start + timedelta(seconds=4)) is None
    assert throttle.check(1, start + timedelta(seconds=10)) is None


async def test_refused_buttons_are_logged_by_hash(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    engine = Engine(db, Policy(), build_router(), bot_id=BOT_ID, bot_username=BOT_USERNAME)
    chat = Chat(engine, 5004)
    forged = ["v9:<script>:x", "v1:nosuchkind:1", "v1:f:7:yes", "v1:st:1:0"]
    caplog.set_level(logging.WARNING)
    for data in forged:
        caplog.clear()
        await chat.press(data)
        assert "expired" in chat.said or "only" in chat.said.lower(), chat.said
        refused = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(refused) == 1, [r.getMessage() for r in caplog.records]
        message = refused[0].getMessage()
        assert "5004" in message
        assert hashlib.sha256(data.encode()).hexdigest()[:12] in message
        assert data not in message
