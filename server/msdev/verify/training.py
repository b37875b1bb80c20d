"""The numeric contract beyond eval-mode outputs: train-mode forward, gradients, optimizer steps.

Equal logits do not prove a migration: a wrong BatchNorm in train mode, a missing gradient path
or a different optimizer rule only show when both networks are trained. Every check here runs
both networks in train mode with their dropout layers switched off (random masks cannot agree
across frameworks), on the same seeded data, and compares per parameter through the same name
map that carried the weights, so a diverging value is named by its PyTorch parameter.

The loss is `sum(output * R)` with R a fixed seeded random tensor per output (drawn from
N(0, 1/size)): every output element gets a distinct, non-zero gradient, which a plain sum or a
mean would not give.

Deep networks in train mode can be more sensitive to rounding than any fixed tolerance allows, so
the PyTorch side also runs in float64 and each value's tolerance widens to a multiple of its
PyTorch float32-vs-float64 distance (see tolerances.py).
"""

from __future__ import annotations

import copy
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..weights.compare import cosine
from ..weights.mapping import WeightMap, converted_tensors
from ..weights.tensors import from_array
from .errors import VerifyError
from .optimizers import OptimizerSpec
from .tolerances import REFERENCE_FACTOR, Tolerance, widen

#: module classes whose train-mode behaviour is random (kept in eval mode during the checks)
RANDOM_LAYERS = ("Dropout", "DropPath", "DropBlock", "StochasticDepth")


@dataclass
class ParamAgreement:
    torch_name: str
    mindspore_name: str
    max_abs: float
    cosine: float
    scale: float  # largest |value| on the PyTorch side
    ok: bool
    rel: float = float("nan")  # relative L2 error against PyTorch
    reference_rel: float | None = None  # PyTorch float32 vs float64, when the float64 reference ran

    def to_dict(self) -> dict[str, Any]:
        d = {"torch": self.torch_name, "mindspore": self.mindspore_name, "max_abs_diff": _finite(self.max_abs),
             "rel_error": _finite(self.rel), "cosine": _finite(self.cosine), "scale": _finite(self.scale),
             "agree": self.ok}
        if self.reference_rel is not None:
            d["float64_reference_rel_error"] = _finite(self.reference_rel)
        return d


@dataclass
class ParamsComparison:
    """One value per parameter compared; `params` in PyTorch's module order."""

    what: str
    params: list[ParamAgreement] = field(default_factory=list)
    unpaired: list[str] = field(default_factory=list)  # PyTorch names without a MindSpore counterpart
    skipped: list[str] = field(default_factory=list)  # not compared on purpose (see skip_reason)
    skip_reason: str = ""

    @property
    def diverging(self) -> list[ParamAgreement]:
        return [p for p in self.params if not p.ok]

    @property
    def agree(self) -> bool:
        return bool(self.params) and not self.diverging

    def to_dict(self) -> dict[str, Any]:
        bad = self.diverging
        return {"what": self.what, "agree": self.agree, "compared": len(self.params),
                "diverging": len(bad), "first_diverging": bad[0].torch_name if bad else None,
                "last_diverging": bad[-1].torch_name if bad else None,
                "unpaired": self.unpaired, "skipped": self.skipped, "skip_reason": self.skip_reason or None,
                "parameters": [p.to_dict() for p in self.params]}


@dataclass
class StepRecord:
    step: int
    torch_loss: float
    mindspore_loss: float
    ok: bool

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "torch_loss": _finite(self.torch_loss),
                "mindspore_loss": _finite(self.mindspore_loss), "agree": self.ok}


@dataclass
class TrainingReport:
    initial_weights: ParamsComparison | None = None
    train_outputs: list = field(default_factory=list)  # Agreement per output, train mode
    gradients: ParamsComparison | None = None
    input_gradients: list = field(default_factory=list)  # Agreement per floating input
    optimizer: str | None = None
    steps: list[StepRecord] = field(default_factory=list)
    final_weights: ParamsComparison | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def agree(self) -> bool:
        checks = [c.agree for c in (self.initial_weights, self.gradients, self.final_weights) if c is not None]
        checks += [o.allclose for o in self.train_outputs] + [g.allclose for g in self.input_gradients]
        checks += [s.ok for s in self.steps]
        return all(checks)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"agree": self.agree}
        if self.initial_weights:
            d["initial_weights"] = self.initial_weights.to_dict()
        if self.train_outputs:
            d["train_mode_outputs"] = [o.to_dict() for o in self.train_outputs]
        if self.gradients:
            d["gradients"] = self.gradients.to_dict()
            d["input_gradients"] = [g.to_dict() for g in self.input_gradients]
        if self.optimizer:
            d["optimizer"] = self.optimizer
            d["steps"] = [s.to_dict() for s in self.steps]
            d["final_weights"] = self.final_weights.to_dict() if self.final_weights else None
        d["notes"] = self.notes
        return d


def _finite(x: float):
    return x if np.isfinite(x) else None


# --------------------------------------------------------------------------- pairing

class Pairing:
    """PyTorch state key → MindSpore parameter, with the layout change the weight map applies."""

    def __init__(self, wmap: WeightMap, ms_names: set[str]):
        self.entries = [e for e in wmap.entries if e.torch and e.mindspore and e.mindspore in ms_names]

    def to_mindspore(self, arrays: dict[str, np.ndarray]) -> dict[str, tuple[str, np.ndarray]]:
        """MindSpore name → (PyTorch key, array in MindSpore's layout), for the keys given."""
        sub = WeightMap(source="pairing", entries=[e for e in self.entries if e.torch in arrays])
        lazy = {k: from_array(k, v) for k, v in arrays.items() if any(e.torch == k for e in sub.entries)}
        torch_of = {e.mindspore: e.torch for e in sub.entries}
        return {t.name: (torch_of[t.name], np.asarray(t.load())) for t in converted_tensors(sub, lazy)}


def _rel_and_cosine(ref: np.ndarray, got: np.ndarray) -> tuple[float, float]:
    ref64, got64 = ref.astype(np.float64), got.astype(np.float64)
    norm = float(np.linalg.norm(ref64))
    rel = float(np.linalg.norm(ref64 - got64) / norm) if norm else float(np.linalg.norm(got64))
    return rel, cosine(ref64, got64)


def compare_params(what: str, torch_arrays: dict[str, np.ndarray], ms_arrays: dict[str, np.ndarray],
                   pairing: Pairing, tol: Tolerance, skip: set[str] | None = None,
                   reference: dict[str, np.ndarray] | None = None) -> ParamsComparison:
    """Compare each PyTorch value (in module order) with its MindSpore counterpart.

    A parameter agrees when its relative L2 error ||mindspore - torch|| / ||torch|| is at most rtol
    and its cosine reaches the floor. Values whose magnitude is below atol × the largest one's are
    rounding noise (a conv bias before a train-mode BatchNorm has a zero gradient in exact
    arithmetic): they agree when their error stays below that floor. `skip` names are listed, not compared.
    `reference` holds the same values computed by PyTorch in float64: where given, each value's
    tolerance widens to REFERENCE_FACTOR times its PyTorch float32-vs-float64 distance.
    """
    by_torch = {tk: (ms_name, arr) for ms_name, (tk, arr) in pairing.to_mindspore(torch_arrays).items()}
    scales = {k: float(np.max(np.abs(v))) if v.size else 0.0 for k, v in torch_arrays.items()}
    noise = tol.atol * max(scales.values(), default=0.0)
    out = ParamsComparison(what)
    for key in torch_arrays:
        if skip and key in skip:
            out.skipped.append(key)
            continue
        if key not in by_torch or by_torch[key][0] not in ms_arrays:
            out.unpaired.append(key)
            continue
        ms_name, ref = by_torch[key]
        got = np.asarray(ms_arrays[ms_name])
        if ref.shape != got.shape:
            out.params.append(ParamAgreement(key, ms_name, float("nan"), float("nan"), scales[key], False))
            continue
        max_abs = float(np.max(np.abs(ref.astype(np.float64) - got))) if ref.size else 0.0
        rel, cos = _rel_and_cosine(ref, got)
        reference_rel = None
        if scales[key] <= noise:
            ok = max_abs <= noise
        else:
            allowed_rel, min_cos = tol.rtol, tol.min_cosine
            if reference is not None and key in reference:
                reference_rel, reference_cos = _rel_and_cosine(reference[key], torch_arrays[key])
                allowed_rel, min_cos = widen(tol, reference_rel, reference_cos)
            ok = rel <= allowed_rel and cos >= min_cos
        out.params.append(ParamAgreement(key, ms_name, max_abs, cos, scales[key], bool(ok), rel, reference_rel))
    return out


def noise_level(arrays: dict[str, np.ndarray], tol: Tolerance) -> set[str]:
    """Names whose values are below atol × the largest magnitude (see compare_params)."""
    scales = {k: float(np.max(np.abs(v))) if v.size else 0.0 for k, v in arrays.items()}
    floor = tol.atol * max(scales.values(), default=0.0)
    return {k for k, v in scales.items() if v <= floor}


# --------------------------------------------------------------------------- both networks

def leaves(obj: Any) -> list[Any]:
    """The tensors of an output (tuples, lists, dicts flattened) in a fixed order, either framework."""
    if obj is None:
        return []
    if isinstance(obj, (list, tuple)):
        return [t for o in obj for t in leaves(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in leaves(o)]
    if hasattr(obj, "detach") or hasattr(obj, "asnumpy"):
        return [obj]
    return []


def torch_train_mode(net) -> None:
    net.train()
    for m in net.modules():
        if any(word in type(m).__name__ for word in RANDOM_LAYERS):
            m.eval()


def ms_train_mode(net) -> None:
    net.set_train(True)
    for _, cell in net.cells_and_names():
        if any(word in type(cell).__name__ for word in RANDOM_LAYERS):
            cell.set_train(False)


class Pair:
    """Both networks with snapshots of their starting weights, the data and the loss."""

    def __init__(self, tnet, mnet, float_outputs: list[int], loss_weights: list[np.ndarray]):
        import mindspore

        self.tnet, self.mnet = tnet, mnet
        self.float_outputs = float_outputs
        self.loss_weights = loss_weights
        self.ms_loss_weights = [mindspore.Tensor(r) for r in loss_weights]
        self.torch_start = copy.deepcopy(tnet.state_dict())
        self.ms_start = {p.name: p.asnumpy().copy() for p in mnet.get_parameters()}

    def restore(self) -> None:
        import mindspore

        self.tnet.load_state_dict(self.torch_start)
        for p in self.mnet.get_parameters():
            p.set_data(mindspore.Tensor(self.ms_start[p.name]))

    def torch_loss(self, xs, net=None):
        """The loss of `net` (default: the PyTorch network); a float64 net gets a float64 loss."""
        import torch

        outs = leaves((net or self.tnet)(*xs))
        picked = [outs[i] for i in self.float_outputs]
        if net is not None and any(o.dtype == torch.float64 for o in picked):
            return sum((o.double() * torch.from_numpy(r).double()).sum()
                       for o, r in zip(picked, self.loss_weights)), picked
        loss = sum((o.float() * torch.from_numpy(r)).sum() for o, r in zip(picked, self.loss_weights))
        return loss, picked

    def torch_float64(self):
        """A float64 copy of the PyTorch network at its starting weights, same modes. Tensors a
        forward left on the modules (FBResNet keeps `self.conv1_input = x.clone()`) are not graph
        leaves and cannot be deep-copied: they are copied detached."""
        import torch

        memo = {id(v): v.detach().clone() for m in self.tnet.modules() for v in vars(m).values()
                if isinstance(v, torch.Tensor) and not v.is_leaf}
        net = copy.deepcopy(self.tnet, memo)
        net.load_state_dict(self.torch_start)
        return net.double()

    def ms_loss_fn(self):
        def fn(*xs):
            outs = leaves(self.mnet(*xs))
            picked = [outs[i] for i in self.float_outputs]
            loss = None
            for o, r in zip(picked, self.ms_loss_weights):
                term = (o.astype(r.dtype) * r).sum()
                loss = term if loss is None else loss + term
            return (loss, *picked)
        return fn


def torch_arrays(tnet, grads: bool = False, trainable_only: bool = False,
                 exact: bool = False) -> dict[str, np.ndarray]:
    """Parameters (and persistent buffers) in module order; or their gradients (zeros where none).
    float32 arrays, or float64 with `exact` (the float64 reference)."""
    out: dict[str, np.ndarray] = {}

    def arr(t):
        t = t.detach().cpu()
        return (t.double() if exact else t.float()).numpy()

    if grads:
        for name, p in tnet.named_parameters():
            if p.requires_grad:
                out[name] = arr(p.grad if p.grad is not None else p.detach() * 0)
        return out
    for name, v in tnet.state_dict().items():
        if v.is_floating_point() and not (trainable_only and "running" in name):
            out[name] = arr(v)
    return out


def ms_param_arrays(mnet) -> dict[str, np.ndarray]:
    out = {}
    for p in mnet.get_parameters():
        arr = p.asnumpy()
        out[p.name] = arr.astype(np.float32) if arr.dtype == np.float16 else arr
    return out


def _tensor_arrays(ts) -> list[np.ndarray]:
    out = []
    for t in ts:
        if hasattr(t, "detach"):
            out.append(t.detach().cpu().float().numpy())
        else:
            out.append(np.asarray(t.asnumpy(), dtype=np.float32))
    return out


def _sync() -> None:
    from mindspore.common.api import _pynative_executor
    _pynative_executor.sync()


def check_training(pair: Pair, pairing: Pairing, arrays: list[np.ndarray], tol: Tolerance, *, grad: bool,
                   steps: int, optimizer: OptimizerSpec | None, make_batch, agreement_fn) -> TrainingReport:
    """Initial weights, train-mode forward (+ gradients), then `steps` optimizer steps."""
    import mindspore
    import torch

    report = TrainingReport()
    try:  # deep networks (FBResNet-152) exceed the default depth of 1000 calls inside an optimizer step
        mindspore.set_context(max_call_depth=10000)
    except (TypeError, ValueError, AttributeError):
        pass
    report.initial_weights = compare_params("weights before training", torch_arrays(pair.tnet),
                                            ms_param_arrays(pair.mnet), pairing, tol)
    torch_train_mode(pair.tnet)
    ms_train_mode(pair.mnet)
    _check_deterministic(pair, arrays)

    float_inputs = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    txs = [torch.from_numpy(a.copy()) for a in arrays]
    for i in float_inputs:
        txs[i].requires_grad_(True)
    pair.tnet.zero_grad(set_to_none=True)
    tloss, touts = pair.torch_loss(txs)
    if grad:
        tloss.backward()
    reference = _float64_gradients(pair, arrays, float_inputs, tol, report) if grad else None
    ms_params = pair.mnet.trainable_params()
    mxs = [mindspore.Tensor(a.copy()) for a in arrays]
    try:
        if grad:
            position = tuple(float_inputs) if float_inputs else None
            gf = mindspore.value_and_grad(pair.ms_loss_fn(), position, ms_params, has_aux=True)
            (mloss, *mouts), mgrads = gf(*mxs)
        else:
            mloss, *mouts = pair.ms_loss_fn()(*mxs)
        _sync()
    except Exception as exc:
        raise VerifyError(f"the MindSpore network failed in train mode: {type(exc).__name__}: "
                          f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
    report.train_outputs = [agreement_fn(a, b) for a, b in zip(_tensor_arrays(touts), _tensor_arrays(mouts))]
    if grad:
        if float_inputs:
            input_grads, param_grads = mgrads
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            for n, (i, g) in enumerate(zip(float_inputs, input_grads)):
                ours, theirs = txs[i].grad.float().numpy(), g.asnumpy().astype(np.float32)
                ag = agreement_fn(ours, theirs, 1e-12)
                if not ag.allclose and reference is not None and ag.same_shape:
                    ag = _within_reference(ag, ours, theirs, reference[1][n], tol, f"input {i}", report)
                report.input_gradients.append(ag)
        else:
            param_grads = mgrads
        ms_grads = {p.name: g.asnumpy().astype(np.float32) for p, g in zip(ms_params, param_grads)}
        report.gradients = compare_params("gradients", torch_arrays(pair.tnet, grads=True), ms_grads, pairing, tol,
                                          reference=reference[0] if reference else None)
        if report.gradients.params and all(p.scale == 0.0 for p in report.gradients.params):
            report.notes.append("every parameter gradient is zero on the PyTorch side")
    pair.restore()
    if steps and optimizer is not None:
        _run_steps(pair, pairing, steps, optimizer, make_batch, tol, report)
        pair.restore()
    return report


def _float64_gradients(pair: Pair, arrays: list[np.ndarray], float_inputs: list[int], tol: Tolerance,
                       report: TrainingReport):
    """(parameter gradients, input gradients) of the PyTorch network run in float64, or None (noted)
    when the network is float64 already or cannot run in float64."""
    import torch

    if tol.dtype == "float64":
        return None
    try:
        net = pair.torch_float64()
        xs = [torch.from_numpy(a.astype(np.float64) if a.dtype.kind == "f" else a.copy()) for a in arrays]
        for i in float_inputs:
            xs[i].requires_grad_(True)
        pair.torch_loss(xs, net)[0].backward()
    except Exception as exc:  # a network that hard-codes float32 tensors, an op without a float64 kernel
        report.notes.append(f"no float64 reference ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                            "): gradients compared with the fixed tolerances")
        return None
    report.notes.append(f"gradient tolerances widened to {REFERENCE_FACTOR:g}x each value's distance between "
                        "PyTorch's float32 and float64 runs (float64 reference)")
    return (torch_arrays(net, grads=True, exact=True),
            [xs[i].grad.detach().double().numpy() for i in float_inputs])


def _within_reference(ag, ours: np.ndarray, theirs: np.ndarray, exact: np.ndarray, tol: Tolerance, what: str,
                      report: TrainingReport):
    """`ag` marked as agreeing when the MindSpore value is within the widened tolerance of `ours`."""
    import dataclasses

    reference_rel, reference_cos = _rel_and_cosine(exact, ours)
    allowed_rel, min_cos = widen(tol, reference_rel, reference_cos)
    rel, cos = _rel_and_cosine(ours, theirs)
    if rel <= allowed_rel and cos >= min_cos:
        report.notes.append(f"gradient of {what}: relative error {rel:.3g} within {REFERENCE_FACTOR:g}x PyTorch's own "
                            f"float32-vs-float64 distance {reference_rel:.3g}")
        return dataclasses.replace(ag, allclose=True)
    return ag


def _float64_steps(pair: Pair, steps: int, spec: OptimizerSpec, make_batch, report: TrainingReport):
    """(loss per step, final weights) of the PyTorch steps run in float64, or None (noted)."""
    import torch

    try:
        net = pair.torch_float64()
        opt = spec.build_torch([p for p in net.parameters() if p.requires_grad])
        losses = []
        for step in range(1, steps + 1):
            opt.zero_grad(set_to_none=True)
            xs = [torch.from_numpy(a.astype(np.float64) if a.dtype.kind == "f" else a.copy()) for a in make_batch(step)]
            loss = pair.torch_loss(xs, net)[0]
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
    except Exception as exc:
        report.notes.append(f"no float64 reference for the steps ({type(exc).__name__}): fixed tolerances")
        return None
    return losses, torch_arrays(net, exact=True)


@contextmanager
def eager_optimizer():
    """MindSpore's experimental optimizers compile their update (a @jit function mapped over every
    parameter) on the first step; for FBResNet-152's 466 parameters that compilation alone took
    400 s on two cores. MS_JIT=0 makes @jit functions run eagerly: the same update kernels
    (ops.SGD, ops.Adam, ...) on the same tensors, called one by one, in well under a second."""
    old = os.environ.get("MS_JIT")
    os.environ["MS_JIT"] = "0"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("MS_JIT", None)
        else:
            os.environ["MS_JIT"] = old


def _check_deterministic(pair: Pair, arrays: list[np.ndarray]) -> None:
    """Train mode must be repeatable on the PyTorch side, or no comparison can agree."""
    import torch

    with torch.no_grad():
        first = _tensor_arrays(pair.torch_loss([torch.from_numpy(a.copy()) for a in arrays])[1])
        pair.tnet.load_state_dict(pair.torch_start)
        second = _tensor_arrays(pair.torch_loss([torch.from_numpy(a.copy()) for a in arrays])[1])
        pair.tnet.load_state_dict(pair.torch_start)
    if any(not np.array_equal(a, b) for a, b in zip(first, second)):
        raise VerifyError("the PyTorch network gives different outputs on two identical train-mode runs even with "
                          "its Dropout/DropPath layers in eval mode (functional dropout or drop-connect?): pass its "
                          "rate as 0 through --kwargs, e.g. drop_connect_rate or drop_path_rate")


def _run_steps(pair: Pair, pairing: Pairing, steps: int, spec: OptimizerSpec, make_batch, tol: Tolerance,
               report: TrainingReport) -> None:
    import mindspore
    import torch

    report.optimizer = spec.text
    reference = _float64_steps(pair, steps, spec, make_batch, report) if tol.dtype != "float64" else None
    topt = spec.build_torch([p for p in pair.tnet.parameters() if p.requires_grad])
    ms_params = pair.mnet.trainable_params()
    mopt = spec.build_mindspore(ms_params)
    gf = mindspore.value_and_grad(pair.ms_loss_fn(), None, ms_params, has_aux=True)
    noisy: set[str] = set()
    for step in range(1, steps + 1):
        batch = make_batch(step)
        topt.zero_grad(set_to_none=True)
        tloss, touts = pair.torch_loss([torch.from_numpy(a.copy()) for a in batch])
        scale = float(sum((o.detach().float().abs() * torch.from_numpy(abs(r))).sum()
                          for o, r in zip(touts, pair.loss_weights)))
        tloss.backward()
        if step == 1:
            noisy = noise_level(torch_arrays(pair.tnet, grads=True), tol)
        topt.step()
        try:
            (mloss, *_outs), grads = gf(*[mindspore.Tensor(a.copy()) for a in batch])
            with eager_optimizer():
                mopt(grads)
            _sync()
        except Exception as exc:
            raise VerifyError(f"a MindSpore training step failed: {type(exc).__name__}: "
                              f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
        t, m = float(tloss.detach()), float(mloss.asnumpy())
        ok = abs(t - m) <= tol.atol * max(scale, 1.0) + tol.rtol * abs(t)
        if not ok and reference is not None:  # within REFERENCE_FACTOR x PyTorch's own float32-vs-float64 gap
            ok = abs(t - m) <= REFERENCE_FACTOR * abs(t - reference[0][step - 1])
        report.steps.append(StepRecord(step, t, m, ok))
    report.final_weights = compare_params(f"weights after {steps} steps", torch_arrays(pair.tnet),
                                          ms_param_arrays(pair.mnet), pairing, tol, noisy,
                                          reference=reference[1] if reference else None)
    if noisy:
        report.final_weights.skip_reason = ("their first gradient was rounding noise (zero in exact arithmetic), "
                                             "which an optimizer may turn into updates of either sign")
