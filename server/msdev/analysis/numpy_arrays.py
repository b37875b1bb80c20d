"""Which expressions of a module are NumPy arrays, read from the source: a call of a NumPy function that
makes index arrays, arithmetic on one, a name every assignment of which (in its function) is one, and a call
of a function of the package that returns one on every path. Used where PyTorch takes an array and MindSpore
does not (rewrite/numpy_index.py); ProjectTable.array_returns carries the functions across modules.
"""

from __future__ import annotations

import ast
from typing import Iterable

#: NumPy functions returning integer or bool arrays (not scalars) that code uses as indices
ARRAY_FUNCTIONS = frozenset({
    "arange", "array", "asarray", "pad", "where", "outer", "concatenate", "hstack", "vstack", "stack", "take",
    "nonzero", "flatnonzero", "argsort", "argwhere", "fmod", "mod", "remainder", "clip", "flip", "fliplr",
    "flipud", "roll", "tile", "repeat", "unique", "sort", "cumsum", "choice", "permutation", "randint",
    "tril_indices", "triu_indices", "delete", "append", "setdiff1d", "intersect1d", "union1d", "logical_not",
    "logical_and", "logical_or", "isin", "in1d", "searchsorted", "digitize", "ravel_multi_index", "r_",
    "diag_indices", "diag_indices_from", "tril_indices_from", "triu_indices_from", "mask_indices", "indices", "ix_",
    "unravel_index", "meshgrid", "lexsort", "argpartition", "array_split", "split", "nonzero"})
#: NumPy functions returning a tuple of arrays, unpacked into names (`_, first = np.unique(v, return_index=True)`)
TUPLE_FUNCTIONS = frozenset({"unique", "nonzero", "where", "meshgrid", "unravel_index", "tril_indices", "triu_indices",
                             "diag_indices", "indices", "ix_"})
#: array methods that keep an array
_ARRAY_METHODS = frozenset({"astype", "reshape", "flatten", "ravel", "copy", "squeeze", "transpose", "T"})


def numpy_aliases(tree: ast.Module) -> set[str]:
    """The names a module binds to NumPy at its top (`import numpy as np`)."""
    names = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            names.update(a.asname or a.name for a in stmt.names if a.name == "numpy")
    return names


def _numpy_call(node: ast.AST, numpy: set[str]) -> bool:
    func = node.func if isinstance(node, ast.Call) else node
    if not isinstance(func, ast.Attribute) or func.attr not in ARRAY_FUNCTIONS:
        return False
    root = func.value
    if isinstance(root, ast.Attribute) and root.attr == "random":  # np.random.choice
        root = root.value
    return isinstance(root, ast.Name) and root.id in numpy


def _callee(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return None


def is_array(expr: ast.AST, numpy: set[str], functions: set[str], names: set[str]) -> bool:
    """Whether `expr` is a NumPy array by the rules above (`names` holds array names, and `self.<attr>`
    for the class's array attributes)."""
    t = expr.__class__
    if t is ast.Name:
        return expr.id in names
    if t is ast.Call:
        if _numpy_call(expr, numpy) or _callee(expr.func) in functions:
            return True
        func = expr.func
        if isinstance(func, ast.Attribute) and func.attr in ("numpy", "asnumpy") and not expr.args:
            return True  # a tensor's values as an array (`boxes.asnumpy()[order]`)
        return (isinstance(func, ast.Attribute) and func.attr in _ARRAY_METHODS
                and is_array(func.value, numpy, functions, names))
    if t is ast.Subscript:
        return _numpy_call(expr.value, numpy) or is_array(expr.value, numpy, functions, names)  # np.r_[...], xe[::-1]
    if t is ast.BinOp:
        return is_array(expr.left, numpy, functions, names) or is_array(expr.right, numpy, functions, names)
    if t is ast.UnaryOp:
        return is_array(expr.operand, numpy, functions, names)
    if t is ast.Attribute:
        if expr.value.__class__ is ast.Name and expr.value.id == "self":
            return f"self.{expr.attr}" in names  # an attribute array_attributes found
        return expr.attr == "T" and is_array(expr.value, numpy, functions, names)
    return False


def enclosing_scope(node: ast.AST, parents: dict[int, ast.AST]) -> ast.AST | None:
    """The function (or the module) whose own nodes (own_nodes) include `node`."""
    scope = parents.get(id(node))
    while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
        scope = parents.get(id(scope))
    return scope


def own_nodes(fn: ast.AST) -> Iterable[ast.AST]:
    """The nodes of a function or module, not those of functions or classes nested in it."""
    stack = list(fn.body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                stack.append(child)


#: a value nothing is known of (a parameter, a loop variable, an unpacked element)
_UNKNOWN = ast.Constant(value=None)


def array_names(scope: ast.AST, numpy: set[str], functions: set[str]) -> set[str]:
    """Names every assignment of which in `scope` is an array (`xe = xe + 1` after one counts)."""
    assigned: dict[str, list[ast.AST]] = {}
    for node in own_nodes(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
                else:
                    unpacked = _unpacked_arrays(target, node.value, numpy)
                    for e in ast.walk(target):
                        if isinstance(e, ast.Name):
                            assigned.setdefault(e.id, []).append(unpacked or _UNKNOWN)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and isinstance(node.target, ast.Name):
            assigned.setdefault(node.target.id, []).append(node.value or _UNKNOWN)
        elif isinstance(node, (ast.For, ast.comprehension, ast.withitem, ast.NamedExpr)):
            target = node.optional_vars if isinstance(node, ast.withitem) else node.target
            for e in ast.walk(target) if target is not None else ():
                if isinstance(e, ast.Name):
                    assigned.setdefault(e.id, []).append(_UNKNOWN)
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for arg in [*scope.args.posonlyargs, *scope.args.args, *scope.args.kwonlyargs]:
            assigned.setdefault(arg.arg, []).append(_UNKNOWN)
    names: set[str] = set()
    for _ in range(3):
        names = {n for n, values in assigned.items()
                 if all(is_array(v, numpy, functions, names | {n}) for v in values)}
    return names


def _unpacked_arrays(target: ast.AST, value: ast.AST, numpy: set[str]) -> ast.AST | None:
    """`a, b = np.unique(...)`: each name a flat tuple target unpacks from a NumPy function returning a tuple
    of arrays is one (an array-making call stands for it); None otherwise."""
    if (isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts)
            and isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            and value.func.attr in TUPLE_FUNCTIONS and _numpy_call(value, numpy)):
        return value  # a call of an ARRAY_FUNCTIONS name: is_array reads it as an array
    return None


def _stored(target: ast.AST) -> Iterable[ast.AST]:
    """What an assignment target stores to: itself, or the elements of a tuple or list it unpacks into
    (`a[self.i] = v` stores to `a[...]`, reading `self.i`)."""
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _stored(element)
    elif isinstance(target, ast.Starred):
        yield from _stored(target.value)
    else:
        yield target


def array_attributes(cls: ast.ClassDef, numpy: set[str], functions: set[str]) -> set[str]:
    """`self.<attr>` (spelled so) for the attributes every assignment of which in the class's methods is
    an array (normflows' `self.lower_indices = np.tril_indices(n, k=-1)`, indexing in another method)."""
    assigned: dict[str, list[tuple[ast.AST, ast.AST]]] = {}  # attribute → (value, method assigning it)
    for fn in cls.body:
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in own_nodes(fn):
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else ())
            for target in targets:
                for e in _stored(target):
                    if isinstance(e, ast.Attribute) and isinstance(e.value, ast.Name) and e.value.id == "self":
                        direct = e is target and isinstance(node, ast.Assign) and node.value is not None
                        assigned.setdefault(f"self.{e.attr}", []).append((node.value if direct else _UNKNOWN, fn))
    # an attribute some value of which is no array without knowing names (`self.fc = nn.Linear(...)`) is none:
    # the methods' names are derived only for the rest
    assigned = {a: values for a, values in assigned.items()
                if all(is_array(v, numpy, functions, {a}) or _reads_names(v) for v, _ in values)}
    method_names: dict[int, set[str]] = {}

    def names_of(fn: ast.AST) -> set[str]:
        if id(fn) not in method_names:
            method_names[id(fn)] = array_names(fn, numpy, functions)
        return method_names[id(fn)]

    found: set[str] = set()
    for _ in range(3):
        found = {a for a, values in assigned.items()
                 if all(is_array(v, numpy, functions, names_of(fn) | found | {a}) for v, fn in values)}
    return found


def _reads_names(value: ast.AST) -> bool:
    """Whether is_array may call `value` an array only by the names it reads (a name, arithmetic, an index,
    an array method); a call of anything else (`nn.Linear(...)`) is no array whatever the names."""
    t = value.__class__
    if t in (ast.Name, ast.BinOp, ast.UnaryOp, ast.Subscript, ast.Attribute):
        return True
    return t is ast.Call and isinstance(value.func, ast.Attribute) and value.func.attr in _ARRAY_METHODS


def array_functions(tree: ast.Module, numpy: set[str], known: set[str] = frozenset()) -> set[str]:
    """Top-level functions of `tree` every `return` of which gives an array (`known`: imported ones)."""
    found: set[str] = set(known)
    if not numpy:
        return set()
    defs = [s for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
    grew = True
    while grew:
        grew = False
        for fn in defs:
            if fn.name in found:
                continue
            names = array_names(fn, numpy, found)
            returns = [n.value for n in own_nodes(fn) if isinstance(n, ast.Return)]
            if returns and all(v is not None and is_array(v, numpy, found, names) for v in returns):
                found.add(fn.name)
                grew = True
    return found - set(known)
