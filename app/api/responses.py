"""Responses of the read routes: a page or an object, in the representation negotiated."""

from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel

from app.api.deps import DATASET_VERSION_HEADER
from app.core.listing import ListParams, Page, RepresentationParams
from app.core.representation import (
    MEDIA_TYPES,
    localise,
    negotiate_format,
    negotiate_language,
    parse_fields,
    render_csv,
    render_json,
    render_ndjson,
    select_fields,
)

LIST_FORMATS = ("json", "csv", "ndjson")


def dump(model: BaseModel, language: str) -> dict[str, Any]:
    return localise(model.model_dump(mode="json", by_alias=True), language)


def _fields_of(model: type[BaseModel]) -> list[str]:
    return [f.serialization_alias or name for name, f in model.model_fields.items()]


def page_response(
    request: Request,
    page: Page[Any],
    params: ListParams,
    public_model: type[BaseModel],
) -> Response:
    fmt = negotiate_format(params.format, request.headers.get("accept"), allowed=LIST_FORMATS)
    language = negotiate_language(params.lang, request.headers.get("accept-language"))
    fields = parse_fields(params.fields, _fields_of(public_model))
    records = [select_fields(dump(record, language), fields) for record in page.data]
    headers = {DATASET_VERSION_HEADER: str(page.meta.dataset_version), "Content-Language": language}
    if fmt == "json":
        body = render_json(
            {
                "data": records,
                "meta": page.meta.model_dump(),
                "links": page.links.model_dump(),
            }
        )
    else:
        body = render_csv(records) if fmt == "csv" else render_ndjson(records)
        headers["X-Total-Count"] = str(page.meta.total)
        links = [
            f'<{url}>; rel="{rel}"' for rel, url in page.links.model_dump().items() if rel != "self"
        ]
        if links:
            headers["Link"] = ", ".join(links)
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)


def object_response(
    request: Request,
    record: BaseModel,
    params: RepresentationParams,
    *,
    dataset_version: int,
) -> Response:
    language = negotiate_language(params.lang, request.headers.get("accept-language"))
    negotiate_format(None, request.headers.get("accept"), allowed=("json",))
    fields = parse_fields(params.fields, _fields_of(type(record)))
    body = render_json(select_fields(dump(record, language), fields))
    return Response(
        body,
        media_type=MEDIA_TYPES["json"],
        headers={DATASET_VERSION_HEADER: str(dataset_version), "Content-Language": language},
    )
