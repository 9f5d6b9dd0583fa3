"""The measured runs: interleaved rounds, each loading, for every scenario, the ceiling then
the app, one server at a time, after the servers have gone idle and one warm-up request."""

import secrets
import time
from dataclasses import replace

from scripts.bench.generators import Result, load
from scripts.bench.scenarios import SCENARIOS, SPAN, request_at, resolve
from scripts.bench.servers import MULTI_CPU, Server, cpu0_busy_seconds, get, wait_idle

Results = dict[tuple[str, str], list[Result]]
"""(scenario key, server name) -> one result per round."""


def run_rounds(
    servers: dict[str, Server],
    etag: str,
    *,
    rounds: int,
    generator: str,
    duration: float,
    connections: int,
) -> tuple[Results, float]:
    """Every scenario's runs, and the seconds spent waiting for the servers to go idle."""
    results: Results = {}
    idle_wait = 0.0
    for round_number in range(1, rounds + 1):
        for scenario in SCENARIOS:
            plan = resolve(scenario.plan, etag)
            nonce = secrets.token_hex(4)
            start = secrets.randbelow(SPAN)
            ceiling_path = f"/{scenario.key}" + ("?as_of=" if plan.dates else "")
            figures = []
            for server_name, run_plan in (
                ("ceiling", replace(plan, path=ceiling_path)),
                (scenario.server, plan),
            ):
                port = servers[server_name].port
                idle_wait += wait_idle(servers.values())
                path, headers = request_at(run_plan, 0, start=start, nonce=f"w{nonce}")
                get(port, path, headers)  # warm-up
                busy, wall = cpu0_busy_seconds(), time.monotonic()
                ours = {name: s.cpu_seconds() for name, s in servers.items()}
                result = load(
                    port,
                    run_plan,
                    generator=generator,
                    duration=duration,
                    connections=connections,
                    start=start,
                    nonce=nonce,
                )
                elapsed = time.monotonic() - wall
                used = {name: s.cpu_seconds() - ours[name] for name, s in servers.items()}
                result.server_cpu = used[server_name] / elapsed
                if MULTI_CPU:
                    other = cpu0_busy_seconds() - busy - sum(used.values())
                    result.other_cpu = max(0.0, other / elapsed)
                results.setdefault((scenario.key, server_name), []).append(result)
                figures.append(
                    f"{server_name} {result.rps:.0f} req/s p99 {result.p99_ms:.1f} ms"
                    f" (busy {result.server_cpu:.0%}, other {result.other_cpu:.0%})"
                )
            print(f"round {round_number}: {scenario.title:<24} " + "; ".join(figures), flush=True)
    return results, idle_wait
