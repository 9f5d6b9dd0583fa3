"""The list and detail routes of a collection, built from its registry entry.

Routes are thin: validate the typed parameters, read the request's snapshot, select, and
hand the items to the representation layer. No session, no SQL.
"""

import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field, create_model

from app.api.parameters import (
    openapi_parameters,
    parse_query,
    path_parameter,
    query_parameters,
)
from app.api.representation import negotiated, object_response, page_response, snapshot, view
from app.api.v1.paged import paged_routes
from app.core.deprecation import deprecated, openapi_headers
from app.core.errors import NotFound, error_responses
from app.core.formats import JSON, LIST_FORMATS, OBJECT_FORMATS
from app.core.listing import CollectionParams, ListLinks, ListMeta
from app.services.query import select
from app.spec import CollectionSpec


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}}


RESPONSE_HEADERS = {
    "ETag": _header("Strong validator of this representation and dataset version."),
    "Last-Modified": _header("When the dataset last changed."),
    "Cache-Control": _header("`public, max-age=60, stale-while-revalidate=300`."),
    "Vary": _header("`Accept, Accept-Language`."),
    "X-Dataset-Version": _header("The dataset version the body was built from."),
    "X-Request-ID": _header("The request's id, taken from the request or generated."),
}
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {
        "description": "Not Modified: the representation matches `If-None-Match` or "
        "`If-Modified-Since`; no body, the same validators.",
        "headers": RESPONSE_HEADERS,
    },
}
OBJECT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The record (only the fields asked for, with `fields=`).",
        "headers": {**RESPONSE_HEADERS, "Content-Language": _header("Language of `name`.")},
    },
    **NOT_MODIFIED,
}
LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page of records. JSON (`application/json`, the default) is the "
        "envelope below; `format=csv` or `format=ndjson` (or `Accept`) answers the same page "
        "as `text/csv` (a header row, one row per record) or `application/x-ndjson` (one "
        "record per line).",
        "headers": {
            **RESPONSE_HEADERS,
            "Content-Language": _header("Language of `name` fields."),
            "Link": _header("CSV and NDJSON: `next` and `prev` pages (RFC 8288)."),
            "X-Total-Count": _header("CSV and NDJSON: records matching the filters."),
        },
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    },
    **NOT_MODIFIED,
}
M = TypeVar("M", bound=BaseModel)

LIST_GUIDE = """
**Paging.** `data` holds up to `limit` records (1-200, default 50) from `offset`;
`meta.total` counts every match. Follow `links.next` (an absolute URL) until it is absent.

**Narrowing.** {filters}`fields=id,name` answers only those top-level fields (and `id`),
so a sparse record may lack any other field. `lang=ru` (or `Accept-Language: ru`) gives
names in Russian.

**Formats.** JSON by default, which is what typed clients read; `format=csv` or
`format=ndjson` (or `Accept: text/csv`, `application/x-ndjson`) answers the same page as
a file, with `Link` and `X-Total-Count` headers in place of `links` and `meta`.

**Caching.** Keep the `ETag` and send it back in `If-None-Match`: a 304 with no body
means your copy is current.

**Errors** are `application/problem+json` with a readable `detail`: 400 for an unknown
or repeated parameter or an unknown name in `sort` or `fields`, 422 for a value out of
range or malformed, 406 for an `Accept` no format matches, 503 while the dataset loads
(retry after `Retry-After` seconds).
"""
GET_GUIDE = """
The id is matched in any case (`{other}` finds `{example}`). `fields=` answers only
the top-level fields asked for (and `id`); `lang=ru` gives names in Russian.{citations}

**Caching.** Send the `ETag` back in `If-None-Match`: a 304 means your copy is current.

**Errors** (`application/problem+json`): 404 when no record has this id, 400 for an
unknown or repeated parameter or an unknown name in `fields`, 422 for a malformed value,
503 while the dataset loads.
"""
COMMON_LIST_PARAMETERS = frozenset(CollectionParams.model_fields) | {"as_of"}


def list_description(spec: CollectionSpec[Any, Any]) -> str:
    """The collection's own text, then what a frontend developer needs to call it."""
    own = [
        f"`{name}`" for name in spec.list_params.model_fields if name not in COMMON_LIST_PARAMETERS
    ]
    filters = "`q=` searches names in English and Russian, acronyms and aliases"
    if own:
        filters += "; filter by " + ", ".join(own)
    if "as_of" in spec.list_params.model_fields:
        filters += "; `as_of=YYYY-MM-DD` answers as things stood that day"
    text = spec.docs.list_description + "\n" + LIST_GUIDE.format(filters=filters + ". ")
    return _deprecated(spec) + text


def get_description(spec: CollectionSpec[Any, Any]) -> str:
    example = spec.docs.id_example
    other = example.lower() if example != example.lower() else example.upper()
    fields = spec.public_model.model_fields
    citations = ""
    if "sources" in fields:
        citations += (
            " Every fact is footnoted in `sources` (`supports` names the fields a quote backs)"
        )
        citations += (
            ", and values other sources give are in `disputed`." if "disputed" in fields else "."
        )
    guide = GET_GUIDE.format(example=example, other=other, citations=citations)
    return _deprecated(spec) + spec.docs.get_description + "\n" + guide


def _deprecated(spec: CollectionSpec[Any, Any]) -> str:
    notice = spec.docs.deprecation
    return notice.describe() + "\n\n" if notice is not None else ""


def _with_headers(
    responses: dict[int | str, dict[str, Any]], extra: dict[str, Any]
) -> dict[int | str, dict[str, Any]]:
    """`responses` with `extra` headers documented on the 200 and the 304."""
    if not extra:
        return responses
    out = dict(responses)
    for status in (200, 304):
        headers = {**out[status]["headers"], **extra}
        if "Link" in out[status]["headers"] and "Link" in extra:
            headers["Link"] = {
                **out[status]["headers"]["Link"],
                "description": out[status]["headers"]["Link"]["description"]
                + ' Also `rel="deprecation"`: where the deprecation is explained.',
            }
        out[status] = {**out[status], "headers": headers}
    return out


def sparse_model(model: type[BaseModel]) -> type[BaseModel]:
    """The same fields, none required but `id`: what `fields=` answers."""
    id_type: Any = model.model_fields["id"].annotation
    definitions: dict[str, Any] = {
        name: (info.annotation, Field(default=None, description=info.description))
        for name, info in model.model_fields.items()
        if name != "id"
    }
    return create_model(
        f"{model.__name__}Sparse",
        __doc__=f"A sparse `{model.__name__}`: `id` and the fields asked for with `fields=`.",
        id=(id_type, ...),
        **definitions,
    )


def page_model(name: str, record: Any) -> type[BaseModel]:
    return create_model(
        name, data=(list[record], ...), meta=(ListMeta, ...), links=(ListLinks, ...)
    )


Handler = Callable[[Request], Awaitable[Response]]


def add_collection_routes(
    router: APIRouter, spec: CollectionSpec[Any, Any]
) -> tuple[Handler, Handler]:
    """The list and detail routes of `spec`, added to `router` itself (FastAPI matches
    included routers level by level, so a flat list routes faster); returns both handlers
    for the fast path in front of FastAPI (`app.api.fast_reads`)."""
    docs = spec.docs
    path = f"/v1/{spec.name}"
    record_schema: Any = spec.public_model | sparse_model(spec.public_model)
    if spec.single:
        return _add_single_route(router, spec, path, record_schema)
    if spec.paged is not None:
        list_handler, get_handler = paged_routes(spec, path)
    else:
        list_handler, get_handler = _list_route(spec, path), _get_route(spec, path)
    if docs.deprecation is not None:
        list_handler = deprecated(list_handler, docs.deprecation)
        get_handler = deprecated(get_handler, docs.deprecation)
    notice_headers = openapi_headers(docs.deprecation)
    router.get(
        f"/{spec.name}",
        tags=[docs.tag],
        operation_id=f"list{docs.plural}",
        summary=docs.list_summary,
        description=list_description(spec),
        response_model=page_model(f"{docs.plural}Page", record_schema),
        responses={
            **_with_headers(LIST_RESPONSES, notice_headers),
            **error_responses(400, 406, 422, 500, 503),
        },
        deprecated=docs.deprecation is not None or None,
        openapi_extra=openapi_parameters(query_parameters(spec.list_params)),
    )(list_handler)
    router.get(
        f"/{spec.name}/{{{docs.id_name}}}",
        tags=[docs.tag],
        operation_id=f"get{docs.singular}",
        summary=docs.get_summary,
        description=get_description(spec),
        response_model=record_schema,
        responses={
            **_with_headers(OBJECT_RESPONSES, notice_headers),
            **error_responses(400, 404, 406, 422, 500, 503),
        },
        deprecated=docs.deprecation is not None or None,
        openapi_extra=openapi_parameters(
            path_parameter(
                docs.id_name,
                pattern=docs.id_pattern,
                description=docs.id_description,
                example=docs.id_example,
            ),
            query_parameters(spec.object_params),
        ),
    )(get_handler)
    return list_handler, get_handler


def _add_single_route(
    router: APIRouter, spec: CollectionSpec[Any, Any], path: str, record_schema: Any
) -> tuple[Handler, Handler]:
    """A collection of one record, served at its own path (`/v1/organization`)."""
    docs = spec.docs

    async def get_single(request: Request) -> Response:
        params = parse_query(request, spec.object_params)
        current = snapshot(request)
        _, language = negotiated(request, params, None, OBJECT_FORMATS)
        items = current.get(spec).items
        if not items:
            raise NotFound(f"Nothing at {path} yet.")
        return object_response(
            request,
            current,
            path=path,
            params=params,
            record=view(items[0], language),
            language=language,
            collection=spec.name,
        )

    async def below(request: Request) -> Response:
        raise NotFound(f"Nothing at {request.url.path}.")

    router.get(
        f"/{spec.name}",
        tags=[docs.tag],
        operation_id=f"get{docs.singular}",
        summary=docs.get_summary,
        description=docs.get_description,
        response_model=record_schema,
        responses={**OBJECT_RESPONSES, **error_responses(400, 406, 422, 500, 503)},
        openapi_extra=openapi_parameters(query_parameters(spec.object_params)),
    )(get_single)
    return get_single, below


def _list_route(spec: CollectionSpec[Any, Any], path: str) -> Handler:
    async def list_route(request: Request) -> Response:
        params = parse_query(request, spec.list_params)
        current = snapshot(request)
        fmt, language = negotiated(request, params, params.format, LIST_FORMATS)
        data = current.get(spec)
        items = select(spec, data, params)
        page = items[params.offset : params.offset + params.limit]
        views, encoded = [], None
        if fmt is JSON and params.fields is None and spec.narrow is None:
            encoded = [item.json[language] for item in page]  # served as encoded at build
        else:
            views = [
                view(item, language, spec.narrow(item.record, params) if spec.narrow else None)
                for item in page
            ]
        return page_response(
            request,
            current,
            path=path,
            params=params,
            views=views,
            encoded=encoded,
            total=len(items),
            columns=data.columns,
            fmt=fmt,
            language=language,
        )

    return list_route


def _get_route(spec: CollectionSpec[Any, Any], path: str) -> Handler:
    docs = spec.docs

    id_pattern = re.compile(docs.id_pattern)

    async def get_route(request: Request) -> Response:
        record_id: str = request.path_params[docs.id_name]
        if len(record_id) > 80 or id_pattern.match(record_id) is None:
            raise NotFound(f"Nothing at {request.url.path}.")
        params = parse_query(request, spec.object_params)
        current = snapshot(request)
        _, language = negotiated(request, params, None, OBJECT_FORMATS)
        item = current.get(spec).find(record_id)
        if item is None:
            raise NotFound(f"No record in {spec.name} with id '{record_id}'.")
        return object_response(
            request,
            current,
            path=f"{path}/{item.id}",
            params=params,
            record=view(item, language),
            language=language,
            collection=spec.name,
        )

    return get_route
