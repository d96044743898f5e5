"""/status for staff: all clubs at a glance, or one club's state and members (REG-9).

Stateless: the member pages travel in callback data (`v1:st:<club id>:<page>`), and every
command and button checks the staff role again, because a role can be revoked at any time.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard

from bot.chat import callbacks
from bot.chat.callbacks import Callback
from bot.chat.i18n import Html, plain
from bot.chat.replies import Button, Keyboard
from bot.core import permissions
from bot.core.context import Ctx
from bot.core.router import Router, Step
from bot.domain.values import Category, Club, ClubStatus, Student, name_key
from bot.flows.common import (
    actor_name,
    actor_names,
    category_label,
    clip,
    holder,
    known,
    position_label,
)
from bot.services.applications import OPEN, AppState
from storage import advisors, applications, audit, clubs, officers, people
from storage import deadlines as deadlines_store
from storage import elections as elections_store
from storage import meetings as meetings_store
from storage import reviews as reviews_store
from storage.audit import Entry

router = Router()
KIND = "st"
# With the clipped fields below, a full page stays far below Telegram's 4096 characters.
MEMBERS_PER_PAGE = 12
SUGGESTIONS = 5
HISTORY = 5
OPEN_STATES = tuple(state.value for state in OPEN)


@permissions.command(router, "status", report=True)
async def status(ctx: Ctx, args: str) -> Step:
    if not args:
        return Step.say(await _summary(ctx))
    club = await clubs.club_by_key(ctx.tx, name_key(args))
    if club is None:
        # A club being established has no club record until its founding is confirmed.
        app = await applications.by_name(ctx.tx, name_key(args), OPEN_STATES)
        if app is not None:
            state = ctx.t(f"application.state.{app.state}")
            return Step.say(
                ctx.t("status.application", name=clip(app.name), id=app.id, state=state)
            )
        return await _unknown(ctx, args)
    text, keyboard = await _club(ctx, club, 0)
    return Step.say(text, keyboard)


@permissions.button(router, KIND, "status")
async def status_button(ctx: Ctx, cb: Callback) -> Step:
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
    bank = await advisors.all_advisors(ctx.tx)
    advised = await advisors.advised_club_ids(ctx.tx)
    without = sum(1 for c in every if c.status is ClubStatus.ACTIVE and c.id not in advised)
    lines.append(ctx.t("console.summary_advisors", bank=len(bank), advised=len(advised)))
    lines.append(ctx.t("console.summary_without_advisor", count=without))
    _, overdue = await deadlines_store.overdue(ctx.tx, ctx.today, 0, 0)
    lines.append(ctx.t("console.summary_overdue", count=overdue))
    pending = await applications.state_counts(ctx.tx, OPEN_STATES)
    founding = pending.get(AppState.FOUNDING, 0) + pending.get(AppState.CONFIRMING, 0)
    lines.append(
        ctx.t(
            "console.summary_applications",
            count=sum(pending.values()),
            review=pending.get(AppState.UNIT_REVIEW, 0) + pending.get(AppState.COMMITTEE, 0),
            founding=founding,
        )
    )
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
    if page == 0:
        lines += await _record(ctx, club)
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


async def _record(ctx: Ctx, club: Club) -> list[str]:
    """Officers, advisor, last meeting and review, open deadlines, recent history."""
    lines = []
    held = await officers.current_officers(ctx.tx, club.id)
    names = ctx.join(holder(ctx, s.name, position) for position, s in held)
    lines.append(ctx.t("console.club_officers", officers=names or "—"))
    current = await advisors.current(ctx.tx, club.id)
    if current is None:
        lines.append(ctx.t("console.club_no_advisor"))
    else:
        lines.append(
            ctx.t(
                "console.club_advisor",
                name=clip(current.advisor.name, 40),
                end=current.term_end.isoformat(),
            )
        )
    blocked_students, blocked_advisors = await people.unreachable_among(
        ctx.tx, [s.id for _, s in held], [current.advisor.id] if current else []
    )
    blocked = [clip(s.name, 32) for _, s in held if s.id in blocked_students]
    if current is not None and current.advisor.id in blocked_advisors:
        blocked.append(clip(current.advisor.name, 40))
    if blocked:
        lines.append(ctx.t("status.unreachable", names=ctx.join(blocked)))
    met = await meetings_store.last_confirmed(ctx.tx, club.id)
    lines.append(ctx.t("console.club_meeting", date=met.isoformat() if met else "—"))
    review = await reviews_store.latest_result(ctx.tx, club.id)
    if review is None:
        lines.append(ctx.t("console.club_no_review"))
    else:
        lines.append(ctx.t("console.club_review", year=review.year, result=review.result))
    due = await deadlines_store.of_clubs(ctx.tx, [club.id])
    lines.append(
        ctx.t(
            "console.club_deadlines",
            items=ctx.join(f"{ctx.t(f'deadlinekind.{d.kind.value}')} {d.due_on}" for d in due)
            or "—",
        )
    )
    history = await audit.of_club(ctx.tx, club.id, HISTORY)
    if history:
        lines.append(ctx.t("console.club_history"))
        lines += await entry_lines(ctx, history)
    return lines


async def entry_lines(ctx: Ctx, entries: list[Entry]) -> list[str]:
    """Audit entries as /status and /audit show them: who by name, what in words."""
    accounts: set[int] = {e.actor for e in entries if e.actor is not None}
    candidates: set[int] = set()
    students: set[int] = set()
    for entry in entries:
        for key, value in (entry.after or entry.before or {}).items():
            if key in _ACCOUNTS and isinstance(value, int):
                accounts.add(value)
            elif key in _CANDIDATES:
                candidates.update(v for v in _listed(value) if isinstance(v, int))
            elif key == "officers":
                students.update(o["student_pk"] for o in _listed(value) if _officer(o))
    names = _Names(
        await actor_names(ctx, sorted(accounts)),
        {s.id: s.name for s in await people.students_by_pks(ctx.tx, sorted(students))},
        await elections_store.candidate_names(ctx.tx, sorted(candidates)),
    )
    return [_entry_line(ctx, entry, names) for entry in entries]


# Recorded values that are accounts, candidacies: shown by the person's name.
_ACCOUNTS = frozenset({"advisor_ok", "unit_ok", "recorded_by"})
_CANDIDATES = frozenset({"candidate", "candidates"})


@dataclass(frozen=True, slots=True)
class _Names:
    accounts: dict[int, str]
    students: dict[int, str]
    candidates: dict[int, str]


def _listed(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _officer(value: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict) and isinstance(value.get("student_pk"), int)


def _entry_line(ctx: Ctx, entry: Entry, names: _Names) -> str:
    change = entry.after or entry.before or {}
    # Plain text, escaped once as the line's parameter (words from the catalogue are HTML).
    separator = _text(ctx.t("audit.words.separator"))
    detail = separator.join(
        _text(
            ctx.t(
                "audit.words.pair",
                field=_text(known(ctx, f"audit.key.{k}", k)),
                value=_text(_value(ctx, k, v, names)),
            )
        )
        for k, v in sorted(change.items())
    )
    return ctx.t(
        "console.audit_line",
        seq=entry.seq,
        at=entry.at.astimezone(ctx.cal.zone).strftime("%Y-%m-%d %H:%M"),
        actor=actor_name(ctx, entry.actor, names.accounts),
        action=known(ctx, f"audit.action.{entry.action}", entry.action),
        detail=clip(detail, 160),
    )


def _text(words: str) -> str:
    """Words from the catalogue (HTML) as plain text; anything recorded is plain already."""
    return plain(words) if isinstance(words, Html) else words


def _value(ctx: Ctx, key: str, value: object, names: _Names) -> str:
    """A recorded value as people read it: people by name, states in words, lists joined,
    nothing as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return ctx.t("console.yes") if value else ctx.t("console.no")
    if key in _ACCOUNTS and isinstance(value, int):
        return actor_name(ctx, value, names.accounts)
    if key in _CANDIDATES:
        return ctx.join(
            names.candidates.get(v, "—") if isinstance(v, int) else str(v) for v in _listed(value)
        )
    if key == "officers":
        return ctx.join(
            holder(ctx, names.students.get(o["student_pk"], "—"), str(o.get("position")))
            for o in _listed(value)
            if _officer(o)
        )
    if key == "results":
        # The counts, per position: /election shows them as the members read them.
        return ctx.t("audit.words.counted")
    if isinstance(value, list | tuple):
        return ctx.join(_value(ctx, key, v, names) for v in value)
    if isinstance(value, dict):
        return ctx.join(f"{k} {_value(ctx, k, v, names)}" for k, v in value.items())
    if key == "state":
        return known(ctx, f"application.state.{value}", str(value))
    if key == "position":
        return position_label(ctx, str(value))
    if key in _WORDS:
        return known(ctx, f"{_WORDS[key]}.{value}", str(value))
    if isinstance(value, str) and _INSTANT.fullmatch(value):
        # A moment the log recorded in UTC (to the microsecond): the university's local time.
        moment = datetime.fromisoformat(value)
        return moment.astimezone(ctx.cal.zone).strftime("%Y-%m-%d %H:%M")
    return str(value)


# Recorded codes with words in the catalogue, by the table that has them.
_WORDS = {
    "phase": "election.phase",
    "lodged": "election.phase",
    "decision": "objection.decision",
    "reason": "election.reason",
    "status": "audit.status",
    "kind": "audit.kind",
    "role": "console.role",
    "result": "reviewresult",
}


# An instant as the audit log's JSON keeps it: "2027-01-19 17:02:24.235386+00:00".
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)")


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
