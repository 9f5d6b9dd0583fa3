"""`cica-api`: serve, migrate, seed, check the dataset's citations, print the review queue,
and manage API keys."""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

import app.lean_imports  # noqa: F401  # first: structlog and mako without optional extras
from app import keys_cli
from app.core.config import get_settings
from app.core.database_check import DatabaseProblem, check_database, describe, parse
from app.core.db import build_engine
from app.core.logging import configure as configure_logging
from app.core.migrations import upgrade_to_head

if TYPE_CHECKING:
    from sqlalchemy import Engine

EVENT_LOOP = "uvloop"
"""`serve`'s default loop; `scripts.bench` runs its bare-Starlette ceiling on the same one."""
HTTP_PARSER = "httptools"
"""The parser under `app.core.server`'s protocol, which `serve` runs."""
SERVE_SETTINGS = """settings (environment variables, or a .env file; all in docs/operations.md):
  CICA_DATABASE_URL      database (default sqlite:///./cica.db; postgresql://user@host/name)
  CICA_PUBLIC_URL        base of every link (default http://<host>:<port>)
  CICA_TRUSTED_PROXIES   proxies whose X-Forwarded-For is believed (default none)
  CICA_MAX_CONNECTIONS   open connections per worker (default 1000)
  CICA_REDIS_URL         rate-limit counters shared by replicas (default: per process)
  CICA_METRICS_PORT      Prometheus metrics on 127.0.0.1 (default 9300)
  CICA_LOG_LEVEL         log level (default info)

The database is checked before the server starts: a setting that cannot work ends
`serve` with one line naming it, and exit code 2.
"""


def _port(text: str) -> int:
    return _number(text, 1, 65535, "a port from 1 to 65535")


def _workers(text: str) -> int:
    return _number(text, 1, 512, "a number of workers from 1 to 512")


def _number(text: str, low: int, high: int, wanted: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{text!r} is not {wanted}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cica-api", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve",
        help="migrate, seed an empty database, then serve",
        description="Serve the API: migrate and seed an empty database in the background, "
        "answer /healthz at once and /readyz once the dataset is loaded.",
        epilog=SERVE_SETTINGS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    serve.add_argument(
        "--port", type=_port, default=8000, help="port to listen on, 1-65535 (default: %(default)s)"
    )
    serve.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="worker processes, each with its own snapshot and cache (default: %(default)s)",
    )
    serve.add_argument(
        "--no-seed",
        action="store_true",
        help="do not seed an empty database (default: seed it; CICA_SEED_EMPTY)",
    )
    serve.add_argument(
        "--loop",
        choices=["uvloop", "asyncio"],
        default=EVENT_LOOP,
        help="event loop (default: %(default)s)",
    )

    commands.add_parser("migrate", help="apply migrations up to head")

    seed = commands.add_parser("seed", help="load the curated data files (idempotent)")
    seed.add_argument("--dry-run", action="store_true", help="validate and report, change nothing")
    seed.add_argument(
        "--sources",
        type=Path,
        metavar="DIR",
        help="folder of the source documents: every quote is checked against them first "
        "(default: CICA_SOURCES_DIR; without either, quotes are not checked)",
    )
    seed.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="folder of the data files (default: the curated files shipped with the code)",
    )
    seed.add_argument(
        "--prefer",
        choices=["files", "database"],
        help="which side wins for a record changed both in its file and through the API "
        "since the last seed (default: neither: such conflicts are listed and nothing is "
        "written)",
    )

    check = commands.add_parser("check-sources", help="check every quote against the documents")
    check.add_argument(
        "directory",
        nargs="?",
        type=Path,
        help="folder of the source documents (default: CICA_SOURCES_DIR)",
    )

    keys_cli.add_parser(commands)

    review = commands.add_parser(
        "review", help="print the records curators should check again (needs_review), with reasons"
    )
    review.add_argument("--json", action="store_true", help="print JSON instead of text")

    export = commands.add_parser(
        "export",
        help="write the database's records as data files (the seed's format) into DIR",
        description="Write the database's records as data files in the seed's format, so "
        "that API edits can be reviewed and committed: `cica-api seed --data DIR` changes "
        "nothing.",
    )
    export.add_argument("directory", type=Path, metavar="DIR")

    args = parser.parse_args(argv)
    configure_logging("info")
    handler = {
        "serve": _serve,
        "migrate": _migrate,
        "seed": _seed,
        "check-sources": _check,
        "review": _review,
        "export": _export,
        "keys": keys_cli.run,
    }
    return _operator_errors(args.command, handler[args.command], args)


def _operator_errors(
    command: str, handler: Callable[[argparse.Namespace], int], args: argparse.Namespace
) -> int:
    """Run a subcommand; a setting that cannot work is one line on stderr and exit 2."""
    try:
        if command != "check-sources":  # every other command opens the database
            parse(get_settings().database_url)
        return handler(args)
    except ValidationError as exc:
        for error in exc.errors():
            name = "CICA_" + "_".join(str(part) for part in error["loc"]).upper()
            print(f"cica-api {command}: {name}: {error['msg']}", file=sys.stderr)
    except DatabaseProblem as exc:
        print(f"cica-api {command}: {exc}", file=sys.stderr)
    except SQLAlchemyError as exc:
        try:
            message = describe(exc, parse(get_settings().database_url))
        except DatabaseProblem as problem:
            message = str(problem)
        print(f"cica-api {command}: {message}", file=sys.stderr)
    return 2


def _checked_engine() -> "Engine":
    """An engine on a database that answered once (else a `DatabaseProblem`)."""
    settings = get_settings()
    check_database(settings)
    return build_engine(settings)


def _migrate(_args: argparse.Namespace) -> int:
    engine = _checked_engine()
    upgrade_to_head(engine)
    engine.dispose()
    return 0


NO_DOCUMENTS = "no source documents (set CICA_SOURCES_DIR or pass --sources DIR)"


def _documents(given: Path | None) -> Path | None:
    """The folder of source documents: the argument, else `CICA_SOURCES_DIR`."""
    return given if given is not None else get_settings().sources_dir


def _seed(args: argparse.Namespace) -> int:
    from seed import SEED_DIR
    from seed.errors import SeedError
    from seed.loader import load

    seed_dir = args.data or SEED_DIR
    documents = _documents(args.sources)
    if documents is not None and not documents.is_dir():
        print(f"no such directory of source documents: {documents}", file=sys.stderr)
        return 2
    engine = _checked_engine()
    try:
        if documents is None:
            print(f"quotes not checked: {NO_DOCUMENTS}")
        elif problems := _quote_problems(documents, seed_dir):
            print(f"seed failed, nothing changed: {problems} problems with quotes", file=sys.stderr)
            return 1
        report = load(engine, seed_dir=seed_dir, dry_run=args.dry_run, prefer=args.prefer)
    except SeedError as exc:
        print(f"seed failed, nothing changed: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(("dry run, nothing written: " if args.dry_run else "seeded: ") + report.summary())
    return 0


def _check(args: argparse.Namespace) -> int:
    from seed.errors import SeedError

    documents = _documents(args.directory)
    if documents is None:
        print(
            "no source documents given: pass their folder (cica-api check-sources DIR) "
            "or set CICA_SOURCES_DIR",
            file=sys.stderr,
        )
        return 2
    if not documents.is_dir():
        print(f"no such directory of source documents: {documents}", file=sys.stderr)
        return 2
    try:
        return 1 if _quote_problems(documents) else 0
    except SeedError as exc:
        print(f"invalid data file: {exc}", file=sys.stderr)
        return 1


def _quote_problems(directory: Path, seed_dir: Path | None = None) -> int:
    """Checks every quote (of the data files in `seed_dir`, else the shipped ones) against
    its document, prints each problem (file, record, quote) and a summary line, and returns
    the number of problems."""
    from seed import SEED_DIR
    from seed.check import check_sources

    result = check_sources(directory, seed_dir=seed_dir or SEED_DIR)
    for problem in result.problems:
        print(problem, file=sys.stderr)
    print(
        f"{result.checked} quotes checked against {result.documents} documents, "
        f"{len(result.problems)} problems"
    )
    return len(result.problems)


def _export(args: argparse.Namespace) -> int:
    from app.export import ExportError, export
    from app.registry import COLLECTIONS
    from seed import SEED_DIR

    engine = _checked_engine()
    try:
        exported = export(engine, args.directory, COLLECTIONS, order_from=SEED_DIR)
    except ExportError as exc:
        print(f"export failed: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"export failed: {args.directory}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    records = sum(exported.files.values())
    print(
        f"exported {records} records in {len(exported.files)} files to {args.directory} "
        f"(dataset version {exported.version})"
    )
    return 0


def _review(args: argparse.Namespace) -> int:
    """The review queue of the database's dataset on today's date (with the settings'
    `CICA_REVIEW_AFTER_MONTHS`), as `?needs_review=true` answers it."""
    from app.core.snapshot import build_snapshot
    from app.registry import COLLECTIONS
    from app.review_queue import render_json, render_text, review_queue

    engine = _checked_engine()
    try:
        snapshot = build_snapshot(
            engine, COLLECTIONS, review_after_months=get_settings().review_after_months
        )
    finally:
        engine.dispose()
    render = render_json if args.json else render_text
    print(render(review_queue(snapshot, COLLECTIONS), snapshot))
    return 0


def _serve(args: argparse.Namespace) -> int:
    """Serve at once; the app migrates, seeds an empty database and loads its snapshot in
    the background, so a database that is down at start delays readiness, not the server."""
    import gc
    import importlib
    import os

    import uvicorn

    from app.core.logging import log_config
    from app.core.server import uvicorn_options

    if args.no_seed:
        os.environ["CICA_SEED_EMPTY"] = "false"
    if "CICA_PUBLIC_URL" not in os.environ:
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
        os.environ["CICA_PUBLIC_URL"] = f"http://{host}:{args.port}"
    get_settings.cache_clear()
    settings = get_settings()
    if problem := _address_problem(args.host, args.port):
        print(f"cica-api serve: --host {args.host} --port {args.port}: {problem}", file=sys.stderr)
        return 2
    check_database(settings)
    _allow_open_files(settings.max_connections)
    proxies = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
    # The app, the seed and uvicorn, imported now rather than by uvicorn and the lifespan:
    # their objects (a few hundred thousand) live as long as the process, so out of the
    # cyclic collector's sight the collections that migrating, seeding and building the
    # first snapshot trigger take far less time (`gc.freeze`).
    for module in ("app.main", "seed.loader"):
        importlib.import_module(module)
    gc.freeze()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=log_config(settings.log_level),
        log_level=settings.log_level,
        access_log=False,  # the app writes its own JSON access line (CICA_ACCESS_LOG)
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
        server_header=False,
        loop=args.loop,
        **uvicorn_options(settings.max_connections),
    )
    return 0


def _address_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on `host:port`, found before it migrates and seeds
    (uvicorn binds only after start-up, and then logs the error and exits with code 1)."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"not an address this machine has ({exc.strerror})"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return "the port is in use: stop what listens there or choose another --port"
            return f"cannot listen there ({exc.strerror})"
    return None


def _allow_open_files(connections: int) -> None:
    """Raise the soft limit on open files towards the hard one, so the connection cap
    (not the file limit) is what a flood of connections meets."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 256  # the database pool, logs, the metrics port, the loop
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


if __name__ == "__main__":
    sys.exit(main())
