"""The last line of defence: an exception no handler caught becomes a bare 500 problem.

It sits inside the CORS middleware, so the 500 carries CORS headers like any other
response (Starlette's own server-error handler runs outside all user middleware).
"""

import logging

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE, problem_instance

logger = logging.getLogger("app.errors")


class UnhandledErrorMiddleware:
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
            logger.exception(
                "unhandled error on %s %s",
                scope.get("method"),
                scope.get("path"),
                extra={"request_id": scope.get("state", {}).get("request_id")},
            )
            if started:
                raise
            body = orjson.dumps(
                {
                    "type": PROBLEM_TYPE_BASE + "internal-error",
                    "title": "Internal Server Error",
                    "status": 500,
                    "detail": "An unexpected error occurred.",
                    "instance": problem_instance(scope),
                }
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
