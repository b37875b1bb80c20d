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


#: nodes that open a new scope: `_scope_nodes` does not descend into them
_SCOPE_BREAKS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
#: scopes whose `**name` keys are worked out (a star in a class body or a lambda is not)
_KEYED_SCOPES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)


def _scope_nodes(scope: ast.AST):
    """Nodes of a function or module body, not descending into nested functions or classes."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _SCOPE_BREAKS):
            stack.extend(ast.iter_child_nodes(node))


def _owner(node: ast.AST, parents: dict[int, ast.AST]) -> ast.AST | None:
    """The function or module whose `_scope_nodes` reach `node` (None: a class body or lambda)."""
    parent = parents.get(id(node))
    while parent is not None and not isinstance(parent, _SCOPE_BREAKS) and not isinstance(parent, ast.Module):
        parent = parents.get(id(parent))
    return parent if isinstance(parent, _KEYED_SCOPES) else None


#: the node classes that bind or change a name holding a dict
_BINDING_CLASSES = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Subscript, ast.Attribute)


def annotate_star_keys(nodes: list[ast.AST], parents: dict[int, ast.AST] | None = None, context=None) -> None:
    """Set `msdev_keys` on every `**name` keyword whose dict keys are known in its scope.
    With the tree's `parents`, only the bindings of the names used as `**name` are looked at,
    each assigned to its scope through its ancestors (no walk of each scope). With the file's
    `context` (analysis.context.FileContext of the same nodes), only the nodes of the classes
    looked at are read (what a key ends as does not depend on the order bindings are met)."""
    if parents is None:
        return _annotate_by_walking(nodes)
    keyword = ast.keyword
    candidates = context.of_class(keyword) if context is not None else nodes
    stars = [n for n in candidates if n.__class__ is keyword and n.arg is None and n.value.__class__ is ast.Name]
    if not stars:
        return
    names = {star.value.id for star in stars}
    owners: dict[int, ast.AST | None] = {}

    def owner(node: ast.AST) -> ast.AST | None:
        found = owners.get(id(node), False)
        if found is False:
            found = owners[id(node)] = _owner(node, parents)
        return found

    keys: dict[tuple[int, str], set[str] | None] = {}  # (id(scope), name) → keys, None: unknown

    def unknown(node: ast.AST, name: str) -> None:
        scope = owner(node)
        if scope is not None:
            keys[(id(scope), name)] = None

    if context is not None:
        nodes = [n for cls in _BINDING_CLASSES for n in context.of_class(cls)]
    for node in nodes:
        cls = node.__class__
        if cls is ast.Assign:
            for target in node.targets:
                if target.__class__ is ast.Name and target.id in names:
                    scope = owner(node)
                    if scope is not None:
                        key = (id(scope), target.id)
                        keys[key] = None if key in keys else _literal_keys(node.value)
        elif cls is ast.AugAssign or cls is ast.AnnAssign:
            if node.target.__class__ is ast.Name and node.target.id in names:
                unknown(node, node.target.id)
        elif cls is ast.Subscript:
            if (node.value.__class__ is ast.Name and node.value.id in names
                    and isinstance(node.ctx, (ast.Store, ast.Del))):
                unknown(node, node.value.id)
        elif cls is ast.Attribute:
            if node.attr in _MUTATORS and node.value.__class__ is ast.Name and node.value.id in names:
                unknown(node, node.value.id)
    for star in stars:
        scope = owner(star)
        found = keys.get((id(scope), star.value.id)) if scope is not None else None
        if found is not None:
            star.msdev_keys = frozenset(found)


def _annotate_by_walking(nodes: list[ast.AST]) -> None:
    """annotate_star_keys without a parent map: each scope's nodes walked."""
    for scope in (n for n in nodes if isinstance(n, _KEYED_SCOPES)):
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
