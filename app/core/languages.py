"""The languages names are stored in, and how a request picks one.

`?lang=` wins over `Accept-Language`; English is the fallback. Only the first
`HEADER_LIMIT` bytes of the header are read, so a huge header costs no more than a short one.
"""

from typing import Final

LANGUAGES: Final = ("en", "ru")
DEFAULT_LANGUAGE: Final = "en"
HEADER_LIMIT: Final = 512
_MAX_TAGS: Final = 16


def header_language(accept_language: str | None) -> str | None:
    """The supported language `Accept-Language` ranks highest, if any."""
    if not accept_language:
        return None
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(accept_language[:HEADER_LIMIT].split(",")[:_MAX_TAGS]):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().split("-")[0].lower()
        if primary not in LANGUAGES:
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if quality > 0 and (best is None or (-quality, position) < best[:2]):
            best = (-quality, position, primary)
    return best[2] if best else None


def negotiate_language(requested: str | None, accept_language: str | None) -> str:
    return requested or header_language(accept_language) or DEFAULT_LANGUAGE
