"""Golden fixtures for the finder: `case.py` → `case.expected` (one finding per line).

Each line is `line:col-end_line:end_col kind confidence torch_api`; statuses are left out on
purpose, so curating the database does not churn these files (db tests cover statuses).
"""

from __future__ import annotations

import pytest

from msdev.analysis.engine import find_in_text
from tests.conftest import FIXTURES, check_golden

CASES = sorted((FIXTURES / "finder").glob("*.py"))


def render(findings) -> str:
    return "".join(
        f"{f.line}:{f.column}-{f.end_line}:{f.end_column} {f.kind} {f.confidence} {f.torch_api}\n" for f in findings
    )


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_finder_golden(case, db):
    findings = find_in_text(case.read_text(encoding="utf-8"), db, path=case.name)
    check_golden(case.with_suffix(".expected"), render(findings))
