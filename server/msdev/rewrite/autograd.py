"""Custom gradients: a `torch.autograd.Function` becomes a MindSpore Cell with `construct`/`bprop`.

PyTorch hands tensors from forward to backward through `ctx.save_for_backward`; MindSpore's
`bprop(self, *inputs, out, dout)` receives the inputs and the output directly. When every saved
tensor is an input or the returned value, forward and backward become `construct` and `bprop`
themselves. Otherwise (an intermediate saved, state set on `ctx`) both static methods stay as they
are, and `construct`/`bprop` call them with a stand-in `ctx`: bprop runs forward again to fill it.
"""

from __future__ import annotations

import ast
from typing import Iterable

from ..findings import Finding, Kind
from .calls import CannotRewrite
from .naming import Namer
from .source import Edit, SourceText

AUTOGRAD_FUNCTION = "torch.autograd.Function"
#: `Cls.apply(*inputs)` keeps working where the call site is not rewritten (another module, a bound
#: `fn = Cls.apply`): it builds the Cell and calls it
APPLY = "apply = classmethod(lambda cls, *inputs: cls()(*inputs))  # msdev: PyTorch's Function.apply"


def _method(cls: ast.ClassDef, name: str) -> ast.FunctionDef | None:
    for item in cls.body:
        if isinstance(item, ast.FunctionDef) and item.name == name:
            return item
    return None


def _is_ctx_call(node: ast.AST, ctx: str, attr: str) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == attr
            and isinstance(node.func.value, ast.Name) and node.func.value.id == ctx)


def _delete_line(src: SourceText, node: ast.AST) -> Edit:
    start = src.line_start(src.start(node))
    nl = src.text.find("\n", src.end(node))
    return Edit(start, len(src.text) if nl == -1 else nl + 1, "")


def _statement_removal(src: SourceText, stmt: ast.stmt, body: list[ast.stmt]) -> Edit:
    if len(body) == 1:
        return Edit(*src.span(stmt), "pass")
    return _delete_line(src, stmt)


def rewrite_function_class(src: SourceText, cls: ast.ClassDef, base: ast.AST, namer: Namer,
                            subclassed: bool = False) -> list[Edit]:
    """Edits turning one autograd.Function subclass into a Cell (raises CannotRewrite). A class that
    others in the file derive from keeps its forward and backward (the recomputing form), as its
    subclasses override them and reach them through `construct`/`bprop`."""
    if not subclassed:
        try:
            return _direct_cell(src, cls, base, namer)
        except CannotRewrite:
            pass
    return _recomputing_cell(src, cls, base, namer)


def _decorated(fn: ast.FunctionDef, *names: str) -> bool:
    return any(isinstance(d, ast.Name) and d.id in names for d in fn.decorator_list)


def _recomputing_cell(src: SourceText, cls: ast.ClassDef, base: ast.AST, namer: Namer) -> list[Edit]:
    """forward and backward kept as static methods; `construct` calls forward with a stand-in ctx,
    `bprop` calls it again (to recompute what it saved) and then backward. A None gradient (an input
    that needs none) becomes zeros for a tensor, 0 for anything else, as bprop needs one per input."""
    fwd, bwd = _method(cls, "forward"), _method(cls, "backward")
    if fwd is None or bwd is None:
        raise CannotRewrite("a custom autograd.Function needs both forward and backward to become a Cell with bprop")
    for fn in (fwd, bwd):
        # a classmethod (entmax's functions) is called through `self` just as a static method is
        if not _decorated(fn, "staticmethod", "classmethod"):
            raise CannotRewrite("forward/backward that are neither static nor class methods: rewrite by hand")
    if any(isinstance(item, ast.FunctionDef) and item.name in ("construct", "bprop") for item in cls.body):
        raise CannotRewrite("the class already defines construct or bprop: rewrite by hand")
    ctx = namer.render("msdev.FunctionCtx")
    tensor, zeros = namer.render("mindspore.Tensor"), namer.render("mindspore.ops.zeros_like")
    indent = " " * cls.body[0].col_offset
    lines = ["def construct(self, *inputs):",
             f"    return self.forward({ctx}(inputs), *inputs)",
             "",
             "def bprop(self, *args):",
             "    inputs, dout = args[:-2], args[-1]",
             f"    ctx = {ctx}(inputs)",
             "    self.forward(ctx, *inputs)",
             "    grads = self.backward(ctx, dout)",
             "    grads = grads if isinstance(grads, tuple) else (grads,)",
             f"    return tuple(g if g is not None else {zeros}(x) if isinstance(x, {tensor}) else 0",
             "                 for g, x in zip(grads, inputs))",
             "",
             APPLY]
    text = "\n\n" + "\n".join(indent + line if line else line for line in lines)
    end = src.end(cls.body[-1])
    return [Edit(*src.span(base), namer.render("mindspore.nn.Cell")), Edit(end, end, text)]


def _direct_cell(src: SourceText, cls: ast.ClassDef, base: ast.AST, namer: Namer) -> list[Edit]:
    """forward → construct, backward → bprop, when bprop's arguments carry all backward reads."""
    fwd, bwd = _method(cls, "forward"), _method(cls, "backward")
    if fwd is None or bwd is None:
        raise CannotRewrite("a custom autograd.Function needs both forward and backward to become a Cell with bprop")
    for fn in (fwd, bwd):
        a = fn.args
        if _decorated(fn, "classmethod"):
            raise CannotRewrite("class methods read `cls`: kept, and called through the Cell")
        if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs or len(a.args) < 2:
            raise CannotRewrite("forward/backward with *args, keyword-only or missing arguments: rewrite by hand")
    ctx = fwd.args.args[0].arg
    inputs = [a.arg for a in fwd.args.args[1:]]
    returned = [s.value.id for s in ast.walk(fwd) if isinstance(s, ast.Return) and isinstance(s.value, ast.Name)]
    saved: list[str] = []
    edits: list[Edit] = [Edit(*src.span(base), namer.render("mindspore.nn.Cell"))]
    for stmt in fwd.body:
        if isinstance(stmt, ast.Expr) and _is_ctx_call(stmt.value, ctx, "save_for_backward"):
            for arg in stmt.value.args:
                if not isinstance(arg, ast.Name):
                    raise CannotRewrite("ctx.save_for_backward of an expression: bprop only sees inputs and output")
                if arg.id in inputs:
                    saved.append(arg.id)
                elif returned and all(r == arg.id for r in returned):
                    saved.append("out")
                else:
                    raise CannotRewrite(f"'{arg.id}' is saved for backward but is neither an input nor the "
                                        "output; MindSpore's bprop receives only those")
            edits.append(_statement_removal(src, stmt, fwd.body))
    for node in ast.walk(fwd):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == ctx \
                and not _inside_removed(node, fwd, ctx):
            raise CannotRewrite(f"forward stores state on ctx (ctx.{node.attr}): move it to the Cell by hand")
    bctx = bwd.args.args[0].arg
    grads = [a.arg for a in bwd.args.args[1:]]
    if len({*inputs, "out", *grads}) != len(inputs) + 1 + len(grads):
        # `forward(ctx, x1, out)` (torchdiffeq): bprop's arguments would repeat a name
        raise CannotRewrite("forward's and backward's argument names collide with bprop's `out`")
    saved_text = "(" + ", ".join(saved) + ("," if len(saved) == 1 else "") + ")"
    for node in ast.walk(bwd):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == bctx:
            if node.attr not in ("saved_tensors", "saved_variables"):
                raise CannotRewrite(f"backward reads ctx.{node.attr}: MindSpore's bprop has no ctx")
            edits.append(Edit(*src.span(node), saved_text))
        elif isinstance(node, ast.Return) and node.value is not None and not isinstance(node.value, ast.Tuple):
            s, e = src.span(node.value)
            edits.extend([Edit(s, s, "("), Edit(e, e, ",)")])
    end = src.end(cls.body[-1])
    edits.append(Edit(end, end, "\n\n" + " " * cls.body[0].col_offset + APPLY))
    for fn, new_name, params in ((fwd, "construct", ["self"] + inputs),
                                 (bwd, "bprop", ["self"] + inputs + ["out"] + grads)):
        for dec in fn.decorator_list:
            if isinstance(dec, ast.Name) and dec.id == "staticmethod":
                edits.append(_delete_line(src, dec))
        name_pos = src.text.find(fn.name, src.offset(fn.lineno, fn.col_offset))
        edits.append(Edit(name_pos, name_pos + len(fn.name), new_name))
        first, last = fn.args.args[0], fn.args.args[-1]
        edits.append(Edit(src.start(first), src.end(last), ", ".join(params)))
    return edits


def _inside_removed(node: ast.AST, fwd: ast.FunctionDef, ctx: str) -> bool:
    for stmt in fwd.body:
        if isinstance(stmt, ast.Expr) and _is_ctx_call(stmt.value, ctx, "save_for_backward"):
            if any(n is node for n in ast.walk(stmt)):
                return True
    return False


def derived_classes(nodes: Iterable[ast.AST], names: set[str]) -> set[str]:
    """The classes of the file deriving (at any depth) from the converted Function classes `names`:
    they inherit the Cell's construct and bprop, so their `.apply` becomes a call too."""
    classes = [n for n in nodes if isinstance(n, ast.ClassDef)]
    found: set[str] = set()
    grew = True
    while grew:
        grew = False
        for cls in classes:
            if cls.name not in found and any(isinstance(b, ast.Name) and b.id in names | found for b in cls.bases):
                found.add(cls.name)
                grew = True
    return found


def apply_call_sites(src: SourceText, nodes: Iterable[ast.AST], names: set[str]) -> list[Edit]:
    """`Swish.apply(x)` → `Swish()(x)` for the converted classes."""
    edits: list[Edit] = []
    if not names:
        return edits
    for node in nodes:
        if (isinstance(node, ast.Attribute) and node.attr == "apply" and isinstance(node.value, ast.Name)
                and node.value.id in names):
            edits.append(Edit(*src.span(node), f"{node.value.id}()"))
    return edits


def autograd_findings(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.kind == Kind.BASE_CLASS and f.torch_api == AUTOGRAD_FUNCTION]
