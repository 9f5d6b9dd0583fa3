"""Record-level changes for the change feed, worked out while a seed run loads.

Each curated record (a source, a record of a collection, a conflict) is reduced to a
digest of each of its fields as its data file writes them. The run compares those with
the digests stored by the previous run (`record_states`): a new record is `created`, a
missing one `deleted`, one whose digests differ `updated` with the names of the fields
that changed. The changes are appended to `changes`, with the version the run produces,
in the run's own transaction, so the feed and the data can never disagree.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from sqlmodel import Session, select

from app.models import Change, RecordState
from seed.reader import RESOURCES, Dataset

RecordKey = tuple[str, str]
"""(collection, record id)."""
Digests = dict[str, str]
NOT_TRACKED = {"unverified"}


@dataclass(frozen=True)
class RecordChange:
    collection: str
    record_id: str
    action: str
    fields: list[str]


def record_digests(dataset: Dataset) -> dict[RecordKey, Digests]:
    """Every curated record's field digests, keyed by collection and id."""
    records: list[tuple[str, Any]] = [("sources", source) for source in dataset.sources]
    for resource in RESOURCES:
        records += [(resource.collection, record) for record in dataset.records[resource.key]]
    records += [("conflicts", conflict) for conflict in dataset.conflicts]
    return {(collection, record.id): _digests(record) for collection, record in records}


def _digests(record: Any) -> Digests:
    plain = record.model_dump(mode="json", by_alias=True, exclude=NOT_TRACKED)
    return {
        name: hashlib.blake2b(
            orjson.dumps(value, option=orjson.OPT_SORT_KEYS), digest_size=12
        ).hexdigest()
        for name, value in plain.items()
        if value not in (None, [], {})
    }


def diff(old: dict[RecordKey, Digests], new: dict[RecordKey, Digests]) -> list[RecordChange]:
    """What turns `old` into `new`, in collection and id order."""
    changes = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if before is None:
            action, fields = "created", sorted(after or {})
        elif after is None:
            action, fields = "deleted", sorted(before)
        else:
            action = "updated"
            fields = sorted(
                n for n in before.keys() | after.keys() if before.get(n) != after.get(n)
            )
        changes.append(RecordChange(key[0], key[1], action, fields))
    return changes


class ChangeRecorder:
    """Compares the desired records with the stored digests inside a run's session."""

    def __init__(self, session: Session, desired: dict[RecordKey, Digests]) -> None:
        self.session, self.desired = session, desired
        self.stored = {
            (row.collection, row.record_id): row for row in session.exec(select(RecordState))
        }
        self.changes = diff({k: row.digests for k, row in self.stored.items()}, desired)

    def record(self, version: int, now: dt.datetime) -> None:
        """Append the changes with the version they produced; store the new digests."""
        for change in self.changes:
            key = (change.collection, change.record_id)
            self.session.add(
                Change(
                    version=version,
                    changed_at=now,
                    collection=change.collection,
                    record_id=change.record_id,
                    action=change.action,
                    fields=change.fields,
                )
            )
            row = self.stored.get(key)
            if change.action == "deleted":
                assert row is not None
                self.session.delete(row)
            elif row is None:
                self.session.add(
                    RecordState(
                        collection=key[0],
                        record_id=key[1],
                        digests=self.desired[key],
                        updated_at=now,
                    )
                )
            else:
                row.digests, row.updated_at = self.desired[key], now
                self.session.add(row)
        self.session.flush()
