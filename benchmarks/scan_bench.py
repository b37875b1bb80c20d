"""Benchmark `msdev scan` against bare `ast.parse` on the same files.

    python benchmarks/scan_bench.py [CORPUS] [--repeat N] [--timm SUBDIR]

Prints, in one run:
* the bare `ast.parse` time of every file the scan covers (bytes already in memory);
* `msdev scan` wall time as a user sees it (a fresh `msdev` process: interpreter start,
  imports, database load, walk, analysis, text report to /dev/null): cold on 1 process,
  cold on 2 processes (empty scan cache each time), warm (cache filled); each as a ratio to
  the `ast.parse` time measured in the same round (rounds interleave all runs, so a busy
  machine inflates both sides alike); medians over the rounds;
* peak RSS: the largest single process, and the whole process tree sampled every 20 ms;
* the speed-up over PaConvert's measured times on this machine (120.5 s for the corpus,
  81.6 s for timm alone), with msdev cold on 1 process on the same files.

Targets (issue 4): cold 1 process <= 2.5x, 2 processes <= 1.5x, warm <= 0.2x, RSS <= 300 MB,
>= 40x faster than PaConvert. The script exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_CORPUS = "/work/cache/corpus"
PACONVERT_CORPUS_S = 120.5
PACONVERT_TIMM_S = 81.6
TARGETS = {"cold1": 2.5, "cold2": 1.5, "warm": 0.2}
RSS_TARGET_MB = 300
SPEEDUP_TARGET = 40


def _msdev() -> list[str]:
    exe = Path(sys.executable).with_name("msdev")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "msdev"]


def _children(pid: int) -> list[int]:
    found = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                found.extend(int(c) for c in fh.read().split())
    except OSError:
        pass
    return found


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, ValueError, IndexError):
        return 0


def _tree_rss_kb(root_pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc; 0 elsewhere)."""
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += _rss_kb(pid)
        stack.extend(_children(pid))
    return total


def run_msdev(args: list[str]) -> tuple[float, int, int, float]:
    """(wall s, peak RSS of the msdev process or its largest worker in KB, peak tree RSS in KB, CPU s)."""
    started = time.perf_counter()
    proc = subprocess.Popen(_msdev() + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_tree = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak_tree = max(peak_tree, _tree_rss_kb(proc.pid))
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"msdev failed ({proc.returncode}):\n{err}")
    # ru_maxrss of a reaped child covers it and, once they are reaped, its own children (KB on Linux)
    return elapsed, usage.ru_maxrss, max(peak_tree, usage.ru_maxrss), usage.ru_utime + usage.ru_stime


def parse_time(files: list[str], repeat: int) -> float:
    blobs = []
    for f in files:
        with open(f, "rb") as fh:
            blobs.append(fh.read())
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for data in blobs:
            ast.parse(data)
        best = min(best, time.perf_counter() - t)
    return best


def scan_files(corpus: str) -> list[str]:
    from msdev.scanning.walk import discover

    return [f.path for f in discover([corpus]).files]


def one_run(corpus: str, jobs: int, warm: bool) -> tuple[float, int, int, float]:
    """One `msdev scan` of `corpus` with an empty (cold) or filled (warm) scan cache."""
    cache = tempfile.mkdtemp(prefix="msdev-bench-cache-")
    try:
        args = ["scan", corpus, "--jobs", str(jobs), "--cache-dir", cache, "-q"]
        if warm:
            run_msdev(args)  # fill the cache
        return run_msdev(args)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


LABELS = {"cold1": "msdev scan cold, 1 process", "cold2": "msdev scan cold, 2 processes",
          "warm": "msdev scan warm (cache)"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    ap.add_argument("--repeat", type=int, default=5, help="rounds (medians are reported)")
    ap.add_argument("--timm", default="timm", help="sub-folder compared with PaConvert's timm time")
    ns = ap.parse_args()
    corpus = os.path.abspath(ns.corpus)
    if not os.path.isdir(corpus):
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 2

    files = scan_files(corpus)
    lines = 0
    for f in files:
        with open(f, "rb") as fh:
            lines += fh.read().count(b"\n")
    print(f"corpus: {corpus}: {len(files)} files, {lines:,} lines; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f} (other work on the machine inflates every number)")
    run_msdev(["scan", files[0], "--no-cache", "-q"])  # warm the database pickle and the page cache
    timm = os.path.join(corpus, ns.timm)
    has_timm = os.path.isdir(timm)

    # Rounds interleave the baseline and every configuration, so each ratio compares runs made
    # under the same machine load; the medians of the per-round ratios are reported.
    base_times: list[float] = []
    ratios: dict[str, list[float]] = {k: [] for k in LABELS}
    times: dict[str, list[float]] = {k: [] for k in LABELS}
    cpus: dict[str, list[float]] = {k: [] for k in LABELS}
    peak_single = peak_tree = 0
    timm_times: list[float] = []
    timm_times2: list[float] = []
    for _ in range(ns.repeat):
        base = parse_time(files, 1)
        base_times.append(base)
        for name, jobs, warm in (("cold1", 1, False), ("cold2", 2, False), ("warm", 1, True)):
            t, single, tree, cpu = one_run(corpus, jobs, warm)
            times[name].append(t)
            cpus[name].append(cpu)
            ratios[name].append(t / base)
            peak_single, peak_tree = max(peak_single, single), max(peak_tree, tree)
        if has_timm:
            timm_times.append(one_run(timm, 1, False)[0])
            timm_times2.append(one_run(timm, 2, False)[0])

    med = statistics.median
    print(f"ast.parse (bare, median of {ns.repeat}):      {med(base_times):7.3f} s")
    missed = []
    for name, label in LABELS.items():
        ratio = med(ratios[name])
        ok = ratio <= TARGETS[name]
        if not ok:
            missed.append(name)
        print(f"{label:34s} {med(times[name]):7.3f} s = {ratio:5.2f}x ast.parse  "
              f"(target <= {TARGETS[name]}x: {'ok' if ok else 'MISSED'}; CPU {med(cpus[name]):.2f} s)")
    rss_ok = peak_tree / 1024 <= RSS_TARGET_MB
    print(f"peak RSS: {peak_single / 1024:.0f} MB largest process, {peak_tree / 1024:.0f} MB whole process tree "
          f"(target <= {RSS_TARGET_MB} MB: {'ok' if rss_ok else 'MISSED'})")
    if not rss_ok:
        missed.append("rss")

    comparisons = [("whole corpus", PACONVERT_CORPUS_S, med(times["cold1"]), med(times["cold2"]))]
    if has_timm:
        comparisons.append(("timm", PACONVERT_TIMM_S, med(timm_times), med(timm_times2)))
    for what, theirs, ours1, ours2 in comparisons:
        speedup = theirs / ours1
        extra = f"; default --jobs (2 processes): {theirs / ours2:.0f}x" if ours2 else ""
        print(f"vs PaConvert, {what}: {theirs} s / {ours1:.2f} s (1 process) = {speedup:.0f}x faster "
              f"(target >= {SPEEDUP_TARGET}x: {'ok' if speedup >= SPEEDUP_TARGET else 'MISSED'}){extra}")
        if speedup < SPEEDUP_TARGET:
            missed.append(f"paconvert-{what}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
