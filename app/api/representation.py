"""Turning snapshot items into HTTP representations: the list envelope, CSV, NDJSON, sparse
fieldsets, languages, links from the configured public URL, and the validators.

Every absolute URL comes from `CICA_PUBLIC_URL`; nothing a client sends in a header shapes a
body. A list's strong ETag is derived from the snapshot it was built from and its canonical
request (path, validated parameters in a canonical order, negotiated format and language),
so it is the same on every replica and costs nothing to compute. A record's detail ETag
follows the bytes it serves instead (`detail_etag`): an edit of another record that changes
nothing it shows keeps it, so a client's 304 and a maintainer's `If-Match` stay valid.
"""

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote_plus

import orjson
from fastapi import Request, Response
from pydantic import BaseModel

from app.core.cache import CANONICAL_KEY
from app.core.errors import ServiceUnavailable
from app.core.formats import (
    CSV,
    FORMATS,
    JSON,
    Format,
    accept_preferences,
    csv_header,
    csv_lines,
    csv_row,
    negotiate_format,
)
from app.core.http import CACHE_CONTROL, VARY
from app.core.languages import negotiate_language
from app.core.listing import ListParams, ObjectParams
from app.core.request_headers import request_headers
from app.core.snapshot import Item, Snapshot, fingerprint, localise

Query = list[tuple[str, str]]
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9_.~-]")
CACHE_CONTROL_RAW: Final = CACHE_CONTROL.encode()
VARY_RAW: Final = VARY.encode()
_CONTENT_TYPES: Final = {
    # What Starlette's Response makes of a media type.
    f.name: (
        f.media_type
        + (
            "; charset=utf-8"
            if f.media_type.startswith("text/") and "charset=" not in f.media_type.lower()
            else ""
        )
    ).encode("latin-1")
    for f in FORMATS.values()
}


def query_text(query: Query) -> str:
    """`urllib.parse.urlencode(query)`, skipping the quoting of plain values (most are)."""
    return "&".join(f"{_quoted(name)}={_quoted(value)}" for name, value in query)


def _quoted(text: str) -> str:
    return quote_plus(text) if _NOT_PLAIN.search(text) else text


@dataclass(frozen=True)
class Site:
    """What representations depend on besides the data: the public base URL and the build."""

    public_url: str
    build: str

    def url(self, path: str, query: Query | None = None) -> str:
        return self.public_url + path + (f"?{query_text(query)}" if query else "")


def site(request: Request) -> Site:
    value: Site = request.app.state.site
    return value


def snapshot(request: Request) -> Snapshot:
    """The snapshot this request reads throughout; 503 until the first one is loaded."""
    current: Snapshot | None = request.app.state.read_model.current
    if current is None:
        raise ServiceUnavailable("The dataset is not loaded yet; try again shortly.")
    return current


def canonical_query(params: BaseModel) -> Query:
    """Validated parameters that differ from their defaults, by name, as text."""
    pairs = []
    fields = type(params).model_fields
    for name in sorted(params.model_fields_set):
        value = getattr(params, name)
        if value is None or value == fields[name].default:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif hasattr(value, "isoformat"):
            text = value.isoformat()
        else:
            text = str(value)
        pairs.append((name, text))
    return pairs


def selected_fields(fields: str | None) -> list[str] | None:
    """`fields=name,joined` -> ["id", "name", "joined"]: `id` always comes first."""
    if fields is None:
        return None
    return list(dict.fromkeys(["id", *(f.strip() for f in fields.split(","))]))


def negotiated(
    request: Request, params: ObjectParams, requested: str | None, allowed: Sequence[str]
) -> tuple[Format, str]:
    """The format and language of the answer, from the query and the edge's reading of
    `Accept` and `Accept-Language` (the values the response cache keys on)."""
    headers = request_headers(request.scope)
    fmt = negotiate_format(requested, accept_preferences(headers.accept), allowed)
    return fmt, negotiate_language(params.lang, headers.accept_language)


class RawResponse(Response):
    """A response whose header list is built by the caller, as Starlette would build it
    (the given headers, then `content-length` and `content-type`), without its per-header
    work."""

    def __init__(self, body: bytes, raw_headers: list[tuple[bytes, bytes]]) -> None:
        self.status_code = 200
        self.background = None
        self.body = body
        self.raw_headers = raw_headers


def respond(
    request: Request,
    current: Snapshot,
    *,
    path: str,
    query: Query,
    fmt: Format,
    language: str | None,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    etag: Callable[[str], str] | None = None,
) -> Response:
    """A cacheable representation with its validators and caching headers; `etag` makes
    the ETag from the canonical request (default: the snapshot's tag and the request's)."""
    canonical = canonical_request(path, query, fmt, language)
    request.scope.setdefault("state", {})[CANONICAL_KEY] = canonical
    if etag is None:
        tag = f'"{current.tag}-{fingerprint(site(request).build, canonical)}"'
    else:
        tag = etag(canonical)
    raw = [
        (b"etag", tag.encode()),
        (b"last-modified", current.last_modified_raw),
        (b"cache-control", CACHE_CONTROL_RAW),
        (b"vary", VARY_RAW),
        (b"x-dataset-version", current.version_raw),
    ]
    if headers:
        raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    if language:
        raw.append((b"content-language", language.encode("latin-1")))
    raw.append((b"content-length", str(len(body)).encode()))
    raw.append((b"content-type", _CONTENT_TYPES[fmt.name]))
    return RawResponse(body, raw)


def canonical_request(path: str, query: Query, fmt: Format, language: str | None) -> str:
    return f"{path}?{query_text(query)}|{fmt.name}|{language or ''}"


def detail_etag(
    request: Request, current: Snapshot, collection: str, record: "View", body: bytes
) -> Callable[[str], str]:
    """The ETag of a record's detail: `"<value tag>-<digest>"`. The value tag digests the
    record as stored (`Snapshot.record_tags`): `If-Match` on a write is checked against it,
    under the writers' lock. The digest covers the canonical request and the bytes served
    (what the detail shows of other records included), computed once per record and
    language while its snapshot lives."""
    item = record.item
    if item is not None and body is record.json:
        key = ("digest", record.language)
        digest: str | None = item.memo.get(key)
        if digest is None:
            digest = item.memo[key] = body_digest(body)
    else:
        digest = body_digest(body)
    record_id = item.id if item is not None else str(record.data.get("id"))
    own = current.record_tags.get((collection, record_id), "0")
    build = site(request).build

    def etag(canonical: str) -> str:
        return f'"{own}-{fingerprint(build, canonical, digest)}"'

    return etag


def body_digest(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=8).hexdigest()


@dataclass(frozen=True, slots=True)
class View:
    """One record as a request sees it: pre-encoded, unless a filter trimmed it."""

    json: bytes
    data: Mapping[str, Any]
    item: Item[Any] | None = None
    language: str = ""

    def csv(self) -> bytes | None:
        """The pre-rendered CSV line of an untrimmed record."""
        return self.item.csv(self.language) if self.item is not None else None


def view(item: Item[Any], language: str, record: BaseModel | None = None) -> View:
    if record is None or record is item.record:
        return View(item.json[language], item.data[language], item, language)
    data = localise(record.model_dump(mode="json", by_alias=True), language)
    return View(orjson.dumps(data), data)


def render_records(
    views: Sequence[View], fmt: Format, fields: list[str] | None, columns: Sequence[Any]
) -> Iterable[bytes]:
    """The records of a page in `fmt`, whole or sparse."""
    if fmt is CSV:
        chosen = [c for c in columns if fields is None or c.path[0] in fields]
        yield csv_header(chosen)
        lines = [v.csv() for v in views] if fields is None else []
        if fields is None and all(line is not None for line in lines):
            yield from (line for line in lines if line is not None)
        else:
            yield csv_lines(csv_row(v.data, chosen) for v in views)
        return
    for v in views:
        yield (
            v.json
            if fields is None
            else orjson.dumps({k: v.data[k] for k in fields if k in v.data})
        )


def list_body(
    records: Iterable[bytes], *, fmt: Format, meta: Mapping[str, Any], links: Mapping[str, str]
) -> bytes:
    """A page's body from its records, already rendered in `fmt`."""
    if fmt is JSON:
        return (
            b'{"data":['
            + b",".join(records)
            + b'],"meta":'
            + orjson.dumps(meta)
            + b',"links":'
            + orjson.dumps(links)
            + b"}"
        )
    if fmt is CSV:
        return b"".join(records)
    return b"".join(p + b"\n" for p in records)


def page_links(
    request: Request, path: str, query: Query, *, offset: int, limit: int, total: int
) -> dict[str, str]:
    """`self`, and `next` and `prev` where there are such pages (the `ListLinks` shape)."""
    here = site(request)

    def at(new_offset: int) -> str:
        pairs = [(k, v) for k, v in query if k not in ("offset", "limit")]
        pairs += [("limit", str(limit)), ("offset", str(new_offset))]
        return here.url(path, sorted(pairs))

    links = {"self": here.url(path, query)}
    if offset + limit < total:
        links["next"] = at(offset + limit)
    if offset > 0:
        links["prev"] = at(max(offset - limit, 0))
    return links


def page_response(
    request: Request,
    current: Snapshot,
    *,
    path: str,
    params: ListParams,
    views: Sequence[View] = (),
    encoded: Sequence[bytes] | None = None,
    total: int,
    columns: Sequence[Any],
    fmt: Format,
    language: str | None,
) -> Response:
    """A page in the negotiated format: the JSON envelope, or CSV / NDJSON with `Link` and
    `X-Total-Count` headers. `encoded` may give the records' JSON when they are served
    whole as JSON, instead of `views`."""
    query = canonical_query(params)
    links = page_links(request, path, query, offset=params.offset, limit=params.limit, total=total)
    meta = {
        "total": total,
        "limit": params.limit,
        "offset": params.offset,
        "dataset_version": current.version,
        "data_as_of": current.data_as_of,
        "sources_until": current.sources_until,
    }
    if encoded is None:
        encoded = list(render_records(views, fmt, selected_fields(params.fields), columns))
    body = list_body(encoded, fmt=fmt, meta=meta, links=links)
    headers = {}
    if fmt is not JSON:
        headers["X-Total-Count"] = str(total)
        related = [(rel, links[rel]) for rel in ("next", "prev") if rel in links]
        if related:
            headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in related)
    return respond(
        request,
        current,
        path=path,
        query=query,
        fmt=fmt,
        language=language,
        body=body,
        headers=headers,
    )


def object_response(
    request: Request,
    current: Snapshot,
    *,
    path: str,
    params: ObjectParams,
    record: View,
    language: str,
    collection: str,
) -> Response:
    """A record's detail, with its own ETag (`detail_etag`)."""
    fields = selected_fields(params.fields)
    body = (
        record.json
        if fields is None
        else orjson.dumps({k: record.data[k] for k in fields if k in record.data})
    )
    return respond(
        request,
        current,
        path=path,
        query=canonical_query(params),
        fmt=JSON,
        language=language,
        body=body,
        etag=detail_etag(request, current, collection, record, body),
    )
