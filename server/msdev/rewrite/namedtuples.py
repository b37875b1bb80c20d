"""Named tuples: `torch.max(x, 1).values`, `r = x.sort(); r.indices`. MindSpore returns plain
tuples in the same order, so a field becomes its index (`.values` → `[0]`, `.indices` → `[1]`)."""

from __future__ import annotations

import ast

from ..analysis.return_types import FIELDS, FUNCTION_FIELDS, RETURNS_NAMED_TUPLE
from .source import Edit

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _named_tuple_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    name = _call_name(node)
    if name not in RETURNS_NAMED_TUPLE:
        return False
    if name in ("max", "min"):  # only the reduction along a dim returns (values, indices); the
        # element-wise form `torch.max(x, y)` has no fields, so any argument means the reduction
        return bool(node.args) or any(k.arg == "dim" for k in node.keywords)
    return True


def _named_tuple_sources(rewriter, name: ast.Name) -> list | None:
    """The named-tuple calls the name is assigned from in its scope; None when any assignment is another."""
    scope = rewriter.parents.get(id(name))
    while scope is not None and not isinstance(scope, _SCOPES):
        scope = rewriter.parents.get(id(scope))
    if scope is None:
        return None
    values = []
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name.id for t in node.targets):
            values.append(node.value)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For)) and isinstance(node.target, ast.Name) \
                and node.target.id == name.id:
            return None
    return values if values and all(_named_tuple_call(v) for v in values) else None


def _position(field: str, calls: list) -> int | None:
    """The field's index in what these calls return (one index for all of them, else None)."""
    places = {FUNCTION_FIELDS.get(_call_name(call), {}).get(field, FIELDS[field]) for call in calls}
    return places.pop() if len(places) == 1 else None


def rewrite_field(rewriter, finding):
    """The field access as an index, or None when the receiver is not known to be a named tuple."""
    from .fixes import FindingRewrite

    node = finding.node
    if not isinstance(node, ast.Attribute) or node.attr not in FIELDS or not isinstance(node.ctx, ast.Load):
        return None
    receiver = node.value
    if _named_tuple_call(receiver):
        calls = [receiver]
    elif isinstance(receiver, ast.Name):
        calls = _named_tuple_sources(rewriter, receiver)
    else:
        calls = None
    index = _position(node.attr, calls) if calls else None
    if index is None:
        if finding.entry is None:  # the finder's field read off a tensor function's result (no entry of its
            # own): a result not known to be a plain tuple (an object msdev writes, like triangular_solve's)
            # keeps its attribute, as before the finder saw it
            return FindingRewrite(finding, [], True, [], rewriter.src.span(node))
        return None
    start, end = rewriter.src.end(receiver), rewriter.src.end(node)
    return FindingRewrite(finding, [Edit(start, end, f"[{index}]")], True, [], rewriter.src.span(node))
