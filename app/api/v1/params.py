"""Query parameters of the list routes. Each model forbids unknown parameters."""

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from app.core.listing import ListParams
from app.models.council import CouncilKind, CouncilStatus
from app.models.meeting import MeetingKind, MeetingStatus
from app.models.partner import PartnershipStatus, Relationship
from app.models.reform_area import ReformStatus
from app.models.source import SourceKind

AS_OF_DESCRIPTION = (
    "Answer as the record stood on this day (YYYY-MM-DD). A status known only by its year "
    "counts from 1 January of that year, one known by its month from the 1st of that month."
)


class FilterParams(ListParams):
    q: str | None = Field(
        default=None,
        max_length=200,
        description="Search: case-, accent- and punctuation-insensitive, over names in every "
        "stored language, acronyms, aliases and ids.",
        examples=["kaz"],
    )

    def filters(self) -> dict[str, Any]:
        """The filter values, for the service call (paging is applied by the router)."""
        return self.model_dump(exclude={"limit", "offset", "format", "lang", "fields"})


class MemberListParams(FilterParams):
    sort: str | None = Field(
        default=None,
        description="Comma-separated fields among `id`, `name`, `joined`, `iso_alpha3`; "
        "a leading `-` sorts descending. Default: by name.",
        examples=["-joined,name"],
    )
    as_of: dt.date | None = Field(
        default=None, description=AS_OF_DESCRIPTION, examples=["2021-12-31"]
    )
    joined_after: int | None = Field(
        default=None,
        ge=1000,
        le=9999,
        description="Only states that joined after this year.",
        examples=[2000],
    )
    joined_before: int | None = Field(
        default=None,
        ge=1000,
        le=9999,
        description="Only states that joined before this year.",
        examples=[2010],
    )
    founding: bool | None = Field(
        default=None,
        description="Only founding members (`true`) or only later ones (`false`).",
        examples=[True],
    )


class ObserverListParams(FilterParams):
    sort: str | None = Field(
        default=None,
        description="Comma-separated fields among `id`, `name`, `since`, `type`, `status`; "
        "a leading `-` sorts descending. Default: by name.",
        examples=["type,name"],
    )
    as_of: dt.date | None = Field(
        default=None, description=AS_OF_DESCRIPTION, examples=["2015-06-01"]
    )
    status: Literal["observer", "applicant"] | None = Field(
        default=None, description="Only observers or only applicants.", examples=["observer"]
    )
    type: Literal["state", "organization"] | None = Field(
        default=None,
        description="Only states or only international organizations.",
        examples=["state"],
    )


class PartnerListParams(FilterParams):
    sort: str | None = Field(
        default=None,
        description="Comma-separated fields among `id`, `name`, `since`, `status`. Default: by name.",
        examples=["name"],
    )
    status: PartnershipStatus | None = Field(
        default=None,
        description="`active`, or `in-preparation` for cooperation being prepared.",
        examples=["active"],
    )
    relationship: Relationship | None = Field(
        default=None, description="The kind of relationship.", examples=["cooperation"]
    )


class CouncilListParams(FilterParams):
    sort: str | None = Field(
        default=None,
        description="Comma-separated fields among `id`, `name`, `kind`, `status`, `established`. Default: by name.",
        examples=["kind,name"],
    )
    kind: CouncilKind | None = Field(
        default=None, description="Only bodies of this kind.", examples=["advisory-council"]
    )
    status: CouncilStatus | None = Field(
        default=None, description="`established`, `proposed` or `planned`.", examples=["proposed"]
    )


class ReformAreaListParams(FilterParams):
    sort: str | None = Field(
        default=None,
        description="Comma-separated fields among `id`, `name`, `position`, `status`. Default: Roadmap order.",
        examples=["status,position"],
    )
    status: ReformStatus | None = Field(
        default=None,
        description="Only areas with this reported progress.",
        examples=["in-progress"],
    )


class SourceListParams(FilterParams):
    sort: str | None = Field(
        default=None,
        description="Comma-separated fields among `id`, `title`, `date`, `kind`. Default: by id.",
        examples=["-date"],
    )
    kind: SourceKind | None = Field(
        default=None, description="Only sources of this kind.", examples=["seed-document"]
    )


class ChairmanshipListParams(FilterParams):
    sort: str | None = Field(
        default=None,
        description="Comma-separated fields among `id`, `term_start`, `state`. Default: by term.",
        examples=["-term_start"],
    )
    state: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z]{2}$",
        description="Only the chairmanships of this state (ISO alpha-2).",
        examples=["KZ"],
    )


class MeetingListParams(FilterParams):
    sort: str | None = Field(
        default=None,
        description="Comma-separated fields among `id`, `date`, `kind`, `number`, `place`. "
        "Default: by date.",
        examples=["-date"],
    )
    kind: MeetingKind | None = Field(
        default=None, description="Only meetings of this kind.", examples=["summit"]
    )
    status: MeetingStatus | None = Field(
        default=None, description="`held` or `planned`.", examples=["held"]
    )
    host: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z]{2}$",
        description="Only meetings this state hosted.",
        examples=["KZ"],
    )
    year_from: int | None = Field(
        default=None,
        ge=1000,
        le=9999,
        description="Only meetings in or after this year.",
        examples=[2010],
    )
    year_to: int | None = Field(
        default=None,
        ge=1000,
        le=9999,
        description="Only meetings in or before this year.",
        examples=[2022],
    )


class CbmDimensionListParams(FilterParams):
    sort: str | None = Field(
        default=None,
        description="Comma-separated fields among `id`, `position`, `name`. Default: Catalogue order.",
        examples=["name"],
    )
    coordinator: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z]{2}$",
        description="Only priority areas this state (ISO alpha-2) coordinates or co-coordinates.",
        examples=["AZ"],
    )


class ConflictListParams(FilterParams):
    sort: str | None = Field(
        default=None,
        description="Comma-separated fields among `id`, `collection`, `field`. Default: by id.",
        examples=["collection"],
    )
    collection: str | None = Field(
        default=None,
        description="Only conflicts about records of this collection.",
        examples=["meetings"],
    )
    record_id: str | None = Field(
        default=None,
        max_length=80,
        description="Only conflicts about this record.",
        examples=["TH"],
    )
