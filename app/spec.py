"""What a collection is: the parts a registry entry (`app.registry`) names.

A collection is served from the snapshot (`build`, `keep`, `sort_keys`, its public model and
parameters, its docs) and, when curated, stored from its data file (`storage`).
"""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlmodel import Session

from app.core.deprecation import Deprecation
from app.core.listing import CollectionParams, ObjectParams
from app.core.snapshot import Built
from app.core.storage import Storage

R = TypeVar("R", bound=BaseModel)
P = TypeVar("P", bound=CollectionParams)


@dataclass(frozen=True)
class Docs:
    tag: str
    tag_description: str
    singular: str
    """Operation id stem: `getMember`."""
    plural: str
    """Operation id stem: `listMembers`."""
    list_summary: str
    list_description: str
    get_summary: str
    get_description: str
    id_name: str
    id_description: str
    id_pattern: str
    id_example: str
    deprecation: Deprecation | None = None
    """Set when the collection's routes are deprecated (`app.core.deprecation`)."""


@dataclass(frozen=True, eq=False)
class CollectionSpec(Generic[R, P]):
    """One collection (`eq=False`: a spec is itself, hashed by identity, so a list of specs
    can key a cache)."""

    name: str
    """The URL segment, `/v1/<name>`; also what its citations, reviews, conflicts and
    change-feed entries call its records."""
    public_model: type[R]
    list_params: type[P]
    object_params: type[ObjectParams]
    build: Callable[[Session, dt.date], Sequence[Built[R]]]
    """Every record from the database, in the default order (run once per snapshot)."""
    keep: Callable[[R, P], bool]
    """The collection's own filters."""
    sort_keys: Mapping[str, Callable[[R], Any]]
    docs: Docs
    storage: Storage[Any] | None = None
    """How its curated records are stored; None for a collection derived from others."""
    searchable: bool = True
    single: bool = False
    """One record, served at `/v1/<name>` itself: no list route, no id in the path."""
    history: bool = False
    """Records are listed on the days they held a status (`as_of`)."""
    paged: Any = None
    """Read from the database a page at a time instead of held in the snapshot (the change
    feed, which only grows): an `app.services.feed_pages.FeedReader`."""
    narrow: Callable[[R, P], R] | None = None
    """Trims a kept record to what the filters asked for (the CBM areas of a coordinator)."""
    examples: Mapping[str, Any] = field(default_factory=dict)
    shows: frozenset[str] | None = None
    """The other collections whose stored rows `build` reads (a member's chairmanships,
    the sources every citation's date comes from): a change to one of them rebuilds this
    collection in an incremental snapshot (`app.core.snapshot.affected`). Rows keyed by
    record (citations, reviews, derivations) are taken to be read for the collection's own
    records only. None, the default: it shows every collection and the citations (the
    organization counts records of many), so it is rebuilt on any change. tests/test_incremental_snapshot.py checks
    the tables each builder reads against this. `app.core.snapshot.CITATIONS` among them:
    it reads the citations of every collection."""

    @property
    def citing_fields(self) -> frozenset[str] | None:
        """The fields of a stored record whose change may change its citation rows: its
        `sources`; None (any field) when nested items carry citations too (`Storage.cited`),
        as they live in fields of their own."""
        if self.storage is None:
            return frozenset()
        if self.storage.cited is not None:
            return None
        fields = self.storage.schema.model_fields
        return frozenset(f.alias or name for name, f in fields.items() if name == "sources")
