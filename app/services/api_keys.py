"""Making, listing and revoking API keys, and reading them for the key ring."""

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from app.core.api_keys import KnownKey, Principal, hash_secret, new_key
from app.core.db import open_session
from app.models.api_key import KEY_SCOPES, ApiKey

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""Names go into log lines and metric labels: plain characters only."""


class KeyInputError(ValueError):
    """Bad input to a key command: a name, scope or date that cannot be used."""


@dataclass(frozen=True)
class CreatedKey:
    row: ApiKey
    key: str
    """The key itself: shown once, never stored."""


def create_key(
    engine: Engine, *, name: str, scope: str, expires_at: dt.datetime | None, now: dt.datetime
) -> CreatedKey:
    if NAME_PATTERN.fullmatch(name) is None:
        raise KeyInputError(
            f"invalid name {name[:80]!r}: 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if scope not in KEY_SCOPES:
        raise KeyInputError(f"unknown scope {scope[:40]!r}: {' or '.join(KEY_SCOPES)}")
    if expires_at is not None and expires_at <= now:
        raise KeyInputError(f"expiry {expires_at.isoformat()} is not in the future")
    public_id, secret, key = new_key()
    row = ApiKey(
        name=name,
        public_id=public_id,
        scope=scope,
        secret_hash=hash_secret(public_id, secret),
        created_at=now,
        expires_at=expires_at,
    )
    try:
        with open_session(engine) as session:
            if session.exec(select(ApiKey.id).where(ApiKey.name == name)).first() is not None:
                raise KeyInputError(f"a key named {name!r} exists already")
            session.add(row)
    except IntegrityError:  # made at the same moment by another command
        raise KeyInputError(f"a key named {name!r} exists already") from None
    return CreatedKey(row, key)


def list_keys(engine: Engine) -> list[ApiKey]:
    with Session(engine) as session:
        return list(session.exec(select(ApiKey).order_by(col(ApiKey.created_at), col(ApiKey.id))))


def revoke_key(engine: Engine, name_or_id: str, *, now: dt.datetime) -> tuple[ApiKey, bool]:
    """The key named so (by name, else by public id) and whether this call revoked it
    (False: it was revoked already)."""
    with open_session(engine) as session:
        rows = session.exec(
            select(ApiKey).where(or_(ApiKey.name == name_or_id, ApiKey.public_id == name_or_id))
        ).all()
        by_name = [row for row in rows if row.name == name_or_id]
        matches = by_name or list(rows)
        if not matches:
            raise KeyInputError(f"no key named {name_or_id[:80]!r} and none with that id")
        row = matches[0]
        if row.revoked_at is not None:
            return row, False
        row.revoked_at = now
        session.add(row)
    return row, True


def _timestamp(value: dt.datetime | None) -> float | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).timestamp()


def known_keys(engine: Engine) -> list[KnownKey]:
    """Every key, for the key ring (revoked ones too, so that their holders are told)."""
    with Session(engine) as session:
        return [
            KnownKey(
                principal=Principal(row.name, row.scope, row.public_id),
                digest=bytes.fromhex(row.secret_hash),
                expires_at=_timestamp(row.expires_at),
                revoked=row.revoked_at is not None,
            )
            for row in session.exec(select(ApiKey))
        ]
