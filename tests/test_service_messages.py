"""The use cases build no message: a module under bot/services/ may import `bot.chat.i18n` or
`bot.chat.callbacks` only if it is a notices module (a `notices` package or a `notices.py`)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ROOT / "bot" / "services"
MESSAGE_MODULES = ("bot.chat.i18n", "bot.chat.callbacks")


def is_notices(path: Path, root: Path) -> bool:
    """A notices module: one named `notices`, or one inside a `notices` package."""
    return "notices" in path.relative_to(root).with_suffix("").parts


def imported(tree: ast.Module) -> set[str]:
    """Every module an import statement names (`from a import b` names a.b as well as a)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def offenders(services: Path, root: Path) -> list[str]:
    """The non-notices modules under `services` that import a message module."""
    found = []
    for path in sorted(services.rglob("*.py")):
        if is_notices(path, services):
            continue
        names = imported(ast.parse(path.read_text(encoding="utf-8")))
        if any(name == m or name.startswith(f"{m}.") for name in names for m in MESSAGE_MODULES):
            found.append(path.relative_to(root).as_posix())
    return found


def test_only_notices_modules_build_messages() -> None:
    assert (SERVICES / "notices" / "reminders.py").exists()
    assert offenders(SERVICES, ROOT) == []


def test_the_check_would_see_an_offender(tmp_path: Path) -> None:
    services = tmp_path / "bot" / "services"
    (services / "notices").mkdir(parents=True)
    (services / "notices" / "clubs.py").write_text("from bot.chat.i18n import tr\n")
    (services / "elections").mkdir()
    (services / "elections" / "notices.py").write_text("from bot.chat import callbacks\n")
    (services / "clubs.py").write_text("from bot.chat.replies import Button\n")
    (services / "ballots.py").write_text("from bot.chat import i18n\n")
    (services / "tally.py").write_text("def count() -> None:\n    import bot.chat.callbacks\n")
    (services / "seats.py").write_text("from bot.chat.i18n import tr as translate\n")
    assert offenders(services, tmp_path) == [
        "bot/services/ballots.py",
        "bot/services/seats.py",
        "bot/services/tally.py",
    ]
