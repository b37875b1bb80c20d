"""`msdev weights convert` and `msdev weights diff` as library calls (the CLI only prints)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .compare import Agreement, agreement
from .mapping import MapError, WeightMap, apply_saved_map, build_map, converted_tensors
from .reader import Checkpoint, read_checkpoint
from .structure import ModelSource
from .tensors import LazyTensor, to_float
from .writer import write_checkpoint


@dataclass
class ConvertResult:
    checkpoint: Checkpoint
    wmap: WeightMap
    written: int
    output: Path
    format: str

    def counts(self) -> dict[str, int]:
        e = self.wmap.entries
        return {
            "written": self.written,
            "renamed": sum(1 for x in e if x.torch and x.mindspore and x.torch != x.mindspore),
            "reshaped": sum(1 for x in e if x.torch and x.mindspore and x.transform),
            "dropped": sum(1 for x in e if x.torch and x.mindspore is None),
            "filled": sum(1 for x in e if x.torch is None),
            # of the parameters written (dropped ones are not "mapped", so this never exceeds written)
            "guessed": sum(1 for x in e if x.how == "guess" and x.mindspore is not None),
            "kept_unresolved": sum(1 for x in e if x.how == "kept"),
        }


def strip_common_prefix(tensors: "dict[str, LazyTensor]", prefix: str) -> "dict[str, LazyTensor]":
    out = {}
    for k, t in tensors.items():
        nk = k[len(prefix):] if k.startswith(prefix) else k
        out[nk] = LazyTensor(nk, t.dtype, t.shape, t.loader)
    return out


def load_source(code: list[str] | None, db=None, profile: str = "portable") -> ModelSource | None:
    if not code:
        return None
    return ModelSource.from_paths(code, db=db, profile=profile)


def derive_map(tensors: "dict[str, LazyTensor]", map_path: str | None = None, model: ModelSource | None = None,
               root: str | None = None, profile: str = "portable", source: str | None = None) -> WeightMap:
    keys = {k: t.shape for k, t in tensors.items()}
    if map_path:
        return apply_saved_map(WeightMap.load(map_path), keys)
    return build_map(keys, model, root=root, profile=profile, source=source)


def drop_tied_copies(wmap: WeightMap, tied: list[list[str]], ties: list[tuple[str, str]]) -> None:
    """Tied weights are one Parameter in MindSpore, named after the side the source assigned
    *from* (`self.transformer.wte.weight = self.lm_head.weight` leaves only `lm_head.weight`), while
    PyTorch's state dict lists every name: the assigned copy is dropped, or loading reports it as
    unexpected. A group no assignment in the source explains is one module given to several parents;
    its name is `mindspore_name_of_shared`'s."""
    if not tied:
        return
    by_torch = {e.torch: e for e in wmap.entries if e.torch is not None}
    child_order: dict[str, int] = {}
    for entry in wmap.entries:
        if entry.torch is not None:
            child_order.setdefault(entry.torch.partition(".")[0], len(child_order))
    for group in tied:
        if not any([_drop_assigned_copy(by_torch, group, copy, ties) for copy in group]):
            kept = mindspore_name_of_shared(group, child_order)
            for copy in group:
                entry = by_torch.get(copy)
                if copy != kept and entry is not None and entry.mindspore is not None:
                    entry.mindspore = None
                    entry.note = f"the same tensor as {kept}: MindSpore holds a shared module's parameter once"


def mindspore_name_of_shared(group: list[str], child_order: dict[str, int]) -> str:
    """Which of a shared parameter's state-dict names MindSpore keeps. Assigning a cell to an
    attribute renames every parameter under it to `attr.` + its first path inside that cell, so the
    last assignment wins: the root's child registered last among those holding the parameter
    (Performer's `proj_updater` after `net`, both holding its layers), and within it the first path
    (a stage's attention given to each of its units keeps the first unit's name). `group` is in
    state-dict order; `child_order` gives the root children's registration order."""
    last = max(group, key=lambda name: child_order.get(name.partition(".")[0], -1)).partition(".")[0]
    return next(name for name in group if name.partition(".")[0] == last)


def _drop_assigned_copy(by_torch: dict, group: list[str], copy: str, ties: list[tuple[str, str]]) -> bool:
    """Drop `copy` when a tie in the source (`a.weight = b.weight`) made it the assigned side."""
    owner = copy.rpartition(".")[0]
    for assigned, source in ties:
        if not (owner == assigned or owner.endswith("." + assigned)):
            continue
        prefix = owner[: len(owner) - len(assigned)]
        kept = next((k for k in group if k != copy and k.rpartition(".")[0] == prefix + source), None)
        entry = by_torch.get(copy)
        if kept is not None and entry is not None and entry.mindspore is not None:
            entry.mindspore = None
            entry.note = f"tied to {kept}: MindSpore holds the shared parameter once, under that name"
            return True
    return False


def prepare(ckpt: str | Path, key: str | None = None, strip_prefix: str | None = None) -> tuple[Checkpoint, dict]:
    cp = read_checkpoint(ckpt, key)
    tensors: dict[str, LazyTensor] = dict(cp.tensors)
    if strip_prefix is None and tensors and all(k.startswith("module.") for k in tensors):
        strip_prefix = "module."  # saved from a DataParallel wrapper
        cp.notes.append("removed the 'module.' prefix every key had (DataParallel)")
    if strip_prefix:
        tensors = strip_common_prefix(tensors, strip_prefix)
        cp.tied = [[k[len(strip_prefix):] if k.startswith(strip_prefix) else k for k in group] for group in cp.tied]
    return cp, tensors


def convert_checkpoint(ckpt: str | Path, output: str | Path, *, map_path: str | None = None,
                       code: list[str] | None = None, fmt: str = "ckpt", key: str | None = None,
                       root: str | None = None, profile: str = "portable", db=None, overwrite: bool = False,
                       strip_prefix: str | None = None, model: ModelSource | None = None) -> ConvertResult:
    """`model`: the source already read by `load_source(code, ...)` (a caller converting many
    checkpoints of one package reads the package once); `code` still names it in the map."""
    cp, tensors = prepare(ckpt, key, strip_prefix)
    if model is None:
        model = load_source(code, db, profile)
    wmap = derive_map(tensors, map_path, model, root, profile, source=", ".join(code) if code else map_path)
    if model is not None:
        drop_tied_copies(wmap, cp.tied, model.ties)
    out = converted_tensors(wmap, tensors)
    written = write_checkpoint(output, out, fmt, overwrite)
    return ConvertResult(cp, wmap, written, Path(output), fmt)


@dataclass
class DiffRow:
    torch: str | None
    mindspore: str | None
    dtype_a: str | None = None
    dtype_b: str | None = None
    agreement: Agreement | None = None
    status: str = "match"  # match | differ | shape | only-a | only-b | dropped | filled

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"a": self.torch, "b": self.mindspore, "status": self.status,
                             "dtype_a": self.dtype_a, "dtype_b": self.dtype_b}
        if self.agreement:
            d.update(self.agreement.to_dict())
        return d


@dataclass
class DiffResult:
    rows: list[DiffRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.status in ("match", "dropped", "filled") for r in self.rows)

    def summary(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rows:
            out[r.status] = out.get(r.status, 0) + 1
        return out


def diff_checkpoints(a: str | Path, b: str | Path, *, map_path: str | None = None, code: list[str] | None = None,
                     root: str | None = None, profile: str = "portable", db=None, key: str | None = None,
                     rtol: float = 1e-3, atol: float = 1e-4) -> DiffResult:
    """Compare a PyTorch checkpoint with a MindSpore one, parameter by parameter, through the map."""
    cpa, ta = prepare(a, key)
    cpb = read_checkpoint(b)
    tb = dict(cpb.tensors)
    result = DiffResult(notes=cpa.notes + cpb.notes)
    if cpa.format == "mindspore-ckpt":  # two MindSpore checkpoints: compare by name
        from .mapping import MapEntry
        wmap = WeightMap(entries=[MapEntry(k, k, None, None, "kept", None, list(t.shape), list(t.shape))
                                  for k, t in ta.items()])
    else:
        wmap = derive_map(ta, map_path, load_source(code, db, profile), root, profile)
    seen_b: set[str] = set()
    for e in wmap.entries:
        if e.torch is None:
            if e.mindspore in tb:
                seen_b.add(e.mindspore)
                result.rows.append(DiffRow(None, e.mindspore, None, tb[e.mindspore].dtype, None, "filled"))
            continue
        src = ta[e.torch]
        if e.mindspore is None:
            result.rows.append(DiffRow(e.torch, None, src.dtype, None, None, "dropped"))
            continue
        tgt = tb.get(e.mindspore)
        if tgt is None:
            result.rows.append(DiffRow(e.torch, e.mindspore, src.dtype, None, None, "only-a"))
            continue
        seen_b.add(e.mindspore)
        conv = converted_tensors(WeightMap(entries=[e]), {e.torch: src})[0]
        agr = agreement(to_float(conv.dtype, conv.load()), tgt.as_float32(), rtol, atol)
        status = "match" if agr.allclose else ("shape" if not agr.same_shape else "differ")
        result.rows.append(DiffRow(e.torch, e.mindspore, src.dtype, tgt.dtype, agr, status))
    for name, t in tb.items():
        if name not in seen_b:
            result.rows.append(DiffRow(None, name, None, t.dtype, None, "only-b"))
    result.notes.extend(wmap.warnings)
    return result


__all__ = ["ConvertResult", "DiffResult", "DiffRow", "MapError", "convert_checkpoint", "diff_checkpoints", "prepare",
           "derive_map", "load_source"]
