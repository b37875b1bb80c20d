"""Where the time of `msdev scan` and `msdev convert` goes, phase by phase, as multiples of
bare `ast.parse` of the same files measured in the same process.

    python benchmarks/phase_profile.py [CORPUS] [--convert] [--rounds N] [--cprofile N]

Each phase's function is wrapped with a timer (in this process only; nothing is changed on
disk) and the corpus is analysed the way the command does it: for scan, every file through
`scanning.runner` on one process (read, decode, parse, finder passes, statement rules,
verdicts, payload); for convert, `convert_tree.convert_paths` on one process into a
temporary folder (project table, statement rules, rewrite, the check that the output parses,
writing). Phases nest: an indented line is part of the line above it. Times are CPU seconds of
this process (`time.process_time`), so other work on the machine moves them little; rounds
alternate the baseline and the run, and the round with the lowest ratio is printed.
`--cprofile N` adds the N functions with the most own time (cProfile inflates Python code
against C, so its shares are a guide to what to read, not a measure).

It is a developer's tool: it exits 0 whatever the figures (the targets are checked by
scan_bench.py and convert_bench.py).
"""

from __future__ import annotations

import argparse
import ast
import collections
import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_CORPUS = "/work/cache/corpus"
#: CPU seconds of this process: other work on the machine does not count (as in engine_bench.py)
CLOCK = time.process_time


class Timers:
    """Seconds and calls per phase name; `wrap` replaces a module attribute by a timed one."""

    def __init__(self):
        self.seconds: collections.Counter = collections.Counter()
        self.calls: collections.Counter = collections.Counter()
        self.order: list[str] = []

    def wrap(self, owner, attr: str, name: str) -> None:
        original = getattr(owner, attr)
        seconds, calls = self.seconds, self.calls
        if name not in self.order:
            self.order.append(name)

        def timed(*args, **kwargs):
            started = CLOCK()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[name] += CLOCK() - started
                calls[name] += 1

        setattr(owner, attr, timed)

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()


def parse_time(sources: list[bytes]) -> float:
    started = CLOCK()
    for data in sources:
        try:
            ast.parse(data)
        except SyntaxError:
            pass
    return CLOCK() - started


def instrument(timers: Timers, convert: bool) -> dict:
    """Wrap the phases; returns a dict the finder's pass counter fills (passes per file)."""
    from msdev import convert_tree
    from msdev.analysis import context, engine, finder, patterns
    from msdev.rewrite import convert as rewrite_convert
    from msdev.rules import suppression

    passes = {"files": 0, "passes": 0, "repeated": 0, "current": 0}
    run = finder.Finder.run
    indent = "  " if convert else ""

    def counted_run(self, tree):
        name = indent + ("finder: first pass" if passes["current"] == 0 else "finder: repeated passes")
        if name not in timers.order:
            timers.order.append(name)
        passes["current"] += 1
        passes["passes"] += 1
        started = CLOCK()
        try:
            return run(self, tree)
        finally:
            timers.seconds[name] += CLOCK() - started
            timers.calls[name] += 1

    infer = finder.infer_and_find

    def counted_infer(*args, **kwargs):
        passes["current"] = 0
        passes["files"] += 1
        try:
            return infer(*args, **kwargs)
        finally:
            passes["repeated"] += passes["current"] > 1

    finder.Finder.run = counted_run
    finder.infer_and_find = counted_infer
    if convert:
        timers.wrap(convert_tree, "project_table", "project table (read, decode, parse, finder rounds)")
        timers.wrap(convert_tree, "parse_source", "  parse")
        timers.order += ["  finder: first pass", "  finder: repeated passes"]
        timers.wrap(convert_tree, "convert_one", "convert_one (per file)")
        timers.wrap(convert_tree, "analyse_tree", "  statement rules (analyse_tree; a file not prepared: finder too)")
        timers.wrap(context, "index_tree", "    node index and parent map (first user pays)")
        timers.wrap(convert_tree, "convert_text", "  convert_text")
        timers.wrap(rewrite_convert, "file_rewriter", "    rewriter set-up (file_rewriter)")
        timers.wrap(rewrite_convert, "rewrite_findings", "    rewrite of every finding (rewrite_findings)")
        timers.wrap(convert_tree, "syntax_error", "  check that the output parses (symtable)")
        timers.wrap(convert_tree, "write_atomic", "  writing (write_atomic)")
    else:
        timers.order.append("(all of the analysis)")
        timers.wrap(engine, "decode_source", "decode")
        timers.wrap(engine, "parse_source", "parse")
        timers.order += ["finder: first pass", "finder: repeated passes"]
        timers.wrap(patterns, "apply_patterns", "statement rules (apply_patterns)")
        timers.wrap(context, "index_tree", "  node index and parent map (first user pays)")
        timers.wrap(suppression, "unsuppressed", "ignore comments")
        timers.wrap(rewrite_convert, "file_rewriter", "verdicts: rewriter set-up (file_rewriter)")
        timers.wrap(rewrite_convert, "rewrite_findings", "verdicts: rewrite of every finding")
        timers.order.append("payload (encode)")
    return passes


def scan_once(files: list[tuple[str, bytes]], db, timers: Timers) -> float:
    """What a scan worker does per file (scanning.runner): decode, analyse with verdicts, encode."""
    from msdev.analysis import engine
    from msdev.gcpause import gc_paused
    from msdev.scanning.runner import encode

    started = CLOCK()
    with gc_paused():
        for display, data in files:
            t = CLOCK()
            try:
                result = engine.analyze_text(engine.decode_source(data), db, "portable", display)
            except engine.SourceError:
                continue
            middle = CLOCK()
            encode(result)
            timers.seconds["payload (encode)"] += CLOCK() - middle
            timers.seconds["(all of the analysis)"] += middle - t
    return CLOCK() - started


def convert_once(corpus: Path, db, work: Path) -> float:
    from msdev.convert_tree import convert_paths

    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    started = CLOCK()
    convert_paths(corpus, out, db, jobs=1)
    return CLOCK() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    ap.add_argument("--convert", action="store_true", help="profile `msdev convert` instead of `msdev scan`")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--cprofile", type=int, default=0, metavar="N", help="also list the N top functions by own time")
    ns = ap.parse_args()
    corpus = Path(ns.corpus).resolve()
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 2
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    from msdev.db.loader import load_database
    from msdev.scanning.walk import discover

    db = load_database()
    if ns.convert:
        paths = sorted(str(p) for p in corpus.rglob("*.py"))
    else:
        paths = [f.path for f in discover([str(corpus)]).files]
    blobs = []
    for p in paths:
        with open(p, "rb") as fh:
            blobs.append(fh.read())
    files = list(zip(paths, blobs))
    timers = Timers()
    passes = instrument(timers, ns.convert)
    best = None
    with tempfile.TemporaryDirectory(prefix="msdev-phases-") as tmp:
        for _ in range(max(1, ns.rounds)):
            timers.reset()
            passes.update(files=0, passes=0, repeated=0)
            base = parse_time(blobs)
            total = convert_once(corpus, db, Path(tmp)) if ns.convert else scan_once(files, db, timers)
            base = min(base, parse_time(blobs))
            if best is None or total / base < best[0]:
                best = (total / base, base, total, dict(timers.seconds), dict(timers.calls), dict(passes))
        ratio, base, total, seconds, calls, counted = best
        what = "msdev convert (in process, 1 worker)" if ns.convert else "msdev scan analysis (in process, 1 worker)"
        print(f"{corpus}: {len(files)} files; load average {os.getloadavg()[0]:.2f}")
        print(f"ast.parse, bare: {base:.3f} s;  {what}: {total:.3f} s = {ratio:.2f}x ast.parse")
        for name in timers.order + [n for n in seconds if n not in timers.order]:
            if name in seconds:
                n = calls.get(name)
                print(f"  {name:<62} {seconds[name]:7.3f} s {seconds[name] / base:5.2f}x"
                      + (f"  ({n} calls)" if n else ""))
        if counted["files"]:
            print(f"  finder: {counted['passes'] / counted['files']:.2f} passes per analysis; "
                  f"{counted['repeated']} of {counted['files']} analyses needed more than one")
        if ns.cprofile:
            profiler = cProfile.Profile()
            profiler.enable()
            if ns.convert:
                convert_once(corpus, db, Path(tmp))
            else:
                scan_once(files, db, Timers())
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(ns.cprofile)
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
