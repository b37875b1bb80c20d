"""The graph benchmark's float64 yardstick (benchmarks/graphs_bench.py, `_against_float64`): a
MindSpore result no further from PyTorch's float64 result than a small multiple of PyTorch float32's own
error is rounding, not a mapping error; anything else (a real deviation, a wrong integer) is not.
Plain numpy arrays stand in for MindSpore tensors (only `.asnumpy()` and `.shape` are read)."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location("msdev_graphs_bench", ROOT / "benchmarks" / "graphs_bench.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


class _Out:
    def __init__(self, a):
        self.a, self.shape = a, a.shape

    def asnumpy(self):
        return self.a


def _data(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    buf.seek(0)
    return np.load(buf)


def _case(rng, torch_noise, ms_noise):
    exact = rng.standard_normal(1000) * 5
    t32 = (exact + rng.standard_normal(1000) * torch_noise).astype("float32")
    ms_ = (exact + rng.standard_normal(1000) * ms_noise).astype("float32")
    return exact, t32, ms_


def test_rounding_as_large_as_pytorchs_counts_as_accurate(bench):
    exact, t32, ms_ = _case(np.random.default_rng(0), 3e-5, 3e-5)
    data = _data(**{"out": t32, "f64:out": exact})
    strict = bench._compare([["out", "Tensor", None]], [("out", _Out(ms_))], data)
    res = bench._against_float64([["out", "Tensor", None]], [("out", _Out(ms_))], data)
    assert not strict["match"]  # the strict test fails: both sides are 3e-5 off the exact values
    assert res["as_f32"] is True and res["f32_strict"] is False
    assert res["ms_err"] < bench.F32_FACTOR * res["f32_err"]


def test_a_real_deviation_is_not_rounding(bench):
    exact, t32, ms_ = _case(np.random.default_rng(1), 3e-5, 3e-5)
    ms_[7] += 0.05  # one wrong element, as a mapping error gives
    data = _data(**{"out": t32, "f64:out": exact})
    res = bench._against_float64([["out", "Tensor", None]], [("out", _Out(ms_))], data)
    assert res["as_f32"] is False


def test_integers_must_be_equal_and_missing_reference_is_unknown(bench):
    ints = np.arange(6)
    data = _data(**{"idx": ints, "out": np.ones(3, "float32")})
    expected = [["idx", "Tensor", None], ["out", "Tensor", None]]
    wrong = [("idx", _Out(ints + 1)), ("out", _Out(np.ones(3, "float32")))]
    assert bench._against_float64(expected, wrong, data)["as_f32"] is False
    right = [("idx", _Out(ints)), ("out", _Out(np.ones(3, "float32")))]
    assert bench._against_float64(expected, right, data)["as_f32"] is None  # no f64:out stored
