"""The maintainers' write routes on SQLite and PostgreSQL: which key may write, the round
trip a maintainer makes, preconditions, citations, the body's checks, a fault in the step,
and ETags that follow what a detail serves."""

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.storage import RECORD_ONLY
from seed.loader import load
from tests.api.helpers import assert_problem
from tests.conftest import DatabaseFactory
from tests.keys.conftest import MadeKey, make_key
from tests.writes.support import (
    MERGE_PATCH,
    STORED,
    TODAY,
    etag,
    fully_cited,
    patch,
    state,
    stored,
    writing_app,
)

MALFORMED = {"Authorization": "Bearer cica_not-a-key"}


@pytest.fixture(scope="module")
def engine(databases: DatabaseFactory) -> Iterator[Engine]:
    """A seeded database of this module's own: its tests write."""
    from app.core.migrations import upgrade_to_head

    made = databases.engine()
    upgrade_to_head(made)
    load(made)
    yield made
    made.dispose()


@pytest.fixture(scope="module")
def keys(engine: Engine) -> dict[str, MadeKey]:
    return {
        "revoked": make_key(engine, "write", revoked=True),
        "expired": make_key(engine, "write", expired=True),
        "partner": make_key(engine, "partner"),
        "write": make_key(engine, "write"),
    }


@pytest.fixture(scope="module")
def client(engine: Engine, keys: dict[str, MadeKey]) -> Iterator[TestClient]:
    with TestClient(writing_app(engine), base_url="http://api.test") as test_client:
        yield test_client


@pytest.fixture
def writer(keys: dict[str, MadeKey]) -> dict[str, str]:
    return keys["write"].authorization


def refused(keys: dict[str, MadeKey]) -> list[tuple[str, dict[str, str], int]]:
    return [
        ("no key", {}, 401),
        ("malformed key", MALFORMED, 401),
        ("revoked key", keys["revoked"].authorization, 401),
        ("expired key", keys["expired"].authorization, 401),
        ("partner key", keys["partner"].authorization, 403),
    ]


def _expect(response: Any, status: int, label: str) -> None:
    assert response.status_code == status, f"{label}: {response.status_code} {response.text}"
    assert response.headers["cache-control"] == "no-store", label
    if status >= 400:
        assert_problem(response, status)
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer"), label


def test_every_write_route_by_key(
    client: TestClient, engine: Engine, keys: dict[str, MadeKey]
) -> None:
    """401/401/401/401/403 and then the write key's 2xx, on every route of every stored
    collection: a record is deleted, created again (cited) and corrected."""
    write = keys["write"].authorization
    conflicts = [spec for spec in STORED if spec.name == "conflicts"]
    for spec in conflicts + [spec for spec in STORED if spec.name != "conflicts"]:
        name = spec.name
        if name != "conflicts" and name == STORED[0].name:
            _without_conflicts(engine)  # they refer to records of every collection
        if spec.single:
            path = f"/v1/{name}"
            for label, auth, status in refused(keys):
                response = patch(client, path, {"reviewed": TODAY}, auth=auth, if_match="*")
                _expect(response, status, f"PATCH {path} {label}")
            response = patch(
                client, path, {"reviewed": TODAY}, auth=write, if_match=etag(client, path)
            )
            _expect(response, 200, f"PATCH {path} write")
            continue
        values = stored(engine, name)
        first = next(iter(values))
        for label, auth, status in refused(keys):
            response = client.delete(
                f"/v1/{name}/{first}", params={"summary": "x"}, headers={**auth, "If-Match": "*"}
            )
            _expect(response, status, f"DELETE {name} {label}")
        deleted = None
        for record_id, value in list(values.items())[:60]:
            response = client.delete(
                f"/v1/{name}/{record_id}",
                params={"summary": "removed for a test"},
                headers={**write, "If-Match": "*"},
            )
            if response.status_code == 204:
                deleted = (record_id, value)
                break
            # Another record rests on this one: refused, nothing changed.
            assert response.status_code == 409, response.text
        assert deleted is not None, f"no record of {name} could be deleted"
        record_id, value = deleted
        assert client.get(f"/v1/{name}/{record_id}").status_code == 404
        body = json.dumps(fully_cited(spec, value))
        for label, auth, status in refused(keys):
            response = client.post(
                f"/v1/{name}",
                params={"summary": "x"},
                headers={**auth, "Content-Type": "application/json"},
                content=body,
            )
            _expect(response, status, f"POST {name} {label}")
        response = client.post(
            f"/v1/{name}",
            params={"summary": "restored"},
            headers={**write, "Content-Type": "application/json"},
            content=body,
        )
        _expect(response, 201, f"POST {name} write")
        location = response.headers["location"]
        assert location == f"http://api.test/v1/{name}/{record_id}"
        assert response.headers["etag"] == etag(client, f"/v1/{name}/{record_id}")
        tag = response.headers["etag"]
        path = f"/v1/{name}/{record_id}"
        storage = spec.storage
        assert storage is not None
        if "reviewed" in storage.schema.model_fields:
            change: dict[str, Any] = {"reviewed": TODAY}
        else:  # a source: its title, which no citation backs (it is the evidence)
            change = {"title": value["title"] + " (corrected)"}
        for label, auth, status in refused(keys):
            _expect(patch(client, path, change, auth=auth, if_match=tag), status, f"PATCH {label}")
        response = patch(client, path, change, auth=write, if_match=tag)
        _expect(response, 200, f"PATCH {name} write")


def _without_conflicts(engine: Engine) -> None:
    from app.registry import COLLECTIONS
    from app.writes.changeset import Changeset, Operation
    from app.writes.errors import ChangesetError
    from app.writes.step import apply

    for record_id in stored(engine, "conflicts"):
        operation = Operation.delete("conflicts", record_id)
        with contextlib.suppress(ChangesetError):  # a derivation rests on it: kept
            apply(engine, Changeset((operation,), author="test", summary="x"), COLLECTIONS)


def test_post_get_patch_delete(client: TestClient, engine: Engine, writer: dict[str, str]) -> None:
    """A maintainer's round trip on a council: the ETag a write answers is the one a GET
    serves and the next If-Match takes; each write is one entry of the change feed."""
    council = stored(engine, "councils")
    source = next(v for v in council.values() if v and v.get("sources"))["sources"][0]
    record = {
        "id": "round-trip-forum",
        "names": {"en": "Round Trip Forum"},
        "kind": "forum",
        "status": "proposed",
        "reviewed": TODAY,
        "sources": [{**source, "supports": ["names", "kind", "status", "established"]}],
    }
    version_before = state(engine)[0]
    created = client.post(
        "/v1/councils",
        params={"summary": "a new forum"},
        headers={**writer, "Content-Type": "application/json"},
        content=json.dumps(record),
    )
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Round Trip Forum"
    path = "/v1/councils/round-trip-forum"
    read = client.get(path)
    assert read.json() == created.json()
    assert read.headers["etag"] == created.headers["etag"]
    changed = patch(
        client,
        path,
        {"status": "established", "established": "2026"},
        auth=writer,
        if_match=read.headers["etag"],
        summary="it was established",
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == "established"
    assert changed.headers["etag"] != read.headers["etag"]
    assert client.get(path).headers["etag"] == changed.headers["etag"]
    assert client.get(path, headers={"If-None-Match": changed.headers["etag"]}).status_code == 304
    gone = client.delete(
        path,
        params={"summary": "a test record"},
        headers={**writer, "If-Match": changed.headers["etag"]},
    )
    assert gone.status_code == 204, gone.text
    assert client.get(path).status_code == 404
    feed = client.get("/v1/changes", params={"since": version_before}).json()["data"]
    mine = [(e["action"], e["record_id"]) for e in feed if e["record_id"] == "round-trip-forum"]
    assert mine == [
        ("created", "round-trip-forum"),
        ("updated", "round-trip-forum"),
        ("deleted", "round-trip-forum"),
    ]


def test_if_match_is_required_and_must_be_current(
    client: TestClient, writer: dict[str, str]
) -> None:
    path = "/v1/officials/" + client.get("/v1/officials").json()["data"][0]["id"]
    old = etag(client, path)
    assert_problem(patch(client, path, {"reviewed": TODAY}, auth=writer, if_match=None), 428)
    deleted = client.delete(path, params={"summary": "x"}, headers=writer)
    assert_problem(deleted, 428)
    weak = patch(client, path, {"reviewed": TODAY}, auth=writer, if_match="W/" + old)
    assert_problem(weak, 412)  # If-Match compares strongly
    first = patch(client, path, {"reviewed": "2025-05-05"}, auth=writer, if_match=old)
    assert first.status_code == 200, first.text
    again = patch(client, path, {"reviewed": "2026-01-01"}, auth=writer, if_match=old)
    assert_problem(again, 412)
    assert_problem(
        client.delete(path, params={"summary": "x"}, headers={**writer, "If-Match": old}), 412
    )
    assert client.get(path).status_code == 200


def test_an_uncited_change_changes_nothing(
    client: TestClient, engine: Engine, writer: dict[str, str]
) -> None:
    """A council's `seat` changed with no citation supporting `seat`: 422 naming the field,
    and the version, the feed and every record stay as they were."""
    councils = stored(engine, "councils")
    record_id, value = next(
        (rid, v)
        for rid, v in councils.items()
        if v and not any("seat" in c["supports"] for c in v.get("sources", []))
    )
    path = f"/v1/councils/{record_id}"
    before = state(engine)
    response = patch(
        client, path, {"seat": "Somewhere Else"}, auth=writer, if_match=etag(client, path)
    )
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["body.seat"]
    assert state(engine) == before
    # The same change with a citation that supports it is taken.
    cited = [*value["sources"], {**value["sources"][0], "supports": ["seat"]}]
    response = patch(
        client,
        path,
        {"seat": "Somewhere Else", "sources": cited},
        auth=writer,
        if_match=etag(client, path),
    )
    assert response.status_code == 200, response.text
    assert response.json()["seat"] == "Somewhere Else"


def test_a_quote_not_in_its_document_is_refused(
    client: TestClient, engine: Engine, writer: dict[str, str], source_documents: Any
) -> None:
    files = {rid: v for rid, v in stored(engine, "sources").items() if v and v.get("file")}
    source_id = next(iter(files))
    path = "/v1/officials/" + client.get("/v1/officials").json()["data"][1]["id"]
    current = client.get(path).json()
    invented = {"source_id": source_id, "quote": "Words no source document holds.", "supports": []}
    sources = [{k: c[k] for k in ("source_id", "quote", "supports")} for c in current["sources"]]
    before = state(engine)
    response = patch(
        client, path, {"sources": [*sources, invented]}, auth=writer, if_match=etag(client, path)
    )
    body = assert_problem(response, 422)
    assert body["errors"][0]["field"].endswith(".quote")
    assert state(engine) == before


def test_the_body_and_the_request_are_checked(
    client: TestClient, engine: Engine, writer: dict[str, str]
) -> None:
    path = "/v1/officials/" + client.get("/v1/officials").json()["data"][0]["id"]
    tag = etag(client, path)
    before = state(engine)

    def send(body: bytes, **headers: str) -> Any:
        return client.patch(
            path,
            params={"summary": "x"},
            headers={**writer, **MERGE_PATCH, "If-Match": tag, **headers},
            content=body,
        )

    assert_problem(send(b'{"reviewed": "2026-01-01"}', **{"Content-Type": "text/plain"}), 415)
    assert_problem(send(b"{not json"), 400)
    assert_problem(send(b'["a list"]'), 422)
    assert_problem(send(b'{"x": "' + b"a" * 300_000 + b'"}'), 413)
    unknown = assert_problem(send(b'{"status": "member"}'), 422)
    assert unknown["errors"][0]["field"] == "body.status"
    assert_problem(send(b'{"id": "someone-else"}'), 422)
    no_summary = client.patch(
        path, headers={**writer, **MERGE_PATCH, "If-Match": tag}, content=b"{}"
    )
    assert_problem(no_summary, 422)
    extra = client.patch(
        path + "?summary=x&force=1",
        headers={**writer, **MERGE_PATCH, "If-Match": tag},
        content=b"{}",
    )
    assert_problem(extra, 400)
    missing = client.delete(
        "/v1/officials/no-such-official",
        params={"summary": "x"},
        headers={**writer, "If-Match": "*"},
    )
    assert_problem(missing, 404)
    assert state(engine) == before


def test_a_fault_between_rows_and_commit_leaves_nothing(
    client: TestClient, engine: Engine, writer: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The step fails after writing its rows, before the feed: the transaction rolls back
    whole (no row, record value, feed entry or version), and the client gets a 500."""
    import app.writes.step as step

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(step, "append_feed", broken)
    path = "/v1/officials/" + client.get("/v1/officials").json()["data"][0]["id"]
    before = state(engine)
    served = client.get(path).json()
    tag = etag(client, path)
    faulty = TestClient(client.app, base_url="http://api.test", raise_server_exceptions=False)
    response = patch(faulty, path, {"reviewed": "2020-01-01"}, auth=writer, if_match=tag)
    assert_problem(response, 500)
    assert state(engine) == before
    monkeypatch.undo()
    client.app.state.read_model.current = None  # type: ignore[attr-defined]
    import asyncio

    asyncio.run(client.app.state.maintainer.refresh())  # type: ignore[attr-defined]
    assert client.get(path).json() == served


def test_an_edit_keeps_the_etags_of_records_it_does_not_show_in(
    client: TestClient, writer: dict[str, str]
) -> None:
    others = ["/v1/members/KZ", "/v1/sources", "/v1/members"]
    path = "/v1/officials/" + client.get("/v1/officials").json()["data"][0]["id"]
    kept = etag(client, "/v1/members/KZ")
    listed = etag(client, "/v1/members")
    response = patch(
        client, path, {"reviewed": "2026-02-02"}, auth=writer, if_match=etag(client, path)
    )
    assert response.status_code == 200, response.text
    assert etag(client, others[0]) == kept
    assert client.get(others[0], headers={"If-None-Match": kept}).status_code == 304
    assert etag(client, "/v1/members") != listed  # a list follows the dataset version


def test_fields_that_no_data_file_writes_are_refused(
    client: TestClient, writer: dict[str, str]
) -> None:
    """Public-only fields (what the API computes) are read-only: every one is a 422."""
    from app.registry import OFFICIALS

    path = "/v1/officials/" + client.get("/v1/officials").json()["data"][0]["id"]
    storage = OFFICIALS.storage
    assert storage is not None
    schema_fields = {f.alias or n for n, f in storage.schema.model_fields.items()}
    computed = sorted(set(OFFICIALS.public_model.model_fields) - schema_fields - RECORD_ONLY)
    assert computed, "officials show fields no data file writes"
    for name in computed:
        response = patch(client, path, {name: "x"}, auth=writer, if_match=etag(client, path))
        body = assert_problem(response, 422)
        assert body["errors"][0]["field"] == f"body.{name}"


def test_cors_on_writes_only_for_the_origins_allowed(engine: Engine) -> None:
    """Reads answer any origin; a write's preflight and response carry CORS headers only
    for an origin `CICA_WRITE_ORIGINS` names (none by default)."""
    allowed, other = "https://admin.example.org", "https://elsewhere.example"
    for origins, origin, permitted in (
        ("", allowed, False),
        (allowed, allowed, True),
        (allowed, other, False),
    ):
        app = writing_app(engine, write_origins=origins)
        client = TestClient(app, base_url="http://api.test")  # the edge answers: no lifespan
        preflight = client.options(
            "/v1/members/KZ",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "PATCH",
                "Access-Control-Request-Headers": "authorization, if-match, content-type",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers.get("access-control-allow-origin") == (
            origin if permitted else None
        )
        if permitted:
            assert "PATCH" in preflight.headers["access-control-allow-methods"]
        response = client.delete("/v1/members/KZ", headers={"Origin": origin})
        assert_problem(response, 401)
        assert response.headers.get("access-control-allow-origin") == (
            origin if permitted else None
        )
        assert "Origin" in response.headers["vary"]
        read_preflight = client.options(
            "/v1/members", headers={"Origin": other, "Access-Control-Request-Method": "GET"}
        )
        assert read_preflight.headers["access-control-allow-origin"] == "*"
