"""`clubbot import` of the unions' files, then `clubbot ledger`: the union rules in the CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.app.cli import main
from tests import unions as data


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "BOT_USERNAME", "POLICY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return tmp_path


def test_import_the_unions_then_the_ledger(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [
        ("students", data.ROSTER),
        ("unions", data.UNIONS),
        ("congress", data.CONGRESS),
        ("union-posts", data.POSTS),
    ]
    for kind, text in files:
        path = env / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        assert main(["import", kind, str(path)]) == 0, capsys.readouterr().err
    assert "17 created" in capsys.readouterr().out
    bad = env / "bad.csv"
    bad.write_text("union,season,held_on,attendees\nNowhere SU,winter,2026-01-01,x\n")
    assert main(["import", "trainings", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "nothing imported" in err
    assert "season 'winter' is not one of spring|autumn" in err
    assert "attendees 'x'" in err
    out = env / "ledger.csv"
    assert main(["ledger", str(out)]) == 0
    with out.open(encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["rule"] == "SU-9"]
    assert [(r["standing"], r["name"]) for r in rows] == [("gaps", "Graduate SU")]
