"""Officials: the executive heads of CICA (Executive Directors of the Secretariat, then
Secretaries General) and their deputies, one record per person per post held."""

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, model_validator
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, Date, DateTime, Text
from sqlmodel import Field, SQLModel

from app.models.base import PartialDate, Slug, UtcDateTime, one_of, require_english, utc_now
from app.models.citation import DISPUTED_DESCRIPTION, CitationPublic, DisputedClaimPublic
from app.models.derivation import DERIVATIONS_DESCRIPTION, DerivationPublic
from app.models.freshness import LastAttested, NeedsReview, ReviewReasons
from app.models.inputs import CitedInput
from app.models.review import Reviewed

Post = Literal[
    "executive-director",
    "deputy-executive-director",
    "secretary-general",
    "deputy-secretary-general",
]
POSTS: tuple[str, ...] = Post.__args__  # type: ignore[attr-defined]


class Official(SQLModel, table=True):
    __tablename__ = "officials"
    __table_args__ = (one_of("post", POSTS),)

    id: str = Field(primary_key=True, max_length=80)
    post: str = Field(max_length=40, index=True)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    nationality: str | None = Field(default=None, max_length=2)
    term_start: str | None = Field(default=None, max_length=10)
    term_start_date: dt.date | None = Field(default=None, sa_column=Column(Date))
    term_end: str | None = Field(default=None, max_length=10)
    attested_from: str | None = Field(default=None, max_length=10)
    attested_until: str | None = Field(default=None, max_length=10)
    appointed_at: str | None = Field(default=None, foreign_key="meetings.id", max_length=80)
    appointed_by: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: dt.datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class OfficialCreate(CitedInput):
    id: Slug = PydanticField(
        description="`<post>-<family name>`, e.g. `secretary-general-sarybay`."
    )
    post: Post
    names: Annotated[dict[str, str], AfterValidator(require_english)] = PydanticField(
        description="The person's name by language (`en` required, `ru` where a source gives it)."
    )
    aliases: list[str] = PydanticField(
        default_factory=list, description="Other spellings of the name that sources use."
    )
    nationality: str | None = PydanticField(
        default=None, pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code."
    )
    term_start: PartialDate | None = None
    term_end: PartialDate | None = None
    attested_from: PartialDate | None = PydanticField(
        default=None,
        description="When no source gives the term's start: the earliest date a source "
        "attests them in the post.",
    )
    attested_until: PartialDate | None = PydanticField(
        default=None,
        description="When no source gives the term's end: the latest date a source attests "
        "them in the post.",
    )
    appointed_at: Slug | None = PydanticField(
        default=None, description="Id of the meeting that appointed them (in meetings.toml)."
    )
    appointed_by: str | None = PydanticField(
        default=None,
        min_length=3,
        description="Who or what appointed them, as a source says, when that meeting is not "
        "a record of meetings.toml.",
    )

    @model_validator(mode="after")
    def _term_in_order(self) -> "OfficialCreate":
        if self.term_start and self.attested_from:
            raise ValueError("give `term_start` or `attested_from` (start unknown), not both")
        if self.term_end and self.attested_until:
            raise ValueError("give `term_end` or `attested_until` (end unknown), not both")
        start = self.term_start or self.attested_from
        end = self.term_end or self.attested_until
        if start and end and end < start[: len(end)]:
            raise ValueError("the term ends before it starts")
        return self


class OfficialPublic(BaseModel):
    id: str = PydanticField(examples=["secretary-general-sarybay"])
    post: str = PydanticField(
        description="`executive-director`, `deputy-executive-director`, `secretary-general` "
        "or `deputy-secretary-general`.",
        examples=["secretary-general"],
    )
    name: str = PydanticField(description="The person's name in the language asked for.")
    names: dict[str, str] = PydanticField(description="The person's name by language.")
    aliases: list[str] = PydanticField(description="Other spellings sources use.")
    nationality: str | None = PydanticField(
        description="ISO 3166-1 alpha-2 code of the state whose national they are.",
        examples=["KZ"],
    )
    nationality_name: str | None = PydanticField(examples=["Kazakhstan"])
    term_start: str | None = PydanticField(
        description="When they took up the post, at the precision a source gives.",
        examples=["2022-10"],
    )
    term_end: str | None = PydanticField(
        description="When the term ended (or is to end), at the precision a source gives; "
        "null when no source gives it."
    )
    attested_from: str | None = PydanticField(
        description="When `term_start` is unknown: the earliest date a source attests them "
        "in the post.",
        examples=["2014-10-06"],
    )
    attested_until: str | None = PydanticField(
        description="When `term_end` is unknown: the latest date a source attests them in the post."
    )
    current: bool | None = PydanticField(
        description="In office today: the term (or its attested start) has begun, it has "
        "not ended (a term ending `2026` counts until the end of 2026) and, for the "
        "Executive Director and the Secretary General, no later holder has taken over. "
        "Null for a deputy whose term no source dates: unknown."
    )
    appointed_at: str | None = PydanticField(
        description="Id of the meeting that appointed them (`/v1/meetings/{id}`).",
        examples=["ministerial-6"],
    )
    appointed_by: str | None = PydanticField(
        description="Who appointed them, as a source says, when the meeting is not a record."
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
