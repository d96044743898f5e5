"""Webhook mode end to end: Telegram (the emulator) posts updates with the secret header."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr, ValidationError

from bot.app.settings import Settings
from bot.chat.frontend import ALLOWED_UPDATES
from bot.core.engine import Engine
from bot.domain.policy import Policy
from bot.flows import build_router
from emulator import BotApiEmulator
from storage import migrate
from storage.db import Database
from tests.e2e import (
    FRAMEWORKS,
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    bind,
    free_port,
    webhook_bot,
    webhook_settings,
)
from tests.harness import Campus, student_line

pytestmark = pytest.mark.e2e


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(bot_username="clubbot_test_bot") as emulator:
        yield emulator


@pytest.fixture
async def seeded(tmp_path: Path) -> AsyncIterator[tuple[str, dict[str, str]]]:
    """A SQLite file with a club and a student holding a fresh binding code."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database(url)
    await migrate.upgrade(db)
    campus = Campus(db, Engine(db, Policy(), build_router(), bot_id=0, bot_username="x"))
    await campus.clubs("Chess Club")
    await campus.students(student_line("S1", "Alice"))
    yield url, await campus.codes()
    await db.dispose()


def _update(update_id: int, user_id: int, text: str) -> dict[str, object]:
    sender = {"id": user_id, "is_bot": False, "first_name": "Mallory"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Mallory"},
            "from": sender,
            "text": text,
        },
    }


def _count(scrape: str, name: str, **labels: str) -> float:
    """One sample's value from a Prometheus text scrape."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    head = f"{name}{{{wanted}}} " if labels else f"{name} "
    for line in scrape.splitlines():
        if line.startswith(head):
            return float(line.split()[-1])
    raise AssertionError(f"no {head!r} in the scrape")


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_webhook_binds_and_refuses_a_wrong_secret(
    emu: BotApiEmulator, seeded: tuple[str, dict[str, str]], framework: str
) -> None:
    url, codes = seeded
    port = free_port()
    settings = webhook_settings(emu, framework, url, port)
    async with webhook_bot(emu, settings), aiohttp.ClientSession() as http:
        base = f"http://127.0.0.1:{port}"
        info = await (await http.get(f"{emu.base_url}/bot{emu.token}/getWebhookInfo")).json()
        assert info["result"]["url"] == f"{base}{WEBHOOK_PATH}"
        hook_call = [c for c in emu.calls if c.method == "setWebhook"][-1]
        assert hook_call.params["allowed_updates"] == list(ALLOWED_UPDATES)
        assert hook_call.params["secret_token"] == WEBHOOK_SECRET

        alice = emu.user(1001, first_name="Alice", language_code="en")
        await bind(alice, codes["S1"])
        assert "bound to Alice (S1)" in ((await alice.wait_message(timeout=10)).text or "")
        await alice.send("/join Chess Club")
        assert "Chess Club" in ((await alice.wait_message(timeout=10)).text or "")

        # A stranger posting to the webhook: a wrong secret, no secret, a body not an update.
        mallory = emu.user(666, first_name="Mallory")
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"}
        posted = _update(10_000, 666, "/help")
        for headers in (wrong, {}):
            async with http.post(f"{base}{WEBHOOK_PATH}", json=posted, headers=headers) as a:
                assert a.status == 401
        right = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        for body in ({"update_id": "x"}, [1, 2]):
            async with http.post(f"{base}{WEBHOOK_PATH}", json=body, headers=right) as a:
                assert a.status == 400
        async with http.post(f"{base}{WEBHOOK_PATH}", data=b"{", headers=right) as answer:
            assert answer.status == 400
        await asyncio.sleep(0.5)
        assert mallory.messages == []
        async with http.get(f"{base}/metrics") as answer:
            scrape = await answer.text()
        # Alice's two commands, and nothing of Mallory's.
        assert _count(scrape, "clubbot_updates_total", kind="command", outcome="answered") == 2
        assert not [c for c in emu.calls if c.method == "getUpdates"]
    # On stop the webhook stays for the other workers.
    assert emu.webhook_url


def test_webhook_settings_are_checked() -> None:
    def make(**values: object) -> Settings:
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    ok = make(webhook_url="https://bot.example.edu/tg", webhook_secret=SecretStr("a-B_9"))
    assert ok.webhook_path() == "/tg"
    assert ok.listen_address() == ("127.0.0.1", 8081)
    assert "a-B_9" in ok.secrets()
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET is required"):
        make(webhook_url="https://bot.example.edu/tg")
    with pytest.raises(ValidationError, match="https"):
        make(webhook_url="http://bot.example.edu/tg", webhook_secret=SecretStr("a"))
    for secret in ("", "a b", "x" * 257, "é"):
        with pytest.raises(ValidationError, match="A-Z a-z 0-9"):
            make(webhook_url="https://bot.example.edu/tg", webhook_secret=SecretStr(secret))
    with pytest.raises(ValidationError, match="host:port"):
        make(http_listen="8081")
