"""Query parameters of the list routes. Each model forbids unknown parameters."""

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from app.core.listing import ListParams
from app.models.council import CouncilKind, CouncilStatus
from app.models.partner import PartnershipStatus, Relationship
from app.models.reform_area import ReformStatus
from app.models.source import SourceKind

AS_OF_DESCRIPTION = (
    "Answer as the record stood on this day (YYYY-MM-DD). A status known only by its year "
    "counts from 1 January of that year, one known by its month from the 1st of that month."
)


class FilterParams(ListParams):
    def filters(self) -> dict[str, Any]:
        """The filter values, for the service call (paging is applied by the router)."""
        return self.model_dump(exclude={"limit", "offset"})


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
