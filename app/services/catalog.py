"""The collections that exports and cross-collection search cover, with their services."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from app.models.cbm import CbmDimensionPublic
from app.models.chairmanship import ChairmanshipPublic
from app.models.conflict import ConflictPublic
from app.models.council import CouncilPublic
from app.models.meeting import MeetingPublic
from app.models.member import MemberPublic
from app.models.observer import ObserverPublic
from app.models.partner import PartnerOrganizationPublic
from app.models.reform_area import ReformAreaPublic
from app.models.source import SourcePublic
from app.services import (
    cbm,
    chairmanships,
    conflicts,
    councils,
    meetings,
    members,
    observers,
    partners,
    reform_areas,
    sources,
)


@dataclass(frozen=True)
class Collection:
    name: str
    list_records: Callable[..., list[Any]]
    public_model: type[BaseModel]
    searchable: bool = True


COLLECTIONS = (
    Collection("members", members.list_members, MemberPublic),
    Collection("observers", observers.list_observers, ObserverPublic),
    Collection("partner-organizations", partners.list_partners, PartnerOrganizationPublic),
    Collection("councils", councils.list_councils, CouncilPublic),
    Collection("reform-areas", reform_areas.list_reform_areas, ReformAreaPublic),
    Collection("chairmanships", chairmanships.list_chairmanships, ChairmanshipPublic),
    Collection("meetings", meetings.list_meetings, MeetingPublic),
    Collection("cbm-dimensions", cbm.list_dimensions, CbmDimensionPublic),
    Collection("conflicts", conflicts.list_conflicts, ConflictPublic, searchable=False),
    Collection("sources", sources.list_sources, SourcePublic),
)
BY_NAME = {c.name: c for c in COLLECTIONS}
