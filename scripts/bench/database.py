"""Where the app's data lives for a run: a new SQLite file, or a throwaway PostgreSQL
database created on the given server and dropped at the end."""

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def database(postgres_url: str | None, folder: Path) -> Iterator[tuple[str, str]]:
    """(URL for the app, label): a new SQLite file, or a throwaway PostgreSQL database."""
    if not postgres_url:
        yield f"sqlite:///{folder}/bench.db", "SQLite (new file)"
        return
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    admin = make_url(postgres_url).set(drivername="postgresql")
    name = f"cica_bench_{secrets.token_hex(4)}"
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = admin.set(database=name).render_as_string(hide_password=False)
        yield url, f"PostgreSQL (throwaway database {name})"
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
