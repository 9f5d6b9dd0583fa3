"""Version 1 of the API: additive changes only."""

from fastapi import APIRouter

from app.api.v1 import (
    cbm_dimensions,
    chairmanships,
    conflicts,
    councils,
    exports,
    meetings,
    members,
    observers,
    partners,
    reform_areas,
    search,
    sources,
)

router = APIRouter(prefix="/v1")
for module in (
    members,
    observers,
    partners,
    councils,
    reform_areas,
    chairmanships,
    meetings,
    cbm_dimensions,
    conflicts,
    sources,
    search,
    exports,
):
    router.include_router(module.router)
