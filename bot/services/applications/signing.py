"""Submitting an application, the co-sponsors' signatures (REG-1), and withdrawing it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from bot.domain.policy import Policy
from bot.domain.values import ApplicationChanged, DomainError, Student, UnknownApplication
from bot.services.applications import notices
from bot.services.applications.answers import check_name, editable, hold_advisor, missing
from bot.services.applications.decisions import advance
from bot.services.applications.machine import SIGNABLE, SIGNED, UNSIGNED, Action, AppState
from bot.services.applications.moves import locked, move, record, require_eligible
from storage import applications as applications_store
from storage import people
from storage.applications import Application
from storage.tx import Tx

TOKEN_BYTES = 12  # 16 URL-safe characters
# Longer than any token this or an earlier version made: a longer one is not looked up.
TOKEN_MAX_CHARS = 32


@dataclass(frozen=True, slots=True)
class Submitted:
    app: Application
    signatures: int


async def submit(
    tx: Tx, policy: Policy, now: datetime, user_id: int, student: Student | None, app_id: int
) -> Submitted:
    """Submit a draft (or resubmit a returned application): check everything again, sign as the
    lead sponsor, ask the advisor, and move on at once if everything is there already."""
    sponsor = require_eligible(student, app_id)
    app = await editable(tx, app_id, sponsor)
    app = await applications_store.lock(tx, app.id) or app
    charter = await applications_store.charter(tx, app.id)
    if missing(app, charter is not None):
        raise ApplicationChanged(id=app.id)
    await check_name(tx, policy, app.name, app.id)
    assert app.advisor_pk is not None
    advisor = await hold_advisor(tx, policy, app, app.advisor_pk)
    token = app.token or secrets.token_urlsafe(TOKEN_BYTES)
    held: dict[str, object] = (
        {"charter_sha256": charter.sha256} if charter else {"charter": "text"}
    )
    app = await move(
        tx, app, Action.SUBMIT, user_id, now, detail=held, token=token, submitted_at=now
    )
    if await applications_store.sign(tx, app.id, sponsor.id, user_id, True, now):
        count = await applications_store.count(tx, app.id)
        await record(
            tx, app, now, user_id, SIGNED, app.state, sponsor.student_id, signatures=count
        )
    if not app.advisor_accepted:
        await notices.ask_advisor(tx, now, app, advisor)
    app = await advance(tx, policy, now, app)
    return Submitted(app, await applications_store.count(tx, app.id))


@dataclass(frozen=True, slots=True)
class Signed:
    app: Application
    count: int
    new: bool  # False: the student had signed already


async def open_link(tx: Tx, user_id: int, now: datetime, token: str) -> Application | None:
    """The application a signing link names; a wrong link is counted like a wrong binding code,
    so links cannot be guessed at speed either."""
    found = (
        await applications_store.by_token(tx, token) if 0 < len(token) <= TOKEN_MAX_CHARS else None
    )
    if found is None:
        await people.record_failure(tx, user_id, now)
    return found


async def _by_token(tx: Tx, token: str) -> Application:
    """The application a signing link names, locked until the transaction ends."""
    found = await applications_store.by_token(tx, token)
    if found is None:
        raise UnknownApplication(id="?")
    return await locked(tx, found.id)


async def sign(
    tx: Tx, policy: Policy, now: datetime, user_id: int, student: Student | None, token: str
) -> Signed:
    """REG-1: a co-sponsor signs (eligibility checked now; one signature per student)."""
    app = await _by_token(tx, token)
    if app.state not in SIGNABLE:
        raise SigningClosed(name=app.name, state=app.state)
    signer = require_eligible(student, app.id)
    if not await applications_store.sign(tx, app.id, signer.id, user_id, False, now):
        return Signed(app, await applications_store.count(tx, app.id), False)
    count = await applications_store.count(tx, app.id)
    await record(tx, app, now, user_id, SIGNED, app.state, signer.student_id, signatures=count)
    await notices.tell_signature(tx, now, app, signer, count, policy.min_sponsors, given=True)
    app = await advance(tx, policy, now, app)
    return Signed(app, count, True)


class SigningClosed(DomainError):
    key = "error.application.signing_closed"


async def unsign(
    tx: Tx, policy: Policy, now: datetime, user_id: int, student: Student | None, token: str
) -> Application:
    """A co-sponsor withdraws their signature, until the application is decided."""
    app = await _by_token(tx, token)
    if student is None or app.state not in SIGNABLE or student.id == app.sponsor_pk:
        raise SigningClosed(name=app.name, state=app.state)
    if not await applications_store.withdraw(tx, app.id, now, student.id):
        raise NotSigned(name=app.name)
    count = await applications_store.count(tx, app.id)
    await record(tx, app, now, user_id, UNSIGNED, app.state, student.student_id, signatures=count)
    await notices.tell_signature(tx, now, app, student, count, policy.min_sponsors, given=False)
    if count < policy.min_sponsors and app.state in (AppState.UNIT_REVIEW, AppState.COMMITTEE):
        app = await move(tx, app, Action.SHORT, user_id, now)
    return app


class NotSigned(DomainError):
    key = "error.application.not_signed"


async def withdraw(
    tx: Tx, now: datetime, user_id: int, student: Student | None, app_id: int
) -> Application:
    """The sponsor withdraws the application (any time before it is decided); the co-sponsors
    who signed it are told."""
    app = await locked(tx, app_id)
    if student is None or app.sponsor_pk != student.id:
        raise UnknownApplication(id=app_id)
    app = await move(tx, app, Action.WITHDRAW, user_id, now)
    await notices.tell_signers(tx, now, app, "todo.cosigner_withdrawn")
    return app
