"""Typed free text that is invisible, turns the text's direction or shows nothing is refused
in every flow alike, and the flow waits for the answer again."""

from __future__ import annotations

import pytest

from bot.chat.text import hostile_text
from tests.establishing import seed
from tests.harness import Campus


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Chess\u202eClub", "U+202E"),  # right-to-left override
        ("Ch\u200bess", "U+200B"),  # zero-width space
        ("bell\x07", "U+0007"),
        ("   \u3164\u3164  ", "blank"),  # Hangul fillers render as nothing
        ("\u0301\u0301", "blank"),  # combining marks alone
        ("\u2800", "blank"),
    ],
)
def test_hostile_text_is_named(text: str, why: str) -> None:
    assert hostile_text(text) == why


@pytest.mark.parametrize(
    "text", ["We build robots.\nEvery Friday.", "象棋社\t欢迎你", "café ✓", "Ünïcödé", "", "  "]
)
def test_ordinary_text_passes(text: str) -> None:
    assert hostile_text(text) is None


async def test_a_flow_refuses_it_and_asks_again(campus: Campus) -> None:
    await seed(campus)
    sponsor = await campus.bound("S1", 1001)
    assert "What is the club's name" in await sponsor.send("/establish")
    refused = await sponsor.send("Robotics\u202e Club")
    assert "U+202E" in refused
    assert "Nothing was saved" in refused
    assert "Which category" not in refused
    assert "Which category" in await sponsor.send("Robotics Club")
