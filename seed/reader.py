"""Read the curated TOML files and validate every record through its create schema."""

import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from app.models.cbm import CbmAreaPublic
from app.models.citation import CitationCreate
from app.models.collections import CBM_AREA_RECORD_TYPE, CLAIM_RECORD_TYPE
from app.models.conflict import ConflictCreate
from app.models.derivation import DerivationCreate
from app.models.source import SourceCreate
from app.registry import COLLECTIONS
from seed.derivations import check_derivations
from seed.errors import SeedError

NOT_CITABLE = {
    "sources",
    "derivations",
    "updated_at",
    "disputed",
    "reviewed",
    "last_attested",
    "needs_review",
    "review_reasons",
}
FILE_DEFAULTS = ("reviewed",)
"""Top-level keys of a data file that are defaults for each of its records."""


@dataclass(frozen=True)
class Resource:
    """One data file: its schema, the record type its citations use, its URL collection."""

    file: str
    key: str
    schema: type[BaseModel]
    record_type: str = ""
    public: type[BaseModel] | None = None
    collection: str = ""

    def citable_fields(self) -> set[str]:
        assert self.public is not None
        return set(self.public.model_fields) - NOT_CITABLE


SOURCES = Resource("sources.toml", "sources", SourceCreate)
CONFLICTS = Resource("conflicts.toml", "conflicts", ConflictCreate, CLAIM_RECORD_TYPE)


RESOURCES = tuple(
    Resource(
        spec.seed.file,
        spec.seed.file.removesuffix(".toml"),
        spec.seed.schema,
        spec.record_type,
        spec.public_model,
        spec.name,
    )
    for spec in COLLECTIONS
    if spec.seed is not None
)
BY_COLLECTION = {r.collection: r for r in RESOURCES}


@dataclass
class Dataset:
    sources: list[SourceCreate] = field(default_factory=list)
    records: dict[str, list[Any]] = field(default_factory=dict)
    conflicts: list[ConflictCreate] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CitedItem:
    """Something that carries citations: a record, a CBM area or a conflict claim."""

    file: str
    label: str
    record_type: str
    record_id: str
    citations: list[CitationCreate]
    citable: set[str] | None
    derivations: list[DerivationCreate] = field(default_factory=list)


def read_dataset(seed_dir: Path) -> Dataset:
    """Every file parsed and validated; the first problem raises a `SeedError`.

    Records marked `unverified = true` are validated but left out of the dataset.
    """
    dataset = Dataset(sources=_read(seed_dir, SOURCES))
    for resource in RESOURCES:
        records = _read(seed_dir, resource)
        dataset.unverified += [f"{resource.file}: {r.id}" for r in records if r.unverified]
        dataset.records[resource.key] = [r for r in records if not r.unverified]
    dataset.conflicts = _read(seed_dir, CONFLICTS)
    source_ids = {s.id for s in dataset.sources}
    for item in cited_items(dataset):
        _check_citations(item, source_ids)
    _check_conflicts(dataset)
    check_derivations(dataset, cited_items(dataset))
    return dataset


def cited_items(dataset: Dataset) -> Iterator[CitedItem]:
    for resource in RESOURCES:
        for record in dataset.records[resource.key]:
            yield CitedItem(
                resource.file,
                record.id,
                resource.record_type,
                record.id,
                record.sources,
                resource.citable_fields(),
                record.derivations,
            )
            for area in getattr(record, "areas", []):
                yield CitedItem(
                    resource.file,
                    f"{record.id}.{area.id}",
                    CBM_AREA_RECORD_TYPE,
                    area.id,
                    area.sources,
                    set(CbmAreaPublic.model_fields) - NOT_CITABLE,
                    area.derivations,
                )
    for conflict in dataset.conflicts:
        for position, claim in enumerate(conflict.claims):
            yield CitedItem(
                CONFLICTS.file,
                f"{conflict.id}.claims.{position}",
                CONFLICTS.record_type,
                f"{conflict.id}/{position}",
                claim.sources,
                None,
            )


def _read(seed_dir: Path, resource: Resource) -> list[Any]:
    path = seed_dir / resource.file
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SeedError(resource.file, None, None, "file is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise SeedError(resource.file, None, None, f"not valid TOML: {exc}") from None
    unexpected = set(document) - {resource.key, *FILE_DEFAULTS}
    if unexpected:
        raise SeedError(
            resource.file, None, None, f"unexpected top-level keys {sorted(unexpected)}"
        )
    defaults = {name: document[name] for name in FILE_DEFAULTS if name in document}
    records = []
    for index, raw in enumerate(document.get(resource.key, [])):
        if isinstance(raw, dict) and "reviewed" in resource.schema.model_fields:
            raw = {**defaults, **raw}
        label = (
            f"{raw.get('id', '?')!s} (#{index + 1})" if isinstance(raw, dict) else f"#{index + 1}"
        )
        try:
            records.append(resource.schema.model_validate(raw))
        except ValidationError as exc:
            first = exc.errors()[0]
            field_name = ".".join(str(p) for p in first["loc"]) or None
            raise SeedError(resource.file, label, field_name, first["msg"]) from None
    duplicates = [i for i, n in Counter(getattr(r, "id", None) for r in records).items() if n > 1]
    if duplicates:
        raise SeedError(resource.file, str(duplicates[0]), "id", "duplicate id")
    return records


def _check_citations(item: CitedItem, source_ids: set[str]) -> None:
    for position, citation in enumerate(item.citations):
        where = f"sources.{position}"
        if citation.source_id not in source_ids:
            raise SeedError(
                item.file,
                item.label,
                f"{where}.source_id",
                f"unknown source '{citation.source_id}' (not in sources.toml)",
            )
        unknown = set(citation.supports) - item.citable if item.citable is not None else set()
        if unknown:
            raise SeedError(
                item.file,
                item.label,
                f"{where}.supports",
                f"names fields this record does not have: {sorted(unknown)}",
            )


def _check_conflicts(dataset: Dataset) -> None:
    """A conflict about a record must name a real record and field, and its current claim
    must be the value the record holds, so the API never shows one thing and cites another."""
    for conflict in dataset.conflicts:
        if conflict.record is None:
            continue
        resource = BY_COLLECTION.get(conflict.record.collection)
        if resource is None:
            raise SeedError(CONFLICTS.file, conflict.id, "record.collection", "unknown collection")
        if conflict.field not in resource.citable_fields():
            raise SeedError(
                CONFLICTS.file, conflict.id, "field", f"not a field of {resource.collection}"
            )
        record = next(
            (r for r in dataset.records[resource.key] if r.id == conflict.record.id), None
        )
        if record is None:
            raise SeedError(CONFLICTS.file, conflict.id, "record.id", "no such record")
        current = next(c.value for c in conflict.claims if c.current)
        held = record_value(record, conflict.field)
        if held != current:
            raise SeedError(
                CONFLICTS.file,
                conflict.id,
                "claims",
                f"the current claim '{current}' differs from the record's {conflict.field} '{held}'",
            )


def record_value(record: Any, public_field: str) -> str | None:
    """The value a record's public field shows, from its input form."""
    if public_field == "joined":
        return next((p.since for p in record.history if p.status == "member"), None)
    if public_field == "joined_attested_from":
        return next((p.attested_from for p in record.history if p.status == "member"), None)
    if public_field in ("since", "attested_from") and hasattr(record, "history"):
        value: str | None = getattr(record.history[-1], public_field)
        return value
    value = getattr(record, public_field, None)
    if isinstance(value, dict):  # a language map (names, a motto): its English value
        value = value.get("en")
    return None if value is None else str(value)
