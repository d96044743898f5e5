"""An answer committed with its update survives a crash before it was sent."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.chat.frontend import DeliveryError, NotSent, Unreachable
from bot.chat.replies import Outcome, Reply
from bot.core.engine import Engine
from bot.domain.policy import Policy
from bot.flows import build_router
from storage.db import Database
from storage.types import utcnow
from tests.harness import BOT_ID, BOT_USERNAME, Campus, Chat


def restarted(db: Database, clock: datetime | None = None) -> Engine:
    """A new process's engine on the same database."""
    at = clock or utcnow()
    return Engine(
        db, Policy(), build_router(), bot_id=BOT_ID, bot_username=BOT_USERNAME, clock=lambda: at
    )


class Sent:
    def __init__(self, *failures: DeliveryError) -> None:
        self.messages: list[tuple[int, Reply]] = []
        self.failures = list(failures)

    async def send(self, chat_id: int, reply: Reply) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.messages.append((chat_id, reply))


async def test_a_redelivered_update_gets_the_answer_it_never_sent(
    db: Database, campus: Campus, engine: Engine
) -> None:
    await campus.clubs("Chess Club")
    alice = await campus.bound("S1", 1001)
    update = alice.incoming(text="/join Chess Club")
    first = await engine.handle(update)  # committed; the process dies before sending
    assert "Welcome to" in first.replies[0].text
    # Delivered again at once (to another worker): it may still be on its way, so no answer.
    assert (await restarted(db).handle(update)).duplicate
    again = restarted(db, utcnow() + timedelta(minutes=2))
    second = await again.handle(update)
    assert [r.text for r in second.replies] == [r.text for r in first.replies]
    assert second.sent is None  # taken as it was handed out: not sent a third time
    assert (await again.handle(update)).duplicate
    assert "1 of at most 2" in await alice.send("/myclubs")


async def test_undelivered_answers_are_sent_at_start(db: Database, engine: Engine) -> None:
    first = await engine.handle(Chat(engine, 1001).incoming(text="/language"))
    assert first.replies[0].buttons
    sent = Sent()
    # Too young: the process that made it may still be sending it.
    assert await restarted(db).resend_undelivered(sent.send) == 0
    later = restarted(db, utcnow() + timedelta(minutes=2))
    assert await later.resend_undelivered(sent.send) == 1
    assert sent.messages[0][0] == 1001
    assert sent.messages[0][1].text == first.replies[0].text
    assert sent.messages[0][1].buttons == first.replies[0].buttons
    assert await later.resend_undelivered(sent.send) == 0


async def test_delivered_answers_are_not_sent_again(db: Database, engine: Engine) -> None:
    update = Chat(engine, 1001).incoming(text="/help")
    first: Outcome = await engine.handle(update)
    assert first.sent is not None
    await first.sent()  # what an adapter does once the replies went out
    later = restarted(db, utcnow() + timedelta(minutes=2))
    sent = Sent()
    assert await later.resend_undelivered(sent.send) == 0
    assert (await later.handle(update)).duplicate


async def test_an_answer_that_never_left_is_sent_at_the_next_round(
    db: Database, engine: Engine
) -> None:
    await engine.handle(Chat(engine, 1001).incoming(text="/help"))
    later = restarted(db, utcnow() + timedelta(minutes=2))
    sent = Sent(NotSent("connection refused"))
    assert await later.resend_undelivered(sent.send) == 0
    assert await later.resend_undelivered(sent.send) == 1
    assert "What I can do" in sent.messages[0][1].text
    assert await later.resend_undelivered(sent.send) == 0


async def test_an_answer_to_a_user_out_of_reach_is_not_kept(db: Database, engine: Engine) -> None:
    await engine.handle(Chat(engine, 1001).incoming(text="/help"))
    later = restarted(db, utcnow() + timedelta(minutes=2))
    sent = Sent(Unreachable("bot was blocked by the user"))
    assert await later.resend_undelivered(sent.send) == 0
    assert await later.resend_undelivered(sent.send) == 0
    assert sent.messages == []
