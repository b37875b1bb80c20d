"""Default tolerances of `msdev verify`, per floating dtype of the PyTorch network.

The values follow MindSpore's own model-parity tests (fp32 5e-4, fp16 5e-3, bf16 5e-2): rtol and
atol both take the dtype's value unless the user gives them. The cosine floor loosens with the
dtype for the same reason (fewer mantissa bits accumulate more rounding over a deep network).

Gradients and training steps of a deep network can be far more sensitive to rounding than its
outputs: in train mode, a BatchNorm normalising few values (batch 1, a 7x7 map) and every ReLU whose
input sits near zero amplify a last-bit difference of the forward pass, so FBResNet-152's gradients
computed by PyTorch itself in float32 and in float64 differ by ~10 % (cosine 0.993) in its first
layers. No converted network can be held closer to PyTorch than PyTorch's float32 run is to its
exact value, so `msdev verify` measures that distance for each compared value by running the PyTorch
side once more in float64 (the "float64 reference") and widens the tolerance of that value to
REFERENCE_FACTOR times it (`widen`). Two float32 runs whose rounding errors are independent and of
the size of PyTorch's are about sqrt(2) times that distance apart; the factor 4 leaves room for a
MindSpore kernel that rounds a little worse (other summation orders, Winograd convolutions) while a
mapping error, which changes values by far more than rounding does in a well-conditioned network,
still fails. Where the reference cannot be computed (a network that hard-codes float32 tensors), the
fixed defaults stay and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass

#: dtype → (rtol = atol, minimum cosine)
DEFAULTS: dict[str, tuple[float, float]] = {
    "float64": (1e-6, 0.999999),
    "float32": (5e-4, 0.9999),
    "float16": (5e-3, 0.999),
    "bfloat16": (5e-2, 0.99),
}

HELP_TEXT = ("default tolerances by the PyTorch network's parameter dtype (rtol = atol): "
             "fp32 5e-4, fp16 5e-3, bf16 5e-2, fp64 1e-6; minimum cosine 0.9999 / 0.999 / 0.99 / 0.999999")


@dataclass
class Tolerance:
    rtol: float
    atol: float
    min_cosine: float
    dtype: str

    def to_dict(self) -> dict:
        return {"rtol": self.rtol, "atol": self.atol, "min_cosine": self.min_cosine, "dtype": self.dtype}


def resolve(dtype: str, rtol: float | None, atol: float | None, min_cosine: float | None) -> Tolerance:
    """The tolerance to use: the user's values where given, the dtype's defaults elsewhere."""
    tol, cos = DEFAULTS.get(dtype, DEFAULTS["float32"])
    return Tolerance(tol if rtol is None else rtol, tol if atol is None else atol,
                     cos if min_cosine is None else min_cosine, dtype)


#: a value may differ from PyTorch's by this many times PyTorch's own float32-vs-float64 distance
REFERENCE_FACTOR = 4.0


def widen(tol: Tolerance, reference_rel: float, reference_cosine: float) -> tuple[float, float]:
    """(relative L2 error allowed, minimum cosine) for one value whose PyTorch float32 result lies
    `reference_rel` (relative L2) and `reference_cosine` from its float64 result. Never tighter than
    the defaults; 1 - cosine grows as the square of a relative error, hence the squared factor."""
    rel = max(tol.rtol, REFERENCE_FACTOR * reference_rel)
    floor = 1.0 - REFERENCE_FACTOR ** 2 * max(0.0, 1.0 - reference_cosine)
    return rel, min(tol.min_cosine, floor)


def network_dtype(torch_model) -> str:
    """The dtype of the first floating parameter (float32 when the network has none)."""
    for p in torch_model.parameters():
        if p.is_floating_point():
            return str(p.dtype).replace("torch.", "")
    return "float32"
