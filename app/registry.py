"""Every collection of the API, described once.

Routers, OpenAPI tags and operations, the snapshot builder, search, the exports, the landing
page, the seed (reader and write step), the change feed and the cross-collection tests read
a collection list: `COLLECTIONS`, made by `collections(...)` (a test can make its own).

Adding a collection (docs/data.md, "Adding a collection", shows each step with a worked
example; tests/test_recipe.py follows it to the letter):

1. a model file, `app/models/<thing>.py`: the table, the create schema, the public schema;
2. the table exported from `app/models/__init__.py` (import and `__all__`);
3. a service, `app/services/<things>.py`: `COLLECTION`, its query parameters, `SORT_KEYS`,
   `build`, `keep`, `rows` (how one record becomes rows) and `STORAGE`;
4. a seed file, `seed/<things>.toml`;
5. one entry here, added to the `collections(...)` call that makes `COLLECTIONS`;
6. a migration and the rest, in order: `cica-api migrate`, `alembic revision
   --autogenerate --rev-id NNNN_<topic>` (the next number), `cica-api migrate`,
   `cica-api seed --dry-run`, `cica-api seed`, `python -m scripts.openapi_accept`.
"""

import dataclasses
from collections.abc import Mapping
from typing import Any

from app import params
from app.core.snapshot import CITATIONS
from app.models.cbm import CbmDimensionPublic
from app.models.chairmanship import ChairmanshipPublic
from app.models.change import ChangePublic
from app.models.conflict import ConflictPublic
from app.models.council import CouncilPublic
from app.models.institution import InstitutionPublic
from app.models.meeting import MeetingPublic
from app.models.member import MemberPublic
from app.models.observer import ObserverPublic
from app.models.official import OfficialPublic
from app.models.partner import PartnerOrganizationPublic
from app.models.reform_area import ReformAreaPublic
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
from app.services.feed_pages import FeedReader
from app.spec import CollectionSpec, Docs


def cited_by(*collections: str) -> frozenset[str]:
    """What a cited collection's records show (`CollectionSpec.shows`): `collections`, the
    sources (each citation's date decides whether a record needs review) and the conflicts
    (the competing claims about its fields, in `disputed`)."""
    return frozenset({*collections, sources.COLLECTION, conflicts.COLLECTION})


SLUG = r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$"
STATE_ID = r"^[A-Za-z]{2,3}$"

MEMBERS = CollectionSpec(
    name=members.COLLECTION,
    shows=cited_by(
        cbm.COLLECTION, chairmanships.COLLECTION, meetings.COLLECTION, observers.COLLECTION
    ),
    storage=members.STORAGE,
    public_model=MemberPublic,
    list_params=params.MemberListParams,
    object_params=params.MemberParams,
    build=members.build,
    keep=members.keep,
    sort_keys=members.SORT_KEYS,
    history=True,
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
    name=observers.COLLECTION,
    shows=cited_by(members.COLLECTION, partners.COLLECTION),
    storage=observers.STORAGE,
    public_model=ObserverPublic,
    list_params=params.ObserverListParams,
    object_params=params.ObserverParams,
    build=observers.build,
    keep=observers.keep,
    sort_keys=observers.SORT_KEYS,
    history=True,
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
    name=partners.COLLECTION,
    shows=cited_by(observers.COLLECTION),
    storage=partners.STORAGE,
    public_model=PartnerOrganizationPublic,
    list_params=params.PartnerListParams,
    object_params=params.PartnerParams,
    build=partners.build,
    keep=partners.keep,
    sort_keys=partners.SORT_KEYS,
    history=True,
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
    name=councils.COLLECTION,
    shows=cited_by(),
    storage=councils.STORAGE,
    public_model=CouncilPublic,
    list_params=params.CouncilListParams,
    object_params=params.CouncilParams,
    build=councils.build,
    keep=councils.keep,
    sort_keys=councils.SORT_KEYS,
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
    name=reform_areas.COLLECTION,
    shows=cited_by(),
    storage=reform_areas.STORAGE,
    public_model=ReformAreaPublic,
    list_params=params.ReformAreaListParams,
    object_params=params.ReformAreaParams,
    build=reform_areas.build,
    keep=reform_areas.keep,
    sort_keys=reform_areas.SORT_KEYS,
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
    name=chairmanships.COLLECTION,
    shows=cited_by(members.COLLECTION, observers.COLLECTION),
    storage=chairmanships.STORAGE,
    public_model=ChairmanshipPublic,
    list_params=params.ChairmanshipListParams,
    object_params=params.ChairmanshipParams,
    build=chairmanships.build,
    keep=chairmanships.keep,
    sort_keys=chairmanships.SORT_KEYS,
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
    name=meetings.COLLECTION,
    shows=cited_by(councils.COLLECTION),
    storage=meetings.STORAGE,
    public_model=MeetingPublic,
    list_params=params.MeetingListParams,
    object_params=params.MeetingParams,
    build=meetings.build,
    keep=meetings.keep,
    sort_keys=meetings.SORT_KEYS,
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
    name=cbm.COLLECTION,
    shows=cited_by(),
    storage=cbm.STORAGE,
    public_model=CbmDimensionPublic,
    list_params=params.CbmDimensionListParams,
    object_params=params.CbmDimensionParams,
    build=cbm.build,
    keep=cbm.keep,
    narrow=cbm.narrow,
    sort_keys=cbm.SORT_KEYS,
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
    name=conflicts.COLLECTION,
    shows=frozenset({sources.COLLECTION}),
    storage=conflicts.STORAGE,
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
    name=sources.COLLECTION,
    shows=frozenset({CITATIONS}),  # how many citations name each source, of every collection
    storage=sources.STORAGE,
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
    name=officials.COLLECTION,
    shows=cited_by(members.COLLECTION, observers.COLLECTION),
    storage=officials.STORAGE,
    public_model=OfficialPublic,
    list_params=params.OfficialListParams,
    object_params=params.OfficialParams,
    build=officials.build,
    keep=officials.keep,
    sort_keys=officials.SORT_KEYS,
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
    name=organization.COLLECTION,
    storage=organization.STORAGE,
    public_model=InstitutionPublic,
    list_params=params.OrganizationExportParams,
    object_params=params.OrganizationParams,
    build=organization.build,
    keep=organization.keep,
    sort_keys=organization.SORT_KEYS,
    searchable=False,
    single=True,
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
    public_model=ChangePublic,
    list_params=params.ChangeListParams,
    object_params=params.ChangeParams,
    build=changes.not_in_snapshot,
    paged=FeedReader(frozenset()),
    shows=frozenset(),  # nothing of it is in a snapshot: no change rebuilds it
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
            "version N, then follow `?since=N`: each page's records are later changes; past "
            "the first page, `after=` the last `id` you read pages at the same cost at any "
            "depth. Each entry links to its record's revision (`revision_path`): who made the "
            "change, why, and each field's value before and after."
        ),
        get_summary="Get a change",
        get_description="One entry of the change feed.",
        id_name="change_id",
        id_description="Position of the change in the feed.",
        id_pattern=r"^[0-9]{1,9}$",
        id_example="1",
    ),
)


def collections(*records: CollectionSpec[Any, Any]) -> tuple[CollectionSpec[Any, Any], ...]:
    """The API's collections: `records` (in the order the landing page, search and the
    exports list them), then the conflicts between sources, the sources and the change
    feed, whose `collection` filters admit the names of `records`."""
    curated = [*records, CONFLICTS, SOURCES]
    _check_tables(curated)
    cited = [spec.name for spec in records if _cited(spec)]
    stored = [spec.name for spec in curated if spec.storage is not None]
    return (
        *records,
        dataclasses.replace(CONFLICTS, list_params=params.conflict_list_params(cited)),
        SOURCES,
        dataclasses.replace(
            CHANGES,
            list_params=params.change_list_params(stored),
            build=changes.not_in_snapshot,
            paged=FeedReader(frozenset(spec.name for spec in records if spec.single)),
        ),
    )


def _cited(spec: CollectionSpec[Any, Any]) -> bool:
    return spec.storage is not None and "sources" in spec.storage.schema.model_fields


def _check_tables(specs: list[CollectionSpec[Any, Any]]) -> None:
    """Collections that write the same table must describe it alike (its key, whether it
    is shared), or their rows would be matched differently by each."""
    seen: dict[Any, Any] = {}
    for spec in specs:
        for table in spec.storage.tables if spec.storage else ():
            other = seen.setdefault(table.model, table)
            if other != table:
                raise ValueError(f"{spec.name} describes table {table.name} unlike another")


COLLECTIONS: tuple[CollectionSpec[Any, Any], ...] = collections(
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
)
BY_NAME: Mapping[str, CollectionSpec[Any, Any]] = {c.name: c for c in COLLECTIONS}
SEARCHABLE: tuple[str, ...] = tuple(c.name for c in COLLECTIONS if c.searchable)
