"""/unions and /union NAME: staff see the unions against the caps, with SU-5's flags; others
are refused (the flags are restricted data, PRIV-4)."""

from __future__ import annotations

from bot.domain.values import Language, Role
from storage import people
from storage.tx import Tx
from storage.types import utcnow
from tests import unions as data
from tests.clock import local
from tests.harness import Campus, Chat

STAFF = 9100


async def _staff(campus: Campus) -> Chat:
    async with campus.db.transaction() as session:
        tx = Tx(session, campus.db)
        await people.ensure_account(tx, STAFF, Language.EN, utcnow())
        await people.grant(tx, STAFF, Role.STAFF, utcnow())
    return Chat(campus.engine, STAFF)


async def test_staff_see_the_unions_and_a_union(campus: Campus) -> None:
    staff = await _staff(campus)
    assert "No student union is on record" in await staff.send("/unions")
    await data.load(campus.db)
    campus.engine.policy = data.POLICY
    campus.engine.clock = lambda: local(data.TODAY)
    listing = await staff.send("/unions")
    assert "Student unions" in listing
    # Graduate SU: 7 in post against a cap of 4; 3 in the presidium against 2.
    assert "staff 7 (at most 4) · presidium 3 (at most 2)" in listing
    assert "School SU (school level, student union, —)" in listing
    graduate = await staff.send("/union graduate su")
    assert "Fay (S6), vice-president ⚠️ failed 1 course" in graduate
    assert "Hal (S8), head ⚠️ no SU-5 columns in the roster" in graduate
    assert "director (not on the fixed list, SU-4)" in graduate
    assert "Volunteer Centre (centre): 1 person" in graduate
    assert "Last congress: 2025-01-10" in graduate
    assert "spring ❌, autumn ✅" in graduate
    assert "Appraised in time (SU-8): 1 of 4" in graduate  # Eve, appraised in January
    school = await staff.send("/union School SU")
    assert "Cat (S3), head ⚠️ neither a Party nor a League member" in school
    assert "Ann (S1), president\n" in school  # eligible: no flags
    assert "There is no union named" in await staff.send("/union Nowhere")
    su_1 = await staff.send("/ledger su-1")
    assert "Graduate SU: 7 people in post (at most 4), since 2025-09-01" in su_1
    assert "ORG-4a" in await staff.send("/ledger org-4a")


async def test_students_are_refused(campus: Campus) -> None:
    await data.load(campus.db)
    stranger = Chat(campus.engine, 4321)
    assert "Only staff" in await stranger.send("/unions")
    assert "Only staff" in await stranger.send("/union School SU")


async def test_chinese(campus: Campus) -> None:
    staff = await _staff(campus)
    await data.load(campus.db)
    campus.engine.policy = data.POLICY
    campus.engine.clock = lambda: local(data.TODAY)
    await staff.send("/language")
    await staff.click("中文")
    listing = await staff.send("/unions")
    assert "研究生会" in listing
    assert "工作人员 7 人（上限 4 人）" in listing
