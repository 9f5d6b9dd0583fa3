"""What a maintainer's write must show for what it sets: a citation for every field, and
quotes that are really in the source documents.

A seed file is reviewed in a pull request; a write through the API is not, so the API
refuses (422) a write that sets a field no citation of the resulting record supports, and,
when the source documents are configured (`CICA_SOURCES_DIR`), a quote attributed to one of
them that the document does not contain (the check `cica-api check-sources` makes of the
data files).
"""

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from app.core.storage import RECORD_ONLY
from app.spec import CollectionSpec
from app.writes.plan import cited_items
from app.writes.world import citable_fields
from seed.quotes import normalise


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def unsupported(
    spec: CollectionSpec[Any, Any], record: BaseModel, changed: Iterable[str]
) -> list[Problem]:
    """The changed fields no citation (or derivation) of `record` supports.

    Only fields a citation may name are asked for: a record's own citable fields (its
    public fields but its footnotes and freshness). Its `sources`, `derivations` and
    `reviewed` are the evidence itself; fields of a collection without top-level `sources`
    (a source, a conflict whose claims carry their citations) and fields no public record
    shows (a CBM dimension's `areas`, each cited on its own) are checked by the write step."""
    citable = citable_fields(spec)
    if not citable:
        return []
    supported: set[str] = set()
    for cited in cited_items(spec, record):
        for citation in cited.sources:
            supported.update(citation.supports)
        for derivation in cited.derivations:
            supported.update(derivation.fields)
    return [
        Problem(
            name, f"no citation in `sources` supports `{name}`: add one whose `supports` names it"
        )
        for name in changed
        if name != "id" and name not in RECORD_ONLY and name in citable and name not in supported
    ]


def misquoted(
    spec: CollectionSpec[Any, Any],
    record: BaseModel,
    documents: Path | None,
    files: Mapping[str, str],
) -> list[Problem]:
    """Quotes of `record` (its citations' and its derivation premises') attributed to a
    source whose document is in `documents`, but not found in it. `files` maps a source's
    id to its document's file name (the sources' `file`)."""
    if documents is None:
        return []
    problems: list[Problem] = []
    for where, source_id, quote in _quotes(spec, record):
        name = files.get(source_id)
        if name is None:
            continue
        text = _document(documents / name)
        if text is not None and normalise(quote) not in text:
            problems.append(Problem(where, f"quote not found in the document of '{source_id}'"))
    return problems


def _quotes(spec: CollectionSpec[Any, Any], record: BaseModel) -> Iterator[tuple[str, str, str]]:
    for cited in cited_items(spec, record):
        prefix = f"{cited.item}." if cited.item else ""
        for position, citation in enumerate(cited.sources):
            yield f"{prefix}sources.{position}.quote", citation.source_id, citation.quote
        for position, derivation in enumerate(cited.derivations):
            for index, premise in enumerate(derivation.premises):
                if premise.source_id is not None and premise.quote is not None:
                    at = f"{prefix}derivations.{position}.premises.{index}.quote"
                    yield at, premise.source_id, premise.quote


def _document(path: Path) -> str | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return _normalised(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _normalised(path: Path, _mtime: int, _size: int) -> str | None:
    """A document's normalised text, read once per version of the file."""
    try:
        return normalise(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
