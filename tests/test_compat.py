"""The compatibility gate: the live OpenAPI document must not break the committed v1
(`openapi/v1.json`), and the checker behind it finds each kind of break and passes
additions.

After an intended addition: `python -m scripts.openapi_accept` (examples, then v1.json).
"""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from scripts.openapi_compat import breaking_changes
from scripts.openapi_dump import document

COMMITTED = Path(__file__).resolve().parents[1] / "openapi" / "v1.json"


def test_live_document_keeps_every_promise_of_v1() -> None:
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    problems = breaking_changes(committed, document())
    assert not problems, (
        "the live OpenAPI document breaks openapi/v1.json:\n"
        + "\n".join(problems)
        + "\n(v1 is additive only; if this change is intended and compatible, run "
        "`python -m scripts.openapi_accept`)"
    )


def test_committed_document_is_v1() -> None:
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert committed["info"]["version"].split(".")[0] == "1"
    assert "/v1/members" in committed["paths"]


BASE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1.0.0"},
    "paths": {
        "/v1/things": {
            "get": {
                "operationId": "listThings",
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": ["open", "closed"]},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ThingsPage"}
                            },
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    "404": {"description": "no"},
                },
            }
        }
    },
    "components": {
        "schemas": {
            "ThingsPage": {
                "type": "object",
                "required": ["data"],
                "properties": {
                    "data": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}
                },
            },
            "Thing": {
                "type": "object",
                "required": ["id", "kind"],
                "properties": {
                    "id": {"type": "string"},
                    "kind": {"type": "string", "enum": ["summit", "council"]},
                    "joined": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "size": {"type": "number"},
                },
            },
        }
    },
}


def _changed(edit: Any) -> list[str]:
    new = copy.deepcopy(BASE)
    edit(new)
    return breaking_changes(BASE, new)


def _op(doc: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = doc["paths"]["/v1/things"]["get"]
    return operation


def _thing(doc: dict[str, Any]) -> dict[str, Any]:
    thing: dict[str, Any] = doc["components"]["schemas"]["Thing"]
    return thing


def test_the_same_document_passes() -> None:
    assert breaking_changes(BASE, copy.deepcopy(BASE)) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["paths"].pop("/v1/things"), "/v1/things: path removed"),
        (
            lambda d: d["paths"]["/v1/things"].update(post=d["paths"]["/v1/things"].pop("get")),
            "GET /v1/things: operation removed",
        ),
        (
            lambda d: _op(d).update(operationId="getThings"),
            "operationId 'listThings' became 'getThings'",
        ),
        (lambda d: _op(d)["parameters"].pop(0), "parameter status (query): removed"),
        (
            lambda d: _op(d)["parameters"].append(
                {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}
            ),
            "parameter q (query): new and required",
        ),
        (
            lambda d: _op(d)["parameters"][0].update(required=True),
            "parameter status (query): now required",
        ),
        (
            lambda d: _op(d)["parameters"][0]["schema"]["enum"].remove("closed"),
            "parameter status (query): enum value(s) removed: closed",
        ),
        (
            lambda d: _op(d)["parameters"][1]["schema"].update(maximum=100),
            "parameter limit (query): maximum 200 became 100",
        ),
        (
            lambda d: _op(d)["parameters"][1]["schema"].update(type="string"),
            "parameter limit (query): type narrowed (integer no longer allowed)",
        ),
        (lambda d: _thing(d)["properties"].pop("joined"), "field joined removed"),
        (
            lambda d: _thing(d)["properties"]["kind"]["enum"].remove("council"),
            ".data[].kind: enum value(s) removed: council",
        ),
        (
            lambda d: _thing(d)["properties"].update(joined={"type": "string"}),
            ".data[].joined: type narrowed (null no longer allowed)",
        ),
        (
            lambda d: _thing(d)["properties"].update(size={"type": "integer"}),
            ".data[].size: type narrowed (number no longer allowed)",
        ),
        (lambda d: _thing(d)["required"].remove("kind"), "field kind no longer always present"),
        (lambda d: _op(d)["responses"].pop("200"), "GET /v1/things response 200: removed"),
        (
            lambda d: _op(d)["responses"]["200"]["content"].pop("text/csv"),
            "media type text/csv removed",
        ),
    ],
    ids=[
        "removed path",
        "removed operation",
        "renamed operation",
        "removed parameter",
        "new required parameter",
        "parameter made required",
        "removed parameter enum value",
        "stricter bound",
        "narrowed parameter type",
        "removed response field",
        "removed response enum value",
        "null no longer allowed",
        "number narrowed to integer",
        "field made optional",
        "removed success response",
        "removed media type",
    ],
)
def test_each_break_is_found(edit: Any, expected: str) -> None:
    problems = _changed(edit)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["paths"].update({"/v1/others": copy.deepcopy(d["paths"]["/v1/things"])}),
        lambda d: _op(d)["parameters"].append(
            {"name": "q", "in": "query", "required": False, "schema": {"type": "string"}}
        ),
        lambda d: _thing(d)["properties"].update(note={"type": "string"}),
        lambda d: _thing(d)["properties"]["kind"]["enum"].append("forum"),
        lambda d: _op(d)["parameters"][0]["schema"]["enum"].append("planned"),
        lambda d: _op(d)["parameters"][1]["schema"].update(maximum=500),
        lambda d: _thing(d)["properties"].update(size={"type": ["number", "string"]}),
        lambda d: _op(d)["responses"].update({"422": {"description": "invalid"}}),
        lambda d: _op(d)["responses"].pop("404"),
    ],
    ids=[
        "added path",
        "added optional parameter",
        "added field",
        "added response enum value",
        "added parameter enum value",
        "looser bound",
        "widened response type",
        "added error status",
        "error status no longer documented",
    ],
)
def test_additions_pass(edit: Any) -> None:
    assert _changed(edit) == []


def test_breaks_in_the_real_document_are_found() -> None:
    """The checker follows the real document's `$ref`s, unions and parameters."""
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    new = copy.deepcopy(committed)
    new["components"]["schemas"]["MemberPublic"]["properties"].pop("founding_member")
    new["components"]["schemas"]["MemberPublicSparse"]["properties"].pop("joined")
    lang = next(p for p in new["paths"]["/v1/members"]["get"]["parameters"] if p["name"] == "lang")
    lang["schema"]["enum"].remove("ru")
    problems = breaking_changes(committed, new)
    assert any(
        p.startswith("GET /v1/members response 200 application/json.data[]")
        and p.endswith("field founding_member removed")
        for p in problems
    ), problems
    assert any(p.endswith("data[]: field joined removed") for p in problems), problems
    assert not any(p.endswith("field founding_member no longer always present") for p in problems)
    assert "GET /v1/members parameter lang (query): enum value(s) removed: ru" in problems


def _fields_pattern(doc: dict[str, Any]) -> dict[str, Any]:
    parameters = doc["paths"]["/v1/members"]["get"]["parameters"]
    schema: dict[str, Any] = next(p for p in parameters if p["name"] == "fields")["schema"]
    return schema


def _with_names(names: list[str], most: str) -> str:
    alternatives = "|".join(names)
    return f"^(?:{alternatives})(?:,(?:{alternatives})){most}$"


@pytest.mark.parametrize(
    ("names", "most", "breaks"),
    [
        (["id", "name", "joined"], "{0,2}", False),
        (["id", "name", "joined", "status"], "{0,3}", False),
        (["id", "name", "joined"], "*", False),
        (["id", "name"], "{0,2}", True),
        (["id", "name", "joined"], "{0,1}", True),
    ],
    ids=["same", "names added", "any number", "name removed", "fewer allowed"],
)
def test_name_list_patterns_compare_as_sets(names: list[str], most: str, breaks: bool) -> None:
    """`fields=`, `sort=` and `collections=` grow with the data model: a list pattern that
    takes more names (or more of them) is an addition; one that drops a name breaks v1."""
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    old, new = copy.deepcopy(committed), copy.deepcopy(committed)
    _fields_pattern(old)["pattern"] = _with_names(["id", "name", "joined"], "{0,2}")
    _fields_pattern(new)["pattern"] = _with_names(names, most)
    problems = [p for p in breaking_changes(old, new) if "parameter fields" in p]
    assert bool(problems) is breaks, problems
