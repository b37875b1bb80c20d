"""One verdict per finding: scan's readiness, the editor's quick-fix offer and convert's rate all
come from what the rewriter decides, so they cannot disagree."""

from __future__ import annotations

from pathlib import Path

import pytest

from msdev.analysis.engine import SourceError, analyze_text, read_source
from msdev.findings import Applicability
from msdev.lsp.code_actions import offers_fix
from msdev.rewrite.convert import convert_text
from msdev.scanning.summary import summarize

REFLECT = "import torch.nn as nn\n\nconv = nn.Conv2d(3, 16, 3, padding_mode='reflect', dtype=torch.float16)\nplain = nn.Conv2d(3, 16, 3)\n"


def _by_position(findings):
    return {(f.line, f.column, f.torch_api): f for f in findings}


def test_a_use_convert_refuses_gets_no_quick_fix(db):
    found = _by_position(analyze_text(REFLECT, db).findings)
    reflect, plain = found[(3, 7, "torch.nn.Conv2d")], found[(4, 8, "torch.nn.Conv2d")]
    assert reflect.verdict is not None and not reflect.verdict.fixable and "reflect" in reflect.verdict.reason
    assert not reflect.automatic and not offers_fix(reflect)
    assert plain.verdict.fixable and offers_fix(plain)
    conv = convert_text(REFLECT, db)
    outcome = {(o.finding.line, o.finding.column): o for o in conv.outcomes}
    assert not outcome[(3, 7)].converted and outcome[(4, 8)].converted
    assert summarize([analyze_text(REFLECT, db)]).readiness == conv.converted / len(conv.outcomes) == 0.5


def test_a_partly_supported_use_converts_as_an_unsafe_fix(db):
    text = "import torch.nn.functional as F\n\ny = F.local_response_norm(x, 2)\n"
    (f,) = analyze_text(text, db).findings
    assert f.status == "partial" and f.verdict.applicability == Applicability.UNSAFE
    assert f.automatic and offers_fix(f)  # offered one by one, never applied as a safe fix
    assert f.verdict.notes  # what the reviewer must check


def _corpus_files(root: Path) -> list[Path]:
    # a sizeable, varied part: every package but the largest (timm), whose size adds time, not variety
    return sorted(p for pkg in ("torchvision", "efficientnet-pytorch", "pretrainedmodels",
                                "segmentation-models-pytorch") for p in (root / pkg).rglob("*.py"))


def test_scan_readiness_equals_convert_rate_on_the_corpus(corpus, db):
    files = _corpus_files(corpus)
    assert len(files) > 250
    results, uses, converted = [], 0, 0
    for path in files:
        try:
            text = read_source(path)
        except SourceError:
            continue
        scanned = analyze_text(text, db, path=str(path))
        results.append(scanned)
        if scanned.error:
            continue
        conv = convert_text(text, db, path=str(path))
        uses += len(conv.outcomes)
        converted += conv.converted
        done = {(o.finding.line, o.finding.column, o.finding.torch_api): o.converted for o in conv.outcomes}
        for f in scanned.findings:  # no quick fix for a use convert refuses, and none missing
            assert offers_fix(f) == done[(f.line, f.column, f.torch_api)], (path, f.line, f.torch_api)
    summary = summarize(results)
    assert summary.uses == uses > 5000
    assert summary.automatic == converted
    assert summary.readiness == pytest.approx(converted / uses)


def test_a_quick_fix_brings_the_definition_its_rewrite_names(db):
    from msdev.rewrite import quick_fix

    text = "import torch\n\nlow = -torch.finfo(torch.float32).max\n"
    (use,) = [f for f in analyze_text(text, db).findings if f.torch_api == "torch.finfo"]
    fix = quick_fix(text, use, db)
    inserted = "".join(e.new_text for e in fix.edits)
    assert "finfo(" in inserted and "class finfo:" in inserted  # the editor's fix is as runnable as convert's
    assert "class finfo:" in convert_text(text, db).text
