"""Vote counting: known answers, ties, quorum, bad ballots, the export and its recount."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import sys
from fractions import Fraction
from itertools import count
from pathlib import Path

import pytest

from bot.domain.tally import (
    Ballot,
    Candidate,
    InvalidBallots,
    Method,
    Outcome,
    Position,
    Result,
    Rules,
    TallyError,
    draw,
    result_json,
    sidecar,
    tally,
    to_document,
    write_export,
)

ROOT = Path(__file__).resolve().parents[1]
HALF = Fraction(1, 2)
_receipts = count(1)


def position(method: Method, ids: str, seats: int = 1, key: str = "pos") -> Position:
    """Candidates named by one letter each: "abc" gives a, b, c."""
    return Position(key, key.title(), method, seats, tuple(Candidate(c, c.upper()) for c in ids))


def ballots(*groups: tuple[int, str]) -> list[Ballot]:
    """(3, "ab") is three ballots marking a then b."""
    return [Ballot(f"R{next(_receipts)}", tuple(marks)) for n, marks in groups for _ in range(n)]


def motion_ballots(yes: int, no: int, abstain: int) -> list[Ballot]:
    votes = ["yes"] * yes + ["no"] * no + ["abstain"] * abstain
    return [Ballot(f"M{next(_receipts)}", (v,)) for v in votes]


def rules(members: int, seed: str | None = None, quorum: Fraction = HALF) -> Rules:
    return Rules(members, quorum, seed)


def rounds(result: Result) -> list[tuple[dict[str, int], int, tuple[str, ...]]]:
    return [(dict(r.counts), r.exhausted, r.eliminated) for r in result.rounds]


# Instant runoff -----------------------------------------------------------------------------


def test_irv_tennessee_capital() -> None:
    # The textbook example: Memphis leads the first round, Knoxville wins after two eliminations.
    pos = position(Method.IRV, "mnck")
    votes = ballots((42, "mnck"), (26, "nckm"), (15, "cknm"), (17, "kcnm"))
    result = tally(pos, votes, rules(100))
    assert rounds(result) == [
        ({"m": 42, "n": 26, "c": 15, "k": 17}, 0, ("c",)),
        ({"m": 42, "n": 26, "k": 32}, 0, ("n",)),
        ({"m": 42, "k": 58}, 0, ()),
    ]
    assert (result.outcome, result.elected) == (Outcome.ELECTED, ("k",))


def test_irv_majority_of_continuing_ballots_after_exhaustion() -> None:
    pos = position(Method.IRV, "abcd")
    votes = ballots((5, "a"), (3, "b"), (2, "cb"), (2, "c"), (1, "d"))
    result = tally(pos, votes, rules(13))
    assert rounds(result) == [
        ({"a": 5, "b": 3, "c": 4, "d": 1}, 0, ("d",)),
        ({"a": 5, "b": 3, "c": 4}, 1, ("b",)),
        ({"a": 5, "c": 4}, 4, ()),
    ]
    # 5 of 13 is no majority of the turnout, but it is of the 9 ballots still counting.
    assert result.elected == ("a",)
    for r in result.rounds:
        assert sum(n for _, n in r.counts) + r.exhausted == result.turnout


def test_irv_blank_ballots_are_exhausted_from_round_one() -> None:
    result = tally(position(Method.IRV, "ab"), ballots((2, "a"), (1, "b"), (3, "")), rules(6))
    assert rounds(result) == [({"a": 2, "b": 1}, 3, ())]
    assert result.elected == ("a",)


def test_irv_elimination_tie_goes_by_the_earlier_round() -> None:
    # Round 2 ties b and c at 8; c had fewer in round 1, so c goes and b wins on c's ballots.
    pos = position(Method.IRV, "abcd")
    votes = ballots((9, "a"), (8, "bc"), (6, "cb"), (2, "dcb"), (1, "da"))
    result = tally(pos, votes, rules(26))
    assert rounds(result) == [
        ({"a": 9, "b": 8, "c": 6, "d": 3}, 0, ("d",)),
        ({"a": 10, "b": 8, "c": 8}, 0, ("c",)),
        ({"a": 10, "b": 16}, 0, ()),
    ]
    assert result.elected == ("b",)
    assert result.rounds[1].lot == ()


def test_irv_elimination_tie_by_lot_puts_out_the_last_drawn() -> None:
    pos = position(Method.IRV, "abc", key="chair")
    votes = ballots((5, "a"), (3, "ba"), (3, "cb"))
    order = draw("s33d", "chair", ["b", "c"])
    result = tally(pos, votes, rules(11, seed="s33d"))
    assert result.rounds[0].eliminated == (order[-1],)
    assert result.rounds[0].lot == order
    # Whoever the lot keeps decides the seat: c's ballots go to b, b's go to a.
    assert result.elected == (("b",) if order[-1] == "c" else ("a",))


def test_irv_unbreakable_elimination_tie_without_seed_needs_a_runoff() -> None:
    # b and c together (6) outnumber a (5): the order of their elimination decides the seat.
    result = tally(position(Method.IRV, "abc"), ballots((5, "a"), (3, "ba"), (3, "cb")), rules(11))
    assert result.outcome is Outcome.RUNOFF
    assert result.runoff == ("a", "b", "c")
    assert result.elected == ()


def test_irv_hopeless_tied_candidates_go_out_together_without_seed() -> None:
    pos = position(Method.IRV, "abcd")
    result = tally(pos, ballots((8, "a"), (7, "b"), (1, "cb"), (1, "db")), rules(17))
    assert rounds(result) == [
        ({"a": 8, "b": 7, "c": 1, "d": 1}, 0, ("c", "d")),
        ({"a": 8, "b": 9}, 0, ()),
    ]
    assert result.elected == ("b",)


def test_irv_final_tie_is_a_runoff_or_a_draw() -> None:
    pos = position(Method.IRV, "abc", key="president")
    votes = ballots((4, "a"), (4, "b"), (1, "c"))
    runoff = tally(pos, votes, rules(9))
    assert rounds(runoff)[-1] == ({"a": 4, "b": 4}, 1, ())
    assert (runoff.outcome, runoff.runoff) == (Outcome.RUNOFF, ("a", "b"))
    drawn = tally(pos, votes, rules(9, seed="published-seed"))
    assert drawn.lot == draw("published-seed", "president", ["a", "b"])
    assert (drawn.outcome, drawn.elected) == (Outcome.ELECTED, drawn.lot[:1])


# Plurality, approval, block vote -------------------------------------------------------------


def test_plurality_winner_and_blank_ballots() -> None:
    result = tally(
        position(Method.PLURALITY, "abc"), ballots((4, "a"), (3, "b"), (2, "")), rules(9)
    )
    assert dict(result.counts) == {"a": 4, "b": 3, "c": 0}
    assert (result.outcome, result.elected, result.turnout) == (Outcome.ELECTED, ("a",), 9)


def test_plurality_tie_needs_a_runoff_naming_the_tied() -> None:
    result = tally(
        position(Method.PLURALITY, "abc"), ballots((3, "a"), (3, "c"), (1, "b")), rules(7)
    )
    assert (result.outcome, result.elected, result.runoff) == (Outcome.RUNOFF, (), ("a", "c"))


def test_plurality_tie_by_lot_is_the_published_sha256_order() -> None:
    pos = position(Method.PLURALITY, "abc", key="treasurer")
    result = tally(pos, ballots((3, "a"), (3, "c"), (1, "b")), rules(7, seed="2025-05-01"))

    def digest(c: str) -> str:
        return hashlib.sha256(f"2025-05-01\ntreasurer\n{c}".encode()).hexdigest()

    assert result.lot == tuple(sorted(["a", "c"], key=digest))
    assert result.lot == ("c", "a")  # pinned: a change of the lot's formula must show here
    assert (result.outcome, result.elected, result.runoff) == (Outcome.ELECTED, ("c",), ())


def test_approval_fills_several_seats() -> None:
    pos = position(Method.APPROVAL, "abcd", seats=2)
    result = tally(pos, ballots((1, "ab"), (1, "abc"), (1, "b"), (1, "cd"), (1, "a")), rules(5))
    assert dict(result.counts) == {"a": 3, "b": 3, "c": 2, "d": 1}
    assert (result.outcome, result.elected) == (Outcome.ELECTED, ("a", "b"))


def test_approval_allows_every_candidate_on_one_ballot() -> None:
    result = tally(
        position(Method.APPROVAL, "abc", seats=2), ballots((2, "abc"), (1, "ac")), rules(3)
    )
    assert dict(result.counts) == {"a": 3, "b": 2, "c": 3}
    assert result.elected == ("a", "c")


def test_block_tie_for_the_last_seat() -> None:
    pos = position(Method.BLOCK, "abcd", seats=2, key="committee")
    votes = ballots((3, "ab"), (2, "ac"), (1, "bd"), (1, "c"))
    runoff = tally(pos, votes, rules(7))
    assert dict(runoff.counts) == {"a": 5, "b": 4, "c": 3, "d": 1}
    votes += ballots((1, "c"))
    runoff = tally(pos, votes, rules(8))
    assert (runoff.outcome, runoff.elected, runoff.runoff) == (Outcome.RUNOFF, ("a",), ("b", "c"))
    drawn = tally(pos, votes, rules(8, seed="x"))
    assert drawn.lot == draw("x", "committee", ["b", "c"])
    assert drawn.elected == ("a", drawn.lot[0])


def test_candidates_without_votes_are_never_elected() -> None:
    result = tally(position(Method.APPROVAL, "abc", seats=2), ballots((3, "a"), (1, "")), rules(4))
    assert (result.outcome, result.elected, result.runoff) == (Outcome.ELECTED, ("a",), ())


# Motions and quorum -------------------------------------------------------------------------


def test_motion_passes_with_quorum_and_more_yes_than_no() -> None:
    motion = Position("charter", "Adopt the charter", Method.MOTION)
    result = tally(motion, motion_ballots(5, 3, 2), rules(20))
    assert dict(result.counts) == {"yes": 5, "no": 3, "abstain": 2}
    assert result.outcome is Outcome.PASSED
    assert tally(motion, motion_ballots(4, 4, 2), rules(20)).outcome is Outcome.REJECTED


def test_abstentions_count_toward_quorum_only() -> None:
    motion = Position("m", "Motion", Method.MOTION)
    assert tally(motion, motion_ballots(2, 1, 7), rules(20)).outcome is Outcome.PASSED
    assert tally(motion, motion_ballots(2, 1, 6), rules(20)).outcome is Outcome.NO_QUORUM


def test_quorum_is_the_callers_fraction() -> None:
    pos = position(Method.PLURALITY, "ab")
    votes = ballots((5, "a"), (5, "b"), (1, "a"))
    # 11 of 21 members is at least half; 11 of 23 is not.
    assert tally(pos, votes, rules(21)).outcome is Outcome.ELECTED
    failed = tally(pos, votes, rules(23))
    assert (failed.outcome, failed.elected, failed.turnout) == (Outcome.NO_QUORUM, (), 11)
    assert tally(pos, votes, rules(23, quorum=Fraction(2, 5))).elected == ("a",)
    assert tally(pos, votes, rules(15, quorum=Fraction(3, 4))).outcome is Outcome.NO_QUORUM


def test_no_votes_at_all() -> None:
    for method in (Method.PLURALITY, Method.APPROVAL, Method.BLOCK, Method.IRV):
        assert tally(position(method, "ab"), [], rules(10)).outcome is Outcome.NO_QUORUM
        empty = tally(position(method, "ab"), [], rules(10, quorum=Fraction(0)))
        assert (empty.outcome, empty.elected, empty.runoff, empty.turnout) == (
            Outcome.ELECTED,
            (),
            (),
            0,
        )
    motion = Position("m", "Motion", Method.MOTION)
    assert tally(motion, [], rules(0)).outcome is Outcome.REJECTED


# Bad ballots and bad positions ----------------------------------------------------------------


def test_every_invalid_ballot_is_named_by_receipt() -> None:
    pos = position(Method.IRV, "abc", key="chair")
    bad = [
        Ballot("R-unknown", ("a", "z")),
        Ballot("R-twice", ("b", "a", "b")),
        Ballot("R-twice", ("a",)),
    ]
    with pytest.raises(InvalidBallots) as caught:
        tally(pos, bad, rules(3))
    assert caught.value.position == "chair"
    assert caught.value.problems == (
        ("R-unknown", "unknown candidate 'z'"),
        ("R-twice", "duplicate rank"),
        ("R-twice", "receipt used twice"),
    )
    assert "R-unknown" in str(caught.value)


@pytest.mark.parametrize(
    ("method", "seats", "marks"),
    [(Method.PLURALITY, 1, ("a", "b")), (Method.BLOCK, 2, ("a", "b", "c"))],
)
def test_too_many_marks(method: Method, seats: int, marks: tuple[str, ...]) -> None:
    with pytest.raises(InvalidBallots, match="R-many"):
        tally(position(method, "abc", seats), [Ballot("R-many", marks)], rules(1))


def test_motion_ballot_must_hold_one_choice() -> None:
    motion = Position("m", "Motion", Method.MOTION)
    for choices in [(), ("yes", "no"), ("maybe",)]:
        with pytest.raises(InvalidBallots, match="R-m"):
            tally(motion, [Ballot("R-m", choices)], rules(1))


def test_positions_and_rules_are_checked() -> None:
    with pytest.raises(TallyError):
        position(Method.PLURALITY, "ab", seats=2)
    with pytest.raises(TallyError):
        position(Method.IRV, "ab", seats=2)
    with pytest.raises(TallyError):
        position(Method.APPROVAL, "aa")
    with pytest.raises(TallyError):
        position(Method.BLOCK, "", seats=1)
    with pytest.raises(TallyError):
        Rules(10, Fraction(3, 2), None)


# Properties over random elections ------------------------------------------------------------


def random_rankings(rng: random.Random, ids: str, n: int, skew: float) -> list[str]:
    weights = [skew**i for i in range(len(ids))]
    result = []
    for _ in range(n):
        length = min(len(ids), rng.choice([0, 1, 1, 2, 2, 3, len(ids)]))
        picked: list[str] = []
        while len(picked) < length:
            c = rng.choices(ids, weights)[0]
            if c not in picked:
                picked.append(c)
        result.append("".join(picked))
    return result


def reference_irv(ids: str, rankings: list[str], seed: str, key: str) -> list[tuple[dict, int]]:
    """The documented rule, recounted naively from every ballot each round."""
    continuing = list(ids)
    history: list[dict[str, int]] = []
    while True:
        votes = dict.fromkeys(continuing, 0)
        exhausted = 0
        for r in rankings:
            top = next((c for c in r if c in votes), None)
            if top is None:
                exhausted += 1
            else:
                votes[top] += 1
        history.append(votes)
        live = len(rankings) - exhausted
        if live == 0 or max(votes.values()) * 2 > live or len(set(votes.values())) == 1:
            return [(h, 0) for h in history]
        tied = [c for c in votes if votes[c] == min(votes.values())]
        for past in reversed(history[:-1]):
            low = min(past[c] for c in tied)
            tied = [c for c in tied if past[c] == low]
        continuing.remove(draw(seed, key, tied)[-1])


def test_irv_agrees_with_a_naive_recount() -> None:
    rng = random.Random(7)
    for trial in range(150):
        ids = "abcdef"[: rng.randint(2, 6)]
        rankings = random_rankings(rng, ids, rng.randint(1, 60), rng.choice([0.5, 0.9, 1.0]))
        votes = ballots(*((1, r) for r in rankings))
        result = tally(position(Method.IRV, ids), votes, rules(0, seed="s"))
        expected = reference_irv(ids, rankings, "s", "pos")
        got = [dict(r.counts) for r in result.rounds]
        assert got == [counts for counts, _ in expected], trial
        for r in result.rounds:
            assert sum(n for _, n in r.counts) + r.exhausted == len(rankings)


def test_irv_decided_in_one_round_is_plurality_of_first_choices() -> None:
    rng = random.Random(11)
    one_round = 0
    for _ in range(200):
        rankings = random_rankings(rng, "abcde", rng.randint(1, 40), rng.choice([0.3, 0.6]))
        irv = tally(position(Method.IRV, "abcde"), ballots(*((1, r) for r in rankings)), rules(0))
        firsts = ballots(*((1, r[:1]) for r in rankings))
        plurality = tally(position(Method.PLURALITY, "abcde"), firsts, rules(0))
        counts = dict(plurality.counts)
        live = sum(counts.values())
        majority = live > 0 and max(counts.values()) * 2 > live
        assert majority == (len(irv.rounds) == 1 and bool(irv.elected))
        if majority:
            one_round += 1
            assert irv.elected == plurality.elected
            assert irv.counts == plurality.counts
    assert one_round > 50


@pytest.mark.parametrize("seed", [None, "lot"])
def test_block_vote_with_one_seat_is_plurality(seed: str | None) -> None:
    rng = random.Random(3)
    for _ in range(200):
        votes = ballots(
            *((1, rng.choice(["", "a", "b", "c", "d"])) for _ in range(rng.randint(0, 12)))
        )
        block = tally(position(Method.BLOCK, "abcd"), votes, rules(0, seed))
        plurality = tally(position(Method.PLURALITY, "abcd"), votes, rules(0, seed))
        assert result_json(block) == result_json(plurality)


# The export and the standalone recount -------------------------------------------------------


def export(tmp_path: Path, seed: str | None = "seed-published-2025-04-01") -> Path:
    """An election of four positions, counted and exported to tmp_path/OUT.json."""
    election_rules = rules(100, seed)
    irv = position(Method.IRV, "mnck", key="president")
    irv_votes = ballots((42, "mnck"), (26, "nckm"), (15, "cknm"), (17, "kcnm"))
    approval = position(Method.APPROVAL, "abcd", seats=2, key="board")
    approval_votes = ballots((30, "ab"), (25, "bc"), (20, "c"), (25, "d"))
    plurality = position(Method.PLURALITY, "xy", key="treasurer")
    plurality_votes = ballots((50, "x"), (50, "y"))
    motion = Position("charter", "Adopt the charter", Method.MOTION)
    motion_votes = motion_ballots(60, 30, 10)
    counted = [
        (p, v, tally(p, v, election_rules))
        for p, v in [
            (irv, irv_votes),
            (approval, approval_votes),
            (plurality, plurality_votes),
            (motion, motion_votes),
        ]
    ]
    out = tmp_path / "OUT.json"
    write_export(out, to_document({"id": 7, "club": "Chess Club"}, election_rules, counted))
    return out


def recount(path: Path, cwd: Path = ROOT, module: bool = True) -> subprocess.CompletedProcess[str]:
    command = ["-m", "bot.tally"] if module else ["tally.py"]
    return subprocess.run(
        [sys.executable, *command, str(path)], capture_output=True, text=True, cwd=cwd
    )


def test_export_recounts_to_the_same_results(tmp_path: Path) -> None:
    out = export(tmp_path)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert sidecar(out).read_text() == f"{digest}  OUT.json\n"
    done = recount(out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"sha256 {digest} matches" in done.stdout
    assert "round 3: M 42, K 58; exhausted 0" in done.stdout
    assert "tie drawn by lot" in done.stdout  # the treasurer's 50/50
    assert done.stdout.count("agrees with the recorded result") == 4


def test_export_holds_no_voter_and_sorts_ballots_by_receipt(tmp_path: Path) -> None:
    document = json.loads(export(tmp_path).read_text())
    for entry in document["positions"]:
        assert all(set(b) == {"receipt", "choices"} for b in entry["ballots"])
        receipts = [b["receipt"] for b in entry["ballots"]]
        assert receipts == sorted(receipts)
    assert document["quorum"] == "1/2"
    assert document["tie_rule"] == {"kind": "lot", "seed": "seed-published-2025-04-01"}


def test_runoff_tie_rule_round_trips(tmp_path: Path) -> None:
    out = export(tmp_path, seed=None)
    assert json.loads(out.read_text())["tie_rule"] == {"kind": "runoff"}
    done = recount(out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "runoff needed among: X, Y" in done.stdout


def tamper(out: Path) -> None:
    """Turn one of the treasurer's x ballots into a y ballot, keeping the file valid."""
    document = json.loads(out.read_text())
    treasurer = next(p for p in document["positions"] if p["key"] == "treasurer")
    ballot = next(b for b in treasurer["ballots"] if b["choices"] == ["x"])
    ballot["choices"] = ["y"]
    out.write_text(json.dumps(document))


def test_a_changed_ballot_is_detected(tmp_path: Path) -> None:
    out = export(tmp_path)
    tamper(out)
    done = recount(out)
    assert done.returncode == 1
    assert "sha256 MISMATCH" in done.stdout
    assert "treasurer DIFFERS from the recorded result in: counts" in done.stdout
    assert 'counts: recorded {"x":50,"y":50}' in done.stdout
    assert 'counts: recounted {"x":49,"y":51}' in done.stdout
    assert "president agrees" in done.stdout
    sidecar(out).unlink()  # the forger drops the published hash: the recount still sees it
    done = recount(out)
    assert done.returncode == 1
    assert "position treasurer differs" in done.stdout


def test_a_bad_sidecar_is_detected(tmp_path: Path) -> None:
    out = export(tmp_path)
    sidecar(out).write_text(f"{'0' * 64}  OUT.json\n")
    done = recount(out)
    assert done.returncode == 1
    assert "sha256 MISMATCH" in done.stdout
    sidecar(out).write_text("not a hash\n")
    assert recount(out).returncode == 2


def test_unreadable_or_invalid_files_exit_2(tmp_path: Path) -> None:
    assert recount(tmp_path / "missing.json").returncode == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert recount(bad).returncode == 2
    bad.write_text(json.dumps({"format": "something-else/1"}))
    assert recount(bad).returncode == 2
    out = export(tmp_path)
    document = json.loads(out.read_text())
    document["positions"][0]["ballots"][0]["choices"] = ["m", "m"]
    receipt = document["positions"][0]["ballots"][0]["receipt"]
    out.write_text(json.dumps(document))
    sidecar(out).unlink()
    done = recount(out)
    assert done.returncode == 2
    assert receipt in done.stderr


def test_recount_runs_from_the_single_file(tmp_path: Path) -> None:
    out = export(tmp_path)
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(ROOT / "bot" / "tally.py", alone / "tally.py")
    done = recount(out, cwd=alone, module=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_tally_imports_only_the_standard_library() -> None:
    probe = (
        "import sys, bot.tally\n"
        "heavy = ('sqlmodel', 'sqlalchemy', 'pydantic', 'aiogram', 'telegram', 'storage')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]"
