"""The front-end factory: the adapter `BOT_FRAMEWORK` names, imported only when chosen."""

from __future__ import annotations

from bot.app.settings import Framework, Settings
from bot.chat.frontend import FrontEnd


def make_front_end(settings: Settings, document_limit: int = 0) -> FrontEnd:
    """The adapter `BOT_FRAMEWORK` names, imported only when chosen. It downloads the bytes of
    a document the user sends when the file is at most `document_limit` bytes (the policy's
    charter limit, for a bot that serves updates; none by default), so the core never waits on
    the network inside a transaction."""
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is not set")
    token = settings.bot_token.get_secret_value()
    if settings.bot_framework is Framework.PTB:
        from bot.handlers.ptb import PtbFrontEnd

        return PtbFrontEnd(token, settings.telegram_api_url, document_limit)
    from bot.handlers.aiogram import AiogramFrontEnd

    return AiogramFrontEnd(token, settings.telegram_api_url, document_limit)
