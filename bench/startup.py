"""Start-up and idle memory per framework, and the weight of a cron tick.

    python -m bench.startup [--repeat 5] [--frameworks aiogram ptb] [--idle 5] [--root DIR]

For each framework, `clubbot run` is started against the emulator (SQLite, a small seeded
campus) and timed from the process's start to its first getUpdates; after `--idle` seconds
without updates its resident memory is read from /proc. Then `clubbot tick` with nothing due
(as cron runs it) is timed, and `python -c "import aiogram"` / `"import telegram"` alone for
scale. Each figure is the median of `--repeat` runs taken in turns. `--root` runs the bot from
another checkout (to compare with older code): bot processes import from their working folder.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.updates import seed
from emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parents[1]
MODULE = {"aiogram": "aiogram", "ptb": "telegram"}


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def start_up(framework: str, root: Path, idle: float) -> tuple[float, float]:
    """Seconds from start to the first poll, and MB resident after `idle` idle seconds."""
    async with BotApiEmulator(bot_username="bench_bot") as emu:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            await seed(url)
            env = {
                **os.environ,
                "BOT_TOKEN": emu.token,
                "TELEGRAM_API_URL": emu.base_url,
                "BOT_FRAMEWORK": framework,
                "DATABASE_URL": url,
                "HTTP_LISTEN": "",
            }
            started = time.perf_counter()
            # Popen returns at once; the emulator keeps serving on this loop meanwhile.
            process = subprocess.Popen(  # noqa: ASYNC220
                [sys.executable, "-m", "bot", "run"],
                cwd=root,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                await emu.wait_polling(timeout=120)
                first_poll = time.perf_counter() - started
                await asyncio.sleep(idle)
                return first_poll, _rss_mb(process.pid)
            finally:
                _stop(process)


def timed(command: list[str], root: Path, env: dict[str, str], *, check: bool = True) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=root, env=env, check=check, capture_output=True)
    return time.perf_counter() - started


async def tick(framework: str, root: Path) -> float:
    """Seconds for `clubbot tick` with nothing due, on a migrated, seeded SQLite file."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        await seed(url)
        env = {
            **os.environ,
            "BOT_TOKEN": "1:bench",
            "TELEGRAM_API_URL": "http://127.0.0.1:9",
            "BOT_FRAMEWORK": framework,
            "DATABASE_URL": url,
        }
        # Older code opened its front end at once, and fails here reaching Telegram: timed anyway.
        return timed([sys.executable, "-m", "bot", "tick"], root, env, check=False)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--frameworks", nargs="+", default=["aiogram", "ptb"])
    parser.add_argument("--idle", type=float, default=5.0)
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f}; medians of {args.repeat} runs in turns")
    rows: dict[str, dict[str, list[float]]] = {
        f: {"poll": [], "rss": [], "tick": [], "import": []} for f in args.frameworks
    }
    for _ in range(args.repeat):
        for framework in args.frameworks:
            poll, rss = await start_up(framework, args.root, args.idle)
            row = rows[framework]
            row["poll"].append(poll)
            row["rss"].append(rss)
            row["tick"].append(await tick(framework, args.root))
            bare = [sys.executable, "-c", f"import {MODULE[framework]}"]
            row["import"].append(timed(bare, args.root, dict(os.environ)))
    print(f"{'framework':<10} {'first poll':>11} {'idle RSS':>10} {'tick':>8} {'import':>8}")
    for framework, row in rows.items():
        poll, rss = statistics.median(row["poll"]), statistics.median(row["rss"])
        tick_s, imp = statistics.median(row["tick"]), statistics.median(row["import"])
        print(f"{framework:<10} {poll:>10.2f}s {rss:>7.0f} MB {tick_s:>7.2f}s {imp:>7.2f}s")
    print(f"load: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
