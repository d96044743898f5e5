"""The conversations, written once for both front ends."""

from __future__ import annotations

from bot.core.router import Router


def build_router() -> Router:
    """Every command, button kind and flow the bot knows."""
    from bot.flows import (
        account,
        advisors,
        applications,
        browsing,
        console,
        deadlines,
        elections,
        establish,
        joining,
        lifecycle,
        pages,
        profiles,
        reports,
        review,
        staff,
        todo,
        unions,
    )

    router = Router()
    for module in (
        account,
        browsing,
        profiles,
        joining,
        todo,
        deadlines,
        staff,
        establish,
        applications,
        console,
        pages,
        reports,
        lifecycle,
        review,
        advisors,
        elections,
        unions,
    ):
        router.include(module.router)
    return router
