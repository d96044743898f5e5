"""The province's work ledger (seed 003's annex): one row per checklist item, numbered as the
annex numbers them, with the requirement as the documents word it and the rules that measure it.

An item with rules gets its status from the ledger's figures; an item no record can decide
("the Party committee hears the union's work") is entered by staff, with the evidence. Every item
not in place needs a planned completion date and what stands in the way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.compliance import RuleReport, Standing
from bot.domain.unions import ItemStatus, Plan

IN_PLACE = frozenset({ItemStatus.DONE, ItemStatus.NOT_APPLICABLE})
# What staff may enter for an item (the province's four answers).
ENTERED = (ItemStatus.DONE, ItemStatus.PARTIAL, ItemStatus.NOT_DONE, ItemStatus.NOT_APPLICABLE)


@dataclass(frozen=True, slots=True)
class AnnexItem:
    key: str  # "1.3.1": part 1, section 3, item (1)
    requirement: str  # as the annex quotes it, in Chinese
    rules: tuple[str, ...] = ()  # the ledger rules that measure it; none: staff decide

    @property
    def number(self) -> str:
        """As the annex numbers it: 一、3.（1）."""
        part, section, item = self.key.split(".")
        return f"{'一二'[int(part) - 1]}、{section}.（{item}）"


def _items(part: int, sections: dict[int, list[tuple[str, tuple[str, ...]]]]) -> list[AnnexItem]:
    return [
        AnnexItem(f"{part}.{section}.{n}", text, rules)
        for section, items in sections.items()
        for n, (text, rules) in enumerate(items, start=1)
    ]


# 一、《关于推动高校学生会（研究生会）深化改革的若干意见》落实情况
PART_1 = _items(
    1,
    {
        1: [("各高校学生会（研究生会）章程中关于组织职能定位的修订情况", ())],
        2: [
            ("学生会组织架构和主席团轮值制度", ()),
            ("“院（系）学生会是学生会的基层组织，接受校级学生会指导”落实情况", ()),
            ("校院两级学生会工作联动，院（系）学生会面向全院学生开展的具体工作事项", ()),
            ("学生会广泛动员学生参与学生会工作情况", ()),
        ],
        3: [
            ("“校级学生会工作人员一般为40人左右，原则上不超过60人”落实情况", ("SU-1",)),
            (
                "“校级学生会主席团成员不超过5人；工作部门一般不超过6个，每个工作部门设负责人"
                "2至3人，工作人员一般不超过6人”落实情况",
                ("SU-2",),
            ),
            ("“院（系）学生会工作人员一般为20至30人，主席团成员不超过3人”落实情况", ("SU-3",)),
            (
                "“除学生会主席团成员和工作部门成员外，不得设立其他任何职务”落实情况",
                ("SU-4", "SU-10"),
            ),
            (
                "学生会承办重大任务或活动，“以项目化方式招募志愿者参与，因事设人、事毕人散”落实情况",
                (),
            ),
        ],
        4: [
            ("“学生会工作人员应为共产党员或共青团员”落实情况", ("SU-5",)),
            (
                "“学生会工作人员学习成绩综合排名在本专业前30%以内，且无课程不及格情况”落实情况",
                ("SU-5",),
            ),
        ],
        5: [
            ("“学生会主席团由学生代表大会选举产生”落实情况", ("SU-6",)),
            (
                "“校级学生会主席团候选人由院（系）团组织推荐，经院（系）党组织同意，校党委学生"
                "工作部门和校团委联合审查后，报校党委确定”落实情况",
                ("SU-6",),
            ),
            (
                "“校级学生会工作部门成员由院（系）团组织推荐，校党委学生工作部门和校团委审查确定”落实情况",
                (),
            ),
            (
                "“院（系）学生会主席团候选人和学生会工作人员由班级团支部推荐，院（系）团组织"
                "审查，院（系）党组织确定”落实情况",
                (),
            ),
            ("“校级学生会工作人员中来自院（系）学生会的一般不少于50%”落实情况", ("SU-6",)),
        ],
        6: [
            ("“校级学生代表大会每年召开1次”落实情况", ("SU-7",)),
            (
                "“学生代表大会代表由班级团支部推荐、院（系）学生会组织选举产生，代表人数一般"
                "不低于所联系学生数的1%，应覆盖各院（系）、年级、专业及学生社团”落实情况",
                ("SU-7", "SU-11"),
            ),
            ("“院（系）学生代表大会原则上每年召开1次”落实情况", ("SU-7",)),
            (
                "“学生代表大会选举结果向大会公布，经同级党委批准后，报上级学联、学生会备案”落实情况",
                (),
            ),
        ],
        7: [
            ("《学生会（研究生会）干部自律公约》落实情况", ()),
            ("“学生会决定重要事项或开展重大活动须事先向学校团委报告”落实情况", ()),
            (
                "学生会工作人员违反校规校纪、道德失范等问题，由学校团委调查核实，并按规定和程序"
                "及时处理的落实情况",
                (),
            ),
        ],
        8: [
            (
                "“组建以学生代表为主体，校党委学生工作部门、校团委参加的评议会，学生会主席团成员"
                "和工作部门负责人每学期向评议会述职”落实情况",
                ("SU-8",),
            ),
            (
                "“建立以服务和贡献为导向的激励机制，在评奖评优、综合测评加分、推荐免试攻读研究生"
                "等方面以评议结果为依据，不与其职务简单直接挂钩”落实情况",
                ("SU-8",),
            ),
        ],
        9: [
            ("“校党委将学生会建设纳入学校党建工作总体格局统筹谋划”落实情况", ()),
            ("“校党委定期听取学生会工作汇报，研究决定重大事项”落实情况", ("SU-13",)),
            (
                "“校党委学生工作部门和校团委共同研究学生会章程制度、工作规划、人员遴选等重要事项”落实情况",
                (),
            ),
            (
                "“分管学生工作的党委副书记负责学生会工作，教务等相关校领导参与学生会管理”落实情况",
                (),
            ),
        ],
        10: [
            ("“学生会接受校团委和上级学联的双重指导”落实情况", ()),
            ("“校团委就学生会工作重大事项向党委请示报告，坚决落实校党委有关要求”落实情况", ()),
            ("“明确一名专职团委副书记指导学生会……确保学生会日常工作不偏向”落实情况", ("SU-13",)),
        ],
    },
)

# 二、《高校学生社团管理办法》落实情况
PART_2 = _items(
    2,
    {
        1: [
            (
                "申请成立学生社团，“须有20名以上学生共同发起，所有发起人须具有正式学籍且未受过"
                "学校纪律处分”落实情况",
                ("REG-1",),
            ),
            (
                "“有明确的业务指导单位，业务指导单位原则上应为学校职能部门、院（系）党组织或与"
                "社团业务相关的学校学术科研机构”落实情况",
                ("REG-2",),
            ),
            ("“至少有1名指导教师”落实情况", ("REG-3",)),
            ("“有规范的社团章程”落实情况", ("REG-4",)),
            ("学生社团年度审核制度落实情况", ("REG-5",)),
            (
                "“原则上企业、社会机构或个人不得在学校设立冠名的学生社团；原则上学生社团不得涉外”"
                "落实情况",
                ("REG-6",),
            ),
            (
                "“未经批准成立或已被注销的学生社团不得开展任何活动……留学生成立学生社团由学校"
                "外事部门统筹负责”落实情况",
                ("REG-7",),
            ),
            (
                "“学生社团管理审核委员会……负责学生社团的登记注册和年度审核，委员会主任由分管"
                "学生工作的校党委负责同志担任”落实情况",
                ("REG-8",),
            ),
            ("校党委定期组织开展学生社团排查的落实情况", ("REG-9",)),
            (
                "“对未按规定进行登记注册或政治导向错误、开展违法违规活动的学生社团，须依法依规"
                "予以取缔”落实情况",
                ("REG-10",),
            ),
        ],
        2: [
            (
                "“党委学生工作部门要牵头建立学生社团指导教师选聘制度，建立指导教师库，在教师库中"
                "选聘指导教师”落实情况",
                ("ADV-1",),
            ),
            (
                "“思想政治类、志愿公益类学生社团的指导教师须为中共党员。指导教师实行聘任制，每个"
                "聘期为1年。原则上每名指导教师最多指导2个学生社团”落实情况",
                ("ADV-2", "ADV-3", "ADV-4"),
            ),
            ("“党委学生工作部门要牵头加强对学生社团指导教师的考核评价和激励”落实情况", ("ADV-5",)),
            (
                "“将指导教师纳入高校思想政治工作队伍培养计划……考核不合格的指导教师按规定予以"
                "解聘”落实情况",
                ("ADV-5",),
            ),
        ],
        3: [
            ("“学生社团成员均须为本校具有正式学籍的学生”落实情况", ("ORG-1",)),
            ("“社团成员须定期注册……每名学生最多参加2个学生社团”落实情况", ("ORG-2",)),
            (
                "“健全学生社团全体会员大会制度……拟批准成立的学生社团应召开全体会员大会或会员"
                "代表大会，通过社团章程，选举产生执行机构和社团负责人”落实情况",
                ("ORG-3",),
            ),
            ("“原则上符合条件的学生社团应成立临时党支部或团支部”落实情况", ("ORG-4", "ORG-4a")),
            (
                "“学生社团骨干综合成绩排名须在本班级前50%以内……经提名推荐、公开选举、考察公示、"
                "审核审批等程序产生”落实情况",
                ("ORG-5", "ORG-7"),
            ),
            (
                "“思想政治类、志愿公益类学生社团的主要负责人须为中共党员。各部门负责人在指导教师"
                "指导下由学生社团选举产生”落实情况",
                ("ORG-6",),
            ),
        ],
    },
)
ITEMS = {item.key: item for item in PART_1 + PART_2}


@dataclass(frozen=True, slots=True)
class LedgerRow:
    item: AnnexItem
    status: ItemStatus
    measured: str  # "SU-1 1/2" per rule with data; "" where no record decides
    units: tuple[str, ...]  # the non-compliant units' names
    since: date | None
    plan: Plan

    @property
    def incomplete(self) -> bool:
        """Not in place, and no planned date or no obstacle given."""
        return self.status not in IN_PLACE and (
            self.plan.planned_on is None or not self.plan.obstacle
        )


def status_of(reports: list[RuleReport]) -> ItemStatus | None:
    """An item's status from its rules' figures; None when none of them has data."""
    measured = [r for r in reports if r.standing is not Standing.NO_DATA]
    if not measured:
        return None
    if all(r.standing in (Standing.MET, Standing.IN_PLACE) for r in measured):
        return ItemStatus.DONE
    if sum(r.compliant for r in measured if r.standing is Standing.GAPS) == 0 and all(
        r.standing is Standing.GAPS for r in measured
    ):
        return ItemStatus.NOT_DONE
    return ItemStatus.PARTIAL


def rows(reports: list[RuleReport], plans: dict[str, Plan]) -> list[LedgerRow]:
    """Every annex item, in the annex's order, as the province's ledger shows it."""
    by_rule = {r.rule: r for r in reports}
    out = []
    for item in ITEMS.values():
        mine = [by_rule[rule] for rule in item.rules if rule in by_rule]
        plan = plans.get(item.key, Plan())
        status = status_of(mine) or plan.status or ItemStatus.UNREPORTED
        findings = [f for r in mine for f in r.findings]
        units = tuple(dict.fromkeys(f.name or f.ref for f in findings))
        measured = "; ".join(
            f"{r.rule} {r.compliant}/{r.checked}"
            for r in mine
            if r.standing in (Standing.MET, Standing.GAPS)
        )
        since = min((f.since for f in findings if f.since is not None), default=None)
        out.append(LedgerRow(item, status, measured, units, since, plan))
    return out
