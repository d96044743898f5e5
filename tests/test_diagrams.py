"""Each flow module's Mermaid diagram draws its flows' transition tables, move for move.

A diagram (`bot/flows/<module>.mmd`) holds one composite state per flow, named like the flow,
whose states are named `<flow>_<state>`: Mermaid's state names are global, and two flows of one
module may share a state name. `[*] --> x` is a start, `x --> [*]` an end. README's diagrams are
copies of these files, so they cannot drift either.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pytest

import bot.flows
from bot.core.engine import UndeclaredMove, _moved
from bot.core.router import END, Flow, Step
from bot.flows import build_router
from bot.flows.joining import JoinData
from storage.conversations import Conversation

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
COMPOSITE = re.compile(r"state (\w+) \{")
MOVE = re.compile(r"(\S+) --> (\S+)(?: : .+)?")

Move = tuple[str, str]  # (before, after); END before a start and after an end


@dataclass
class Drawn:
    """One flow as a diagram draws it."""

    moves: set[Move] = field(default_factory=set)

    @property
    def states(self) -> set[str]:
        return {state for move in self.moves for state in move} - {END}


def parse(text: str) -> dict[str, Drawn]:
    """The flows a diagram draws, by flow name."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("%%")]
    assert lines[0] == "stateDiagram-v2", "not a state diagram"
    drawn: dict[str, Drawn] = {}
    flow: str | None = None
    for line in lines[1:]:
        opened = COMPOSITE.fullmatch(line)
        move = MOVE.fullmatch(line)
        if opened and flow is None:
            flow = opened.group(1)
            assert flow not in drawn, f"{flow} drawn twice"
            drawn[flow] = Drawn()
        elif line == "}" and flow is not None:
            flow = None
        elif move and flow is not None:
            before, after = (_state(flow, name) for name in move.group(1, 2))
            drawn[flow].moves.add((before, after))
        else:
            raise AssertionError(f"not understood: {line!r}")
    assert flow is None, f"{flow} is not closed"
    return drawn


def _state(flow: str, name: str) -> str:
    if name == END:
        return END
    assert name.startswith(f"{flow}_"), f"{name} is not a state of {flow}"
    return name.removeprefix(f"{flow}_")


def table(flow: Flow) -> set[Move]:
    """A flow's table as moves: its starts, and each state's transitions."""
    starts = {(END, state) for state in flow.starts}
    return starts | {
        (state, after) for state, moves in flow.transitions.items() for after in moves
    }


def differences(flows: Mapping[str, Flow], drawn: Mapping[str, Drawn]) -> list[str]:
    """What a diagram gets wrong about these flows; empty when it draws them exactly."""
    found = [f"{name}: not drawn" for name in sorted(flows.keys() - drawn.keys())]
    found += [f"{name}: drawn, not a flow" for name in sorted(drawn.keys() - flows.keys())]
    for name in sorted(flows.keys() & drawn.keys()):
        flow, seen = flows[name], drawn[name]
        if seen.states != set(flow.states):
            found.append(f"{name}: draws states {sorted(seen.states)}, has {sorted(flow.states)}")
        found += [f"{name}: {a} --> {b} missing" for a, b in sorted(table(flow) - seen.moves)]
        found += [
            f"{name}: {a} --> {b} not in the table" for a, b in sorted(seen.moves - table(flow))
        ]
    return found


def _flow_modules() -> list[ModuleType]:
    names = (info.name for info in pkgutil.iter_modules(bot.flows.__path__))
    modules = [importlib.import_module(f"bot.flows.{name}") for name in names]
    return [
        module for module in modules if getattr(module, "router", None) and module.router.flows
    ]


def _diagram(module: ModuleType) -> Path:
    assert module.__file__ is not None
    return Path(module.__file__).with_suffix(".mmd")


@pytest.mark.parametrize("module", _flow_modules(), ids=lambda module: module.__name__)
def test_the_diagram_draws_the_module_flows_tables(module: ModuleType) -> None:
    diagram = _diagram(module)
    assert diagram.exists(), f"{module.__name__} has flows and no {diagram.name}"
    assert differences(module.router.flows, parse(diagram.read_text(encoding="utf-8"))) == []


def test_every_registered_flow_has_a_diagram() -> None:
    drawn = {
        name
        for module in _flow_modules()
        if _diagram(module).exists()
        for name in parse(_diagram(module).read_text(encoding="utf-8"))
    }
    assert drawn == set(build_router().flows)


def test_a_wrong_diagram_is_caught(tmp_path: Path) -> None:
    from bot.flows import joining

    text = _diagram(joining).read_text(encoding="utf-8")
    dropped = "        leave_pick --> leave_confirm : club button or name typed\n"
    assert dropped in text
    wrong = text.replace(dropped, "        leave_confirm --> leave_pick : back\n")
    wrong += "    state rejoin {\n        [*] --> rejoin_club\n    }\n"
    (tmp_path / "joining.mmd").write_text(wrong, encoding="utf-8")

    found = differences(joining.router.flows, parse((tmp_path / "joining.mmd").read_text()))

    assert found == [
        "rejoin: drawn, not a flow",
        "leave: pick --> confirm missing",
        "leave: confirm --> pick not in the table",
    ]


def test_a_diagram_names_its_states_by_flow() -> None:
    with pytest.raises(AssertionError, match="not a state of join"):
        parse("stateDiagram-v2\n    state join {\n        [*] --> leave_pick\n    }\n")


def test_the_engine_refuses_a_move_the_table_lacks() -> None:
    flows = build_router().flows
    at_confirm = Conversation(chat_id=1, user_id=1, flow="join", state="confirm", step=3)
    back = Step(flow="join", state="club", data=JoinData())
    with pytest.raises(UndeclaredMove):
        _moved(at_confirm, back, 4, flows)
    again = Step(flow="join", state="confirm", data=JoinData(club_id=1))
    assert _moved(at_confirm, again, 4, flows)
    assert (at_confirm.flow, at_confirm.state, at_confirm.step) == ("join", "confirm", 4)


def test_the_engine_refuses_a_flow_entered_elsewhere_than_its_starts() -> None:
    flows = build_router().flows
    idle = Conversation(chat_id=1, user_id=1)
    with pytest.raises(UndeclaredMove):
        _moved(idle, Step(flow="join", state="club", data=JoinData()), 1, flows)
    assert _moved(idle, Step(flow="join", state="category", data=JoinData()), 1, flows)
    assert _moved(idle, Step.say("bye"), 2, flows)


def test_readme_diagrams_are_copies_of_the_diagram_files() -> None:
    blocks = re.findall(r"```mermaid\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    files = {path.read_text(encoding="utf-8") for path in ROOT.glob("bot/**/*.mmd")}
    assert blocks
    assert [block for block in blocks if block not in files] == []


def test_readme_lists_every_flow_with_its_diagram() -> None:
    section = README.read_text(encoding="utf-8").split("### Conversations", 1)[1]
    section = section.split("\n## ", 1)[0]
    for module in _flow_modules():
        assert f"bot/flows/{_diagram(module).name}" in section
        for name in module.router.flows:
            assert f"`{name}`" in section, name
