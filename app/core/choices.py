"""Patterns for comma-separated choices (`sort`, `fields`, `collections`), and the names a
pattern admits, read back for error messages. No imports of the app: the parameter models
and the error handlers both use it."""

import re
from collections.abc import Iterable

_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def choice_pattern(names: Iterable[str], *, signed: bool = False, most: int | None = None) -> str:
    """`^a|b(,a|b)*$`-style pattern for comma-separated choices (optionally `-`-prefixed)."""
    names = sorted(names, key=lambda n: (-len(n), n))
    if not all(_PLAIN_NAME.match(n) for n in names):
        raise ValueError("choice names are plain words: letters, digits, `_` and `-`")
    alternatives = "|".join(names)
    one = f"{'-?' if signed else ''}(?:{alternatives})"
    repeat = "*" if most is None else f"{{0,{most - 1}}}"
    return f"^{one}(?:,{one}){repeat}$"


def choices_in(pattern: str) -> list[str]:
    """The names a `choice_pattern` admits (for error messages)."""
    match = re.search(r"\(\?:([^()]*)\)", pattern)
    return sorted(match.group(1).split("|")) if match else []
