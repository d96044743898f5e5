"""The university's policy: every number of RULES.md, with the rulebook's defaults.

A university overrides any of them in a TOML file named by `POLICY_FILE`; the code reads these
fields and never spells a rule's number itself.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class PolicyError(Exception):
    """The policy file cannot be read or holds a value out of range."""


class Policy(BaseModel):
    """Rule values; field names cite the rule they parameterize."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # ORG-2: a student belongs to at most this many clubs at a time.
    max_clubs_per_student: int = Field(default=2, ge=1, le=20)
    # Binding: wrong one-time codes allowed per window before the user must wait.
    bind_max_failures: int = Field(default=5, ge=1)
    bind_failure_window_minutes: int = Field(default=10, ge=1)


def load_policy(path: Path | None) -> Policy:
    """Read the policy TOML (a flat table of the fields above); None gives the defaults."""
    if path is None:
        return Policy()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc}") from exc
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        raise PolicyError(f"invalid policy file {path}:\n{exc}") from exc
