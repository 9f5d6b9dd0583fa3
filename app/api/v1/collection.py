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
from app.core.errors import NotFound, error_responses
from app.core.formats import LIST_FORMATS, OBJECT_FORMATS
from app.core.listing import ListLinks, ListMeta
from app.registry import CollectionSpec
from app.services.query import select


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
        "description": "A page of records: JSON envelope, CSV or NDJSON (by `Accept` or `format`).",
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
    list_handler, get_handler = _list_route(spec, path), _get_route(spec, path)
    router.get(
        f"/{spec.name}",
        tags=[docs.tag],
        operation_id=f"list{docs.plural}",
        summary=docs.list_summary,
        description=docs.list_description,
        response_model=page_model(f"{docs.plural}Page", record_schema),
        responses={**LIST_RESPONSES, **error_responses(400, 406, 422, 500, 503)},
        openapi_extra=openapi_parameters(query_parameters(spec.list_params)),
    )(list_handler)
    router.get(
        f"/{spec.name}/{{{docs.id_name}}}",
        tags=[docs.tag],
        operation_id=f"get{docs.singular}",
        summary=docs.get_summary,
        description=docs.get_description,
        response_model=record_schema,
        responses={**OBJECT_RESPONSES, **error_responses(400, 404, 406, 422, 500, 503)},
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
        responses={**OBJECT_RESPONSES, **error_responses(400, 404, 406, 422, 500, 503)},
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
        )

    return get_route
