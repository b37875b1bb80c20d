"""The distribution is `msdev-migrate`: `msdev` on PyPI is somebody else's package, so nothing in the
repository may tell a user to install that name."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import msdev

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".git", "node_modules", ".venv", "out", "test-results", "__pycache__", ".hypothesis", "dist", "build"}
TEXT_SUFFIXES = {".py", ".md", ".ts", ".mjs", ".js", ".json", ".toml", ".sh", ".txt", ".yaml", ".yml", ".html", ""}

#: `pip install msdev`, `pip install -U 'msdev[verify]'`, `"install", "--upgrade", "msdev"` …
WRONG = [
    re.compile(r"pip3?\s+install\s+(?:-{1,2}[\w-]+\s+)*['\"]?msdev(?![\w-])"),
    re.compile(r"['\"]install['\"],\s*(?:['\"]-{1,2}[\w-]+['\"],\s*)*['\"]msdev['\"]"),
    re.compile(r"(?<![\w-])msdev\[verify\]"),
]


def repository_files():
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if any(part in SKIP_DIRS for part in rel.parts) or not path.is_file():
            continue
        if path.suffix in TEXT_SUFFIXES and path.stat().st_size < 2_000_000:
            yield rel, path


def test_the_patterns_catch_the_old_advice():
    for line in ("pip install msdev", "pip install --upgrade msdev", "pip install 'msdev[verify]'",
                 '["-m", "pip", "install", "--upgrade", "msdev"]'):
        assert any(p.search(line) for p in WRONG), line
    for line in ("pip install msdev-migrate", "pip install 'msdev-migrate[verify]'", "pip install -e ."):
        assert not any(p.search(line) for p in WRONG), line


def test_nothing_tells_a_user_to_install_the_pypi_msdev():
    offenders = []
    for rel, path in repository_files():
        if rel == Path(__file__).relative_to(ROOT):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for n, line in enumerate(text.splitlines(), 1):
            if any(p.search(line) for p in WRONG):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_the_distribution_name_is_declared_once():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == msdev.DISTRIBUTION == "msdev-migrate"
    assert project["scripts"]["msdev"] == "msdev.cli.main:main"  # the command keeps its name


def test_version_names_the_distribution(capsys):
    import pytest

    from msdev.cli.main import main

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"msdev {msdev.__version__} (msdev-migrate)"
