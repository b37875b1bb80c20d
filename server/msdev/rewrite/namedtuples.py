"""Named tuples: `torch.max(x, 1).values`, `r = x.sort(); r.indices`. MindSpore returns plain
tuples in the same order, so a field becomes its index (`.values` → `[0]`, `.indices` → `[1]`)."""

from __future__ import annotations

import ast

from .source import Edit

#: the fields of PyTorch's torch.return_types, by position
FIELDS = {"values": 0, "indices": 1, "U": 0, "S": 1, "V": 2, "Vh": 2, "Q": 0, "R": 1, "eigenvalues": 0,
          "eigenvectors": 1, "sign": 0, "logabsdet": 1, "mantissa": 0, "exponent": 1, "solution": 0}
#: functions and methods returning one of those named tuples
RETURNS_NAMED_TUPLE = frozenset({"max", "min", "sort", "topk", "median", "nanmedian", "mode", "kthvalue", "cummax",
                                 "cummin", "svd", "qr", "eigh", "eig", "slogdet", "frexp", "lstsq"})
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)


def _named_tuple_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if name not in RETURNS_NAMED_TUPLE:
        return False
    if name in ("max", "min"):  # only the reduction along a dim returns (values, indices); the
        # element-wise form `torch.max(x, y)` has no fields, so any argument means the reduction
        return bool(node.args) or any(k.arg == "dim" for k in node.keywords)
    return True


def _assigned_from_named_tuple(rewriter, name: ast.Name) -> bool:
    """Every assignment to the name in its scope is the result of a named-tuple call."""
    scope = rewriter.parents.get(id(name))
    while scope is not None and not isinstance(scope, _SCOPES):
        scope = rewriter.parents.get(id(scope))
    if scope is None:
        return False
    values = []
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name.id for t in node.targets):
            values.append(node.value)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For)) and isinstance(node.target, ast.Name) \
                and node.target.id == name.id:
            return False
    return bool(values) and all(_named_tuple_call(v) for v in values)


def rewrite_field(rewriter, finding):
    """The field access as an index, or None when the receiver is not known to be a named tuple."""
    from .fixes import FindingRewrite

    node = finding.node
    if not isinstance(node, ast.Attribute) or node.attr not in FIELDS or not isinstance(node.ctx, ast.Load):
        return None
    receiver = node.value
    if not (_named_tuple_call(receiver) or isinstance(receiver, ast.Name) and _assigned_from_named_tuple(rewriter, receiver)):
        return None
    start, end = rewriter.src.end(receiver), rewriter.src.end(node)
    return FindingRewrite(finding, [Edit(start, end, f"[{FIELDS[node.attr]}]")], True, [], rewriter.src.span(node))
