"""Paged answers of the staff console: `v1:pg:<view>:<arg>:<page>`, or, for a kept view,
`v1:pg:<view>:<arg>:<token>:<page>`.

A page is computed again from live data at every press, and the view's row of the permission
matrix is checked again, so a revoked staff member's old buttons show nothing.

A kept view (the ledger's: 40 statements over the whole university) is built once per request:
the request keeps its header and lines in the database under a token its buttons carry (any
worker may serve a press), and a press shows them again in one statement. They are the request's
answer, as of its time; after the policy's `kept_pages_minutes` (or the retention sweep) a press
asks for the command again.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.chat import callbacks
from bot.chat.callbacks import Callback
from bot.core import permissions
from bot.core.context import Ctx
from bot.core.router import Router, Step
from bot.flows.common import paged
from bot.services import pages as kept
from storage import pages as kept_pages
from storage.tx import Tx

router = Router()
KIND = "pg"
# A view builds (header, lines) from its argument, or None when the argument names nothing.
Builder = Callable[[Ctx, int], Awaitable[tuple[str, list[str]] | None]]
VIEWS: dict[str, tuple[str, Builder]] = {}
# Views whose pages a request keeps for its buttons, with the command that opens them again.
KEPT: dict[str, Callable[[int], str]] = {}
TOKEN_BYTES = 6  # 8 characters of [A-Za-z0-9_-]


def view(
    name: str, action: str, kept: Callable[[int], str] | None = None
) -> Callable[[Builder], Builder]:
    """Register a paged view, guarded by `action`'s row of the permission matrix. `kept`: for a
    view whose pages are kept for its buttons (see above), the command that opens it again."""

    def register(builder: Builder) -> Builder:
        VIEWS[name] = (action, builder)
        if kept is not None:
            KEPT[name] = kept
        return builder

    return register


async def first_page(ctx: Ctx, name: str, arg: int) -> Step | None:
    """The first page of a view (for the command that opens it); None if the view is empty."""
    built = await VIEWS[name][1](ctx, arg)
    if built is None:
        return None
    if name not in KEPT:
        text, keyboard = paged(ctx, *built, 0, KIND, name, arg)
        return Step.say(text, keyboard)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    text, keyboard = paged(ctx, *built, 0, KIND, name, arg, token)
    if keyboard:  # one page needs no keeping
        user_id, now = ctx.user_id, ctx.now

        async def keep(tx: Tx) -> None:
            await kept.keep(tx, token, user_id, name, arg, built, now)

        await ctx.write(keep)
    return Step.say(text, keyboard)


@router.callback(KIND, report=True)
async def page_button(ctx: Ctx, cb: Callback) -> Step:
    if len(cb.args) not in (3, 4) or cb.args[0] not in VIEWS:
        raise callbacks.BadCallback("unknown view")
    name = cb.args[0]
    action, builder = VIEWS[name]
    denied = await permissions.guard(ctx, action, f"button:{KIND}:{name}")
    if denied is not None:
        return denied
    arg, page = cb.int_arg(1), cb.int_arg(len(cb.args) - 1)
    if name in KEPT:
        # A button from before the pages were kept carries no token: out of date too.
        since = ctx.now - timedelta(minutes=ctx.policy.kept_pages_minutes)
        found = None
        if len(cb.args) == 4:
            found = await kept_pages.kept(ctx.tx, cb.args[2], ctx.user_id, name, arg, since)
        if found is None:
            return Step.say(ctx.t("pages.out_of_date", command=KEPT[name](arg)))
        text, keyboard = paged(ctx, *found, page, KIND, name, arg, cb.args[2])
        return Step.say(text, keyboard, edit=True)
    if len(cb.args) != 3:
        raise callbacks.BadCallback("a token for a view that keeps none")
    built = await builder(ctx, arg)
    if built is None:
        raise callbacks.BadCallback("nothing to page")
    text, keyboard = paged(ctx, *built, page, KIND, name, arg)
    return Step.say(text, keyboard, edit=True)
