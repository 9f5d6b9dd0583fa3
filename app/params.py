"""Query parameters of each collection's routes. Each model forbids unknown parameters and
declares the patterns the server enforces (sort keys, field names)."""

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from app.core.choices import choice_pattern
from app.core.errors import worded
from app.core.listing import (
    CollectionParams,
    IsoDate,
    ObjectParams,
    fields_field,
    q_field,
    sort_field,
)
from app.models.cbm import CbmDimensionPublic
from app.models.chairmanship import ChairmanshipPublic
from app.models.change import ChangeAction, ChangePublic
from app.models.conflict import ConflictPublic
from app.models.council import CouncilKind, CouncilPublic, CouncilStatus
from app.models.institution import InstitutionPublic
from app.models.meeting import MeetingKind, MeetingOutcome, MeetingPublic, MeetingStatus
from app.models.member import MemberPublic
from app.models.observer import ObserverPublic
from app.models.official import OfficialPublic, Post
from app.models.partner import PartnerOrganizationPublic, PartnershipStatus, Relationship
from app.models.reform_area import ReformAreaPublic, ReformStatus
from app.models.source import SourceKind, SourcePublic

AS_OF_DESCRIPTION = (
    "Answer as the record stood on this day (YYYY-MM-DD). A status known only by its year "
    "counts from 1 January of that year, one known by its month from the 1st of that month, "
    "and a status ends the day before the next one began."
)
STATE_CODE = worded(r"^[A-Za-z]{2}$", "must be a two-letter state code, such as KZ")
RECORD_ID = worded(r"^[A-Za-z0-9-]+$", "must be a record id: letters, digits and hyphens")
NEEDS_REVIEW_DESCRIPTION = (
    "Only records a curator should check again (`true`: see their `review_reasons`), or only "
    "those that need no review (`false`), judged on the day the answer was built whatever "
    "`as_of` says. `cica-api review` prints the same queue."
)


def needs_review_field() -> Any:
    return Field(default=None, description=NEEDS_REVIEW_DESCRIPTION, examples=[True])


def public_fields(model: type[BaseModel]) -> list[str]:
    return [info.serialization_alias or name for name, info in model.model_fields.items()]


def _year(description: str, example: int) -> int | None:
    return Field(default=None, ge=1000, le=9999, description=description, examples=[example])


class MemberParams(ObjectParams):
    fields: str | None = fields_field(public_fields(MemberPublic), example="id,name,joined")


class MemberListParams(CollectionParams):
    fields: str | None = fields_field(public_fields(MemberPublic), example="id,name,joined")
    q: str | None = q_field(required=False, example="kaz")
    sort: str | None = sort_field(
        ("id", "name", "joined", "iso_alpha3"), default="by name", example="-joined,name"
    )
    as_of: IsoDate | None = Field(
        default=None, description=AS_OF_DESCRIPTION, examples=[dt.date(2021, 12, 31)]
    )
    joined_after: int | None = _year("Only states that joined after this year.", 2000)
    joined_before: int | None = _year("Only states that joined before this year.", 2010)
    founding: bool | None = Field(
        default=None,
        description="Only founding members (`true`) or only later ones (`false`).",
        examples=[True],
    )
    status: Literal["member", "former-member"] | None = Field(
        default=None,
        description="`member` (the default list) or `former-member`: states whose membership "
        "has ended, listed from its end on.",
        examples=["member"],
    )
    needs_review: bool | None = needs_review_field()


class ObserverParams(ObjectParams):
    fields: str | None = fields_field(public_fields(ObserverPublic), example="id,name,status")


class ObserverListParams(CollectionParams):
    fields: str | None = fields_field(public_fields(ObserverPublic), example="id,name,status")
    q: str | None = q_field(required=False, example="osce")
    sort: str | None = sort_field(
        ("id", "name", "since", "type", "status"), default="by name", example="type,name"
    )
    as_of: IsoDate | None = Field(
        default=None, description=AS_OF_DESCRIPTION, examples=[dt.date(2015, 6, 1)]
    )
    status: Literal["observer", "applicant", "former-observer", "former-applicant"] | None = Field(
        default=None,
        description="Only observers or only applicants (without it, both); `former-observer` "
        "or `former-applicant` lists those whose status has ended (a state that became a "
        "member included), from the day it ended.",
        examples=["observer"],
    )
    type: Literal["state", "organization"] | None = Field(
        default=None,
        description="Only states or only international organizations.",
        examples=["organization"],
    )
    needs_review: bool | None = needs_review_field()


class PartnerParams(ObjectParams):
    fields: str | None = fields_field(
        public_fields(PartnerOrganizationPublic), example="id,name,relationship"
    )


class PartnerListParams(CollectionParams):
    fields: str | None = fields_field(
        public_fields(PartnerOrganizationPublic), example="id,name,relationship"
    )
    q: str | None = q_field(required=False, example="SCO")
    sort: str | None = sort_field(
        ("id", "name", "since", "status"), default="by name", example="name"
    )
    as_of: IsoDate | None = Field(
        default=None,
        description=AS_OF_DESCRIPTION + " A partnership no source dates the start of is listed "
        "only today.",
        examples=[dt.date(2010, 6, 1)],
    )
    status: PartnershipStatus | None = Field(
        default=None,
        description="`active`, `in-preparation` for cooperation being prepared (without it, "
        "both), or `ended` for partnerships that no longer hold, listed from their end on.",
        examples=["active"],
    )
    relationship: Relationship | None = Field(
        default=None, description="The kind of relationship.", examples=["cooperation"]
    )
    needs_review: bool | None = needs_review_field()


class CouncilParams(ObjectParams):
    fields: str | None = fields_field(public_fields(CouncilPublic), example="id,name,status")


class CouncilListParams(CollectionParams):
    fields: str | None = fields_field(public_fields(CouncilPublic), example="id,name,status")
    q: str | None = q_field(required=False, example="youth")
    sort: str | None = sort_field(
        ("id", "name", "kind", "status", "established"), default="by name", example="kind,name"
    )
    kind: CouncilKind | None = Field(
        default=None, description="Only bodies of this kind.", examples=["advisory-council"]
    )
    status: CouncilStatus | None = Field(
        default=None, description="`established`, `proposed` or `planned`.", examples=["proposed"]
    )
    needs_review: bool | None = needs_review_field()


class ReformAreaParams(ObjectParams):
    fields: str | None = fields_field(public_fields(ReformAreaPublic), example="id,name,status")


class ReformAreaListParams(CollectionParams):
    fields: str | None = fields_field(public_fields(ReformAreaPublic), example="id,name,status")
    q: str | None = q_field(required=False, example="charter")
    sort: str | None = sort_field(
        ("id", "name", "position", "status"), default="Roadmap order", example="status,position"
    )
    status: ReformStatus | None = Field(
        default=None,
        description="Only areas with this reported progress.",
        examples=["in-progress"],
    )
    needs_review: bool | None = needs_review_field()


class ChairmanshipParams(ObjectParams):
    fields: str | None = fields_field(
        public_fields(ChairmanshipPublic), example="id,state,term_start"
    )


class ChairmanshipListParams(CollectionParams):
    fields: str | None = fields_field(
        public_fields(ChairmanshipPublic), example="id,state,term_start"
    )
    q: str | None = q_field(required=False, example="azerbaijan")
    sort: str | None = sort_field(
        ("id", "term_start", "state"), default="by term", example="-term_start"
    )
    state: str | None = Field(
        default=None,
        pattern=STATE_CODE,
        description="Only the chairmanships of this state (ISO alpha-2, any case).",
        examples=["KZ"],
    )
    current: bool | None = Field(
        default=None,
        description="Only the chairmanship current today (`true`) or only the others.",
        examples=[True],
    )
    needs_review: bool | None = needs_review_field()


class MeetingParams(ObjectParams):
    fields: str | None = fields_field(public_fields(MeetingPublic), example="id,name,date")


class MeetingListParams(CollectionParams):
    fields: str | None = fields_field(public_fields(MeetingPublic), example="id,name,date")
    q: str | None = q_field(required=False, example="summit")
    sort: str | None = sort_field(
        ("id", "date", "kind", "number", "place"), default="by date", example="-date"
    )
    kind: MeetingKind | None = Field(
        default=None, description="Only meetings of this kind.", examples=["summit"]
    )
    status: MeetingStatus | None = Field(
        default=None, description="`held`, `scheduled` or `planned`.", examples=["held"]
    )
    outcome: MeetingOutcome | None = Field(
        default=None,
        description="Only scheduled or planned meetings with this outcome: `unconfirmed` (its "
        "date has passed, no source confirms it was held), `postponed` or `cancelled`.",
        examples=["unconfirmed"],
    )
    host: str | None = Field(
        default=None,
        pattern=STATE_CODE,
        description="Only meetings this state hosted (ISO alpha-2, any case).",
        examples=["KZ"],
    )
    year_from: int | None = _year("Only meetings in or after this year.", 2010)
    year_to: int | None = _year("Only meetings in or before this year.", 2022)
    needs_review: bool | None = needs_review_field()


class CbmDimensionParams(ObjectParams):
    fields: str | None = fields_field(
        public_fields(CbmDimensionPublic), example="id,name,priority_areas"
    )


class CbmDimensionListParams(CollectionParams):
    fields: str | None = fields_field(
        public_fields(CbmDimensionPublic), example="id,name,priority_areas"
    )
    q: str | None = q_field(required=False, example="transport")
    sort: str | None = sort_field(
        ("id", "position", "name"), default="Catalogue order", example="name"
    )
    coordinator: str | None = Field(
        default=None,
        pattern=STATE_CODE,
        description="Only priority areas this state (ISO alpha-2) coordinates or co-coordinates.",
        examples=["AZ"],
    )
    needs_review: bool | None = needs_review_field()


class ConflictParams(ObjectParams):
    fields: str | None = fields_field(public_fields(ConflictPublic), example="id,subject,claims")


class ConflictListParams(CollectionParams):
    fields: str | None = fields_field(public_fields(ConflictPublic), example="id,subject,claims")
    q: str | None = q_field(required=False, example="roadmap")
    sort: str | None = sort_field(
        ("id", "collection", "field"), default="by id", example="collection"
    )
    collection: str | None = Field(
        default=None,
        description="Only conflicts about records of this collection.",
        examples=["meetings"],
    )
    record_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=80,
        pattern=RECORD_ID,
        description="Only conflicts about this record (its id, any case).",
        examples=["TH"],
    )
    needs_review: bool | None = needs_review_field()


def conflict_list_params(collections: Sequence[str]) -> type[ConflictListParams]:
    """`ConflictListParams` whose `collection` admits the collections whose records a
    conflict may be about (the registry's cited collections)."""
    collection: Any = (
        str | None,
        Field(
            default=None,
            pattern=choice_pattern(collections, most=1),
            description="Only conflicts about records of this collection: "
            + ", ".join(f"`{name}`" for name in collections)
            + ".",
            examples=["meetings"],
        ),
    )
    model: type[ConflictListParams] = create_model(
        "ConflictListParams", __base__=ConflictListParams, collection=collection
    )
    return model


class SourceParams(ObjectParams):
    fields: str | None = fields_field(public_fields(SourcePublic), example="id,title,url")


class SourceListParams(CollectionParams):
    fields: str | None = fields_field(public_fields(SourcePublic), example="id,title,url")
    q: str | None = q_field(required=False, example="astana times")
    sort: str | None = sort_field(("id", "title", "date", "kind"), default="by id", example="-date")
    kind: SourceKind | None = Field(
        default=None, description="Only sources of this kind.", examples=["seed-document"]
    )


class ChangeParams(ObjectParams):
    fields: str | None = fields_field(
        public_fields(ChangePublic), example="id,version,record_id,action"
    )


class ChangeListParams(CollectionParams):
    fields: str | None = fields_field(
        public_fields(ChangePublic), example="id,version,record_id,action"
    )
    q: str | None = q_field(required=False, example="members")
    sort: str | None = sort_field(
        ("id", "version", "collection", "record_id", "action"),
        default="oldest first",
        example="-id",
    )
    since: int | None = Field(
        default=None,
        ge=0,
        le=2**31 - 1,
        description="Only changes made after this dataset version: the `dataset_version` "
        "of the exports or pages you hold. The feed lists them oldest first.",
        examples=[1],
    )
    after: int | None = Field(
        default=None,
        ge=0,
        le=2**31 - 1,
        description="Only changes after this entry (its `id`): a follower passes the last "
        "`id` it read, which costs the same at any depth of the feed (`offset` stops at "
        "10000).",
        examples=[120],
    )
    collection: str | None = Field(
        default=None,
        description="Only changes to records of this collection.",
        examples=["members"],
    )
    record_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=80,
        pattern=RECORD_ID,
        description="Only changes to this record (its id, any case).",
        examples=["KZ"],
    )
    action: ChangeAction | None = Field(
        default=None, description="`created`, `updated` or `deleted`.", examples=["updated"]
    )


def change_list_params(collections: Sequence[str]) -> type[ChangeListParams]:
    """`ChangeListParams` whose `collection` admits the curated collections (the registry's
    collections with a data file)."""
    collection: Any = (
        str | None,
        Field(
            default=None,
            pattern=choice_pattern(collections, most=1),
            description="Only changes to records of this collection.",
            examples=["members"],
        ),
    )
    model: type[ChangeListParams] = create_model(
        "ChangeListParams", __base__=ChangeListParams, collection=collection
    )
    return model


class OfficialParams(ObjectParams):
    fields: str | None = fields_field(public_fields(OfficialPublic), example="id,post,name")


class OfficialListParams(CollectionParams):
    fields: str | None = fields_field(public_fields(OfficialPublic), example="id,post,name")
    q: str | None = q_field(required=False, example="sarybay")
    sort: str | None = sort_field(
        ("id", "name", "post", "term_start", "nationality"),
        default="by term",
        example="-term_start",
    )
    post: Post | None = Field(
        default=None, description="Only holders of this post.", examples=["secretary-general"]
    )
    nationality: str | None = Field(
        default=None,
        pattern=STATE_CODE,
        description="Only nationals of this state (ISO alpha-2, any case).",
        examples=["KZ"],
    )
    current: bool | None = Field(
        default=None,
        description="Only those in office today (`true`) or only former ones (`false`).",
        examples=[True],
    )
    needs_review: bool | None = needs_review_field()


class OrganizationParams(ObjectParams):
    fields: str | None = fields_field(
        public_fields(InstitutionPublic), example="id,name,current_chair,counts"
    )


class OrganizationExportParams(CollectionParams):
    """The whole record, for the exports (the organization has no list route)."""
