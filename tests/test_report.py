"""The self-examination report (issue 17, item 6): opened with python-docx, every section of
seed 003's notice present, within the character limit, its figures equal to the ledger's; a
period with nothing on record gets a clear answer; the command line and /report."""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from docx.shared import Pt

from bot.app.cli import main
from bot.chat.i18n import catalog
from bot.domain import annex, compliance
from bot.domain.unions import ItemStatus, Plan
from bot.domain.values import Language, Role
from bot.render import self_examination as report
from bot.services import regulations, roster
from bot.services import unions as union_imports
from storage import ledger as ledger_store
from storage import people
from storage import regulations as regulations_store
from storage.db import Database
from storage.tx import Tx
from storage.types import utcnow
from tests import unions as data
from tests.clock import local
from tests.harness import Campus, Chat

AS_OF = datetime.combine(data.TODAY, time(9, 30), ZoneInfo("Asia/Shanghai"))
PERIOD = report.Period.ending(data.TODAY)
REGULATIONS = """title,issued_on,number
《学生会深化改革实施细则》,2020-03-01,校党发〔2020〕12号
学生社团管理办法,2021-09-01,
"""
PLANS = """item,status,planned_on,obstacle,owner,evidence
1.3.1,,2027-06-30,研究生会需先修订章程,校团委,章程草案
1.3.3,,2026-12-31,艺术学院学生会人数超编,艺术学院团委,
"""
SECTIONS = ("h1_basic", "h1_rules", "h1_practices", "h1_problems", "h1_next", "h1_suggestions")


async def _load(db: Database) -> None:
    await data.load(db)
    async with db.transaction() as session:
        tx = Tx(session, db)
        await regulations.import_regulations(tx, utcnow(), REGULATIONS.encode(), data.TODAY)
        await union_imports.import_plans(tx, utcnow(), PLANS.encode())


async def _read(db: Database) -> tuple[compliance.Snapshot, list[report.Regulation]]:
    async with db.transaction() as session:
        tx = Tx(session, db)
        return (
            await ledger_store.snapshot(tx, data.TODAY),
            await regulations_store.all_regulations(tx),
        )


def _body(document: DocumentObject) -> list[str]:
    """The report's paragraphs, up to the page break before the evaluation form."""
    out = []
    for p in document.paragraphs:
        if 'w:type="page"' in p._p.xml:
            break
        out.append(p.text)
    return out


def _counted(paragraphs: list[str]) -> int:
    """字数 as Word counts them: a wide (CJK, full-width) character is one, and so is each run
    of the others between spaces and wide characters (a number, an English word)."""
    count = 0
    for text in paragraphs:
        wide = [ch for ch in text if unicodedata.east_asian_width(ch) in "WF"]
        rest = "".join(" " if ch in wide else ch for ch in text)
        count += len(wide) + len(rest.split())
    return count


async def test_the_report_has_every_section_and_the_ledgers_figures(db: Database) -> None:
    await _load(db)
    snap, issued = await _read(db)
    built = report.build(snap, data.POLICY, Language.ZH, issued, PERIOD, AS_OF)
    assert built is not None
    document = Document(io.BytesIO(report.docx(built)))
    body = _body(document)
    text = "\n".join(body)

    # Every section of the notice, in its order.
    zh = catalog(Language.ZH)
    headings = [zh[f"report.{key}"] for key in SECTIONS]
    assert [line for line in body if line in headings] == headings
    # Suggestions are left for a person: an empty paragraph follows the heading.
    assert body[body.index(zh["report.h1_suggestions"]) + 1] == ""
    # At most 3,000 characters, counted as the report counts them.
    assert _counted(body) == built.chars
    assert built.chars <= data.POLICY.report_max_chars == 3000
    assert built.excess == 0

    # The ledger's own figures, computed here from the same records.
    rows = annex.rows(compliance.compute(snap, data.POLICY), snap.unions.plans)
    counts = Counter(r.status for r in rows)
    tally = re.search(
        r"清单(\d+)项逐项自查，已落实(\d+)项，部分落实(\d+)项，未落实(\d+)项，不适用(\d+)项，"
        r"尚待填报(\d+)项",
        text,
    )
    assert tally is not None
    assert [int(n) for n in tally.groups()] == [
        len(rows),
        counts[ItemStatus.DONE],
        counts[ItemStatus.PARTIAL],
        counts[ItemStatus.NOT_DONE],
        counts[ItemStatus.NOT_APPLICABLE],
        counts[ItemStatus.UNREPORTED],
    ]
    assert f"在岗工作人员{len(snap.unions.posts)}人" in text
    presidium = sum(1 for p in snap.unions.posts if p.presidium)
    assert f"主席团成员{presidium}人" in text

    # Problems: one paragraph per row not (fully) in place, with its measured values.
    found = [r for r in rows if r.status in (ItemStatus.PARTIAL, ItemStatus.NOT_DONE)]
    assert found
    section = body[body.index(zh["report.h1_problems"]) : body.index(zh["report.h1_next"])]
    problems = [line for line in section if line.startswith("（")]
    assert len(problems) == len(found)
    by_rule = {r.rule: r for r in compliance.compute(snap, data.POLICY)}
    for line, row in zip(problems, found, strict=True):
        assert f"清单{row.item.number}项" in line
        for rule in row.item.rules:
            r = by_rule[rule]
            assert f"核查{r.checked}例、符合{r.compliant}例" in line, line
    # No student is named in a document that leaves the building: people are counted.
    su_5 = next(
        line for line, row in zip(problems, found, strict=True) if "SU-5" in row.item.rules
    )
    assert f"涉及{len(by_rule['SU-5'].findings)}人" in su_5
    for finding in by_rule["SU-5"].findings:
        assert finding.name not in text

    # Every figure states its time; the problems' is their section's opening line.
    assert section[1].startswith("截至2026年6月1日 09:30，自查发现")
    for line in body:
        if line not in problems and re.search(r"\d+(人|个|项|次)", line):
            assert "截至" in line or "至2026年6月1日" in line, line

    # The rules the university issued; next steps from the plans, the earliest first.
    assert "1.《学生会深化改革实施细则》（校党发〔2020〕12号，2020年3月1日印发）；" in body
    assert "2.《学生社团管理办法》（2021年9月1日印发）；" in body
    steps = [line for line in body if "前，由" in line]
    assert steps[0].startswith("（一）2026年12月31日前，由艺术学院团委负责完成清单一、3.（3）项")
    assert "艺术学院学生会人数超编" in steps[0]
    assert steps[1].startswith("（二）2027年6月30日前，由校团委")
    incomplete = sum(1 for r in rows if r.incomplete)
    assert f"，另有{incomplete}项尚未填报计划完成时间或制约因素" in text


async def test_the_evaluation_forms_table(db: Database) -> None:
    await _load(db)
    snap, issued = await _read(db)
    built = report.build(snap, data.POLICY, Language.ZH, issued, PERIOD, AS_OF)
    assert built is not None
    document = Document(io.BytesIO(report.docx(built)))
    (table,) = document.tables
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["序号", "评估内容", "是否落实", "备注"]
    assert len(cells) == 1 + len(report.FORM_RULES)
    by_rule = {r.rule: r for r in compliance.compute(snap, data.POLICY)}
    for (number, _, answer, _), rule in zip(cells[1:], report.FORM_RULES, strict=True):
        assert number == str(report.FORM_RULES.index(rule) + 1)
        assert answer == ("☑是 □否" if by_rule[rule].standing.value == "met" else "□是 ☑否")
    staff = Counter(p.union_id for p in snap.unions.posts)
    school = {u.name: staff[u.id] for u in snap.unions.unions if u.level.value == "school"}
    assert cells[1][3] == "；".join(f"{name}实有{n}人" for name, n in school.items())
    assert "原则上不超过6人" in cells[1][1]  # the policy's figure, not a literal
    sizes = [staff[u.id] for u in snap.unions.unions if u.level.value == "college"]
    assert cells[3][3].startswith(f"{len(sizes)}个院级学生会实有{min(sizes)}至{max(sizes)}人")


async def test_the_layout_of_an_official_document(db: Database) -> None:
    await _load(db)
    snap, issued = await _read(db)
    built = report.build(snap, data.POLICY, Language.ZH, issued, PERIOD, AS_OF)
    assert built is not None
    document = Document(io.BytesIO(report.docx(built)))
    section = document.sections[0]
    size = (section.page_width, section.page_height)
    s = section
    margins = (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)
    assert [round(length.mm) for length in size if length is not None] == [210, 297]
    assert [round(m.mm) for m in margins if m is not None] == [37, 35, 28, 26]

    def face(paragraph_text: str, run: int = 0) -> tuple[str | None, object]:
        p = next(p for p in document.paragraphs if p.text.startswith(paragraph_text))
        r = p.runs[run]
        fonts = r._element.rPr.rFonts
        return fonts.get(qn("w:eastAsia")), r.font.size

    zh = catalog(Language.ZH)
    assert face(zh["report.title"]) == ("方正小标宋简体", Pt(22))
    assert face(zh["report.h1_basic"]) == ("黑体", Pt(16))
    assert face(zh["report.h2_unions"]) == ("楷体_GB2312", Pt(16))
    assert face(zh["report.h2_unions"], 1) == ("仿宋_GB2312", Pt(16))
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer
    assert "fldChar" in footer


async def test_a_report_over_the_limit_says_by_how_much(db: Database) -> None:
    await _load(db)
    snap, issued = await _read(db)
    tight = data.POLICY.model_copy(update={"report_max_chars": 500})
    built = report.build(snap, tight, Language.ZH, issued, PERIOD, AS_OF)
    assert built is not None
    assert built.excess == built.chars - 500 > 0


async def test_a_period_with_nothing_on_record(db: Database) -> None:
    snap, issued = await _read(db)
    assert report.build(snap, data.POLICY, Language.ZH, issued, PERIOD, AS_OF) is None
    await _load(db)
    snap, issued = await _read(db)
    before = report.Period(date(2000, 1, 1), date(2000, 12, 31))
    assert report.build(snap, data.POLICY, Language.ZH, issued, before, AS_OF) is None
    # English: the same sections.
    built = report.build(snap, data.POLICY, Language.EN, issued, PERIOD, AS_OF)
    assert built is not None
    en = catalog(Language.EN)
    assert built.sections == [en[f"report.{key}"] for key in SECTIONS]
    # The form's boxes read in English too.
    (table,) = Document(io.BytesIO(report.docx(built))).tables
    answers = {row.cells[2].text for row in table.rows[1:]}
    assert answers <= {"☑ Yes □ No", "□ Yes ☑ No", "□ Yes □ No"}
    assert "☑ Yes □ No" in answers


async def test_the_regulations_import_refuses_bad_rows(db: Database) -> None:
    bad = (
        "title,issued_on,number\n"
        "学生会章程,2020-02-30,\n"  # no such day
        ",2020-01-01,\n"  # no title
        "学生会章程,2020-02-01,\n"
        "学生会章程,2020-03-01,\n"  # the same title twice
        "未来的文件,2099-01-01,\n"
    )
    with pytest.raises(roster.ImportRejected) as caught:
        async with db.transaction() as session:
            await regulations.import_regulations(
                Tx(session, db), utcnow(), bad.encode(), data.TODAY
            )
    errors = {e.line: e.reason for e in caught.value.errors}
    assert sorted(errors) == [2, 3, 5, 6]
    assert "duplicate of line 4" in errors[5]
    assert "in the future" in errors[6]
    _, issued = await _read(db)
    assert issued == []


def test_the_command_writes_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "BOT_USERNAME", "POLICY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["report", "empty.docx"]) == 1
    assert "nothing is on record" in capsys.readouterr().err
    assert not (tmp_path / "empty.docx").exists()
    (tmp_path / "students.csv").write_text(data.ROSTER, encoding="utf-8")
    (tmp_path / "unions.csv").write_text(data.UNIONS, encoding="utf-8")
    (tmp_path / "congress.csv").write_text(data.CONGRESS, encoding="utf-8")
    (tmp_path / "posts.csv").write_text(data.POSTS, encoding="utf-8")
    (tmp_path / "regulations.csv").write_text(REGULATIONS, encoding="utf-8")
    for kind, name in (
        ("students", "students.csv"),
        ("unions", "unions.csv"),
        ("congress", "congress.csv"),
        ("union-posts", "posts.csv"),
        ("regulations", "regulations.csv"),
    ):
        assert main(["import", kind, name]) == 0, capsys.readouterr().err
    assert "regulations.csv: 2 created" in capsys.readouterr().out
    assert main(["report", "report.docx", "--from", "2025-09-01"]) == 0
    out = capsys.readouterr()
    assert "characters (limit 3000)" in out.out
    document = Document(str(tmp_path / "report.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "学生会深化改革实施细则" in text
    assert "2025年9月1日至" in text
    assert "。。" not in text  # a sentence's own full stop, once (found by the play-test)
    assert main(["report", "report-en.docx", "--lang", "en"]) == 0
    assert "Basic situation" in "\n".join(
        p.text for p in Document(str(tmp_path / "report-en.docx")).paragraphs
    )
    assert main(["report", "old.docx", "--from", "2001-01-01", "--to", "2001-12-31"]) == 1
    assert "nothing is on record from 2001-01-01 to 2001-12-31" in capsys.readouterr().err
    assert main(["report", "late.docx", "--to", "2999-01-01"]) == 1
    assert "after today" in capsys.readouterr().err
    assert main(["report", "back.docx", "--from", "2026-01-02", "--to", "2026-01-01"]) == 1
    assert "is after --to" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["report", "report.pdf"])
    assert main(["report", "short.docx"]) == 0
    capsys.readouterr()


async def test_staff_get_the_report_in_chat(campus: Campus) -> None:
    await _load(campus.db)
    campus.engine.policy = data.POLICY
    campus.engine.clock = lambda: local(data.TODAY)
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        await people.ensure_account(tx, 9300, Language.ZH, utcnow())
        await people.grant(tx, 9300, Role.STAFF, utcnow())
    staff = Chat(campus.engine, 9300, language_code="zh")
    outcome = await staff.deliver(staff.incoming(text="/report"))
    (reply,) = outcome.replies
    assert reply.attachment is not None
    assert reply.attachment.name.endswith(".docx")
    assert reply.attachment.mime_type == report.DOCX
    document = Document(io.BytesIO(await reply.attachment.read()))
    body = _body(document)
    zh = catalog(Language.ZH)
    assert all(zh[f"report.{key}"] in body for key in SECTIONS)
    assert f"计{_counted(body)}字（上限3000字）" in reply.text
    outcome = await staff.deliver(staff.incoming(text="/report 2025-09-01 2026-05-31 en"))
    (reply,) = outcome.replies
    assert reply.attachment is not None
    assert reply.attachment.name.endswith("-en.docx")
    en = Document(io.BytesIO(await reply.attachment.read()))
    assert "1. Basic situation" in [p.text for p in en.paragraphs]
    assert "没有任何记录" in await staff.send("/report 2001-01-01 2001-12-31")
    assert "不是有效日期" in await staff.send("/report 2026-02-30 2026-05-01")
    assert "晚于结束日期" in await staff.send("/report 2026-05-01 2026-04-01")
    assert "晚于今天" in await staff.send("/report 2026-01-01 2026-06-02")
    assert "/report" in await staff.send("/report 2026-01-01")
    stranger = Chat(campus.engine, 4321)
    refused = await stranger.deliver(stranger.incoming(text="/report"))
    assert all(r.attachment is None for r in refused.replies)
    assert "Only staff" in "\n".join(r.text for r in refused.replies)


async def test_the_report_shows_a_plan_entered_as_the_ledger_has_it(db: Database) -> None:
    await _load(db)
    async with db.transaction() as session:
        await union_imports.save_plan(
            Tx(session, db),
            utcnow(),
            1,
            "2.3.4",
            Plan(planned_on=date(2026, 9, 1), owner="学工部"),
        )
    snap, issued = await _read(db)
    built = report.build(snap, data.POLICY, Language.ZH, issued, PERIOD, AS_OF)
    assert built is not None
    assert (
        "2026年9月1日前，由学工部负责完成清单二、3.（4）项整改，当前制约因素：无。" in built.text()
    )


async def test_staff_keep_the_regulations_in_chat(campus: Campus) -> None:
    campus.engine.clock = lambda: local(data.TODAY)
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        await people.ensure_account(tx, 9300, Language.EN, utcnow())
        await people.grant(tx, 9300, Role.STAFF, utcnow())
    staff = Chat(campus.engine, 9300)
    assert "No regulation is on record" in await staff.send("/regulations")
    add = "/regulations add 学生会深化改革实施细则 | 2020-06-15 | 校党发〔2020〕12号"
    saved = await staff.send(add)
    assert "Saved: 学生会深化改革实施细则 (校党发〔2020〕12号, issued 2020-06-15)" in saved
    # The same title again corrects its date; a number may be left out.
    await staff.send("/regulations add 学生会深化改革实施细则 ｜ 2020-06-16")
    await staff.send("/regulations add 学生社团管理办法 | 2020-09-01")
    # Bad input: refused with the reason, nothing saved.
    assert "2020 has 30 days" in await staff.send("/regulations add 章程 | 2020-04-31")
    assert "in the future" in await staff.send("/regulations add 章程 | 2030-01-01")
    assert "title is empty" in await staff.send("/regulations add  | 2020-01-01")
    assert "/regulations add TITLE" in await staff.send("/regulations add 章程")
    assert "/regulations add TITLE" in await staff.send("/regulations remove 章程")
    listed = await staff.send("/regulations")
    assert "2 regulations" in listed
    assert "• 学生会深化改革实施细则 (—, 2020-06-16)" in listed
    _, issued = await _read(campus.db)
    assert [(r.title, r.issued_on, r.number) for r in issued] == [
        ("学生会深化改革实施细则", date(2020, 6, 16), None),
        ("学生社团管理办法", date(2020, 9, 1), None),
    ]
    stranger = Chat(campus.engine, 4321)
    assert "Only staff" in await stranger.send("/regulations add 章程 | 2020-01-01")
    _, issued = await _read(campus.db)
    assert len(issued) == 2
