"""The conversations, written once for both front ends."""

from __future__ import annotations

from bot.core.router import Router


def build_router() -> Router:
    """Every command, button kind and flow the bot knows."""
    from bot.flows import (
        account,
        accounts,
        activities,
        activity_report,
        advisors,
        applications,
        browsing,
        checkin,
        console,
        deadlines,
        elections,
        establish,
        events,
        finance,
        joining,
        lifecycle,
        pages,
        privacy,
        profiles,
        reports,
        review,
        self_examination,
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
        privacy,
        activities,
        events,
        checkin,
        activity_report,
        unions,
        self_examination,
        accounts,
        finance,
    ):
        router.include(module.router)
    return router
