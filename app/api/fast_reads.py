"""The hot reads, dispatched without FastAPI's routing and dependency machinery.

`GET /v1/<collection>`, `GET /v1/<collection>/<id>` and `GET /v1/search` go straight to the
same handler functions FastAPI registers for them (so the OpenAPI document and every other
route stay FastAPI's), with errors rendered by the same exception handlers. Measured: for a
read served from the snapshot, FastAPI's per-request routing, dependency solving and
middleware cost as much as the read itself.
"""

from collections.abc import Awaitable, Callable, Mapping

from fastapi import FastAPI, Request, Response
from starlette.types import ASGIApp, Receive, Scope, Send

Handler = Callable[[Request], Awaitable[Response]]


class FastReads:
    def __init__(
        self,
        app: ASGIApp,
        *,
        api: FastAPI,
        collections: Mapping[str, tuple[Handler, Handler]],
        id_names: Mapping[str, str],
        search: Handler,
    ) -> None:
        self.app, self.api, self.search = app, api, search
        self.collections, self.id_names = collections, id_names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self._handler(scope) if scope["type"] == "http" else None
        if handler is None:
            await self.app(scope, receive, send)
            return
        scope["app"] = self.api
        request = Request(scope, receive)
        try:
            response = await handler(request)
        except Exception as exc:
            response = await self._render_error(request, exc)
        await response(scope, receive, send)

    def _handler(self, scope: Scope) -> Handler | None:
        if scope["method"] != "GET":
            return None
        parts = scope["path"].split("/")
        if len(parts) < 3 or len(parts) > 4 or parts[0] or parts[1] != "v1":
            return None
        if len(parts) == 3:
            if parts[2] == "search":
                return self.search
            pair = self.collections.get(parts[2])
            return pair[0] if pair else None
        pair = self.collections.get(parts[2])
        if pair is None or not parts[3] or parts[3] == "revisions":
            return None  # (`/v1/organization/revisions`: FastAPI routes it)
        scope["path_params"] = {self.id_names[parts[2]]: parts[3]}
        return pair[1]

    async def _render_error(self, request: Request, exc: Exception) -> Response:
        """The handler FastAPI would use for this exception; anything else goes to the guard."""
        for kind in type(exc).__mro__:
            handler = self.api.exception_handlers.get(kind)
            if handler is not None and kind is not Exception:
                response: Response = await handler(request, exc)  # type: ignore[misc]
                return response
        raise exc
