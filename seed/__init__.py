"""Curated, cited data files and the code that validates, loads and checks them."""

from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent
