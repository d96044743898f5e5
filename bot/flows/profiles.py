"""/club NAME: a club's profile; /club edit: its officers and advisor keep it up to date."""

from __future__ import annotations

from enum import StrEnum
from html import escape

from pydantic import BaseModel

from bot.chat import callbacks
from bot.chat.callbacks import Callback
from bot.chat.i18n import Html, tr
from bot.chat.replies import Button
from bot.chat.text import prefixed_number
from bot.core.context import Ctx
from bot.core.router import END, Flow, Input, Router, Step
from bot.domain.values import Club, ClubStatus, DomainError, UnknownClub, name_key
from bot.flows.browsing import similar_active
from bot.flows.common import category_label, clip, holder
from bot.services import memberships, profiles
from bot.services.profiles import Part
from storage import advisors, clubs, officers

router = Router()
KIND = "pf"  # v1:pf:<club id>: show the club's profile
FLOW = "profile"
EDIT = "edit"


class ProfileState(StrEnum):
    CLUB = "club"
    PART = "part"
    VALUE = "value"


class ProfileData(BaseModel):
    club_id: int | None = None
    part: Part | None = None


@router.command("club")
async def club_command(ctx: Ctx, args: str) -> Step:
    if args.strip().casefold() == EDIT:
        return await _start_edit(ctx)
    if not args.strip():
        return await _usage(ctx)
    club = await clubs.club_by_key(ctx.tx, name_key(args))
    if club is not None:
        return await _show(ctx, club)
    close = await similar_active(ctx, args)
    if not close:
        raise UnknownClub(name=clip(args))
    rows = tuple((Button(clip(c.name), callbacks.encode(KIND, c.id)),) for c in close)
    return Step.say(ctx.t("profile.did_you_mean", name=clip(args)), rows)


@router.callback(KIND)
async def club_button(ctx: Ctx, cb: Callback) -> Step:
    club = await clubs.club(ctx.tx, cb.int_arg(0))
    if club is None:
        raise callbacks.BadCallback("no such club")
    return await _show(ctx, club)


async def _usage(ctx: Ctx) -> Step:
    mine = await memberships.my_clubs(ctx.tx, ctx.student) if ctx.student else []
    rows = tuple((Button(clip(c.name), callbacks.encode(KIND, c.id)),) for c in mine)
    return Step.say(ctx.t("profile.usage"), rows)


async def _show(ctx: Ctx, club: Club) -> Step:
    """The club's profile, with a Join button for a student who may join it, and an Edit
    button for those who keep it."""
    text = await profile_text(ctx, club)
    rows: list[tuple[Button, ...]] = []
    if club.status is ClubStatus.ACTIVE and ctx.student is not None:
        mine = await memberships.my_clubs(ctx.tx, ctx.student)
        if club.id not in {c.id for c in mine}:
            rows.append((Button(ctx.t("profile.button.join"), callbacks.encode("jn", club.id)),))
    kept = await profiles.kept_by(ctx.tx, ctx.student, ctx.advisor_pk)
    if club.id in {c.id for c in kept}:
        rows.append((Button(ctx.t("profile.button.edit"), callbacks.encode("pe", club.id)),))
    return Step.say(text, tuple(rows))


async def profile_text(ctx: Ctx, club: Club) -> str:
    profile = await clubs.profile(ctx.tx, club.id)
    members = (await clubs.member_counts(ctx.tx, [club.id])).get(club.id, 0)
    held = await officers.current_officers(ctx.tx, club.id)
    appointment = await advisors.current(ctx.tx, club.id)
    lines = [
        ctx.t("profile.title", name=club.name, category=category_label(ctx, club.category)),
        escape(profile.description) if profile.description else ctx.t("profile.no_description"),
        "",
        ctx.t("profile.unit", unit=club.guidance_unit, founded=club.founded.isoformat()),
        ctx.t("profile.members", members=members),
    ]
    if club.status is not ClubStatus.ACTIVE:
        lines.append(ctx.t("profile.state", state=ctx.t(f"clubstatus.{club.status.value}")))
    if held:
        names = Html(ctx.t("profile.separator").join(holder(ctx, s.name, p) for p, s in held))
        lines.append(ctx.t("profile.officers", officers=names))
    if appointment is not None:
        lines.append(ctx.t("profile.advisor", advisor=clip(appointment.advisor.name, 40)))
    if profile.meeting_place:
        lines.append(ctx.t("profile.meets", place=profile.meeting_place))
    if profile.group_link:
        lines.append(ctx.t("profile.group", link=profile.group_link))
    if profile.dues:
        lines.append(ctx.t("profile.dues", dues=profile.dues))
    # HTML already (each line rendered, the description escaped): not escaped again where it
    # fills another message.
    return Html("\n".join(lines))


# --- /club edit -------------------------------------------------------------------------------


@router.callback("pe")
async def edit_button(ctx: Ctx, cb: Callback) -> Step:
    kept = {c.id: c for c in await profiles.kept_by(ctx.tx, ctx.student, ctx.advisor_pk)}
    club = kept.get(cb.int_arg(0))
    if club is None:
        raise profiles.NotKeeper()
    return await _ask_part(ctx, ProfileData(club_id=club.id))


async def _start_edit(ctx: Ctx) -> Step:
    kept = await profiles.kept_by(ctx.tx, ctx.student, ctx.advisor_pk)
    if not kept:
        raise profiles.NotKeeper()
    if len(kept) == 1:
        return await _ask_part(ctx, ProfileData(club_id=kept[0].id))
    rows = [[ctx.choice(clip(c.name), f"k{c.id}")] for c in kept]
    return Step.ask(FLOW, ProfileState.CLUB, ProfileData(), ctx.t("profile.ask_club"), rows)


async def _ask_part(ctx: Ctx, data: ProfileData, note: str | None = None) -> Step:
    assert data.club_id is not None
    club = await clubs.club(ctx.tx, data.club_id)
    if club is None:
        return Step.say(ctx.t("flow.expired"))
    text = ctx.t("profile.ask_part", profile=await profile_text(ctx, club))
    rows = [[ctx.choice(ctx.t(f"profile.part.{p.value}"), p.value)] for p in Part]
    rows.append([ctx.choice(ctx.t("profile.button.done"), "done")])
    data = data.model_copy(update={"part": None})
    return Step.ask(FLOW, ProfileState.PART, data, text, rows, note)


async def on_club(ctx: Ctx, data: ProfileData, given: Input) -> Step:
    kept = {c.id: c for c in await profiles.kept_by(ctx.tx, ctx.student, ctx.advisor_pk)}
    club_id = prefixed_number(given.choice or "", "k")
    if club_id is not None and club_id in kept:
        return await _ask_part(ctx, ProfileData(club_id=club_id))
    if not kept:
        raise profiles.NotKeeper()
    rows = [[ctx.choice(clip(c.name), f"k{c.id}")] for c in kept.values()]
    text = ctx.t("profile.ask_club")
    return Step.ask(FLOW, ProfileState.CLUB, data, text, rows, ctx.t("profile.use_buttons"))


async def on_part(ctx: Ctx, data: ProfileData, given: Input) -> Step:
    if given.choice == "done":
        assert data.club_id is not None
        club = await clubs.club(ctx.tx, data.club_id)
        if club is None:
            return Step.say(ctx.t("flow.expired"))
        return Step.say(ctx.t("profile.done", profile=await profile_text(ctx, club)), edit=True)
    try:
        part = Part(given.choice or "")
    except ValueError:
        return await _ask_part(ctx, data, ctx.t("profile.use_buttons"))
    return _ask_value(ctx, data.model_copy(update={"part": part}))


def _ask_value(ctx: Ctx, data: ProfileData, note: str | None = None) -> Step:
    assert data.part is not None
    text = ctx.t(f"profile.ask.{data.part.value}", max=profiles.LIMITS[data.part.value])
    rows = [[ctx.choice(ctx.t("button.back"), "back")]]
    return Step.ask(FLOW, ProfileState.VALUE, data, text, rows, note)


async def on_value(ctx: Ctx, data: ProfileData, given: Input) -> Step:
    assert data.club_id is not None
    assert data.part is not None
    if given.choice == "back":
        return await _ask_part(ctx, data)
    if not given.text:
        return _ask_value(ctx, data, ctx.t("profile.send_text"))
    try:
        await profiles.change(
            ctx.tx,
            ctx.now,
            ctx.user_id,
            ctx.student,
            ctx.advisor_pk,
            data.club_id,
            data.part,
            given.text,
        )
    except profiles.NotKeeper:
        raise
    except DomainError as err:
        return _ask_value(ctx, data, tr(ctx.lang, err.key, **err.params))
    return await _ask_part(ctx, data, ctx.t("profile.saved"))


router.flow(
    Flow(
        name=FLOW,
        data_type=ProfileData,
        states={
            ProfileState.CLUB.value: on_club,
            ProfileState.PART.value: on_part,
            ProfileState.VALUE.value: on_value,
        },
        starts=frozenset({ProfileState.CLUB, ProfileState.PART}),
        transitions={
            ProfileState.CLUB: frozenset({ProfileState.CLUB, ProfileState.PART}),
            ProfileState.PART: frozenset({ProfileState.PART, ProfileState.VALUE, END}),
            ProfileState.VALUE: frozenset({ProfileState.VALUE, ProfileState.PART}),
        },
    )
)
