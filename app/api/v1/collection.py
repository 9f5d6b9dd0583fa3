"""The list + detail route pair every v1 collection has, built once.

Each resource module names its service functions, schemas and documentation; this
module wires them the same way everywhere: a short unit-of-work session, the list
envelope with absolute links, the dataset-version header, declared problem responses.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from app.api.deps import EngineDep, stamp_version
from app.api.v1.params import FilterParams
from app.core.db import open_session
from app.core.errors import error_responses
from app.core.listing import Page, page_of
from app.services.common import dataset_version


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
        responses=error_responses(400, 422, 500, 503),
    )
    def list_route(
        request: Request,
        response: Response,
        engine: EngineDep,
        params: Annotated[params_model, Query()],  # type: ignore[valid-type]
    ) -> Any:
        with open_session(engine) as session:
            records = list_records(session=session, **params.filters())
            version = dataset_version(session=session)
        stamp_version(response, version)
        return page_of(
            records,
            url=request.url,
            limit=params.limit,
            offset=params.offset,
            dataset_version=version,
        )

    @router.get(
        "/{" + id_name + "}",
        operation_id=f"get{singular}",
        summary=get_summary,
        description=get_description,
        response_model=public_model,
        responses=error_responses(404, 422, 500, 503),
    )
    def get_route(
        response: Response,
        engine: EngineDep,
        record_id: Annotated[
            str,
            Path(alias=id_name, description=id_description, examples=[id_example], max_length=80),
        ],
    ) -> Any:
        with open_session(engine) as session:
            record = get_record(session=session, **{id_name: record_id})
            version = dataset_version(session=session)
        stamp_version(response, version)
        return record

    return router
