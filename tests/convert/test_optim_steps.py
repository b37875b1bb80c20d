"""Optimizers and LR schedulers step like PyTorch after conversion (issue 19, point 2).

Each case is a small PyTorch training loop; `convert_text` turns it into MindSpore code (the training
step becomes value_and_grad + optimizer(grads), schedulers map to mindspore.experimental.optim), and
both programs run here: the weights must agree after 5 optimizer steps, the learning rates reported
by `get_last_lr()` for 20 scheduler steps, as Python floats like PyTorch's.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ms = pytest.importorskip("mindspore")
pytestmark = pytest.mark.frameworks

from msdev.rewrite import convert_text  # noqa: E402

W0 = np.array([0.5, -1.2, 2.0, 0.1], np.float32)
C = np.array([1.0, 2.0, 0.5, 3.0], np.float32)

OPTIMIZER_LOOP = '''
import torch


def run(w0, c):
    w = torch.nn.Parameter(torch.tensor(w0))
    opt = {ctor}
    for _ in range(5):
        opt.zero_grad()
        loss = (torch.tensor(c) * (w - 0.3) ** 2).sum() + (w ** 3).sum() * 0.1
        loss.backward()
        opt.step()
    return w
'''

SCHEDULER_LOOP = '''
import torch
from torch.optim import lr_scheduler


def run(metrics):
    w = torch.nn.Parameter(torch.ones(3))
    opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    sched = {ctor}
    lrs = []
    for epoch in range(20):
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        opt.step()
        {step}
        lrs.append(sched.get_last_lr()[0])
    return lrs
'''

OPTIMIZERS = {
    "SGD": "torch.optim.SGD([w], lr=0.05)",
    "SGD-momentum": "torch.optim.SGD([w], 0.05, 0.9)",
    "SGD-default-lr": "torch.optim.SGD([w], momentum=0.9)",
    "SGD-nesterov": "torch.optim.SGD([w], lr=0.05, momentum=0.9, nesterov=True)",
    "SGD-weight-decay": "torch.optim.SGD([w], lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.1)",
    "Adam": "torch.optim.Adam([w], lr=0.05)",
    "Adam-betas-decay": "torch.optim.Adam([w], lr=0.05, betas=(0.8, 0.95), weight_decay=0.1, amsgrad=False)",
    "AdamW": "torch.optim.AdamW([w], lr=0.05)",
    "Adam-amsgrad": "torch.optim.Adam([w], lr=0.05, amsgrad=True)",
    "Adam-amsgrad-decay-maximize": "torch.optim.Adam([w], 0.05, (0.8, 0.9), 1e-6, 0.1, True, maximize=False)",
    "AdamW-amsgrad": "torch.optim.AdamW([w], 0.05, (0.9, 0.95), 1e-8, 0.05, True)",
    "AdamW-decay": "torch.optim.AdamW([w], 0.05, (0.85, 0.99), 1e-6, 0.05)",
    "RMSprop": "torch.optim.RMSprop([w], lr=0.01)",
    "RMSprop-centered": "torch.optim.RMSprop([w], lr=0.01, momentum=0.9, centered=True)",
    "Adagrad": "torch.optim.Adagrad([w], lr=0.1, lr_decay=0.01)",
    "Adadelta": "torch.optim.Adadelta([w], lr=1.0, rho=0.8)",
    "Adamax": "torch.optim.Adamax([w], lr=0.05)",
    "NAdam": "torch.optim.NAdam([w], lr=0.05)",
    "RAdam": "torch.optim.RAdam([w], lr=0.05)",
    "NAdam-maximize": "torch.optim.NAdam([w], lr=0.05, maximize=True)",
    "RAdam-maximize-decay": "torch.optim.RAdam([w], 0.05, weight_decay=0.1, maximize=True)",
    "ASGD": "torch.optim.ASGD([w], lr=0.05, t0=2)",
    "Rprop": "torch.optim.Rprop([w], lr=0.05, etas=(0.4, 1.3))",
    "Adafactor": "torch.optim.Adafactor([w], lr=0.05)",
    "Adafactor-decay-maximize": "torch.optim.Adafactor([w], 0.5, -0.6, (1e-6, 1e-3), 1.5, 0.1, maximize=True)",
}

SCHEDULERS = {
    "ConstantLR": "lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=4)",
    "LinearLR": "lr_scheduler.LinearLR(opt, start_factor=0.2, end_factor=1.0, total_iters=5, last_epoch=-1)",
    "StepLR": "lr_scheduler.StepLR(opt, 3, 0.5)",
    "MultiStepLR": "lr_scheduler.MultiStepLR(opt, milestones=[2, 5, 9], gamma=0.3)",
    "ExponentialLR": "lr_scheduler.ExponentialLR(opt, gamma=0.9)",
    "CosineAnnealingLR": "lr_scheduler.CosineAnnealingLR(opt, T_max=7, eta_min=0.01)",
    "LambdaLR": "lr_scheduler.LambdaLR(opt, lr_lambda=lambda e: 0.95 ** e)",
    "MultiplicativeLR": "lr_scheduler.MultiplicativeLR(opt, lambda e: 0.9)",
    "CyclicLR": "lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=3, mode='triangular2', cycle_momentum=False)",
    "CosineAnnealingWarmRestarts": "lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2, eta_min=0.001)",
    "PolynomialLR": "lr_scheduler.PolynomialLR(opt, total_iters=8, power=2.0)",
    "SequentialLR": ("lr_scheduler.SequentialLR(opt, [lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=3), "
                     "lr_scheduler.ExponentialLR(opt, gamma=0.9)], milestones=[3])"),
    "OneCycleLR": "lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=25, cycle_momentum=False)",
    "OneCycleLR-linear": "lr_scheduler.OneCycleLR(opt, 0.5, epochs=4, steps_per_epoch=6, pct_start=0.25, anneal_strategy='linear', cycle_momentum=False)",
    "ChainedScheduler": ("lr_scheduler.ChainedScheduler([lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=4), "
                         "lr_scheduler.ExponentialLR(opt, gamma=0.9)])"),
    "ReduceLROnPlateau": "lr_scheduler.ReduceLROnPlateau(opt, mode='min', factor=0.5, patience=2)",
}


def _load(text: str, name: str):
    namespace = {"__name__": name}
    exec(compile(text, name, "exec"), namespace)
    return namespace["run"]


def _converted(source: str, db) -> str:
    conv = convert_text(source, db)
    assert "[UnConvert]" not in conv.text, conv.text
    assert "import torch" not in conv.text, conv.text
    return conv.text


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_weights_match_after_five_steps(name, db):
    source = OPTIMIZER_LOOP.format(ctor=OPTIMIZERS[name])
    expected = _load(source, "pt_" + name)(W0, C).detach().numpy()
    got = _load(_converted(source, db), "ms_" + name)(W0, C).asnumpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    assert not np.allclose(expected, W0)  # the optimizer really moved the weights


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_scheduler_learning_rates_match_for_twenty_steps(name, db):
    step = "sched.step(metrics[epoch])" if name == "ReduceLROnPlateau" else "sched.step()"
    source = SCHEDULER_LOOP.format(ctor=SCHEDULERS[name], step=step)
    metrics = [1.0, 0.9, 0.95, 0.97, 0.99, 0.8, 0.85, 0.9, 0.91, 0.92] * 2
    expected = _load(source, "pt_" + name)(metrics)
    got = _load(_converted(source, db), "ms_" + name)(metrics)
    assert all(type(v) is float for v in got), [type(v) for v in got]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-8)
    assert len(set(np.round(expected, 8))) > 1  # the schedule really changes the learning rate


def test_amsgrad_takes_an_optimizer_written_in_the_file(db):
    """MindSpore's AMSGrad kernel drifts from PyTorch's: amsgrad=True takes the AdamAMSGrad definition
    (its weights are checked against PyTorch's with the other optimizers), amsgrad=False the MindSpore class."""
    text = convert_text(OPTIMIZER_LOOP.format(ctor=OPTIMIZERS["Adam-amsgrad"]), db).text
    assert "class AdamAMSGrad(" in text and "AdamAMSGrad([w]" in text, text
    text = convert_text(OPTIMIZER_LOOP.format(ctor=OPTIMIZERS["Adam-betas-decay"]), db).text
    assert "AdamAMSGrad" not in text and "mindspore.experimental.optim.Adam(" in text, text


#: a script with no function or loop: the forward pass runs before the optimizer exists
SCRIPT_STEP = '''
import torch

torch.manual_seed(0)
feats = torch.tensor([[0.3, -1.0, 2.0], [1.5, 0.2, -0.4]])
layer = torch.nn.Linear(3, 2)
with torch.no_grad():
    layer.weight.copy_(torch.tensor([[0.1, 0.2, -0.3], [0.5, -0.6, 0.7]]))
    layer.bias.fill_(0.25)
hidden = layer(feats).tanh()
opt = torch.optim.Adam(layer.parameters(), lr=0.2, weight_decay=0.01)
target = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
err = torch.nn.functional.mse_loss(hidden, target)
err.backward()
opt.step()
shape_seen = tuple(hidden.shape)
'''

#: no zero_grad() anywhere: PyTorch adds every backward() to the gradients already stored
ACCUMULATING_LOOP = '''
import torch


def run(w0, c):
    w = torch.nn.Parameter(torch.tensor(w0))
    opt = torch.optim.SGD([w], lr=0.02)
    for _ in range(4):
        loss = (torch.tensor(c) * (w - 0.3) ** 2).sum()
        loss.backward()
        opt.step()
    return w
'''


def test_module_level_training_step_moves_only_the_forward_pass(db):
    text = _converted(SCRIPT_STEP, db)
    expected, got = {}, {}
    exec(compile(SCRIPT_STEP, "pt_script", "exec"), expected)
    exec(compile(text, "ms_script", "exec"), got)
    np.testing.assert_allclose(got["layer"].weight.asnumpy(), expected["layer"].weight.detach().numpy(),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got["layer"].bias.asnumpy(), expected["layer"].bias.detach().numpy(),
                               rtol=1e-4, atol=1e-5)
    assert got["shape_seen"] == expected["shape_seen"]  # `hidden` is still there after the step
    assert not np.allclose(expected["layer"].bias.detach().numpy(), 0.25)


LEAF_TENSORS = """\
import torch
theta = torch.tensor([1.0, 2.0], requires_grad=True)
bias = torch.zeros(1, requires_grad=True)
opt = torch.optim.SGD([theta, bias], lr=0.1, momentum=0.9)
for _ in range(3):
    opt.zero_grad()
    loss = (theta ** 2).sum() + ((theta * 3).sum() - bias - 1).pow(2).sum()
    loss.backward()
    opt.step()
"""


def test_leaf_tensors_given_to_an_optimizer_are_parameters(db):
    """`torch.tensor(..., requires_grad=True)` handed to an optimizer: MindSpore's optimizers take only
    Parameters (a plain tensor fails in their constructor), so the leaf is built as one."""
    text = _converted(LEAF_TENSORS, db)
    assert "theta = mindspore.Parameter(mindspore.tensor([1.0, 2.0]))" in text
    expected, got = {"__name__": "pt_leaf"}, {"__name__": "ms_leaf"}  # MindSpore reads the function's module
    exec(compile(LEAF_TENSORS, "pt_leaf", "exec"), expected)
    exec(compile(text, "ms_leaf", "exec"), got)
    for name in ("theta", "bias"):
        np.testing.assert_allclose(got[name].asnumpy(), expected[name].detach().numpy(), rtol=1e-5, atol=1e-6)


def test_loop_without_zero_grad_accumulates_gradients_like_pytorch(db):
    text = _converted(ACCUMULATING_LOOP, db)
    expected = _load(ACCUMULATING_LOOP, "pt_acc")(W0, C).detach().numpy()
    got = _load(text, "ms_acc")(W0, C).asnumpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    fresh = _load(OPTIMIZER_LOOP.format(ctor="torch.optim.SGD([w], lr=0.02)").replace("range(5)", "range(4)")
                  .replace(" + (w ** 3).sum() * 0.1", ""), "pt_fresh")(W0, C).detach().numpy()
    assert not np.allclose(expected, fresh)  # accumulation really changes the result here


@pytest.mark.parametrize("name", ["MultiStepLR", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR"])
def test_scheduler_step_with_an_epoch_jumps_like_pytorch(name, db):
    step = "sched.step([3, 1, 4, 8, 6, 6, 2, 10, 12, 5][epoch % 10])"
    source = SCHEDULER_LOOP.format(ctor=SCHEDULERS[name], step=step)
    metrics = [0.0] * 20
    expected = _load(source, "pt_epoch_" + name)(metrics)
    got = _load(_converted(source, db), "ms_epoch_" + name)(metrics)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-8)


#: two steps written one after the other at module level, reusing the same names
TWO_SCRIPT_STEPS = '''
import torch

layer = torch.nn.Linear(2, 1)
with torch.no_grad():
    layer.weight.copy_(torch.tensor([[0.4, -0.7]]))
    layer.bias.fill_(0.1)
opt = torch.optim.SGD(layer.parameters(), lr=0.1, momentum=0.5)
pts = torch.tensor([[1.0, 2.0], [0.5, -1.0], [-2.0, 0.3]])
pred = layer(pts)
err = pred.pow(2).mean()
err.backward()
opt.step()
opt.zero_grad()
pred = layer(pts * 2)
err = (pred - 1).abs().mean()
err.backward()
opt.step()
'''


def test_two_module_level_steps_each_take_their_own_forward_pass(db):
    text = _converted(TWO_SCRIPT_STEPS, db)
    expected, got = {}, {}
    exec(compile(TWO_SCRIPT_STEPS, "pt_two", "exec"), expected)
    exec(compile(text, "ms_two", "exec"), got)
    np.testing.assert_allclose(got["layer"].weight.asnumpy(), expected["layer"].weight.detach().numpy(),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got["pred"].asnumpy(), expected["pred"].detach().numpy(), rtol=1e-4, atol=1e-5)


#: a schedule driven on its own: `opt.step()`/`zero_grad()` with no gradient anywhere (PyTorch skips
#: every parameter, so both calls do nothing)
SCHEDULE_ONLY = '''
import torch
from torch.optim import lr_scheduler


def run():
    w = torch.nn.Parameter(torch.ones(3))
    opt = torch.optim.SGD([w], lr=0.1)
    sched = lr_scheduler.SequentialLR(opt, [lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=3),
                                            lr_scheduler.CosineAnnealingLR(opt, T_max=7)], milestones=[3])
    lrs = []
    for epoch in range(10):
        opt.zero_grad(set_to_none=True)
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs, w
'''

#: a layer reached by indexing an nn.Sequential, a loss computed by backward()'s receiver, and the
#: model's output computed above zero_grad()
INDEXED_LAYERS = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


def run():
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (i + 1))
    x = torch.linspace(-1, 1, 24).reshape(6, 4)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    opt = torch.optim.Adam([{"params": model[0].parameters(), "lr": 0.05},
                            {"params": model[-1].parameters()}], lr=0.01)
    for _ in range(4):
        out = model(x)
        opt.zero_grad()
        F.cross_entropy(out, y).backward()
        opt.step()
    return model[0].weight.detach(), model[2].bias.detach()
'''

#: a step outside any training step msdev rewrites, in a file that computes gradients
STEP_IN_HELPER = '''
import torch


def update(opt):
    opt.step()


w = torch.nn.Parameter(torch.ones(2))
opt = torch.optim.SGD([w], lr=0.1)
(w * w).sum().backward()
update(opt)
opt.step()
'''


def test_optimizer_step_without_gradients_does_nothing_like_pytorch(db):
    text = _converted(SCHEDULE_ONLY, db)
    expected_lrs, expected_w = _load(SCHEDULE_ONLY, "pt_schedule_only")()
    got_lrs, got_w = _load(text, "ms_schedule_only")()
    np.testing.assert_allclose(got_lrs, expected_lrs, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(got_w.asnumpy(), expected_w.detach().numpy())
    assert len(set(np.round(expected_lrs, 8))) > 1


def test_layers_indexed_from_a_sequential_train_like_pytorch(db):
    text = _converted(INDEXED_LAYERS, db)
    assert ("model[0].trainable_params()" in text or "model[0].get_parameters" in text
            or "model[0].parameters_and_names" in text), text
    expected = [t.numpy() for t in _load(INDEXED_LAYERS, "pt_indexed")()]
    got = [t.asnumpy() for t in _load(text, "ms_indexed")()]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)
    assert not np.allclose(expected[1], np.linspace(-0.5, 0.5, 3) * 4)  # the head really trained


def test_step_outside_a_rewritten_training_step_is_marked_when_gradients_exist(db):
    text = convert_text(STEP_IN_HELPER, db).text
    marked = [line for line in text.splitlines() if "[UnConvert] torch.optim.Optimizer.step" in line]
    # the helper's `opt.step()` too: its caller passes it the optimizer
    assert len(marked) == 2 and all("optimizer(grads)" in m for m in marked), text


#: L-BFGS: a closure that zeroes, computes the loss, calls backward() and returns it (PyTorch's idiom)
LBFGS_LOOP = '''
import torch


def run(w0, c):
    w = torch.nn.Parameter(torch.tensor(w0))
    opt = {ctor}
    def closure():
        opt.zero_grad()
        loss = (torch.tensor(c) * (w - 0.3) ** 2).sum() + (w ** 4).sum() * 0.05
        loss.backward()
        return loss
    first = [float(opt.step(closure)) for _ in range(3)]
    return w, first
'''


@pytest.mark.parametrize("ctor", ["torch.optim.LBFGS([w])",
                                  "torch.optim.LBFGS([w], lr=0.5, max_iter=4, history_size=2)",
                                  "torch.optim.LBFGS([w], 0.8, 6, 5, 1e-7, 1e-9, 3, None)",
                                  "torch.optim.LBFGS([w], line_search_fn='strong_wolfe')",
                                  "torch.optim.LBFGS([w], lr=0.7, max_iter=8, history_size=3, line_search_fn='strong_wolfe')",
                                  "torch.optim.LBFGS([w], 1, 5, 6, 1e-7, 1e-9, 10, 'strong_wolfe')"])
def test_lbfgs_steps_like_pytorch(ctor, db):
    source = LBFGS_LOOP.format(ctor=ctor)
    text = _converted(source, db)
    assert ".backward()" not in text and "value_and_grad" in text
    expected_w, expected_losses = _load(source, "pt_lbfgs")(W0, C)
    got_w, got_losses = _load(text, "ms_lbfgs")(W0, C)
    np.testing.assert_allclose(got_w.asnumpy(), expected_w.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_losses, expected_losses, rtol=1e-4, atol=1e-5)
    assert not np.allclose(expected_w.detach().numpy(), W0)


#: a closure without zero_grad(): PyTorch's backward() adds each evaluation's gradients to .grad, so the
#: optimizer sees the running sum (zero_grad() around step() drops it between steps)
LBFGS_ACCUMULATING = '''
import torch


def run(w0, c):
    w = torch.nn.Parameter(torch.tensor(w0))
    opt = torch.optim.LBFGS([w], lr=0.1, max_iter=4)
    def closure():
        loss = (torch.tensor(c) * (w - 0.3) ** 2).sum() + (w ** 4).sum() * 0.05
        loss.backward()
        return loss
    first = []
    for i in range(3):
        if i == 2:
            opt.zero_grad()
        first.append(float(opt.step(closure)))
    return w, first
'''


def test_lbfgs_closure_without_zero_grad_adds_up_gradients_like_pytorch(db):
    text = _converted(LBFGS_ACCUMULATING, db)
    expected_w, expected_losses = _load(LBFGS_ACCUMULATING, "pt_lbfgs_acc")(W0, C)
    got_w, got_losses = _load(text, "ms_lbfgs_acc")(W0, C)
    np.testing.assert_allclose(got_losses, expected_losses, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_w.asnumpy(), expected_w.detach().numpy(), rtol=1e-4, atol=1e-5)




#: a learning rate written into the param groups between steps (a hand-made decay)
GROUP_LR_LOOP = '''
import torch
import torch.nn.functional as F


def run():
    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3))
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (i + 1))
    x = torch.linspace(-1, 1, 24).reshape(6, 4)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    opt = {ctor}
    seen = []
    for epoch in range(4):
        for group in opt.param_groups:
            group["lr"] = 0.05 * (0.5 ** epoch)
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        seen.append(opt.param_groups[0]["lr"])
    return model[0].weight.detach(), seen
'''


@pytest.mark.parametrize("ctor", ["torch.optim.RMSprop(model.parameters(), lr=0.05, alpha=0.9)",
                                  "torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)",
                                  "torch.optim.Adam(model.parameters())"])
def test_learning_rate_written_into_param_groups_is_used(ctor, db):
    source = GROUP_LR_LOOP.format(ctor=ctor)
    expected_w, expected_lrs = _load(source, "pt_group_lr")()
    got_w, got_lrs = _load(_converted(source, db), "ms_group_lr")()
    assert all(type(v) is float for v in got_lrs)
    np.testing.assert_allclose(got_lrs, expected_lrs, rtol=1e-6)
    np.testing.assert_allclose(got_w.asnumpy(), expected_w.numpy(), rtol=1e-4, atol=1e-5)


#: the total norm clip_grad_norm_ returns, logged between backward() and step()
CLIP_NORM_LOOP = '''
import torch


def run(w0, c):
    w = torch.nn.Parameter(torch.tensor(w0))
    b = torch.nn.Parameter(torch.tensor([0.5, -0.5]))
    opt = torch.optim.SGD([w, b], lr=0.1, momentum=0.5)
    norms, losses = [], []
    for _ in range(4):
        opt.zero_grad()
        loss = (torch.tensor(c) * (w - 0.3) ** 2).sum() + (b ** 2).sum() * 3
        loss.backward()
        total = torch.nn.utils.clip_grad_norm_([w, b], max_norm=2.0)
        norms.append(total.item())
        losses.append(round(loss.item(), 5))
        opt.step()
    return w, b, norms, losses
'''


def test_clip_grad_norm_result_is_the_norm_before_clipping(db):
    text = _converted(CLIP_NORM_LOOP, db)
    expected = _load(CLIP_NORM_LOOP, "pt_clip")(W0, C)
    got = _load(text, "ms_clip")(W0, C)
    np.testing.assert_allclose(got[0].asnumpy(), expected[0].detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got[1].asnumpy(), expected[1].detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got[2], expected[2], rtol=1e-5)
    assert got[3] == expected[3]
    assert max(expected[2]) > 2.0  # the clipping really happened


#: a scheduler saved with state_dict() and loaded into a new one on the same optimizer (a resumed run)
SCHEDULER_RESUME = '''
import torch
from torch.optim import lr_scheduler


def run():
    w = torch.nn.Parameter(torch.ones(3))
    opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    opt.zero_grad(set_to_none=True)
    sched = {ctor}
    for _ in range(3):
        opt.step()
        sched.step()
    state = sched.state_dict()
    resumed = {ctor}
    resumed.load_state_dict(state)
    seen = [resumed.last_epoch]
    for _ in range(6):
        opt.step()
        resumed.step()
        seen.append(resumed.get_last_lr()[0])
    return seen, state["last_epoch"]
'''


@pytest.mark.parametrize("name", ["StepLR", "ExponentialLR", "MultiStepLR", "CosineAnnealingLR", "LambdaLR"])
def test_scheduler_state_dict_round_trip_resumes_like_pytorch(name, db):
    source = SCHEDULER_RESUME.format(ctor=SCHEDULERS[name])
    text = _converted(source, db)
    assert "load_param_into_net" not in text and "(True, None)" not in text, text
    expected = _load(source, "pt_resume_" + name)()
    got = _load(text, "ms_resume_" + name)()
    assert type(got[0][0]) is int and got[0][0] == expected[0][0] == 3 and got[1] == expected[1]
    np.testing.assert_allclose(got[0][1:], expected[0][1:], rtol=1e-5, atol=1e-8)


#: a scheduler cycling the momentum (or Adam's beta1) against the rate: OneCycleLR, and CyclicLR, whose
#: default cycle_momentum=True also sets an SGD built without momentum to max_momentum at construction
MOMENTUM_CYCLE_LOOP = '''
import torch


def run(w0, c):
    w = torch.nn.Parameter(torch.tensor(w0))
    opt = {opt}
    sched = torch.optim.lr_scheduler.{scheduler}(opt, {args})
    lrs, momenta = [], []
    for _ in range({steps}):
        opt.zero_grad()
        loss = (torch.tensor(c) * (w - 0.3) ** 2).sum() + (w ** 3).sum() * 0.1
        loss.backward()
        opt.step()
        sched.step()
        group = opt.param_groups[0]
        lrs.append(group["lr"])
        momenta.append(group["betas"][0] if "betas" in group else group["momentum"])
    return w, lrs, momenta
'''


def _momentum_cycle_matches(source, db):
    text = _converted(source, db)
    expected_w, expected_lrs, expected_m = _load(source, "pt_cycle")(W0, C)
    got_w, got_lrs, got_m = _load(text, "ms_cycle")(W0, C)
    np.testing.assert_allclose([float(v) for v in got_lrs], expected_lrs, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(got_m, expected_m, rtol=1e-6)
    np.testing.assert_allclose(got_w.asnumpy(), expected_w.detach().numpy(), rtol=1e-4, atol=1e-5)
    assert len(set(np.round(expected_m, 6))) > 2  # the momentum really cycled


@pytest.mark.parametrize("opt, args", [
    ("torch.optim.SGD([w], lr=0.01, momentum=0.9)", "max_lr=0.1, total_steps=12"),
    ("torch.optim.Adam([w], lr=0.01)", "0.05, epochs=3, steps_per_epoch=4, anneal_strategy='linear'"),
    ("torch.optim.SGD([w], lr=0.01, momentum=0.9, nesterov=True)",
     "max_lr=0.1, total_steps=13, three_phase=True, base_momentum=0.8, max_momentum=0.9, div_factor=10.0"),
])
def test_one_cycle_moves_rate_and_momentum_like_pytorch(opt, args, db):
    _momentum_cycle_matches(MOMENTUM_CYCLE_LOOP.format(opt=opt, scheduler="OneCycleLR", args=args, steps=12), db)


#: CosineAnnealingWarmRestarts stepped with a fractional epoch per batch, as its PyTorch docs show
WARM_RESTARTS_BY_EPOCH = '''
import torch


def run():
    w = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([w], lr=0.1)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, {args})
    lrs = []
    for epoch in range(8):
        for i in range(3):
            opt.step()
            sched.step(epoch + i / 3)
            lrs.append(opt.param_groups[0]["lr"])
    return lrs
'''


@pytest.mark.parametrize("args", ["T_0=2, T_mult=2, eta_min=0.001", "3", "T_0=1, T_mult=3"])
def test_warm_restarts_stepped_with_fractional_epochs_like_pytorch(args, db):
    source = WARM_RESTARTS_BY_EPOCH.format(args=args)
    expected = _load(source, "pt_warm")()
    got = _load(_converted(source, db), "ms_warm")()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("opt, args", [
    ("torch.optim.SGD([w], lr=0.1)", "0.01, 0.1, step_size_up=3"),
    ("torch.optim.Adam([w], lr=0.01)", "base_lr=0.001, max_lr=0.05, step_size_up=2, step_size_down=4, mode='triangular2'"),
    ("torch.optim.SGD([w], lr=0.1, momentum=0.5)",
     "0.01, 0.1, 2, mode='exp_range', gamma=0.9, base_momentum=0.7, max_momentum=0.95"),
])
def test_cyclic_lr_moves_rate_and_momentum_like_pytorch(opt, args, db):
    _momentum_cycle_matches(MOMENTUM_CYCLE_LOOP.format(opt=opt, scheduler="CyclicLR", args=args, steps=10), db)


#: a mixed-precision loop written for CUDA: where CUDA is absent PyTorch disables the scaler (scale() gives
#: the loss, step() steps the optimizer) and autocast, and the converted loop must train the same way
SCALER_LOOP = '''
import torch


def run(w0, c):
    w = torch.nn.Parameter(torch.tensor(w0))
    opt = {opt}
    scaler = {scaler}
    for _ in range(5):
        opt.zero_grad()
        with torch.cuda.amp.autocast():
            loss = (torch.tensor(c) * (w - 0.3) ** 2).sum() + (w ** 3).sum() * 0.1
        scaler.scale(loss).backward()
        {unscale}
        scaler.step(opt)
        scaler.update()
    return w, scaler.get_scale()
'''


@pytest.mark.parametrize("opt, scaler, unscale", [
    ("torch.optim.SGD([w], lr=0.05, momentum=0.9)", "torch.cuda.amp.GradScaler()", ""),
    ("torch.optim.Adam([w], lr=0.05)", "torch.amp.GradScaler('cuda', init_scale=1024.0)",
     "scaler.unscale_(opt)\n        torch.nn.utils.clip_grad_norm_([w], 1.0)"),
    ("torch.optim.AdamW([w], lr=0.05)", "torch.amp.GradScaler()", "scaler.unscale_(opt)"),
    ("torch.optim.SGD([w], lr=0.05)", "torch.GradScaler()", ""),  # the top-level name of torch.amp's
])
def test_cuda_grad_scaler_loop_trains_like_pytorch_without_cuda(opt, scaler, unscale, db):
    source = SCALER_LOOP.format(opt=opt, scaler=scaler, unscale=unscale)
    text = _converted(source, db)
    with pytest.warns(UserWarning):  # PyTorch: CUDA is not available, the scaler is disabled
        expected_w, expected_scale = _load(source, "pt_scaler")(W0, C)
    got_w, got_scale = _load(text, "ms_scaler")(W0, C)
    assert got_scale == expected_scale == 1.0
    np.testing.assert_allclose(got_w.asnumpy(), expected_w.detach().numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("opt, scaler, unscale", [
    ("torch.optim.SGD([w], lr=0.05)", "torch.amp.GradScaler('cpu')", ""),
    ("torch.optim.Adam([w], lr=0.05)", "torch.amp.GradScaler(device='cpu', init_scale=1024.0, growth_interval=2)",
     "scaler.unscale_(opt)\n        torch.nn.utils.clip_grad_norm_([w], 1.0)"),
    ("torch.optim.SGD([w], lr=0.05, momentum=0.9)", "torch.cpu.amp.GradScaler(256.0, 4.0, 0.5, 3)", ""),
])
def test_cpu_grad_scaler_loop_trains_and_scales_like_pytorch(opt, scaler, unscale, db):
    """A CPU GradScaler is enabled in PyTorch: its scale grows every growth_interval updates, while the
    weights train as with unscaled gradients (what step() applies after unscaling)."""
    source = SCALER_LOOP.format(opt=opt, scaler=scaler, unscale=unscale)
    text = _converted(source, db)
    assert "[UnConvert]" not in text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch: cuda autocast without CUDA, torch.cpu.amp deprecated
        expected_w, expected_scale = _load(source, "pt_cpu_scaler")(W0, C)
    got_w, got_scale = _load(text, "ms_cpu_scaler")(W0, C)
    assert got_scale == expected_scale and expected_scale > 1.0
    np.testing.assert_allclose(got_w.asnumpy(), expected_w.detach().numpy(), rtol=1e-4, atol=1e-5)


#: a second parameter group added after construction, with its own learning rate
ADD_GROUP_LOOP = '''
import torch


def run(w0, c):
    w = torch.nn.Parameter(torch.tensor(w0))
    b = torch.nn.Parameter(torch.tensor(c))
    opt = {ctor}
    opt.add_param_group({{"params": [b], "lr": 0.02}})
    for _ in range(5):
        opt.zero_grad()
        loss = (torch.tensor(c) * (w - 0.3) ** 2).sum() + (w ** 3).sum() * 0.1 + ((b - w) ** 2).sum()
        loss.backward()
        opt.step()
    return w, b, len(opt.param_groups)
'''


@pytest.mark.parametrize("ctor", ["torch.optim.SGD([w], lr=0.05, momentum=0.9)", "torch.optim.Adam([w], lr=0.05)",
                                  "torch.optim.RMSprop([w], lr=0.01)", "torch.optim.Adagrad([w], lr=0.1)"])
def test_added_param_group_trains_like_pytorch(ctor, db):
    source = ADD_GROUP_LOOP.format(ctor=ctor)
    text = _converted(source, db)
    expected_w, expected_b, expected_n = _load(source, "pt_add_group")(W0, C)
    got_w, got_b, got_n = _load(text, "ms_add_group")(W0, C)
    assert got_n == expected_n == 2
    np.testing.assert_allclose(got_w.asnumpy(), expected_w.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_b.asnumpy(), expected_b.detach().numpy(), rtol=1e-4, atol=1e-5)


#: a checkpoint dict with the optimizer's state saved, loaded into a fresh optimizer, training resumed
RESUME_OPTIMIZER = '''
import os
import tempfile

import torch


def run(w0, c):
    w = torch.nn.Parameter(torch.tensor(w0))
    opt = {ctor}
    def train(opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            loss = (torch.tensor(c) * (w - 0.3) ** 2).sum() + (w ** 3).sum() * 0.1
            loss.backward()
            opt.step()
    train(opt, 3)
    path = os.path.join(tempfile.mkdtemp(), "ckpt.pth")
    torch.save({{"optimizer": opt.state_dict(), "epoch": 3}}, path)
    again = {ctor_other}
    checkpoint = torch.load(path)
    again.load_state_dict(checkpoint["optimizer"])
    train(again, 2)
    return w, again.param_groups[0]["lr"], checkpoint["epoch"]
'''


@pytest.mark.parametrize("ctor, ctor_other", [
    ("torch.optim.SGD([w], lr=0.05, momentum=0.9)", "torch.optim.SGD([w], lr=0.5, momentum=0.9)"),
    ("torch.optim.Adam([w], lr=0.05)", "torch.optim.Adam([w], lr=0.001)"),
])
def test_optimizer_state_saved_and_loaded_resumes_like_pytorch(ctor, ctor_other, db):
    source = RESUME_OPTIMIZER.format(ctor=ctor, ctor_other=ctor_other)
    text = _converted(source, db)
    expected_w, expected_lr, expected_epoch = _load(source, "pt_resume_opt")(W0, C)
    got_w, got_lr, got_epoch = _load(text, "ms_resume_opt")(W0, C)
    assert got_epoch == expected_epoch == 3
    assert got_lr == pytest.approx(expected_lr)
    np.testing.assert_allclose(got_w.asnumpy(), expected_w.detach().numpy(), rtol=1e-4, atol=1e-5)


#: a script: the layer's parameters set by nn.init in place, the optimizer built after them, one step
INIT_THEN_STEP_SCRIPT = '''
import torch
lin = torch.nn.Linear(2, 1)
torch.nn.init.constant_(lin.weight, 0.5)
torch.nn.init.zeros_(lin.bias)
opt = torch.optim.SGD(lin.parameters(), lr=0.1)
loss = (lin(torch.tensor([[1., 2.], [0.5, -1.]])) ** 2).sum()
loss.backward()
opt.step()
result = lin.weight.detach()
'''


def test_script_step_after_in_place_init_trains_like_pytorch(db):
    """`nn.init.constant_(lin.weight, ...)` changes the layer, not `torch`: it stays where it is and the
    optimizer built after it does not sit between the forward computation and backward()."""
    namespace: dict = {"__name__": "pt_init_step"}
    exec(compile(INIT_THEN_STEP_SCRIPT, "pt_init_step", "exec"), namespace)
    converted: dict = {"__name__": "ms_init_step"}
    exec(compile(_converted(INIT_THEN_STEP_SCRIPT, db), "ms_init_step", "exec"), converted)
    np.testing.assert_allclose(converted["result"].asnumpy(), namespace["result"].numpy(), rtol=1e-4, atol=1e-5)


#: a matrix parameter: Adafactor keeps its second moment as row and column means
MATRIX_LOOP = '''
import torch


def run(w0, c):
    lin = torch.nn.Linear(4, 3)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(w0).reshape(1, 4).repeat(3, 1) * torch.tensor([[1.0], [0.5], [-2.0]]))
        lin.bias.fill_(0.1)
    opt = {ctor}
    for _ in range(4):
        opt.zero_grad()
        loss = (lin(torch.tensor(c).reshape(1, 4)) ** 2).sum()
        loss.backward()
        opt.step()
    return lin.weight, lin.bias
'''


@pytest.mark.parametrize("ctor", ["torch.optim.Adafactor(lin.parameters(), lr=0.05)",
                                  "torch.optim.Adafactor(lin.parameters(), lr=0.2, d=2.0, weight_decay=0.01)"])
def test_factored_optimizer_matches_pytorch_on_a_matrix(ctor, db):
    source = MATRIX_LOOP.format(ctor=ctor)
    expected = _load(source, "pt_matrix")(W0, C)
    got = _load(_converted(source, db), "ms_matrix")(W0, C)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g.asnumpy(), e.detach().numpy(), rtol=1e-4, atol=1e-5)
