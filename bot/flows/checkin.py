"""/checkin: the organizer's rotating code and QR code, a student's check-in by code or by the
QR code's deep link (`/start ci_…`), and a missed check-in added by the organizer;
/myactivities: a student's activity record."""

from __future__ import annotations

import io
from functools import partial

import segno

from bot.chat import callbacks
from bot.chat.callbacks import Callback
from bot.chat.replies import Attachment, Button, Reply
from bot.core.context import Ctx
from bot.core.router import Audience, Router, Step
from bot.domain.checkin import LINK_PREFIX, hours, hours_by_category
from bot.domain.values import NotBound
from bot.services import checkin as service
from bot.services.checkin import Attempt, Result
from bot.services.notices import activities as notices
from storage import checkin as records

router = Router()
# Callback kind of "show the code of this activity" (also the refresh button): v1:cis:<id>.
SHOW = "cis"
ADD = "add"
# Lines of each list /myactivities shows; the rest are counted.
SHOWN = 20


def link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?start={payload}"


def qr_png(data: str) -> bytes:
    """The QR code of `data` as a PNG, drawn locally (segno needs no imaging library)."""
    out = io.BytesIO()
    segno.make(data, error="m").save(out, kind="png", scale=8, border=2)
    return out.getvalue()


@router.command("checkin", Audience.STUDENT, Audience.OFFICER, Audience.ADVISOR)
async def checkin_command(ctx: Ctx, args: str) -> Step:
    head, _, rest = args.partition(" ")
    if head.casefold() == ADD:
        act, student = await service.add_missed(
            ctx.tx, ctx.policy, ctx.now, ctx.user_id, ctx.student, ctx.advisor_pk, rest
        )
        return Step.say(
            ctx.t(
                "checkin.add.done",
                name=student.name,
                student_id=student.student_id,
                title=act.title or "—",
            )
        )
    if args:
        attempt = await service.by_code(
            ctx.tx, ctx.policy, ctx.now, ctx.user_id, ctx.student, args
        )
        return answer(ctx, attempt)
    try:
        opened = await service.organized(ctx.tx, ctx.policy, ctx.now, ctx.student, ctx.advisor_pk)
    except service.NotOrganizer:
        return Step.say(ctx.t("checkin.usage"))
    if not opened:
        raise service.NoCheckinOpen()
    if len(opened) == 1:
        return await _screen(ctx, opened[0].id)
    rows = tuple(
        (Button(f"{a.title or '—'} · {a.club}", callbacks.encode(SHOW, a.id)),) for a in opened
    )
    return Step.say(ctx.t("checkin.choose"), rows)


@router.callback(SHOW)
async def show_button(ctx: Ctx, cb: Callback) -> Step:
    return await _screen(ctx, cb.int_arg(0))


async def _screen(ctx: Ctx, activity_id: int) -> Step:
    shown = await service.screen(
        ctx.tx, ctx.policy, ctx.now, ctx.student, ctx.advisor_pk, activity_id
    )
    act = shown.activity
    url = link(ctx.bot_username, shown.payload)
    text = ctx.t(
        "checkin.screen",
        title=act.title or "—",
        code=shown.code,
        until=notices.local(ctx.cal, shown.until),
        minutes=ctx.policy.checkin_rotate_minutes,
        present=shown.present,
        id=act.id,
    )
    refresh = ((Button(ctx.t("checkin.refresh"), callbacks.encode(SHOW, act.id)),),)
    picture = Attachment(f"checkin-{act.id}.png", partial(qr_png, url), "image/png", photo=True)
    return Step(replies=[Reply(text, refresh, attachment=picture)])


async def by_link(ctx: Ctx, payload: str) -> Step:
    """A scanned QR code: `/start ci_<id>_<window>_<mac>`."""
    attempt = await service.by_link(ctx.tx, ctx.policy, ctx.now, ctx.user_id, ctx.student, payload)
    return answer(ctx, attempt)


def is_link(payload: str) -> bool:
    return payload.startswith(LINK_PREFIX)


def answer(ctx: Ctx, attempt: Attempt) -> Step:
    """What the student is told of their attempt, each refusal with its reason."""
    act = attempt.activity
    params: dict[str, object] = {"title": (act.title if act else None) or "—"}
    if attempt.result is Result.FOREIGN:
        params["theirs"] = ctx.join(attempt.theirs)
    if attempt.result is Result.TOO_EARLY:
        params["at"] = notices.local(ctx.cal, attempt.at)
    if attempt.result is Result.LIMITED:
        params["minutes"] = ctx.policy.checkin_guess_window_minutes
    if attempt.result is Result.WRONG:
        params["guesses"] = ctx.policy.checkin_guesses
    return Step.say(ctx.t(f"checkin.result.{attempt.result.value}", **params))


@router.command("myactivities", Audience.STUDENT)
async def my_activities(ctx: Ctx, args: str) -> Step:
    """The student's record: activities attended (checked in), signed up for, and hours by
    the clubs' categories (second classroom)."""
    if ctx.student is None or ctx.student.id is None:
        raise NotBound()
    attended = await records.attended_by(ctx.tx, ctx.student.id)
    coming = await records.signed_up(ctx.tx, ctx.student.id, ctx.now)
    spent = [(a.category, hours(a.starts_at, a.ends_at)) for a in attended]
    by_category = hours_by_category(spent)
    total = round(sum(h for _, h in spent), 1)
    parts = [ctx.t("myactivities.title", count=len(attended), hours=total)]
    if by_category:
        lines = [
            ctx.t("myactivities.category", category=ctx.t(f"category.{c}"), hours=h)
            for c, h in by_category.items()
        ]
        parts.append("\n".join([ctx.t("myactivities.by_category"), *lines]))
    lines = [
        ctx.t(
            "myactivities.attended_line",
            title=a.title,
            club=a.club,
            date=ctx.cal.today(a.starts_at).isoformat(),
            hours=hours(a.starts_at, a.ends_at),
        )
        for a in attended[:SHOWN]
    ]
    if len(attended) > SHOWN:
        lines.append(ctx.t("myactivities.more", more=len(attended) - SHOWN))
    parts.append(
        "\n".join([ctx.t("myactivities.attended"), *(lines or [ctx.t("myactivities.none")])])
    )
    lines = [
        ctx.t(
            "myactivities.signed_line",
            title=u.title,
            club=u.club,
            starts=notices.local(ctx.cal, u.starts_at),
            state=ctx.t(f"activity.events.{u.status}"),
        )
        for u in coming[:SHOWN]
    ]
    parts.append(
        "\n".join([ctx.t("myactivities.signed"), *(lines or [ctx.t("myactivities.none")])])
    )
    return Step.say("\n\n".join(parts))
