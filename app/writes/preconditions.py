"""`If-Match` on a write: which ETags match a record, and the precondition that checks it
again under the writers' lock.

A record's detail ETag is `"<value tag>-<digest>"` (`app.api.representation.detail_etag`):
the value tag digests the record as stored, the digest the bytes of that representation.
`If-Match` takes the ETag of the record's JSON detail in any language, with or without
`fields=` (all share the value tag), or `*`: it matches when its value tag is the stored
record's. What the detail shows of other records is left out on purpose, so an edit of
another record never makes a maintainer's `If-Match` stale.
"""

from typing import Any

from app.core.snapshot import value_tag
from app.writes.changeset import Precondition, Value
from app.writes.errors import PreconditionFailed


def matches(if_match: str, value: Value | None) -> bool:
    """RFC 9110 strong comparison of each listed tag's value tag with the record's."""
    if if_match.strip() == "*":
        return True
    wanted = value_tag(value)
    for tag in if_match.split(","):
        tag = tag.strip()
        if tag.startswith("W/") or len(tag) < 2 or not (tag[0] == tag[-1] == '"'):
            continue  # a weak tag never matches strongly
        if tag[1:-1].split("-", 1)[0] == wanted:
            return True
    return False


def unchanged_since(value: Any) -> Precondition:
    """Under the lock: the record is still the value the write was worked out from."""
    expected = value_tag(value)

    def precondition(current: Value | None) -> None:
        if value_tag(current) != expected:
            raise PreconditionFailed("the record changed since its ETag was read")

    return precondition
