"""Agreements that prove nothing: outputs that do not depend on the input.

A randomly initialised network can squash its features to ~0 (EfficientNet's last block gives
~1e-13), so both frameworks return the classifier's bias whatever the weights before it compute.
Such outputs agree trivially; `msdev verify` warns and exits non-zero unless --allow-trivial.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: spread across the batch below this share of the output's magnitude counts as constant
RELATIVE_SPREAD = 1e-5
#: an output whose largest magnitude is below this counts as zero
ZERO = 1e-7


def _bias_candidates(torch_model) -> list[tuple[str, np.ndarray]]:
    """Every 1-D bias parameter, last module first (the head is usually last)."""
    found = []
    for name, module in torch_model.named_modules():
        bias = getattr(module, "bias", None)
        if bias is not None and hasattr(bias, "detach") and bias.dim() == 1:
            found.append((name or "<root>", bias.detach().cpu().float().numpy()))
    return list(reversed(found))


def equals_bias(out: np.ndarray, biases: list[tuple[str, np.ndarray]]) -> str | None:
    """The module whose bias the output equals (broadcast over the last or channel axis), if any."""
    if out.ndim == 0 or out.dtype.kind != "f":
        return None
    for name, bias in biases:
        for axis in ({out.ndim - 1, 1} if out.ndim > 1 else {0}):
            if out.shape[axis] != bias.shape[0]:
                continue
            shape = [1] * out.ndim
            shape[axis] = bias.shape[0]
            ref = bias.reshape(shape)
            scale = float(np.max(np.abs(ref))) or 1.0
            if np.allclose(out, np.broadcast_to(ref, out.shape), rtol=1e-5, atol=1e-6 * scale):
                return name
    return None


def trivial_reasons(outputs: list[np.ndarray], torch_model: Any) -> list[str]:
    """Why the (PyTorch) outputs make an agreement meaningless; empty when they carry information."""
    reasons = []
    biases = _bias_candidates(torch_model)
    for i, out in enumerate(outputs):
        if out.dtype.kind != "f" or out.size == 0:
            continue
        scale = float(np.max(np.abs(out)))
        if scale < ZERO:
            reasons.append(f"output {i} is zero everywhere (max |value| {scale:.3g})")
            continue
        owner = equals_bias(out, biases)
        if owner is not None:
            reasons.append(f"output {i} equals the bias of {owner}: the features before it are ~0 "
                           "(randomise or load trained weights)")
            continue
        if out.ndim >= 1 and out.shape[0] >= 2:
            spread = float(np.max(np.std(out.astype(np.float64), axis=0)))
            if spread <= RELATIVE_SPREAD * scale:
                reasons.append(f"output {i} is the same for every sample of the batch "
                               f"(spread {spread:.3g} against magnitude {scale:.3g})")
    return reasons
