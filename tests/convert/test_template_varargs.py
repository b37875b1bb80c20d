"""A template can take a `*name` slot: the extra positional arguments are passed on as written."""

from __future__ import annotations

from msdev.rewrite import convert_text

SOURCE = '''import torch
from torch.utils.checkpoint import checkpoint


def run(block, x, y):
    return checkpoint(block, x, y, use_reentrant=False), checkpoint(block, *(x, y))
'''


def test_checkpoint_becomes_a_plain_call_with_every_argument(db):
    text = convert_text(SOURCE, db).text
    assert "return block(x, y), block(*(x, y))" in text
    assert "checkpoint" not in text.split("def run", 1)[1]


def test_too_many_arguments_without_a_star_slot_are_still_refused(db):
    text = convert_text("import torch\ny = torch.nn.utils.rnn.invert_permutation(p, q)\n", db).text
    assert "[UnConvert]" in text
