"""How a templated rewrite treats the arguments of the call it replaces (argument map rules)."""

from __future__ import annotations

from msdev.rewrite import convert_text


def convert(db, line: str) -> str:
    return convert_text("import torch\nimport torch.nn.functional as F\n" + line + "\n", db).text


def test_allowed_value_converts_and_other_value_is_refused(db):
    ok = convert(db, "y = F.embedding(i, w, None, None, 2.0, False, False)")
    assert "embedding(i, w, None, None, 2.0, False, False)" in ok and "UnConvert" not in ok
    ok = convert(db, "y = torch.ops.aten._softmax.default(x, 1, False)")
    assert "UnConvert" not in ok
    refused = convert(db, "y = torch.ops.aten._softmax.default(x, 1, True)")
    assert "UnConvert" in refused and "half_to_float=True" in refused


def test_unsupported_argument_is_refused(db):
    out = convert(db, "y = F.mse_loss(a, b, weight=w)")
    assert "UnConvert" in out and "weight" in out


def test_argument_at_pytorch_default_does_not_block_the_template(db):
    out = convert(db, "y = F.max_pool1d(x, 2, return_indices=False)")
    assert "max_pool2d, 4)(x.unsqueeze(-2), (1, 2)" in out and "UnConvert" not in out


def test_expression_arguments_keep_their_grouping(db):
    out = convert(db, "y = torch.take(a + b, i)")
    assert "(a + b).reshape(-1)[i]" in out
    out = convert(db, "y = torch.rsub(a, b + 1, alpha=2)")
    assert "((b + 1) - 2 * a)" in out
    out = convert(db, "y = torch.rsub(a, b, alpha=-lr)")
    assert "(b - -lr * a)" in out


def test_python_targets_need_no_mindspore_import(db):
    out = convert(db, "def f(n: torch.SymInt, v: torch.SymFloat):\n    return n * torch.pi, torch.inf")
    assert "n: int" in out and "v: float" in out and "math.pi" in out and "math.inf" in out
    assert "import math" in out


def test_default_generator_goes_and_a_generator_object_is_dropped_with_a_note(db):
    for line in ("x = torch.ones(3)\ny = x.bernoulli_(0.3, generator=None)", "x = torch.ones(3)\ny = x.random_(0, 5, generator=None)",
                 "y = torch.randn(2, 3, generator=None)", "y = torch.multinomial(w, 2, generator=None)"):
        out = convert(db, line)
        assert "UnConvert" not in out and "generator" not in out, out
    # a Generator object: the torch random functions draw from MindSpore's global seed instead, and say so
    for line in ("y = torch.randn(2, 3, generator=g)", "y = torch.multinomial(w, 2, generator=g)"):
        conversion = convert_text("import torch\n" + line + "\n", db)
        assert "UnConvert" not in conversion.text and "generator" not in conversion.text, conversion.text
        notes = [n for o in conversion.outcomes for n in o.notes]
        assert any("dropped generator=g" in n and "global seed" in n for n in notes), notes
    # the in-place Tensor sampler has no form without its generator: refused, not silently changed
    out = convert(db, "x = torch.ones(3)\ny = x.bernoulli_(0.3, generator=g)")
    assert "UnConvert" in out and "generator=g" in out, out
