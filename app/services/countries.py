"""ISO 3166-1 codes and English/Russian country names, from pycountry (never typed by hand)."""

import gettext
from functools import lru_cache

import pycountry


@lru_cache
def _russian() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"], fallback=True)


def country(alpha2: str) -> dict[str, object]:
    """Codes and names of one country; raises LookupError for a code ISO does not assign."""
    entry = pycountry.countries.get(alpha_2=alpha2)
    if entry is None:
        raise LookupError(f"'{alpha2}' is not an ISO 3166-1 alpha-2 code")
    english = getattr(entry, "common_name", None) or entry.name
    russian = _russian().gettext(entry.name)
    names = {"en": english}
    if russian and russian != entry.name:
        names["ru"] = russian
    return {
        "id": entry.alpha_2,
        "iso_alpha3": entry.alpha_3,
        "iso_numeric": entry.numeric,
        "names": names,
    }
