"""PRIV-4 in establishing a club: a REG-1 refusal (it rests partly on the disciplinary record)
names the rule, never which condition failed, and offers "Ask staff to review"; an advisor's
Party membership (ADV-2) is not told to the sponsor."""

from __future__ import annotations

from bot.domain.policy import Policy
from tests.establishing import CHARTER, SPONSOR, STAFF, app_state, last, seed, submit
from tests.harness import Campus, Chat, student_line

REVIEW = "Ask staff to review"


def _offered(chat: Chat) -> list[str]:
    """The callback data of every button of the latest outcome."""
    return [b.data or "" for r in chat.outcomes[-1].replies for row in r.buttons for b in row]


async def test_a_sanctioned_signer_is_offered_a_review_and_staff_see_the_request(
    campus: Campus,
) -> None:
    await seed(campus)
    await campus.students(student_line("BAD", disciplinary="yes"))
    sponsor = await campus.bound("S1", SPONSOR)
    token = await submit(sponsor)
    bad = await campus.bound("BAD", 1099)
    await bad.send(f"/start sign_{token}")
    await bad.click("✍ Sign")
    refused = bad.said
    assert "(REG-1)" in refused
    assert "a person at the student affairs office" in refused
    assert "v1:askrev:reg:1" in _offered(bad)

    await bad.click(REVIEW)
    assert "Sent to staff" in bad.said
    await bad.press("v1:askrev:reg:1")
    assert "already with staff" in bad.said
    staff = Chat(campus.engine, STAFF)
    todo = await staff.send("/todo")
    assert "Review request #1 from Student BAD (BAD)" in todo
    assert "a refusal under REG-1 to sponsor or sign application #1" in todo
    # Nothing was signed.
    assert await app_state(campus) == "signing"


async def test_the_refusal_is_the_same_whichever_condition_failed(campus: Campus) -> None:
    """A sanction and a suspension read alike, buttons included: nothing tells them apart."""
    await seed(campus)
    await campus.students(student_line("BAD", disciplinary="yes"))
    sponsor = await campus.bound("S1", SPONSOR)
    token = await submit(sponsor)
    chats = {"BAD": await campus.bound("BAD", 1099), "OFF": await campus.bound("OFF", 1098)}
    # OFF bound while enrolled, then suspended.
    await campus.students(student_line("OFF", status="suspended"))
    said: list[tuple[str, list[str]]] = []
    for chat in chats.values():
        await chat.press(f"v1:sg:s:{token}")
        said.append((chat.said, _offered(chat)))
    assert said[0] == said[1]
    assert "v1:askrev:reg:1" in said[0][1]


async def test_establish_refused_to_a_sanctioned_student_offers_a_review(campus: Campus) -> None:
    await seed(campus)
    await campus.students(student_line("BAD", disciplinary="yes"))
    bad = await campus.bound("BAD", 1099)
    refused = await bad.send("/establish")
    assert "(REG-1)" in refused
    assert "What is the club's name" not in refused
    assert _offered(bad) == ["v1:askrev:reg:0"]
    await bad.click(REVIEW)
    assert "Sent to staff" in bad.said
    todo = await Chat(campus.engine, STAFF).send("/todo")
    assert "a refusal under REG-1 to sponsor a new club" in todo


async def test_a_paused_application_offers_its_sponsor_a_review_and_resume_too(
    campus: Campus,
) -> None:
    campus.engine.policy = Policy(min_sponsors=2)
    await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    await submit(sponsor)
    await campus.students(student_line("S1", disciplinary="yes"))
    assert await app_state(campus) == "paused"
    paused = await last(campus, SPONSOR)
    assert "is paused" in paused.text
    assert paused.data(REVIEW) == "v1:askrev:reg:1"
    # An old Resume button, pressed while still sanctioned: refused, with the review offered.
    await sponsor.press("v1:ap:sr:1")
    assert "(REG-1)" in sponsor.said
    assert "v1:askrev:reg:1" in _offered(sponsor)
    assert await app_state(campus) == "paused"


async def test_forged_review_buttons_are_refused(campus: Campus) -> None:
    await seed(campus)
    student = await campus.bound("S2", 1002)
    for data in ("v1:askrev:zz:1", "v1:askrev:reg:x", "v1:askrev:reg"):
        await student.press(data)
        assert "expired" in student.said.lower(), data
    assert "nothing" in (await Chat(campus.engine, STAFF).send("/todo")).lower()


async def test_the_sponsor_is_not_told_an_advisors_party_membership(campus: Campus) -> None:
    """ADV-2: T2 is no Party member. Chosen for an academic club, then the category changes to
    one that needs a Party member: T2 is let go, naming the rule, not T2's political status."""
    await seed(campus)
    sponsor = await campus.bound("S1", SPONSOR)
    await sponsor.send("/establish")
    await sponsor.send("Study Club")
    await sponsor.click("Academic and science")
    await sponsor.send("We study.")
    await sponsor.click("CS Dept")
    await sponsor.click("Teacher Two")
    assert "Change any answer" in await sponsor.send_document(CHARTER)
    await sponsor.click("Category")
    await sponsor.click("Ideological and political")
    answer = sponsor.said
    assert "Teacher Two cannot guide a club of this category (ADV-2)" in answer
    assert "Party member" not in answer
    assert "is not." not in answer
