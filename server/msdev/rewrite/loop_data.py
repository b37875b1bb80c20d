"""`.data` of a loop variable msdev cannot type (ema-pytorch: `for (_, ma), (_, cur) in zip(self.get_params_iter(a),
self.get_params_iter(b)): copy(ma.data, cur.data)`).

PyTorch's `p.data` shares the parameter's storage, so writes through it update the parameter. MindSpore's
`Parameter.data` is a copy: the same writes are silently lost. A typed tensor's `.data` is dropped by its
database entry; a loop variable whose type only the running program knows reads `.data` through
msdev's `data_value`, which gives a MindSpore tensor itself and any other object's own `data`.
"""

from __future__ import annotations

import ast
from typing import Callable

from ..analysis.numpy_arrays import enclosing_scope, own_nodes
from .source import Edit, SourceText


def _loop_names(scope: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in own_nodes(scope):
        if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            names.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
    return names


def loop_data_edits(src: SourceText, attributes: list[ast.AST], parents: dict[int, ast.AST], found: set[int],
                    render: Callable[[str], str]) -> list[Edit]:
    """`data_value(p)` for each `p.data` read of a loop variable that is not a finding (`attributes`: the
    file's `x.data` nodes; `found`: node ids of findings). Only the scopes holding such a read are walked."""
    edits: list[Edit] = []
    loops: dict[int, set[str]] = {}  # scope → its loop variables
    for node in attributes:
        if not (isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name) and id(node) not in found):
            continue
        scope = enclosing_scope(node, parents)
        if scope is None:
            continue
        names = loops.get(id(scope))
        if names is None:
            names = loops[id(scope)] = _loop_names(scope)
        if node.value.id in names:
            start, end = src.span(node)
            edits.append(Edit(start, end, f"{render('msdev.data_value')}({node.value.id})"))
    return edits
