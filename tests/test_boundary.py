"""The core imports no Telegram framework: only bot/handlers/ may."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ("bot", "storage", "schedules")


def core_modules() -> list[str]:
    modules = []
    for package in CORE:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if (
                parts[:2] == ("bot", "handlers")
                or parts[-1] == "__main__"
                or "migrations" in parts
            ):
                continue
            modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(modules)


def test_core_imports_no_telegram_framework() -> None:
    modules = core_modules()
    assert "bot.core.engine" in modules
    assert "storage.db" in modules
    assert "bot.flows.joining" in modules
    probe = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "leaks = sorted(m for m in sys.modules if m.split('.')[0] in ('telegram', 'aiogram'))\n"
        "print(','.join(leaks))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == ""


def test_the_probe_would_see_a_leak() -> None:
    probe = "import bot.handlers.aiogram, sys; print('aiogram' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "True"
