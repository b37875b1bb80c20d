"""`msdev verify`: run the PyTorch and the MindSpore network on the same inputs and compare.

Both frameworks are imported in this one process (they coexist: torch 2.13 CPU, mindspore 2.10).
Weights reach MindSpore either from a converted checkpoint (--weights) or by copying the PyTorch
weights in memory through the name map, which is derived here from the live modules (each
PyTorch module's class decides its layer rule; a mint cell keeps PyTorch's names).

When the outputs differ, forward hooks on every module/cell record outputs (and inputs) in
call order; the first layer whose output disagrees while its counterpart exists is named, and
we say whether its inputs already differed (then the cause is code between layers, not the layer).
"""

from __future__ import annotations

import importlib
import os
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..cpu_kernels import cap_onednn_isa
from ..weights.compare import Agreement, agreement
from ..weights.layers import identity_rule, rule_for_api
from ..weights.mapping import MapEntry, WeightMap, _add_fills, _entry_from, _Outcome, converted_tensors
from ..weights.tensors import from_array
from .errors import VerifyError
from .optimizers import DEFAULT_SPEC, OptimizerSpec
from .tolerances import network_dtype, resolve
from .training import Pair, Pairing, TrainingReport, check_training
from .trivial import trivial_reasons


@dataclass
class InputSpec:
    shape: tuple[int, ...]
    dtype: str = "float32"
    high: int = 10  # integer inputs are drawn from [0, high)

    @classmethod
    def parse(cls, text: str, default_dtype: str = "float32") -> "InputSpec":
        """`2,3,224,224`, `2x3x224x224`, optionally `:int64` and `:HIGH` (`4,16:int64:1000`)."""
        parts = text.split(":")
        try:
            shape = tuple(int(d) for d in parts[0].replace("x", ",").split(",") if d.strip())
        except ValueError:
            raise VerifyError(f"bad --input {text!r}: expected a shape like 1,3,224,224") from None
        if not shape or any(d <= 0 for d in shape):
            raise VerifyError(f"bad --input {text!r}: every dimension must be a positive integer")
        dtype = parts[1] if len(parts) > 1 and parts[1] else default_dtype
        if dtype not in ("float32", "float16", "float64", "int32", "int64", "bool"):
            raise VerifyError(f"bad input dtype {dtype!r} (float32, float16, float64, int32, int64, bool)")
        high = 10
        if len(parts) > 2:
            try:
                high = int(parts[2])
            except ValueError:
                raise VerifyError(f"bad --input {text!r}: the upper bound must be an integer") from None
        return cls(shape, dtype, high)

    def make(self, rng: np.random.RandomState) -> np.ndarray:
        if self.dtype.startswith("float"):
            return rng.standard_normal(self.shape).astype(self.dtype)
        if self.dtype == "bool":
            return rng.randint(0, 2, self.shape).astype(bool)
        return rng.randint(0, self.high, self.shape).astype(self.dtype)


@dataclass
class LayerDivergence:
    name: str
    torch_class: str
    mindspore_class: str
    agreement: Agreement
    inputs_agreed: bool | None  # None: inputs not comparable
    previous: str | None  # the last layer that still agreed


@dataclass
class VerifyReport:
    outputs: list[Agreement]
    agree: bool
    rtol: float
    atol: float
    min_cosine: float
    weights_source: str
    missing: list[str] = field(default_factory=list)  # MindSpore parameters no weight reached
    unexpected: list[str] = field(default_factory=list)  # weights MindSpore has no parameter for
    divergence: LayerDivergence | None = None
    compared_layers: int = 0
    notes: list[str] = field(default_factory=list)
    dtype: str = "float32"
    trivial: list[str] = field(default_factory=list)  # why agreeing outputs would prove nothing
    allow_trivial: bool = False
    training: TrainingReport | None = None  # --grad / --train-steps / --train-mode

    @property
    def passed(self) -> bool:
        """Every comparison agrees and the agreement means something (or the user accepted it)."""
        return (self.agree and (self.training is None or self.training.agree)
                and (not self.trivial or self.allow_trivial))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "passed": self.passed,
            "agree": self.agree,
            "tolerance": {"rtol": self.rtol, "atol": self.atol, "min_cosine": self.min_cosine, "dtype": self.dtype},
            "trivial": self.trivial,
            "weights": self.weights_source,
            "outputs": [o.to_dict() for o in self.outputs],
            "missing_parameters": self.missing,
            "unexpected_parameters": self.unexpected,
            "compared_layers": self.compared_layers,
            "notes": self.notes,
        }
        if self.divergence:
            dv = self.divergence
            d["first_divergence"] = {"layer": dv.name, "torch_class": dv.torch_class,
                                     "mindspore_class": dv.mindspore_class, "inputs_agreed": dv.inputs_agreed,
                                     "previous_agreeing_layer": dv.previous, **dv.agreement.to_dict()}
        if self.training is not None:
            d["training"] = self.training.to_dict()
        return d


# --------------------------------------------------------------------------- building

def load_factory(spec: str) -> Callable[..., Any]:
    if ":" not in spec:
        raise VerifyError(f"bad factory {spec!r}: expected MODULE:FACTORY (e.g. mymodels.resnet:resnet50)")
    mod_name, attr = spec.split(":", 1)
    try:
        obj: Any = importlib.import_module(mod_name)
    except Exception as exc:  # any import failure in user code is a usage problem for us
        raise VerifyError(f"cannot import {mod_name}: {type(exc).__name__}: {exc}") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise VerifyError(f"{mod_name} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise VerifyError(f"{spec} is not callable")
    return obj


def seed_everything(seed: int) -> None:
    import mindspore
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    mindspore.set_seed(seed)


def _torch_rule(module) -> Any:
    for klass in type(module).__mro__:
        if klass.__module__.startswith("torch.nn"):
            rule = rule_for_api(f"torch.nn.{klass.__name__}")
            if rule is not None:
                return rule
    return None


def live_map(torch_model, ms_model) -> WeightMap:
    """The name map from the live modules: exact, because the layer classes are known."""
    ms_cells = dict(ms_model.cells_and_names())
    wmap = WeightMap(source="live modules")
    layer_of: dict = {}
    keys: dict[str, tuple[int, ...]] = {}
    for prefix, module in torch_model.named_modules():
        own = list(module._parameters.items()) + [(n, b) for n, b in module._buffers.items()
                                                  if n not in module._non_persistent_buffers_set]
        if not own:
            continue
        rule = _torch_rule(module)
        ms_cell = ms_cells.get(prefix)
        if rule is not None and ms_cell is not None and type(ms_cell).__module__.startswith("mindspore.mint"):
            rule = identity_rule(rule.kind)
        elif rule is not None and ms_cell is not None and type(ms_cell).__module__.startswith("mindspore.nn"):
            # MindSpore's own layer class (not msdev's converted one): its layout (a Conv1d's 4-d kernel)
            rule = rule_for_api(f"mindspore.nn.{type(ms_cell).__name__}") or rule
        for name, value in own:
            if value is None:
                continue
            key = f"{prefix}.{name}" if prefix else name
            keys[key] = tuple(value.shape)
            if rule is None:
                wmap.entries.append(MapEntry(key, key, type(module).__name__, None, "source", None,
                                             list(value.shape), list(value.shape)))
                continue
            wmap.entries.append(_entry_from(key, _Outcome(rule, rule.kind, type(module).__name__, prefix, name),
                                            tuple(value.shape)))
            layer_of[prefix] = (rule, type(module).__name__)
    # MultiheadAttention's out_proj is a child Linear: handled as its own module above
    _add_fills(wmap, keys, layer_of)
    return wmap


def torch_state_arrays(torch_model) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy() for k, v in torch_model.state_dict().items()}


def load_torch_weights(torch_model, path: str) -> None:
    """Load a checkpoint into the PyTorch model through msdev's safe reader (no torch.load)."""
    import torch

    from ..weights.convert import prepare
    from ..weights.reader import CheckpointError
    try:
        _cp, tensors = prepare(path)
        state = {k: torch.from_numpy(np.array(t.load())) for k, t in tensors.items() if t.dtype != "bfloat16"}
    except CheckpointError as exc:
        raise VerifyError(str(exc)) from None
    result = torch_model.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise VerifyError(f"--torch-weights {path} does not fit the PyTorch model: missing "
                          f"{result.missing_keys[:5]}, unexpected {result.unexpected_keys[:5]}")


def ms_params_from_map(wmap: WeightMap, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    import mindspore

    lazy = {k: from_array(k, v) for k, v in arrays.items()}
    out = {}
    for t in converted_tensors(wmap, lazy):
        out[t.name] = mindspore.Parameter(mindspore.Tensor(t.load()), name=t.name)
    return out


def load_ms_checkpoint(path: str) -> dict[str, Any]:
    import mindspore

    fmt = "safetensors" if str(path).endswith(".safetensors") else "ckpt"
    if not Path(path).is_file():
        raise VerifyError(f"--weights {path}: file not found")
    try:
        return mindspore.load_checkpoint(str(path), format=fmt)
    except Exception as exc:
        raise VerifyError(f"mindspore cannot load {path}: {exc}") from None


# --------------------------------------------------------------------------- hooks

def _arrays(obj: Any) -> list[np.ndarray]:
    """Every tensor inside an output (tuples/lists/dicts flattened), as numpy arrays."""
    out: list[np.ndarray] = []
    if obj is None:
        return out
    if isinstance(obj, (list, tuple)):
        for o in obj:
            out.extend(_arrays(o))
        return out
    if isinstance(obj, dict):
        for o in obj.values():
            out.extend(_arrays(o))
        return out
    if hasattr(obj, "detach"):  # torch.Tensor
        return [obj.detach().cpu().float().numpy() if obj.is_floating_point() else obj.detach().cpu().numpy()]
    if hasattr(obj, "asnumpy"):  # mindspore.Tensor
        arr = obj.asnumpy()
        return [arr.astype(np.float32) if arr.dtype == np.float16 else arr]
    return out


class Recorder:
    """Collects (name, call index) → inputs/outputs through forward hooks, in call order."""

    def __init__(self):
        self.order: list[tuple[str, int]] = []
        self.outputs: dict[tuple[str, int], list[np.ndarray]] = {}
        self.inputs: dict[tuple[str, int], list[np.ndarray]] = {}
        self.classes: dict[str, str] = {}
        self._calls: dict[str, int] = {}
        self._pending: dict[str, list[np.ndarray]] = {}
        self.handles: list[Any] = []

    def pre(self, name: str):
        def hook(_mod, inputs, *rest):
            self._pending[name] = _arrays(inputs)
        return hook

    def post(self, name: str):
        def hook(_mod, _inputs, output, *rest):
            idx = self._calls.get(name, 0)
            self._calls[name] = idx + 1
            self.order.append((name, idx))
            self.outputs[(name, idx)] = _arrays(output)
            self.inputs[(name, idx)] = self._pending.pop(name, [])
        return hook

    def attach(self, named: list[tuple[str, Any]]) -> None:
        for name, mod in named:
            if not name:
                continue
            self.classes[name] = type(mod).__name__
            self.handles.append(mod.register_forward_pre_hook(self.pre(name)))
            self.handles.append(mod.register_forward_hook(self.post(name)))

    def detach(self) -> None:
        for h in self.handles:
            try:
                h.remove()
            except Exception:  # a handle that cannot be removed only matters for reuse
                pass
        self.handles.clear()


def _magnitude(a: np.ndarray) -> float:
    """max(1, max |a|) for floating arrays: the factor atol is scaled by."""
    return max(1.0, float(np.max(np.abs(a)))) if a.size and a.dtype.kind in "fc" else 1.0


def _layer_agrees(a: list[np.ndarray], b: list[np.ndarray], rtol: float, atol: float,
                  min_cosine: float) -> tuple[bool, Agreement | None]:
    if not a or not b:
        return True, None
    worst: Agreement | None = None
    for x, y in zip(a, b):
        if x.dtype.kind not in "fc" and y.dtype.kind not in "fc" and x.shape == y.shape:
            agr = agreement(x, y, 0, 0)
        else:
            scale = float(np.max(np.abs(x))) if x.size and x.dtype.kind in "fc" else 1.0
            agr = agreement(x, y, rtol, atol * max(1.0, scale))
        bad = not agr.allclose or agr.cosine < min_cosine
        if bad:
            return False, agr
        worst = worst or agr
    return True, worst


def localise(rt: Recorder, rm: Recorder, rtol: float, atol: float, min_cosine: float
             ) -> tuple[LayerDivergence | None, int]:
    compared = 0
    previous = None
    for key in rt.order:
        if key not in rm.outputs:
            continue
        ok, agr = _layer_agrees(rt.outputs[key], rm.outputs[key], rtol, atol, min_cosine)
        if agr is None:
            continue
        compared += 1
        if ok:
            previous = key[0]
            continue
        in_ok, in_agr = _layer_agrees(rt.inputs.get(key, []), rm.inputs.get(key, []), rtol, atol, min_cosine)
        return LayerDivergence(key[0] + (f" (call {key[1] + 1})" if key[1] else ""), rt.classes.get(key[0], "?"),
                               rm.classes.get(key[0], "?"), agr, None if in_agr is None else in_ok, previous), compared
    return None, compared


# --------------------------------------------------------------------------- the run

def _build(factory, spec: str, kwargs: dict, seed: int, expected: type, expected_name: str):
    """Call a network factory with fixed seeds; a failure or a wrong type is a usage error."""
    seed_everything(seed)
    try:
        net = factory(**kwargs)
    except Exception as exc:
        raise VerifyError(f"{spec}(**kwargs) failed: {type(exc).__name__}: {exc}") from None
    if not isinstance(net, expected):
        raise VerifyError(f"{spec} returned a {type(net).__name__}, not a {expected_name}")
    return net


def verify(torch_factory: str, ms_factory: str, inputs: list[InputSpec], *, kwargs: dict | None = None,
           torch_weights: str | None = None, weights: str | None = None, wmap: WeightMap | None = None,
           seed: int = 0, paths: list[str] | None = None, rtol: float | None = None, atol: float | None = None,
           min_cosine: float | None = None, localise_always: bool = False, grad: bool = False,
           train_mode: bool = False, train_steps: int = 0, optimizer: str | None = None,
           allow_trivial: bool = False) -> VerifyReport:
    """Compare eval-mode outputs; with grad/train_mode/train_steps also the training contract.

    Tolerances left as None take the defaults of the PyTorch network's dtype (tolerances.py).
    """
    spec = OptimizerSpec.parse(optimizer or DEFAULT_SPEC) if train_steps else None
    if train_steps < 0:
        raise VerifyError("--train-steps must be 0 or more")
    os.environ.setdefault("GLOG_v", "3")
    cap_onednn_isa()
    for p in reversed(paths or []):
        if not Path(p).is_dir():
            raise VerifyError(f"--path {p}: not a directory")
        sys.path.insert(0, str(Path(p).resolve()))
    try:
        import mindspore
        import torch
    except ImportError as exc:
        raise VerifyError(f"msdev verify needs torch and mindspore (pip install 'msdev-migrate[verify]'): {exc}") from None
    kwargs = kwargs or {}
    tf = load_factory(torch_factory)
    mf = load_factory(ms_factory)
    tnet = _build(tf, torch_factory, kwargs, seed, torch.nn.Module, "torch.nn.Module")
    if torch_weights:
        load_torch_weights(tnet, torch_weights)
    tnet.eval()
    mnet = _build(mf, ms_factory, kwargs, seed, mindspore.nn.Cell, "mindspore.nn.Cell")
    mnet.set_train(False)
    tol = resolve(network_dtype(tnet), rtol, atol, min_cosine)
    rtol, atol, min_cosine = tol.rtol, tol.atol, tol.min_cosine

    notes: list[str] = []
    if weights:
        params = load_ms_checkpoint(weights)
        source = f"checkpoint {weights}"
    else:
        used_map = wmap or live_map(tnet, mnet)
        if wmap is not None:
            from ..weights.mapping import apply_saved_map
            used_map = apply_saved_map(wmap, {k: tuple(v.shape) for k, v in tnet.state_dict().items()})
        params = ms_params_from_map(used_map, torch_state_arrays(tnet))
        source = "PyTorch weights copied through the " + ("given map" if wmap else "name map")
        notes.extend(used_map.warnings)
    not_loaded, unused = mindspore.load_param_into_net(mnet, params, strict_load=True)

    rng = np.random.RandomState(seed)
    arrays = [spec.make(rng) for spec in inputs]
    rt, rm = Recorder(), Recorder()
    rt.attach(list(tnet.named_modules()))
    rm.attach(list(mnet.cells_and_names()))
    try:
        with torch.no_grad():
            tout = tnet(*[torch.from_numpy(a.copy()) for a in arrays])
        mout = mnet(*[mindspore.Tensor(a.copy()) for a in arrays])
        from mindspore.common.api import _pynative_executor
        _pynative_executor.sync()
    except Exception as exc:
        raise VerifyError(f"running the networks failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
    finally:
        rt.detach()
        rm.detach()
    ta, ma = _arrays(tout), _arrays(mout)
    if len(ta) != len(ma):
        raise VerifyError(f"the PyTorch network returned {len(ta)} tensors, the MindSpore one {len(ma)}")
    # atol scales with the output's magnitude (logits of a deep network reach tens), as for layers
    outs = [agreement(a, b, rtol, atol * _magnitude(a)) for a, b in zip(ta, ma)]
    agree = bool(outs) and all(o.allclose and o.cosine >= min_cosine for o in outs) and not not_loaded
    report = VerifyReport(outs, agree, rtol, atol, min_cosine, source, list(not_loaded), list(unused), notes=notes,
                          dtype=tol.dtype, allow_trivial=allow_trivial)
    report.trivial = trivial_reasons(ta, tnet)
    if not agree or localise_always:
        report.divergence, report.compared_layers = localise(rt, rm, rtol, atol, min_cosine)
    if grad or train_mode or train_steps:
        float_outputs = [i for i, a in enumerate(ta) if a.dtype.kind == "f"]
        loss_rng = np.random.RandomState(seed + 1)
        # R ~ N(0, 1/n): the loss keeps the scale of one output whatever the output's size, so an
        # optimizer step with an ordinary learning rate stays small on wide heads (1000 classes)
        loss_weights = [(loss_rng.standard_normal(ta[i].shape) / np.sqrt(max(ta[i].size, 1))).astype(np.float32)
                        for i in float_outputs]
        pairing = Pairing(live_map(tnet, mnet), {p.name for p in mnet.get_parameters()})

        def make_batch(step: int) -> list[np.ndarray]:
            step_rng = np.random.RandomState(seed + 1000 + step)
            return [s.make(step_rng) for s in inputs]

        report.training = check_training(
            Pair(tnet, mnet, float_outputs, loss_weights), pairing, arrays, tol, grad=grad, steps=train_steps,
            optimizer=spec, make_batch=make_batch,
            agreement_fn=lambda a, b, floor=1.0: agreement(
                a, b, rtol, atol * max(floor, float(np.max(np.abs(a))) if a.size else 1.0)))
    return report
