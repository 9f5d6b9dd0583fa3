"""Member states: input (seed) and public schemas. Storage is `State` + `StatusPeriod`."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, field_validator

from app.models.base import UtcDateTime
from app.models.citation import DISPUTED_DESCRIPTION, CitationPublic, DisputedClaimPublic
from app.models.derivation import DERIVATIONS_DESCRIPTION, DerivationPublic
from app.models.freshness import LastAttested, NeedsReview, ReviewReasons
from app.models.inputs import CitedInput
from app.models.party import StatusPeriodInput, StatusPeriodPublic, check_history
from app.models.review import Reviewed


class MemberCreate(CitedInput):
    id: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code.")
    names: dict[str, str] = Field(
        default_factory=dict,
        description="Overrides of pycountry's names, e.g. a short common name.",
    )
    founding_member: bool = False
    history: Annotated[list[StatusPeriodInput], AfterValidator(check_history)] = Field(min_length=1)

    @field_validator("history")
    @classmethod
    def _was_a_member(cls, history: list[StatusPeriodInput]) -> list[StatusPeriodInput]:
        if not any(p.status == "member" for p in history):
            raise ValueError("a member's history needs a `member` period")
        return history


class CbmRole(BaseModel):
    area_id: str = Field(examples=["transport-corridors"])
    dimension_id: str = Field(examples=["economic"])
    role: str = Field(description="`coordinator` or `co-coordinator`.", examples=["coordinator"])


class MemberPublic(BaseModel):
    id: str = Field(description="ISO 3166-1 alpha-2 code.", examples=["KZ"])
    iso_alpha3: str = Field(examples=["KAZ"])
    iso_numeric: str = Field(examples=["398"])
    name: str = Field(examples=["Kazakhstan"])
    names: dict[str, str] = Field(examples=[{"en": "Kazakhstan", "ru": "Казахстан"}])
    status: str = Field(
        description="`member` on the days it is listed (`as_of`, else today); "
        "`former-member` when its membership has ended.",
        examples=["member"],
    )
    joined: str | None = Field(
        description="When membership began, at the precision a source gives.", examples=["1999"]
    )
    joined_attested_from: str | None = Field(
        description="When no source gives the start of membership (`joined` is null): the "
        "earliest date a source attests it, e.g. `2002` for a state a 2002 source lists as "
        "a member. `as_of` counts membership from here.",
        examples=["2002"],
    )
    founding_member: bool = Field(
        description="A signatory of the 1999 Declaration on the Principles Guiding Relations "
        "among the CICA Member States: as a source names it, or as `derivations` derives it."
    )
    history: list[StatusPeriodPublic]
    chairmanships: list[str] = Field(
        default_factory=list, description="Ids of the chairmanships it held (`/v1/chairmanships`)."
    )
    meetings_hosted: list[str] = Field(
        default_factory=list, description="Ids of the meetings it hosted (`/v1/meetings`)."
    )
    cbm_areas: list[CbmRole] = Field(
        default_factory=list, description="CBM priority areas it coordinates or co-coordinates."
    )
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
