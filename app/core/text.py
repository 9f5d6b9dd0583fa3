"""Text folding shared by `q=`, `/v1/search` and their validation."""

import re
import unicodedata

_NOT_WORD = re.compile(r"[\W_]+")
CONTROL_CLASS = r"\x00-\x1f\x7f-\x9f"
CONTROL = re.compile(f"[{CONTROL_CLASS}]")
SEARCHABLE = (
    r"[0-9A-Za-z\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02af"
    r"\u0370-\u03ff\u0400-\u052f\u0531-\u0587\u05d0-\u05ea\u0620-\u064a"
    r"\u0e01-\u0e30\u3041-\u30ff\u4e00-\u9fff\uac00-\ud7a3]"
)
"""A query must contain one character of this class: a digit or a letter of the Latin,
Greek, Cyrillic, Armenian, Hebrew, Arabic, Thai, Japanese, Chinese or Korean scripts.
Spelled with explicit ranges so that it means the same in Python's `re` (the server) and in
the ECMA-262 regexes of JSON Schema (the OpenAPI document, clients, Schemathesis), where
`\\w` is ASCII-only. Punctuation and invisible characters alone match nothing."""


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form used by `q=` everywhere."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", stripped.replace("ё", "е")).strip()
