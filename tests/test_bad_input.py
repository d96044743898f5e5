"""Every input in every state gets a sensible answer and bad input changes nothing."""

from __future__ import annotations

import pytest

from bot.chat import callbacks
from bot.chat.replies import Incoming
from bot.chat.text import number, prefixed_number
from bot.core.engine import Engine, parse_command
from bot.domain.values import Role
from storage import people
from storage.tx import Tx
from storage.types import utcnow
from tests.harness import Campus, Chat, plain


async def test_unknown_command_and_plain_text(engine: Engine) -> None:
    chat = Chat(engine, 5)
    assert "don't know that command" in await chat.send("/frobnicate")
    assert "didn't understand" in await chat.send("hello there")
    assert "didn't understand" in await chat.send("🎉🎉🎉")
    assert "don't know that command" in await chat.send("/")


async def test_text_where_a_button_is_expected_reprompts(campus: Campus) -> None:
    await campus.clubs("Chess Club")
    alice = await campus.bound("S1", 1001)
    await alice.send("/join")
    answer = await alice.send("some random words")
    assert "use the buttons" in answer
    assert "Which kind of club" in answer
    await alice.click("Academic")
    answer = await alice.send("<b>not a club</b>")
    assert "use the buttons" in answer
    # a typed exact name is accepted where a club button is expected
    assert "Join Chess Club?" in await alice.send("chess club")
    assert "use the buttons" in await alice.send("yes")
    await alice.click("Yes, join")
    assert "Welcome to Chess Club" in alice.said


async def test_stale_and_forged_buttons_expire_and_change_nothing(campus: Campus) -> None:
    await campus.clubs("Chess Club", "Go Club")
    alice = await campus.bound("S1", 1001)
    await alice.send("/join")
    old = alice.last_with_buttons()
    await alice.click("Academic")
    await alice.click("Go Club")
    # the category message's button is from an earlier step
    outcome = await alice.press(alice.button("Academic", old).data or "")
    assert outcome.toast is not None
    assert "expired" in outcome.toast.text
    for forged in [
        "",
        "x" * 65,
        "v0:f:1:yes",
        "v1:f:999:yes",
        "v1:f:abc:yes",
        "v1:zz:1",
        "v1:cl:99:0",
        "v1:lang:fr",
        "v1:f:1",
        "v1:cl:1:-1",
        "v1:f:3:yes:extra",
    ]:
        outcome = await alice.press(forged)
        assert outcome.toast is not None, forged
        assert "expired" in outcome.toast.text, forged
        assert not outcome.replies
    # the flow is still at the confirm step: the real button works
    await alice.click("Yes, join")
    assert "Welcome to Go Club" in alice.said
    assert "Chess Club" not in await alice.send("/myclubs")


async def test_buttons_of_a_finished_flow_expire(campus: Campus) -> None:
    await campus.clubs("Chess Club")
    alice = await campus.bound("S1", 1001)
    await alice.send("/join")
    await alice.click("Academic")
    await alice.click("Chess Club")
    confirm = alice.last_with_buttons()
    await alice.click("Yes, join")
    await alice.send("/leave Chess Club")
    outcome = await alice.click("Yes, join", confirm)
    assert outcome.toast is not None
    assert "expired" in outcome.toast.text
    assert "not in any club" in await alice.send("/myclubs")


async def test_a_new_command_abandons_the_flow_cancel_ends_it(campus: Campus) -> None:
    await campus.clubs("Chess Club")
    alice = await campus.bound("S1", 1001)
    await alice.send("/join")
    flow_message = alice.last_with_buttons()
    assert "not in any club" in await alice.send("/myclubs")
    outcome = await alice.click("Academic", flow_message)
    assert outcome.toast is not None
    assert "expired" in outcome.toast.text
    await alice.send("/join")
    assert "Cancelled. Nothing was changed." in await alice.send("/cancel")  # /join keeps nothing
    assert "nothing to cancel" in await alice.send("/cancel")
    assert "didn't understand" in await alice.send("Chess Club")


async def test_names_with_markup_are_escaped(campus: Campus) -> None:
    await campus.clubs("<b>Bold</b> & <i>Co</i>")
    alice = await campus.bound("S1", 1001)
    outcome = await alice.deliver(alice.incoming(text="/join <b>Bold</b> & <i>Co</i>"))
    html = outcome.replies[0].text
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;i&gt;Co&lt;/i&gt;" in html
    outcome = await alice.deliver(alice.incoming(text="/join <script>x</script>"))
    assert "&lt;script&gt;" in outcome.replies[0].text


async def test_long_rtl_and_zero_width_input(campus: Campus) -> None:
    await campus.clubs("Chess Club")
    alice = await campus.bound("S1", 1001)
    answer = await alice.send("/join " + "x" * 4090)
    assert "no club named" in answer
    assert len(answer) < 400
    assert "no club named" in await alice.send("/join \u202echess club")
    assert alice.button("Chess Club").data  # the club meant, offered as a button
    # Inside that question, invisible text is refused and the question stays.
    assert "invisible" in await alice.send("\u200b" * 4096)
    await alice.send("/cancel")
    assert "didn't understand" in await alice.send("\u200b" * 4096)
    assert "no club named" in await alice.send("/join שחמט")


async def test_group_chats_are_sent_to_private(engine: Engine) -> None:
    outcome = await engine.handle(
        Incoming(update_id=77, chat_id=-100, user_id=7, private=False, text="/join Chess")
    )
    assert "private chat" in outcome.replies[0].text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/join Chess", ("join", "Chess")),
        ("/JOIN@clubbot_test_bot  Chess ", ("join", "Chess")),
        ("/join@other_bot Chess", None),
        ("hello", None),
        ("/加入", ("", "")),
        # A start link pasted into the chat works as if it had been opened.
        ("https://t.me/clubbot_test_bot?start=sign_Ab-9", ("start", "sign_Ab-9")),
        (" t.me/ClubBot_Test_Bot?start=k42 ", ("start", "k42")),
        ("tg://resolve?domain=clubbot_test_bot&start=k42", ("start", "k42")),
        ("https://t.me/other_bot?start=k42", None),
        ("https://t.me/clubbot_test_bot?start=bad payload", None),
        ("see https://t.me/clubbot_test_bot?start=k42", None),
    ],
)
def test_parse_command(text: str, expected: tuple[str, str] | None) -> None:
    assert parse_command(text, "clubbot_test_bot") == expected


def test_callback_codec_round_trip_and_limits() -> None:
    data = callbacks.encode("f", 12, "k42")
    assert data == "v1:f:12:k42"
    assert callbacks.decode(data) == callbacks.Callback("f", ("12", "k42"))
    with pytest.raises(ValueError, match="64 bytes"):
        callbacks.encode("f", "a" * 40, "b" * 30)
    with pytest.raises(ValueError, match="outside"):
        callbacks.encode("f", "has:colon")


def test_numbers_are_ascii_digits_of_bounded_length() -> None:
    assert number("0012") == 12
    assert number("²") is None  # str.isdigit() says yes, int() says no
    assert number("٢٠٢٦") is None  # Arabic-Indic digits would read as another number
    assert number("9" * 13) is None  # past what an id can be (and 2^63 breaks the database)
    assert number("") is None
    assert number("-1") is None
    assert prefixed_number("k42", "k") == 42
    assert prefixed_number("p42", "k") is None


async def test_huge_numbers_in_forged_flow_buttons_are_refused(campus: Campus) -> None:
    await campus.clubs("Chess Club")
    alice = await campus.bound("S1", 1001)
    await alice.send("/join")
    await alice.click("Academic")
    for forged in ("k99999999999999999999", "p9999999999999999999999999", "k²", "p٢"):
        step_prefix = (alice.button("Chess Club").data or "").rsplit(":", 1)[0]
        outcome = await alice.press(f"{step_prefix}:{forged}")
        said = "\n".join(plain(r.text) for r in outcome.replies)
        toast = outcome.toast.text if outcome.toast else ""
        assert "went wrong" not in said
        assert "use the buttons" in said or "expired" in toast, (said, toast)
    await alice.click("Chess Club")
    assert "Join Chess Club?" in alice.said


async def test_superscript_digits_in_an_application_id(campus: Campus) -> None:
    async with campus.db.transaction() as session:
        await people.grant(Tx(session, campus.db), 7001, Role.STAFF, utcnow())
    staff = Chat(campus.engine, 7001)
    for raw in ("²", "#²", "٢", "99999999999999999999"):
        answer = await staff.send(f"/application {raw}")
        assert "went wrong" not in answer
        assert "no application" in answer.lower(), answer
