"""Keys and rate limits: keys made in a test's database, Redis for the shared counters.

Redis is expected at `CICA_TEST_REDIS_URL` (default `redis://127.0.0.1:6379/0`, where CI
starts one); a test that needs it fails, not skips, when it does not answer. Each test
writes under a prefix of its own and deletes its keys afterwards.
"""

import datetime as dt
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine

from app.models.base import utc_now
from app.services.api_keys import create_key, revoke_key

REDIS_URL = os.environ.get("CICA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass(frozen=True)
class MadeKey:
    name: str
    key: str
    public_id: str

    @property
    def authorization(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def make_key(
    engine: Engine,
    scope: str,
    *,
    expired: bool = False,
    revoked: bool = False,
    expires_at: dt.datetime | None = None,
) -> MadeKey:
    """A key in `engine`'s table, by the service the CLI uses; an expired one is made as of
    two hours ago with an expiry an hour ago."""
    name = f"{scope}-{uuid.uuid4().hex[:8]}"
    now = utc_now()
    if expired:
        created = create_key(
            engine,
            name=name,
            scope=scope,
            expires_at=now - dt.timedelta(hours=1),
            now=now - dt.timedelta(hours=2),
        )
    else:
        created = create_key(engine, name=name, scope=scope, expires_at=expires_at, now=now)
    if revoked:
        revoke_key(engine, name, now=now)
    return MadeKey(name, created.key, created.row.public_id)


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url() -> str:
    parts = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2) as s:
            s.sendall(b"PING\r\n")
            answer = s.recv(64)
    except OSError as exc:
        pytest.fail(f"Redis at {REDIS_URL} does not answer ({exc}); start redis-server")
    assert answer.startswith(b"+PONG"), answer
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    import redis

    prefix = f"cica-test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
    finally:
        client.close()
