"""Nothing Telegram would reject for its length: every message is at most 4,096 UTF-16 units,
split at line breaks or cut with an ellipsis, in the one place every outgoing text passes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.chat.i18n import catalog, placeholders, tr
from bot.chat.replies import TEXT_LIMIT, Button, Reply, fit, split_text, utf16_len
from bot.core.engine import _outcome
from bot.core.router import Step
from bot.domain.values import Language
from storage import outbox
from storage.db import Database
from storage.tx import Tx

HUGE = "😀" * 2048  # 4,096 UTF-16 units on its own
LONG_NAME = "名" * 300


def balanced(text: str) -> bool:
    """Every HTML tag opened in the part is closed in it."""
    opened = re.findall(r"<([a-z]+)[ >]", text)
    closed = re.findall(r"</([a-z]+)>", text)
    return sorted(opened) == sorted(closed)


@pytest.mark.parametrize("language", list(Language))
def test_every_message_with_maximal_values_fits(language: Language) -> None:
    over = 0
    for key, template in catalog(language).items():
        params = {
            name: HUGE if i % 2 == 0 else LONG_NAME
            for i, name in enumerate(sorted(placeholders(template)))
        }
        text = tr(language, key, **params)
        over += utf16_len(text) > TEXT_LIMIT
        parts = fit(Reply(text, ((Button("ok", "v1:x"),),)))
        assert all(utf16_len(p.text) <= TEXT_LIMIT for p in parts), key
        assert all(balanced(p.text) for p in parts), key
        assert parts[-1].buttons
        assert not any(p.buttons for p in parts[:-1])
    assert over > 10  # the maximal values do push messages over the limit


def test_lines_are_kept_whole_and_a_long_line_is_cut_as_plain_text() -> None:
    lines = [f"<b>line {i}</b> " + "x" * 1000 for i in range(10)]
    parts = split_text("\n".join(lines))
    assert "\n".join(parts).split("\n") == lines
    assert all(utf16_len(p) <= TEXT_LIMIT for p in parts)
    (cut,) = split_text("<b>" + "&amp;" * 2000 + "</b>")
    assert cut.endswith("…")
    assert "<b>" not in cut
    assert utf16_len(cut) <= TEXT_LIMIT
    assert re.fullmatch(r"(&amp;)+…", cut)
    (emoji,) = split_text("😀" * 3000)
    assert emoji == "😀" * 2047 + "…"


def test_an_edit_replaces_with_the_first_part_and_buttons_go_last() -> None:
    reply = Reply("\n".join([HUGE, HUGE]), ((Button("ok", "v1:x"),),), edit=True)
    first, second = fit(reply)
    assert first.edit
    assert not second.edit
    assert second.buttons
    assert not first.buttons
    assert fit(Reply("short")) == [Reply("short")]


def test_the_engine_splits_what_a_handler_answers() -> None:
    from bot.chat.replies import Incoming

    step = Step.say("\n".join([HUGE, "middle", HUGE]))
    inc = Incoming(update_id=1, chat_id=1, user_id=1, text="/x")
    replies = _outcome(step, inc).replies
    assert len(replies) >= 2
    assert all(utf16_len(r.text) <= TEXT_LIMIT for r in replies)


async def test_a_long_notice_is_queued_in_parts_and_counted_once(db: Database) -> None:
    now = datetime.now(UTC)
    text = "\n".join([HUGE, HUGE, "end"])
    async with db.transaction() as session:
        tx = Tx(session, db)
        message = outbox.Message("obj:1", 42, text, ((Button("ok", "v1:x"),),))
        assert await outbox.enqueue_many(tx, [message], now) == 1
        assert await outbox.enqueue_many(tx, [message], now) == 0
        claimed = await outbox.claim_due(tx, now, lease=timedelta(minutes=1), limit=10)
    assert [utf16_len(p.reply.text) <= TEXT_LIMIT for p in claimed] == [True] * len(claimed)
    assert len(claimed) == 3
    assert claimed[-1].reply.buttons
    assert not claimed[0].reply.buttons
    assert "\n".join(p.reply.text for p in claimed) == text
