"""Count PyTorch uses in a corpus with the real finder, and time it against bare `ast.parse`.

    python benchmarks/count_apis.py [CORPUS_DIR] [--top N] [--json]

Prints files, lines, uses found, the share with a database entry and the share `unknown`, the
most used APIs (what the database curates first), and the finder's time as a ratio to parsing
the same files with `ast.parse` in the same run.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import time
from collections import Counter
from pathlib import Path

from msdev.analysis.finder import find_uses
from msdev.db.loader import load_database
from msdev.findings import Status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("MSDEV_CORPUS", str(Path.home() / ".cache" / "msdev" / "corpus"))
    parser.add_argument("corpus", nargs="?", default=default)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--json", action="store_true", help="print the ranking as JSON")
    args = parser.parse_args()
    files = sorted(Path(args.corpus).rglob("*.py"))
    if not files:
        raise SystemExit(f"no .py files under {args.corpus} (run `python tests/fetch_corpus.py DEST` first)")
    texts = [f.read_text(encoding="utf-8", errors="replace") for f in files]
    db = load_database()

    start = time.perf_counter()
    trees = [ast.parse(t) for t in texts]
    parse_s = time.perf_counter() - start

    start = time.perf_counter()
    counts: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for tree, text in zip(trees, texts):
        for f in find_uses(tree, db, "portable", text):
            counts[f.torch_api] += 1
            statuses[f.status] += 1
    find_s = time.perf_counter() - start

    uses = sum(counts.values())
    if args.json:
        print(json.dumps(counts.most_common(args.top), indent=1))
        return
    lines = sum(t.count("\n") for t in texts)
    unknown = statuses[Status.UNKNOWN]
    print(f"files {len(files)}  lines {lines}  PyTorch uses {uses}  distinct APIs {len(counts)}")
    print(f"with a database entry {100 * (uses - unknown) / uses:.1f}%  unknown {100 * unknown / uses:.1f}%")
    print("by status: " + ", ".join(f"{s}={n}" for s, n in statuses.most_common()))
    print(f"ast.parse {parse_s:.2f} s (baseline)  finder {find_s:.2f} s = {find_s / parse_s:.2f}x the parse "
          f"time  parse+find {(parse_s + find_s) / parse_s:.2f}x")
    print(f"top {args.top}:")
    for api, n in counts.most_common(args.top):
        print(f"  {n:6d}  {api}")


if __name__ == "__main__":
    main()
