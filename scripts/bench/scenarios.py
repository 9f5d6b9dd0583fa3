"""What the benchmark sends: the scenarios and their criteria, and the requests of a run
(the date walk and the Accept-Language values, as `scripts/wrk/bench.lua` builds them)."""

import datetime as dt
from dataclasses import dataclass, replace

LIST = "/v1/members?limit=30"

# The date walk, the same as scripts/wrk/bench.lua: 1995-01-01 .. 2099-12-31 by a stride
# coprime with the span, so a run's first SPAN requests all carry different dates.
FIRST_DAY = dt.date(1995, 1, 1)
SPAN = 38351
STRIDE = 7919

CACHE_ON, CACHE_OFF = "app (cache on)", "app (cache off)"


@dataclass(frozen=True)
class Plan:
    """What one run sends: `path` (ending in `as_of=` when `dates`), fixed headers, and
    whether every request gets a new date and/or a new Accept-Language."""

    path: str
    headers: tuple[tuple[str, str], ...] = ()
    dates: bool = False
    lang: bool = False


@dataclass(frozen=True)
class Scenario:
    group: str
    name: str
    server: str  # CACHE_ON, CACHE_OFF or the name of another module's server
    plan: Plan
    status: int
    min_ratio: float
    max_p99_ms: float | None = None
    slug: str | None = None
    """The group's short name in `key`, for a group not in `GROUP_SLUGS`."""

    @property
    def key(self) -> str:
        """Unique across groups; also the ceiling's route."""
        return f"{self.slug or GROUP_SLUGS[self.group]}-{self.name}"

    @property
    def title(self) -> str:
        return f"{self.group} / {self.name}"


GROUP_SLUGS = {"cache on": "on", "cache off": "off", "unique language": "lang"}
P99_MS = 25.0
SEARCH = "/v1/search?q=kaz"
DETAIL = "/v1/members/KZ"
AS_OF = "/v1/members?as_of="
SCENARIOS = [
    Scenario("cache on", "list", CACHE_ON, Plan(LIST), 200, 0.9),
    Scenario(
        "cache on", "list-304", CACHE_ON, Plan(LIST, (("If-None-Match", "{etag}"),)), 304, 1.0
    ),
    Scenario("cache off", "list", CACHE_OFF, Plan(LIST), 200, 0.25, P99_MS),
    Scenario("cache off", "detail", CACHE_OFF, Plan(DETAIL), 200, 0.25, P99_MS),
    Scenario("cache off", "as-of", CACHE_OFF, Plan(AS_OF, dates=True), 200, 0.25, P99_MS),
    Scenario("cache off", "search", CACHE_OFF, Plan(SEARCH), 200, 0.2, P99_MS),
    Scenario("unique language", "list", CACHE_ON, Plan(LIST, lang=True), 200, 0.25, P99_MS),
    Scenario("unique language", "detail", CACHE_ON, Plan(DETAIL, lang=True), 200, 0.25, P99_MS),
    Scenario(
        "unique language",
        "as-of",
        CACHE_ON,
        Plan(AS_OF, dates=True, lang=True),
        200,
        0.25,
        P99_MS,
    ),
    Scenario("unique language", "search", CACHE_ON, Plan(SEARCH, lang=True), 200, 0.2, P99_MS),
]


def date_at(start: int, n: int) -> str:
    return (FIRST_DAY + dt.timedelta(days=(start + n * STRIDE) % SPAN)).isoformat()


def language_at(nonce: str, n: int) -> str:
    return f"en-US,en;q=0.9,x-{nonce}-{n}"


def request_at(plan: Plan, n: int, *, start: int, nonce: str) -> tuple[str, dict[str, str]]:
    """The n-th request of a run, as the Lua script builds it."""
    path = plan.path + (date_at(start, n) if plan.dates else "")
    headers = dict(plan.headers)
    if plan.lang:
        headers["Accept-Language"] = language_at(nonce, n)
    return path, headers


def resolve(plan: Plan, etag: str) -> Plan:
    return replace(plan, headers=tuple((k, v.format(etag=etag)) for k, v in plan.headers))
