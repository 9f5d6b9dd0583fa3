"""What an operator is told when the database setting cannot work: one line that names the
setting and what to do, never a traceback (`cica-api` prints it and exits 2).

`check_database` connects once, as `serve`, `migrate` and `seed` do before anything else;
`describe` words any database error those commands meet later the same way.
"""

from typing import Final

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from app.core.config import Settings
from app.core.db import build_engine

SETTING: Final = "CICA_DATABASE_URL"
DRIVERS: Final = frozenset({"sqlite", "sqlite+pysqlite", "postgresql+psycopg"})
EXAMPLES: Final = "sqlite:///path/to/cica.db or postgresql://user@host:5432/name"


class DatabaseProblem(Exception):
    """A database setting that cannot work, in one line for the operator."""


def parse(database_url: str) -> URL:
    """The URL, if it names a database this API runs on."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise DatabaseProblem(
            f"{SETTING} is not a database URL ({database_url[:60]!r}): set it to {EXAMPLES}."
        ) from None
    if url.drivername not in DRIVERS:
        raise DatabaseProblem(
            f"{SETTING} names {url.drivername!r}, which this API does not run on: use {EXAMPLES}."
        )
    return url


def check_database(settings: Settings) -> None:
    """Connect once and run `SELECT 1`; a `DatabaseProblem` says why that failed."""
    url = parse(settings.database_url)
    engine = build_engine(settings)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise DatabaseProblem(describe(exc, url)) from None
    finally:
        engine.dispose()


def describe(exc: BaseException, url: URL) -> str:
    """One line for a database error: which setting, what is wrong, what to do."""
    if isinstance(exc, DatabaseProblem):
        return str(exc)
    if isinstance(exc, ArgumentError | NoSuchModuleError):
        return f"{SETTING} cannot be used ({exc}): set it to {EXAMPLES}."
    driver = str(exc.orig if isinstance(exc, DBAPIError) else exc)
    first_line = driver.strip().splitlines()[0] if driver.strip() else type(exc).__name__
    if url.get_backend_name() == "sqlite":
        return (
            f"{SETTING}: cannot open or create the SQLite file {url.database!r} ({first_line}): "
            "check that its folder exists and that this user may write there."
        )
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    lowered = driver.lower()
    if "does not exist" in lowered and "database" in lowered:
        return (
            f"{SETTING}: the database {url.database!r} does not exist on {where}: create it "
            f"(createdb {url.database}) or correct the name."
        )
    if any(
        words in lowered
        for words in ("password authentication", "role", "pg_hba.conf", "authentication failed")
    ):
        return (
            f"{SETTING}: the server at {where} refused the user {url.username!r} "
            f"({first_line}): check the user name and password."
        )
    if any(
        words in lowered
        for words in (
            "connection refused",
            "could not connect",
            "timeout expired",
            "timed out",
            "name or service not known",
            "could not translate host name",
            "no route to host",
            "network is unreachable",
            "connection failed",
        )
    ):
        return (
            f"{SETTING}: no PostgreSQL server answers at {where}: start it, or correct the "
            "host and port."
        )
    return f"{SETTING}: the database at {where} cannot be used: {first_line}"
