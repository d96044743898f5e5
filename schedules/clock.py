"""The scheduler inside `clubbot run`: APScheduler as a clock, nothing more."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Job:
    run: Callable[[], Awaitable[object]]
    seconds: float
    at_start: bool = False  # also run once right away


def _single(job_id: str, run: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
    """A run that is skipped while the previous one is still busy (a long drain)."""
    busy = False

    async def once() -> None:
        nonlocal busy
        if busy:
            return
        busy = True
        try:
            await run()
        except Exception:
            log.exception("job %s failed", job_id)
        finally:
            busy = False

    return once


def start_clock(jobs: dict[str, Job]) -> AsyncIOScheduler:
    """Run each job every N seconds. Jobs keep no state: the rows they read are the truth, so a
    run missed while the process was down is simply the next run's work."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    for job_id, job in jobs.items():
        extra = {"next_run_time": datetime.now().astimezone()} if job.at_start else {}
        scheduler.add_job(
            _single(job_id, job.run),
            "interval",
            seconds=job.seconds,
            id=job_id,
            replace_existing=True,
            # A second instance only finds the first busy and returns: no "skipped" warnings.
            max_instances=2,
            coalesce=True,
            misfire_grace_time=None,
            **extra,
        )
    scheduler.start()
    return scheduler
