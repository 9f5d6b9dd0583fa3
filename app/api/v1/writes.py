"""Maintainers' writes, built from the registry: `POST /v1/<collection>`, `PATCH` (a JSON
Merge Patch) and `DELETE /v1/<collection>/<id>` for every collection stored from a data
file (`PATCH /v1/<name>` alone for a single-record one), each needing a `write` key.

A write is the changeset of one operation, applied by the seed's own step
(`app.writes.step.apply`) under the writers' lock; `If-Match` is checked in its
precondition there. The body is validated by the collection's create schema (what its data
file holds), every field it sets must be cited (`app.writes.evidence`), and `summary=`
says why. After the commit the process serves the new version at once
(`Maintainer.catch_up`) and answers with the record's detail and its ETag; other replicas
follow through the version poll.
"""

import functools
import re
from collections.abc import Callable
from typing import Any, Final

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.representation import canonical_request, detail_etag, site, view
from app.api.security import WriteKey
from app.api.write_body import JSON_MEDIA_TYPE, MERGE_PATCH, if_match, merge_patch, read_json
from app.api.write_body import summary_of as read_summary
from app.core.errors import (
    Conflict,
    FieldError,
    NotFound,
    PreconditionFailed,
    ServiceUnavailable,
    UnprocessableContent,
)
from app.core.formats import JSON
from app.core.languages import negotiate_language
from app.core.request_headers import request_headers
from app.spec import CollectionSpec
from app.writes import errors as step_errors
from app.writes.changeset import Changeset, Operation
from app.writes.evidence import misquoted, unsupported
from app.writes.feed import changed_fields, value_of
from app.writes.preconditions import matches, unchanged_since
from app.writes.step import apply
from app.writes.stored import MISSING, only_record_id, source_files, stored_value

WRITE_LOCK_WAIT: Final = 10.0
"""Seconds a write waits for the writers' lock (a seed run may hold it) before a 503."""
CATCH_UP_SECONDS: Final = 10.0
"""Seconds a write waits for its version to be served before answering without the detail."""
NO_STORE: Final = (b"cache-control", b"no-store")


class WriteRoute(APIRoute):
    """Every response of a write route, errors included, says `Cache-Control: no-store`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = _no_store(self.app)


def _no_store(app: ASGIApp) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(n, v) for n, v in message.get("headers", ()) if n != NO_STORE[0]]
                message["headers"] = [*headers, NO_STORE]
            await send(message)

        await app(scope, receive, send_no_store)

    return wrapped


def add_write_routes(router: APIRouter, spec: CollectionSpec[Any, Any]) -> None:
    """The write routes of one stored collection (their OpenAPI bodies, examples and links
    are filled in by `app.api.write_document`)."""
    docs, name = spec.docs, spec.name
    write = _Writes(spec)
    common: dict[str, Any] = {"tags": [docs.tag], "route_class_override": WriteRoute}
    if spec.single:
        router.add_api_route(
            f"/{name}",
            write.patch,
            methods=["PATCH"],
            operation_id=f"update{docs.singular}",
            summary=f"Correct the {docs.singular.lower()} record (write key)",
            **common,
        )
        return
    router.add_api_route(
        f"/{name}",
        write.post,
        methods=["POST"],
        status_code=201,
        operation_id=f"create{docs.singular}",
        summary=f"Add a record to {name} (write key)",
        **common,
    )
    router.add_api_route(
        f"/{name}/{{{docs.id_name}}}",
        write.patch,
        methods=["PATCH"],
        operation_id=f"update{docs.singular}",
        summary=f"Correct a record of {name} (write key)",
        **common,
    )
    router.add_api_route(
        f"/{name}/{{{docs.id_name}}}",
        write.delete,
        methods=["DELETE"],
        status_code=204,
        operation_id=f"delete{docs.singular}",
        summary=f"Remove a record of {name} (write key)",
        **common,
    )


class _Writes:
    """The handlers of one collection's write routes."""

    def __init__(self, spec: CollectionSpec[Any, Any]) -> None:
        self.spec = spec
        storage = spec.storage
        assert storage is not None
        self.schema: type[BaseModel] = storage.schema
        self.file = storage.file
        self.id_pattern = re.compile(spec.docs.id_pattern)

    async def post(self, request: Request, writer: WriteKey) -> Response:
        summary = read_summary(request)
        body = await read_json(request, JSON_MEDIA_TYPE, _limit(request))
        record = self._validate(body)
        record_id = str(getattr(record, "id"))  # noqa: B009
        if not self.id_pattern.fullmatch(record_id):
            raise UnprocessableContent(
                f"`id` does not match {self.spec.docs.id_pattern}.",
                errors=[FieldError(field="body.id", message="not an id of this collection")],
            )
        await self._check_evidence(request, record, changed_fields({}, value_of(record)))
        operation = Operation.create(self.spec.name, record)
        version = await self._apply(request, operation, writer.name, summary)
        location = site(request).url(f"/v1/{self.spec.name}/{record_id}")
        return await self._served(request, record_id, version, 201, location=location)

    async def patch(self, request: Request, writer: WriteKey) -> Response:
        summary = read_summary(request)
        record_id = await self._record_id(request)
        # The request is read whole before its precondition is evaluated (RFC 9110 13.2.1:
        # a request that would fail anyway gets that failure, not a 412).
        patch = await read_json(request, MERGE_PATCH, _limit(request))
        tags = if_match(request)
        base = await anyio.to_thread.run_sync(
            stored_value, request.app.state.engine, self.spec.name, record_id
        )
        if base is MISSING:
            raise NotFound(f"No record in {self.spec.name} with id '{record_id}'.")
        if base is None:
            raise Conflict(
                f"{self.spec.name}/{record_id} was stored before values were kept: seed it once "
                "before editing it through the API."
            )
        if not matches(tags, base):
            raise PreconditionFailed(_STALE)
        merged = merge_patch(base, patch)
        if merged.get("id") != base.get("id"):
            raise UnprocessableContent(
                "`id` cannot change: create a record with the new id and delete this one.",
                errors=[FieldError(field="body.id", message="read-only")],
            )
        record = self._validate(merged)
        await self._check_evidence(request, record, changed_fields(base, value_of(record)))
        operation = Operation.update(self.spec.name, record, precondition=unchanged_since(base))
        version = await self._apply(request, operation, writer.name, summary)
        return await self._served(request, record_id, version, 200)

    async def delete(self, request: Request, writer: WriteKey) -> Response:
        summary = read_summary(request)
        record_id = await self._record_id(request)
        tags = if_match(request)
        base = await anyio.to_thread.run_sync(
            stored_value, request.app.state.engine, self.spec.name, record_id
        )
        if base is MISSING:
            raise NotFound(f"No record in {self.spec.name} with id '{record_id}'.")
        if not matches(tags, base):
            raise PreconditionFailed(_STALE)
        operation = Operation.delete(self.spec.name, record_id, precondition=unchanged_since(base))
        version = await self._apply(request, operation, writer.name, summary)
        await request.app.state.maintainer.catch_up(version, timeout=CATCH_UP_SECONDS)
        return Response(status_code=204, headers={"X-Dataset-Version": str(version)})

    # --- steps ---------------------------------------------------------------------------

    async def _record_id(self, request: Request) -> str:
        """The stored id the path names (matched in any case, like a read)."""
        if self.spec.single:
            found = await anyio.to_thread.run_sync(
                only_record_id, request.app.state.engine, self.spec.name
            )
            if found is None:
                raise NotFound(f"Nothing at {request.url.path} yet.")
            return found
        given: str = request.path_params[self.spec.docs.id_name]
        if len(given) > 80 or self.id_pattern.match(given) is None:
            raise NotFound(f"Nothing at {request.url.path}.")
        current = request.app.state.read_model.current
        item = current.get(self.spec).find(given) if current is not None else None
        return item.id if item is not None else given

    def _validate(self, body: dict[str, Any]) -> BaseModel:
        """The body as the data file's record would be: unknown or read-only fields are a
        422 (the create schema forbids them), and so is `unverified` (the API stores only
        cited records)."""
        try:
            record = self.schema.model_validate(body)
        except ValidationError as exc:
            errors = [
                FieldError(
                    field=".".join(["body", *(str(p) for p in e["loc"])]),
                    message="not a field of this record (unknown or read-only)"
                    if e["type"] == "extra_forbidden"
                    else str(e["msg"]),
                )
                for e in exc.errors()[:20]
            ]
            detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
            raise UnprocessableContent(f"Invalid record: {detail}", errors=errors) from None
        if getattr(record, "unverified", False):
            raise UnprocessableContent(
                "`unverified` records stay in data files: a write must cite its facts.",
                errors=[FieldError(field="body.unverified", message="must be false")],
            )
        return record

    async def _check_evidence(
        self, request: Request, record: BaseModel, changed: list[str]
    ) -> None:
        problems = unsupported(self.spec, record, changed)
        documents = request.app.state.settings.sources_dir
        if documents is not None and not problems:
            files = await anyio.to_thread.run_sync(source_files, request.app.state.engine)
            problems = misquoted(self.spec, record, documents, files)
        if problems:
            errors = [FieldError(field=f"body.{p.field}", message=p.message) for p in problems]
            detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
            raise UnprocessableContent(f"Not supported by its citations: {detail}", errors=errors)

    async def _apply(
        self, request: Request, operation: Operation, author: str, summary: str
    ) -> int:
        changeset = Changeset(
            (operation,),
            author=author,
            summary=summary,
            request_id=request.scope.get("state", {}).get("request_id"),
        )
        run: Callable[[], Any] = functools.partial(
            apply,
            request.app.state.engine,
            changeset,
            request.app.state.collections,
            lock_wait=WRITE_LOCK_WAIT,
        )
        try:
            applied = await anyio.to_thread.run_sync(run)
        except step_errors.PreconditionFailed:
            raise PreconditionFailed(_STALE) from None
        except step_errors.ChangesetError as exc:
            raise _problem(exc, self.file, operation) from None
        return int(applied.version)

    async def _served(
        self, request: Request, record_id: str, version: int, status: int, *, location: str = ""
    ) -> Response:
        """The record's detail as a `GET` now serves it (JSON, in the request's language),
        with its ETag: what the next `If-Match` takes."""
        headers = {"X-Dataset-Version": str(version)}
        if location:
            headers["Location"] = location
        await request.app.state.maintainer.catch_up(version, timeout=CATCH_UP_SECONDS)
        current = request.app.state.read_model.current
        item = current.get(self.spec).find(record_id) if current is not None else None
        if current is None or item is None or current.version < version:
            # Applied, but not served here yet: the poller brings it in.
            return Response(b"{}", status, headers=headers, media_type=JSON_MEDIA_TYPE)
        language = negotiate_language(None, request_headers(request.scope).accept_language)
        shown = view(item, language)
        path = f"/v1/{self.spec.name}" + ("" if self.spec.single else f"/{item.id}")
        etag = detail_etag(request, current, self.spec.name, shown, shown.json)
        headers["ETag"] = etag(canonical_request(path, [], JSON, language))
        headers["Content-Language"] = language
        return Response(shown.json, status, headers=headers, media_type=JSON_MEDIA_TYPE)


_STALE: Final = (
    "The record changed since the ETag in `If-Match` was read: GET it again, re-apply "
    "your change and send the new ETag."
)


def _limit(request: Request) -> int:
    return int(request.app.state.settings.write_max_bytes)


def _problem(error: step_errors.ChangesetError, file: str, operation: Operation) -> Exception:
    """A write step's refusal as the problem a client can act on: 409 when the write would
    break another record (one that refers to this one), 422 when the record itself is
    wrong."""
    if error.kind == "exists":
        return Conflict(
            f"A record with id '{operation.record_id}' exists already: correct it with PATCH."
        )
    if error.kind == "missing":
        return NotFound("No such record.")
    if error.kind == "database":
        return ServiceUnavailable("The database is busy; try again shortly.")
    own = error.record is None or error.record.split(".", 1)[0] == operation.record_id
    if error.file != file or not own or operation.action == "delete":
        return Conflict(f"Another record rests on this one: {error}")
    field = "body" + (f".{error.field}" if error.field else "")
    return UnprocessableContent(str(error), errors=[FieldError(field=field, message=error.message)])
