"""Time `msdev db verify` over the whole database, with 1 and N workers, against a bare import.

    python benchmarks/verify_bench.py [--jobs N] [--budget-min 90]

Baseline, measured in the same run: a process that only imports torch and mindspore (what each
worker pays once before its first example). Prints the whole run's time, examples per second,
the speed-up from parallel workers and the run's share of CI's budget; exits 1 when the run
would not fit in it. Needs the verify extra.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str]) -> float:
    env = dict(os.environ, GLOG_v="3")
    start = time.perf_counter()
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def verify_run(jobs: int, report: Path) -> tuple[float, dict]:
    seconds = timed([sys.executable, "-m", "msdev", "db", "verify", "--jobs", str(jobs), "--report", str(report)])
    return seconds, json.loads(report.read_text())["summary"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2, help="parallel workers for the second run (default 2)")
    ap.add_argument("--budget-min", type=float, default=90.0, help="CI's time budget in minutes")
    args = ap.parse_args()

    imports = timed([sys.executable, "-c", "import torch, mindspore"])
    with tempfile.TemporaryDirectory() as tmp:
        one, summary = verify_run(1, Path(tmp) / "one.json")
        many, _ = verify_run(args.jobs, Path(tmp) / "many.json")
    ran = summary["pass"] + sum(summary["fail"].values())
    print(f"examples run: {ran} of {summary['examples']} ({summary['not_run']} entries not run)")
    v = summary.get("variants")
    if v:
        print(f"call variants run: {v['run']} ({v['per_entry_with_target']} per entry with a target), "
              f"pass {v['pass_share']:.1%}")
    print(f"baseline: import torch + mindspore in a fresh process: {imports:.1f} s")
    print(f"1 worker:   {one:6.1f} s  {ran / one:5.1f} examples/s  = {one / imports:.1f}x the baseline")
    print(f"{args.jobs} workers:  {many:6.1f} s  {ran / many:5.1f} examples/s  = {many / imports:.1f}x the baseline, "
          f"{one / many:.2f}x faster than 1 worker")
    share = many / (args.budget_min * 60)
    print(f"share of CI's {args.budget_min:.0f}-minute budget: {share:.1%}")
    return 0 if share < 1 else 1


if __name__ == "__main__":
    sys.exit(main())
