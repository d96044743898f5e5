"""ACT-1: a proposal goes to the club's advisor, then to a representative of its guidance unit,
then to staff (talks, large and off-campus activities always; small regular ones as the policy
says). Each level approves, returns it with a comment (the organizer changes it and submits
again) or rejects it with a reason. Silence is not approval.

A decision is for the version of the proposal its button was sent with, and is recorded only
if the activity is still at that level and version (a conditional update, and a unique index
on level and version): of two approvers pressing at once, one decides, the other is told.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.domain.activities import (
    LEVELS,
    ActivityState,
    Decision,
    Move,
    NoSuchMove,
    after,
    next_level,
)
from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.domain.values import ClubStatus, DomainError, Language, Role
from bot.services import activity_reports, signups
from bot.services.notices import activities as notices
from bot.services.notices.todo import Todo
from storage import activities as store
from storage import audit, clubs, outbox, people
from storage.activities import Activity
from storage.outbox import Message
from storage.tx import Tx

COMMENT_MAX = 1000


class NotApprover(DomainError):
    """The person is not who answers at the activity's current level."""

    key = "error.activity.not_approver"


class CommentNeeded(DomainError):
    key = "error.activity.comment_needed"


# Reminders and escalations go out at this local hour (the outbox does not hold them at night).
MORNING = time(9, 0)
# Who hears that a level let its answer time run out.
ESCALATE_TO = {
    ActivityState.ADVISOR: ActivityState.UNIT,
    ActivityState.UNIT: ActivityState.STAFF,
    ActivityState.STAFF: ActivityState.STAFF,
}


def _prefix(act: Activity) -> str:
    """The key prefix of every message asking the activity's current level."""
    return f"activity:{act.id}:v{act.version}:{act.state.value}:"


async def ask_next(tx: Tx, policy: Policy, cal: Calendar, now: datetime, activity_id: int) -> int:
    """Ask whoever answers at the activity's current level, and queue the reminder of the last
    answer day (ACT-1: `activity_answer_working_days`) and the escalation after it; how many
    were asked."""
    act = await store.activity(tx, activity_id)
    if act is None or act.state not in LEVELS:
        return 0
    asked = await store.approvers(tx, act.club_id, act.state)
    prefix = _prefix(act)
    level = act.state.value
    messages = [
        Message(
            f"{prefix}{user_id}",
            user_id,
            notices.request(lang, cal, act, level),
            notices.decision_buttons(lang, act),
        )
        for user_id, lang in asked
    ]
    queued = await outbox.enqueue_many(tx, messages, now)
    work = await store.work_calendar(tx)
    # The last working day to answer, and the first working day after it.
    last = work.earliest(cal.today(now), policy.activity_answer_working_days) - timedelta(days=1)
    after_last = work.earliest(last, 1) - timedelta(days=1)
    remind_at = datetime.combine(last, MORNING, cal.zone).astimezone(UTC)
    escalate_at = datetime.combine(after_last, MORNING, cal.zone).astimezone(UTC)
    by = last.isoformat()
    reminders = [
        Message(
            f"{prefix}remind:{user_id}",
            user_id,
            notices.remind_approver(lang, act, by),
            notices.decision_buttons(lang, act),
        )
        for user_id, lang in asked
    ]
    await outbox.enqueue_many(tx, reminders, max(now, remind_at))
    above = await store.approvers(tx, act.club_id, ESCALATE_TO[act.state])
    escalations = [
        Message(
            f"{prefix}escalate:{user_id}",
            user_id,
            notices.escalated(lang, act, level, by),
        )
        for user_id, lang in above
    ]
    await outbox.enqueue_many(tx, escalations, max(now, escalate_at))
    return queued


async def may_decide(tx: Tx, user_id: int, act: Activity) -> bool:
    """Whether this person answers at the activity's current level, read now."""
    if act.state not in LEVELS:
        return False
    return user_id in {uid for uid, _ in await store.approvers(tx, act.club_id, act.state)}


async def current(tx: Tx, activity_id: int, version: int) -> Activity:
    """The activity, if it still waits at a level in the version the button was sent with."""
    act = await store.activity(tx, activity_id)
    if act is None or act.version != version or act.state not in LEVELS:
        raise NoSuchMove()
    return act


async def decide(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    user_id: int,
    activity_id: int,
    version: int,
    decision: Decision,
    comment: str | None = None,
) -> tuple[Activity, ActivityState, Decision]:
    """Record this level's decision; the activity as it was, the state it is in now, and the
    decision taken (a rejection when the club stopped meanwhile)."""
    act = await current(tx, activity_id, version)
    if not await may_decide(tx, user_id, act):
        raise NotApprover()
    if decision is not Decision.APPROVE and not (comment or "").strip():
        raise CommentNeeded()
    club = await clubs.club(tx, act.club_id)
    if club is not None and club.status is not ClubStatus.ACTIVE and decision is Decision.APPROVE:
        # REG-7, ACT-12: a club stopped while its activity waited holds none: refused, and the
        # organizer is told why.
        decision, comment = Decision.REJECT, f"ACT-12: {club.status.value}"
    move = {
        Decision.APPROVE: next_level(act.state, act.needs_staff),
        Decision.RETURN: Move.RETURN,
        Decision.REJECT: Move.REJECT,
    }[decision]
    state = after(act.state, move)
    if not await store.move(tx, act.id, act.state, version, now, state, comment=comment):
        raise NoSuchMove()
    if not await store.record_decision(
        tx, act.id, version, act.state, decision, user_id, comment, now
    ):
        raise NoSuchMove()
    # The level answered: its reminders and escalation are not sent.
    await store.clear_prefixed(tx, _prefix(act))
    await audit.append(
        tx,
        now,
        user_id,
        f"activity.{decision.value}",
        club_id=act.club_id,
        subject=f"activity:{act.id}",
        before={"state": act.state.value},
        after={"state": state.value, "comment": comment},
    )
    if state in LEVELS:
        await ask_next(tx, policy, cal, now, act.id)
    else:
        if state is ActivityState.APPROVED:
            await signups.announce(tx, cal, now, act)
            await activity_reports.ask_after_end(tx, policy, cal, now, act)
            if act.version > 1:
                # Approved again after a change: the students signed up are reminded of the
                # activity as it now stands.
                await signups.remind_confirmed(tx, cal, now, act)
        lang = await store.account_language(tx, act.organizer)
        told = "approve" if state is ActivityState.APPROVED else decision.value
        await outbox.enqueue(
            tx,
            f"activity:{act.id}:v{version}:told",
            act.organizer,
            notices.decided(lang, act, told, comment),
            now,
        )
    return act, state, decision


async def is_staff(tx: Tx, user_id: int) -> bool:
    return Role.STAFF in await people.roles_of(tx, user_id)


async def todos(
    tx: Tx, cal: Calendar, user_id: int, advisor_pk: int | None, lang: Language
) -> list[Todo]:
    """The proposals waiting for this person's decision (/todo), with the request's buttons."""
    staff = await is_staff(tx, user_id)
    return [
        Todo(notices.request(lang, cal, act, act.state.value), notices.decision_buttons(lang, act))
        for act in await store.waiting_for(tx, user_id, advisor_pk, staff)
    ]
