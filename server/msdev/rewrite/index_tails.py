"""Trailing `:` and `...` dropped from an index that holds a computed part (`w[mask, :]` → `w[mask]`).

In PyTorch (and NumPy) full slices and an Ellipsis at the end of an index select everything and change
nothing: `w[mask, :]` is `w[mask]`. MindSpore 2.10 reads a boolean mask of two or more dims followed by
`:` wrongly, silently: `w[mask, :]` of a (5, 2, 8) tensor and a (5, 2) mask gives shape (n, 2) instead of
(n, 8) (normflows' splines), and `w[mask, ...]` raises. Dropping the tail gives the same result in every
framework, so the rewrite applies to any subscript whose index before the tail is not all literals (a
literal index such as `x[0, :]` cannot be a mask and is left as written).
"""

from __future__ import annotations

import ast

from .source import Edit, SourceText


def _full(element: ast.AST) -> bool:
    """`:` (no bounds, no step) or `...`."""
    if isinstance(element, ast.Slice):
        return element.lower is None and element.upper is None and element.step is None
    return isinstance(element, ast.Constant) and element.value is Ellipsis


def _literal(element: ast.AST) -> bool:
    """An index part that cannot be a tensor: a number, None, a slice of numbers."""
    if isinstance(element, ast.Slice):
        return all(part is None or _literal(part) for part in (element.lower, element.upper, element.step))
    if isinstance(element, ast.UnaryOp):
        return _literal(element.operand)
    return isinstance(element, ast.Constant)


def index_tail_edits(src: SourceText, subscripts: list[ast.AST]) -> list[Edit]:
    """The edits deleting each read subscript's trailing full slices (`subscripts`: the file's Subscript nodes)."""
    edits = []
    for node in subscripts:
        index = node.slice
        if node.ctx.__class__ is not ast.Load or index.__class__ is not ast.Tuple or len(index.elts) < 2:
            continue
        elements = index.elts
        keep = len(elements)
        while keep > 0 and _full(elements[keep - 1]):
            keep -= 1
        if keep == len(elements) or keep == 0 or all(_literal(e) for e in elements[:keep]):
            continue
        if any(isinstance(e, ast.Constant) and e.value is Ellipsis for e in elements[:keep]):
            continue  # `x[..., m, :]`: the tail fixes where the Ellipsis ends; left as written
        # up to the last element, not the tuple's end: a parenthesised index keeps its `)`
        edits.append(Edit(src.end(elements[keep - 1]), src.end(elements[-1]), ""))
    return edits
