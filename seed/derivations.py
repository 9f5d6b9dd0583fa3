"""Checks of the curated derivations: every derived field is a field of its record, and
every premise exists (a record and its field, or a source of sources.toml)."""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from app.models.conflict import ClaimPublic
from seed.errors import SeedError

if TYPE_CHECKING:
    from seed.reader import CitedItem, Dataset

CONFLICT_FIELDS = frozenset({"claims", *ClaimPublic.model_fields})
"""What a premise may name of a conflict: its claims (the current one, in practice)."""


def check_derivations(dataset: "Dataset", items: Iterable["CitedItem"]) -> None:
    """The first derivation whose field or premise does not resolve raises a `SeedError`."""
    records, fields = premise_targets(dataset)
    source_ids = {source.id for source in dataset.sources}
    for item in items:
        for position, derivation in enumerate(item.derivations):
            where = f"derivations.{position}"
            unknown = set(derivation.fields) - item.citable if item.citable is not None else set()
            if unknown:
                raise SeedError(
                    item.file,
                    item.label,
                    f"{where}.fields",
                    f"names fields this record does not have: {sorted(unknown)}",
                )
            for index, premise in enumerate(derivation.premises):
                at = f"{where}.premises.{index}"
                if premise.source_id is not None and premise.source_id not in source_ids:
                    raise SeedError(
                        item.file,
                        item.label,
                        f"{at}.source_id",
                        f"unknown source '{premise.source_id}' (not in sources.toml)",
                    )
                if premise.record is None:
                    continue
                collection, _, record_id = premise.record.partition("/")
                if record_id not in records.get(collection, set()):
                    raise SeedError(
                        item.file, item.label, f"{at}.record", f"no record '{premise.record}'"
                    )
                if premise.field is not None and premise.field not in fields[collection]:
                    raise SeedError(
                        item.file,
                        item.label,
                        f"{at}.field",
                        f"'{premise.field}' is not a field of {collection}",
                    )


def premise_targets(dataset: "Dataset") -> tuple[dict[str, set[str]], dict[str, frozenset[str]]]:
    """The ids of every record a premise may name, by collection, and each collection's fields."""
    from seed.reader import RESOURCES

    records: dict[str, set[str]] = {"conflicts": {c.id for c in dataset.conflicts}}
    fields: dict[str, frozenset[str]] = {"conflicts": CONFLICT_FIELDS}
    for resource in RESOURCES:
        rows: list[Any] = dataset.records[resource.key]
        records[resource.collection] = {r.id for r in rows}
        assert resource.public is not None
        fields[resource.collection] = frozenset(resource.public.model_fields)
    return records, fields
