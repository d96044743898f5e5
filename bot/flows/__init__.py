"""The conversations, written once for both front ends."""

from __future__ import annotations

from bot.router import Router


def build_router() -> Router:
    """Every command, button kind and flow the bot knows."""
    from bot.flows import account, browsing, deadlines, elections, joining, staff

    router = Router()
    for module in (account, browsing, joining, deadlines, staff, elections):
        router.include(module.router)
    return router
