"""Several workers: webhook workers behind a round-robin proxy on PostgreSQL, and the polling
lease that lets one `clubbot run` poll while another waits to take over."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.app.http import listening
from bot.core.engine import Engine
from bot.domain.policy import Policy
from bot.flows import build_router
from emulator import BotApiEmulator
from storage import migrate
from storage.db import Database
from tests.e2e import FRAMEWORKS, WEBHOOK_PATH, free_port, webhook_bot, webhook_settings
from tests.harness import Campus

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]
USERS = 6
CLUBS = 4

MakeDb = Callable[..., Awaitable[Database]]


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(bot_username="clubbot_test_bot") as emulator:
        yield emulator


@contextlib.asynccontextmanager
async def round_robin(ports: list[int]) -> AsyncIterator[tuple[int, list[int]]]:
    """A proxy in front of the workers: each update to the next worker, every third one to
    all of them at once (a duplicate, concurrent with itself); yields its port and how many
    posts each worker got."""
    turn = itertools.count()
    posts = [0] * len(ports)

    async def forward(request: web.Request) -> web.Response:
        body, headers = await request.read(), dict(request.headers)
        headers.pop("Host", None)
        n = next(turn)
        targets = range(len(ports)) if n % 3 == 0 else [n % len(ports)]
        async with aiohttp.ClientSession() as http:

            async def post(i: int) -> int:
                posts[i] += 1
                url = f"http://127.0.0.1:{ports[i]}{WEBHOOK_PATH}"
                async with http.post(url, data=body, headers=headers) as answer:
                    return answer.status

            statuses = await asyncio.gather(*(post(i) for i in targets))
        return web.Response(status=max(statuses))

    proxy = web.Application()
    proxy.add_routes([web.post(WEBHOOK_PATH, forward)])
    async with listening(proxy, "127.0.0.1", 0) as port:
        yield port, posts


async def _scrape(http: aiohttp.ClientSession, ports: list[int]) -> list[str]:
    scrapes = []
    for port in ports:
        async with http.get(f"http://127.0.0.1:{port}/metrics") as answer:
            scrapes.append(await answer.text())
    return scrapes


def _total(scrapes: list[str], outcome: str) -> float:
    """The commands that ended so, over all the workers' scrapes."""
    head = f'clubbot_updates_total{{kind="command",outcome="{outcome}"}} '
    lines = [line for scrape in scrapes for line in scrape.splitlines()]
    return sum(float(line.split()[-1]) for line in lines if line.startswith(head))


def _handled(scrapes: list[str]) -> float:
    return sum(_total(scrapes, outcome) for outcome in ("answered", "refused", "duplicate"))


@pytest.mark.postgres
@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_two_webhook_workers_handle_each_update_once(
    emu: BotApiEmulator, make_db: MakeDb, framework: str
) -> None:
    db = await make_db("postgres")
    campus = Campus(db, Engine(db, Policy(), build_router(), bot_id=0, bot_username="x"))
    await campus.clubs(*(f"Club {i}" for i in range(CLUBS)))
    for i in range(USERS):
        await campus.bound(f"S{i}", 3000 + i)
    ports = [free_port(), free_port()]
    async with round_robin(ports) as (proxy_port, posts):
        url = f"http://127.0.0.1:{proxy_port}{WEBHOOK_PATH}"
        bots = [
            webhook_bot(
                emu,
                webhook_settings(emu, framework, db.url, port, url),
                await make_db("postgres", share=db),
            )
            for port in ports
        ]
        async with bots[0], bots[1]:
            users = [emu.user(3000 + i) for i in range(USERS)]
            sent = await asyncio.gather(
                *(user.send(f"/join Club {c}") for user in users for c in range(CLUBS))
            )
            for update_id in sent[::5]:
                emu.redeliver(update_id)
            for user in users:
                await user.wait_messages(CLUBS, timeout=30)
            await emu.wait_idle(timeout=30)
            async with aiohttp.ClientSession() as http, asyncio.timeout(10):
                # The workers answer Telegram before they handle: wait for the last ones.
                while True:
                    scrapes = await _scrape(http, ports)
                    if _handled(scrapes) >= sum(posts):
                        break
                    await asyncio.sleep(0.1)
                async with http.get(f"http://127.0.0.1:{ports[0]}/healthz") as answer:
                    assert answer.status == 200
                    health = await answer.json()
    # Every update answered once, by one worker or the other; each student in two clubs.
    for user in users:
        texts = [m.text or "" for m in user.messages]
        assert len(texts) == CLUBS, texts
        assert sum("Welcome to" in t for t in texts) == 2, texts
    assert min(posts) > 0

    # Two joins answered and two refused per student; the rest of the posts were duplicates.
    assert _total(scrapes, "answered") + _total(scrapes, "refused") == USERS * CLUBS
    assert _total(scrapes, "refused") == USERS * (CLUBS - 2)
    assert _total(scrapes, "duplicate") == sum(posts) - USERS * CLUBS > 0
    assert health["database"] == "ok"
    assert set(health) == {
        "database",
        "last_tick_age_seconds",
        "outbox_lag_seconds",
        "outbox_depth",
    }


def _run(env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _conflicts(emu: BotApiEmulator) -> int:
    return sum(c.method == "getUpdates" and c.status == 409 for c in emu.calls)


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_a_second_run_waits_and_takes_over_the_polling(
    emu: BotApiEmulator, tmp_path: Path, framework: str
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database(url)
    await migrate.upgrade(db)
    await db.dispose()
    env = {
        **os.environ,
        "BOT_TOKEN": emu.token,
        "TELEGRAM_API_URL": emu.base_url,
        "BOT_FRAMEWORK": framework,
        "DATABASE_URL": url,
        "BALLOT_KEY": "a key for the receipts of this test",
        "TICK_SECONDS": "0.5",
    }
    first_port, second_port = free_port(), free_port()
    first = _run({**env, "HTTP_LISTEN": f"127.0.0.1:{first_port}"}, tmp_path)
    second: subprocess.Popen[bytes] | None = None
    try:
        await emu.wait_polling(timeout=30)
        second = _run({**env, "HTTP_LISTEN": f"127.0.0.1:{second_port}"}, tmp_path)
        async with aiohttp.ClientSession() as http, asyncio.timeout(30):
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"http://127.0.0.1:{second_port}/healthz") as answer:
                        if answer.status == 200:
                            break
                await asyncio.sleep(0.2)
        await asyncio.sleep(3)  # the second process keeps waiting, without a getUpdates
        assert _conflicts(emu) == 0
        alice = emu.user(1001)
        await alice.send("/help")
        await alice.wait_message(timeout=10)

        first.send_signal(signal.SIGKILL)
        first.wait()
        killed = time.monotonic()
        await alice.send("/help")
        await alice.wait_message(timeout=20)
        assert time.monotonic() - killed < 15
        assert _conflicts(emu) == 0
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
