"""Metrics of keys and rate limits, computed when Prometheus scrapes (`app.core.metrics`)."""

from collections.abc import Iterable

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.core.caller import CallerMiddleware
from app.core.rate_limit import RateLimiter


class CallerCollector(Collector):
    def __init__(self, caller: CallerMiddleware, limiter: RateLimiter | None) -> None:
        self.caller, self.limiter = caller, limiter

    def collect(self) -> Iterable[Metric]:
        keyed = CounterMetricFamily(
            "cica_api_key_requests",
            "Requests with a valid API key, by key name and scope (one series per key made "
            "with `cica-api keys create`, never per value a client sends).",
            labels=["key", "scope"],
        )
        for (name, scope), count in self.caller.key_requests.copy().items():
            keyed.add_metric([name, scope], count)
        yield keyed
        limiter = self.limiter
        if limiter is None:
            return
        refused = CounterMetricFamily(
            "cica_rate_limited",
            "Requests refused with 429, by policy (`anonymous`, `partner`, `write`).",
            labels=["policy"],
        )
        for policy, count in limiter.refused.copy().items():
            refused.add_metric([policy], count)
        yield refused
        yield GaugeMetricFamily(
            "cica_rate_limit_clients",
            "Clients this process tracks in the current or a recent window.",
            limiter.tracked(),
        )
        store = limiter.store
        if store is None:
            return
        yield CounterMetricFamily(
            "cica_rate_limit_store_errors",
            "Failed calls to the rate-limit counters in Redis (requests were served on).",
            value=store.errors,
        )
        yield GaugeMetricFamily(
            "cica_rate_limit_store_failing",
            "1 while the last call to Redis failed (each process counts in its own memory), "
            "else 0.",
            int(store.failing),
        )
