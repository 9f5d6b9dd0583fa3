"""Observers and applicants: states and international organizations."""

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from app.models.base import UtcDateTime
from app.models.citation import DISPUTED_DESCRIPTION, CitationPublic, DisputedClaimPublic
from app.models.derivation import DERIVATIONS_DESCRIPTION, DerivationPublic
from app.models.freshness import LastAttested, NeedsReview, ReviewReasons
from app.models.inputs import CitedInput
from app.models.party import StatusPeriodInput, StatusPeriodPublic, check_history
from app.models.review import Reviewed

PartyType = Literal["state", "organization"]


class ObserverCreate(CitedInput):
    id: str = Field(
        pattern=r"^([A-Z]{2}|[a-z0-9]+(-[a-z0-9]+)*)$",
        description="ISO alpha-2 code for a state, a lowercase slug for an organization.",
    )
    type: PartyType
    names: dict[str, str] = Field(default_factory=dict)
    acronym: str | None = None
    aliases: list[str] = Field(default_factory=list)
    history: Annotated[list[StatusPeriodInput], AfterValidator(check_history)] = Field(min_length=1)

    @model_validator(mode="after")
    def _id_matches_type(self) -> "ObserverCreate":
        is_state_code = len(self.id) == 2 and self.id.isupper()
        if (self.type == "state") != is_state_code:
            raise ValueError(
                "a state's id is its ISO alpha-2 code; an organization's a lowercase slug"
            )
        if self.type == "organization" and not self.names.get("en"):
            raise ValueError("an organization needs an English name (`names.en`)")
        if any(p.status == "member" for p in self.history):
            raise ValueError(
                "a member belongs in members.toml, with its observer years in its history"
            )
        return self


class ObserverPublic(BaseModel):
    id: str = Field(examples=["JP"])
    type: PartyType = Field(examples=["state"])
    name: str = Field(examples=["Japan"])
    names: dict[str, str]
    acronym: str | None = Field(examples=["OSCE"])
    aliases: list[str]
    iso_alpha3: str | None = Field(description="States only.", examples=["JPN"])
    status: str = Field(
        description="`observer` or `applicant` on the days this entry is listed (`as_of`); "
        "`former-observer` or `former-applicant` when the record's last status has ended.",
        examples=["observer"],
    )
    since: str | None = Field(description="When the status began, if a source says.")
    attested_from: str | None = Field(
        description="When no source gives the start (`since` is null): the earliest date a "
        "source attests the status; `as_of` counts it from here.",
        examples=["2004"],
    )
    until: str | None = Field(
        description="When the status ended (a former observer or applicant), if a source "
        "says; null if held today or if no source dates the end (`history` then gives "
        "`attested_until`)."
    )
    history: list[StatusPeriodPublic]
    sources: list[CitationPublic]
    derivations: list[DerivationPublic] = Field(description=DERIVATIONS_DESCRIPTION)
    disputed: list[DisputedClaimPublic] = Field(
        default_factory=list, description=DISPUTED_DESCRIPTION
    )
    reviewed: Reviewed
    last_attested: LastAttested
    needs_review: NeedsReview
    review_reasons: ReviewReasons
    updated_at: UtcDateTime
