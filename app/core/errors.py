"""RFC 9457 problem details: the project's error classes and the handlers that render them.

Services raise these classes (never `HTTPException`); one handler turns them into
`application/problem+json`. Unexpected exceptions become a bare 500 with no internals.
"""

import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Scope

from app.core.choices import choices_in

logger = logging.getLogger("app.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://cica-data-api.example/problems/"
_PATH_SAFE = "/!$&'()*+,;=:@-._~"


class FieldError(BaseModel):
    field: str = Field(description="Where the problem is: `query.limit`, `path.member_id`, ...")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, sent as `application/problem+json` with every error."""

    type: str = Field(
        description="URI naming the kind of problem; stable, so code may branch on it.",
        examples=[PROBLEM_TYPE_BASE + "not-found"],
    )
    title: str = Field(description="The HTTP status phrase.", examples=["Not Found"])
    status: int = Field(description="The HTTP status code.", examples=[404])
    detail: str = Field(
        description="What went wrong with this request, in words fit to show a user.",
        examples=["No record in members with id 'XX'."],
    )
    instance: str = Field(
        description="This occurrence: the path asked for, and after `#request=` the request's "
        "id (its `X-Request-ID`, as in the log line).",
        examples=["/v1/members/XX#request=4bf92f3577b34da6a3ce929d0e0e4736"],
    )
    errors: list[FieldError] | None = Field(
        default=None, description="Per-field problems, for validation errors."
    )


class ProblemError(Exception):
    """Base of the project's errors: each subclass carries its status and problem type."""

    status: int = 500
    slug: str = "internal-error"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers


class BadRequest(ProblemError):
    status, slug = 400, "bad-request"


class Unauthorized(ProblemError):
    """No valid API key where one is needed, or a key that is not valid (RFC 6750)."""

    status, slug = 401, "unauthorized"


class Forbidden(ProblemError):
    """A valid key whose scope does not allow this."""

    status, slug = 403, "forbidden"


class NotFound(ProblemError):
    status, slug = 404, "not-found"


class Conflict(ProblemError):
    status, slug = 409, "conflict"


class PreconditionFailed(ProblemError):
    status, slug = 412, "precondition-failed"


class ContentTooLarge(ProblemError):
    status, slug = 413, "content-too-large"


class UnsupportedMediaType(ProblemError):
    status, slug = 415, "unsupported-media-type"


class UnprocessableContent(ProblemError):
    status, slug = 422, "validation-error"


class PreconditionRequired(ProblemError):
    status, slug = 428, "precondition-required"


class NotAcceptable(ProblemError):
    status, slug = 406, "not-acceptable"


class ServiceUnavailable(ProblemError):
    status, slug = 503, "service-unavailable"


def problem_instance(scope: Scope) -> str:
    """A URI reference naming this occurrence: the (percent-encoded) path, and the request
    id as its fragment, so a client can quote it and an operator find the log line."""
    path = quote(scope.get("path", ""), safe=_PATH_SAFE)
    request_id = scope.get("state", {}).get("request_id")
    return f"{path}#request={request_id}" if request_id else path


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    title = HTTPStatus(status).phrase
    problem = Problem(
        type=PROBLEM_TYPE_BASE + (slug or title.lower().replace(" ", "-")),
        title=title,
        status=status,
        detail=detail,
        instance=problem_instance(request.scope),
        errors=errors,
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


async def _problem_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    headers = {"Retry-After": "1"} if exc.status == 503 else None
    if exc.headers:
        headers = {**(headers or {}), **exc.headers}
    return problem_response(
        request, exc.status, exc.detail, slug=exc.slug, errors=exc.errors, headers=headers
    )


CHOICE_PARAMETERS = frozenset({"sort", "fields", "collections"})
LISTED_NAMES = 5
"""A 400 names at most this many unknown or repeated parameters, and says how many more."""
PATTERN_WORDS: dict[str, str] = {}
"""What a value must look like, in words, per pattern (see `worded`)."""


def worded(pattern: str, words: str) -> str:
    """`pattern`, registered with the words an error says instead of the pattern itself:
    `q=!!` is told that a query needs a letter or a digit, not shown a Unicode regex."""
    PATTERN_WORDS[pattern] = words
    return pattern


def listed(names: list[str]) -> str:
    """`a, b, c` or `a, b, c, d, e and 7 more`: a bounded list of names for a detail."""
    shown = ", ".join(name[:40] for name in names[:LISTED_NAMES])
    rest = len(names) - LISTED_NAMES
    return f"{shown} and {rest} more" if rest > 0 else shown


def _pattern_message(error: Any) -> str:
    pattern = error["ctx"]["pattern"]
    words = PATTERN_WORDS.get(pattern)
    if words is not None:
        return words
    allowed = choices_in(pattern)
    if allowed:
        return f"must be one of: {', '.join(allowed)}"
    return "holds characters this parameter does not allow"


def _choice_error(error: Any) -> FieldError | None:
    """A `sort`, `fields` or `collections` value naming something that does not exist."""
    loc = error["loc"]
    if error["type"] != "string_pattern_mismatch" or loc[:1] != ("query",) or len(loc) != 2:
        return None
    if loc[1] not in CHOICE_PARAMETERS:
        return None
    allowed = choices_in(error["ctx"]["pattern"])
    given = [part.lstrip("-") for part in str(error["input"]).split(",")]
    unknown = [part for part in given if part not in allowed] or given
    return FieldError(
        field=f"query.{loc[1]}",
        message=f"unknown: {listed(unknown)[:200]}; available: {', '.join(allowed)}",
    )


def _message(error: Any) -> str:
    if error["type"] == "string_pattern_mismatch":
        return _pattern_message(error)
    return str(error["msg"])


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """Unknown parameters and unknown names in `sort`/`fields` are 400; an id that cannot
    exist is 404; other invalid values are 422."""
    assert isinstance(exc, RequestValidationError)
    problems = exc.errors()
    unknown = sorted(
        str(e["loc"][-1])
        for e in problems
        if e["type"] == "extra_forbidden" and e["loc"][0] == "query"
    )
    if unknown:
        return problem_response(
            request,
            400,
            f"Unknown query parameter(s): {listed(unknown)}.",
            slug="unknown-parameter",
            errors=[
                FieldError(field=f"query.{name[:40]}", message="unknown parameter")
                for name in unknown[:LISTED_NAMES]
            ],
        )
    if any(e["loc"][:1] == ("path",) for e in problems):
        return problem_response(request, 404, f"Nothing at {request.url.path}.", slug="not-found")
    choices = [_choice_error(e) for e in problems]
    if all(choices):
        found = [c for c in choices if c is not None]
        return problem_response(
            request,
            400,
            "; ".join(f"{c.field}: {c.message}" for c in found),
            slug="unknown-field",
            errors=found,
        )
    errors = [FieldError(field=_location(e["loc"]), message=_message(e)) for e in problems]
    summary = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return problem_response(
        request, 422, f"Invalid request: {summary}", slug="validation-error", errors=errors
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    if status == 404 and detail == "Not Found":
        redirect = slash_redirect(request)
        if redirect is not None:
            return redirect
        detail = f"No route matches {request.url.path}."
    elif status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
        return problem_response(request, 405, detail, headers={"Allow": _allowed(request)})
    return problem_response(request, status, detail, headers=getattr(exc, "headers", None))


def _allowed(request: Request) -> str:
    """Every method some route of the path takes (a collection's reads and its writes are
    separate routes; Starlette's `Allow` names only the first route's)."""
    methods: list[str] = []

    def walk(routes: Any) -> None:
        for route in routes:
            included = getattr(route, "original_router", None)  # an included router
            if included is not None:
                walk(included.routes)
                continue
            match, _ = route.matches(request.scope)
            if match is not Match.NONE:
                methods.extend(m for m in getattr(route, "methods", None) or () if m not in methods)

    walk(request.app.router.routes)
    order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
    return ", ".join(sorted(methods, key=lambda m: order.index(m) if m in order else 99))


def slash_redirect(request: Request) -> Response | None:
    """The 307 to the same path with its trailing slash removed (or added) where that path
    has a route, as Starlette's `redirect_slashes` would send, but with a `Location` built
    from `CICA_PUBLIC_URL`: never from the request's `Host` (the app turns Starlette's
    redirect off, which built it from `Host`)."""
    scope = request.scope
    path: str = scope["path"]
    if scope["method"] not in ("GET", "HEAD") or path == "/":
        return None
    other = path.rstrip("/") if path.endswith("/") else path + "/"
    for route in request.app.router.routes:
        match, _ = route.matches({**scope, "path": other})
        if match is not Match.NONE:
            break
    else:
        return None
    site = getattr(request.app.state, "site", None)
    location = (site.public_url if site is not None else "") + quote(other, safe=_PATH_SAFE)
    if scope.get("query_string"):
        location += "?" + scope["query_string"].decode("latin-1")
    return Response(status_code=307, headers={"Location": location})


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    logger.error(
        "database unavailable: %s",
        type(exc).__name__,
        extra={"request_id": request.scope.get("state", {}).get("request_id")},
    )
    return problem_response(
        request,
        503,
        "The database is unavailable or busy; try again shortly.",
        slug="service-unavailable",
        headers={"Retry-After": "1"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception(
        "unhandled error on %s %s",
        request.method,
        request.url.path,
        extra={"request_id": request.scope.get("state", {}).get("request_id")},
    )
    return problem_response(request, 500, "An unexpected error occurred.", slug="internal-error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(PoolTimeoutError, _database_unavailable)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request: an unknown or repeated query parameter, a control character, or an "
    "unknown name in `sort`, `fields` or `collections`; `errors` names each.",
    401: "Unauthorized: a key is needed and none was sent, or the key sent is malformed, "
    "unknown, revoked or expired (reads need no key: send none rather than a bad one). "
    "`WWW-Authenticate` says `Bearer`.",
    403: "Forbidden: the key is valid but its scope does not allow this (a `partner` key "
    "cannot write).",
    404: "Not Found: no record has this id.",
    406: "Not Acceptable: `Accept` names no format this route serves (`detail` lists them).",
    422: "Unprocessable Content: a value out of range or malformed; `errors` lists each.",
    429: "Too Many Requests: this client (its key, or its address without one) used its "
    "quota for the current window; retry after `Retry-After` seconds. `RateLimit-Policy` "
    "and `RateLimit` give the quota and what is left (IETF httpapi rate-limit headers draft).",
    500: "Internal Server Error: a fault of the server; the body holds no internals, and "
    "`X-Request-ID` finds the request in the logs.",
    503: "Service Unavailable: the dataset is not loaded yet or the database is busy; retry "
    "after `Retry-After` seconds.",
}
RETRY_AFTER = {"description": "Seconds to wait before retrying.", "schema": {"type": "string"}}
RATE_LIMIT_HEADERS: dict[str, dict[str, Any]] = {
    "Retry-After": RETRY_AFTER,
    "RateLimit-Policy": {
        "description": "The quota policy that applies to this client: its name (`anonymous`, "
        "`partner` or `write`), `q` requests per window of `w` seconds.",
        "schema": {"type": "string", "examples": ['"anonymous";q=1200;w=60']},
    },
    "RateLimit": {
        "description": "What is left of the quota: `r` requests, in the window that resets "
        "in `t` seconds.",
        "schema": {"type": "string", "examples": ['"anonymous";r=0;t=42']},
    },
}


def error_responses(
    *statuses: int, descriptions: dict[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries declaring problem+json errors in OpenAPI (`descriptions` words
    some of them for the operation). (FastAPI also lists the `model` under
    `application/json`; `app.api.openapi_document` drops that.)"""
    words = {**ERROR_DESCRIPTIONS, **(descriptions or {})}
    return {
        status: {
            "model": Problem,
            "description": words.get(status, HTTPStatus(status).phrase),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            **({"headers": {"Retry-After": RETRY_AFTER}} if status == 503 else {}),
            **({"headers": RATE_LIMIT_HEADERS} if status == 429 else {}),
        }
        for status in statuses
    }
