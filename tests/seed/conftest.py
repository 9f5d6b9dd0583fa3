"""Fixtures shared by the seed tests."""

import shutil
from pathlib import Path

import pytest

from seed import SEED_DIR


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """A private copy of the data files, for tests that edit them."""
    target = tmp_path / "seed"
    shutil.copytree(SEED_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target
