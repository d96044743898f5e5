"""Counting 100,000 ranked ballots over 10 candidates, in process and as a standalone recount.

    python -m bench.tally [--ballots 100000] [--candidates 10] [--seed 2025]

Ballots are seeded random and shaped like real ones: a few favourites draw most first choices
(so the count needs several rounds), and most voters rank only two to four candidates. The
recount is `python -m bot.tally OUT.json` in a subprocess: interpreter start, reading and checking
the file and its SHA-256, recounting and printing, as an auditor would run it.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from bot.domain.tally import (
    Ballot,
    Candidate,
    Method,
    Position,
    Rules,
    tally,
    to_document,
    write_export,
)

ROOT = Path(__file__).resolve().parents[1]
# How many candidates a voter ranks, and how often.
LENGTHS = {1: 25, 2: 25, 3: 20, 4: 12, 5: 6, 6: 4, 7: 3, 8: 2, 9: 1, 10: 2}


def ranked_ballots(n: int, ids: list[str], rng: random.Random) -> list[Ballot]:
    """n partial rankings; candidate popularity falls off gently down the list."""
    popularity = [1 / (1 + 0.35 * i) for i in range(len(ids))]
    lengths = [k for k in LENGTHS if k <= len(ids)]
    weights = [LENGTHS[k] for k in lengths]
    ballots = []
    for number in range(n):
        length = rng.choices(lengths, weights)[0]
        left, left_weights, ranking = list(ids), list(popularity), []
        for _ in range(length):
            i = rng.choices(range(len(left)), left_weights)[0]
            ranking.append(left.pop(i))
            left_weights.pop(i)
        ballots.append(Ballot(f"{rng.getrandbits(64):016x}{number}", tuple(ranking)))
    return ballots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    ids = [f"c{i}" for i in range(args.candidates)]
    position = Position(
        "president", "President", Method.IRV, 1, tuple(Candidate(c, f"Candidate {c}") for c in ids)
    )
    ballots = ranked_ballots(args.ballots, ids, rng)
    rules = Rules(members=args.ballots, quorum=Fraction(1, 2), seed="bench")

    start = time.perf_counter()
    result = tally(position, ballots, rules)
    in_process = time.perf_counter() - start
    distinct = len({b.choices for b in ballots})

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "OUT.json"
        start = time.perf_counter()
        write_export(out, to_document({"id": "bench"}, rules, [(position, ballots, result)]))
        exporting = time.perf_counter() - start
        size = out.stat().st_size
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "bot.tally", str(out)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        recount = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"the recount disagreed:\n{done.stdout}{done.stderr}")

    print(
        f"{args.ballots} ranked ballots ({distinct} distinct) over {args.candidates} candidates: "
        f"{len(result.rounds)} rounds, elected {', '.join(result.elected) or 'nobody'}"
    )
    print(f"{'step':<44} {'seconds':>8}")
    print(f"{'tally in process (check + group + rounds)':<44} {in_process:>8.3f}")
    print(f"{f'export to JSON + sha256 ({size / 1e6:.1f} MB)':<44} {exporting:>8.3f}")
    print(f"{'standalone recount (python -m bot.tally)':<44} {recount:>8.3f}")


if __name__ == "__main__":
    main()
