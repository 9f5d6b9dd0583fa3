"""Representations: the media types the API serves, how `Accept` picks one, and renderers.

This is the one place that maps a format name to its media type and its renderer. CSV
columns come from the public schema, never from whichever record happens to come first.
"""

import csv
import io
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import orjson
from pydantic import BaseModel

from app.core.errors import NotAcceptable
from app.core.languages import LANGUAGES

FormatName = Literal["json", "csv", "ndjson"]


@dataclass(frozen=True)
class Format:
    name: FormatName
    media_type: str
    accepts: tuple[str, ...]
    """`Accept` media ranges answered with this format."""


JSON = Format(
    "json",
    "application/json",
    ("application/json", "application/*", "*/*", "application/problem+json"),
)
CSV = Format("csv", "text/csv; charset=utf-8", ("text/csv", "text/*"))
NDJSON = Format(
    "ndjson",
    "application/x-ndjson",
    ("application/x-ndjson", "application/ndjson", "application/jsonl"),
)
FORMATS: Final[dict[str, Format]] = {f.name: f for f in (JSON, CSV, NDJSON)}
LIST_FORMATS: Final = ("json", "csv", "ndjson")
OBJECT_FORMATS: Final = ("json",)
_BY_MEDIA_RANGE: dict[str, str] = {media: f.name for f in FORMATS.values() for media in f.accepts}
ACCEPT_LIMIT: Final = 512
_MAX_RANGES: Final = 16

Preferences = tuple[str, ...] | None
"""Formats in the order `Accept` prefers them; None when the header is absent."""


def accept_preferences(accept: str | None) -> Preferences:
    """Every format `Accept` admits, best first. Two headers with the same preferences get
    the same answer from every route, so a cache may key on this instead of the header."""
    if accept is None:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept[:ACCEPT_LIMIT].split(",")[:_MAX_RANGES]):
        media, _, params = part.strip().partition(";")
        offered = _BY_MEDIA_RANGE.get(media.strip().lower())
        if offered is None:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, offered))
    seen: dict[str, None] = {}
    for _, _, choice in sorted(ranked):
        seen.setdefault(choice)
    return tuple(seen)


def negotiate_format(
    requested: str | None, preferences: Preferences, allowed: Sequence[str]
) -> Format:
    """`?format=` wins; else the best format `Accept` admits among `allowed`; else 406."""
    if requested:
        if requested not in allowed:
            raise NotAcceptable(f"This route serves {', '.join(allowed)}, not {requested}.")
        return FORMATS[requested]
    if preferences is None:
        return JSON
    for name in preferences:
        if name in allowed:
            return FORMATS[name]
    served = ", ".join(FORMATS[name].media_type.split(";")[0] for name in allowed)
    raise NotAcceptable(f"None of the media types in Accept is served here; try {served}.")


def render_json(document: Any) -> bytes:
    return orjson.dumps(document)


# --- CSV -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    path: tuple[str, ...]
    as_json: bool = False


def _strip_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def csv_columns(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[Column]:
    """Columns of a public schema: nested objects become dotted columns (`names.ru`), lists
    of plain values one `|`-joined column, lists of objects one column of JSON text."""
    columns: list[Column] = []
    for name, info in model.model_fields.items():
        key = info.serialization_alias or name
        path = (*prefix, key)
        annotation = _strip_optional(info.annotation)
        origin = typing.get_origin(annotation)
        if _is_model(annotation):
            columns += csv_columns(annotation, path)
        elif origin is dict:
            columns += [Column(".".join((*path, lang)), (*path, lang)) for lang in LANGUAGES]
        elif origin is list and _is_model(_strip_optional(typing.get_args(annotation)[0])):
            columns.append(Column(".".join(path), path, as_json=True))
        else:
            columns.append(Column(".".join(path), path))
    return columns


def _cell(record: Mapping[str, Any], column: Column) -> str:
    value: Any = record
    for key in column.path:
        if not isinstance(value, Mapping):
            return ""
        value = value.get(key)
    if value is None:
        return ""
    if column.as_json:
        return orjson.dumps(value).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "|".join("" if v is None else str(v) for v in value)
    if isinstance(value, dict):
        return orjson.dumps(value).decode()
    return str(value)


def csv_lines(rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode()


def csv_row(record: Mapping[str, Any], columns: Sequence[Column]) -> list[str]:
    return [_cell(record, column) for column in columns]


def csv_header(columns: Sequence[Column]) -> bytes:
    return csv_lines([[c.header for c in columns]])
