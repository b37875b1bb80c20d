"""Judging two outputs (already made framework-neutral by the worker's `plain`).

A plain value is None, bool, int, float, str, a numpy array, a list (tuple/list outputs) or a
dict. Returns None when they agree, else (reason, detail): reason is one of wrong-shape,
wrong-dtype, wrong-value, wrong-type, wrong-structure; it keys the summary's fail counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

DEFAULT_RTOL = 1e-4
DEFAULT_ATOL = 1e-5


def _kind(a: np.ndarray) -> str:
    k = a.dtype.kind
    return {"u": "i", "i": "i", "f": "f", "b": "b", "c": "c"}.get(k, k)


def _as_array(v: Any) -> np.ndarray | None:
    if isinstance(v, np.ndarray):
        return v
    if isinstance(v, (bool, int, float, complex, np.generic)):
        return np.asarray(v)
    return None


def compare(a: Any, b: Any, mode: str = "values", rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL,
            where: str = "out") -> tuple[str, str] | None:
    """PyTorch's output `a` against MindSpore's `b`."""
    if mode == "runs":
        return None
    arr_a, arr_b = _as_array(a), _as_array(b)
    if arr_a is not None and arr_b is not None:
        return _compare_arrays(arr_a, arr_b, mode, rtol, atol, where)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return "wrong-structure", f"{where}: {len(a)} items in PyTorch, {len(b)} in MindSpore"
        for i, (x, y) in enumerate(zip(a, b)):
            bad = compare(x, y, mode, rtol, atol, f"{where}[{i}]")
            if bad:
                return bad
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        if sorted(a) != sorted(b):
            return "wrong-structure", f"{where}: keys {sorted(a)} vs {sorted(b)}"
        for k in a:
            bad = compare(a[k], b[k], mode, rtol, atol, f"{where}[{k!r}]")
            if bad:
                return bad
        return None
    if type(a) is not type(b) and not (arr_a is None and arr_b is None and isinstance(a, str) and isinstance(b, str)):
        return "wrong-type", f"{where}: {_describe(a)} in PyTorch, {_describe(b)} in MindSpore"
    if a != b:
        return "wrong-value", f"{where}: {a!r} vs {b!r}"
    return None


def _describe(v: Any) -> str:
    if isinstance(v, np.ndarray):
        return f"tensor{list(v.shape)}"
    return type(v).__name__


def _compare_arrays(a: np.ndarray, b: np.ndarray, mode: str, rtol: float, atol: float,
                    where: str) -> tuple[str, str] | None:
    if a.shape != b.shape:
        return "wrong-shape", f"{where}: shape {list(a.shape)} in PyTorch, {list(b.shape)} in MindSpore"
    if _kind(a) != _kind(b):
        return "wrong-dtype", f"{where}: {a.dtype} in PyTorch, {b.dtype} in MindSpore"
    if mode == "shape" or a.size == 0:
        return None
    if a.dtype.kind in "biu" and b.dtype.kind in "biu":
        if atol >= 1:  # pixel values: two resamplers may round differently
            worst = int(np.max(np.abs(a.astype(np.int64) - b.astype(np.int64))))
            if worst > atol:
                return "wrong-value", f"{where}: max abs diff {worst} (atol {atol:g})"
            return None
        if not np.array_equal(a, b):
            return "wrong-value", f"{where}: {int(np.sum(a != b))} of {a.size} values differ"
        return None
    af, bf = a.astype(np.complex128 if _kind(a) == "c" else np.float64), b.astype(
        np.complex128 if _kind(b) == "c" else np.float64)
    if mode == "distribution":
        # random ops: same law, different draws — means and spreads agree loosely
        ma, mb, sa, sb = af.real.mean(), bf.real.mean(), af.real.std(), bf.real.std()
        scale = max(abs(sa), abs(sb), 1e-6)
        if abs(ma - mb) > 0.5 * scale + atol or abs(sa - sb) > 0.5 * scale + atol:
            return "wrong-distribution", f"{where}: mean/std {ma:.3g}/{sa:.3g} vs {mb:.3g}/{sb:.3g}"
        return None
    if not np.allclose(af, bf, rtol=rtol, atol=atol, equal_nan=True):
        diff = np.abs(af - bf)
        worst = float(np.nanmax(diff)) if np.isfinite(diff).any() else float("nan")
        return "wrong-value", f"{where}: max abs diff {worst:.3g} (rtol {rtol:g}, atol {atol:g})"
    return None
