"""Lazily loaded tensors and the dtype names each checkpoint format uses.

A checkpoint is read as an ordered mapping name → `LazyTensor`: the name, dtype and shape are
known up front, the data is read only when `load()` is called. Converting a checkpoint therefore
holds one tensor in memory at a time (the streaming the issue asks for).

bfloat16 has no numpy dtype: its data travels as uint16 words (the same bits), which is all a
rename, reshape or transpose needs; `as_float32()` widens it for comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

#: canonical dtype name → (numpy dtype used to carry the data, MindSpore ckpt tensor_type, safetensors dtype)
DTYPES: dict[str, tuple[str, str, str]] = {
    "float64": ("<f8", "Float64", "F64"),
    "float32": ("<f4", "Float32", "F32"),
    "float16": ("<f2", "Float16", "F16"),
    "bfloat16": ("<u2", "BFloat16", "BF16"),
    "int64": ("<i8", "Int64", "I64"),
    "int32": ("<i4", "Int32", "I32"),
    "int16": ("<i2", "Int16", "I16"),
    "int8": ("i1", "Int8", "I8"),
    "uint8": ("u1", "UInt8", "U8"),
    "bool": ("?", "Bool", "BOOL"),
    "complex64": ("<c8", "Complex64", "C64"),
}

#: PyTorch legacy storage class name (as pickled in a torch.save zip) → canonical dtype
TORCH_STORAGES: dict[str, str] = {
    "DoubleStorage": "float64",
    "FloatStorage": "float32",
    "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16",
    "LongStorage": "int64",
    "IntStorage": "int32",
    "ShortStorage": "int16",
    "CharStorage": "int8",
    "ByteStorage": "uint8",
    "BoolStorage": "bool",
    "ComplexFloatStorage": "complex64",
}

#: torch dtype attribute name (torch.float32 pickles as the global `torch float32`) → canonical dtype
TORCH_DTYPE_NAMES: dict[str, str] = {
    "float64": "float64", "double": "float64", "float32": "float32", "float": "float32",
    "float16": "float16", "half": "float16", "bfloat16": "bfloat16", "int64": "int64", "long": "int64",
    "int32": "int32", "int": "int32", "int16": "int16", "short": "int16", "int8": "int8",
    "uint8": "uint8", "bool": "bool", "complex64": "complex64",
}

MS_TYPES = {v[1]: k for k, v in DTYPES.items()}
SAFETENSORS_TYPES = {v[2]: k for k, v in DTYPES.items()}


def numpy_dtype(dtype: str) -> np.dtype:
    return np.dtype(DTYPES[dtype][0])


def itemsize(dtype: str) -> int:
    return numpy_dtype(dtype).itemsize


@dataclass
class LazyTensor:
    """A checkpoint entry whose data is read on demand."""

    name: str
    dtype: str  # a key of DTYPES
    shape: tuple[int, ...]
    loader: Callable[[], np.ndarray] = field(repr=False)

    @property
    def numel(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def nbytes(self) -> int:
        return self.numel * itemsize(self.dtype)

    def load(self) -> np.ndarray:
        """The data as a C-contiguous array of the carrier dtype, shaped `shape`."""
        arr = self.loader()
        if tuple(arr.shape) != tuple(self.shape):
            arr = arr.reshape(self.shape)
        return np.require(arr, requirements="C")

    def as_float32(self) -> np.ndarray:
        """The values widened to float32 (float64 kept), for numeric comparison."""
        return to_float(self.dtype, self.load())


def to_float(dtype: str, arr: np.ndarray) -> np.ndarray:
    if dtype == "bfloat16":
        return (arr.astype(np.uint32) << 16).view(np.float32)
    if dtype == "float64":
        return arr
    if dtype == "complex64":
        return np.abs(arr).astype(np.float32)
    return arr.astype(np.float32)


def from_array(name: str, arr: np.ndarray, dtype: str | None = None) -> LazyTensor:
    """Wrap an in-memory array (used by fills and by `msdev verify`)."""
    if dtype is None:
        dtype = next((k for k, v in DTYPES.items() if np.dtype(v[0]) == arr.dtype.newbyteorder("<")), None)
        if dtype is None or dtype == "bfloat16":
            raise ValueError(f"unsupported array dtype {arr.dtype} for {name}")
    data = np.require(arr, requirements="C")
    return LazyTensor(name, dtype, tuple(int(d) for d in data.shape), lambda: data)
