"""Every button the bot builds fits Telegram's 64 bytes of callback data, with the largest ids
the database can hold and the longest values the code passes."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from bot.chat import callbacks

ROOT = Path(__file__).resolve().parents[1]
# A 16-digit id (10**15 and above) or a 16-character token or value: longer than any the
# bot makes (tokens are 16 URL-safe characters).
MAXIMAL = "9" * 16
# What a starred argument (`*args`) stands for at most: two more parts.
STARRED = [MAXIMAL, MAXIMAL]
# A kind passed in a variable (the pages module's): kinds are constants of a few letters.
KIND = "kind"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def calls() -> list[tuple[str, int, list[str]]]:
    """(module, line, the parts with variables at their maximum) of every `callbacks.encode`."""
    found = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if path.stem == "__main__":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = importlib.import_module(module_name(path))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "encode"
                and ast.unparse(node.func.value) == "callbacks"
            ):
                continue
            parts: list[str] = []
            for i, arg in enumerate(node.args):
                if i == 0 and _resolve(module, arg) is None and not isinstance(arg, ast.Constant):
                    parts.append(KIND)
                elif isinstance(arg, ast.Starred):
                    parts += STARRED
                elif isinstance(arg, ast.Constant):
                    parts.append(str(arg.value))
                else:
                    value = _resolve(module, arg)
                    parts.append(MAXIMAL if value is None else str(value))
            found.append((module.__name__, node.lineno, parts))
    return found


def _resolve(module: object, node: ast.expr) -> str | None:
    """A module-level constant the argument names (a kind), else None (a variable)."""
    name = ast.unparse(node)
    target: object = module
    for attr in name.split("."):
        target = getattr(target, attr, None)
        if target is None:
            return None
    return target if isinstance(target, str) and name.split(".")[-1].isupper() else None


def test_every_button_fits_64_bytes_at_its_largest() -> None:
    found = calls()
    assert len(found) > 25
    too_long = []
    for module, line, parts in found:
        try:
            callbacks.encode(*parts)
        except ValueError as error:
            too_long.append(f"{module}:{line} {error}")
    assert too_long == []


def test_the_codec_refuses_what_would_not_fit() -> None:
    assert len(callbacks.encode("k", MAXIMAL, MAXIMAL, MAXIMAL).encode()) <= 64
    try:
        callbacks.encode("k", MAXIMAL, MAXIMAL, MAXIMAL, MAXIMAL)
    except ValueError:
        return
    raise AssertionError("a fifth 16-byte part should not fit")
