"""A layer called with its inputs by keyword (`m(input=x)`, `loss(target=y, input=x)`), or built with
`inplace=True` (`act = nn.LeakyReLU(0.1, True); y = act(x)`).

PyTorch's forward names its inputs `input`, `target`, ...; MindSpore's construct names them `x`,
`logits`, `labels`, `input_x`: the same keyword is a TypeError after conversion. The order of the
inputs is the same on both sides, so the inputs given by keyword are passed by position, in the order
of PyTorch's forward (the entry's `forward`, mapping_db/README.md); other keywords stay as written.

A layer built with `inplace=True` overwrites its input in PyTorch; MindSpore's layers return a new
tensor, so the result is stored into the input as well (`y = x = act(x)`), as for `F.relu(x, inplace=True)`,
when the input is a name the scope binds: a tensor the caller passed in (`forward`'s parameter) is not
written through, so that a network's autograd graph stays the one MindSpore builds from plain calls.
"""

from __future__ import annotations

import ast

from ..findings import Finding
from .calls import CannotRewrite
from .inplace import store_into_first_argument
from .source import Edit


def rewrite_layer_call(rewriter, finding: Finding, call: ast.Call):
    from .fixes import FindingRewrite

    stored = store_into_first_argument(rewriter, call) if finding.writes_input else []
    if any(edit.text.rstrip(" =").endswith("]") for edit in stored):
        stored = []  # the caller's tensor (a parameter of forward, an attribute): its graph is left as it is
    forward = finding.entry.forward or []
    stars = [k for k in call.keywords if k.arg is None]
    if not any(k.arg in forward for k in call.keywords) and not stars:  # only the in-place store
        span = rewriter.src.span(call)
        return FindingRewrite(finding, stored, True, ["the layer's result is stored into its input, which the "
                                                      "PyTorch layer (inplace=True) overwrites"], span)
    if stars and len(stars) == 1 and not any(isinstance(a, ast.Starred) for a in call.args) and not any(
            k.arg in forward for k in call.keywords):
        return _inputs_from_dict(rewriter, finding, call, forward, stars[0], stored)
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        raise CannotRewrite("a layer's inputs passed through *args/**kwargs: MindSpore's construct names "
                            f"them otherwise than {', '.join(forward)}; pass them by position")
    named = {k.arg: k for k in call.keywords if k.arg in forward}
    slots = forward[len(call.args):len(call.args) + len(named)]
    if set(slots) != set(named):
        raise CannotRewrite(f"a layer's inputs given by keyword after a left-out one ({', '.join(forward)}): "
                            "MindSpore's construct names them otherwise; pass them by position")
    parts = [rewriter.rendered(a) for a in call.args]
    parts += [rewriter.rendered(named[name].value) for name in slots]
    parts += [f"{k.arg}={rewriter.rendered(k.value)}" for k in call.keywords if k.arg not in named]
    first = call.args[0] if call.args else call.keywords[0]
    last = call.keywords[-1]
    start, end = rewriter.src.span(first)[0], rewriter.src.span(last)[1]
    return FindingRewrite(finding, stored + [Edit(start, end, ", ".join(parts))], True,
                          [f"inputs passed by position: MindSpore's construct names them otherwise"], (start, end))


def _inputs_from_dict(rewriter, finding, call: ast.Call, forward: list[str], star: ast.keyword, stored):
    """`loss(**{'input': x, 'target': y})` / `m(**inputs)`: the dict's inputs passed by position, in the
    forward's order after the positional ones (a written dict's values directly)."""
    from .fixes import FindingRewrite

    slots = forward[len(call.args):]
    value = star.value
    if isinstance(value, ast.Dict) and all(isinstance(k, ast.Constant) and k.value in slots for k in value.keys):
        given = {k.value: v for k, v in zip(value.keys, value.values)}
        if list(given) != [s for s in slots if s in given] or set(slots[:len(given)]) != set(given):
            raise CannotRewrite(f"a layer's inputs given by keyword after a left-out one ({', '.join(forward)}): "
                                "MindSpore's construct names them otherwise; pass them by position")
        inputs = [rewriter.rendered(given[name]) for name in slots if name in given]
    else:  # keys only the running program knows: taken in the forward's order
        inputs = [f"*(lambda d_: [d_[k] for k in {tuple(slots)!r} if k in d_])({rewriter.rendered(value)})"]
    parts = [rewriter.rendered(a) for a in call.args] + inputs
    parts += [f"{k.arg}={rewriter.rendered(k.value)}" for k in call.keywords if k.arg is not None]
    first = call.args[0] if call.args else call.keywords[0]
    start, end = rewriter.src.span(first)[0], rewriter.src.span(call.keywords[-1])[1]
    return FindingRewrite(finding, stored + [Edit(start, end, ", ".join(parts))], True,
                          ["inputs passed by position: MindSpore's construct names them otherwise"], (start, end))
