"""Literal values read off the syntax tree (what a rule may rely on without running the code)."""

from __future__ import annotations

import ast


def int_literal(node: ast.AST) -> int | None:
    """The value of an int literal, negative ones included (`-1` is a UnaryOp), else None."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and type(node.operand.value) is int:
        return -node.operand.value
    return None
