"""The process's Prometheus metrics, in a registry of its own (two apps in one test each
count their own)."""

from __future__ import annotations

import time
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.chat.replies import Incoming
from storage.health import Backlog

KINDS = ("command", "button", "text", "document", "other")
ENDINGS = ("answered", "duplicate", "refused", "error")
SEND_RESULTS = ("ok", "retry_after", "unreachable", "failed")


def kind_of(inc: Incoming) -> str:
    """What the user did: a command, a button press, text, a document, or something else."""
    if inc.callback_data is not None:
        return "button"
    if inc.document is not None:
        return "document"
    if inc.text:
        return "command" if inc.text.startswith("/") else "text"
    return "other"


class Metrics:
    """Counters the core and the delivery move, gauges read from the database at scrape."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "clubbot_updates",
            "Updates handled, by kind and how they ended",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.handling = Histogram(
            "clubbot_update_handling_seconds",
            "Time the core took for one update (its transaction included)",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=self.registry,
        )
        self.sends = Counter(
            "clubbot_outbox_sends",
            "Outbox messages sent, by result",
            ["result"],
            registry=self.registry,
        )
        self.ticks = Counter(
            "clubbot_ticks", "Clock jobs run, by job", ["job"], registry=self.registry
        )
        self.outbox_depth = Gauge(
            "clubbot_outbox_depth", "Messages waiting in the outbox", registry=self.registry
        )
        self.outbox_oldest = Gauge(
            "clubbot_outbox_oldest_age_seconds",
            "How long the oldest due message of the outbox has waited (0 when none)",
            registry=self.registry,
        )
        # Every series from the start, so a rate over a first event is not lost.
        for kind in KINDS:
            for ending in ENDINGS:
                self.updates.labels(kind, ending)
        for result in SEND_RESULTS:
            self.sends.labels(result)
        self.last_tick: float | None = None

    def observe_update(self, inc: Incoming, ending: str, seconds: float) -> None:
        """Count one update the core handled."""
        self.updates.labels(kind_of(inc), ending).inc()
        self.handling.observe(seconds)

    def count_send(self, result: str) -> None:
        """Count one outbox send."""
        self.sends.labels(result).inc()

    def count_tick(self, job: str) -> None:
        """Count one run of a clock job, and remember when it ended."""
        self.ticks.labels(job).inc()
        self.last_tick = time.monotonic()

    def last_tick_age(self) -> float | None:
        """Seconds since a clock job last ended in this process (None before the first)."""
        return None if self.last_tick is None else time.monotonic() - self.last_tick

    def exposition(self, backlog: Backlog | None, now: datetime) -> bytes:
        """The text a scrape gets; the outbox gauges from `backlog` (left as they were if the
        database did not answer)."""
        if backlog is not None:
            self.outbox_depth.set(backlog.depth)
            oldest = backlog.oldest_due
            self.outbox_oldest.set(max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)
        return generate_latest(self.registry)
