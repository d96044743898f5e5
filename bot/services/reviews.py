"""Annual reviews (REG-5), review and re-registration windows, and re-registration (ORG-2)."""

from __future__ import annotations

from datetime import date, datetime

from bot.domain.calendar import Calendar
from bot.domain.deadlines import Window
from bot.domain.policy import Policy
from bot.domain.values import (
    AlreadyReviewed,
    Club,
    ClubStatus,
    DeadlineKind,
    LifecycleAction,
    NoReviewRound,
    NotOfficer,
    ReviewResult,
    Role,
    Student,
    UnknownClub,
    VerdictRecorded,
)
from bot.services import lifecycle, notices, reminders
from bot.services.meetings import require_officer
from bot.services.notices import reviews as review_notices
from bot.services.officers import officer_clubs as officer_clubs
from storage import audit, clubs, officers, people, reviews
from storage import deadlines as deadlines_store
from storage.tx import Tx


class BadWindow(ValueError):
    """A window that closes before it opens."""


async def record_verdict(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    club_id: int,
    result: ReviewResult,
    year: int,
    reviewer: int,
    comment: str,
) -> Club:
    """A reviewer's verdict in the annual round: one per club and year. Another reviewer may
    have decided since this one chose the club, so the club is locked and the round read again:
    `VerdictRecorded` when it was decided meanwhile."""
    club = await clubs.locked_club(tx, club_id)
    if club is None or club_id not in await reviews.awaiting_verdict(tx, year):
        raise VerdictRecorded()
    await record_result(
        tx, policy, cal, now, club, result, cal.today(now), year, reviewer, comment
    )
    return club


async def record_result(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    club: Club,
    result: ReviewResult,
    decided_on: date,
    year: int | None = None,
    recorded_by: int | None = None,
    comment: str | None = None,
) -> bool:
    """Record a club's review result for a year (by default the decision's year), audited.

    A fail suspends an active club (REG-7); a later pass or conditional pass of that year (after
    an appeal) reinstates a club the fail suspended. The officers are told the result."""
    year = year or decided_on.year
    old = await reviews.record_result(
        tx, club.id, year, result, decided_on, now, recorded_by, comment
    )
    await audit.append(
        tx,
        now,
        recorded_by,
        "review.result",
        club_id=club.id,
        subject=f"club:{club.id}",
        before={"year": year, "result": old.result.value} if old else None,
        after={"year": year, "result": result.value, "comment": comment},
    )
    await reminders.refresh(tx, policy, cal, now, [club.id])
    reason = review_notices.fail_reason(year)
    if result is ReviewResult.FAIL and club.status is ClubStatus.ACTIVE:
        told = review_notices.fail_words(year)
        await lifecycle.change(
            tx, policy, cal, now, recorded_by, club.id, LifecycleAction.SUSPEND, reason, told
        )
    elif result is not ReviewResult.FAIL and club.status is ClubStatus.SUSPENDED:
        last = await clubs.last_event(tx, club.id)
        if (
            last is not None
            and last.action == LifecycleAction.SUSPEND.value
            and (last.reason == reason)
        ):
            told = review_notices.pass_words(year, result)
            await lifecycle.change(
                tx, policy, cal, now, recorded_by, club.id, LifecycleAction.REINSTATE, reason, told
            )
    await notices.tell_officers(
        tx,
        now,
        f"review:{club.id}:{year}:{now.isoformat()}",
        club.id,
        "review.notice_result",
        club=club.name,
        year=year,
        result=result,
        comment=comment or "—",
    )
    return old is None


def check_window(opens_on: date, closes_on: date) -> None:
    if closes_on < opens_on:
        raise BadWindow(f"the window closes ({closes_on}) before it opens ({opens_on})")


async def reregister(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    user_id: int,
    student: Student | None,
    club_id: int,
) -> tuple[Club, int | None]:
    """An officer confirms the club's member list for the academic year whose re-registration
    is open; the year, or None when no re-registration is due."""
    club = await require_officer(tx, student, club_id)
    deadline = await deadlines_store.open_deadline(tx, club.id, DeadlineKind.REREGISTRATION)
    if deadline is None or deadline.subject is None:
        return club, None
    await reviews.reregister(tx, club.id, deadline.subject, now, user_id)
    await reminders.refresh(tx, policy, cal, now, [club.id])
    return club, deadline.subject


# --- the annual review round ---------------------------------------------------------------------


async def open_round(
    tx: Tx,
    policy: Policy,
    cal: Calendar,
    now: datetime,
    actor: int | None,
    year: int,
    closes_on: date,
) -> int:
    """Staff open the review round of `year` from today to `closes_on`; the officers of every
    active club are told to submit the form. How many officers were told."""
    opens_on = cal.today(now)
    check_window(opens_on, closes_on)
    await reviews.set_review_window(tx, year, opens_on, closes_on, now)
    await audit.append(
        tx,
        now,
        actor,
        "review.open",
        subject=f"review:{year}",
        after={"year": year, "opens_on": opens_on, "closes_on": closes_on},
    )
    active = [c for c in await clubs.all_clubs(tx) if c.status is ClubStatus.ACTIVE]
    await reminders.refresh(tx, policy, cal, now, [c.id for c in active])
    # A club whose review of this year is decided already has nothing to submit.
    decided = await reviews.latest_results_by_club(tx)
    active = [c for c in active if c.id not in decided or decided[c.id].year != year]
    notes: list[tuple[int, str, dict[str, object]]] = [
        (
            club.id,
            f"review-open:{year}:{club.id}",
            {"club": club.name, "year": year, "closes": closes_on.isoformat()},
        )
        for club in active
    ]
    return await notices.tell_officers_of(tx, now, notes, "review.notice_open")


async def current_round(tx: Tx, cal: Calendar, now: datetime) -> Window:
    found = await reviews.open_round(tx, cal.today(now))
    if found is None:
        raise NoReviewRound()
    return found


async def submit(
    tx: Tx,
    cal: Calendar,
    now: datetime,
    user_id: int,
    student: Student | None,
    club_id: int,
    form: reviews.Submission,
) -> int:
    """An officer submits the club's review form for the open round; the round's year."""
    club = await require_officer(tx, student, club_id)
    window = await current_round(tx, cal, now)
    await require_undecided(tx, club, window.year)
    created = await reviews.submit(
        tx,
        club.id,
        window.year,
        form.activities,
        form.member_count,
        form.finances,
        form.advisor_comment,
        user_id,
        now,
    )
    await audit.append(
        tx,
        now,
        user_id,
        "review.submit" if created else "review.resubmit",
        club_id=club.id,
        subject=f"club:{club.id}",
        after={"year": window.year, "member_count": form.member_count},
    )
    return window.year


async def require_undecided(tx: Tx, club: Club, year: int) -> None:
    """The club's review of `year` has no result yet (else there is nothing to submit)."""
    decided = await reviews.latest_result(tx, club.id)
    if decided is not None and decided.year == year:
        raise AlreadyReviewed(club=club.name, year=year, result=decided.result)


async def appeal(
    tx: Tx,
    now: datetime,
    user_id: int,
    student: Student | None,
    club_id: int,
    text: str,
) -> int:
    """Officers appeal the club's latest failed review; the reviewers are told. Its year.
    (A club the fail suspended may appeal: that is what the appeal is for.)"""
    club = await clubs.club(tx, club_id)
    if club is None:
        raise UnknownClub(name=str(club_id))
    if student is None or not await officers.is_officer(tx, student.id, club.id):
        raise NotOfficer(club=club.name)
    latest = await reviews.latest_result(tx, club.id)
    if latest is None or latest.result is not ReviewResult.FAIL:
        raise NoReviewRound()
    await reviews.appeal(tx, club.id, latest.year, text, user_id, now)
    await audit.append(
        tx,
        now,
        user_id,
        "review.appeal",
        club_id=club.id,
        subject=f"club:{club.id}",
        after={"year": latest.year, "text": text},
    )
    reviewers = await people.holders(tx, Role.REVIEWER)
    await notices.tell(
        tx,
        now,
        f"appeal:{club.id}:{latest.year}:{now.isoformat()}",
        reviewers,
        "review.notice_appeal",
        club=club.name,
        year=latest.year,
    )
    return latest.year
