"""`cica-api keys create|list|revoke`: API keys, made and revoked by an operator.

Errors are one line on stderr; bad input (an unknown scope, a bad date, a name taken)
exits with 2, a database that cannot be used with 1.
"""

import argparse
import datetime as dt
import sys
from typing import NoReturn

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.core.config import get_settings
from app.core.db import build_engine
from app.models.api_key import KEY_SCOPES, ApiKey
from app.models.base import utc_now
from app.services.api_keys import KeyInputError, create_key, list_keys, revoke_key


class OneLineParser(argparse.ArgumentParser):
    """argparse's errors as one line (no usage block), exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def add_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    keys = commands.add_parser("keys", help="make, list and revoke API keys")
    actions = keys.add_subparsers(dest="keys_command", required=True, parser_class=OneLineParser)
    create = actions.add_parser("create", help="make a key and print it (once)")
    create.add_argument("--name", required=True, help="who holds it: shown in logs and metrics")
    create.add_argument("--scope", required=True, help=f"{' or '.join(KEY_SCOPES)}")
    create.add_argument(
        "--expires",
        help="a date (expires at 00:00 UTC that day) or an ISO 8601 date and time with an offset",
    )
    actions.add_parser("list", help="every key: name, scope, public id, dates, state")
    revoke = actions.add_parser("revoke", help="refuse a key from now on (every replica, 1 s)")
    revoke.add_argument("key", metavar="NAME|ID", help="the key's name or public id")


def run(args: argparse.Namespace) -> int:
    engine = build_engine(get_settings())
    try:
        handler = {"create": _create, "list": _list, "revoke": _revoke}[args.keys_command]
        return handler(engine, args)
    except KeyInputError as exc:
        print(f"cica-api keys {args.keys_command}: error: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        first = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        print(
            f"cica-api keys {args.keys_command}: database error (is it migrated? "
            f"`cica-api migrate`): {first}",
            file=sys.stderr,
        )
        return 1
    finally:
        engine.dispose()


def parse_expiry(value: str) -> dt.datetime:
    """`2027-06-30` (00:00 UTC that day) or `2027-06-30T12:00:00+02:00`; a time needs an
    offset, so no key expires in the server's local time by accident."""
    try:
        if len(value) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), dt.UTC)
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise KeyInputError(
            f"bad date {value[:60]!r}: use YYYY-MM-DD or an ISO 8601 date and time with offset"
        ) from None
    if moment.tzinfo is None:
        raise KeyInputError(f"bad date {value[:60]!r}: a date and time needs an offset (Z, +02:00)")
    return moment.astimezone(dt.UTC)


def _create(engine: Engine, args: argparse.Namespace) -> int:
    expires = parse_expiry(args.expires) if args.expires else None
    created = create_key(
        engine, name=args.name, scope=args.scope, expires_at=expires, now=utc_now()
    )
    row = created.row
    print(created.key)
    print(
        f"key {row.name!r} ({row.scope}, id {row.public_id}"
        + (f", expires {_when(row.expires_at)}" if row.expires_at else ", no expiry")
        + "): shown once, store it now; only its hash is kept.",
        file=sys.stderr,
    )
    return 0


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return "-"
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _state(row: ApiKey, now: dt.datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    expires = row.expires_at
    if (
        expires is not None
        and (expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)) <= now
    ):
        return "expired"
    return "active"


def _list(engine: Engine, _args: argparse.Namespace) -> int:
    now = utc_now()
    rows = [
        (
            r.name,
            r.scope,
            r.public_id,
            _when(r.created_at),
            _when(r.expires_at),
            _when(r.revoked_at),
            _state(r, now),
        )
        for r in list_keys(engine)
    ]
    header = ("name", "scope", "id", "created", "expires", "revoked", "state")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
            ).rstrip()
        )
    return 0


def _revoke(engine: Engine, args: argparse.Namespace) -> int:
    row, revoked = revoke_key(engine, args.key, now=utc_now())
    if revoked:
        print(
            f"revoked key {row.name!r} (id {row.public_id}): refused by every replica within a second"
        )
    else:
        print(
            f"key {row.name!r} (id {row.public_id}) was revoked already, at {_when(row.revoked_at)}"
        )
    return 0
