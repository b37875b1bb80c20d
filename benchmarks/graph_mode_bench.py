"""Graph-mode benchmark (issue 19): `msdev convert --model` on a sample of corpus architectures,
then `msdev verify --grad` of each generated network against the PyTorch model.

    python benchmarks/graph_mode_bench.py [CORPUS] [--package timm] [--sample N] [--models a,b]
                                          [--max-params M] [--timeout S] [--budget-min M] [--work DIR]
                                          [--json OUT]

Each model (drawn with a fixed seed from the package's list) is built seeded, its normalisation
layers randomised and BatchNorm statistics calibrated as in benchmarks/zoo.py, its state_dict
saved; then, each step in its own process with a timeout:

1. `msdev convert --model factory:build --weights w.pth --input B,C,H,W -o OUT --no-check`
   (OUT/model.py and OUT/model.ckpt);
2. `msdev verify --torch factory:build --mindspore model:create_model --grad` with both weight
   files: eval-mode outputs, train-mode outputs, the gradient of every parameter and of the input,
   refusal of trivial agreements.

A model agrees when step 2 exits 0. Printed: the share that agrees over the models tried (models
above --max-params are skipped and counted apart: CPU time), the first failing step of the others
and its most frequent causes. The baseline in the same run is step 1 alone (how many convert).
With --budget-min, no model is started once that many minutes have passed: the table covers the
models reached and says how many of the drawn ones were not.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import zoo  # noqa: E402

DEFAULT_CORPUS = "/work/cache/corpus"


def prepare(pkg: str, name: str, work: Path, corpus: Path, max_params: int) -> dict:
    """PyTorch side: factory module, randomised weights, input shape (its own process)."""
    import torch

    zoo.torch_imports(corpus)
    torch.set_num_threads(1)
    import importlib
    module = zoo.PACKAGES[pkg].module
    ns = {module: importlib.import_module(module), "torchvision": importlib.import_module("torchvision")}
    spec = zoo.spec_for(pkg, name)
    if spec.as_list or len(spec.inputs) != 1:
        return {"skipped": "takes a list of images or several inputs"}
    n = zoo.count_params(spec.build, ns)
    if n is not None and n > max_params:
        return {"skipped": f"{n / 1e6:.0f}M parameters"}
    work.mkdir(parents=True, exist_ok=True)
    (work / "factory.py").write_text(textwrap.dedent(f'''\
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
        import zoo
        zoo.torch_imports(Path({str(corpus)!r}))
        import importlib
        import torchvision  # noqa: F401
        NS = {{{module!r}: importlib.import_module({module!r}), "torchvision": torchvision}}


        def build():
            return eval({spec.build!r}, NS)
        '''))
    sys.path.insert(0, str(work))
    import factory  # noqa: E402

    torch.manual_seed(0)
    model = factory.build()

    def feed(seed, m=model):
        return m(*[torch.from_numpy(a) for a in zoo.make_inputs(spec.inputs, seed)])

    zoo.randomise(model, feed)
    torch.save(model.state_dict(), work / "w.pth")
    return {"input": ",".join(str(d) for d in spec.inputs[0]), "params": n}


def _run(args: list[str], timeout: float) -> tuple[int | None, str, str]:
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=zoo.env(dynamo=True))
        return r.returncode, r.stdout, (r.stderr or "")[-4000:]
    except subprocess.TimeoutExpired:
        return None, "", f"timed out after {timeout:.0f} s"


def one_model(pkg: str, name: str, work: Path, corpus: Path, args) -> dict:
    res: dict = {"model": name}
    code, out, err = _run([sys.executable, __file__, "prepare", pkg, name, str(work), str(corpus),
                           str(args.max_params)], args.timeout)
    status = work / "prepare.json"
    if code != 0 or not status.exists():
        return {**res, "stage": "build", "error": zoo._last_line(err)}
    prep = json.loads(status.read_text())
    if "skipped" in prep:
        return {**res, "skipped": prep["skipped"]}
    gen = work / "out"
    code, out, err = _run([*zoo.msdev_cmd(), "convert", "--model", "factory:build", "--path", str(work),
                           "--weights", str(work / "w.pth"), "--input", prep["input"], "-o", str(gen), "--force",
                           "--no-check", "--report-format", "json"], args.timeout)
    try:
        graph = json.loads(out)["graph"]
    except (ValueError, KeyError):
        return {**res, "stage": "convert", "error": zoo._last_line(err or out) if code else "no JSON report"}
    if code != 0:  # the report says why (model.py does not build, weights missing or unexpected)
        w = graph.get("weights") or {}
        why = (graph.get("errors") or [f"weights: missing {w.get('missing', [])[:3]}, "
                                        f"unexpected {w.get('unexpected', [])[:3]}"])[0]
        return {**res, "stage": "convert", "error": why[:300]}
    res["exported"] = len(graph.get("exported_modules", []))
    res["placeholders"] = len(graph["placeholders"])
    res["converted"] = True
    if graph["placeholders"]:
        ph = graph["placeholders"][0]
        return {**res, "stage": "placeholder", "error": f"{ph['torch_api']}: {ph['reason']}"[:200]}
    code, out, err = _run([*zoo.msdev_cmd(), "verify", "--torch", "factory:build", "--mindspore", "model:create_model",
                           "--path", str(gen), "--path", str(work), "--torch-weights", str(work / "w.pth"),
                           "--weights", str(gen / "model.ckpt"), "--input", prep["input"], "--grad", "--json"],
                          args.timeout)
    try:
        report = json.loads(out)
    except ValueError:
        return {**res, "stage": "verify", "error": zoo._last_line(err or out)}
    tr = report.get("training") or {}
    grads = tr.get("gradients") or {}
    res.update(agree=code == 0, eval_agree=report.get("agree"), grad_diverging=grads.get("diverging"),
               grad_compared=grads.get("compared"), first_diverging=grads.get("first_diverging"),
               trivial=report.get("trivial"))
    if code != 0:
        why = ("eval outputs" if not report.get("agree") else "trivial outputs" if report.get("trivial") else
               f"gradients ({grads.get('diverging')}/{grads.get('compared')}, first {grads.get('first_diverging')})"
               if grads and not grads.get("agree") else "train-mode outputs or input gradient")
        return {**res, "stage": "verify", "error": why}
    return res


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "prepare":
        pkg, name, work, corpus, max_params = sys.argv[2:7]
        work = Path(work)
        try:
            res = prepare(pkg, name, work, Path(corpus), int(max_params))
        except Exception as exc:  # noqa: BLE001 - reported as this model's failure
            res = {"error": zoo.error_line(exc)}
            print(res["error"], file=sys.stderr)
            return 1
        work.mkdir(parents=True, exist_ok=True)
        (work / "prepare.json").write_text(json.dumps(res))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    ap.add_argument("--package", default="timm", choices=sorted(zoo.PACKAGES))
    ap.add_argument("--sample", type=int, default=40, help="N models drawn with a fixed seed (default 40)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--models", help="comma-separated model names instead of a sample")
    ap.add_argument("--max-params", type=int, default=30_000_000, help="skip larger models (CPU time)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per step")
    ap.add_argument("--budget-min", type=float, default=None,
                    help="start no further model after this many minutes (the rest are counted as not reached)")
    ap.add_argument("--work", help="work folder (default: a temporary one)")
    ap.add_argument("--json", help="write every model's result here")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    if not (corpus / "MANIFEST.tsv").exists():
        print(f"not a corpus folder (no MANIFEST.tsv): {corpus}", file=sys.stderr)
        return 2
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="msdev-graphmode-"))
    if args.models:
        names = args.models.split(",")
    else:
        r = subprocess.run([sys.executable, zoo.__file__, "list", args.package, str(corpus)], capture_output=True,
                           text=True, env=zoo.env(), timeout=900)
        if r.returncode != 0:
            print(f"cannot list {args.package}: {r.stderr.strip()[-500:]}", file=sys.stderr)
            return 1
        names = json.loads(r.stdout.strip().splitlines()[-1])
        if args.sample < len(names):
            names = sorted(random.Random(args.seed).sample(names, args.sample))
    t0 = time.perf_counter()
    results = []
    for name in names:
        if args.budget_min is not None and time.perf_counter() - t0 > 60 * args.budget_min:
            break
        folder = work / name.replace("/", "_")
        res = one_model(args.package, name, folder, corpus, args)
        for weights in (folder / "w.pth", folder / "out" / "model.ckpt"):  # a checkpoint per model filled the disk
            weights.unlink(missing_ok=True)
        results.append(res)
        state = ("skipped: " + res["skipped"] if "skipped" in res else "agrees" if res.get("agree")
                 else f"{res['stage']}: {res['error'][:150]}")
        print(f"  {name:<45} {state}", flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1))
    tried = [r for r in results if "skipped" not in r]
    agree = sum(bool(r.get("agree")) for r in tried)
    converted = sum(bool(r.get("converted")) for r in tried)
    reached = f", {len(names) - len(results)} not reached in {args.budget_min:g} min" if len(results) < len(names) else ""
    print(f"\ngraph-mode bench, {args.package}, {len(names)} models drawn (seed {args.seed}){reached}, "
          f"{len(results) - len(tried)} skipped, {len(tried)} tried, {time.perf_counter() - t0:.0f} s")
    print(f"baseline, convert --model writes model.py + model.ckpt: {converted}/{len(tried)}")
    print(f"agree under msdev verify --grad: {agree}/{len(tried)} = {100 * agree / max(len(tried), 1):.1f} %")
    print(f"  modules captured with torch.export: {sum(r.get('exported', 0) for r in tried)} "
          f"(in {sum(1 for r in tried if r.get('exported'))} models)")
    stages = collections.Counter(r["stage"] for r in tried if not r.get("agree"))
    print("first failing step: " + ", ".join(f"{k} {v}" for k, v in stages.most_common()))
    causes = collections.Counter(zoo.normalise_cause(r["error"]) for r in tried if not r.get("agree"))
    for cause, k in causes.most_common(12):
        print(f"  {k:>3}  {cause[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
