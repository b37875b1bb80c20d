"""A layer called with its inputs by keyword (`m(input=x)`, `loss(target=y, input=x)`).

PyTorch's forward names its inputs `input`, `target`, ...; MindSpore's construct names them `x`,
`logits`, `labels`, `input_x`: the same keyword is a TypeError after conversion. The order of the
inputs is the same on both sides, so the inputs given by keyword are passed by position, in the order
of PyTorch's forward (the entry's `forward`, mapping_db/README.md); other keywords stay as written.
"""

from __future__ import annotations

import ast

from ..findings import Finding
from .calls import CannotRewrite
from .source import Edit


def rewrite_layer_call(rewriter, finding: Finding, call: ast.Call):
    from .fixes import FindingRewrite

    forward = finding.entry.forward or []
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
    return FindingRewrite(finding, [Edit(start, end, ", ".join(parts))], True,
                          [f"inputs passed by position: MindSpore's construct names them otherwise"], (start, end))
