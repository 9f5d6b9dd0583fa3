"""The write step: apply a changeset in one transaction under the writers' lock.

    validate -> lock -> precondition -> check -> rows -> version -> audit -> change feed

(the audit is a revision per changed record, `app.writes.audit`; feed entries link to it). A seed run and a
maintainer's write are both changesets applied here; nothing in this module knows a
collection by name: each collection's registry entry says how its records are stored
(`app.core.storage`).

Any error leaves the database as it was. A database error is reported against the record
at fault (`ChangesetError`), found by running the changeset again row by row.
"""

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, SQLModel, col

from app.core.storage import ANY_COLLECTION, Cited, RecordError, Table
from app.models import RecordState
from app.models.base import utc_now
from app.models.derivation import DerivationCreate, PremiseCreate
from app.spec import CollectionSpec
from app.writes.audit import record_revisions
from app.writes.changeset import Applied, Changeset, RecordKey, Value
from app.writes.errors import ChangesetError, classify
from app.writes.feed import append_feed, bump_version, record_change, store_values, value_of
from app.writes.lock import LOCK_WAIT_SECONDS, writer_session
from app.writes.merge import SeedConflict, decide, read_base, with_authors, write_base
from app.writes.plan import (
    CITATIONS,
    DERIVATIONS,
    REVIEWS,
    Desired,
    Key,
    Origin,
    Plan,
    cited_items,
    key_of,
    label,
    plan,
    record_error,
    record_rows,
    rows_of,
)
from app.writes.rows import (
    DATABASE,
    Failure,
    Removal,
    TableChanges,
    Writer,
    diff_table,
    read_rows,
    table_order,
)
from app.writes.world import FileWorld, StoredWorld

logger = logging.getLogger("app.writes")

SOURCES = "sources"
"""The collection every citation's `source_id` refers to."""
Specs = Mapping[str, CollectionSpec[Any, Any]]


def stored_collections(collections: Sequence[CollectionSpec[Any, Any]]) -> dict[str, Any]:
    """The collections whose records are stored from a data file, in registry order."""
    return {spec.name: spec for spec in collections if spec.storage is not None}


def apply(
    engine: Engine,
    changeset: Changeset,
    collections: Sequence[CollectionSpec[Any, Any]],
    *,
    dry_run: bool = False,
    lock_wait: float = LOCK_WAIT_SECONDS,
) -> Applied:
    """Apply `changeset` atomically (or, with `dry_run`, work out what it would do)."""
    specs: Specs = stored_collections(collections)
    _check_operations(changeset, specs)
    with _quiet_aborted_pipelines():
        try:
            return _attempt(engine, changeset, specs, dry_run, lock_wait, diagnose=False)
        except Failure as failure:
            if failure.diagnosable:
                try:
                    _attempt(engine, changeset, specs, True, lock_wait, diagnose=True)
                except Failure as found:
                    raise found.error from None
            raise failure.error from None


def _attempt(
    engine: Engine,
    changeset: Changeset,
    specs: Specs,
    dry_run: bool,
    lock_wait: float,
    *,
    diagnose: bool,
) -> Applied:
    run = _Run(changeset, specs, diagnose=diagnose)
    try:
        with writer_session(engine, wait=lock_wait) as session:
            applied = run.execute(session)
            if dry_run:
                session.rollback()
    except SQLAlchemyError as exc:
        logger.debug("changeset: database error", exc_info=exc)
        raise run.writer_failure(exc) from None
    if not dry_run and applied.changed:  # (the seed command and start-up print a summary)
        logger.debug(
            "changeset by %s applied: dataset version %d, %d record changes",
            changeset.author,
            applied.version,
            applied.records,
            extra={
                "author": changeset.author,
                "summary": changeset.summary,
                "request_id": changeset.request_id,
                "dataset_version": applied.version,
            },
        )
    return applied


def _check_operations(changeset: Changeset, specs: Specs) -> None:
    """Each operation names a stored collection and carries a record of its schema."""
    seen: set[RecordKey] = set()
    for operation in changeset.operations:
        spec = specs.get(operation.collection)
        if spec is None:
            raise ChangesetError(DATABASE, None, None, f"no collection {operation.collection!r}")
        storage = spec.storage
        assert storage is not None
        if operation.key in seen:
            raise ChangesetError(storage.file, operation.record_id, "id", "duplicate id")
        seen.add(operation.key)
        if operation.action == "delete":
            continue
        if not isinstance(operation.value, storage.schema):
            raise TypeError(f"{operation.collection}: a {storage.schema.__name__} is expected")
        if str(getattr(operation.value, "id")) != operation.record_id:  # noqa: B009
            raise ChangesetError(storage.file, operation.record_id, "id", "differs from the record")


@dataclass
class _Owned:
    """A row a record had before this changeset (worked out from its stored value)."""

    origin: Origin
    owners: list[RecordKey]


class _Run:
    """One try at a changeset inside one transaction."""

    def __init__(self, changeset: Changeset, specs: Specs, *, diagnose: bool) -> None:
        self.changeset, self.specs, self.diagnose = changeset, specs, diagnose
        self.complete = changeset.complete
        self.now = utc_now()
        self.writer: Writer | None = None
        self.files = _files(specs)
        self._others: dict[type[SQLModel], dict[Key, Desired]] = {}
        self.world: FileWorld | None = None
        self._values: dict[RecordKey, Value] = {}
        self.session: Session | None = None
        self.seed_read: dict[RecordKey, Value] | None = None
        """What a merging seed read from the files: the next seed's base."""

    def execute(self, session: Session) -> Applied:
        self.session = session
        stored = self._stored(session)
        after = self._resolve(stored)
        world = self.world = (
            FileWorld(self.specs, {k: v for k, v in after.items() if v is not None})
            if self.complete
            else StoredWorld(session, self.specs, after)
        )
        wanted = rows_of((self.specs[c], v) for (c, _), v in after.items() if v is not None)
        self._check(after, world)
        desired = plan(wanted)
        before = self._before(stored, after)
        if not self.complete:
            self._check_shared(desired)
        tables = self._tables(desired, after)
        changes = [
            diff_table(
                tables[model],
                read_rows(session, tables[model], self._candidates(model, desired, before)),
                desired.of(model),
                self._leaving(tables[model], before),
                self._foreign(tables[model], before, stored),
            )
            for model in table_order(set(tables))
        ]
        self.writer = Writer(session, diagnose=self.diagnose, now=self.now, files=self.files)
        self.writer.write(changes)
        return self._record(session, changes, stored, after)

    # --- before ------------------------------------------------------------------------

    def _stored(self, session: Session) -> dict[RecordKey, Value | None]:
        """The stored value of every record concerned (None: stored without a value)."""
        query = select(
            col(RecordState.collection), col(RecordState.record_id), col(RecordState.value)
        ).where(col(RecordState.collection).in_(list(self.specs)))
        if self.complete:
            return {(name, rid): value for name, rid, value in session.execute(query)}
        wanted = {operation.key for operation in self.changeset.operations}
        query = query.where(col(RecordState.record_id).in_({rid for _, rid in wanted}))
        rows = session.execute(query)
        return {(name, rid): value for name, rid, value in rows if (name, rid) in wanted}

    def _resolve(self, stored: dict[RecordKey, Value | None]) -> dict[RecordKey, BaseModel | None]:
        """Each record's value after the changeset (None: deleted); preconditions run here."""
        after: dict[RecordKey, BaseModel | None] = {}
        for operation in self.changeset.operations:
            key, exists = operation.key, operation.key in stored
            file = self._file(operation.collection)
            if operation.action == "create" and exists:
                raise ChangesetError(file, operation.record_id, "id", "exists", kind="exists")
            if operation.action in ("update", "delete") and not exists:
                raise ChangesetError(
                    file, operation.record_id, None, "no such record", kind="missing"
                )
            if operation.precondition is not None:
                operation.precondition(stored.get(key))
            after[key] = operation.value
        if self.complete:
            for key in stored:
                after.setdefault(key, None)
        if self.changeset.merge:
            self._merge(stored, after)
        return after

    def _merge(
        self, stored: dict[RecordKey, Value | None], after: dict[RecordKey, BaseModel | None]
    ) -> None:
        """A seed run keeps the API's edits since the last seed (`app.writes.merge`):
        records whose file did not change take their database value."""
        assert self.session is not None
        files = {key: self._value(key, r) for key, r in after.items() if r is not None}
        base = read_base(self.session)
        if files != base:
            self.seed_read = files  # the next seed's base (unchanged: nothing to write)
        sides, conflicts = decide(
            files,
            stored,
            base,
            prefer=self.changeset.prefer,
            file_of={name: self._file(name) for name in self.specs},
        )
        if conflicts:
            raise SeedConflict(with_authors(self.session, conflicts))
        for key, side in sides.items():
            if side == "files":
                continue
            value = stored.get(key)
            storage = self.specs[key[0]].storage
            assert storage is not None
            after[key] = storage.schema.model_validate(value) if value is not None else None
            self._values.pop(key, None)

    def _before(
        self, stored: dict[RecordKey, Value | None], after: dict[RecordKey, BaseModel | None]
    ) -> dict[type[SQLModel], dict[Key, _Owned]]:
        """The rows each record concerned had, from its stored value. In a complete
        changeset only records whose value changed need it (the others want the rows they
        have)."""
        before: dict[type[SQLModel], dict[Key, _Owned]] = {}
        for key, record in after.items():
            old = stored.get(key)
            if old is None:
                continue
            if self.complete and record is not None and self._value(key, record) == old:
                continue
            spec = self.specs[key[0]]
            assert spec.storage is not None
            try:
                model = spec.storage.schema.model_validate(old)
                rows = list(record_rows(spec, model))
            except (ValidationError, ChangesetError):
                continue  # stored by an older schema or binding: its rows are unknown
            for table, values, origin in rows:
                owned = before.setdefault(table.model, {})
                entry = owned.setdefault(key_of(values, table.key), _Owned(origin, []))
                entry.owners.append(key)
        return before

    # --- checks ------------------------------------------------------------------------

    def _check(self, after: dict[RecordKey, BaseModel | None], world: FileWorld) -> None:
        """Citations name known sources and real fields; each collection's own checks
        pass for every record concerned, and (for a partial changeset) for every record
        whose checks read a collection the changeset touches."""
        for (collection, _), record in after.items():
            if record is not None:
                self._check_record(self.specs[collection], record, world)
        if self.complete:
            return
        touched = {collection for collection, _ in after}
        for spec in self.specs.values():
            storage = spec.storage
            assert storage is not None
            refers = set(storage.refers_to)
            if storage.check is None or not (ANY_COLLECTION in refers or refers & touched):
                continue
            # A record whose check reads nothing the changeset touched passed it before.
            reads = storage.check_reads if ANY_COLLECTION in refers else None
            narrow = reads is not None and SOURCES not in touched
            for record in world.all(spec.name):
                if (spec.name, str(getattr(record, "id"))) in after:  # noqa: B009
                    continue
                if narrow and reads is not None and touched.isdisjoint(reads(record)):
                    continue
                self._check_record(spec, record, world)
        self._check_premises_kept(after, world)

    def _check_record(self, spec: CollectionSpec[Any, Any], record: Any, world: FileWorld) -> None:
        storage = spec.storage
        assert storage is not None
        sources = world.ids(SOURCES)
        sources_file = self._file(SOURCES)
        for cited in cited_items(spec, record):
            where = label(record.id, cited.item)
            for position, citation in enumerate(cited.sources):
                at = f"sources.{position}"
                if citation.source_id not in sources:
                    raise ChangesetError(
                        storage.file,
                        where,
                        f"{at}.source_id",
                        f"unknown source '{citation.source_id}' (not in {sources_file})",
                    )
                unknown = set(citation.supports) - cited.citable if cited.citable else set()
                if unknown:
                    raise ChangesetError(
                        storage.file,
                        where,
                        f"{at}.supports",
                        f"names fields this record does not have: {sorted(unknown)}",
                    )
            for position, derivation in enumerate(cited.derivations):
                self._check_derivation(storage.file, where, cited, position, derivation, world)
        if storage.check is not None:
            try:
                storage.check(record, world)
            except RecordError as exc:
                raise record_error(storage.file, record.id, exc) from None

    def _check_derivation(
        self,
        file: str,
        where: str,
        cited: Cited,
        position: int,
        derivation: DerivationCreate,
        world: FileWorld,
    ) -> None:
        """A derivation gives fields of its record and rests on premises that exist: a
        source of the sources file, or a record of a collection and one of its fields."""
        at = f"derivations.{position}"
        unknown = set(derivation.fields) - cited.citable if cited.citable else set()
        if unknown:
            raise ChangesetError(
                file,
                where,
                f"{at}.fields",
                f"names fields this record does not have: {sorted(unknown)}",
            )
        for index, premise in enumerate(derivation.premises):
            here = f"{at}.premises.{index}"
            if premise.source_id is not None and premise.source_id not in world.ids(SOURCES):
                raise ChangesetError(
                    file,
                    where,
                    f"{here}.source_id",
                    f"unknown source '{premise.source_id}' (not in {self._file(SOURCES)})",
                )
            if premise.record is None:
                continue
            collection, _, record_id = premise.record.partition("/")
            spec = self.specs.get(collection)
            if spec is None or record_id not in world.ids(collection):
                raise ChangesetError(file, where, f"{here}.record", f"no record '{premise.record}'")
            if premise.field is not None and premise.field not in spec.public_model.model_fields:
                raise ChangesetError(
                    file,
                    where,
                    f"{here}.field",
                    f"'{premise.field}' is not a field of {collection}",
                )

    def _check_premises_kept(
        self, after: dict[RecordKey, BaseModel | None], world: FileWorld
    ) -> None:
        """A partial changeset may not delete a record another record's derivation rests on
        (a complete one checks every derivation against the whole dataset)."""
        deleted = {f"{name}/{rid}" for (name, rid), value in after.items() if value is None}
        if not deleted:
            return
        for spec in self.specs.values():
            for record in world.all(spec.name):
                for where, at, premise in _premises(spec, record):
                    if premise.record in deleted:
                        raise ChangesetError(
                            self._file(spec.name),
                            where,
                            f"{at}.record",
                            f"rests on '{premise.record}', which this change deletes",
                        )

    def _check_shared(self, desired: Plan) -> None:
        """A shared row a write gives must match what its other producers give."""
        for model, table in desired.tables.items():
            if not table.shared:
                continue
            others = self._other_producers(model)
            for key, wanted in desired.of(model).items():
                other = others.get(key)
                if other is None:
                    continue
                differ = [n for n in wanted.values if wanted.values[n] != other.values.get(n)]
                if differ:
                    names = [table.fields.get(name, name) for name in differ]
                    raise wanted.origin.error(
                        names[0],
                        f"also in {other.origin.file} (record {other.origin.label()}) with "
                        f"different {', '.join(dict.fromkeys(names))}: give both the same",
                    )

    def _other_producers(self, model: type[SQLModel]) -> dict[Key, Desired]:
        """The rows of a shared table that records outside the changeset produce."""
        if model in self._others:
            return self._others[model]
        assert self.world is not None
        mine = {operation.key for operation in self.changeset.operations}
        found: dict[Key, Desired] = {}
        for spec in self.specs.values():
            storage = spec.storage
            assert storage is not None
            if not any(t.model is model for t in storage.tables):
                continue
            for record in self.world.all(spec.name):
                owner = (spec.name, str(getattr(record, "id")))  # noqa: B009
                if owner in mine:
                    continue
                for table, values, origin in record_rows(spec, record):
                    if table.model is model:
                        key = key_of(values, table.key)
                        found.setdefault(key, Desired(values, origin, [])).owners.append(owner)
        self._others[model] = found
        return found

    # --- rows --------------------------------------------------------------------------

    def _tables(
        self, desired: Plan, after: dict[RecordKey, BaseModel | None]
    ) -> dict[type[SQLModel], Table]:
        """Every table the changeset may touch (all the stored ones, for a complete one)."""
        names = self.specs if self.complete else {collection for collection, _ in after}
        tables: dict[type[SQLModel], Table] = {
            table.model: table for table in (CITATIONS, DERIVATIONS, REVIEWS)
        }
        for name in names:
            storage = self.specs[name].storage
            assert storage is not None
            for table in storage.tables:
                tables.setdefault(table.model, table)
        for model, table in desired.tables.items():
            tables.setdefault(model, table)
        return tables

    def _candidates(
        self,
        model: type[SQLModel],
        desired: Plan,
        before: dict[type[SQLModel], dict[Key, _Owned]],
    ) -> set[Key] | None:
        """The rows a partial changeset may touch: those its records want or had (a
        complete changeset reads whole tables)."""
        if self.complete:
            return None
        return set(desired.of(model)) | set(before.get(model, {}))

    def _leaving(
        self, table: Table, before: dict[type[SQLModel], dict[Key, _Owned]]
    ) -> Callable[[Key, Value], Removal | None]:
        owned = before.get(table.model, {})

        def leaving(key: Key, row: Value) -> Removal | None:
            """An existing row no record of the changeset wants: in a complete changeset
            it goes; in a partial one it goes if a record of the changeset had it (and, in
            a shared table, no other record still gives it)."""
            mine = owned.get(key)
            if self.complete:
                if mine is not None:
                    return Removal(row, mine.origin, mine.owners)
                name = "/".join(str(value) for value in key if value is not None)
                return Removal(row, Origin(self.files.get(table.model, DATABASE), name))
            if mine is None:
                return None
            if table.shared and key in self._other_producers(table.model):
                return None
            return Removal(row, mine.origin, mine.owners)

        return leaving

    def _foreign(
        self,
        table: Table,
        before: dict[type[SQLModel], dict[Key, _Owned]],
        stored: dict[RecordKey, Value | None],
    ) -> Callable[[Key, Desired], None]:
        owned = before.get(table.model, {})

        def foreign(key: Key, wanted: Desired) -> None:
            """In a partial changeset, a record may not take over a row another record has
            (a write creating a member with the id of an observer state)."""
            if self.complete or table.shared or key in owned:
                return
            if any(owner in stored and stored[owner] is None for owner in wanted.owners):
                return  # its old value is unknown, so are its old rows: take them
            names = [table.fields.get(name, name) for name in table.key]
            raise wanted.origin.error(
                names[0], f"same {' and '.join(names)} as a record already stored", kind="exists"
            )

        return foreign

    # --- what happened -----------------------------------------------------------------

    def _record(
        self,
        session: Session,
        changes: list[TableChanges],
        stored: dict[RecordKey, Value | None],
        after: dict[RecordKey, BaseModel | None],
    ) -> Applied:
        applied = Applied(self.changeset)
        touched: set[RecordKey] = set()
        for each in changes:
            name = each.table.name
            applied.inserted[name] = len(each.inserts)
            applied.updated[name] = len(each.updates)
            applied.deleted[name] = len(each.deletes)
            for desired in each.inserts:
                touched.update(desired.owners)
            for update in each.updates:
                touched.update(update.desired.owners)
            for removal in each.deletes:
                touched.update(removal.owners)
        for key, record in after.items():
            storage = self.specs[key[0]].storage
            assert storage is not None
            change = record_change(
                key,
                stored=key in stored,
                before=stored.get(key),
                after=self._value(key, record) if record is not None else None,
                # A stored record whose old value is unknown had rows (every stored record
                # reached its tables), so its deletion is announced though they are not known.
                rows_changed=key in touched
                or (record is None and key in stored and stored[key] is None),
                schema_fields=(f.alias or n for n, f in storage.schema.model_fields.items()),
            )
            if change is not None:
                applied.changes.append(change)
        store_values(session, applied.changes, now=self.now)
        applied.version = bump_version(session, changed=applied.changed, now=self.now)
        revisions = record_revisions(
            session, self.changeset, applied.changes, version=applied.version, now=self.now
        )
        append_feed(
            session, applied.changes, version=applied.version, now=self.now, revisions=revisions
        )
        if self.seed_read is not None:
            write_base(session, self.seed_read)
        return applied

    def writer_failure(self, error: SQLAlchemyError) -> Failure:
        """A database error, named against the row being written (if one was)."""
        if self.writer is None:  # before any row: reading, or taking the lock
            detail = classify(error).detail
            return Failure(
                ChangesetError(DATABASE, None, None, detail, kind="database"), diagnosable=False
            )
        return self.writer.failure(error)

    def _value(self, key: RecordKey, record: BaseModel) -> Value:
        value = self._values.get(key)
        if value is None:
            value = self._values[key] = value_of(record)
        return value

    def _file(self, collection: str) -> str:
        spec = self.specs.get(collection)
        return spec.storage.file if spec is not None and spec.storage is not None else DATABASE


def _premises(
    spec: CollectionSpec[Any, Any], record: Any
) -> Iterator[tuple[str, str, PremiseCreate]]:
    """Every premise of a record's derivations (and its nested items'), with where it is."""
    for cited in cited_items(spec, record):
        for position, derivation in enumerate(cited.derivations):
            for index, premise in enumerate(derivation.premises):
                yield (
                    label(record.id, cited.item),
                    f"derivations.{position}.premises.{index}",
                    premise,
                )


def _files(specs: Specs) -> dict[type[SQLModel], str]:
    """Which data file(s) each table is filled from, for errors about a whole table."""
    files: dict[type[SQLModel], list[str]] = {}
    for spec in specs.values():
        assert spec.storage is not None
        for table in spec.storage.tables:
            files.setdefault(table.model, []).append(spec.storage.file)
    found = {model: " or ".join(names) for model, names in files.items()}
    found[CITATIONS.model] = "the sources of a data file"
    found[DERIVATIONS.model] = "the derivations of a data file"
    found[REVIEWS.model] = "the `reviewed` of a data file"
    return found


class _AbortedPipelineFilter(logging.Filter):
    """Drops psycopg's "error ignored terminating <Pipeline>" warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("error ignored terminating")


@contextmanager
def _quiet_aborted_pipelines() -> Iterator[None]:
    """Silence psycopg's warning that a failed batch insert aborted its pipeline: the
    failure itself becomes a `ChangesetError`, and the warning would only add noise to it."""
    psycopg_logger, quiet = logging.getLogger("psycopg"), _AbortedPipelineFilter()
    psycopg_logger.addFilter(quiet)
    try:
        yield
    finally:
        psycopg_logger.removeFilter(quiet)
