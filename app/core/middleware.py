"""Pure ASGI middleware (no `BaseHTTPMiddleware`: it buffers and breaks streaming)."""

import logging
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import PROBLEM_MEDIA_TYPE

logger = logging.getLogger("app.errors")

REQUEST_ID_HEADER = b"x-request-id"


class RequestIdMiddleware:
    """Takes `X-Request-ID` from the request or makes one, and echoes it on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER, b"")
        request_id = given if 0 < len(given) <= 200 else uuid.uuid4().hex.encode()
        scope.setdefault("state", {})["request_id"] = request_id.decode("latin-1")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id)]
            await send(message)

        await self.app(scope, receive, send_with_id)


class UnhandledErrorMiddleware:
    """Turns an exception that escaped every handler into a bare 500 problem.

    It sits inside the CORS middleware, so the 500 carries CORS headers like any other
    response (Starlette's own server-error handler runs outside all user middleware).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            body = (
                b'{"type":"https://cica-data-api.example/problems/internal-error",'
                b'"title":"Internal Server Error","status":500,'
                b'"detail":"An unexpected error occurred.","instance":"'
                + scope.get("path", "").encode("utf-8", "replace").replace(b'"', b"%22")
                + b'"}'
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
