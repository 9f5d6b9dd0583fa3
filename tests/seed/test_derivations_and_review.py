"""Curated derivations are checked when the data files are read, and review rules apply to
facts a curator writes, on a private copy of the data files."""

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.core.snapshot import build_snapshot
from seed.errors import SeedError
from seed.loader import load
from seed.reader import read_dataset


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            '{ record = "members/MN", field = "joined" }',
            '{ record = "members/XX", field = "joined" }',
            "record",
        ),
        (
            '{ record = "members/MN", field = "joined" }',
            '{ record = "members/MN", field = "born" }',
            "field",
        ),
        ('{ source_id = "rferl-2002-06-04", quote', '{ source_id = "nowhere", quote', "source_id"),
        (
            'fields = ["founding_member", "joined", "history"]',
            'fields = ["founding_member", "birthday"]',
            "fields",
        ),
    ],
)
def test_a_derivation_whose_premise_does_not_exist_is_refused(
    seed_copy: Path, old: str, new: str, field: str
) -> None:
    _replace(seed_copy / "members.toml", old, new)
    with pytest.raises(SeedError) as error:
        read_dataset(seed_copy)
    assert error.value.file == "members.toml"
    assert error.value.field is not None and error.value.field.startswith("derivations.0")
    assert error.value.field.endswith(field)


def test_a_derivation_names_a_record_or_a_quote(seed_copy: Path) -> None:
    _replace(
        seed_copy / "members.toml",
        '{ record = "members/MN", field = "joined" }',
        '{ record = "members/MN", source_id = "rferl-2002-06-04", quote = "a quote of a record" }',
    )
    with pytest.raises(SeedError, match="not both"):
        read_dataset(seed_copy)


def test_an_ended_partnership_gives_its_end(seed_copy: Path) -> None:
    _replace(seed_copy / "partner_organizations.toml", 'until = "2015-01-01"\n', "")
    with pytest.raises(SeedError, match="until"):
        read_dataset(seed_copy)


def test_a_head_of_the_secretariat_past_the_end_of_term_with_no_successor_is_flagged(
    seed_copy: Path, fresh_engine: Engine
) -> None:
    """Once the last head's term has ended and no successor is recorded, the record is no
    longer `current` and says a curator should find out what followed."""
    path = seed_copy / "officials.toml"
    text = path.read_text(encoding="utf-8")
    block = re.search(r'id = "secretary-general-sarybay"\n(?:[^\[].*\n)*', text)
    assert block is not None
    changed = re.sub(r'attested_until = "[^"]+"\n', 'term_end = "2025"\n', block.group(0))
    path.write_text(text.replace(block.group(0), changed), encoding="utf-8")
    load(fresh_engine, seed_dir=seed_copy)
    record = (
        build_snapshot(fresh_engine)
        .collections["officials"]
        .by_id["secretary-general-sarybay"]
        .record
    )
    assert record.current is False
    assert [(r.rule, r.field) for r in record.review_reasons] == [
        ("expected-end-passed", "term_end")
    ]
    assert any(d.fields == ["current"] and d.computed for d in record.derivations)


def test_the_review_period_is_a_setting(fresh_engine: Engine) -> None:
    """A longer review period flags fewer current states as unattested."""
    load(fresh_engine)

    def flagged(months: int) -> set[str]:
        snapshot = build_snapshot(fresh_engine, review_after_months=months)
        return {
            item.id
            for item in snapshot.collections["members"].items
            if any(r.rule == "not-attested" for r in item.record.review_reasons)
        }

    members = build_snapshot(fresh_engine).collections["members"].items
    undated = {item.id for item in members if item.record.last_attested is None}
    default, longer = flagged(12), flagged(1200)
    assert longer <= default
    assert longer == undated  # a century covers every dated source; no date, no evidence
