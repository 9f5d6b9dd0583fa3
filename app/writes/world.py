"""The dataset as it will be after a changeset, for the checks that read other records.

A complete changeset (a seed run) is the whole dataset itself. A partial one (a write) is
the stored records (`record_states`) with the changeset's operations laid over them; the
stored records are read and validated per collection, only when a check asks for one.
"""

from collections.abc import Mapping, Set
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlmodel import Session, col

from app.core.storage import NOT_CITABLE
from app.models import RecordState
from app.spec import CollectionSpec
from app.writes.changeset import RecordKey


def citable_fields(spec: CollectionSpec[Any, Any]) -> Set[str] | None:
    """The public fields a citation of the collection's records may support; None when its
    records carry no citations."""
    if spec.storage is None or "sources" not in spec.storage.schema.model_fields:
        return None
    return set(spec.public_model.model_fields) - NOT_CITABLE


class FileWorld:
    """Every record there will be, given in full (a complete changeset)."""

    def __init__(
        self,
        specs: Mapping[str, CollectionSpec[Any, Any]],
        records: Mapping[RecordKey, BaseModel],
    ) -> None:
        self.specs = specs
        self.records: dict[str, dict[str, BaseModel]] = {name: {} for name in specs}
        for (collection, record_id), record in records.items():
            self.records[collection][record_id] = record

    def ids(self, collection: str) -> Set[str]:
        return self.records.get(collection, {}).keys()

    def get(self, collection: str, record_id: str) -> Any | None:
        return self.records.get(collection, {}).get(record_id)

    def citable(self, collection: str) -> Set[str] | None:
        spec = self.specs.get(collection)
        return citable_fields(spec) if spec is not None else None

    def all(self, collection: str) -> list[BaseModel]:
        return list(self.records.get(collection, {}).values())


class StoredWorld(FileWorld):
    """The stored records with the changeset's records laid over them (a partial changeset).

    A collection's ids are read when a check first asks for one; a stored record is
    validated only when a check reads it. A stored record whose value is unknown (stored
    before values were kept) counts as present but cannot be read: `get` answers None."""

    def __init__(
        self,
        session: Session,
        specs: Mapping[str, CollectionSpec[Any, Any]],
        changed: Mapping[RecordKey, BaseModel | None],
    ) -> None:
        super().__init__(specs, {})
        self.session, self.changed = session, changed
        self.stored: dict[str, dict[str, Any]] = {}
        self.every_id: dict[str, set[str]] | None = None

    def _stored(self, collection: str) -> dict[str, Any]:
        """The collection's stored values (raw) by id, with the changeset laid over them."""
        found = self.stored.get(collection)
        if found is None:
            rows = self.session.execute(
                select(col(RecordState.record_id), col(RecordState.value)).where(
                    col(RecordState.collection) == collection
                )
            )
            found = self.stored[collection] = {rid: value for rid, value in rows}
            for (name, record_id), record in self.changed.items():
                if name == collection:
                    found.pop(record_id, None)
                    if record is not None:
                        found[record_id] = record
        return found

    def ids(self, collection: str) -> Set[str]:
        """Read without values, every collection's at once (one query, no JSON decoded): a
        write's checks ask for the ids of several collections (the sources every citation
        names, the members a record refers to) and seldom for their records."""
        if collection in self.stored:
            return self.stored[collection].keys()
        if self.every_id is None:
            every: dict[str, set[str]] = {}
            rows = self.session.execute(
                select(col(RecordState.collection), col(RecordState.record_id))
            )
            for name, record_id in rows:
                every.setdefault(name, set()).add(record_id)
            for (name, record_id), record in self.changed.items():
                ids = every.setdefault(name, set())
                if record is None:
                    ids.discard(record_id)
                else:
                    ids.add(record_id)
            self.every_id = every
        return self.every_id.get(collection, set())

    def get(self, collection: str, record_id: str) -> Any | None:
        value = self._stored(collection).get(record_id)
        if value is None or isinstance(value, BaseModel):
            return value
        spec = self.specs.get(collection)
        if spec is None or spec.storage is None:
            return None
        try:
            record = spec.storage.schema.model_validate(value)
        except ValidationError:  # stored by an older schema: present, not readable
            self._stored(collection)[record_id] = None
            return None
        self._stored(collection)[record_id] = record
        return record

    def all(self, collection: str) -> list[BaseModel]:
        records = (self.get(collection, record_id) for record_id in list(self.ids(collection)))
        return [record for record in records if record is not None]
