"""Default tolerances of `msdev verify`, per floating dtype of the PyTorch network.

The values follow MindSpore's own model-parity tests (fp32 5e-4, fp16 5e-3, bf16 5e-2): rtol and
atol both take the dtype's value unless the user gives them. The cosine floor loosens with the
dtype for the same reason (fewer mantissa bits accumulate more rounding over a deep network).
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


def network_dtype(torch_model) -> str:
    """The dtype of the first floating parameter (float32 when the network has none)."""
    for p in torch_model.parameters():
        if p.is_floating_point():
            return str(p.dtype).replace("torch.", "")
    return "float32"
