"""A collection's list, as a pure function of the snapshot: `as_of`, filters, `q`, sort."""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from app.core.errors import BadRequest, FieldError
from app.core.listing import CollectionParams
from app.core.snapshot import CollectionData, Item
from app.core.text import fold
from app.spec import CollectionSpec

R = TypeVar("R", bound=BaseModel)
COMMON_PARAMETERS = frozenset(CollectionParams.model_fields) | {"as_of"}
"""Parameters every list has; any other one given is a filter of the collection's own."""
P = TypeVar("P", bound=CollectionParams)


def select(spec: CollectionSpec[R, P], data: CollectionData[R], params: P) -> Sequence[Item[R]]:
    as_of = getattr(params, "as_of", None) if spec.history else None
    needle = fold(params.q) if params.q is not None else None
    if needle == "":
        return []  # nothing searchable in q: it matches nothing, never everything
    # Collections with a history always filter: a former status is listed only when asked.
    keep = spec.keep if spec.history or params.model_fields_set - COMMON_PARAMETERS else None
    items: Sequence[Item[R]] = data.by_day.at(as_of)
    if keep is not None or needle is not None:
        items = [
            item
            for item in items
            if (keep is None or keep(item.record, params))
            and (needle is None or needle in item.blob)
        ]
    return sort_items(items, params.sort, spec.sort_keys)


def sort_items(items: Sequence[Item[R]], sort: str | None, keys: Any) -> Sequence[Item[R]]:
    """Stable multi-key sort; records without the value go last in either direction."""
    if not sort:
        return items
    fields = [part.strip() for part in sort.split(",") if part.strip()]
    unknown = [f for f in fields if f.lstrip("-") not in keys]
    if unknown or not fields:
        raise BadRequest(
            f"Cannot sort by {', '.join(unknown) or repr(sort)}; sortable fields: "
            f"{', '.join(sorted(keys))}.",
            errors=[FieldError(field="query.sort", message="unknown sort field")],
        )
    ordered = list(items)
    for field in reversed(fields):
        descending = field.startswith("-")
        ordered.sort(key=_sort_key(keys[field.lstrip("-")], descending), reverse=descending)
    return ordered


def _sort_key(key: Callable[[Any], Any], descending: bool) -> Callable[[Item[Any]], Any]:
    return lambda item: _nulls_last(key(item.record), descending)


def _nulls_last(value: Any, descending: bool) -> tuple[bool, Any]:
    present = value is not None
    return (present if descending else not present, value if present else 0)
