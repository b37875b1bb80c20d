"""`msdev scan` reports the statement-level rules (MS2xx) exactly as the engine finds them:
golden findings per fixture (tests/fixtures/patterns/<case>.findings), and the JSON, SARIF and
text reports of the CLI carry the same rule codes and positions."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from msdev.analysis.engine import find_in_text
from msdev.db.loader import load_database
from msdev.findings import PATTERN_RULES
from tests.conftest import FIXTURES, ROOT, check_golden

PATTERNS = FIXTURES / "patterns"
CASES = sorted(p for p in PATTERNS.glob("*.py") if not p.name.endswith(".out.py"))


@pytest.fixture(scope="module")
def db():
    """The shipped database (this folder's conftest gives the small scan-test database)."""
    return load_database(ROOT / "mapping_db")


def render(findings) -> str:
    return "".join(f"{f.line}:{f.column}-{f.end_line}:{f.end_column} {f.rule.code} {f.torch_api}: "
                   f"{f.message.split(': ', 1)[-1]}\n" for f in findings if f.pattern)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_pattern_findings_golden(case, db):
    check_golden(case.with_suffix(".findings"), render(find_in_text(case.read_text(encoding="utf-8"), db)))


def test_scan_cli_reports_the_pattern_rules(tmp_path, db):
    project = tmp_path / "project"
    project.mkdir()
    for case in CASES:
        shutil.copy(case, project / case.name)
    expected = set()
    for case in CASES:
        for f in find_in_text(case.read_text(encoding="utf-8"), db):
            expected.add((case.name, f.line, f.column, f.rule.code, f.torch_api))
    r = subprocess.run([sys.executable, "-m", "msdev", "scan", str(project), "--format", "json", "--no-cache",
                        "--db", str(ROOT / "mapping_db")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    got = {(fr["path"], f["line"], f["column"], f["rule"], f["torch_api"])
           for fr in report["files"] for f in fr["findings"]}
    assert got == expected
    # MS210 needs a classic mindspore.nn optimizer, which only a project overlay maps to now
    # (tests/convert/test_patterns_golden.py::test_weight_decay_rule_with_a_classic_optimizer)
    assert {c for *_, c, _ in got if c.startswith("MS2")} | {"MS210"} == set(PATTERN_RULES)
    r = subprocess.run([sys.executable, "-m", "msdev", "scan", str(project), "--format", "sarif", "--no-cache",
                        "--db", str(ROOT / "mapping_db")], capture_output=True, text=True)
    run = json.loads(r.stdout)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {res["ruleId"] for res in run["results"]} | {"MS210"} >= set(PATTERN_RULES)
    assert all(rules[res["ruleIndex"]]["id"] == res["ruleId"] for res in run["results"])
