"""Policy values come from configuration: a TOML file overrides RULES.md's defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.domain.policy import Policy, PolicyError, load_policy
from bot.flows import build_router
from storage.db import Database
from tests.harness import BOT_ID, BOT_USERNAME, Campus


def test_defaults_and_override(tmp_path: Path) -> None:
    assert load_policy(None).max_clubs_per_student == 2
    path = tmp_path / "policy.toml"
    path.write_text("max_clubs_per_student = 3\n")
    assert load_policy(path).max_clubs_per_student == 3
    path.write_text("max_clubs = 3\n")
    with pytest.raises(PolicyError, match="max_clubs"):
        load_policy(path)


async def test_a_university_allowing_three_clubs(db: Database) -> None:
    engine = Engine(
        db,
        Policy(max_clubs_per_student=3),
        build_router(),
        bot_id=BOT_ID,
        bot_username=BOT_USERNAME,
    )
    campus = Campus(db, engine)
    await campus.clubs("A", "B", "C", "D")
    alice = await campus.bound("S1", 1001)
    for name in "ABC":
        assert "Welcome to" in await alice.send(f"/join {name}")
    assert "already in 3 clubs (A, B, C)" in await alice.send("/join D")


async def test_help_depends_on_role(campus: Campus, engine: Engine) -> None:
    from tests.harness import Chat

    stranger = await Chat(engine, 5).send("/help")
    assert "/clubs" in stranger
    assert "/join" not in stranger
    assert "/start YOUR-CODE" in stranger
    student = await (await campus.bound("S1", 1001)).send("/help")
    assert "/join" in student
    assert "/myclubs" in student


def test_reminder_and_delivery_values_come_from_the_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        "reminder_lead_days = [3, 14]\n"
        'escalation_levels = ["advisor", "staff"]\n'
        'quiet_hours_start = "23:30"\n'
        "quiet_hours_end = 07:00:00\n"
        "delivery_rate_per_second = 20\n"
        "general_meeting_interval_months = 6\n"
    )
    policy = load_policy(path)
    assert policy.reminder_lead_days == (14, 3)
    assert [level.value for level in policy.escalation_levels] == ["advisor", "staff"]
    assert (policy.quiet_hours_start.hour, policy.quiet_hours_start.minute) == (23, 30)
    assert policy.quiet_hours_end.hour == 7
    assert policy.delivery_rate_per_second == 20
    assert policy.general_meeting_interval_months == 6
    for bad in (
        "reminder_lead_days = [7, 7]\n",
        'escalation_levels = ["officers", "dean"]\n',
        "escalation_levels = []\n",
        "delivery_rate_per_second = 31\n",
        "delivery_chat_rate_per_second = 2\n",
        'quiet_hours_start = "late"\n',
    ):
        path.write_text(bad)
        with pytest.raises(PolicyError):
            load_policy(path)
