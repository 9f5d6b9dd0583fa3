"""How a collection's curated records are stored: the tables, and how ONE record becomes rows.

Each curated collection's registry entry carries a `Storage`. The write step
(`app.writes`) is the same for every collection: it validates a record with `schema`, runs
`check` against the rest of the dataset, turns the record into rows with `rows`, adds a
citation row per entry of its `sources` and a derivation row per entry of its
`derivations` (and of the nested items `cited` names) and a review row for its `reviewed`,
and brings the tables in line. Nothing in the step knows a collection by name.

Ownership of rows:

* A row belongs to the record whose `rows` produced it. When the record changes or goes,
  its rows that it no longer produces are deleted.
* A row of a `shared` table may be produced by several records (an organization that is
  both an observer and a partner has one `organizations` row). Its producers must give it
  the same values; it stays while one of them produces it.
* Citations, derivations and review rows belong to the record (or nested item) they are
  about: a derivation is part of its record's value, like a citation.
"""

from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel
from sqlmodel import SQLModel

from app.models.citation import CitationCreate
from app.models.derivation import DerivationCreate

C = TypeVar("C", bound=BaseModel)
Values = dict[str, Any]

ANY_COLLECTION = "*"
"""In `Storage.refers_to`: the checks read records of any collection (a conflict's)."""
NOT_CITABLE = frozenset(
    {
        "sources",
        "derivations",
        "updated_at",
        "disputed",
        "reviewed",
        "last_attested",
        "needs_review",
        "review_reasons",
    }
)
"""Fields of a public record a citation's `supports` (or a derivation's `fields`) cannot
name: what footnotes a record, and what the API computes about its freshness."""
RECORD_ONLY = frozenset({"sources", "derivations", "unverified", "reviewed"})
"""Fields of a record in its data file that are stored apart from its own row (the step
stores its citations, derivations and review)."""


@dataclass(frozen=True)
class Table:
    """A table a collection writes, with what identifies a row from one run to the next."""

    model: type[SQLModel]
    key: tuple[str, ...] = ("id",)
    """The natural key: a row with the same key is the same row, updated in place."""
    fields: Mapping[str, str] = field(default_factory=dict)
    """Columns whose name differs from the field a curator writes (errors name the field)."""
    shared: bool = False
    """Several records may produce the same row (see the module's docstring)."""

    @property
    def name(self) -> str:
        return str(self.model.__tablename__)


@dataclass(frozen=True)
class Row:
    """One row a record produces."""

    model: type[SQLModel]
    values: Values
    item: str | None = None
    """A nested item the row stores (a CBM area's id): errors name `<record>.<item>`."""
    path: str | None = None
    """Where in the record the row comes from (`history.0`), for errors."""


@dataclass(frozen=True)
class Cited:
    """Something in a record that carries citations: the record itself or a nested item."""

    record_type: str
    """What the citation rows are keyed by: the collection's name for a record, another
    name for nested items (`cbm-area`, `conflict-claim`)."""
    record_id: str
    sources: list[CitationCreate]
    item: str | None = None
    """The nested item's label within the record (`transport-corridors`, `claims.0`)."""
    citable: Set[str] | None = None
    """Fields `supports` may name; None: any (a conflict's claims support its field)."""
    derivations: list[DerivationCreate] = field(default_factory=list)
    """Its fields that follow from other facts: the rule and its premises."""


class RecordError(Exception):
    """A record is wrong: raised by `rows` and `check`; the step names the file and record."""

    def __init__(self, message: str, field: str | None = None, item: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field, self.item = message, field, item


class World(Protocol):
    """The dataset as it will be once a changeset is applied, for cross-record checks."""

    def ids(self, collection: str) -> Set[str]:
        """The ids of a collection's records."""
        ...

    def get(self, collection: str, record_id: str) -> Any | None:
        """A record as its create schema holds it, or None."""
        ...

    def citable(self, collection: str) -> Set[str] | None:
        """The fields of a collection's records a citation may support; None when the
        collection's records carry no citations."""
        ...


@dataclass(frozen=True)
class Storage(Generic[C]):
    """Where a collection's curated records live and how one of them is stored."""

    file: str
    """The data file in `seed/` (`meetings.toml`); its records are under the key named
    like the file (`[[meetings]]`)."""
    schema: type[C]
    """The create schema: a data file's record and (later) a write's body."""
    tables: tuple[Table, ...]
    """Every table `rows` writes."""
    rows: Callable[[C], Iterable[Row]]
    """The rows of one record (citations and its review are added by the step)."""
    check: Callable[[C, World], None] | None = None
    """Checks against other records (a meeting's host is a member state); raises
    `RecordError`."""
    refers_to: tuple[str, ...] = ()
    """The collections `check` reads: their changes re-check this collection's records."""
    check_reads: Callable[[C], Iterable[str]] | None = None
    """With `refers_to` naming any collection: the collections `check` reads for one record
    (a conflict's, the collection of the record it is about). A write re-checks only the
    records whose check reads a collection it changed (all of them when it changes the
    sources, which every citation names); None: every record."""
    cited: Callable[[C], Iterable[Cited]] | None = None
    """Nested items with their own citations (a dimension's CBM areas); the record's own
    `sources` need not be listed."""

    @property
    def key(self) -> str:
        return self.file.removesuffix(".toml")

    def table(self, model: type[SQLModel]) -> Table:
        for table in self.tables:
            if table.model is model:
                return table
        raise ValueError(f"{self.file}: `rows` gave a row of {model.__name__}, not in `tables`")


def fields_except(record: BaseModel, *names: str) -> Values:
    """The record's fields as columns, leaving out those stored elsewhere (its citations,
    derivations and review, which the step stores) and `names`."""
    return record.model_dump(exclude={*RECORD_ONLY, *names})
