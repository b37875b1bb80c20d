"""Spreading examples over worker processes that may crash or hang.

Each of `jobs` threads owns one worker process at a time and feeds it a batch. The worker writes
`{"start": api}` before each example and the result after it, so when the process dies (MindSpore
can abort) or stops making progress, the example it was on is marked `fail: crash` (or `timeout`)
and the rest of the batch goes to a fresh worker. One failure never loses the others.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

from ..cpu_kernels import cap_onednn_isa

BATCH = 60  # examples per worker start (a start costs ~5 s of imports)


def _split(jobs: list[dict[str, Any]], n: int, batch: int) -> list[list[dict[str, Any]]]:
    """Round-robin into at least `n` batches so slow namespaces spread over the workers."""
    count = max(n, -(-len(jobs) // batch)) if jobs else 0
    return [b for b in (jobs[i::count] for i in range(count)) if b]


def _read_results(path: Path) -> tuple[dict[str, dict[str, Any]], Any]:
    """Finished results, and what started without finishing (if any): an API, or (API, variant form)."""
    done: dict[str, dict[str, Any]] = {}
    current: Any = None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return done, None
    for line in text.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue  # a line cut short by a crash
        if "start" in rec:
            current = (rec["start"], rec["form"]) if "form" in rec else rec["start"]
        elif "variant_of" in rec:
            if rec["variant_of"] in done:
                done[rec["variant_of"]].setdefault("variants", []).append(
                    {"form": rec["form"], "status": rec["status"], "reason": rec.get("reason", "")})
            current = None
        elif "api" in rec:
            done[rec["api"]] = {"status": rec["status"], "reason": rec.get("reason", "")}
            if current == rec["api"]:
                current = None
    return done, current


def _worker_env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("GLOG_v", "3")
    cap_onednn_isa(env)
    env["OMP_NUM_THREADS"] = str(threads)
    # the worker must import this very copy of msdev
    server = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = server + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_batch(batch: list[dict[str, Any]], timeout: float = 120.0, threads: int = 1,
              python: str | None = None) -> dict[str, dict[str, Any]]:
    """Run a batch to the end, restarting the worker after each crash or hang."""
    results: dict[str, dict[str, Any]] = {}
    todo = list(batch)
    with tempfile.TemporaryDirectory(prefix="msdev-verify-") as tmp:
        attempt = 0
        while todo:
            attempt += 1
            jobs_file = Path(tmp) / f"jobs-{attempt}.json"
            res_file = Path(tmp) / f"results-{attempt}.jsonl"
            jobs_file.write_text(json.dumps({"jobs": todo, "threads": threads}), encoding="utf-8")
            res_file.touch()
            log = (Path(tmp) / f"log-{attempt}.txt").open("wb")
            proc = subprocess.Popen([python or sys.executable, "-m", "msdev.dbverify.worker", str(jobs_file),
                                     str(res_file)], stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=_worker_env(threads), start_new_session=True)
            last_size, last_change = -1, time.monotonic()
            # the first example also pays the imports
            allowance = timeout + 60.0
            hung = False
            while proc.poll() is None:
                time.sleep(0.2)
                size = res_file.stat().st_size
                if size != last_size:
                    last_size, last_change = size, time.monotonic()
                    if size:
                        allowance = timeout
                elif time.monotonic() - last_change > allowance:
                    hung = True
                    _kill(proc)
                    break
            log.close()
            done, current = _read_results(res_file)
            results.update(done)
            if hung:
                failure = {"status": "fail", "reason": f"timeout: no result after {timeout:.0f} s"}
            else:
                code = proc.returncode
                how = f"signal {-code}" if code < 0 else f"exit code {code}"
                failure = {"status": "fail", "reason": f"crash: the process died ({how})"}
            if isinstance(current, tuple):  # a call variant: its entry's example already has its result
                api, form = current
                if api in results:
                    results[api].setdefault("variants", []).append({"form": form, **failure})
                current = None
            remaining = [j for j in todo if j["api"] not in results]
            if not remaining:
                break
            if current is None:
                if done:  # died between two examples (or in a variant): carry on with the rest
                    todo = remaining
                    continue
                tail = (Path(tmp) / f"log-{attempt}.txt").read_text(errors="replace").strip().splitlines()[-3:]
                for j in remaining:
                    results[j["api"]] = {"status": "not_run",
                                         "reason": f"worker failed to start: {' | '.join(tail)[:300]}"}
                break
            results[current] = failure
            todo = [j for j in remaining if j["api"] not in results]
    return {j["api"]: results[j["api"]] for j in batch}


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()
    proc.wait()


def run_jobs(jobs: list[dict[str, Any]], n_jobs: int = 1, timeout: float = 120.0,
             progress: Callable[[int, int], None] | None = None, batch: int = BATCH) -> dict[str, dict[str, Any]]:
    """Every job's result, computed by `n_jobs` parallel workers."""
    batches = _split(jobs, max(1, n_jobs), batch)
    results: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()
    queue = list(batches)

    def work() -> None:
        while True:
            with lock:
                if not queue:
                    return
                b = queue.pop(0)
            res = run_batch(b, timeout=timeout)
            with lock:
                results.update(res)
                if progress:
                    progress(len(results), len(jobs))

    threads = [threading.Thread(target=work, daemon=True) for _ in range(max(1, min(n_jobs, len(batches))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
