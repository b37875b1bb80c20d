"""Facts in the database checked against the real packages (torch 2.13, mindspore 2.10)."""

from __future__ import annotations

import importlib
import os

import pytest

pytest.importorskip("torch")
os.environ.setdefault("GLOG_v", "3")
pytest.importorskip("mindspore")

from msdev.db.importer import MS_NAME_FIXES, TORCH_NAME_FIXES, torch_names  # noqa: E402
from msdev.dbverify.worker import import_torchvision  # noqa: E402

import_torchvision()  # curated torchvision entries are checked too (the verify extra installs it)

pytestmark = pytest.mark.frameworks


def resolve(name: str, missing=None):
    """The object a dotted name stands for, or `missing` (a name may stand for None: torch.newaxis)."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except Exception:  # noqa: BLE001 - not a module at this depth
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return missing
        return obj
    return missing


def test_name_fixes_resolve():
    for wrong, right in TORCH_NAME_FIXES.items():
        assert resolve(wrong) is None, wrong
        assert resolve(right) is not None, right
    for wrong, right in MS_NAME_FIXES.items():
        assert resolve(wrong) is None, wrong
        assert resolve(right) is not None, right


def test_curated_targets_exist_in_mindspore(db):
    missing = []
    for e in db.entries.values():
        for prof, t in e.targets.items():
            if t.source == "curated" and t.api and resolve(t.api) is None:
                missing.append(f"{e.api} [{prof}] -> {t.api}")
    assert missing == []


def _optimizer_instance():
    import torch
    return torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1)


def _scheduler_instance():
    import torch
    return torch.optim.lr_scheduler.StepLR(_optimizer_instance(), 2)


def _normal_instance():
    import torch
    return torch.distributions.Normal(0.0, 1.0)


#: members PyTorch sets on each instance in __init__ (no class attribute resolves): checked on one
INSTANCE_MEMBERS = {"torch.optim.Optimizer.param_groups": _optimizer_instance,
                    "torch.optim.lr_scheduler.LRScheduler.last_epoch": _scheduler_instance,
                    "torch.distributions.Normal.loc": _normal_instance,
                    "torch.distributions.Normal.scale": _normal_instance}


def _instance_member(api: str) -> bool:
    make = INSTANCE_MEMBERS.get(api)
    return make is not None and hasattr(make(), api.rpartition(".")[2])


def test_curated_entries_name_real_torch_apis(db):
    missing = [e.api for e in db.entries.values()
               if e.targets["portable"].source == "curated" and resolve(e.api, missing=KeyError) is KeyError
               and not _instance_member(e.api) and not _torchvision_op_called(e.api)]
    assert missing == []


def _torchvision_op_called(api: str) -> bool:
    """`torch.ops.torchvision.roi_align`: torchvision's compiled operators cannot load here (its only wheel
    is a CUDA build), so the name is checked against torchvision's own Python source, which calls it."""
    prefix = "torch.ops.torchvision."
    if not api.startswith(prefix):
        return False
    import pathlib

    import torchvision

    call = f"{prefix}{api[len(prefix):]}("
    return any(call in f.read_text(encoding="utf-8", errors="replace")
               for f in pathlib.Path(torchvision.__file__).parent.rglob("*.py"))


def test_torch_names_facts():
    data = torch_names()
    mods = set(data["modules"])
    for required in ("torch", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.utils.data",
                     "torch.optim", "torch.optim.lr_scheduler", "torch.cuda", "torch.distributed",
                     "torch.autograd", "torch.jit", "torch.fx", "torch.linalg", "torch.fft",
                     "torch.special", "torch.hub", "torch.utils.checkpoint", "torchvision",
                     "torchvision.transforms", "torchvision.models", "torchvision.ops", "torchaudio",
                     "torchtext"):
        assert required in mods, required
    members = set(data["tensor_members"])
    assert {"view", "size", "shape", "permute"} <= members
    assert not any(m.startswith("_") for m in members)
    assert {"shape", "dtype", "device", "ndim", "grad", "data"} <= set(data["tensor_attributes"])
    assert {"size", "item", "tolist", "shape"} <= set(data["tensor_non_tensor_returns"])
    assert "view" not in data["tensor_non_tensor_returns"]


#: the aten operator prefix of each namespace whose functions PyTorch binds from its operator schemas
_ATEN_PREFIXES = (("torch.linalg.", "linalg_"), ("torch.special.", "special_"), ("torch.fft.", "fft_"),
                  ("torch.Tensor.", ""), ("torch.", ""))
#: parameter names an entry may list that no signature spells: tuple `out=` of ops returning several
#: tensors, and the factory keywords every creation function takes
_PSEUDO_PARAMS = {"out", "dtype", "layout", "device", "pin_memory", "requires_grad", "memory_format", "generator"}
#: keywords PyTorch's argument parser takes beyond the schemas (`nonzero(as_tuple=)`, `cuda(non_blocking=)`,
#: `sparse_coo_tensor(check_invariants=)`), and the one positional slot of the split functions, whose
#: overloads call it `sections` or `indices`
_PARSER_PARAMS = {"as_tuple", "non_blocking", "check_invariants", "indices_or_sections", "split_size_or_sections"}


def _pytorch_keywords(api: str, obj) -> set[str] | None:
    """The keywords PyTorch's own signature of `obj` accepts: a Python function's parameters, or the
    argument names of the aten schemas a builtin is bound from (`self` is `input` for a function)."""
    import inspect

    import torch
    try:
        return {p.name for p in inspect.signature(obj).parameters.values()
                if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    except (TypeError, ValueError):
        pass
    if not callable(obj) or "." in api.rsplit(".", 1)[0].replace("torch.", "", 1).replace("Tensor", "", 1).strip("."):
        return None
    for prefix, aten in _ATEN_PREFIXES:
        if api.startswith(prefix) and "." not in api[len(prefix):]:
            schemas = torch._C._jit_get_schemas_for_operator(f"aten::{aten}{api[len(prefix):]}")
            if not schemas:
                return None
            method = prefix == "torch.Tensor."
            return {("input" if not method else "self") if a.name == "self" else a.name
                    for s in schemas for a in s.arguments}
    return None


def test_entry_params_are_pytorch_keywords(db):
    """An entry's `params` are the names a keyword call uses: a name PyTorch does not accept
    (`A` for torch.matrix_exp's `input`, `b` for torch.lu_solve's) leaves `f(input=x)` unconverted
    and the docs-style name matched nothing real."""
    from msdev.rewrite.arg_aliases import NUMPY_ALIASES

    wrong = []
    for e in db.entries.values():
        if e.kind not in ("function", "method") or not e.api.startswith("torch.") or "._" in e.api:
            continue
        if all(t.status in ("manual", "unsupported") for t in e.targets.values()):
            continue
        obj = resolve(e.api)
        keywords = _pytorch_keywords(e.api, obj) if obj is not None else None
        if not keywords:
            continue
        for p in e.params or ():
            if p in ("*", "/") or p.startswith("*") or p in _PSEUDO_PARAMS | _PARSER_PARAMS or p in NUMPY_ALIASES:
                continue
            if p not in keywords:
                wrong.append(f"{e.api}: {p} (PyTorch: {sorted(keywords)})")
    assert wrong == []
