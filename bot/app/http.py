"""The process's HTTP server: Telegram's webhook (in webhook mode), /healthz and /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.app.metrics import Metrics
from bot.chat.frontend import FrontEnd, NotAnUpdate
from storage import health
from storage.health import Backlog
from storage.tx import Tx

if TYPE_CHECKING:
    from bot.app.root import App

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# A database that has not answered by then counts as down.
HEALTH_WAIT = 5.0


async def read_backlog(app: App) -> Backlog | None:
    """The outbox's backlog, or None when the database does not answer."""
    try:
        async with asyncio.timeout(HEALTH_WAIT), app.db.transaction() as session:
            return await health.backlog(Tx(session, app.db), app.clock())
    except Exception as exc:  # whatever the driver raises, the answer is "down"
        log.warning("health check: the database did not answer: %s", exc)
        return None


def build_web(app: App, metrics: Metrics, front: FrontEnd) -> web.Application:
    """The routes: /healthz, /metrics, and WEBHOOK_URL's path when it is set."""

    async def healthz(_: web.Request) -> web.Response:
        backlog = await read_backlog(app)
        oldest = backlog.oldest_due if backlog is not None else None
        body = {
            "database": "ok" if backlog is not None else "error",
            "last_tick_age_seconds": metrics.last_tick_age(),
            "outbox_lag_seconds": (app.clock() - oldest).total_seconds() if oldest else 0.0,
            "outbox_depth": backlog.depth if backlog is not None else None,
        }
        return web.json_response(body, status=200 if backlog is not None else 503)

    async def scrape(_: web.Request) -> web.Response:
        text = metrics.exposition(await read_backlog(app), app.clock())
        return web.Response(body=text, headers={"Content-Type": CONTENT_TYPE_LATEST})

    routes = [web.get("/healthz", healthz), web.get("/metrics", scrape)]
    settings = app.settings
    if settings.webhook_url is not None and settings.webhook_secret is not None:
        secret = settings.webhook_secret.get_secret_value().encode()

        async def take_update(request: web.Request) -> web.Response:
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not hmac.compare_digest(given, secret):
                return web.Response(status=401)
            try:
                raw = await request.json()
            except ValueError:
                return web.Response(status=400, text="not JSON")
            if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
                return web.Response(status=400, text="not an update")
            try:
                await front.feed(raw)
            except NotAnUpdate:
                return web.Response(status=400, text="not an update")
            return web.Response(status=200)

        routes.append(web.post(settings.webhook_path(), take_update))
    web_app = web.Application()
    web_app.add_routes(routes)
    return web_app


@contextlib.asynccontextmanager
async def listening(web_app: web.Application, host: str, port: int) -> AsyncIterator[int]:
    """Serve `web_app` on host:port until the block ends; yields the port (0 picks one)."""
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        yield int(runner.addresses[0][1])
    finally:
        await runner.cleanup()
