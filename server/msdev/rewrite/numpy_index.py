"""NumPy integer arrays used as a tensor's index (`x[:, :, xe]` with `xe = np.pad(np.arange(n), 2, mode='wrap')`,
pytorch_wavelets' padding; `embeddings[np.random.choice(n, k)]`).

PyTorch indexes a tensor with a NumPy array; MindSpore 2.10 refuses one ("For tuple index, the types only
support ..."). Such an index becomes `mindspore.Tensor(xe)`. NumPy's own indexing takes a MindSpore tensor as
well, so the rewrite is safe where the indexed value turns out to be an array. What is an array:
analysis/numpy_arrays.py.
"""

from __future__ import annotations

import ast
from typing import Callable

from ..analysis.numpy_arrays import (array_attributes, array_functions, array_names, is_array, numpy_aliases,
                                     own_nodes)
from .source import Edit, SourceText


def numpy_index_edits(src: SourceText, tree: ast.Module, imported: set[str],
                      render: Callable[[str], str]) -> list[Edit]:
    """`mindspore.Tensor(i)` around each NumPy array indexing a value that is not one (`imported`: local
    names of the package's functions returning arrays, from ModuleContext.array_returns)."""
    numpy = numpy_aliases(tree)
    if not numpy:
        return []
    functions = array_functions(tree, numpy, imported) | set(imported)
    edits: list[Edit] = []
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))]
    attributes: dict[int, set[str]] = {}  # method → its class's array attributes
    for cls in ast.walk(tree):
        if isinstance(cls, ast.ClassDef):
            found = array_attributes(cls, numpy, functions)
            attributes.update((id(fn), found) for fn in cls.body if found)
    for scope in scopes:
        names = array_names(scope, numpy, functions) | attributes.get(id(scope), set())
        for node in own_nodes(scope):
            if not isinstance(node, ast.Subscript) or is_array(node.value, numpy, functions, names):
                continue
            value = node.value
            if isinstance(value, ast.Attribute) and value.attr in ("iloc", "loc", "at", "iat", "values"):
                continue  # pandas
            parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            for part in parts:
                if not isinstance(part, ast.Slice) and is_array(part, numpy, functions, names):
                    start, end = src.span(part)
                    edits.append(Edit(start, end, f"{render('mindspore.Tensor')}({src.text[start:end]})"))
    return edits
