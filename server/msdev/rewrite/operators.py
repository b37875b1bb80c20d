"""Fix of rule MS228: tensor operators MindSpore lacks or reads differently (the why is in
analysis/operators.py) become the functions that compute PyTorch's values."""

from __future__ import annotations

import ast

from ..analysis.operators import MIXED_COMPLEX, REFLECTED
from ..findings import Finding
from .fixes import FindingRewrite
from .source import Edit

#: operand forms that need parentheses when they move next to another operator
_LOOSE = (ast.BinOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Lambda, ast.NamedExpr, ast.UnaryOp)


def _operand(rewriter, node: ast.AST) -> str:
    text = rewriter.rendered(node)
    return f"({text})" if isinstance(node, _LOOSE) else text


def _index_part(rewriter, part: ast.AST) -> str:
    if not isinstance(part, ast.Slice):
        return rewriter.rendered(part)
    bounds = [rewriter.rendered(b) if b is not None else "None" for b in (part.lower, part.upper, part.step)]
    return f"slice({', '.join(bounds[:2] if part.step is None else bounds)})"


def _shift(rewriter, left: str, right: str, op: ast.operator) -> str:
    return f"{rewriter.namer.render('msdev.shift')}({left}, {right}, {isinstance(op, ast.LShift)})"


def rewrite_operator(rewriter, finding: Finding, facts) -> FindingRewrite:
    node = finding.node
    if isinstance(node, ast.Assign):  # `x[index] = value`: written unless the index selects nothing
        target = node.targets[0]
        index = target.slice
        if isinstance(index, ast.Tuple):  # slices as objects: `slice(d[0], d[1])`
            index_text = "(" + ", ".join(_index_part(rewriter, p) for p in index.elts) + ",)"
        else:
            index_text = rewriter.rendered(index)
        arguments = ", ".join((rewriter.rendered(target.value), index_text, rewriter.rendered(node.value)))
        text = f"{rewriter.namer.render('msdev.setitem')}({arguments})"
    elif isinstance(node, ast.AugAssign):  # `x <<= 2`: assigned back, as MindSpore has no in-place shift
        target = rewriter.rendered(node.target)
        text = f"{target} = {_shift(rewriter, target, rewriter.rendered(node.value), node.op)}"
    elif isinstance(node, ast.UnaryOp):
        text = f"{rewriter.namer.render('msdev.invert')}({rewriter.rendered(node.operand)})"
    elif node.op.__class__ in MIXED_COMPLEX:  # `fft * filters`: the real operand made complex when it runs
        divide = node.op.__class__ is ast.Div
        text = (f"{rewriter.namer.render('msdev.complex_arithmetic')}({rewriter.rendered(node.left)}, "
                f"{rewriter.rendered(node.right)}, {divide})")
    elif node.op.__class__ in (ast.LShift, ast.RShift):
        text = _shift(rewriter, rewriter.rendered(node.left), rewriter.rendered(node.right), node.op)
    else:  # `8 | t` is `t | 8`: the same value, with the tensor's own operator
        text = f"{_operand(rewriter, node.right)} {REFLECTED[node.op.__class__]} {_operand(rewriter, node.left)}"
    span = rewriter.src.span(node)
    return FindingRewrite(finding, [Edit(span[0], span[1], text)], True, [], span)
