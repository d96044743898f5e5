"""/todo: everything waiting for the person who asks, each with the buttons of the request
that asked for it (bot/services/todo.py). Pressing one goes to the same handler as on the
notification, which checks again on the server that this person may decide it now."""

from __future__ import annotations

from bot.chat.replies import Reply
from bot.core.context import Ctx
from bot.core.router import Audience, Router, Step
from bot.services import approvals
from bot.services import todo as service

router = Router()


@router.command(
    "todo",
    Audience.STUDENT,
    Audience.ADVISOR,
    Audience.UNIT_REP,
    Audience.STAFF,
    Audience.REVIEWER,
)
async def todo(ctx: Ctx, args: str) -> Step:
    student_pk = ctx.student.id if ctx.student is not None else None
    found = await service.waiting(ctx.tx, ctx.user_id, student_pk, ctx.advisor_pk, ctx.lang)
    found += await approvals.todos(ctx.tx, ctx.cal, ctx.user_id, ctx.advisor_pk, ctx.lang)
    if not found:
        return Step.say(ctx.t("todo.nothing"))
    return Step(replies=listing(ctx, found))


def listing(ctx: Ctx, found: list[service.Todo]) -> list[Reply]:
    """The heading, then each thing waiting as a message of its own with its buttons (so that
    a decision edits that message alone)."""
    replies = [Reply(service.heading(ctx.lang, len(found)))]
    replies += [Reply(item.text, item.buttons) for item in found[: service.SHOWN]]
    return replies
