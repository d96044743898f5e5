"""/establish (a new club's application), signing links, and /founding (ORG-3).

Establish flow: NAME -> CATEGORY -> PURPOSE -> UNIT -> ADVISOR -> CHARTER -> REVIEW -> submitted.
Every answer is saved in the application row at once, so /cancel, another command or a restart
lose nothing: /establish resumes where the draft stands. From REVIEW any answer can be changed
(the flow comes back to REVIEW).

Founding flow: DATE -> OPEN -> the founding meeting's vote (bot/services/elections/) of the
founding members on the charter and the first officers; its result goes to the advisor.
Both flows' moves are drawn in establish.mmd, next to this module.
"""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import urlencode

from pydantic import BaseModel

from bot.chat import callbacks
from bot.chat.callbacks import Callback
from bot.chat.i18n import plain, tr
from bot.chat.replies import Button, Keyboard
from bot.chat.text import parse_day, prefixed_number
from bot.core.context import Ctx
from bot.core.router import END, Audience, Flow, Input, Router, Step
from bot.domain.elections import PRESETS, Schedule
from bot.domain.values import (
    AdvisorNotPartyMember,
    ApplicationChanged,
    Category,
    DomainError,
    NameRefused,
    NotBound,
    NotEligibleSponsor,
    Student,
    UnknownApplication,
)
from bot.flows.applications import ask_withdraw
from bot.flows.common import (
    PAGE_SIZE,
    aside,
    category_by_index,
    category_index,
    category_label,
    file_size,
    pager,
    with_review,
)
from bot.services import applications as service
from bot.services import elections
from bot.services.applications import AppState
from storage import applications as applications_store
from storage import units as units_store
from storage.applications import Application

router = Router()
FLOW = "establish"
FOUNDING_FLOW = "founding"
# The officers a founding meeting may elect besides its charter motion (a president at least).
FOUNDING_PRESETS = ("p", "pv")


class EstablishState(StrEnum):
    NAME = "name"
    CATEGORY = "category"
    PURPOSE = "purpose"
    UNIT = "unit"
    ADVISOR = "advisor"
    CHARTER = "charter"
    REVIEW = "review"


ORDER = ("name", "category", "purpose", "unit", "advisor", "charter")


class EstablishData(BaseModel):
    app_id: int
    page: int = 0
    editing: bool = False  # answering a change from the review screen: come back to it


def _err(ctx: Ctx, err: DomainError) -> str:
    if isinstance(err, AdvisorNotPartyMember):
        # PRIV-4: a teacher's political status is shown to staff only; the sponsor hears the
        # rule, and chooses among the advisors who fit.
        return ctx.t("establish_more.advisor_not_fit", advisor=err.params.get("advisor", "—"))
    return tr(ctx.lang, err.key, **err.params)


@router.command("establish", Audience.STUDENT)
async def establish(ctx: Ctx, args: str) -> Step:
    try:
        sponsor = service.require_eligible(ctx.student)
    except NotEligibleSponsor as err:
        return with_review(ctx, Step.say(_err(ctx, err)), err)
    founding = await service.founding_of(ctx.tx, sponsor)
    if founding is not None:
        return Step.say(ctx.t("establish.founding_pending", name=founding.name))
    live = await applications_store.draft_of(
        ctx.tx,
        sponsor.id,
        (AppState.SIGNING, AppState.UNIT_REVIEW, AppState.COMMITTEE, AppState.PAUSED),
    )
    if live is not None:
        return await _status(ctx, live)
    app_id = await service.draft(ctx.tx, ctx.policy, ctx.now, ctx.user_id, sponsor)
    return await _next(ctx, EstablishData(app_id=app_id))


async def _status(ctx: Ctx, app: Application) -> Step:
    count = await applications_store.count(ctx.tx, app.id)
    text = ctx.t(
        "establish.status",
        id=app.id,
        name=app.name,
        state=ctx.t(f"application.state.{app.state}"),
        count=count,
        needed=ctx.policy.min_sponsors,
        link=service.sign_link(ctx.bot_username, app.token or ""),
    )
    buttons = [Button(ctx.t("application.button.withdraw_application"), _ap("sw", app.id))]
    if app.state == AppState.PAUSED and service.eligible(ctx.student):
        buttons.insert(0, Button(ctx.t("application.button.resume"), _ap("sr", app.id)))
    rows: Keyboard = (tuple(buttons),)
    if app.state == AppState.SIGNING:
        rows = (_share(ctx, app), *rows)
    return Step.say(text, rows)


def _share(ctx: Ctx, app: Application) -> tuple[Button, ...]:
    """A button that opens Telegram's share sheet with the signing link and a line about it."""
    link = service.sign_link(ctx.bot_username, app.token or "")
    query = urlencode({"url": link, "text": plain(ctx.t("establish.share_text", name=app.name))})
    return (Button(ctx.t("application.button.share_link"), url=f"https://t.me/share/url?{query}"),)


def _ap(action: str, app_id: int) -> str:
    return callbacks.encode(service.APPLICATION_KIND, action, app_id)


async def _app(ctx: Ctx, data: EstablishData) -> Application:
    return await service.editable(ctx.tx, data.app_id, ctx.student)


async def _next(ctx: Ctx, data: EstablishData, note: str | None = None) -> Step:
    """The first unanswered question, or the review screen."""
    app = await _app(ctx, data)
    gaps = service.missing(app, await applications_store.charter(ctx.tx, app.id) is not None)
    if data.editing or not gaps:
        return await _review(ctx, EstablishData(app_id=app.id), note)
    return await _ask(ctx, gaps[0], EstablishData(app_id=app.id), note)


async def _ask(ctx: Ctx, field: str, data: EstablishData, note: str | None = None) -> Step:
    app = await _app(ctx, data)
    rows: list[list[Button]] = []
    match field:
        case "name":
            state, text = (
                EstablishState.NAME,
                ctx.t(
                    "establish.ask_name",
                    min=ctx.policy.club_name_min_chars,
                    max=ctx.policy.club_name_max_chars,
                ),
            )
        case "category":
            state, text = EstablishState.CATEGORY, ctx.t("establish.ask_category")
            rows = [
                [ctx.choice(category_label(ctx, c), f"c{category_index(c)}")] for c in Category
            ]
        case "purpose":
            state = EstablishState.PURPOSE
            text = ctx.t("establish.ask_purpose", max=ctx.policy.purpose_max_chars)
        case "unit":
            state, text = EstablishState.UNIT, ctx.t("establish.ask_unit")
            found = await units_store.current_units(ctx.tx)
            if not found:
                return Step.say(ctx.t("establish.no_units"))
            shown = found[data.page * PAGE_SIZE : (data.page + 1) * PAGE_SIZE]
            rows = [[ctx.choice(unit.name, f"u{unit.id}")] for unit in shown]
            rows.append(pager(ctx, data.page, len(found)))
        case "advisor":
            state, text = EstablishState.ADVISOR, ctx.t("establish.ask_advisor")
            choosable = await service.choosable_advisors(ctx.tx, ctx.policy, app)
            if not choosable:
                text = ctx.t("establish.no_advisors", limit=ctx.policy.max_clubs_per_advisor)
            shown_advisors = choosable[data.page * PAGE_SIZE : (data.page + 1) * PAGE_SIZE]
            rows = [
                [ctx.choice(aside(ctx, a.name, a.department), f"a{a.id}")] for a in shown_advisors
            ]
            rows.append(pager(ctx, data.page, len(choosable)))
        case _:
            state = EstablishState.CHARTER
            text = ctx.t(
                "establish.ask_charter",
                types=ctx.join(ctx.policy.charter_types),
                limit=service.megabytes(ctx.policy.charter_max_bytes),
            )
    if data.editing:
        rows.append([ctx.choice(ctx.t("button.back"), "back")])
    return Step.ask(FLOW, state, data, text, rows, note)


async def _review(ctx: Ctx, data: EstablishData, note: str | None = None) -> Step:
    app = await _app(ctx, data)
    charter = await applications_store.charter(ctx.tx, app.id)
    if charter is not None:
        # The sponsor's own file: its name and size say which one; its hash is for the record.
        charter_line = ctx.t(
            "establish.charter_file_brief",
            file=charter.file_name,
            size=file_size(ctx, charter.size),
        )
    elif app.charter_text:
        charter_line = ctx.t("establish.charter_text", chars=len(app.charter_text))
    else:
        charter_line = "—"
    params = await service.summary(ctx.tx, app, ctx.lang)
    text = ctx.t(
        "establish.review",
        name=app.name or "—",
        category=params["category"],
        purpose=app.purpose or "—",
        unit=params["unit"],
        advisor=await service.advisor_name(ctx.tx, app.advisor_pk),
        charter=charter_line,
    )
    if app.state == AppState.RETURNED:
        hint = ctx.t("establish.returned_hint")
        returns = [
            e for e in await applications_store.events(ctx.tx, app.id) if e.to_state == app.state
        ]
        if returns and returns[-1].comment:
            # What should change, as the unit or the committee wrote it.
            hint = ctx.t("establish.returned_why", comment=returns[-1].comment) + "\n" + hint
        text = hint + "\n\n" + text
    rows = [
        [ctx.choice(ctx.t(f"establish.change.{field}"), f"e{field}") for field in ORDER[:3]],
        [ctx.choice(ctx.t(f"establish.change.{field}"), f"e{field}") for field in ORDER[3:]],
    ]
    if not service.missing(app, charter is not None):
        rows.append([ctx.choice(ctx.t("application.button.submit"), "submit")])
    rows.append([ctx.choice(ctx.t("application.button.discard"), "discard")])
    return Step.ask(FLOW, EstablishState.REVIEW, EstablishData(app_id=app.id), text, rows, note)


def _back(given: Input, data: EstablishData) -> bool:
    return data.editing and given.choice == "back"


async def on_name(ctx: Ctx, data: EstablishData, given: Input) -> Step:
    if _back(given, data):
        return await _review(ctx, data)
    if not given.text:
        return await _ask(ctx, "name", data, ctx.t("establish.type_it"))
    try:
        await service.set_name(ctx.tx, ctx.policy, ctx.now, await _app(ctx, data), given.text)
    except NameRefused as err:
        return await _ask(ctx, "name", data, _err(ctx, err))
    return await _next(ctx, data)


async def on_category(ctx: Ctx, data: EstablishData, given: Input) -> Step:
    if _back(given, data):
        return await _review(ctx, data)
    choice = given.choice or ""
    category = category_by_index(choice[1:]) if choice.startswith("c") else None
    if category is None:
        return await _ask(ctx, "category", data, ctx.t("establish.use_buttons"))
    done = await service.set_category(ctx.tx, ctx.policy, ctx.now, await _app(ctx, data), category)
    if done.advisor_refused is not None:
        return await _ask(
            ctx, "advisor", EstablishData(app_id=done.app.id), _err(ctx, done.advisor_refused)
        )
    return await _next(ctx, data)


async def on_purpose(ctx: Ctx, data: EstablishData, given: Input) -> Step:
    if _back(given, data):
        return await _review(ctx, data)
    try:
        await service.set_purpose(
            ctx.tx, ctx.policy, ctx.now, await _app(ctx, data), given.text or ""
        )
    except service.PurposeRefused as err:
        return await _ask(ctx, "purpose", data, _err(ctx, err))
    return await _next(ctx, data)


def _paged(given: Input, data: EstablishData) -> EstablishData | None:
    choice = given.choice or ""
    page = prefixed_number(choice, "p")
    if page is not None:
        return data.model_copy(update={"page": page})
    return None


async def on_unit(ctx: Ctx, data: EstablishData, given: Input) -> Step:
    if _back(given, data):
        return await _review(ctx, data)
    paged = _paged(given, data)
    if paged is not None:
        return await _ask(ctx, "unit", paged)
    choice = given.choice or ""
    unit_id = prefixed_number(choice, "u")
    if unit_id is None:
        return await _ask(ctx, "unit", data, ctx.t("establish.use_buttons"))
    try:
        await service.set_unit(ctx.tx, ctx.now, await _app(ctx, data), unit_id)
    except DomainError as err:
        return await _ask(ctx, "unit", data, _err(ctx, err))
    return await _next(ctx, data)


async def on_advisor(ctx: Ctx, data: EstablishData, given: Input) -> Step:
    if _back(given, data):
        return await _review(ctx, data)
    paged = _paged(given, data)
    if paged is not None:
        return await _ask(ctx, "advisor", paged)
    choice = given.choice or ""
    advisor_pk = prefixed_number(choice, "a")
    if advisor_pk is None:
        return await _ask(ctx, "advisor", data, ctx.t("establish.use_buttons"))
    try:
        await service.set_advisor(ctx.tx, ctx.policy, ctx.now, await _app(ctx, data), advisor_pk)
    except DomainError as err:
        return await _ask(ctx, "advisor", data, _err(ctx, err))
    return await _next(ctx, data)


async def on_charter(ctx: Ctx, data: EstablishData, given: Input) -> Step:
    if _back(given, data):
        return await _review(ctx, data)
    app = await _app(ctx, data)
    try:
        if given.document is not None:
            await service.set_charter_file(ctx.tx, ctx.policy, ctx.now, app, given.document)
        elif given.text:
            await service.set_charter_text(ctx.tx, ctx.policy, ctx.now, app, given.text)
        else:
            return await _ask(ctx, "charter", data, ctx.t("establish.charter_how"))
    except DomainError as err:
        return await _ask(ctx, "charter", data, _err(ctx, err))
    return await _next(ctx, data)


async def on_review(ctx: Ctx, data: EstablishData, given: Input) -> Step:
    choice = given.choice or ""
    if choice.startswith("e") and choice[1:] in ORDER:
        return await _ask(ctx, choice[1:], EstablishData(app_id=data.app_id, editing=True))
    if choice == "discard":
        # Asked first (bot/flows/applications.py answers the Yes and the No).
        return await ask_withdraw(ctx, (await _app(ctx, data)).id)
    if choice != "submit":
        return await _review(ctx, data, ctx.t("establish.use_buttons"))
    try:
        done = await service.submit(
            ctx.tx, ctx.policy, ctx.now, ctx.user_id, ctx.student, data.app_id
        )
    except DomainError as err:
        return with_review(ctx, await _review(ctx, data, _err(ctx, err)), err)
    counted = {"id": done.app.id, "name": done.app.name, "count": done.signatures}
    counted["needed"] = ctx.policy.min_sponsors
    if done.app.state != AppState.SIGNING:
        # Resubmitted after a return, every signature kept and the advisor's acceptance too:
        # it moved on at once, and there is nothing left to share.
        state = ctx.t(f"application.state.{done.app.state}")
        return Step.say(ctx.t("establish.submitted_complete", state=state, **counted), edit=True)
    link = service.sign_link(ctx.bot_username, done.app.token or "")
    text = ctx.t("establish.submitted", link=link, **counted)
    return Step.say(text, (_share(ctx, done.app),), edit=True)


router.flow(
    Flow(
        name=FLOW,
        resume="/establish",
        data_type=EstablishData,
        states={
            EstablishState.NAME.value: on_name,
            EstablishState.CATEGORY.value: on_category,
            EstablishState.PURPOSE.value: on_purpose,
            EstablishState.UNIT.value: on_unit,
            EstablishState.ADVISOR.value: on_advisor,
            EstablishState.CHARTER.value: on_charter,
            EstablishState.REVIEW.value: on_review,
        },
        # /establish resumes a draft at its first unanswered question, or at the review.
        starts=frozenset(EstablishState),
        # An answer leads on to the first question still unanswered: a later one in ORDER, as
        # only the advisor can go missing behind the sponsor's back (it declines; a new category
        # needs another). Asking for the unit ends the flow when there is none to choose.
        transitions={
            EstablishState.NAME: frozenset({*ORDER[0:], EstablishState.REVIEW, END}),
            EstablishState.CATEGORY: frozenset({*ORDER[1:], EstablishState.REVIEW, END}),
            EstablishState.PURPOSE: frozenset({*ORDER[2:], EstablishState.REVIEW, END}),
            EstablishState.UNIT: frozenset({*ORDER[3:], EstablishState.REVIEW, END}),
            EstablishState.ADVISOR: frozenset({*ORDER[4:], EstablishState.REVIEW}),
            EstablishState.CHARTER: frozenset({*ORDER[4:], EstablishState.REVIEW}),
            EstablishState.REVIEW: frozenset({*EstablishState, END}),
        },
    )
)


# --- signing (REG-1) --------------------------------------------------------------------------


def _sg(action: str, token: str) -> str:
    return callbacks.encode(service.SIGN_KIND, action, token)


async def sign_screen(ctx: Ctx, token: str) -> Step:
    """What `/start sign_<token>` shows: the application and a button to sign or withdraw."""
    app = await service.open_link(ctx.tx, ctx.user_id, ctx.now, token)
    if app is None:
        return Step.say(ctx.t("sign.bad_link"))
    text = await _sign_text(ctx, app)
    if app.state not in service.SIGNABLE:
        return Step.say(text + "\n\n" + ctx.t("sign.closed"))
    student = ctx.student
    if student is not None and student.id == app.sponsor_pk:
        return Step.say(text + "\n\n" + ctx.t("sign.you_are_sponsor"))
    if student is not None and await applications_store.has_signed(ctx.tx, app.id, student.id):
        button = Button(ctx.t("application.button.unsign"), _sg("w", token))
        return Step.say(text + "\n\n" + ctx.t("sign.already"), ((button,),))
    button = Button(ctx.t("application.button.sign"), _sg("s", token))
    note = ctx.t("sign.not_joining")
    if student is None:
        note += "\n" + ctx.t("sign.bind_first")
    return Step.say(text + "\n\n" + note, ((button,),))


async def _sign_text(ctx: Ctx, app: Application) -> str:
    params = await service.summary(ctx.tx, app, ctx.lang)
    count = await applications_store.count(ctx.tx, app.id)
    return (
        ctx.t("application.summary", **params)
        + "\n"
        + ctx.t("sign.count", count=count, needed=ctx.policy.min_sponsors)
    )


@router.callback(service.SIGN_KIND)
async def sign_button(ctx: Ctx, cb: Callback) -> Step:
    if len(cb.args) != 2 or cb.args[0] not in ("s", "w"):
        raise callbacks.BadCallback("expected s|w and a token")
    token = cb.args[1]
    try:
        if cb.args[0] == "s":
            signed = await service.sign(
                ctx.tx, ctx.policy, ctx.now, ctx.user_id, ctx.student, token
            )
            key = "sign.done" if signed.new else "sign.twice"
            text = ctx.t(
                key, name=signed.app.name, count=signed.count, needed=ctx.policy.min_sponsors
            )
            return Step.say(
                text, ((Button(ctx.t("application.button.unsign"), _sg("w", token)),),), edit=True
            )
        app = await service.unsign(ctx.tx, ctx.policy, ctx.now, ctx.user_id, ctx.student, token)
    except UnknownApplication:
        return Step.say(ctx.t("sign.bad_link"), edit=True)
    except NotBound:
        # A new message: the one with the Sign button stays, to be tapped once bound.
        return Step.say(ctx.t("sign.bind_first"))
    except DomainError as err:
        return with_review(ctx, Step.say(_err(ctx, err), edit=True), err)
    return Step.say(ctx.t("sign.withdrawn", name=app.name), edit=True)


# --- the founding general meeting (ORG-3) -----------------------------------------------------


class FoundingState(StrEnum):
    DATE = "date"
    OPEN = "open"


class FoundingData(BaseModel):
    app_id: int


@router.command("founding", Audience.STUDENT)
async def founding(ctx: Ctx, args: str) -> Step:
    app = await service.founding_of(ctx.tx, ctx.student)
    if app is None:
        return Step.say(ctx.t("establish.founding.none"))
    if app.state == AppState.CONFIRMING:
        return Step.say(ctx.t("establish.founding.awaiting", name=app.name))
    running = await elections.founding_meeting(ctx.tx, app.id)
    if running is not None:
        phase = ctx.t(f"election.phase.{running.phase}")
        return Step.say(ctx.t("establish.founding.running", name=app.name, phase=phase))
    data = FoundingData(app_id=app.id)
    if app.meeting_on is None or app.meeting_on > ctx.today:
        return _ask_date(ctx, app, data)
    return await _ask_open(ctx, app, data)


def _ask_date(ctx: Ctx, app: Application, data: FoundingData, note: str | None = None) -> Step:
    text = ctx.t("establish.founding.ask_date", name=app.name)
    if app.meeting_on is not None:
        text += " " + ctx.t("establish.founding.set_date", date=app.meeting_on.isoformat())
    rows = [[ctx.choice(ctx.t("button.today"), "today")]]
    return Step.ask(FOUNDING_FLOW, FoundingState.DATE, data, text, rows, note)


async def _founders(ctx: Ctx, app: Application) -> list[Student]:
    return [s.student for s in await applications_store.signers(ctx.tx, app.id) if s.founder]


async def _ask_open(
    ctx: Ctx, app: Application, data: FoundingData, note: str | None = None
) -> Step:
    """The founding meeting's vote: the charter motion and the officers, which positions."""
    rows = [[ctx.choice(ctx.t(f"election.preset.{name}"), name)] for name in FOUNDING_PRESETS]
    rows.append([ctx.choice(ctx.t("application.button.change_date"), "date")])
    plan = Schedule.of(ctx.policy)
    text = ctx.t(
        "establish.founding.ask_open",
        name=app.name,
        date=app.meeting_on.isoformat() if app.meeting_on else "—",
        founders=len(await _founders(ctx, app)),
        nomination=plan.nomination,
        publicity=plan.publicity,
        voting=plan.voting,
        results=plan.results,
        quorum=ctx.policy.election_quorum,
    )
    return Step.ask(FOUNDING_FLOW, FoundingState.OPEN, data, text, rows, note)


async def _founding_app(ctx: Ctx, data: FoundingData) -> Application:
    app = await service.founding_of(ctx.tx, ctx.student)
    if app is None or app.id != data.app_id or app.state != AppState.FOUNDING:
        raise ApplicationChanged(id=data.app_id)
    return app


async def on_date(ctx: Ctx, data: FoundingData, given: Input) -> Step:
    app = await _founding_app(ctx, data)
    day = ctx.today if given.choice == "today" else parse_day(given.text)
    if day is None:
        return _ask_date(ctx, app, data, ctx.t("establish.founding.bad_date"))
    app = await service.set_meeting(
        ctx.tx, ctx.cal, ctx.now, ctx.user_id, ctx.student, app.id, day
    )
    if day > ctx.today:
        return Step.say(
            ctx.t("establish.founding.date_set", name=app.name, date=day.isoformat()), edit=True
        )
    return await _ask_open(ctx, app, data)


async def on_open(ctx: Ctx, data: FoundingData, given: Input) -> Step:
    app = await _founding_app(ctx, data)
    choice = given.choice or ""
    if choice == "date":
        return _ask_date(ctx, app, data)
    if choice not in FOUNDING_PRESETS:
        return await _ask_open(ctx, app, data, ctx.t("establish.use_buttons"))
    try:
        row = await elections.start_founding_meeting(
            ctx.tx,
            ctx.policy,
            ctx.cal,
            ctx.now,
            ctx.user_id,
            ctx.student,
            app.id,
            plain(ctx.t("establish.founding.charter_motion", name=app.name)),
            PRESETS[choice],
        )
    except DomainError as err:
        return await _ask_open(ctx, app, data, _err(ctx, err))
    until = elections.local_time(ctx.cal, row.nominations_close_at)
    return Step.say(ctx.t("establish.founding.opened", name=app.name, until=until), edit=True)


router.flow(
    Flow(
        name=FOUNDING_FLOW,
        data_type=FoundingData,
        states={
            FoundingState.DATE.value: on_date,
            FoundingState.OPEN.value: on_open,
        },
        starts=frozenset({FoundingState.DATE, FoundingState.OPEN}),
        transitions={
            FoundingState.DATE: frozenset({FoundingState.DATE, FoundingState.OPEN, END}),
            FoundingState.OPEN: frozenset({FoundingState.DATE, FoundingState.OPEN, END}),
        },
    )
)
