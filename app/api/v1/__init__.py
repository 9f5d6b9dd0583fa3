"""Version 1 of the API: additive changes only. One router per registered collection."""

from fastapi import APIRouter

from app.api.v1 import exports, search
from app.api.v1.collection import add_collection_routes
from app.registry import COLLECTIONS

router = APIRouter(prefix="/v1")
router.include_router(search.router)  # routes are matched in order: the fixed path first
for spec in COLLECTIONS:
    add_collection_routes(router, spec)
router.include_router(exports.router)
