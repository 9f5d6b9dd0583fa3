"""List and detail routes of a collection read from the database a page at a time (the
change feed): same parameters, envelope, formats and validators as a snapshot
collection's, without holding its records in memory.

Each page is read as of the request's snapshot, so its ETag (the snapshot's) stays true
and the response cache may keep it like any other page.
"""

import re
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from app.api.parameters import parse_query
from app.api.representation import (
    View,
    negotiated,
    object_response,
    page_response,
    snapshot,
)
from app.core.errors import NotFound
from app.core.formats import LIST_FORMATS, OBJECT_FORMATS, csv_columns
from app.core.snapshot import Built, localise
from app.spec import CollectionSpec

Handler = Callable[[Request], Awaitable[Response]]


def _view(built: Built[Any], language: str) -> View:
    data = localise(built.record.model_dump(mode="json", by_alias=True), language)
    return View(orjson.dumps(data), data)


def paged_routes(spec: CollectionSpec[Any, Any], path: str) -> tuple[Handler, Handler]:
    reader = spec.paged
    id_pattern = re.compile(spec.docs.id_pattern)
    columns = tuple(csv_columns(spec.public_model))

    async def list_route(request: Request) -> Response:
        params = parse_query(request, spec.list_params)
        current = snapshot(request)
        fmt, language = negotiated(request, params, params.format, LIST_FORMATS)
        page = await run_in_threadpool(
            reader.page, request.app.state.engine, params, current.version
        )
        return page_response(
            request,
            current,
            path=path,
            params=params,
            views=[_view(entry, language) for entry in page.entries],
            total=page.total,
            columns=columns,
            fmt=fmt,
            language=language,
        )

    async def get_route(request: Request) -> Response:
        record_id: str = request.path_params[spec.docs.id_name]
        if len(record_id) > 80 or id_pattern.match(record_id) is None:
            raise NotFound(f"Nothing at {request.url.path}.")
        params = parse_query(request, spec.object_params)
        current = snapshot(request)
        _, language = negotiated(request, params, None, OBJECT_FORMATS)
        entry = await run_in_threadpool(
            reader.entry, request.app.state.engine, int(record_id), current.version
        )
        if entry is None:
            raise NotFound(f"No record in {spec.name} with id '{record_id}'.")
        return object_response(
            request,
            current,
            path=f"{path}/{int(record_id)}",
            params=params,
            record=_view(entry, language),
            language=language,
            collection=spec.name,
        )

    return list_route, get_route
