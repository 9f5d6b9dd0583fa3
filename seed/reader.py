"""Read the curated TOML files and validate every record through its create schema."""

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from app.models.citation import CitationCreate
from app.models.council import CouncilCreate, CouncilPublic
from app.models.member import MemberCreate, MemberPublic
from app.models.observer import ObserverCreate, ObserverPublic
from app.models.partner import PartnerOrganizationCreate, PartnerOrganizationPublic
from app.models.reform_area import ReformAreaCreate, ReformAreaPublic
from app.models.source import SourceCreate
from seed.errors import SeedError

NOT_CITABLE = {"sources", "updated_at"}


@dataclass(frozen=True)
class Resource:
    file: str
    key: str
    schema: type[BaseModel]
    record_type: str | None = None
    public: type[BaseModel] | None = None

    def citable_fields(self) -> set[str]:
        assert self.public is not None
        return set(self.public.model_fields) - NOT_CITABLE


SOURCES = Resource("sources.toml", "sources", SourceCreate)
RESOURCES = (
    Resource("members.toml", "members", MemberCreate, "member", MemberPublic),
    Resource("observers.toml", "observers", ObserverCreate, "observer", ObserverPublic),
    Resource(
        "partner_organizations.toml",
        "partner_organizations",
        PartnerOrganizationCreate,
        "partner-organization",
        PartnerOrganizationPublic,
    ),
    Resource("councils.toml", "councils", CouncilCreate, "council", CouncilPublic),
    Resource(
        "reform_areas.toml", "reform_areas", ReformAreaCreate, "reform-area", ReformAreaPublic
    ),
)


@dataclass
class Dataset:
    sources: list[SourceCreate] = field(default_factory=list)
    records: dict[str, list[Any]] = field(default_factory=dict)


def read_dataset(seed_dir: Path) -> Dataset:
    """Every file parsed and validated; the first problem raises a `SeedError`."""
    dataset = Dataset(sources=_read(seed_dir, SOURCES))
    source_ids = {s.id for s in dataset.sources}
    for resource in RESOURCES:
        records = _read(seed_dir, resource)
        for record in records:
            _check_citations(resource, record, source_ids)
        dataset.records[resource.key] = records
    return dataset


def _read(seed_dir: Path, resource: Resource) -> list[Any]:
    path = seed_dir / resource.file
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SeedError(resource.file, None, None, "file is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise SeedError(resource.file, None, None, f"not valid TOML: {exc}") from None
    unexpected = set(document) - {resource.key}
    if unexpected:
        raise SeedError(
            resource.file, None, None, f"unexpected top-level keys {sorted(unexpected)}"
        )
    raw_records = document.get(resource.key, [])
    records = []
    for index, raw in enumerate(raw_records):
        label = (
            f"{raw.get('id', '?')!s} (#{index + 1})" if isinstance(raw, dict) else f"#{index + 1}"
        )
        try:
            records.append(resource.schema.model_validate(raw))
        except ValidationError as exc:
            first = exc.errors()[0]
            field_name = ".".join(str(p) for p in first["loc"]) or None
            raise SeedError(resource.file, label, field_name, first["msg"]) from None
    duplicates = [i for i, n in Counter(r.id for r in records).items() if n > 1]
    if duplicates:
        raise SeedError(resource.file, str(duplicates[0]), "id", "duplicate id")
    return records


def _check_citations(resource: Resource, record: Any, source_ids: set[str]) -> None:
    allowed = resource.citable_fields()
    citation: CitationCreate
    for position, citation in enumerate(record.sources):
        field_name = f"sources.{position}"
        if citation.source_id not in source_ids:
            raise SeedError(
                resource.file,
                record.id,
                f"{field_name}.source_id",
                f"unknown source '{citation.source_id}' (not in sources.toml)",
            )
        unknown = set(citation.supports) - allowed
        if unknown:
            raise SeedError(
                resource.file,
                record.id,
                f"{field_name}.supports",
                f"names fields this resource does not have: {sorted(unknown)}",
            )
