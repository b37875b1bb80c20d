"""What a subclass of a PyTorch layer relies on and MindSpore's layer lacks.

`super().reset_parameters()`: timm's `ScaledStdConv2d(nn.Conv2d)` re-initialises its weights by calling the base layer's
`reset_parameters`. MindSpore's layers have no such method, so the converted class would fail when
built. The call becomes what PyTorch's own method does, written on MindSpore's attribute names:
conv and linear layers draw weight and bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (PyTorch's
kaiming_uniform with a=sqrt(5)); norm layers set scale to one, shift and running mean to zero and
running variance to one.

The same call on a layer an `isinstance` test narrowed to such layers (`m.reset_parameters()` in an
init function) is written out the same way.

A subclass overriding `reset_parameters` (torch-dct's `LinearDCT(nn.Linear)` sets its weight to the DCT matrix
there): PyTorch's layer constructor calls it, MindSpore's does not, so the converted `__init__` calls it
right after the base constructor, where PyTorch runs it.

`self.bias = None` in a LayerNorm subclass with no forward of its own (timm's metaformer
`LayerNormNoBias`): PyTorch's forward treats a missing shift as zero, MindSpore's LayerNorm calls
`.astype` on it. The subclass gets a `construct` that passes a zero shift in that case.
"""

from __future__ import annotations

import ast
from typing import Callable

from .blocks import statements_in
from .source import Edit, SourceText

#: PyTorch layers whose `reset_parameters` draws uniform weights bounded by 1/sqrt(fan_in)
UNIFORM_LAYERS = frozenset(f"torch.nn.{n}" for n in (
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "Linear"))
#: PyTorch norm layers → the MindSpore attributes reset to one / to zero
NORM_LAYERS = {
    **{f"torch.nn.BatchNorm{d}d": (("gamma", "moving_variance"), ("beta", "moving_mean")) for d in (1, 2, 3)},
    "torch.nn.LayerNorm": (("gamma",), ("beta",)),
    "torch.nn.GroupNorm": (("gamma",), ("beta",)),
}


def _is_base_reset(stmt: ast.stmt) -> bool:
    """`super().reset_parameters()` (or `super(Cls, self).reset_parameters()`) as a statement."""
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return False
    func = stmt.value.func
    return (isinstance(func, ast.Attribute) and func.attr == "reset_parameters" and not stmt.value.args
            and isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name)
            and func.value.func.id == "super")


def _reset_lines(layer: str, render: Callable[[str], str], owner: str = "self",
                 also: tuple[str, ...] = ()) -> list[str] | None:
    """PyTorch's `reset_parameters` of `layer` on `owner`; `also`: more layers `owner` may be (norms only)."""
    if layer in UNIFORM_LAYERS and not also:
        init = render("mindspore.common.initializer.initializer")
        uniform = render("mindspore.common.initializer.Uniform")
        bound = f"{owner}.weight[0].size ** -0.5"
        return [f"{owner}.weight.set_data({init}({uniform}({bound}), {owner}.weight.shape, {owner}.weight.dtype))",
                f"if {owner}.bias is not None:",
                f"    {owner}.bias.set_data({init}({uniform}({bound}), {owner}.bias.shape, {owner}.bias.dtype))"]
    if layer in NORM_LAYERS and all(a in NORM_LAYERS for a in also):
        ones = dict.fromkeys(n for lay in (layer, *also) for n in NORM_LAYERS[lay][0])
        zeros = dict.fromkeys(n for lay in (layer, *also) for n in NORM_LAYERS[lay][1])
        ones_like, zeros_like = render("mindspore.ops.ones_like"), render("mindspore.ops.zeros_like")
        lines = []
        for names, fill in ((ones, ones_like), (zeros, zeros_like)):
            for name in names:
                lines += [f"if getattr({owner}, {name!r}, None) is not None:",
                          f"    {owner}.{name}.set_data({fill}({owner}.{name}))"]
        return lines
    return None


def narrowed_reset_edits(src: SourceText, nodes: list[ast.AST], layer_refs: dict[int, str],
                         render: Callable[[str], str]) -> list[Edit]:
    """`if isinstance(m, (nn.LayerNorm, nn.BatchNorm2d)): m.reset_parameters()` (timm efficientvim's
    `_init_weights`): MindSpore's layers have no `reset_parameters`, so the call is written out as
    PyTorch's for every layer the test allows. `layer_refs`: id of a class reference → its PyTorch layer."""
    edits: list[Edit] = []
    for node in nodes:
        test = node.test if isinstance(node, ast.If) else None
        if not (isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance"
                and len(test.args) == 2 and isinstance(test.args[0], ast.Name)):
            continue
        classes = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
        layers = [layer_refs.get(id(c)) for c in classes]
        if not layers or None in layers:
            continue
        owner = test.args[0].id
        for stmt in node.body:
            if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and not stmt.value.args
                    and not stmt.value.keywords and isinstance(stmt.value.func, ast.Attribute)
                    and stmt.value.func.attr == "reset_parameters" and isinstance(stmt.value.func.value, ast.Name)
                    and stmt.value.func.value.id == owner):
                continue
            lines = _reset_lines(layers[0], render, owner, tuple(layers[1:]))
            if lines is None:
                continue
            start, end = src.span(stmt)
            indent = " " * stmt.col_offset
            text = f"# msdev: reset_parameters() as PyTorch does it\n" + "\n".join(indent + line for line in lines)
            edits.append(Edit(start, end, text))
    return edits


def reset_parameters_edits(src: SourceText, cls: ast.ClassDef, layer: str,
                           render: Callable[[str], str]) -> list[Edit]:
    """Each `super().reset_parameters()` statement of `cls` (a subclass of the PyTorch `layer`)
    written out; nothing for a layer whose reset is not known here."""
    edits: list[Edit] = []
    if "reset_parameters" not in src.text:  # the attribute name is written out in any such call
        return edits
    start, end = src.span(cls)
    if src.text.find("reset_parameters", start, end) < 0:  # and in the class's body, where such a call sits
        return edits
    for stmt in statements_in(cls):
        if not _is_base_reset(stmt):
            continue
        lines = _reset_lines(layer, render)
        if lines is None:
            return edits
        start, end = src.span(stmt)
        indent = " " * stmt.col_offset
        text = f"# msdev: {layer}.reset_parameters() as PyTorch does it\n" + "\n".join(
            indent + line for line in lines)
        edits.append(Edit(start, end, text))
    return edits


#: PyTorch layers whose constructor ends by calling `self.reset_parameters()`
RESETTING_LAYERS = UNIFORM_LAYERS | frozenset(NORM_LAYERS) | frozenset(f"torch.nn.{n}" for n in (
    "Embedding", "Bilinear", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "PReLU"))


def overridden_reset_edits(src: SourceText, cls: ast.ClassDef, layer: str, base_inits: list[ast.stmt]) -> list[Edit]:
    """`self.reset_parameters()` after the base constructor's statement (`base_inits`) of a subclass of
    `layer` that overrides the method and does not call it itself."""
    if layer not in RESETTING_LAYERS or not any(
            isinstance(item, ast.FunctionDef) and item.name == "reset_parameters" for item in cls.body):
        return []
    init = next((item for item in cls.body if isinstance(item, ast.FunctionDef) and item.name == "__init__"), None)
    if init is None or any(isinstance(n, ast.Attribute) and n.attr == "reset_parameters"
                           and isinstance(n.value, ast.Name) and n.value.id == "self" for n in ast.walk(init)):
        return []
    edits = []
    for stmt in base_inits:
        end = src.end(stmt)
        edits.append(Edit(end, end, f"\n{' ' * stmt.col_offset}self.reset_parameters()  # msdev: PyTorch's "
                                    f"{layer.rsplit('.', 1)[1]} calls it when built, MindSpore's layer does not"))
    return edits


def _assigns_none_bias(cls: ast.ClassDef) -> bool:
    return any(isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant) and n.value.value is None
               and any(isinstance(t, ast.Attribute) and t.attr in ("bias", "beta") and isinstance(t.value, ast.Name)
                       and t.value.id == "self" for t in n.targets) for n in ast.walk(cls))


def shiftless_norm_edits(src: SourceText, cls: ast.ClassDef, layer: str,
                         render: Callable[[str], str]) -> list[Edit]:
    """A `construct` for a LayerNorm subclass that drops its shift and keeps the base forward."""
    own = {item.name for item in cls.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if layer != "torch.nn.LayerNorm" or own & {"forward", "construct"} or not _assigns_none_bias(cls):
        return []
    indent = " " * cls.body[0].col_offset
    zeros_like = render("mindspore.ops.zeros_like")
    lines = ["", "def construct(self, x):",
             "    # msdev: PyTorch's LayerNorm takes `bias = None` as a zero shift; MindSpore's needs a tensor",
             "    if self.beta is None:",
             f"        return self.layer_norm(x, self.gamma.astype(x.dtype), {zeros_like}(self.gamma).astype(x.dtype))[0]",
             "    return super().construct(x)"]
    end = src.span(cls.body[-1])[1]
    return [Edit(end, end, "\n" + "\n".join(indent + line if line else "" for line in lines))]
