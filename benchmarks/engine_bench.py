"""Engine CPU time against bare `ast.parse`, in one process (no start-up, database load or report).

    python benchmarks/engine_bench.py [CORPUS] [--rounds N]

The user-facing benchmarks (scan_bench, convert_bench) time fresh processes by the wall clock,
which a busy machine inflates; this one counts CPU seconds (`time.process_time`) of the engine
alone, interleaving rounds, so the ratios stay comparable when other work shares the cores:
* scan analysis: parse, finder, statement rules and each finding's verdict (`analyze_text`);
* convert: the same plus the whole-file rewrite (`convert_text`).
Medians of the per-round ratios are printed.
"""

from __future__ import annotations

import argparse
import ast
import gc
import statistics
import sys
import time

DEFAULT_CORPUS = "/work/cache/corpus"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    ap.add_argument("--rounds", type=int, default=3)
    ns = ap.parse_args()
    sys.setrecursionlimit(10000)
    from msdev.analysis.engine import SourceError, analyze_text, read_source
    from msdev.db.loader import load_database
    from msdev.rewrite.convert import convert_text
    from msdev.scanning.walk import discover

    texts = []
    for f in discover([ns.corpus]).files:
        try:
            texts.append(read_source(f.path))
        except SourceError:
            pass
    db = load_database()
    clock = time.process_time
    scan_ratios, convert_ratios, bases = [], [], []
    gc.disable()  # as the scan runner does while analysing
    for _ in range(ns.rounds):
        t = clock()
        for text in texts:
            ast.parse(text)
        base = clock() - t
        t = clock()
        for text in texts:
            analyze_text(text, db)
        scan = clock() - t
        t = clock()
        for text in texts:
            try:
                convert_text(text, db)
            except SourceError:
                pass
        conv = clock() - t
        gc.collect()
        bases.append(base)
        scan_ratios.append(scan / base)
        convert_ratios.append(conv / base)
    med = statistics.median
    print(f"{len(texts)} files; ast.parse CPU {med(bases):.2f} s (median of {ns.rounds})")
    print(f"scan analysis (with verdicts): {med(scan_ratios):.2f}x ast.parse CPU")
    print(f"convert_text:                  {med(convert_ratios):.2f}x ast.parse CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
