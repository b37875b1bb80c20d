"""The float64 reference of `msdev verify --grad`: a value's tolerance widens to REFERENCE_FACTOR
times PyTorch's own float32-vs-float64 distance, never narrows below the defaults (numpy only)."""

import numpy as np
import pytest

from msdev.verify.tolerances import REFERENCE_FACTOR, resolve, widen
from msdev.verify.training import Pairing, compare_params
from msdev.weights.mapping import MapEntry, WeightMap

TOL = resolve("float32", None, None, None)


def _pairing(names):
    return Pairing(WeightMap(entries=[MapEntry(n, n) for n in names]), set(names))


def _noisy(base: np.ndarray, rel: float, seed: int) -> np.ndarray:
    """`base` plus noise of relative L2 size `rel`."""
    noise = np.random.default_rng(seed).standard_normal(base.shape)
    return (base + noise * rel * np.linalg.norm(base) / np.linalg.norm(noise)).astype(np.float32)


def test_widen_never_tighter_than_the_defaults():
    assert widen(TOL, 0.0, 1.0) == (TOL.rtol, TOL.min_cosine)
    rel, cos = widen(TOL, 0.1, 0.995)
    assert rel == pytest.approx(REFERENCE_FACTOR * 0.1) and cos == pytest.approx(1 - REFERENCE_FACTOR ** 2 * 0.005)


def test_a_value_as_sensitive_as_pytorchs_own_rounding_agrees_a_larger_error_does_not():
    exact = np.random.default_rng(0).standard_normal((64, 3, 7, 7))
    torch32 = _noisy(exact, 0.1, 1)  # PyTorch float32 is 10 % from its float64 value
    near = _noisy(torch32.astype(np.float64), 0.13, 2)  # MindSpore: about as far from PyTorch
    far = _noisy(torch32.astype(np.float64), 0.9, 3)  # far beyond 4x the reference distance
    pairing = _pairing(["w"])
    fixed = compare_params("g", {"w": torch32}, {"w": near}, pairing, TOL)
    assert not fixed.agree  # the fixed fp32 tolerance (5e-4) refuses it
    widened = compare_params("g", {"w": torch32}, {"w": near}, pairing, TOL, reference={"w": exact})
    assert widened.agree
    assert abs(widened.params[0].reference_rel - 0.1) < 0.01
    assert widened.to_dict()["parameters"][0]["float64_reference_rel_error"] > 0.09
    assert not compare_params("g", {"w": torch32}, {"w": far}, pairing, TOL, reference={"w": exact}).agree


def test_a_well_conditioned_value_keeps_the_default_tolerance():
    exact = np.random.default_rng(4).standard_normal(100)
    torch32 = exact.astype(np.float32)  # float32 rounding only: ~1e-8 relative
    off = _noisy(torch32.astype(np.float64), 2e-3, 5)  # a small mapping error, 4x the default rtol
    res = compare_params("g", {"w": torch32}, {"w": off}, _pairing(["w"]), TOL, reference={"w": exact})
    assert not res.agree and res.diverging[0].torch_name == "w"
