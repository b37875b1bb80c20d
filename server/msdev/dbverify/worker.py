"""A worker process: runs a batch of examples on PyTorch and MindSpore and appends one JSON line
per example to a results file (`{"start": api}` first, so a crash names the culprit).

Run as `python -m msdev.dbverify.worker JOBS.json RESULTS.jsonl`. MindSpore can abort the
process; the parent then re-runs the rest of the batch in a fresh worker.
"""

from __future__ import annotations

import builtins
import json
import os
import re
import sys
import traceback
from typing import Any

import numpy as np

from .compare import DEFAULT_ATOL, DEFAULT_RTOL, compare
from .examples import SYNC_HOOK
from .variants import MAX_VARIANTS

_NP_DTYPES = {"float32": np.float32, "float64": np.float64, "float16": np.float16, "int64": np.int64,
              "int32": np.int32, "uint8": np.uint8, "bool": np.bool_, "complex64": np.complex64}
#: PyTorch state names → the names MindSpore gives the same tensor
_PARAM_ALIASES = {"weight": ("weight", "gamma", "embedding_table"), "bias": ("bias", "beta"),
                  "running_mean": ("moving_mean", "running_mean"),
                  "running_var": ("moving_variance", "running_var")}
_NO_KERNEL = re.compile(r"kernel \S+ unregistered|kernel select failed|unsupported op|"
                        r"not support(ed)? on (the )?cpu|not registered for cpu", re.I)


class BadExample(Exception):
    """PyTorch itself rejected the example: the example is wrong, not the mapping."""


def make_inputs(spec: dict[str, Any], seed: int) -> dict[str, np.ndarray]:
    """Seeded arrays, the same for both frameworks: floats uniform in [low, high) (default 0.1..0.9,
    valid for log, sqrt, acos alike), integers in [low, high) (default 0..5, images 0..255)."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, s in (spec or {}).items():
        dtype = s.get("dtype", "float32")
        if "value" in s:
            out[name] = np.array(s["value"], dtype=_NP_DTYPES[dtype])
            continue
        shape = tuple(s.get("shape") or ())
        if dtype == "bool":
            arr = rng.random(shape) < 0.5
        elif dtype in ("int64", "int32", "uint8"):
            arr = rng.integers(s.get("low", 0), s.get("high", 256 if s.get("image") else 5), size=shape)
        elif dtype == "complex64":
            arr = rng.uniform(0.1, 0.9, shape) + 1j * rng.uniform(0.1, 0.9, shape)
        else:
            arr = rng.uniform(s.get("low", 0.1), s.get("high", 0.9), shape)
        out[name] = np.asarray(arr).astype(_NP_DTYPES[dtype])
    return out


def plain(v: Any, torch: Any = None, ms: Any = None) -> Any:
    """A framework-neutral copy of an output (numpy arrays, lists, scalars, strings)."""
    if torch is not None:
        if isinstance(v, torch.Tensor):
            t = v.detach()
            if t.is_sparse:
                t = t.to_dense()
            if t.dtype == torch.bfloat16:
                t = t.float()
            return t.resolve_conj().cpu().numpy().copy()
        if isinstance(v, torch.Size):
            return [int(d) for d in v]
        if isinstance(v, torch.dtype):
            return str(v).replace("torch.", "")
        if isinstance(v, torch.nn.Module):
            return "<module>"
    if ms is not None:
        if isinstance(v, ms.Tensor):
            if v.dtype == ms.bfloat16:
                v = v.astype(ms.float32)
            return np.array(v.asnumpy())
        if isinstance(v, ms.dtype.Type):
            name = str(v).lower()
            return {"bool_": "bool", "float8e4m3fn": "float8_e4m3fn", "float8e5m2": "float8_e5m2"}.get(name, name)
        if isinstance(v, ms.nn.Cell):
            return "<module>"
    if isinstance(v, np.ndarray):
        return v.copy()
    if type(v).__module__.startswith("PIL."):  # a PIL image, from torchvision or mindspore.dataset
        return np.asarray(v).copy()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (list, tuple)):
        return [plain(x, torch, ms) for x in v]
    if isinstance(v, dict):
        return {str(k): plain(x, torch, ms) for k, x in v.items()}
    if v is None or isinstance(v, (bool, int, float, complex, str)):
        return v
    return "<object>"


def _no_torch_import(real_import):
    """The MindSpore program must not quietly fall back on PyTorch (it is importable here)."""
    def guarded(name, *args, **kwargs):
        if name == "torch" or name.startswith(("torch.", "torchvision", "torchaudio")):
            raise ImportError(f"the converted program imports {name}")
        return real_import(name, *args, **kwargs)
    return guarded


_KEEP: list[Any] = []  # op libraries declared for torchvision's import: they must outlive it


def import_torchvision() -> str | None:
    """Import torchvision's Python part; None when it works, else why not.

    The only torchvision wheel for torch 2.13 on this index is a CUDA build: its compiled ops
    cannot load against the CPU torch, and its import then fails while registering fake kernels
    for two of those ops. Declaring their schemas first lets the pure-Python transforms load (the
    compiled ops stay unavailable, and examples that need them fail on PyTorch's side)."""
    import torch

    try:
        import torchvision  # noqa: F401
        return None
    except ImportError as exc:
        return f"torchvision is not installed ({exc})"
    except RuntimeError:
        pass
    for mod in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[mod]
    lib = torch.library.Library("torchvision", "FRAGMENT")
    for op in ("nms", "qnms"):
        try:
            lib.define(f"{op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        except RuntimeError:
            pass  # already declared
    _KEEP.append(lib)
    try:
        import torchvision  # noqa: F401,F811
    except Exception as exc:  # noqa: BLE001
        return f"torchvision does not import: {type(exc).__name__}: {_first_line(exc)}"
    return None


class Runner:
    """Both frameworks, imported once per worker."""

    def __init__(self, threads: int = 1):
        import torch
        import mindspore as ms

        torch.set_num_threads(max(1, threads))
        ms.set_context(mode=ms.PYNATIVE_MODE)
        ms.set_device("CPU")
        self.torch, self.ms = torch, ms
        self.ms_builtins = dict(vars(builtins))
        self.ms_builtins["__import__"] = _no_torch_import(builtins.__import__)
        self._missing: dict[str, str | None] = {}

    def missing(self, requirement: str) -> str | None:
        """Why a requirement of an example is not met here (None when it is)."""
        if requirement not in self._missing:
            self._missing[requirement] = import_torchvision()  # the one requirement (examples.REQUIREMENTS)
        return self._missing[requirement]

    # ------------------------------------------------------------------ PyTorch side
    def run_torch(self, job: dict[str, Any], arrays: dict[str, np.ndarray], call_seed: int = 0):
        torch = self.torch
        ex = job["example"]
        train = bool(ex.get("train"))
        states: dict[str, list[tuple[str, np.ndarray]]] = {}

        def sync(scope: dict[str, Any]) -> None:
            for name, obj in scope.items():
                if isinstance(obj, torch.nn.Module):
                    obj.train(train)
                    # parameters, and the running statistics norm layers keep (other buffers,
                    # such as a loss's class weights, are arguments both sides already share)
                    kept = dict(obj.named_parameters())
                    kept.update((k, t) for k, t in obj.named_buffers()
                                if k.endswith(("running_mean", "running_var")))
                    states[name] = [(k, plain(t, torch)) for k, t in obj.state_dict().items() if k in kept]
            torch.manual_seed(call_seed)  # randomness after set-up is the API's own

        inputs = {}
        for name, arr in arrays.items():
            if ex["inputs"][name].get("image"):
                inputs[name] = _image(arr)
                continue
            t = torch.from_numpy(arr.copy())
            if (ex["inputs"][name]).get("param"):
                t = torch.nn.Parameter(t)
            inputs[name] = t
        scope: dict[str, Any] = {SYNC_HOOK: sync, "__name__": "msdev_example"}
        torch.manual_seed(0)
        try:
            exec(compile(job["torch_src"], f"<{job['api']} torch>", "exec"), scope)
            out = scope["example"](**inputs)
        except Exception as exc:  # noqa: BLE001
            raise BadExample(f"{type(exc).__name__}: {_first_line(exc)}") from None
        after = {n: plain(inputs[n], torch) for n in ex.get("inplace") or []}
        return plain(out, torch), after, states

    # ------------------------------------------------------------------ MindSpore side
    def run_ms(self, job: dict[str, Any], arrays: dict[str, np.ndarray], states):
        ms = self.ms
        ex = job["example"]
        train = bool(ex.get("train"))
        problems: list[str] = []

        def sync(scope: dict[str, Any]) -> None:
            for name, obj in scope.items():
                if isinstance(obj, ms.nn.Cell) and name in states:
                    obj.set_train(train)
                    problem = self._load(obj, states[name])
                    if problem:
                        problems.append(f"{name}: {problem}")

        inputs = {}
        for name, arr in arrays.items():
            if ex["inputs"][name].get("image"):
                inputs[name] = _image(arr)
                continue
            t = ms.Tensor(arr.copy())
            if ex["inputs"][name].get("param"):
                t = ms.Parameter(t, name=name)
            inputs[name] = t
        scope: dict[str, Any] = {SYNC_HOOK: sync, "__name__": "msdev_example", "__builtins__": self.ms_builtins}
        ms.set_seed(0)
        exec(compile(job["ms_src"], f"<{job['api']} mindspore>", "exec"), scope)
        out = scope["example"](**inputs)
        if problems:
            raise _WeightCopy("; ".join(problems))
        after = {n: plain(inputs[n], ms=ms) for n in ex.get("inplace") or []}
        result = plain(out, ms=ms)
        # PyNative reports some errors (a missing CPU kernel) only at the next operation: run one
        # here so the error is charged to this example, not to whichever example runs next
        ms.ops.abs(ms.Tensor(1.0)).asnumpy()
        return result, after

    def _load(self, cell, state: list[tuple[str, np.ndarray]]) -> str | None:
        """Copy PyTorch's weights into the cell: by name (with MindSpore's renames), else by order."""
        ms = self.ms
        params = list(cell.parameters_and_names())
        if not state and not params:
            return None
        by_name = {n: p for n, p in params}
        pairs = []
        for key, arr in state:
            prefix, _, last = key.rpartition(".")
            cands = [f"{prefix}.{a}" if prefix else a for a in _PARAM_ALIASES.get(last, (last,))]
            hit = next((by_name[c] for c in cands if c in by_name), None)
            if hit is None:  # a wrapping cell (BatchNorm3d keeps its parameters under `bn2d.`)
                nested = [p for n, p in params for c in cands if n.endswith("." + c) and n[:-len(c)].startswith(
                    f"{prefix}." if prefix else "")]
                hit = nested[0] if len(nested) == 1 else None
            if hit is None:
                pairs = None
                break
            pairs.append((hit, arr))
        if pairs is None:
            if len(params) != len(state):
                return f"{len(state)} PyTorch tensors, {len(params)} MindSpore parameters"
            pairs = [(p, arr) for (_, p), (_, arr) in zip(params, state)]
        for p, arr in pairs:
            if tuple(p.shape) != arr.shape:
                if int(np.prod(p.shape)) != arr.size:
                    return f"{p.name}: shape {list(p.shape)} vs PyTorch {list(arr.shape)}"
                arr = arr.reshape(tuple(p.shape))
            p.set_data(ms.Tensor(arr.astype(ms.dtype_to_nptype(p.dtype)) if p.dtype != ms.bfloat16 else arr))
        return None

    # ------------------------------------------------------------------ one example
    def run(self, job: dict[str, Any], seed: int = 0) -> dict[str, Any]:
        ex = job["example"]
        for req in ex.get("requires") or []:
            why = self.missing(req)
            if why:
                return {"status": "not_run", "reason": f"needs {req}: {why}"}
        arrays = make_inputs(ex.get("inputs") or {}, seed)
        try:
            t_out, t_after, states = self.run_torch(job, arrays)
        except BadExample as exc:
            return {"status": "not_run", "reason": f"bad example: PyTorch raised {exc}"}
        for attempt in (1, 2):
            try:
                m_out, m_after = self.run_ms(job, arrays, states)
                break
            except _WeightCopy as exc:
                return {"status": "fail", "reason": f"weight-copy: {exc}"}
            except Exception as exc:  # noqa: BLE001 - any MindSpore error is this entry's failure
                if attempt == 1:
                    # PyNative may raise an earlier example's deferred error here: the second try,
                    # with that error consumed, tells whose error it was
                    continue
                text = f"{type(exc).__name__}: {_first_line(exc)}"
                kind = "no-kernel" if _NO_KERNEL.search(str(exc)) else "exception"
                return {"status": "fail", "reason": f"{kind}: {text}"}
        mode = ex.get("compare", "values")
        rtol, atol = float(ex.get("rtol", DEFAULT_RTOL)), float(ex.get("atol", DEFAULT_ATOL))
        bad = compare(t_out, m_out, mode, rtol, atol)
        for name in ex.get("inplace") or []:
            if bad:
                break
            bad = compare(t_after[name], m_after[name], "shape" if mode == "runs" else mode, rtol, atol,
                          where=f"{name} (in place)")
        if bad:
            return {"status": "fail", "reason": f"{bad[0]}: {bad[1]}"}
        return {"status": "pass", "reason": ""}


    def run_variant(self, job: dict[str, Any], variant: dict[str, Any]) -> dict[str, Any]:
        """One call variant: `dropped` when PyTorch rejects it (not a form PyTorch users write)."""
        vjob = {"api": job["api"], **variant}
        if variant.get("refused"):
            # msdev would not convert it: a failure if PyTorch accepts the form
            try:
                self.run_torch(vjob, make_inputs(variant["example"].get("inputs") or {}, 0))
            except BadExample:
                return {"status": "dropped", "reason": ""}
            return {"status": "fail", "reason": variant["refused"]}
        res = self.run(vjob)
        if res["status"] == "not_run":
            return {"status": "dropped", "reason": res["reason"]}
        return res


def _image(arr: np.ndarray):
    """A PIL image of a uint8 array: what torchvision and mindspore.dataset transforms take."""
    from PIL import Image

    return Image.fromarray(arr)


class _WeightCopy(Exception):
    pass


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip() and not set(ln.strip()) <= set("-=")]
    text = lines[0] if lines else ""
    return text[:240]


def main(argv: list[str]) -> int:
    jobs_path, results_path = argv[0], argv[1]
    with open(jobs_path, encoding="utf-8") as fh:
        data = json.load(fh)
    runner = Runner(int(data.get("threads", 1)))
    with open(results_path, "a", encoding="utf-8") as out:
        for job in data["jobs"]:
            out.write(json.dumps({"start": job["api"]}) + "\n")
            out.flush()
            try:
                res = runner.run(job)
            except Exception as exc:  # noqa: BLE001 - never lose the rest of the batch
                res = {"status": "fail", "reason": f"harness: {type(exc).__name__}: {_first_line(exc)}"}
                traceback.print_exc()
            out.write(json.dumps({"api": job["api"], **res}) + "\n")
            out.flush()
            kept = 0
            for variant in job.get("variants") or []:
                if kept >= MAX_VARIANTS or res["status"] == "not_run":
                    break
                out.write(json.dumps({"start": job["api"], "form": variant["form"]}) + "\n")
                out.flush()
                try:
                    vres = runner.run_variant(job, variant)
                except Exception as exc:  # noqa: BLE001
                    vres = {"status": "fail", "reason": f"harness: {type(exc).__name__}: {_first_line(exc)}"}
                kept += vres["status"] != "dropped"
                out.write(json.dumps({"variant_of": job["api"], "form": variant["form"], **vres}) + "\n")
                out.flush()
    return 0


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("GLOG_v", "3")
    sys.exit(main(sys.argv[1:]))
