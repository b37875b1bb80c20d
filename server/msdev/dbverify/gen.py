"""Drafting examples for entries that have none (needs torch): `python -m msdev.dbverify.gen`.

For each entry with a target this builds candidate examples from the PyTorch parameter names
(a table of sensible values per name: `dim` → 1, `keepdim` → True, `bias` → False, …) and input
shapes, richest first, and keeps the first one that PyTorch runs and in which the finder sees the
API. Outputs that change with the seed mark the example `compare: shape`. The result is written to
mapping_db/examples/<namespace>.yaml; examples already there are kept (the YAML is the source of
truth, hand edits win), so re-running only fills gaps.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path
from typing import Any

import yaml

from ..db.loader import EXAMPLES_DIR, Database, default_db_dir, load_database
from ..db.model import Entry
from .examples import has_target, prepare, torch_program

#: values tried for a PyTorch parameter of this name (source text), best first
VALUES: dict[str, list[str]] = {
    "dim": ["1", "0"], "keepdim": ["True"], "dim0": ["0"], "dim1": ["1"], "dims": ["(0,)", "(1, 0)"],
    "alpha": ["2"], "beta": ["0.5"], "value": ["0.5"], "exponent": ["2"], "p": ["2", "0.5"],
    "min": ["0.2"], "max": ["0.8"], "k": ["2"], "diagonal": ["1"], "offset": ["1"],
    "descending": ["True"], "largest": ["False"], "sorted": ["True"], "stable": ["True"],
    "return_counts": ["True"], "return_inverse": ["True"], "unbiased": ["False"], "correction": ["0"],
    "inplace": ["False"], "negative_slope": ["0.2"], "lambd": ["0.3"], "threshold": ["0.5"],
    "eps": ["1e-05"], "momentum": ["0.2"], "reduction": ["'sum'"], "approximate": ["'tanh'"],
    "decimals": ["1"], "rounding_mode": ["'floor'"], "chunks": ["3"], "sections": ["3"],
    "split_size_or_sections": ["1"], "split_size": ["1"], "repeats": ["2"], "shifts": ["1"],
    "start_dim": ["0"], "end_dim": ["-1"], "source": ["0"], "destination": ["1"], "index": ["idx"],
    "indices": ["idx"], "index": ["idx", "i1"], "sorted_sequence": ["x"], "boundaries": ["v"],
    "src": ["y"], "start": ["0"], "length": ["2"], "source_": ["y"], "mask": ["msk"], "other": ["y"], "tensor": ["y"], "mat2": ["y"], "mat": ["y"],
    "mat1": ["x"], "vec": ["v"], "vec1": ["v"], "vec2": ["v"], "tensor1": ["y"], "tensor2": ["y"],
    "weight": ["w"], "end": ["y"], "size": ["(3, 3)"], "shape": ["(3, 3)"], "output_size": ["(2, 2)"],
    "kernel_size": ["2"], "stride": ["2"], "padding": ["1"], "dilation": ["1"], "groups": ["1"],
    "scale_factor": ["2.0"], "mode": ["'nearest'"], "pad": ["(1, 1)"], "num_classes": ["5"],
    "training": ["False"], "upscale_factor": ["1"], "downscale_factor": ["1"], "sizes": ["(3, 3)"],
    "n": ["2"], "ord": ["2"], "q": ["0.5"], "bins": ["4"], "nan": ["0.0"], "posinf": ["1.0"], "neginf": ["-1.0"],
    "atol": ["1e-05"], "rtol": ["1e-05"], "equal_nan": ["False"], "as_tuple": ["False"], "upper": ["False"],
    "count_include_pad": ["False"], "ceil_mode": ["True"], "align_corners": ["False"], "batch_first": ["True"],
    "in_channels": ["3"], "out_channels": ["4"], "in_features": ["3"], "out_features": ["4"], "bias": ["False"],
    "num_features": ["3"], "normalized_shape": ["3"], "num_embeddings": ["10"], "embedding_dim": ["3"],
    "num_groups": ["1"], "num_channels": ["3"], "input_size": ["3"], "hidden_size": ["4"], "num_layers": ["1"],
    "affine": ["True"], "track_running_stats": ["True"], "elementwise_affine": ["True"], "num_parameters": ["1"],
    "init": ["0.25"], "in1_features": ["3"], "in2_features": ["3"], "d_model": ["4"], "nhead": ["2"],
    "embed_dim": ["4"], "num_heads": ["2"], "dim_feedforward": ["8"], "dropout": ["0.0"],
    "lr": ["0.1"], "params": ["[p]"], "optimizer": ["opt"], "step_size": ["1"], "gamma": ["0.5"],
    "milestones": ["[1, 2]"], "T_max": ["10"], "dataset": ["ds"], "batch_size": ["2"], "data_source": ["ds"],
    "unflattened_size": ["(3, 1)"], "margin": ["0.5"], "full": ["False"], "log_input": ["True"],
    "delta": ["1.0"], "label_smoothing": ["0.1"], "ignore_index": ["-100"], "blank": ["0"],
    "divisor_override": ["None"], "return_indices": ["False"], "output_ratio": ["0.5"], "approx": ["None"],
    "input": ["x"], "self": ["x"], "x": ["x"], "x1": ["x"], "x2": ["y"], "target": ["y"], "input1": ["x"],
    "input2": ["y"], "A": ["x"], "B": ["y"], "elements": ["x"], "test_elements": ["y"], "condition": ["msk"],
    "tensors": ["(x, y)"], "inputs": ["(x, y)"], "test_elements_": ["y"],
}
VARARGS = {"*shape": "9", "*size": "9", "*dims": "1, 0", "*sizes": "2, 1", "*tensors": "x, y", "*args": "x",
           "*operands": "x, y"}
SKIP = {"out", "dtype", "layout", "device", "requires_grad", "pin_memory", "memory_format", "generator",
        "non_blocking", "names", "foreach", "differentiable", "fused", "maximize", "capturable", "copy",
        "sparse_grad", "check_invariants", "verbose"}
INPUTS = {"x": {"shape": [3, 3]}, "y": {"shape": [3, 3]}, "v": {"shape": [3]}, "w": {"shape": [3, 3]},
          "idx": {"shape": [3, 3], "dtype": "int64", "high": 3}, "msk": {"shape": [3, 3], "dtype": "bool"},
          "p": {"shape": [3], "param": True}, "i1": {"shape": [2], "dtype": "int64", "high": 3}}
X_SHAPES = ([3, 3], [2, 3, 4], [1, 3, 8, 8], [4], [1, 3, 8], [1, 3, 4, 4, 4], [2, 3], [2, 3, 3])
FACTORY_ARGS = ["2, 3", "(2, 3)", "6", "3", "0, 6, 2", "0.0, 1.0, 5", "(2, 3), 1.5", "[[0.5, 1.5], [2.5, 3.5]]",
                "x", "x, 1.5", "x, 0.5"]
RANDOM_HINTS = ("rand", "random", "normal", "bernoulli", "multinomial", "dropout", "empty", "uniform",
                "poisson", "exponential_", "cauchy_", "geometric_", "log_normal_", "shuffle")


def _params(entry: Entry) -> list[str]:
    """PyTorch parameters in order, from the entry, else the live signature."""
    if entry.params is not None:
        return [p for p in entry.params]
    obj = _resolve(entry.api)
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    out = []
    for p in sig.parameters.values():
        if p.name == "self":
            continue
        if p.kind == p.VAR_POSITIONAL:
            out.append("*" + p.name)
        elif p.kind == p.KEYWORD_ONLY and "*" not in out:
            out.extend(["*", p.name])
        elif p.kind != p.VAR_KEYWORD:
            out.append(p.name)
    return out


def _resolve(api: str):
    import importlib

    parts = api.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except Exception:  # noqa: BLE001
            continue
        try:
            for a in parts[i:]:
                obj = getattr(obj, a)
            return obj
        except AttributeError:
            return None
    return None


def _required(api: str) -> set[str] | None:
    obj = _resolve(api)
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    return {p.name for p in sig.parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            and p.name != "self"}


def _arg_lists(params: list[str], first_is_input: bool, required: set[str] | None) -> list[str]:
    """Argument texts (after the input), richest first."""
    usable = []
    kw_only = False
    for name in params:
        if name == "*":
            kw_only = True
            continue
        if name in VARARGS:
            usable.append((name, VARARGS[name], kw_only))
            continue
        if name.startswith("*") or name in SKIP:
            continue
        if name in VALUES:
            usable.append((name, VALUES[name][0], kw_only))
    rest = usable[1:] if first_is_input and usable and params and params[0] == usable[0][0] else usable
    lists = []
    for subset in (rest, [u for u in rest if required is None or u[0] in required], [u for u in rest if u[1] in INPUTS or u[0] in ("dim",)], []):
        kw = ", ".join(v if n.startswith("*") else f"{n}={v}" for n, v, _ in subset)
        pos_ok = all(not k for _, _, k in subset)
        pos = ", ".join(v for _, v, _ in subset)
        for text in ([kw] + ([pos] if pos_ok and pos != kw else [])):
            if text not in lists:
                lists.append(text)
    return lists


def candidates(entry: Entry) -> list[dict[str, Any]]:
    """Possible examples for an entry, richest first; then the same with integer or boolean inputs,
    and with a second choice of value for parameters that have one."""
    base = _candidates(entry)
    extra = []
    for dtype, high in (("int64", 5), ("bool", None)):
        for c in base:
            ins = c.get("inputs") or {}
            if "x" in ins and ins["x"].get("dtype", "float32") == "float32":
                new = {**c, "inputs": {k: ({**v, "dtype": dtype, **({"high": high} if high else {})}
                                           if k in ("x", "y", "w", "v") else v) for k, v in ins.items()}}
                extra.append(new)
    seconds = []
    for name, vals in VALUES.items():
        if len(vals) > 1:
            seconds.append((name, vals))
    alt = []
    for c in base:
        for name, vals in seconds:
            if f"{name}={vals[0]}" in c["code"]:
                code = c["code"].replace(f"{name}={vals[0]}", f"{name}={vals[1]}")
                alt.append(_with_inputs({**{k: v for k, v in c.items() if k != "inputs"}, "code": code},
                                        (c.get("inputs") or {}).get("x", {}).get("shape", [3, 3])))
    return base + alt + extra


def _candidates(entry: Entry) -> list[dict[str, Any]]:
    api, kind = entry.api, entry.kind
    params = _params(entry)
    short = api.rsplit(".", 1)[-1]
    required = _required(api) if kind == "class" or api.startswith(("torch.nn.", "torch.optim", "torch.utils")) else None
    out: list[dict[str, Any]] = []
    if kind == "attribute":
        if api.startswith("torch.Tensor."):
            for shape in X_SHAPES[:3]:
                out.append({"inputs": {"x": {"shape": shape}}, "code": f"out = x.{short}"})
        else:
            out.append({"code": f"out = {api}"})
        return out
    if kind == "method" and api.startswith("torch.Tensor."):
        for args in _arg_lists(params, False, None):
            for shape in X_SHAPES:
                out.append(_with_inputs({"code": f"out = x.{short}({args})"}, shape))
        if short.endswith("_"):
            for c in out:
                c["inplace"] = ["x"]
        return out
    if api.startswith("torch.optim.lr_scheduler."):
        for args in _arg_lists(params, True, required):
            out.append({"inputs": {"p": INPUTS["p"]}, "setup": f"opt = torch.optim.SGD([p], lr=0.1)\n"
                        f"sched = {api}(opt{', ' + args if args else ''})", "code": "out = sched.get_last_lr()"})
        return out
    if api.startswith("torch.optim."):
        for args in _arg_lists(params, True, required):
            out.append({"inputs": {"p": INPUTS["p"]}, "setup": f"opt = {api}([p]{', ' + args if args else ''})",
                        "code": "out = len(opt.param_groups)", "compare": "runs"})
        return out
    if kind == "class":
        for args in _arg_lists(params, False, required):
            for call in ("m(x)", "m(x, y)", "m(x, t)", "m(e)"):
                for shape in X_SHAPES:
                    ex = _with_inputs({"setup": f"m = {api}({args})", "code": f"out = {call}"}, shape)
                    if "t)" in call:
                        ex["inputs"]["t"] = {"shape": shape[:1], "dtype": "int64", "high": 3}
                    if call == "m(e)":
                        ex["inputs"] = {"e": {"shape": [2, 3], "dtype": "int64", "high": 10}}
                    out.append(ex)
        return out
    first_is_input = bool(params) and (params[0] in ("input", "self", "x", "tensor", "A", "input1", "x1")
                                       or params[0] in VALUES and VALUES[params[0]][0] in INPUTS)
    if not first_is_input:
        for args in FACTORY_ARGS:
            out.append(_with_inputs({"code": f"out = {api}({args})"}, [3, 3]))
    for args in _arg_lists(params, first_is_input, required):
        for shape in X_SHAPES:
            lead = "x" if first_is_input else ""
            sep = ", " if lead and args else ""
            out.append(_with_inputs({"code": f"out = {api}({lead}{sep}{args})"}, shape))
    return out


def _with_inputs(ex: dict[str, Any], x_shape: list[int]) -> dict[str, Any]:
    """Declare the inputs the code reads; `x` (and same-shaped `y`, `w`) takes the given shape."""
    text = (ex.get("setup") or "") + "\n" + ex["code"]
    import re

    names = set(re.findall(r"\b([a-z]+)\b", text))
    inputs = {}
    for name, spec in INPUTS.items():
        if name in names:
            spec = dict(spec)
            if name in ("x", "y", "w", "idx", "msk"):
                spec["shape"] = list(x_shape)
            inputs[name] = spec
    return {"inputs": inputs, **{k: v for k, v in ex.items() if k != "inputs"}} if inputs else dict(ex)


class _Dumper(yaml.SafeDumper):
    """Block style for examples, flow style for short lists (shapes) and input specs."""

    def ignore_aliases(self, data):
        return True


def _represent_list(dumper, data):
    flow = all(not isinstance(v, (list, dict)) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _represent_dict(dumper, data):
    flow = all(not isinstance(v, dict) and not (isinstance(v, str) and "\n" in v) for v in data.values()) \
        and "code" not in data
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


def _represent_str(dumper, data):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(str, _represent_str)


def dump_examples(data: dict[str, Any]) -> str:
    return yaml.dump(dict(sorted(data.items())), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=160)


class Probe:
    """Runs candidates on PyTorch only (the reference) to pick a valid one."""

    def __init__(self):
        from .worker import Runner, make_inputs, plain
        import torch

        self.torch = torch
        self.plain = plain
        self.make_inputs = make_inputs
        self.runner = Runner.__new__(Runner)
        self.runner.torch = torch

    def output(self, ex: dict[str, Any], seed: int):
        job = {"api": "probe", "torch_src": torch_program(ex), "example": ex}
        arrays = self.make_inputs(ex.get("inputs") or {}, 0)
        self.torch.manual_seed(seed)
        import random

        random.seed(seed)
        out, _after, _ = self.runner.run_torch(job, arrays, call_seed=seed)
        return out


def _differs(a, b) -> bool:
    from .compare import compare

    return compare(a, b, "values", 0.0, 0.0) is not None


def choose(db: Database, entry: Entry, probe: Probe) -> dict[str, Any] | None:
    """The first candidate PyTorch runs, whose API the finder sees and msdev converts (else the
    first PyTorch runs: the refusal is then what verification reports); marked for randomness."""
    import warnings

    fallback = None
    for ex in candidates(entry):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                a = probe.output(ex, 0)
                b = probe.output(ex, 1)
        except Exception:  # noqa: BLE001 - PyTorch rejected this candidate
            continue
        if isinstance(a, str) and a in ("<object>", "<module>") and ex.get("compare") is None:
            ex["compare"] = "runs"
        if _differs(a, b) or any(h in entry.api.lower() for h in RANDOM_HINTS):
            ex["compare"] = "shape"
        saved = entry.example
        entry.example = ex
        try:
            prep = prepare(db, entry)
        finally:
            entry.example = saved
        if prep.status == "not_run":
            continue  # the finder does not see the API in this form
        if prep.status == "fail":
            fallback = fallback or ex
            continue
        return ex
    return fallback


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m msdev.dbverify.gen", description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--profile", default="portable")
    ap.add_argument("apis", nargs="*")
    args = ap.parse_args(argv)
    db_dir = args.db or default_db_dir()
    db = load_database(db_dir, use_cache=False)
    probe = Probe()
    files: dict[str, dict[str, Any]] = {}
    ex_dir = db_dir / EXAMPLES_DIR
    ex_dir.mkdir(exist_ok=True)
    for path in ex_dir.glob("*.yaml"):
        files[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    made = missing = 0
    for entry in db.entries.values():
        if args.apis and entry.api not in args.apis:
            continue
        if not has_target(entry, args.profile) or any(entry.api in f for f in files.values()):
            continue
        ex = choose(db, entry, probe)
        if ex is None:
            missing += 1
            print(f"no example found: {entry.api}", file=sys.stderr)
            continue
        files.setdefault(entry.namespace, {})[entry.api] = ex
        made += 1
    for stem, data in files.items():
        text = dump_examples(data)
        (ex_dir / f"{stem}.yaml").write_text(f"# Examples for `msdev db verify` (PyTorch terms; see mapping_db/README.md)\n{text}",
                                             encoding="utf-8")
    print(f"drafted {made} examples; {missing} entries still without one")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
