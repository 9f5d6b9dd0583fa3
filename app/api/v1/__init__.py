"""Version 1 of the API: additive changes only. Routes for every collection of the app."""

import functools
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter

from app.api.v1 import exports, search
from app.api.v1.collection import Handler, add_collection_routes
from app.api.v1.revisions import add_revision_routes
from app.api.v1.writes import add_write_routes
from app.spec import CollectionSpec

Reads = dict[str, tuple[Handler, Handler]]
"""Each collection's list and detail handlers, for the fast path (`app.api.fast_reads`)."""


def build_router(collections: Sequence[CollectionSpec[Any, Any]]) -> tuple[APIRouter, Reads]:
    """The `/v1` routes of `collections`, and their handlers for the fast path. Built once
    per list of collections: every app of a process serving that list shares them."""
    return _router(tuple(collections))


@functools.cache
def _router(collections: tuple[CollectionSpec[Any, Any], ...]) -> tuple[APIRouter, Reads]:
    router = APIRouter(prefix="/v1")
    router.include_router(search.router)  # routes are matched in order: the fixed path first
    reads = {spec.name: add_collection_routes(router, spec) for spec in collections}
    for spec in collections:
        add_revision_routes(router, spec)
    router.include_router(exports.router)
    for spec in collections:
        if spec.storage is not None:
            add_write_routes(router, spec)
    return router, reads
