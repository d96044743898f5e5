"""/events: the approved activities still to come that a student may attend, a page at a time,
with their sign-up state; the Sign up and Cancel buttons (also on the announcement)."""

from __future__ import annotations

from bot.chat import callbacks
from bot.chat.callbacks import Callback
from bot.chat.replies import Button
from bot.core.context import Ctx
from bot.core.router import Audience, Router, Step
from bot.services import signups
from bot.services.notices import activities as notices
from storage.activities import CONFIRMED, WAITLISTED

router = Router()


@router.command("events", Audience.STUDENT)
async def events(ctx: Ctx, args: str) -> Step:
    return await _page(ctx, 0, edit=False)


@router.callback(signups.PAGE)
async def events_page(ctx: Ctx, cb: Callback) -> Step:
    return await _page(ctx, cb.int_arg(0), edit=True)


async def _page(ctx: Ctx, page: int, *, edit: bool) -> Step:
    found = await signups.upcoming(ctx.tx, ctx.now, ctx.student, page)
    if not found.entries:
        return Step.say(ctx.t("activity.events.none"), edit=edit)
    pages = max(1, -(-found.total // signups.PAGE_SIZE))
    lines = [ctx.t("activity.events.title", count=found.total)]
    if pages > 1:
        lines.append(ctx.t("console.page", page=found.page + 1, pages=pages))
    rows: list[tuple[Button, ...]] = []
    for n, (act, status) in enumerate(found.entries, 1 + found.page * signups.PAGE_SIZE):
        state = ctx.t(f"activity.events.{status or 'open'}")
        lines.append(
            ctx.t(
                "activity.events.line",
                n=n,
                title=act.title or "—",
                club=act.club,
                starts=notices.local(ctx.cal, act.starts_at),
                place=act.place or "—",
                state=state,
            )
        )
        if status in (CONFIRMED, WAITLISTED):
            label = ctx.t("activity.button.cancel_n", n=n)
            rows.append((Button(label, callbacks.encode(signups.CANCEL, act.id)),))
        else:
            label = ctx.t("activity.button.sign_up_n", n=n)
            rows.append((Button(label, callbacks.encode(signups.SIGN_UP, act.id)),))
    nav = []
    if found.page > 0:
        nav.append(
            Button(ctx.t("button.previous"), callbacks.encode(signups.PAGE, found.page - 1))
        )
    if found.page + 1 < pages:
        nav.append(Button(ctx.t("button.next"), callbacks.encode(signups.PAGE, found.page + 1)))
    if nav:
        rows.append(tuple(nav))
    return Step.say("\n\n".join(lines), tuple(rows), edit=edit)


@router.callback(signups.SIGN_UP)
async def sign_up_button(ctx: Ctx, cb: Callback) -> Step:
    done = await signups.sign_up(ctx.tx, ctx.cal, ctx.now, ctx.student, cb.int_arg(0))
    act = done.activity
    key = (
        f"activity.signed.{done.status}" if done.new else f"activity.signed.already_{done.status}"
    )
    text = ctx.t(key, title=act.title or "—", starts=notices.local(ctx.cal, act.starts_at))
    return Step.say(text, ((signups.cancel_button(ctx.lang, act.id),),))


@router.callback(signups.CANCEL)
async def cancel_button(ctx: Ctx, cb: Callback) -> Step:
    act = await signups.cancel(ctx.tx, ctx.cal, ctx.now, ctx.student, cb.int_arg(0))
    text = ctx.t("activity.cancelled", title=act.title or "—")
    return Step.say(text, ((signups.sign_up_button(ctx.lang, act.id),),))
