"""Checks a record's references to other records (`Storage.check` functions use them)."""

from collections.abc import Iterable

from app.core.storage import RecordError, World
from app.services.countries import country

MEMBERS = "members"
MEETINGS = "meetings"


def states(codes: Iterable[str], field: str, *, item: str | None = None) -> None:
    """Each code is an ISO 3166-1 alpha-2 code."""
    for code in codes:
        try:
            country(code)
        except LookupError as exc:
            raise RecordError(str(exc), field, item) from None


def member_states(
    world: World, codes: Iterable[str], field: str, *, item: str | None = None
) -> None:
    """Each code is a member state's."""
    codes = list(codes)
    states(codes, field, item=item)
    members = world.ids(MEMBERS)
    for code in codes:
        if code not in members:
            raise RecordError(f"{code} is not a member state", field, item)


def meeting(world: World, meeting_id: str | None, field: str) -> None:
    """The id, if given, is a meeting's."""
    if meeting_id and meeting_id not in world.ids(MEETINGS):
        raise RecordError("no such meeting in meetings.toml", field)
