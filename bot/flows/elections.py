"""/election: start, nominate, review, object, vote, approve (ORG-3, ORG-5, ORG-6, ORG-7).

Buttons: `el:<action>:<id>` (n nominate, a/d accept or decline a nomination, w withdraw,
s strike, ok approve the list, o object, ou/od uphold or dismiss an objection, ap approve the
result, new start), `vt:<election>` opens a ballot. Every handler re-reads the election and
checks phase and role on the server.
Flows: start (PRESET -> CONFIRM <-> SCHEDULE), nominate (POSITION -> WHO, a member chosen by
button or by part of a name, asked again after a refusal), strike (TEXT),
objection (TEXT), its answer (TEXT: the reason), ballot (MARK per position -> CONFIRM -> cast);
elections.mmd draws them all.
"""

from __future__ import annotations

import difflib
from enum import StrEnum

from pydantic import BaseModel

from bot.chat import callbacks
from bot.chat.callbacks import Callback
from bot.chat.i18n import Html, plain, tr
from bot.chat.replies import Button, Reply
from bot.chat.text import number, prefixed_number
from bot.core import permissions
from bot.core.context import Ctx
from bot.core.router import END, Flow, Input, Router, Step
from bot.domain import tally
from bot.domain.elections import (
    BEFORE_VOTING,
    ENDED,
    MAX_SEATS,
    PRESETS,
    SCHEDULE_DAYS,
    CandidateStatus,
    Decision,
    Election,
    Kind,
    NomineeNotEligible,
    NotEligible,
    ObjectionAnswered,
    Phase,
    PositionSpec,
    Schedule,
    TooManyNominations,
)
from bot.domain.values import (
    Club,
    ClubNotActive,
    ClubStatus,
    DomainError,
    NotAllowed,
    NotMember,
    Role,
    Student,
)
from bot.flows.common import (
    PAGE_SIZE,
    actor_name,
    actor_names,
    clip,
    page_count,
    pager,
    position_title,
)
from bot.services import elections as service
from bot.services.applications.notices import charter_button
from bot.services.elections import ELECTION, VOTE
from bot.services.elections.notices import review_buttons
from storage import advisors, clubs, officers, units
from storage import elections as elections_store

router = Router()
MOTION_CHOICES = tally.MOTION_CHOICES
# Members suggested for a typed name that matches none exactly.
SUGGESTIONS = 5


def _refused(ctx: Ctx, err: DomainError) -> Step:
    return Step.say(tr(ctx.lang, err.key, **err.params), edit=True)


def _with_review(ctx: Ctx, step: Step, err: DomainError) -> Step:
    """The refusal with "Ask staff to review" after it, when it rests on restricted data
    (PRIV-4): the election's id is in the error's `review`."""
    election_id = err.params.get("review")
    if isinstance(election_id, int) and election_id:
        offer = Reply(ctx.t("privacy.review_offer"), review_buttons(ctx.lang, election_id))
        step.replies.append(offer)
    return step


def _btn(ctx: Ctx, key: str, action: str, target: int, **params: object) -> Button:
    return Button(ctx.t(key, **params), callbacks.encode(ELECTION, action, target))


# --- /election --------------------------------------------------------------------------------


async def _my_clubs(ctx: Ctx) -> tuple[list[Club], list[Club]]:
    """(clubs whose elections I see, clubs where I may start one)."""
    seen: dict[int, Club] = {}
    may_start: dict[int, Club] = {}
    if ctx.student is not None:
        for _, club in await clubs.active_memberships(ctx.tx, ctx.student.id):
            seen[club.id] = club
        for club in await officers.clubs_led_by(ctx.tx, ctx.student.id):
            seen[club.id] = may_start[club.id] = club
    if ctx.advisor_pk is not None:
        for term in await advisors.current_for_advisor(ctx.tx, ctx.advisor_pk):
            advised = await clubs.club(ctx.tx, term.club_id)
            if advised is not None:
                seen[advised.id] = may_start[advised.id] = advised
    # A unit's representative approves its clubs' results.
    for unit_id in await units.units_represented_by(ctx.tx, ctx.user_id):
        for club in await clubs.clubs_of_unit(ctx.tx, unit_id):
            seen.setdefault(club.id, club)
    active = [c for c in may_start.values() if c.status is ClubStatus.ACTIVE]
    return list(seen.values()), active


# The matrix row of each button action (bot/core/permissions.py); the service checks the club.
MATRIX_ROWS = {
    "new": "election_start",
    "n": "election_nominate",
    "a": "election_nominate",
    "d": "election_nominate",
    "w": "election_nominate",
    "ok": "election_review",
    "s": "election_strike",
    "o": "election_object",
    "ou": "election_answer",
    "od": "election_answer",
    "ap": "election_approve",
}


def _matrix_row(cb: Callback) -> str | None:
    # An unknown action has no row: the handler refuses it as a bad button.
    return MATRIX_ROWS.get(cb.args[0]) if cb.args else None


@permissions.command(router, "election")
async def election(ctx: Ctx, args: str) -> Step:
    seen, startable = await _my_clubs(ctx)
    staff = Role.STAFF in await ctx.roles()
    if staff and args:
        club = await clubs.club_by_key(ctx.tx, args.casefold().strip())
        if club is not None:
            seen.append(club)
            startable.append(club)
    rows: list[tuple[Button, ...]] = []
    lines = [ctx.t("election.title")]
    names = {c.id: c.name for c in seen}
    # A founding meeting belongs to no club until the club is founded: its founding members,
    # sponsor, advisor and staff follow it through the application.
    founding = await service.founding_meetings_seen(
        ctx.tx, ctx.user_id, ctx.student, ctx.advisor_pk, staff
    )
    listed = [
        (row, ctx.t("elections_more.founding", name=club.name)) for row, club in founding
    ] + [
        (row, names.get(row.club_id or 0, "?"))
        for row in await elections_store.of_clubs(ctx.tx, list(names))
    ]
    running = {e.club_id for e, _ in listed if e.phase not in ENDED}
    for row, name in listed[:10]:
        lines.append(_status_line(ctx, row, name))
        if row.phase in BEFORE_VOTING:
            lines.append(await _candidates_line(ctx, row))
        if ctx.student is not None and await elections_store.has_voted(
            ctx.tx, row.id, ctx.student.id
        ):
            # The voter's own receipt, computed again for them alone (stored nowhere).
            receipt = service.receipt_for(ctx.ballot_key, row.id, ctx.student.id)
            lines.append(ctx.t("election.your_receipt", receipt=receipt))
        rows.extend(await _actions(ctx, row))
    if not listed:
        lines.append(ctx.t("election.none"))
    rows.extend(
        (_btn(ctx, "button.election.start", "new", club.id, club=clip(club.name, 32)),)
        for club in startable
        if club.id not in running
    )
    return Step.say("\n".join(lines), tuple(rows))


async def _candidates_line(ctx: Ctx, row: Election) -> str:
    """The candidates so far (those who stand: a nomination not yet accepted is nobody's
    business but the nominee's), with their positions."""
    titles = {
        p.id: position_title(ctx, p.key, p.title)
        for p in await elections_store.positions(ctx.tx, row.id)
    }
    standing = await elections_store.candidates(
        ctx.tx, row.id, [CandidateStatus.ACCEPTED, CandidateStatus.APPROVED]
    )
    if not standing:
        return ctx.t("elections_more.no_candidates_yet")
    names = Html(ctx.t("elections_more.separator")).join(
        ctx.t("elections_more.candidate", name=s.name, position=titles.get(c.position_id, "?"))
        for c, s in standing
    )
    return ctx.t("elections_more.candidates", names=Html(names))


def _status_line(ctx: Ctx, row: Election, club: str) -> str:
    phase = ctx.t(f"election.phase.{row.phase}")
    when = {
        Phase.NOMINATION: row.nominations_close_at,
        Phase.PUBLICITY: row.voting_opens_at,
        Phase.VOTING: row.voting_closes_at,
        Phase.RESULTS: row.results_until,
    }.get(row.phase)
    until = f" → {service.local_time(ctx.cal, when)}" if when else ""
    return ctx.t("election.status", id=row.id, club=club, phase=phase, until=until)


async def _actions(ctx: Ctx, row: Election) -> list[tuple[Button, ...]]:
    eid = row.id
    phase = row.phase
    found: list[tuple[Button, ...]] = []
    # Members (at a founding meeting, founding members) nominate and object; a sponsor who
    # is no founding member, the advisor, a representative and staff only follow.
    member = ctx.student is not None and await service.is_member(ctx.tx, row, ctx.student.id)
    if phase is Phase.NOMINATION and member:
        found.append((_btn(ctx, "button.election.nominate", "n", eid),))
    # False, not None: on the roll and not voted yet.
    if (
        phase is Phase.VOTING
        and ctx.student is not None
        and await elections_store.has_voted(ctx.tx, eid, ctx.student.id) is False
    ):
        found.append((Button(ctx.t("button.election.vote"), callbacks.encode(VOTE, eid)),))
    if phase in (Phase.PUBLICITY, Phase.RESULTS) and member:
        found.append((_btn(ctx, "button.election.object", "o", eid),))
    if phase is Phase.REVIEW and await service.may_review(ctx.tx, ctx.user_id, row):
        found.append((_btn(ctx, "button.election.approve_list", "ok", eid),))
    if phase is Phase.APPROVAL:
        found.append((_btn(ctx, "button.election.approve", "ap", eid),))
    if phase in BEFORE_VOTING and ctx.student is not None:
        mine = await elections_store.live_candidacy(ctx.tx, eid, ctx.student.id)
        if mine is not None:
            found.append((_btn(ctx, "button.election.withdraw", "w", mine.id),))
    if row.founding and row.application_id is not None and phase not in ENDED:
        # A founding meeting votes on the charter: whoever follows it may read it.
        found.append((charter_button(ctx.lang, row.application_id),))
    return found


@permissions.button(router, ELECTION, _matrix_row)
async def election_button(ctx: Ctx, cb: Callback) -> Step:
    if len(cb.args) != 2:
        raise callbacks.BadCallback("expected an action and an id")
    action, target = cb.args[0], cb.int_arg(1)
    match action:
        case "new":
            return await _ask_preset(ctx, StartData(club_id=target))
        case "n":
            return await _ask_position(ctx, NominateData(election_id=target))
        case "a" | "d":
            try:
                _, club = await service.respond(
                    ctx.tx, ctx.policy, ctx.now, ctx.lang, ctx.student, target, action == "a"
                )
            except NotEligible as err:
                return _with_review(ctx, _refused(ctx, err), err)
            key = "election.accepted" if action == "a" else "election.declined"
            return Step.say(ctx.t(key, club=club.name), edit=True)
        case "w":
            _, club = await service.withdraw(ctx.tx, ctx.now, ctx.student, target)
            return Step.say(ctx.t("election.withdrawn", club=club.name))
        case "s":
            text = ctx.t("election.ask_reason")
            return Step.ask("elstrike", TextState.TEXT, TargetData(target=target), text, [])
        case "o":
            text = ctx.t("election.ask_objection")
            return Step.ask("elobject", TextState.TEXT, TargetData(target=target), text, [])
        case "ou" | "od":
            return await _ask_answer(ctx, AnswerData(objection=target, upheld=action == "ou"))
        case "ok":
            row = await service.approve_list(
                ctx.tx, ctx.policy, ctx.now, ctx.user_id, target, ctx.cal
            )
            if row.phase is Phase.FAILED:
                return Step.say(ctx.t("election.no_candidates_left"), edit=True)
            return Step.say(
                ctx.t(
                    "election.list_approved",
                    opens=service.local_time(ctx.cal, row.voting_opens_at),
                ),
                edit=True,
            )
        case "ap":
            row, club = await service.approve_result(ctx.tx, ctx.now, ctx.user_id, target)
            key = "election.in_office" if row.phase is Phase.DONE else "election.approved"
            return Step.say(ctx.t(key, club=club.name), edit=True)
    raise callbacks.BadCallback(f"unknown action {action!r}")


# --- start --------------------------------------------------------------------------------------


class StartState(StrEnum):
    PRESET = "preset"
    CONFIRM = "confirm"
    SCHEDULE = "schedule"


class StartData(BaseModel):
    club_id: int
    positions: list[tuple[str, str, str, int, bool]] = []
    motion: bool = False
    dissolve: bool = False
    # The phase lengths in days when the starter changed the policy's defaults.
    schedule: list[int] | None = None


def _plan(ctx: Ctx, data: StartData) -> Schedule:
    return Schedule(*data.schedule) if data.schedule else Schedule.of(ctx.policy)


async def _startable(ctx: Ctx, club_id: int) -> Club:
    club = await clubs.club(ctx.tx, club_id)
    if club is None or not await service.may_start(ctx.tx, ctx.user_id, ctx.student, club_id):
        raise NotAllowed()
    return club


async def _ask_preset(ctx: Ctx, data: StartData, note: str | None = None) -> Step:
    club = await _startable(ctx, data.club_id)
    rows = [[ctx.choice(ctx.t(f"election.preset.{name}"), name)] for name in PRESETS] + [
        [ctx.choice(ctx.t("election.preset.motion"), "motion")],
        [ctx.choice(ctx.t("election.preset.dissolve"), "dissolve")],
    ]
    text = ctx.t("election.ask_preset", club=club.name)
    return Step.ask("elstart", StartState.PRESET, data, text, rows, note)


def _custom(text: str) -> list[PositionSpec] | None:
    """Typed positions, one per line: `Title; method; seats` (method and seats optional)."""
    specs = []
    for i, line in enumerate(x for x in text.splitlines() if x.strip()):
        parts = [p.strip() for p in line.replace("；", ";").split(";")]  # full-width too
        try:
            method = tally.Method(parts[1].lower()) if len(parts) > 1 else tally.Method.PLURALITY
            seats = number(parts[2], max_digits=2) if len(parts) > 2 else 1
        except ValueError:
            return None
        if seats is None or not 1 <= seats <= MAX_SEATS:
            return None
        if method is tally.Method.MOTION or not parts[0] or len(parts) > 3:
            return None
        specs.append(PositionSpec(f"p{i + 1}", parts[0][:300], method, seats, i == 0))
    return specs or None


async def on_preset(ctx: Ctx, data: StartData, given: Input) -> Step:
    if given.choice in PRESETS:
        specs = list(PRESETS[given.choice])
    elif given.choice == "dissolve":
        club = await _startable(ctx, data.club_id)
        rows = [
            [ctx.choice(ctx.t("button.election.go"), "yes"), ctx.choice(ctx.t("button.no"), "no")]
        ]
        text = ctx.t("election.confirm_dissolve", club=club.name)
        data = data.model_copy(update={"dissolve": True})
        return Step.ask("elstart", StartState.CONFIRM, data, text, rows)
    elif given.choice == "motion":
        text = ctx.t("election.ask_motion")
        return Step.ask(
            "elstart", StartState.CONFIRM, data.model_copy(update={"motion": True}), text, []
        )
    else:
        found = _custom(given.text or "")
        if found is None:
            return await _ask_preset(ctx, data, ctx.t("election.bad_positions"))
        specs = found
    data = data.model_copy(
        update={"positions": [(s.key, s.title, s.method.value, s.seats, s.leader) for s in specs]}
    )
    return await _ask_confirm(ctx, data)


async def _ask_confirm(ctx: Ctx, data: StartData, note: str | None = None) -> Step:
    plan = _plan(ctx, data)
    lines = [
        ctx.t(
            "election.position_line",
            title=position_title(ctx, k, t),
            method=ctx.t(f"election.method.{m}"),
            seats=n,
        )
        for k, t, m, n, _ in data.positions
    ]
    text = ctx.t(
        "election.confirm_start",
        positions="\n".join(lines),
        nomination=plan.nomination,
        publicity=plan.publicity,
        voting=plan.voting,
        results=plan.results,
        quorum=ctx.policy.election_quorum,
        ties=ctx.t(f"election.tie.{ctx.policy.election_tie_rule}"),
    )
    rows = [
        [ctx.choice(ctx.t("button.election.go"), "yes"), ctx.choice(ctx.t("button.no"), "no")],
        [ctx.choice(ctx.t("button.election.schedule"), "schedule")],
    ]
    return Step.ask("elstart", StartState.CONFIRM, data, text, rows, note)


def _ask_schedule(ctx: Ctx, data: StartData, note: str | None = None) -> Step:
    plan = _plan(ctx, data)
    text = ctx.t(
        "election.ask_schedule",
        nomination=plan.nomination,
        publicity=plan.publicity,
        voting=plan.voting,
        results=plan.results,
        example=" ".join(str(d) for d in Schedule.of(ctx.policy).days()),
        low=SCHEDULE_DAYS.start,
        high=SCHEDULE_DAYS.stop - 1,
    )
    rows = [[ctx.choice(ctx.t("button.election.keep_schedule"), "keep")]]
    return Step.ask("elstart", StartState.SCHEDULE, data, text, rows, note)


async def on_schedule(ctx: Ctx, data: StartData, given: Input) -> Step:
    if given.choice == "keep":
        return await _ask_confirm(ctx, data)
    plan = Schedule.parse(given.text or "")
    if plan is None:
        note = ctx.t("election.bad_schedule", low=SCHEDULE_DAYS.start, high=SCHEDULE_DAYS.stop - 1)
        return _ask_schedule(ctx, data, note)
    return await _ask_confirm(ctx, data.model_copy(update={"schedule": plan.days()}))


async def on_confirm(ctx: Ctx, data: StartData, given: Input) -> Step:
    denied = await permissions.guard(ctx, "election_start", "flow:elstart")
    if denied is not None:
        return denied
    club = await _startable(ctx, data.club_id)
    if given.choice == "no":
        return Step.say(ctx.t("election.not_started"), edit=True)
    if data.dissolve:
        if given.choice != "yes":
            return await _ask_preset(ctx, StartData(club_id=club.id))
        row = await service.start_general_meeting(
            ctx.tx,
            ctx.policy,
            ctx.now,
            club.id,
            [],
            started_by=ctx.user_id,
            cal=ctx.cal,
            dissolution=plain(ctx.t("election.dissolve_motion", club=club.name)),
        )
        return Step.say(
            ctx.t(
                "election.motion_started",
                club=club.name,
                closes=service.local_time(ctx.cal, row.voting_closes_at),
            ),
            edit=True,
        )
    if data.motion:
        motion = " ".join((given.text or "").split())
        if not motion:
            return Step.ask("elstart", StartState.CONFIRM, data, ctx.t("election.ask_motion"), [])
        row = await service.start_general_meeting(
            ctx.tx,
            ctx.policy,
            ctx.now,
            club.id,
            [motion[:300]],
            started_by=ctx.user_id,
            cal=ctx.cal,
        )
        return Step.say(
            ctx.t(
                "election.motion_started",
                club=club.name,
                closes=service.local_time(ctx.cal, row.voting_closes_at),
            )
        )
    if given.choice == "schedule":
        return _ask_schedule(ctx, data)
    if given.choice != "yes":
        return await _ask_confirm(ctx, data)
    specs = [PositionSpec(k, t, tally.Method(m), n, lead) for k, t, m, n, lead in data.positions]
    row = await service.start(
        ctx.tx,
        ctx.policy,
        ctx.now,
        ctx.user_id,
        ctx.student,
        club.id,
        specs,
        _plan(ctx, data),
        kind=Kind.OFFICERS,
        cal=ctx.cal,
    )
    return Step.say(
        ctx.t(
            "election.started",
            club=club.name,
            until=service.local_time(ctx.cal, row.nominations_close_at),
        ),
        edit=True,
    )


router.flow(
    Flow(
        name="elstart",
        data_type=StartData,
        states={
            StartState.PRESET.value: on_preset,
            StartState.CONFIRM.value: on_confirm,
            StartState.SCHEDULE.value: on_schedule,
        },
        starts=frozenset({StartState.PRESET}),
        transitions={
            StartState.PRESET: frozenset({StartState.PRESET, StartState.CONFIRM}),
            StartState.CONFIRM: frozenset(
                {StartState.PRESET, StartState.CONFIRM, StartState.SCHEDULE, END}
            ),
            StartState.SCHEDULE: frozenset({StartState.CONFIRM, StartState.SCHEDULE}),
        },
    )
)


# --- nominate -----------------------------------------------------------------------------------


class NominateState(StrEnum):
    POSITION = "position"
    WHO = "who"


class NominateData(BaseModel):
    election_id: int
    position_id: int | None = None
    page: int = 0
    founding: bool = False  # at a founding meeting, the members are its founding members


async def _ask_position(ctx: Ctx, data: NominateData) -> Step:
    row = await elections_store.get(ctx.tx, data.election_id)
    if row is None or row.phase is not Phase.NOMINATION:
        return Step.say(ctx.t("error.election.phase"))
    data = data.model_copy(update={"founding": row.founding})
    positions = await service.positions_open(ctx.tx, data.election_id)
    if len(positions) == 1:
        # Nothing to choose: go straight to the nominee.
        return await _ask_who(ctx, data.model_copy(update={"position_id": positions[0].id}))
    rows = [
        [ctx.choice(clip(position_title(ctx, p.key, p.title), 40), f"p{p.id}")] for p in positions
    ]
    return Step.ask(
        "elnominate", NominateState.POSITION, data, ctx.t("election.ask_position"), rows
    )


async def on_position(ctx: Ctx, data: NominateData, given: Input) -> Step:
    choice = given.choice or ""
    open_ids = {p.id for p in await service.positions_open(ctx.tx, data.election_id)}
    position_id = prefixed_number(choice, "p")
    if position_id is None or position_id not in open_ids:
        return await _ask_position(ctx, data)
    return await _ask_who(ctx, data.model_copy(update={"position_id": position_id}))


async def _ask_who(
    ctx: Ctx,
    data: NominateData,
    note: str | None = None,
    found: list[Student] | None = None,
) -> Step:
    """Myself, a page of the other members (or the ones a typed name matched) and the pager."""
    rows = [[ctx.choice(ctx.t("button.election.myself"), "me")]]
    if found is None:
        others = await service.nominees(ctx.tx, ctx.student, data.election_id)
        page = min(data.page, page_count(len(others)) - 1)
        data = data.model_copy(update={"page": page})
        shown = others[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    else:
        others, shown = found, found[:PAGE_SIZE]
    rows += [[ctx.choice(clip(m.name, 40), f"m{m.id}")] for m in shown]
    if found is None:
        rows.append(pager(ctx, data.page, len(others)))
    text = ctx.t(_members_key(data, "ask_who"))
    return Step.ask("elnominate", NominateState.WHO, data, text, rows, note)


def _members_key(data: NominateData, key: str) -> str:
    """A question about members, asked of a founding meeting's founding members."""
    return f"election.founders.{key}" if data.founding else f"election.{key}"


def _matching(members: list[Student], typed: str) -> list[Student]:
    """Members whose name contains the typed text (casefolded), else the closest names."""
    wanted = typed.casefold()
    found = [m for m in members if wanted in m.name.casefold()]
    if found:
        return found
    names = {m.name.casefold() for m in members}
    close = set(difflib.get_close_matches(wanted, list(names), SUGGESTIONS, 0.6))
    return [m for m in members if m.name.casefold() in close]


async def on_who(ctx: Ctx, data: NominateData, given: Input) -> Step:
    choice = given.choice or ""
    if choice == "me":
        return await _nominate(ctx, data, None)
    page = prefixed_number(choice, "p")
    if page is not None:
        return await _ask_who(ctx, data.model_copy(update={"page": page}))
    member_pk = prefixed_number(choice, "m")
    if member_pk is not None:
        return await _nominate(ctx, data, member_pk)
    typed = " ".join((given.text or "").split())
    if not typed:
        return await _ask_who(ctx, data)
    if ctx.student is not None and typed.casefold() == ctx.student.student_id.casefold():
        return await _nominate(ctx, data, None)
    members = await service.nominees(ctx.tx, ctx.student, data.election_id)
    # A student ID still works, among the members only.
    by_id = [m for m in members if m.student_id.casefold() == typed.casefold()]
    if len(by_id) == 1:
        return await _nominate(ctx, data, by_id[0].id)
    found = _matching(members, typed)
    exact = [m for m in found if m.name.casefold() == typed.casefold()]
    if len(exact) == 1:
        return await _nominate(ctx, data, exact[0].id)
    key = _members_key(data, "members_matching" if found else "no_member_matches")
    return await _ask_who(ctx, data, ctx.t(key, text=clip(typed, 40)), found or None)


async def _nominate(ctx: Ctx, data: NominateData, nominee_pk: int | None) -> Step:
    assert data.position_id is not None
    try:
        candidate = await service.nominate(
            ctx.tx,
            ctx.policy,
            ctx.now,
            ctx.lang,
            ctx.user_id,
            ctx.student,
            data.election_id,
            data.position_id,
            nominee_pk,
        )
    except (NotEligible, NomineeNotEligible, TooManyNominations) as err:
        # Said, not raised: the attempt and the nominee's explanation, queued before, are kept;
        # the choice is offered again.
        step = await _ask_who(ctx, data, tr(ctx.lang, err.key, **err.params))
        return _with_review(ctx, step, err)
    except (NotMember, ClubNotActive) as err:
        # Nothing to try again: not a founding member or member, or a club that may not act.
        return _refused(ctx, err)
    except DomainError as err:
        return await _nominate_end(ctx, data, tr(ctx.lang, err.key, **err.params), failed=True)
    if candidate.status == CandidateStatus.ACCEPTED:
        return await _nominate_end(ctx, data, ctx.t("election.self_nominated"))
    return await _nominate_end(ctx, data, ctx.t("election.nominee_asked"))


async def _nominate_end(ctx: Ctx, data: NominateData, text: str, *, failed: bool = False) -> Step:
    """The end of a nomination: it replaces the message whose Nominate button was pressed, so
    a Nominate button comes back while nominations are open, and a refusal says what next."""
    row = await elections_store.get(ctx.tx, data.election_id)
    if row is None or row.phase is not Phase.NOMINATION:
        return Step.say(text, edit=True)
    if failed:
        text = f"{text}\n{ctx.t('elections_more.try_again')}"
    key = "elections_more.nominate_again" if failed else "elections_more.nominate_another"
    return Step.say(text, ((_btn(ctx, key, "n", row.id),),), edit=True)


router.flow(
    Flow(
        name="elnominate",
        data_type=NominateData,
        states={NominateState.POSITION.value: on_position, NominateState.WHO.value: on_who},
        # With one position open there is nothing to choose: it starts at the nominee.
        starts=frozenset({NominateState.POSITION, NominateState.WHO}),
        transitions={
            NominateState.POSITION: frozenset({NominateState.POSITION, NominateState.WHO, END}),
            NominateState.WHO: frozenset({NominateState.WHO, END}),
        },
    )
)


# --- strike and objection: one line of text ------------------------------------------------------


class TextState(StrEnum):
    TEXT = "text"


class TargetData(BaseModel):
    target: int


async def on_strike_reason(ctx: Ctx, data: TargetData, given: Input) -> Step:
    denied = await permissions.guard(ctx, "election_strike", "flow:elstrike")
    if denied is not None:
        return denied
    reason = " ".join((given.text or "").split())
    if not reason:
        return Step.ask("elstrike", TextState.TEXT, data, ctx.t("election.ask_reason"), [])
    _, club = await service.strike(ctx.tx, ctx.now, ctx.user_id, data.target, reason)
    return Step.say(ctx.t("election.struck", club=club.name))


async def on_objection(ctx: Ctx, data: TargetData, given: Input) -> Step:
    denied = await permissions.guard(ctx, "election_object", "flow:elobject")
    if denied is not None:
        return denied
    text = " ".join((given.text or "").split())
    if not text:
        return Step.ask("elobject", TextState.TEXT, data, ctx.t("election.ask_objection"), [])
    club = await service.lodge_objection(ctx.tx, ctx.now, ctx.student, data.target, text[:2000])
    return Step.say(ctx.t("election.objection_sent", club=club.name))


# --- the answer to an objection: upheld or dismissed, with a reason (ORG-5) ---------------------


class AnswerData(BaseModel):
    objection: int
    upheld: bool


def _decision(data: AnswerData) -> Decision:
    return Decision.UPHELD if data.upheld else Decision.DISMISSED


async def _answered(ctx: Ctx, err: ObjectionAnswered) -> Step:
    """Someone answered the objection first: who, and what they decided."""
    by = err.params.get("by")
    who = by if isinstance(by, int) else None
    name = actor_name(ctx, who, await actor_names(ctx, [who] if who is not None else []))
    decision = ctx.t(f"objection.decision.{err.params.get('decision')}")
    return Step.say(ctx.t("objection.answered", who=name, decision=decision), edit=True)


async def _ask_answer(ctx: Ctx, data: AnswerData) -> Step:
    """Ask for the reason, once the objection is known to wait for this person's answer."""
    try:
        found, _, club = await service.objection_to_answer(ctx.tx, ctx.user_id, data.objection)
    except ObjectionAnswered as err:
        return await _answered(ctx, err)
    key = "objection.ask_uphold" if data.upheld else "objection.ask_dismiss"
    text = ctx.t(key, id=found.id, club=club.name)
    return Step.ask("elobjanswer", TextState.TEXT, data, text, [])


async def on_answer_reason(ctx: Ctx, data: AnswerData, given: Input) -> Step:
    denied = await permissions.guard(ctx, "election_answer", "flow:elobjanswer")
    if denied is not None:
        return denied
    reason = " ".join((given.text or "").split())
    if not reason:
        return await _ask_answer(ctx, data)
    try:
        done = await service.answer_objection(
            ctx.tx, ctx.now, ctx.user_id, data.objection, _decision(data), reason
        )
    except ObjectionAnswered as err:
        return await _answered(ctx, err)
    text = ctx.t(f"objection.done_{_decision(data).value}", id=data.objection, club=done.club.name)
    rows = tuple(
        (_btn(ctx, "button.election.strike", "s", c.id, name=clip(s.name, 24)),)
        for c, s in done.strikeable
    )
    if rows:
        text = f"{text}\n{ctx.t('objection.may_strike')}"
    elif data.upheld:
        text = f"{text}\n{ctx.t('objection.recorded')}"
    return Step.say(text, rows)


for _name, _data, _handler in (
    ("elstrike", TargetData, on_strike_reason),
    ("elobject", TargetData, on_objection),
    ("elobjanswer", AnswerData, on_answer_reason),
):
    router.flow(
        Flow(
            name=_name,
            data_type=_data,
            states={TextState.TEXT.value: _handler},
            starts=frozenset({TextState.TEXT}),
            transitions={TextState.TEXT: frozenset({TextState.TEXT, END})},
        )
    )


# --- the ballot ---------------------------------------------------------------------------------


class BallotState(StrEnum):
    MARK = "mark"
    CONFIRM = "confirm"


class BallotData(BaseModel):
    election_id: int
    index: int = 0
    marks: dict[int, list[str]] = {}


@router.callback(VOTE, fast=True)
async def vote_button(ctx: Ctx, cb: Callback) -> Step:
    if len(cb.args) != 1:
        raise callbacks.BadCallback("expected an election")
    return await _ask_mark(ctx, BallotData(election_id=cb.int_arg(0)))


async def _papers(ctx: Ctx, data: BallotData) -> list[service.Paper]:
    return await service.ballot_for(ctx.tx, ctx.student, data.election_id, ctx.now)


async def _ask_mark(
    ctx: Ctx,
    data: BallotData,
    note: str | None = None,
    papers: list[service.Paper] | None = None,
) -> Step:
    """Ask for the marks of the current position (`papers`: the ballot, when already read)."""
    if papers is None:
        papers = await _papers(ctx, data)
    if data.index >= len(papers):
        return _ask_cast(ctx, data, papers)
    p = papers[data.index]
    marked = data.marks.get(p.id, [])
    method = p.position.method
    rows: list[list[Button]] = []
    if method is tally.Method.MOTION:
        rows = [[ctx.choice(ctx.t(f"motion.{c}"), c) for c in MOTION_CHOICES]]
    else:
        for c in p.position.candidates:
            label = c.name
            if c.id in marked:
                label = (
                    f"{marked.index(c.id) + 1}. {c.name}"
                    if method is tally.Method.IRV
                    else f"✓ {c.name}"
                )
            rows.append([ctx.choice(clip(label, 40), c.id)])
        rows.append(
            [
                ctx.choice(ctx.t("button.election.clear"), "clear"),
                ctx.choice(ctx.t("button.election.next"), "next"),
            ]
        )
    text = ctx.t(
        f"vote.ask.{method.value}",
        position=position_title(ctx, p.position.key, p.position.title),
        seats=p.position.seats,
        n=data.index + 1,
        of=len(papers),
    )
    return Step.ask("ballot", BallotState.MARK, data, text, rows, note)


def _ask_cast(ctx: Ctx, data: BallotData, papers: list[service.Paper]) -> Step:
    lines = [ctx.t("vote.review")]
    for p in papers:
        names = {c.id: c.name for c in p.position.candidates}
        marked = data.marks.get(p.id, [])
        words = [names[m] if m in names else ctx.t(f"motion.{m}") for m in marked]
        if p.position.method is tally.Method.IRV:
            # A ranked ballot reads in its order: "1. A, 2. B".
            words = [ctx.t("vote.ranked", n=i + 1, name=w) for i, w in enumerate(words)]
        shown = ctx.join(words) or ctx.t("vote.blank")
        title = position_title(ctx, p.position.key, p.position.title)
        lines.append(ctx.t("vote.review_line", position=title, marks=shown))
    rows = [
        [
            ctx.choice(ctx.t("button.vote.cast"), "cast"),
            ctx.choice(ctx.t("button.vote.redo"), "redo"),
        ]
    ]
    return Step.ask("ballot", BallotState.CONFIRM, data, "\n".join(lines), rows)


async def on_mark(ctx: Ctx, data: BallotData, given: Input) -> Step:
    papers = await _papers(ctx, data)
    if data.index >= len(papers):
        return _ask_cast(ctx, data, papers)
    p = papers[data.index]
    choice = given.choice or ""
    marks = dict(data.marks)
    marked = list(marks.get(p.id, []))
    method = p.position.method
    if choice == "next":
        return await _ask_mark(
            ctx, data.model_copy(update={"index": data.index + 1}), papers=papers
        )
    if choice == "clear":
        marks[p.id] = []
        return await _ask_mark(ctx, data.model_copy(update={"marks": marks}), papers=papers)
    if method is tally.Method.MOTION:
        if choice not in MOTION_CHOICES:
            return await _ask_mark(ctx, data, ctx.t("vote.not_on_ballot"), papers=papers)
        marks[p.id] = [choice]
        return await _ask_mark(
            ctx, data.model_copy(update={"marks": marks, "index": data.index + 1}), papers=papers
        )
    if choice not in {c.id for c in p.position.candidates}:
        # A forged value, or a candidate of another position or election: nothing changes.
        return await _ask_mark(ctx, data, ctx.t("vote.not_on_ballot"), papers=papers)
    if method is tally.Method.PLURALITY:
        marks[p.id] = [choice]
        return await _ask_mark(
            ctx, data.model_copy(update={"marks": marks, "index": data.index + 1}), papers=papers
        )
    if method is tally.Method.IRV:
        if choice not in marked:
            marked.append(choice)
    elif choice in marked:
        marked.remove(choice)
    elif method is tally.Method.BLOCK and len(marked) >= p.position.seats:
        return await _ask_mark(
            ctx, data, ctx.t("vote.too_many", seats=p.position.seats), papers=papers
        )
    else:
        marked.append(choice)
    marks[p.id] = marked
    return await _ask_mark(ctx, data.model_copy(update={"marks": marks}), papers=papers)


async def on_cast(ctx: Ctx, data: BallotData, given: Input) -> Step:
    if given.choice == "redo":
        return await _ask_mark(ctx, BallotData(election_id=data.election_id))
    papers = await _papers(ctx, data)
    if given.choice != "cast":
        return _ask_cast(ctx, data, papers)
    marks = {p.id: data.marks.get(p.id, []) for p in papers}
    receipt = await service.cast(
        ctx.tx, ctx.now, ctx.student, data.election_id, marks, ctx.ballot_key
    )
    return Step.say(ctx.t("vote.cast", receipt=receipt), edit=True)


router.flow(
    Flow(
        name="ballot",
        # A voting burst is the heaviest load: every press of the ballot runs on the driver's
        # connection (`storage.elections.ballot_box`, `cast_ballots`).
        fast=True,
        data_type=BallotData,
        states={BallotState.MARK.value: on_mark, BallotState.CONFIRM.value: on_cast},
        starts=frozenset({BallotState.MARK, BallotState.CONFIRM}),
        transitions={
            BallotState.MARK: frozenset({BallotState.MARK, BallotState.CONFIRM}),
            BallotState.CONFIRM: frozenset({BallotState.MARK, BallotState.CONFIRM, END}),
        },
    )
)
