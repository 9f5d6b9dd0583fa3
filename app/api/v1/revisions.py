"""`GET /v1/<collection>/<id>/revisions` and `.../revisions/<n>`: a record's history, read
from the database (it outlives the record and is never in the snapshot).

Public: who changed a cited public fact, and why, is part of its provenance. The ETag is a
digest of the body, so it changes exactly when the page does, on every replica.
"""

import hashlib
import re
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from app.api.parameters import openapi_parameters, parse_query, path_parameter, query_parameters
from app.api.representation import page_links, snapshot
from app.core.errors import NotFound, error_responses
from app.core.http import CACHE_CONTROL, VARY
from app.core.listing import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, ListLinks, ListMeta
from app.core.snapshot import Snapshot
from app.models.revision import RevisionPublic
from app.services.revisions import RevisionPage, read_page
from app.spec import CollectionSpec

NUMBER = r"^[1-9][0-9]{0,8}$"


class RevisionListParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(
        default=DEFAULT_LIMIT,
        ge=1,
        le=MAX_LIMIT,
        description=f"Revisions per page, 1 to {MAX_LIMIT}.",
        examples=[10],
    )
    offset: int = Field(
        default=0, ge=0, le=MAX_OFFSET, description="Revisions to skip.", examples=[0]
    )


class RevisionParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RevisionsPage(BaseModel):
    data: list[RevisionPublic]
    meta: ListMeta
    links: ListLinks


def _headers(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}}


HEADERS = {
    "ETag": _headers("Strong validator of this page (a digest of its body)."),
    "Last-Modified": _headers("When the dataset last changed."),
    "Cache-Control": _headers("`public, max-age=60, stale-while-revalidate=300`."),
    "Vary": _headers("`Accept, Accept-Language`."),
    "X-Dataset-Version": _headers("The dataset version when the page was read."),
}
LIST_DESCRIPTION = """
A record's history, newest first: every change a seed run (author `seed`) or a
maintainer's write (author: the API key's name) made to it, with the summary they gave,
the request id, the dataset version it produced, and each changed field's value before
and after. The history outlives the record: a deleted record's revisions still answer.
Each change-feed entry (`/v1/changes`) links to its revision (`revision_path`).

**Paging.** `limit` (1-200, default 50) and `offset`; follow `links.next` until absent.

**Caching.** Send the `ETag` back in `If-None-Match`: a 304 means your copy is current.

**Errors** (`application/problem+json`): 404 when the collection never had a record with
this id, 400 for an unknown or repeated parameter, 422 for a value out of range.
"""
GET_DESCRIPTION = """
One revision of a record (`n` counts from 1, its first): who made the change, when, why,
and each changed field's value before and after.

**Errors** (`application/problem+json`): 404 when the record has no such revision.
"""


def add_revision_routes(router: APIRouter, spec: CollectionSpec[Any, Any]) -> None:
    """The history routes of `spec`'s records (collections served from data files)."""
    if spec.storage is None:
        return
    docs = spec.docs
    id_pattern = re.compile(docs.id_pattern)
    id_parameter = path_parameter(
        docs.id_name,
        pattern=docs.id_pattern,
        description=docs.id_description,
        example=docs.id_example,
    )
    # A single-record collection is read at `/v1/<name>`: its history at `.../revisions`.
    record_path = f"/{spec.name}" if spec.single else f"/{spec.name}/{{{docs.id_name}}}"
    path_parameters = [] if spec.single else [id_parameter]

    async def read(request: Request, number: int | None, params: Any) -> RevisionPage:
        current = snapshot(request)
        if spec.single:
            items = current.get(spec).items
            record_id = items[0].id if items else docs.id_example
            base = f"/v1/{spec.name}"
        else:
            record_id = request.path_params[docs.id_name]
            if len(record_id) > 80 or id_pattern.match(record_id) is None:
                raise NotFound(f"Nothing at {request.url.path}.")
            item = current.get(spec).find(record_id)  # a live record: its id as served
            record_id = item.id if item is not None else record_id
            base = f"/v1/{spec.name}/{record_id}"
        page = await run_in_threadpool(
            read_page,
            request.app.state.engine,
            spec.name,
            record_id,
            base=base,
            limit=getattr(params, "limit", 1),
            offset=getattr(params, "offset", 0),
            number=number,
        )
        if page is None and current.get(spec).find(record_id) is not None:
            return RevisionPage(record_id, 0, [])  # stored before revisions were kept
        if page is None:
            raise NotFound(f"No record in {spec.name} with id '{record_id}', now or before.")
        return page

    async def list_revisions(request: Request) -> Response:
        params = parse_query(request, RevisionListParams)
        page = await read(request, None, params)
        current = snapshot(request)
        path = f"/v1/{spec.name}{'' if spec.single else '/' + page.record_id}/revisions"
        query = [
            (name, str(getattr(params, name)))
            for name in sorted(params.model_fields_set)
            if getattr(params, name) != RevisionListParams.model_fields[name].default
        ]
        links = page_links(
            request, path, query, offset=params.offset, limit=params.limit, total=page.total
        )
        body = orjson.dumps(
            {
                "data": [r.model_dump(mode="json") for r in page.revisions],
                "meta": {
                    "total": page.total,
                    "limit": params.limit,
                    "offset": params.offset,
                    "dataset_version": current.version,
                },
                "links": links,
            }
        )
        return _response(body, current)

    async def get_revision(request: Request) -> Response:
        parse_query(request, RevisionParams)
        text = request.path_params["number"]
        number = int(text) if text.isdigit() and len(text) < 10 else 0
        page = await read(request, number, None)
        if not page.revisions:
            raise NotFound(f"No revision {text} of {base_of(spec, page.record_id)}.")
        body = orjson.dumps(page.revisions[0].model_dump(mode="json"))
        return _response(body, snapshot(request))

    router.get(
        f"{record_path}/revisions",
        tags=[docs.tag],
        operation_id=f"get{docs.singular}Revisions",
        summary=f"List a {docs.singular.lower()}'s revisions",
        description=LIST_DESCRIPTION,
        response_model=RevisionsPage,
        responses={
            200: {"description": "A page of revisions, newest first.", "headers": HEADERS},
            304: {
                "description": "Not Modified: the page matches `If-None-Match`.",
                "headers": HEADERS,
            },
            **error_responses(400, *([] if spec.single else [404]), 422, 500, 503),
        },
        openapi_extra=openapi_parameters(path_parameters, query_parameters(RevisionListParams)),
    )(list_revisions)
    router.get(
        f"{record_path}/revisions/{{number}}",
        tags=[docs.tag],
        operation_id=f"get{docs.singular}Revision",
        summary=f"Get one revision of a {docs.singular.lower()}",
        description=GET_DESCRIPTION,
        response_model=RevisionPublic,
        responses={
            200: {"description": "The revision.", "headers": HEADERS},
            304: {
                "description": "Not Modified: the revision matches `If-None-Match`.",
                "headers": HEADERS,
            },
            **error_responses(400, 404, 500, 503),
        },
        openapi_extra=openapi_parameters(
            path_parameters,
            {
                "name": "number",
                "in": "path",
                "required": True,
                "description": "The revision's number: 1 is the record's first.",
                "schema": {"type": "string", "pattern": NUMBER, "examples": ["1"]},
            },
        ),
    )(get_revision)


def _response(body: bytes, current: Snapshot) -> Response:
    digest = hashlib.blake2b(body, digest_size=10).hexdigest()
    return Response(
        body,
        media_type="application/json",
        headers={
            "ETag": f'"rev-{digest}"',
            "Last-Modified": current.last_modified_raw.decode("latin-1"),
            "Cache-Control": CACHE_CONTROL,
            "Vary": VARY,
            "X-Dataset-Version": str(current.version),
        },
    )


def base_of(spec: CollectionSpec[Any, Any], record_id: str) -> str:
    return f"/v1/{spec.name}" if spec.single else f"/v1/{spec.name}/{record_id}"
