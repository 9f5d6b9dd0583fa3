"""Load the curated dataset: validate everything, then upsert on natural keys in one transaction.

Re-running with unchanged files changes nothing (not even the dataset version). Records
removed from the files are removed from the database: the files are the curated truth.

Two things make the upsert robust:

* Unique columns outside the natural key (a reform area's `position`, say) may be swapped
  or reused between records. Before a table's rows get their new values, every row whose
  unique value another row is about to take is moved to a placeholder, so no statement
  collides with a value that is only on its way out.
* Every desired row remembers the file and record it comes from. A database error rolls
  the whole load back; the load is then re-run, flushing row by row, to find the record at
  fault and raise a `SeedError` naming it. The re-run happens only on failure: the normal
  path flushes once per table.
"""

import itertools
import logging
import string
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, Integer, String, Table, UniqueConstraint
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.types import TypeDecorator, TypeEngine
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
    Derivation,
    Institution,
    Meeting,
    Official,
    Organization,
    Partnership,
    RecordReview,
    ReformArea,
    Source,
    State,
    StatusPeriod,
)
from app.models.base import first_day, utc_now
from app.models.collections import CBM_AREA_RECORD_TYPE, CLAIM_RECORD_TYPE
from app.registry import COLLECTIONS
from seed import SEED_DIR
from seed.changes import ChangeRecorder, Digests, RecordKey, record_digests
from seed.countries import country
from seed.errors import SeedError, Violation, classify
from seed.reader import (
    BY_COLLECTION,
    CONFLICTS,
    RESOURCES,
    Dataset,
    cited_items,
    read_dataset,
)

logger = logging.getLogger("seed")

Values = dict[str, Any]
Key = tuple[Any, ...]


def _seed_tables() -> tuple[list[tuple[type[SQLModel], Key]], dict[type[SQLModel], str]]:
    """Every table the seed fills, parents before children, and the file(s) it comes from:
    the registry's collections, plus sources, conflicts and citations."""
    keys: dict[type[SQLModel], tuple[str, ...]] = {Source: ("id",)}
    files: dict[type[SQLModel], list[str]] = {Source: ["sources.toml"]}
    for spec in COLLECTIONS:
        if spec.seed is None:
            continue
        for model, key in spec.seed.tables:
            keys.setdefault(model, key)
            files.setdefault(model, []).append(spec.seed.file)
    keys |= {
        Conflict: ("id",),
        ConflictClaim: ("conflict_id", "position"),
        Citation: ("record_type", "record_id", "position"),
        Derivation: ("record_type", "record_id", "position"),
    }
    files |= {Conflict: ["conflicts.toml"], ConflictClaim: ["conflicts.toml"]}
    keys[RecordReview] = ("record_type", "record_id")
    files[Citation] = ["the sources of a data file"]
    files[Derivation] = ["the derivations of a data file"]
    files[RecordReview] = ["the `reviewed` of a data file"]
    position = {table.name: n for n, table in enumerate(SQLModel.metadata.sorted_tables)}
    ordered = sorted(keys, key=lambda model: position[str(model.__tablename__)])
    return [(model, keys[model]) for model in ordered], {
        model: " or ".join(names) for model, names in files.items()
    }


# Parents before children for upserts (foreign keys decide); deletions run in reverse.
TABLE_ORDER, TABLE_FILES = _seed_tables()
IGNORED_COLUMNS = {"id", "updated_at"}
RECORD_ONLY = {"sources", "derivations", "unverified", "reviewed"}
"""Fields of a record in its data file that are stored apart from its own row."""

# Columns whose name differs from the field a curator writes in the data file.
FIELD_NAMES: dict[type[SQLModel], dict[str, str]] = {
    StatusPeriod: {
        "since": "from",
        "since_date": "from",
        "until": "to",
        "until_date": "to",
        "attested_from_date": "attested_from",
        "attested_until_date": "attested_until",
    },
    Partnership: {
        "organization_id": "id",
        "since_date": "since",
        "attested_from_date": "attested_from",
        "until_date": "until",
    },
    Meeting: {"host_id": "host", "date_first_day": "date"},
    Council: {"established_date": "established"},
    Chairmanship: {"state_id": "state", "term_start_date": "term_start"},
    Official: {"term_start_date": "term_start"},
    Conflict: {"record_type": "record.collection", "record_id": "record.id"},
}
DATABASE = "database"  # what a `SeedError` names when no data file is at fault


@dataclass
class LoadReport:
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    version: int = 0
    records: int = 0
    """Records created, updated or deleted (entries added to the change feed)."""

    @property
    def changed(self) -> bool:
        return bool(self.records) or any(
            (*self.inserted.values(), *self.updated.values(), *self.deleted.values())
        )

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
        return f"{changes}; {self.records} record changes (dataset version {self.version})"


@dataclass(frozen=True)
class Origin:
    """Where a row comes from: a data file, a record in it, and the path of a nested item
    (`history.0`, `sources.2`) when the row is one."""

    file: str
    record: str | None = None
    path: str | None = None

    def error(self, field_name: str | None, message: str) -> SeedError:
        parts = [part for part in (self.path, field_name) if part]
        return SeedError(self.file, self.record, ".".join(parts) or None, message)

    def label(self) -> str:
        return " ".join(part for part in (self.record, self.path) if part)


@dataclass
class DesiredRows:
    """The desired content of every table, each row with the record it comes from."""

    rows: dict[type[SQLModel], list[Values]] = field(
        default_factory=lambda: {model: [] for model, _ in TABLE_ORDER}
    )
    origins: dict[type[SQLModel], list[Origin]] = field(
        default_factory=lambda: {model: [] for model, _ in TABLE_ORDER}
    )
    records: dict[RecordKey, Digests] = field(default_factory=dict)
    """Each curated record's field digests, for the change feed."""

    def add(self, model: type[SQLModel], origin: Origin, values: Values) -> None:
        self.rows[model].append(values)
        self.origins[model].append(origin)

    def of(self, model: type[SQLModel]) -> Iterator[tuple[Values, Origin]]:
        return zip(self.rows[model], self.origins[model], strict=True)


def load(engine: Engine, *, seed_dir: Path = SEED_DIR, dry_run: bool = False) -> LoadReport:
    """Validate the files and bring the database in line with them, atomically.

    Any database error leaves the database as it was and raises a `SeedError`.
    """
    desired = desired_rows(read_dataset(seed_dir))
    with _quiet_aborted_pipelines():
        try:
            return _attempt(engine, desired, dry_run=dry_run, diagnose=False)
        except _Failure as failure:
            if failure.diagnosable:
                try:
                    _attempt(engine, desired, dry_run=True, diagnose=True)
                except _Failure as found:
                    raise found.error from None
            raise failure.error from None


def build_rows(dataset: Dataset) -> dict[type[SQLModel], list[Values]]:
    """The desired content of every table, as column dicts."""
    return desired_rows(dataset).rows


def desired_rows(dataset: Dataset) -> DesiredRows:
    """The desired content of every table, with each row's origin; checks cross-references."""
    desired = DesiredRows()
    for source in dataset.sources:
        desired.add(
            Source,
            Origin("sources.toml", source.id),
            {**source.model_dump(), "url": str(source.url) if source.url else None},
        )
    _add_parties(desired, dataset)
    _add_meetings_and_councils(desired, dataset)
    for area in dataset.records["reform_areas"]:
        desired.add(
            ReformArea,
            Origin("reform_areas.toml", area.id),
            area.model_dump(exclude={"acronym", *RECORD_ONLY}),
        )
    _add_chairmanships(desired, dataset)
    _add_officials_and_organization(desired, dataset)
    _add_cbm(desired, dataset)
    _add_conflicts(desired, dataset)
    _add_citations(desired, dataset)
    _add_derivations(desired, dataset)
    _add_reviews(desired, dataset)
    _check_natural_keys(desired)
    desired.records = record_digests(dataset)
    return desired


def _add_parties(desired: DesiredRows, dataset: Dataset) -> None:
    """States, organizations, their status histories and partnerships."""
    states: dict[str, tuple[Origin, Values]] = {}
    organizations: dict[str, tuple[Origin, Values]] = {}
    for member in dataset.records["members"]:
        states[member.id] = (Origin("members.toml", member.id), _state_row("members.toml", member))
        _add_periods(desired, "members.toml", member, founding=member.founding_member)
    for observer in dataset.records["observers"]:
        if observer.type == "state":
            if observer.id in states:
                raise SeedError(
                    "observers.toml",
                    observer.id,
                    "id",
                    "also in members.toml: keep one record, with its observer years in the history",
                )
            states[observer.id] = (
                Origin("observers.toml", observer.id),
                _state_row("observers.toml", observer),
            )
        else:
            _merge_organization(organizations, "observers.toml", observer)
        _add_periods(desired, "observers.toml", observer)
    for partner in dataset.records["partner_organizations"]:
        _merge_organization(organizations, "partner_organizations.toml", partner)
        desired.add(
            Partnership, Origin("partner_organizations.toml", partner.id), _partnership_row(partner)
        )
    for origin, values in states.values():
        desired.add(State, origin, values)
    for origin, values in organizations.values():
        desired.add(Organization, origin, values)


def _add_meetings_and_councils(desired: DesiredRows, dataset: Dataset) -> None:
    member_ids = {m.id for m in dataset.records["members"]}
    for meeting in dataset.records["meetings"]:
        if meeting.host and meeting.host not in member_ids:
            raise SeedError("meetings.toml", meeting.id, "host", "the host must be a member state")
        desired.add(
            Meeting,
            Origin("meetings.toml", meeting.id),
            {
                **meeting.model_dump(exclude={"host", *RECORD_ONLY}),
                "host_id": meeting.host,
                "date_first_day": first_day(meeting.date),
            },
        )
    meeting_ids = {m.id for m in dataset.records["meetings"]}
    for council in dataset.records["councils"]:
        for name in ("established_at", "proposed_at"):
            if getattr(council, name) and getattr(council, name) not in meeting_ids:
                raise SeedError(
                    "councils.toml", council.id, name, "no such meeting in meetings.toml"
                )
        _check_states("councils.toml", council.id, "proposed_by", council.proposed_by)
        desired.add(
            Council,
            Origin("councils.toml", council.id),
            {
                **council.model_dump(exclude=RECORD_ONLY),
                "established_date": first_day(council.established),
            },
        )


def _add_chairmanships(desired: DesiredRows, dataset: Dataset) -> None:
    member_ids = {m.id for m in dataset.records["members"]}
    for chair in dataset.records["chairmanships"]:
        if chair.state not in member_ids:
            raise SeedError(
                "chairmanships.toml", chair.id, "state", "the chair must be a member state"
            )
        desired.add(
            Chairmanship,
            Origin("chairmanships.toml", chair.id),
            {
                "id": chair.id,
                "state_id": chair.state,
                "term_start": chair.term_start,
                "term_start_date": first_day(chair.term_start),
                "term_end": chair.term_end,
                "motto": chair.motto,
            },
        )


def _add_officials_and_organization(desired: DesiredRows, dataset: Dataset) -> None:
    member_ids = {m.id for m in dataset.records["members"]}
    meeting_ids = {m.id for m in dataset.records["meetings"]}
    for official in dataset.records["officials"]:
        origin = Origin("officials.toml", official.id)
        if official.nationality:
            _check_states(
                "officials.toml", official.id, "nationality", [official.nationality], member_ids
            )
        if official.appointed_at and official.appointed_at not in meeting_ids:
            raise origin.error("appointed_at", "no such meeting in meetings.toml")
        desired.add(
            Official,
            origin,
            {
                **official.model_dump(exclude=RECORD_ONLY),
                "term_start_date": first_day(official.term_start),
            },
        )
    for record in dataset.records["organization"]:
        origin = Origin("organization.toml", record.id)
        for index, document in enumerate(record.founding_documents):
            if document.meeting and document.meeting not in meeting_ids:
                raise origin.error(
                    f"founding_documents.{index}.meeting", "no such meeting in meetings.toml"
                )
        desired.add(
            Institution,
            origin,
            record.model_dump(mode="json", by_alias=True, exclude=RECORD_ONLY),
        )


def _add_cbm(desired: DesiredRows, dataset: Dataset) -> None:
    member_ids = {m.id for m in dataset.records["members"]}
    for dimension in dataset.records["cbm_dimensions"]:
        desired.add(
            CbmDimension,
            Origin("cbm_dimensions.toml", dimension.id),
            {"id": dimension.id, "position": dimension.position, "names": dimension.names},
        )
        for position, area in enumerate(dimension.areas):
            label = f"{dimension.id}.{area.id}"
            for name in ("coordinators", "co_coordinators"):
                _check_states("cbm_dimensions.toml", label, name, getattr(area, name), member_ids)
            desired.add(
                CbmArea,
                Origin("cbm_dimensions.toml", label),
                {
                    "id": area.id,
                    "dimension_id": dimension.id,
                    "position": position,
                    "names": area.names,
                    "coordinators": area.coordinators,
                    "co_coordinators": area.co_coordinators,
                    "added": area.added,
                    **_area_terms(area),
                },
            )


def _add_conflicts(desired: DesiredRows, dataset: Dataset) -> None:
    for conflict in dataset.conflicts:
        record_type = (
            BY_COLLECTION[conflict.record.collection].record_type if conflict.record else None
        )
        desired.add(
            Conflict,
            Origin(CONFLICTS.file, conflict.id),
            {
                "id": conflict.id,
                "subject": conflict.subject,
                "record_type": record_type,
                "record_id": conflict.record.id if conflict.record else None,
                "field": conflict.field,
                "note": conflict.note,
            },
        )
        for position, claim in enumerate(conflict.claims):
            desired.add(
                ConflictClaim,
                Origin(CONFLICTS.file, conflict.id, f"claims.{position}"),
                {
                    "conflict_id": conflict.id,
                    "position": position,
                    "value": claim.value,
                    "current": claim.current,
                },
            )


def _add_citations(desired: DesiredRows, dataset: Dataset) -> None:
    for item in cited_items(dataset):
        for position, citation in enumerate(item.citations):
            desired.add(
                Citation,
                Origin(item.file, item.label, f"sources.{position}"),
                {
                    "record_type": item.record_type,
                    "record_id": item.record_id,
                    "position": position,
                    **citation.model_dump(),
                },
            )


def _add_derivations(desired: DesiredRows, dataset: Dataset) -> None:
    """The rules and premises of the fields a record derives rather than quotes."""
    for item in cited_items(dataset):
        for position, derivation in enumerate(item.derivations):
            desired.add(
                Derivation,
                Origin(item.file, item.label, f"derivations.{position}"),
                {
                    "record_type": item.record_type,
                    "record_id": item.record_id,
                    "position": position,
                    "fields": derivation.fields,
                    "rule": derivation.rule,
                    "premises": [premise.as_row() for premise in derivation.premises],
                },
            )


def _partnership_row(partner: Any) -> Values:
    """A partnership with its dates (and their first days, for `as_of`)."""
    return {
        "organization_id": partner.id,
        "relationship": partner.relationship,
        "status": partner.status,
        "since": partner.since,
        "since_date": first_day(partner.since),
        "attested_from": partner.attested_from,
        "attested_from_date": first_day(partner.attested_from),
        "until": partner.until,
        "until_date": first_day(partner.until),
        "document": partner.document,
    }


def _area_terms(area: Any) -> Values:
    """A CBM area's place in another area and its coordinators' term."""
    return {
        "part_of": area.part_of,
        "coordinators_since": area.coordinators_since,
        "coordinators_until": area.coordinators_until,
    }


def _add_reviews(desired: DesiredRows, dataset: Dataset) -> None:
    """When each record was last checked against its sources."""
    for resource in RESOURCES:
        for record in dataset.records[resource.key]:
            desired.add(
                RecordReview,
                Origin(resource.file, record.id),
                {
                    "record_type": resource.record_type,
                    "record_id": record.id,
                    "reviewed": record.reviewed,
                },
            )
    for conflict in dataset.conflicts:
        desired.add(
            RecordReview,
            Origin(CONFLICTS.file, conflict.id),
            {"record_type": "conflict", "record_id": conflict.id, "reviewed": conflict.reviewed},
        )


def _check_natural_keys(desired: DesiredRows) -> None:
    """Two rows with one natural key would overwrite each other on every load."""
    for model, key in TABLE_ORDER:
        seen: dict[Key, Origin] = {}
        for values, origin in desired.of(model):
            other = seen.setdefault(_key(values, key), origin)
            if other is not origin:
                if key == ("id",) and origin.path is None:
                    raise origin.error("id", f"same id as record {other.label()}")
                raise origin.error(None, f"duplicates record {other.label()}")


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


def _state_row(file: str, record: Any) -> Values:
    try:
        row = country(record.id)
    except LookupError as exc:
        raise SeedError(file, record.id, "id", str(exc)) from None
    names = row["names"]
    assert isinstance(names, dict)
    row["names"] = {**names, **record.names}
    return row


def _merge_organization(
    organizations: dict[str, tuple[Origin, Values]], file: str, record: Any
) -> None:
    row = {
        "id": record.id,
        "names": record.names,
        "acronym": record.acronym,
        "aliases": record.aliases,
    }
    _, existing = organizations.setdefault(record.id, (Origin(file, record.id), row))
    if existing != row:
        raise SeedError(
            file,
            record.id,
            "names",
            "the organization appears in another file with different names, acronym or aliases",
        )


def _add_periods(desired: DesiredRows, file: str, record: Any, *, founding: bool = False) -> None:
    """A party's status history: one row per period, owned by a state or an organization."""
    is_state = getattr(record, "type", "state") == "state"
    for index, period in enumerate(record.history):
        desired.add(
            StatusPeriod,
            Origin(file, record.id, f"history.{index}"),
            {
                "state_id": record.id if is_state else None,
                "organization_id": None if is_state else record.id,
                "status": period.status,
                "since": period.since,
                "since_date": first_day(period.since),
                "until": period.until,
                "until_date": first_day(period.until),
                "attested_from": period.attested_from,
                "attested_from_date": first_day(period.attested_from),
                "attested_until": period.attested_until,
                "attested_until_date": first_day(period.attested_until),
                "founding": founding and period.status == "member",
            },
        )


# --- Applying the rows ---------------------------------------------------------------------


class _AbortedPipelineFilter(logging.Filter):
    """Drops psycopg's "error ignored terminating <Pipeline>" warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("error ignored terminating")


@contextmanager
def _quiet_aborted_pipelines() -> Iterator[None]:
    """Silence psycopg's warning that a failed batch insert aborted its pipeline: the
    failure itself becomes a `SeedError`, and the warning would only add noise to it."""
    psycopg_logger, quiet = logging.getLogger("psycopg"), _AbortedPipelineFilter()
    psycopg_logger.addFilter(quiet)
    try:
        yield
    finally:
        psycopg_logger.removeFilter(quiet)


class _Failure(Exception):
    """A database error already turned into a `SeedError`; `diagnosable` when a row-by-row
    re-run could name the record at fault."""

    def __init__(self, error: SeedError, *, diagnosable: bool) -> None:
        super().__init__(str(error))
        self.error, self.diagnosable = error, diagnosable


@dataclass
class _Place:
    """What the loader was flushing: one row (diagnostic pass) or a whole table."""

    model: type[SQLModel]
    origin: Origin
    values: Values = field(default_factory=dict)
    deleting: bool = False
    batch: bool = False


@dataclass
class _Update:
    row: SQLModel
    changes: Values
    values: Values
    origin: Origin


@dataclass
class _Plan:
    """What one table needs: rows to insert, to update and (later) to delete."""

    model: type[SQLModel]
    key: tuple[str, ...]
    existing: list[SQLModel]
    inserts: list[tuple[Values, Origin]] = field(default_factory=list)
    updates: list[_Update] = field(default_factory=list)
    deletes: list[SQLModel] = field(default_factory=list)


def _attempt(engine: Engine, desired: DesiredRows, *, dry_run: bool, diagnose: bool) -> LoadReport:
    """One try at the whole load, in one transaction; database errors become `_Failure`."""
    run = _Run(desired, diagnose=diagnose)
    try:
        with open_session(engine) as session:
            run.session = session
            report = run.execute()
            if dry_run:
                session.rollback()
    except SQLAlchemyError as exc:
        logger.debug("seed: database error", exc_info=exc)
        raise run.failure(exc) from None
    return report


class _Run:
    """Applies the desired rows inside one session.

    In diagnostic mode every row is flushed on its own, so a database error points at it.
    """

    def __init__(self, desired: DesiredRows, *, diagnose: bool) -> None:
        self.desired, self.diagnose = desired, diagnose
        self.session: Session | None = None
        self.report = LoadReport()
        self.now = utc_now()
        self.place: _Place | None = None

    @property
    def db(self) -> Session:
        assert self.session is not None
        return self.session

    def execute(self) -> LoadReport:
        deletes: list[tuple[type[SQLModel], tuple[str, ...], list[SQLModel]]] = []
        for model, key in TABLE_ORDER:
            plan = self._plan(model, key)
            self._park(plan)
            self._apply(plan)
            deletes.append((model, key, plan.deletes))
        for model, key, rows in reversed(deletes):
            self._delete(model, key, rows)
        recorder = ChangeRecorder(self.db, self.desired.records)
        self.report.records = len(recorder.changes)
        self.report.version = self._bump_version()
        if recorder.changes:
            recorder.record(self.report.version, self.now)
        return self.report

    def _plan(self, model: type[SQLModel], key: tuple[str, ...]) -> _Plan:
        existing = list(self.db.exec(select(model)))
        plan = _Plan(model, key, existing)
        by_key = {_key(row, key): row for row in existing}
        for values, origin in self.desired.of(model):
            row = by_key.pop(_key(values, key), None)
            if row is None:
                plan.inserts.append((values, origin))
                continue
            changes = {
                name: value
                for name, value in values.items()
                if name not in IGNORED_COLUMNS and getattr(row, name) != value
            }
            if changes:
                plan.updates.append(_Update(row, changes, values, origin))
        plan.deletes = list(by_key.values())
        return plan

    def _park(self, plan: _Plan) -> None:
        """Move unique values that another row is about to take to placeholders."""
        parked = _rows_to_park(plan, self.desired.rows[plan.model])
        if not parked:
            return
        table = _table(plan.model)
        placeholders: dict[str, Iterator[Any]] = {}
        for leaving, columns in parked:
            for name in sorted(columns):
                if name not in placeholders:
                    taken = {getattr(r, name) for r in plan.existing}
                    taken |= {values.get(name) for values in self.desired.rows[plan.model]}
                    placeholders[name] = _placeholders(table.c[name], taken)
                setattr(leaving.row, name, next(placeholders[name]))
                if leaving.update is not None:  # its final value must be written back
                    leaving.update.changes[name] = leaving.update.values[name]
            self.db.add(leaving.row)
            self._flush_row(_Place(plan.model, leaving.origin))
        self._flush_table(plan.model)

    def _apply(self, plan: _Plan) -> None:
        for update in plan.updates:
            for name, value in update.changes.items():
                setattr(update.row, name, value)
            update.row.updated_at = self.now
            self.db.add(update.row)
            self._flush_row(_Place(plan.model, update.origin, update.values))
        for values, origin in plan.inserts:
            self.db.add(plan.model(**values, updated_at=self.now))
            self._flush_row(_Place(plan.model, origin, values))
        self._flush_table(plan.model)
        table = _table(plan.model).name
        self.report.inserted[table] = len(plan.inserts)
        self.report.updated[table] = len(plan.updates)

    def _delete(self, model: type[SQLModel], key: tuple[str, ...], rows: list[SQLModel]) -> None:
        for row in rows:
            self.db.delete(row)
            if self.diagnose:  # (its origin is worked out only when it is needed)
                self._flush(_Place(model, _removed_origin(model, key, row), deleting=True))
        self._flush_table(model, deleting=True)
        self.report.deleted[_table(model).name] = len(rows)

    def _flush_row(self, place: _Place) -> None:
        if self.diagnose:
            self._flush(place)

    def _flush_table(self, model: type[SQLModel], *, deleting: bool = False) -> None:
        self._flush(_Place(model, Origin(TABLE_FILES[model]), deleting=deleting, batch=True))

    def _flush(self, place: _Place) -> None:
        """Flush, remembering what for: an error is then reported against `place`."""
        self.place = place
        self.db.flush()
        self.place = None

    def _bump_version(self) -> int:
        row = self.db.get(DatasetVersion, 1)
        if row is None:
            row = DatasetVersion(id=1, version=0)
        if self.report.changed:
            row.version += 1
            row.updated_at = self.now
        self.db.add(row)
        self.db.flush()
        return row.version

    def failure(self, error: SQLAlchemyError) -> _Failure:
        """The `SeedError` for a database error raised while at `self.place`."""
        place = self.place
        if place is None or isinstance(error, OperationalError):
            # Not about a row (a lost connection, a lock, a missing table): no re-run helps.
            return _Failure(
                SeedError(DATABASE, None, None, classify(error).detail),
                diagnosable=False,
            )
        violation = classify(error, _table(place.model))
        column, message = _explain(violation, place, self.desired)
        field_name = FIELD_NAMES.get(place.model, {}).get(column, column) if column else None
        return _Failure(place.origin.error(field_name, message), diagnosable=place.batch)


def _explain(violation: Violation, place: _Place, desired: DesiredRows) -> tuple[str | None, str]:
    """The column at fault (when known) and a short message, free of SQL."""
    columns = violation.columns
    column = columns[-1] if columns else None
    if violation.kind == "unique":
        other = _same_values(desired, place, columns)
        what = " and ".join(columns) or "unique value"
        if other is None:
            return column, f"{what} already taken"
        return column, f"same {what} as record {other.label()}"
    if violation.kind == "foreign-key":
        if place.deleting:
            return column, "no longer in the files, but other records still refer to it"
        return column, "refers to a record that does not exist"
    if violation.kind == "not-null":
        return column, "a value is required"
    if violation.kind == "check":
        return column, "value not allowed"
    if violation.kind == "data":
        return column or _too_long(place), "a value is too long or of the wrong type"
    return column, f"rejected by the database: {violation.detail}"


def _same_values(desired: DesiredRows, place: _Place, columns: tuple[str, ...]) -> Origin | None:
    """The other desired row holding the same values in `columns`, if one does."""
    if not columns or not place.values:
        return None
    wanted = tuple(place.values.get(name) for name in columns)
    for values, origin in desired.of(place.model):
        if origin != place.origin and tuple(values.get(name) for name in columns) == wanted:
            return origin
    return None


def _too_long(place: _Place) -> str | None:
    """The first string longer than its column allows (SQLite never checks; PostgreSQL
    does, without naming the column)."""
    table = _table(place.model)
    for name, value in place.values.items():
        column_type = _sql_type(table.c[name]) if name in table.c else None
        length = column_type.length if isinstance(column_type, String) else None
        if isinstance(value, str) and length is not None and len(value) > length:
            return name
    return None


def _removed_origin(model: type[SQLModel], key: tuple[str, ...], row: SQLModel) -> Origin:
    """Where a row being deleted came from, as far as the row itself tells."""
    if model is Citation:
        record_type, record_id, position = _key(row, key)
        file = {CBM_AREA_RECORD_TYPE: "cbm_dimensions.toml", CLAIM_RECORD_TYPE: CONFLICTS.file}
        file |= {r.record_type: r.file for r in BY_COLLECTION.values()}
        return Origin(file.get(record_type, TABLE_FILES[model]), record_id, f"sources.{position}")
    record = "/".join(str(value) for value in _key(row, key) if value is not None)
    return Origin(TABLE_FILES[model], record)


# --- Unique columns ------------------------------------------------------------------------


def _table(model: type[SQLModel]) -> Table:
    name = model.__tablename__
    assert isinstance(name, str)
    return SQLModel.metadata.tables[name]


@cache
def unique_column_sets(model: type[SQLModel], key: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The column sets a table keeps unique that an upsert may change: every unique
    constraint or index, except those within the natural key or including the primary key
    (matched rows never change those)."""
    table = _table(model)
    groups = [c.columns for c in table.constraints if isinstance(c, UniqueConstraint)]
    groups += [index.columns for index in table.indexes if index.unique]
    found: list[tuple[str, ...]] = []
    for columns in groups:
        names = tuple(column.name for column in columns)
        if set(names) <= set(key) or any(column.primary_key for column in columns):
            continue
        found.append(names)
    return tuple(found)


@dataclass
class _Leaving:
    """A row that gives up its unique values: it is updated (`update`) or deleted."""

    row: SQLModel
    update: _Update | None
    origin: Origin


def _rows_to_park(plan: _Plan, desired: list[Values]) -> list[tuple[_Leaving, set[str]]]:
    """Rows holding a unique value that another desired row wants, with the columns to
    move out of the way: updated rows whose value changes and rows to be deleted."""
    unique_sets = unique_column_sets(plan.model, plan.key)
    if not unique_sets or not (plan.updates or plan.deletes):
        return []
    wanted = {names: {_values(values, names) for values in desired} for names in unique_sets}
    leaving = [_Leaving(update.row, update, update.origin) for update in plan.updates]
    leaving += [
        _Leaving(row, None, _removed_origin(plan.model, plan.key, row)) for row in plan.deletes
    ]
    parked: list[tuple[_Leaving, set[str]]] = []
    for item in leaving:
        columns: set[str] = set()
        for names in unique_sets:
            held = tuple(getattr(item.row, name) for name in names)
            keeps = item.update is not None and _values(item.update.values, names) == held
            if None not in held and not keeps and held in wanted[names]:
                columns |= set(names) - set(plan.key)
        if columns:
            parked.append((item, columns))
    return parked


def _values(values: Values, names: tuple[str, ...]) -> Key:
    return tuple(values.get(name) for name in names)


def _placeholders(column: Column[Any], taken: set[Any]) -> Iterator[Any]:
    """Values for a unique column that no row holds or wants: NULL (which never collides)
    when allowed, else negative numbers or short `~` strings."""
    column_type = _sql_type(column)
    if column.nullable:
        return itertools.repeat(None)
    if isinstance(column_type, Integer):
        return (value for value in itertools.count(-1, -1) if value not in taken)
    if isinstance(column_type, String):
        length = column_type.length
        strings = (f"~{_base36(number)}" for number in itertools.count())
        return (
            value
            for value in itertools.takewhile(lambda s: length is None or len(s) <= length, strings)
            if value not in taken
        )
    raise TypeError(f"no placeholder values for unique column {column} of type {column.type}")


def _sql_type(column: Column[Any]) -> TypeEngine[Any]:
    """The column's type, seen through a decorator (SQLModel's `AutoString` wraps `String`)."""
    column_type = column.type
    return column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type


def _base36(number: int) -> str:
    digits = string.digits + string.ascii_lowercase
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
        if number == 0:
            return text


def _key(values: Any, key: tuple[str, ...]) -> Key:
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    return tuple(get(name) for name in key)
