"""PyTorch's deprecated loss arguments `size_average` and `reduce`, which MindSpore's losses lack.

When either is given (and is not None), PyTorch ignores `reduction` and derives it from the two:
both true (None counts as true) gives 'mean', `reduce` true alone gives 'sum', `reduce` false gives
'none'. The rewrite writes that `reduction` instead of dropping the two, so `reduce=False` keeps its
per-element result:

    nn.CrossEntropyLoss(size_average=False)     →  nn.CrossEntropyLoss(reduction='sum')
    F.cross_entropy(x, t, reduce=False)         →  ops.cross_entropy(x, t, reduction='none')
    F.l1_loss(x, y, reduce=flag)                →  ops.l1_loss(x, y, reduction=(... if ... else ...))
"""

from __future__ import annotations

import ast

LEGACY_ARGS = ("size_average", "reduce")


def _truth(node: ast.AST | None, text: str | None):
    """True/False for a literal (None counts as True, as PyTorch reads it); else the source text."""
    if node is None:
        return True
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return f"({text} is None or bool({text}))"
    return True if value is None else bool(value)


def legacy_reduction(values: dict[str, tuple[ast.AST, str]], params) -> str | None:
    """The `reduction` source text PyTorch derives from `size_average`/`reduce` as written
    (`values`: PyTorch name → (node, source)), or None when neither is given or both are None
    (then `reduction` decides) or the API takes no `reduction`."""
    if "reduction" not in (params or ()):
        return None
    given = {n: values[n] for n in LEGACY_ARGS if n in values}
    if not given or all(isinstance(v[0], ast.Constant) and v[0].value is None for v in given.values()):
        return None
    size_average = _truth(*given.get("size_average", (None, None)))
    reduce = _truth(*given.get("reduce", (None, None)))
    if isinstance(size_average, bool) and isinstance(reduce, bool):
        return repr("mean" if size_average and reduce else "sum" if reduce else "none")
    if size_average is True:
        return f"('mean' if {reduce} else 'none')"
    if size_average is False:
        return f"('sum' if {reduce} else 'none')"
    if reduce is True:
        return f"('mean' if {size_average} else 'sum')"
    if reduce is False:
        return "'none'"
    return f"('mean' if {size_average} and {reduce} else 'sum' if {reduce} else 'none')"
