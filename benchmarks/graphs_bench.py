"""Graph benchmark (issue 17): the computation graphs torch._dynamo captures from corpus models,
converted with `msdev convert` and run on MindSpore with torch blocked.

    python benchmarks/graphs_bench.py [CORPUS] [--packages timm,torchvision,segmentation-models-pytorch]
                                      [--sample N] [--models a,b] [--forms dynamo,aten] [--timeout 300]
                                      [--work DIR] [--keep K] [--reuse [--cases REGEX]]
    python benchmarks/graphs_bench.py --model-file benchmarks/graph_models/transformers_like.py[,...]
                                      [--models a,b] [--forms dynamo,aten,symbolic] ...

For each model (built and randomised as in benchmarks/models_bench.py, eval mode, no_grad),
`torch.compile(model, backend=<recorder>, dynamic=False)` runs one batch; every graph dynamo hands
to the backend is one case: its `GraphModule.code` (a `forward` taking the input and every weight
as arguments, annotated `torch.nn.parameter.Parameter`, calling `torch.conv2d`,
`torch._C._nn.linear`, `torch.nn.functional.layer_norm`, ...) is written as a standalone PyTorch
file `class GraphModule(torch.nn.Module)`, with the example inputs the backend received and the
outputs PyTorch computes from them. With `--forms aten` (default: both) each graph is also traced
by `make_fx` to ATen operators (`torch.ops.aten.convolution.default`, `native_batch_norm`, `t`,
`addmm`, ...; the form aot_autograd prints) and written as a second case (folder suffix `a<i>`
instead of `g<i>`). All cases are converted with one `msdev convert`; each runs in
its own MindSpore process with torch blocked (a crash or hang is that case's failure), and passes
when every output has PyTorch's structure, shape, dtype kind and values (allclose rtol 1e-4,
atol 1e-5). Each graph is also run by PyTorch in float64 (inputs and weights cast): a case whose
MindSpore error against that is within F32_FACTOR x PyTorch float32's own error is as accurate as
PyTorch, a rounding difference rather than a mapping error; that share is printed beside the strict one,
which stays the criterion. Printed: the share of cases that match (target >= 90 %), the APIs most often left
`[UnConvert]` in the converted graphs, and the most frequent exceptions.

`--model-file F[,F2]` takes the models from Python files instead of the corpus (benchmarks/graph_models/:
small models written in the styles of transformers, ultralytics, mmseg, DETR; the *_real.py files build
the real transformers, ultralytics, mmsegmentation, diffusers, open_clip and segment-anything models, installed
apart and put on PYTHONPATH): each file defines
`MODELS = {name: (builder, inputs)}`, `builder()` returning a module and `inputs` a list of
`(shape, dtype)` or `(shape, dtype, high)` (integers drawn in [0, high): token ids, masks). The form
`symbolic` (letter `s`, not in the default) captures the model again with `dynamic=True`: graphs taking
`torch.SymInt` sizes as arguments and doing integer arithmetic on them.

`--keep K` copies the K smallest graphs (PyTorch source, input shapes) to
WORK/fixtures, as candidates for test fixtures.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import zoo  # noqa: E402

DEFAULT_CORPUS = "/work/cache/corpus"
PACKAGES = ("timm", "torchvision", "segmentation-models-pytorch")
RTOL, ATOL = 1e-4, 1e-5
#: the measuring guide's tolerance for large outputs of deep networks, reported beside the strict count
NEAR_COSINE, NEAR_RTOL, NEAR_ATOL = 0.9999, 1e-3, 1e-4
TARGET = 0.9
#: "as accurate as PyTorch float32": MindSpore's largest error against the float64 reference may be this
#: many times PyTorch float32's own largest error against it (precision, not a mapping error)
F32_FACTOR = 4
#: graph forms and the letter their case folders carry: the code dynamo hands to a backend, and the
#: same graph traced to ATen operators (make_fx)
FORMS = {"dynamo": "g", "aten": "a", "symbolic": "s"}
UNCONVERT = re.compile(r"#\s*msdev: \[UnConvert\]\s*([\w.]+)")


# --------------------------------------------------------------------------- PyTorch side: capture

def _header(code: str, globs: dict) -> str | None:
    """Import lines for the globals the graph code refers to (None: one cannot be written)."""
    lines = ["import torch"]
    for name, value in sorted(globs.items()):
        if name.startswith("__") or name == "torch" or not re.search(rf"\b{re.escape(name)}\b", code):
            continue
        if name in ("inf", "nan"):
            lines.append(f"from math import {name}")
        elif name == "NoneType":
            lines.append("NoneType = type(None)")
        elif name == "device":
            lines.append("from torch import device")
        elif type(value).__name__ == "module":
            lines.append(f"import {value.__name__} as {name}")
        elif getattr(value, "__module__", None) and getattr(value, "__qualname__", "").isidentifier():
            lines.append(f"from {value.__module__} import {value.__qualname__} as {name}")
        else:
            return None
    return "\n".join(lines)


def standalone(gm) -> str | None:
    code = gm.code
    header = _header(code, gm.forward.__globals__)
    if header is None:
        return None
    body = "\n".join(("    " + ln) if ln.strip() else "" for ln in code.strip("\n").splitlines())
    return f"{header}\n\n\nclass GraphModule(torch.nn.Module):\n{body}\n"


def capture(pkg: str, name: str, out: Path, corpus: Path, forms: tuple = ("dynamo",)) -> dict:
    """Run the model once under dynamo; write one case folder per captured graph."""
    import numpy as np
    import torch

    zoo.torch_imports(corpus)
    torch.set_num_threads(1)
    module = zoo.PACKAGES[pkg].module
    import importlib
    ns = {module: importlib.import_module(module), "torchvision": importlib.import_module("torchvision")}
    import torchvision.models  # noqa: F401
    spec = zoo.spec_for(pkg, name)
    n = zoo.count_params(spec.build, ns)
    if n is not None and n > zoo.MAX_PARAMS:
        return {"skipped": f"{n / 1e6:.0f}M parameters"}
    shapes = spec.small or spec.inputs  # smaller images first, as models_bench; the default size if they do not fit
    while True:
        torch.manual_seed(0)
        model = eval(spec.build, ns)  # noqa: S307

        def feed(seed, m=model, shapes=shapes):
            tin = [torch.from_numpy(a) for a in zoo.make_inputs(shapes, seed)]
            return m(tin) if spec.as_list else m(*tin)

        try:
            zoo.randomise(model, feed)
            break
        except Exception:  # noqa: BLE001
            if shapes is spec.inputs:
                raise
            shapes = spec.inputs
    return _capture_graphs(model, feed, f"{_ident(pkg)}__{_ident(name)}", out, forms, f"{pkg}/{name}")


def _capture_graphs(model, feed, prefix: str, out: Path, forms: tuple, label: str) -> dict:
    """Compile `model` with a recording backend, call `feed(seed, compiled)` once, write the cases."""
    import torch

    written, counts = [], []
    for dynamic in ((False,) if "symbolic" not in forms else ((False, True) if set(forms) - {"symbolic"} else (True,))):
        graphs = []

        def recorder(gm, example_inputs):
            # a dynamic graph takes its symbolic sizes as `torch.SymInt` arguments: recorded as plain ints
            graphs.append((gm, [int(x) if isinstance(x, torch.SymInt) else x for x in example_inputs]))
            return gm.forward

        torch._dynamo.reset()
        compiled = torch.compile(model, backend=recorder, dynamic=dynamic)
        with torch.no_grad():
            feed(1234, compiled)
        counts.append(len(graphs))
        for i, (gm, inputs) in enumerate(graphs):
            for form in (("symbolic",) if dynamic else tuple(f for f in forms if f != "symbolic")):
                case = out / f"{prefix}__{FORMS[form]}{i}"
                case.mkdir(parents=True, exist_ok=True)
                try:
                    graph = gm if form != "aten" else aten_graph(gm, inputs)
                except Exception as exc:  # noqa: BLE001
                    (case / "capture.json").write_text(json.dumps({"error": f"make_fx: {zoo.error_line(exc)}"}))
                    continue
                if _write_case(case, graph, inputs, label):
                    written.append(case.name)
    return {"graphs": counts[0], "cases": written}


def load_model_file(path: Path) -> dict:
    """The `MODELS` table of a model file (benchmarks/graph_models/*.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"graph_models_{_ident(path.stem)}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.MODELS


def file_inputs(specs: list, seed: int) -> list:
    """Seeded inputs of a model file's entry: floats standard normal, integers in [0, high), bools."""
    import numpy as np
    import torch

    rng = np.random.default_rng(seed)
    out = []
    for shape, dtype, *high in specs:
        if dtype.startswith("float"):
            a = rng.standard_normal(shape).astype(dtype)
        elif dtype == "bool":
            a = rng.integers(0, 2, shape).astype(bool)
        else:
            a = rng.integers(0, high[0] if high else 10, shape).astype(dtype)
        out.append(torch.from_numpy(a))
    return out


def capture_file(path: Path, name: str, out: Path, forms: tuple) -> dict:
    """As `capture`, for a model of a model file."""
    import torch

    torch.set_num_threads(1)
    build, specs = load_model_file(path)[name]
    torch.manual_seed(0)
    model = build()

    def feed(seed, m=model):
        return m(*file_inputs(specs, seed))

    zoo.randomise(model, feed)
    return _capture_graphs(model, feed, f"{_ident(path.stem)}__{_ident(name)}", out, forms, f"{path.stem}/{name}")


def aten_graph(gm, inputs):
    """The same graph traced to ATen operators by make_fx (`torch.ops.aten.convolution.default`,
    `native_batch_norm`, ...), the form aot_autograd and `make_fx` print."""
    import torch
    from torch.fx.experimental.proxy_tensor import make_fx

    with torch.no_grad():
        return make_fx(gm)(*inputs)


def _write_case(case: Path, gm, inputs: list, model: str) -> bool:
    """Write graph.py, the recorded inputs and PyTorch's outputs of one graph (False: not standalone)."""
    import numpy as np
    import torch

    src = standalone(gm)
    if src is None:
        (case / "capture.json").write_text(json.dumps({"error": "a global of the graph cannot be imported"}))
        return False
    if any(n.op == "get_attr" for n in gm.graph.nodes):
        (case / "capture.json").write_text(json.dumps({"error": "the graph reads module attributes (get_attr)"}))
        return False
    kinds, arrays, shapes = [], {}, []
    for j, x in enumerate(inputs):
        shapes.append([list(x.shape), str(x.dtype).replace("torch.", "")] if isinstance(x, torch.Tensor) else None)
        if isinstance(x, torch.Tensor):
            kinds.append("tensor")
            arrays[f"in{j}"] = x.detach().numpy().copy()
        elif isinstance(x, (bool, int, float)):
            kinds.append(repr(x))
        else:
            kinds.append(f"unsupported:{type(x).__name__}")
    with torch.no_grad():
        result = gm(*[x.clone() if isinstance(x, torch.Tensor) else x for x in inputs])
    leaves = zoo.flatten(result)
    for p, v in leaves:
        if isinstance(v, torch.Tensor):
            arrays[p] = v.detach().numpy()
    ref64 = _float64_reference(gm, inputs, leaves)
    if isinstance(ref64, dict):
        arrays.update(ref64)
    np.savez(case / "data.npz", **arrays)
    (case / "graph.py").write_text(src)
    (case / "capture.json").write_text(json.dumps({
        "inputs": kinds, "shapes": shapes, "model": model,
        "ops": sum(1 for n in gm.graph.nodes if n.op.startswith("call")),
        "float64": "ok" if isinstance(ref64, dict) else ref64,
        "leaves": [[p, "Tensor" if isinstance(v, torch.Tensor) else type(v).__name__,
                    None if isinstance(v, torch.Tensor) else repr(v)] for p, v in leaves]}))
    return True


def _float64_reference(gm, inputs: list, leaves: list) -> dict | str:
    """The same graph run by PyTorch in float64 (every floating input and weight cast), stored as
    `f64:<leaf>` next to the float32 outputs: the yardstick for how far float32 itself is from exact.
    A string when it cannot be computed (the graph pins float32, or its leaves change)."""
    import torch

    def up(x):
        return x.double() if isinstance(x, torch.Tensor) and x.is_floating_point() else x

    try:
        with torch.no_grad():
            result = gm(*[up(x.clone()) if isinstance(x, torch.Tensor) else x for x in inputs])
    except Exception as exc:  # noqa: BLE001
        return f"float64 run failed: {zoo.error_line(exc)}"
    got = zoo.flatten(result)
    if [p for p, _ in got] != [p for p, _ in leaves]:
        return "float64 run gave other outputs"
    out = {}
    for (p, v), (_, w) in zip(got, leaves):
        if isinstance(w, torch.Tensor) and w.is_floating_point():
            if not isinstance(v, torch.Tensor) or v.shape != w.shape:
                return "float64 run gave other outputs"
            out[f"f64:{p}"] = v.detach().to(torch.float64).numpy()
    return out


def _form(case_name: str) -> str | None:
    """The graph form of a case folder from its last part (g0: dynamo, a0: aten)."""
    tag = case_name.rsplit("__", 1)[-1][:1]
    return next((f for f, t in FORMS.items() if t == tag), None)


def _ident(text: str) -> str:
    return re.sub(r"\W", "_", text)


# --------------------------------------------------------------------------- MindSpore side: run

def run_case(case: Path, converted: Path) -> dict:
    """Import the converted graph with torch blocked, call it on the recorded inputs, compare."""
    import importlib.util

    import numpy as np

    zoo.block_torch()
    cap = json.loads((case / "capture.json").read_text())
    stage = "import"
    try:
        import mindspore as ms

        ms.set_context(mode=ms.PYNATIVE_MODE)
        spec = importlib.util.spec_from_file_location(f"graph_{case.name}", converted)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        stage = "build"
        net = mod.GraphModule()
        stage = "run"
        data = np.load(case / "data.npz")
        args = []
        for j, kind in enumerate(cap["inputs"]):
            if kind == "tensor":
                args.append(ms.Tensor(data[f"in{j}"]))
            elif kind.startswith("unsupported"):
                raise TypeError(f"input {j} is {kind}")
            else:
                args.append(eval(kind))  # noqa: S307 - a repr of a number written by capture()
        out = net(*args)
        stage = "compare"
        res = _compare(cap["leaves"], zoo.flatten(out), data)
        if res["match"] or "values differ" in res["error"]:  # structure, shape, dtype: wrong at any precision
            res.update(_against_float64(cap["leaves"], zoo.flatten(out), data))
        else:
            res["as_f32"] = False
        return res
    except BaseException as exc:  # noqa: BLE001
        return {"match": False, "stage": stage, "error": zoo.error_line(exc, converted.parent),
                "traceback": traceback.format_exc()[-2000:]}


def _compare(expected: list, leaves: list, data) -> dict:
    import numpy as np

    if [p for p, *_ in expected] != [p for p, _ in leaves]:
        return {"match": False, "stage": "compare",
                "error": f"structure: {[p for p, _ in leaves][:4]} instead of {[p for p, *_ in expected][:4]}"}
    for (path, kind, text), (_, got) in zip(expected, leaves):
        if kind != "Tensor":
            if repr(got) != text:
                return {"match": False, "stage": "compare", "error": f"{path}: {got!r} instead of {text}"}
            continue
        if not hasattr(got, "asnumpy"):
            return {"match": False, "stage": "compare", "error": f"{path}: a {type(got).__name__}, not a tensor"}
        a, b = data[path], got.asnumpy()
        if a.shape != b.shape:
            return {"match": False, "stage": "compare", "error": f"{path}: shape {b.shape} instead of {a.shape}"}
        if a.dtype.kind != b.dtype.kind:
            return {"match": False, "stage": "compare", "error": f"{path}: dtype {b.dtype} instead of {a.dtype}"}
        if not np.allclose(b, a, rtol=RTOL, atol=ATOL, equal_nan=True):
            err = float(np.nanmax(np.abs(a.astype("float64") - b.astype("float64")))) if a.size else 0.0
            near = all(_near(data[p], g.asnumpy()) for (p, k, _), (_, g) in zip(expected, leaves)
                       if k == "Tensor" and hasattr(g, "asnumpy") and data[p].shape == g.shape)
            return {"match": False, "near": near, "stage": "compare",
                    "error": f"{path}: values differ (max abs diff {err:.3g})"}
    return {"match": True}


def _against_float64(expected: list, leaves: list, data) -> dict:
    """Whether MindSpore is as accurate as PyTorch float32, both measured against PyTorch float64.

    `f32_err` / `ms_err`: the largest error of each, relative to the largest magnitude of the output
    (worst leaf). `f32_strict`: PyTorch float32 itself within the strict tolerance of float64 (when it is
    not, the strict test asks MindSpore to reproduce PyTorch's rounding). `as_f32`: True when every
    floating leaf has ms_err <= F32_FACTOR * f32_err (or the strict tolerance holds against float64
    itself) and every integer / bool leaf is equal; None when there is no float64 reference."""
    import numpy as np

    if [p for p, *_ in expected] != [p for p, _ in leaves]:
        return {"as_f32": False}
    verdict, worst_t, worst_m, t32_strict = True, 0.0, 0.0, True
    for (path, kind, _), (_, got) in zip(expected, leaves):
        if kind != "Tensor":
            continue
        if data[path].dtype.kind != "f":  # integers, bools: exactly, as the strict test
            if not (hasattr(got, "asnumpy") and np.array_equal(got.asnumpy(), data[path])):
                return {"as_f32": False}
            continue
        if f"f64:{path}" not in data.files:
            return {"as_f32": None}
        if not hasattr(got, "asnumpy") or got.shape != data[path].shape:
            return {"as_f32": False}
        ref, t32 = data[f"f64:{path}"], data[path].astype("float64")
        ms_ = got.asnumpy().astype("float64")
        if ref.size == 0:
            continue
        scale = float(np.nanmax(np.abs(ref))) or 1.0
        e_t = float(np.nanmax(np.abs(t32 - ref))) / scale
        e_m = float(np.nanmax(np.abs(ms_ - ref))) / scale
        worst_t, worst_m = max(worst_t, e_t), max(worst_m, e_m)
        t32_strict = t32_strict and bool(np.allclose(t32, ref, rtol=RTOL, atol=ATOL, equal_nan=True))
        if not (e_m <= F32_FACTOR * e_t or np.allclose(ms_, ref, rtol=RTOL, atol=ATOL, equal_nan=True)):
            verdict = False
    return {"as_f32": verdict, "f32_err": worst_t, "ms_err": worst_m, "f32_strict": t32_strict}


def _near(a, b) -> bool:
    """The tolerance used for large outputs of deep networks: cosine >= 0.9999 and allclose(1e-3, 1e-4)."""
    import numpy as np

    if a.dtype.kind not in "fc" or a.shape != b.shape:
        return bool(np.array_equal(a, b))
    x, y = a.astype("float64").ravel(), b.astype("float64").ravel()
    denom = float(np.linalg.norm(x) * np.linalg.norm(y))
    cos = float(x @ y) / denom if denom else float(np.allclose(x, y))
    return cos >= NEAR_COSINE and bool(np.allclose(b, a, rtol=NEAR_RTOL, atol=NEAR_ATOL, equal_nan=True))


# --------------------------------------------------------------------------- driver

def _step(args: list[str], timeout: float) -> tuple[int | None, str]:
    return zoo.run_step(args, timeout, dynamo=True)  # the capture is torch.compile with a recording backend


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    ap.add_argument("--packages", default=",".join(PACKAGES))
    ap.add_argument("--sample", type=int, help="N models per package, drawn with a fixed seed")
    ap.add_argument("--models", help="comma-separated model names (with one package)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per capture / per case run")
    ap.add_argument("--work", help="work folder (default: a temporary one)")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--keep", type=int, default=0,
                    help="copy the K smallest graphs (source and input shapes, no data) to WORK/fixtures")
    ap.add_argument("--forms", default="dynamo,aten",
                    help="graph forms: dynamo (the backend's GraphModule code), aten (make_fx, torch.ops.aten.*)")
    ap.add_argument("--reuse", action="store_true",
                    help="skip capturing: convert and run the cases already in WORK/graphs (needs --work)")
    ap.add_argument("--json", help="write every case's result here")
    ap.add_argument("--cases", help="with --reuse: only the case folders whose name matches this regular expression")
    ap.add_argument("--model-file", help="comma-separated Python files defining MODELS (instead of the corpus)")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    model_files = [Path(f) for f in args.model_file.split(",") if f] if args.model_file else []
    for f in model_files:
        if not f.is_file():
            print(f"no such model file: {f}", file=sys.stderr)
            return 2
    if not model_files and not (corpus / "MANIFEST.tsv").exists():
        print(f"not a corpus folder (no MANIFEST.tsv): {corpus}", file=sys.stderr)
        return 2
    pkgs = [p for p in args.packages.split(",") if p]
    bad = [p for p in pkgs if p not in PACKAGES]
    if bad:
        print(f"graphs are captured from {', '.join(PACKAGES)} only (got {bad})", file=sys.stderr)
        return 2
    forms = tuple(f for f in args.forms.split(",") if f)
    if not forms or any(f not in FORMS for f in forms):
        print(f"--forms takes {', '.join(FORMS)} (got {args.forms})", file=sys.stderr)
        return 2
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="msdev-graphs-"))
    cases_dir, conv_dir = work / "graphs", work / "converted"
    commit = subprocess.run(["git", "-C", str(zoo.REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"msdev commit {commit}; corpus {corpus}; work {work}", flush=True)
    t0 = time.perf_counter()

    models: list[tuple[str, str]] = []
    if args.reuse and not args.work:
        print("--reuse needs --work (the folder of an earlier run)", file=sys.stderr)
        return 2
    file_of = {}
    for f in ([] if args.reuse else model_files):
        r = subprocess.run([sys.executable, __file__, "list-file", str(f)], capture_output=True, text=True,
                           env=zoo.env(), timeout=300)
        if r.returncode != 0:
            print(f"cannot read the models of {f}: {r.stderr.strip()[-500:]}", file=sys.stderr)
            return 1
        names = json.loads(r.stdout.strip().splitlines()[-1])
        if args.models:
            names = [n for n in names if n in args.models.split(",")]
        models += [(f.stem, n) for n in names]
        file_of[f.stem] = f
    for pkg in ([] if args.reuse or model_files else pkgs):
        if args.models:
            names = args.models.split(",")
        else:
            r = subprocess.run([sys.executable, zoo.__file__, "list", pkg, str(corpus)], capture_output=True,
                               text=True, env=zoo.env(), timeout=900)
            if r.returncode != 0:
                print(f"cannot list {pkg}: {r.stderr.strip()[-500:]}", file=sys.stderr)
                return 1
            names = json.loads(r.stdout.strip().splitlines()[-1])
            if args.sample and args.sample < len(names):
                names = sorted(random.Random(0).sample(names, args.sample))
        models += [(pkg, n) for n in names]

    capture_fail = collections.Counter()
    skipped = 0
    for pkg, name in ([] if args.reuse else models):
        if pkg in file_of:
            cmd = [sys.executable, __file__, "capture-file", str(file_of[pkg]), name, str(cases_dir), ",".join(forms)]
        else:
            cmd = [sys.executable, __file__, "capture", pkg, name, str(cases_dir), str(corpus), ",".join(forms)]
        code, err = _step(cmd, args.timeout)
        status = (cases_dir / f"{_ident(pkg)}__{_ident(name)}.json")
        res = json.loads(status.read_text()) if status.exists() else {"error": zoo._last_line(err)}
        if "skipped" in res:
            skipped += 1
        elif "error" in res:
            capture_fail[zoo.normalise_cause(res["error"])] += 1
        print(f"  capture {pkg:<14} {name:<40} {res.get('skipped') or res.get('error') or len(res['cases'])}",
              flush=True)

    if args.reuse:
        models = sorted({tuple(p.name.split("__")[:2]) for p in cases_dir.glob("*__*__*") if p.is_dir()})
    found = [p for p in cases_dir.glob("*__*__*") if p.is_dir() and _form(p.name) in forms] if cases_dir.exists() else []
    cases = sorted(p for p in found if (p / "graph.py").exists() and (not args.cases or re.search(args.cases, p.name)))
    not_written = [p for p in found if not (p / "graph.py").exists()]
    src_tree = work / "sources"
    shutil.rmtree(src_tree, ignore_errors=True)
    src_tree.mkdir(parents=True)
    for c in cases:
        shutil.copy(c / "graph.py", src_tree / f"{c.name}.py")
    t_conv = time.perf_counter()
    code, err = _step([*zoo.msdev_cmd(), "convert", str(src_tree), "-o", str(conv_dir), "--force"], 3600)
    if code != 0:
        print(f"msdev convert failed on the graphs: {zoo._last_line(err)}", file=sys.stderr)
        return 1
    conv_seconds = time.perf_counter() - t_conv

    results = []
    unconverted = collections.Counter()
    graphs_with = collections.Counter()
    for c in cases:
        converted = conv_dir / f"{c.name}.py"
        apis = UNCONVERT.findall(converted.read_text()) if converted.exists() else []
        unconverted.update(apis)
        graphs_with.update(set(apis))
        code, err = _step([sys.executable, __file__, "run", str(c), str(converted)], args.timeout)
        out = c / "result.json"
        res = json.loads(out.read_text()) if code == 0 and out.exists() else {
            "match": False, "stage": "crash", "error": "MindSpore process: " + zoo._last_line(err)}
        res["case"], res["unconverted"] = c.name, len(apis)
        res["ops"] = json.loads((c / "capture.json").read_text()).get("ops")
        results.append(res)
        print(f"  run {c.name:<60} {'match' if res['match'] else res['stage'] + ': ' + res['error'][:120]}",
              flush=True)

    n = len(results)
    match = sum(r["match"] for r in results)
    clean = [r for r in results if r["unconverted"] == 0]
    print(f"\ngraphs bench, commit {commit}, {len(models)} models ({skipped} skipped > 100M parameters, "
          f"{sum(capture_fail.values())} not captured), {n} graphs{f' (+{len(not_written)} not standalone)' if not_written else ''}, "
          f"{time.perf_counter() - t0:.0f} s (convert {conv_seconds:.1f} s)")
    print(f"match (allclose rtol {RTOL:g} / atol {ATOL:g}): {match}/{n} = {100 * match / max(n, 1):.1f} % "
          f"(target {100 * TARGET:.0f} %)")
    no_ref = sum(1 for r in results if "as_f32" in r and r["as_f32"] is None)
    as_f32 = sum(1 for r in results if r["match"] or r.get("as_f32"))
    print(f"as accurate as PyTorch float32 (error against PyTorch float64 <= {F32_FACTOR} x float32's own, "
          f"or strict match): {as_f32}/{n} = {100 * as_f32 / max(n, 1):.1f} %"
          f" ({no_ref} graphs without a float64 reference count by the strict test only)")
    off = [r for r in results if r.get("f32_strict") is False]
    print(f"  PyTorch float32 itself outside the strict tolerance of its float64 result: {len(off)}/{n} graphs "
          f"(of them matching strictly anyway: {sum(r['match'] for r in off)})")
    lost = sorted((r for r in results if not r["match"] and r.get("as_f32")), key=lambda r: -r.get("f32_err", 0))
    if lost:
        print("  strict failures explained by float32 precision (relative max error: torch f32, MindSpore):")
        for r in lost[: args.top]:
            print(f"    {r['case']:<58} {r['f32_err']:.2e}  {r['ms_err']:.2e}")
    near = sum(1 for r in results if not r["match"] and r.get("near"))
    print(f"  + {near} more within the deep-network tolerance (cosine >= {NEAR_COSINE}, allclose rtol "
          f"{NEAR_RTOL:g} / atol {NEAR_ATOL:g})")
    print(f"pass by the contract (strict, or the deep-network tolerance): {match + near}/{n} = "
          f"{100 * (match + near) / max(n, 1):.1f} %")
    for form in forms:
        part = [r for r in results if _form(r["case"]) == form]
        print(f"  {form:<7} {sum(r['match'] for r in part)}/{len(part)} match, "
              f"{sum(r['match'] or bool(r.get('near')) for r in part)}/{len(part)} by the contract, "
              f"{sum(r['match'] or bool(r.get('as_f32')) for r in part)}/{len(part)} as accurate as float32")
    print(f"graphs with no [UnConvert] marker: {len(clean)}/{n}; of those matching: "
          f"{sum(r['match'] for r in clean)}/{len(clean)}")
    by_stage = collections.Counter(r.get("stage", "match") if not r["match"] else "match" for r in results)
    print("by first failing step: " + ", ".join(f"{k} {v}" for k, v in by_stage.most_common()))
    print(f"\ntop unconverted APIs (markers; graphs containing it):")
    for api, k in unconverted.most_common(args.top):
        print(f"  {k:>5}  {graphs_with[api]:>4}  {api}")
    errors = collections.Counter()
    example = {}
    for r in results:
        if not r["match"]:
            key = zoo.normalise_cause(re.sub(r" \[at .*", "", f"{r['stage']}: {r['error']}"))
            errors[key] += 1
            example.setdefault(key, f"{r['case']}: {r['stage']}: {r['error'][:220]}")
    print("\ntop exceptions (first failing step):")
    for key, k in errors.most_common(args.top):
        print(f"  {k:>5}  {example[key]}")
    if capture_fail:
        print("\nnot captured:")
        for key, k in capture_fail.most_common(args.top):
            print(f"  {k:>5}  {key}")
    if args.keep:
        keep = work / "fixtures"
        keep.mkdir(exist_ok=True)
        for r in sorted(results, key=lambda r: r.get("ops") or 0)[: args.keep]:
            for f in ("graph.py", "capture.json"):
                (keep / r["case"]).mkdir(exist_ok=True)
                shutil.copy(cases_dir / r["case"] / f, keep / r["case"] / f)
        print(f"\nkept {min(args.keep, n)} small graphs in {keep}")
    if args.json:
        Path(args.json).write_text(json.dumps({"commit": commit, "results": results}, indent=1))
    return 0 if n and match / n >= TARGET else 1


def _worker(argv: list[str]) -> int:
    if argv[0] == "capture":
        pkg, name, out, corpus = argv[1], argv[2], Path(argv[3]), Path(argv[4])
        forms = tuple(argv[5].split(",")) if len(argv) > 5 else ("dynamo",)
        out.mkdir(parents=True, exist_ok=True)
        try:
            res = capture(pkg, name, out, corpus, forms)
        except Exception as exc:  # noqa: BLE001
            res = {"error": zoo.error_line(exc)}
        (out / f"{_ident(pkg)}__{_ident(name)}.json").write_text(json.dumps(res))
        return 0
    if argv[0] == "capture-file":
        path, name, out, forms = Path(argv[1]), argv[2], Path(argv[3]), tuple(argv[4].split(","))
        out.mkdir(parents=True, exist_ok=True)
        try:
            res = capture_file(path, name, out, forms)
        except Exception as exc:  # noqa: BLE001
            res = {"error": zoo.error_line(exc)}
        (out / f"{_ident(path.stem)}__{_ident(name)}.json").write_text(json.dumps(res))
        return 0
    if argv[0] == "list-file":
        print(json.dumps(list(load_model_file(Path(argv[1])))))
        return 0
    if argv[0] == "run":
        case = Path(argv[1])
        res = run_case(case, Path(argv[2]))
        (case / "result.json").write_text(json.dumps(res))
        return 0
    return 2


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("capture", "capture-file", "list-file", "run"):
        sys.exit(_worker(sys.argv[1:]))
    sys.exit(main())
