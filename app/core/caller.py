"""Who is calling, and whether they may call now: API keys and rate limits, on every request
but the probes (pure ASGI, in front of the response cache, so cache hits are counted too).

- **Without a key** a request goes on exactly as before (no header added or changed) unless
  its address used its quota: then 429.
- **With a key** (`Authorization: Bearer cica_...`) the key must be valid, on every route:
  a malformed, unknown, revoked or expired key is a 401 (reads need no key, so a client
  sends none rather than a bad one); the refused request counts against its address. A
  valid key names the caller (`scope["state"]["principal"]`, the access log's `key`, the
  metric `cica_api_key_requests_total`) and is counted under its scope's tier; its
  responses carry `Cache-Control: no-store` (shared caches keep nothing of a keyed
  exchange) and the `RateLimit-Policy` and `RateLimit` headers of its own quota.
- **A 429** carries `Retry-After`, `RateLimit-Policy`, `RateLimit` and `no-store`.

Anonymous responses carry no rate-limit headers: shared caches (the response cache, the
proxy) hand one client's response to others, and a quota in it would be someone else's.
Whether a route *needs* a key (and which scope) is the route's business:
`app.api.security`.
"""

from typing import Final

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.api_keys import KeyRing, Principal
from app.core.errors import ProblemError, problem_response
from app.core.rate_limit import Policy, RateLimiter, client_partition
from app.core.request_headers import request_headers

PRINCIPAL: Final = "principal"
"""`scope["state"]` key: the `Principal` of a valid key, or None (no key sent)."""
KEY_NAME: Final = "key_name"
"""`scope["state"]` key: the name of the valid key sent, for the access log."""
EXEMPT: Final = frozenset({"/healthz", "/readyz", "/metrics"})
"""Probes and metrics: never limited, so a busy address cannot make a replica look dead."""
NO_STORE: Final = (b"cache-control", b"no-store")
REFUSED: Final = "cica.refused"
"""`scope["state"]` key: the edge already asked the limiter and was refused (a 429 here)."""


def read_caller(scope: Scope) -> tuple[bytes | None, str]:
    """The request's `Authorization` value (None when absent; repeated field lines joined
    with ", " as RFC 9110 says, which no valid credential survives) and the client's
    address: the edge's one reading of the request (`app.core.request_headers`)."""
    headers = request_headers(scope)
    return headers.authorization, headers.client


class CallerMiddleware:
    def __init__(self, app: ASGIApp, *, keys: KeyRing, limiter: RateLimiter | None) -> None:
        self.app, self.keys, self.limiter = app, keys, limiter
        self.key_requests: dict[tuple[str, str], int] = {}
        """Requests with a valid key, by (key name, scope): bounded by the key table."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        authorization, address = read_caller(scope)
        state = scope.setdefault("state", {})
        state[PRINCIPAL] = None
        limiter = self.limiter
        if authorization is None:
            if limiter is None:
                await self.app(scope, receive, send)
                return
            policy, partition = limiter.anonymous, client_partition(address)
            admitted = False if state.get(REFUSED) else limiter.admit(policy, partition)
            if admitted is None:
                admitted = await limiter.lease(policy, partition)
            if admitted:
                await self.app(scope, receive, send)
            else:
                await self._too_many(scope, receive, send, policy, partition)
            return
        try:
            principal = self.keys.authenticate(authorization)
        except ProblemError as refusal:
            reload = self.keys.reload
            if reload is None or not self.keys.is_unknown(authorization):
                await self._refuse(scope, receive, send, refusal, address)
                return
            await reload()  # a key made since the last poll works at once
            try:
                principal = self.keys.authenticate(authorization)
            except ProblemError as still:
                await self._refuse(scope, receive, send, still, address)
                return
        state[PRINCIPAL], state[KEY_NAME] = principal, principal.name
        counted = (principal.name, principal.scope)
        self.key_requests[counted] = self.key_requests.get(counted, 0) + 1
        extra = [NO_STORE]
        if limiter is not None:
            policy, partition = limiter.policies[principal.scope], principal.public_id
            admitted = limiter.admit(policy, partition)
            if admitted is None:
                admitted = await limiter.lease(policy, partition)
            if not admitted:
                await self._too_many(scope, receive, send, policy, partition)
                return
            extra += limiter.headers(policy, partition)
        await self.app(scope, receive, _with_headers(send, extra))

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, refusal: ProblemError, address: str
    ) -> None:
        """A key that is not valid: 401 (503 while keys are not loaded), counted against the
        address like a request without a key."""
        limiter = self.limiter
        if limiter is not None:
            policy, partition = limiter.anonymous, client_partition(address)
            admitted = limiter.admit(policy, partition)
            if admitted is None:
                admitted = await limiter.lease(policy, partition)
            if not admitted:
                await self._too_many(scope, receive, send, policy, partition)
                return
        headers = {"Cache-Control": "no-store", **(refusal.headers or {})}
        if refusal.status == 503:
            headers["Retry-After"] = "1"
        response = problem_response(
            Request(scope), refusal.status, refusal.detail, slug=refusal.slug, headers=headers
        )
        await response(scope, receive, send)

    async def _too_many(
        self, scope: Scope, receive: Receive, send: Send, policy: Policy, partition: str
    ) -> None:
        assert self.limiter is not None
        headers = self.limiter.headers(policy, partition, refused=True)
        retry_after = dict(headers)[b"retry-after"].decode()
        response = problem_response(
            Request(scope),
            429,
            f"Too many requests: the {policy.name} quota is {policy.quota} requests per "
            f"{policy.window} s; retry in {retry_after} s.",
            slug="too-many-requests",
            headers={"Cache-Control": "no-store"},
        )
        response.raw_headers.extend(headers)
        await response(scope, receive, send)


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    """`send` with `extra` on the response; `Cache-Control` replaced, not repeated."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            kept = [(n, v) for n, v in message.get("headers", ()) if n != b"cache-control"]
            message["headers"] = [*kept, *extra]
        await send(message)

    return sending


def principal_of(scope: Scope) -> Principal | None:
    principal: Principal | None = scope.get("state", {}).get(PRINCIPAL)
    return principal
