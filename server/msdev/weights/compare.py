"""Numeric agreement of two arrays: the one definition `weights diff` and `verify` both use."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Agreement:
    allclose: bool
    max_abs: float
    cosine: float
    shape_a: tuple[int, ...]
    shape_b: tuple[int, ...]

    @property
    def same_shape(self) -> bool:
        return self.shape_a == self.shape_b

    def to_dict(self) -> dict:
        return {"allclose": self.allclose, "max_abs_diff": _finite(self.max_abs), "cosine": _finite(self.cosine),
                "shape_a": list(self.shape_a), "shape_b": list(self.shape_b)}


def _finite(x: float):
    return x if np.isfinite(x) else None


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a = a.astype(np.float64).ravel()
    b = b.astype(np.float64).ravel()
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0.0 and nb == 0.0:
        return 1.0
    if na == 0.0 or nb == 0.0:
        return 0.0
    return float(np.dot(a, b) / (na * nb))


def agreement(a: np.ndarray, b: np.ndarray, rtol: float = 1e-3, atol: float = 1e-4) -> Agreement:
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape:
        if a.size == b.size:  # same data, different layout: still report the values
            res = agreement(a, b.reshape(a.shape), rtol, atol)
            return Agreement(False, res.max_abs, res.cosine, tuple(a.shape), tuple(b.shape))
        return Agreement(False, float("nan"), float("nan"), tuple(a.shape), tuple(b.shape))
    if a.dtype == np.bool_ or b.dtype == np.bool_:
        a, b = a.astype(np.int8), b.astype(np.int8)
    af = a.astype(np.float64)
    bf = b.astype(np.float64)
    if af.size == 0:
        return Agreement(True, 0.0, 1.0, tuple(a.shape), tuple(b.shape))
    diff = np.abs(af - bf)
    max_abs = float(np.nanmax(diff)) if np.isfinite(diff).any() else float("nan")
    close = bool(np.allclose(af, bf, rtol=rtol, atol=atol, equal_nan=True))
    return Agreement(close, max_abs, cosine(af, bf), tuple(a.shape), tuple(b.shape))
