"""The OpenAPI document: valid 3.1, readable operation ids, documented parameters and errors."""

import copy
from importlib.metadata import version as package_version
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate
from sqlalchemy import Engine

import app
from app.api.openapi_document import examples
from app.core.config import Settings
from app.main import create_app
from app.registry import COLLECTIONS
from scripts.openapi_examples import (
    CLIENT_ERRORS,
    VOLATILE,
    collect,
    example_clients,
    keep_unchanged,
    normalized,
)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return create_app().openapi()


def test_validates_as_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    validate(spec)
    assert spec["info"]["description"]
    assert {t["name"] for t in spec["tags"]} >= {"members", "observers", "councils"}


def test_operation_ids_read_like_methods(spec: dict[str, Any]) -> None:
    operations = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {
        "listMembers",
        "getMember",
        "listObservers",
        "getPartnerOrganization",
        "listCouncils",
        "listReformAreas",
        "getSource",
    } <= operations


def test_every_parameter_has_description_and_example(spec: dict[str, Any]) -> None:
    for path, item in spec["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                where = f"{path} {parameter['name']}"
                assert parameter.get("description"), where
                assert parameter["schema"].get("examples") or parameter.get("examples"), where


def test_error_responses_are_declared(spec: dict[str, Any]) -> None:
    for path, item in spec["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for operation in item.values():
            responses = operation["responses"]
            assert {"400", "500"} <= responses.keys(), path
            assert "application/problem+json" in responses["400"]["content"]
            if "{" in path:
                assert "404" in responses, path


def test_caching_headers_are_described(spec: dict[str, Any]) -> None:
    for path, item in spec["paths"].items():
        if path.startswith("/v1/"):
            responses = item["get"]["responses"]
            assert {"ETag", "Cache-Control", "Last-Modified"} <= responses["200"][
                "headers"
            ].keys(), path
            assert "304" in responses, path


def test_served_at_openapi_json() -> None:
    with TestClient(create_app()) as client:
        assert client.get("/openapi.json").json()["info"]["title"] == "CICA Data API"


def test_every_documented_example_runs_as_shown(client: TestClient) -> None:
    """Each operation called with every parameter at its documented example answers 200."""
    document = client.get("/openapi.json").json()
    for path, item in document["paths"].items():
        if not path.startswith("/v1/"):
            continue
        operation = item["get"]
        url, query, headers, required = path, {}, {}, set()
        for parameter in operation.get("parameters", []):
            example = parameter["schema"]["examples"][0]
            if parameter["in"] == "path":
                url = url.replace("{" + parameter["name"] + "}", str(example))
            elif parameter["in"] == "header":
                headers[parameter["name"]] = str(example)
            elif parameter["name"] not in ("offset",):
                if parameter["required"]:
                    required.add(parameter["name"])
                query[parameter["name"]] = (
                    example if not isinstance(example, bool) else str(example).lower()
                )
        chosen = {"lang", "fields", "format", "limit", *required}
        filters = {k: v for k, v in query.items() if k in chosen}
        for sent in (filters, query):
            response = client.get(url, params=sent, headers=headers)
            assert response.status_code == 200, (operation["operationId"], sent, response.text)


def _operations(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(path, op) for path, item in spec["paths"].items() for op in item.values()]


def test_every_operation_is_described_for_a_frontend_developer(spec: dict[str, Any]) -> None:
    for path, operation in _operations(spec):
        assert operation.get("summary"), path
        assert len(operation.get("description", "")) > 60, path


def test_errors_are_documented_as_sent(spec: dict[str, Any]) -> None:
    """Only under `application/problem+json` (what the server sends), with the Problem
    schema, so a generated client types `error.detail`."""
    for path, operation in _operations(spec):
        for status, response in operation["responses"].items():
            if status[0] in "45":
                assert list(response["content"]) == ["application/problem+json"], (path, status)
                media = response["content"]["application/problem+json"]
                assert media["schema"] == {"$ref": "#/components/schemas/Problem"}, (path, status)
    assert spec["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "detail",
        "instance",
    ]


def test_list_bodies_are_json_with_csv_and_ndjson_as_text(spec: dict[str, Any]) -> None:
    for path, operation in _operations(spec):
        if not operation["operationId"].startswith("list") and path != "/v1/search":
            continue
        content = operation["responses"]["200"]["content"]
        assert next(iter(content)) == "application/json", path
        assert content["application/json"]["schema"]["$ref"].endswith("Page") or path.endswith(
            "exports"
        ), path
        if path != "/v1/exports":
            assert content["text/csv"] == {"schema": {"type": "string"}}, path
            assert content["application/x-ndjson"] == {"schema": {"type": "string"}}, path


def test_every_response_has_an_example(spec: dict[str, Any]) -> None:
    """A JSON 200 and every client error; 500 and 503 where the examples script can cause
    them (their examples are compared with live answers below)."""
    for _, operation in _operations(spec):
        name = operation["operationId"]
        # A write's success is not shown: making it would change the dataset the other
        # examples are answers of (scripts/openapi_examples.py).
        write = name.startswith(("create", "update", "delete"))
        for status in (*(() if write else ("200",)), *CLIENT_ERRORS):
            content = operation["responses"].get(status, {}).get("content", {})
            json_media = [media for media_type, media in content.items() if "json" in media_type]
            if not json_media or (name, status) == ("getExport", "200"):
                continue  # not JSON; getExport: the file itself, listed by listExports
            assert any("example" in media for media in json_media), (name, status)
        if name in SNAPSHOT_READS:
            shown = {
                status
                for status, response in operation["responses"].items()
                if any("example" in media for media in response.get("content", {}).values())
            }
            assert {"500", "503"} <= shown, name


SNAPSHOT_READS = {"search", *(f"list{c.docs.plural}" for c in COLLECTIONS)} | {
    f"get{c.docs.singular}" for c in COLLECTIONS
}
"""Reads served from the snapshot: an unloaded or failing one shows their 503 and 500."""


def test_examples_are_the_live_answers(seeded_engine: Engine) -> None:
    """The documented examples are what the API answers on the seeded dataset, on every
    backend. After a change to a route or to the data: `python -m scripts.openapi_accept`."""
    settings = Settings(database_url=str(seeded_engine.url), version_poll_seconds=3600)
    with example_clients(settings) as clients:
        live, missing = collect(clients)
    assert not missing, f"declared statuses no request produces: {missing}"
    assert normalized(live) == normalized(examples()), (
        "app/api/openapi_examples.json is stale: run `python -m scripts.openapi_accept`"
    )


def test_regenerated_examples_keep_what_did_not_change() -> None:
    """A new seeding gives every answer new timestamps, checksums and request ids; the
    regenerated examples keep the committed ones except where the answer itself changed."""
    committed = examples()
    member = committed["getMember"]["200"]["application/json"]
    live = copy.deepcopy(committed)
    _restamp(live)
    changed = live["getMember"]["200"]["application/json"]
    changed["reviewed"] = "2999-01-01"
    kept = keep_unchanged(committed, live)
    assert kept["getMember"]["200"]["application/json"] == changed != member
    kept["getMember"]["200"]["application/json"] = member
    assert kept == committed


def _restamp(value: Any) -> None:
    """Every volatile value made different, as a new seeding makes it."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in list(items):
        if key in VOLATILE:
            value[key] = f"{item}-again"
        elif isinstance(item, dict | list):
            _restamp(item)


def test_info_version_is_the_package_version(spec: dict[str, Any]) -> None:
    assert spec["info"]["version"] == app.__version__ == package_version("cica-data-api")
    assert spec["info"]["version"].split(".")[0] == "1"  # the /v1 of the URLs
