"""In-place ATen operators on a view, as make_fx prints them without functionalisation:

    slice_2 = torch.ops.aten.slice.Tensor(clone_1, 1, 2, 9223372036854775807, 3)
    copy_ = torch.ops.aten.copy_.default(slice_2, sigmoid_1)

PyTorch's `slice`/`select` return views, so the `copy_` writes into `clone_1`; MindSpore's indexing
returns a copy and the write would be lost. The statement is rewritten (rule MS220) as an indexed
assignment into the base tensor: `clone_1[:, 2:9223372036854775807:3] = sigmoid_1`.

Only a view taken by one `slice.Tensor` / `select.int` of a plain name, with a literal dimension, in
the same function body, whose base is not rebound in between, is recognised; a view read after the
write is taken again from the base. Other view operators (`view`, `permute`, `expand`, ...) are not.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

#: in-place operators written back through an indexed assignment: how the new value is formed
#: ("=" stores the second operand, a binary operator combines the old value with it)
INPLACE = {"torch.ops.aten.copy_.default": "=", "torch.ops.aten.fill_.Scalar": "=",
           "torch.ops.aten.fill_.Tensor": "=", "torch.ops.aten.add_.Tensor": "+",
           "torch.ops.aten.sub_.Tensor": "-", "torch.ops.aten.mul_.Tensor": "*",
           "torch.ops.aten.div_.Tensor": "/"}
#: view operators and their parameters after the input
VIEWS = {"torch.ops.aten.slice.Tensor": ("dim", "start", "end", "step"),
         "torch.ops.aten.select.int": ("dim", "index")}


@dataclass
class ViewWrite:
    stmt: ast.stmt  # the statement holding the in-place call (an Assign to one name, or an Expr)
    call: ast.Call  # the in-place call
    op: str  # "=" or the binary operator
    base: ast.Name  # the tensor the view was taken from
    view_api: str
    view_args: dict[str, ast.AST]  # the view's arguments after the input, by parameter name
    dim: int
    reread: str | None  # the view's name when it is read after the write (re-taken from the base)


def _int(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and type(node.operand.value) is int:
        return -node.operand.value
    return None


def _binds(stmt: ast.stmt, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in ast.walk(stmt))


def _reads(stmt: ast.stmt, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) for n in ast.walk(stmt))


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
    for i in range(at - 1, -1, -1):
        s = body[i]
        if not _binds(s, view):
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
        dim = _int(args.get("dim", ast.Constant(0)))
        if dim is None or (vapi.endswith("select.int") and "index" not in args):
            return None
        base = vcall.args[0]
        if any(_binds(t, base.id) for t in body[i + 1:at]):
            return None  # the base was rebound: the view belongs to an older tensor
        later = any(_reads(t, view) for t in body[at + 1:])
        return ViewWrite(stmt, call, INPLACE[api], base, vapi, args, dim, view if later else None)
    return None


def index_text(write: ViewWrite, render) -> str:
    """The subscript selecting the view in its base (`:, 2:9223372036854775807:3`), with `render`
    giving the converted text of an argument node."""
    a = write.view_args
    if write.view_api.endswith("select.int"):
        item = render(a["index"])
    else:
        parts = [render(a[k]) if k in a and not (isinstance(a[k], ast.Constant) and a[k].value is None) else ""
                 for k in ("start", "end", "step")]
        item = ":".join(parts) if parts[2] else f"{parts[0]}:{parts[1]}"
    if write.dim >= 0:
        return ", ".join([":"] * write.dim + [item])
    return ", ".join(["...", item] + [":"] * (-write.dim - 1))
