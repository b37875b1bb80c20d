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

from ..analysis.numpy_arrays import (array_attributes, array_functions, array_names, enclosing_scope, is_array,
                                     numpy_aliases)
from .source import Edit, SourceText


def numpy_index_edits(src: SourceText, tree: ast.Module, imported: set[str], render: Callable[[str], str],
                      subscripts: list[ast.AST], parents: dict[int, ast.AST]) -> list[Edit]:
    """`mindspore.Tensor(i)` around each NumPy array indexing a value that is not one (`imported`: local
    names of the package's functions returning arrays, from ModuleContext.array_returns; `subscripts`: the
    file's Subscript nodes). Only the functions holding a subscript whose index may be an array are read."""
    numpy = numpy_aliases(tree)
    if not numpy or not subscripts:
        return []
    functions = array_functions(tree, numpy, imported) | set(imported)
    classes: dict[int, set[str]] | None = None  # method → its class's array attributes (computed on first need)
    scope_names: dict[int, set[str]] = {}
    edits: list[Edit] = []
    for node in subscripts:
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        parts = [p for p in parts if not isinstance(p, (ast.Slice, ast.Constant))]
        if not parts:
            continue
        value = node.value
        if isinstance(value, ast.Attribute) and value.attr in ("iloc", "loc", "at", "iat", "values"):
            continue  # pandas
        scope = enclosing_scope(node, parents)
        if scope is None:
            continue
        names = scope_names.get(id(scope))
        if names is None:
            if classes is None:
                classes = {}
                for cls in ast.walk(tree):
                    if isinstance(cls, ast.ClassDef):
                        found = array_attributes(cls, numpy, functions)
                        classes.update((id(fn), found) for fn in cls.body if found)
            names = scope_names[id(scope)] = array_names(scope, numpy, functions) | classes.get(id(scope), set())
        if is_array(value, numpy, functions, names):
            continue
        for part in parts:
            if is_array(part, numpy, functions, names):
                start, end = src.span(part)
                edits.append(Edit(start, end, f"{render('mindspore.Tensor')}({src.text[start:end]})"))
    return edits
