"""Reliability benchmark (issue 21): a long random edit session through `msdev lsp`, and convert's
cost per line as files grow.

    python benchmarks/reliability_bench.py [CORPUS] [--edits 10000] [--sizes 1000,2000,4000,8000]

Part 1 drives `msdev lsp` (push diagnostics) through random incremental edits of corpus files:
form feeds, CRLF, lone CR, tabs, emoji, pasted whole files, half-typed calls. It reports error
responses, unanswered requests (10 s), diagnostics whose range does not match a fresh analysis
of the same text (checked every 25 edits on the version the server published), and the
server's RSS at the start, after half the edits and at the end.
Part 2 converts generated files of growing size and prints the time per line of each size as a
ratio to the smallest, next to the same ratio for bare `ast.parse` (the baseline, same run).
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "server"), str(ROOT)]

from msdev.analysis.engine import SourceError, parse_source  # noqa: E402
from msdev.analysis.finder import find_uses  # noqa: E402
from msdev.convert_tree import convert_one  # noqa: E402
from msdev.db.loader import load_database  # noqa: E402
from msdev.lsp.converted import converted_view  # noqa: E402
from msdev.textlines import line_starts, split_lines  # noqa: E402
from tests.lsp.rawclient import RawClient  # noqa: E402
from tests.reliability.generated import generated_module  # noqa: E402

PIECES = ["", "(", ")", "torch.", "nn.Conv2d(", "x.view(", "torch.zeros(3", "F.relu(x", "\n", "\r\n", "\r", "\t",
          "    ", "\x0c", "\x0b", "\u2028", "\x85", "'", '"', ":", "é", "😀", "import torch\n", "def f(x):\n",
          "class A(nn.Module):\n", "#", "\\", "]", "[", ",", " = "]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().split("\n"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def utf16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def position(text: str, offset: int) -> dict:
    starts = line_starts(text)
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return {"line": lo, "character": utf16(text[starts[lo]:offset])}


def expected(text: str, db) -> set | None:
    """(line, start, end, api) of a fresh analysis, in UTF-16 columns; None when it does not parse."""
    lines = split_lines(text)
    src = "\n".join(lines)
    try:
        tree = parse_source(src)
        findings = converted_view(tree, lines, find_uses(tree, db, "portable", src), db)
    except (SourceError, RecursionError):
        return None
    out = set()
    for f in findings:
        a, b = lines[f.line - 1], lines[f.end_line - 1]
        out.add((f.line - 1, utf16(a[:f.column]), f.end_line - 1, utf16(b[:f.end_column]), f.torch_api))
    return out


def lsp_session(corpus: Path, edits: int, seed: int) -> None:
    db = load_database(ROOT / "mapping_db")
    files = sorted(corpus.rglob("*.py"))
    rnd = random.Random(seed)
    files = [p for p in rnd.sample(files, min(400, len(files))) if 200 < p.stat().st_size < 60_000]
    client = RawClient([sys.executable, "-m", "msdev", "lsp", "--diagnostics", "push", "--debounce-ms", "20"],
                       env=dict(os.environ, PYTHONPATH=str(ROOT / "server")))
    client.responders["workspace/configuration"] = lambda p: [None]
    client.request("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {}}, timeout=120)
    client.notify("initialized", {})
    pid = client.proc.pid
    errors = unanswered = checked = mismatched = 0
    rss = {"start": rss_kib(pid)}
    pending: list[int] = []
    done = 0
    t0 = time.perf_counter()
    doc = 0
    while done < edits:
        doc += 1
        path = files[doc % len(files)]
        text = original = path.read_text(encoding="utf-8", errors="replace")
        uri = f"file:///bench/doc{doc}.py"
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                "text": text}})
        version = 1
        for _ in range(min(250, edits - done)):
            a = rnd.randrange(len(text) + 1)
            b = min(len(text), a + rnd.choice([0, 0, 1, 3, 20]))
            if rnd.random() < 0.01:
                new = files[rnd.randrange(len(files))].read_text(encoding="utf-8", errors="replace")[:3000]  # a paste
            else:
                new = "".join(rnd.choice(PIECES) for _ in range(rnd.randrange(4)))
            rng = {"start": position(text, a), "end": position(text, b)}
            if text[max(a - 1, 0):a + 1] == "\r\n" or text[max(b - 1, 0):b + 1] == "\r\n":
                continue  # an editor never splits a CRLF pair
            text = text[:a] + new + text[b:]
            version += 1
            done += 1
            client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                     "contentChanges": [{"range": rng, "text": new}]})
            if done % 5 == 0:
                pending.append(client.request_async("textDocument/hover", {
                    "textDocument": {"uri": uri}, "position": position(text, rnd.randrange(len(text) + 1))}))
            if done % 11 == 0:
                p = position(text, rnd.randrange(len(text) + 1))
                pending.append(client.request_async("textDocument/codeAction", {
                    "textDocument": {"uri": uri}, "range": {"start": p, "end": p}, "context": {"diagnostics": []}}))
            if done % 25 == 0:
                want = expected(text, db)
                if want is None:  # back to a text that parses (a paste over everything), odd breaks kept
                    lines = split_lines(original)
                    cut = rnd.randrange(len(lines) + 1)
                    fresh = "\n".join(lines[:cut]) + rnd.choice(["\n\x0c\n", "\r\n", "\n"]) + \
                        rnd.choice(["y = torch.zeros(3)  # 😀\u2028\n", "z = torch.flatten(x)\r\n", "\tpass\n" if False else "w = 1\n"]) + \
                        "\n".join(lines[cut:])
                    if not fresh.lstrip().startswith(("y =", "z =", "w =")) and expected(fresh, db) is not None:
                        rng = {"start": {"line": 0, "character": 0}, "end": position(text, len(text))}
                        version += 1
                        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                                 "contentChanges": [{"range": rng, "text": fresh}]})
                        text = fresh
                        want = expected(text, db)
                try:
                    got = client.wait_notification("textDocument/publishDiagnostics",
                                                   lambda p, v=version, u=uri: p["uri"] == u and p.get("version") == v, 20)
                except TimeoutError:
                    unanswered += 1
                    got = None
                if got is not None and want is not None:
                    checked += 1
                    for d in got["diagnostics"]:
                        r = d["range"]
                        key = (r["start"]["line"], r["start"]["character"], r["end"]["line"], r["end"]["character"],
                               d["data"]["api"])
                        if key not in want:
                            mismatched += 1
                for rid in pending:
                    try:
                        if "error" in client.wait_response(rid, 10):
                            errors += 1
                    except TimeoutError:
                        unanswered += 1
                pending.clear()
            if done == edits // 2:
                rss["half"] = rss_kib(pid)
        client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    rss["end"] = rss_kib(pid)
    code = client.shutdown(30)
    log = "".join(client.stderr_lines)
    print(f"LSP: {done} edits over {doc} documents in {time.perf_counter() - t0:.0f} s")
    print(f"  error responses: {errors}   unanswered requests: {unanswered}   server exit code: {code}")
    print(f"  diagnostics checked against a fresh analysis: {checked} versions, ranges not matching: {mismatched}")
    print(f"  server log errors/tracebacks: {log.count(' ERROR ') + log.count('Traceback')}")
    print(f"  RSS KiB: start {rss['start']}, after {edits // 2} edits {rss.get('half')}, after {edits} edits "
          f"{rss['end']} (growth over the second half: {rss['end'] - rss.get('half', rss['end'])} KiB)")


def convert_sizes(sizes: list[int]) -> None:
    db = load_database(ROOT / "mapping_db")
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"msdev-reliability-{os.getpid()}"
    tmp.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in sizes:
        path = tmp / f"gen{n}.py"
        text = generated_module(n)
        path.write_text(text)
        lines = text.count("\n") + 1
        t0 = time.perf_counter()
        ast.parse(text)
        t1 = time.perf_counter()
        result, _ = convert_one(path, path.name, db, "portable")
        t2 = time.perf_counter()
        assert result.error is None, result.error
        rows.append((n, lines, (t1 - t0) / lines, (t2 - t1) / lines))
    base = rows[0]
    print("convert of generated files: time per line as a ratio to the smallest file (1.00 = linear)")
    for n, lines, parse, conv in rows:
        print(f"  {n:>5} functions {lines:>6} lines: convert {conv / base[3]:.2f}x per line "
              f"(ast.parse baseline {parse / base[2]:.2f}x); convert/parse {conv / parse:.1f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="?", default="/work/cache/corpus")
    ap.add_argument("--edits", type=int, default=10000)
    ap.add_argument("--sizes", default="1000,2000,4000,8000")
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--skip-lsp", action="store_true")
    args = ap.parse_args()
    convert_sizes([int(s) for s in args.sizes.split(",")])
    if not args.skip_lsp:
        lsp_session(Path(args.corpus), args.edits, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
