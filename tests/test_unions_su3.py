"""SU-3: a college-level union has 20 to 30 staff; too few is a finding as too many is."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from bot.chat.i18n import catalog
from bot.domain.compliance import Snapshot, Standing
from bot.domain.policy import Policy
from bot.domain.union_rules import su_3
from bot.domain.unions import PostFact, UnionData, UnionFact, UnionKind, UnionLevel
from bot.domain.values import Language
from bot.render import ledger as ledger_files

TODAY = date(2026, 6, 1)
START = date(2025, 9, 1)


def _college(union_id: int, staff: int) -> tuple[UnionFact, list[PostFact]]:
    u = UnionFact(
        union_id, f"College {union_id} SU", UnionKind.STUDENT, UnionLevel.COLLEGE, "C", 500, False
    )
    posts = [
        PostFact(union_id, union_id * 1000 + i, None if i == 0 else 1, "staff", START)
        for i in range(staff)
    ]
    return u, posts


def _snap(*sizes: int) -> Snapshot:
    unions, posts = [], []
    for i, size in enumerate(sizes, start=1):
        u, p = _college(i, size)
        unions.append(u)
        posts += p
    data = UnionData(unions=unions, posts=posts)
    return Snapshot(TODAY, [], {}, [], [], [], [], [], [], set(), frozenset(), unions=data)


@pytest.mark.parametrize(
    ("size", "why"),
    [(19, "union_size.too_few"), (20, None), (30, None), (31, "unions.union_staff")],
)
def test_a_college_union_between_20_and_30_complies(size: int, why: str | None) -> None:
    report = su_3(_snap(size), Policy())
    assert report.checked == 1
    assert [f.why for f in report.findings] == ([why] if why else [])
    assert report.standing is (Standing.GAPS if why else Standing.MET)


def test_the_lower_bound_is_the_policys() -> None:
    policy = Policy(su_college_staff_min=5, su_college_staff=8)
    report = su_3(_snap(4, 5, 8, 9), policy)
    assert report.checked == 4
    assert [(f.name, dict(f.params)) for f in report.findings] == [
        ("College 1 SU", {"count": "4", "low": "5"}),
        ("College 4 SU", {"count": "9", "limit": "8"}),
    ]
    (few, _) = report.findings
    assert few.since == START
    for language in Language:
        assert f"ledger.why.{few.why}" in catalog(language)
        assert "4" in ledger_files.why(language, few)
    # No lower bound at all: a policy may set it to 0.
    assert not su_3(_snap(1), Policy(su_college_staff_min=0)).findings


def test_a_lower_bound_above_the_cap_is_refused() -> None:
    with pytest.raises(ValidationError, match="su_college_staff_min"):
        Policy(su_college_staff_min=31)
