"""Python operators on tensors that MindSpore 2.10 lacks or reads differently (rule MS228).

A MindSpore Tensor defines no `<<` and `>>` (TypeError at run time), nor the reflected `|`, `&`
and `^` that a Python number on the left needs (`8 | t`). Worse, its `~` is a logical not of any
tensor: on integers PyTorch computes the bitwise complement (`~5 == -6`), MindSpore gives bools
without a word. And `x[index] = value` with an empty integer tensor as the index, or with several
slices of which one selects nothing (`mask[0:-4, 0:-7, 0:-7] = 0` on a first axis of 4: Swin's
attention masks), writes nothing in PyTorch and raises in MindSpore 2.10 (`memcpy_s` error).
This module names the operator uses the converter writes differently; rewrite/operators.py writes them.
"""

from __future__ import annotations

import ast

from ..findings import Status
from ..rules.statement_rules import STATEMENT_RULES

#: the shift operators, which MindSpore computes with ops.bitwise_left_shift / bitwise_right_shift
SHIFTS = (ast.LShift, ast.RShift)
#: operators MindSpore has only with the tensor on the left; each is symmetric, so the operands swap
REFLECTED = {ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^"}
#: operators whose MindSpore 2.10 CPU kernels refuse a complex tensor with a real one (PyTorch promotes the
#: real operand; `+` and `-` promote in MindSpore too): written with msdev's complex_arithmetic
MIXED_COMPLEX = {ast.Mult: "*", ast.Div: "/"}
#: the dunder each operator use is reported as
OPERATOR_APIS = {ast.Mult: "torch.Tensor.__mul__", ast.Div: "torch.Tensor.__truediv__",
                 ast.LShift: "torch.Tensor.__lshift__", ast.RShift: "torch.Tensor.__rshift__",
                 ast.BitOr: "torch.Tensor.__ror__", ast.BitAnd: "torch.Tensor.__rand__",
                 ast.BitXor: "torch.Tensor.__rxor__", ast.Invert: "torch.Tensor.__invert__",
                 ast.Store: "torch.Tensor.__setitem__", ast.Slice: "torch.Tensor.__setitem__"}
#: index forms that may hold a tensor (a name, `where(m)[0]`, `self.idx`): checked in an indexed write
INDEX_EXPRESSIONS = (ast.Name, ast.Attribute, ast.Call, ast.Subscript)

#: functions and methods whose result is a bool tensor, so that `~` of it is a logical not in both
_BOOL_RESULTS = frozenset({
    "isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal", "isclose", "isin", "signbit",
    "logical_and", "logical_or", "logical_not", "logical_xor", "eq", "ne", "lt", "le", "gt", "ge",
    "greater", "less", "greater_equal", "less_equal", "not_equal", "bool", "any", "all",
})

_RULE = next(r for r in STATEMENT_RULES if r.code == "MS228")
#: how MS228 findings report: the rule's record in rules/statement_rules.py
OPERATOR_NAME = _RULE.name
OPERATOR_STATUS = Status(_RULE.status)


def known_bool(node: ast.AST) -> bool:
    """True when an expression is a bool tensor by its form (a comparison, `isnan(...)`, `m.bool()`),
    so `~` of it means the same in both frameworks and is left as written."""
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Invert, ast.Not)):
        node = node.operand
    if isinstance(node, ast.Compare):
        return True
    if isinstance(node, ast.BinOp) and type(node.op) in REFLECTED:
        return known_bool(node.left) and known_bool(node.right)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        return name in _BOOL_RESULTS
    return False


def computed_slices(index: ast.AST) -> bool:
    """An index of several slices, one of which may select nothing: a bound computed (`d[0]:d[1]`, `:h`)
    or, in the `slice(0, -4, None)` objects graph code spells out, a bound counted from the back or an end
    of 0 (`slice(-4, 0)`). Literal bounds written as `x[:, 1:3]` or `x[:, :-1]` are left as written."""
    if not isinstance(index, ast.Tuple):
        return False
    bounds = []
    for part in index.elts:
        if isinstance(part, ast.Slice):
            bounds.append((part.lower, part.upper, False))
        elif (isinstance(part, ast.Call) and isinstance(part.func, ast.Name) and part.func.id == "slice"
              and not part.keywords and 1 <= len(part.args) <= 3):
            args = part.args if len(part.args) > 1 else [None, part.args[0]]
            bounds.append((args[0], args[1], True))
    if len(bounds) < 2:
        return False
    for lower, upper, spelled in bounds:
        for bound, is_upper in ((lower, False), (upper, True)):
            if bound is None or (isinstance(bound, ast.Constant) and bound.value is None):
                continue
            negative = isinstance(bound, ast.UnaryOp) and isinstance(bound.op, ast.USub)
            if negative:
                bound = bound.operand
            if not isinstance(bound, ast.Constant) or (spelled and (negative or (is_upper and bound.value == 0))):
                return True
    return False


def operator_detail(op: type) -> str:
    """Why this operator is rewritten, in a finding's words."""
    if op in SHIFTS:
        return "MindSpore tensors have no shift operators: written with ops.bitwise_*_shift"
    if op is ast.Store:
        return "an empty integer index tensor writes nothing in PyTorch and raises in MindSpore: the write is guarded"
    if op is ast.Slice:
        return "a computed slice selecting nothing, beside others, raises in MindSpore: the write is guarded"
    if op in MIXED_COMPLEX:
        return ("MindSpore's CPU kernels do not multiply or divide a complex tensor by a real one: the real "
                "operand is made complex first, as PyTorch promotes it")
    if op is ast.Invert:
        return "MindSpore's ~ is a logical not of any tensor; PyTorch's is the bitwise complement of integers"
    return f"MindSpore tensors have no reflected {REFLECTED[op]}: the operands are swapped"
