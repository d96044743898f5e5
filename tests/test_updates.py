"""At most once: a redelivered update changes nothing and is not answered again."""

from __future__ import annotations

import asyncio

from bot.engine import Engine
from tests.harness import Campus


async def test_same_update_twice_one_effect_one_answer(campus: Campus, engine: Engine) -> None:
    await campus.clubs("Chess Club", "Go Club")
    alice = await campus.bound("S1", 1001)
    update = alice.incoming(text="/join Chess Club")
    first = await engine.handle(update)
    second = await engine.handle(update)
    assert "Welcome to" in first.replies[0].text
    assert second.duplicate
    assert not second.replies
    assert second.toast is None
    assert "1 of at most 2" in await alice.send("/myclubs")


async def test_same_update_concurrently_one_effect(campus: Campus, engine: Engine) -> None:
    await campus.clubs("Chess Club")
    alice = await campus.bound("S1", 1001)
    update = alice.incoming(text="/join Chess Club")
    outcomes = await asyncio.gather(*(engine.handle(update) for _ in range(5)))
    assert sum(not o.duplicate for o in outcomes) == 1
    assert sum(len(o.replies) for o in outcomes) == 1


async def test_redelivered_button_press_is_ignored(campus: Campus, engine: Engine) -> None:
    await campus.clubs("Chess Club")
    alice = await campus.bound("S1", 1001)
    await alice.send("/join")
    press = alice.incoming(
        callback_id="q", callback_data=alice.button("Academic").data, message_id=1
    )
    assert "choose a club" in (await engine.handle(press)).replies[0].text
    again = await engine.handle(press)
    assert again.duplicate
    assert again.toast is None
