"""`/v1/search`: one query across every collection, ranked."""

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from app.api.parameters import openapi_parameters, parse_query, query_parameters
from app.api.representation import View, negotiated, page_response, site, snapshot
from app.api.v1.collection import LIST_RESPONSES, page_model, sparse_model
from app.core.choices import choice_pattern
from app.core.errors import error_responses
from app.core.formats import JSON, LIST_FORMATS, csv_columns, render_json
from app.core.listing import ListParams, fields_field, q_field
from app.core.snapshot import Item
from app.registry import SEARCHABLE
from app.services.search import SCORES, Hit, search

router = APIRouter(tags=["search"])


class SearchResult(BaseModel):
    collection: str = Field(examples=["partner-organizations"])
    id: str = Field(examples=["sco"])
    name: str = Field(examples=["Shanghai Cooperation Organisation"])
    names: dict[str, str]
    score: int = Field(description="100 exact, 60 name prefix, 40 word prefix, 20 substring.")
    url: str = Field(description="The record's absolute URL.")


RESULT_FIELDS = list(SearchResult.model_fields)
COLUMNS = csv_columns(SearchResult)


class SearchParams(ListParams):
    q: str = q_field(required=True, example="kaz")
    collections: str | None = Field(
        default=None,
        pattern=choice_pattern(SEARCHABLE),
        description="Comma-separated collections to search (default all): "
        + ", ".join(f"`{name}`" for name in SEARCHABLE)
        + ".",
        examples=["members,observers"],
    )
    fields: str | None = fields_field(RESULT_FIELDS, example="id,name,url")


HitParts = tuple[bytes, bytes, dict[str, Any]]
"""A hit's JSON before and after its score, and its fields (for CSV and `fields=`)."""
_SCORE_TEXT = {score: str(score).encode() for score in SCORES}


def _parts(collection: str, item: Item[Any], key: tuple[str, str, str]) -> HitParts:
    """Made once per record, language and public URL (`key`), and kept with the record."""
    parts: HitParts | None = item.memo.get(key)
    if parts is None:
        _, language, public_url = key
        fields = {
            "collection": collection,
            "id": item.id,
            "name": item.name(language),
            "names": item.data[language].get("names") or {"en": item.name("en")},
        }
        url = f"{public_url}/v1/{collection}/{quote(item.id)}"
        head = render_json({**fields, "score": 0})[: -len(b"0}")]
        tail = b',"url":' + render_json(url) + b"}"
        parts = item.memo[key] = (head, tail, {**fields, "url": url})
    return parts


def _json(hits: Sequence[Hit], key: tuple[str, str, str]) -> list[bytes]:
    encoded = []
    for collection, item, score in hits:
        head, tail, _ = _parts(collection, item, key)
        encoded.append(head + _SCORE_TEXT[score] + tail)
    return encoded


def _views(hits: Sequence[Hit], key: tuple[str, str, str]) -> list[View]:
    views = []
    for collection, item, score in hits:
        head, tail, fields = _parts(collection, item, key)
        views.append(View(head + _SCORE_TEXT[score] + tail, {**fields, "score": score}))
    return views


@router.get(
    "/search",
    operation_id="search",
    summary="Search every collection",
    response_model=page_model("SearchResultsPage", SearchResult | sparse_model(SearchResult)),
    responses={**LIST_RESPONSES, **error_responses(400, 406, 422, 500, 503)},
    openapi_extra=openapi_parameters(query_parameters(SearchParams)),
)
async def search_route(request: Request) -> Response:
    """Ranked matches from members, observers, partners, councils, reform areas,
    chairmanships, meetings, CBM dimensions and sources: exact id, code, acronym or name
    first, then name prefixes, word prefixes and substrings; case-, accent- and
    script-insensitive over every stored language.

    Made for a search box: send what the user typed as `q` (`Казахстан`, `kaz` and `KZ`
    all find Kazakhstan) and show `name`; `url` is the record's own address and
    `collection` says which list it is in. `collections=members,observers` searches only
    those. Paging, `fields`, `lang`, formats and caching work as on every list.

    **Errors** (`application/problem+json`): 422 when `q` is missing, empty or has no
    letter or digit; 400 for an unknown parameter or collection name; 503 while the
    dataset loads."""
    params = parse_query(request, SearchParams)
    current = snapshot(request)
    fmt, language = negotiated(request, params, params.format, LIST_FORMATS)
    wanted = params.collections.split(",") if params.collections else None
    hits = search(current, params.q, wanted)
    key = ("search", language, site(request).public_url)
    page = hits[params.offset : params.offset + params.limit]
    views, encoded = [], None
    if fmt is JSON and params.fields is None:
        encoded = _json(page, key)
    else:
        views = _views(page, key)
    return page_response(
        request,
        current,
        path="/v1/search",
        params=params,
        views=views,
        encoded=encoded,
        total=len(hits),
        columns=COLUMNS,
        fmt=fmt,
        language=language,
    )
