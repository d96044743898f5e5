"""The scheduler inside `clubbot run`: APScheduler as a clock, nothing more."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)


def start_clock(
    jobs: dict[str, tuple[Callable[[], Awaitable[object]], float]],
) -> AsyncIOScheduler:
    """Run each job every N seconds. Jobs keep no state: the rows they read are the truth, so a
    run missed while the process was down is simply the next run's work."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    for job_id, (job, seconds) in jobs.items():
        scheduler.add_job(
            job,
            "interval",
            seconds=seconds,
            id=job_id,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    scheduler.start()
    return scheduler
