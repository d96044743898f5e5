"""The self-examination report seed 003 asks for (issue 17, item 6), drafted from live data.

`build` turns the ledger's snapshot into the notice's six sections (basic situation; the rules
the university issued; main practices; problems, one per non-compliant row of the work ledger;
next steps, from its planned dates and owners; suggestions, left for a person) and the national
evaluation form's table. Every figure states its time: a current one "as of" the snapshot, a
count of events the period it covers. `docx` lays it out as Chinese official documents are
(GB/T 9704: A4, margins 37/35/28/26 mm, 方正小标宋 title in 二号, 仿宋 body in 三号, 黑体 and 楷体
headings, page numbers "— 1 —"). Pure functions: the front end runs `docx` in a worker thread.
"""

from __future__ import annotations

import html
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.chat.i18n import joined, tr
from bot.chat.text import without_full_stop
from bot.domain import annex
from bot.domain.calendar import add_months
from bot.domain.compliance import RuleReport, Snapshot, Standing, compute, rule_key, rule_terms
from bot.domain.policy import Policy
from bot.domain.unions import (
    CongressFact,
    EventKind,
    ItemStatus,
    Regulation,
    Season,
    UnionLevel,
)
from bot.domain.values import ClubStatus, Language, ReviewResult

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# A problem names at most this many units; the rest are counted.
UNITS_NAMED = 3
# The union rules the national evaluation form asks about, in its order.
FORM_RULES = tuple(f"SU-{n}" for n in range(1, 15))
CHINESE_NUMBERS = "一二三四五六七八九十"
# What counts as one towards the limit: a CJK character or full-width mark, or a run of others.
_WIDE = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
COUNTED = re.compile(f"[{_WIDE}]|[^\\s{_WIDE}]+")


class Style(StrEnum):
    TITLE = "title"  # 方正小标宋, 二号, centred
    SUBTITLE = "subtitle"  # 楷体, 三号, centred: the data's time and the period
    H1 = "h1"  # 黑体, 三号: 一、
    BODY = "body"  # 仿宋, 三号, first line indented two characters; `lead` in 楷体: （一）
    DATE = "date"  # 仿宋, 三号, right-aligned


@dataclass(frozen=True, slots=True)
class Para:
    style: Style
    text: str
    lead: str = ""  # a level-2 heading that opens the paragraph (楷体), as official texts run one


@dataclass(frozen=True, slots=True)
class FormRow:
    number: int
    rule: str
    requirement: str
    met: bool | None  # None: no record decides it
    remark: str


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date

    @classmethod
    def ending(cls, end: date, start: date | None = None) -> Period:
        """The period to `end`; a year long unless a start is given."""
        return cls(start or add_months(end, -12) + timedelta(days=1), end)


@dataclass(frozen=True, slots=True)
class Report:
    language: Language
    paragraphs: list[Para]
    form_title: str
    form_header: tuple[str, str, str, str]
    form: list[FormRow]
    limit: int
    sections: list[str] = field(default_factory=list)  # the level-1 headings, in order
    yes_no: tuple[str, str] = ("是", "否")  # the form's two boxes, in the report's language

    @property
    def chars(self) -> int:
        """The 字数 counted against the limit, as Word counts it: each Chinese character or
        full-width mark one, each run of other characters (a number, an English word) one; over
        the report's text (title, headings, body; not the form's table, an attachment)."""
        return sum(len(COUNTED.findall(p.lead + p.text)) for p in self.paragraphs)

    @property
    def excess(self) -> int:
        return max(0, self.chars - self.limit)

    def text(self) -> str:
        """The report as plain text, a paragraph a line (what the README shows)."""
        return "\n".join(p.lead + p.text for p in self.paragraphs)


def day(language: Language, d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if language is Language.ZH else d.isoformat()


def moment(language: Language, at: datetime) -> str:
    return f"{day(language, at.date())} {at:%H:%M}"


def _ordinal(n: int, language: Language = Language.ZH) -> str:
    """1 -> （一）, as official texts number level-2 headings (up to 99); (1) in English."""
    if language is not Language.ZH:
        return f"({n}) "
    if n <= 10:
        word = CHINESE_NUMBERS[n - 1]
    else:
        tens, ones = divmod(n, 10)
        word = ("" if tens == 1 else CHINESE_NUMBERS[tens - 1]) + "十"
        word += CHINESE_NUMBERS[ones - 1] if ones else ""
    return f"（{word}）"


def has_data(snap: Snapshot, period: Period) -> bool:
    """Whether anything is on record for the period: a club or a union post that existed by its
    end, or a congress, appraisal, training or governance event within it."""
    u = snap.unions
    inside = [
        *(c.held_on for c in u.congresses),
        *(a.appraised_on for a in u.appraisals),
        *(t.held_on for t in u.trainings),
        *(e.held_on for e in u.events),
    ]
    return (
        any(c.founded <= period.end for c in snap.clubs)
        or any(p.term_start <= period.end for p in u.posts)
        or any(period.start <= d <= period.end for d in inside)
    )


def status_counts(rows: list[annex.LedgerRow]) -> Counter[ItemStatus]:
    """How many annex items stand at each status (the work ledger's own figures)."""
    return Counter(r.status for r in rows)


def problem_rows(rows: list[annex.LedgerRow]) -> list[annex.LedgerRow]:
    """The work ledger's rows the records find not (fully) in place: the report's problems."""
    return [r for r in rows if r.status in (ItemStatus.PARTIAL, ItemStatus.NOT_DONE)]


class _Writer:
    def __init__(
        self,
        snap: Snapshot,
        policy: Policy,
        language: Language,
        period: Period,
        as_of: datetime,
    ) -> None:
        self.snap, self.policy, self.language, self.period = snap, policy, language, period
        self.as_of = moment(language, as_of)
        self.start, self.end = day(language, period.start), day(language, period.end)
        self.reports = compute(snap, policy)
        self.by_rule = {r.rule: r for r in self.reports}
        self.rows = annex.rows(self.reports, snap.unions.plans)
        self.paragraphs: list[Para] = []
        self.sections: list[str] = []

    def t(self, key: str, **params: object) -> str:
        return html.unescape(tr(self.language, f"report.{key}", **params))

    def add(self, style: Style, text: str, lead: str = "") -> None:
        # A figure or a typed answer that ends a sentence brings its own full stop.
        for doubled, single in (("。。", "。"), ("..", ".")):
            text = text.replace(doubled, single)
        self.paragraphs.append(Para(style, text, lead))

    def h1(self, key: str) -> None:
        heading = self.t(key)
        self.sections.append(heading)
        self.add(Style.H1, heading)

    def within(self, d: date) -> bool:
        return self.period.start <= d <= self.period.end

    # --- 一、基本情况 ------------------------------------------------------------------------

    def basic(self) -> None:
        self.h1("h1_basic")
        u = self.snap.unions
        school = [x for x in u.unions if x.level is UnionLevel.SCHOOL]
        colleges = [x for x in u.unions if x.level is UnionLevel.COLLEGE]
        if u.unions:
            text = self.t(
                "unions_basic",
                as_of=self.as_of,
                school=len(school),
                college=len(colleges),
                staff=len(u.posts),
                presidium=sum(1 for p in u.posts if p.presidium),
                departments=sum(1 for d in u.departments if d.union_id in {x.id for x in school}),
            )
        else:
            text = self.t("unions_none", as_of=self.as_of)
        self.add(Style.BODY, text, self.t("h2_unions"))
        live = [c for c in self.snap.clubs if c.status is ClubStatus.ACTIVE]
        if self.snap.clubs:
            live_ids = {c.id for c in live}
            text = self.t(
                "clubs_basic",
                as_of=self.as_of,
                clubs=len(live),
                suspended=sum(1 for c in self.snap.clubs if c.status is ClubStatus.SUSPENDED),
                members=sum(self.snap.memberships.count(club) for club in live_ids),
                advisors=len({c.advisor_pk for c in live if c.advisor_pk is not None}),
            )
        else:
            text = self.t("clubs_none", as_of=self.as_of)
        self.add(Style.BODY, text, self.t("h2_clubs"))
        counts = status_counts(self.rows)
        self.add(
            Style.BODY,
            self.t(
                "ledger_basic",
                as_of=self.as_of,
                items=len(self.rows),
                done=counts[ItemStatus.DONE],
                partial=counts[ItemStatus.PARTIAL],
                not_done=counts[ItemStatus.NOT_DONE],
                not_applicable=counts[ItemStatus.NOT_APPLICABLE],
                unreported=counts[ItemStatus.UNREPORTED],
            ),
            self.t("h2_ledger"),
        )

    # --- 二、改革实施细则出台情况 --------------------------------------------------------------

    def regulations(self, issued: list[Regulation]) -> None:
        self.h1("h1_rules")
        if not issued:
            self.add(Style.BODY, self.t("rules_none", as_of=self.as_of))
            return
        self.add(Style.BODY, self.t("rules_intro", as_of=self.as_of, count=len(issued)))
        for n, r in enumerate(issued, start=1):
            title = r.title.strip("《》")
            key = "rule_numbered" if r.number else "rule"
            self.add(
                Style.BODY,
                self.t(
                    key,
                    n=n,
                    title=title,
                    number=r.number or "",
                    date=day(self.language, r.issued_on),
                ),
            )

    # --- 三、主要经验和做法 --------------------------------------------------------------------

    def practices(self) -> None:
        self.h1("h1_practices")
        u = self.snap.unions
        held: list[CongressFact] = [c for c in u.congresses if self.within(c.held_on)]
        appraised = [a for a in u.appraisals if self.within(a.appraised_on)]
        trained = [t for t in u.trainings if self.within(t.held_on)]
        events = Counter(e.kind for e in u.events if self.within(e.held_on))
        self.add(
            Style.BODY,
            self.t(
                "congress",
                start=self.start,
                end=self.end,
                count=len(held),
                representatives=sum(c.representatives for c in held),
                present=sum(c.present for c in held),
                seats=sum(c.seats for c in held),
                candidates=sum(c.candidates for c in held),
            )
            + self.t(
                "appraisals",
                count=len(appraised),
                awards=sum(1 for a in appraised if a.used_for_awards),
            ),
            _ordinal(1, self.language) + self.t("h2_congress"),
        )
        self.add(
            Style.BODY,
            self.t(
                "trainings",
                start=self.start,
                end=self.end,
                count=len(trained),
                spring=sum(1 for t in trained if t.season is Season.SPRING),
                autumn=sum(1 for t in trained if t.season is Season.AUTUMN),
                attendees=sum(t.attendees for t in trained),
            )
            + self.t(
                "governance",
                hearings=events[EventKind.PARTY_HEARING],
                reports=events[EventKind.MAJOR_MATTER_REPORT],
                cases=events[EventKind.DISCIPLINE_CASE],
                published=events[EventKind.SELF_EVALUATION],
            ),
            _ordinal(2, self.language) + self.t("h2_leadership"),
        )
        school = {x.id for x in u.unions if x.level is UnionLevel.SCHOOL}
        staff = [p for p in u.posts if p.union_id in school]
        came = sum(1 for p in staff if p.from_college_union)
        reviews = [r for r in self.snap.reviews if self.within(r.decided_on)]
        live = [c for c in self.snap.clubs if c.status is ClubStatus.ACTIVE]
        branches = sum(1 for c in live if self.snap.unions.branches.get(c.id))
        self.add(
            Style.BODY,
            self.t(
                "selection",
                as_of=self.as_of,
                staff=len(staff),
                came=came,
                pct=round(100 * came / len(staff)) if staff else 0,
            )
            + self.t(
                "clubs_practice",
                start=self.start,
                end=self.end,
                reviewed=len(reviews),
                passed=sum(1 for r in reviews if r.result is ReviewResult.PASS),
                as_of=self.as_of,
                advised=sum(1 for c in live if c.advisor_pk is not None),
                clubs=len(live),
                branches=branches,
            ),
            _ordinal(3, self.language) + self.t("h2_selection"),
        )

    # --- 四、存在的问题和困难 ------------------------------------------------------------------

    def figures(self, row: annex.LedgerRow) -> str:
        """A row's measured values, rule by rule, as the ledger counts them."""
        measured = [
            r
            for r in (self.by_rule.get(rule) for rule in row.item.rules)
            if r is not None and r.standing in (Standing.MET, Standing.GAPS)
        ]
        # One rule: its title opens the paragraph already.
        if len(measured) == 1:
            (r,) = measured
            return self.t("measured_one", checked=r.checked, compliant=r.compliant)
        return self.t("list_separator").join(
            self.t("measured", rule=self.rule_title(r), checked=r.checked, compliant=r.compliant)
            for r in measured
        )

    def rule_title(self, r: RuleReport) -> str:
        terms = dict(rule_terms(self.policy))
        return html.unescape(tr(self.language, f"ledger.rule.{rule_key(r.rule)}", **terms))

    def units(self, row: annex.LedgerRow) -> str:
        """The units not in place: unions and clubs by name; people only counted (the report
        leaves the building: no student's name in it)."""
        findings = [f for rule in row.item.rules for f in self.by_rule[rule].findings]
        named = list(dict.fromkeys(f.name for f in findings if f.kind in ("union", "club")))
        people = len({f.ref for f in findings if f.kind not in ("union", "club")})
        parts = []
        if named:
            shown = joined(self.language, named[:UNITS_NAMED])
            more = len(named) - UNITS_NAMED
            parts.append(
                self.t("units_more", names=shown, count=len(named))
                if more > 0
                else self.t("units", names=shown)
            )
        if people:
            parts.append(self.t("people", count=people))
        return "".join(parts)

    def problems(self) -> None:
        self.h1("h1_problems")
        found = problem_rows(self.rows)
        if not found:
            self.add(Style.BODY, self.t("problems_none", as_of=self.as_of))
            return
        self.add(Style.BODY, self.t("problems_intro", as_of=self.as_of, count=len(found)))
        for n, row in enumerate(found, start=1):
            titles = joined(
                self.language,
                dict.fromkeys(self.rule_title(self.by_rule[r]) for r in row.item.rules),
            )
            since = self.t("since", date=day(self.language, row.since)) if row.since else ""
            self.add(
                Style.BODY,
                self.t(
                    "problem",
                    number=row.item.number,
                    status=self.t(f"status_{row.status.value}"),
                    figures=self.figures(row),
                    units=self.units(row),
                    since=since,
                ),
                _ordinal(n, self.language) + titles + self.t("lead_end"),
            )

    # --- 五、下一步工作计划 --------------------------------------------------------------------

    def next_steps(self) -> None:
        self.h1("h1_next")
        open_rows = [r for r in self.rows if r.status not in annex.IN_PLACE]
        planned = sorted(
            (r for r in open_rows if r.plan.planned_on is not None),
            key=lambda r: (r.plan.planned_on or date.max, r.item.key),
        )
        for n, row in enumerate(planned, start=1):
            assert row.plan.planned_on is not None
            self.add(
                Style.BODY,
                self.t(
                    "step",
                    date=day(self.language, row.plan.planned_on),
                    owner=row.plan.owner or self.t("no_owner"),
                    number=row.item.number,
                    obstacle=without_full_stop(row.plan.obstacle or self.t("no_obstacle")),
                ),
                _ordinal(n, self.language),
            )
        missing = [r.item.number for r in open_rows if r.incomplete]
        if missing:
            self.add(
                Style.BODY,
                self.t("steps_missing", as_of=self.as_of, count=len(missing)),
            )
        if not planned and not missing:
            self.add(Style.BODY, self.t("steps_none"))

    # --- 六、专项工作改进建议 ------------------------------------------------------------------

    def suggestions(self) -> None:
        self.h1("h1_suggestions")
        # Left for a person: an empty paragraph in the body's style, to type into.
        self.add(Style.BODY, "")

    # --- the national evaluation form ----------------------------------------------------------

    def form(self) -> list[FormRow]:
        out = []
        for n, rule in enumerate(FORM_RULES, start=1):
            r = self.by_rule.get(rule)
            met = None
            if r is not None and r.standing in (Standing.MET, Standing.GAPS):
                met = r.standing is Standing.MET
            out.append(
                FormRow(
                    n,
                    rule,
                    self.t(f"form.{rule_key(rule)}", **self.form_terms()),
                    met,
                    self.remark(rule, r),
                )
            )
        return out

    def form_terms(self) -> dict[str, object]:
        p = self.policy
        return {
            "school": p.su_school_staff,
            "school_large": p.su_school_staff_large,
            "presidium": p.su_school_presidium,
            "departments": p.su_departments,
            "college_low": p.su_college_staff_min,
            "college_high": p.su_college_staff,
            "college_presidium": p.su_college_presidium,
            "rank_pct": p.su_major_rank_pct,
            "from_college_pct": p.su_from_college_pct,
            "non_officer_pct": p.su_non_officer_pct,
        }

    def remark(self, rule: str, r: RuleReport | None) -> str:
        """The measured value the form asks for ("实有31人")."""
        if r is None or r.standing is Standing.NO_DATA:
            return self.t("remark_none")
        u = self.snap.unions
        staff = Counter(p.union_id for p in u.posts)
        presidium = Counter(p.union_id for p in u.posts if p.presidium)
        school = [x for x in u.unions if x.level is UnionLevel.SCHOOL]
        colleges = [x for x in u.unions if x.level is UnionLevel.COLLEGE]
        each = self.t("list_separator")
        match rule:
            case "SU-1":
                return each.join(
                    self.t("remark_staff", name=x.name, count=staff[x.id]) for x in school
                )
            case "SU-2":
                return each.join(
                    self.t(
                        "remark_presidium",
                        name=x.name,
                        count=presidium[x.id],
                        departments=sum(1 for d in u.departments if d.union_id == x.id),
                    )
                    for x in school
                )
            case "SU-3":
                sizes = [staff[x.id] for x in colleges]
                return self.t(
                    "remark_colleges",
                    unions=len(colleges),
                    low=min(sizes),
                    high=max(sizes),
                    presidium=max(presidium[x.id] for x in colleges),
                )
            case "SU-6":
                return each.join(
                    self.t(
                        "remark_from_college",
                        name=x.name,
                        pct=self._from_college_pct(x.id),
                    )
                    for x in school
                )
            case "SU-7":
                return self.t(
                    "remark_congresses",
                    count=sum(1 for c in u.congresses if self.within(c.held_on)),
                )
            case "SU-12":
                return self.t(
                    "remark_trainings",
                    count=sum(1 for t in u.trainings if self.within(t.held_on)),
                )
            case "SU-13":
                return self.t(
                    "remark_hearings",
                    count=sum(
                        1
                        for e in u.events
                        if e.kind is EventKind.PARTY_HEARING and self.within(e.held_on)
                    ),
                )
            case "SU-14":
                return self.t(
                    "remark_published",
                    count=sum(
                        1
                        for e in u.events
                        if e.kind is EventKind.SELF_EVALUATION and self.within(e.held_on)
                    ),
                )
        return self.t("remark_checked", checked=r.checked, failing=r.failing)

    def _from_college_pct(self, union_id: int) -> int:
        posts = [p for p in self.snap.unions.posts if p.union_id == union_id]
        came = sum(1 for p in posts if p.from_college_union)
        return round(100 * came / len(posts)) if posts else 0


def build(
    snap: Snapshot,
    policy: Policy,
    language: Language,
    issued: list[Regulation],
    period: Period,
    as_of: datetime,
) -> Report | None:
    """The report of the period, its figures as of `as_of` (local time); None when nothing is
    on record for the period."""
    if not has_data(snap, period):
        return None
    w = _Writer(snap, policy, language, period, as_of)
    w.add(Style.TITLE, w.t("title"))
    w.add(Style.SUBTITLE, w.t("subtitle", as_of=w.as_of, start=w.start, end=w.end))
    w.basic()
    w.regulations(issued)
    w.practices()
    w.problems()
    w.next_steps()
    w.suggestions()
    w.add(Style.DATE, day(language, as_of.date()))
    header = (w.t("form_number"), w.t("form_item"), w.t("form_answer"), w.t("form_remark"))
    return Report(
        language,
        w.paragraphs,
        w.t("form_title", as_of=w.as_of),
        header,
        w.form(),
        policy.report_max_chars,
        w.sections,
        (w.t("form_yes"), w.t("form_no")),
    )


# --- the document ------------------------------------------------------------------------------

# GB/T 9704-2012: A4, margins (mm): top 37, bottom 35, left 28, right 26; 二号 22 pt, 三号 16 pt,
# 四号 14 pt; 22 lines a page (28.95 pt apart).
MARGINS_MM = (37, 35, 28, 26)
SIZE_2, SIZE_3, SIZE_4 = 22, 16, 14
LINE_PT = 28.95
FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_H1 = "黑体"
FONT_H2 = "楷体_GB2312"
FONT_PAGE = "宋体"
FONT_LATIN = "Times New Roman"


def answer(met: bool | None, yes_no: tuple[str, str] = ("是", "否")) -> str:
    """The form's boxes, the one that applies ticked (neither when nothing is known)."""
    yes, no = yes_no
    ticked = ("☑" if met else "□", "☑" if met is False else "□")
    return f"{ticked[0]}{yes} {ticked[1]}{no}"


def docx(report: Report) -> bytes:
    """The report as a Word document (python-docx), imported here: only a report needs it."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt
    from docx.text.run import Run

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    top, bottom, left, right = MARGINS_MM
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)

    def font(run: Run, name: str, size: int, bold: bool = False) -> None:
        run.font.name = FONT_LATIN
        run.font.size = Pt(size)
        run.font.bold = bold
        fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), name)

    normal = document.styles["Normal"]
    normal.font.name = FONT_LATIN
    normal.font.size = Pt(SIZE_3)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT_BODY)

    faces = {
        Style.TITLE: (FONT_TITLE, SIZE_2),
        Style.SUBTITLE: (FONT_H2, SIZE_3),
        Style.H1: (FONT_H1, SIZE_3),
        Style.BODY: (FONT_BODY, SIZE_3),
        Style.DATE: (FONT_BODY, SIZE_3),
    }
    for p in report.paragraphs:
        para = document.add_paragraph()
        fmt = para.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(LINE_PT)
        fmt.space_before = fmt.space_after = Pt(0)
        if p.style in (Style.TITLE, Style.SUBTITLE):
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif p.style is Style.DATE:
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            fmt.right_indent = Pt(SIZE_3 * 4)
        else:
            fmt.first_line_indent = Pt(SIZE_3 * 2)
        if p.style is Style.TITLE:
            fmt.line_spacing = Pt(LINE_PT * 1.2)
            fmt.space_after = Pt(LINE_PT)
        name, size = faces[p.style]
        if p.lead:
            font(para.add_run(p.lead), FONT_H2, SIZE_3)
        font(para.add_run(p.text), name, size)

    # The evaluation form, on a page of its own.
    breaker = document.add_paragraph()
    breaker.add_run().add_break(WD_BREAK.PAGE)
    heading = document.add_paragraph()
    font(heading.add_run(report.form_title), FONT_H1, SIZE_3)
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Mm(12), Mm(90), Mm(28), Mm(26))
    for cell, text, width in zip(table.rows[0].cells, report.form_header, widths, strict=True):
        cell.width = width
        font(cell.paragraphs[0].add_run(text), FONT_H1, SIZE_4 - 2)
    for row in report.form:
        cells = table.add_row().cells
        values = (str(row.number), row.requirement, answer(row.met, report.yes_no), row.remark)
        for cell, text, width in zip(cells, values, widths, strict=True):
            cell.width = width
            font(cell.paragraphs[0].add_run(text), FONT_BODY, SIZE_4 - 2)

    # Page numbers: "— N —" in 宋体 四号 at the foot of every page (a PAGE field).
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    font(footer.add_run("— "), FONT_PAGE, SIZE_4)
    number = footer.add_run()
    font(number, FONT_PAGE, SIZE_4)
    for kind, code in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            number._element.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = str(code)
            number._element.append(instr)
    font(footer.add_run(" —"), FONT_PAGE, SIZE_4)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
