"""Snippet benchmark (issue 17): API-level PyTorch snippets written by other people, converted with
`msdev convert`, run on MindSpore with torch blocked, and compared with PyTorch's values.

    python benchmarks/snippets_bench.py CASES_DIR [--work DIR] [--report R.json] [--only SUBSTR]
                                        [--timeout 60] [--show N]

CASES_DIR holds YAML files, one per API, each a list of snippets (kept outside the repository: the
point is code nobody here wrote):

    api: torch.nn.functional.layer_norm
    cases:
    - name: test_case_1
      compare: [result]          # the variables compared after the snippet ran ([]: none, it only runs)
      check_value: false         # optional: random output, compare structure, shape and dtype only
      code: |
        import torch
        result = ...

The contract is the one held-out snippets are measured with: each snippet runs in a fresh namespace
with seeds reset, PyTorch first (a snippet PyTorch itself rejects is left out and counted apart);
every snippet is written to a file and the folder converted with one `msdev convert`; each converted
file runs in a MindSpore worker whose `sys.meta_path` refuses torch. A snippet passes when every
compared variable has PyTorch's structure, shape, dtype kind and values (allclose rtol 1e-4,
atol 1e-5; integers and bools exactly). A converted file that still carries an `[UnConvert]` marker
fails without running: the marked call is on the executed path. A crash, hang or exception fails that
snippet only: the worker restarts after it.

Printed: the pass rate (per API family and in all), failures by kind, the APIs most often left
unconverted, the most frequent exceptions, and the first N failures with their reasons.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

UNCONVERT = "[UnConvert]"
_MARKER_API = re.compile(r"\[UnConvert\][^\n]*?\b((?:torch|F|nn)\.[\w.]+|Tensor\.\w+)")


# --------------------------------------------------------------------------- cases

def load_cases(folder: Path, only: str | None) -> list[dict]:
    """Every snippet of every YAML file in FOLDER, with a file-safe id."""
    cases = []
    for path in sorted(folder.glob("*.y*ml")):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            print(f"skipped {path.name}: not valid YAML ({str(exc).splitlines()[0]})", file=sys.stderr)
            continue
        for i, case in enumerate(doc.get("cases") or []):
            if not isinstance(case, dict) or not case.get("code"):
                continue
            name = re.sub(r"\W", "_", str(case.get("name") or f"case_{i}"))
            cid = f"{path.stem}__{name}"
            if only and only not in cid:
                continue
            compare = case.get("compare")
            if compare is None:  # an explicit [] compares nothing: the snippet only has to run
                compare = ["result"]
            cases.append({"id": cid, "api": str(doc.get("api") or path.stem), "code": case["code"],
                          "compare": [compare] if isinstance(compare, str) else list(compare),
                          "check_value": case.get("check_value", True) is not False,
                          "unsupport": bool(case.get("unsupport"))})
    return cases


def family(api: str) -> str:
    """The family a held-out report lists the API under."""
    parts = api.split(".")
    if api.startswith("torch.Tensor."):
        return "Tensor methods"
    if api.startswith("torch.nn.functional."):
        return "nn.functional"
    if api.startswith(("torch.nn.init.", "torch.nn.utils.")):
        return "nn.init/utils"
    if api.startswith("torch.nn."):
        return "nn layers"
    if api.startswith("torch.optim."):
        return "optim and schedulers"
    if api.startswith("torch.distributions."):
        return "distributions"
    if api.startswith("torch.autograd."):
        return "autograd"
    if len(parts) > 2 and parts[1] in ("linalg", "fft", "special", "signal", "sparse"):
        return f"torch.{parts[1]}"
    return "torch functions"


# --------------------------------------------------------------------------- one framework's worker

def run_worker(framework: str, work: Path, folder: str, ids: list[str], results: Path, timeout: int) -> None:
    """Run each snippet file of FOLDER in a fresh namespace and append one pickled record per
    snippet to RESULTS: ("start", id) before it, then (id, outcome)."""
    import random

    import numpy as np

    if framework == "mindspore":
        import zoo
        zoo.block_torch()
        import mindspore as fw
        from msdev.dbverify.worker import plain

        def reset():
            fw.set_seed(0)

        def freeze(v):
            return plain(v, ms=fw)
    else:
        import torch as fw
        from msdev.dbverify.worker import plain

        def reset():
            fw.manual_seed(0)

        def freeze(v):
            return plain(v, torch=fw)

    def on_alarm(signum, frame):
        raise TimeoutError(f"took more than {timeout} s")

    signal.signal(signal.SIGALRM, on_alarm)
    compare = json.loads((work / "compare.json").read_text())
    with results.open("ab") as out:
        for cid in ids:
            pickle.dump(("start", cid), out)
            out.flush()
            path = work / folder / f"{cid}.py"
            random.seed(0)
            np.random.seed(0)
            reset()
            ns = {"__name__": "__main__", "__file__": str(path)}
            sink = io.StringIO()
            signal.alarm(timeout)
            try:
                code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
                with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                    exec(code, ns)
                signal.alarm(0)
                values = {}
                for name in compare[cid]:
                    values[name] = freeze(ns[name]) if name in ns else ("<missing>",)
                outcome = {"ok": True, "values": values}
            except BaseException as exc:  # noqa: BLE001 - a snippet's failure is its own
                signal.alarm(0)
                if isinstance(exc, KeyboardInterrupt):
                    raise
                outcome = {"ok": False, "error": f"{type(exc).__name__}: {str(exc).strip()}"[:600]}
            try:
                pickle.dump((cid, outcome), out)
            except Exception as exc:  # noqa: BLE001 - a value that will not pickle
                pickle.dump((cid, {"ok": False, "error": f"unpicklable result: {exc}"}), out)
            out.flush()
            if not outcome["ok"]:
                return  # a failed kernel can leave an error for the next snippet's first op: start afresh


def run_side(framework: str, work: Path, folder: str, ids: list[str], timeout: int) -> dict[str, dict]:
    """Drive workers until every snippet has an outcome; a crash or hang is charged to the snippet
    that was running, and a fresh worker takes the rest."""
    results: dict[str, dict] = {}
    pending = list(ids)
    env = dict(os.environ)
    env.setdefault("GLOG_v", "3")
    try:
        from msdev.cpu_kernels import cap_onednn_isa
        cap_onednn_isa(env)
    except ImportError:
        pass
    while pending:
        with tempfile.NamedTemporaryFile(dir=work, suffix=".ids", delete=False, mode="w") as fh:
            json.dump(pending, fh)
        res = work / f"{framework}.{len(results)}.pkl"
        res.unlink(missing_ok=True)
        cmd = [sys.executable, __file__, "--worker", framework, str(work), folder, fh.name, str(res),
               str(timeout)]
        # in the work folder: files a snippet writes (torch.save('tensor.pt')) stay out of the caller's
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=work)
        current, last_change, seen = None, time.monotonic(), 0
        while True:
            try:
                proc.wait(timeout=2)
                finished = True
            except subprocess.TimeoutExpired:
                finished = False
            records = _read_records(res)
            if len(records) != seen:
                seen, last_change = len(records), time.monotonic()
            if not finished and time.monotonic() - last_change > timeout + 30:
                proc.kill()
                proc.wait()
                finished = True
            if finished:
                break
        err = (proc.stderr.read() or b"").decode(errors="replace").strip().splitlines()
        current = None
        for rec in records:
            if rec[0] == "start":
                current = rec[1]
            else:
                results[rec[0]] = rec[1]
                current = None
        if current is not None:
            tail = err[-1] if err else f"exit status {proc.returncode}"
            results[current] = {"ok": False, "error": f"worker died or hung: {tail}"[:600]}
        elif not records or len(results) == 0 and proc.returncode:
            raise SystemExit(f"{framework} worker failed to start: {' | '.join(err[-5:])}")
        pending = [i for i in pending if i not in results]
        os.unlink(fh.name)
    return results


def _read_records(path: Path) -> list[tuple]:
    records = []
    if not path.exists():
        return records
    with path.open("rb") as fh:
        while True:
            try:
                records.append(pickle.load(fh))
            except (EOFError, pickle.UnpicklingError, AttributeError, ValueError):
                break
    return records


# --------------------------------------------------------------------------- judging

def judge(case: dict, pt: dict, ms: dict | None, converted: str) -> tuple[str, str]:
    """(kind, detail): kind is pass, unconverted, exception, missing, or a compare reason."""
    from msdev.dbverify.compare import compare

    if UNCONVERT in converted:
        apis = sorted(set(_MARKER_API.findall(converted))) or ["?"]
        marked = [ln.strip() for ln in converted.splitlines() if UNCONVERT in ln]
        # the import fallback's note names the marker too: quote a marker line, else that note
        lines = [ln for ln in marked if "needed only by" not in ln] or marked
        return "unconverted", f"{', '.join(apis)}: {lines[0][:200]}"
    if ms is None or not ms["ok"]:
        return "exception", (ms or {}).get("error", "not run")
    mode = "values" if case["check_value"] else "shape"
    for name in case["compare"]:
        a, b = pt["values"].get(name), ms["values"].get(name)
        if isinstance(b, tuple):  # the worker's marker: `plain` never returns a tuple
            return "missing", f"{name} is not defined after the converted snippet ran"
        bad = compare(a, b, mode=mode, where=name)
        if bad:
            return bad
    return "pass", ""


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        framework, work, folder, ids_file, results, timeout = sys.argv[2:8]
        run_worker(framework, Path(work), folder, json.loads(Path(ids_file).read_text()), Path(results),
                   int(timeout))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", type=Path, help="folder of YAML snippet files")
    ap.add_argument("--work", type=Path, help="work folder (kept; default: a temporary one)")
    ap.add_argument("--report", type=Path, help="write every snippet's outcome as JSON")
    ap.add_argument("--only", help="run the snippets whose id contains this text")
    ap.add_argument("--timeout", type=int, default=60, help="seconds per snippet (default 60)")
    ap.add_argument("--show", type=int, default=60, help="failures listed (default 60; 0: all)")
    args = ap.parse_args()
    if not args.cases.is_dir():
        print(f"error: {args.cases} is not a folder", file=sys.stderr)
        return 2
    cases = load_cases(args.cases, args.only)
    if not cases:
        print(f"error: no snippets in {args.cases}", file=sys.stderr)
        return 2
    work = (args.work or Path(tempfile.mkdtemp(prefix="msdev-snippets-"))).resolve()
    for sub in ("src", "out"):
        shutil.rmtree(work / sub, ignore_errors=True)
        (work / sub).mkdir(parents=True)
    for stale in work.glob("*.pkl"):
        stale.unlink()
    for c in cases:
        (work / "src" / f"{c['id']}.py").write_text(c["code"], encoding="utf-8")
    (work / "compare.json").write_text(json.dumps({c["id"]: c["compare"] for c in cases}))

    t0 = time.monotonic()
    pt = run_side("torch", work, "src", [c["id"] for c in cases], args.timeout)
    t1 = time.monotonic()
    conv = subprocess.run([sys.executable, "-m", "msdev.cli.main", "convert", str(work / "src"), "-o",
                           str(work / "out"), "--force", "--overwrite-edited", "--jobs", "1"],
                          capture_output=True, text=True)
    t2 = time.monotonic()
    if not any((work / "out").glob("*.py")):
        print(f"error: msdev convert wrote nothing (exit {conv.returncode}): {conv.stderr[-800:]}",
              file=sys.stderr)
        return 1
    valid = [c for c in cases if pt.get(c["id"], {}).get("ok")]
    converted = {c["id"]: (work / "out" / f"{c['id']}.py").read_text(encoding="utf-8")
                 if (work / "out" / f"{c['id']}.py").exists() else UNCONVERT + " (file not written)"
                 for c in valid}
    to_run = [c["id"] for c in valid if UNCONVERT not in converted[c["id"]]]
    ms = run_side("mindspore", work, "out", to_run, args.timeout) if to_run else {}
    t3 = time.monotonic()

    outcomes = []
    for c in valid:
        kind, detail = judge(c, pt[c["id"]], ms.get(c["id"]), converted[c["id"]])
        outcomes.append({"id": c["id"], "api": c["api"], "family": family(c["api"]), "kind": kind,
                         "detail": detail, "unsupport": c["unsupport"]})
    _print_summary(cases, pt, outcomes, args.show, (t1 - t0, t2 - t1, t3 - t2), work)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(outcomes, indent=1))
    return 0


def _print_summary(cases, pt, outcomes, show, times, work) -> None:
    rejected = [c["id"] for c in cases if not pt.get(c["id"], {}).get("ok")]
    passed = sum(o["kind"] == "pass" for o in outcomes)
    n = len(outcomes)
    apis = collections.defaultdict(list)
    for o in outcomes:
        apis[o["api"]].append(o["kind"] == "pass")
    print(f"snippets: {len(cases)} in {len({c['api'] for c in cases})} APIs; PyTorch rejected {len(rejected)} "
          f"(left out); times: torch {times[0]:.0f} s, convert {times[1]:.0f} s, mindspore {times[2]:.0f} s")
    print(f"work folder: {work}")
    print("\nby family:")
    fams = collections.defaultdict(list)
    for o in outcomes:
        fams[o["family"]].append(o["kind"] == "pass")
    for fam, oks in sorted(fams.items()):
        print(f"  {fam:22s} {sum(oks):5d}/{len(oks):<5d} {100 * sum(oks) / len(oks):5.1f} %")
    print(f"\nPASS {passed}/{n} = {100 * passed / max(n, 1):.1f} % of snippets; APIs with every snippet passing: "
          f"{sum(all(v) for v in apis.values())}/{len(apis)}")
    kinds = collections.Counter(o["kind"] for o in outcomes if o["kind"] != "pass")
    print("failures by kind: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
    marks = collections.Counter()
    for o in outcomes:
        if o["kind"] == "unconverted":
            marks.update(o["detail"].split(":")[0].split(", "))
    if marks:
        print("left unconverted: " + ", ".join(f"{k} ×{v}" for k, v in marks.most_common(15)))
    errs = collections.Counter(re.sub(r"\d+", "N", o["detail"].split("\n")[0])[:90]
                               for o in outcomes if o["kind"] == "exception")
    if errs:
        print("most frequent exceptions:")
        for e, k in errs.most_common(10):
            print(f"  {k:4d}  {e}")
    fails = [o for o in outcomes if o["kind"] != "pass"]
    if fails:
        print(f"\nfailures ({len(fails)}{'' if not show or show >= len(fails) else f', first {show}'}):")
        for o in fails[: show or None]:
            print(f"  {o['id']}: {o['kind']}: {o['detail'][:220]}")
    if rejected:
        print(f"\nPyTorch rejected: {', '.join(rejected[:20])}{' ...' if len(rejected) > 20 else ''}")


if __name__ == "__main__":
    sys.exit(main())
