"""The report: the table of runs, the figures beside them, and PASS/FAIL per criterion."""

import statistics
from dataclasses import dataclass

from scripts.bench.generators import Result
from scripts.bench.measurements import (
    MEMORY_GROWTH_LIMIT_MB,
    MEMORY_PATHS,
    SNAPSHOT_LIMIT_MS,
    MemoryFigures,
    SnapshotFigures,
)
from scripts.bench.scenarios import SCENARIOS, Scenario


@dataclass
class Criterion:
    title: str
    passed: bool
    detail: str


def scenario_criterion(scenario: Scenario, ceiling: list[Result], app: list[Result]) -> Criterion:
    ratio = statistics.median(r.rps for r in app) / statistics.median(r.rps for r in ceiling)
    p99 = statistics.median(r.p99_ms for r in app)
    errors = sum(r.errors for r in app)
    fast_enough = ratio >= scenario.min_ratio
    checks = [f"ratio {ratio:.2f} {'>=' if fast_enough else '<'} {scenario.min_ratio:g}"]
    passed = fast_enough
    if scenario.max_p99_ms is not None:
        quick = p99 < scenario.max_p99_ms
        checks.append(f"p99 {p99:.1f} ms {'<' if quick else '>='} {scenario.max_p99_ms:g} ms")
        passed = passed and quick
    if errors:  # a status >= 400, a socket error or a timeout: not the response measured
        checks.append(f"{errors} errors")
        passed = False
    return Criterion(scenario.title, passed, "; ".join(checks))


def print_table(results: dict[tuple[str, str], list[Result]], generator: str) -> None:
    header = (
        f"{'scenario':<24} {'server':<16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6} {'ratio':>6} {'busy':>5} {'other':>5}  req/s per round"
    )
    print(header)
    print("-" * len(header))
    for scenario in SCENARIOS:
        ceiling_rps = statistics.median(r.rps for r in results[(scenario.key, "ceiling")])
        for server in ("ceiling", scenario.server):
            runs = results[(scenario.key, server)]
            rps = statistics.median(r.rps for r in runs)
            ratio = f"{rps / ceiling_rps:>6.2f}" if server != "ceiling" else f"{'':>6}"
            label = scenario.title if server == "ceiling" else ""
            print(
                f"{label:<24} {server:<16} {rps:>8.0f} "
                f"{statistics.median(r.p50_ms for r in runs):>8.2f} "
                f"{statistics.median(r.p99_ms for r in runs):>8.2f} "
                f"{sum(r.errors for r in runs):>6} {ratio} "
                f"{statistics.median(r.server_cpu for r in runs):>5.0%} "
                f"{statistics.median(r.other_cpu for r in runs):>5.0%}  "
                + " / ".join(f"{r.rps:.0f}" for r in runs)
            )
    print(
        "busy: CPU the loaded server used, share of the run (near 100%: the server is the "
        "bottleneck, as it should be);\nother: share of CPU 0 that other processes used "
        "meanwhile (near 0% unless the machine is shared; if high, the figures are noisy)"
    )
    print()
    print(
        f"requests varied by the {generator} generator (app runs: distinct values, first .. last):"
    )
    for scenario in SCENARIOS:
        if scenario.plan.dates or scenario.plan.lang:
            runs = results[(scenario.key, scenario.server)]
            print(
                f"  {scenario.title:<24} "
                + ", ".join(f"{r.generated}" for r in runs)
                + f"; e.g. {runs[0].first!r} .. {runs[0].last!r}"
            )


def memory_criterion(memory: MemoryFigures | str, requests: int) -> Criterion:
    """Prints the memory figures (or why there are none) and judges them."""
    if isinstance(memory, str):
        print(memory)
        return Criterion("memory / unique 8 KB headers", False, memory[:200])
    answered = sum(v for k, v in memory.statuses.items() if k.isdigit())
    growth = memory.growth_mb
    print(
        f"memory: {requests} requests, each with a new 8 KB Accept-Language and "
        f"a new 8 KB Accept, over {len(MEMORY_PATHS)} routes in {memory.seconds:.1f} s; "
        "statuses "
        + ", ".join(f"{k}: {v}" for k, v in sorted(memory.statuses.items()))
        + f"; RSS {memory.rss_ready_mib:.1f} MiB at ready, {memory.rss_before_mib:.1f} MiB "
        f"warmed (one plain request per route), {memory.rss_after_mib:.1f} MiB after"
    )
    return Criterion(
        "memory / unique 8 KB headers",
        answered == requests and growth < MEMORY_GROWTH_LIMIT_MB,
        f"RSS growth {growth:.1f} MB {'<' if growth < MEMORY_GROWTH_LIMIT_MB else '>='} "
        f"{MEMORY_GROWTH_LIMIT_MB:g} MB; {answered}/{requests} answered",
    )


def print_snapshot(snapshot: SnapshotFigures) -> None:
    if snapshot.problem and not snapshot.builds_ms:
        print(f"snapshot: {snapshot.problem}")
    else:
        print(
            f"snapshot: {len(snapshot.builds_ms)} builds, median {snapshot.median_ms:.1f} ms "
            f"(min {min(snapshot.builds_ms):.1f}, max {max(snapshot.builds_ms):.1f}); "
            f"one snapshot retains {snapshot.retained_mib:.2f} MiB (tracemalloc)"
            + (f"; {snapshot.problem}" if snapshot.problem else "")
        )


def snapshot_criterion(snapshot: SnapshotFigures) -> Criterion:
    return Criterion(
        "snapshot / build time",
        not snapshot.problem and snapshot.median_ms < SNAPSHOT_LIMIT_MS,
        snapshot.problem
        or f"median {snapshot.median_ms:.1f} ms "
        f"{'<' if snapshot.median_ms < SNAPSHOT_LIMIT_MS else '>='} {SNAPSHOT_LIMIT_MS:g} ms",
    )


def print_criteria(criteria: list[Criterion]) -> None:
    for criterion in criteria:
        print(f"{'PASS' if criterion.passed else 'FAIL'}  {criterion.title:<30} {criterion.detail}")
    passed = sum(c.passed for c in criteria)
    print(f"\ncriteria: {passed} passed, {len(criteria) - passed} failed")
