"""In-place operations without a MindSpore in-place counterpart, written once from the out-of-place
entry: the result is computed out of place and stored back into the tensor.

    x.clamp_(min=0)              →  x.assign_value(x.clamp(min=0).astype(x.dtype))
    torch.relu_(x)               →  x = ops.relu(x)      (statement; x[...] = ... for an argument)
    F.relu(x, inplace=True)      →  x = ops.relu(x)

Used only where the database has no automatic rewrite of the in-place form itself.
"""

from __future__ import annotations

import ast

from ..analysis.patterns import is_tensor_slice
from ..findings import Finding, Status
from .calls import CannotRewrite, literal
from .outparam import store_text
from .source import Edit, text_with_edits


def _usable(entry) -> bool:
    if entry is None:
        return False
    target = entry.target("portable")
    return target.status not in (Status.MANUAL, Status.UNSUPPORTED, Status.UNKNOWN) and (
        target.api is not None or bool(target.templates))


def out_of_place(rewriter, finding: Finding):
    """The entry of the out-of-place form of an in-place API (`torch.Tensor.clamp_` → `clamp`), when the
    in-place form itself cannot be rewritten and the out-of-place one can."""
    api = finding.torch_api
    if _usable(finding.entry):
        return None
    aten = _aten_out_of_place(api)
    if aten:  # `torch.ops.aten.index_put_.default` → `torch.ops.aten.index_put.default` (or torch.index_put)
        entry = rewriter.db.get(aten)
        return entry if _usable(entry) and entry.kind == "function" else None
    if not api.endswith("_") or api.endswith("__"):
        return None
    entry = rewriter.db.entries.get(api[:-1])
    return entry if _usable(entry) else None


def _aten_out_of_place(api: str) -> str:
    """The out-of-place ATen operator of an in-place one (`aten.index_put_.default` →
    `aten.index_put.default`), else ""."""
    parts = api.split(".")
    if len(parts) != 5 or parts[:3] != ["torch", "ops", "aten"]:
        return ""
    op = parts[3]
    if not op.endswith("_") or op.endswith("__") or op.startswith("_"):
        return ""
    return ".".join(parts[:3] + [op[:-1], parts[4]])


def rewrite_inplace_method(rewriter, finding: Finding, node: ast.Attribute, call: ast.Call | None, entry):
    """`x.foo_(...)` → `x.assign_value(<x.foo(...) rewritten>.astype(x.dtype))`."""
    from .fixes import FindingRewrite

    updated = _updated_tensor(node.value)
    if call is None or updated is None:
        raise CannotRewrite("in-place update of an expression: assign the out-of-place result by hand")
    from .fixes import as_entry

    inner = rewriter.rewrite_entry(as_entry(finding, entry, rewriter.profile))
    span = rewriter.src.span(call)
    text = text_with_edits(rewriter.src.text, span[0], span[1], rewriter.done + inner.edits)
    if text.startswith(rewriter.rendered(node.value) + "." + node.attr):  # the method kept its in-place name
        receiver = rewriter.rendered(node.value)
        text = receiver + "." + node.attr[:-1] + text[len(receiver) + 1 + len(node.attr):]
    receiver = rewriter.rendered(updated)
    new = f"{receiver}.assign_value({text}.astype({receiver}.dtype))"
    return FindingRewrite(finding, [Edit(*span, new)], inner.safe, inner.notes, span)


def _updated_tensor(receiver: ast.AST) -> ast.AST | None:
    """The tensor an in-place method updates: its receiver (a name, an attribute, a dict's entry
    `state['m']`), or through a chain of in-place calls (`exp_avg.mul_(beta1).add_(grad)`: each returns
    the tensor it updated, as its rewrite's assign_value does) the first receiver; None otherwise."""
    while (isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute)
           and receiver.func.attr.endswith("_") and not receiver.func.attr.startswith("_")):
        receiver = receiver.func.value
    if isinstance(receiver, (ast.Name, ast.Attribute)):
        return receiver
    return receiver if isinstance(receiver, ast.Subscript) and not is_tensor_slice(receiver) else None


def inplace_keyword(call: ast.Call, params: list[str] | tuple | None = ()) -> ast.AST | None:
    """`inplace=True` written as a literal, by keyword or (given the API's PARAMS) in its position:
    `F.celu(x, 0.9, True)`."""
    kw = next((k for k in call.keywords if k.arg == "inplace"), None)
    if kw is not None:
        return kw if literal(kw.value) is True else None
    params = list(params or ())
    pos = params.index("inplace") if "inplace" in params else -1
    if 0 <= pos < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[:pos + 1]):
        arg = call.args[pos]
        return arg if literal(arg) is True else None
    return None


def store_into_first_argument(rewriter, call: ast.Call, params: list[str] | tuple | None = ()) -> list[Edit]:
    """Edits that store a call's result into its first argument (the tensor the PyTorch call updated in
    place, by position or by the keyword PARAMS names first: `torch.index_put_(input=x, ...)`) when the
    call is a statement or assigned; inside an expression (`return F.relu(x, inplace=True)`) the value
    flows on as PyTorch's does, and only a later read of the argument would differ."""
    parent = rewriter.parents.get(id(call))
    if not (isinstance(parent, (ast.Expr, ast.Assign)) and parent.value is call):
        return []
    first = call.args[0] if call.args and not isinstance(call.args[0], ast.Starred) else next(
        (k.value for k in call.keywords if params and k.arg == list(params)[0]), None)
    if not isinstance(first, (ast.Name, ast.Attribute, ast.Subscript)):
        if isinstance(parent, ast.Expr):
            raise CannotRewrite("in-place update of an expression: assign the out-of-place result by hand")
        return []
    if isinstance(parent, ast.Assign) and any(rewriter.src.segment(t) == rewriter.src.segment(first)
                                              for t in parent.targets):
        return []  # `x = F.relu(x, inplace=True)` stores it already
    written = store_text(rewriter, call, first)
    start = rewriter.src.start(call)
    return [Edit(start, start, f"{written} = ")]
