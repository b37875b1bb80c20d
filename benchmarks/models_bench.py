"""Model-zoo benchmark (issue 18): whole corpus packages converted, imported with torch blocked,
every model built, given PyTorch's weights through `msdev weights convert`, and compared.

    python benchmarks/models_bench.py [CORPUS] [--packages timm,torchvision,...] [--sample N]
                                      [--jobs 2] [--timeout 900] [--work DIR] [--json OUT]

Per package it prints: models, converted (uses converted / uses), imports, builds, runs,
weights load, outputs match, and the top root causes (the first failing step of each model,
numbers in messages folded so that one cause counts once). Models over 100 M parameters are
skipped and counted as such; a model whose PyTorch side fails (e.g. a compiled op the
source-only corpus lacks) is a reference failure, not a conversion failure. Each job keeps two
long-lived workers (PyTorch; MindSpore with the converted package and `msdev weights convert` as a
library call) that handle its models in turn; a crash or a timeout is that model's failure and the
worker is started again (`--isolated`: fresh processes and the CLI for every model, the old and
slower way). Checkpoints are deleted after each model unless --keep. The steps are in
benchmarks/zoo.py.

Targets (issue 18): >= 90 % of timm architectures and of torchvision builders match end to end;
100 % of pretrainedmodels, efficientnet-pytorch and segmentation-models-pytorch.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import zoo  # noqa: E402

DEFAULT_CORPUS = "/work/cache/corpus"
TARGETS = {"timm": 0.9, "torchvision": 0.9}  # others: 1.0
#: a model that reached status S passed every step before S
REACHED = {"import": 0, "build": 1, "weights": 2, "run": 3, "compare": 4, "match": 5, "crash": 1,
           "weights-convert": 1}


def list_models(pkg: str, corpus: Path) -> list[str]:
    r = subprocess.run([sys.executable, zoo.__file__, "list", pkg, str(corpus)], capture_output=True, text=True,
                       env=zoo.env(), timeout=900)
    if r.returncode != 0:
        sys.exit(f"cannot list the models of {pkg} with PyTorch: {r.stderr.strip()[-1500:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def sample(models: list[str], n: int | None, seed: int = 0) -> list[str]:
    if not n or n >= len(models):
        return models
    return sorted(random.Random(seed).sample(models, n))


class Budget:
    """`--budget` shared between the packages in proportion to their number of models: a package's
    share is fixed when its first model starts (what the earlier packages left, times its part of the
    models not yet started), so that one package cannot spend the time of those after it."""

    def __init__(self, seconds: float, models: collections.Counter):
        self.seconds, self.left_models = seconds, dict(models)
        self.t0 = time.perf_counter()
        self.share: dict[str, tuple[float, float]] = {}  # package -> (start, seconds)
        self.lock = threading.Lock()

    def may_start(self, pkg: str) -> bool:
        with self.lock:
            now = time.perf_counter()
            if pkg not in self.share:
                left = max(0.0, self.seconds - (now - self.t0))
                waiting = sum(n for p, n in self.left_models.items() if p not in self.share)
                self.share[pkg] = (now, left * self.left_models[pkg] / max(waiting, 1))
            start, seconds = self.share[pkg]
            return now - start <= seconds


def table(rows: list[dict], convs: dict, imports: dict) -> str:
    head = f"{'package':<28}{'models':>7}{'skip':>6}{'ref':>5}{'converted':>17}{'imports':>9}{'builds':>8}" \
           f"{'runs':>6}{'weights':>9}{'match':>7}"
    lines = [head, "-" * len(head)]
    totals = collections.Counter()
    for pkg in convs:
        rs = [r for r in rows if r["package"] == pkg and r["status"] != "not-run"]
        skip = sum(r["status"] == "skipped" for r in rs)
        ref = sum(r["status"] == "reference" for r in rs)
        tested = [r for r in rs if r["status"] not in ("skipped", "reference")]
        n = len(tested)

        def reached(level: int) -> int:
            return sum(1 for r in tested if REACHED.get(r["status"], 0) >= level)

        builds = reached(2)
        weights = sum(1 for r in tested if r["status"] in ("run", "compare", "match")
                      or r.get("detail", {}).get("weights_ok"))
        runs = sum(1 for r in tested if r.get("detail", {}).get("runs"))
        match = reached(5)
        c = convs[pkg]
        conv = ("given" if "note" in c else f"{c.get('converted', 0)}/{c.get('uses', 0)}") if c.get("ok") else "FAILED"
        imp = "yes" if imports[pkg]["ok"] else "no"
        lines.append(f"{pkg:<28}{len(rs):>7}{skip:>6}{ref:>5}{conv:>17}{imp:>9}{_pct(builds, n):>8}{_pct(runs, n):>6}"
                     f"{_pct(weights, n):>9}{_pct(match, n):>7}")
        totals.update(models=len(rs), tested=n, match=match)
    lines.append(f"{'all':<28}{totals['models']:>7}  matched {totals['match']} of {totals['tested']} tested models "
                 f"({100 * totals['match'] / max(totals['tested'], 1):.1f} %)")
    return "\n".join(lines)


def _pct(k: int, n: int) -> str:
    return f"{k}" if n == 0 else f"{100 * k / n:.0f}%"


def phase_means(rows: list[dict]) -> str:
    """Mean seconds per phase over the models that reached it (t_: PyTorch side, m_: MindSpore side)."""
    sums, counts = collections.Counter(), collections.Counter()
    for r in rows:
        for k, v in r.get("times", {}).items():
            sums[k] += v
            counts[k] += 1
    seconds = [r["seconds"] for r in rows if r.get("seconds") and r["status"] not in ("not-run", "skipped")]
    parts = [f"{k.removesuffix('_s')} {sums[k] / counts[k]:.1f} (n={counts[k]})" for k in sums]
    total = f"{sum(seconds) / len(seconds):.1f} s per model over {len(seconds)}" if seconds else "no model"
    return f"mean phase seconds: {total}; " + ", ".join(parts)


def causes(rows: list[dict], top: int) -> str:
    out = []
    by_pkg = collections.defaultdict(collections.Counter)
    example = {}
    for r in rows:
        if r["status"] in ("match", "skipped", "not-run"):
            continue
        key = zoo.normalise_cause(r["cause"] or "")
        by_pkg[r["package"]][key] += 1
        example.setdefault((r["package"], key), f"{r['model']}: {(r['cause'] or '')[:200]}")
    for pkg, counter in by_pkg.items():
        out.append(f"\ntop root causes — {pkg}:")
        for key, n in counter.most_common(top):
            out.append(f"  {n:>4}  {example[(pkg, key)]}")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    ap.add_argument("--packages", default=",".join(zoo.PACKAGES), help="comma-separated corpus folders")
    ap.add_argument("--sample", type=int, help="N models per package, drawn with a fixed seed")
    ap.add_argument("--models", help="comma-separated model names (with one package)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=900, help="seconds per step of one model")
    ap.add_argument("--work", help="work folder (default: a temporary one)")
    ap.add_argument("--json", help="write every model's result here")
    ap.add_argument("--converted", metavar="DIR",
                    help="use this already converted tree (e.g. hand-patched to look past a failure) instead of "
                         "converting the packages")
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--isolated", action="store_true",
                    help="fresh processes for every step of every model and the `msdev weights convert` CLI "
                         "(the slow path the workers replace; for comparison)")
    ap.add_argument("--budget", type=float, metavar="SECONDS",
                    help="start no model after this many seconds, shared between the packages in proportion to "
                         "their models (each package in a seeded random order); the table counts the models that "
                         "ran and says how many did not")
    ap.add_argument("--keep", action="store_true", help="keep each model's checkpoints and arrays in --work")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    if not (corpus / "MANIFEST.tsv").exists():
        print(f"not a corpus folder (no MANIFEST.tsv): {corpus}", file=sys.stderr)
        return 2
    pkgs = [p.strip() for p in args.packages.split(",") if p.strip()]
    unknown = [p for p in pkgs if p not in zoo.PACKAGES]
    if unknown:
        print(f"unknown package(s) {unknown}; known: {', '.join(zoo.PACKAGES)}", file=sys.stderr)
        return 2
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="msdev-models-"))
    outroot = Path(args.converted).resolve() if args.converted else work / "converted"
    outroot.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "-C", str(zoo.REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"msdev commit {commit}; corpus {corpus}; work {work}; jobs {args.jobs}", flush=True)
    t0 = time.perf_counter()

    convs: dict = {}
    needed = list(dict.fromkeys(m for p in pkgs for m in zoo.PACKAGES[p].needs))
    for pkg in list(dict.fromkeys([zoo.BY_MODULE[m].name for m in needed] + pkgs)):
        if args.converted:
            convs[pkg] = {"ok": True, "note": f"given: {outroot}"}
            continue
        convs[pkg] = zoo.convert_package(pkg, corpus, outroot)
        print(f"converted {pkg}: {convs[pkg]}", flush=True)
    convs = {p: convs[p] for p in pkgs}
    imports = {pkg: zoo.check_import(pkg, outroot) for pkg in pkgs}
    for pkg, res in imports.items():
        print(f"import {pkg} (torch blocked): {'ok' if res['ok'] else res['error']}", flush=True)

    jobs: list[tuple[str, str]] = []
    for pkg in pkgs:
        models = args.models.split(",") if args.models else sample(list_models(pkg, corpus), args.sample)
        if args.budget:  # a run cut short by the budget is then a random sample of the package
            models = random.Random(0).sample(models, len(models))
        jobs += [(pkg, m) for m in models]
    print(f"{len(jobs)} models", flush=True)

    rows: list[dict] = []

    local = threading.local()
    runners: list = []

    budget = Budget(args.budget, collections.Counter(pkg for pkg, _ in jobs)) if args.budget else None

    def one(job):
        pkg, name = job
        if budget and not budget.may_start(pkg):
            return {"package": pkg, "model": name, "status": "not-run", "cause": None}
        if not imports[pkg]["ok"]:  # nothing of the package can be built: not worth a PyTorch reference each
            return {"package": pkg, "model": name, "status": "import", "cause": "import: " + imports[pkg]["error"]}
        mwork = work / "models" / pkg / name
        if args.isolated:
            res = zoo.run_model(pkg, name, corpus, outroot, mwork, args.timeout)
            if not args.keep:
                for f in ("model.pth", "model.ckpt", "inputs.npz", "outputs.npz"):
                    (mwork / f).unlink(missing_ok=True)
        else:
            if not hasattr(local, "runner"):
                local.runner = zoo.Runner(corpus, outroot, work / "logs" / f"job{len(runners)}", keep=args.keep)
                runners.append(local.runner)
            res = local.runner.run(pkg, name, mwork, args.timeout)
        times = " ".join(f"{k.removesuffix('_s')} {v}" for k, v in res.get("times", {}).items())
        print(f"  {pkg:<14} {name:<40} {res['status']:<10} {res.get('seconds', 0):>6.1f}s "
              f"{f'({times}) ' if times else ''}{(res.get('cause') or '')[:150]}", flush=True)
        return res

    t1 = time.perf_counter()
    try:
        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            rows = list(pool.map(one, jobs))
    finally:
        for r in runners:
            r.close()
    ran = sum(1 for r in rows if r["status"] != "not-run")
    per_model = (time.perf_counter() - t1) * max(1, args.jobs) / max(ran, 1)
    print(f"\n{'isolated processes per model' if args.isolated else 'long-lived workers'}: "
          f"{per_model:.1f} s of wall time per model and job", flush=True)
    print(phase_means(rows), flush=True)
    print(f"\nmodels bench, commit {commit}, {len(jobs)} models in {time.perf_counter() - t0:.0f} s"
          f"{f' (sample of {args.sample} per package)' if args.sample else ''}\n")
    print(table(rows, convs, imports))
    for pkg in pkgs:
        left = sum(1 for r in rows if r["package"] == pkg and r["status"] == "not-run")
        if left:
            total = sum(1 for r in rows if r["package"] == pkg)
            print(f"{pkg}: {total - left} of {total} models ran within its share ({budget.share[pkg][1]:.0f} s) "
                  f"of the --budget of {args.budget:.0f} s (a seeded random order); {left} did not run and are "
                  f"not counted above")
    for pkg, res in imports.items():
        if not res["ok"]:
            print(f"import {pkg}: {res['error'][:300]}")
    print(causes(rows, args.top))
    if args.json:
        Path(args.json).write_text(json.dumps({"commit": commit, "convert": convs, "imports": imports,
                                               "models": rows}, indent=1))
    missed = []
    for pkg in pkgs:
        tested = [r for r in rows if r["package"] == pkg and r["status"] not in ("skipped", "reference", "not-run")]
        if not tested:
            missed.append(f"{pkg} not measured (no model tested)")
            continue
        share = sum(r["status"] == "match" for r in tested) / len(tested)
        if share < TARGETS.get(pkg, 1.0):
            missed.append(f"{pkg} {100 * share:.0f} % < {100 * TARGETS.get(pkg, 1.0):.0f} %")
    print("\ntargets: " + ("met" if not missed else "missed: " + "; ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
