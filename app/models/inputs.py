"""Bases of the seed (and future write) schemas of cited records."""

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from app.models.base import StrictInput, require_english
from app.models.citation import CitationCreate
from app.models.derivation import DerivationCreate


class CitedInput(StrictInput):
    """A record with its citations. `unverified = true` marks a fact only memory supports:
    it may stay in the data file, uncited, but is not loaded until a source backs it."""

    sources: list[CitationCreate] = Field(default_factory=list)
    derivations: list[DerivationCreate] = Field(
        default_factory=list,
        description="Fields that follow from other facts: the rule and its premises.",
    )
    unverified: bool = False
    reviewed: dt.date = Field(
        description="The day a maintainer last checked the record against its sources; a "
        "file's top-level `reviewed` is the default for its records."
    )

    @model_validator(mode="after")
    def _cited_unless_unverified(self) -> "CitedInput":
        if not self.sources and not self.unverified:
            raise ValueError("every record needs at least one citation (or `unverified = true`)")
        return self


class NamedInput(CitedInput):
    """Names of an organization or body: English required, official acronym, common aliases."""

    names: Annotated[dict[str, str], AfterValidator(require_english)]
    acronym: str | None = None
    aliases: list[str] = Field(default_factory=list)
