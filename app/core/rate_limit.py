"""Rate limits: a quota of requests per fixed window, per client, shared by every replica.

A client is its key (each key its own quota, at its scope's tier) or, without a key, its
address (an IPv6 address by its /64, the block one host is usually given). Windows are
aligned on the Unix epoch, so every replica agrees on which window a request falls in.

**Counting.** Without Redis each process counts in its own memory. With Redis
(`CICA_REDIS_URL`) the count of a (client, window) lives in Redis and each process *leases*
tokens from it: an atomic Lua script takes up to k of what is left of the quota, and the
process admits that many requests on its own before it asks again. k starts at 1 for a
client seen for the first time in a window and doubles with every lease used up, up to
1/32 of the quota (at most 512), so a client seen rarely costs one Redis call per request
and a busy one one call per hundreds. The quota is never exceeded across replicas (Redis
grants no more than it holds); what the leases cost is that a client may be refused while
other replicas still hold a few tokens of its quota unused (at most 1/32 of it each). One
Redis round trip per request (what `limits` and most libraries do) costs more CPU than a
response-cache hit itself: see docs/performance.md for the figures.

**Redis unreachable.** Requests are served on: for a second after a failed call the
process counts in its own memory (each replica then enforces the quota on its own), then
tries Redis again. Each failure is counted (`cica_rate_limit_store_errors_total`), the
gauge `cica_rate_limit_store_failing` is 1, and one warning line is logged per outage.
"""

import asyncio
import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

logger = logging.getLogger("app.rate_limit")

MAX_LEASE: Final = 512
LEASE_SHARE: Final = 32
"""A lease is at most 1/LEASE_SHARE of the quota."""
MAX_BUCKETS: Final = 50_000
"""Clients tracked per policy in a process before stale ones are swept."""
RETRY_SECONDS: Final = 1.0
"""After a failed Redis call, count in memory this long before trying Redis again."""
# KEYS[1]: the counter of one client and window. ARGV: want, quota, ttl in ms.
# Returns {granted, count after granting}.
LEASE_SCRIPT: Final = """
local used = tonumber(redis.call('GET', KEYS[1]) or '-1')
if used < 0 then
  redis.call('SET', KEYS[1], 0, 'PX', ARGV[3])
  used = 0
end
local granted = math.min(tonumber(ARGV[1]), tonumber(ARGV[2]) - used)
if granted > 0 then
  used = redis.call('INCRBY', KEYS[1], granted)
else
  granted = 0
end
return {granted, used}
"""


@dataclass(frozen=True)
class Policy:
    """A tier: `quota` requests per `window` seconds, for each client in it."""

    name: str
    quota: int
    window: int
    header: bytes = field(init=False)
    lease_cap: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "header", f'"{self.name}";q={self.quota};w={self.window}'.encode())
        object.__setattr__(self, "lease_cap", max(1, min(MAX_LEASE, self.quota // LEASE_SHARE)))


@dataclass(slots=True)
class Bucket:
    """One client's standing in one window, as this process knows it."""

    window: int
    tokens: int = 0
    """Requests this process may still admit without asking Redis."""
    used: int = 0
    """The shared count after this process's last lease (in memory: the quota)."""
    lease: int = 1
    pending: "asyncio.Future[None] | None" = None


def client_partition(address: str) -> str:
    """The partition of an anonymous client: its IPv4 address, or its IPv6 /64."""
    if ":" not in address:
        return address
    try:
        network = ipaddress.IPv6Network(f"{address}/64", strict=False)
    except ValueError:
        return address
    return str(network)


class RedisLeases:
    """Leases from counters in Redis, with the state of the connection to it."""

    def __init__(self, url: str, *, prefix: str, timeout: float) -> None:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        # No retries: a failed call falls back to memory at once, not after 3 more tries.
        self.client = Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
        self.script = self.client.register_script(LEASE_SCRIPT)
        self.prefix = prefix
        self.errors = 0
        self.failing = False
        self._retry_at = 0.0

    def available(self) -> bool:
        return time.monotonic() >= self._retry_at

    async def take(self, key: str, want: int, quota: int, ttl_ms: int) -> tuple[int, int]:
        try:
            granted, used = await self.script(keys=[self.prefix + key], args=[want, quota, ttl_ms])
        except Exception as exc:  # refused, reset, timed out, or any answer we cannot use
            self.errors += 1
            self._retry_at = time.monotonic() + RETRY_SECONDS
            if not self.failing:
                self.failing = True
                logger.warning(
                    "rate-limit counters unreachable in Redis (%s: %s): serving on, each "
                    "process counting in its own memory until Redis answers",
                    type(exc).__name__,
                    str(exc).splitlines()[0][:200] if str(exc) else "",
                )
            raise
        if self.failing:
            self.failing = False
            logger.info("rate-limit counters in Redis reachable again")
        return int(granted), int(used)

    async def close(self) -> None:
        await self.client.aclose()


class RateLimiter:
    """Admits or refuses each request of a client under its policy."""

    def __init__(
        self,
        policies: dict[str, Policy],
        *,
        store: RedisLeases | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.policies, self.store, self.clock = policies, store, clock
        self.anonymous = policies["anonymous"]
        self.refused: dict[str, int] = dict.fromkeys(policies, 0)
        self._buckets: dict[str, dict[str, Bucket]] = {name: {} for name in policies}

    def admit(self, policy: Policy, partition: str) -> bool | None:
        """True: admitted; False: refused; None: ask `lease` (Redis must be asked)."""
        window = int(self.clock() // policy.window)
        bucket = self._buckets[policy.name].get(partition)
        if bucket is None or bucket.window != window:
            if self.store is not None and self.store.available():
                return None
            bucket = self._start(policy, partition, window, bucket)
            bucket.tokens, bucket.used = policy.quota, policy.quota
        if bucket.tokens > 0:
            bucket.tokens -= 1
            return True
        if bucket.used < policy.quota and self.store is not None:
            return None
        self.refused[policy.name] += 1
        return False

    async def lease(self, policy: Policy, partition: str) -> bool:
        """Admit or refuse once Redis granted a lease (or failed to)."""
        while True:
            decision = self.admit(policy, partition)
            if decision is not None:
                return decision
            window = int(self.clock() // policy.window)
            bucket = self._buckets[policy.name].get(partition)
            if bucket is None or bucket.window != window:
                bucket = self._start(policy, partition, window, bucket)
            if bucket.pending is not None:  # another request of this client asks already
                await asyncio.shield(bucket.pending)
                continue
            pending = bucket.pending = asyncio.get_running_loop().create_future()
            try:
                await self._lease(policy, partition, bucket)
            finally:
                bucket.pending = None
                pending.set_result(None)

    async def _lease(self, policy: Policy, partition: str, bucket: Bucket) -> None:
        assert self.store is not None
        want = bucket.lease
        key = f"rl:{policy.name}:{bucket.window}:{partition}"
        if self.store.available():
            try:
                granted, used = await self.store.take(
                    key, want, policy.quota, (policy.window + 1) * 1000
                )
            except Exception:
                pass  # counted and logged by the store
            else:
                bucket.tokens += granted
                bucket.used = used
                if granted == want:
                    bucket.lease = min(want * 2, policy.lease_cap)
                return
        # Serve on: what the shared count left of the quota is this process's to count.
        bucket.tokens += max(0, policy.quota - bucket.used)
        bucket.used = policy.quota

    def _start(self, policy: Policy, partition: str, window: int, old: Bucket | None) -> Bucket:
        """A bucket for a new window; a client busy in the last one starts at half its lease."""
        buckets = self._buckets[policy.name]
        if old is None:
            if len(buckets) >= MAX_BUCKETS:
                self._sweep(buckets, window)
            bucket = buckets[partition] = Bucket(window)
            return bucket
        old.window, old.tokens, old.used = window, 0, 0
        old.lease = max(1, old.lease // 2)
        return old

    @staticmethod
    def _sweep(buckets: dict[str, Bucket], window: int) -> None:
        """Drop the clients of past windows; if that is not enough, the oldest half."""
        for partition in [p for p, b in buckets.items() if b.window < window and not b.pending]:
            del buckets[partition]
        if len(buckets) >= MAX_BUCKETS:
            for partition in list(buckets)[: len(buckets) // 2]:
                del buckets[partition]

    def headers(
        self, policy: Policy, partition: str, *, refused: bool = False
    ) -> list[tuple[bytes, bytes]]:
        """`RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers), and
        `Retry-After` on a refusal: the end of the window."""
        now = self.clock()
        window = int(now // policy.window)
        bucket = self._buckets[policy.name].get(partition)
        remaining = policy.quota
        if bucket is not None and bucket.window == window:
            remaining = max(0, policy.quota - bucket.used) + bucket.tokens
        if refused:
            remaining = 0
        reset = max(1, math.ceil((window + 1) * policy.window - now))
        headers = [
            (b"ratelimit-policy", policy.header),
            (b"ratelimit", b'"%s";r=%d;t=%d' % (policy.name.encode(), remaining, reset)),
        ]
        if refused:
            headers.append((b"retry-after", str(reset).encode()))
        return headers

    def tracked(self) -> int:
        return sum(len(buckets) for buckets in self._buckets.values())

    async def close(self) -> None:
        if self.store is not None:
            await self.store.close()


def policies_from(settings: Any) -> dict[str, Policy]:
    return {
        name: Policy(
            name,
            getattr(settings, f"rate_limit_{name}"),
            getattr(settings, f"rate_limit_{name}_window"),
        )
        for name in ("anonymous", "partner", "write")
    }
