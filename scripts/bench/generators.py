"""The load generators: wrk with `scripts/wrk/bench.lua` (trustworthy figures), or the same
requests from Python threads (slow); both give a `Result`."""

import http.client
import itertools
import json
import re
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from scripts.bench.scenarios import Plan, request_at
from scripts.bench.servers import PIN_LOAD, PRIORITY, spawn

LUA = Path(__file__).resolve().parents[1] / "wrk" / "bench.lua"


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    generated: int = 0
    first: str = ""
    last: str = ""
    server_cpu: float = float("nan")  # CPU used by the loaded server, share of the run
    other_cpu: float = float("nan")  # share of CPU 0 used by processes other than ours


def load(
    port: int,
    plan: Plan,
    *,
    generator: str,
    duration: float,
    connections: int,
    start: int,
    nonce: str,
) -> Result:
    if generator == "wrk":
        return _wrk(
            port, plan, duration=duration, connections=connections, start=start, nonce=nonce
        )
    return _python_load(
        port, plan, duration=duration, connections=connections, start=start, nonce=nonce
    )


def _wrk(
    port: int, plan: Plan, *, duration: float, connections: int, start: int, nonce: str
) -> Result:
    command = [
        *PRIORITY,
        *PIN_LOAD,
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
    ]
    for name, value in plan.headers:
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{plan.path}")
    arguments = [*(["dates"] if plan.dates else []), *(["lang"] if plan.lang else [])]
    if arguments:
        command += ["--", *arguments, f"start={start}", f"nonce={nonce}"]
    process = spawn(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=bool(PRIORITY)
    )
    try:
        out, err = process.communicate()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = out.decode(errors="replace")
    if process.returncode:
        raise RuntimeError(f"wrk failed ({process.returncode}): {err.decode(errors='replace')}")
    found = re.search(r"^BENCH-RESULT (.*)$", output, re.MULTILINE)
    if not found:
        raise RuntimeError(f"no BENCH-RESULT line from wrk:\n{output}")
    data = json.loads(found.group(1))
    done = data["requests"] > 0  # else wrk reports 0 for the percentiles
    return Result(
        rps=data["requests"] / data["seconds"],
        p50_ms=data["p50_us"] / 1000 if done else float("inf"),
        p99_ms=data["p99_us"] / 1000 if done else float("inf"),
        requests=data["requests"],
        errors=sum(data["errors"].values()),
        generated=data["generated"],
        first=data["first"],
        last=data["last"],
    )


def _python_load(
    port: int, plan: Plan, *, duration: float, connections: int, start: int, nonce: str
) -> Result:
    """Keep-alive http.client connections, one per thread, for `duration` seconds."""
    latencies: list[float] = []
    errors = 0
    counter = itertools.count()
    lock = threading.Lock()
    stop_at = time.monotonic() + duration
    values: dict[str, tuple[int, str]] = {}  # "first" and "last": (request number, value)
    varying = plan.dates or plan.lang

    def worker() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            n = next(counter)
            path, headers = request_at(plan, n, start=start, nonce=nonce)
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                errors += not ok
                if varying:
                    value = f"{path if plan.dates else ''} {headers.get('Accept-Language', '')}"
                    if n == 0:
                        values["first"] = (n, value.strip())
                    if n >= values.get("last", (-1, ""))[0]:
                        values["last"] = (n, value.strip())
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - began
    latencies.sort()

    def pick(q: float) -> float:
        if not latencies:
            return float("inf")
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return Result(
        rps=len(latencies) / seconds,
        p50_ms=pick(0.5),
        p99_ms=pick(0.99),
        requests=len(latencies),
        errors=errors,
        generated=len(latencies) if varying else 0,
        first=values.get("first", (0, ""))[1],
        last=values.get("last", (0, ""))[1],
    )
