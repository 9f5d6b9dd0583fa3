"""API keys: their format, what the table keeps of them (no secret), and who they name."""

import datetime as dt
import re
import time

import pytest
from sqlalchemy import Engine, inspect, text

from app.core.api_keys import KeyRing, hash_secret, new_key
from app.core.errors import ServiceUnavailable, Unauthorized
from app.models.base import utc_now
from app.services.api_keys import KeyInputError, known_keys, list_keys, revoke_key
from tests.keys.conftest import make_key


def test_a_key_names_itself_and_carries_a_long_random_secret() -> None:
    public_id, secret, key = new_key()
    assert re.fullmatch(r"cica_[0-9a-f]{12}_[0-9A-Za-z]{40}", key), key
    assert key == f"cica_{public_id}_{secret}"
    keys = {new_key()[2] for _ in range(200)}
    assert len(keys) == 200
    # 40 characters of 62: the secrets of 200 keys use (nearly) the whole alphabet.
    assert len({c for k in keys for c in k.rsplit("_", 1)[1]}) > 55


def test_the_table_holds_no_secret_in_the_clear(fresh_engine: Engine) -> None:
    made = [make_key(fresh_engine, scope) for scope in ("write", "partner")]
    columns = [c["name"] for c in inspect(fresh_engine).get_columns("api_keys")]
    with fresh_engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM api_keys")).all()
    stored = " ".join(str(value) for row in rows for value in row)
    assert len(rows) == 2
    for key in made:
        secret = key.key.rsplit("_", 1)[1]
        assert key.key not in stored
        # No 12-character stretch of the secret appears anywhere (nor hex-encoded).
        for start in range(0, len(secret) - 12):
            assert secret[start : start + 12] not in stored
        assert secret.encode().hex() not in stored
        assert key.public_id in stored, "the public id is what finds the key"
    assert "secret_hash" in columns
    for row in rows:
        digest = row._mapping["secret_hash"]
        assert re.fullmatch(r"[0-9a-f]{64}", digest)
        matching = [k for k in made if k.public_id == row._mapping["public_id"]]
        secret = matching[0].key.rsplit("_", 1)[1]
        assert digest == hash_secret(row._mapping["public_id"], secret)


def ring_with(engine: Engine) -> KeyRing:
    ring = KeyRing()
    ring.replace(known_keys(engine))
    return ring


def test_a_valid_key_names_its_holder_and_scope(fresh_engine: Engine) -> None:
    writer, partner = make_key(fresh_engine, "write"), make_key(fresh_engine, "partner")
    ring = ring_with(fresh_engine)
    principal = ring.authenticate(f"Bearer {writer.key}".encode())
    assert (principal.name, principal.scope, principal.may_write) == (writer.name, "write", True)
    principal = ring.authenticate(f"bearer  {partner.key}".encode())  # scheme is case-blind
    assert (principal.name, principal.may_write) == (partner.name, False)


@pytest.mark.parametrize(
    "authorization",
    [
        b"",
        b"Bearer",
        b"Bearer ",
        b"Basic dXNlcjpwYXNz",
        b"Token cica_0123456789ab_" + b"A" * 40,
        b"Bearer cica_0123456789ab_" + b"A" * 39,
        b"Bearer cica_0123456789AB_" + b"A" * 40,
        b"Bearer cica_0123456789ab_" + b"A" * 40 + b" extra",
        b"Bearer cica_0123456789ab_" + b"A" * 40 + b", Bearer cica_0123456789ab_" + b"A" * 40,
        "Bearer cica_0123456789ab_ÄAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".encode(),
    ],
)
def test_a_malformed_authorization_is_refused(authorization: bytes) -> None:
    ring = KeyRing()
    ring.replace([])
    with pytest.raises(Unauthorized) as refused:
        ring.authenticate(authorization)
    assert "Malformed" in refused.value.detail
    assert refused.value.headers == {
        "WWW-Authenticate": 'Bearer realm="cica", error="invalid_token"'
    }


def test_unknown_revoked_and_expired_keys_are_refused(fresh_engine: Engine) -> None:
    good = make_key(fresh_engine, "write")
    revoked = make_key(fresh_engine, "write", revoked=True)
    expired = make_key(fresh_engine, "partner", expired=True)
    ring = ring_with(fresh_engine)
    wrong_secret = good.key[:-1] + ("a" if good.key[-1] != "a" else "b")
    unknown_id = "cica_000000000000_" + good.key.rsplit("_", 1)[1]
    for key, detail in (
        (wrong_secret, "Unknown API key."),
        (unknown_id, "Unknown API key."),
        (revoked.key, f"The API key {revoked.name!r} was revoked."),
    ):
        with pytest.raises(Unauthorized) as refused:
            ring.authenticate(f"Bearer {key}".encode())
        assert refused.value.detail == detail
    with pytest.raises(Unauthorized, match="expired at"):
        ring.authenticate(f"Bearer {expired.key}".encode())


def test_a_key_expires_at_its_moment_without_waiting_for_a_poll(fresh_engine: Engine) -> None:
    soon = utc_now() + dt.timedelta(hours=1)
    key = make_key(fresh_engine, "partner", expires_at=soon)
    ring = ring_with(fresh_engine)
    header = f"Bearer {key.key}".encode()
    assert ring.authenticate(header, now=soon.timestamp() - 1).name == key.name
    with pytest.raises(Unauthorized, match="expired"):
        ring.authenticate(header, now=soon.timestamp())
    assert ring.authenticate(header, now=time.time()).name == key.name


def test_keys_are_not_checked_before_they_are_loaded() -> None:
    with pytest.raises(ServiceUnavailable):
        KeyRing().authenticate(b"Bearer cica_0123456789ab_" + b"A" * 40)


def test_revoke_by_name_or_public_id_once(fresh_engine: Engine) -> None:
    first, second = make_key(fresh_engine, "write"), make_key(fresh_engine, "partner")
    row, revoked = revoke_key(fresh_engine, first.name, now=utc_now())
    assert (row.name, revoked) == (first.name, True)
    row, revoked = revoke_key(fresh_engine, second.public_id, now=utc_now())
    assert (row.name, revoked) == (second.name, True)
    assert revoke_key(fresh_engine, first.name, now=utc_now())[1] is False
    with pytest.raises(KeyInputError, match="no key named"):
        revoke_key(fresh_engine, "nobody", now=utc_now())
    assert all(row.revoked_at is not None for row in list_keys(fresh_engine))
