"""Python types given as a dtype: `torch.as_tensor(order, dtype=int)`, `x.to(float)` (zuko).

PyTorch reads `int` as torch.int64, `float` as torch.float64, `bool` as torch.bool and `complex` as
torch.complex128; MindSpore refuses a Python type where it takes a dtype. In a call of a PyTorch API,
such a type passed as `dtype=` (or as the one argument of `.to`) becomes MindSpore's dtype.
"""

from __future__ import annotations

import ast
from typing import Callable

from .source import Edit, SourceText

#: Python type → the MindSpore dtype PyTorch reads it as
BUILTIN_DTYPES = {"int": "mindspore.int64", "float": "mindspore.float64", "bool": "mindspore.bool_",
                  "complex": "mindspore.complex128"}
#: Tensor methods whose one positional argument may be a Python type (`Tensor.type` refuses them)
_DTYPE_METHODS = frozenset({"to"})


def rebound_types(nodes: list[ast.AST]) -> set[str]:
    """Which of int, float, bool, complex the file binds itself (an argument, an assignment, an import)."""
    found = set()
    for node in nodes:
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            found.add(node.id)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.alias):
            found.add((node.asname or node.name).split(".", 1)[0])
    return found & set(BUILTIN_DTYPES)


def builtin_dtype_edits(src: SourceText, torch_nodes: list[ast.AST], parents: dict[int, ast.AST],
                        render: Callable[[str], str], shadowed: Callable[[], set[str]]) -> list[Edit]:
    """`torch_nodes`: the nodes the finder found as PyTorch uses (a called API's function, a Tensor
    method's attribute); `shadowed()`: the types the file rebinds (rebound_types: a local `int` is not the
    type), asked only when a call passes one."""
    edits = []
    rebound = None
    for node in torch_nodes:
        call = parents.get(id(node))
        if not (isinstance(call, ast.Call) and call.func is node):
            continue
        values = [kw.value for kw in call.keywords if kw.arg == "dtype"]
        if isinstance(node, ast.Attribute) and node.attr in _DTYPE_METHODS and len(call.args) == 1:
            values.append(call.args[0])
        for value in values:
            if isinstance(value, ast.Name) and value.id in BUILTIN_DTYPES:
                rebound = shadowed() if rebound is None else rebound
                if value.id not in rebound:
                    edits.append(Edit(*src.span(value), render(BUILTIN_DTYPES[value.id])))
    return edits
