"""Imperative autograd (MS230–MS232, torch.autograd.functional) and training loops (MS200): each golden
fixture tests/fixtures/convert/gradients_*.in.py / training_*.in.py runs on PyTorch, its conversion (.out.py) runs on MindSpore 2.10
with PyTorch blocked from import (in a separate process), and the gradients agree within 1e-5 relative."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mindspore")
pytestmark = pytest.mark.frameworks

from tests.convert.both_frameworks import mindspore_results, mismatches, torch_results  # noqa: E402

_rng = np.random.default_rng(7)
A = _rng.standard_normal((2, 3)).astype(np.float32)
B = _rng.standard_normal((4, 3)).astype(np.float32)
V = _rng.standard_normal(3).astype(np.float32)
X = _rng.standard_normal(3).astype(np.float32)
P = _rng.standard_normal((2, 4, 6, 3)).astype(np.float32)

#: fixture → [(function, inputs)]; numpy arrays become tensors of either framework
CASES = {
    "gradients_backward": [
        ("module_level", []),
        ("generator_sum", []),
        ("sum_backward", [X]),
        ("seeded_backward", [X, V]),
        ("two_leaves", [A, B]),
        ("layer_weights", [A]),
        ("parameter_loop", [A]),
        ("indexed_layers", [A]),
        ("function_form", [A, A[::-1].copy()]),
        ("function_form_single", [X]),
        ("clipped_then_read", [A]),
        ("clipped_only", [A]),
    ],
    "gradients_module_zero_grad": [
        ("read_after_zero_grad", [A]),
        ("read_before_zero_grad", [A]),
    ],
    "gradients_accumulate": [
        ("retained_twice", [X]),
        ("reset_between", [X, V]),
        ("manual_sgd", [B, B[:, 0].copy()]),
        ("accumulated_in_loop", [X]),
        ("parameter_sgd", [B, B[:, :1].copy()]),
    ],
    "gradients_autograd_grad": [
        ("single_input", [X]),
        ("several_inputs", [A, B]),
        ("weighted_outputs", [X, V]),
        ("gradient_penalty", [A]),
        ("second_order", [X]),
        ("equation_residual", [X]),
        ("backward_of_gradient", [X]),
    ],
    "gradients_stop": [
        ("detached_factor", [X]),
        ("statistics_without_grad", [X]),
        ("hooked", [X]),
        ("switched_off", [X]),
        ("hooked_with_handle", [X, V]),
    ],
    "gradients_functional": [
        ("jacobian_one", [X]),
        ("jacobian_pair", [X, V]),
        ("hessian_one", [X]),
        ("vjp_one", [X, V]),
        ("jvp_one", [X, V]),
        ("jacobian_lambda", [X]),
    ],
    "training_held_gradients": [
        ("every_two_batches", [B]),
        ("per_epoch", [B]),
        ("stepped_by_helper", [B]),
        ("never_cleared", [B]),
    ],
    "training_loops_more": [
        ("two_optimizers", [A]),
        ("ema_of_weights", [A]),
        ("custom_function_output", [X]),
        ("cleared_after_step", [A]),
    ],
    "gradients_assigned": [
        ("never_backwarded", [X]),
        ("assigned_then_clipped", [X, V]),
        ("clipped_by_norm_types", [X, V]),
        ("without_gradients", [X]),
        ("clamped_values", [X, V]),
    ],
    "gradients_stepped": [
        ("patch_merge", [P]),
        ("every_third_row", [P]),
        ("stepped_with_indices", [P]),
    ],
}


def assert_close(expected, got, where: str) -> None:
    """Same structure, shape and dtype kind; values within 1e-5 relative (1e-6 absolute near zero)."""
    if isinstance(expected, tuple) and len(expected) == 2 and expected[0] == "tensor":
        assert isinstance(got, tuple) and len(got) == 2 and got[0] == "tensor", f"{where}: {got!r} is not a tensor"
        e, g = np.asarray(expected[1]), np.asarray(got[1])
        assert e.shape == g.shape, f"{where}: shape {g.shape}, PyTorch {e.shape}"
        assert e.dtype.kind == g.dtype.kind, f"{where}: dtype {g.dtype}, PyTorch {e.dtype}"
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6, err_msg=where)
    elif isinstance(expected, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(expected), f"{where}: {got!r} vs {expected!r}"
        for i, (e, g) in enumerate(zip(expected, got)):
            assert_close(e, g, f"{where}[{i}]")
    elif isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-5), where
    else:
        assert got == expected, f"{where}: {got!r}, PyTorch {expected!r}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_converted_gradients_match_pytorch(case, tmp_path):
    calls = CASES[case]
    failures = mismatches(calls, torch_results(case, calls), mindspore_results(case, calls, tmp_path), assert_close)
    assert not failures, "\n".join(failures)
