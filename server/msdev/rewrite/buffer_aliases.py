"""Another module's buffer kept under a second name: `self.degrees = linear_1.degrees` (nflows' and
normflows' MADE blocks).

In PyTorch a buffer is a plain tensor, so assigning it to an attribute of another module stores a plain
attribute: the parent's state dict does not list it. The converted buffer is a MindSpore Parameter
(frozen), and a Cell registers every Parameter assigned to it: the parent would then own it and
MindSpore would name it after the parent (`blocks.0.degrees`), so the checkpoint's
`blocks.0.linear_layers.1.degrees` no longer loads. The assignment stays a plain attribute
(`object.__setattr__`), as in PyTorch.
"""

from __future__ import annotations

import ast

from .source import Edit, SourceText


def registered_buffers(calls: list[ast.AST]) -> set[str]:
    """The names the file registers as buffers (`self.register_buffer("degrees", ...)`; `calls`: its Call nodes)."""
    return {call.args[0].value for call in calls
            if isinstance(call.func, ast.Attribute) and call.func.attr == "register_buffer" and call.args
            and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)}


def buffer_alias_edits(src: SourceText, cls: ast.ClassDef, buffers: set[str]) -> list[Edit]:
    """In a Cell class's methods, `self.<name> = <other module>.<buffer>` → `object.__setattr__(self, '<name>', ...)`."""
    edits = []
    if not buffers:
        return edits
    for fn in cls.body:
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for stmt in ast.walk(fn):
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
                continue
            target, value = stmt.targets[0], stmt.value
            if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"
                    and isinstance(value, ast.Attribute) and value.attr in buffers
                    and not (isinstance(value.value, ast.Name) and value.value.id == "self")):
                start, value_start = src.start(stmt), src.start(value)
                edits.append(Edit(start, value_start, f"object.__setattr__(self, {target.attr!r}, "))
                edits.append(Edit(src.end(value), src.end(value), ")"))
    return edits
