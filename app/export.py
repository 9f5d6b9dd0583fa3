"""`cica-api export DIR`: the database's records written as data files in the seed's
format (one `<collection>.toml` per stored collection, `[[<key>]]` records), so that

* seeding from DIR changes nothing (`cica-api seed --data DIR --dry-run`: no changes), and
* a maintainer's API edits can be reviewed as a diff against `seed/` and committed.

Each record is its stored value (`record_states`: the record as its create schema writes
it, what the write step compares), so the round trip is exact. Like the shipped files
(`order_from`), so a diff shows what changed: their order of records and of fields, their
TOML dates, their default `reviewed`; new records come last, by id. `null` values and
empty lists and tables are left out (TOML has no null; the schemas' defaults are empty).
The files carry no comments: a curator's notes stay in `seed/`.
"""

import datetime as dt
import json
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.models import RecordState
from app.models.dataset import DatasetVersion
from app.spec import CollectionSpec
from app.writes.step import stored_collections

BARE_KEY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class ExportError(Exception):
    """The database cannot be exported as it is (a record stored without its value)."""


@dataclass(frozen=True)
class Exported:
    files: dict[str, int]
    """Records written per file."""
    version: int


def export(
    engine: Engine,
    directory: Path,
    collections: Sequence[CollectionSpec[Any, Any]],
    *,
    order_from: Path | None = None,
) -> Exported:
    """Write every stored collection's records to `directory` (created if needed)."""
    specs = stored_collections(collections)
    with Session(engine) as session, session.begin():  # one transaction: one version
        version_row = session.get(DatasetVersion, 1)
        version = version_row.version if version_row is not None else 0
        rows = session.execute(
            select(col(RecordState.collection), col(RecordState.record_id), col(RecordState.value))
        ).all()
    values: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in specs}
    for collection, record_id, value in rows:
        if collection not in specs:
            continue
        if value is None:
            raise ExportError(
                f"{collection} {record_id} was stored before values were kept: seed once "
                "with the current code, then export"
            )
        values[collection][record_id] = value
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    for name, spec in specs.items():
        storage = spec.storage
        order, default, shipped = (
            _file_order(order_from / storage.file) if order_from is not None else ({}, None, {})
        )
        records = sorted(
            values[name].values(),
            key=lambda v: (order.get(str(v["id"]), len(order)), str(v["id"])),
        )
        text = f"# {storage.file}: exported from the database by `cica-api export`.\n\n"
        if default is not None and "reviewed" in storage.schema.model_fields:
            # The shipped file's default `reviewed`, so records that keep it show no diff.
            text += f"reviewed = {default}\n\n"
            records = [
                {k: v for k, v in r.items() if not (k == "reviewed" and v == default)}
                for r in records
            ]
        text += "\n".join(
            render_record(storage.key, record, shipped.get(str(record["id"]))) for record in records
        )
        (directory / storage.file).write_text(text, encoding="utf-8")
        written[storage.file] = len(records)
    return Exported(written, version)


def _file_order(
    path: Path,
) -> tuple[dict[str, int], str | None, dict[str, dict[str, Any]]]:
    """The position of each record id in a data file, the file's default `reviewed`, and
    each record as the file writes it (nothing if it cannot be read)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}, None, {}
    records = [
        r
        for r in next((v for v in document.values() if isinstance(v, list)), [])
        if isinstance(r, dict)
    ]
    default = document.get("reviewed")
    order = {str(r.get("id")): n for n, r in enumerate(records)}
    shipped = {str(r.get("id")): r for r in records}
    return order, default.isoformat() if isinstance(default, dt.date) else None, shipped


def render_record(
    key: str, record: Mapping[str, Any], shipped: Mapping[str, Any] | None = None
) -> str:
    """One `[[key]]` record: plain and inline values first, then each list of tables as
    `[[key.field]]` (TOML puts a table's own keys before its sub-tables). Like `shipped`
    (the record as the shipped file writes it), where given: its order of fields, and its
    dates written as TOML dates, so a diff shows only what changed."""
    shipped = shipped or {}
    lines = [f"[[{key}]]"]
    tables: list[tuple[str, list[Mapping[str, Any]]]] = []
    for name, value in _ordered(record, list(shipped)):
        if value is None or (value in ([], {}) and name != "id"):
            continue  # not given: the schema's default (checked by the round-trip tests)
        if _is_table_list(value) and not _short_rows(value):
            tables.append((name, value))
            continue
        if isinstance(shipped.get(name), dt.date) and isinstance(value, str):
            lines.append(f"{_key(name)} = {value}")  # a TOML local date, as shipped
            continue
        lines.append(f"{_key(name)} = {_value(value, multiline=True)}")
    for name, items in tables:
        for item in items:
            lines.append(f"[[{key}.{_key(name)}]]")
            lines += [
                f"{_key(field)} = {_value(each, multiline=True)}"
                for field, each in item.items()
                if each is not None
            ]
    return "\n".join(lines) + "\n"


def _ordered(record: Mapping[str, Any], first: list[str]) -> Iterable[tuple[str, Any]]:
    """`id` first, then the fields in `first`'s order, then the others in the schema's."""
    names = ["id", *first, *record]
    yield from ((name, record[name]) for name in dict.fromkeys(names) if name in record)


def _short_rows(items: list[Mapping[str, Any]]) -> bool:
    """Rows of plain values that fit a line each (a history): an inline array, as the
    curated files write them."""
    plain = all(not isinstance(v, dict | list) for item in items for v in item.values())
    return plain and all(len(_value(item)) <= 90 for item in items)


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _key(name: str) -> str:
    return name if name and set(name) <= BARE_KEY else json.dumps(name, ensure_ascii=False)


def _value(value: Any, *, multiline: bool = False) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    if isinstance(value, dict):
        inner = ", ".join(
            f"{_key(name)} = {_value(each)}" for name, each in value.items() if each is not None
        )
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list):
        if multiline and any(isinstance(each, dict | list) for each in value):
            return "[\n" + "".join(f"  {_value(each)},\n" for each in value) + "]"
        return "[" + ", ".join(_value(each) for each in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
