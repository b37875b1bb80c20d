"""The model-zoo benchmark's comparison (benchmarks/zoo.py `compare`) follows the measuring contract
for whole models exactly: same structure, shape and dtype kind; integers and bools equal; floats
within allclose(rtol=1e-3, atol=1e-4) together with cosine >= 0.9999, neither stricter nor looser."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def zoo():
    spec = importlib.util.spec_from_file_location("msdev_bench_zoo_compare", ROOT / "benchmarks" / "zoo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


class Out:
    """Stands for a MindSpore tensor: all `compare` reads is `asnumpy()`."""

    def __init__(self, array):
        self.array = np.asarray(array)

    def asnumpy(self):
        return self.array


def check(zoo, tmp_path, expected, got, kind="Tensor", text=None):
    path = tmp_path / "outputs.npz"
    np.savez(path, **({"out": np.asarray(expected)} if kind == "Tensor" else {}))
    ref = {"leaves": [["out", kind, text]]}
    return zoo.compare(ref, [("out", got if kind != "Tensor" else Out(got))], path)["match"]


def test_floats_within_both_bounds_match(zoo, tmp_path):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal(1000) * 100).astype(np.float32)
    assert check(zoo, tmp_path, a, a * (1 + 9e-4))  # inside rtol 1e-3 (looser than the snippet 1e-4)
    assert not check(zoo, tmp_path, a, a * (1 + 2e-3))  # outside rtol, cosine still 1.0
    b = a.copy()
    b[0] += 0.5 + 1e-3 * abs(a[0])  # one value off by more than the tolerance
    assert not check(zoo, tmp_path, a, b)


def test_cosine_is_required_as_well(zoo, tmp_path):
    a = np.full(100, 1e-5, np.float32)
    a[0] = -1e-5
    b = -a  # every value within atol 1e-4, the direction opposite: cosine -0.96
    assert not check(zoo, tmp_path, a, b)
    assert check(zoo, tmp_path, np.zeros(4, np.float32), np.full(4, 1e-6, np.float32))  # a zero output: allclose


def test_integers_and_bools_exactly_and_kinds_kept(zoo, tmp_path):
    big = np.array([100000, 7], np.int64)
    assert check(zoo, tmp_path, big, big.astype(np.int32))
    assert not check(zoo, tmp_path, big, big + np.array([1, 0]))  # within rtol 1e-3, but integers are exact
    assert not check(zoo, tmp_path, big, big.astype(np.float32))  # dtype kind differs
    assert check(zoo, tmp_path, np.array([1, 2], np.uint8), np.array([1, 2], np.int32))


def test_python_numbers(zoo, tmp_path):
    assert check(zoo, tmp_path, None, 0.30000001, kind="float", text=repr(0.3))
    assert not check(zoo, tmp_path, None, 0.31, kind="float", text=repr(0.3))
    assert not check(zoo, tmp_path, None, 3.0, kind="int", text=repr(3))
