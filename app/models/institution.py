"""CICA itself: one record with its names, founding, seat, membership rule and Charter,
and (derived on the snapshot's day, never typed) its current chair and its counts.

Named `Institution` in code: `Organization` is the table of observer and partner
organizations (app.models.party)."""

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, DateTime, Text
from sqlmodel import Field, SQLModel

from app.models.base import PartialDate, StrictInput, UtcDateTime, require_english, utc_now
from app.models.citation import DISPUTED_DESCRIPTION, CitationPublic, DisputedClaimPublic
from app.models.derivation import DERIVATIONS_DESCRIPTION, DerivationPublic
from app.models.freshness import LastAttested, NeedsReview, ReviewReasons
from app.models.inputs import CitedInput
from app.models.review import Reviewed


class Institution(SQLModel, table=True):
    __tablename__ = "institution"

    id: str = Field(primary_key=True, max_length=80)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    acronym: str = Field(max_length=40)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    founded: str | None = Field(default=None, max_length=10)
    initiative: dict[str, str | None] = Field(sa_column=Column(JSON, nullable=False))
    founding_documents: list[dict[str, str | None]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    seat_history: list[dict[str, str | None]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    membership_criterion: str | None = Field(default=None, sa_column=Column(Text))
    charter_status: str | None = Field(default=None, sa_column=Column(Text))
    external_status: list[dict[str, str | None]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class Initiative(StrictInput):
    date: PartialDate = PydanticField(description="When the initiative was put forward.")
    by: str | None = PydanticField(
        default=None, description="Who put it forward, as a source names them."
    )
    state: str | None = PydanticField(
        default=None, pattern=r"^[A-Z]{2}$", description="ISO alpha-2 of the state."
    )
    occasion: str | None = PydanticField(
        default=None, description="Where it was put forward, as a source says."
    )


class FoundingDocument(StrictInput):
    name: str = PydanticField(min_length=3, examples=["Almaty Act"])
    date: PartialDate | None = None
    place: str | None = None
    meeting: str | None = PydanticField(
        default=None, description="Id of the meeting that adopted it (`/v1/meetings/{id}`)."
    )


class Seat(StrictInput):
    city: str = PydanticField(min_length=2, examples=["Astana"])
    since: PartialDate | None = PydanticField(default=None, alias="from")
    until: PartialDate | None = PydanticField(default=None, alias="to")


class ExternalStatus(StrictInput):
    organization: str = PydanticField(
        min_length=2, description="The organization (or its organ) that granted the status."
    )
    status: str = PydanticField(min_length=2, examples=["observer"])
    since: PartialDate | None = None


class InstitutionCreate(CitedInput):
    id: str = PydanticField(pattern=r"^cica$", description="Always `cica`: there is one.")
    names: Annotated[dict[str, str], AfterValidator(require_english)]
    acronym: str
    aliases: list[str] = PydanticField(default_factory=list)
    founded: PartialDate | None = None
    initiative: Initiative
    founding_documents: list[FoundingDocument] = PydanticField(default_factory=list)
    seat_history: list[Seat] = PydanticField(default_factory=list)
    membership_criterion: str | None = None
    charter_status: str | None = None
    external_status: list[ExternalStatus] = PydanticField(
        default_factory=list, description="CICA's own status in other organizations."
    )


class InitiativePublic(BaseModel):
    date: str = PydanticField(examples=["1992-10-05"])
    by: str | None = PydanticField(description="Who put it forward, as a source names them.")
    state: str | None = PydanticField(description="ISO alpha-2 of the state.", examples=["KZ"])
    occasion: str | None


class FoundingDocumentPublic(BaseModel):
    name: str = PydanticField(examples=["Almaty Act"])
    date: str | None = PydanticField(examples=["2002-06-04"])
    place: str | None = PydanticField(examples=["Almaty"])
    meeting: str | None = PydanticField(
        description="The meeting that adopted it (`/v1/meetings/{id}`).", examples=["summit-1"]
    )


class SeatPublic(BaseModel):
    city: str = PydanticField(examples=["Astana"])
    since: str | None = PydanticField(serialization_alias="from")
    until: str | None = PydanticField(serialization_alias="to")


class ExternalStatusPublic(BaseModel):
    organization: str = PydanticField(examples=["United Nations General Assembly"])
    status: str = PydanticField(examples=["observer"])
    since: str | None = PydanticField(examples=["2007"])


class CurrentChair(BaseModel):
    chairmanship_id: str = PydanticField(
        description="`/v1/chairmanships/{id}`.", examples=["azerbaijan-2024"]
    )
    state: str = PydanticField(examples=["AZ"])
    state_name: str = PydanticField(examples=["Azerbaijan"])
    term_start: str
    term_end: str | None
    motto: dict[str, str] | None = PydanticField(
        description="The chairmanship's motto by language, where a source gives it."
    )
    needs_review: NeedsReview
    review_reasons: ReviewReasons


class ObserverCounts(BaseModel):
    states: int
    organizations: int


class PartnerCounts(BaseModel):
    active: int
    in_preparation: int
    ended: int = PydanticField(description="Partnerships that no longer hold.")


class Counts(BaseModel):
    """Counted from the dataset on the snapshot's day, never typed."""

    members: int = PydanticField(examples=[28])
    observers: ObserverCounts
    applicants: int
    partner_organizations: PartnerCounts
    councils: dict[str, int] = PydanticField(
        description="Councils and other bodies by status.",
        examples=[{"established": 14, "planned": 1, "proposed": 2}],
    )
    meetings: dict[str, int] = PydanticField(
        description="Meetings by status.", examples=[{"held": 22, "planned": 1, "scheduled": 2}]
    )
    officials_in_office: int
    cbm_priority_areas: int = PydanticField(
        description="Priority areas of the CBM Catalogue listed in `/v1/cbm-dimensions`, "
        "topics incorporated into another area not counted.",
        examples=[19],
    )


class InstitutionPublic(BaseModel):
    id: str = PydanticField(examples=["cica"])
    name: str = PydanticField(
        examples=["Conference on Interaction and Confidence Building Measures in Asia"]
    )
    names: dict[str, str]
    acronym: str = PydanticField(examples=["CICA"])
    aliases: list[str]
    founded: str | None = PydanticField(
        description="The founding date the API treats as current (see `disputed`)."
    )
    initiative: InitiativePublic
    founding_documents: list[FoundingDocumentPublic]
    seat: str | None = PydanticField(
        description="Where the Secretariat sits today (the open period of `seat_history`).",
        examples=["Astana"],
    )
    seat_history: list[SeatPublic]
    membership_criterion: str | None
    charter_status: str | None
    external_status: list[ExternalStatusPublic] = PydanticField(
        description="CICA's own status in other organizations, where a source gives it."
    )
    current_chair: CurrentChair | None = PydanticField(
        description="The chairmanship on the day the answer was built, from `/v1/chairmanships`."
    )
    counts: Counts
    data_as_of: dt.date | None = PydanticField(
        description="The latest day a maintainer checked any record against its sources "
        "(the greatest `reviewed`); not a claim that facts are current to that day."
    )
    sources_until: str | None = PydanticField(
        description="The date of the newest source in the dataset: the newest evidence any "
        "fact rests on.",
        examples=["2026-03-11"],
    )
    sources: list[CitationPublic]
    derivations: list[DerivationPublic] = PydanticField(description=DERIVATIONS_DESCRIPTION)
    disputed: list[DisputedClaimPublic] = PydanticField(
        default_factory=list, description=DISPUTED_DESCRIPTION
    )
    reviewed: Reviewed
    last_attested: LastAttested
    needs_review: NeedsReview
    review_reasons: ReviewReasons
    updated_at: UtcDateTime
