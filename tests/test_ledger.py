"""The compliance ledger against a hand-built data set: every computed rule has known compliant
and non-compliant cases, and the figures are checked one by one."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from bot.domain import compliance as ledger
from bot.domain.compliance import (
    AdvisorFact,
    ClubFact,
    FoundingFact,
    Memberships,
    OfficerFact,
    ReviewFact,
    Snapshot,
    Standing,
    StudentFact,
)
from bot.domain.deadlines import Window
from bot.domain.policy import Policy
from bot.domain.values import Category, ClubStatus, Language, Political, ReviewResult
from bot.render import ledger as ledger_files
from bot.render.workbooks import xlsx

TODAY = date(2026, 6, 1)
OLD = date(2020, 1, 1)
NEW = date(2026, 1, 1)


def club(
    pk: int,
    name: str,
    *,
    category: Category = Category.ACADEMIC,
    status: ClubStatus = ClubStatus.ACTIVE,
    founded: date = OLD,
    unit: str | None = "department",
    has_unit: bool = True,
    advisor: int | None = None,
    since: date | None = None,
    term_end: date | None = None,
    ended: date | None = None,
    meeting: date | None = None,
    event: str | None = None,
    status_since: date | None = None,
) -> ClubFact:
    return ClubFact(
        pk,
        name,
        category,
        status,
        founded,
        unit,
        has_unit,
        advisor,
        since,
        term_end,
        ended,
        meeting,
        event,
        status_since,
    )


def snapshot() -> Snapshot:
    c = [
        club(
            1, "Good", advisor=1, since=NEW, term_end=date(2026, 12, 31), meeting=date(2026, 3, 1)
        ),
        club(
            2,
            "Bad",
            category=Category.VOLUNTEER,
            unit=None,
            has_unit=False,
            advisor=2,
            since=date(2025, 1, 1),
            term_end=date(2026, 1, 31),
            meeting=date(2024, 1, 1),
        ),
        club(3, "NoAdvisor", founded=date(2025, 10, 1), unit=None, ended=date(2026, 2, 1)),
        club(4, "Banned", status=ClubStatus.BANNED, event="ban", status_since=NEW),
        club(5, "BannedQuiet", status=ClubStatus.BANNED),
        club(6, "Gone", status=ClubStatus.DISSOLVED, event="dissolve", status_since=NEW),
        club(7, "Gone2", status=ClubStatus.DISSOLVED, event="dissolve", status_since=NEW),
        club(
            8,
            "Paused",
            status=ClubStatus.SUSPENDED,
            event="suspend",
            status_since=date(2026, 3, 1),
            meeting=date(2026, 2, 1),
        ),
        club(9, "Trio A", founded=NEW, advisor=3, since=NEW, term_end=date(2027, 1, 1)),
        club(10, "Trio B", founded=NEW, advisor=3, since=NEW, term_end=date(2027, 1, 1)),
        club(
            11,
            "Trio C",
            category=Category.IDEOLOGICAL,
            founded=NEW,
            advisor=3,
            since=NEW,
            term_end=date(2027, 1, 1),
        ),
    ]
    students = {
        1: StudentFact(1, "S1", "Ann", "enrolled", 10, Political.PARTY),
        2: StudentFact(2, "S2", "Ben", "enrolled", 80, Political.LEAGUE),
        3: StudentFact(3, "S3", "Cat", "graduated", 30, Political.NONE),
        4: StudentFact(4, "S4", "Dan", "enrolled", 40, Political.NONE),
    }
    memberships = [
        (1, 1, date(2025, 9, 1)),
        (2, 2, date(2025, 9, 1)),
        (3, 6, date(2025, 9, 1)),
        (4, 1, date(2025, 9, 1)),
        (4, 2, date(2025, 9, 1)),
        (4, 3, date(2025, 10, 2)),
        (2, 5, date(2025, 9, 1)),
        (1, 8, date(2026, 4, 1)),  # joined after the club was suspended
    ]
    officers = [
        OfficerFact(1, 1, "president", date(2025, 9, 1)),
        OfficerFact(2, 2, "president", date(2025, 9, 1), election_id=5),
    ]
    advisors = [
        AdvisorFact(
            1, "T1", "One", True, (2025, True, date(2025, 12, 1)), False, date(2024, 1, 1)
        ),
        AdvisorFact(2, "T2", "Two", False, None, False, date(2025, 1, 1)),
        AdvisorFact(3, "T3", "Three", True, (2026, False, date(2026, 5, 1)), False, NEW),
        AdvisorFact(4, "T4", "Four", True, None, False, None),
    ]
    reviews = [
        ReviewFact(1, 2025, ReviewResult.PASS, date(2025, 12, 10), 77),
        ReviewFact(2, 2025, ReviewResult.FAIL, date(2025, 12, 10), 88),
    ]
    return Snapshot(
        today=TODAY,
        clubs=c,
        students=students,
        memberships=Memberships.of(students, memberships),
        officers=officers,
        advisors=advisors,
        reviews=reviews,
        review_windows=[Window(2025, date(2025, 9, 1), date(2025, 12, 31))],
        reregistration_windows=[Window(2025, date(2025, 8, 15), date(2025, 10, 1))],
        reregistered={(1, 2025)},
        reviewers=frozenset({77}),
        # Trio A, B, C were founded through applications; the other clubs were imported.
        foundings={
            9: FoundingFact(9, 1, 20, True, NEW),
            10: FoundingFact(10, 2, 19, False, NEW),  # too few sponsors, no charter
            11: FoundingFact(11, 3, 25, True, NEW),
            6: FoundingFact(6, 4, 3, False, NEW),  # dissolved: not checked any more
        },
        screened=(("Huawei", "huawei"), ("Good", "good")),
    )


# rule -> (checked, the refs that do not comply)
EXPECTED: dict[str, tuple[int, set[str]]] = {
    "REG-1": (3, {"10"}),
    "REG-2": (7, {"2", "3"}),
    "REG-3": (6, {"3"}),
    "REG-4": (3, {"10"}),
    "REG-5": (3, {"2", "8"}),
    "REG-6": (6, {"1"}),
    "REG-7": (5, {"5", "6", "8"}),
    "REG-8": (2, {"2"}),
    "REG-10": (2, {"5"}),
    "REG-11": (2, {"6"}),
    "ADV-1": (5, set()),
    "ADV-2": (2, {"2"}),
    "ADV-3": (5, {"2"}),
    "ADV-4": (3, {"T3"}),
    "ADV-5": (3, {"T2", "T3"}),
    "ORG-1": (4, {"S3"}),
    "ORG-2": (6, {"S4", "2"}),
    "ORG-3": (6, {"2"}),
    "ORG-5": (2, {"S2"}),
    "ORG-6": (2, {"2", "11"}),
    "ORG-7": (1, set()),  # Bad's president was elected; Good's was imported (no record)
}
NO_DATA = {"ORG-4", "ORG-4a", *(f"SU-{n}" for n in range(1, 15))}
# The ACT rules with no activity, account or money on record (tests/test_activity_rules.py
# checks them against data of their own; ACT-2 asks every active club for its activities and
# ACT-7 for its statement).
NO_DATA |= {f"ACT-{n}" for n in (1, 3, 4, 5, 6, 8, 9, 10, 12)}


def test_every_rule_against_the_hand_built_data() -> None:
    reports = {r.rule: r for r in ledger.compute(snapshot(), Policy())}
    assert list(reports) == list(ledger.RULES)
    for rule, (checked, failing) in EXPECTED.items():
        report = reports[rule]
        assert report.checked == checked, rule
        assert {f.ref for f in report.findings} == failing, rule
        assert report.compliant == checked - len(failing), rule
        assert report.standing is (Standing.GAPS if failing else Standing.MET), rule
    for rule in NO_DATA:
        assert reports[rule].standing is Standing.NO_DATA, rule
    assert reports["REG-9"].standing is Standing.IN_PLACE
    assert reports["ACT-11"].standing is Standing.IN_PLACE
    assert set(reports) == set(EXPECTED) | NO_DATA | {"REG-9", "ACT-2", "ACT-7", "ACT-11"}


def test_imported_clubs_count_as_no_record_not_as_failures() -> None:
    reports = {r.rule: r for r in ledger.compute(snapshot(), Policy())}
    for rule in ("REG-1", "REG-4"):
        assert reports[rule].unrecorded == 4, rule  # live clubs 1, 2, 3 and 8 were imported
    (few,) = reports["REG-1"].findings
    assert dict(few.params) == {"count": "19", "needed": "20"}
    assert reports["REG-6"].unrecorded == 0
    (screened,) = reports["REG-6"].findings
    assert dict(screened.params) == {"term": "Good"}
    lenient = {r.rule: r for r in ledger.compute(snapshot(), Policy(min_sponsors=19))}
    assert lenient["REG-1"].findings == []
    imported_only = Snapshot(**{**_fields(snapshot()), "foundings": {}})
    alone = {r.rule: r for r in ledger.compute(imported_only, Policy())}
    assert alone["REG-1"].standing is Standing.NO_DATA
    assert alone["REG-1"].unrecorded == 7


def _fields(snap: Snapshot) -> dict[str, object]:
    return {name: getattr(snap, name) for name in Snapshot.__dataclass_fields__}


def test_org_7_elected_recorded_and_imported_presidents() -> None:
    """Elected presidents comply; a founded club's president who took office without an
    election does not; imported presidents are "no record"; vice-presidents, clubs without a
    president and dissolved clubs are not cases."""
    officers = [
        OfficerFact(1, 1, "president", date(2025, 9, 1)),  # imported club, imported president
        OfficerFact(2, 2, "president", date(2025, 9, 1), election_id=5),  # imported, elected
        OfficerFact(9, 4, "president", NEW),  # founded through an application, not elected
        OfficerFact(10, 1, "president", date(2026, 3, 1), election_id=7),  # founded, elected
        OfficerFact(10, 4, "vice_president", NEW),  # not the president
        OfficerFact(6, 3, "president", NEW),  # a dissolved club
    ]
    snap = Snapshot(**{**_fields(snapshot()), "officers": officers})
    report = {r.rule: r for r in ledger.compute(snap, Policy())}["ORG-7"]
    assert report.standing is Standing.GAPS
    assert report.checked == 3
    assert report.unrecorded == 1
    (finding,) = report.findings
    assert (finding.ref, finding.since, finding.why) == ("9", NEW, "president_not_elected")
    elected_only = Snapshot(**{**_fields(snap), "officers": officers[1:2]})
    alone = {r.rule: r for r in ledger.compute(elected_only, Policy())}["ORG-7"]
    assert (alone.standing, alone.checked, alone.unrecorded) == (Standing.MET, 1, 0)
    imported_only = Snapshot(**{**_fields(snap), "officers": officers[:1]})
    none = {r.rule: r for r in ledger.compute(imported_only, Policy())}["ORG-7"]
    assert (none.standing, none.unrecorded) == (Standing.NO_DATA, 1)


def test_findings_say_since_when() -> None:
    reports = {r.rule: r for r in ledger.compute(snapshot(), Policy())}
    (no_advisor,) = reports["REG-3"].findings
    assert no_advisor.since == date(2026, 2, 1)  # the last appointment ended then
    by_ref = {f.ref: f for f in reports["REG-5"].findings}
    assert by_ref["2"].since == date(2025, 12, 10)  # failed on that day
    assert by_ref["8"].since == date(2025, 12, 31)  # missing since the round closed
    (late,) = reports["ORG-3"].findings
    assert late.since == date(2025, 1, 1)  # twelve months after the last meeting


def test_the_policy_moves_the_figures() -> None:
    strict = Policy(officer_max_rank_pct=5, max_clubs_per_advisor=3)
    reports = {r.rule: r for r in ledger.compute(snapshot(), strict)}
    assert {f.ref for f in reports["ORG-5"].findings} == {"S1", "S2"}
    assert reports["ADV-4"].findings == []


def test_the_workbook_cells() -> None:
    reports = ledger.compute(snapshot(), Policy())
    book = load_workbook(io.BytesIO(xlsx(ledger_files.sheets(Language.EN, reports))))
    assert book.sheetnames == ["Summary", "REG", "ADV", "ORG", "SU", "ACT"]
    summary = book["Summary"]
    header = [c.value for c in summary[1]]
    assert header == [
        "Rule",
        "Group",
        "What it asks",
        "Standing",
        "Checked",
        "Comply",
        "Do not comply",
        "No record",
    ]
    rows = {row[0].value: [c.value for c in row] for row in summary.iter_rows(min_row=2)}
    assert rows["REG-3"] == ["REG-3", "REG", "At least one advisor", "gaps", 6, 5, 1, None]
    assert rows["REG-1"][3:] == ["gaps", 3, 2, 1, 4]
    assert rows["ADV-1"][3:] == ["met", 5, 5, 0, None]
    assert rows["SU-1"][3:] == ["no data yet", None, None, 0, None]
    reg = book["REG"]
    found = [[c.value for c in row] for row in reg.iter_rows(min_row=2)]
    assert found[0][:4] == ["REG-1", "club", "10", "Trio B"]
    assert found[0][5] == "founded with 19 sponsors (at least 20)"
    assert found[3][:4] == ["REG-3", "club", "3", "NoAdvisor"]
    assert found[3][5] == "no advisor"
    assert sum(1 for row in found if row[0] == "REG-7") == 3
    zh = load_workbook(io.BytesIO(xlsx(ledger_files.sheets(Language.ZH, reports))))
    assert zh.sheetnames[0] == "汇总"


def test_uncovered_grades_read_as_grades_in_the_readers_list() -> None:
    """Found by the play-test: "2 个年级没有代表：2, 3"."""
    from bot.domain.compliance import Finding
    from bot.domain.values import Language
    from bot.render.ledger import why

    finding = Finding(
        "union",
        "3",
        "机械工程学院学生会",
        None,
        "unions.uncovered_grade",
        (("missing", "2, 3"), ("count", "2")),
    )
    assert why(Language.ZH, finding) == "2 个年级没有代表：2年级、3年级"
    assert why(Language.EN, finding) == "no representative of 2 grades: year 2, year 3"
