"""What the write API tests share: a seeded database of a module's own, an app on it with
the source documents configured, and the requests a maintainer sends."""

import datetime as dt
import json
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from app.core.config import Settings
from app.main import create_app
from app.models import Change, DatasetVersion, RecordState
from app.registry import COLLECTIONS
from tests.conftest import SOURCES_DIR

STORED = [spec for spec in COLLECTIONS if spec.storage is not None]
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


def writing_app(engine: Engine, **settings: Any) -> FastAPI:
    """An app on `engine` that checks quotes when the documents are here."""
    if SOURCES_DIR.is_dir():
        settings.setdefault("sources_dir", SOURCES_DIR)
    settings.setdefault("version_poll_seconds", 3600)  # nothing else writes, unless a test says
    return create_app(
        Settings(database_url=str(engine.url), public_url="http://api.test", **settings),
        engine=engine,
    )


def etag(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return str(response.headers["etag"])


def patch(
    client: TestClient,
    path: str,
    body: dict[str, Any],
    *,
    auth: dict[str, str],
    if_match: str | None,
    summary: str = "a test correction",
) -> Any:
    headers = {**auth, **MERGE_PATCH}
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.patch(
        path, params={"summary": summary}, headers=headers, content=json.dumps(body)
    )


def stored(engine: Engine, collection: str) -> dict[str, Any]:
    with Session(engine) as session:
        rows = session.execute(
            select(RecordState.record_id, RecordState.value).where(  # type: ignore[call-overload]
                RecordState.collection == collection
            )
        )
        return {rid: value for rid, value in rows}


def state(engine: Engine) -> tuple[int, int, dict[tuple[str, str], Any]]:
    """The dataset version, the feed's length and every stored record's value."""
    with Session(engine) as session:
        version = session.get(DatasetVersion, 1)
        feed = session.execute(select(func.count()).select_from(Change)).scalar_one()
        values = {
            (c, r): v
            for c, r, v in session.execute(
                select(RecordState.collection, RecordState.record_id, RecordState.value)  # type: ignore[call-overload]
            )
        }
    return (version.version if version else 0), int(feed), values


def fully_cited(spec: Any, value: dict[str, Any]) -> dict[str, Any]:
    """`value` with one more citation, a quote it already has, supporting every citable
    field it gives (what a maintainer re-creating it through the API must show)."""
    from app.writes.world import citable_fields

    citable = citable_fields(spec)
    if not citable or not value.get("sources"):
        return value
    fields = sorted(
        name for name, given in value.items() if name in citable and given not in (None, [], {})
    )
    first = value["sources"][0]
    extra = {"source_id": first["source_id"], "quote": first["quote"], "supports": fields}
    return {**value, "sources": [*value["sources"], extra]}


TODAY = dt.date.today().isoformat()
