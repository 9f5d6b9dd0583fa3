"""What a route needs of its caller's key: FastAPI dependencies for the write routes.

The key itself was checked once, in front of everything (`app.core.caller`): a request
that reaches a route either sent no key or a valid one. A route that needs a key says so
with `WriteKey`; reads need none and declare nothing.
"""

from typing import Annotated, Final

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.core.api_keys import KeyRing, Principal
from app.core.caller import PRINCIPAL, read_caller
from app.core.errors import Forbidden, Unauthorized

SCHEME: Final = "bearerAuth"
"""The security scheme's name in the OpenAPI document (`app.api.openapi_document`)."""
_bearer = HTTPBearer(scheme_name=SCHEME, auto_error=False)
"""Declares the scheme on the operations that use it; the check is ours."""


def caller(request: Request) -> Principal | None:
    """The principal of the request's valid key, None when it sent none."""
    state = request.scope.get("state", {})
    if PRINCIPAL in state:
        principal: Principal | None = state[PRINCIPAL]
        return principal
    # Not behind the caller middleware (an app assembled by hand): check the key here.
    authorization, _ = read_caller(request.scope)
    keys: KeyRing = request.app.state.keys
    return None if authorization is None else keys.authenticate(authorization)


def require_write(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """401 without a key, 403 with a key that may not write; else the writer."""
    principal = caller(request)
    if principal is None:
        raise Unauthorized(
            "This operation needs an API key with the `write` scope: send "
            "`Authorization: Bearer cica_...`.",
            headers={"WWW-Authenticate": 'Bearer realm="cica"', "Cache-Control": "no-store"},
        )
    if not principal.may_write:
        raise Forbidden(
            f"The key {principal.name!r} has the `{principal.scope}` scope; "
            "this operation needs a `write` key."
        )
    return principal


WriteKey = Annotated[Principal, Depends(require_write)]
"""A route parameter of this type makes the route need a `write` key."""
