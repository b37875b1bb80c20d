"""A custom optimizer (a torch.optim.Optimizer subclass with its own step()) trains like PyTorch after
conversion (issue 19, point 2).

The converted class derives from msdev's Optimizer, which puts each gradient on its parameter as `grad`
and runs step(); the finder types what step() touches (the groups' params, `p.grad`, `self.state[p]`'s
entries) so that every in-place update, chained or in PyTorch's deprecated positional form, is
rewritten to an assignment MindSpore keeps. Both programs run here and must end with the same weights.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ms = pytest.importorskip("mindspore")
pytestmark = pytest.mark.frameworks

from msdev.rewrite import convert_text  # noqa: E402

OPTIMIZERS = (Path(__file__).parent.parent / "fixtures" / "convert" / "custom_optimizer.in.py").read_text()

LOOP = '''

def run(w0, b0, x, y):
    w = torch.nn.Parameter(torch.tensor(w0))
    b = torch.nn.Parameter(torch.tensor(b0))
    opt = {ctor}
    {sched}
    losses = []
    for _ in range(6):
        opt.zero_grad()
        loss = ((torch.tensor(x) @ w + b - torch.tensor(y)) ** 2).mean()
        loss.backward()
        opt.step()
        {sched_step}
        losses.append(float(loss))
    return w, b, losses
'''

CASES = {
    "weight-decay": ("SignedAdam([w, b], lr=0.05, weight_decay=0.01)", "", ""),
    "with-StepLR": ("SignedAdam([w, b], lr=0.05)", "sched = torch.optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)",
                    "sched.step()"),
    "subclass-writing-lr-groups": ("ShrinkingSignedAdam([{'params': [w], 'lr': 0.1}, {'params': [b]}], lr=0.02)",
                                   "", ""),
}


def _run(text: str, name: str):
    namespace = {"__name__": name}
    exec(compile(text, name, "exec"), namespace)
    rng = np.random.default_rng(0)
    w0, b0 = rng.standard_normal((3, 2)).astype(np.float32), np.zeros(2, np.float32)
    x, y = rng.standard_normal((5, 3)).astype(np.float32), rng.standard_normal((5, 2)).astype(np.float32)
    return namespace["run"](w0, b0, x, y)


@pytest.mark.parametrize("case", sorted(CASES))
def test_custom_optimizer_trains_like_pytorch(case, db):
    ctor, sched, sched_step = CASES[case]
    source = OPTIMIZERS + LOOP.format(ctor=ctor, sched=sched, sched_step=sched_step)
    converted = convert_text(source, db).text
    assert "[UnConvert]" not in converted and "import torch" not in converted, converted
    w_pt, b_pt, losses_pt = _run(source, "pt_" + case)
    w_ms, b_ms, losses_ms = _run(converted, "ms_" + case)
    np.testing.assert_allclose(losses_ms, losses_pt, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(w_ms.asnumpy(), w_pt.detach().numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(b_ms.asnumpy(), b_pt.detach().numpy(), rtol=1e-4, atol=1e-6)
    assert losses_pt[-1] < losses_pt[0]  # the optimizer really trained
