"""In-place methods on a view of another tensor, in user code:

    a = base.t()
    result = a.exp_()        →   result = a.assign_value(...); base.assign_value(a.T)

PyTorch's t / T / mT / transpose / swapaxes / permute / view / view_as / unsqueeze / squeeze / reshape /
flatten (of a contiguous tensor, the usual case), narrow and a basic index (`row = base[1]`, `base[:, 2:]`,
`base[i]` in a range loop: integers and slices) return views, so the in-place method also changes `base`;
MindSpore's return new tensors and the change would stay in
`a`. When the in-place call is a whole statement (or its assigned value), the view was bound to a plain
name by the last assignment to it in the same block (or is the row of `for i, row in enumerate(base)`), and
neither name is bound again in between, the
statement is followed by a write back into the base, through the inverse of the view (an indexed assignment
for an index or narrow). Other views (expand, which may copy) and indexes that may select elements (a
tensor, a list, another name) are left as they are.
"""

from __future__ import annotations

import ast

from ..analysis.gradients import stored_names

#: view methods of a tensor whose result shares the base's storage, and how a value of the view's shape
#: goes back to the base's: "T" (reverse every axis), "swap" (the same two axes), "permute" (the inverse
#: permutation), "shape" (a reshape to the base's shape)
_VIEWS = {"t": "T", "transpose": "swap", "swapaxes": "swap", "swapdims": "swap", "permute": "permute",
          "view": "shape", "view_as": "shape", "unsqueeze": "shape", "squeeze": "shape", "reshape": "shape",
          "flatten": "shape", "unflatten": "shape", "narrow": "narrow"}
_ATTRIBUTES = {"T": "T", "mT": "mT"}


def view_write_back(rewriter, call: ast.Call) -> str:
    """`; base.assign_value(<view's value put back>)` for an in-place method call on a view, else ""."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    stmt = rewriter.parents.get(id(call))
    if not isinstance(receiver, ast.Name) or not (
            isinstance(stmt, ast.Expr) or (isinstance(stmt, ast.Assign) and stmt.value is call)):
        return ""
    made = _view_binding(rewriter, stmt, receiver.id)
    if made is None:
        return ""
    base, kind, args = made
    view = rewriter.rendered(receiver)
    if kind == "T":
        value = f"{view}.T"
    elif kind == "mT":
        value = f"{view}.swapaxes(-1, -2)"
    elif kind == "swap" and len(args) == 2:
        value = f"{view}.swapaxes({rewriter.rendered(args[0])}, {rewriter.rendered(args[1])})"
    elif kind == "permute" and args:
        dims = rewriter.rendered(args[0]) if len(args) == 1 else "(" + ", ".join(rewriter.rendered(a) for a in args) + ",)"
        argsort = rewriter.namer.render("numpy.argsort")
        value = f"{view}.permute(*[int(i) for i in {argsort}([d % {view}.ndim for d in {dims}])])"
    elif kind == "shape":
        value = f"{view}.reshape({rewriter.rendered(base)}.shape)"
    elif kind == "index":  # `row = x[1]`: the row goes back where it came from
        return f"; {rewriter.rendered(base)}[{rewriter.rendered(args[0])}] = {view}"
    elif kind == "narrow" and len(args) == 3:
        dim, start, length = (rewriter.rendered(a) for a in args)
        return (f"; {rewriter.rendered(base)}[(slice(None),) * ({dim} % {rewriter.rendered(base)}.ndim) + "
                f"(slice({start}, ({start}) + ({length})),)] = {view}")
    else:
        return ""
    return f"; {rewriter.rendered(base)}.assign_value({value})"


def _view_binding(rewriter, stmt: ast.stmt, name: str):
    """(base Name, inverse kind, view arguments) when the last statement binding NAME before STMT, in the
    same block, is `NAME = base.<view>(...)` / `NAME = base.T` and neither name is bound in between."""
    block = _block_of(rewriter, stmt)
    if block is None:
        return None
    before = block[:block.index(stmt)]
    for i in range(len(before) - 1, -1, -1):
        s = before[i]
        if name not in stored_names(s):
            continue
        if not (isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)):
            return None
        value = s.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in _VIEWS \
                and isinstance(value.func.value, ast.Name) and not value.keywords \
                and not any(isinstance(a, ast.Starred) for a in value.args):
            base, kind, args = value.func.value, _VIEWS[value.func.attr], list(value.args)
        elif isinstance(value, ast.Attribute) and value.attr in _ATTRIBUTES and isinstance(value.value, ast.Name):
            base, kind, args = value.value, _ATTRIBUTES[value.attr], []
        elif (isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name)
              and _basic_index(value.slice, _range_variables(rewriter, s))):
            base, kind, args = value.value, "index", [value.slice]
        else:
            return None
        # the base, and any name the view's index or arguments read, keep their values up to the statement
        read = {base.id} | {n.id for a in args for n in ast.walk(a) if isinstance(n, ast.Name)}
        if base.id == name or name in read or any(read & stored_names(t) for t in before[i + 1:]):
            return None
        return base, kind, args
    return _row_of_loop(rewriter, block, before, name)


def _row_of_loop(rewriter, block: list[ast.stmt], before: list[ast.stmt], name: str):
    """`for i, row in enumerate(base):` around the block, NAME being `row`: a row of the tensor is a view
    of it, written back as `base[i]`. None when the block binds `row`, `i` or `base` before the statement."""
    loop = rewriter.parents.get(id(block[0])) if block else None
    if not (isinstance(loop, ast.For) and loop.body is block and isinstance(loop.target, ast.Tuple)
            and len(loop.target.elts) == 2 and all(isinstance(e, ast.Name) for e in loop.target.elts)
            and loop.target.elts[1].id == name and isinstance(loop.iter, ast.Call)
            and isinstance(loop.iter.func, ast.Name) and loop.iter.func.id == "enumerate"
            and len(loop.iter.args) == 1 and not loop.iter.keywords and isinstance(loop.iter.args[0], ast.Name)):
        return None
    index, base = loop.target.elts[0], loop.iter.args[0]
    if any({name, index.id, base.id} & stored_names(t) for t in before):
        return None
    return base, "index", [index]


def _basic_index(index: ast.AST, integers: set[str]) -> bool:
    """An index PyTorch answers with a view: integer literals, names in INTEGERS, slices, `...` and `None`
    (a tensor, list or other name may select elements, which gives a copy)."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    for part in parts:
        if isinstance(part, ast.UnaryOp) and isinstance(part.op, ast.USub):
            part = part.operand
        if isinstance(part, ast.Slice) or isinstance(part, ast.Constant) and (
                type(part.value) is int or part.value is None or part.value is Ellipsis) or (
                isinstance(part, ast.Name) and part.id in integers):
            continue
        return False
    return True


def _range_variables(rewriter, stmt: ast.stmt) -> set[str]:
    """The names of the `for NAME in range(...)` loops around STMT: integers."""
    names = set()
    node = rewriter.parents.get(id(stmt))
    while node is not None and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
        if (isinstance(node, ast.For) and isinstance(node.target, ast.Name) and isinstance(node.iter, ast.Call)
                and isinstance(node.iter.func, ast.Name) and node.iter.func.id == "range"):
            names.add(node.target.id)
        node = rewriter.parents.get(id(node))
    return names


def _block_of(rewriter, stmt: ast.stmt) -> list[ast.stmt] | None:
    parent = rewriter.parents.get(id(stmt))
    for field in ("body", "orelse", "finalbody"):
        block = getattr(parent, field, None)
        if isinstance(block, list) and any(s is stmt for s in block):
            return block
    return None
