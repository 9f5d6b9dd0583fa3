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

    A stored record whose value is unknown (stored before values were kept) counts as
    present but cannot be read: `get` answers None for it."""

    def __init__(
        self,
        session: Session,
        specs: Mapping[str, CollectionSpec[Any, Any]],
        changed: Mapping[RecordKey, BaseModel | None],
    ) -> None:
        super().__init__(specs, {})
        self.session, self.changed = session, changed
        self.loaded: set[str] = set()
        self.unknown: dict[str, set[str]] = {}

    def _load(self, collection: str) -> dict[str, BaseModel]:
        records = self.records.setdefault(collection, {})
        if collection in self.loaded:
            return records
        self.loaded.add(collection)
        spec = self.specs.get(collection)
        rows = self.session.execute(
            select(col(RecordState.record_id), col(RecordState.value)).where(
                col(RecordState.collection) == collection
            )
        )
        unknown = self.unknown.setdefault(collection, set())
        for record_id, value in rows:
            if value is None or spec is None or spec.storage is None:
                unknown.add(record_id)
                continue
            try:
                records[record_id] = spec.storage.schema.model_validate(value)
            except ValidationError:  # stored by an older schema: present, not readable
                unknown.add(record_id)
        for (name, record_id), record in self.changed.items():
            if name != collection:
                continue
            unknown.discard(record_id)
            if record is None:
                records.pop(record_id, None)
            else:
                records[record_id] = record
        return records

    def ids(self, collection: str) -> Set[str]:
        records = self._load(collection)
        return records.keys() | self.unknown.get(collection, set())

    def get(self, collection: str, record_id: str) -> Any | None:
        return self._load(collection).get(record_id)

    def all(self, collection: str) -> list[BaseModel]:
        return list(self._load(collection).values())
