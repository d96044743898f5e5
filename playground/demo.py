"""The demo university the playground starts with: colleges, classes, students, clubs, staff.

Plain data, loaded through the same roster, unit and club imports staff use and the same join rule
students meet. Each club has a president (its officer, ORG-5/ORG-6) and an advisor from the
advisor bank (ADV-2/ADV-4), and a recent general meeting and annual review, so nothing is overdue
on the first day; one club's general meeting falls due within a month, to show a reminder.
Every party of a new club's application is there too: the guidance units (REG-2) with their
kinds and a representative, an advisor free to accept a party-led club, and a reviewer (REG-8).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.calendar import Calendar
from bot.domain.policy import Policy
from bot.domain.values import (
    Category,
    DomainError,
    Language,
    Political,
    Role,
    StudentStatus,
    UnitKind,
    name_key,
)
from bot.render.workbooks import csv_bytes
from bot.services import memberships, roster
from storage import clubs, people, units
from storage.db import Database
from storage.tx import Tx

COLLEGES = {
    "CS": "College of Computer Science",
    "ME": "School of Mechanical Engineering",
    "EM": "School of Economics and Management",
    "FL": "School of Foreign Languages",
}


@dataclass(frozen=True, slots=True)
class DemoStudent:
    student_id: str
    name: str  # as on the roster
    pinyin: str  # "Family Given", as the student's Telegram profile shows it
    class_name: str
    status: StudentStatus
    rank_pct: int
    political: Political
    disciplinary: bool = False

    @property
    def college(self) -> str:
        """The college is the class's prefix (CS 2101 is in Computer Science)."""
        return COLLEGES[self.class_name.split()[0]]

    @property
    def family_name(self) -> str:
        return self.pinyin.split(" ", 1)[0]

    @property
    def given_name(self) -> str:
        return self.pinyin.split(" ", 1)[1]


@dataclass(frozen=True, slots=True)
class DemoAdvisor:
    staff_id: str
    name: str
    pinyin: str  # "Family Given", as on the advisor's Telegram profile
    department: str
    political: Political


@dataclass(frozen=True, slots=True)
class DemoUnit:
    name: str
    kind: UnitKind


@dataclass(frozen=True, slots=True)
class DemoClub:
    name: str
    category: Category
    guidance_unit: str
    founded: date
    president: str  # a student_id; the club's officer, and a member like the others
    advisor: DemoAdvisor
    members: tuple[str, ...]  # student_ids besides the president


@dataclass(frozen=True, slots=True)
class DemoStaff:
    user_id: int
    name: str
    pinyin: str


E, SUS, GRA, WD = (
    StudentStatus.ENROLLED,
    StudentStatus.SUSPENDED,
    StudentStatus.GRADUATED,
    StudentStatus.WITHDRAWN,
)
P, PP, L, N = Political.PARTY, Political.PROBATIONARY, Political.LEAGUE, Political.NONE
_s = DemoStudent

# The first student of every class is in no club, so every class has someone free to join.
STUDENTS = (
    _s("2021010101", "王明", "Wang Ming", "CS 2101", E, 1, P),
    _s("2021010102", "李婷", "Li Ting", "CS 2101", E, 38, L),
    _s("2021010103", "张宇轩", "Zhang Yuxuan", "CS 2101", E, 75, L),
    _s("2021010104", "刘晓东", "Liu Xiaodong", "CS 2101", GRA, 12, N),
    _s("2021010105", "陈文博", "Chen Wenbo", "CS 2101", E, 49, PP),
    _s("2021010106", "杨敏", "Yang Min", "CS 2101", E, 86, L),
    _s("2021010107", "赵浩然", "Zhao Haoran", "CS 2101", E, 23, L),
    _s("2021010108", "黄梓萱", "Huang Zixuan", "CS 2101", SUS, 60, L),
    _s("2021010109", "周雅琴", "Zhou Yaqin", "CS 2101", E, 97, N),
    _s("2022010101", "吴芳", "Wu Fang", "CS 2201", E, 34, P),
    _s("2022010102", "徐杰", "Xu Jie", "CS 2201", E, 71, L),
    _s("2022010103", "孙嘉怡", "Sun Jiayi", "CS 2201", E, 8, L),
    _s("2022010104", "胡诗涵", "Hu Shihan", "CS 2201", E, 45, L),
    _s("2022010105", "朱静", "Zhu Jing", "CS 2201", E, 82, PP),
    _s("2022010106", "高洋", "Gao Yang", "CS 2201", E, 19, L),
    _s("2022010107", "林思远", "Lin Siyuan", "CS 2201", E, 56, L),
    _s("2022010108", "何佳琪", "He Jiaqi", "CS 2201", E, 93, L),
    _s("2022010109", "郭海燕", "Guo Haiyan", "CS 2201", E, 30, L),
    _s("2021020101", "马磊", "Ma Lei", "ME 2101", E, 67, P),
    _s("2021020102", "罗子涵", "Luo Zihan", "ME 2101", E, 4, L, disciplinary=True),
    _s("2021020103", "王晓东", "Wang Xiaodong", "ME 2101", E, 41, L),
    _s("2021020104", "李文博", "Li Wenbo", "ME 2101", GRA, 78, L),
    _s("2021020105", "张敏", "Zhang Min", "ME 2101", E, 15, P),
    _s("2021020106", "刘浩然", "Liu Haoran", "ME 2101", E, 52, N),
    _s("2021020107", "陈梓萱", "Chen Zixuan", "ME 2101", E, 89, L),
    _s("2021020108", "杨雅琴", "Yang Yaqin", "ME 2101", E, 26, L),
    _s("2021020109", "赵芳", "Zhao Fang", "ME 2101", E, 63, L),
    _s("2022020101", "黄杰", "Huang Jie", "ME 2201", E, 100, P),
    _s("2022020102", "周嘉怡", "Zhou Jiayi", "ME 2201", E, 37, N),
    _s("2022020103", "吴诗涵", "Wu Shihan", "ME 2201", SUS, 74, L),
    _s("2022020104", "徐静", "Xu Jing", "ME 2201", E, 11, P),
    _s("2022020105", "孙洋", "Sun Yang", "ME 2201", E, 48, PP),
    _s("2022020106", "胡思远", "Hu Siyuan", "ME 2201", E, 85, L),
    _s("2022020107", "朱佳琪", "Zhu Jiaqi", "ME 2201", E, 22, N),
    _s("2022020108", "高海燕", "Gao Haiyan", "ME 2201", E, 59, L),
    _s("2021030101", "林磊", "Lin Lei", "EM 2101", GRA, 96, L),
    _s("2021030102", "何子涵", "He Zihan", "EM 2101", E, 33, P),
    _s("2021030103", "郭一鸣", "Guo Yiming", "EM 2101", E, 70, L),
    _s("2021030104", "马志强", "Ma Zhiqiang", "EM 2101", E, 7, N),
    _s("2021030105", "罗强", "Luo Qiang", "EM 2101", E, 44, L),
    _s("2021030106", "王浩然", "Wang Haoran", "EM 2101", E, 81, PP),
    _s("2021030107", "李梓萱", "Li Zixuan", "EM 2101", SUS, 18, L),
    _s("2021030108", "张雅琴", "Zhang Yaqin", "EM 2101", E, 55, L),
    _s("2021030109", "刘芳", "Liu Fang", "EM 2101", E, 92, N),
    _s("2022030101", "陈杰", "Chen Jie", "EM 2201", E, 29, L, disciplinary=True),
    _s("2022030102", "杨嘉怡", "Yang Jiayi", "EM 2201", E, 66, P),
    _s("2022030103", "赵诗涵", "Zhao Shihan", "EM 2201", E, 3, L),
    _s("2022030104", "黄静", "Huang Jing", "EM 2201", E, 40, L),
    _s("2022030105", "周洋", "Zhou Yang", "EM 2201", WD, 77, N),
    _s("2022030106", "吴思远", "Wu Siyuan", "EM 2201", E, 14, PP),
    _s("2022030107", "徐佳琪", "Xu Jiaqi", "EM 2201", E, 51, L),
    _s("2022030108", "孙海燕", "Sun Haiyan", "EM 2201", E, 88, L),
    _s("2022040101", "胡磊", "Hu Lei", "FL 2201", E, 25, L),
    _s("2022040102", "朱子涵", "Zhu Zihan", "FL 2201", E, 62, N),
    _s("2022040103", "高一鸣", "Gao Yiming", "FL 2201", E, 99, P),
    _s("2022040104", "林志强", "Lin Zhiqiang", "FL 2201", E, 36, L),
    _s("2022040105", "何强", "He Qiang", "FL 2201", E, 73, L),
    _s("2022040106", "郭欣怡", "Guo Xinyi", "FL 2201", E, 10, L),
    _s("2022040107", "马博文", "Ma Bowen", "FL 2201", E, 47, PP),
    _s("2022040108", "罗俊杰", "Luo Junjie", "FL 2201", E, 84, L),
)

LIU = DemoAdvisor("T1001", "刘建国", "Liu Jianguo", "School of Marxism", P)
WANG = DemoAdvisor("T1002", "王丽华", "Wang Lihua", "School of Mathematics and Statistics", N)
ZHAO = DemoAdvisor("T1003", "赵鹏", "Zhao Peng", "Youth League Committee", P)
SUN = DemoAdvisor("T1004", "孙梅", "Sun Mei", "Department of Physical Education", N)
QIAN = DemoAdvisor("T1005", "钱晓燕", "Qian Xiaoyan", "School of Foreign Languages", N)
# In no club yet: the one Party member free to accept an ideological or volunteer club (ADV-2),
# since Liu and Zhao already guide as many clubs as ADV-4 allows.
XU = DemoAdvisor("T1006", "许文静", "Xu Wenjing", "School of Marxism", P)
ADVISORS = (LIU, WANG, ZHAO, SUN, QIAN, XU)

D, PO, R = UnitKind.DEPARTMENT, UnitKind.PARTY_ORG, UnitKind.RESEARCH
# The clubs' units, and two that guide no club yet, so that every kind can be chosen.
UNITS = (
    DemoUnit("School of Marxism", D),
    DemoUnit("School of Mathematics and Statistics", D),
    DemoUnit("School of Mechanical Engineering", D),
    DemoUnit("Innovation and Entrepreneurship College", D),
    DemoUnit("Sports Department", D),
    DemoUnit("Art Education Center", D),
    DemoUnit("Youth League Committee", PO),
    DemoUnit("Office of Academic Affairs", D),
    DemoUnit("Party Committee of the College of Computer Science", PO),
    DemoUnit("Institute of Artificial Intelligence", R),
)

CLUBS = (
    DemoClub(
        "Marxist Theory Study Society",
        Category.IDEOLOGICAL,
        "School of Marxism",
        date(2012, 10, 15),
        "2021020105",
        LIU,
        ("2021010102", "2022010104", "2022020106", "2021030108", "2022040102"),
    ),
    DemoClub(
        "Mathematical Modeling Association",
        Category.ACADEMIC,
        "School of Mathematics and Statistics",
        date(2014, 3, 20),
        "2022020107",
        WANG,
        ("2021010103", "2022010105", "2021020106", "2021030109", "2022040103"),
    ),
    DemoClub(
        "Robotics Club",
        Category.INNOVATION,
        "School of Mechanical Engineering",
        date(2016, 9, 10),
        "2021010105",
        ZHAO,
        ("2022010106", "2021020107", "2022020108", "2022030102", "2022040104"),
    ),
    DemoClub(
        "Startup Incubator Club",
        Category.INNOVATION,
        "Innovation and Entrepreneurship College",
        date(2019, 4, 8),
        "2021020108",
        ZHAO,
        ("2021010106", "2022010107", "2021030102", "2022030103", "2022040105"),
    ),
    DemoClub(
        "Chess Club",
        Category.CULTURE_SPORTS,
        "Sports Department",
        date(2010, 11, 1),
        "2021010102",
        SUN,
        (
            "2021010106",
            "2021010107",
            "2022010102",
            "2022010105",
            "2022010108",
            "2021020103",
            "2021020107",
            "2021020109",
            "2022020102",
            "2022020106",
            "2021030102",
            "2021030103",
            "2021030105",
            "2021030109",
            "2022030104",
            "2022030108",
            "2022040104",
            "2022040106",
            "2022040107",
        ),
    ),
    DemoClub(
        "Folk Music Ensemble",
        Category.CULTURE_SPORTS,
        "Art Education Center",
        date(2013, 5, 12),
        "2022010109",
        QIAN,
        ("2021010109", "2022020102", "2021030104", "2022030106", "2022040107"),
    ),
    DemoClub(
        "Green Earth Volunteers",
        Category.VOLUNTEER,
        "Youth League Committee",
        date(2011, 3, 5),
        "2022020104",
        LIU,
        ("2022010102", "2021020102", "2021030105", "2022030107", "2022040108"),
    ),
    DemoClub(
        "Peer Tutoring Society",
        Category.MUTUAL_AID,
        "Office of Academic Affairs",
        date(2018, 9, 25),
        "2022010103",
        WANG,
        ("2021020103", "2022020105", "2021030106", "2022030108"),
    ),
)

STAFF = DemoStaff(user_id=700_000_001, name="陈晓华", pinyin="Chen Xiaohua")
# A member of the review committee (REG-8), who decides applications the unit has accepted.
REVIEWER = DemoStaff(user_id=700_000_002, name="郑国强", pinyin="Zheng Guoqiang")
# Represents every demo guidance unit, so whichever unit an application names, one person decides.
UNIT_REP = DemoStaff(user_id=700_000_003, name="周丽", pinyin="Zhou Li")


def students_csv(language: Language = Language.EN) -> bytes:
    """The demo roster in the format `clubbot import students` reads."""
    rows = [
        [
            s.student_id,
            s.name,
            named(s.college, language),
            class_named(s.class_name, language),
            s.status.value,
            "yes" if s.disciplinary else "no",
            s.rank_pct,
            s.political.value,
        ]
        for s in STUDENTS
    ]
    return csv_bytes(roster.STUDENT_HEADER, rows)


def advisors_csv(language: Language = Language.EN) -> bytes:
    """The demo advisor bank in the format `clubbot import advisors` reads."""
    rows = [
        [
            a.staff_id,
            a.name,
            named(a.department, language),
            "yes" if a.political is Political.PARTY else "no",
        ]
        for a in ADVISORS
    ]
    return csv_bytes(roster.ADVISOR_HEADER, rows)


def units_csv(language: Language = Language.EN) -> bytes:
    """The demo guidance units in the format `clubbot import units` reads."""
    rows = [[named(u.name, language), u.kind.value] for u in UNITS]
    return csv_bytes(roster.UNIT_HEADER, rows)


# The demo university's names as a Chinese university's records give them.
ZH_NAMES = {
    # Clubs.
    "Marxist Theory Study Society": "马克思主义理论学习研究会",
    "Mathematical Modeling Association": "数学建模协会",
    "Robotics Club": "机器人协会",
    "Startup Incubator Club": "创业孵化社",
    "Chess Club": "国际象棋社",
    "Folk Music Ensemble": "民乐团",
    "Green Earth Volunteers": "绿色地球志愿者协会",
    "Peer Tutoring Society": "朋辈辅导社",
    # Guidance units, colleges and departments.
    "School of Marxism": "马克思主义学院",
    "School of Mathematics and Statistics": "数学与统计学院",
    "School of Mechanical Engineering": "机械工程学院",
    "Innovation and Entrepreneurship College": "创新创业学院",
    "Sports Department": "体育部",
    "Art Education Center": "艺术教育中心",
    "Youth League Committee": "校团委",
    "Office of Academic Affairs": "教务处",
    "Party Committee of the College of Computer Science": "计算机学院党委",
    "Institute of Artificial Intelligence": "人工智能研究院",
    "College of Computer Science": "计算机学院",
    "School of Economics and Management": "经济管理学院",
    "School of Foreign Languages": "外国语学院",
    "Department of Physical Education": "体育学院",
}
# Class names: "CS 2101" is 计科2101.
ZH_CLASSES = {"CS": "计科", "ME": "机械", "EM": "经管", "FL": "外语"}


def named(name: str, language: Language) -> str:
    """A club's, unit's, college's or department's name in the demo's language."""
    return ZH_NAMES[name] if language is Language.ZH else name


def class_named(class_name: str, language: Language) -> str:
    if language is not Language.ZH:
        return class_name
    prefix, number = class_name.split()
    return f"{ZH_CLASSES[prefix]}{number}"


def clubs_csv(today: date, language: Language = Language.EN) -> bytes:
    """The demo clubs in the format `clubbot import clubs` reads, with their history as of
    `today`: meetings and reviews a few months back, advisors' terms a few months ahead."""
    rows = []
    for i, c in enumerate(CLUBS):
        # The first club met 11 months ago: its annual meeting falls due within a month.
        met = today - timedelta(days=335 if i == 0 else 60 + 20 * i)
        rows.append(
            [
                named(c.name, language),
                c.category.value,
                named(c.guidance_unit, language),
                c.founded.isoformat(),
                c.president,
                c.advisor.staff_id,
                (today + timedelta(days=120 + 15 * i)).isoformat(),
                met.isoformat(),
                (today - timedelta(days=150)).isoformat(),
            ]
        )
    return csv_bytes(roster.CLUB_HEADER + roster.CLUB_EXTRAS, rows)


async def seed(
    db: Database,
    policy: Policy,
    now: datetime,
    cal: Calendar | None = None,
    language: Language = Language.EN,
) -> bool:
    """Load the demo university into an empty database (True), its names in `language`; a
    seeded one is left alone."""
    async with db.transaction() as session:
        tx = Tx(session, db)
        await people.grant(tx, STAFF.user_id, Role.STAFF, now)
        await people.grant(tx, REVIEWER.user_id, Role.REVIEWER, now)
        if await clubs.all_clubs(tx) or await people.roster_accounts(tx):
            return False
        cal = cal or Calendar.named()
        await roster.import_students(tx, now, students_csv(language))
        await roster.import_advisors(tx, now, advisors_csv(language))
        # Before the clubs, so that their units are found with a kind rather than made without.
        await roster.import_units(tx, now, units_csv(language))
        keys = [name_key(named(u.name, language)) for u in UNITS]
        for unit in (await units.units_by_keys(tx, keys)).values():
            await units.grant_rep(tx, unit.id, UNIT_REP.user_id, now)
        today = cal.today(now)
        await roster.import_clubs(tx, now, clubs_csv(today, language), policy=policy, cal=cal)
        records = await people.students_by_ids(tx, [s.student_id for s in STUDENTS])
        for demo in CLUBS:
            club = await clubs.club_by_key(tx, name_key(named(demo.name, language)))
            assert club is not None
            for student_id in (demo.president, *demo.members):
                student = records[student_id]
                try:
                    await memberships.join(tx, policy, now, student, club.id)
                except DomainError:
                    # A stricter policy (say, one club per student) keeps the joins it allows.
                    continue
        # Imported here: the unions' demo builds on this module's names.
        from playground import unions as demo_unions

        await demo_unions.seed(tx, now, today, policy, language)
        # Issue 16: the first club's life, so a tester can approve, sign up, keep accounts.
        from playground.activities import seed_life
        from playground.run import STUDENT_USERS

        first = CLUBS[0]
        club = await clubs.club_by_key(tx, name_key(named(first.name, language)))
        assert club is not None
        president = records[first.president]
        members = [records[m] for m in first.members]
        organizer = STUDENT_USERS + president.id
        await seed_life(tx, now, club, organizer, president, members, language, today)
    return True
