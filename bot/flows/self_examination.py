"""/report: the self-examination report for staff, as a Word document (issue 17, item 6).

Runs as a report (its own read-only snapshot, off the chat path, like /ledger); the document
is built by the front end in a worker thread after the read (see `Attachment`).
"""

from __future__ import annotations

import re
from datetime import date
from functools import partial

from bot.chat.replies import Attachment, Reply
from bot.core.context import Ctx
from bot.core.permissions import command
from bot.core.router import Router, Step
from bot.domain.values import Language
from bot.flows.common import clip
from bot.render import self_examination as report
from bot.services import regulations
from storage import ledger as ledger_store
from storage import regulations as regulations_store
from storage.tx import Tx

router = Router()
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day(word: str) -> date | None:
    if not ISO_DATE.fullmatch(word):
        return None
    try:
        return date.fromisoformat(word)
    except ValueError:
        return None


@command(router, "report", report=True)
async def report_command(ctx: Ctx, args: str) -> Step:
    """`/report [FROM TO] [zh|en]`: the period's report, a year to today unless given."""
    words = args.split()
    language = ctx.lang
    if words and words[-1].lower() in {lang.value for lang in Language}:
        language = Language(words.pop().lower())
    if len(words) not in (0, 2):
        return Step.say(ctx.t("report.usage"))
    days = []
    for word in words:
        found = _day(word)
        if found is None:
            return Step.say(ctx.t("report.bad_date", value=clip(word, 24)))
        days.append(found)
    start, end = (days[0], days[1]) if days else (None, ctx.today)
    if end > ctx.today:
        return Step.say(ctx.t("report.future", end=end.isoformat()))
    if start is not None and start > end:
        return Step.say(ctx.t("report.bad_order", start=start.isoformat(), end=end.isoformat()))
    period = report.Period.ending(end, start)
    snap = await ledger_store.snapshot(ctx.tx, ctx.today)
    issued = await regulations_store.all_regulations(ctx.tx)
    as_of = ctx.now.astimezone(ctx.cal.zone)
    built = report.build(snap, ctx.policy, language, issued, period, as_of)
    if built is None:
        return Step.say(
            ctx.t("report.no_data", start=period.start.isoformat(), end=period.end.isoformat())
        )
    caption = ctx.t(
        "report.caption",
        as_of=report.moment(ctx.lang, as_of),
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        chars=built.chars,
        limit=built.limit,
    )
    if built.excess:
        caption += "\n" + ctx.t(
            "report.over", chars=built.chars, limit=built.limit, excess=built.excess
        )
    name = f"self-examination-{period.end.isoformat()}-{language.value}.docx"
    attachment = Attachment(name, partial(report.docx, built), report.DOCX)
    return Step(replies=[Reply(caption, attachment=attachment)])


# --- /regulations: the rules the university issued, the report's second section -------------


@command(router, "regulations")
async def regulations_command(ctx: Ctx, args: str) -> Step:
    """`/regulations`: the list; `/regulations add TITLE | DATE | NUMBER`: one more (or its
    date and number corrected, by its title)."""
    verb, _, rest = args.strip().partition(" ")
    if not verb:
        issued = await regulations_store.all_regulations(ctx.tx)
        if not issued:
            return Step.say(ctx.t("regulations.none"))
        lines = [ctx.t("regulations.title", count=len(issued))]
        lines += [
            ctx.t(
                "regulations.line",
                title=clip(r.title, 80),
                number=r.number or "—",
                date=r.issued_on.isoformat(),
            )
            for r in issued
        ]
        return Step.say("\n".join([*lines, ctx.t("regulations.usage")]))
    if verb.lower() != "add":
        return Step.say(ctx.t("regulations.usage"))
    parts = [p.strip() for p in rest.replace("｜", "|").split("|")]
    if len(parts) not in (2, 3):
        return Step.say(ctx.t("regulations.usage"))
    row = dict(zip(regulations.HEADER, [*parts, ""][:3], strict=True))
    try:
        record = regulations.regulation_record(row, ctx.today)
    except ValueError as exc:
        return Step.say(ctx.t("regulations.bad", reason=str(exc)))
    now, actor = ctx.now, ctx.user_id

    async def save(tx: Tx) -> None:
        await regulations.save_regulation(tx, now, actor, record)

    await ctx.write(save)
    return Step.say(
        ctx.t(
            "regulations.saved",
            title=clip(record.title, 80),
            date=record.issued_on.isoformat(),
            number=record.number or "—",
        )
    )
