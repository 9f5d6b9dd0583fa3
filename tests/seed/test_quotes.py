"""Quote normalisation: typography differences match, different words do not."""

import pytest

from seed.quotes import normalise, quote_occurs

DOCUMENT = "Confidence\u2011Building Measures \u201cin Asia\u201d \u2014 S p e c i f i c a l l y ,\u00a0Azerbaijan\u2019s role"


@pytest.mark.parametrize(
    "quote",
    [
        "Confidence-Building Measures",
        '"in Asia" - Specifically',
        "Specifically, Azerbaijan's role",
        "Measures  “in   Asia”",
    ],
)
def test_typographic_variants_match(quote: str) -> None:
    assert quote_occurs(quote, DOCUMENT)


@pytest.mark.parametrize(
    "quote", ["Confidence Building Measures", "Azerbaijan's rule", "in Europe"]
)
def test_different_text_does_not_match(quote: str) -> None:
    assert not quote_occurs(quote, DOCUMENT)


def test_normalise_is_idempotent() -> None:
    assert normalise(normalise(DOCUMENT)) == normalise(DOCUMENT)
