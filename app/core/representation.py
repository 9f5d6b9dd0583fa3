"""Representations: format and language negotiation, sparse fieldsets, CSV and NDJSON.

Routes build plain JSON-ready dicts once; this module turns them into the representation
asked for. Every function here is pure, so the response cache can store its output.
"""

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from app.core.errors import BadRequest, FieldError, NotAcceptable

Format = Literal["json", "csv", "ndjson"]
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson",
}
_ACCEPTED: dict[str, str] = {
    "application/json": "json",
    "application/*": "json",
    "*/*": "json",
    "text/csv": "csv",
    "text/*": "csv",
    "application/x-ndjson": "ndjson",
    "application/ndjson": "ndjson",
    "application/jsonl": "ndjson",
    "application/problem+json": "json",
}
LANGUAGES = ("en", "ru")
DEFAULT_LANGUAGE = "en"


def negotiate_format(requested: str | None, accept: str | None, *, allowed: Sequence[str]) -> str:
    """`?format=` wins; else the best media type of `Accept` we serve; else 406."""
    if requested:
        if requested not in allowed:
            raise NotAcceptable(f"This route serves {', '.join(allowed)}, not {requested}.")
        return requested
    if not accept:
        return "json"
    offers = []
    for position, part in enumerate(accept.split(",")):
        media, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        fmt = _ACCEPTED.get(media.strip().lower())
        if fmt in allowed and quality > 0:
            offers.append((-quality, position, fmt))
    if not offers:
        served = ", ".join(MEDIA_TYPES[f].split(";")[0] for f in allowed)
        raise NotAcceptable(f"None of the media types in Accept is served here; try {served}.")
    return min(offers)[2]


def negotiate_language(requested: str | None, accept_language: str | None) -> str:
    """`?lang=` wins, then the first supported tag of `Accept-Language`; English otherwise."""
    candidates = [requested] if requested else []
    if accept_language:
        ranked = []
        for position, part in enumerate(accept_language.split(",")):
            tag, _, params = part.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            if quality > 0:
                ranked.append((-quality, position, tag.strip().lower()))
        candidates += [tag for _, _, tag in sorted(ranked)]
    for tag in candidates:
        primary = tag.split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def localise(record: dict[str, Any], language: str) -> dict[str, Any]:
    """Set `name` (here and in nested objects) from the `names` map, English as fallback."""
    names = record.get("names")
    if isinstance(names, dict) and names:
        record["name"] = names.get(language) or names.get(DEFAULT_LANGUAGE, record.get("name"))
    return record


def parse_fields(fields: str | None, allowed: Iterable[str]) -> list[str] | None:
    """`fields=id,name` -> ["id", "name"]; an unknown field is a 400."""
    if fields is None:
        return None
    names = [f.strip() for f in fields.split(",") if f.strip()]
    allowed_set = set(allowed)
    unknown = [n for n in names if n not in allowed_set]
    if unknown or not names:
        raise BadRequest(
            f"Unknown field(s) {', '.join(unknown) or repr(fields)}; "
            f"available: {', '.join(sorted(allowed_set))}.",
            errors=[FieldError(field="query.fields", message="unknown field")],
        )
    return names


def select_fields(record: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    if fields is None:
        return record
    return {name: record[name] for name in fields if name in record}


def render_json(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def render_ndjson(records: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(render_json(record) + b"\n" for record in records)


def flatten(record: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested values, predictably: objects become dotted columns (`names.en`), lists of
    plain values are joined with `|`, lists of objects are kept as JSON text."""
    flat: dict[str, str] = {}
    for key, value in record.items():
        column = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, column + "."))
        elif isinstance(value, list):
            if all(not isinstance(v, dict | list) for v in value):
                flat[column] = "|".join("" if v is None else str(v) for v in value)
            else:
                flat[column] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        elif value is None:
            flat[column] = ""
        elif isinstance(value, bool):
            flat[column] = "true" if value else "false"
        else:
            flat[column] = str(value)
    return flat


def render_csv(records: Sequence[dict[str, Any]]) -> bytes:
    """A header row, then one row per record; columns in first-seen order."""
    rows = [flatten(record) for record in records]
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()
