"""What every read route shares: representation, paging, sorting and search parameters,
and the list envelope.

Parameter models forbid unknown names (400) and carry the exact patterns the server
enforces, so the OpenAPI document says precisely what a request may hold.
"""

import datetime as dt
import re
from collections.abc import Iterable
from typing import Annotated, Any, Final, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from app.core.choices import choice_pattern
from app.core.errors import worded
from app.core.formats import FormatName
from app.core.text import CONTROL_CLASS, SEARCHABLE

T = TypeVar("T")

DEFAULT_LIMIT: Final = 50
MAX_LIMIT: Final = 200
MAX_OFFSET: Final = 10_000
MAX_SORT_KEYS: Final = 4

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


DATE_WORDS: Final = "must be a date written YYYY-MM-DD, such as 2021-12-31"


def _iso_date_text(value: Any) -> Any:
    """Only a real day written `YYYY-MM-DD`: no Unix timestamps, no datetimes (and an
    error that does not mention them)."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("date_format", DATE_WORDS)


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text)]


class ObjectParams(BaseModel):
    """Query parameters of every read route; unknown parameters are rejected (400)."""

    model_config = ConfigDict(extra="forbid", regex_engine="python-re")

    lang: Literal["en", "ru"] | None = Field(
        default=None,
        description="Language of `name` fields (else `Accept-Language`); English is the "
        "fallback where a name is not stored in the language asked for.",
        examples=["ru"],
    )
    fields: str | None = None
    """Each collection redeclares it with the pattern of its own field names."""


class ListParams(ObjectParams):
    """Query parameters of every list route."""

    format: FormatName | None = Field(
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
    offset: int = Field(
        default=0,
        ge=0,
        le=MAX_OFFSET,
        description=f"Records to skip, 0 to {MAX_OFFSET}.",
        examples=[0],
    )


class CollectionParams(ListParams):
    """A collection's list parameters; each collection redeclares `q`, `sort` and `fields`
    with its own examples and patterns, and adds its filters."""

    q: str | None = None
    sort: str | None = None


Q_DESCRIPTION = (
    "Search: case-, accent- and punctuation-insensitive, over names in every stored "
    "language, acronyms, aliases and ids. It must contain a letter or a digit."
)
Q_PATTERN = worded(
    rf"^[^{CONTROL_CLASS}]*{SEARCHABLE}[^{CONTROL_CLASS}]*$",
    "a query needs at least one letter or digit (punctuation alone matches nothing)",
)


def q_field(*, required: bool, example: str) -> Any:
    return Field(
        default=... if required else None,
        min_length=1,
        max_length=200,
        pattern=Q_PATTERN,
        description=Q_DESCRIPTION,
        examples=[example],
    )


def sort_field(keys: Iterable[str], *, default: str, example: str) -> Any:
    keys = sorted(keys)
    return Field(
        default=None,
        max_length=200,
        pattern=choice_pattern(keys, signed=True, most=MAX_SORT_KEYS),
        description=f"Up to {MAX_SORT_KEYS} comma-separated fields among "
        + ", ".join(f"`{k}`" for k in keys)
        + f"; a leading `-` sorts descending. Default: {default}.",
        examples=[example],
    )


def fields_field(names: Iterable[str], *, example: str) -> Any:
    names = list(names)
    return Field(
        default=None,
        max_length=500,
        pattern=choice_pattern(names, most=len(names)),
        description="Sparse fieldset: comma-separated top-level fields to return, among "
        + ", ".join(f"`{n}`" for n in names)
        + ". `id` is always included; the answer holds only the fields asked for.",
        examples=[example],
    )


class ListMeta(BaseModel):
    total: int = Field(description="Records matching the filters, over all pages.", examples=[28])
    limit: int = Field(examples=[50])
    offset: int = Field(examples=[0])
    dataset_version: int = Field(
        description="Version of the dataset this page was built from.", examples=[3]
    )
    data_as_of: dt.date | None = Field(
        default=None,
        description="The latest day a maintainer checked records of the dataset against "
        "their sources (the greatest `reviewed`); facts are known as of then.",
        examples=["2026-12-01"],
    )
    sources_until: str | None = Field(
        default=None,
        description="The date of the newest source in the dataset (the newest evidence any "
        "fact rests on), at its precision. Facts may be older than `data_as_of` suggests: "
        "a record's own `last_attested` says how old its evidence is.",
        examples=["2026-03-11"],
    )


class ListLinks(BaseModel):
    self: str = Field(examples=["http://127.0.0.1:8000/v1/members?limit=10"])
    next: str | None = Field(
        default=None,
        description="Absent on the last page.",
        examples=["http://127.0.0.1:8000/v1/members?limit=10&offset=10"],
        exclude_if=lambda v: v is None,
    )
    prev: str | None = Field(
        default=None, description="Absent on the first page.", exclude_if=lambda v: v is None
    )


class Page(BaseModel, Generic[T]):
    data: list[T]
    meta: ListMeta
    links: ListLinks
