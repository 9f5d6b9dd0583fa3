"""Version 1 of the API: additive changes only. One router per registered collection."""

from collections import Counter

from fastapi import APIRouter, Depends, Request

from app.api.v1 import exports, search
from app.api.v1.collection import collection_router
from app.core.errors import BadRequest, FieldError
from app.registry import COLLECTIONS


async def reject_repeated_parameters(request: Request) -> None:
    """A parameter given twice is an error, not a silent pick of one of its values."""
    counts = Counter(name for name, _ in request.query_params.multi_items())
    repeated = sorted(name for name, count in counts.items() if count > 1)
    if repeated:
        raise BadRequest(
            f"Query parameter(s) given more than once: {', '.join(repeated)}.",
            errors=[FieldError(field=f"query.{name}", message="repeated") for name in repeated],
        )


router = APIRouter(prefix="/v1", dependencies=[Depends(reject_repeated_parameters)])
for spec in COLLECTIONS:
    router.include_router(collection_router(spec))
router.include_router(search.router)
router.include_router(exports.router)
