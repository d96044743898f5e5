"""/clubs: browse the active clubs by category, a page at a time, or search them by name."""

from __future__ import annotations

import difflib

from bot.chat import callbacks
from bot.chat.callbacks import Callback
from bot.chat.replies import Button, Keyboard
from bot.core.context import Ctx
from bot.core.router import Router, Step
from bot.domain.values import Category, Club, name_key
from bot.flows.common import (
    PAGE_SIZE,
    aside,
    category_by_index,
    category_index,
    category_label,
    clip,
    page_count,
)
from storage import clubs

router = Router()
KIND = "cl"


@router.command("clubs", fast=True)
async def browse(ctx: Ctx, args: str) -> Step:
    if args:
        return await _search(ctx, args)
    text, keyboard = await _categories(ctx)
    return Step.say(text, keyboard)


@router.callback(KIND)
async def browse_button(ctx: Ctx, cb: Callback) -> Step:
    if cb.args == ("top",):
        text, keyboard = await _categories(ctx)
        return Step.say(text, keyboard, edit=True)
    category = category_by_index(cb.args[0]) if len(cb.args) == 2 else None
    if category is None:
        raise callbacks.BadCallback("unknown category")
    text, keyboard = await _page(ctx, category, cb.int_arg(1))
    return Step.say(text, keyboard, edit=True)


async def _categories(ctx: Ctx) -> tuple[str, Keyboard]:
    counts = await clubs.active_counts(ctx.tx)
    if not counts:
        return ctx.t("clubs.none"), ()
    rows = tuple(
        (
            Button(
                aside(ctx, category_label(ctx, category), counts[category]),
                callbacks.encode(KIND, category_index(category), 0),
            ),
        )
        for category in Category
        if category in counts
    )
    return ctx.t("clubs.categories", total=sum(counts.values())), rows


async def _page(ctx: Ctx, category: Category, page: int) -> tuple[str, Keyboard]:
    found, total = await clubs.active_page(ctx.tx, category, page * PAGE_SIZE, PAGE_SIZE)
    pages = page_count(total)
    if page >= pages:
        page = pages - 1
        found, total = await clubs.active_page(ctx.tx, category, page * PAGE_SIZE, PAGE_SIZE)
    lines = [
        ctx.t(
            "clubs.page_title", category=category_label(ctx, category), page=page + 1, pages=pages
        )
    ]
    lines += await _club_lines(ctx, found)
    lines.append(ctx.t("clubs.join_hint"))
    index = category_index(category)
    nav = []
    if page > 0:
        nav.append(Button(ctx.t("button.previous"), callbacks.encode(KIND, index, page - 1)))
    if page + 1 < pages:
        nav.append(Button(ctx.t("button.next"), callbacks.encode(KIND, index, page + 1)))
    back = (Button(ctx.t("button.categories"), callbacks.encode(KIND, "top")),)
    return "\n".join(lines), (tuple(nav), back) if nav else (back,)


async def _club_lines(ctx: Ctx, found: list[Club]) -> list[str]:
    counts = await clubs.member_counts(ctx.tx, [club.id for club in found])
    return [ctx.t("clubs.line", name=club.name, members=counts.get(club.id, 0)) for club in found]


# How many close names are suggested for a name that matches no club, and how close they are.
SUGGESTIONS = 5
SIMILAR = 0.6
# Names compared when nothing contains the typed one (far more than a university has clubs).
SCAN = 5000


async def similar_active(ctx: Ctx, text: str) -> list[Club]:
    """Active clubs whose names contain `text`, or else whose names are close to it: what a
    student who typed a club's name not quite right probably meant."""
    key = name_key(text)
    if not key:
        return []
    found = await clubs.search_active(ctx.tx, key, SUGGESTIONS)
    if found:
        return found
    every = {name_key(club.name): club for club in await clubs.search_active(ctx.tx, "", SCAN)}
    close = difflib.get_close_matches(key, list(every), n=SUGGESTIONS, cutoff=SIMILAR)
    return [every[k] for k in close]


async def _search(ctx: Ctx, text: str) -> Step:
    found = await clubs.search_active(ctx.tx, name_key(text), PAGE_SIZE + 1)
    if not found:
        close = await similar_active(ctx, text)
        if not close:
            return Step.say(ctx.t("clubs.search_none", query=clip(text)))
        lines = [ctx.t("clubs.search_close", query=clip(text))]
        lines += await _club_lines(ctx, close)
        lines.append(ctx.t("clubs.join_hint"))
        return Step.say("\n".join(lines))
    lines = [ctx.t("clubs.search_title", query=clip(text))]
    lines += await _club_lines(ctx, found[:PAGE_SIZE])
    if len(found) > PAGE_SIZE:
        lines.append(ctx.t("clubs.search_more"))
    lines.append(ctx.t("clubs.join_hint"))
    return Step.say("\n".join(lines))
