"""/ledger (the compliance ledger), /stats (a chart) and /export (CSV and XLSX files).

Files are built by the front end off the event loop, after the transaction (see `Attachment`).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import replace
from functools import cache, partial

from bot.chat.i18n import catalog
from bot.chat.replies import Attachment, Reply
from bot.core.context import Ctx
from bot.core.permissions import command
from bot.core.router import Router, Step
from bot.domain import compliance
from bot.domain.calendar import add_months
from bot.domain.compliance import RuleReport, Standing
from bot.domain.values import Category, Language
from bot.flows import pages
from bot.flows.common import category_label, clip, known, position_label
from bot.flows.console import find_club
from bot.render import charts, workbooks
from bot.render import ledger as ledger_files
from bot.render.workbooks import Cell
from bot.services import privacy
from storage import advisors, clubs, officers
from storage import ledger as ledger_store
from storage import meetings as meetings_store
from storage import reviews as reviews_store
from storage.tx import Tx

router = Router()
SUMMARY, RULE = "ls", "lg"
RULE_IDS = list(compliance.RULES)
MARK = {Standing.MET: "✅", Standing.GAPS: "⚠️", Standing.NO_DATA: "➖", Standing.IN_PLACE: "✅"}


async def _reports(ctx: Ctx) -> list[RuleReport]:
    return compliance.compute(
        await ledger_store.snapshot(ctx.tx, ctx.today, ctx.policy), ctx.policy
    )


def _summary_line(ctx: Ctx, r: RuleReport) -> str:
    if r.standing in (Standing.MET, Standing.GAPS):
        figures = ctx.t(
            "ledger.figures", compliant=r.compliant, checked=r.checked, failing=r.failing
        )
    else:
        figures = ctx.t(f"ledger.standing.{r.standing.value}")
    if r.unrecorded:
        figures += ctx.t("ledger.unrecorded", count=r.unrecorded)
    return ctx.t(
        "ledger.line",
        mark=MARK[r.standing],
        rule=r.rule,
        text=ctx.t(f"ledger.rule.{compliance.rule_key(r.rule)}", **dict(r.terms)),
        figures=figures,
    )


@pages.view(SUMMARY, "ledger", kept=lambda _: "/ledger")
async def summary_view(ctx: Ctx, arg: int) -> tuple[str, list[str]]:
    reports = await _reports(ctx)
    gaps = sum(1 for r in reports if r.standing is Standing.GAPS)
    header = ctx.t("ledger.title", date=ctx.today.isoformat(), gaps=gaps, rules=len(reports))
    return header, [_summary_line(ctx, r) for r in reports] + [ctx.t("ledger.hint")]


def _rule_command(index: int) -> str:
    return f"/ledger {RULE_IDS[index]}" if index < len(RULE_IDS) else "/ledger"


@pages.view(RULE, "ledger", kept=_rule_command)
async def rule_view(ctx: Ctx, index: int) -> tuple[str, list[str]] | None:
    if index >= len(RULE_IDS):
        return None
    rule = RULE_IDS[index]
    snap = await ledger_store.snapshot(ctx.tx, ctx.today, ctx.policy)
    # The title states the policy's figures, as the summary's does.
    report = replace(
        compliance.RULES[rule](snap, ctx.policy), terms=compliance.rule_terms(ctx.policy)
    )
    lines = [
        ctx.t(
            # A club or a union is known by its name; a person by name and number.
            "ledger.finding_club" if f.kind in ("club", "union") else "ledger.finding",
            name=clip(f.name, 60),
            ref=clip(f.ref, 24),
            why=ledger_files.why_html(ctx.lang, f),
            since=f.since.isoformat() if f.since else "—",
        )
        for f in report.findings
    ]
    if not lines:
        # What the empty list means, not the summary's word again.
        lines = [ctx.t(f"ledger.detail.{report.standing.value}")]
    return _summary_line(ctx, report), lines


@command(router, "ledger", report=True)
async def ledger_command(ctx: Ctx, args: str) -> Step:
    arg = args.strip().upper()
    if arg == "EXPORT":
        return await _export_ledger(ctx)
    if arg.split(" ", 1)[0] == "PLAN":
        # The province's work ledger (issue 17): staff only, as /plan.
        from bot.core.permissions import guard
        from bot.flows.unions import plan_command

        refused = await guard(ctx, "plan", "/ledger plan")
        return refused or await plan_command(ctx, args.strip()[len("plan") :])
    if arg:
        # Typed in any case: "org-4a" is ORG-4a.
        rule = {r.upper(): r for r in RULE_IDS}.get(arg)
        if rule is None:
            return Step.say(
                ctx.t("ledger.unknown_rule", rule=clip(args), rules=ctx.join(RULE_IDS))
            )
        step = await pages.first_page(ctx, RULE, RULE_IDS.index(rule))
    else:
        step = await pages.first_page(ctx, SUMMARY, 0)
    assert step is not None
    return step


async def _export_ledger(ctx: Ctx) -> Step:
    snap = await ledger_store.snapshot(ctx.tx, ctx.today, ctx.policy)
    day = ctx.today.isoformat()
    return Step(
        replies=[
            Reply(
                ctx.t("ledger.export_caption", date=day),
                attachment=Attachment(
                    f"ledger-{day}.xlsx",
                    partial(ledger_files.workbook, snap, ctx.policy, ctx.lang),
                    workbooks.XLSX,
                ),
            ),
            Reply(
                ctx.t("ledger.export_csv_caption"),
                attachment=Attachment(
                    f"ledger-{day}.csv",
                    partial(ledger_files.csv, snap, ctx.policy, ctx.lang),
                    workbooks.CSV,
                ),
            ),
        ]
    )


# --- /stats ------------------------------------------------------------------------------------

MONTHS = 12


@command(router, "stats", report=True)
async def stats(ctx: Ctx, args: str) -> Step:
    counts = await clubs.active_counts(ctx.tx)
    spread = await ledger_store.membership_spread(ctx.tx)
    first = add_months(ctx.today.replace(day=1), -(MONTHS - 1))
    outcomes = await ledger_store.deadline_outcomes(ctx.tx, first, ctx.today)
    due: dict[str, int] = defaultdict(int)
    met: dict[str, int] = defaultdict(int)
    for due_on, closed_at in outcomes:
        if due_on >= ctx.today and closed_at is None:
            continue  # not due yet
        month = due_on.strftime("%Y-%m")
        due[month] += 1
        if closed_at is not None and closed_at <= ctx.cal.end_of(due_on):
            met[month] += 1
    data = charts.Stats(
        title=ctx.t("console.stats_title", date=ctx.today.isoformat()),
        categories=[(category_label(ctx, c), counts.get(c, 0)) for c in Category],
        categories_title=ctx.t("console.stats_categories"),
        spread=[(str(n), spread.get(n, 0)) for n in range(max(spread, default=0) + 1)],
        spread_title=ctx.t("console.stats_spread"),
        on_time=[
            (m, met[m] / due[m], ctx.t("console.stats_point", met=met[m], due=due[m]))
            for m in sorted(due)
        ],
        on_time_title=ctx.t("console.stats_on_time"),
        no_data=ctx.t("console.stats_no_data"),
    )
    caption = ctx.t(
        "console.stats_caption",
        clubs=sum(counts.values()),
        students=sum(spread.values()),
        deadlines=sum(due.values()),
    )
    attachment = Attachment("stats.png", partial(charts.render, data), "image/png", photo=True)
    return Step(replies=[Reply(caption, attachment=attachment)])


# --- /export -----------------------------------------------------------------------------------


# What /export sends, by the English word that names it (`/export clubs`).
EXPORTS = ("members", "clubs")


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold()


@cache
def export_words() -> dict[str, str]:
    """Every word that names an export, folded, in every language: the English code, the
    language's word for it (`export.word.*`, `/export 社团`) and its sheet's name."""
    words: dict[str, str] = {}
    for language in Language:
        messages = catalog(language)
        for code in EXPORTS:
            for word in (code, messages[f"export.word.{code}"], messages[f"export.sheet.{code}"]):
                words[_fold(word)] = code
    return words


def _export_usage(ctx: Ctx) -> Step:
    words = {code: ctx.t(f"export.word.{code}") for code in EXPORTS}
    return Step.say(ctx.t("console.usage.export", **words))


@command(router, "export", report=True)
async def export(ctx: Ctx, args: str) -> Step:
    what, *rest = args.split(maxsplit=1) or [""]
    code = export_words().get(_fold(what))
    if code == "clubs":
        return await _export_clubs(ctx)
    if code == "members" and rest:
        return await _export_members(ctx, rest[0].strip())
    return _export_usage(ctx)


def _files(
    ctx: Ctx, stem: str, caption: str, readable: workbooks.Sheet, machine: workbooks.Sheet
) -> Step:
    """The workbook for people (headers and values in the reader's language) and the CSV for
    programs (stable column names and codes, as README documents them)."""
    return Step(
        replies=[
            Reply(
                caption,
                attachment=Attachment(
                    f"{stem}.xlsx", partial(workbooks.xlsx, [readable]), workbooks.XLSX
                ),
            ),
            Reply(
                ctx.t("console.export_csv"),
                attachment=Attachment(
                    f"{stem}.csv",
                    partial(workbooks.csv_bytes, machine.header, machine.rows),
                    workbooks.CSV,
                ),
            ),
        ]
    )


def _readable(ctx: Ctx, name: str, header: list[str], rows: list[list[Cell]]) -> workbooks.Sheet:
    """A sheet whose column names are in the reader's language (`export.column.*`, or the
    sheet's own word for a column where it differs: `export.<sheet>.*`)."""
    return workbooks.Sheet(
        ctx.t(f"export.sheet.{name}"),
        [known(ctx, f"export.{name}.{h}", ctx.t(f"export.column.{h}")) for h in header],
        rows,
    )


MEMBER_HEADER = ["student_id", "name", "college", "class", "status", "joined_on", "position"]
CLUB_HEADER = [
    "name",
    "category",
    "status",
    "guidance_unit",
    "founded",
    "members",
    "advisor",
    "advisor_staff_id",
    "term_end",
    "last_general_meeting",
    "last_review",
    "last_review_result",
]


async def _export_members(ctx: Ctx, name: str) -> Step:
    club = await find_club(ctx, name)
    if isinstance(club, Step):
        return club
    members = await clubs.member_export(ctx.tx, club.id)
    if not members:
        return Step.say(ctx.t("console.export_empty", club=club.name))
    positions = {s.id: p for p, s in await officers.current_officers(ctx.tx, club.id)}
    rows: list[list[Cell]] = [
        [
            s.student_id,
            s.name,
            s.college,
            s.class_name,
            s.status.value,
            ctx.cal.today(joined).isoformat(),
            position_label(ctx, positions[s.id]) if s.id in positions else "",
        ]
        for s, joined in members
    ]
    # For people, the record's status in words.
    words = [[*row[:4], ctx.t(f"studentstatus.{row[4]}"), *row[5:]] for row in rows]
    # PRIV-5: an export of people's data is audited: who, what (whose), why.
    exported = [s.student_id for s, _ in members]
    now, user_id, club_id = ctx.now, ctx.user_id, club.id

    async def audited(tx: Tx) -> None:
        await privacy.staff_export(tx, now, user_id, club_id, exported, "/export members")

    await ctx.write(audited)
    caption = ctx.t("console.export_members", club=club.name, count=len(rows))
    stem = f"members-{club.id}-{ctx.today.isoformat()}"
    readable = _readable(ctx, "members", MEMBER_HEADER, words)
    return _files(ctx, stem, caption, readable, workbooks.Sheet("members", MEMBER_HEADER, rows))


async def _export_clubs(ctx: Ctx) -> Step:
    every = await clubs.all_clubs(ctx.tx)
    if not every:
        return Step.say(ctx.t("console.export_no_clubs"))
    counts = await clubs.all_member_counts(ctx.tx)
    appointed = await advisors.current_by_club(ctx.tx)
    meetings = await meetings_store.last_confirmed_by_club(ctx.tx)
    reviewed = await reviews_store.latest_results_by_club(ctx.tx)
    rows: list[list[Cell]] = []
    words: list[list[Cell]] = []
    for c in every:
        current, met, review = appointed.get(c.id), meetings.get(c.id), reviewed.get(c.id)
        rows.append(
            [
                c.name,
                c.category.value,
                c.status.value,
                c.guidance_unit,
                c.founded.isoformat(),
                counts.get(c.id, 0),
                current.advisor.name if current else "",
                current.advisor.staff_id if current else "",
                current.term_end.isoformat() if current else "",
                met.isoformat() if met else "",
                review.year if review else "",
                review.result.value if review else "",
            ]
        )
        # For people: category, state and result in words.
        result = ctx.t(f"reviewresult.{review.result.value}") if review else ""
        status = ctx.t(f"clubstatus.{c.status.value}")
        words.append(
            [rows[-1][0], category_label(ctx, c.category), status, *rows[-1][3:-1], result]
        )
    caption = ctx.t("console.export_clubs", count=len(rows))
    stem = f"clubs-{ctx.today.isoformat()}"
    readable = _readable(ctx, "clubs", CLUB_HEADER, words)
    return _files(ctx, stem, caption, readable, workbooks.Sheet("clubs", CLUB_HEADER, rows))
