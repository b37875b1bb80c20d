"""Shared fixtures of the scan tests: the small mapping database and a copy of the sample project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "scan"
DB_DIR = FIXTURES / "db"
PROJECT = FIXTURES / "project"
GOLDEN = FIXTURES / "golden"


@pytest.fixture(scope="session")
def db():
    from msdev.db.loader import load_database

    return load_database(DB_DIR, use_cache=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of the sample project (outside any git repository)."""
    dest = tmp_path / "project"
    shutil.copytree(PROJECT, dest)
    return dest


def run_cli(*args: str, cwd: str | Path | None = None, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    """Run `msdev` in a fresh process, as a user would, against the fixture database."""
    env = dict(os.environ)
    env["MSDEV_DB"] = str(DB_DIR)
    env.pop("COLUMNS", None)
    if env_extra:
        env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "msdev", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)
