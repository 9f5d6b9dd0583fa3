"""Version 1 of the API: additive changes only. Routes for every registered collection."""

from fastapi import APIRouter

from app.api.v1 import exports, search
from app.api.v1.collection import Handler, add_collection_routes
from app.registry import COLLECTIONS

router = APIRouter(prefix="/v1")
router.include_router(search.router)  # routes are matched in order: the fixed path first
READS: dict[str, tuple[Handler, Handler]] = {
    spec.name: add_collection_routes(router, spec) for spec in COLLECTIONS
}
"""Each collection's list and detail handlers, for the fast path (`app.api.fast_reads`)."""
router.include_router(exports.router)
