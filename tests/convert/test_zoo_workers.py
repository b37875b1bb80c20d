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


def test_the_budget_is_shared_between_packages(zoo):
    """`--budget` in proportion to each package's models, fixed when its first model starts: the first
    package cannot spend the time of those after it (torchvision ran 0 of 121 models after timm)."""
    import collections

    spec = importlib.util.spec_from_file_location("msdev_bench_models", ROOT / "benchmarks" / "models_bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    budget = bench.Budget(100.0, collections.Counter(first=30, second=10))
    assert budget.may_start("first")
    assert budget.share["first"][1] == pytest.approx(75.0, abs=1.0)
    start, seconds = budget.share["first"]
    budget.share["first"] = (start - 80.0, seconds)  # the first package has run 80 s: over its share
    budget.t0 -= 80.0
    assert not budget.may_start("first")
    assert budget.may_start("second")  # the 20 s left are the second package's
    assert budget.share["second"][1] == pytest.approx(20.0, abs=1.0)


def test_nms_keeps_the_greedy_choice(zoo):
    torch = pytest.importorskip("torch")
    gen = torch.Generator().manual_seed(0)
    corner = torch.rand(300, 2, generator=gen) * 50
    boxes = torch.cat([corner, corner + torch.rand(300, 2, generator=gen) * 20 + 1], 1)
    scores = torch.rand(300, generator=gen)
    kept = zoo._nms(boxes, scores, 0.5).tolist()

    def iou(i, j):
        lt, rb = torch.maximum(boxes[i, :2], boxes[j, :2]), torch.minimum(boxes[i, 2:], boxes[j, 2:])
        inter = float((rb - lt).clamp(min=0).prod())
        area = lambda b: float((b[2] - b[0]) * (b[3] - b[1]))  # noqa: E731
        return inter / (area(boxes[i]) + area(boxes[j]) - inter)

    expected = []
    for i in scores.argsort(descending=True).tolist():  # the definition: best first, drop what overlaps a kept box
        if all(iou(i, k) <= 0.5 for k in expected):
            expected.append(i)
    assert kept == expected
    assert zoo._nms(boxes[:0], scores[:0], 0.5).numel() == 0
