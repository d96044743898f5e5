"""The demo university's student unions (issue 17, item 8): a school-level union and two
college-level ones with realistic figures, the Mechanical Engineering union over SU-3's cap, a
congress, appraisals, trainings and a Party committee hearing; loaded through the same imports
staff use (`clubbot import unions|congress|union-posts|…`), so `/report` and `/ledger export`
have something to say. Dates are relative to the day the demo is seeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.policy import Policy
from bot.domain.values import Language, StudentStatus
from bot.render.workbooks import csv_bytes
from bot.services import regulations, roster
from bot.services import unions as union_imports
from playground.demo import CLUBS, COLLEGES, STUDENTS, class_named, named
from storage.tx import Tx

# Family and given names, with their pinyin, from which the union staff's names are made.
FAMILIES = (
    ("张", "Zhang"),
    ("王", "Wang"),
    ("李", "Li"),
    ("赵", "Zhao"),
    ("陈", "Chen"),
    ("刘", "Liu"),
    ("杨", "Yang"),
    ("黄", "Huang"),
    ("吴", "Wu"),
    ("周", "Zhou"),
    ("徐", "Xu"),
    ("孙", "Sun"),
)
GIVEN = (
    ("子豪", "Zihao"),
    ("欣怡", "Xinyi"),
    ("浩宇", "Haoyu"),
    ("雨桐", "Yutong"),
    ("俊杰", "Junjie"),
    ("思琪", "Siqi"),
    ("宇航", "Yuhang"),
    ("佳慧", "Jiahui"),
    ("天佑", "Tianyou"),
)
MAJORS = {"CS": "计算机科学与技术", "ME": "机械设计制造及其自动化", "EM": "会计学", "FL": "英语"}
MAJORS_EN = {
    "CS": "Computer Science",
    "ME": "Mechanical Engineering",
    "EM": "Accounting",
    "FL": "English",
}


@dataclass(frozen=True, slots=True)
class DemoUnion:
    name: str
    name_zh: str
    level: str  # school | college
    college: str | None  # a COLLEGES key
    population: int
    presidium: int
    departments: tuple[tuple[str, str], ...]  # (English, Chinese) names
    heads: int  # per department
    staff: int  # per department, besides its heads
    colleges: tuple[str, ...]  # where its people study


SCHOOL = DemoUnion(
    "University Student Union",
    "校学生会",
    "school",
    None,
    16000,
    4,
    (
        ("Office", "办公室"),
        ("Study Department", "学习部"),
        ("Culture and Sports Department", "文体部"),
        ("Rights Department", "权益部"),
        ("Media Department", "宣传部"),
    ),
    2,
    4,
    ("CS", "ME", "EM", "FL"),
)
CS_UNION = DemoUnion(
    "Computer Science Student Union",
    "计算机学院学生会",
    "college",
    "CS",
    2400,
    3,
    (("Office", "办公室"), ("Study Department", "学习部"), ("Activities Department", "活动部")),
    2,
    6,
    ("CS",),
)
# Over SU-3's cap of 30: 3 + 4 × (2 + 6) = 35 in post.
ME_UNION = DemoUnion(
    "Mechanical Engineering Student Union",
    "机械工程学院学生会",
    "college",
    "ME",
    1900,
    3,
    (
        ("Office", "办公室"),
        ("Study Department", "学习部"),
        ("Activities Department", "活动部"),
        ("Practice Department", "实践部"),
    ),
    2,
    6,
    ("ME",),
)
UNIONS = (SCHOOL, CS_UNION, ME_UNION)
PRESIDIUM = ("president", "vice_president", "vice_president", "vice_president")
REGULATIONS = (
    ("学生会深化改革实施细则", date(2020, 6, 15), "校党发〔2020〕12号"),
    ("学生社团管理办法", date(2020, 9, 1), "校党发〔2020〕21号"),
    ("学生会工作人员遴选办法", date(2021, 3, 10), "校团发〔2021〕3号"),
)


def size(u: DemoUnion) -> int:
    return u.presidium + len(u.departments) * (u.heads + u.staff)


@dataclass(frozen=True, slots=True)
class Member:
    student_id: str
    union: DemoUnion
    position: str
    department: tuple[str, str] | None
    college: str
    index: int


def members() -> list[Member]:
    """Every post of the three unions, each held by a student of its own."""
    out = []
    n = 0
    for u in UNIONS:
        posts: list[tuple[str, tuple[str, str] | None]] = [
            (PRESIDIUM[i], None) for i in range(u.presidium)
        ]
        for d in u.departments:
            posts += [("head", d)] * u.heads + [("staff", d)] * u.staff
        for position, department in posts:
            college = u.colleges[n % len(u.colleges)]
            n += 1
            members_id = f"2023{list(COLLEGES).index(college) + 1:02d}9{n:03d}"
            out.append(Member(members_id, u, position, department, college, n))
    return out


def _name(n: int, language: Language) -> str:
    family, given = FAMILIES[n % len(FAMILIES)], GIVEN[(n // len(FAMILIES)) % len(GIVEN)]
    return family[0] + given[0] if language is Language.ZH else f"{family[1]} {given[1]}"


def students_csv(language: Language) -> bytes:
    """The union staff's roster rows, with SU-5's eligibility columns: most qualify; a few rank
    below the top 30% of their major or failed a course (as a real roster would show)."""
    rows: list[list[str | int]] = []
    for m in members():
        grade = 2 + m.index % 2  # second- and third-year students
        rank = 5 + (m.index * 7) % 25  # within the top 30%
        failed = 0
        if m.index % 23 == 0:
            rank = 45
        if m.index % 31 == 0:
            failed = 1
        political = "party" if m.position in PRESIDIUM else "league"
        major = MAJORS[m.college] if language is Language.ZH else MAJORS_EN[m.college]
        rows.append(
            [
                m.student_id,
                _name(m.index, language),
                named(COLLEGES[m.college], language),
                class_named(f"{m.college} 23{1 + m.index % 2:02d}", language),
                "enrolled",
                "no",
                rank,
                political,
                major,
                grade,
                "undergrad",
                rank,
                "year",
                failed,
            ]
        )
    return csv_bytes(roster.STUDENT_HEADER + roster.ELIGIBILITY_COLUMNS, rows)


def _union_name(u: DemoUnion, language: Language) -> str:
    return u.name_zh if language is Language.ZH else u.name


def unions_csv(language: Language) -> bytes:
    header = union_imports.UNION_HEADER + union_imports.UNION_EXTRAS
    rows = [
        [
            _union_name(u, language),
            "student",
            u.level,
            named(COLLEGES[u.college], language) if u.college else "",
            u.population,
            "no",
            "",
            "团委副书记" if u.level == "school" else "",
            "团委教师" if u.level == "school" else "",
        ]
        for u in UNIONS
    ]
    return csv_bytes(header, rows)


def congress_day(today: date, u: DemoUnion) -> date:
    # The Mechanical Engineering union last met 14 months ago (SU-7 shows it overdue).
    return today - timedelta(days=430 if u is ME_UNION else 75 + 5 * UNIONS.index(u))


def congress_csv(today: date, language: Language) -> bytes:
    rows: list[list[str | int]] = []
    for u in UNIONS:
        representatives = max(u.population // 100 + 2, 20)
        rows.append(
            [
                _union_name(u, language),
                "congress",
                congress_day(today, u).isoformat(),
                representatives,
                representatives - 6,
                u.presidium,
                u.presidium + 2,
            ]
        )
    return csv_bytes(union_imports.CONGRESS_HEADER, rows)


POST_HEADER = (
    *union_imports.POST_HEADER,
    "from_college_union",
    "recommended_by",
    "recommended_on",
    "party_consent_on",
    "joint_review_on",
    "decided_by",
    "decided_on",
    "congress",
)


def posts_csv(today: date, language: Language) -> bytes:
    rows = []
    for m in members():
        held = congress_day(today, m.union)
        presidium = m.department is None
        trail = ["", "", "", "", "", ""]
        if presidium:
            trail = [
                "院团委",
                (held - timedelta(days=40)).isoformat(),
                (held - timedelta(days=30)).isoformat(),
                (held - timedelta(days=20)).isoformat(),
                "校党委",
                (held - timedelta(days=10)).isoformat(),
            ]
        department = m.department[1 if language is Language.ZH else 0] if m.department else ""
        rows.append(
            [
                _union_name(m.union, language),
                m.student_id,
                m.position,
                department,
                (held + timedelta(days=7)).isoformat(),
                # Most of the school union's staff served in a college union first (SU-6).
                "yes" if m.union is SCHOOL and m.index % 3 != 0 else "no",
                *trail,
                held.isoformat() if presidium else "",
            ]
        )
    return csv_bytes(POST_HEADER, rows)


def representatives_csv(today: date, language: Language) -> bytes:
    """Who sat in the school and Computer Science congresses: students of every college, grade,
    major and club (most of them holding no union post, SU-11), and union staff of each
    college and grade."""
    rows = []
    for u in (SCHOOL, CS_UNION):
        held = congress_day(today, u).isoformat()
        name = _union_name(u, language)
        seen: set[tuple[str, int]] = set()
        for m in members():
            key = (m.college, 2 + m.index % 2)
            if m.college in u.colleges and key not in seen:
                seen.add(key)
                rows.append([name, held, m.student_id, "", "yes"])
        prefixes = {c: k for k, c in COLLEGES.items()}
        others = [
            s
            for s in STUDENTS
            if s.status is StudentStatus.ENROLLED and prefixes[s.college] in u.colleges
        ]
        clubs = {m: c for c in CLUBS for m in (c.president, *c.members)}
        for s in others[: 3 * len(seen)]:
            club = clubs.get(s.student_id)
            rows.append(
                [name, held, s.student_id, named(club.name, language) if club else "", "no"]
            )
    return csv_bytes(union_imports.REPRESENTATIVE_HEADER, rows)


def appraisals_csv(today: date, language: Language) -> bytes:
    rows = [
        [
            _union_name(m.union, language),
            m.student_id,
            (today - timedelta(days=20)).isoformat(),
            ("excellent", "good", "good", "pass")[m.index % 4],
            "yes",
        ]
        for m in members()
        if m.position != "staff" and m.union is not ME_UNION
    ]
    return csv_bytes(union_imports.APPRAISAL_HEADER, rows)


def trainings_csv(today: date, language: Language) -> bytes:
    autumn, spring = today - timedelta(days=60), today - timedelta(days=240)
    rows: list[list[str | int]] = []
    for u in UNIONS:
        rows.append([_union_name(u, language), "autumn", autumn.isoformat(), size(u)])
        # The Mechanical Engineering union trained only in the autumn (SU-12).
        if u is not ME_UNION:
            rows.append([_union_name(u, language), "spring", spring.isoformat(), size(u)])
    return csv_bytes(union_imports.TRAINING_HEADER, rows)


def events_csv(today: date, language: Language) -> bytes:
    school = _union_name(SCHOOL, language)
    rows = [
        [school, "party_hearing", (today - timedelta(days=40)).isoformat(), "学期工作汇报"],
        [school, "major_matter_report", (today - timedelta(days=50)).isoformat(), "迎新晚会"],
        ["", "self_evaluation", (today - timedelta(days=100)).isoformat(), "学校官网公开"],
    ]
    return csv_bytes(union_imports.EVENT_HEADER, rows)


def plans_csv(today: date) -> bytes:
    """Staff's plans for two items the records find out of place (the report's next steps)."""
    rows = [
        [
            "1.3.3",
            "",
            (today + timedelta(days=120)).isoformat(),
            "机械工程学院学生会需随换届精简至30人以内",
            "机械工程学院团委",
            "精简方案",
        ],
        [
            "1.6.3",
            "",
            (today + timedelta(days=60)).isoformat(),
            "学生代表大会需与换届同步召开",
            "机械工程学院团委",
            "",
        ],
    ]
    return csv_bytes(union_imports.PLAN_HEADER, rows)


def regulations_csv() -> bytes:
    rows = [[title, day.isoformat(), number] for title, day, number in REGULATIONS]
    return csv_bytes(regulations.HEADER, rows)


async def seed(tx: Tx, now: datetime, today: date, policy: Policy, language: Language) -> None:
    """Load the unions, file by file, as staff would with `clubbot import`."""
    await roster.import_students(tx, now, students_csv(language))
    await union_imports.import_unions(tx, now, unions_csv(language))
    await union_imports.import_congresses(tx, now, congress_csv(today, language), today)
    # The Mechanical Engineering union is over its cap: recorded as it is, with a warning.
    await union_imports.import_posts(tx, now, posts_csv(today, language), policy=policy)
    await union_imports.import_representatives(tx, now, representatives_csv(today, language))
    await union_imports.import_appraisals(tx, now, appraisals_csv(today, language), today)
    await union_imports.import_trainings(tx, now, trainings_csv(today, language), today)
    await union_imports.import_events(tx, now, events_csv(today, language), today)
    await regulations.import_regulations(tx, now, regulations_csv(), today)
    await union_imports.import_plans(tx, now, plans_csv(today))
