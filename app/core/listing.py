"""What every list route shares: paging and sort parameters, the envelope and its links."""

from collections.abc import Callable, Sequence
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_serializer
from starlette.datastructures import URL

from app.core.errors import BadRequest, FieldError

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class RepresentationParams(BaseModel):
    """Query parameters of every read route; unknown parameters are rejected (400)."""

    model_config = ConfigDict(extra="forbid")

    lang: Literal["en", "ru"] | None = Field(
        default=None,
        description="Language of `name` fields (else `Accept-Language`); English is the "
        "fallback where a name is not stored in the language asked for.",
        examples=["ru"],
    )
    fields: str | None = Field(
        default=None,
        max_length=500,
        description="Comma-separated top-level fields to return (sparse fieldset); an unknown "
        "field is a 400.",
        examples=["id,name"],
    )


class ListParams(RepresentationParams):
    """Query parameters of every list route."""

    format: Literal["json", "csv", "ndjson"] | None = Field(
        default=None,
        description="Representation, instead of the `Accept` header: `json`, `csv` (header "
        "row, one row per record, nested values flattened) or `ndjson` (one record per line).",
        examples=["csv"],
    )

    limit: int = Field(
        default=DEFAULT_LIMIT,
        ge=1,
        le=MAX_LIMIT,
        description=f"Records per page, 1 to {MAX_LIMIT}.",
        examples=[10],
    )
    offset: int = Field(default=0, ge=0, description="Records to skip.", examples=[0])
    sort: str | None = Field(
        default=None,
        description="Comma-separated fields; a leading `-` sorts descending.",
        examples=["name"],
    )


class ListMeta(BaseModel):
    total: int = Field(description="Records matching the filters, over all pages.", examples=[28])
    limit: int = Field(examples=[50])
    offset: int = Field(examples=[0])
    dataset_version: int = Field(description="Version of the dataset this page was built from.")


class ListLinks(BaseModel):
    self: str = Field(examples=["https://api.example/v1/members?limit=10"])
    next: str | None = Field(default=None, description="Absent on the last page.")
    prev: str | None = Field(default=None, description="Absent on the first page.")

    @model_serializer(mode="wrap")
    def _drop_absent(self, handler: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
        return {key: value for key, value in handler(self).items() if value is not None}


class Page(BaseModel, Generic[T]):
    data: list[T]
    meta: ListMeta
    links: ListLinks


SortKey = Callable[[Any], Any]


def sort_records(records: list[T], sort: str | None, keys: dict[str, SortKey]) -> list[T]:
    """Stable multi-key sort; `keys` maps each sortable field to a key function."""
    if not sort:
        return records
    fields = [part.strip() for part in sort.split(",") if part.strip()]
    unknown = [f for f in fields if f.lstrip("-") not in keys]
    if unknown or not fields:
        raise BadRequest(
            f"Cannot sort by {', '.join(unknown) or repr(sort)}; sortable fields: {', '.join(sorted(keys))}.",
            errors=[FieldError(field="query.sort", message="unknown sort field")],
        )
    ordered = list(records)
    for field in reversed(fields):
        descending = field.startswith("-")
        key = keys[field.lstrip("-")]
        ordered.sort(
            key=lambda r, key=key, d=descending: _nulls_last(key(r), d), reverse=descending
        )
    return ordered


def _nulls_last(value: Any, descending: bool) -> tuple[bool, Any]:
    """Records without the value go last in either direction."""
    present = value is not None
    return (present if descending else not present, value if present else 0)


def page_of(
    records: Sequence[T], *, url: URL, limit: int, offset: int, dataset_version: int
) -> Page[T]:
    total = len(records)
    links = ListLinks(self=str(url))
    if offset + limit < total:
        links.next = str(url.include_query_params(offset=offset + limit, limit=limit))
    if offset > 0:
        links.prev = str(url.include_query_params(offset=max(offset - limit, 0), limit=limit))
    return Page[T](
        data=list(records[offset : offset + limit]),
        meta=ListMeta(total=total, limit=limit, offset=offset, dataset_version=dataset_version),
        links=links,
    )
