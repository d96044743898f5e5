"""The `clubbot` command: imports, codes, roles, and `run` without a token."""

from __future__ import annotations

import csv
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from bot.app.cli import main
from storage import migrate
from tests.harness import CLUB_HEADER, STUDENT_HEADER, student_line


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "BOT_USERNAME", "POLICY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return tmp_path


def test_run_without_token_explains(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    assert "@BotFather" in capsys.readouterr().err


def test_import_codes_and_roles(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    students = env / "students.csv"
    students.write_text("\n".join([STUDENT_HEADER, student_line("S1"), student_line("S2")]))
    assert main(["import", "students", str(students)]) == 0
    assert "2 created" in capsys.readouterr().out
    clubs = env / "clubs.csv"
    clubs.write_text(f"{CLUB_HEADER}\nChess Club,academic,CS Dept,2020-09-01\n")
    assert main(["import", "clubs", str(clubs)]) == 0

    assert main(["codes", str(env / "codes.csv")]) == 2  # no username to build links with
    monkeypatch.setenv("BOT_USERNAME", "uni_clubs_bot")
    assert main(["codes", str(env / "codes.csv")]) == 0
    assert (env / "codes.csv").stat().st_mode & 0o777 == 0o600
    with (env / "codes.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["student_id"] for r in rows] == ["S1", "S2"]
    assert rows[0]["link"] == f"https://t.me/uni_clubs_bot?start={rows[0]['code']}"

    assert main(["grant", "staff", "42"]) == 0
    assert "staff granted to 42" in capsys.readouterr().out
    assert main(["revoke", "staff", "42"]) == 0
    assert "staff revoked from 42" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert f"revision {migrate.revisions()[-1]}" in capsys.readouterr().out


def test_bad_roster_imports_nothing_and_fails(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = env / "bad.csv"
    bad.write_text("\n".join([STUDENT_HEADER, student_line("S1"), "S2,x,y,z,enrolled,no,x,none"]))
    assert main(["import", "students", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "nothing imported" in err
    assert "line 3: rank_pct" in err
    assert main(["import", "students", str(env / "missing.csv")]) == 1
    good = env / "good.csv"
    good.write_text("\n".join([STUDENT_HEADER, student_line("S9")]))
    assert main(["import", "students", str(good)]) == 0
    assert "1 created" in capsys.readouterr().out  # S1 of the bad file was not imported


def test_invalid_policy_file_is_reported(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = env / "policy.toml"
    policy.write_text("max_clubs_per_student = 0\n")
    monkeypatch.setenv("POLICY_FILE", str(policy))
    assert main(["db", "upgrade"]) == 2
    assert "max_clubs_per_student" in capsys.readouterr().err


def test_advisors_units_reviews_windows_and_appointments(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(*argv: str) -> tuple[int, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    (env / "units.csv").write_text("name,kind\nCS Dept,department\n")
    assert run("import", "units", str(env / "units.csv")) == (
        0,
        f"{env / 'units.csv'}: 1 created, 0 updated, 0 unchanged\n",
    )
    (env / "advisors.csv").write_text(
        "staff_id,name,department,party_member\nT1,Teacher One,CS,yes\nT2,Teacher Two,CS,no\n"
    )
    assert run("import", "advisors", str(env / "advisors.csv"))[0] == 0
    (env / "students.csv").write_text("\n".join([STUDENT_HEADER, student_line("S1")]))
    assert run("import", "students", str(env / "students.csv"))[0] == 0
    clubs = env / "clubs.csv"
    clubs.write_text(
        "name,category,guidance_unit,founded,president,advisor,advisor_term_end\n"
        "Chess Club,academic,CS Dept,2020-09-01,S1,T1,2030-06-30\n"
    )
    code, out = run("import", "clubs", str(clubs))
    assert code == 0
    assert "1 presidents set, 1 advisors appointed" in out

    monkeypatch.setenv("BOT_USERNAME", "uni_clubs_bot")
    assert run("codes", "--advisors", str(env / "advisor-codes.csv"))[0] == 0
    with (env / "advisor-codes.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["staff_id"] for r in rows] == ["T1", "T2"]
    assert rows[0]["link"].endswith(rows[0]["code"])

    assert run("grant", "rep", "77", "--unit", "cs dept") == (0, "77 now represents CS Dept\n")
    assert run("grant", "rep", "77")[0] == 1
    assert run("revoke", "rep", "77", "--unit", "Nowhere")[0] == 1
    assert run("revoke", "rep", "77", "--unit", "CS Dept")[0] == 0

    code, out = run("review", "window", "2030", "2030-11-01", "2030-11-30")
    assert code == 0
    assert "1 deadlines opened" in out
    assert run("review", "window", "2030", "2030-11-30", "2030-11-01")[0] == 1
    code, out = run("review", "result", "chess club", "pass", "--date", "2030-11-15")
    assert (code, out) == (0, "Chess Club: review 2030 recorded as pass\n")
    assert run("review", "result", "Go Club", "pass")[0] == 1
    assert run("reregistration", "window", "2030", "2030-09-01", "2030-09-30")[0] == 0

    code, out = run("advisor", "renew", "Chess Club", "--until", "2031-06-30")
    assert (code, out) == (0, "Chess Club: advisor Teacher One (T1) until 2031-06-30\n")
    code, out = run("advisor", "appoint", "Chess Club", "T2")
    assert code == 0
    assert "Teacher Two (T2)" in out
    assert run("advisor", "appoint", "Chess Club", "T9")[0] == 1

    assert run("tick")[0] == 2  # no token to reach Telegram with


def test_screening_list_and_reviewer_role(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", "add", "Huawei", "--reason", "a company (REG-6)"]) == 0
    assert main(["screen", "add", "ＨＵＡＷＥＩ", "--reason", "again"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert main(["screen", "add", "bad\u202eterm", "--reason", "x"]) == 1
    assert main(["screen", "list"]) == 0
    assert capsys.readouterr().out == "Huawei\ta company (REG-6)\n"
    assert main(["screen", "retire", "huawei"]) == 0
    assert main(["screen", "list"]) == 0
    assert "Huawei" not in capsys.readouterr().out.split("retire: huawei\n")[-1]
    assert main(["grant", "reviewer", "77"]) == 0
    assert "reviewer granted to 77" in capsys.readouterr().out


def test_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"clubbot {metadata.version('clubbot')}"


def test_an_older_python_is_told_what_it_needs() -> None:
    probe = "import sys; sys.version_info = (3, 10, 12); import bot"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 1
    assert "clubbot needs Python 3.11 or newer" in done.stderr


def test_the_ballot_key_is_made_once_owner_only_unless_given(tmp_path: Path) -> None:
    from bot.app.settings import Settings

    path = tmp_path / "keys" / "ballot.key"
    made = Settings(ballot_key_file=path).ballot_key_bytes()
    assert len(made) == 64
    assert path.stat().st_mode & 0o777 == 0o600
    assert Settings(ballot_key_file=path).ballot_key_bytes() == made
    assert Settings(ballot_key="given", ballot_key_file=path).ballot_key_bytes() == b"given"
    assert "given" in Settings(ballot_key="given").secrets()


def test_the_database_and_its_folder_are_owner_only(tmp_path: Path) -> None:
    from storage.db import Database

    Database(f"sqlite:///{tmp_path / 'new' / 'clubbot.db'}")
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "new" / "clubbot.db").stat().st_mode & 0o777 == 0o600


def test_an_import_lists_every_error_of_a_line_and_says_what_is_wrong_with_a_date(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = env / "clubs.csv"
    bad.write_text(
        f"{CLUB_HEADER}\n"
        "X Club,academicx,CS,2016-02-30\n"
        "Y Club,academic,CS,30/02/2016\n"
        "Z Club,academic,CS,2021-13-01\n"
    )
    assert main(["import", "clubs", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "3 lines have errors" in err
    assert "line 2: category 'academicx' is not one of" in err
    assert "founded 2016-02-30: February 2016 has 29 days, not 30" in err  # the same line
    assert "line 3: founded '30/02/2016' is not a date written YYYY-MM-DD" in err
    assert "line 4: founded 2021-13-01: there is no month 13" in err
    assert "(s)" not in err


@pytest.mark.parametrize(
    ("command", "name"),
    [("ledger", "out.pdf"), ("ledger", "out"), ("codes", "codes.xlsx")],
)
def test_an_output_file_with_an_unknown_extension_is_refused_before_anything_runs(
    env: Path, capsys: pytest.CaptureFixture[str], command: str, name: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, str(env / name)])
    assert exit_.value.code == 2
    assert "the file's name must end in" in capsys.readouterr().err
    assert not (env / name).exists()
