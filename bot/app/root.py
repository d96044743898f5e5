"""The composition root: settings in, a wired bot out. Nothing is built at import time."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.app import logs
from bot.app.http import build_web, listening
from bot.app.metrics import Metrics
from bot.app.settings import Settings
from bot.chat.frontend import FrontEnd, Pace
from bot.chat.i18n import tr
from bot.chat.replies import Reply
from bot.core import menus
from bot.core.engine import Engine
from bot.core.router import Router
from bot.domain.calendar import Calendar
from bot.domain.policy import Policy, load_policy
from bot.domain.values import Language
from bot.flows import build_router
from bot.services import activities, applications
from schedules.clock import Job, start_clock
from schedules.deadlines import refresh_all, scan_due
from schedules.delivery import Delivery, SystemClock
from schedules.elections import advance_due
from schedules.menus import MenuPublisher, MenuSetter
from schedules.privacy import sweep as privacy_sweep
from schedules.throttle import Pacer
from storage import conversations, leases, migrate, outbox
from storage.db import Database
from storage.tx import Tx, transact
from storage.types import utcnow

log = logging.getLogger(__name__)

# Telegram keeps an unconfirmed update for 24 hours; keep the record of processed ones longer.
UPDATE_MEMORY = timedelta(days=2)
MINUTE = 60.0
HOUR = 60 * MINUTE
DAY = 24 * HOUR
# Only one process may call getUpdates (Telegram answers a second with 409): the one holding
# this lease. It renews the lease every POLL_RENEW seconds; when it dies, another takes over
# at most POLL_LEASE later (the others try every POLL_RENEW seconds).
POLLER = "poller"
POLL_LEASE = timedelta(seconds=5)
POLL_RENEW = 1.0


@dataclass(slots=True)
class App:
    settings: Settings
    policy: Policy
    db: Database
    router: Router
    cal: Calendar
    # The time for every step and tick (tests move it forward; in production it is UTC now).
    clock: Callable[[], datetime] = field(default=utcnow)


def build_app(
    settings: Settings, db: Database | None = None, clock: Callable[[], datetime] = utcnow
) -> App:
    """Everything but the Telegram front end (on `db` if given, else DATABASE_URL's)."""
    return App(
        settings=settings,
        policy=load_policy(settings.policy_file),
        db=db or Database(settings.database_url),
        router=build_router(),
        cal=Calendar.named(settings.timezone),
        clock=clock,
    )


async def forget_old_updates(db: Database, now: datetime) -> None:
    async with db.transaction() as session:
        await conversations.forget_updates(Tx(session, db), now - UPDATE_MEMORY)


def menu_publisher(app: App, front: MenuSetter, pace: Pace) -> MenuPublisher:
    """Publishes the command menus of the people whose roles or language changed."""
    return MenuPublisher(app.db, front, pace, lambda facts: menus.wanted(app.router, facts))


async def tick(
    app: App, delivery: Delivery, publisher: MenuPublisher | None = None, *, refresh: bool = False
) -> tuple[int, int]:
    """One scan-and-send: queue what fell due, then send it (and the menus that are due);
    (reminders queued, messages sent)."""
    if refresh:
        await refresh_all(app.db, app.policy, app.cal, app.clock())
    # Election steps first: what they announce goes out in the same tick.
    await advance_due(app.db, app.policy, app.cal, app.clock())
    scanned = await scan_due(app.db, app.policy, app.cal, app.clock())
    sent = await delivery.deliver_due()
    if publisher is not None:
        await publisher.publish_due()
    return scanned.messages, sent


async def report_errors(app: App, alerts: logs.Alerts) -> bool:
    """Queue a report of the internal errors logged since the last one to ALERT_CHAT_ID, when
    one is due (see `logs.Alerts`); whether one was queued."""
    due = alerts.take()
    if due is None or app.settings.alert_chat_id is None:
        return False
    first, count = due
    text = "\n\n".join(
        tr(language, "alert.errors", count=count, first=first)
        for language in (Language.ZH, Language.EN)
    )
    now = app.clock()
    async with app.db.transaction() as session:
        key = f"alert:{now.isoformat()}"
        return await outbox.enqueue(
            Tx(session, app.db), key, app.settings.alert_chat_id, text, now
        )


async def serve(
    app: App,
    front: FrontEnd,
    stop: asyncio.Event,
    alerts: logs.Alerts | None = None,
    metrics: Metrics | None = None,
) -> None:
    """Migrate, then take updates (by webhook when WEBHOOK_URL is set, else by polling while
    this process holds the polling lease), serve HTTP_LISTEN, and tick until `stop` is set."""
    metrics = metrics or Metrics()
    await migrate.upgrade(app.db)
    identity = await front.open()
    engine = Engine(
        app.db,
        app.policy,
        app.router,
        bot_id=identity.id,
        bot_username=app.settings.bot_username or identity.username,
        cal=app.cal,
        clock=app.clock,
        ballot_key=app.settings.ballot_key_bytes(),
        observe=metrics.observe_update,
    )
    await front.register_commands({lang: menus.default(app.router, lang) for lang in Language})
    delivery = Delivery(
        app.db, front, app.policy, app.cal, SystemClock(app.clock), count_send=metrics.count_send
    )
    # Replies and the outbox count against the same limits.
    pacer = Pacer(delivery.throttle, now=lambda: app.clock().timestamp())
    front.pace_with(pacer)

    async def scan() -> None:
        await scan_due(app.db, app.policy, app.cal, app.clock())

    async def refresh() -> None:
        report = await refresh_all(app.db, app.policy, app.cal, app.clock())
        log.info(
            "deadlines: %s opened, %s closed, %s re-timed",
            report.opened,
            report.closed,
            report.rescheduled,
        )

    async def elect() -> None:
        await advance_due(app.db, app.policy, app.cal, app.clock())

    async def forget() -> None:
        await forget_old_updates(app.db, app.clock())

    async def expire_drafts() -> None:
        # A batch per transaction, so updates interleave with a long sweep.
        while await transact(
            app.db,
            lambda tx: applications.expire_stale_drafts(tx, app.policy, app.clock(), 100),
        ):
            pass
        while await transact(
            app.db,
            lambda tx: activities.expire_stale_drafts(tx, app.policy, app.clock(), 100),
        ):
            pass

    async def forget_personal_data() -> None:
        swept = await privacy_sweep(app.db, app.policy, app.clock())
        log.info("privacy sweep: %s", swept)

    async def resend(chat_id: int, reply: Reply) -> None:
        # An answer taken to be sent again is sent once: a 429 is waited out, not a loss.
        await pacer.send(chat_id, lambda: front.send(chat_id, reply))

    async def answers() -> None:
        sent = await engine.resend_undelivered(resend)
        if sent:
            log.info("answers: %s sent that a stopped process had not", sent)

    async def report() -> None:
        if alerts is not None:
            await report_errors(app, alerts)

    def counted(job: str, work: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await work()
            metrics.count_tick(job)

        return run

    every = app.settings.tick_seconds
    jobs = {
        "alerts": Job(report, every),
        # Recomputing every deadline picks up a changed policy; actions refresh their club.
        "refresh-deadlines": Job(refresh, DAY, at_start=True),
        "deadlines": Job(scan, every),
        "elections": Job(elect, every),
        "outbox": Job(delivery.deliver_due, every),
        "menus": Job(menu_publisher(app, front, pacer).publish_due, every),
        "forget-updates": Job(forget, HOUR),
        "expire-drafts": Job(expire_drafts, HOUR, at_start=True),
        # PRIV-3: codes, conversations, update records and leavers' bindings, by the policy.
        "privacy-sweep": Job(forget_personal_data, HOUR, at_start=True),
        "answers": Job(answers, MINUTE, at_start=True),
    }
    clock = start_clock(
        {name: Job(counted(name, j.run), j.seconds, j.at_start) for name, j in jobs.items()}
    )
    log.info("@%s is running on %s", identity.username, app.settings.bot_framework.value)
    # Everything loaded so far (modules, the frameworks' pydantic schemas, …) lives as long as
    # the process: keep it out of the garbage collector's full scans, which otherwise walk it
    # again and again while serving.
    gc.collect()
    gc.freeze()
    settings = app.settings
    host, port = settings.listen_address()
    try:
        await front.start(engine.handle)
        async with listening(build_web(app, metrics, front), host, port) as bound:
            log.info("HTTP on %s:%s", host, bound)
            if settings.webhook_url is not None and settings.webhook_secret is not None:
                # Other workers may serve the same webhook: it stays set when this one stops.
                secret = settings.webhook_secret.get_secret_value()
                await front.listen(settings.webhook_url, secret)
                await stop.wait()
            else:
                await poll_while_leased(app.db, front, stop)
    finally:
        clock.shutdown(wait=False)
        await delivery.close()
        await front.close()
        await app.db.dispose()


async def _hold_poller(db: Database, holder: str) -> bool:
    """Take or renew the polling lease; False while another process holds it."""
    try:
        async with db.transaction() as session:
            return await leases.acquire(Tx(session, db), POLLER, holder, utcnow(), POLL_LEASE)
    except Exception as exc:  # a database that does not answer renews nothing
        log.warning("polling lease: %s", exc)
        return False


async def poll_while_leased(db: Database, front: FrontEnd, stop: asyncio.Event) -> None:
    """Poll while this process holds the polling lease (real time: it is about processes
    alive, not the app's clock); wait without polling while another does."""
    holder = f"{os.getpid()}:{uuid.uuid4().hex[:12]}"
    waiting_logged = False
    while not stop.is_set():
        if not await _hold_poller(db, holder):
            if not waiting_logged:
                log.info("another process polls; waiting to take over")
                waiting_logged = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL_RENEW)
            continue
        waiting_logged = False
        lost = asyncio.Event()

        async def renew(lost: asyncio.Event = lost) -> None:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), POLL_RENEW)
                if stop.is_set() or not await _hold_poller(db, holder):
                    break
            if not stop.is_set():
                log.warning("lost the polling lease; polling stops")
            lost.set()

        renewing = asyncio.create_task(renew())
        try:
            await front.poll(lost)
        finally:
            lost.set()
            await renewing
    async with db.transaction() as session:
        await leases.release(Tx(session, db), POLLER, holder, utcnow())


async def run(settings: Settings) -> None:
    """`clubbot run`: serve until SIGTERM or SIGINT."""
    from bot.app.frontends import make_front_end

    app = build_app(settings)
    alerts = None
    if settings.alert_chat_id is not None:
        alerts = logs.Alerts(settings.alert_interval_seconds, settings.secrets())
        logging.getLogger().addHandler(alerts)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await serve(app, make_front_end(settings, app.policy.charter_max_bytes), stop, alerts)
