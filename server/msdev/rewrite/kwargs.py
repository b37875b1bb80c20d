"""The keys of dicts passed with `**`: `dd = {'device': device, 'dtype': dtype}; nn.Conv2d(..., **dd)`.

When a function (or the module) binds a name once to a dict literal or `dict(...)` with constant
keys and never changes it, the keys of `**name` in that scope are known, so a call rewrite filters
exactly the keys MindSpore does not take and the call is fully converted; otherwise the keys are
unknown and such a call is partial. The keys are left on the `**` keyword node as `msdev_keys`.
"""

from __future__ import annotations

import ast

_MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__"})


def _literal_keys(value: ast.AST) -> set[str] | None:
    if isinstance(value, ast.Dict):
        if all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in value.keys):
            return {k.value for k in value.keys}
        return None
    if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "dict"
            and not value.args and all(kw.arg for kw in value.keywords)):
        return {kw.arg for kw in value.keywords}
    return None


def _scope_nodes(scope: ast.AST):
    """Nodes of a function or module body, not descending into nested functions or classes."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def annotate_star_keys(nodes: list[ast.AST]) -> None:
    """Set `msdev_keys` on every `**name` keyword whose dict keys are known in its scope."""
    scopes = [n for n in nodes if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef))]
    for scope in scopes:
        keys: dict[str, set[str] | None] = {}
        stars: list[ast.keyword] = []
        for node in _scope_nodes(scope):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found = _literal_keys(node.value)
                        keys[target.id] = None if target.id in keys else found
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and isinstance(node.target, ast.Name):
                keys[node.target.id] = None
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)) \
                    and isinstance(node.value, ast.Name):
                keys[node.value.id] = None
            elif isinstance(node, ast.Attribute) and node.attr in _MUTATORS and isinstance(node.value, ast.Name):
                keys[node.value.id] = None
            elif isinstance(node, ast.keyword) and node.arg is None and isinstance(node.value, ast.Name):
                stars.append(node)
        for star in stars:
            found = keys.get(star.value.id)
            if found is not None:
                star.msdev_keys = frozenset(found)
