"""The read model: an immutable snapshot of the whole dataset, one per dataset version.

The dataset is a few hundred records, read far more than written. Each process builds
every public record once per version (validated by its public schema), encodes it in
every language and format it is served in, and indexes it by id, alias and folded search
text. Requests then read one snapshot reference and never touch the database, so a
request sees one version throughout and a swap is a single assignment.
"""

import bisect
import dataclasses
import datetime as dt
import hashlib
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any, Generic, Protocol, TypeVar

import orjson
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session

from app.core.formats import Column, csv_columns, csv_header, csv_lines, csv_row
from app.core.languages import DEFAULT_LANGUAGE, LANGUAGES
from app.core.text import fold

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
REVIEW_AFTER_MONTHS = "cica.review_after_months"
"""Session-info key the services read the review setting from while a snapshot builds."""
PARTIAL_READ = "cica.partial_read"
"""Session-info key set while an incremental snapshot reads a few collections again: the
rows keyed by record (citations, reviews, derivations) are then read per record type."""
PARTIAL_SHARE = 0.5
"""An incremental build reading more than this share of the collections reads the rows
keyed by record all at once (fewer queries)."""


R = TypeVar("R", bound=BaseModel)


class Readable(Protocol):
    """What the snapshot needs of a collection (`app.spec.CollectionSpec` has it)."""

    @property
    def name(self) -> str: ...

    @property
    def public_model(self) -> type[BaseModel]: ...

    @property
    def searchable(self) -> bool: ...

    @property
    def build(self) -> Callable[[Session, dt.date], Sequence["Built[Any]"]]: ...

    @property
    def shows(self) -> frozenset[str] | None: ...

    @property
    def citing_fields(self) -> frozenset[str] | None: ...


CITATIONS = "citations"
"""Not a collection: what `shows` names for the citations of every collection (the sources
count them), and what the changed set of an incremental snapshot holds when a version may
have changed any citation (`_changed_since`)."""


@dataclass(frozen=True, slots=True)
class Interval:
    """Days a record is in its list: from `start` (None: not attested) to `end` (exclusive;
    None: still open)."""

    start: dt.date | None
    end: dt.date | None

    def holds(self, day: dt.date | None) -> bool:
        if day is None:
            return self.end is None
        return self.start is not None and self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True, slots=True)
class Built(Generic[R]):
    """What a collection's builder returns for one record."""

    record: R
    held: tuple[Interval, ...] | None = None
    """When the record belongs in the list (`as_of`); None: always."""
    aliases: tuple[str, ...] = ()
    """Other ids the record is found by (an ISO alpha-3 code, say)."""
    primary: bool = True
    """False for a past variant of a record (an earlier status): listed by `as_of`, but
    not what its id resolves to."""
    exact: tuple[str, ...] = ()
    """Texts a search matches exactly (id, acronym, codes)."""
    names: tuple[str, ...] = ()
    """Name-like texts a search matches by prefix or substring."""


@dataclass(frozen=True, slots=True)
class Item(Generic[R]):
    """A public record with everything a request needs, computed once per version."""

    record: R
    id: str
    json: Mapping[str, bytes]
    data: Mapping[str, Mapping[str, Any]]
    columns: tuple[Column, ...]
    held: tuple[Interval, ...] | None
    primary: bool
    exact: frozenset[str]
    names: tuple[str, ...]
    blob: str
    name_starts: str
    """`\x00` before every folded name: a name prefix test is one substring test."""
    sort_key: str
    """The folded English name, to order search hits."""
    built: Built[R] | None = None
    """What the builder returned: an equal one in the next version reuses this item."""
    memo: dict[Any, Any] = field(default_factory=dict)
    """Representations made on first use (a CSV line, a search hit), kept with the record
    so they go when its snapshot goes."""

    def csv(self, language: str) -> bytes:
        """The record's CSV line in `language` (CSV is asked rarely)."""
        key = ("csv", language)
        line: bytes | None = self.memo.get(key)
        if line is None:
            line = self.memo[key] = csv_lines([csv_row(self.data[language], self.columns)])
        return line

    def holds(self, day: dt.date | None) -> bool:
        held = self.held
        if held is None:
            return True
        for interval in held:  # noqa: SIM110 (a plain loop: no generator per call on the hot path)
            if interval.holds(day):
                return True
        return False

    def name(self, language: str) -> str:
        value = self.data[language].get("name") or self.data[language].get("title") or self.id
        return str(value)

    def score(self, needle: str) -> int:
        """100 exact id, code, acronym or name; 60 name prefix; 40 word prefix; 20 substring."""
        if needle not in self.blob:
            return 0
        if needle in self.exact:
            return 100
        if "\x00" + needle in self.name_starts:
            return 60
        if f" {needle}" in self.blob:
            return 40
        return 20


@dataclass(frozen=True, slots=True)
class DayIndex(Generic[R]):
    """Which items a list holds on each day, precomputed: an `as_of` request is one bisect.

    Whether an item is listed on a day (`Item.holds`) compares the day with the dates its
    intervals hold, so it can only change at such a date or the day after it. Between two
    consecutive such dates (`bounds`) the answer is the same for every day, and `spans[i]`
    holds it for the days from `bounds[i - 1]` (from the first day there is, for i = 0) up
    to `bounds[i]`, computed with `Item.holds` itself. Built from whatever dates the
    intervals carry, so it follows any change to how a period's start or end is derived."""

    bounds: tuple[dt.date, ...]
    spans: tuple[tuple[Item[R], ...], ...]
    current: tuple[Item[R], ...]
    """The items listed without `as_of`."""

    @classmethod
    def of(cls, items: Sequence[Item[R]]) -> "DayIndex[R]":
        dates: set[dt.date] = set()
        for item in items:
            for interval in item.held or ():
                for value in _dates_of(interval):
                    dates.add(value)
                    if value < dt.date.max:
                        dates.add(value + dt.timedelta(days=1))
        bounds = tuple(sorted(dates))
        starts = (dt.date.min, *bounds)
        spans = tuple(tuple(item for item in items if item.holds(day)) for day in starts)
        return cls(bounds, spans, tuple(item for item in items if item.holds(None)))

    def at(self, day: dt.date | None) -> tuple[Item[R], ...]:
        """The items `holds(day)` keeps, in their list order."""
        if day is None:
            return self.current
        return self.spans[bisect.bisect_right(self.bounds, day)]


def _dates_of(interval: Interval) -> Iterable[dt.date]:
    for each in dataclasses.fields(interval):
        value = getattr(interval, each.name)
        if isinstance(value, dt.date):
            yield value


@dataclass(frozen=True, slots=True)
class CollectionData(Generic[R]):
    items: tuple[Item[R], ...]
    by_id: Mapping[str, Item[R]]
    columns: tuple[Column, ...]
    csv_header: bytes
    by_day: DayIndex[R]

    def find(self, record_id: str) -> Item[R] | None:
        return self.by_id.get(record_id.lower())


SearchEntry = tuple[str, Item[Any]]
"""A searchable record and the name of its collection."""
GRAM = 3
"""Folded texts up to this length are keys of `SearchIndex.grams`."""


@dataclass(frozen=True)
class SearchPart:
    """One collection's share of the search index: its primary records ranked by English
    name (list order within a tie), keyed by every folded text of up to `GRAM` characters
    their search texts contain. Kept from one snapshot to the next while the collection's
    data is (`SearchIndex.of`)."""

    data: CollectionData[Any]
    entries: tuple[SearchEntry, ...]
    grams: Mapping[str, tuple[SearchEntry, ...]]

    @classmethod
    def of(cls, name: str, data: CollectionData[Any]) -> "SearchPart":
        ranked = sorted(
            (item for item in data.items if item.primary), key=lambda item: item.sort_key
        )  # stable: list order within a tie
        entries = tuple((name, item) for item in ranked)
        grams: dict[str, list[SearchEntry]] = {}
        for entry in entries:
            blob = entry[1].blob
            found = {
                blob[start : start + size]
                for size in range(1, GRAM + 1)
                for start in range(len(blob) - size + 1)
            }
            for gram in found:
                if "\x00" not in gram:  # a separator, never in a folded query
                    grams.setdefault(gram, []).append(entry)
        return cls(data, entries, {gram: tuple(found) for gram, found in grams.items()})


@dataclass(frozen=True)
class SearchIndex:
    """Every searchable record, in the order hits of equal score are ranked (collections in
    registry order, then by English name), indexed by the short texts they contain (one
    `SearchPart` per collection): a query of up to `GRAM` characters finds its candidates
    with one lookup per collection, a longer one tests only the records holding its first
    `GRAM` characters."""

    parts: tuple[tuple[str, SearchPart], ...]

    @classmethod
    def of(
        cls,
        collections: Sequence[tuple[str, CollectionData[Any]]],
        previous: "SearchIndex | None" = None,
    ) -> "SearchIndex":
        """The index of `collections`, reusing the parts of `previous` whose collection
        data is the same object (an incremental snapshot keeps unaffected collections)."""
        kept = dict(previous.parts) if previous is not None else {}
        parts = []
        for name, data in collections:
            part = kept.get(name)
            if part is None or part.data is not data:
                part = SearchPart.of(name, data)
            parts.append((name, part))
        return cls(tuple(parts))

    @property
    def entries(self) -> tuple[SearchEntry, ...]:
        return tuple(entry for _, part in self.parts for entry in part.entries)

    def candidates(self, needle: str) -> Sequence[SearchEntry]:
        """Entries whose search texts contain `needle` (folded), in `entries` order."""
        key = needle[:GRAM]
        found = [entry for _, part in self.parts for entry in part.grams.get(key, ())]
        if len(needle) <= GRAM:
            return found
        return [entry for entry in found if needle in entry[1].blob]


@dataclass(frozen=True)
class Snapshot:
    version: int
    last_modified: dt.datetime
    day: dt.date
    """The day date-dependent fields (the current chair, statuses today) were computed for."""
    collections: Mapping[str, CollectionData[Any]]
    build_seconds: float
    search: SearchIndex
    data_as_of: dt.date | None = None
    """The latest day any record was checked against its sources (`reviewed`)."""
    sources_until: str | None = None
    """The date of the newest source in the dataset (the newest evidence)."""
    record_tags: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """(collection, id) -> `value_tag` of the record as stored: the first part of its
    detail's ETag, which `If-Match` on a write is checked against (`app.writes.preconditions`)."""
    rebuilt: tuple[str, ...] = ()
    """The collections read from the database for this snapshot (all, unless incremental)."""
    last_modified_http: str = field(init=False)
    last_modified_raw: bytes = field(init=False)
    version_raw: bytes = field(init=False)
    """`Last-Modified` and `X-Dataset-Version` as header values."""
    tag: str = field(init=False)
    """Identifies what the snapshot's representations depend on, for ETags."""

    def __post_init__(self) -> None:
        http_date = format_datetime(self.last_modified, usegmt=True)
        object.__setattr__(self, "last_modified_http", http_date)
        object.__setattr__(self, "last_modified_raw", http_date.encode("latin-1"))
        object.__setattr__(self, "version_raw", str(self.version).encode())
        object.__setattr__(self, "tag", f"{self.version}.{self.day:%Y%m%d}")

    def get(self, spec: Readable) -> CollectionData[Any]:
        return self.collections[spec.name]

    @property
    def records(self) -> int:
        return sum(len(c.items) for c in self.collections.values())


def localise(record: dict[str, Any], language: str) -> dict[str, Any]:
    """`name` from the `names` map in the language asked for, English as fallback."""
    names = record.get("names")
    if isinstance(names, dict) and names:
        record["name"] = names.get(language) or names.get(DEFAULT_LANGUAGE, record.get("name"))
    return record


def _item(built: Built[R], columns: Sequence[Column]) -> Item[R]:
    plain = built.record.model_dump(mode="json", by_alias=True)
    data: dict[str, Mapping[str, Any]] = {}
    encoded: dict[str, bytes] = {}
    for language in LANGUAGES:
        localised = localise(dict(plain), language)
        same = next((lang for lang in data if data[lang] == localised), None)
        if same is not None:
            data[language], encoded[language] = data[same], encoded[same]
            continue
        data[language] = localised
        encoded[language] = orjson.dumps(localised)
    record_id = str(plain["id"])
    exact = frozenset(fold(text) for text in (record_id, *built.exact) if text)
    names = tuple(n for n in (fold(text) for text in built.names if text) if n)
    return Item(
        record=built.record,
        id=record_id,
        json=encoded,
        data=data,
        columns=tuple(columns),
        held=built.held,
        primary=built.primary,
        exact=exact,
        names=names,
        blob=" " + "\x00 ".join((*sorted(exact), *names)),
        name_starts="".join("\x00" + name for name in names),
        sort_key=fold(str(data[DEFAULT_LANGUAGE].get("name") or plain.get("title") or record_id)),
        built=built,
    )


def collection_data(
    built: Iterable[Built[R]],
    model: type[BaseModel],
    previous: CollectionData[R] | None = None,
) -> CollectionData[R]:
    """The collection's items, indexed. An item of `previous` whose builder output equals
    the new one is reused (its encodings are what they would be made again); when all are,
    in the same order, `previous` itself is returned, so everything kept with it (its
    search index part, say) is kept too."""
    columns = tuple(csv_columns(model)) if previous is None else previous.columns
    reusable: dict[str, list[Item[R]]] = {}
    for old in previous.items if previous is not None else ():
        reusable.setdefault(old.id, []).append(old)
    items: list[Item[R]] = []
    by_id: dict[str, Item[R]] = {}
    for entry in built:
        item = _reused(entry, reusable) or _item(entry, columns)
        items.append(item)
        if entry.primary:
            for key in (item.id, *entry.aliases):
                by_id[key.lower()] = item
    if (
        previous is not None
        and len(items) == len(previous.items)
        and all(new is old for new, old in zip(items, previous.items, strict=True))
    ):
        return previous
    return CollectionData(tuple(items), by_id, columns, csv_header(columns), DayIndex.of(items))


def _reused(entry: Built[R], reusable: Mapping[str, list[Item[R]]]) -> Item[R] | None:
    record_id = getattr(entry.record, "id", None)
    for old in reusable.get(str(record_id), ()):
        if old.built == entry:
            return old
    return None


def read_version(session: Session) -> tuple[int, dt.datetime]:
    from app.models import DatasetVersion

    row = session.get(DatasetVersion, 1)
    if row is None:
        return 0, EPOCH
    modified = row.updated_at
    if modified.tzinfo is None:  # SQLite hands back naive datetimes
        modified = modified.replace(tzinfo=dt.UTC)
    return row.version, modified.astimezone(dt.UTC).replace(microsecond=0)


def read_version_of(engine: Engine) -> int:
    with Session(engine) as session:
        return read_version(session)[0]


def build_snapshot(
    engine: Engine,
    specs: Sequence[Readable],
    *,
    today: Callable[[], dt.date] = dt.date.today,
    review_after_months: int | None = None,
    previous: "Snapshot | None" = None,
) -> Snapshot:
    """Read the dataset in one session (one transaction, so one version) and index it.

    Given the `previous` snapshot (built by the same `specs` and settings), only the
    collections the versions since it changed are read again, with those that show them
    (`affected`); the rest is kept as it was. What changed is learnt from the change feed;
    a version without feed entries, a gap, or a new day reads everything, as does no
    `previous`. Either way the result equals a full build (tests/test_incremental_snapshot.py).

    `review_after_months` is how long a current state may go unattested before a record
    `needs_review` (the services' default when None)."""
    started = time.perf_counter()
    day = today()
    with Session(engine) as session, session.begin():
        if review_after_months is not None:
            session.info[REVIEW_AFTER_MONTHS] = review_after_months
        version, modified = read_version(session)
        changed = _changed_since(session, previous, version, day, specs)
        rebuilt = [spec for spec in specs if changed is None or affected(spec, changed)]
        session.info[PARTIAL_READ] = len(rebuilt) <= PARTIAL_SHARE * len(specs)
        raw = {spec.name: spec.build(session, day) for spec in rebuilt}
        tags = read_record_tags(session, None if changed is None else changed - {CITATIONS})
    collections: dict[str, CollectionData[Any]] = {}
    for spec in specs:
        if spec.name in raw:
            before = previous.collections.get(spec.name) if previous and changed else None
            collections[spec.name] = collection_data(raw[spec.name], spec.public_model, before)
        else:
            assert previous is not None
            collections[spec.name] = previous.collections[spec.name]
    reused: SearchIndex | None = None
    if previous is not None and changed is not None:
        kept = {key: tag for key, tag in previous.record_tags.items() if key[0] not in changed}
        tags = kept | tags
        reused = previous.search
    searchable = [(spec.name, collections[spec.name]) for spec in specs if spec.searchable]
    return Snapshot(
        version=version,
        last_modified=modified,
        day=day,
        collections=collections,
        search=SearchIndex.of(searchable, reused),
        build_seconds=time.perf_counter() - started,
        data_as_of=_latest_review(collections.values()),
        sources_until=_newest_source(collections.get("sources")),
        record_tags=tags,
        rebuilt=tuple(raw),
    )


def affected(spec: Readable, changed: Collection[str]) -> bool:
    """Whether `spec`'s records may differ once the collections `changed` have (and the
    citations, if `changed` holds `CITATIONS`): it is one of them, or shows one of them
    (`shows`; None: it shows every collection and the citations)."""
    shows = spec.shows
    return shows is None or spec.name in changed or not shows.isdisjoint(changed)


def _changed_since(
    session: Session,
    previous: "Snapshot | None",
    version: int,
    day: dt.date,
    specs: Sequence[Readable],
) -> frozenset[str] | None:
    """The collections the change feed names for the versions after `previous` up to
    `version`, with `CITATIONS` when an entry may have changed citations (`cites`); None
    when everything must be read (no previous, a new day, other collections, or a version
    the feed has no entry for)."""
    if previous is None or previous.day != day or previous.version >= version:
        return None
    if set(previous.collections) != {spec.name for spec in specs}:
        return None
    from sqlalchemy import select
    from sqlmodel import col

    from app.models import Change

    rows = session.execute(
        select(
            col(Change.version), col(Change.collection), col(Change.action), col(Change.fields)
        ).where(col(Change.version) > previous.version, col(Change.version) <= version)
    ).all()
    if {row[0] for row in rows} != set(range(previous.version + 1, version + 1)):
        return None
    citing = {spec.name: spec.citing_fields for spec in specs}
    changed = {row[1] for row in rows}
    if any(cites(citing.get(row[1]), row[2], row[3]) for row in rows):
        changed.add(CITATIONS)
    return frozenset(changed)


def cites(citing_fields: frozenset[str] | None, action: str, fields: Sequence[str]) -> bool:
    """Whether a feed entry may have changed its collection's citations: a created or
    deleted record, or an update of a field that carries them (`citing_fields`; None: any
    field, as for a collection whose nested items carry citations)."""
    if action != "updated" or citing_fields is None:
        return True
    return not citing_fields.isdisjoint(fields)


def value_tag(value: Mapping[str, Any] | None) -> str:
    """A short digest of a record's stored value (its create schema's JSON): what a
    precondition on a write compares, under the writers' lock, with the `If-Match` sent."""
    if value is None:
        return "0"
    encoded = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(encoded, digest_size=6).hexdigest()


def read_record_tags(
    session: Session, collections: Collection[str] | None = None
) -> dict[tuple[str, str], str]:
    """Every stored record's `value_tag` (of `collections` only, if given), in the
    snapshot's transaction."""
    from sqlalchemy import select
    from sqlmodel import col

    from app.models import RecordState

    query = select(col(RecordState.collection), col(RecordState.record_id), col(RecordState.value))
    if collections is not None:
        query = query.where(col(RecordState.collection).in_(sorted(collections)))
    rows = session.execute(query)
    return {(collection, record_id): value_tag(value) for collection, record_id, value in rows}


def _latest_review(collections: Iterable[CollectionData[Any]]) -> dt.date | None:
    reviewed: list[dt.date] = [
        item.record.reviewed
        for data in collections
        for item in data.items
        if getattr(item.record, "reviewed", None)
    ]
    return max(reviewed, default=None)


def _newest_source(sources: CollectionData[Any] | None) -> str | None:
    """The newest source date: latest last day, the more precise date on a tie."""
    from app.models.base import last_day

    items = sources.items if sources is not None else ()
    dates: list[str] = [i.record.date for i in items if getattr(i.record, "date", None)]
    return max(dates, key=lambda value: (last_day(value), len(value)), default=None)


def fingerprint(*parts: str) -> str:
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=8).hexdigest()
