"""`cica-api`: serve, migrate, seed, check the dataset's citations and print the review queue."""

import argparse
import sys
from pathlib import Path

from app.core.config import get_settings
from app.core.db import build_engine
from app.core.logging import configure as configure_logging
from app.core.migrations import upgrade_to_head

EVENT_LOOP = "uvloop"
"""`serve`'s default loop; `scripts.bench` runs its bare-Starlette ceiling on the same one."""
HTTP_PARSER = "httptools"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cica-api", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate, seed an empty database, then serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-seed", action="store_true", help="do not seed an empty database")
    serve.add_argument(
        "--loop",
        choices=["uvloop", "asyncio"],
        default=EVENT_LOOP,
        help=f"event loop (default {EVENT_LOOP})",
    )
    serve.epilog = "Without CICA_PUBLIC_URL, links use http://<host>:<port>."

    commands.add_parser("migrate", help="apply migrations up to head")

    seed = commands.add_parser("seed", help="load the curated data files (idempotent)")
    seed.add_argument("--dry-run", action="store_true", help="validate and report, change nothing")

    check = commands.add_parser("check-sources", help="check every quote against the documents")
    check.add_argument("directory", nargs="?", type=Path, help="folder of the source documents")

    review = commands.add_parser(
        "review", help="print the records curators should check again (needs_review), with reasons"
    )
    review.add_argument("--json", action="store_true", help="print JSON instead of text")

    args = parser.parse_args(argv)
    configure_logging("info")
    handler = {
        "serve": _serve,
        "migrate": _migrate,
        "seed": _seed,
        "check-sources": _check,
        "review": _review,
    }
    return handler[args.command](args)


def _migrate(_args: argparse.Namespace) -> int:
    engine = build_engine(get_settings())
    upgrade_to_head(engine)
    engine.dispose()
    return 0


def _seed(args: argparse.Namespace) -> int:
    from seed.errors import SeedError
    from seed.loader import load

    engine = build_engine(get_settings())
    try:
        report = load(engine, dry_run=args.dry_run)
    except SeedError as exc:
        print(f"seed failed, nothing changed: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(("dry run, nothing written: " if args.dry_run else "seeded: ") + report.summary())
    return 0


def _check(args: argparse.Namespace) -> int:
    from seed.check import check_sources
    from seed.errors import SeedError

    directory = args.directory or get_settings().sources_dir
    if directory is None or not directory.is_dir():
        print(f"no such directory of source documents: {directory}", file=sys.stderr)
        return 2
    try:
        result = check_sources(directory)
    except SeedError as exc:
        print(f"invalid data file: {exc}", file=sys.stderr)
        return 1
    for problem in result.problems:
        print(problem, file=sys.stderr)
    print(
        f"{result.checked} quotes checked against {result.documents} documents, "
        f"{len(result.problems)} problems"
    )
    return 0 if result.ok else 1


def _review(args: argparse.Namespace) -> int:
    """The review queue of the database's dataset on today's date (with the settings'
    `CICA_REVIEW_AFTER_MONTHS`), as `?needs_review=true` answers it."""
    from app.core.snapshot import build_snapshot
    from app.review_queue import render_json, render_text, review_queue

    settings = get_settings()
    engine = build_engine(settings)
    try:
        snapshot = build_snapshot(engine, review_after_months=settings.review_after_months)
    finally:
        engine.dispose()
    render = render_json if args.json else render_text
    print(render(review_queue(snapshot), snapshot))
    return 0


def _serve(args: argparse.Namespace) -> int:
    """Serve at once; the app migrates, seeds an empty database and loads its snapshot in
    the background, so a database that is down at start delays readiness, not the server."""
    import os

    import uvicorn

    from app.core.logging import log_config

    if args.no_seed:
        os.environ["CICA_SEED_EMPTY"] = "false"
    if "CICA_PUBLIC_URL" not in os.environ:
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
        os.environ["CICA_PUBLIC_URL"] = f"http://{host}:{args.port}"
    os.environ.setdefault("CICA_METRICS_HOST", args.host)
    get_settings.cache_clear()
    settings = get_settings()
    proxies = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
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
        http=HTTP_PARSER,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
