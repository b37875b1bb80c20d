"""PyTorch's typed-tensor legacy: `torch.LongTensor(...)`, `torch.cuda.FloatTensor(...)` and
`Tensor.type(...)`, whose meaning depends on the kind of argument, so no template can say it.

    torch.LongTensor([1, 2])        →  mindspore.Tensor([1, 2], dtype=mindspore.int64)
    torch.FloatTensor(2, 3)         →  ops.zeros((2, 3), dtype=mindspore.float32)
    torch.FloatTensor(n)            →  (ops.zeros(n, ...) if isinstance(n, int) else mindspore.Tensor(n, ...))
    torch.LongTensor()              →  ops.zeros((0,), dtype=mindspore.int64)
    torch.Tensor(2, 3) / torch.Tensor(v)  →  the FloatTensor forms, except that a tensor v is given back
                                        as it is (PyTorch's torch.Tensor(t) keeps t's dtype)
    x.type(torch.float64)           →  x.astype(mindspore.float64)
    x.type('torch.cuda.LongTensor') →  x.astype(mindspore.int64)
    x.type()                        →  the PyTorch type name, read off x.dtype
"""

from __future__ import annotations

import ast
import re

from .calls import CannotRewrite, literal
from .source import Edit

#: legacy tensor type → MindSpore dtype
LEGACY_TYPES = {
    "FloatTensor": "float32", "DoubleTensor": "float64", "HalfTensor": "float16", "BFloat16Tensor": "bfloat16",
    "ByteTensor": "uint8", "CharTensor": "int8", "ShortTensor": "int16", "IntTensor": "int32",
    "LongTensor": "int64", "BoolTensor": "bool_",
}
_LEGACY_API = re.compile(r"^torch\.(?:cuda\.)?(" + "|".join(LEGACY_TYPES) + r")$")
#: MindSpore's dtype names (str(dtype)) → PyTorch's type string, for `x.type()`
_TYPE_NAMES = {"Float32": "Float", "Float64": "Double", "Float16": "Half", "BFloat16": "BFloat16", "UInt8": "Byte",
               "Int8": "Char", "Int16": "Short", "Int32": "Int", "Int64": "Long", "Bool": "Bool"}


def legacy_dtype(api: str) -> str | None:
    """`torch.cuda.LongTensor` → `int64`; None for anything else."""
    m = _LEGACY_API.match(api)
    return LEGACY_TYPES[m.group(1)] if m else None


def rewrite_constructor(rewriter, finding, call: ast.Call | None, plain_tensor: bool = False):
    """A typed constructor; `plain_tensor` for torch.Tensor itself: float32, a tensor argument kept."""
    from .fixes import FindingRewrite

    dtype = rewriter.namer.render("mindspore." + (legacy_dtype(finding.torch_api) or "float32"))
    if call is None:
        parent = rewriter.parents.get(id(finding.node))
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute) and parent.func.attr == "type" \
                and finding.node in parent.args:  # `x.type(torch.LongTensor)`: the class names a dtype
            span = rewriter.src.span(finding.node)
            return FindingRewrite(finding, [Edit(*span, dtype)], True, [], span)
        # `isinstance(x, torch.LongTensor)` and friends: no MindSpore class to name
        raise CannotRewrite("typed tensor classes do not exist in MindSpore: compare x.dtype instead")
    known = ("device", "data") if plain_tensor and not call.args else ("device",)  # torch.Tensor(data=...)
    if call.keywords and any(k.arg not in known for k in call.keywords):
        raise CannotRewrite("this form of the typed constructor has no automatic rewrite")
    tensor = rewriter.namer.render("mindspore.Tensor")
    nodes = list(call.args) + [k.value for k in call.keywords if k.arg == "data"]
    args = [rewriter.rendered(a) for a in nodes]
    values = [literal(a) for a in nodes]
    if any(isinstance(a, ast.Starred) for a in call.args):
        # `torch.LongTensor(*shape)`: sizes when every unpacked value is an int, else the data
        zeros = rewriter.namer.render("mindspore.ops.zeros")
        text = (f"(lambda *size: {zeros}(size or (0,), dtype={dtype}) if all(isinstance(n, int) for n in size) "
                f"else {tensor}(size[0], dtype={dtype}))({', '.join(args)})")
    elif not args:
        text = f"{rewriter.namer.render('mindspore.ops.zeros')}((0,), dtype={dtype})"
    elif len(args) > 1 or isinstance(values[0], int) and not isinstance(values[0], bool):
        size = args[0] if len(args) == 1 else f"({', '.join(args)})"
        text = f"{rewriter.namer.render('mindspore.ops.zeros')}({size}, dtype={dtype})"
    elif plain_tensor and not isinstance(values[0], (list, tuple)):
        # a size, a tensor (given back as it is) or data, known only at run time
        zeros = rewriter.namer.render("mindspore.ops.zeros")
        text = (f"(lambda v: {zeros}(v, dtype={dtype}) if isinstance(v, int) else v if isinstance(v, {tensor}) "
                f"else {tensor}(v, dtype={dtype}))({args[0]})")
    elif isinstance(nodes[0], (ast.Name, ast.Attribute)):
        # a size or data, known only at run time
        zeros = rewriter.namer.render("mindspore.ops.zeros")
        text = f"({zeros}({args[0]}, dtype={dtype}) if isinstance({args[0]}, int) else {tensor}({args[0]}, dtype={dtype}))"
    else:
        text = f"{tensor}({args[0]}, dtype={dtype})"
    span = rewriter.src.span(call)
    return FindingRewrite(finding, [Edit(*span, text)], True, [], span)


def rewrite_type(rewriter, finding, node: ast.Attribute, call: ast.Call | None):
    """`x.type(...)`: a cast, or with no argument the PyTorch type name as a string."""
    from .fixes import FindingRewrite

    if call is None:
        raise CannotRewrite("Tensor.type used without calling it")
    receiver = rewriter.rendered(node.value)
    if not isinstance(node.value, (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant)):
        receiver = f"({receiver})"  # `((a - b) > 0).type(d)`: the call's span holds the parentheses
    args = list(call.args) + [k.value for k in call.keywords if k.arg in ("dtype",)]
    others = [k for k in call.keywords if k.arg not in ("dtype", "non_blocking")]
    if others or len(call.args) > 2 or any(isinstance(a, ast.Starred) for a in call.args):
        raise CannotRewrite("this form of Tensor.type has no automatic rewrite")
    span = rewriter.src.span(call)
    if not args:
        names = ", ".join(f"{k!r}: {v!r}" for k, v in _TYPE_NAMES.items())
        text = f"('torch.%sTensor' % {{{names}}}[str({receiver}.dtype)])"
        return FindingRewrite(finding, [Edit(*span, text)], True, [], span)
    target = args[0]
    value = literal(target)
    if isinstance(value, str):
        dtype = legacy_dtype(value)
        if dtype is None:
            raise CannotRewrite(f"unknown tensor type {value!r}")
        dtype_text = rewriter.namer.render("mindspore." + dtype)
    elif (isinstance(target, ast.Call) and isinstance(target.func, ast.Attribute) and target.func.attr == "type"
          and not target.args and not target.keywords):
        dtype_text = f"{rewriter.rendered(target.func.value)}.dtype"  # x.type(y.type()): y's dtype
    else:
        dtype_text = rewriter.rendered(target)
    return FindingRewrite(finding, [Edit(*span, f"{receiver}.astype({dtype_text})")], True, [], span)
