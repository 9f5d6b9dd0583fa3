"""`cica-api`: serve, migrate, seed and check the dataset's citations."""

import argparse
import logging
import sys
from pathlib import Path

from app.core.config import get_settings
from app.core.db import build_engine
from app.core.migrations import upgrade_to_head


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cica-api", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate, seed an empty database, then serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-seed", action="store_true", help="do not seed an empty database")

    commands.add_parser("migrate", help="apply migrations up to head")

    seed = commands.add_parser("seed", help="load the curated data files (idempotent)")
    seed.add_argument("--dry-run", action="store_true", help="validate and report, change nothing")

    check = commands.add_parser("check-sources", help="check every quote against the documents")
    check.add_argument("directory", nargs="?", type=Path, help="folder of the source documents")

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    handler = {"serve": _serve, "migrate": _migrate, "seed": _seed, "check-sources": _check}
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


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.core.db import open_session
    from app.services.common import dataset_version

    settings = get_settings()
    engine = build_engine(settings)
    upgrade_to_head(engine)
    if not args.no_seed:
        with open_session(engine) as session:
            empty = dataset_version(session=session) == 0
        if empty:
            from seed.loader import load

            print("empty database: " + load(engine).summary())
    engine.dispose()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level,
        access_log=settings.access_log,
        proxy_headers=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
