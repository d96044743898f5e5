"""Paged answers of the staff console: `v1:pg:<view>:<arg>:<page>`.

A page is computed again from live data at every press, and the view's row of the permission
matrix is checked again, so a revoked staff member's old buttons show nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.chat import callbacks
from bot.chat.callbacks import Callback
from bot.core import permissions
from bot.core.context import Ctx
from bot.core.router import Router, Step
from bot.flows.common import paged

router = Router()
KIND = "pg"
# A view builds (header, lines) from its argument, or None when the argument names nothing.
Builder = Callable[[Ctx, int], Awaitable[tuple[str, list[str]] | None]]
VIEWS: dict[str, tuple[str, Builder]] = {}


def view(name: str, action: str) -> Callable[[Builder], Builder]:
    """Register a paged view, guarded by `action`'s row of the permission matrix."""

    def register(builder: Builder) -> Builder:
        VIEWS[name] = (action, builder)
        return builder

    return register


async def first_page(ctx: Ctx, name: str, arg: int) -> Step | None:
    """The first page of a view (for the command that opens it); None if the view is empty."""
    built = await VIEWS[name][1](ctx, arg)
    if built is None:
        return None
    text, keyboard = paged(ctx, *built, 0, KIND, name, arg)
    return Step.say(text, keyboard)


@router.callback(KIND, report=True)
async def page_button(ctx: Ctx, cb: Callback) -> Step:
    if len(cb.args) != 3 or cb.args[0] not in VIEWS:
        raise callbacks.BadCallback("unknown view")
    action, builder = VIEWS[cb.args[0]]
    denied = await permissions.guard(ctx, action, f"button:{KIND}:{cb.args[0]}")
    if denied is not None:
        return denied
    built = await builder(ctx, cb.int_arg(1))
    if built is None:
        raise callbacks.BadCallback("nothing to page")
    text, keyboard = paged(ctx, *built, cb.int_arg(2), KIND, cb.args[0], cb.int_arg(1))
    return Step.say(text, keyboard, edit=True)
