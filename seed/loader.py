"""Load the curated dataset: a seed run is the changeset that brings the database in line
with the data files, applied by the write step (`app.writes.step.apply`).

Every record of the files is `put` (created or updated, whichever applies) and the
changeset is complete: records no longer in the files are deleted, and so is any row no
record produces. Re-running with unchanged files changes nothing, not even the dataset
version. A record edited through the API since the last seed keeps the edit while its
file does not change (`app.writes.merge`). Nothing here knows a collection: the registry says which files there are and how
each record is stored.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from app.registry import COLLECTIONS
from app.spec import CollectionSpec
from app.writes.changeset import Applied, Changeset, Operation
from app.writes.merge import Prefer
from app.writes.step import apply
from seed import SEED_DIR
from seed.reader import Dataset, read_dataset

LoadReport = Applied
AUTHOR = "seed"


def load(
    engine: Engine,
    *,
    seed_dir: Path = SEED_DIR,
    dry_run: bool = False,
    collections: Sequence[CollectionSpec[Any, Any]] = COLLECTIONS,
    prefer: Prefer | None = None,
) -> Applied:
    """Validate the files and bring the database in line with them, atomically, keeping
    the API's edits since the last seed to records whose file did not change.

    Any error leaves the database as it was and raises a `SeedError`; a record changed
    both in its file and through the API is a `SeedConflict`, unless `prefer` says which
    side wins.
    """
    dataset = read_dataset(seed_dir, collections)
    return apply(engine, changeset(dataset, seed_dir, prefer), collections, dry_run=dry_run)


def changeset(
    dataset: Dataset, seed_dir: Path = SEED_DIR, prefer: Prefer | None = None
) -> Changeset:
    """The changeset of a seed run: every record of the files, and nothing else, merged
    with the API's edits since the last seed (`app.writes.merge`)."""
    return Changeset(
        operations=tuple(
            Operation.put(collection, record)
            for collection, records in dataset.records.items()
            for record in records
        ),
        author=AUTHOR,
        summary=f"seed from {seed_dir.name}/",
        complete=True,
        merge=True,
        prefer=prefer,
    )
