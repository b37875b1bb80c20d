"""Golden conversions of the statement-level rules (MS200–MS226): tests/fixtures/patterns/<case>.py
→ <case>.out.py, with the invariants every conversion keeps."""

from __future__ import annotations

import ast

import pytest

from msdev.analysis.engine import find_in_text
from msdev.findings import PATTERN_RULES
from msdev.rewrite import UNCONVERT_TAG, convert_text
from tests.conftest import FIXTURES, check_golden

CASES = sorted(p for p in (FIXTURES / "patterns").glob("*.py") if not p.name.endswith(".out.py"))
IDS = [c.stem for c in CASES]


def _out(case):
    return case.with_name(case.stem + ".out.py")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_golden(case, db):
    check_golden(_out(case), convert_text(case.read_text(encoding="utf-8"), db).text)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_output_parses_is_idempotent_and_never_imports_msdev(case, db):
    conv = convert_text(case.read_text(encoding="utf-8"), db)
    tree = ast.parse(conv.text)
    assert convert_text(conv.text, db).text == conv.text
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not any(a.name.split(".")[0] == "msdev" for a in node.names)
        if isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] != "msdev"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_unconverted_rule_is_marked(case, db):
    conv = convert_text(case.read_text(encoding="utf-8"), db)
    for o in conv.outcomes:
        if o.finding.pattern and not o.converted:
            assert f"{UNCONVERT_TAG} {o.finding.torch_api}:" in conv.text, o.finding.message


def test_fixtures_cover_every_rule(db):
    """Each rule code is found by the fixtures, and each rule with a fix converts at least once."""
    found, converted = set(), set()
    for case in CASES:
        text = case.read_text(encoding="utf-8")
        found |= {f.pattern for f in find_in_text(text, db) if f.pattern}
        converted |= {o.finding.pattern for o in convert_text(text, db).outcomes if o.converted and o.finding.pattern}
    # MS210 needs an optimizer mapped to classic mindspore.nn: the shipped database maps them all to
    # mindspore.experimental.optim now, so test_weight_decay_rule_with_a_classic_optimizer covers it
    found.add("MS210")
    assert found == set(PATTERN_RULES)
    advice_only = {"MS210", "MS221", "MS222", "MS225"}
    assert converted == set(PATTERN_RULES) - advice_only


def test_weight_decay_rule_with_a_classic_optimizer(tmp_path):
    """A project overlay that maps an optimizer to a classic mindspore.nn one gets the MS210 advice."""
    from msdev.db.loader import load_database
    (tmp_path / "msdev_mappings.yaml").write_text(
        "- api: torch.optim.Adadelta\n  kind: class\n  returns: other\n  summary: classic optimizer\n"
        "  params: [params, lr, rho, eps, weight_decay]\n  targets:\n    portable:\n"
        "      api: mindspore.nn.Adadelta\n      status: arg-diff\n      source: curated\n"
        "      args: {lr: learning_rate, eps: epsilon}\n", encoding="utf-8")
    db = load_database(None, overlay_root=tmp_path, use_cache=False)
    text = "import torch\nopt = torch.optim.Adadelta(model.parameters(), lr=1.0, weight_decay=1e-4)\n"
    assert "MS210" in {f.pattern for f in find_in_text(text, db)}
