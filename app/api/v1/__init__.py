"""Version 1 of the API: additive changes only. One router per registered collection."""

from collections import Counter

from fastapi import APIRouter, Depends, Request

from app.api.v1 import exports, search
from app.api.v1.collection import collection_router
from app.core.errors import BadRequest, FieldError
from app.core.text import CONTROL
from app.registry import COLLECTIONS


async def check_query_string(request: Request) -> None:
    """A parameter given twice is an error, not a silent pick of one of its values; control
    characters have no place in any parameter."""
    pairs = request.query_params.multi_items()
    for name, value in pairs:
        if CONTROL.search(name) or CONTROL.search(value):
            raise BadRequest(
                f"Query parameter {name[:40]!r} holds a control character.",
                errors=[FieldError(field=f"query.{name[:40]}", message="control character")],
            )
    counts = Counter(name for name, _ in pairs)
    repeated = sorted(name for name, count in counts.items() if count > 1)
    if repeated:
        raise BadRequest(
            f"Query parameter(s) given more than once: {', '.join(repeated)}.",
            errors=[FieldError(field=f"query.{name}", message="repeated") for name in repeated],
        )


router = APIRouter(prefix="/v1", dependencies=[Depends(check_query_string)])
for spec in COLLECTIONS:
    router.include_router(collection_router(spec))
router.include_router(search.router)
router.include_router(exports.router)
