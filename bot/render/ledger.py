"""The compliance ledger as tables: the workbook's sheets and the CSV, in either language."""

from __future__ import annotations

import html

from bot.chat.i18n import catalog, joined, tr
from bot.domain import annex
from bot.domain.compliance import (
    GROUPS,
    Finding,
    RuleReport,
    Snapshot,
    Standing,
    compute,
    rule_key,
)
from bot.domain.policy import Policy
from bot.domain.unions import Plan
from bot.domain.values import Language
from bot.render.workbooks import Cell, Sheet, csv_bytes, xlsx

# The province's sheet names at most this many non-compliant units per item.
UNITS_SHOWN = 10


def why(language: Language, finding: Finding) -> str:
    """A finding's reason in words (plain text, for files)."""
    return html.unescape(why_html(language, finding))


def why_html(language: Language, finding: Finding) -> str:
    """A finding's reason in words, a club's state among them in words too."""
    params: dict[str, object] = dict(finding.params)
    # Codes a finding records, in words.
    if "state" in params:
        params["state"] = tr(language, f"clubstatus.{params['state']}")
    if "status" in params and finding.kind == "club":
        params["status"] = tr(language, f"clubstatus.{params['status']}")
    if "level" in params:
        params["level"] = tr(language, f"activity.level.{params['level']}")
    if "missing" in params:
        # What a union's congress left uncovered, listed as the reader's language lists; grades
        # as grades ("二年级" style), not bare numbers.
        items = str(params["missing"]).split(", ")
        if finding.why.endswith("uncovered_grade"):
            items = [tr(language, "ledger.words.grade", n=item) for item in items]
        params["missing"] = joined(language, items)
    year, _, season = str(params.get("semester", "")).partition("-")
    if year.isdigit() and season in ("spring", "autumn"):
        params["semester"] = tr(language, f"finance.semester.{season}", year=year)
    return tr(language, f"ledger.why.{finding.why}", **params)


def summary_rows(language: Language, reports: list[RuleReport]) -> list[list[Cell]]:
    return [
        [
            r.rule,
            r.group,
            tr(language, f"ledger.rule.{rule_key(r.rule)}", **dict(r.terms)),
            tr(language, f"ledger.standing.{r.standing.value}"),
            r.checked if r.standing in (Standing.MET, Standing.GAPS) else None,
            r.compliant if r.standing in (Standing.MET, Standing.GAPS) else None,
            r.failing,
            r.unrecorded or None,
        ]
        for r in reports
    ]


def kind_words(language: Language, kind: str) -> str:
    """What a finding is about (club, union, student …) in the reader's language."""
    key = f"ledger.words.kind_{kind}"
    return tr(language, key) if key in catalog(language) else kind


def finding_rows(language: Language, reports: list[RuleReport]) -> list[list[Cell]]:
    return [
        [r.rule, kind_words(language, f.kind), f.ref, f.name, f.since, why(language, f)]
        for r in reports
        for f in r.findings
    ]


def sheets(
    language: Language, reports: list[RuleReport], plans: dict[str, Plan] | None = None
) -> list[Sheet]:
    """The workbook: a summary sheet, then one sheet per rule group with its findings, then
    (given staff's plans) the province's work ledger."""

    def t(key: str) -> str:
        return tr(language, f"ledger.column.{key}")

    summary = Sheet(
        tr(language, "ledger.sheet_summary"),
        [
            t("rule"),
            t("group"),
            t("text"),
            t("standing"),
            t("checked"),
            t("compliant"),
            t("not"),
            t("unrecorded"),
        ],
        summary_rows(language, reports),
    )
    header = [t("rule"), t("kind"), t("ref"), t("name"), t("since"), t("why")]
    rows = finding_rows(language, reports)
    groups = [
        Sheet(group, header, [row for row in rows if str(row[0]).split("-")[0] == group])
        for group in GROUPS
    ]
    extra = [] if plans is None else [province_sheet(language, annex.rows(reports, plans))]
    return [summary, *groups, *extra]


def province_sheet(language: Language, rows: list[annex.LedgerRow]) -> Sheet:
    """Seed 003's work ledger: every annex item, its status, figures, plan; a last row names
    the items not in place that lack a planned date or an obstacle."""

    def t(key: str, **params: object) -> str:
        return html.unescape(tr(language, f"ledger.province.{key}", **params))

    header = [
        t("number"),
        t("requirement"),
        t("rules"),
        t("status"),
        t("measured"),
        t("units"),
        t("since"),
        t("planned_on"),
        t("obstacle"),
        t("owner"),
        t("evidence"),
    ]
    cells: list[list[Cell]] = [
        [
            r.item.number,
            r.item.requirement,
            ", ".join(r.item.rules),
            t(f"status_{r.status.value}"),
            r.measured or None,
            "、".join(r.units[:UNITS_SHOWN]) + ("…" if len(r.units) > UNITS_SHOWN else "") or None,
            r.since,
            r.plan.planned_on,
            r.plan.obstacle,
            r.plan.owner,
            r.plan.evidence,
        ]
        for r in rows
    ]
    missing = incomplete(rows)
    if missing:
        cells.append([t("incomplete_mark"), t("incomplete", items="、".join(missing))])
    return Sheet(t("sheet"), header, cells)


def incomplete(rows: list[annex.LedgerRow]) -> list[str]:
    """The items not in place that lack a planned date or an obstacle, by their numbers."""
    return [r.item.number for r in rows if r.incomplete]


def csv_rows(language: Language, reports: list[RuleReport]) -> tuple[list[str], list[list[Cell]]]:
    """One CSV: a row per finding, and one row for each rule without findings."""
    header = [
        "rule",
        "group",
        "standing",
        "checked",
        "compliant",
        "not_compliant",
        "no_record",
        "kind",
        "ref",
        "name",
        "since",
        "why",
    ]
    rows: list[list[Cell]] = []
    for r in reports:
        head: list[Cell] = [
            r.rule,
            r.group,
            r.standing.value,
            r.checked if r.standing in (Standing.MET, Standing.GAPS) else None,
            r.compliant if r.standing in (Standing.MET, Standing.GAPS) else None,
            r.failing,
            r.unrecorded or None,
        ]
        if not r.findings:
            rows.append([*head, None, None, None, None, None])
        rows += [[*head, f.kind, f.ref, f.name, f.since, why(language, f)] for f in r.findings]
    return header, rows


def workbook(snap: Snapshot, policy: Policy, language: Language) -> bytes:
    """The ledger workbook (also what `clubbot ledger OUT.xlsx` writes)."""
    return xlsx(sheets(language, compute(snap, policy), snap.unions.plans))


def csv(snap: Snapshot, policy: Policy, language: Language) -> bytes:
    """The ledger as one CSV file (`clubbot ledger OUT.csv`)."""
    header, rows = csv_rows(language, compute(snap, policy))
    return csv_bytes(header, rows)
