"""PyTorch's deprecated positional overloads, read as today's call before any rewrite.

torch 2.x still accepts `p.data.add_(-lr, grad)` (the scale first) and `v.addcmul_(1 - beta2, g, g)`
(the value first), the spelling of many optimizers written before PyTorch 1.5; MindSpore has only
today's form (`add(other, alpha=...)`, `addcmul(t1, t2, value=...)`). Since `alpha` and `value` are
keyword-only now, a call with one positional argument too many can only be the old form.
"""

from __future__ import annotations

import ast

#: tensor method → (positional arguments of the old form, keyword its first argument becomes)
DEPRECATED_METHODS = {
    **dict.fromkeys(("add", "add_", "sub", "sub_"), (2, "alpha")),
    **dict.fromkeys(("addcmul", "addcmul_", "addcdiv", "addcdiv_"), (3, "value")),
}


def modern_call(call: ast.Call, cache: dict[int, ast.Call]) -> ast.Call:
    """The call as today's overload spells it (`x.add_(a, y)` → `x.add_(y, alpha=a)`): a new node over
    the same argument nodes and positions, made once per call (`cache`); the call itself otherwise."""
    func = call.func
    spec = DEPRECATED_METHODS.get(func.attr) if isinstance(func, ast.Attribute) else None
    if spec is None or len(call.args) != spec[0] or call.keywords or any(
            isinstance(a, ast.Starred) for a in call.args):
        return call
    made = cache.get(id(call))
    if made is None:
        first = call.args[0]
        keyword = ast.copy_location(ast.keyword(arg=spec[1], value=first), first)
        keyword.end_lineno, keyword.end_col_offset = first.end_lineno, first.end_col_offset
        made = ast.copy_location(ast.Call(func=func, args=call.args[1:], keywords=[keyword]), call)
        made.end_lineno, made.end_col_offset = call.end_lineno, call.end_col_offset
        cache[id(call)] = made
    return made
