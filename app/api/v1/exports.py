"""`/v1/exports`: whole-dataset files (JSON, NDJSON, CSV per collection) with their sha256."""

import hashlib
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from app.api.deps import DATASET_VERSION_HEADER, EngineDep
from app.api.responses import dump
from app.api.v1.collection import CACHING_RESPONSES, LIST_RESPONSES, RESPONSE_HEADERS
from app.core.db import open_session
from app.core.errors import NotFound, error_responses
from app.core.listing import ListLinks, ListMeta
from app.core.representation import MEDIA_TYPES, render_csv, render_json, render_ndjson
from app.services.catalog import COLLECTIONS
from app.services.common import dataset_version

router = APIRouter(prefix="/exports", tags=["exports"])


class ExportFile(BaseModel):
    name: str = Field(examples=["members.csv"])
    collection: str | None = Field(
        description="Absent for the whole-dataset file.", examples=["members"]
    )
    format: str = Field(examples=["csv"])
    media_type: str = Field(examples=["text/csv; charset=utf-8"])
    url: str
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
    """The files of one dataset version, built on first use and kept until it changes."""

    version: int = -1
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def get(self, engine: Engine) -> tuple[int, dict[str, tuple[str, bytes]]]:
        with open_session(engine) as session:
            version = dataset_version(session=session)
            if version != self.version:
                files: dict[str, tuple[str, bytes]] = {}
                everything = {}
                for collection in COLLECTIONS:
                    records = [dump(r, "en") for r in collection.list_records(session=session)]
                    everything[collection.name] = records
                    files[f"{collection.name}.json"] = (MEDIA_TYPES["json"], render_json(records))
                    files[f"{collection.name}.ndjson"] = (
                        MEDIA_TYPES["ndjson"],
                        render_ndjson(records),
                    )
                    files[f"{collection.name}.csv"] = (MEDIA_TYPES["csv"], render_csv(records))
                files["dataset.json"] = (
                    MEDIA_TYPES["json"],
                    render_json({"dataset_version": version, "collections": everything}),
                )
                self.version, self.files = version, files
        return self.version, self.files


def _store(request: Request) -> ExportStore:
    store: ExportStore = request.app.state.exports
    return store


@router.get(
    "",
    operation_id="listExports",
    summary="List whole-dataset export files",
    response_model=ExportList,
    responses={**LIST_RESPONSES, **error_responses(400, 500, 503)},
)
def list_exports(
    request: Request, engine: EngineDep, _params: Annotated[NoParams, Query()]
) -> Response:
    """Every collection as JSON, NDJSON and CSV, and the whole dataset as one JSON file,
    each with the dataset version it was built from and the SHA-256 of its body."""
    version, files = _store(request).get(engine)
    base = str(request.base_url).rstrip("/")
    data = [
        ExportFile(
            name=name,
            collection=None if name == "dataset.json" else name.rsplit(".", 1)[0],
            format=name.rsplit(".", 1)[1],
            media_type=media_type,
            url=f"{base}/v1/exports/{name}",
            bytes=len(body),
            sha256=hashlib.sha256(body).hexdigest(),
            dataset_version=version,
        )
        for name, (media_type, body) in files.items()
    ]
    document = ExportList(
        data=data,
        meta=ListMeta(total=len(data), limit=len(data), offset=0, dataset_version=version),
        links=ListLinks(self=str(request.url)),
    )
    return Response(
        render_json(document.model_dump(mode="json")),
        media_type=MEDIA_TYPES["json"],
        headers={DATASET_VERSION_HEADER: str(version)},
    )


@router.get(
    "/{name}",
    operation_id="getExport",
    summary="Download an export file",
    responses={
        **CACHING_RESPONSES,
        200: {
            "description": "The file.",
            "headers": RESPONSE_HEADERS,
            "content": {
                "application/json": {},
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        },
        **error_responses(400, 404, 500, 503),
    },
)
def get_export(
    request: Request,
    engine: EngineDep,
    name: Annotated[
        str, Path(description="File name from `/v1/exports`.", examples=["members.csv"])
    ],
    _params: Annotated[NoParams, Query()],
) -> Response:
    """One export file; its SHA-256 is listed by `/v1/exports`."""
    version, files = _store(request).get(engine)
    if name not in files:
        raise NotFound(f"No export file named '{name}'.")
    media_type, body = files[name]
    return Response(body, media_type=media_type, headers={DATASET_VERSION_HEADER: str(version)})
