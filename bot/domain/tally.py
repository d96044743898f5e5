"""Counting the votes of a club election: pure functions, standard library only.

Anyone can recount a published election with this one file: `python -m bot.tally OUT.json` in a
clubbot checkout, or `python tally.py OUT.json` with nothing but this file and Python 3.11. So it
imports nothing of clubbot and nothing outside the standard library.

Methods
  plurality  one seat; a ballot marks at most one candidate.
  approval   one or more seats; a ballot marks any number of distinct candidates.
  block      one or more seats; a ballot marks at most as many distinct candidates as there are
             seats.
  irv        instant runoff, one seat; a ballot ranks distinct candidates, best first.
  motion     a yes/no question; a ballot holds exactly one of "yes", "no", "abstain".

A ballot without marks is blank: it counts toward turnout and for nobody. A ballot naming an
unknown candidate, a candidate twice, or more marks than the method allows (or a receipt used
twice) stops the count with `InvalidBallots`, which names every such receipt: ballots are checked
when they are cast, so an invalid one here means damaged data, and skipping it would hide that.

Quorum. A position's turnout is the number of its ballots, blank ones and abstentions included. If
it is below `quorum * members` (`Rules`, given by the caller from the university's policy), the
vote fails: outcome `no_quorum`, nobody elected, nothing counted.

Seats. The candidates with the most votes take the seats; a candidate with no vote is never
elected, so a seat can stay unfilled. When candidates are tied for the last seat(s), the tie rule
decides: without a seed the outcome is `runoff`, `Result.runoff` names the tied candidates (those
above them are elected) and a new vote among them is needed; with a seed (published before the
vote) the tied candidates are put in order by lot and the first ones take the seats
(`Result.lot` is that order).

The lot. Candidates are ordered by the SHA-256 hex digest of the UTF-8 text
`f"{seed}\\n{position key}\\n{candidate id}"`, smallest first, which anyone can redo:
    sorted(ids, key=lambda c: hashlib.sha256(f"{seed}\\n{key}\\n{c}".encode()).hexdigest())

Instant runoff, round by round. Each ballot counts for its highest-ranked continuing candidate; a
ballot with none left is exhausted (a blank one from round 1), so continuing ballots + exhausted =
turnout in every round. A candidate with more than half of the continuing ballots is elected.
Otherwise, when every continuing candidate has the same count, they are tied for the seat (the tie
rule above). Otherwise the candidate with the fewest votes is eliminated. Among several with the
fewest: the one with fewer votes in the latest earlier round in which they differ; if still tied,
with a seed the one the lot puts last; without a seed all of them at once when together they have
fewer votes than every other continuing candidate (then their order cannot change the outcome),
and otherwise a runoff among the continuing candidates is needed. If no ballot names anyone,
nobody is elected.

Motions pass when the quorum is met and yes > no (a tie is rejected); abstentions only count toward
turnout.

Export file, format "clubbot-election/1": UTF-8 JSON, written with its SHA-256 in a sidecar
`OUT.json.sha256` (the `sha256sum` line `<hex>  OUT.json`, so `sha256sum -c` checks it too):
    {"format": "clubbot-election/1",
     "election": {...},                 # as the exporter describes it (id, club, title, dates)
     "members": 40,                     # members entitled to vote
     "quorum": "1/2",                   # a fraction of members
     "tie_rule": {"kind": "lot", "seed": "..."} | {"kind": "runoff"},
     "positions": [
       {"key": "president", "title": "President", "method": "irv", "seats": 1,
        "candidates": [{"id": "c1", "name": "..."}],      # seats and candidates: not for motions
        "ballots": [{"receipt": "...", "choices": ["c1", "c2"]}],   # sorted by receipt
        "result": {"outcome": "elected", "turnout": 35, "counts": {"c1": 20},
                   "elected": ["c1"], "runoff": [], "lot": [],
                   "rounds": [{"counts": {...}, "exhausted": 0, "eliminated": [], "lot": []}]}}]}
Ballots carry no voter and no time, and their order (by receipt) tells nothing of when they were
cast. `counts` are the votes per candidate (for irv, those of the last round; for a motion, yes,
no and abstain); `rounds` is empty except for irv.

Recount: `python -m bot.tally OUT.json` checks the file against its sidecar (if there is one),
recounts every position from the ballots alone and prints each count, every instant-runoff round
included. It exits 0 when the SHA-256 matches and every recount equals the recorded result, 1 when
not (naming each position that differs, with both values), 2 when the file cannot be read or is
no valid export (an invalid ballot is named by its receipt).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

FORMAT = "clubbot-election/1"
MOTION_CHOICES = ("yes", "no", "abstain")

T = TypeVar("T")


class Method(StrEnum):
    PLURALITY = "plurality"
    APPROVAL = "approval"
    BLOCK = "block"
    IRV = "irv"
    MOTION = "motion"


METHOD_NAMES = {
    Method.PLURALITY: "plurality",
    Method.APPROVAL: "approval vote",
    Method.BLOCK: "block vote",
    Method.IRV: "instant runoff",
    Method.MOTION: "motion",
}


class Outcome(StrEnum):
    ELECTED = "elected"
    RUNOFF = "runoff"
    NO_QUORUM = "no_quorum"
    PASSED = "passed"
    REJECTED = "rejected"


class TallyError(Exception):
    """A position, its ballots or an export file cannot be counted."""


class InvalidBallots(TallyError):
    """Ballots that break the position's rules; `problems` pairs each receipt with its fault."""

    def __init__(self, position: str, problems: Sequence[tuple[str, str]]) -> None:
        self.position = position
        self.problems = tuple(problems)
        shown = "; ".join(f"ballot {receipt}: {why}" for receipt, why in self.problems[:10])
        more = f"; and {len(self.problems) - 10} more" if len(self.problems) > 10 else ""
        super().__init__(
            f"position {position}: {len(self.problems)} invalid "
            f"{'ballot' if len(self.problems) == 1 else 'ballots'}: {shown}{more}"
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Position:
    """A seat (or several) to fill, or a motion; a motion has one seat and no candidates."""

    key: str
    title: str
    method: Method
    seats: int = 1
    candidates: tuple[Candidate, ...] = ()

    def __post_init__(self) -> None:
        ids = [c.id for c in self.candidates]
        if len(set(ids)) != len(ids):
            raise TallyError(f"position {self.key}: a candidate id appears twice")
        if self.method is Method.MOTION:
            if self.candidates or self.seats != 1:
                raise TallyError(f"position {self.key}: a motion has no candidates or seats")
        elif self.seats < 1 or not self.candidates:
            raise TallyError(f"position {self.key}: needs a seat and a candidate")
        elif self.method in (Method.PLURALITY, Method.IRV) and self.seats != 1:
            raise TallyError(f"position {self.key}: {self.method} fills exactly one seat")


@dataclass(frozen=True, slots=True)
class Ballot:
    """One anonymous ballot: candidate ids (best first for irv), or one motion choice."""

    receipt: str
    choices: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rules:
    """The policy the caller counts under; `seed` None means ties go to a runoff."""

    members: int
    quorum: Fraction
    seed: str | None

    def __post_init__(self) -> None:
        if self.members < 0 or not 0 <= self.quorum <= 1:
            raise TallyError("members must be >= 0 and the quorum a fraction from 0 to 1")

    @property
    def needed(self) -> int:
        """The fewest ballots that meet the quorum."""
        return math.ceil(self.quorum * self.members)


@dataclass(frozen=True, slots=True)
class Round:
    """One instant-runoff round: continuing candidates' votes and who went out."""

    counts: tuple[tuple[str, int], ...]
    exhausted: int
    eliminated: tuple[str, ...] = ()
    lot: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    turnout: int
    counts: tuple[tuple[str, int], ...] = ()
    elected: tuple[str, ...] = ()
    runoff: tuple[str, ...] = ()
    lot: tuple[str, ...] = ()
    rounds: tuple[Round, ...] = ()


def check_ballot(position: Position, choices: Sequence[str]) -> str | None:
    """Why these choices are no valid ballot for the position, or None when they are one."""
    if position.method is Method.MOTION:
        if len(choices) != 1 or choices[0] not in MOTION_CHOICES:
            return "a motion ballot holds exactly one of yes, no, abstain"
        return None
    ids = {c.id for c in position.candidates}
    for choice in choices:
        if choice not in ids:
            return f"unknown candidate {choice!r}"
    if len(set(choices)) != len(choices):
        return "duplicate rank" if position.method is Method.IRV else "a candidate marked twice"
    limit = 1 if position.method is Method.PLURALITY else position.seats
    if position.method in (Method.PLURALITY, Method.BLOCK) and len(choices) > limit:
        return f"{len(choices)} marks, {position.method} allows {limit}"
    return None


def tally(position: Position, ballots: Sequence[Ballot], rules: Rules) -> Result:
    """Check every ballot, then count the position by its method under the rules."""
    _check_all(position, ballots)
    turnout = len(ballots)
    if turnout < rules.needed:
        return Result(Outcome.NO_QUORUM, turnout)
    # Identical ballots are counted once with their number: far fewer than the ballots.
    groups = Counter(b.choices for b in ballots)
    if position.method is Method.MOTION:
        return _motion(groups, turnout)
    if position.method is Method.IRV:
        return _instant_runoff(position, groups, turnout, rules.seed)
    return _marks(position, groups, turnout, rules.seed)


def draw(seed: str, key: str, ids: Sequence[str]) -> tuple[str, ...]:
    """The lot's order of these candidates of position `key`, first one favoured."""
    return tuple(
        sorted(ids, key=lambda c: hashlib.sha256(f"{seed}\n{key}\n{c}".encode()).hexdigest())
    )


def _check_all(position: Position, ballots: Sequence[Ballot]) -> None:
    problems: list[tuple[str, str]] = []
    verdicts: dict[tuple[str, ...], str | None] = {}
    receipts: set[str] = set()
    for ballot in ballots:
        if ballot.receipt in receipts:
            problems.append((ballot.receipt, "receipt used twice"))
            continue
        receipts.add(ballot.receipt)
        if ballot.choices not in verdicts:
            verdicts[ballot.choices] = check_ballot(position, ballot.choices)
        fault = verdicts[ballot.choices]
        if fault is not None:
            problems.append((ballot.receipt, fault))
    if problems:
        raise InvalidBallots(position.key, problems)


def _motion(groups: Counter[tuple[str, ...]], turnout: int) -> Result:
    votes = dict.fromkeys(MOTION_CHOICES, 0)
    for (choice,), n in groups.items():
        votes[choice] += n
    outcome = Outcome.PASSED if votes["yes"] > votes["no"] else Outcome.REJECTED
    return Result(outcome, turnout, tuple(votes.items()))


def _marks(
    position: Position, groups: Counter[tuple[str, ...]], turnout: int, seed: str | None
) -> Result:
    """Plurality, approval and block vote: every mark is one vote."""
    votes = dict.fromkeys((c.id for c in position.candidates), 0)
    for choices, n in groups.items():
        for choice in choices:
            votes[choice] += n
    # A stable sort keeps equal candidates in ballot-paper order.
    ranked = sorted((c for c in votes if votes[c] > 0), key=lambda c: -votes[c])
    counts = tuple(votes.items())
    if len(ranked) <= position.seats:
        return Result(Outcome.ELECTED, turnout, counts, tuple(ranked))
    cut = votes[ranked[position.seats - 1]]
    above = tuple(c for c in ranked if votes[c] > cut)
    tied = tuple(c for c in ranked if votes[c] == cut)
    free = position.seats - len(above)
    if len(tied) == free:
        return Result(Outcome.ELECTED, turnout, counts, above + tied)
    if seed is None:
        return Result(Outcome.RUNOFF, turnout, counts, above, runoff=tied)
    order = draw(seed, position.key, tied)
    return Result(Outcome.ELECTED, turnout, counts, above + order[:free], lot=order)


def _instant_runoff(
    position: Position, groups: Counter[tuple[str, ...]], turnout: int, seed: str | None
) -> Result:
    # Each candidate holds a pile of (ranking, how many, index of the rank now counting), so an
    # elimination moves only the eliminated candidate's pile.
    votes = dict.fromkeys((c.id for c in position.candidates), 0)
    piles: dict[str, list[tuple[tuple[str, ...], int, int]]] = {c: [] for c in votes}
    exhausted = 0
    for ranking, n in groups.items():
        if ranking:
            piles[ranking[0]].append((ranking, n, 0))
            votes[ranking[0]] += n
        else:
            exhausted += n
    rounds: list[Round] = []
    while True:
        counts = tuple(votes.items())
        live = turnout - exhausted
        best = max(votes.values())
        if live == 0 or best * 2 > live:
            winner = () if live == 0 else tuple(c for c in votes if votes[c] == best)
            rounds.append(Round(counts, exhausted))
            return Result(Outcome.ELECTED, turnout, counts, winner, rounds=tuple(rounds))
        if min(votes.values()) == best:
            rounds.append(Round(counts, exhausted))
            if seed is None:
                return Result(
                    Outcome.RUNOFF, turnout, counts, runoff=tuple(votes), rounds=tuple(rounds)
                )
            order = draw(seed, position.key, tuple(votes))
            return Result(
                Outcome.ELECTED, turnout, counts, order[:1], lot=order, rounds=tuple(rounds)
            )
        out, lot = _to_eliminate(position.key, votes, rounds, seed)
        rounds.append(Round(counts, exhausted, out, lot))
        if not out:
            return Result(
                Outcome.RUNOFF, turnout, counts, runoff=tuple(votes), rounds=tuple(rounds)
            )
        for c in out:
            del votes[c]
        for c in out:
            for ranking, n, at in piles.pop(c):
                at += 1
                while at < len(ranking) and ranking[at] not in votes:
                    at += 1
                if at == len(ranking):
                    exhausted += n
                else:
                    piles[ranking[at]].append((ranking, n, at))
                    votes[ranking[at]] += n


def _to_eliminate(
    key: str, votes: dict[str, int], earlier: Sequence[Round], seed: str | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Who goes out this round, and the lot's order if a draw decided; () when nobody can."""
    fewest = min(votes.values())
    tied = [c for c in votes if votes[c] == fewest]
    for past in reversed(earlier):
        if len(tied) == 1:
            break
        then = dict(past.counts)
        low = min(then[c] for c in tied)
        tied = [c for c in tied if then[c] == low]
    if len(tied) == 1:
        return (tied[0],), ()
    if seed is not None:
        order = draw(seed, key, tied)
        return (order[-1],), order
    others = [votes[c] for c in votes if c not in tied]
    if sum(votes[c] for c in tied) < min(others):
        return tuple(tied), ()
    return (), ()


# The export file ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contest:
    """A position as read from an export: its ballots and the result the file records."""

    position: Position
    ballots: tuple[Ballot, ...]
    recorded: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Export:
    election: dict[str, Any]
    rules: Rules
    contests: tuple[Contest, ...]


def result_json(result: Result) -> dict[str, Any]:
    """The result as it is written in an export."""
    return {
        "outcome": str(result.outcome),
        "turnout": result.turnout,
        "counts": dict(result.counts),
        "elected": list(result.elected),
        "runoff": list(result.runoff),
        "lot": list(result.lot),
        "rounds": [
            {
                "counts": dict(r.counts),
                "exhausted": r.exhausted,
                "eliminated": list(r.eliminated),
                "lot": list(r.lot),
            }
            for r in result.rounds
        ],
    }


def to_document(
    election: Mapping[str, Any],
    rules: Rules,
    counted: Sequence[tuple[Position, Sequence[Ballot], Result]],
) -> dict[str, Any]:
    """The JSON-ready export of an election's counted positions."""
    positions = []
    for position, ballots, result in counted:
        entry: dict[str, Any] = {
            "key": position.key,
            "title": position.title,
            "method": str(position.method),
        }
        if position.method is not Method.MOTION:
            entry["seats"] = position.seats
            entry["candidates"] = [{"id": c.id, "name": c.name} for c in position.candidates]
        entry["ballots"] = [
            {"receipt": b.receipt, "choices": list(b.choices)}
            for b in sorted(ballots, key=lambda b: b.receipt)
        ]
        entry["result"] = result_json(result)
        positions.append(entry)
    tie_rule = {"kind": "runoff"} if rules.seed is None else {"kind": "lot", "seed": rules.seed}
    return {
        "format": FORMAT,
        "election": dict(election),
        "members": rules.members,
        "quorum": str(rules.quorum),
        "tie_rule": tie_rule,
        "positions": positions,
    }


def sidecar(path: Path) -> Path:
    """Where the SHA-256 of an export file is written: OUT.json.sha256."""
    return path.with_name(path.name + ".sha256")


def write_export(path: Path, document: Mapping[str, Any]) -> str:
    """Write the export and its sha256 sidecar; return the SHA-256 of the file's bytes."""
    data = (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    sidecar(path).write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    return digest


def read_export(path: Path) -> Export:
    """Read and check an export file (the sidecar is checked by `main`, not here)."""
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise TallyError(f"cannot read {path}: {exc}") from exc
    return parse_export(document)


def parse_export(document: Any) -> Export:
    """The election in a decoded export document; TallyError says what is wrong."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TallyError(f"not a {FORMAT} file")
    quorum_text = _field(document, "quorum", str, "file")
    try:
        quorum = Fraction(quorum_text)
    except (ValueError, ZeroDivisionError) as exc:
        raise TallyError(f"quorum {quorum_text!r} is not a fraction") from exc
    tie_rule = _field(document, "tie_rule", dict, "file")
    if tie_rule.get("kind") == "lot":
        seed: str | None = _field(tie_rule, "seed", str, "tie_rule")
    elif tie_rule.get("kind") == "runoff":
        seed = None
    else:
        raise TallyError("tie_rule kind must be lot or runoff")
    rules = Rules(_field(document, "members", int, "file"), quorum, seed)
    contests = tuple(_contest(raw) for raw in _field(document, "positions", list, "file"))
    keys = [c.position.key for c in contests]
    if len(set(keys)) != len(keys):
        raise TallyError("a position key appears twice")
    return Export(_field(document, "election", dict, "file"), rules, contests)


def _contest(raw: Any) -> Contest:
    if not isinstance(raw, dict):
        raise TallyError("a position must be an object")
    key = _field(raw, "key", str, "position")
    where = f"position {key}"
    try:
        method = Method(_field(raw, "method", str, where))
    except ValueError as exc:
        raise TallyError(f"{where}: unknown method") from exc
    candidates = []
    for entry in raw.get("candidates", []):
        if not isinstance(entry, dict):
            raise TallyError(f"{where}: a candidate must be an object")
        candidates.append(
            Candidate(_field(entry, "id", str, where), _field(entry, "name", str, where))
        )
    seats = raw.get("seats", 1)
    if not isinstance(seats, int) or isinstance(seats, bool):
        raise TallyError(f"{where}: seats must be a whole number")
    position = Position(key, _field(raw, "title", str, where), method, seats, tuple(candidates))
    ballots = []
    for entry in _field(raw, "ballots", list, where):
        if not isinstance(entry, dict):
            raise TallyError(f"{where}: a ballot must be an object")
        choices = _field(entry, "choices", list, where)
        if not all(isinstance(c, str) for c in choices):
            raise TallyError(f"{where}: ballot choices must be strings")
        ballots.append(Ballot(_field(entry, "receipt", str, where), tuple(choices)))
    return Contest(position, tuple(ballots), _field(raw, "result", dict, where))


def _field(obj: dict[str, Any], name: str, kind: type[T], where: str) -> T:
    value = obj.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TallyError(f"{where}: {name!r} must be a {kind.__name__}")
    return value


# The recount -------------------------------------------------------------------------------


def describe(position: Position, result: Result, rules: Rules) -> list[str]:
    """A readable account of one position's count."""
    names = {c.id: c.name for c in position.candidates}

    def who(ids: Sequence[str]) -> str:
        return ", ".join(names.get(c, c) for c in ids)

    def votes(counts: Sequence[tuple[str, int]]) -> str:
        return ", ".join(f"{names.get(c, c)} {n}" for c, n in counts)

    seats = f", {position.seats} seats" if position.seats > 1 else ""
    lines = [f"{position.title} [{position.key}]: {METHOD_NAMES[position.method]}{seats}"]
    lines.append(f"  turnout {result.turnout} of {rules.members} members (quorum {rules.needed})")
    for number, r in enumerate(result.rounds, 1):
        line = f"  round {number}: {votes(r.counts)}; exhausted {r.exhausted}"
        if r.eliminated:
            line += f"; eliminated {who(r.eliminated)}"
        if r.lot:
            line += f" (tie drawn by lot, order {who(r.lot)})"
        lines.append(line)
    if result.counts and not result.rounds:
        lines.append(f"  votes: {votes(result.counts)}")
    if result.lot:
        lines.append(f"  tie drawn by lot, order: {who(result.lot)}")
    if result.outcome is Outcome.NO_QUORUM:
        lines.append("  no quorum: the vote failed")
    elif result.outcome is Outcome.RUNOFF:
        if result.elected:
            lines.append(f"  elected: {who(result.elected)}")
        lines.append(f"  runoff needed among: {who(result.runoff)}")
    elif result.outcome is Outcome.ELECTED:
        lines.append(f"  elected: {who(result.elected) or 'nobody'}")
        if len(result.elected) < position.seats:
            lines.append(f"  unfilled seats: {position.seats - len(result.elected)}")
    else:
        lines.append(f"  motion {result.outcome}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Recount an export: 0 when every result agrees, 1 when one differs, 2 on a bad file."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.tally",
        description="Recount a clubbot election export and compare with its recorded results.",
    )
    parser.add_argument("file", type=Path, help="the export, e.g. OUT.json")
    path: Path = parser.parse_args(argv).file
    try:
        data = path.read_bytes()
        document = json.loads(data)
        export = parse_export(document)
        recounts = [(c, tally(c.position, c.ballots, export.rules)) for c in export.contests]
        digest = hashlib.sha256(data).hexdigest()
        published = _published_digest(sidecar(path))
    except (OSError, ValueError, TallyError) as exc:
        print(f"cannot check {path}: {exc}", file=sys.stderr)
        return 2
    failures = []
    if published is None:
        print(f"sha256 {digest} (no {sidecar(path).name} to compare with)")
    elif published == digest:
        print(f"sha256 {digest} matches {sidecar(path).name}")
    else:
        print(f"sha256 MISMATCH: the file is {digest}, {sidecar(path).name} says {published}")
        failures.append("the file's SHA-256 is not the published one")
    rules = export.rules
    tie = "runoff" if rules.seed is None else f"lot, seed {rules.seed!r}"
    print(f"election {json.dumps(export.election, ensure_ascii=False)}")
    print(f"{rules.members} members, quorum {rules.quorum} ({rules.needed} ballots), ties: {tie}")
    for contest, result in recounts:
        print()
        print("\n".join(describe(contest.position, result, rules)))
        recounted = result_json(result)
        differing = [k for k in recounted if recounted[k] != contest.recorded.get(k)]
        differing += [k for k in contest.recorded if k not in recounted]
        key = contest.position.key
        if differing:
            print(f"  {key} DIFFERS from the recorded result in: {', '.join(differing)}")
            for name in differing:
                print(f"    {name}: recorded {_compact(contest.recorded.get(name))}")
                print(f"    {name}: recounted {_compact(recounted.get(name))}")
            failures.append(f"position {key} differs")
        else:
            print(f"  {key} agrees with the recorded result")
    print()
    print(f"VERIFICATION FAILED: {'; '.join(failures)}" if failures else "every result agrees")
    return 1 if failures else 0


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _published_digest(path: Path) -> str | None:
    if not path.exists():
        return None
    words = path.read_text(encoding="utf-8").split()
    digest = words[0].lower() if words else ""
    if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
        raise TallyError(f"{path.name} holds no SHA-256")
    return digest


if __name__ == "__main__":
    raise SystemExit(main())
