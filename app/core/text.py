"""Text folding shared by `q=`, `/v1/search` and their validation."""

import re
import unicodedata

_NOT_WORD = re.compile(r"[\W_]+")
CONTROL_CLASS = r"\x00-\x1f\x7f-\x9f"
CONTROL = re.compile(f"[{CONTROL_CLASS}]")
SEARCHABLE = r"[^\W_]"
"""A query must contain one character of this class (Python `re` semantics): a letter or a
digit in any script. Punctuation and invisible characters alone match nothing."""


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form used by `q=` everywhere."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", stripped.replace("ё", "е")).strip()
