"""Latency figures the benchmarks print alike: percentiles of a list of times."""

from __future__ import annotations


def pct(values: list[float], p: float) -> float:
    """The `p`th percentile of `values` (nearest rank, 0 for none)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


def spread(ms: list[float]) -> str:
    """p50, p95, p99 and max of times in milliseconds, as the reports print them."""
    return (
        f"p50 {pct(ms, 50):.0f} ms, p95 {pct(ms, 95):.0f}, p99 {pct(ms, 99):.0f}, "
        f"max {max(ms, default=0):.0f}"
    )
