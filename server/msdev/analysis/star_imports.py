"""Names a module gets from `from M import *`: which star imports a module makes, and which names it
reads without binding them anywhere (those must come from a star import)."""

from __future__ import annotations

import ast
import builtins
from typing import Iterator

from .project import is_torch_module


def top_level_imports(body: list[ast.stmt]) -> Iterator[ast.ImportFrom]:
    """The `from ... import` statements of a module's top level, also those inside `try`/`if` blocks."""
    for stmt in body:
        if type(stmt) is ast.ImportFrom:
            yield stmt
        elif type(stmt) in (ast.Try, ast.If):
            for block in (stmt.body, stmt.orelse, getattr(stmt, "finalbody", ()),
                          *(h.body for h in getattr(stmt, "handlers", ()))):
                yield from top_level_imports(block)


def torch_star_modules(tree: ast.Module, own_roots: frozenset[str]) -> list[str] | None:
    """The modules a file star-imports, in order, when every one is a torch module (None when there is
    none, or one is a module of the project or of another library: a name may come from it)."""
    stars = list(dict.fromkeys((s.level, s.module or "") for s in top_level_imports(tree.body)
                               if s.names[0].name == "*"))
    if not stars or any(level or not is_torch_module(mod, own_roots) for level, mod in stars):
        return None
    return [mod for _, mod in stars]


def free_names(tree: ast.Module) -> set[str]:
    """Names a module reads but binds nowhere (not a builtin either)."""
    bound, used = set(_BUILTIN_NAMES), set()
    for node in ast.walk(tree):
        t = type(node)
        if t is ast.Name:
            (used if type(node.ctx) is ast.Load else bound).add(node.id)
        elif t in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            bound.add(node.name)
        elif t is ast.arg:
            bound.add(node.arg)
        elif t is ast.alias:
            bound.add((node.asname or node.name).partition(".")[0])
        elif t is ast.ExceptHandler and node.name:
            bound.add(node.name)
        elif t in (ast.Global, ast.Nonlocal):
            bound.update(node.names)
        elif t in (ast.MatchAs, ast.MatchStar) and node.name:
            bound.add(node.name)
    return used - bound


_BUILTIN_NAMES = frozenset(dir(builtins)) | {"__file__", "__name__", "__doc__", "__spec__", "__path__", "__builtins__"}
