"""In-place ATen operators on a view, as make_fx prints them without functionalisation:

    slice_2 = torch.ops.aten.slice.Tensor(clone_1, 1, 2, 9223372036854775807, 3)
    copy_ = torch.ops.aten.copy_.default(slice_2, sigmoid_1)

PyTorch's `slice`/`select` return views, so the `copy_` writes into `clone_1`; MindSpore's indexing
returns a copy and the write would be lost. The statement is rewritten (rule MS220) as an indexed
assignment into the base tensor: `clone_1[:, 2:9223372036854775807:3] = sigmoid_1`.

A view taken by `slice.Tensor` / `select.int` with literal dimensions, directly or through a chain of
them (`x[:, 1:3, 0]` prints a slice then a select), in the same function body, whose tensors are not
rebound in between, is recognised; a chain with a negative dimension after its first step, or two
steps on the same dimension, is not. A view read after the write is taken again from the base; other
view operators (`view`, `permute`, `expand`, ...) are not recognised.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .literals import int_literal

#: in-place operators written back through an indexed assignment: how the new value is formed
#: ("=" stores the second operand, a binary operator combines the old value with it)
INPLACE = {"torch.ops.aten.copy_.default": "=", "torch.ops.aten.fill_.Scalar": "=",
           "torch.ops.aten.fill_.Tensor": "=", "torch.ops.aten.add_.Tensor": "+",
           "torch.ops.aten.sub_.Tensor": "-", "torch.ops.aten.mul_.Tensor": "*",
           "torch.ops.aten.div_.Tensor": "/"}
#: ATen view operators (packet names): an in-place write into a name bound to one that is not
#: recognised is refused rather than lost
ANY_VIEW = frozenset("torch.ops.aten." + n for n in (
    "slice", "select", "view", "_unsafe_view", "_reshape_alias", "permute", "transpose", "t", "unsqueeze",
    "squeeze", "expand", "alias", "diagonal", "as_strided", "unfold", "narrow", "view_as_real",
    "view_as_complex", "unbind", "split", "chunk"))
#: view operators and their parameters after the input
VIEWS = {"torch.ops.aten.slice.Tensor": ("dim", "start", "end", "step"),
         "torch.ops.aten.select.int": ("dim", "index")}


@dataclass
class ViewStep:
    api: str
    args: dict[str, ast.AST]  # the view's arguments after the input, by parameter name
    dim: int


@dataclass
class ViewWrite:
    stmt: ast.stmt  # the statement holding the in-place call (an Assign to one name, or an Expr)
    call: ast.Call  # the in-place call
    op: str  # "=" or the binary operator
    base: ast.Name  # the tensor the (first) view was taken from
    steps: list[ViewStep]  # base → view, in order
    #: views of the chain read after the write, with how many steps from the base make each (re-taken)
    reread: list[tuple[str, int]]



def _binds(stmt: ast.stmt, name: str) -> bool:
    """Whether the statement binds the name (graph code's `a = b = None` clean-ups do not count)."""
    if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant) and stmt.value.value is None:
        return False
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in ast.walk(stmt))


def _reads(stmt: ast.stmt, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) for n in ast.walk(stmt))


def _view_of(apis: dict[int, str], body: list[ast.stmt], at: int, name: str):
    """(index of the statement, its input name node, its ViewStep) when `name` was last bound before
    body[at] by a slice/select view of a plain name, else None."""
    for i in range(at - 1, -1, -1):
        s = body[i]
        if not _binds(s, name):
            continue
        if not (isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.value, ast.Call)):
            return None
        vcall = s.value
        vapi = apis.get(id(vcall.func))
        if vapi not in VIEWS or not vcall.args or not isinstance(vcall.args[0], ast.Name):
            return None
        params = VIEWS[vapi]
        if len(vcall.args) - 1 > len(params) or any(k.arg not in params for k in vcall.keywords):
            return None
        args = dict(zip(params, vcall.args[1:])) | {k.arg: k.value for k in vcall.keywords}
        dim = int_literal(args.get("dim", ast.Constant(0)))
        if dim is None or (vapi.endswith("select.int") and "index" not in args):
            return None
        return i, vcall.args[0], ViewStep(vapi, args, dim)
    return None


def view_write(apis: dict[int, str], parents: dict[int, ast.AST], call: ast.Call, api: str) -> ViewWrite | None:
    """The write-back of an in-place ATen call on a view (None when the call is not one)."""
    if api not in INPLACE or len(call.args) != 2 or call.keywords or not isinstance(call.args[0], ast.Name):
        return None
    stmt = parents.get(id(call))
    if isinstance(stmt, ast.Assign):
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            return None
    elif not isinstance(stmt, ast.Expr):
        return None
    body = getattr(parents.get(id(stmt)), "body", None)
    if not isinstance(body, list) or stmt not in body:
        return None
    at = body.index(stmt)
    view = call.args[0].id
    found = _view_of(apis, body, at, view)
    if found is None:
        return None
    steps: list[ViewStep] = []
    names: list[str] = []  # the views of the chain, last first
    name = view
    while found is not None:
        i, base, step = found
        if any(_binds(t, base.id) for t in body[i + 1:at]):
            return None  # the input was rebound: the view belongs to an older tensor
        steps.insert(0, step)
        names.append(name)
        name = base.id
        found = _view_of(apis, body, i, name)
    if len(steps) > 1 and any(st.dim < 0 for st in steps[1:]):
        return None
    reread = [(n, len(steps) - k) for k, n in enumerate(names) if any(_reads(t, n) for t in body[at + 1:])]
    return ViewWrite(stmt, call, INPLACE[api], base, steps, reread)


def is_view_name(apis: dict[int, str], parents: dict[int, ast.AST], call: ast.Call) -> bool:
    """Whether the first argument of an in-place call is a name bound to an ATen view operator (any:
    `view`, `permute`, `slice`, ...), in the same function body, of a tensor read after the write (a
    base nobody reads again makes the lost write unobservable)."""
    stmt = parents.get(id(call))
    body = getattr(parents.get(id(stmt)), "body", None)
    if not call.args or not isinstance(call.args[0], ast.Name) or not isinstance(body, list) or stmt not in body:
        return False
    at = body.index(stmt)
    name, end = call.args[0].id, at
    while True:
        bound = next((s for s in reversed(body[:end]) if _binds(s, name)), None)
        if not (isinstance(bound, ast.Assign) and isinstance(bound.value, ast.Call) and bound.value.args
                and apis.get(id(bound.value.func), "").rsplit(".", 1)[0] in ANY_VIEW
                and isinstance(bound.value.args[0], ast.Name)):
            return False
        name, end = bound.value.args[0].id, body.index(bound)
        if any(_reads(t, name) for t in body[at + 1:]):
            return True


def _item(step: ViewStep, render) -> str:
    a = step.args
    if step.api.endswith("select.int"):
        return render(a["index"])
    parts = [render(a[k]) if k in a and not (isinstance(a[k], ast.Constant) and a[k].value is None) else ""
             for k in ("start", "end", "step")]
    return ":".join(parts) if parts[2] else f"{parts[0]}:{parts[1]}"


def index_text(write: ViewWrite, render, steps: int | None = None) -> str | None:
    """The subscript selecting the view (or the view after its first `steps` steps) in its base
    (`:, 2:9223372036854775807:3`), with `render` giving the converted text of an argument node;
    None when two steps index the same dimension."""
    chain = write.steps[:steps]
    first = chain[0]
    if len(chain) == 1 and first.dim < 0:
        return ", ".join(["...", _item(first, render)] + [":"] * (-first.dim - 1))
    items: dict[int, str] = {}  # dimension of the base → index item
    selected: set[int] = set()  # dimensions of the base a select removed
    for step in chain:
        d, seen = -1, -1
        while seen < step.dim:  # the step's dimension counts the dimensions still in the view
            d += 1
            if d not in selected:
                seen += 1
        if d in items:
            return None
        items[d] = _item(step, render)
        if step.api.endswith("select.int"):
            selected.add(d)
    return ", ".join(items.get(d, ":") for d in range(max(items) + 1))
