"""Shared fixtures: the shipped database, loaded once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from msdev.cpu_kernels import cap_onednn_isa
from msdev.db.loader import load_database

# MindSpore's convolutions take oneDNN's reference kernel on AVX-512 processors (msdev/cpu_kernels.py):
# capped before any test or the processes it starts runs one, as `msdev verify` does for itself
cap_onednn_isa()

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

#: set MSDEV_UPDATE_GOLDEN=1 to rewrite golden files from the current output (then review the diff)
UPDATE_GOLDEN = os.environ.get("MSDEV_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="session", autouse=True)
def user_cache_home(tmp_path_factory):
    """The tests' own XDG cache folder: scans and the database pickle never touch the user's."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


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


#: why a corpus test skipped and how to run it (the summary at the end counts these skips)
CORPUS_MISSING = ("the reference corpus is not downloaded: run `python tests/fetch_corpus.py` "
                  "(or point MSDEV_CORPUS at a copy)")


def corpus_dir() -> Path | None:
    """The reference corpus (`python tests/fetch_corpus.py DEST`): $MSDEV_CORPUS, else ~/.cache/msdev/corpus."""
    path = Path(os.environ.get("MSDEV_CORPUS", Path.home() / ".cache" / "msdev" / "corpus"))
    return path if (path / "MANIFEST.tsv").exists() else None


@pytest.fixture(scope="session")
def corpus():
    path = corpus_dir()
    if path is None:
        pytest.skip(CORPUS_MISSING)
    return path


def pytest_terminal_summary(terminalreporter):
    """Say how many tests did not run for want of the corpus, so a fresh clone knows what it missed."""
    skipped = terminalreporter.stats.get("skipped", [])
    missing = sum(1 for rep in skipped if CORPUS_MISSING in str(rep.longrepr))
    if missing:
        terminalreporter.write_line(f"{missing} test{'s' if missing != 1 else ''} skipped: {CORPUS_MISSING}")
