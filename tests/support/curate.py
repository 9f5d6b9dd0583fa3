"""Edits a curator makes, on a test's copy of the data files: each found by its record,
and its record chosen by what the files say, so no test depends on a value a curator may
change (tests/support/data.py reads the files)."""

import datetime as dt
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.registry import COLLECTIONS
from seed import SEED_DIR
from tests.support import data


def block(text: str, key: str, record_id: str) -> tuple[int, int]:
    """Where record `record_id` of the `[[key]]` array is in a data file's text: from its
    header to the next record's header (or the end)."""
    header = f'[[{key}]]\nid = "{record_id}"\n'
    start = text.index(header)
    following = text.find(f"\n[[{key}]]\n", start + len(header))
    return start, len(text) if following == -1 else following + 1


def edit_record(path: Path, key: str, record_id: str, old: str, new: str) -> None:
    """Replace `old` (which must occur once in the record) with `new`."""
    text = path.read_text(encoding="utf-8")
    start, end = block(text, key, record_id)
    part = text[start:end]
    assert part.count(old) == 1, (
        f"{path.name}, record {record_id}: {old!r} occurs {part.count(old)} times"
    )
    path.write_text(text[:start] + part.replace(old, new) + text[end:], encoding="utf-8")


def member_joined_on_a_day() -> Any:
    """The first member that joined after the founding (no other status before), whose
    join date is given to the day and that no conflict is about: its date can be made
    less precise (`2022-10-13` -> `2022-10`) without contradicting another record, period
    or the founding date."""
    return next(
        m
        for m in data.records("members")
        if len(m.history) == 1
        and not m.founding_member
        and (data.joined(m) or "").count("-") == 2
        and m.id not in data.conflicted("members")
    )


def reduce_join_precision(seed_dir: Path) -> tuple[str, str, str]:
    """A member's join date given to the month only: (member id, old date, new date)."""
    member = member_joined_on_a_day()
    old = data.joined(member)
    assert old is not None
    new = old[:7]
    edit_record(
        seed_dir / "members.toml", "members", member.id, f'from = "{old}"', f'from = "{new}"'
    )
    return member.id, old, new


def later_than_any_review() -> str:
    """A `reviewed` day after every one in the data: setting it is always a change."""
    return (data.latest_reviewed() + dt.timedelta(days=1)).isoformat()


def set_reviewed(path: Path, key: str, record_id: str, day: str) -> None:
    """Give a record its own `reviewed` day (replacing one it has)."""
    text = path.read_text(encoding="utf-8")
    start, end = block(text, key, record_id)
    part = text[start:end]
    own = re.compile(r'^reviewed = "?[0-9-]+"?$', re.MULTILINE)
    if own.search(part):
        part = own.sub(f"reviewed = {day}", part, count=1)
    else:
        header = f'[[{key}]]\nid = "{record_id}"\n'
        part = part.replace(header, f"{header}reviewed = {day}\n", 1)
    path.write_text(text[:start] + part + text[end:], encoding="utf-8")


def drop_record_reviews(path: Path) -> None:
    """Remove every record's own `reviewed`, leaving the file's default."""
    text = path.read_text(encoding="utf-8")
    first = text.index("\n[[")
    records = re.sub(r'^reviewed = "?[0-9-]+"?\n', "", text[first:], flags=re.MULTILINE)
    path.write_text(text[:first] + records, encoding="utf-8")


def label(path: Path, key: str, record_id: str) -> str:
    """How a seed error names a record it cannot validate: its id and place in the file."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))[key]
    index = next(i for i, r in enumerate(raw) if r.get("id") == record_id)
    return f"{record_id} (#{index + 1})"


def by_position(collection: str) -> list[str]:
    """Ids of a collection with positions (reform areas, CBM dimensions), in their order."""
    return [r.id for r in sorted(data.records(collection), key=lambda r: r.position)]


def set_positions(path: Path, key: str, positions: dict[str, int]) -> None:
    """Give records new positions, as a curator reorders them."""
    for record_id, position in positions.items():
        text = path.read_text(encoding="utf-8")
        start, end = block(text, key, record_id)
        part, count = re.subn(
            r"^position = \d+$",
            f"position = {position}",
            text[start:end],
            count=1,
            flags=re.MULTILINE,
        )
        assert count == 1, record_id
        path.write_text(text[:start] + part + text[end:], encoding="utf-8")


@dataclass(frozen=True)
class CitedQuote:
    """A record's citation of a source document, as written in its data file."""

    file: str
    key: str
    record_id: str
    position: int
    source_id: str
    quote: str

    def replace(self, seed_dir: Path, quote: str) -> None:
        """Give the citation another quote, in `seed_dir`'s copy of its file."""
        edit_record(
            seed_dir / self.file,
            self.key,
            self.record_id,
            f"quote = {_toml_string(self.quote)}\n",
            f"quote = {_toml_string(quote)}\n",
        )


def cited_quotes(seed_dir: Path = SEED_DIR) -> Iterator[CitedQuote]:
    """Every record's citation of a source document whose quote its record cites once."""
    documents = data.seed_documents()
    for spec in COLLECTIONS:
        storage = spec.storage
        if storage is None or "sources" not in storage.schema.model_fields:
            continue  # not a collection of cited records
        text = (seed_dir / storage.file).read_text(encoding="utf-8")
        for record in data.records(spec.name):
            start, end = block(text, storage.key, record.id)
            for position, citation in enumerate(record.sources):
                if citation.source_id not in documents or not _plain(citation.quote):
                    continue
                line = f"quote = {_toml_string(citation.quote)}\n"
                if text[start:end].count(line) == 1:
                    yield CitedQuote(
                        storage.file,
                        storage.key,
                        record.id,
                        position,
                        citation.source_id,
                        citation.quote,
                    )


MONTHS = [
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
]


def altered_by_one_word(quote: str) -> str:
    """The quote with one word changed as a careless edit would (`June 2002` -> `July
    2002`): a month becomes the next month, else a year the next year, else a word its
    reverse."""
    for index, month in enumerate(MONTHS):
        if re.search(rf"\b{month}\b", quote):
            return re.sub(rf"\b{month}\b", MONTHS[(index + 1) % 12], quote, count=1)
    if year := re.search(r"\b(19|20)\d\d\b", quote):
        return quote[: year.start()] + str(int(year.group()) + 1) + quote[year.end() :]
    word = max(re.findall(r"[A-Za-z]{4,}", quote), key=len)
    return quote.replace(word, word[::-1], 1)


def _plain(value: str) -> bool:
    """Written as a TOML basic string without escapes."""
    return '"' not in value and "\\" not in value


def _toml_string(value: str) -> str:
    assert _plain(value), value
    return f'"{value}"'
