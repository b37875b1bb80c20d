"""Writing MindSpore checkpoints directly, one tensor at a time.

`.ckpt` is the protobuf message MindSpore 2.10 writes (checked by decoding a file from
`mindspore.save_checkpoint`):

    Checkpoint  { repeated Value value = 1; }
    Value       { string tag = 1; TensorProto tensor = 2; }
    TensorProto { repeated int64 dims = 1 (unpacked); string tensor_type = 2; bytes tensor_content = 3; }

Every length is known from the shape and dtype before the data is read, so each Value is
written as header + raw bytes straight from the array: memory holds one tensor at a time.

`.safetensors`: 8-byte little-endian header length, a JSON header (padded with spaces to a
multiple of 8), then the tensors back to back; MindSpore writes `{"format": "ms"}` as metadata.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import Iterable

import numpy as np

from .tensors import DTYPES, LazyTensor


class OutputExistsError(Exception):
    pass


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field_bytes(field_no: int, payload_len: int) -> bytes:
    return _varint((field_no << 3) | 2) + _varint(payload_len)


def _ckpt_value_header(t: LazyTensor) -> bytes:
    """Everything of one Value message that precedes the tensor bytes."""
    tag = t.name.encode("utf-8")
    ttype = DTYPES[t.dtype][1].encode("ascii")
    dims = b"".join(_varint(0x08) + _varint(int(d)) for d in t.shape)
    tensor_len = len(dims) + len(_field_bytes(2, len(ttype))) + len(ttype) + len(_field_bytes(3, t.nbytes)) + t.nbytes
    value_len = len(_field_bytes(1, len(tag))) + len(tag) + len(_field_bytes(2, tensor_len)) + tensor_len
    return b"".join([
        _field_bytes(1, value_len),
        _field_bytes(1, len(tag)), tag,
        _field_bytes(2, tensor_len),
        dims,
        _field_bytes(2, len(ttype)), ttype,
        _field_bytes(3, t.nbytes),
    ])


def _open_new(path: Path, overwrite: bool):
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path} exists; msdev does not overwrite files (pass --force to replace it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.msdev-tmp")
    return tmp, tmp.open("wb")


def _commit(tmp: Path, path: Path) -> None:
    os.replace(tmp, path)


def _write_tensor_bytes(fh, t: LazyTensor) -> None:
    arr = t.load()
    if arr.nbytes != t.nbytes:
        raise ValueError(f"{t.name}: data has {arr.nbytes} bytes, shape {t.shape} needs {t.nbytes}")
    if arr.nbytes:
        fh.write(arr.reshape(-1).view(np.uint8).data)


def write_ckpt(path: str | Path, tensors: Iterable[LazyTensor], overwrite: bool = False) -> int:
    """Write a MindSpore .ckpt; returns the number of parameters written."""
    path = Path(path)
    tmp, fh = _open_new(path, overwrite)
    count = 0
    try:
        with fh:
            for t in tensors:
                fh.write(_ckpt_value_header(t))
                _write_tensor_bytes(fh, t)
                count += 1
        _commit(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


def write_safetensors(path: str | Path, tensors: Iterable[LazyTensor], overwrite: bool = False) -> int:
    path = Path(path)
    items = list(tensors)
    header: dict[str, object] = {"__metadata__": {"format": "ms"}}
    offset = 0
    for t in items:
        header[t.name] = {"dtype": DTYPES[t.dtype][2], "shape": list(t.shape), "data_offsets": [offset, offset + t.nbytes]}
        offset += t.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    tmp, fh = _open_new(path, overwrite)
    try:
        with fh:
            fh.write(struct.pack("<Q", len(raw)))
            fh.write(raw)
            for t in items:
                _write_tensor_bytes(fh, t)
        _commit(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(items)


def write_checkpoint(path: str | Path, tensors: Iterable[LazyTensor], fmt: str = "ckpt", overwrite: bool = False) -> int:
    if fmt == "ckpt":
        return write_ckpt(path, tensors, overwrite)
    if fmt == "safetensors":
        return write_safetensors(path, tensors, overwrite)
    raise ValueError(f"unknown output format {fmt!r}")
