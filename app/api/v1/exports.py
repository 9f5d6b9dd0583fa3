"""`/v1/exports`: whole-dataset files (JSON, NDJSON, CSV per collection) with their sha256,
built from the snapshot once per dataset version."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.parameters import openapi_parameters, parse_query, path_parameter
from app.api.representation import respond, site, snapshot
from app.api.v1.collection import NOT_MODIFIED, RESPONSE_HEADERS
from app.core.errors import NotFound, error_responses
from app.core.formats import CSV, FORMATS, JSON, NDJSON, Format, render_json
from app.core.listing import ListLinks, ListMeta
from app.core.snapshot import CollectionData, Item, Snapshot
from app.services.query import select
from app.spec import CollectionSpec

router = APIRouter(prefix="/exports", tags=["exports"])
EXPORT_NAME = r"^[a-z-]+\.(?:json|ndjson|csv)$"


class ExportFile(BaseModel):
    name: str = Field(examples=["members.csv"])
    collection: str | None = Field(
        description="Absent for the whole-dataset file.", examples=["members"]
    )
    format: str = Field(examples=["csv"])
    media_type: str = Field(examples=["text/csv; charset=utf-8"])
    url: str = Field(examples=["http://127.0.0.1:8000/v1/exports/members.csv"])
    bytes: int
    sha256: str = Field(description="SHA-256 of the file's body, as served.")
    dataset_version: int


class ExportList(BaseModel):
    data: list[ExportFile]
    meta: ListMeta
    links: ListLinks


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass
class ExportStore:
    """The files of one snapshot, built on first use and kept until the snapshot changes."""

    collections: Sequence[CollectionSpec[Any, Any]]
    snapshot: Snapshot | None = None
    files: dict[str, tuple[Format, bytes]] = field(default_factory=dict)

    def get(self, current: Snapshot) -> dict[str, tuple[Format, bytes]]:
        if self.snapshot is not current:
            self.files, self.snapshot = _build(current, self.collections), current
        return self.files


def _build(
    current: Snapshot, collections: Sequence[CollectionSpec[Any, Any]]
) -> dict[str, tuple[Format, bytes]]:
    files: dict[str, tuple[Format, bytes]] = {}
    everything: dict[str, Any] = {}
    for spec in collections:
        if spec.paged is not None:
            continue  # the change feed: followed at /v1/changes, never held in memory
        data = current.get(spec)
        items = _whole(spec, data)
        everything[spec.name] = [item.data["en"] for item in items]
        files[f"{spec.name}.json"] = (JSON, b"[" + b",".join(i.json["en"] for i in items) + b"]")
        files[f"{spec.name}.ndjson"] = (NDJSON, b"".join(i.json["en"] + b"\n" for i in items))
        files[f"{spec.name}.csv"] = (CSV, data.csv_header + b"".join(i.csv("en") for i in items))
    files["dataset.json"] = (
        JSON,
        render_json(
            {
                "dataset_version": current.version,
                "data_as_of": current.data_as_of.isoformat() if current.data_as_of else None,
                "sources_until": current.sources_until,
                "collections": everything,
            }
        ),
    )
    return files


def _whole(spec: CollectionSpec[Any, Any], data: CollectionData[Any]) -> Sequence[Item[Any]]:
    """Every record of a collection once: what each id resolves to, so a collection with a
    history includes its former observers and ended partnerships (which its list shows
    only when asked for their status)."""
    if spec.history:
        return [item for item in data.items if item.primary]
    items: Sequence[Item[Any]] = select(spec, data, spec.list_params())
    return items


def _store(request: Request) -> ExportStore:
    store: ExportStore = request.app.state.exports
    return store


@router.get(
    "",
    operation_id="listExports",
    summary="List whole-dataset export files",
    response_model=ExportList,
    responses={
        200: {"description": "Every export file.", "headers": RESPONSE_HEADERS},
        **NOT_MODIFIED,
        **error_responses(400, 500, 503),
    },
)
async def list_exports(request: Request) -> Response:
    """Every collection as JSON, NDJSON and CSV, and the whole dataset as one JSON file,
    each with the dataset version it was built from and the SHA-256 of its body. A
    collection's file holds each record once, former statuses included (a former observer,
    an ended partnership); `dataset.json` gives `data_as_of` and `sources_until` too. A
    partner takes these at version N, then follows `/v1/changes?since=N`.

    For a frontend that wants everything at once (an offline copy, a full-text index in
    the browser): fetch `dataset.json` by its `url`, and compare `dataset_version` with
    `meta.dataset_version` of later calls to know when to fetch it again.

    **Errors** (`application/problem+json`): 400 for any query parameter (there are
    none), 503 while the dataset loads."""
    parse_query(request, NoParams)
    current = snapshot(request)
    files = _store(request).get(current)
    here = site(request)
    data = [
        ExportFile(
            name=name,
            collection=None if name == "dataset.json" else name.rsplit(".", 1)[0],
            format=fmt.name,
            media_type=fmt.media_type,
            url=here.url(f"/v1/exports/{name}"),
            bytes=len(body),
            sha256=hashlib.sha256(body).hexdigest(),
            dataset_version=current.version,
        )
        for name, (fmt, body) in files.items()
    ]
    document = ExportList(
        data=data,
        meta=ListMeta(
            total=len(data),
            limit=len(data),
            offset=0,
            dataset_version=current.version,
            data_as_of=current.data_as_of,
            sources_until=current.sources_until,
        ),
        links=ListLinks(self=here.url("/v1/exports")),
    )
    return respond(
        request,
        current,
        path="/v1/exports",
        query=[],
        fmt=FORMATS["json"],
        language=None,
        body=render_json(document.model_dump(mode="json")),
    )


@router.get(
    "/{name}",
    operation_id="getExport",
    summary="Download an export file",
    responses={
        200: {
            "description": "The file.",
            "headers": RESPONSE_HEADERS,
            "content": {
                "application/json": {},
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        },
        **NOT_MODIFIED,
        **error_responses(400, 404, 500, 503),
    },
    openapi_extra=openapi_parameters(
        path_parameter(
            "name",
            pattern=EXPORT_NAME,
            description="File name from `/v1/exports`.",
            example="members.csv",
        )
    ),
)
async def get_export(request: Request) -> Response:
    """One export file, as `application/json`, `application/x-ndjson` or `text/csv` by its
    extension; its SHA-256 and size are listed by `/v1/exports`, and it carries an `ETag`
    like every read.

    **Errors** (`application/problem+json`): 404 for a name `/v1/exports` does not list,
    400 for any query parameter, 503 while the dataset loads."""
    parse_query(request, NoParams)
    name: str = request.path_params["name"]
    current = snapshot(request)
    files = _store(request).get(current)
    if name not in files:
        raise NotFound(f"No export file named '{name}'.")
    fmt, body = files[name]
    return respond(
        request, current, path=f"/v1/exports/{name}", query=[], fmt=fmt, language=None, body=body
    )
