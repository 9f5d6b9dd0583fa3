"""The list and detail routes of a collection, built from its registry entry.

Routes are thin: validate the typed parameters, read the request's snapshot, select, and
hand the items to the representation layer. No session, no SQL.
"""

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field, create_model

from app.api.representation import negotiated, object_response, page_response, snapshot, view
from app.core.errors import NotFound, error_responses
from app.core.formats import LIST_FORMATS, OBJECT_FORMATS
from app.core.listing import CollectionParams, ListLinks, ListMeta, ObjectParams
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
    definitions: dict[str, Any] = {
        name: (info.annotation, Field(default=None, description=info.description))
        for name, info in model.model_fields.items()
        if name != "id"
    }
    return create_model(
        f"{model.__name__}Sparse",
        __doc__=f"A sparse `{model.__name__}`: `id` and the fields asked for with `fields=`.",
        id=(str, ...),
        **definitions,
    )


def page_model(name: str, record: Any) -> type[BaseModel]:
    return create_model(
        name, data=(list[record], ...), meta=(ListMeta, ...), links=(ListLinks, ...)
    )


def collection_router(spec: CollectionSpec[Any, Any]) -> APIRouter:
    docs = spec.docs
    router = APIRouter(prefix=f"/{spec.name}", tags=[docs.tag])
    path = f"/v1/{spec.name}"
    record_schema: Any = spec.public_model | sparse_model(spec.public_model)
    list_route = _with_params(_list_route(spec, path), spec.list_params)
    get_route = _with_params(_get_route(spec, path), spec.object_params)
    router.get(
        "",
        operation_id=f"list{docs.plural}",
        summary=docs.list_summary,
        description=docs.list_description,
        response_model=page_model(f"{docs.plural}Page", record_schema),
        responses={**LIST_RESPONSES, **error_responses(400, 406, 422, 500, 503)},
    )(list_route)
    router.get(
        "/{" + docs.id_name + "}",
        operation_id=f"get{docs.singular}",
        summary=docs.get_summary,
        description=docs.get_description,
        response_model=record_schema,
        responses={**OBJECT_RESPONSES, **error_responses(400, 404, 406, 422, 500, 503)},
    )(get_route)
    return router


F = TypeVar("F", bound=Callable[..., Any])


def _with_params(route: F, model: type[BaseModel]) -> F:
    """FastAPI reads a route's query model from its annotations: give it the collection's."""
    route.__annotations__["params"] = Annotated[model, Query()]
    return route


def _list_route(spec: CollectionSpec[Any, Any], path: str) -> Callable[..., Any]:
    async def list_route(request: Request, params: CollectionParams) -> Response:
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


def _get_route(spec: CollectionSpec[Any, Any], path: str) -> Callable[..., Any]:
    docs = spec.docs

    async def get_route(
        request: Request,
        record_id: Annotated[
            str,
            Path(
                alias=docs.id_name,
                description=docs.id_description,
                examples=[docs.id_example],
                pattern=docs.id_pattern,
                max_length=80,
            ),
        ],
        params: ObjectParams,
    ) -> Response:
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
