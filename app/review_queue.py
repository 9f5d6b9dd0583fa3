"""The curators' review queue: every record whose `needs_review` is true on the snapshot's
day, with its reasons. `cica-api review` prints it; the lists' `needs_review=true` filter
answers the same records."""

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from app.core.snapshot import Snapshot
from app.spec import CollectionSpec


@dataclass(frozen=True)
class QueueEntry:
    collection: str
    id: str
    last_attested: str | None
    reasons: list[dict[str, str]]


def review_queue(
    snapshot: Snapshot, collections: Sequence[CollectionSpec[Any, Any]]
) -> list[QueueEntry]:
    """In registry order, then in each collection's list order; each record once (the
    entry its id resolves to)."""
    entries = []
    for spec in collections:
        if "needs_review" not in spec.public_model.model_fields:
            continue
        for item in snapshot.get(spec).items:
            record = item.record
            if item.primary and record.needs_review:
                entries.append(
                    QueueEntry(
                        collection=spec.name,
                        id=item.id,
                        last_attested=record.last_attested,
                        reasons=[r.model_dump() for r in record.review_reasons],
                    )
                )
    return entries


def render_text(entries: list[QueueEntry], snapshot: Snapshot) -> str:
    lines = [
        f"Review queue on {snapshot.day} (dataset version {snapshot.version}; newest source "
        f"{snapshot.sources_until or 'none'}, last review {snapshot.data_as_of or 'none'}): "
        f"{len(entries)} records"
    ]
    for entry in entries:
        attested = entry.last_attested or "no dated source"
        lines.append(f"{entry.collection}/{entry.id} (last attested: {attested})")
        lines += [f"  - {r['rule']} [{r['field']}]: {r['detail']}" for r in entry.reasons]
    return "\n".join(lines)


def render_json(entries: list[QueueEntry], snapshot: Snapshot) -> str:
    return json.dumps(
        {
            "day": snapshot.day.isoformat(),
            "dataset_version": snapshot.version,
            "sources_until": snapshot.sources_until,
            "data_as_of": snapshot.data_as_of.isoformat() if snapshot.data_as_of else None,
            "records": [asdict(entry) for entry in entries],
        },
        ensure_ascii=False,
        indent=2,
    )
