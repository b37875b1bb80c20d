"""Type annotations: a converted signature must import with PyTorch absent.

Annotations are evaluated when the `def` runs, so `n: torch.SymInt` left as it is stops the whole
module from importing. The types torch.fx and dynamo print become Python's own (`SymInt` → int),
mapped types follow the database (`torch.Tensor` → `mindspore.Tensor`), and anything else becomes
the same name as a string annotation, which Python never evaluates.
"""

from __future__ import annotations

import ast

from ..findings import Finding
from .calls import CannotRewrite
from .source import Edit

#: PyTorch types whose values are plain Python (or MindSpore) objects after conversion
ANNOTATION_TYPES = {
    "torch.SymInt": "int",
    "torch.SymFloat": "float",
    "torch.SymBool": "bool",
    "torch.types.Number": "float",
    "torch.device": "str",
    "torch.Size": "tuple",
    "torch.dtype": "@mindspore.dtype.Type",
    "torch.types._dtype": "@mindspore.dtype.Type",
}

_EXPRESSIONS = (ast.Attribute, ast.Subscript, ast.Tuple, ast.List, ast.BinOp, ast.Name, ast.Constant)


def in_annotation(parents: dict[int, ast.AST], node: ast.AST) -> bool:
    """Whether a node is part of a parameter, return or variable annotation."""
    child = node
    parent = parents.get(id(node))
    while isinstance(parent, _EXPRESSIONS):
        if isinstance(parent, ast.Attribute) and parent.value is child:
            return False  # `torch.Tensor.dtype`: the node is a receiver, not the annotation
        child, parent = parent, parents.get(id(parent))
    if isinstance(parent, ast.arg):
        return parent.annotation is child
    if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return parent.returns is child
    if isinstance(parent, ast.AnnAssign):
        return parent.annotation is child
    return False


def rewrite_annotation(rewriter, finding: Finding, mapped):
    """The annotation rewritten: a fixed Python type, the database's rewrite (`mapped()`), or a
    string annotation keeping PyTorch's name."""
    from .fixes import FindingRewrite

    node = finding.node
    span = rewriter.src.span(node)
    fixed = ANNOTATION_TYPES.get(finding.torch_api)
    if fixed is not None:
        text = rewriter.namer.render(fixed[1:]) if fixed.startswith("@") else fixed
        return FindingRewrite(finding, [Edit(*span, text)], True, [], span)
    try:
        result = mapped()
        result.safe = True  # an annotation is not evaluated for its arguments
        result.notes = []
        return result
    except CannotRewrite:
        # a generic (`torch.jit.Final[bool]`) and a union (`ProcessGroup | None`) are quoted whole: a
        # string can neither be subscripted nor joined with `|`
        whole = node
        parent = rewriter.parents.get(id(node))
        while (isinstance(parent, ast.Subscript) and parent.value is whole
               or isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.BitOr)):
            whole, parent = parent, rewriter.parents.get(id(parent))
        span = rewriter.src.span(whole)
        text = repr(rewriter.rendered(whole))
        return FindingRewrite(finding, [Edit(*span, text)], True,
                              [f"annotation kept as the string {text}: MindSpore has no such type"], span)
