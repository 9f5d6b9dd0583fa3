"""Quote matching that survives typography: the stored quote is never altered, only compared.

Both sides are normalised the same way: Unicode NFKC; hyphen, dash and quote variants
folded; letter-spaced words (`S p e c i f i c a l l y`) joined; whitespace collapsed.
"""

import re
import unicodedata

_FOLD = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00ad", "-"),
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u0060\u00b4", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        "\u2026": "...",
    }
)
_LETTER_SPACED = re.compile(r"\b(?:\w ){2,}\w\b")
_WHITESPACE = re.compile(r"\s+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" (?=[,.;:!?)\]])")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    text = _WHITESPACE.sub(" ", text)
    text = _LETTER_SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)
    text = _SPACE_BEFORE_PUNCTUATION.sub("", text)
    return text.strip()


def quote_occurs(quote: str, document: str) -> bool:
    return normalise(quote) in normalise(document)
