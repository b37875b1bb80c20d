"""Shared fixtures: the shipped database, loaded once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from msdev.db.loader import load_database

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

#: set MSDEV_UPDATE_GOLDEN=1 to rewrite golden files from the current output (then review the diff)
UPDATE_GOLDEN = os.environ.get("MSDEV_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="session")
def db():
    return load_database(ROOT / "mapping_db")


def check_golden(path: Path, actual: str) -> None:
    """Compare with a golden file (or rewrite it when MSDEV_UPDATE_GOLDEN=1)."""
    if UPDATE_GOLDEN or not path.exists():
        path.write_text(actual, encoding="utf-8")
        if not UPDATE_GOLDEN:
            pytest.fail(f"golden file {path.name} was missing and has been written; review it and rerun")
    assert actual == path.read_text(encoding="utf-8"), f"output differs from {path}"


def corpus_dir() -> Path | None:
    """The reference corpus (`../shared/corpus.sh DEST`): $MSDEV_CORPUS, else ~/.cache/msdev/corpus."""
    path = Path(os.environ.get("MSDEV_CORPUS", Path.home() / ".cache" / "msdev" / "corpus"))
    return path if (path / "MANIFEST.tsv").exists() else None


@pytest.fixture(scope="session")
def corpus():
    path = corpus_dir()
    if path is None:
        pytest.skip("the reference corpus is not downloaded: run ../shared/corpus.sh and set MSDEV_CORPUS "
                    "(.ci/run does both)")
    return path
