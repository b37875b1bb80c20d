"""The model-zoo benchmark's long-lived workers (benchmarks/zoo.py `Worker` and `serve`): many models
go through one process, yet a model that kills the process or hangs is that model's failure only,
and what a model prints cannot break the request/reply protocol. A stand-in child (plain Python, no
framework) plays the worker: a few seconds."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {bench!r})
    import zoo

    def handle(req):
        if req["do"] == "die":
            os._exit(3)
        if req["do"] == "hang":
            time.sleep(60)
        if req["do"] == "raise":
            raise ValueError("this model is broken")
        print("a model printing on stdout", flush=True)
        return {{"pid": os.getpid(), "echo": req["n"]}}

    sys.exit(zoo.serve(handle))
""")


@pytest.fixture(scope="module")
def zoo():
    spec = importlib.util.spec_from_file_location("msdev_bench_zoo_workers", ROOT / "benchmarks" / "zoo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def worker(zoo, tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(bench=str(ROOT / "benchmarks")))
    w = zoo.Worker([sys.executable, str(script)], tmp_path / "child.log")
    yield w
    w.stop()


def test_one_process_serves_many_requests(worker):
    first, why = worker.call({"do": "echo", "n": 1}, timeout=30)
    second, _ = worker.call({"do": "echo", "n": 2}, timeout=30)
    assert why == ""
    assert (first["echo"], second["echo"]) == (1, 2)
    assert first["pid"] == second["pid"] and worker.starts == 1


def test_prints_go_to_the_log_not_the_protocol(worker):
    reply, _ = worker.call({"do": "echo", "n": 1}, timeout=30)
    assert reply["echo"] == 1
    assert "a model printing on stdout" in worker.log.read_text()


def test_an_exception_is_a_reply_and_the_process_lives_on(worker):
    reply, _ = worker.call({"do": "raise"}, timeout=30)
    assert reply["error"] == "ValueError: this model is broken"
    after, _ = worker.call({"do": "echo", "n": 5}, timeout=30)
    assert after["echo"] == 5 and worker.starts == 1


def test_a_dead_process_fails_that_model_and_restarts(worker):
    before, _ = worker.call({"do": "echo", "n": 1}, timeout=30)
    reply, why = worker.call({"do": "die"}, timeout=30)
    assert reply is None and why.startswith("process died (exit 3)")
    after, _ = worker.call({"do": "echo", "n": 2}, timeout=30)
    assert after["echo"] == 2 and after["pid"] != before["pid"] and worker.starts == 2


def test_a_hang_times_out_and_the_next_model_runs(worker):
    reply, why = worker.call({"do": "hang"}, timeout=1)
    assert reply is None and why == "timed out after 1 s"
    after, _ = worker.call({"do": "echo", "n": 3}, timeout=30)
    assert after["echo"] == 3 and worker.starts == 2


def test_smaller_images_keep_the_declared_minimum(zoo):
    assert zoo.smaller([2, 3, 224, 224]) == [2, 3, zoo.SMALL_SIDE, zoo.SMALL_SIDE]
    assert zoo.smaller([2, 3, 331, 331], 256) == [2, 3, 256, 256]
    assert zoo.smaller([2, 3, 128, 128]) is None  # nothing smaller to try
    assert zoo.smaller([1, 3, 8, 112, 112]) is None  # not an image batch
