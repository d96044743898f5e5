"""The deployment files agree with the code: every setting is in .env.example and README, the
image installs what the package is made of, as a user that is not root."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from bot.app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_ONLY = {"POSTGRES_PASSWORD"}


def settings_names() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def test_env_example_lists_every_setting_and_nothing_else() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    keys = set(re.findall(r"^([A-Z_]+)=", text, flags=re.M))
    assert keys - COMPOSE_ONLY == settings_names()


def test_readme_configuration_table_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("###", 1)[0]
    assert set(re.findall(r"^\| `([A-Z_]+)` \|", table, flags=re.M)) == settings_names()


def test_the_image_installs_the_package_from_the_hash_checked_lock_as_a_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, flags=re.M)
    assert "HEALTHCHECK" in dockerfile
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = project["tool"]["setuptools"]["packages"]["find"]["include"]
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, flags=re.M))
    assert {p.rstrip("*") for p in packages} <= copied


def test_compose_runs_the_bot_with_postgresql() -> None:
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    assert "image: postgres:" in compose
    assert "condition: service_healthy" in compose
    assert "DATABASE_URL: postgresql://" in compose
