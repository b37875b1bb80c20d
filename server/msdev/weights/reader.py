"""Reading checkpoints without torch or mindspore, and without ever running code from the file.

PyTorch's `torch.save` writes a zip: `<archive>/data.pkl` (a pickle describing the objects) and one
member per storage under `<archive>/data/`. A pickle can name any importable callable and have it
called, so `data.pkl` is read by `SafeUnpickler`, which resolves only a short list of globals and
maps each to a stand-in defined here; the real torch/numpy/builtin callable is never looked up.
Any other global makes the whole file fail with `UnsafeCheckpointError`.

Also read: `.safetensors` (a JSON header + raw data) and MindSpore `.ckpt` (protobuf, decoded by
hand), both lazily.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .tensors import (MS_TYPES, SAFETENSORS_TYPES, TORCH_DTYPE_NAMES, TORCH_STORAGES, LazyTensor, itemsize,
                      numpy_dtype)


class CheckpointError(Exception):
    """The file is not a checkpoint msdev can read (a user error: one clear line)."""


class UnsafeCheckpointError(CheckpointError):
    """The pickle names a callable outside the allow-list: it could run code, so it is refused."""


#: keys under which training scripts commonly nest the state dict in a full checkpoint
STATE_DICT_KEYS = ("state_dict", "model_state_dict", "model", "module", "net", "network", "model_state")

#: refuse absurd safetensors headers before parsing them
_MAX_HEADER = 256 * 1024 * 1024


# --------------------------------------------------------------------------- pickle stand-ins

@dataclass(frozen=True)
class _StorageType:
    dtype: str


@dataclass(frozen=True)
class _StorageRef:
    key: str
    dtype: str
    numel: int


@dataclass
class _TensorRef:
    storage: _StorageRef
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


class _Opaque:
    """Stand-in for a data-only object (argparse.Namespace, numpy scalars) we have no use for."""

    def __init__(self, *args: Any, **kwargs: Any):
        self.args = args

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def __repr__(self) -> str:
        return "<opaque>"


def _rebuild_tensor(storage: Any, storage_offset: int, size: Any, stride: Any, *rest: Any) -> _TensorRef:
    if not isinstance(storage, _StorageRef):
        raise CheckpointError("a tensor in the pickle does not refer to a storage of the archive")
    return _TensorRef(storage, int(storage_offset), tuple(int(s) for s in size), tuple(int(s) for s in stride))


def _rebuild_parameter(data: Any, *rest: Any) -> Any:
    return data


def _ordered_dict(*args: Any) -> OrderedDict:
    return OrderedDict(*args) if args and isinstance(args[0], (list, tuple, dict)) else OrderedDict()


def _size(*args: Any) -> tuple:
    return tuple(args[0]) if args else ()


def _dtype_marker(name: str) -> str:
    return f"torch.{name}"


_SAFE_GLOBALS: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): _ordered_dict,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch", "Size"): _size,
    ("torch", "device"): lambda *a: "device",
    ("argparse", "Namespace"): _Opaque,
    ("numpy.core.multiarray", "scalar"): _Opaque,
    ("numpy._core.multiarray", "scalar"): _Opaque,
    ("numpy.core.multiarray", "_reconstruct"): _Opaque,
    ("numpy._core.multiarray", "_reconstruct"): _Opaque,
    ("numpy", "dtype"): _Opaque,
    ("numpy", "ndarray"): _Opaque,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "slice"): slice,
}
for _name, _dt in TORCH_STORAGES.items():
    _SAFE_GLOBALS[("torch", _name)] = _StorageType(_dt)
for _name in TORCH_DTYPE_NAMES:
    _SAFE_GLOBALS[("torch", _name)] = _dtype_marker(_name)


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the allow-listed globals, each to a harmless stand-in."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _SAFE_GLOBALS[(module, name)]
        except KeyError:
            raise UnsafeCheckpointError(
                f"the pickle refers to {module}.{name}, which could run code; msdev loads only "
                "tensors and plain containers (save model.state_dict(), not the model object)") from None

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise CheckpointError(f"unknown persistent id in the pickle: {pid!r:.80}")
        storage_type, key, _location, numel = pid[1], pid[2], pid[3], pid[4]
        if isinstance(storage_type, _StorageType):
            dtype = storage_type.dtype
        elif isinstance(storage_type, str) and storage_type.startswith("torch."):
            dtype = TORCH_DTYPE_NAMES.get(storage_type[6:], "")
            if not dtype:
                raise CheckpointError(f"unsupported tensor dtype {storage_type}")
        else:
            raise CheckpointError(f"unsupported storage type in the pickle: {storage_type!r:.80}")
        return _StorageRef(str(key), dtype, int(numel))


# --------------------------------------------------------------------------- torch zip

@dataclass
class Checkpoint:
    """What was read: the tensors (ordered) plus notes for the user (e.g. which key held them)."""

    path: Path
    format: str  # torch-zip | safetensors | mindspore-ckpt
    tensors: "OrderedDict[str, LazyTensor]"
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # non-tensor entries of the state dict
    #: groups of names that are one tensor in the file (tied weights: `wte.weight` is `lm_head.weight`)
    tied: list[list[str]] = field(default_factory=list)


def _array_from_storage(raw: bytes | bytearray, ref: _TensorRef, big_endian: bool) -> np.ndarray:
    dt = numpy_dtype(ref.storage.dtype)
    if big_endian and dt.itemsize > 1:
        dt = dt.newbyteorder(">")
    flat = np.frombuffer(raw, dtype=dt)
    numel = 1
    for d in ref.size:
        numel *= d
    contiguous = _contiguous_strides(ref.size)
    if numel == 0:
        arr = np.zeros(ref.size, dtype=dt)
    elif ref.stride == contiguous or numel == 1:
        arr = flat[ref.offset: ref.offset + numel].reshape(ref.size)
    else:
        last = ref.offset + sum((s - 1) * st for s, st in zip(ref.size, ref.stride))
        if ref.offset < 0 or last >= flat.size or any(st < 0 for st in ref.stride):
            raise CheckpointError("a tensor's strides reach outside its storage")
        arr = np.lib.stride_tricks.as_strided(flat[ref.offset:], shape=ref.size,
                                              strides=[st * dt.itemsize for st in ref.stride])
    if big_endian and dt.itemsize > 1:
        arr = arr.astype(dt.newbyteorder("<"))
    return np.require(arr, requirements="C")


def _contiguous_strides(size: tuple[int, ...]) -> tuple[int, ...]:
    strides, acc = [], 1
    for d in reversed(size):
        strides.append(acc)
        acc *= max(d, 1)
    return tuple(reversed(strides))


def _flatten_state(obj: Any, prefix: str, out: "OrderedDict[str, Any]") -> None:
    for k, v in obj.items():
        out[f"{prefix}{k}"] = v


def _pick_state_dict(obj: Any, key: str | None, notes: list[str]) -> dict:
    """The mapping of tensors inside a loaded pickle: the top object or one of its known keys."""
    if not isinstance(obj, dict):
        raise CheckpointError(f"the checkpoint holds a {type(obj).__name__}, not a dict of tensors")
    if key is not None:
        if key not in obj or not isinstance(obj[key], dict):
            raise CheckpointError(f"the checkpoint has no dict under key {key!r} "
                                  f"(top-level keys: {', '.join(map(str, list(obj)[:12]))})")
        notes.append(f"tensors read from the checkpoint's {key!r} entry")
        return obj[key]
    if not obj:  # `torch.save(model.state_dict())` of a model without parameters or buffers (a filter module)
        notes.append("the checkpoint is empty: the model has no parameters or buffers (nothing to load;"
                     " MindSpore's load_checkpoint refuses an empty file)")
        return obj
    if any(isinstance(v, _TensorRef) for v in obj.values()) and not any(
            isinstance(obj.get(k), dict) and any(isinstance(v, _TensorRef) for v in obj[k].values())
            for k in STATE_DICT_KEYS):
        return obj
    for k in STATE_DICT_KEYS:
        v = obj.get(k)
        if isinstance(v, dict) and any(isinstance(t, _TensorRef) for t in v.values()):
            notes.append(f"tensors read from the checkpoint's {k!r} entry")
            return v
    raise CheckpointError("found no state dict in the checkpoint: no tensors at the top level nor under "
                          + ", ".join(repr(k) for k in STATE_DICT_KEYS))


def read_torch_zip(path: Path, key: str | None = None) -> Checkpoint:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        # it starts like a zip (that is how it got here), so its end, the zip directory, is missing
        size = path.stat().st_size
        raise CheckpointError(
            f"{path} is damaged or truncated: it starts as a torch.save zip archive but its zip directory "
            f"(at the end of the file) is missing or broken ({size:,} bytes); copy or download it again") from None
    names = zf.namelist()
    pkl = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1] or [n for n in names if n == "data.pkl"]
    if not pkl:
        raise CheckpointError(f"{path} is a zip but holds no data.pkl: not a torch.save checkpoint")
    root = pkl[0][: -len("data.pkl")]
    big_endian = False
    if f"{root}byteorder" in names:
        big_endian = zf.read(f"{root}byteorder").strip() == b"big"
    try:
        obj = SafeUnpickler(io.BytesIO(zf.read(pkl[0]))).load()
    except CheckpointError:
        raise
    except Exception as exc:  # a malformed pickle: report, never trace back
        raise CheckpointError(f"{path}: cannot read data.pkl ({type(exc).__name__}: {exc})") from None
    notes: list[str] = []
    state = _pick_state_dict(obj, key, notes)
    tensors: OrderedDict[str, LazyTensor] = OrderedDict()
    skipped: list[str] = []
    member_names = set(names)
    views: dict[tuple, list[str]] = {}
    for name, value in state.items():
        if not isinstance(value, _TensorRef):
            skipped.append(str(name))
            continue
        member = f"{root}data/{value.storage.key}"
        if member not in member_names:
            raise CheckpointError(f"{path}: tensor {name} refers to missing archive member {member}")
        tensors[str(name)] = LazyTensor(str(name), value.storage.dtype, value.size,
                                        _zip_loader(zf, member, value, big_endian))
        views.setdefault((value.storage.key, value.offset, value.size, value.stride), []).append(str(name))
    tied = [group for group in views.values() if len(group) > 1]
    return Checkpoint(path, "torch-zip", tensors, notes, skipped, tied)


def _zip_loader(zf: zipfile.ZipFile, member: str, ref: _TensorRef, big_endian: bool):
    def load() -> np.ndarray:
        info = zf.getinfo(member)
        need = ref.storage.numel * itemsize(ref.storage.dtype)
        if info.file_size < need:
            raise CheckpointError(f"archive member {member} is shorter than its storage")
        return _array_from_storage(zf.read(member), ref, big_endian)
    return load


# --------------------------------------------------------------------------- safetensors

def read_safetensors(path: Path) -> Checkpoint:
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(8)
        if len(head) < 8:
            raise CheckpointError(f"{path} is too short to be a safetensors file")
        (n,) = struct.unpack("<Q", head)
        if n > min(_MAX_HEADER, size - 8):
            raise CheckpointError(f"{path} is not a safetensors file (header length {n} is impossible)")
        try:
            header = json.loads(fh.read(n))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CheckpointError(f"{path}: unreadable safetensors header ({exc})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: the safetensors header is not a JSON object")
    base = 8 + n
    tensors: OrderedDict[str, LazyTensor] = OrderedDict()
    entries = [(k, v) for k, v in header.items() if k != "__metadata__"]
    entries.sort(key=lambda kv: (kv[1].get("data_offsets") or [0])[0] if isinstance(kv[1], dict) else 0)
    for name, info in entries:
        try:
            dtype = SAFETENSORS_TYPES[info["dtype"]]
            shape = tuple(int(d) for d in info["shape"])
            start, end = (int(x) for x in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise CheckpointError(f"{path}: bad safetensors entry for {name!r} (dtype, shape or offsets)") from None
        t = LazyTensor(name, dtype, shape, lambda: np.zeros(0))
        if end - start != t.nbytes or start < 0 or base + end > size:
            raise CheckpointError(f"{path}: safetensors entry {name!r} has offsets that do not fit its shape")
        t.loader = _file_loader(path, base + start, end - start, dtype)
        tensors[name] = t
    return Checkpoint(path, "safetensors", tensors)


def _file_loader(path: Path, offset: int, length: int, dtype: str):
    def load() -> np.ndarray:
        with path.open("rb") as fh:
            fh.seek(offset)
            raw = fh.read(length)
        return np.frombuffer(raw, dtype=numpy_dtype(dtype))
    return load


# --------------------------------------------------------------------------- MindSpore .ckpt

def _varint(fh: BinaryIO) -> int | None:
    shift = result = 0
    while True:
        b = fh.read(1)
        if not b:
            if shift == 0:
                return None
            raise CheckpointError("truncated varint")
        result |= (b[0] & 0x7F) << shift
        if not b[0] & 0x80:
            return result
        shift += 7
        if shift > 63:
            raise CheckpointError("malformed varint")


def _skip(fh: BinaryIO, wire: int) -> None:
    if wire == 0:
        _varint(fh)
    elif wire == 1:
        fh.seek(8, os.SEEK_CUR)
    elif wire == 2:
        fh.seek(_varint(fh) or 0, os.SEEK_CUR)
    elif wire == 5:
        fh.seek(4, os.SEEK_CUR)
    else:
        raise CheckpointError(f"unsupported protobuf wire type {wire}")


def read_mindspore_ckpt(path: Path) -> Checkpoint:
    """Index a MindSpore checkpoint: `Checkpoint{repeated Value value=1}`, data read lazily."""
    size = path.stat().st_size
    parts: "OrderedDict[str, dict[str, Any]]" = OrderedDict()
    with path.open("rb") as fh:
        while True:
            key = _varint(fh)
            if key is None:
                break
            field_no, wire = key >> 3, key & 7
            if field_no != 1 or wire != 2:
                _skip(fh, wire)
                continue
            length = _varint(fh) or 0
            end = fh.tell() + length
            if end > size:
                raise CheckpointError(f"{path} is truncated or not a MindSpore checkpoint")
            tag, dims, ttype, chunks = None, [], None, []
            while fh.tell() < end:
                k = _varint(fh)
                f, w = k >> 3, k & 7
                if f == 1 and w == 2:
                    tag = fh.read(_varint(fh) or 0).decode("utf-8", "replace")
                elif f == 2 and w == 2:
                    tend = fh.tell() + (_varint(fh) or 0)
                    while fh.tell() < tend:
                        k2 = _varint(fh)
                        f2, w2 = k2 >> 3, k2 & 7
                        if f2 == 1 and w2 == 0:
                            dims.append(_varint(fh))
                        elif f2 == 1 and w2 == 2:  # packed dims
                            pend = fh.tell() + (_varint(fh) or 0)
                            while fh.tell() < pend:
                                dims.append(_varint(fh))
                        elif f2 == 2 and w2 == 2:
                            ttype = fh.read(_varint(fh) or 0).decode("ascii", "replace")
                        elif f2 == 3 and w2 == 2:
                            n = _varint(fh) or 0
                            chunks.append((fh.tell(), n))
                            fh.seek(n, os.SEEK_CUR)
                        else:
                            _skip(fh, w2)
                else:
                    _skip(fh, w)
            fh.seek(end)
            if tag is None or ttype is None:
                continue
            if ttype not in MS_TYPES:
                raise CheckpointError(f"{path}: parameter {tag} has unsupported tensor type {ttype}")
            if tag in parts:  # MindSpore splits very large parameters into several values
                parts[tag]["chunks"].extend(chunks)
            else:
                parts[tag] = {"dims": tuple(int(d) for d in dims), "dtype": MS_TYPES[ttype], "chunks": chunks}
    if not parts and size:
        raise CheckpointError(f"{path} holds no MindSpore parameters (not a .ckpt file?)")
    tensors: OrderedDict[str, LazyTensor] = OrderedDict()
    for tag, p in parts.items():
        t = LazyTensor(tag, p["dtype"], p["dims"], _chunks_loader(path, p["chunks"], p["dtype"]))
        if sum(n for _, n in p["chunks"]) != t.nbytes:
            raise CheckpointError(f"{path}: parameter {tag} holds {sum(n for _, n in p['chunks'])} bytes, "
                                  f"its shape {p['dims']} needs {t.nbytes}")
        tensors[tag] = t
    return Checkpoint(path, "mindspore-ckpt", tensors)


def _chunks_loader(path: Path, chunks: list[tuple[int, int]], dtype: str):
    def load() -> np.ndarray:
        with path.open("rb") as fh:
            buf = bytearray()
            for off, n in chunks:
                fh.seek(off)
                buf += fh.read(n)
        return np.frombuffer(bytes(buf), dtype=numpy_dtype(dtype))
    return load


# --------------------------------------------------------------------------- dispatch

def sniff_format(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(16)
    if head[:4] == b"PK\x03\x04":
        return "torch-zip"
    if head[:2] in (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05"):
        return "legacy-pickle"
    if len(head) >= 9 and head[8:9] == b"{":
        return "safetensors"
    if head[:1] == b"\x0a":
        return "mindspore-ckpt"
    return "unknown"


def read_checkpoint(path: str | Path, key: str | None = None) -> Checkpoint:
    """Read any supported checkpoint (format sniffed from the content, not the suffix)."""
    p = Path(path)
    if not p.is_file():
        raise CheckpointError(f"checkpoint not found: {p}")
    fmt = sniff_format(p)
    if fmt == "torch-zip":
        return read_torch_zip(p, key)
    if fmt == "safetensors":
        return read_safetensors(p)
    if fmt == "mindspore-ckpt":
        return read_mindspore_ckpt(p)
    if fmt == "legacy-pickle":
        raise CheckpointError(f"{p} uses the legacy (pre-1.6) torch.save format or is a bare pickle; "
                              "msdev reads zip checkpoints only: re-save it with torch.save")
    raise CheckpointError(f"{p}: unrecognised checkpoint format (expected a torch.save zip, .safetensors or .ckpt)")
