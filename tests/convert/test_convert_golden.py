"""Golden conversions: `case.in.py` → `case.out.py` for every rewrite kind, plus the invariants
every conversion keeps (parses, idempotent, untouched text outside the edits)."""

from __future__ import annotations

import ast

import pytest

from msdev.rewrite import convert_text
from msdev.rewrite.source import SourceText, apply_edits, Edit
from tests.conftest import FIXTURES, check_golden

CASES = sorted((FIXTURES / "convert").glob("*.in.py"))


def _out(case):
    return case.with_name(case.name.replace(".in.py", ".out.py"))


@pytest.mark.parametrize("case", CASES, ids=[c.name.split(".")[0] for c in CASES])
def test_golden(case, db):
    conv = convert_text(case.read_text(encoding="utf-8"), db)
    check_golden(_out(case), conv.text)


@pytest.mark.parametrize("case", CASES, ids=[c.name.split(".")[0] for c in CASES])
def test_output_parses_and_is_idempotent(case, db):
    conv = convert_text(case.read_text(encoding="utf-8"), db)
    ast.parse(conv.text)
    assert convert_text(conv.text, db).text == conv.text


@pytest.mark.parametrize("case", CASES, ids=[c.name.split(".")[0] for c in CASES])
def test_edits_reproduce_output(case, db):
    """The minimal edits (what fix-all sends) turn the input into exactly the converted text."""
    text = case.read_text(encoding="utf-8")
    conv = convert_text(text, db)
    src = SourceText(text)
    edits = [Edit(src.offset_of(e.start), src.offset_of(e.end), e.new_text) for e in conv.edits]
    assert apply_edits(text, edits) == conv.text


def test_converted_module_never_imports_torch_unguarded(db):
    for case in CASES:
        tree = ast.parse(_out(case).read_text(encoding="utf-8"))
        for node in tree.body:  # module-level torch imports only inside try/except ImportError
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "torch" for a in node.names), case.name
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "torch", case.name
