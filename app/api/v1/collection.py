"""The list + detail route pair every v1 collection has, built once.

Each resource module names its service functions, schemas and documentation; this
module wires them the same way everywhere: a short unit-of-work session, the list
envelope with absolute links, the dataset-version header, declared problem responses.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from app.api.deps import EngineDep
from app.api.responses import object_response, page_response
from app.api.v1.params import FilterParams
from app.core.db import open_session
from app.core.errors import error_responses
from app.core.listing import Page, RepresentationParams, page_of
from app.services.common import dataset_version


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
CACHING_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The record.",
        "headers": {**RESPONSE_HEADERS, "Content-Language": _header("Language of `name` fields.")},
    },
    304: {
        "description": "Not Modified: the representation matches `If-None-Match` or "
        "`If-Modified-Since`; no body, the same validators.",
        "headers": RESPONSE_HEADERS,
    },
}
LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    **CACHING_RESPONSES,
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
}


def collection_router(
    *,
    path: str,
    tag: str,
    singular: str,
    plural: str,
    params_model: type[FilterParams],
    public_model: type[Any],
    list_records: Callable[..., list[Any]],
    get_record: Callable[..., Any],
    id_name: str,
    id_description: str,
    id_example: str,
    list_summary: str,
    list_description: str,
    get_summary: str,
    get_description: str,
) -> APIRouter:
    router = APIRouter(prefix=path, tags=[tag])

    @router.get(
        "",
        operation_id=f"list{plural}",
        summary=list_summary,
        description=list_description,
        response_model=Page[public_model],  # type: ignore[valid-type]
        responses={**LIST_RESPONSES, **error_responses(400, 406, 422, 500, 503)},
    )
    def list_route(
        request: Request,
        engine: EngineDep,
        params: Annotated[params_model, Query()],  # type: ignore[valid-type]
    ) -> Response:
        with open_session(engine) as session:
            records = list_records(session=session, **params.filters())
            version = dataset_version(session=session)
        page = page_of(
            records,
            url=request.url,
            limit=params.limit,
            offset=params.offset,
            dataset_version=version,
        )
        return page_response(request, page, params, public_model)

    @router.get(
        "/{" + id_name + "}",
        operation_id=f"get{singular}",
        summary=get_summary,
        description=get_description,
        response_model=public_model,
        responses={**CACHING_RESPONSES, **error_responses(400, 404, 406, 422, 500, 503)},
    )
    def get_route(
        request: Request,
        engine: EngineDep,
        record_id: Annotated[
            str,
            Path(alias=id_name, description=id_description, examples=[id_example], max_length=80),
        ],
        params: Annotated[RepresentationParams, Query()],
    ) -> Response:
        with open_session(engine) as session:
            record = get_record(session=session, **{id_name: record_id})
            version = dataset_version(session=session)
        return object_response(request, record, params, dataset_version=version)

    return router
