"""/status for staff: all clubs at a glance, or one club's state and members (REG-9).

Stateless: the member pages travel in callback data (`v1:st:<club id>:<page>`), and every
command and button checks the staff role again, because a role can be revoked at any time.
"""

from __future__ import annotations

import difflib
from collections import Counter

from bot import callbacks
from bot.callbacks import Callback
from bot.context import Ctx
from bot.domain import Category, Club, ClubStatus, Role, StaffOnly, Student, name_key
from bot.flows.common import category_label, clip
from bot.replies import Button, Keyboard
from bot.router import Audience, Router, Step
from storage import clubs

router = Router()
KIND = "st"
# With the clipped fields below, a full page stays far below Telegram's 4096 characters.
MEMBERS_PER_PAGE = 12
SUGGESTIONS = 5


async def require_staff(ctx: Ctx) -> None:
    """Refuse unless the user holds the staff role at this moment."""
    if Role.STAFF not in await ctx.roles():
        raise StaffOnly()


@router.command("status", Audience.STAFF)
async def status(ctx: Ctx, args: str) -> Step:
    await require_staff(ctx)
    if not args:
        return Step.say(await _summary(ctx))
    club = await clubs.club_by_key(ctx.tx, name_key(args))
    if club is None:
        return await _unknown(ctx, args)
    text, keyboard = await _club(ctx, club, 0)
    return Step.say(text, keyboard)


@router.callback(KIND)
async def status_button(ctx: Ctx, cb: Callback) -> Step:
    await require_staff(ctx)
    club = await clubs.club(ctx.tx, cb.int_arg(0))
    if club is None:
        raise callbacks.BadCallback("no such club")
    text, keyboard = await _club(ctx, club, cb.int_arg(1))
    return Step.say(text, keyboard, edit=True)


async def _summary(ctx: Ctx) -> str:
    every = await clubs.all_clubs(ctx.tx)
    states = Counter(club.status for club in every)
    memberships, students = await clubs.membership_totals(ctx.tx)
    lines = [
        ctx.t(
            "status.summary",
            total=len(every),
            active=states[ClubStatus.ACTIVE],
            suspended=states[ClubStatus.SUSPENDED],
            banned=states[ClubStatus.BANNED],
            dissolved=states[ClubStatus.DISSOLVED],
        )
    ]
    by_category = Counter(club.category for club in every)
    active = Counter(club.category for club in every if club.status is ClubStatus.ACTIVE)
    if by_category:
        lines.append(ctx.t("status.by_category"))
        lines += [
            ctx.t(
                "status.category_line",
                category=category_label(ctx, category),
                active=active[category],
                total=by_category[category],
            )
            for category in Category
            if category in by_category
        ]
    lines.append(ctx.t("status.members", memberships=memberships, students=students))
    lines.append(ctx.t("status.hint"))
    return "\n".join(lines)


async def _club(ctx: Ctx, club: Club, page: int) -> tuple[str, Keyboard]:
    members, total = await clubs.members_page(
        ctx.tx, club.id, page * MEMBERS_PER_PAGE, MEMBERS_PER_PAGE
    )
    pages = max(1, -(-total // MEMBERS_PER_PAGE))
    if page >= pages:
        page = pages - 1
        members, total = await clubs.members_page(
            ctx.tx, club.id, page * MEMBERS_PER_PAGE, MEMBERS_PER_PAGE
        )
    lines = [
        ctx.t(
            "status.club",
            name=clip(club.name),
            state=club.status,
            category=category_label(ctx, club.category),
            unit=clip(club.guidance_unit),
            founded=club.founded.isoformat(),
            count=total,
        )
    ]
    if total:
        lines.append(ctx.t("status.members_page", page=page + 1, pages=pages))
        lines += [_member_line(ctx, student) for student in members]
    else:
        lines.append(ctx.t("status.no_members"))
    nav = []
    if page > 0:
        nav.append(Button(ctx.t("button.previous"), callbacks.encode(KIND, club.id, page - 1)))
    if page + 1 < pages:
        nav.append(Button(ctx.t("button.next"), callbacks.encode(KIND, club.id, page + 1)))
    return "\n".join(lines), (tuple(nav),) if nav else ()


def _member_line(ctx: Ctx, student: Student) -> str:
    return ctx.t(
        "status.member_line",
        name=clip(student.name, 32),
        student_id=clip(student.student_id, 24),
        college=clip(student.college, 40),
        class_name=clip(student.class_name, 24),
    )


async def _unknown(ctx: Ctx, query: str) -> Step:
    every = await clubs.all_clubs(ctx.tx)
    close = closest(query, every)
    if not close:
        return Step.say(ctx.t("status.unknown_no_match", name=clip(query)))
    rows = tuple((Button(clip(club.name), callbacks.encode(KIND, club.id, 0)),) for club in close)
    return Step.say(ctx.t("status.unknown", name=clip(query)), rows)


def closest(query: str, candidates: list[Club], limit: int = SUGGESTIONS) -> list[Club]:
    """Clubs whose names contain the query first, then the most similar names."""
    key = name_key(query)
    by_key = {name_key(club.name): club for club in candidates}
    containing = [k for k in by_key if key and key in k]
    similar = difflib.get_close_matches(key, list(by_key), n=limit, cutoff=0.5)
    ordered = list(dict.fromkeys([*containing, *similar]))
    return [by_key[k] for k in ordered[:limit]]
