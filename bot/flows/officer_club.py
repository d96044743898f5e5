"""Which club an officer's command acts for (/accounts, /finance): theirs when they lead one,
else asked with a button per club; a choice that is not one of theirs asks again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel

from bot.chat.replies import Button
from bot.chat.text import prefixed_number
from bot.core.context import Ctx
from bot.core.router import Input, Step
from bot.domain.values import Club
from bot.flows.common import clip
from bot.services.officers import officer_clubs

PREFIX = "k"

Open = Callable[[int], Awaitable[Step]]


@dataclass(frozen=True, slots=True)
class ClubQuestion:
    """The flow and state that ask, and the messages' table (`{words}.ask_club`,
    `{words}.use_buttons`, `error.{words}.no_club`)."""

    flow: str
    state: StrEnum
    words: str


def _rows(ctx: Ctx, led: list[Club]) -> list[list[Button]]:
    return [[ctx.choice(clip(c.name), f"{PREFIX}{c.id}")] for c in led]


async def start(ctx: Ctx, question: ClubQuestion, data: BaseModel, open_club: Open) -> Step:
    """The command: the club it acts for, or the question which one."""
    led = await officer_clubs(ctx.tx, ctx.student)
    if not led:
        return Step.say(ctx.t(f"error.{question.words}.no_club"))
    if len(led) == 1:
        return await open_club(led[0].id)
    text = ctx.t(f"{question.words}.ask_club")
    return Step.ask(question.flow, question.state, data, text, _rows(ctx, led))


async def chosen(
    ctx: Ctx, question: ClubQuestion, data: BaseModel, given: Input, open_club: Open
) -> Step:
    """The answer to the question: one of the user's clubs, or the question again."""
    led = await officer_clubs(ctx.tx, ctx.student)
    club_id = prefixed_number(given.choice or "", PREFIX)
    if club_id is None or club_id not in {c.id for c in led}:
        text = ctx.t(f"{question.words}.ask_club")
        note = ctx.t(f"{question.words}.use_buttons")
        return Step.ask(question.flow, question.state, data, text, _rows(ctx, led), note)
    return await open_club(club_id)
