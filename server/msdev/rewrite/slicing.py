"""Fix of rule MS227: a tensor sliced with a step becomes a plain slice and one gather per step
(the why is in analysis/slicing.py)."""

from __future__ import annotations

import ast

from ..analysis.slicing import stepped_axes
from ..findings import Finding
from .calls import CannotRewrite
from .fixes import FindingRewrite
from .source import Edit


def _plain(rewriter, part: ast.AST) -> str:
    """An index element as written (after inner rewrites), without the step of a slice."""
    if not isinstance(part, ast.Slice):
        return rewriter.rendered(part)
    lower = part.lower
    if lower is not None and isinstance(lower, ast.Constant) and lower.value == 0:
        lower = None
    text = (rewriter.rendered(lower) if lower is not None else "") + ":"
    return text + (rewriter.rendered(part.upper) if part.upper is not None else "")


def rewrite_stepped_slice(rewriter, finding: Finding, facts) -> FindingRewrite:
    node = finding.node
    axes = stepped_axes(node.slice)
    if not axes:
        raise CannotRewrite("the index changed: slice with a step left as written")
    stepped = {id(part) for _, part in axes}
    parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    plain = []
    for part in parts:
        plain.append(_plain(rewriter, part) if id(part) in stepped else rewriter.rendered(part))
    text = rewriter.rendered(node.value)
    if any(p not in (":", "...") for p in plain):
        text = f"{text}[{', '.join(plain)}]"
    elif not isinstance(node.value, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)):
        text = f"({text})"
    helper = rewriter.namer.render("msdev.stepped_slice")
    for axis, part in axes:
        text = f"{helper}({text}, {rewriter.rendered(part.step)}, {axis})"
    span = rewriter.src.span(node)
    return FindingRewrite(finding, [Edit(span[0], span[1], text)], True, [], span)
