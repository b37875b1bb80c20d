"""Run a golden fixture's functions on both frameworks: the PyTorch original (`case.in.py`) in this
process, its conversion (`case.out.py`) on MindSpore in a separate process with PyTorch blocked from
import (tests/convert/constructs_runner.py), and list the calls whose results disagree.
Import it after `pytest.importorskip("torch")`."""

from __future__ import annotations

import importlib.util
import os
import pickle
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import torch

from tests.conftest import FIXTURES

CONVERT = FIXTURES / "convert"
RUNNER = os.path.join(os.path.dirname(__file__), "constructs_runner.py")


def _torch_plain(value):
    if isinstance(value, torch.Tensor):
        return ("tensor", value.detach().numpy().copy())
    if isinstance(value, (tuple, list)):  # named tuples (torch.return_types) compare as tuples
        return tuple(_torch_plain(v) for v in value) if isinstance(value, tuple) else [_torch_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _torch_plain(v) for k, v in value.items()}
    return value


def torch_results(case: str, calls) -> list:
    spec = importlib.util.spec_from_file_location(f"{case}_torch", CONVERT / f"{case}.in.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(0)
    out = []
    for name, args in calls:
        value = getattr(module, name)(*[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args])
        out.append(_torch_plain(value))
    return out


def mindspore_results(case: str, calls, tmp_path) -> list:
    calls_file, out_file = tmp_path / "calls.pkl", tmp_path / "results.pkl"
    calls_file.write_bytes(pickle.dumps(calls))
    env = dict(os.environ, GLOG_v="3")
    run = subprocess.run([sys.executable, RUNNER, str(CONVERT / f"{case}.out.py"), str(calls_file), str(out_file)],
                         capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    return pickle.loads(out_file.read_bytes())


def mismatches(calls, expected: list, got: list, compare: Callable[[object, object, str], None]) -> list[str]:
    """One line per call that failed on MindSpore or whose result `compare` rejects."""
    failures = []
    for (name, _), e, (status, g) in zip(calls, expected, got):
        if status != "ok":
            failures.append(f"{name}: {g}")
            continue
        try:
            compare(e, g, name)
        except AssertionError as exc:
            failures.append(f"{name}: {' '.join(str(exc).split())[:300]}")
    return failures
