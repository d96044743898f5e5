"""README's policy block is the policy's defaults, field for field: the README cannot drift."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from bot.domain.policy import Policy

README = Path(__file__).resolve().parents[1] / "README.md"


def _policy_block() -> dict[str, object]:
    section = README.read_text(encoding="utf-8").split("### Policy", 1)[1]
    found = re.search(r"```toml\n(.*?)```", section, re.S)
    assert found, "README's policy section has no TOML block"
    return tomllib.loads(found.group(1))


def test_readme_lists_every_policy_value() -> None:
    assert set(_policy_block()) == set(Policy.model_fields)


def test_readme_policy_values_are_the_defaults() -> None:
    assert Policy.model_validate(_policy_block()) == Policy()
