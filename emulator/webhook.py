"""Delivering updates to the bot's webhook by HTTP POST, as Telegram does once one is set."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import aiohttp

from emulator.models import JsonDict
from emulator.updates import UpdateQueue

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram tries an update again until the bot answers 2xx; here after this pause.
RETRY_SECONDS = 0.5
POST_TIMEOUT = 10.0
# How long one wait for new updates lasts before the pusher looks again.
IDLE_WAIT = 30.0


@dataclass(frozen=True, slots=True)
class Webhook:
    """What setWebhook registered."""

    url: str
    secret: str | None = None
    max_connections: int = 40


class WebhookPusher:
    """Takes updates from the queue (as a getUpdates client would) and posts each to the
    webhook, up to `max_connections` at once; an update counts as delivered on a 2xx."""

    def __init__(self, updates: UpdateQueue, hook: Webhook) -> None:
        self.hook = hook
        self.last_error: str | None = None
        self._updates = updates
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop posting; updates not yet answered stay queued."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        headers = {SECRET_HEADER: self.hook.secret} if self.hook.secret else {}
        offset: int | None = None
        async with aiohttp.ClientSession(headers=headers) as http:
            while True:
                batch = await self._updates.get(offset, self.hook.max_connections, IDLE_WAIT)
                if not batch:
                    continue
                await asyncio.gather(*(self._post(http, update) for update in batch))
                newest = max(int(update["update_id"]) for update in batch) + 1
                offset = max(offset or 0, newest)

    async def _post(self, http: aiohttp.ClientSession, update: JsonDict) -> None:
        timeout = aiohttp.ClientTimeout(total=POST_TIMEOUT)
        while True:
            try:
                async with http.post(self.hook.url, json=update, timeout=timeout) as answer:
                    if 200 <= answer.status < 300:
                        return
                    self.last_error = f"Wrong response from the webhook: {answer.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.last_error = f"Connection failed: {exc}"
            logger.info("webhook: update %s: %s", update.get("update_id"), self.last_error)
            await asyncio.sleep(RETRY_SECONDS)
