"""Rate limits: the 429 and its headers, quotas by address and by key tier, reads unchanged
for clients without a key, counters shared through Redis, and serving on while Redis is
away. (Two `serve` processes and trusted proxies: test_rate_limits_served.py.)"""

import asyncio
import logging
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from app.core.config import Settings
from app.core.rate_limit import RateLimiter, RedisLeases, client_partition, policies_from
from tests.api.helpers import assert_problem
from tests.keys.conftest import closed_port, make_key
from tests.support.apps import app_on
from tests.support.relay import Relay

HOUR = 3600
"""A window no test outlives, so none straddles two windows (and sees its count reset)."""


def limited(engine: Engine, **settings: Any) -> TestClient:
    options: dict[str, Any] = {
        "rate_limits": True,
        "metrics_on_api_port": True,  # the tests read /metrics
        "rate_limit_anonymous_window": HOUR,
        "rate_limit_partner_window": HOUR,
        "rate_limit_write_window": HOUR,
        **settings,
    }
    return TestClient(app_on(engine, **options), base_url="http://api.test")


def metric(client: TestClient, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return None


def test_the_429_is_a_problem_with_the_draft_headers(seeded_engine: Engine) -> None:
    with limited(seeded_engine, rate_limit_anonymous=3) as client:
        for _ in range(3):
            assert client.get("/v1/members/KZ").status_code == 200
        response = client.get("/v1/members/KZ", headers={"Origin": "https://example.org"})
    body = assert_problem(response, 429)
    assert body["type"].endswith("/too-many-requests")
    assert "anonymous quota is 3 requests per 3600 s" in body["detail"]
    assert response.headers["ratelimit-policy"] == f'"anonymous";q=3;w={HOUR}'
    found = re.fullmatch(r'"anonymous";r=0;t=(\d+)', response.headers["ratelimit"])
    assert found, response.headers["ratelimit"]
    assert response.headers["retry-after"] == found.group(1)
    assert 1 <= int(found.group(1)) <= HOUR
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["access-control-allow-origin"] == "*"
    assert "RateLimit" in response.headers["access-control-expose-headers"]
    assert response.headers["x-request-id"] in body["instance"]


def test_cache_hits_count_against_the_quota_and_a_refused_one_is_one_429(
    seeded_engine: Engine,
) -> None:
    """The edge answers a cache hit itself and admits the client there (app.core.edge):
    hits and their 304s use the quota, and a refusal met at the edge is one 429, counted
    once, with the same problem a miss gets."""
    with limited(seeded_engine, rate_limit_anonymous=4) as client:
        first = client.get("/v1/members?limit=2")  # a miss: fills the cache
        hit = client.get("/v1/members?limit=2")
        not_modified = client.get(
            "/v1/members?limit=2", headers={"If-None-Match": first.headers["etag"]}
        )
        last = client.get("/v1/members?limit=2")
        refused = [client.get("/v1/members?limit=2") for _ in range(2)]
        counted = metric(client, "cica_rate_limited_total", policy="anonymous")
    assert [first.status_code, hit.status_code, not_modified.status_code] == [200, 200, 304]
    assert last.status_code == 200 and last.content == first.content
    for response in refused:
        body = assert_problem(response, 429)
        assert "anonymous quota is 4 requests" in body["detail"]
        assert response.headers["cache-control"] == "no-store"
    assert counted == 2


REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/v1/members?limit=3&sort=-joined", {}),
    ("GET", "/v1/members/KZ", {"Accept-Language": "ru"}),
    ("HEAD", "/v1/members/KZ", {}),
    ("GET", "/v1/members?format=csv&fields=id,name", {}),
    ("GET", "/v1/search?q=shanghai", {}),
    ("GET", "/v1/members/XX", {}),
    ("GET", "/v1/members?bogus=1", {}),
    (
        "OPTIONS",
        "/v1/members",
        {"Origin": "https://a.example", "Access-Control-Request-Method": "GET"},
    ),
    ("GET", "/", {}),
    ("GET", "/openapi.json", {}),
]


def _answers(client: TestClient) -> list[tuple[int, list[tuple[str, str]], bytes]]:
    """Every answer in full (a fixed request id, so that problems' `instance` agree); each
    request twice, the second time from the response cache; and a 304."""
    answers = []
    same = {"X-Request-ID": "same-id"}
    for method, path, headers in REQUESTS * 2:
        response = client.request(method, path, headers={**headers, **same})
        answers.append((response.status_code, response.headers.multi_items(), response.content))
    etag = client.get("/v1/members/KZ").headers["etag"]
    revalidated = client.get("/v1/members/KZ", headers={"If-None-Match": etag, **same})
    answers.append((revalidated.status_code, revalidated.headers.multi_items(), b""))
    return answers


def test_reads_without_a_key_are_unchanged_below_the_limit(seeded_engine: Engine) -> None:
    with TestClient(app_on(seeded_engine, rate_limits=False), base_url="http://api.test") as c:
        without = _answers(c)
    with limited(seeded_engine) as client:
        with_limits = _answers(client)
    assert [a[0] for a in with_limits] == [a[0] for a in without]
    assert with_limits == without
    assert any(status == 304 for status, _, _ in with_limits)


def test_each_key_has_its_tiers_quota_apart_from_its_address(seeded_engine: Engine) -> None:
    first, second = make_key(seeded_engine, "partner"), make_key(seeded_engine, "partner")
    writer = make_key(seeded_engine, "write")
    with limited(
        seeded_engine, rate_limit_anonymous=2, rate_limit_partner=4, rate_limit_write=3
    ) as client:
        statuses = [
            client.get("/v1/members", headers=first.authorization).status_code for _ in range(5)
        ]
        assert statuses == [200, 200, 200, 200, 429]
        refused = client.get("/v1/members", headers=first.authorization)
        assert refused.headers["ratelimit-policy"] == f'"partner";q=4;w={HOUR}'
        assert refused.headers["ratelimit"].startswith('"partner";r=0;t=')
        ok = client.get("/v1/members", headers=second.authorization)
        assert ok.status_code == 200
        assert ok.headers["ratelimit"].startswith('"partner";r=3;t='), ok.headers["ratelimit"]
        assert [client.get("/v1/members").status_code for _ in range(3)] == [200, 200, 429]
        assert [
            client.get("/v1/members", headers=writer.authorization).status_code for _ in range(4)
        ] == [200, 200, 200, 429]
        assert metric(client, "cica_rate_limited_total", policy="partner") == 2


def test_a_bad_key_counts_against_its_address(seeded_engine: Engine) -> None:
    bad = {"Authorization": "Bearer cica_000000000000_" + "A" * 40}
    with limited(seeded_engine, rate_limit_anonymous=2) as client:
        assert [client.get("/v1/members", headers=bad).status_code for _ in range(3)] == [
            401,
            401,
            429,
        ]
        assert client.get("/v1/members").status_code == 429


def test_probes_and_metrics_are_never_limited(seeded_engine: Engine) -> None:
    with limited(seeded_engine, rate_limit_anonymous=1) as client:
        assert [client.get("/v1/members").status_code for _ in range(2)] == [200, 429]
        for path in ("/healthz", "/readyz", "/metrics") * 3:
            assert client.get(path).status_code == 200, path


def test_an_ipv6_client_is_limited_by_its_64_block() -> None:
    assert client_partition("2001:db8:1:2:aaaa::1") == client_partition("2001:db8:1:2:bbbb::9")
    assert client_partition("2001:db8:1:2::1") != client_partition("2001:db8:1:3::1")
    assert client_partition("203.0.113.7") == "203.0.113.7"
    assert client_partition("testclient") == "testclient"


# --------------------------------------------------------------- shared counters ----


def test_two_app_instances_share_one_limit_through_redis(
    seeded_engine: Engine, redis_url: str, redis_prefix: str
) -> None:
    shared = {"redis_url": redis_url, "redis_prefix": redis_prefix, "rate_limit_anonymous": 10}
    with limited(seeded_engine, **shared) as one, limited(seeded_engine, **shared) as two:
        statuses = [(one, two)[n % 2].get("/v1/members/KZ").status_code for n in range(30)]
        assert statuses.count(200) == 10, statuses
        assert statuses[-2:] == [429, 429], "both refuse once the shared quota is used"
    with limited(seeded_engine, rate_limit_anonymous=10) as alone:
        assert [alone.get("/v1/members/KZ").status_code for _ in range(10)] == [200] * 10


def _run_leases(url: str, prefix: str, quota: int, requests: int, limiters: int) -> tuple[int, int]:
    """(admitted, Redis calls) over `limiters` processes' worth of limiters, one client."""
    settings = Settings(rate_limit_anonymous=quota, rate_limit_anonymous_window=HOUR)
    calls = 0

    async def run() -> int:
        nonlocal calls
        stores = [RedisLeases(url, prefix=prefix, timeout=1.0) for _ in range(limiters)]
        for store in stores:
            take = store.take

            async def counted(*args: Any, _take: Any = take) -> tuple[int, int]:
                nonlocal calls
                calls += 1
                result: tuple[int, int] = await _take(*args)
                return result

            store.take = counted  # type: ignore[method-assign]
        group = [RateLimiter(policies_from(settings), store=s) for s in stores]
        admitted = 0
        for n in range(requests):
            limiter = group[(n * 7919) % limiters]  # an uneven interleaving
            decision = limiter.admit(limiter.anonymous, "203.0.113.9")
            if decision is None:
                decision = await limiter.lease(limiter.anonymous, "203.0.113.9")
            admitted += decision
        for limiter in group:
            await limiter.close()
        return admitted

    return asyncio.run(run()), calls


def test_leases_hold_the_quota_exactly_and_spare_redis(redis_url: str, redis_prefix: str) -> None:
    admitted, calls = _run_leases(redis_url, redis_prefix + "a:", 1000, 3000, 3)
    assert admitted == 1000
    assert calls < 200, f"{calls} Redis calls for 3,000 requests"
    admitted, calls = _run_leases(redis_url, redis_prefix + "b:", 10**9, 20_000, 1)
    assert admitted == 20_000
    assert calls <= 60, f"a busy client: {calls} Redis calls for 20,000 requests"


# ---------------------------------------------------------------- Redis away ----


def test_while_redis_is_unreachable_requests_are_served_and_counted_per_process(
    seeded_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"redis://127.0.0.1:{closed_port()}/0"
    caplog.set_level(logging.INFO, logger="app.rate_limit")
    with limited(seeded_engine, redis_url=url, rate_limit_anonymous=4) as client:
        statuses = [client.get("/v1/members/KZ").status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 200, 429]
        assert (metric(client, "cica_rate_limit_store_errors_total") or 0) >= 1
        assert metric(client, "cica_rate_limit_store_failing") == 1
    warnings = [
        r for r in caplog.records if r.name == "app.rate_limit" and r.levelno == logging.WARNING
    ]
    assert len(warnings) == 1, "one line per outage, not one per request"
    assert "serving on" in warnings[0].getMessage()


@pytest.fixture
def relay(redis_url: str) -> Iterator[Relay]:
    from urllib.parse import urlsplit

    parts = urlsplit(redis_url)
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 6379))
    yield relay
    relay.close()


def test_a_redis_that_stops_answering_costs_one_timeout_then_nothing(
    seeded_engine: Engine, relay: Relay, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.rate_limit")
    partner = make_key(seeded_engine, "partner")
    settings = {
        "redis_url": f"redis://127.0.0.1:{relay.port}/0",
        "redis_prefix": redis_prefix,
        "redis_timeout": 0.2,
        "rate_limit_anonymous": 5,
    }
    with limited(seeded_engine, **settings) as client:
        assert client.get("/v1/members/KZ").status_code == 200  # through Redis
        relay.freeze()
        time.sleep(0.2)  # bytes already in the relay's hands still pass
        began = time.monotonic()
        assert client.get("/v1/members/KZ").status_code == 200
        first = time.monotonic() - began
        began = time.monotonic()
        rest = [client.get("/v1/members/KZ").status_code for _ in range(4)]
        others = time.monotonic() - began
        assert rest == [200, 200, 200, 429], "the quota holds in memory meanwhile"
        assert 0.15 <= first < 2.0, f"the first call waited {first:.2f} s"
        assert others < 1.0, f"later requests waited on Redis too ({others:.2f} s)"
        assert metric(client, "cica_rate_limit_store_failing") == 1

        relay.thaw()
        time.sleep(1.1)  # the process tries Redis again a second after a failure
        assert client.get("/v1/members/KZ", headers=partner.authorization).status_code == 200
        assert metric(client, "cica_rate_limit_store_failing") == 0
    messages = [r.getMessage() for r in caplog.records if r.name == "app.rate_limit"]
    assert [m.split(" (")[0] for m in messages] == [
        "rate-limit counters unreachable in Redis",
        "rate-limit counters in Redis reachable again",
    ], messages
