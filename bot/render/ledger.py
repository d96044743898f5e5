"""The compliance ledger as tables: the workbook's sheets and the CSV, in either language."""

from __future__ import annotations

import html

from bot.chat.i18n import tr
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
from bot.domain.values import Language
from bot.render.workbooks import Cell, Sheet, csv_bytes, xlsx


def why(language: Language, finding: Finding) -> str:
    """A finding's reason in words (plain text, for files)."""
    return html.unescape(why_html(language, finding))


def why_html(language: Language, finding: Finding) -> str:
    """A finding's reason in words, a club's state among them in words too."""
    params: dict[str, object] = dict(finding.params)
    if "state" in params:
        params["state"] = tr(language, f"clubstatus.{params['state']}")
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
            len(r.findings),
            r.unrecorded or None,
        ]
        for r in reports
    ]


def finding_rows(language: Language, reports: list[RuleReport]) -> list[list[Cell]]:
    return [
        [r.rule, f.kind, f.ref, f.name, f.since, why(language, f)]
        for r in reports
        for f in r.findings
    ]


def sheets(language: Language, reports: list[RuleReport]) -> list[Sheet]:
    """The workbook: a summary sheet, then one sheet per rule group with its findings."""

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
    return [summary] + [
        Sheet(group, header, [row for row in rows if str(row[0]).split("-")[0] == group])
        for group in GROUPS
    ]


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
            len(r.findings),
            r.unrecorded or None,
        ]
        if not r.findings:
            rows.append([*head, None, None, None, None, None])
        rows += [[*head, f.kind, f.ref, f.name, f.since, why(language, f)] for f in r.findings]
    return header, rows


def workbook(snap: Snapshot, policy: Policy, language: Language) -> bytes:
    """The ledger workbook (also what `clubbot ledger OUT.xlsx` writes)."""
    return xlsx(sheets(language, compute(snap, policy)))


def csv(snap: Snapshot, policy: Policy, language: Language) -> bytes:
    """The ledger as one CSV file (`clubbot ledger OUT.csv`)."""
    header, rows = csv_rows(language, compute(snap, policy))
    return csv_bytes(header, rows)
