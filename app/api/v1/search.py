"""`/v1/search`: one query across every collection, ranked."""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field, field_validator

from app.api.deps import EngineDep
from app.api.responses import page_response
from app.api.v1.collection import LIST_RESPONSES
from app.core.db import open_session
from app.core.errors import error_responses
from app.core.listing import ListParams, Page, page_of
from app.core.representation import negotiate_language
from app.services.catalog import COLLECTIONS
from app.services.common import dataset_version
from app.services.search import search

router = APIRouter(tags=["search"])
SEARCHABLE = [c.name for c in COLLECTIONS if c.searchable]


class SearchParams(ListParams):
    q: str = Field(
        min_length=1,
        max_length=200,
        description="Text to find: names in every stored language, acronyms, aliases, ids; "
        "case-, accent- and punctuation-insensitive.",
        examples=["SCO"],
    )
    collections: str | None = Field(
        default=None,
        description=f"Comma-separated collections to search (default all): {', '.join(SEARCHABLE)}.",
        examples=["members,observers"],
    )

    @field_validator("collections")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None:
            unknown = {c.strip() for c in value.split(",")} - set(SEARCHABLE)
            if unknown:
                raise ValueError(f"unknown collection(s): {', '.join(sorted(unknown))}")
        return value


class SearchResult(BaseModel):
    collection: str = Field(examples=["partner-organizations"])
    id: str = Field(examples=["sco"])
    name: str = Field(examples=["Shanghai Cooperation Organisation"])
    names: dict[str, str]
    score: int = Field(description="100 exact, 60 name prefix, 40 word prefix, 20 substring.")
    url: str = Field(description="The record's absolute URL.")


@router.get(
    "/search",
    operation_id="search",
    summary="Search every collection",
    response_model=Page[SearchResult],
    responses={**LIST_RESPONSES, **error_responses(400, 406, 422, 500, 503)},
)
def search_route(
    request: Request, engine: EngineDep, params: Annotated[SearchParams, Query()]
) -> Response:
    """Ranked matches from members, observers, partners, councils, reform areas,
    chairmanships, meetings, CBM dimensions and sources; the same on SQLite and PostgreSQL."""
    wanted = [c.strip() for c in params.collections.split(",")] if params.collections else None
    with open_session(engine) as session:
        hits = search(session=session, q=params.q, collections=wanted)
        version = dataset_version(session=session)
    language = negotiate_language(params.lang, request.headers.get("accept-language"))
    results: list[Any] = [
        SearchResult(
            collection=hit.collection,
            id=hit.id,
            name=hit.names.get(language) or hit.name,
            names=hit.names,
            score=hit.score,
            url=f"{str(request.base_url).rstrip('/')}/v1/{hit.collection}/{quote(hit.id)}",
        )
        for hit in hits
    ]
    page = page_of(
        results, url=request.url, limit=params.limit, offset=params.offset, dataset_version=version
    )
    return page_response(request, page, params, SearchResult)
