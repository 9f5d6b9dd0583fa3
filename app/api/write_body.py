"""Reading a write's request: its body (capped, of the right media type, JSON), its summary
and its `If-Match`, and applying a JSON Merge Patch (RFC 7396).

Each check answers its own problem: 413 for a body past `CICA_WRITE_MAX_BYTES` (by its
`Content-Length`, or as it arrives), 415 for a media type the operation does not take,
400 for a body that is not JSON, 422 for JSON that is not an object, 428 for a `PATCH` or
`DELETE` without `If-Match`.
"""

import re
from typing import Any, Final

import orjson
from fastapi import Request

from app.core.errors import (
    BadRequest,
    ContentTooLarge,
    FieldError,
    PreconditionRequired,
    UnprocessableContent,
    UnsupportedMediaType,
)

JSON_MEDIA_TYPE: Final = "application/json"
MERGE_PATCH: Final = "application/merge-patch+json"
SUMMARY_MAX: Final = 250
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


async def read_json(request: Request, media_type: str, limit: int) -> dict[str, Any]:
    """The body as a JSON object, after the size and media type checks."""
    given = request.headers.get("content-type", "")
    if given.split(";")[0].strip().lower() != media_type:
        raise UnsupportedMediaType(
            f"This operation takes `{media_type}`, not `{given or 'no Content-Type'}`.",
            headers={"Accept-Patch": MERGE_PATCH} if media_type == MERGE_PATCH else None,
        )
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise ContentTooLarge(f"The body is larger than {limit} bytes.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ContentTooLarge(f"The body is larger than {limit} bytes.")
        chunks.append(chunk)
    try:
        value = orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        raise BadRequest("The body is not JSON.") from None
    if not isinstance(value, dict):
        raise UnprocessableContent(
            "The body must be a JSON object.",
            errors=[FieldError(field="body", message="expected an object")],
        )
    return value


def summary_of(request: Request) -> str:
    """The required `summary` query parameter: why the write is made, stored with it.

    A query parameter, not a body member (a merge patch's members are the record's) nor a
    custom header: it is what the curl one-liner and every HTTP client send most simply."""
    given = request.query_params.getlist("summary")
    unknown = sorted(set(request.query_params) - {"summary"})
    if unknown:
        raise BadRequest(
            f"Unknown query parameter: {', '.join(unknown)}. A write takes only `summary`.",
            errors=[
                FieldError(field=f"query.{name}", message="unknown parameter") for name in unknown
            ],
        )
    if len(given) > 1:
        raise BadRequest(
            "`summary` is given more than once.",
            errors=[FieldError(field="query.summary", message="repeated")],
        )
    text = given[0].strip() if given else ""
    if not text or len(text) > SUMMARY_MAX or _CONTROL.search(text):
        raise UnprocessableContent(
            "Every write needs `summary=`: why it is made, in 1 to "
            f"{SUMMARY_MAX} characters on one line.",
            errors=[FieldError(field="query.summary", message="missing, empty or too long")],
        )
    return text


def if_match(request: Request) -> str:
    value = request.headers.get("if-match")
    if value is None or not value.strip():
        raise PreconditionRequired(
            "This operation needs `If-Match`: the `ETag` of the record's detail "
            "(`GET` it first), so a change made since is never overwritten."
        )
    return value


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge member by member, `null` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result
