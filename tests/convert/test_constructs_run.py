"""Shared constructs (out=, factory keywords, Tensor.type, annotations, training mode, named tuples, ...):
each golden fixture's converted functions run on MindSpore 2.10 with PyTorch blocked from import
(in a separate process) and return what the PyTorch original returns."""

from __future__ import annotations

import importlib.util
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mindspore")
pytestmark = pytest.mark.frameworks

from tests.conftest import FIXTURES  # noqa: E402

CONVERT = FIXTURES / "convert"
RUNNER = os.path.join(os.path.dirname(__file__), "constructs_runner.py")

_rng = np.random.default_rng(0)
A = _rng.standard_normal((2, 3)).astype(np.float32)
B = _rng.standard_normal((2, 3)).astype(np.float32)
X4 = _rng.standard_normal((4, 3)).astype(np.float32)  # a batch for batch statistics

#: fixture → [(function, inputs)]; numpy arrays become tensors of either framework
CASES = {
    "out_argument": [
        ("into_local", [A, B]),
        ("into_argument", [A, B, np.zeros((2, 3), np.float32)]),
        ("into_slice", [A]),
        ("chained", [A, B]),
        ("inside_expression", [A, B]),
        ("into_tuple", [A]),
        ("into_global", [A]),
        ("into_global", [B]),  # the module's tensor keeps what the first call wrote
        ("fresh_buffer", [A, B]),
    ],
    "annotations": [
        ("forward", [A, B, 1]),
        ("forward", [A, B, 2, 0.5, True, A[0]]),
        ("shape_of", [A]),
        ("scaled", [A]),
    ],
    "legacy_types": [
        ("casts", [A]),
        ("constructors", [3]),
        ("constructors", [[1, 2]]),
        ("limits", [A]),
        ("constants", [A]),
    ],
    "training_mode": [
        ("module_level", [X4]),
        ("user_cell", [X4]),
        ("subclass", [X4]),
        ("evaluated", [X4]),
        ("built_in_function", [X4]),
    ],
    "named_tuples": [
        ("maxima", [A]),
        ("minima", [A]),
        ("sorting", [A]),
        ("top", [A]),
        ("running", [A]),
    ],
    "float_promotion": [
        ("int_inputs", [np.array([1, 2, 3], np.int64)]),
        ("keeps_float64", [A]),
        ("bool_inputs", [np.array([True, False])]),
        ("int_literals", [A, B]),
    ],
    "semantics": [
        ("reductions", [A]),
        ("losses", [A, B]),
        ("division", [np.array([7, -7, 6, -5]), np.array([2, 2, -4, 3])]),
        ("division", [np.array([7.5, -7.0, 6.0, -5.0], np.float32), np.array([2.0, 2.0, -4.0, 3.0], np.float32)]),
        ("inplace", [A[0]]),
        ("inplace_forms", [A]),
        ("inplace_argument", [A]),
    ],
    "call_variety": [
        ("outs", [A, B]),
        ("types", [A, B]),
        ("scalars", [A]),
    ],
    "checks_and_lists": [
        ("checked", [A]),
        ("optimizer_step", [A, B]),
        ("pairwise", [A, B]),
        ("positions", [A]),
        ("compiled", [A]),
    ],
    "star_sizes": [
        ("spread", [_rng.standard_normal((2, 12)).astype(np.float32)]),
    ],
    "named_children": [
        ("conv_norm", [_rng.standard_normal((2, 4, 3, 3)).astype(np.float32)]),
    ],
    "norm_subclasses": [
        ("subclass", [A]),
        ("subclass_2d", [_rng.standard_normal((2, 4, 3, 5)).astype(np.float32)]),
        ("runtime_affine", [_rng.standard_normal((2, 4, 3, 5)).astype(np.float32)]),
        ("group_subclass", [_rng.standard_normal((2, 4, 3, 5)).astype(np.float32)]),
    ],
    "factory_keywords": [
        ("factories", [4]),
        ("random_shapes", []),
        ("dtype_positional", [A]),
    ],
}


def _torch_plain(value):
    if isinstance(value, torch.Tensor):
        return ("tensor", value.detach().numpy().copy())
    if isinstance(value, (tuple, list)):  # named tuples (torch.return_types) compare as tuples
        return tuple(_torch_plain(v) for v in value) if isinstance(value, tuple) else [_torch_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _torch_plain(v) for k, v in value.items()}
    return value


def _torch_results(case: str, calls) -> list:
    spec = importlib.util.spec_from_file_location(f"{case}_torch", CONVERT / f"{case}.in.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(0)
    out = []
    for name, args in calls:
        value = getattr(module, name)(*[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args])
        out.append(_torch_plain(value))
    return out


def _mindspore_results(case: str, calls, tmp_path) -> list:
    calls_file, out_file = tmp_path / "calls.pkl", tmp_path / "results.pkl"
    calls_file.write_bytes(pickle.dumps(calls))
    env = dict(os.environ, GLOG_v="3")
    run = subprocess.run([sys.executable, RUNNER, str(CONVERT / f"{case}.out.py"), str(calls_file), str(out_file)],
                         capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    return pickle.loads(out_file.read_bytes())


def _kind(array: np.ndarray) -> str:
    return "bool" if array.dtype == np.bool_ else np.dtype(array.dtype).kind.replace("u", "i")


def assert_same(expected, got, where: str) -> None:
    if isinstance(expected, tuple) and len(expected) == 2 and expected[0] == "tensor":
        assert isinstance(got, tuple) and len(got) == 2 and got[0] == "tensor", f"{where}: {got!r} is not a tensor"
        e, g = np.asarray(expected[1]), np.asarray(got[1])
        assert e.shape == g.shape, f"{where}: shape {g.shape}, PyTorch {e.shape}"
        assert _kind(e) == _kind(g), f"{where}: dtype {g.dtype}, PyTorch {e.dtype}"
        if _kind(e) in ("i", "bool"):
            np.testing.assert_array_equal(g, e, err_msg=where)
        else:
            np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5, err_msg=where)
    elif isinstance(expected, (tuple, list)):
        assert type(got) is type(expected) and len(got) == len(expected), f"{where}: {got!r} vs {expected!r}"
        for i, (e, g) in enumerate(zip(expected, got)):
            assert_same(e, g, f"{where}[{i}]")
    elif isinstance(expected, dict):
        assert isinstance(got, dict) and got.keys() == expected.keys(), f"{where}: keys differ"
        for k in expected:
            assert_same(expected[k], got[k], f"{where}[{k!r}]")
    elif isinstance(expected, float):
        assert isinstance(got, (int, float)) and got == pytest.approx(expected, rel=1e-4, abs=1e-5), where
    else:
        assert got == expected and type(got) is type(expected), f"{where}: {got!r}, PyTorch {expected!r}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_converted_construct_matches_pytorch(case, tmp_path):
    calls = CASES[case]
    expected = _torch_results(case, calls)
    got = _mindspore_results(case, calls, tmp_path)
    failures = []
    for (name, _), e, (status, g) in zip(calls, expected, got):
        if status != "ok":
            failures.append(f"{name}: {g}")
            continue
        try:
            assert_same(e, g, name)
        except AssertionError as exc:
            failures.append(f"{name}: {' '.join(str(exc).split())[:300]}")
    assert not failures, "\n".join(failures)
