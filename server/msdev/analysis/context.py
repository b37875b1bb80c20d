"""One parsed file and what every pass derives from it, built once.

Detection (the finder, then the statement-level rules) and the fixers all read the same
FileContext: the node list and parent map come from a single walk of the tree, the name-flow
facts are derived once by the statement rules, and the finder's own findings are kept, so a
fixer never runs the finder again and no pass walks a subtree per function.
"""

from __future__ import annotations

import ast

#: fields that never hold child nodes worth visiting: names, flags, and the expression context
#: (`ctx`, `op`: Load/Store and operator singletons shared by every tree)
_NOT_CHILDREN = frozenset({"ctx", "id", "attr", "name", "arg", "asname", "module", "level", "kind",
                           "type_comment", "conversion", "is_async", "lineno", "col_offset",
                           "end_lineno", "end_col_offset", "tag", "simple", "op", "ops"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    fields = tuple(f for f in cls._fields if f not in _NOT_CHILDREN and not (cls is ast.Constant and f == "value"))
    _CHILD_FIELDS[cls] = fields
    return fields


def index_tree(tree: ast.AST) -> tuple[list[ast.AST], dict[int, ast.AST]]:
    """Every node in breadth-first order (the order of `ast.walk`, without the shared
    Load/Store context objects) and each node's parent, from one pass over the tree."""
    nodes: list[ast.AST] = [tree]
    parents: dict[int, ast.AST] = {}
    append = nodes.append
    fields_of = _CHILD_FIELDS
    node_type = ast.AST
    for node in nodes:  # grows while it is read
        cls = node.__class__
        fields = fields_of.get(cls)
        if fields is None:
            fields = _child_fields(cls)
        for name in fields:
            value = getattr(node, name, None)
            if value is None:
                continue
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        parents[id(item)] = node
                        append(item)
            elif isinstance(value, node_type):
                parents[id(value)] = node
                append(value)
    return nodes, parents


class FileContext:
    """A file's text and tree with the derived data each pass shares (computed on first use).

    `raw` holds the finder's findings before the statement-level rules; `findings` the final
    list; `facts` the name flow of analysis/patterns.py (None until the rules ran or a fixer
    asked for it)."""

    __slots__ = ("text", "tree", "_nodes", "_parents", "raw", "findings", "facts", "_selected", "_attributes",
                 "_by_class")

    def __init__(self, text: str, tree: ast.Module, raw=None, findings=None,
                 index: tuple[list[ast.AST], dict[int, ast.AST]] | None = None):
        self.text = text
        self.tree = tree
        self._nodes, self._parents = index if index is not None else (None, None)
        self.raw = raw
        self.findings = findings
        self.facts = None
        self._selected: dict[frozenset, list[ast.AST]] | None = None
        self._attributes: dict[str, list[ast.Attribute]] | None = None
        self._by_class: dict[type, list[ast.AST]] | None = None

    def _index(self) -> None:
        self._nodes, self._parents = index_tree(self.tree)

    @property
    def nodes(self) -> list[ast.AST]:
        if self._nodes is None:
            self._index()
        return self._nodes

    @property
    def parents(self) -> dict[int, ast.AST]:
        if self._parents is None:
            self._index()
        return self._parents

    @property
    def index(self) -> tuple[list[ast.AST], dict[int, ast.AST]]:
        return self.nodes, self.parents

    def _groups(self) -> dict[type, list[ast.AST]]:
        """Every node grouped by its class, in walk order: one pass over the nodes, after which
        the nodes of one class cost nothing to find."""
        groups = self._by_class
        if groups is None:
            groups = self._by_class = {}
            get = groups.get
            for node in self.nodes:
                group = get(node.__class__)
                if group is None:
                    groups[node.__class__] = group = []
                group.append(node)
        return groups

    def select(self, types: frozenset) -> list[ast.AST]:
        """The nodes whose class is in `types`, in walk order (cached per set of classes). One
        class is read from the groups (no pass over the nodes); several need a pass to keep the walk order."""
        cache = self._selected
        if cache is None:
            cache = self._selected = {}
        found = cache.get(types)
        if found is None:
            if len(types) == 1:
                (cls,) = types
                found = self._groups().get(cls)
                if found is None:
                    found = []
            else:
                found = [n for n in self.nodes if n.__class__ in types]
            cache[types] = found
        return found

    def of_class(self, cls: type) -> list[ast.AST]:
        """The nodes of one class, in walk order (one pass groups every node by its class, so
        each pass that wants one kind of node reads just those)."""
        return self._groups().get(cls, [])

    def attributes(self, name: str) -> list[ast.Attribute]:
        """The `x.<name>` nodes of the file, in walk order (one index of all attributes by name)."""
        by_name = self._attributes
        if by_name is None:
            by_name = self._attributes = {}
            for node in self.select(_ATTRIBUTE):
                group = by_name.get(node.attr)
                if group is None:
                    by_name[node.attr] = group = []
                group.append(node)
        return by_name.get(name, [])

    def inside(self, outer: ast.AST, nodes: list[ast.AST]) -> list[ast.AST]:
        """The nodes of `nodes` that lie in `outer`'s subtree (by source span; decorators included),
        in the order given: the nodes `ast.walk(outer)` would yield, without walking it."""
        first = min([outer] + list(getattr(outer, "decorator_list", ())), key=lambda n: (n.lineno, n.col_offset))
        start = (first.lineno, first.col_offset)
        end = (outer.end_lineno, outer.end_col_offset)
        return [n for n in nodes if start <= (n.lineno, n.col_offset) and (n.end_lineno, n.end_col_offset) <= end]


_ATTRIBUTE = frozenset({ast.Attribute})
