"""What the front ends do beyond translating updates: here, aiogram's answer models stay built."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Builds each method's answer model as aiogram does (inside a function), lets go of it, runs a full
# garbage collection, and prints how many of the models were freed (and so would be built again).
PROBE = """
import gc, sys, weakref
from aiogram.methods import GetUpdates, SendMessage
from aiogram.methods.base import Response
methods = (GetUpdates, SendMessage)
if sys.argv[1] == "adapter":
    import bot.handlers.aiogram as front
    methods = front.METHODS
def answer(method):
    return Response[method.__returning__]
refs = [weakref.ref(answer(method)) for method in methods]
gc.collect()
print(len(refs), sum(ref() is None for ref in refs))
"""


def freed(mode: str) -> tuple[int, int]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, cwd=ROOT, check=True
    )
    built, gone = result.stdout.split()
    return int(built), int(gone)


def test_aiogram_frees_its_answer_models_on_its_own() -> None:
    assert freed("bare") == (2, 2)


def test_the_aiogram_front_end_keeps_its_answer_models() -> None:
    built, gone = freed("adapter")
    assert built >= 10
    assert gone == 0


def test_every_method_the_aiogram_front_end_calls_is_kept() -> None:
    source = (ROOT / "bot" / "handlers" / "aiogram.py").read_text()
    called = set(re.findall(r"self\.bot\.(\w+)\(", source)) - {"download_file"}
    assert {"send_message", "edit_message_text", "answer_callback_query"} <= called
    import bot.handlers.aiogram as front

    kept = {re.sub(r"(?<!^)([A-Z])", r"_\1", m.__name__).lower() for m in front.METHODS}
    assert called | {"get_updates"} <= kept
