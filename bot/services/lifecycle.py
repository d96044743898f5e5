"""A club's life: suspend, reinstate, ban (REG-10), dissolve (REG-11), each with a reason.

A suspended club keeps its members but admits and elects nobody (REG-7, checked where joining
and elections check `ClubStatus.ACTIVE`). A ban or a dissolution ends every membership, position
and advisor appointment, and tells the members; the records stay, so the club's history does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.chat.text import without_full_stop
from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.domain.values import Club, ClubStatus, LifecycleAction, UnknownClub, WrongClubState
from bot.services import notices, reminders
from storage import advisors, audit, clubs, officers
from storage.tx import Tx

S = ClubStatus
# action -> (the states it applies to, the state it leads to)
TRANSITIONS: dict[LifecycleAction, tuple[frozenset[ClubStatus], ClubStatus]] = {
    LifecycleAction.SUSPEND: (frozenset({S.ACTIVE}), S.SUSPENDED),
    LifecycleAction.REINSTATE: (frozenset({S.SUSPENDED}), S.ACTIVE),
    LifecycleAction.BAN: (frozenset({S.ACTIVE, S.SUSPENDED}), S.BANNED),
    LifecycleAction.DISSOLVE: (frozenset({S.ACTIVE, S.SUSPENDED}), S.DISSOLVED),
}
ENDS_MEMBERSHIPS = frozenset({LifecycleAction.BAN, LifecycleAction.DISSOLVE})


@dataclass(frozen=True, slots=True)
class Changed:
    club: Club
    before: ClubStatus
    after: ClubStatus
    members_ended: int
    told: int


async def change(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    actor: int | None,
    club_id: int,
    action: LifecycleAction,
    reason: str,
    words: notices.Phrase | None = None,
) -> Changed:
    """Carry out `action` on the club (locked), record it with its reason, tell the members
    (the reason in words of their language when `words` gives them: a reason of the bot's)."""
    club = await clubs.locked_club(tx, club_id)
    if club is None:
        raise UnknownClub(name=str(club_id))
    applies_to, after = TRANSITIONS[action]
    if club.status not in applies_to:
        raise WrongClubState(club=club.name, state=club.status, action=action)
    members = await clubs.member_pks(tx, club.id)
    ended = 0
    if action in ENDS_MEMBERSHIPS:
        ended = await clubs.end_club_memberships(tx, club.id, now, after.value)
        await officers.end_all(tx, club.id, now)
        current = await advisors.current(tx, club.id)
        if current is not None:
            await advisors.end(tx, current.id, now, after.value)
    await clubs.set_status(tx, club.id, after)
    await clubs.record_event(tx, club.id, action.value, club.status, after, reason, actor, now)
    await audit.append(
        tx,
        now,
        actor,
        f"club.{action.value}",
        club_id=club.id,
        subject=f"club:{club.id}",
        before={"status": club.status.value},
        after={"status": after.value, "reason": reason, "memberships_ended": ended},
    )
    told = await notices.tell_students(
        tx,
        now,
        f"lifecycle:{club.id}:{action.value}:{now.isoformat()}",
        members,
        f"lifecycle.notice_{action.value}",
        club=club.name,
        reason=words or without_full_stop(reason),
    )
    await reminders.refresh(tx, policy, cal, now, [club.id])
    return Changed(club, club.status, after, ended, told)


async def dissolve_by_vote(
    tx: Tx, policy: Policy, cal: Calendar, now: datetime, club_id: int, motion: str
) -> Changed:
    """REG-11: the members voted to dissolve the club (called by the general-meeting vote)."""
    return await change(tx, policy, cal, now, None, club_id, LifecycleAction.DISSOLVE, motion)
