"""The editor publishes diagnostics before the rewriter's verdicts exist (they cost a quarter of
an analysis and no diagnostic reads them); whatever offers a fix asks the origin for them first."""

from __future__ import annotations

from msdev.lsp.analysis import Origin, analyse
from msdev.lsp.code_actions import offers_fix

TEXT = "import torch.nn as nn\n\nconv = nn.Conv2d(3, 16, 3, padding_mode='reflect', dtype=torch.float16)\nplain = nn.Conv2d(3, 16, 3)\n"
URI = "file:///convs.py"


def test_verdicts_follow_the_diagnostics_and_are_computed_once(db):
    lines = TEXT.split("\n")
    outcome = analyse([(URI, lines)], db, "portable", "/convs.py")
    convs = {f.line: f for f in outcome.snapshot.findings if f.torch_api == "torch.nn.Conv2d"}
    assert set(convs) == {3, 4} and all(f.verdict is None for f in convs.values())
    origin = Origin(outcome.snapshot, outcome.segments, outcome.tree, lambda uri: (1, lines), outcome.verdicts)
    origin.ensure_verdicts()
    assert not convs[3].verdict.fixable and "reflect" in convs[3].verdict.reason and not offers_fix(convs[3])
    assert convs[4].verdict.fixable and offers_fix(convs[4])
    first = convs[4].verdict
    origin.ensure_verdicts()  # a second request reuses them
    assert convs[4].verdict is first
