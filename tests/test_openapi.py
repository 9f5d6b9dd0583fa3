"""The OpenAPI document: valid 3.1, readable operation ids, documented parameters and errors."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from app.main import create_app


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
        url, query, required = path, {}, set()
        for parameter in operation.get("parameters", []):
            example = parameter["schema"]["examples"][0]
            if parameter["in"] == "path":
                url = url.replace("{" + parameter["name"] + "}", str(example))
            elif parameter["name"] not in ("offset",):
                if parameter["required"]:
                    required.add(parameter["name"])
                query[parameter["name"]] = (
                    example if not isinstance(example, bool) else str(example).lower()
                )
        chosen = {"lang", "fields", "format", "limit", *required}
        filters = {k: v for k, v in query.items() if k in chosen}
        for sent in (filters, query):
            response = client.get(url, params=sent)
            assert response.status_code == 200, (operation["operationId"], sent, response.text)
