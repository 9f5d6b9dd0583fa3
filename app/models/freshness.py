"""How fresh a record's facts are and whether a curator should look at it again.

`last_attested` is the date of the newest dated source behind the record's current state;
`needs_review` (with its `review_reasons`) is computed for the snapshot's day by the rules
of `app.services.review`.
"""

from typing import Annotated, Literal

from pydantic import BaseModel
from pydantic import Field as PydanticField

ReviewRule = Literal["expected-end-passed", "date-passed", "not-attested"]
REVIEW_RULES: tuple[str, ...] = ReviewRule.__args__  # type: ignore[attr-defined]


class ReviewReasonPublic(BaseModel):
    rule: ReviewRule = PydanticField(
        description="`expected-end-passed`: a term or a status presented as current has "
        "passed its expected end; `date-passed`: a planned or scheduled date has passed at "
        "its precision (a year is past once it is over); `not-attested`: no source dated "
        "within the review period attests the current state.",
        examples=["expected-end-passed"],
    )
    field: str = PydanticField(description="The field concerned.", examples=["term_end"])
    detail: str = PydanticField(
        description="What was found, in words.",
        examples=["The term was expected to end by 2026-10; that day has passed."],
    )


LAST_ATTESTED_DESCRIPTION = (
    "Date of the newest dated source behind the record's current state (for a status: the "
    "citations supporting it; see docs/data.md for each collection), at that source's "
    "precision; null when no dated source supports it."
)
LastAttested = Annotated[
    str | None, PydanticField(description=LAST_ATTESTED_DESCRIPTION, examples=["2025-09-25"])
]
NeedsReview = Annotated[
    bool,
    PydanticField(
        description="Whether a curator should check this record again, computed for the day "
        "the answer was built (see `review_reasons`). `?needs_review=true` lists them.",
        examples=[True],
    ),
]
ReviewReasons = Annotated[
    list[ReviewReasonPublic],
    PydanticField(description="Why `needs_review` is true; empty when it is false."),
]
