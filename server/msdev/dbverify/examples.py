"""Examples: small PyTorch programs per entry, and their MindSpore twins made by msdev's converter.

An example (mapping_db/examples/*.yaml, keyed by API) is written in PyTorch terms only:

    torch.sum:
      inputs: {x: {shape: [3, 3]}}        # seeded values; dtype float32 unless `dtype:`; `low`/`high`;
                                           # `keep_shape: true` when the code needs that shape (no 0-d form)
      setup: "m = nn.Linear(3, 4)"         # optional; modules built here get PyTorch's weights copied
      code: "out = torch.sum(x, dim=1, keepdim=True)"   # `out` is what gets compared
      compare: values                      # values (default) | shape | distribution | runs
      rtol: 1.0e-4                         # optional tolerances
      atol: 1.0e-5
      inplace: [x]                         # inputs changed in place, compared after the run too
      requires: [torchvision]              # what the PyTorch side needs besides torch (REQUIREMENTS)

The program handed to the converter wraps the statements in `def example(x: torch.Tensor, ...)`
so the finder knows the inputs are tensors, exactly as it would in a user's function.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

from ..db.loader import Database
from ..db.model import Entry
from ..findings import Status

COMPARE_MODES = ("values", "shape", "distribution", "runs")
EXAMPLE_KEYS = ("inputs", "setup", "code", "compare", "rtol", "atol", "inplace", "train", "note", "requires")
INPUT_KEYS = ("shape", "dtype", "low", "high", "value", "param", "image", "keep_shape")
#: what an example may need beyond torch and mindspore; the worker reports `not_run` without it
REQUIREMENTS = {"torchvision": "torchvision's Python transforms (the verify extra installs torchvision)"}
INPUT_DTYPES = ("float32", "float64", "float16", "int64", "int32", "uint8", "bool", "complex64")
SYNC_HOOK = "__msdev_sync__"
HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
NOT_CONVERTIBLE = (Status.MANUAL, Status.UNSUPPORTED)


class ExampleError(ValueError):
    """An example that cannot be turned into a program (bad YAML shape)."""


@dataclass
class Prepared:
    """One example ready to run: both programs and how to compare them, or why it cannot run."""

    api: str
    profile: str
    torch_src: str = ""
    ms_src: str = ""
    example: dict[str, Any] = field(default_factory=dict)
    status: str = "ready"  # ready | fail | not_run
    reason: str = ""
    form: str = ""  # the call variant this is ("" for the entry's own example)
    variants: list["Prepared"] = field(default_factory=list)

    def job(self) -> dict[str, Any]:
        job = {"api": self.api, "torch_src": self.torch_src, "ms_src": self.ms_src, "example": self.example}
        if self.variants:
            # a variant msdev refused still runs on PyTorch: only a form PyTorch accepts counts
            job["variants"] = [{"form": v.form, "torch_src": v.torch_src, "ms_src": v.ms_src,
                                "example": v.example, "refused": v.reason if v.status == "fail" else ""}
                               for v in self.variants]
        return job


def has_target(entry: Entry, profile: str) -> bool:
    """Whether the rewrite would write MindSpore code for this entry (what verification is about):
    a MindSpore API, or templates (composites, definitions the converted file carries)."""
    t = entry.target(profile)
    return bool(t.api or t.templates) and t.status not in NOT_CONVERTIBLE


def validate_example(ex: Any) -> list[str]:
    """Problems with one example's layout (empty when fine)."""
    if not isinstance(ex, dict):
        return ["example must be a mapping"]
    problems = [f"unknown field '{k}'" for k in ex if k not in EXAMPLE_KEYS]
    if not isinstance(ex.get("code"), str) or not ex["code"].strip():
        problems.append("code must be PyTorch statements that assign `out`")
    if "setup" in ex and not isinstance(ex["setup"], str):
        problems.append("setup must be a string of statements")
    if ex.get("compare", "values") not in COMPARE_MODES:
        problems.append(f"compare must be one of {', '.join(COMPARE_MODES)}")
    for key in ("rtol", "atol"):
        if key in ex and not isinstance(ex[key], (int, float)):
            problems.append(f"{key} must be a number")
    inputs = ex.get("inputs") or {}
    if not isinstance(inputs, dict):
        problems.append("inputs must map names to {shape, dtype, ...}")
        inputs = {}
    for name, spec in inputs.items():
        if not str(name).isidentifier():
            problems.append(f"input name '{name}' is not a Python identifier")
        if not isinstance(spec, dict):
            problems.append(f"input '{name}' must be a mapping")
            continue
        problems += [f"input '{name}': unknown field '{k}'" for k in spec if k not in INPUT_KEYS]
        if "shape" not in spec and "value" not in spec:
            problems.append(f"input '{name}' needs a shape or a value")
        if spec.get("dtype", "float32") not in INPUT_DTYPES:
            problems.append(f"input '{name}': dtype must be one of {', '.join(INPUT_DTYPES)}")
        if spec.get("image") and spec.get("dtype") != "uint8":
            problems.append(f"input '{name}': an image needs dtype uint8 (shape [H, W] or [H, W, 3])")
    requires = ex.get("requires") or []
    if not isinstance(requires, list):
        problems.append("requires must be a list")
        requires = []
    problems += [f"requires: unknown '{r}' (known: {', '.join(REQUIREMENTS)})" for r in requires
                 if r not in REQUIREMENTS]
    for name in ex.get("inplace") or []:
        if name not in inputs:
            problems.append(f"inplace names '{name}', which is not an input")
    return problems


def torch_program(ex: dict[str, Any]) -> str:
    """The PyTorch program of an example: imports, then `example(inputs) -> out`."""
    inputs = ex.get("inputs") or {}
    # images are PIL images, not tensors: no annotation, so the finder does not take them for tensors
    params = ", ".join(n if spec.get("image") else f"{n}: torch.Tensor" for n, spec in inputs.items())
    body = []
    if ex.get("setup"):
        body.append(ex["setup"].rstrip())
    body.append(f"{SYNC_HOOK}(locals())")
    body.append(ex["code"].rstrip())
    body.append("return out")
    inner = textwrap.indent("\n".join(body), "    ")
    return f"{HEADER}\n\ndef example({params}):\n{inner}\n"


def prepare(db: Database, entry: Entry, profile: str = "portable", variants: bool = False,
            signature: tuple[list[str] | None, dict[str, str]] | None = None) -> Prepared:
    """Build both programs for an entry; the MindSpore one is msdev's conversion of the PyTorch one.

    With `variants`, also the call variants generated from the example (dbverify/variants.py);
    `signature` is PyTorch's (parameter order, defaults) when the caller could read it."""
    p = prepare_example(db, entry, entry.example, profile)
    if variants and p.status == "ready":
        from .variants import generate

        order, defaults = signature or (None, {})
        for v in generate(entry, entry.example, defaults=defaults, params=order):
            vp = prepare_example(db, entry, v.example, profile)
            vp.form = v.form
            if vp.status != "not_run":  # a variant the finder does not see, or a malformed one, is no call
                p.variants.append(vp)
    return p


def prepare_example(db: Database, entry: Entry, ex: dict[str, Any] | None, profile: str = "portable") -> Prepared:
    """Both programs for one example of an entry."""
    from ..rewrite.convert import convert_text

    p = Prepared(entry.api, profile)
    if ex is None:
        p.status, p.reason = "not_run", "no example"
        return p
    problems = validate_example(ex)
    if problems:
        p.status, p.reason = "not_run", "bad example: " + "; ".join(problems)
        return p
    p.example = dict(ex)
    p.torch_src = torch_program(ex)
    try:
        conv = convert_text(p.torch_src, db, profile, path=f"<example {entry.api}>")
    except Exception as exc:  # noqa: BLE001 - a converter crash is a failure of this entry, not of the run
        p.status, p.reason = "fail", f"convert-error: {type(exc).__name__}: {exc}"
        return p
    own = [o for o in conv.outcomes if o.finding.torch_api == entry.api]
    if not own and not _folded_into_pattern(p.torch_src, db, profile, entry.api, conv):
        p.status, p.reason = "not_run", "bad example: the finder sees no use of the API in it"
        return p
    refused = [o for o in conv.outcomes if not o.converted]
    if refused:
        o = refused[0]
        p.status, p.reason = "fail", f"not-converted: {o.finding.torch_api}: {o.reason}"
        return p
    p.ms_src = conv.text
    return p


def _folded_into_pattern(src: str, db: Database, profile: str, api: str, conv) -> bool:
    """The finder saw the API, but a statement-level rewrite took the use over (clip_grad_value_
    inside a training step becomes part of train_step): the converted program still checks it."""
    import ast

    from ..analysis.finder import Finder

    if not any(o.finding.pattern and o.converted for o in conv.outcomes):
        return False
    return any(f.torch_api == api for f in Finder(db, profile, src).run(ast.parse(src)))
