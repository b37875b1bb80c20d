"""Import statements: which torch imports become which MindSpore imports, and where new ones go.

Aliases are kept where the MindSpore module can carry them (`import torch.nn as nn` →
`import mindspore.nn as nn`, `from torch.nn import functional as F` → `from mindspore import ops
as F`); imports nothing refers to any more are removed; a torch import stays only while some use
that could not be converted still needs it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterable

from ..analysis.project import is_torch_module
from ..db.loader import Database
from ..findings import ImportNeed
from .naming import PYTHON_MODULES
from .source import Edit, SourceText

#: PyTorch modules whose MindSpore counterpart is a module, per profile
MODULE_MAP = {
    "portable": {
        "torch": "mindspore",
        "torch.nn": "mindspore.nn",
        "torch.nn.functional": "mindspore.ops",
        "torch.utils.data": "mindspore.dataset",
        "torch.nn.init": "mindspore.common.initializer",
        "torch.fft": "mindspore.ops",  # `try: import torch.fft as new_fft` (julius): its functions are ops'
    },
    "ascend": {
        "torch": "mindspore",
        "torch.nn": "mindspore.nn",
        "torch.nn.functional": "mindspore.mint.nn.functional",
        "torch.utils.data": "mindspore.dataset",
        "torch.nn.init": "mindspore.common.initializer",
        "torch.fft": "mindspore.ops",
    },
}

@dataclass
class ImportBinding:
    """One name a torch import binds, and what it would bind after conversion."""

    stmt: ast.stmt
    alias: ast.alias
    local: str  # the name the import binds
    torch_path: str  # what the name means in PyTorch
    ms_path: str | None  # what it will mean in MindSpore (None: no counterpart)
    ms_local: str | None  # the name the converted import binds
    statement: ImportNeed | None = None  # the converted import


def torch_import_bindings(nodes: Iterable[ast.AST], db: Database, profile: str,
                          own_roots: frozenset[str] = frozenset()) -> list[ImportBinding]:
    """The file's torch imports (`nodes`: every node of the tree, e.g. `ast.walk(tree)`; `own_roots`:
    the PyTorch packages whose own source is converted, ModuleContext.own_roots)."""
    modules = MODULE_MAP.get(profile, MODULE_MAP["portable"])
    out: list[ImportBinding] = []
    imports = (ast.Import, ast.ImportFrom)
    for node in [n for n in nodes if n.__class__ in imports]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not is_torch_module(alias.name, own_roots):
                    continue
                if alias.asname:
                    ms = modules.get(alias.name)
                    need = _module_import(ms, alias.asname) if ms else None
                    out.append(ImportBinding(node, alias, alias.asname, alias.name, ms,
                                             alias.asname if ms else None, need))
                else:
                    root = alias.name.split(".", 1)[0]
                    ms = modules.get(root)
                    out.append(ImportBinding(node, alias, root, root, ms, "mindspore" if ms else None,
                                             ImportNeed("mindspore") if ms else None))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and is_torch_module(node.module, own_roots):
            for alias in node.names:
                if alias.name == "*":
                    out.append(ImportBinding(node, alias, "*", node.module, None, None, None))
                    continue
                full = f"{node.module}.{alias.name}"
                local = alias.asname or alias.name
                ms = modules.get(full)
                if ms is None:
                    entry = db.get(full)
                    if entry is not None:
                        target = entry.target(profile)
                        if target.api and not target.templates and target.status.value not in (
                                "manual", "unsupported"):
                            ms = target.api
                if ms is None:
                    out.append(ImportBinding(node, alias, local, full, None, None, None))
                    continue
                parent, _, leaf = ms.rpartition(".")
                ms_local = alias.asname or leaf
                need = ImportNeed(parent, leaf, ms_local if ms_local != leaf else None) if parent else \
                    ImportNeed(ms, None, alias.asname)
                out.append(ImportBinding(node, alias, local, full, ms, ms_local, need))
    return out


def _module_import(ms_module: str, local: str) -> ImportNeed:
    parent, _, leaf = ms_module.rpartition(".")
    if parent and leaf == local:
        return ImportNeed(parent, leaf)  # `from mindspore import nn` reads better than `import mindspore.nn as nn`
    return ImportNeed(ms_module, None, local if local != ms_module else None)


def existing_mindspore_bindings(tree: ast.Module) -> dict[str, str]:
    """MindSpore names (and the plain modules templates may use: math, numpy) the file already
    imports: dotted path → local name."""
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in PYTHON_MODULES:
                    out[alias.name] = alias.asname or alias.name
                elif alias.name.split(".", 1)[0] == "mindspore":
                    if alias.asname:
                        out[alias.name] = alias.asname
                    else:
                        out["mindspore"] = "mindspore"
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".", 1)[0] == "mindspore":
            for alias in node.names:
                if alias.name != "*":
                    out[f"{node.module}.{alias.name}"] = alias.asname or alias.name
    return out


def bound_names(nodes: Iterable[ast.AST], context=None) -> set[str]:
    """Every name the file binds or reads (a new import must not collide with any). With the
    file's `context` (analysis.context.FileContext of the same nodes) only the nodes of the
    classes that bind or read names are read."""
    if context is not None:
        names = {n.id for n in context.of_class(ast.Name)}
        names.update(n.arg for n in context.of_class(ast.arg))
        for cls in _DEFINITIONS:
            names.update(n.name for n in context.of_class(cls))
        names.update((n.asname or n.name).split(".", 1)[0] for n in context.of_class(ast.alias))
        return names
    names: set[str] = set()
    add = names.add
    name, arg, alias, defs = ast.Name, ast.arg, ast.alias, _DEFINITIONS
    for node in nodes:
        cls = node.__class__
        if cls is name:
            add(node.id)
        elif cls is arg:
            add(node.arg)
        elif cls in defs:
            add(node.name)
        elif cls is alias:
            add((node.asname or node.name).split(".", 1)[0])
    return names


_DEFINITIONS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})


def insertion_point(src: SourceText, tree: ast.Module, after: ast.stmt | None = None) -> int:
    """Offset where new top-level imports go: after `after`, else after the leading imports."""
    if after is not None:
        return _after_statement(src, after)
    last = None
    for i, node in enumerate(tree.body):
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            last = node  # docstring
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            last = node
            continue
        break
    if last is None:
        return 0
    return _after_statement(src, last)


def _after_statement(src: SourceText, stmt: ast.stmt) -> int:
    end = src.end(stmt)
    nl = src.text.find("\n", end)
    return len(src.text) if nl == -1 else nl + 1


def import_lines_edit(src: SourceText, offset: int, needs: list[ImportNeed]) -> Edit | None:
    lines = []
    for need in needs:
        line = need.statement()
        if line not in lines:
            lines.append(line)
    if not lines:
        return None
    text = "\n".join(lines) + "\n"
    if offset == len(src.text) and src.text and not src.text.endswith("\n"):
        text = "\n" + text
    return Edit(offset, offset, text)


def statement_removal(src: SourceText, stmt: ast.stmt, parents: dict[int, ast.AST]) -> Edit:
    """Remove a statement; a block that would become empty gets `pass`."""
    parent = parents.get(id(stmt))
    siblings = None
    for fieldname in ("body", "orelse", "finalbody", "handlers"):
        block = getattr(parent, fieldname, None)
        if isinstance(block, list) and any(s is stmt for s in block):
            siblings = block
    start, end = src.span(stmt)
    line_start = src.line_start(start)
    only_on_line = src.text[line_start:start].strip() == ""
    if siblings is not None and len(siblings) == 1:
        return Edit(start, end, "pass")
    nl = src.text.find("\n", end)
    line_end = nl if nl != -1 else len(src.text)
    if only_on_line and src.text[end:line_end].strip() == "":
        return Edit(line_start, min(line_end + 1, len(src.text)), "")  # the whole line
    if only_on_line and src.text[end:line_end].lstrip().startswith("#"):
        gap = len(src.text[end:line_end]) - len(src.text[end:line_end].lstrip())
        return Edit(start, end + gap, "")  # keep the trailing comment as a comment line
    return Edit(start, end, "pass")


def render_statement(stmt: ast.stmt, kept: list[ast.alias]) -> str:
    """An import statement keeping only some of its names."""
    names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in kept)
    if isinstance(stmt, ast.Import):
        return f"import {names}"
    return f"from {'.' * stmt.level}{stmt.module or ''} import {names}"

