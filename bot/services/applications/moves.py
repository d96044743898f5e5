"""Moving an application along the machine, and who may move it.

Every state change goes through `move`: the transition table says which action leads from which
state to which, the row changes only if it is still in the state read (a conditional update, so
two reviewers at once give one decision). `record` writes every change (state changes,
signatures given and withdrawn, signatures cleared) twice in the same transaction: to the
application's history (what sponsors and staff read in /application) and to the hash-chained
audit log (`application.<what>`), so neither holds a change the other lacks.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.values import (
    ApplicationChanged,
    NotBound,
    NotEligibleSponsor,
    Student,
    UnknownApplication,
)
from bot.services.applications.machine import Action, target
from storage import applications as applications_store
from storage import audit
from storage import units as units_store
from storage.applications import Application
from storage.tx import Tx


def eligible(student: Student | None) -> bool:
    """REG-1: formal student status and no disciplinary record."""
    return student is not None and student.has_formal_status and not student.disciplinary


def require_eligible(student: Student | None, app_id: int = 0) -> Student:
    """The student, if they may sponsor or sign (REG-1); NotBound or NotEligibleSponsor if not
    (naming the application `app_id` to review, 0 for a new one)."""
    if student is None:
        raise NotBound()
    if not eligible(student):
        raise NotEligibleSponsor(review=app_id)
    return student


async def locked(tx: Tx, app_id: int) -> Application:
    """The application, locked until the transaction ends; UnknownApplication if there is none."""
    app = await applications_store.lock(tx, app_id)
    if app is None:
        raise UnknownApplication(id=app_id)
    return app


async def reread(tx: Tx, app: Application) -> Application:
    """The application as the database has it now."""
    found = await applications_store.get(tx, app.id)
    assert found is not None
    return found


async def unit_reps(tx: Tx, app: Application) -> list[int]:
    """The users who represent the application's guidance unit (REG-2)."""
    return await units_store.unit_reps(tx, app.unit_id) if app.unit_id is not None else []


async def move(
    tx: Tx,
    app: Application,
    action: Action,
    actor: int | None,
    now: datetime,
    comment: str | None = None,
    *,
    detail: dict[str, object] | None = None,
    **values: object,
) -> Application:
    """Apply `action` to the application as read; ApplicationChanged if someone was first.
    `detail` goes to the audit entry only (the charter's hash at submission, REG-4)."""
    moved_to = target(app.state, action)
    if moved_to is None or not await applications_store.change(
        tx, app.id, app.state, now, state=moved_to.value, **values
    ):
        raise ApplicationChanged(id=app.id)
    moved = await reread(tx, app)
    await record(tx, moved, now, actor, action.value, app.state, comment, **(detail or {}))
    return moved


async def record(
    tx: Tx,
    app: Application,
    now: datetime,
    actor: int | None,
    what: str,
    from_state: str,
    comment: str | None = None,
    **detail: object,
) -> None:
    """One change of an application, into its history and into the audit log."""
    await applications_store.add_event(
        tx, app.id, now, actor, what, from_state, app.state, comment
    )
    after: dict[str, object] = {"state": app.state, **detail}
    if comment:
        after["comment"] = comment
    await audit.append(
        tx,
        now,
        actor,
        f"application.{what}",
        club_id=app.club_id,
        subject=f"application:{app.id}",
        before={"state": from_state},
        after=after,
    )
