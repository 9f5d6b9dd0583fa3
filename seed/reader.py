"""Read the curated TOML files and validate every record through its create schema.

Which files there are, and the schema of each, come from the registry: every collection
with a `Storage` has a file (`members.toml` holds `[[members]]` records). Checks that read
other records (a meeting's host is a member) are the write step's, run when the files are
applied (`seed.loader`).
"""

import tomllib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.core.storage import Storage
from app.models.citation import CitationCreate
from app.models.derivation import DerivationCreate
from app.registry import COLLECTIONS
from app.spec import CollectionSpec
from app.writes.plan import cited_items as record_cited_items
from app.writes.plan import label
from app.writes.step import stored_collections
from seed.errors import SeedError

FILE_DEFAULTS = ("reviewed",)
"""Top-level keys of a data file that are defaults for each of its records."""


@dataclass
class Dataset:
    records: dict[str, list[Any]] = field(default_factory=dict)
    """Each collection's records (by collection name), in file order."""
    unverified: list[str] = field(default_factory=list)
    collections: Sequence[CollectionSpec[Any, Any]] = COLLECTIONS

    @property
    def sources(self) -> list[Any]:
        return self.records.get("sources", [])

    @property
    def conflicts(self) -> list[Any]:
        return self.records.get("conflicts", [])


@dataclass(frozen=True)
class CitedItem:
    """Something that carries citations (and derivations): a record, a CBM area or a
    conflict claim."""

    file: str
    label: str
    record_type: str
    record_id: str
    citations: list[CitationCreate]
    derivations: list[DerivationCreate] = field(default_factory=list)


def read_dataset(
    seed_dir: Path, collections: Sequence[CollectionSpec[Any, Any]] = COLLECTIONS
) -> Dataset:
    """Every file parsed and validated; the first problem raises a `SeedError`.

    Records marked `unverified = true` are validated but left out of the dataset.
    """
    dataset = Dataset(collections=collections)
    for name, spec in stored_collections(collections).items():
        records = _read(seed_dir, spec.storage)
        dataset.unverified += [
            f"{spec.storage.file}: {r.id}" for r in records if getattr(r, "unverified", False)
        ]
        dataset.records[name] = [r for r in records if not getattr(r, "unverified", False)]
    return dataset


def cited_items(dataset: Dataset) -> Iterator[CitedItem]:
    """Everything in the dataset that carries citations, with where it is."""
    for name, spec in stored_collections(dataset.collections).items():
        for record in dataset.records.get(name, []):
            for cited in record_cited_items(spec, record):
                yield CitedItem(
                    spec.storage.file,
                    label(record.id, cited.item),
                    cited.record_type,
                    cited.record_id,
                    cited.sources,
                    cited.derivations,
                )


def _read(seed_dir: Path, storage: Storage[Any]) -> list[Any]:
    path = seed_dir / storage.file
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SeedError(storage.file, None, None, "file is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise SeedError(storage.file, None, None, f"not valid TOML: {exc}") from None
    unexpected = set(document) - {storage.key, *FILE_DEFAULTS}
    if unexpected:
        raise SeedError(storage.file, None, None, f"unexpected top-level keys {sorted(unexpected)}")
    defaults = {name: document[name] for name in FILE_DEFAULTS if name in document}
    records = []
    for index, raw in enumerate(document.get(storage.key, [])):
        if isinstance(raw, dict) and "reviewed" in storage.schema.model_fields:
            raw = {**defaults, **raw}
        where = (
            f"{raw.get('id', '?')!s} (#{index + 1})" if isinstance(raw, dict) else f"#{index + 1}"
        )
        try:
            records.append(storage.schema.model_validate(raw))
        except ValidationError as exc:
            first = exc.errors()[0]
            field_name = ".".join(str(p) for p in first["loc"]) or None
            raise SeedError(storage.file, where, field_name, first["msg"]) from None
    duplicates = [i for i, n in Counter(getattr(r, "id", None) for r in records).items() if n > 1]
    if duplicates:
        raise SeedError(storage.file, str(duplicates[0]), "id", "duplicate id")
    return records
