"""Checkpoint reading (safe unpickling) and writing, without torch or mindspore."""

import io
import json
import pickle
import struct
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

from msdev.weights.reader import (CheckpointError, UnsafeCheckpointError, read_checkpoint, read_mindspore_ckpt,
                                  read_safetensors)
from msdev.weights.tensors import LazyTensor, from_array
from msdev.weights.writer import OutputExistsError, write_ckpt, write_safetensors


class _Global:
    """Pickles as a reference to an arbitrary global (what torch.save emits for its helpers)."""

    def __init__(self, module, name):
        self.module, self.name = module, name


class _Pickler(pickle.Pickler):
    def __init__(self, fh, storages):
        super().__init__(fh, protocol=2)
        self.storages = storages

    def persistent_id(self, obj):
        if isinstance(obj, tuple) and obj and obj[0] == "__storage__":
            return ("storage", _Global("torch", obj[1]), obj[2], "cpu", obj[3])
        return None

    def reducer_override(self, obj):
        if isinstance(obj, _Global):
            return NotImplemented
        return NotImplemented


def _global_bytes(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def torch_like_zip(path, tensors: dict, extra_top=None, wrap_key=None):
    """Write a file laid out exactly like torch.save's zip (hand-built pickle, protocol 2)."""
    body = bytearray(b"\x80\x02")
    body += _global_bytes("collections", "OrderedDict") + b")R("
    storages = {}
    for i, (name, arr) in enumerate(tensors.items()):
        key = str(i)
        storages[key] = arr
        stype = {"float32": "FloatStorage", "int64": "LongStorage", "float16": "HalfStorage"}[str(arr.dtype)]
        body += pickle.dumps(name, protocol=2)[2:-1]
        body += _global_bytes("torch._utils", "_rebuild_tensor_v2") + b"("
        body += b"(" + pickle.dumps("storage", protocol=2)[2:-1] + _global_bytes("torch", stype)
        body += pickle.dumps(key, protocol=2)[2:-1] + pickle.dumps("cpu", protocol=2)[2:-1]
        body += pickle.dumps(int(arr.size), protocol=2)[2:-1] + b"tQ"
        body += pickle.dumps(0, protocol=2)[2:-1]
        strides = tuple(int(s // arr.itemsize) for s in arr.strides)
        body += pickle.dumps(tuple(arr.shape), protocol=2)[2:-1] + pickle.dumps(strides, protocol=2)[2:-1]
        body += b"\x89" + _global_bytes("collections", "OrderedDict") + b")Rt" + b"R"
    body += b"u"
    if wrap_key:
        inner = bytes(body[2:])
        body = bytearray(b"\x80\x02}(" + pickle.dumps(wrap_key, protocol=2)[2:-1] + inner
                         + pickle.dumps("epoch", protocol=2)[2:-1] + b"K\x03u")
    body += b"."
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.pkl", bytes(body))
        zf.writestr("archive/byteorder", "little")
        for key, arr in storages.items():
            zf.writestr(f"archive/data/{key}", np.ascontiguousarray(arr).tobytes())
        zf.writestr("archive/version", "3\n")
    return path


def test_reads_torch_zip_state_dict(tmp_path):
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    n = np.array(7, dtype=np.int64)
    cp = read_checkpoint(torch_like_zip(tmp_path / "m.pth", {"fc.weight": w, "bn.num_batches_tracked": n}))
    assert cp.format == "torch-zip"
    assert list(cp.tensors) == ["fc.weight", "bn.num_batches_tracked"]
    assert cp.tensors["fc.weight"].shape == (2, 3)
    np.testing.assert_array_equal(cp.tensors["fc.weight"].load(), w)
    assert cp.tensors["bn.num_batches_tracked"].load().item() == 7


def test_reads_full_checkpoint_dict(tmp_path):
    w = np.ones((2, 2), np.float32)
    cp = read_checkpoint(torch_like_zip(tmp_path / "full.pth", {"w": w}, wrap_key="state_dict"))
    assert list(cp.tensors) == ["w"]
    assert any("state_dict" in n for n in cp.notes)


def test_reads_the_empty_state_dict_of_a_model_without_parameters(tmp_path):
    """`torch.save(GaussianBlur2d().state_dict())`: an empty dict, read as zero tensors with a note (it was
    refused as "no state dict")."""
    cp = read_checkpoint(torch_like_zip(tmp_path / "empty.pth", {}))
    assert list(cp.tensors) == []
    assert any("empty" in n for n in cp.notes)


def test_rejects_malicious_pickle_without_running_it(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            import os
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.pth"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps({"x": Evil()}, protocol=2))
        zf.writestr("archive/version", "3\n")
    with pytest.raises(UnsafeCheckpointError) as err:
        read_checkpoint(path)
    assert "system" in str(err.value)
    assert not marker.exists()


def test_rejects_legacy_and_garbage(tmp_path):
    legacy = tmp_path / "legacy.pth"
    legacy.write_bytes(pickle.dumps({"a": 1}, protocol=2))
    with pytest.raises(CheckpointError, match="legacy"):
        read_checkpoint(legacy)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"hello world, not a checkpoint")
    with pytest.raises(CheckpointError, match="unrecognised"):
        read_checkpoint(junk)


def _tensors():
    return [from_array("a.weight", np.arange(12, dtype=np.float32).reshape(3, 4)),
            from_array("a.bias", np.array([1.5, -2.0], dtype=np.float16)),
            from_array("step", np.array(3, dtype=np.int64)),
            from_array("mask", np.array([True, False]))]


def test_ckpt_round_trip_and_bytes(tmp_path):
    out = tmp_path / "o.ckpt"
    assert write_ckpt(out, _tensors()) == 4
    cp = read_mindspore_ckpt(out)
    assert list(cp.tensors) == ["a.weight", "a.bias", "step", "mask"]
    assert cp.tensors["a.bias"].dtype == "float16"
    np.testing.assert_array_equal(cp.tensors["a.weight"].load(), np.arange(12, dtype=np.float32).reshape(3, 4))
    assert cp.tensors["step"].shape == ()
    # the exact encoding MindSpore 2.10 writes for a scalar float32 named "e" holding 3.0
    scalar = tmp_path / "s.ckpt"
    write_ckpt(scalar, [from_array("e", np.array(3.0, dtype=np.float32))])
    assert scalar.read_bytes() == bytes.fromhex("0a140a0165120f1207466c6f617433321a0400004040")


def test_safetensors_round_trip(tmp_path):
    out = tmp_path / "o.safetensors"
    write_safetensors(out, _tensors())
    raw = out.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0
    header = json.loads(raw[8:8 + n])
    assert header["__metadata__"] == {"format": "ms"}
    assert header["a.weight"] == {"dtype": "F32", "shape": [3, 4], "data_offsets": [0, 48]}
    cp = read_safetensors(out)
    np.testing.assert_array_equal(cp.tensors["mask"].load(), [True, False])


def test_never_overwrites(tmp_path):
    out = tmp_path / "o.ckpt"
    out.write_text("user file")
    with pytest.raises(OutputExistsError):
        write_ckpt(out, _tensors())
    assert out.read_text() == "user file"


def test_truncated_zip_checkpoint_is_called_damaged_not_legacy(tmp_path):
    whole = tmp_path / "whole.pth"
    with zipfile.ZipFile(whole, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps({"a": 1}, protocol=2))
        zf.writestr("archive/version", "3\n" + "x" * 4000)
    cut = tmp_path / "cut.pth"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(CheckpointError) as err:
        read_checkpoint(cut)
    message = str(err.value)
    assert "damaged or truncated" in message and "legacy" not in message


def test_guessed_count_never_exceeds_what_was_written():
    from msdev.weights.convert import ConvertResult
    from msdev.weights.mapping import MapEntry, WeightMap

    entries = [MapEntry("a.weight", "a.weight", how="guess"), MapEntry("bn.running_mean", "bn.moving_mean", how="guess"),
               MapEntry("bn.num_batches_tracked", None, how="guess")]
    counts = ConvertResult(None, WeightMap(entries=entries), written=2, output=None, format="ckpt").counts()
    assert counts["written"] == 2 and counts["guessed"] == 2 and counts["dropped"] == 1
