"""The layers, checked on every import (function-level ones too) of the shipped code.

domain < chat < storage < services < core, schedules, render < flows < handlers < app

A module may import its own package and any lower layer, never a higher one or a sibling of its
own rank. Only `storage/` touches SQLAlchemy and the database drivers; only `bot/handlers/`
imports a Telegram framework (`test_boundary.py` also proves that one by importing the core).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("bot", "storage", "schedules", "playground")

# The layer of each module prefix (the longest prefix wins), and each layer's rank. Layers of one
# rank are siblings: neither imports the other.
LAYERS: dict[str, str] = {
    "bot": "domain",  # the package itself: a docstring
    "bot.domain": "domain",
    "bot.chat": "chat",
    "storage": "storage",
    "bot.services": "services",
    "bot.core": "core",
    "schedules": "schedules",
    "bot.render": "render",
    "bot.flows": "flows",
    "bot.handlers": "handlers",
    "bot.app": "app",
    "bot.__main__": "app",
    "bot.tally": "app",  # `python -m bot.tally`: an entry point, like the CLI
    "playground": "app",  # the app run on the emulator with the demo university
}
RANKS = {
    "domain": 0,
    "chat": 1,
    "storage": 2,
    "services": 3,
    "core": 4,
    "schedules": 4,
    "render": 4,
    "flows": 5,
    "handlers": 6,
    "app": 7,
}
DATABASE = ("sqlalchemy", "sqlmodel", "alembic", "asyncpg", "sqlite3")
FRAMEWORKS = ("telegram", "aiogram")


def layer_of(module: str) -> str | None:
    found = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return LAYERS[max(found, key=len)] if found else None


def modules() -> dict[str, Path]:
    found = {}
    for package in SHIPPED:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(name: str, path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import in the file, resolved to dotted names."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".")[: -node.level if path.stem != "__init__" else None]
                base = ".".join([*package[: len(package) - node.level + 1], base]).strip(".")
            found.append((node.lineno, base))
            # `from bot.chat import i18n` imports the module bot.chat.i18n
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def violations() -> list[str]:
    shipped = modules()
    bad = []
    for name, path in sorted(shipped.items()):
        mine = layer_of(name)
        assert mine is not None, f"{name} belongs to no layer: add it to LAYERS"
        for line, target in imports_of(name, path):
            where = f"{path.relative_to(ROOT)}:{line}"
            top = target.split(".")[0]
            if top in DATABASE and mine != "storage":
                bad.append(f"{where} imports {target}: only storage/ touches the database")
            if top in FRAMEWORKS and mine != "handlers":
                bad.append(f"{where} imports {target}: only bot/handlers/ imports a framework")
            theirs = layer_of(target)
            if theirs is None or theirs == mine or target not in shipped:
                continue
            if RANKS[theirs] >= RANKS[mine]:
                bad.append(f"{where}: {mine} imports {target} ({theirs})")
    return bad


def test_every_import_points_down() -> None:
    assert violations() == []


def test_the_check_sees_imports_of_every_kind(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import sqlalchemy\nfrom bot.core import engine\ndef f():\n    from storage.tx import Tx\n"
    )
    found = imports_of("bot.domain.probe", probe)
    assert (1, "sqlalchemy") in found
    assert (2, "bot.core.engine") in found
    assert (4, "storage.tx") in found


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("bot.domain.tally", "domain"),
        ("bot.services.elections.voting", "services"),
        ("bot.tally", "app"),
        ("storage.db", "storage"),
        ("playground.demo", "app"),
        ("bot.handlers.ptb", "handlers"),
    ],
)
def test_layer_of(module: str, layer: str) -> None:
    assert layer_of(module) == layer


# --- one storage boundary ------------------------------------------------------------------------

# What a storage function writes with, or locks rows for a write with (a function that calls
# another writer of its module writes too). A read that may lock (`get(..., lock=True)`) is a read.
WRITES = re.compile(
    r"\.run\(|\.add\(|\.add_all\(|\.flush\(|\.delete\(|\binsert\(|\bupdate\(|\bdelete\("
    r"|lock_rows|\block_"
)


def storage_writers() -> set[str]:
    """`module.function` of every storage function that writes or locks."""
    writers: set[str] = set()
    for path in (ROOT / "storage").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        bodies = {
            node.name: ast.get_source_segment(source, node) or ""
            for node in tree.body
            if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef)
        }
        # Statements built once at import (`_CHOOSE_LANGUAGE = update(...)`).
        statements = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            and WRITES.search(ast.get_source_segment(source, node) or "")
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        direct = {
            name
            for name, body in bodies.items()
            if WRITES.search(body) or any(re.search(rf"\b{s}\b", body) for s in statements)
        }
        grew = True
        while grew:
            more = {
                name
                for name, body in bodies.items()
                if any(re.search(rf"\b{w}\(", body) for w in direct)
            }
            grew = not more <= direct
            direct |= more
        writers |= {f"{path.stem}.{name}" for name in direct}
    return writers


def storage_calls(path: Path) -> set[str]:
    """`module.function` of every storage attribute a file uses (`from storage import x`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = {
        alias.asname or alias.name: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "storage"
        for alias in node.names
    }
    found = {
        f"{aliases[node.value.id]}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in aliases
    }
    found |= {
        f"{node.module.split('.', 1)[1]}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("storage.")
        for alias in node.names
    }
    return found


def boundary_violations() -> list[str]:
    bad = []
    writers = storage_writers()
    for name, path in sorted(modules().items()):
        if layer_of(name) == "storage":
            continue
        where = path.relative_to(ROOT)
        bad += [
            f"{where}:{node.lineno} reaches for the ORM session"
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Attribute)
            and node.attr == "session"
            and ast.unparse(node.value).split(".")[-1] == "tx"
        ]
        calls = storage_calls(path)
        bad += [f"{where} imports storage.{c}" for c in sorted(calls) if c.startswith("models.")]
        if layer_of(name) == "flows":
            bad += [f"{where} writes through storage.{c}" for c in sorted(calls & writers)]
    return bad


def test_only_storage_touches_the_session_and_rows_and_flows_write_through_services() -> None:
    assert boundary_violations() == []


def test_the_writer_check_knows_a_writer_and_a_reader() -> None:
    writers = storage_writers()
    assert "clubs.end_memberships" in writers
    assert "people.choose_language" in writers
    assert "clubs.club_by_key" not in writers
    probe = ROOT / "bot" / "flows" / "joining.py"
    assert "clubs.club_by_key" in storage_calls(probe)


def test_the_application_machine_is_pure() -> None:
    """The application's state machine reads nothing and says nothing: no storage, no chat."""
    path = ROOT / "bot" / "services" / "applications" / "machine.py"
    imported = {target for _, target in imports_of("bot.services.applications.machine", path)}
    assert not {t for t in imported if t.startswith(("storage", "bot.chat", "bot.services"))}


def test_storage_hands_out_plain_values_not_rows() -> None:
    """No public storage function is declared to return an ORM row (`*Row`)."""
    leaks = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
        for path in sorted((ROOT / "storage").glob("*.py"))
        if path.stem != "models"
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef)
        and not node.name.startswith("_")
        and node.returns is not None
        and re.search(r"\w+Row\b", ast.unparse(node.returns))
    ]
    assert leaks == []
