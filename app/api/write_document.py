"""The write operations in the OpenAPI document: parameters, request bodies with examples,
every response they can give, the bearer scheme they need, and links from a `POST` to the
`GET`, `PATCH` and `DELETE` of the record it made (what Schemathesis' stateful phase and
generated clients follow).

The routes read their bodies themselves (`app.api.write_body`: size, media type, then the
create schema), so the document is written here from the registry rather than inferred
by FastAPI from handler signatures.
"""

import functools
from collections.abc import Sequence
from typing import Any, Final

from pydantic.json_schema import models_json_schema

from app.api.parameters import path_parameter
from app.api.security import SCHEME
from app.api.write_body import JSON_MEDIA_TYPE, MERGE_PATCH, SUMMARY_MAX
from app.core.errors import ERROR_DESCRIPTIONS, PROBLEM_MEDIA_TYPE, RATE_LIMIT_HEADERS
from app.spec import CollectionSpec

SUMMARY_PARAMETER: Final = {
    "name": "summary",
    "in": "query",
    "required": True,
    "description": "Why the write is made, in a few words: stored with the change and shown "
    "in the record's revisions (like an edit summary on Wikidata).",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": SUMMARY_MAX,
        "pattern": r"^[^\x00-\x1f\x7f]*\S[^\x00-\x1f\x7f]*$",
        "examples": ["Ceased in 2013 per its own announcement"],
    },
}
IF_MATCH: Final = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": "The `ETag` of the record's JSON detail (`GET` it first; any language, "
    "with or without `fields=`): the write is refused with 412 if the record changed since. "
    "An edit of another record never makes it stale. Without it: 428.",
    "schema": {
        "type": "string",
        "minLength": 1,
        "examples": ['"3f9a0c2b71de-8c1d2e3f4a5b6c7d"'],
    },
}
WRITE_ERRORS: Final = {
    400: "Bad Request: a query parameter other than `summary`, or `summary` repeated, or a "
    "body that is not JSON.",
    404: "Not Found: no record has this id.",
    409: "Conflict: a record with this id exists already (POST), or another record rests on "
    "this one (a reference, a derivation's premise): change that one first.",
    412: "Precondition Failed: the record changed since the ETag in `If-Match` was read: "
    "GET it again and re-apply the change.",
    413: "Content Too Large: the body is larger than `CICA_WRITE_MAX_BYTES`.",
    415: "Unsupported Media Type: POST takes `application/json`, PATCH "
    "`application/merge-patch+json`.",
    422: "Unprocessable Content: the record is not valid as its data file would hold it "
    "(an unknown or read-only field, a wrong value, a reference to nothing), a field it sets "
    "has no citation supporting it, a quote is not in its source document, or `summary` is "
    "missing; `errors` names each field.",
    428: "Precondition Required: `If-Match` is missing.",
    503: "Service Unavailable: the database is busy (a seed run holds the writers' lock); "
    "retry after `Retry-After` seconds.",
}
REVIEWED_EXAMPLE: Final = "2026-12-06"
"""The PATCH example's `reviewed`: the day a maintainer checked the record (fixed, so the
document does not change by the day)."""
RECORD_HEADERS: Final = {
    "ETag": {
        "description": "The ETag of the record's JSON detail now: send it in the next `If-Match`.",
        "schema": {"type": "string"},
    },
    "X-Dataset-Version": {
        "description": "The dataset version the write made.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {"description": "`no-store`.", "schema": {"type": "string"}},
}


def document_writes(
    document: dict[str, Any], collections: Sequence[CollectionSpec[Any, Any]]
) -> dict[str, Any]:
    """Fill in the write operations of `document` (the routes of `app.api.v1.writes`)."""
    stored = [spec for spec in collections if spec.storage is not None]
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    _, found = models_json_schema(
        [(spec.storage.schema, "validation") for spec in stored if spec.storage is not None],
        ref_template="#/components/schemas/{model}",
    )
    for name, schema in found.get("$defs", {}).items():
        schemas.setdefault(name, schema)
    examples = _examples(tuple(collections))
    paths = document.get("paths", {})
    for spec in stored:
        _document(spec, paths, examples.get(spec.name))
    return document


def _document(
    spec: CollectionSpec[Any, Any], paths: dict[str, Any], example: dict[str, Any] | None
) -> None:
    docs = spec.docs
    assert spec.storage is not None
    create = {"$ref": f"#/components/schemas/{spec.storage.schema.__name__}"}
    public = {"$ref": f"#/components/schemas/{spec.public_model.__name__}"}
    base = f"/v1/{spec.name}"
    item = base if spec.single else f"{base}/{{{docs.id_name}}}"
    ids = (
        []
        if spec.single
        else [
            path_parameter(
                docs.id_name,
                pattern=docs.id_pattern,
                description=docs.id_description,
                example=docs.id_example,
            )
        ]
    )
    record_response = {
        "description": "The record as a GET of it now answers (JSON, in the language of "
        "`Accept-Language`).",
        "headers": RECORD_HEADERS,
        "content": {JSON_MEDIA_TYPE: {"schema": public}},
    }
    patch_example = {"reviewed": REVIEWED_EXAMPLE}
    patch = paths.get(item, {}).get("patch")
    if patch is not None:
        patch.update(
            description=_PATCH.format(name=spec.name, schema=spec.storage.schema.__name__),
            security=[{SCHEME: []}],
            parameters=[*ids, SUMMARY_PARAMETER, IF_MATCH],
            requestBody={
                "required": True,
                "content": {
                    MERGE_PATCH: {
                        "schema": {
                            "type": "object",
                            "description": "A JSON Merge Patch (RFC 7396) of the record as "
                            f"`{spec.storage.schema.__name__}` writes it.",
                        },
                        "example": patch_example,
                    }
                },
            },
            responses={
                "200": record_response,
                **_errors(
                    400,
                    401,
                    403,
                    *(() if spec.single else (404,)),
                    409,
                    412,
                    413,
                    415,
                    422,
                    428,
                    429,
                    500,
                    503,
                ),
            },
        )
    if spec.single:
        return
    post = paths.get(base, {}).get("post")
    if post is not None:
        body: dict[str, Any] = {"schema": create}
        if example is not None:
            body["example"] = example
        post.update(
            description=_POST.format(name=spec.name, schema=spec.storage.schema.__name__),
            security=[{SCHEME: []}],
            parameters=[SUMMARY_PARAMETER],
            requestBody={"required": True, "content": {JSON_MEDIA_TYPE: body}},
            responses={
                "201": {
                    **record_response,
                    "description": "Created: the record as a GET of it now answers.",
                    "headers": {
                        "Location": {
                            "description": "The new record's URL.",
                            "schema": {"type": "string"},
                        },
                        **RECORD_HEADERS,
                    },
                    "links": _links(spec),
                },
                **_errors(400, 401, 403, 409, 413, 415, 422, 429, 500, 503),
            },
        )
    delete = paths.get(item, {}).get("delete")
    if delete is not None:
        delete.update(
            description=_DELETE.format(name=spec.name),
            security=[{SCHEME: []}],
            parameters=[*ids, SUMMARY_PARAMETER, IF_MATCH],
            responses={
                "204": {
                    "description": "Deleted.",
                    "headers": {k: v for k, v in RECORD_HEADERS.items() if k != "ETag"},
                },
                **_errors(400, 401, 403, 404, 409, 412, 422, 428, 429, 500, 503),
            },
        )


def _links(spec: CollectionSpec[Any, Any]) -> dict[str, Any]:
    docs = spec.docs
    record = {docs.id_name: "$response.body#/id"}
    guarded = {**record, "header.If-Match": "$response.header.ETag"}
    return {
        f"Get{docs.singular}": {"operationId": f"get{docs.singular}", "parameters": record},
        f"Update{docs.singular}": {
            "operationId": f"update{docs.singular}",
            "parameters": guarded,
        },
        f"Delete{docs.singular}": {
            "operationId": f"delete{docs.singular}",
            "parameters": guarded,
        },
    }


def _errors(*statuses: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status in statuses:
        response: dict[str, Any] = {
            "description": WRITE_ERRORS.get(status) or ERROR_DESCRIPTIONS[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        if status == 429:
            response["headers"] = RATE_LIMIT_HEADERS
        elif status == 503:
            response["headers"] = {"Retry-After": RATE_LIMIT_HEADERS["Retry-After"]}
        elif status == 401:
            response["headers"] = {
                "WWW-Authenticate": {
                    "description": '`Bearer realm="cica"`.',
                    "schema": {"type": "string"},
                }
            }
        out[str(status)] = response
    return out


@functools.cache
def _examples(collections: tuple[CollectionSpec[Any, Any], ...]) -> dict[str, dict[str, Any]]:
    """A request body per collection: its data file's first record, each citable field it
    gives supported by a citation (what the API asks of a write)."""
    from app.writes.feed import value_of
    from app.writes.world import citable_fields
    from seed import SEED_DIR
    from seed.reader import read_dataset

    try:
        dataset = read_dataset(SEED_DIR, collections)
    except Exception:  # a test's own collections, without data files
        return {}
    found: dict[str, dict[str, Any]] = {}
    for spec in collections:
        records = dataset.records.get(spec.name)
        if not records:
            continue
        value = value_of(records[0])
        citable = citable_fields(spec)
        if citable and value.get("sources"):
            given = sorted(n for n, v in value.items() if n in citable and v not in (None, [], {}))
            first = value["sources"][0]
            value["sources"] = [
                {**first, "supports": sorted({*first["supports"], *given})},
                *value["sources"][1:],
            ]
        found[spec.name] = value
    return found


_POST = """Add a record to `{name}`, as its data file would hold it (`{schema}`). Needs a
`write` key and `summary=`. Every field the record gives must be supported by a citation
in its `sources` (`supports` names it), whose source exists; a quote from one of the source
documents must be in it. The example is the data file's first record (it exists on the
seeded dataset, so it answers 409 until that record is deleted).

The answer is the record as a GET now serves it, with its `ETag` and `Location`; the
change is in `/v1/changes` at once, and on every replica within a second."""
_PATCH = """Correct a record of `{name}` with a JSON Merge Patch (RFC 7396) of the record as
its data file holds it (`{schema}`): members given replace, `null` removes. Needs a
`write` key, `summary=` and `If-Match` (the record's `ETag`). Every field the patch
changes must be supported by a citation in the resulting record's `sources`; add the
citation in the same patch (`sources` is replaced whole, so send the list with it). The
example sets `reviewed`, the day the record was last checked, which needs no citation."""
_DELETE = """Remove a record of `{name}`. Needs a `write` key, `summary=` and `If-Match`
(the record's `ETag`). A record another one rests on (a reference, a derivation's premise)
is refused with 409."""
