"""Load the curated dataset: validate everything, then upsert on natural keys in one transaction.

Re-running with unchanged files changes nothing (not even the dataset version). Records
removed from the files are removed from the database: the files are the curated truth.
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select

from app.core.db import open_session
from app.models import (
    CbmArea,
    CbmDimension,
    Chairmanship,
    Citation,
    Conflict,
    ConflictClaim,
    Council,
    DatasetVersion,
    Meeting,
    Organization,
    Partnership,
    ReformArea,
    Source,
    State,
    StatusPeriod,
)
from app.models.base import first_day, utc_now
from seed import SEED_DIR
from seed.countries import country
from seed.errors import SeedError
from seed.reader import BY_COLLECTION, Dataset, cited_items, read_dataset

logger = logging.getLogger("seed")

# Parents before children for upserts; deletions run in the reverse order.
TABLE_ORDER: list[tuple[type[SQLModel], tuple[str, ...]]] = [
    (Source, ("id",)),
    (State, ("id",)),
    (Organization, ("id",)),
    (Meeting, ("id",)),
    (Council, ("id",)),
    (ReformArea, ("id",)),
    (Partnership, ("organization_id",)),
    (StatusPeriod, ("state_id", "organization_id", "status", "since")),
    (Chairmanship, ("id",)),
    (CbmDimension, ("id",)),
    (CbmArea, ("id",)),
    (Conflict, ("id",)),
    (ConflictClaim, ("conflict_id", "position")),
    (Citation, ("record_type", "record_id", "position")),
]
IGNORED_COLUMNS = {"id", "updated_at"}


@dataclass
class LoadReport:
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    version: int = 0

    @property
    def changed(self) -> bool:
        return any((*self.inserted.values(), *self.updated.values(), *self.deleted.values()))

    def summary(self) -> str:
        parts = []
        for table in sorted({*self.inserted, *self.updated, *self.deleted}):
            counts = (
                self.inserted.get(table, 0),
                self.updated.get(table, 0),
                self.deleted.get(table, 0),
            )
            if any(counts):
                parts.append(f"{table}: +{counts[0]} ~{counts[1]} -{counts[2]}")
        changes = "; ".join(parts) if parts else "no changes"
        return f"{changes} (dataset version {self.version})"


def load(engine: Engine, *, seed_dir: Path = SEED_DIR, dry_run: bool = False) -> LoadReport:
    """Validate the files and bring the database in line with them, atomically."""
    rows = build_rows(read_dataset(seed_dir))
    report = LoadReport()
    with open_session(engine) as session:
        for model, key in TABLE_ORDER:
            _upsert(session, model, key, rows[model], report)
        for model, key in reversed(TABLE_ORDER):
            _delete_missing(session, model, key, rows[model], report)
        report.version = _bump_version(session, report.changed)
        if dry_run:
            session.rollback()
    return report


def build_rows(dataset: Dataset) -> dict[type[SQLModel], list[dict[str, Any]]]:
    """The desired content of every table, as column dicts."""
    rows: dict[type[SQLModel], list[dict[str, Any]]] = {model: [] for model, _ in TABLE_ORDER}
    rows[Source] = [
        {**s.model_dump(), "url": str(s.url) if s.url else None} for s in dataset.sources
    ]
    states: dict[str, dict[str, Any]] = {}
    organizations: dict[str, dict[str, Any]] = {}
    members, observers = dataset.records["members"], dataset.records["observers"]

    for member in members:
        states[member.id] = _state_row("members.toml", member)
        rows[StatusPeriod] += _periods(member, state_id=member.id, founding=member.founding_member)
    for observer in observers:
        if observer.type == "state":
            if observer.id in states:
                raise SeedError(
                    "observers.toml",
                    observer.id,
                    "id",
                    "also in members.toml: keep one record, with its observer years in the history",
                )
            states[observer.id] = _state_row("observers.toml", observer)
            rows[StatusPeriod] += _periods(observer, state_id=observer.id)
        else:
            _merge_organization(organizations, "observers.toml", observer)
            rows[StatusPeriod] += _periods(observer, organization_id=observer.id)
    for partner in dataset.records["partner_organizations"]:
        _merge_organization(organizations, "partner_organizations.toml", partner)
        rows[Partnership].append(
            {
                "organization_id": partner.id,
                "relationship": partner.relationship,
                "status": partner.status,
                "since": partner.since,
                "since_date": first_day(partner.since),
                "document": partner.document,
            }
        )
    rows[State] = list(states.values())
    rows[Organization] = list(organizations.values())
    rows[Meeting] = [
        {
            **m.model_dump(exclude={"sources", "unverified", "host"}),
            "host_id": m.host,
            "date_first_day": first_day(m.date),
        }
        for m in dataset.records["meetings"]
    ]
    meeting_ids = {m.id for m in dataset.records["meetings"]}
    rows[Council] = []
    for council in dataset.records["councils"]:
        for name in ("established_at", "proposed_at"):
            if getattr(council, name) and getattr(council, name) not in meeting_ids:
                raise SeedError(
                    "councils.toml", council.id, name, "no such meeting in meetings.toml"
                )
        _check_states("councils.toml", council.id, "proposed_by", council.proposed_by)
        rows[Council].append(
            {
                **council.model_dump(exclude={"sources", "unverified"}),
                "established_date": first_day(council.established),
            }
        )
    rows[ReformArea] = [
        a.model_dump(exclude={"sources", "acronym", "unverified"})
        for a in dataset.records["reform_areas"]
    ]
    member_ids = {m.id for m in members}
    for chair in dataset.records["chairmanships"]:
        if chair.state not in member_ids:
            raise SeedError(
                "chairmanships.toml", chair.id, "state", "the chair must be a member state"
            )
        rows[Chairmanship].append(
            {
                "id": chair.id,
                "state_id": chair.state,
                "term_start": chair.term_start,
                "term_start_date": first_day(chair.term_start),
                "term_end": chair.term_end,
            }
        )
    for meeting in dataset.records["meetings"]:
        if meeting.host and meeting.host not in member_ids:
            raise SeedError("meetings.toml", meeting.id, "host", "the host must be a member state")
    for dimension in dataset.records["cbm_dimensions"]:
        rows[CbmDimension].append(
            {"id": dimension.id, "position": dimension.position, "names": dimension.names}
        )
        for position, area in enumerate(dimension.areas):
            for name in ("coordinators", "co_coordinators"):
                _check_states(
                    "cbm_dimensions.toml",
                    f"{dimension.id}.{area.id}",
                    name,
                    getattr(area, name),
                    member_ids,
                )
            rows[CbmArea].append(
                {
                    "id": area.id,
                    "dimension_id": dimension.id,
                    "position": position,
                    "names": area.names,
                    "coordinators": area.coordinators,
                    "co_coordinators": area.co_coordinators,
                    "added": area.added,
                }
            )
    for conflict in dataset.conflicts:
        record_type = (
            BY_COLLECTION[conflict.record.collection].record_type if conflict.record else None
        )
        rows[Conflict].append(
            {
                "id": conflict.id,
                "subject": conflict.subject,
                "record_type": record_type,
                "record_id": conflict.record.id if conflict.record else None,
                "field": conflict.field,
                "note": conflict.note,
            }
        )
        for position, claim in enumerate(conflict.claims):
            rows[ConflictClaim].append(
                {
                    "conflict_id": conflict.id,
                    "position": position,
                    "value": claim.value,
                    "current": claim.current,
                }
            )
    for item in cited_items(dataset):
        for position, citation in enumerate(item.citations):
            rows[Citation].append(
                {
                    "record_type": item.record_type,
                    "record_id": item.record_id,
                    "position": position,
                    **citation.model_dump(),
                }
            )
    return rows


def _check_states(
    file: str, record: str, field_name: str, codes: list[str], allowed: set[str] | None = None
) -> None:
    for code in codes:
        try:
            country(code)
        except LookupError as exc:
            raise SeedError(file, record, field_name, str(exc)) from None
        if allowed is not None and code not in allowed:
            raise SeedError(file, record, field_name, f"{code} is not a member state")


def _state_row(file: str, record: Any) -> dict[str, Any]:
    try:
        row = country(record.id)
    except LookupError as exc:
        raise SeedError(file, record.id, "id", str(exc)) from None
    row["names"] = {**row["names"], **record.names}
    return row


def _merge_organization(organizations: dict[str, dict[str, Any]], file: str, record: Any) -> None:
    row = {
        "id": record.id,
        "names": record.names,
        "acronym": record.acronym,
        "aliases": record.aliases,
    }
    existing = organizations.setdefault(record.id, row)
    if existing != row:
        raise SeedError(
            file,
            record.id,
            "names",
            "the organization appears in another file with different names, acronym or aliases",
        )


def _periods(
    record: Any,
    *,
    state_id: str | None = None,
    organization_id: str | None = None,
    founding: bool = False,
) -> list[dict[str, Any]]:
    return [
        {
            "state_id": state_id,
            "organization_id": organization_id,
            "status": period.status,
            "since": period.since,
            "since_date": first_day(period.since),
            "until": period.until,
            "until_date": first_day(period.until),
            "founding": founding and period.status == "member",
        }
        for period in record.history
    ]


def _key(values: Any, key: tuple[str, ...]) -> tuple[Any, ...]:
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    return tuple(get(name) for name in key)


def _upsert(
    session: Session,
    model: type[SQLModel],
    key: tuple[str, ...],
    desired: list[dict[str, Any]],
    report: LoadReport,
) -> None:
    table = model.__tablename__  # type: ignore[attr-defined]
    existing = {_key(row, key): row for row in session.exec(select(model))}
    inserted = updated = 0
    for values in desired:
        row = existing.get(_key(values, key))
        if row is None:
            session.add(model(**values))
            inserted += 1
            continue
        changes = {
            name: value
            for name, value in values.items()
            if name not in IGNORED_COLUMNS and getattr(row, name) != value
        }
        if changes:
            for name, value in changes.items():
                setattr(row, name, value)
            row.updated_at = utc_now()  # type: ignore[attr-defined]
            session.add(row)
            updated += 1
    session.flush()
    report.inserted[table], report.updated[table] = inserted, updated


def _delete_missing(
    session: Session,
    model: type[SQLModel],
    key: tuple[str, ...],
    desired: list[dict[str, Any]],
    report: LoadReport,
) -> None:
    wanted = {_key(values, key) for values in desired}
    deleted = 0
    for row in session.exec(select(model)):
        if _key(row, key) not in wanted:
            session.delete(row)
            deleted += 1
    session.flush()
    report.deleted[model.__tablename__] = deleted  # type: ignore[attr-defined]


def _bump_version(session: Session, changed: bool) -> int:
    row = session.get(DatasetVersion, 1)
    if row is None:
        row = DatasetVersion(id=1, version=0)
    if changed:
        row.version += 1
        row.updated_at = utc_now()
    session.add(row)
    session.flush()
    return row.version
