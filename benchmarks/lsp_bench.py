"""Drive the real `msdev lsp` over stdio on a ~3,000-line corpus file and print latencies.

    python benchmarks/lsp_bench.py [--file PATH] [--rounds N] [--db DIR]

Measures (p50/p95): didChange → diagnostics (push mode: the publish for that version; pull
mode: the textDocument/diagnostic answer), hover, codeAction; time from process start to the
first diagnostics; server RSS. The debounce delay is printed: the change latency includes it.
Targets: change ≤ debounce + 30 ms (p95), hover ≤ 5 ms, codeAction ≤ 20 ms, first diagnostics
≤ 1 s, RSS ≤ 150 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILE = Path("/work/cache/corpus/timm/timm/models/efficientnet.py")
INIT = ROOT / "tests" / "fixtures" / "lsp" / "initialize" / "vscode-1.139.1-languageclient-9.0.1-initialize.json"


class Client:
    def __init__(self, argv):
        self.t_start = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.cv = threading.Condition()
        self.msgs: list[tuple[float, dict]] = []
        self.n = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if not line.strip():
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            msg = json.loads(out.read(length))
            if "method" in msg and "id" in msg:
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": [None] if msg["method"] == "workspace/configuration" else None})
            with self.cv:
                self.msgs.append((time.perf_counter(), msg))
                self.cv.notify_all()

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def wait(self, pred, timeout=30.0):
        deadline = time.perf_counter() + timeout
        with self.cv:
            while True:
                for t, m in self.msgs:
                    if pred(m):
                        self.msgs.remove((t, m))
                        return t, m
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError("server did not answer")
                self.cv.wait(left)

    def request(self, method, params):
        self.n += 1
        rid = self.n
        t0 = time.perf_counter()
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        t1, m = self.wait(lambda m: m.get("id") == rid and "method" not in m)
        if "error" in m:
            raise RuntimeError(m["error"])
        return t1 - t0, m.get("result")

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] * 1000


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run(mode: str, path: Path, rounds: int, db: str | None, debounce_ms: int) -> dict:
    argv = [sys.executable, "-m", "msdev", "lsp", "--diagnostics", mode, "--debounce-ms", str(debounce_ms)]
    if db:
        argv += ["--db", db]
    c = Client(argv)
    init = {k: v for k, v in json.loads(INIT.read_text()).items() if not k.startswith("_")}
    init.update(processId=os.getpid(), rootUri=path.parent.as_uri(), rootPath=str(path.parent),
                workspaceFolders=[{"uri": path.parent.as_uri(), "name": "bench"}])
    c.request("initialize", init)
    c.notify("initialized", {})
    uri = path.as_uri()
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}})
    if mode == "push":
        t, first = c.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == 1)
        diags = first["params"]["diagnostics"]
    else:
        _, rep = c.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
        t = time.perf_counter()
        diags = rep["items"]
    first_diag = t - c.t_start

    rng = random.Random(7)
    change, hover, action = [], [], []
    version = 1
    for i in range(rounds):
        # a keystroke: append a character to a comment line at the end, then remove it
        version += 1
        line = len(lines) - 1
        edit = {"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}, "text": "#"}
        t0 = time.perf_counter()
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [edit]})
        if mode == "push":
            t1, _ = c.wait(lambda m, v=version: m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == v)
        else:
            _, _ = c.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
            t1 = time.perf_counter()
        change.append(t1 - t0)
        d = diags[rng.randrange(len(diags))]
        pos = {"line": d["range"]["start"]["line"], "character": d["range"]["start"]["character"] + 1}
        dt, _ = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": pos})
        hover.append(dt)
        dt, _ = c.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": d["range"],
                                                      "context": {"diagnostics": [d], "triggerKind": 2}})
        action.append(dt)
    rss = rss_mb(c.proc.pid)
    c.request("shutdown", None)
    c.notify("exit", None)
    code = c.proc.wait(10)
    return {"mode": mode, "first": first_diag, "change": change, "hover": hover, "action": action, "rss": rss,
            "diagnostics": len(diags), "exit": code}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=DEFAULT_FILE)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--db")
    ap.add_argument("--debounce-ms", type=int, default=100)
    ap.add_argument("--mode", choices=("push", "pull", "both"), default="both")
    args = ap.parse_args()
    if not args.file.is_file():
        print(f"lsp_bench: {args.file} not found (pass --file)", file=sys.stderr)
        return 2
    n_lines = args.file.read_text(encoding="utf-8").count("\n")
    print(f"file: {args.file} ({n_lines} lines); debounce: {args.debounce_ms} ms; rounds: {args.rounds}")
    modes = ("push", "pull") if args.mode == "both" else (args.mode,)
    for mode in modes:
        r = run(mode, args.file, args.rounds, args.db, args.debounce_ms)
        ch = [x - args.debounce_ms / 1000 for x in r["change"]]
        print(f"[{mode}] diagnostics: {r['diagnostics']}; exit code {r['exit']}")
        print(f"  didChange → diagnostics  p50 {pct(r['change'], .5):7.1f} ms  p95 {pct(r['change'], .95):7.1f} ms"
              f"   (beyond debounce: p50 {pct(ch, .5):.1f} ms, p95 {pct(ch, .95):.1f} ms; target p95 ≤ 30)")
        print(f"  hover                    p50 {pct(r['hover'], .5):7.2f} ms  p95 {pct(r['hover'], .95):7.2f} ms   (target ≤ 5)")
        print(f"  codeAction               p50 {pct(r['action'], .5):7.2f} ms  p95 {pct(r['action'], .95):7.2f} ms   (target ≤ 20)")
        print(f"  start → first diagnostics {r['first'] * 1000:7.0f} ms   (target ≤ 1000)")
        print(f"  server RSS               {r['rss']:7.1f} MB   (target ≤ 150)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
