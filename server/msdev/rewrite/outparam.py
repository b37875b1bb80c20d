"""`out=`: MindSpore functions return a new tensor, so the result is written where `out` pointed.

    torch.add(a, b, out=c)          →  c = (ops.add(a, b)).astype(c.dtype)   (c bound in this scope;
                                                                   out keeps its dtype)
    torch.arange(5, out=torch.empty(5))
                                    →  (ops.arange(5)).astype((ops.empty(5)).dtype)   (a fresh tensor: its dtype)
    torch.add(a, b, out=buf)        →  buf[...] = ops.add(a, b)   (buf is a parameter or a global:
                                                                   the caller's tensor is updated)
    torch.mul(a, 2, out=c[0])       →  c[0] = ops.mul(a, 2)       (a slice is written in place)
    torch.max(x, 1, out=(v, i))     →  v, i = (lambda r_: (r_[0].astype(v.dtype), ...))(ops.max(x, 1))
    pair = (v, i); torch.max(x, 1, out=(v, i))
                                    →  (lambda r_: (v.assign_value(r_[0].astype(v.dtype)), ...))(ops.max(x, 1))
                                       (another name or tuple holds the tensors: they take the result)
    y = torch.add(a, b, out=c)      →  y = c = (ops.add(a, b)).astype(c.dtype)
    f(torch.add(a, b, out=c))       →  f((c := (ops.add(a, b)).astype(c.dtype)))
    torch.svd(a, out=(u, s, v))[1]  →  [(u := _out[0], s := _out[1], v := _out[2]) and _out
                                        for _out in [<svd of a, each cast to its out's dtype>]][0][1]
    out_real = None; torch.cat(xs, out=out_real)
                                    →  (lambda r_: r_ if out_real is None else (out_real.assign_value(...),
                                        out_real)[1])(ops.cat(xs))     (a name that may hold None)

One implementation for every function that takes `out`, applied by the Rewriter around the
call's own rewrite.
"""

from __future__ import annotations

import ast

from ..analysis.patterns import out_keyword  # noqa: F401  (re-exported for the Rewriter)
from .calls import CannotRewrite
from .source import Edit

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)


def out_edits(rewriter, call: ast.Call, kw: ast.keyword) -> list[Edit]:
    """Edits around the call that store its result where `out` pointed (the call's own rewrite
    removes the keyword)."""
    target = kw.value
    if isinstance(target, ast.Call):
        # a fresh tensor (`out=torch.empty(5)`): nothing reads it afterwards, but the result takes its dtype
        start, end = rewriter.src.span(call)
        return [Edit(start, start, "("), Edit(end, end, f").astype(({rewriter.rendered(target)}).dtype)")]
    if not isinstance(target, (ast.Name, ast.Attribute, ast.Subscript, ast.Tuple, ast.List)):
        return []
    if isinstance(target, (ast.Tuple, ast.List)):
        if not all(isinstance(e, (ast.Name, ast.Attribute, ast.Subscript)) for e in target.elts):
            raise CannotRewrite("out= is a sequence msdev cannot assign to: assign the results by hand")
    if isinstance(target, ast.Name) and _may_hold_none(rewriter, call, target.id):
        # `out=out_real` where the code set `out_real = None` on some path (torch_complex's cat): PyTorch returns a
        # new tensor for None, else writes into the given one
        start, end = rewriter.src.span(call)
        name = target.id
        return [Edit(start, start, f"(lambda r_: r_ if {name} is None else "
                                   f"({name}.assign_value(r_.astype({name}.dtype)), {name})[1])("),
                Edit(end, end, ")")]
    shared = shared_store(rewriter, call, target)
    if shared:
        return shared
    elts = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
    stores = [store_text(rewriter, call, e) for e in elts]
    written = ", ".join(stores)
    start, end = rewriter.src.span(call)
    opening, closing = _kept_dtype(rewriter, call, elts, stores, isinstance(target, (ast.Tuple, ast.List)))
    parent = rewriter.parents.get(id(call))
    if isinstance(parent, (ast.Expr, ast.Assign)) and parent.value is call:
        if isinstance(parent, ast.Assign) and any(rewriter.src.segment(t) == rewriter.src.segment(target)
                                                  for t in parent.targets):
            return []  # `c = torch.add(a, b, out=c)` stores it already
        return [Edit(start, start, f"{written} = {opening}"), Edit(end, end, closing)]
    if isinstance(target, ast.Name) and written == target.id:
        return [Edit(start, start, f"({written} := {opening}"), Edit(end, end, f"{closing})")]
    names = [e.id for e in getattr(target, "elts", ()) if isinstance(e, ast.Name)]
    if names and len(names) == len(target.elts) and written == ", ".join(names):
        # several results into names this scope owns: a one-item comprehension binds each with :=
        # (its own loop variable stays local) and gives the results on
        item = "_out"
        while item in names:
            item += "_"
        binds = ", ".join(f"{n} := {item}[{i}]" for i, n in enumerate(names))
        return [Edit(start, start, f"[({binds}) and {item} for {item} in [{opening}"),
                Edit(end, end, f"{closing}]][0]")]
    raise CannotRewrite("out= inside an expression writes into an existing tensor: assign the result to the "
                        "out tensor in its own statement first")


def _may_hold_none(rewriter, node: ast.AST, name: str) -> bool:
    """Whether the enclosing function binds `name` to None somewhere (`a = b = None`, a parameter
    defaulting to None)."""
    scope = rewriter.parents.get(id(node))
    while scope is not None and not isinstance(scope, _SCOPES):
        scope = rewriter.parents.get(id(scope))
    if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    args = scope.args
    positional = [*args.posonlyargs, *args.args]
    defaults = dict(zip([a.arg for a in positional[len(positional) - len(args.defaults):]], args.defaults))
    defaults.update((a.arg, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None)
    if isinstance(defaults.get(name), ast.Constant) and defaults[name].value is None:
        return True
    return any(isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant) and n.value.value is None
               and any(isinstance(t, ast.Name) and t.id == name for t in n.targets) for n in ast.walk(scope))


def _kept_dtype(rewriter, call: ast.Call, elts: list, stores: list[str], packed: bool) -> tuple[str, str]:
    """Text around the call that casts the result to the dtype of the out tensors it rebinds: PyTorch
    writes into out, so `torch.eq(a, b, out=f)` with a float `f` gives floats, and an int64 out keeps
    int64 where MindSpore computes int32. Nothing for slices and in-place stores, which keep the
    tensor's dtype by themselves."""
    if not all(isinstance(e, ast.Name) and text == e.id for e, text in zip(elts, stores)):
        return "", ""
    if any(_holds_sequence(rewriter, call, e.id) for e in elts):
        return "", ""  # `out = (values, indices)` passed as out=out: the names take the results as they are
    if not packed:
        return "(", f").astype({stores[0]}.dtype)"
    casts = ", ".join(f"r_[{k}].astype({name}.dtype)" for k, name in enumerate(stores))
    return "(lambda r_: (" + casts + ("," if len(stores) == 1 else "") + "))(", ")"


def shared_store(rewriter, call: ast.Call, target: ast.AST) -> list[Edit]:
    """For local names that another name or a tuple already holds (`pair = (v, i)` before
    `torch.cummax(x, 0, out=(v, i))`): the tensors themselves take the result with `assign_value`,
    which also takes its shape as PyTorch resizes an out tensor, and keep their dtype. Empty when
    rebinding the names is enough."""
    elts = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
    if not all(isinstance(e, ast.Name) and _bound_locally(rewriter, call, e.id) for e in elts):
        return []
    if not any(_aliased_before(rewriter, call, e.id) for e in elts):
        return []
    start, end = rewriter.src.span(call)
    if len(elts) == 1 and not isinstance(target, (ast.Tuple, ast.List)):
        name = elts[0].id
        return [Edit(start, start, f"{name}.assign_value(("), Edit(end, end, f").astype({name}.dtype))")]
    stores = ", ".join(f"{e.id}.assign_value(r_[{k}].astype({e.id}.dtype))" for k, e in enumerate(elts))
    return [Edit(start, start, "(lambda r_: (" + stores + ("," if len(elts) == 1 else "") + "))("),
            Edit(end, end, ")")]


def store_text(rewriter, call: ast.Call, target: ast.AST) -> str:
    """How the out tensor is written: rebinding a name the scope owns, in place otherwise."""
    text = rewriter.rendered(target)
    if isinstance(target, ast.Subscript):
        return text
    if isinstance(target, ast.Name) and _holds_list(rewriter, call, target.id):
        return f"{text}[:]"  # `out=[t1, t2]` for a function of several results: the list is filled
    if isinstance(target, ast.Name) and _bound_locally(rewriter, call, target.id):
        return text
    return f"{text}[...]"  # someone else's tensor (argument, global, attribute): update it in place


def _holds_list(rewriter, node: ast.AST, name: str) -> bool:
    """Whether the enclosing scope binds `name` only to list displays (`out = [a, b, c]`)."""
    scope = rewriter.parents.get(id(node))
    while scope is not None and not isinstance(scope, _SCOPES):
        scope = rewriter.parents.get(id(scope))
    if scope is None or isinstance(scope, ast.Lambda):
        return False
    values = [n.value for n in ast.walk(scope) if isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == name for t in n.targets)]
    return bool(values) and all(isinstance(v, ast.List) for v in values)


def _aliased_before(rewriter, call: ast.Call, name: str) -> bool:
    """Whether, before the call, `name` and another name or a tuple/list display hold the same tensor
    (`out = (values, indices)`, `keep = values`, `values = keep`), or `name` is a loop variable (a
    container's element): rebinding `name` would leave the other holder stale."""
    scope = rewriter.parents.get(id(call))
    while scope is not None and not isinstance(scope, _SCOPES):
        scope = rewriter.parents.get(id(scope))
    if scope is None or isinstance(scope, ast.Lambda):
        return False
    for node in ast.walk(scope):
        if isinstance(node, (ast.For, ast.AsyncFor)) and any(
                isinstance(t, ast.Name) and t.id == name for t in ast.walk(node.target)):
            return True  # `for tensor in tensors: torch.div(n, tensor, out=tensor)`: the list's element
        if not isinstance(node, ast.Assign) or node.lineno >= call.lineno:
            continue
        value = node.value
        held = value.elts if isinstance(value, (ast.Tuple, ast.List)) else [value]
        if any(isinstance(e, ast.Name) and e.id == name for e in held):
            return True
        if isinstance(value, ast.Name) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return True  # `c = a`: the tensor is a's too
    return False


def _holds_sequence(rewriter, node: ast.AST, name: str) -> bool:
    """Whether the enclosing scope binds `name` to a tuple or list (a display or a tuple()/list() call):
    a group of out tensors."""
    scope = rewriter.parents.get(id(node))
    while scope is not None and not isinstance(scope, _SCOPES):
        scope = rewriter.parents.get(id(scope))
    if scope is None or isinstance(scope, ast.Lambda):
        return False
    def sequence(value: ast.AST) -> bool:
        return isinstance(value, (ast.Tuple, ast.List)) or (
            isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("tuple", "list"))
    return any(isinstance(n, ast.Assign) and sequence(n.value) and any(
        isinstance(t, ast.Name) and t.id == name for t in n.targets) for n in ast.walk(scope))


def _bound_locally(rewriter, node: ast.AST, name: str) -> bool:
    """Whether `name` is a variable the enclosing scope binds itself (not a parameter, global or
    nonlocal), so rebinding it changes nothing anyone else sees."""
    scope = rewriter.parents.get(id(node))
    while scope is not None and not isinstance(scope, _SCOPES):
        scope = rewriter.parents.get(id(scope))
    if scope is None or isinstance(scope, ast.Module):
        return True
    args = scope.args
    if name in {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg] if a}:
        return False
    body = scope.body if isinstance(scope.body, list) else [scope.body]
    stack = list(body)
    bound = False
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return False
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            bound = True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return bound
