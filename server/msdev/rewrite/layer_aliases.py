"""PyTorch attribute names kept as aliases on subclasses of renamed layers.

Inside a subclass of `nn.BatchNorm2d`, `self.weight` becomes `self.gamma`. Code elsewhere that
reaches such a layer through a chain the finder cannot type (`self.conv2.bn.weight`, where `bn`
comes from a norm-layer factory, as in timm's cspnet) still says `weight`, and MindSpore's layer
has no attribute of that name. The subclass therefore gets one class-level property per renamed
attribute that reads and writes MindSpore's name; parameter names (and checkpoints) do not change.
"""

from __future__ import annotations

import ast

from .source import Edit, SourceText

ALIAS_NOTE = "# msdev: PyTorch's names of this layer's attributes, for code that reaches it untyped"


def _insertion_line(cls: ast.ClassDef) -> ast.stmt | None:
    """The statement the aliases go before: the first after a docstring (None: no room)."""
    body = cls.body
    first = body[0]
    if first.lineno == cls.lineno:  # `class A(nn.X): pass` on one line
        return None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return body[1] if len(body) > 1 else None
    return first


def alias_edits(src: SourceText, cls: ast.ClassDef, renames: dict[str, str]) -> list[Edit]:
    """Class-level `weight = property(...)` lines for `renames` (PyTorch name → MindSpore name)
    the class does not define itself."""
    own = {t.id for item in cls.body if isinstance(item, (ast.Assign, ast.AnnAssign))
           for t in (item.targets if isinstance(item, ast.Assign) else [item.target]) if isinstance(t, ast.Name)}
    own |= {item.name for item in cls.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
    names = {old: new for old, new in renames.items() if old != new and old not in own}
    anchor = _insertion_line(cls)
    if not names or anchor is None:
        return []
    line = min([anchor.lineno] + [d.lineno for d in getattr(anchor, "decorator_list", [])])
    at = src.offset(line, 0)
    lines = alias_lines(names, " " * anchor.col_offset)
    return [Edit(at, at, "".join(f"{text}\n" for text in lines) + "\n")]


def alias_lines(renames: dict[str, str], indent: str) -> list[str]:
    """The note and one property line per renamed attribute (PyTorch name → MindSpore name)."""
    names = {old: new for old, new in renames.items() if old != new}
    if not names:
        return []
    return [f"{indent}{ALIAS_NOTE}"] + [
        f"{indent}{old} = property(lambda self: self.{new}, lambda self, value: setattr(self, {new!r}, value))"
        for old, new in sorted(names.items())]
