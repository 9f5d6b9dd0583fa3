"""Verify citations against the source documents: every quote must occur in its document."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from seed import SEED_DIR
from seed.quotes import normalise
from seed.reader import cited_items, read_dataset


@dataclass(frozen=True)
class CheckResult:
    checked: int
    documents: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_sources(documents_dir: Path, *, seed_dir: Path = SEED_DIR) -> CheckResult:
    """Check every quote that cites a source document found in `documents_dir` (a citation's
    or a derivation premise's).

    Each document's SHA-256 must match the manifest, so the quotes are known to have been
    checked against the same text the manifest describes.
    """
    dataset = read_dataset(seed_dir)
    problems: list[str] = []
    texts: dict[str, str] = {}
    for source in dataset.sources:
        if source.file is None:
            continue
        path = documents_dir / source.file
        if not path.is_file():
            problems.append(f"source '{source.id}': {path} not found")
            continue
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if source.sha256 and digest != source.sha256:
            problems.append(f"source '{source.id}': sha256 {digest} differs from the manifest")
        texts[source.id] = normalise(raw.decode("utf-8"))  # once, not once per quote
    checked = 0
    for item in cited_items(dataset):
        quotes = [
            (f"sources.{position}", citation.source_id, citation.quote)
            for position, citation in enumerate(item.citations)
        ]
        quotes += [
            (f"derivations.{position}.premises.{index}", premise.source_id, premise.quote)
            for position, derivation in enumerate(item.derivations)
            for index, premise in enumerate(derivation.premises)
            if premise.source_id is not None and premise.quote is not None
        ]
        for where, source_id, quote in quotes:
            text = texts.get(source_id)
            if text is None:
                continue
            checked += 1
            if normalise(quote) not in text:
                problems.append(
                    f"{item.file}, record {item.label}, {where}: quote not found "
                    f"in '{source_id}': {quote!r}"
                )
    return CheckResult(checked=checked, documents=len(texts), problems=problems)
