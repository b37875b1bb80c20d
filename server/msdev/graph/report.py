"""The report of `msdev convert --model`: convert's own text/JSON layout plus a graph section."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..convert_tree import ConvertSummary, FileConversion
from ..report.convert_report import to_json, to_text


@dataclass
class PlaceholderInfo:
    where: str
    api: str
    reason: str
    in_shapes: list | None = None
    out_shapes: list | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"where": self.where, "torch_api": self.api, "reason": self.reason, "line": self.line,
                "input_shapes": self.in_shapes, "output_shapes": self.out_shapes}


@dataclass
class GraphReport:
    source: str
    profile: str
    db_version: str
    inputs: list[list[int]]
    classes: list[tuple[str, int, list[str]]]  # (class, instances, __init__ parameters)
    placeholders: list[PlaceholderInfo] = field(default_factory=list)
    file: FileConversion = field(default_factory=lambda: FileConversion("model.py"))
    mode_dependent: list[str] = field(default_factory=list)
    untraced: list[tuple[str, str]] = field(default_factory=list)
    exported: list[tuple[str, str]] = field(default_factory=list)  # (path, why fx failed): torch.export took over
    autograd: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    weights: Any = None
    load_missing: list[str] = field(default_factory=list)
    load_unexpected: list[str] = field(default_factory=list)
    check: list | None = None  # Agreement per output (eval mode, --input shapes)
    other_batch: list[list[int]] | None = None
    model_py: str = ""

    def add_outcomes(self, conv, src, offset: int) -> None:
        """Converted uses at their line in model.py; placeholders as the unconverted ones."""
        shifts = sorted(((e.end.line, e.new_text.count("\n") - (e.end.line - e.start.line)) for e in conv.edits))

        def out_line(line: int) -> int:
            return line + offset + sum(d for end, d in shifts if end < line)

        for o in conv.outcomes:
            f = o.finding
            if o.converted:
                self.file.converted.append((out_line(f.line), f.column, f.torch_api, f.mindspore_api, o.notes))
        first_line = {}
        for line, (_g, meta) in sorted(src.line_meta.items()):
            if meta.get("kind") == "placeholder":
                first_line.setdefault(meta["key"], line)
        keys = [k for k in first_line]
        for p, key in zip(self.placeholders, keys):
            p.line = out_line(first_line[key])
        for p in self.placeholders:
            shapes = f"; inputs {p.in_shapes}, outputs {p.out_shapes}" if p.in_shapes or p.out_shapes else ""
            self.file.unconverted.append((p.line or 0, 0, p.api, f"placeholder in {p.where}: {p.reason}{shapes}", None))
        self.file.changed = True

    @property
    def ok(self) -> bool:
        return not self.errors and not self.load_missing and not self.load_unexpected

    def summary(self) -> ConvertSummary:
        return ConvertSummary([self.file])

    def graph_dict(self) -> dict[str, Any]:
        w = self.weights
        return {
            "source": self.source,
            "inputs": self.inputs,
            "classes": [{"name": n, "instances": c, "parameters": p} for n, c, p in self.classes],
            "mode_dependent_classes": self.mode_dependent,
            "untraced_modules": [{"path": p, "reason": r} for p, r in self.untraced],
            "exported_modules": [{"path": p, "fx_error": r} for p, r in self.exported],
            "autograd_functions_traced": self.autograd,
            "placeholders": [p.to_dict() for p in self.placeholders],
            "notes": self.notes,
            "errors": self.errors,
            "weights": None if w is None else {"path": str(w.path), "tensors": w.written, "renamed": w.renamed,
                                               "missing": self.load_missing, "unexpected": self.load_unexpected},
            "check": None if self.check is None else {
                "outputs": [a.to_dict() for a in self.check], "other_batch_output_shapes": self.other_batch},
        }

    def to_json(self) -> str:
        data = json.loads(to_json(self.summary(), self.profile, self.db_version))
        data["graph"] = self.graph_dict()
        return json.dumps(data, indent=2)

    def to_text(self) -> str:
        lines = [to_text(self.summary()).rstrip("\n"), ""]
        lines.append(f"[Graph] model {self.source}, inputs {self.inputs}, profile {self.profile}")
        lines.append("[Graph] classes: " + "; ".join(
            f"{n} ×{c}" + (f" (varies: {', '.join(p)})" if p else "") for n, c, p in self.classes))
        if self.mode_dependent:
            lines.append("[Graph] branches on self.training: " + ", ".join(self.mode_dependent) +
                         " captured in both modes; their construct follows set_train()")
        else:
            lines.append("[Graph] no branch on self.training: the graph is the same in train and eval mode")
        for a in self.autograd:
            lines.append(f"[Graph] custom autograd.Function {a}: traced through its forward; MindSpore "
                         "differentiates that forward (the hand-written backward is not carried over)")
        for path, why in self.exported:
            lines.append(f"[Graph] captured with torch.export (shapes specialised): {path}: {why}")
        for path, why in self.untraced:
            lines.append(f"[Graph] not traced: {path}: {why}")
        for p in self.placeholders:
            lines.append(f"[Placeholder] model.py:{p.line}: {p.where}: {p.api}: {p.reason}"
                         + (f" (inputs {p.in_shapes}, outputs {p.out_shapes})" if p.in_shapes or p.out_shapes else ""))
        for n in self.notes:
            lines.append(f"[Note] {n}")
        w = self.weights
        if w is not None:
            lines.append(f"[Weights] {w.path}: {w.written} tensors ({w.renamed} renamed); load_param_into_net: "
                         f"{len(self.load_missing)} missing, {len(self.load_unexpected)} unexpected"
                         + (f" — missing {self.load_missing[:5]}" if self.load_missing else "")
                         + (f" — unexpected {self.load_unexpected[:5]}" if self.load_unexpected else ""))
        if self.check:
            for i, a in enumerate(self.check):
                lines.append(f"[Check] eval mode, output {i} {list(a.shape_a)}: max abs error {a.max_abs:.3g}, "
                             f"cosine {a.cosine:.6f}, allclose(1e-3, 1e-4) {'yes' if a.allclose else 'no'}")
            if self.other_batch:
                lines.append(f"[Check] another batch size runs: output shapes {self.other_batch}")
        for e in self.errors:
            lines.append(f"[Error] {e}")
        return "\n".join(lines) + "\n"
