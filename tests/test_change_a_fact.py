"""The "Change a fact" recipe of docs/data.md, done as a maintainer does it, on a copy of
the checkout (the real data files are never touched).

One copy takes three fixes in turn: (a) a record's `reviewed` date, (b) a quote changed
to another verbatim passage of its document, (c) a value changed (a join date given to
the month only, still backed by its citation). After each, every line of the recipe's
code block but the tests runs in the copy, as written, and must succeed; the examples it
regenerates may change only where an answer changed (no timestamp or checksum churn).
Then the recipe's test line runs once, on SQLite, with `CI` set so no quote test skips,
and must pass with nothing skipped. A fourth check breaks a quote by one word and shows
`seed --dry-run --sources ../shared/seeds` fails naming the file, record and quote.

The copy sits beside a `shared/seeds` link to the source documents, so the recipe's
`../shared/seeds` works as written; `PYTHONPATH` makes the copy's code the one imported.
"""

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.registry import COLLECTIONS
from scripts.openapi_examples import normalized
from seed.quotes import quote_occurs
from tests.conftest import SOURCES_DIR
from tests.support import curate, data

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "docs" / "data.md"
EXAMPLES = Path("app/api/openapi_examples.json")
NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "__pycache__",
    "*.db",
    "*.db-*",
    "*.db.lock",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    "node_modules",
)


def recipe_lines(text: str) -> list[str]:
    """The command lines of the code block under "## Change a fact"."""
    section = re.search(r"^## Change a fact\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    assert section, 'docs/data.md has no "## Change a fact" section'
    block = re.search(r"^```(?:sh|bash|console)?\n(.*?)^```", section.group(1), flags=re.M | re.S)
    assert block, 'the "Change a fact" section has no code block'
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


LINES = recipe_lines(RECIPE.read_text(encoding="utf-8"))
TESTS = [line for line in LINES if line.split()[0] == "pytest"]
COMMANDS = [line for line in LINES if line not in TESTS]


def _step(line: str) -> str:
    words = line.split()
    if words[:2] == ["cica-api", "seed"]:
        return "dry run" if "--dry-run" in words else "seed"
    return {
        "cica-api migrate": "migrate",
        "cica-api check-sources": "quote check",
        "python -m": "examples" if "scripts.openapi_accept" in words else line,
    }.get(" ".join(words[:2]), "tests" if words[0] == "pytest" else line)


def test_the_recipe_names_every_command_in_order() -> None:
    """Guards what the test below runs: an empty or reordered block would prove nothing."""
    steps = ["migrate", "dry run", "quote check", "examples", "tests", "seed"]
    assert [_step(line) for line in LINES] == steps, LINES
    assert all("../shared/seeds" in line for line in LINES if _step(line) in steps[1:3])


@pytest.fixture
def checkout(tmp_path: Path, source_documents: Path) -> Path:
    """A copy of the checkout, with `../shared/seeds` linking to the source documents."""
    copy = tmp_path / "checkout"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED)
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "seeds").symlink_to(source_documents.resolve())
    return copy


def run(checkout: Path, line: str, *, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`line` in bash in the copy, on the defaults a maintainer's checkout has (no `CICA_*`
    setting, SQLite at `./cica.db`), with the copy's code and this environment's tools."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CICA_")}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(checkout),
        CI="1",
    )
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", line],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def churn(before: Any, after: Any, where: str = "") -> list[str]:
    """Where `after` rewrote a value of an answer that shows the same thing as before."""
    if normalized(before) == normalized(after):
        return [] if before == after else [where]
    if isinstance(before, dict) and isinstance(after, dict) and before.keys() == after.keys():
        return [p for k in before for p in churn(before[k], after[k], f"{where}.{k}")]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            p
            for i, pair in enumerate(zip(before, after, strict=True))
            for p in churn(*pair, f"{where}[{i}]")
        ]
    return []


def shown(examples: Any) -> str:
    return json.dumps(examples, ensure_ascii=False)


# The three fixes. Each returns the record it changed and how its answers now show the
# change; records the documented examples show are preferred where one fits.


def _in_examples(record_id: str) -> bool:
    return f'"id": "{record_id}"' in (ROOT / EXAMPLES).read_text(encoding="utf-8")


def new_review(seed_dir: Path) -> tuple[str, str]:
    """(a) The members' example record reviewed today."""
    member = next(c.docs.id_example for c in COLLECTIONS if c.name == "members")
    today = dt.date.today()
    day = today.isoformat() if today > data.latest_reviewed() else curate.later_than_any_review()
    curate.set_reviewed(seed_dir / "members.toml", "members", member, day)
    return member, f'"reviewed": "{day}"'


def new_quote(seed_dir: Path) -> tuple[str, str]:
    """(b) A quote replaced by another verbatim passage of the same document; one whose
    citation backs no date unless its source is dated (a date needs a quote stating it)."""
    fit = [c for c in curate.cited_quotes() if _may_lose_its_date(c)]
    cited = sorted(fit, key=lambda c: not _in_examples(c.record_id))[0]
    passage = another_passage(documents()[cited.source_id], {cited.quote})
    cited.replace(seed_dir, passage)
    return cited.record_id, f'"quote": "{passage}"'


def _may_lose_its_date(cited: curate.CitedQuote) -> bool:
    if cited.source_id in data.dated_sources():
        return True
    spec = next(c for c in COLLECTIONS if c.storage and c.storage.key == cited.key)
    citation = data.record(spec.name, cited.record_id).sources[cited.position]
    return not data.DATE_FIELDS.intersection(citation.supports)


def new_value(seed_dir: Path) -> tuple[str, str]:
    """(c) A member's join date given to the month only; its citation still backs it."""
    member = curate.member_joined_on_a_day()
    assert any("joined" in c.supports for c in member.sources), member.id
    _, _, month = curate.reduce_join_precision(seed_dir)
    return member.id, f'"joined": "{month}"'


FIXES: list[Callable[[Path], tuple[str, str]]] = [new_review, new_quote, new_value]


def documents() -> dict[str, str]:
    return {
        s.id: (SOURCES_DIR / s.file).read_text(encoding="utf-8")
        for s in data.dataset().sources
        if s.file is not None
    }


def another_passage(document: str, avoid: set[str]) -> str:
    """A sentence of the document, as written, that no citation quotes yet."""
    cited = {
        c.quote
        for rs in data.dataset().records.values()
        for r in rs
        for c in getattr(r, "sources", [])
    }
    for sentence in re.split(r"(?<=[.!?])\s+", document):
        sentence = sentence.strip()
        words = sentence.split()
        if (
            8 <= len(words) <= 30
            and re.fullmatch(r"[A-Z][A-Za-z0-9 ,;:()'-]+\.", sentence)
            and sentence not in cited | avoid
            and quote_occurs(sentence, document)
        ):
            return sentence
    raise AssertionError("no sentence of the document fits as a new quote")


def test_a_fixed_reviewed_date_quote_and_value_keep_the_suite_green(checkout: Path) -> None:
    for fix in FIXES:
        before = json.loads((checkout / EXAMPLES).read_text(encoding="utf-8"))
        record_id, expected = fix(checkout / "seed")
        for line in COMMANDS:
            result = run(checkout, line)
            assert result.returncode == 0, (
                f"{fix.__name__}: {line}\n{result.stdout}\n{result.stderr}"
            )
            if "--dry-run" in line:
                assert "quotes checked" in result.stdout and "no changes" not in result.stdout
        after = json.loads((checkout / EXAMPLES).read_text(encoding="utf-8"))
        assert churn(before, after) == [], f"{fix.__name__}: examples rewritten for nothing"
        assert expected not in shown(before), fix.__name__
        if f'"id": "{record_id}"' in shown(before):  # the examples show the fix
            assert expected in shown(after), fix.__name__
    result = run(checkout, TESTS[0], timeout=600)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "passed" in summary and "skipped" not in summary, summary


def test_a_quote_changed_by_one_word_fails_the_dry_run(checkout: Path) -> None:
    """`June 2002` -> `July 2002`: seed --dry-run with the documents says where, and fails."""
    assert run(checkout, "cica-api migrate").returncode == 0
    unchecked = run(checkout, "cica-api seed --dry-run")
    assert unchecked.returncode == 0, unchecked.stderr
    assert unchecked.stdout.splitlines()[0] == (
        "quotes not checked: no source documents (set CICA_SOURCES_DIR or pass --sources DIR)"
    )
    cited = next(curate.cited_quotes())
    altered = curate.altered_by_one_word(cited.quote)
    assert not quote_occurs(altered, documents()[cited.source_id])
    cited.replace(checkout / "seed", altered)
    result = run(checkout, "cica-api seed --dry-run --sources ../shared/seeds")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{cited.file}, record {cited.record_id}, sources.{cited.position}" in result.stderr
    assert repr(altered) in result.stderr
    assert "nothing written" not in result.stdout
