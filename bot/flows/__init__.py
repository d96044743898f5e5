"""The conversations, written once for both front ends."""

from __future__ import annotations

from bot.router import Router


def build_router() -> Router:
    """Every command, button kind and flow the bot knows."""
    from bot.flows import (
        account,
        advisors,
        browsing,
        console,
        deadlines,
        joining,
        lifecycle,
        pages,
        reports,
        review,
        staff,
    )

    router = Router()
    for module in (account, browsing, joining, deadlines, staff):
        router.include(module.router)
    for module in (console, pages, reports, lifecycle, review, advisors):  # issue 6
        router.include(module.router)
    return router
