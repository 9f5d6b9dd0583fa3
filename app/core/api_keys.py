"""API keys: their format, their hash, and who a request's key names.

A key reads `cica_<public id>_<secret>`: a fixed prefix that logs and secret scanners can
recognise, 12 hex digits that name the key in the table (public, printed by `keys list`),
and 40 random letters and digits from `secrets` (about 238 bits). Only a hash of the secret
is stored: HMAC-SHA256 keyed with the public id (a per-key salt). A fast hash is right for
secrets this long: bcrypt or scrypt are slow on purpose so that guessing a *short,
human-chosen* password costs much, but nobody can enumerate 2^238 secrets however fast the
hash, while a slow hash would cost every request with a key tens of milliseconds of CPU
(and let anyone who sends made-up keys exhaust it). Hashes are compared with
`hmac.compare_digest`, in constant time.

Each process keeps the keys it knows in a `KeyRing`, read from the table at start and
every `CICA_VERSION_POLL_SECONDS` by a `KeyPoller` (so a key revoked on any replica is
refused by all within a second). Keys never enter the dataset snapshot.
"""

import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
import string
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Engine

from app.core.errors import ServiceUnavailable, Unauthorized

logger = logging.getLogger("app.keys")
STOP_SECONDS = 5.0
"""How long shutdown waits for the poller to end."""
UNKNOWN_RELOAD_SECONDS = 0.2
"""The least time between two reads of the key table for keys the ring does not hold."""

PREFIX: Final = "cica_"
PUBLIC_ID_HEX: Final = 12
SECRET_LENGTH: Final = 40
SECRET_ALPHABET: Final = string.ascii_letters + string.digits
KEY_PATTERN: Final = re.compile(
    rb"cica_([0-9a-f]{%d})_([0-9A-Za-z]{%d})" % (PUBLIC_ID_HEX, SECRET_LENGTH)
)
BEARER_HELP: Final = (
    "send `Authorization: Bearer cica_...` with a key made by `cica-api keys create`"
)


def new_key() -> tuple[str, str, str]:
    """(public id, secret, the key as the client sends it)."""
    public_id = secrets.token_hex(PUBLIC_ID_HEX // 2)
    secret = "".join(secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_LENGTH))
    return public_id, secret, f"{PREFIX}{public_id}_{secret}"


def hash_secret(public_id: str, secret: str) -> str:
    """HMAC-SHA256 of the secret, keyed with the public id; 64 hex digits."""
    return hmac.new(public_id.encode(), secret.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a valid key names: its name (in logs and metrics) and its scope."""

    name: str
    scope: str
    public_id: str

    @property
    def may_write(self) -> bool:
        return self.scope == "write"


@dataclass(frozen=True, slots=True)
class KnownKey:
    principal: Principal
    digest: bytes
    expires_at: float | None
    """Unix time; None never expires."""
    revoked: bool


def _refused(detail: str, error: str = "invalid_token") -> Unauthorized:
    return Unauthorized(
        detail, headers={"WWW-Authenticate": f'Bearer realm="cica", error="{error}"'}
    )


def _bearer_key(authorization: bytes) -> "re.Match[bytes] | None":
    """The key of a `Bearer` credential, if well-formed (groups: public id, secret)."""
    scheme, _, token = authorization.strip().partition(b" ")
    return KEY_PATTERN.fullmatch(token.strip()) if scheme.lower() == b"bearer" else None


class KeyRing:
    """The keys this process knows, by public id; replaced whole at each poll."""

    def __init__(self) -> None:
        self.keys: dict[str, KnownKey] = {}
        self.loaded = False
        self.reload: Callable[[], Awaitable[None]] | None = None
        """Reads the key table now (the poller's, set while it runs): a key made a moment
        ago on another process works at once, not after the next poll."""
        self._verified: dict[bytes, str] = {}
        """`Authorization` values whose secret was verified -> public id. Only values that
        verified get in (at most a few per key), and it is emptied at every poll."""

    def replace(self, keys: Iterable[KnownKey]) -> None:
        self.keys = {key.principal.public_id: key for key in keys}
        self._verified = {}
        self.loaded = True

    def authenticate(self, authorization: bytes, now: float | None = None) -> Principal:
        """The principal a `Bearer` key names; `Unauthorized` if the header is malformed or
        the key unknown, revoked or expired. Whether a key was revoked or expired is told
        only to a caller who sent its secret."""
        public_id = self._verified.get(authorization)
        if public_id is None:
            public_id = self._verify(authorization)
            if len(self._verified) < 4 * len(self.keys) + 16:
                self._verified[authorization] = public_id
        known = self.keys[public_id]
        if known.revoked:
            raise _refused(f"The API key {known.principal.name!r} was revoked.")
        if known.expires_at is not None and known.expires_at <= (now or time.time()):
            expired = dt.datetime.fromtimestamp(known.expires_at, dt.UTC)
            raise _refused(
                f"The API key {known.principal.name!r} expired at "
                f"{expired.isoformat().replace('+00:00', 'Z')}."
            )
        return known.principal

    def is_unknown(self, authorization: bytes) -> bool:
        """A well-formed key whose public id this ring does not hold (perhaps made since
        the last poll)."""
        match = _bearer_key(authorization)
        return match is not None and self.loaded and match.group(1).decode() not in self.keys

    def _verify(self, authorization: bytes) -> str:
        """The public id of a well-formed key whose secret matches its stored hash."""
        match = _bearer_key(authorization)
        if match is None:
            raise _refused(f"Malformed credentials: {BEARER_HELP}.")
        if not self.loaded:
            raise ServiceUnavailable("API keys are not loaded yet; try again shortly.")
        public_id, secret = match.group(1).decode(), match.group(2).decode()
        known = self.keys.get(public_id)
        digest = bytes.fromhex(hash_secret(public_id, secret))
        if known is None or not hmac.compare_digest(digest, known.digest):
            raise _refused("Unknown API key.")
        return public_id


class KeyPoller:
    """Reads the key table into a `KeyRing` at start and every `poll_seconds`, once
    `ready()` (the schema is migrated). A failed read keeps the keys last read."""

    def __init__(
        self,
        engine: Engine,
        ring: KeyRing,
        *,
        poll_seconds: float,
        timeout: float,
        ready: Callable[[], bool],
        load: Callable[[Engine], list[KnownKey]],
    ) -> None:
        """`load` reads the key table (`app.services.api_keys.known_keys`): given, so this
        module does not import the service that imports it."""
        from app.core.read_model import SingleFlight

        self.engine, self.ring, self.ready, self.load = engine, ring, ready, load
        self.poll_seconds = poll_seconds
        self._flight = SingleFlight(timeout)
        self._task: asyncio.Task[None] | None = None
        self._failing: str | None = None
        self._stopping = False
        self._read_started = float("-inf")
        self._reloading = asyncio.Lock()

    async def start(self) -> None:
        await self.refresh()
        self._task = asyncio.create_task(self._run())
        self.ring.reload = self.reload_for_unknown

    async def reload_for_unknown(self) -> None:
        """Read the keys again for a key the ring does not hold: once a read has started
        since the caller asked, its answer is the caller's. Reads start at most once per
        `UNKNOWN_RELOAD_SECONDS`, so a flood of made-up keys costs a few small reads a
        second; callers meanwhile wait their turn (bounded by the connection cap)."""
        asked = time.monotonic()
        async with self._reloading:
            for _ in range(2):  # a second time if the read joined had started before
                if self._read_started >= asked:
                    return
                wait = self._read_started + UNKNOWN_RELOAD_SECONDS - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                await self.refresh()

    async def stop(self) -> None:
        """Stop polling; never waits long on a read in flight (it is abandoned)."""
        self._stopping = True
        self.ring.reload = None
        self._flight.cancel()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, STOP_SECONDS)

    async def _run(self) -> None:
        while not self._stopping:
            # Until the first read succeeds, retry sooner than the poll.
            await asyncio.sleep(self.poll_seconds if self.ring.loaded else 0.2)
            await self.refresh()

    async def refresh(self) -> None:
        if not self.ready():
            return
        try:
            keys = await self._flight.run(lambda: self.load(self.engine))
        except Exception as exc:  # any database failure: keep the keys last read
            message = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            if message != self._failing:
                logger.warning("API keys not refreshed: %s", message)
            self._failing = message
            return
        self._failing = None
        self._read_started = self._flight.started_at
        self.ring.replace(keys)
