"""Every collection of the API, described once.

Routers, OpenAPI tags, the snapshot builder, search, exports, the seed reader and the
cross-collection tests all read `COLLECTIONS`. Adding a collection means a table model, a
migration, a seed file, a service module (`build` and `keep`) and one entry here.
"""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlmodel import Session, SQLModel

from app import params
from app.core.deprecation import Deprecation
from app.core.listing import CollectionParams, ObjectParams
from app.core.snapshot import Built
from app.models import (
    CbmArea,
    CbmDimension,
    Chairmanship,
    Council,
    Institution,
    Meeting,
    Official,
    Organization,
    Partnership,
    ReformArea,
    State,
    StatusPeriod,
)
from app.models.cbm import CbmDimensionCreate, CbmDimensionPublic
from app.models.chairmanship import ChairmanshipCreate, ChairmanshipPublic
from app.models.change import ChangePublic
from app.models.conflict import ConflictPublic
from app.models.council import CouncilCreate, CouncilPublic
from app.models.institution import InstitutionCreate, InstitutionPublic
from app.models.meeting import MeetingCreate, MeetingPublic
from app.models.member import MemberCreate, MemberPublic
from app.models.observer import ObserverCreate, ObserverPublic
from app.models.official import OfficialCreate, OfficialPublic
from app.models.partner import PartnerOrganizationCreate, PartnerOrganizationPublic
from app.models.reform_area import ReformAreaCreate, ReformAreaPublic
from app.models.source import SourcePublic
from app.services import (
    cbm,
    chairmanships,
    changes,
    conflicts,
    councils,
    meetings,
    members,
    observers,
    officials,
    organization,
    partners,
    reform_areas,
    sources,
)

R = TypeVar("R", bound=BaseModel)
P = TypeVar("P", bound=CollectionParams)


@dataclass(frozen=True)
class Docs:
    tag: str
    tag_description: str
    singular: str
    """Operation id stem: `getMember`."""
    plural: str
    """Operation id stem: `listMembers`."""
    list_summary: str
    list_description: str
    get_summary: str
    get_description: str
    id_name: str
    id_description: str
    id_pattern: str
    id_example: str
    deprecation: Deprecation | None = None
    """Set when the collection's routes are deprecated (`app.core.deprecation`)."""


NaturalKey = tuple[str, ...]


@dataclass(frozen=True)
class SeedFile:
    """Where a collection's curated records live, the schema that validates them and the
    tables (with their natural keys) the loader fills from them."""

    file: str
    schema: type[BaseModel]
    tables: tuple[tuple[type[SQLModel], NaturalKey], ...]


@dataclass(frozen=True)
class CollectionSpec(Generic[R, P]):
    name: str
    """The URL segment: `/v1/<name>`."""
    record_type: str
    """What its citations and conflicts call it."""
    public_model: type[R]
    list_params: type[P]
    object_params: type[ObjectParams]
    build: Callable[[Session, dt.date], Sequence[Built[R]]]
    """Every record from the database, in the default order (run once per snapshot)."""
    keep: Callable[[R, P], bool]
    """The collection's own filters."""
    sort_keys: Mapping[str, Callable[[R], Any]]
    docs: Docs
    seed: SeedFile | None = None
    searchable: bool = True
    single: bool = False
    """One record, served at `/v1/<name>` itself: no list route, no id in the path."""
    history: bool = False
    """Records are listed on the days they held a status (`as_of`)."""
    narrow: Callable[[R, P], R] | None = None
    """Trims a kept record to what the filters asked for (the CBM areas of a coordinator)."""
    examples: Mapping[str, Any] = field(default_factory=dict)


PERIOD_KEY = ("state_id", "organization_id", "status", "since", "attested_from")
SLUG = r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$"
STATE_ID = r"^[A-Za-z]{2,3}$"

MEMBERS = CollectionSpec(
    name="members",
    record_type=members.RECORD_TYPE,
    public_model=MemberPublic,
    list_params=params.MemberListParams,
    object_params=params.MemberParams,
    build=members.build,
    keep=members.keep,
    sort_keys=members.SORT_KEYS,
    history=True,
    seed=SeedFile(
        "members.toml",
        MemberCreate,
        ((State, ("id",)), (StatusPeriod, PERIOD_KEY)),
    ),
    docs=Docs(
        tag="members",
        tag_description="The 28 member states.",
        singular="Member",
        plural="Members",
        list_summary="List member states",
        list_description=(
            "The member states of CICA today, or on the day given by `as_of`, sorted by name. "
            "Each record gives ISO codes, when the state joined (at the precision a source "
            "gives), whether it is a founding member, its status history and its citations."
        ),
        get_summary="Get a member state",
        get_description="One state that is or was a member, with its status history and citations.",
        id_name="member_id",
        id_description="ISO 3166-1 alpha-2 code (alpha-3 accepted), any case.",
        id_pattern=STATE_ID,
        id_example="KZ",
    ),
)
OBSERVERS = CollectionSpec(
    name="observers",
    record_type=observers.RECORD_TYPE,
    public_model=ObserverPublic,
    list_params=params.ObserverListParams,
    object_params=params.ObserverParams,
    build=observers.build,
    keep=observers.keep,
    sort_keys=observers.SORT_KEYS,
    history=True,
    seed=SeedFile(
        "observers.toml",
        ObserverCreate,
        (
            (State, ("id",)),
            (Organization, ("id",)),
            (StatusPeriod, PERIOD_KEY),
        ),
    ),
    docs=Docs(
        tag="observers",
        tag_description="Observer states and organizations, and applicants.",
        singular="Observer",
        plural="Observers",
        list_summary="List observers and applicants",
        list_description=(
            "States and international organizations holding observer status, and applicants "
            "for it, today or on the day given by `as_of`. Observer organizations are distinct "
            "from partner organizations (`/v1/partner-organizations`)."
        ),
        get_summary="Get an observer or applicant",
        get_description="One state or organization that is or was an observer or applicant.",
        id_name="observer_id",
        id_description="ISO 3166-1 alpha-2 code for a state (alpha-3 accepted), a lowercase "
        "slug for an organization; any case.",
        id_pattern=SLUG,
        id_example="JP",
    ),
)
PARTNERS = CollectionSpec(
    name="partner-organizations",
    record_type=partners.RECORD_TYPE,
    public_model=PartnerOrganizationPublic,
    list_params=params.PartnerListParams,
    object_params=params.PartnerParams,
    build=partners.build,
    keep=partners.keep,
    sort_keys=partners.SORT_KEYS,
    history=True,
    seed=SeedFile(
        "partner_organizations.toml",
        PartnerOrganizationCreate,
        ((Organization, ("id",)), (Partnership, ("organization_id",))),
    ),
    docs=Docs(
        tag="partner organizations",
        tag_description="Organizations CICA cooperates with.",
        singular="PartnerOrganization",
        plural="PartnerOrganizations",
        list_summary="List partner organizations",
        list_description=(
            "International organizations CICA cooperates with, with the kind of relationship, "
            "and those where cooperation is being prepared (`status=in-preparation`)."
        ),
        get_summary="Get a partner organization",
        get_description="One partner organization with its relationship to CICA and citations.",
        id_name="partner_id",
        id_description="Lowercase slug, usually the organization's acronym; any case.",
        id_pattern=SLUG,
        id_example="sco",
    ),
)
COUNCILS = CollectionSpec(
    name="councils",
    record_type=councils.RECORD_TYPE,
    public_model=CouncilPublic,
    list_params=params.CouncilListParams,
    object_params=params.CouncilParams,
    build=councils.build,
    keep=councils.keep,
    sort_keys=councils.SORT_KEYS,
    seed=SeedFile("councils.toml", CouncilCreate, ((Council, ("id",)),)),
    docs=Docs(
        tag="councils",
        tag_description="Councils, committees, the Secretariat and other bodies.",
        singular="Council",
        plural="Councils",
        list_summary="List councils and other bodies",
        list_description=(
            "CICA's policy-making councils, committees, the Secretariat, advisory councils, "
            "funds, forums and networks, with their `kind` and `status` (`established`, "
            "`proposed` or `planned`)."
        ),
        get_summary="Get a council or body",
        get_description="One council or body with its status, dates and citations.",
        id_name="council_id",
        id_description="Lowercase slug of the council or body; any case.",
        id_pattern=SLUG,
        id_example="youth-council",
    ),
)
REFORM_AREAS = CollectionSpec(
    name="reform-areas",
    record_type=reform_areas.RECORD_TYPE,
    public_model=ReformAreaPublic,
    list_params=params.ReformAreaListParams,
    object_params=params.ReformAreaParams,
    build=reform_areas.build,
    keep=reform_areas.keep,
    sort_keys=reform_areas.SORT_KEYS,
    seed=SeedFile("reform_areas.toml", ReformAreaCreate, ((ReformArea, ("id",)),)),
    docs=Docs(
        tag="reform areas",
        tag_description="The Roadmap for CICA Transformation (2023).",
        singular="ReformArea",
        plural="ReformAreas",
        list_summary="List the Roadmap's reform areas",
        list_description=(
            "The eight reform areas of the Roadmap for CICA Transformation (2023), in Roadmap "
            "order, each with what the sources report of its progress."
        ),
        get_summary="Get a reform area",
        get_description="One reform area of the Transformation Roadmap with its reported progress.",
        id_name="reform_area_id",
        id_description="Lowercase slug of the reform area; any case.",
        id_pattern=SLUG,
        id_example="charter",
    ),
)
CHAIRMANSHIPS = CollectionSpec(
    name="chairmanships",
    record_type=chairmanships.RECORD_TYPE,
    public_model=ChairmanshipPublic,
    list_params=params.ChairmanshipListParams,
    object_params=params.ChairmanshipParams,
    build=chairmanships.build,
    keep=chairmanships.keep,
    sort_keys=chairmanships.SORT_KEYS,
    seed=SeedFile("chairmanships.toml", ChairmanshipCreate, ((Chairmanship, ("id",)),)),
    docs=Docs(
        tag="chairmanships",
        tag_description="Which state chaired CICA, and when.",
        singular="Chairmanship",
        plural="Chairmanships",
        list_summary="List chairmanships",
        list_description="Every chairmanship of CICA in order, with its term as the sources "
        "give it.",
        get_summary="Get a chairmanship",
        get_description="One chairmanship with its term, citations and competing dates.",
        id_name="chairmanship_id",
        id_description="Lowercase slug: the chair state's name and the year its term began.",
        id_pattern=SLUG,
        id_example="azerbaijan-2024",
    ),
)
MEETINGS = CollectionSpec(
    name="meetings",
    record_type=meetings.RECORD_TYPE,
    public_model=MeetingPublic,
    list_params=params.MeetingListParams,
    object_params=params.MeetingParams,
    build=meetings.build,
    keep=meetings.keep,
    sort_keys=meetings.SORT_KEYS,
    seed=SeedFile("meetings.toml", MeetingCreate, ((Meeting, ("id",)),)),
    docs=Docs(
        tag="meetings",
        tag_description="Summits, ministerial councils and other meetings.",
        singular="Meeting",
        plural="Meetings",
        list_summary="List meetings",
        list_description=(
            "CICA summits, ministerial councils and other meetings in date order, with place, "
            "host, outcomes and the bodies they established or where bodies were proposed."
        ),
        get_summary="Get a meeting",
        get_description="One meeting with its date, place, outcomes and citations.",
        id_name="meeting_id",
        id_description="Lowercase slug of the meeting; any case.",
        id_pattern=SLUG,
        id_example="summit-6",
    ),
)
CBM_DIMENSIONS = CollectionSpec(
    name="cbm-dimensions",
    record_type=cbm.RECORD_TYPE,
    public_model=CbmDimensionPublic,
    list_params=params.CbmDimensionListParams,
    object_params=params.CbmDimensionParams,
    build=cbm.build,
    keep=cbm.keep,
    narrow=cbm.narrow,
    sort_keys=cbm.SORT_KEYS,
    seed=SeedFile(
        "cbm_dimensions.toml",
        CbmDimensionCreate,
        ((CbmDimension, ("id",)), (CbmArea, ("id",))),
    ),
    docs=Docs(
        tag="cbm dimensions",
        tag_description="The Catalogue of Confidence Building Measures.",
        singular="CbmDimension",
        plural="CbmDimensions",
        list_summary="List CBM dimensions",
        list_description=(
            "The five dimensions of the CICA Catalogue of Confidence Building Measures, each "
            "with its priority areas and, where a source names them, coordinator and "
            "co-coordinator states."
        ),
        get_summary="Get a CBM dimension",
        get_description="One dimension with its priority areas and their coordinators.",
        id_name="dimension_id",
        id_description="Lowercase slug of the dimension; any case.",
        id_pattern=SLUG,
        id_example="economic",
    ),
)
CONFLICTS = CollectionSpec(
    name="conflicts",
    record_type="conflict",
    public_model=ConflictPublic,
    list_params=params.ConflictListParams,
    object_params=params.ConflictParams,
    build=conflicts.build,
    keep=conflicts.keep,
    sort_keys=conflicts.SORT_KEYS,
    searchable=False,
    docs=Docs(
        tag="conflicts",
        tag_description="Facts on which sources disagree, every claim cited.",
        singular="Conflict",
        plural="Conflicts",
        list_summary="List conflicts between sources",
        list_description=(
            "Every fact on which sources disagree: the record and field concerned (if any), "
            "each competing claim with its citations, and which value the API treats as "
            "current. The records themselves list the alternatives in `disputed`."
        ),
        get_summary="Get a conflict",
        get_description="One conflict with all its claims and their citations.",
        id_name="conflict_id",
        id_description="Lowercase slug of the conflict; any case.",
        id_pattern=SLUG,
        id_example="roadmap-approval-date",
    ),
)
SOURCES = CollectionSpec(
    name="sources",
    record_type="source",
    public_model=SourcePublic,
    list_params=params.SourceListParams,
    object_params=params.SourceParams,
    build=sources.build,
    keep=sources.keep,
    sort_keys=sources.SORT_KEYS,
    docs=Docs(
        tag="sources",
        tag_description="The documents and references every fact cites.",
        singular="Source",
        plural="Sources",
        list_summary="List sources",
        list_description=(
            "Every document and public reference the dataset cites: title, publisher, date, "
            "URL and, for the source documents, the SHA-256 of the text the quotes were "
            "checked against."
        ),
        get_summary="Get a source",
        get_description="One source with how many citations refer to it.",
        id_name="source_id",
        id_description="Lowercase slug of the source; any case.",
        id_pattern=SLUG,
        id_example="astana-times-2024-12",
    ),
)

OFFICIALS = CollectionSpec(
    name="officials",
    record_type=officials.RECORD_TYPE,
    public_model=OfficialPublic,
    list_params=params.OfficialListParams,
    object_params=params.OfficialParams,
    build=officials.build,
    keep=officials.keep,
    sort_keys=officials.SORT_KEYS,
    seed=SeedFile("officials.toml", OfficialCreate, ((Official, ("id",)),)),
    docs=Docs(
        tag="officials",
        tag_description="The executive heads of CICA and their deputies.",
        singular="Official",
        plural="Officials",
        list_summary="List officials",
        list_description=(
            "The Executive Directors of the CICA Secretariat and the Secretaries General, "
            "and their deputies where a source names them, in order of their terms: post, "
            "person (names by language), nationality, term at the precision a source gives, "
            "and the meeting that appointed them."
        ),
        get_summary="Get an official",
        get_description="One person's term in one post, with citations.",
        id_name="official_id",
        id_description="Lowercase slug: the post and the person's family name.",
        id_pattern=SLUG,
        id_example="secretary-general-sarybay",
    ),
)
ORGANIZATION = CollectionSpec(
    name="organization",
    record_type=organization.RECORD_TYPE,
    public_model=InstitutionPublic,
    list_params=params.OrganizationExportParams,
    object_params=params.OrganizationParams,
    build=organization.build,
    keep=organization.keep,
    sort_keys=organization.SORT_KEYS,
    searchable=False,
    single=True,
    seed=SeedFile("organization.toml", InstitutionCreate, ((Institution, ("id",)),)),
    docs=Docs(
        tag="organization",
        tag_description="CICA itself.",
        singular="Organization",
        plural="Organization",
        list_summary="",
        list_description="",
        get_summary="Get CICA itself",
        get_description=(
            "One record about CICA: names, acronym, the initiative, founding documents with "
            "their dates, the seat and its history, the membership criterion, the Charter's "
            "status, the current chair and its motto (from `/v1/chairmanships` on the day "
            "the answer was built), counts of members, observers, partners, bodies and "
            "meetings derived from the dataset, and `data_as_of`."
        ),
        id_name="organization_id",
        id_description="Not used: there is one organization.",
        id_pattern=r"^cica$",
        id_example="cica",
    ),
)
CHANGES = CollectionSpec(
    name="changes",
    record_type=changes.RECORD_TYPE,
    public_model=ChangePublic,
    list_params=params.ChangeListParams,
    object_params=params.ChangeParams,
    build=changes.build,
    keep=changes.keep,
    sort_keys=changes.SORT_KEYS,
    searchable=False,
    docs=Docs(
        tag="changes",
        tag_description="What changed in the dataset, version by version.",
        singular="Change",
        plural="Changes",
        list_summary="List changes to the dataset",
        list_description=(
            "Every change to a record, oldest first: the dataset version it produced, when, "
            "the collection and id of the record, whether it was created, updated or "
            "deleted, and the fields that changed. Take the exports (`/v1/exports`) at "
            "version N, then follow `?since=N`: each page's records are later changes."
        ),
        get_summary="Get a change",
        get_description="One entry of the change feed.",
        id_name="change_id",
        id_description="Position of the change in the feed.",
        id_pattern=r"^[0-9]{1,9}$",
        id_example="1",
    ),
)

COLLECTIONS: tuple[CollectionSpec[Any, Any], ...] = (
    MEMBERS,
    OBSERVERS,
    PARTNERS,
    COUNCILS,
    REFORM_AREAS,
    CHAIRMANSHIPS,
    MEETINGS,
    CBM_DIMENSIONS,
    OFFICIALS,
    ORGANIZATION,
    CONFLICTS,
    SOURCES,
    CHANGES,
)
BY_NAME: Mapping[str, CollectionSpec[Any, Any]] = {c.name: c for c in COLLECTIONS}
SEARCHABLE: tuple[str, ...] = tuple(c.name for c in COLLECTIONS if c.searchable)
