"""Stepped slices of tensors (rule MS227).

MindSpore 2.10's CPU kernel for the gradient of a slice with a step (`StridedSliceGrad`) fails with
"input memory out of bounds" on every axis but the last (`x[:, 0::2]`, Swin's patch merging,
YOLO's space-to-depth), so a converted model that slices like that runs forward and cannot train.
A gather with the stepped positions computes the same values and has a working gradient. This
module finds the stepped axes of an index; rewrite/slicing.py writes the gathers.
"""

from __future__ import annotations

import ast

from ..findings import Status
from ..rules.statement_rules import STATEMENT_RULES


def _int_constant(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) is int


def _has_step(part: ast.Slice) -> bool:
    step = part.step
    return step is not None and not (isinstance(step, ast.Constant) and step.value in (None, 1))


def stepped_axes(index: ast.AST) -> list[tuple[int, ast.Slice]] | None:
    """(axis, slice) of each slice with a step in a tensor index, the axis counted in the result of
    the same index without steps: from the front before an `...`, negative from the back after it.
    None when no step needs a gather (none, or only on the last axis) or when the index is not plain
    basic indexing (a name or an expression may be a tensor index, which moves axes)."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    ellipsis = [i for i, p in enumerate(parts) if isinstance(p, ast.Constant) and p.value is Ellipsis]
    if len(ellipsis) > 1:
        return None
    for part in parts:
        if not (isinstance(part, ast.Slice) or _int_constant(part)
                or (isinstance(part, ast.Constant) and part.value in (None, Ellipsis))):
            return None
    split = ellipsis[0] if ellipsis else len(parts)
    found: list[tuple[int, ast.Slice]] = []
    axis = 0
    for part in parts[:split]:
        if isinstance(part, ast.Slice):
            if _has_step(part):
                found.append((axis, part))
            axis += 1
        elif isinstance(part, ast.Constant) and part.value is None:
            axis += 1
    axis = -1
    for part in reversed(parts[split + 1:]):
        if isinstance(part, ast.Slice):
            if _has_step(part) and axis != -1:  # the last axis slices with a step correctly
                found.append((axis, part))
            axis -= 1
        elif isinstance(part, ast.Constant) and part.value is None:
            axis -= 1
    return found or None


_RULE = next(r for r in STATEMENT_RULES if r.code == "MS227")
#: how MS227 findings report: the rule's record in rules/statement_rules.py
STEPPED_SLICE_NAME = _RULE.name
STEPPED_SLICE_STATUS = Status(_RULE.status)
