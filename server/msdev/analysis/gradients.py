"""Imperative gradients (MS230–MS232): what `loss.backward()` / `torch.autograd.grad(...)` differentiate,
worked out once per function (or module) so that detection and the fix (rewrite/gradients.py) agree.

PyTorch records the computation on tensors and stores gradients on the leaves (`x.grad`); MindSpore
differentiates a function. For each gradient site the plan holds:

- the leaves: names whose `.grad` the scope reads (or `torch.autograd.grad`'s `inputs`), and attribute
  chains (`model.fc.weight`) that become `weights=` of `mindspore.grad`;
- the region: the statements of the site's block from the first one the loss depends on up to the
  site; they move into a local function whose parameters are the leaves and which returns the loss
  (and, as aux outputs, what the rest of the scope reads of what it assigned);
- the recomputed statements: statements the loss depends on that lie before the region (before an
  earlier backward, or in an enclosing block), copied into the function so gradients flow through them;
- per leaf, whether the new gradient is assigned (`x_grad = g`) or accumulated as PyTorch does when
  `.grad` was not reset since an earlier backward (`x_grad = x_grad + g`).

What cannot be planned (control flow leaving the region, a leaf reassigned in it, a second-order
chain, `backward(inputs=...)`, ...) comes back as a reason string, shown with the recipe.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from .literals import int_literal

#: the statement rule codes this module plans for
BACKWARD, AUTOGRAD_GRAD, REQUIRES_GRAD = "MS230", "MS231", "MS232"
AUTOGRAD_GRAD_APIS = frozenset({"torch.autograd.grad"})
#: the function form of `loss.backward(gradient)`: `torch.autograd.backward(tensors, grad_tensors)`
AUTOGRAD_BACKWARD_APIS = frozenset({"torch.autograd.backward"})
#: the calls that clip the `.grad` of the parameters they are given (`clip_grad_norm` is the deprecated
#: name of clip_grad_norm_, same signature and result)
CLIP_NORM_APIS = frozenset({"torch.nn.utils.clip_grad_norm_", "torch.nn.utils.clip_grad_norm"})
CLIP_APIS = CLIP_NORM_APIS | {"torch.nn.utils.clip_grad_value_"}
NO_GRAD_APIS = frozenset({"torch.no_grad", "torch.autograd.no_grad", "torch.autograd.grad_mode.no_grad",
                          "torch.inference_mode", "torch.autograd.inference_mode"})
#: names whose call in a statement copied for recomputation would change what the program does
_IMPURE_WORDS = ("rand", "dropout", "normal", "uniform", "bernoulli", "multinomial", "print", "append",
                 "extend", "write", "save", "shuffle", "perm")
#: why a backward() whose gradients nobody reads here is left to the other rules (MS200's advice)
NO_LEAVES = ("no `x.grad` is read after it in the same function, so nothing says which gradients are wanted")
_LEAVING = (ast.Return, ast.Yield, ast.YieldFrom, ast.Await, ast.Break, ast.Continue, ast.Global, ast.Nonlocal)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)
_BLOCK_FIELDS = ("body", "orelse", "finalbody")


@dataclass
class GradSite:
    """One `loss.backward(...)` statement or `torch.autograd.grad(...)` call, planned."""

    kind: str  # BACKWARD or AUTOGRAD_GRAD
    stmt: ast.stmt  # the statement holding it
    call: ast.Call
    loss: ast.AST  # the differentiated expression
    seed: ast.AST | None  # gradient= / grad_outputs=
    leaves: list[str]  # leaf keys in order: names (positions) first, then attribute chains (weights)
    positions: list[str]  # leaf names, differentiated by position
    weights: list[str]  # attribute chains, differentiated as weights=
    extra: list[str]  # names passed to the function without being differentiated
    region: list[ast.stmt]  # moved into the function (contiguous, before stmt)
    recompute: list[ast.stmt]  # copied into the function, before the region's statements
    aux: list[str]  # names the region assigns that the scope reads elsewhere
    modes: dict[str, str] = field(default_factory=dict)  # leaf → "assign" | "add" | "maybe"
    inits: list[tuple[str, ast.stmt]] = field(default_factory=list)  # `var = None` before this stmt
    notes: list[str] = field(default_factory=list)


@dataclass
class GradPlan:
    """Every gradient site of one scope and the names the scope's gradients are read from."""

    scope: ast.AST
    variables: dict[str, str]  # leaf key → variable holding its gradient (`x` → `x_grad`)
    sites: dict[int, GradSite | str]  # id(call) → site, or why it cannot be rewritten
    reads: dict[int, str] = field(default_factory=dict)  # id(`x.grad` node) → leaf key (converted reads)
    resets: dict[int, tuple[str, str]] = field(default_factory=dict)  # id(stmt) → (key, "zero" | "none")
    #: converted text of statements a later site copies, saved by the site whose rewrite replaces them
    texts: dict[int, str] = field(default_factory=dict)
    #: `for p in model.parameters()` loops reading `p.grad`: id(For) → (group key 'model.*', p, named,
    #: variable of p's gradient); their `p.grad` reads: id(node) → id(For)
    loops: dict[int, tuple[str, str, bool, str]] = field(default_factory=dict)
    loop_reads: dict[int, int] = field(default_factory=dict)
    #: `x.grad` reads of a non-leaf `x` (`non_leaf_names`): None in PyTorch after backward()
    non_leaf_reads: list[ast.Attribute] = field(default_factory=list)


# ---------------------------------------------------------------------------- small helpers
def chain_key(node: ast.AST) -> str | None:
    """`x` → 'x', `model.fc.weight` → 'model.fc.weight', `model[0].weight` → 'model[0].weight' (a
    layer of a Sequential by a literal position); anything else None."""
    parts = []
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Attribute):
            parts.append("." + node.attr)
        else:
            index = int_literal(node.slice)
            if index is None:
                return None
            parts.append(f"[{index}]")
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return node.id + "".join(parts[::-1])



def key_root(key: str) -> str:
    """The name a chain key starts from: 'model' for 'model[0].weight'."""
    return re.split(r"[.\[]", key, maxsplit=1)[0]


def _grad_receiver(node: ast.AST) -> str | None:
    """The leaf key of a `.grad` read (`x.grad`, `x.grad.data`), else None."""
    if isinstance(node, ast.Attribute) and node.attr == "grad":
        return chain_key(node.value)
    return None


def indexed_parameter(node: ast.AST) -> tuple[str, int] | None:
    """`list(model.parameters())[i].grad`: the group key 'model.*' and the position i, else None."""
    if not (isinstance(node, ast.Attribute) and node.attr == "grad" and isinstance(node.value, ast.Subscript)):
        return None
    sub = node.value
    index = int_literal(sub.slice)
    call = sub.value
    if index is None or not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "list"
                             and len(call.args) == 1 and not call.keywords):
        return None
    inner = call.args[0]
    if not (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "parameters"
            and not inner.args and not inner.keywords and chain_key(inner.func.value)):
        return None
    return chain_key(inner.func.value) + ".*", index


def _read_key(node: ast.AST) -> str | None:
    """The key a `.grad` read reads: a leaf chain, or a group of parameters read by position."""
    indexed = indexed_parameter(node)
    return indexed[0] if indexed else _grad_receiver(node)


#: methods that give back their receiver when nothing changes (a leaf stays a leaf, a non-leaf a non-leaf)
_SELF_METHODS = frozenset({"requires_grad_", "float", "double", "half", "to", "cpu", "cuda", "type", "contiguous"})


def _builds_grad_tensor(node: ast.AST) -> bool:
    """A call given `requires_grad=True` (`torch.arange(15., requires_grad=True)`): a leaf that records."""
    return isinstance(node, ast.Call) and any(
        kw.arg == "requires_grad" and isinstance(kw.value, ast.Constant) and kw.value.value is True
        for kw in node.keywords)


def _operation_on_grad_tensor(node: ast.AST, recording: set[str]) -> bool:
    """An operation on a tensor that records gradients (built with requires_grad=True, or a name in
    RECORDING): `....reshape(3, 5)`, `x * 2 + 4`. Its result has a grad_fn, so it is no leaf."""
    def records(side: ast.AST) -> bool:
        return _builds_grad_tensor(side) or (isinstance(side, ast.Name) and side.id in recording) \
            or _operation_on_grad_tensor(side, recording)

    if isinstance(node, ast.BinOp):
        return records(node.left) or records(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        receiver = node.func.value
        if node.func.attr in ("detach", "detach_"):
            return False
        if node.func.attr in _SELF_METHODS:  # the receiver itself: a leaf name stays a leaf
            return _operation_on_grad_tensor(receiver, recording)
        return records(receiver)
    return False


#: methods giving an integer or bool copy: no gradient flows through them
_INTEGER_CASTS = frozenset({"long", "int", "short", "byte", "char", "bool"})


def _only_cast_to_integers(nodes, parents) -> set[str]:
    """Names whose every use (other than `.grad` and flags) is an integer cast (`values[perm.long()]`): no
    gradient reaches them, so PyTorch leaves their `.grad` None after backward()."""
    uses: dict[str, list[bool]] = {}
    for n in nodes:
        if not (isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)):
            continue
        parent = parents.get(id(n))
        if isinstance(parent, ast.Attribute) and parent.attr in ("grad", "requires_grad", "requires_grad_"):
            continue
        call = parents.get(id(parent)) if isinstance(parent, ast.Attribute) else None
        cast = isinstance(call, ast.Call) and call.func is parent and parent.attr in _INTEGER_CASTS \
            and not call.args and not call.keywords
        uses.setdefault(n.id, []).append(cast)
    return {name for name, casts in uses.items() if casts and all(casts)}


def non_leaf_names(nodes) -> set[str]:
    """Names only ever assigned an operation on a tensor that records gradients
    (`x = torch.arange(15., requires_grad=True).reshape(3, 5)`, `y = w * 2` with `w` built with
    requires_grad=True): PyTorch leaves their `.grad` None after backward() (the gradient goes to the
    leaf), unless the code calls `x.retain_grad()`."""
    values: dict[str, list[ast.AST]] = {}
    assigned: set[int] = set()
    for n in nodes:
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            values.setdefault(n.targets[0].id, []).append(n.value)
            assigned.add(id(n.targets[0]))
    # unpacked, a loop target, an augmented assignment: not followed; retain_grad() keeps the gradient
    other = {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and id(n) not in assigned}
    other |= {n.value.id for n in nodes if isinstance(n, ast.Attribute) and n.attr == "retain_grad"
              and isinstance(n.value, ast.Name)}
    values = {name: vals for name, vals in values.items() if name not in other}
    leaves = {name for name, vals in values.items() if all(map(_builds_grad_tensor, vals))}
    for n in nodes:  # `x.requires_grad = True`, `x.requires_grad_()`: x records from here on
        if isinstance(n, ast.Attribute) and n.attr in ("requires_grad", "requires_grad_") \
                and isinstance(n.value, ast.Name) and n.value.id in values:
            leaves.add(n.value.id)
    found: set[str] = set()
    while True:  # names computed from names computed from a leaf, ...
        more = {name for name, vals in values.items() if name not in found and name not in leaves
                and all(_operation_on_grad_tensor(v, leaves | found) for v in vals)}
        if not more:
            return found
        found |= more


def _reset_of(stmt: ast.stmt) -> tuple[str, str] | None:
    """`x.grad.zero_()`, `x.grad.data.zero_()` → (x, 'zero'); `x.grad = None` → (x, 'none')."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and not stmt.value.args \
            and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == "zero_":
        inner = stmt.value.func.value
        if isinstance(inner, ast.Attribute) and inner.attr == "data":
            inner = inner.value
        key = _grad_receiver(inner)
        return (key, "zero") if key else None
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.Constant) \
            and stmt.value.value is None:
        key = _grad_receiver(stmt.targets[0])
        return (key, "none") if key else None
    return None


#: names PyTorch's modules go by: an in-place function of one (`torch.nn.init.zeros_(w)`, `F.relu_(x)`)
#: changes its first argument, not the module
_MODULE_ROOTS = frozenset({"torch", "nn", "init", "F"})


def stored_names(stmt: ast.AST) -> set[str]:
    """Names a statement binds, and the bases of the subscripts/attributes it stores into or
    changes in place (`h[0] = ...`, `y.add_(1)`)."""
    out: set[str] = set()
    local = comprehension_locals(stmt)
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            if id(node) not in local:
                out.add(node.id)
        elif isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, ast.Store):
            key = chain_key(node.value if isinstance(node, ast.Attribute) else node.value)
            if key:
                out.add(key_root(key))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr.endswith("_") and not node.func.attr.startswith("_"):
            key = chain_key(node.func.value)
            if key and key_root(key) in _MODULE_ROOTS:  # `nn.init.zeros_(m.bias)`, `torch.relu_(x)`
                key = chain_key(node.args[0]) if node.args else ""
            if key:
                out.add(key_root(key))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
    return out


def loaded_names(nodes) -> list[str]:
    out: dict[str, None] = {}
    for stmt in nodes:
        local = comprehension_locals(stmt)
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and id(node) not in local:
                out.setdefault(node.id)
    return list(out)


def comprehension_locals(tree: ast.AST) -> set[int]:
    """Ids of the Name nodes that are a comprehension's own loop variables (`u` in `sum(u.sum() for u
    in parts)`): Python 3 binds them inside the comprehension, never in the enclosing scope."""
    out: set[int] = set()
    for comp in ast.walk(tree):
        if isinstance(comp, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            bound = {n.id for g in comp.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
            out |= {id(n) for n in ast.walk(comp) if isinstance(n, ast.Name) and n.id in bound
                    and not _contains_node(comp.generators[0].iter, n)}
    return out


def _contains_node(tree: ast.AST, node: ast.AST) -> bool:
    return any(n is node for n in ast.walk(tree))


def _block_of(parent: ast.AST, child: ast.AST) -> list[ast.stmt] | None:
    for name in _BLOCK_FIELDS:
        block = getattr(parent, name, None)
        if isinstance(block, list) and any(s is child for s in block):
            return block
    for handler in getattr(parent, "handlers", ()) or ():
        if handler is child:
            return None
    return None


def _statement_of(parents: dict[int, ast.AST], node: ast.AST) -> ast.stmt:
    while not isinstance(node, ast.stmt):
        node = parents[id(node)]
    return node


def enclosing_scope(parents: dict[int, ast.AST], node: ast.AST) -> ast.AST:
    parent = parents.get(id(node))
    while parent is not None and not isinstance(parent, _SCOPES):
        parent = parents.get(id(parent))
    return parent


def is_no_grad_with(stmt: ast.stmt, apis: dict[int, str]) -> bool:
    if not isinstance(stmt, ast.With):
        return False
    for item in stmt.items:
        expr = item.context_expr
        func = expr.func if isinstance(expr, ast.Call) else expr
        if apis.get(id(func)) in NO_GRAD_APIS:
            return True
    return False


def _impure(stmt: ast.stmt) -> bool:
    for node in ast.walk(stmt):
        if isinstance(node, ast.Call):
            name = chain_key(node.func) or ""
            if any(w in name.rsplit(".", 1)[-1].lower() for w in _IMPURE_WORDS):
                return True
    return False


def _keyword(call: ast.Call, name: str, position: int | None = None) -> ast.AST | None:
    for k in call.keywords:
        if k.arg == name:
            return k.value
    if position is not None and len(call.args) > position:
        return call.args[position]
    return None


def _single(node: ast.AST | None) -> ast.AST | None:
    """`[x]` / `(x,)` → x; anything else as it is."""
    if isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) == 1:
        return node.elts[0]
    return node


def is_function_backward(call: ast.Call, apis: dict[int, str]) -> bool:
    """Whether a backward site is `torch.autograd.backward(...)` rather than `loss.backward(...)`."""
    return apis.get(id(call.func)) in AUTOGRAD_BACKWARD_APIS


def _is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and bool(node.value)


# ---------------------------------------------------------------------------- planning
def _sites_in(scope: ast.AST, nodes: list[ast.AST], parents, apis) -> list[tuple[str, ast.Call]]:
    out = []
    for node in nodes:
        if not isinstance(node, ast.Call) or enclosing_scope(parents, node) is not scope:
            continue
        func = node.func
        if (isinstance(func, ast.Attribute) and func.attr == "backward" and apis.get(id(func)) is None) \
                or apis.get(id(func)) in AUTOGRAD_BACKWARD_APIS:
            parent = parents.get(id(node))
            if isinstance(parent, ast.Expr):
                out.append((BACKWARD, node))
        elif apis.get(id(func)) in AUTOGRAD_GRAD_APIS:
            out.append((AUTOGRAD_GRAD, node))
    out.sort(key=lambda p: (p[1].lineno, p[1].col_offset))
    return out


def _unique(base: str, taken: set[str]) -> str:
    name, k = base, 2
    while name in taken:
        name = f"{base}_{k}"
        k += 1
    taken.add(name)
    return name


def plan_scope(scope: ast.AST, nodes: list[ast.AST], parents: dict[int, ast.AST], apis: dict[int, str],
               taken: set[str], skip: set[int] = frozenset()) -> GradPlan | None:
    """The gradient plan of one function or module body, or None when it has no gradient site.
    `nodes`: the scope's nodes (any order); `taken`: names already used in the file; `skip`: ids of
    backward calls another rule rewrites (training steps)."""
    sites = [s for s in _sites_in(scope, nodes, parents, apis) if id(s[1]) not in skip]
    if not sites:
        return None
    in_scope = [n for n in nodes if enclosing_scope(parents, n) is scope or n is scope]
    imported = {a.asname or a.name.split(".")[0] for n in ast.walk(_root(parents, scope))
                if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    grad_reads = [n for n in in_scope if isinstance(n, ast.Attribute) and n.attr == "grad"
                  and isinstance(n.ctx, ast.Load) and _read_key(n)
                  and key_root(_read_key(n)) not in imported  # mindspore.grad, torch.autograd.grad
                  and not (isinstance(parents.get(id(n)), ast.Call) and parents[id(n)].func is n)]
    non_leaves = non_leaf_names(in_scope) | _only_cast_to_integers(in_scope, parents)
    non_leaf_reads = [n for n in grad_reads if _read_key(n) in non_leaves]
    grad_reads = [n for n in grad_reads if _read_key(n) not in non_leaves]
    resets = {}
    for n in in_scope:
        if isinstance(n, ast.stmt):
            r = _reset_of(n)
            if r is not None:
                resets[id(n)] = (n, r)
    loops = _parameter_loops(in_scope)
    # `p.grad.zero_()` / `p.grad = None` in a loop over the parameters resets the whole group
    for rid, (stmt, (key, how)) in list(resets.items()):
        target = stmt.value.func.value if isinstance(stmt, ast.Expr) else stmt.targets[0]
        while isinstance(target, ast.Attribute) and target.attr != "grad":
            target = target.value
        loop = _enclosing_parameter_loop(parents, target, loops, scope)
        if loop is not None:
            resets[rid] = (stmt, (loops[id(loop)][0], "loop"))
    # `model.zero_grad()` resets the gradients of all of the model's parameters
    for n in in_scope:
        if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call) and isinstance(n.value.func, ast.Attribute) \
                and n.value.func.attr == "zero_grad" and not n.value.args and chain_key(n.value.func.value) \
                and any(g == chain_key(n.value.func.value) + ".*" for g, _, _ in loops.values()):
            resets[id(n)] = (n, (chain_key(n.value.func.value) + ".*", "loop"))
    loop_of_read: dict[int, ast.AST] = {}
    for n in grad_reads:
        loop = _enclosing_parameter_loop(parents, n, loops, scope)
        if loop is not None:
            loop_of_read[id(n)] = loop
    grad_reads_plain = [n for n in grad_reads if id(n) not in loop_of_read]
    read_keys = list(dict.fromkeys(_read_key(n) for n in grad_reads_plain))
    read_keys += list(dict.fromkeys(loops[id(loop)][0] for loop in loop_of_read.values()))
    read_keys += [k for k in dict.fromkeys(_clipped_group(n, apis) for n in in_scope) if k and k not in read_keys]
    plan = GradPlan(scope, {}, {}, non_leaf_reads=non_leaf_reads)
    for key in read_keys + [r[0] for _, r in resets.values()]:
        if key not in plan.variables:
            base = re.sub(r"\W+", "_", key[:-2] if key.endswith(".*") else key).strip("_")
            base += "_grads" if key.endswith(".*") else "_grad"
            plan.variables[key] = _unique(base, taken)
    site_stmts = [_statement_of(parents, call) for _, call in sites]
    planned: list[GradSite] = []
    for (kind, call), stmt in zip(sites, site_stmts):
        try:
            site = _plan_site(kind, call, stmt, scope, parents, apis, plan, site_stmts, in_scope)
        except _NoPlan as exc:
            plan.sites[id(call)] = str(exc)
            continue
        plan.sites[id(call)] = site
        planned.append(site)
    _accumulation(plan, planned, parents, resets, scope)
    for site in list(planned):
        groups = [k for k in site.weights if k.endswith(".*")]
        if groups and any(site.modes.get(k, "assign") != "assign" for k in groups):
            plan.sites[id(site.call)] = ("gradients of all parameters read in a loop and added over several "
                                         "backward() calls: take mindspore.grad(fn, None, "
                                         "model.trainable_params()) by hand")
            planned.remove(site)
    # reads converted: after the first site that differentiates their key, or in a loop with one
    for n in grad_reads:
        loop = loop_of_read.get(id(n))
        if loop is not None:
            group, p, named = loops[id(loop)]
            first = next((s for s in reversed(planned) if s.kind == BACKWARD and group in s.leaves
                          and _after(loop, s.stmt)), None)  # the backward() just before the loop
            same_iteration = {id(x) for x in _loops_between(parents, loop, scope)} == \
                {id(x) for x in _loops_between(parents, first.stmt, scope)} if first is not None else False
            if first is not None and _after(loop, first.stmt) and same_iteration:
                if id(loop) not in plan.loops:
                    plan.loops[id(loop)] = (group, p, named, _unique(p + "_grad", taken))
                plan.loop_reads[id(n)] = id(loop)
            continue
        key = _read_key(n)
        first = next((s for s in planned if s.kind == BACKWARD and key in s.leaves), None)
        if first is None or _cleared_since(n, key, in_scope, site_stmts):
            continue
        if _after(n, first.stmt) or _shares_loop(parents, n, first.stmt, scope):
            plan.reads[id(n)] = key
    for rid, (stmt, (key, how)) in resets.items():
        if any(s.kind == BACKWARD and key in s.leaves for s in planned):
            plan.resets[rid] = (key, how)
    return plan


def _clipped_group(node: ast.AST, apis: dict[int, str]) -> str | None:
    """`clip_grad_norm_(model.parameters(), 1.0)`: the clip reads the `.grad` of every parameter of
    `model`, so a backward() before it differentiates them (group key 'model.*'); None otherwise."""
    if not isinstance(node, ast.Call) or apis.get(id(node.func)) not in CLIP_APIS:
        return None
    params = _keyword(node, "parameters", 0)
    if isinstance(params, ast.Call) and isinstance(params.func, ast.Attribute) \
            and params.func.attr == "parameters" and not params.args and not params.keywords:
        key = chain_key(params.func.value)
        return key + ".*" if key else None
    return None


def _parameters_group(node: ast.AST) -> str | None:
    """`model.parameters()` (also in list() / tuple()) as torch.autograd.grad's inputs: every parameter of
    `model`, the group key 'model.*' (mindspore.grad's weights=model.trainable_params())."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("list", "tuple") \
            and len(node.args) == 1 and not node.keywords:
        node = node.args[0]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "parameters" \
            and not node.args and not node.keywords:
        key = chain_key(node.func.value)
        return key + ".*" if key else None
    return None


class _NoPlan(Exception):
    """Why a gradient site has no automatic rewrite."""


def _parameter_loops(nodes) -> dict[int, tuple[str, str, bool]]:
    """`for p in model.parameters():` / `for name, p in model.named_parameters():` → ('model.*', 'p', named)."""
    out = {}
    for n in nodes:
        parts = loop_parts(n)
        if parts is None:
            continue
        t, it = parts
        if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute)
                and it.func.attr in ("parameters", "named_parameters") and not it.args and not it.keywords):
            continue
        module = chain_key(it.func.value)
        named = it.func.attr == "named_parameters"
        if module is None:
            continue
        if named and isinstance(t, ast.Tuple) and len(t.elts) == 2 and all(isinstance(e, ast.Name) for e in t.elts):
            out[id(n)] = (module + ".*", t.elts[1].id, True)
        elif not named and isinstance(t, ast.Name):
            out[id(n)] = (module + ".*", t.id, False)
    return out


def loop_parts(node: ast.AST) -> tuple[ast.AST, ast.AST] | None:
    """(target, iterable) of a plain `for` loop or a one-generator comprehension without conditions."""
    if isinstance(node, ast.For) and not node.orelse:
        return node.target, node.iter
    if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)) and len(node.generators) == 1 \
            and not node.generators[0].ifs and not node.generators[0].is_async:
        return node.generators[0].target, node.generators[0].iter
    return None


def _enclosing_parameter_loop(parents, read: ast.Attribute, loops, scope) -> ast.For | None:
    if not isinstance(read.value, ast.Name):
        return None
    parent = parents.get(id(read))
    while parent is not None and parent is not scope:
        if id(parent) in loops and loops[id(parent)][1] == read.value.id:
            return parent
        parent = parents.get(id(parent))
    return None


def _root(parents, node: ast.AST) -> ast.AST:
    while id(node) in parents:
        node = parents[id(node)]
    return node


def _cleared_since(read: ast.AST, key: str, in_scope, site_stmts) -> bool:
    """Whether `model.zero_grad()` (set_to_none, PyTorch 2's default) on a module holding the read
    parameter (`model` for `model.conv1.weight.grad`) runs after the last backward() before the read:
    the read is then None, as `cleared_grad_reads` writes it, not the gradient of that backward()."""
    for stmt in in_scope:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "zero_grad"
                and not call.args and not any(k.arg == "set_to_none" and not _is_true(k.value) for k in call.keywords)):
            continue
        owner = chain_key(call.func.value)
        if owner and key.startswith(owner + ".") and _after(read, stmt) \
                and not any(_after(site, stmt) and _after(read, site) for site in site_stmts):
            return True
    return False


def _after(node: ast.AST, stmt: ast.stmt) -> bool:
    return (node.lineno, node.col_offset) > (stmt.end_lineno, stmt.end_col_offset)


def _loops_between(parents, node: ast.AST, scope: ast.AST) -> list[ast.AST]:
    out = []
    parent = parents.get(id(node))
    while parent is not None and parent is not scope:
        if isinstance(parent, (ast.For, ast.While, ast.AsyncFor)):
            out.append(parent)
        parent = parents.get(id(parent))
    return out


def _shares_loop(parents, a: ast.AST, b: ast.AST, scope) -> bool:
    la = {id(x) for x in _loops_between(parents, a, scope)}
    return any(id(x) in la for x in _loops_between(parents, b, scope))


def _plan_site(kind, call, stmt, scope, parents, apis, plan: GradPlan, site_stmts, in_scope) -> GradSite:
    if kind == BACKWARD:
        if is_function_backward(call, apis):  # torch.autograd.backward(tensors, grad_tensors, ...)
            loss, seed = _keyword(call, "tensors", 0), _keyword(call, "grad_tensors", 1)
            inputs_at, graph_at = 5, 3
            if loss is None:
                raise _NoPlan("torch.autograd.backward without tensors")
            if _keyword(call, "grad_variables", 4) is not None:
                raise _NoPlan("grad_variables (the old name of grad_tensors)")
            loss, seed = _single(loss), _single(seed)
            if isinstance(loss, (ast.List, ast.Tuple)) and not (
                    seed is None or isinstance(seed, (ast.List, ast.Tuple)) and len(seed.elts) == len(loss.elts)):
                raise _NoPlan("grad_tensors must be a list as long as tensors")
        else:
            loss, seed = call.func.value, _keyword(call, "gradient", 0)
            inputs_at, graph_at = 3, 2
        if isinstance(seed, ast.Constant) and seed.value is None:
            seed = None
        if _keyword(call, "inputs", inputs_at) is not None:
            raise _NoPlan("backward(inputs=...) limits which leaves get gradients: pass those leaves to "
                          "mindspore.grad's grad_position by hand")
        if _is_true(_keyword(call, "create_graph", graph_at)):
            raise _NoPlan("backward(create_graph=True) keeps a graph on x.grad: nest mindspore.grad "
                          "(grad of a function that calls mindspore.grad) by hand")
        if _keyword(call, "create_graph", graph_at) is not None and not isinstance(
                _keyword(call, "create_graph", graph_at), ast.Constant):
            raise _NoPlan("create_graph given as an expression")
    else:
        loss = _keyword(call, "outputs", 0)
        inputs = _keyword(call, "inputs", 1)
        seed = _keyword(call, "grad_outputs", 2)
        if loss is None or inputs is None:
            raise _NoPlan("torch.autograd.grad without outputs and inputs")
        if _is_true(_keyword(call, "is_grads_batched")):
            raise _NoPlan("is_grads_batched=True: use mindspore.vmap over mindspore.vjp by hand")
        if isinstance(loss, (ast.List, ast.Tuple)):
            if len(loss.elts) != 1:
                raise _NoPlan("several outputs: differentiate their sum weighted by grad_outputs by hand")
            loss = loss.elts[0]
        if isinstance(seed, (ast.List, ast.Tuple)):
            if len(seed.elts) != 1:
                raise _NoPlan("several grad_outputs")
            seed = seed.elts[0]
        if isinstance(seed, ast.Constant) and seed.value is None:
            seed = None
        elts = inputs.elts if isinstance(inputs, (ast.List, ast.Tuple)) else [inputs]
        group = _parameters_group(inputs)
        keys = [group] if group is not None else [chain_key(e) for e in elts]
        if not keys or any(k is None for k in keys):
            raise _NoPlan("inputs must be names or attributes (x, [x, w], model.fc.weight)")
    owner = parents.get(id(stmt))
    block = _block_of(owner, stmt) if owner is not None else None
    if block is None:
        raise _NoPlan("the gradient is taken in a statement mindspore.grad cannot be placed around")

    if kind == BACKWARD:
        # leaves: keys whose gradient the scope reads or resets, found among what the loss depends on
        candidates = list(plan.variables)
    else:
        candidates = keys
    position_keys = [k for k in candidates if "." not in k]
    weight_keys = [k for k in candidates if "." in k]

    # the backward slice: walk the statements before the site, in its block then the enclosing blocks
    needed = set(loaded_names([loss] + ([seed] if seed is not None else [])))
    leaf_names = set(position_keys)
    barrier_seen = False
    chosen: list[ast.stmt] = []  # in reverse source order
    region_floor = None  # index in block: the region starts after it
    level_stmt, level_block = stmt, block
    first_level = True
    while True:
        idx = next(i for i, s in enumerate(level_block) if s is level_stmt)
        for i in range(idx - 1, -1, -1):
            s = level_block[i]
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)):
                continue  # definitions are read through the closure when the function runs
            stored = stored_names(s)
            contains_site = any(s is t or _contains(s, t) for t in site_stmts)
            if first_level and region_floor is None and (contains_site or stored & leaf_names):
                region_floor = i
            if stored & leaf_names:
                if stored & needed - leaf_names:
                    raise _NoPlan(f"line {s.lineno} assigns a leaf together with values the loss depends on")
                barrier_seen = True
                continue
            if stored & needed:
                chosen.append(s)
                if isinstance(s, (ast.Assign, ast.AnnAssign)):  # earlier values of these names are not used
                    needed -= {t.id for t in (s.targets if isinstance(s, ast.Assign) else [s.target])
                               if isinstance(t, ast.Name)} - leaf_names
                needed |= set(loaded_names([s]))
        if level_stmt is stmt and region_floor is None:
            region_floor = -1
        parent = parents.get(id(level_stmt))
        if parent is None or parent is scope or isinstance(parent, _SCOPES):
            break
        up = parents.get(id(parent))
        if up is None:
            break
        blk = _block_of(up, parent)
        if blk is None:
            break
        level_stmt, level_block = parent, blk
        first_level = False
    del barrier_seen
    chosen.reverse()
    block_ids = {id(s): i for i, s in enumerate(block)}
    in_region = [s for s in chosen if block_ids.get(id(s), -1) > region_floor]
    # only what depends on a leaf must run again inside the function: the rest is a constant
    # there (modules and parameters are read through the closure)
    roots = {key_root(k) for k in weight_keys}
    tainted = set(leaf_names) | roots
    recompute, moved = [], []
    for s in chosen:
        if not set(loaded_names([s])) & tainted or (stored_names(s) and stored_names(s) <= roots):
            continue  # a constant, or the module built or its parameters set
        tainted |= stored_names(s)
        (moved if block_ids.get(id(s), -1) > region_floor else recompute).append(s)
    # the region starts at the first statement computing from a leaf: what comes before it (a model
    # built, constants) stays in place and is read through the closure
    start = block_ids[id(moved[0])] if moved else block_ids[id(stmt)]
    region = block[start:block_ids[id(stmt)]]
    del in_region
    for s in recompute:
        inner = next((v for v in plan.sites.values() if isinstance(v, GradSite) and v.stmt is s), None)
        if inner is not None and inner.kind == AUTOGRAD_GRAD and isinstance(s, ast.Assign):
            continue  # a gradient taken with create_graph=True: the function calls that mindspore.grad again
        if not isinstance(s, (ast.Assign, ast.AnnAssign, ast.AugAssign)) or _impure(s):
            raise _NoPlan(f"the loss depends on line {s.lineno}, which would have to run again inside the "
                          "differentiated function (it is not a plain assignment, or it draws random "
                          "numbers or has side effects)")
        if any(_contains(s, t) or s is t for t in site_stmts) or _takes_gradient(s):
            raise _NoPlan("second-order gradient (a gradient of a gradient): nest mindspore.grad by hand")
    for s in region:
        if _takes_gradient(s):
            raise _NoPlan("second-order gradient (a gradient of a gradient): nest mindspore.grad by hand")
        if any(isinstance(n, _LEAVING) for n in ast.walk(s)):
            raise _NoPlan(f"line {s.lineno} leaves the computation (return/break/continue/yield/global)")
        for n in ast.walk(s):
            if isinstance(n, ast.With) and is_no_grad_with(n, apis) and n is not s:
                raise _NoPlan(f"no_grad block nested at line {n.lineno}: wrap its results in "
                              "ops.stop_gradient by hand")
        if isinstance(s, ast.stmt) and stored_names(s) & leaf_names:
            raise _NoPlan(f"line {s.lineno} reassigns a leaf between its creation and backward()")
    body = recompute + region
    used = set(loaded_names(body + [loss] + ([seed] if seed is not None else [])))
    positions = [k for k in position_keys if k in needed or k in used]
    used_roots = {key_root(k) for k in used} | needed
    weights = [k for k in weight_keys if key_root(k) in used_roots]
    if any(k.endswith(".*") for k in weights) and len(weights) > 1:
        weights = [k for k in weights if not k.endswith(".*")]  # named parameters win over the loop
    if kind == AUTOGRAD_GRAD:
        positions, weights = position_keys, weight_keys
        if weights and positions:
            raise _NoPlan("inputs mixing tensors and module parameters: split into two calls")
    leaves = positions + weights
    region_stores = set().union(*(stored_names(s) for s in region)) if region else set()
    if any(key_root(k) in region_stores for k in weights):
        raise _NoPlan("the module whose parameters get gradients is built between the leaves and the loss: "
                      "build it before the leaves")
    if not leaves:
        raise _NoPlan(NO_LEAVES)
    assigned_in_body = set().union(*(stored_names(s) for s in body)) if body else set()
    region_ids = {id(n) for s in region for n in ast.walk(s)}
    body_ids = region_ids | {id(n) for s in recompute for n in ast.walk(s)}
    replaced = {id(n) for n in ast.walk(stmt if kind == BACKWARD else call)}
    elsewhere_read = {n.id for n in ast.walk(scope) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                      and id(n) not in body_ids and id(n) not in replaced}
    # a name read before the function assigns it would be an unbound local: it is passed in
    free: list[str] = []
    _free_reads(body, set(), free)
    extra = [n for n in free if n in assigned_in_body and n not in positions]
    region_assigned = set().union(*(stored_names(s) for s in region)) if region else set()
    # at module level every name the region assigns stays visible (to importers, to a snippet's reader)
    aux = [n for n in _ordered_stores(region) if n in region_assigned and n not in positions
           and (n in elsewhere_read or isinstance(scope, ast.Module))]
    return GradSite(kind, stmt, call, loss, seed, leaves, positions, weights, extra, region, recompute, aux)


def _free_reads(stmts, bound: set[str], free: list[str]) -> None:
    """Names read before the statements bind them, in order (blocks of `with` statements are
    followed statement by statement)."""
    for s in stmts:
        if isinstance(s, ast.With):
            free += [n for n in loaded_names([i.context_expr for i in s.items]) if n not in bound and n not in free]
            _free_reads(s.body, bound, free)
            continue
        free += [n for n in loaded_names([s]) if n not in bound and n not in free]
        bound |= stored_names(s)


def _takes_gradient(stmt: ast.stmt) -> bool:
    """A statement calling `mindspore.grad`/`value_and_grad`/`vjp` (what a first conversion wrote)."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
               and n.func.attr in ("grad", "value_and_grad", "vjp", "jvp") for n in ast.walk(stmt))


def _ordered_stores(stmts) -> list[str]:
    out: dict[str, None] = {}
    for s in stmts:
        for node in ast.walk(s):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                out.setdefault(node.id)
    return list(out)


def _contains(outer: ast.AST, inner: ast.AST) -> bool:
    if outer is inner:
        return False
    return (outer.lineno, outer.col_offset) <= (inner.lineno, inner.col_offset) and \
        (inner.end_lineno, inner.end_col_offset) <= (outer.end_lineno, outer.end_col_offset)


def _accumulation(plan: GradPlan, sites: list[GradSite], parents, resets, scope) -> None:
    """PyTorch adds each backward's gradient to `.grad` until it is reset: per backward and leaf,
    assign, add to the previous value, or (in a loop without a reset) add when there is one."""
    reset_stmts = [(stmt, key) for stmt, (key, _) in resets.values()]
    initialised: set[tuple[int, str]] = set()
    for i, site in enumerate(sites):
        if site.kind != BACKWARD:
            continue
        loops = _loops_between(parents, site.stmt, scope)
        for key in site.leaves:
            earlier = [s for s in sites[:i] if s.kind == BACKWARD and key in s.leaves]
            if loops:
                body_nodes = {id(n) for n in ast.walk(loops[-1])}
                if any(id(r) in body_nodes and k == key for r, k in reset_stmts):
                    site.modes[key] = "assign" if not earlier else _straight(site, earlier[-1], key, reset_stmts)
                else:
                    site.modes[key] = "maybe"
                    outer = loops[-1]
                    if (id(outer), key) not in initialised and not earlier:
                        initialised.add((id(outer), key))
                        site.inits.append((plan.variables[key], outer))
            elif not earlier:
                site.modes[key] = "assign"
            else:
                site.modes[key] = _straight(site, earlier[-1], key, reset_stmts)


def _straight(site: GradSite, previous: GradSite, key: str, reset_stmts) -> str:
    lo = (previous.stmt.end_lineno, previous.stmt.end_col_offset)
    hi = (site.stmt.lineno, site.stmt.col_offset)
    if any(k == key and lo <= (r.lineno, r.col_offset) <= hi for r, k in reset_stmts):
        return "assign"
    return "add"


def requires_grad_statement(stmt: ast.stmt) -> ast.AST | None:
    """`x.requires_grad_()` / `x.requires_grad_(True)` / `x.requires_grad = True` as a statement:
    the node to anchor the finding on (what MindSpore's function-level gradients make moot)."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
            and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == "requires_grad_":
        call = stmt.value
        flag = _keyword(call, "requires_grad", 0)
        if (flag is None or _is_true(flag)) and chain_key(call.func.value):
            return call.func
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
            and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute) \
            and stmt.value.func.attr == "requires_grad_" and not stmt.value.keywords \
            and (not stmt.value.args or _is_true(stmt.value.args[0])):
        return stmt.value.func  # x = t.clone().requires_grad_()
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and _is_true(stmt.value) \
            and isinstance(stmt.targets[0], ast.Attribute) and stmt.targets[0].attr == "requires_grad" \
            and isinstance(stmt.targets[0].value, ast.Name):
        return stmt.targets[0]
    return None


# ---------------------------------------------------------------------------- detection
def _read_claims(parents, node: ast.AST) -> list[ast.AST]:
    """A `.grad` read and what is chained on it (`.data`, `.clone()`, ...): one finding covers them."""
    claim, parent = [node], parents.get(id(node))
    while isinstance(parent, (ast.Attribute, ast.Call)):
        claim.append(parent)
        parent = parents.get(id(parent))
    return claim


def _span_node(first: ast.stmt, last: ast.stmt) -> ast.Pass:
    """A node covering the text a site's rewrite reads (from its first copied or moved statement to
    the site): the rewriter orders findings by extent, so everything inside is converted first."""
    node = ast.Pass()
    node.lineno, node.col_offset = first.lineno, first.col_offset
    node.end_lineno, node.end_col_offset = last.end_lineno, last.end_col_offset
    return node


def detect_gradients(detector) -> set[int]:
    """Add the MS230–MS232 findings of a file to the statement-rule detector (analysis/patterns.py),
    leaving each plan on its facts for the fixer. Returns the ids of the `backward` calls planned
    here (the training-step rule MS200 keeps those followed by `optimizer.step()`)."""
    from ..findings import Kind
    from .patterns import TrainingStep, training_step

    facts = detector.facts
    parents, apis = facts.parents, facts.apis
    nodes = detector.context.nodes
    unobserved = _unobserved_backwards(nodes, parents, apis)
    if unobserved:
        return _drop_backwards(detector, unobserved)
    scopes: dict[int, ast.AST] = {}
    steps: set[int] = set()
    for n in nodes:
        if not isinstance(n, ast.Call):
            continue
        func = n.func
        is_backward = isinstance(func, ast.Attribute) and func.attr == "backward" and apis.get(id(func)) is None
        is_backward = is_backward or apis.get(id(func)) in AUTOGRAD_BACKWARD_APIS
        if is_backward:
            stmt = parents.get(id(n))
            if isinstance(stmt, ast.Expr) and isinstance(training_step(facts, stmt), TrainingStep):
                steps.add(id(n))
                continue
        if is_backward or apis.get(id(func)) in AUTOGRAD_GRAD_APIS:
            scope = enclosing_scope(parents, n)
            if scope is not None:
                scopes[id(scope)] = scope
    if not scopes and not steps:
        plain_grad_reads(detector)
        return set()
    if not scopes:
        return set()
    taken = {n.name for n in nodes if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    planned: set[int] = set()
    non_leaves = non_leaf_names(nodes) | _only_cast_to_integers(nodes, parents)
    read_elsewhere = {id(n) for n in nodes if isinstance(n, ast.Attribute) and n.attr == "grad"
                      and isinstance(n.ctx, ast.Load) and _read_key(n) in non_leaves}
    for scope in scopes.values():
        scope_nodes = list(ast.walk(scope))
        scope_taken = taken | {n.id for n in scope_nodes if isinstance(n, ast.Name)}
        plan = plan_scope(scope, scope_nodes, parents, apis, scope_taken, steps)
        if plan is None:
            continue
        _non_leaf_reads(detector, plan.non_leaf_reads)
        read_elsewhere -= {id(n) for n in plan.non_leaf_reads}
        leaves: set[str] = set()
        for call_id, site in plan.sites.items():
            if site == NO_LEAVES:
                continue  # a backward() for an optimizer or a hook: MS200 says what to do
            planned.add(call_id)
            if isinstance(site, str):
                call = next(n for n in ast.walk(scope) if id(n) == call_id)
                stmt = _statement_of(parents, call)
                backward = isinstance(call.func, ast.Attribute) and call.func.attr == "backward" \
                    and apis.get(id(call.func)) is None
                code, api = (BACKWARD, "torch.Tensor.backward") if backward else (AUTOGRAD_GRAD, "torch.autograd.grad")
                if is_function_backward(call, apis):
                    code, api = BACKWARD, "torch.autograd.backward"
                detector.add(code, call.func, stmt, api, f"no automatic rewrite ({site}); write the computation "
                             "as a function of the leaves and call mindspore.grad on it",
                             Kind.TENSOR_METHOD if backward else Kind.CALL, claim=[call.func], attr_only=backward)
                continue
            leaves |= set(site.positions)
            body = site.recompute + site.region
            node = _span_node(min(body + [site.stmt], key=lambda s: (s.lineno, s.col_offset)), site.stmt)
            over = ", ".join(site.leaves)
            if site.kind == BACKWARD:
                detail = (f"backward() → mindspore.grad of the computation as a function of {over}; "
                          + ", ".join(f"{k}.grad → {plan.variables[k]}" for k in site.leaves))
                function_form = is_function_backward(site.call, apis)
                f = detector.add(BACKWARD, site.call.func, node,
                                 "torch.autograd.backward" if function_form else "torch.Tensor.backward", detail,
                                 Kind.CALL if function_form else Kind.TENSOR_METHOD, claim=[site.call.func],
                                 attr_only=not function_form)
            else:
                detail = f"mindspore.grad of the computation of the outputs as a function of {over}"
                f = detector.add(AUTOGRAD_GRAD, site.call.func, node, "torch.autograd.grad", detail, Kind.CALL,
                                 claim=[site.call.func])
            facts.gradients[id(f.node)] = (plan, site)
            _detach_and_hooks(detector, plan, site, planned)
        for n in ast.walk(scope):
            if id(n) in plan.loop_reads:
                group, p, named, var = plan.loops[plan.loop_reads[id(n)]]
                f = detector.add(BACKWARD, n, n, "torch.Tensor.grad", f"`{p}.grad` is `{var}`, the gradient "
                                 f"of `{p}` among those of {group[:-2]}.trainable_params()", Kind.TENSOR_ATTRIBUTE,
                                 claim=_read_claims(parents, n), attr_only=True)
                facts.gradients[id(n)] = (plan, "loop_read")
                continue
            if id(n) in plan.loops:
                group, p, named, var = plan.loops[id(n)]
                _parameter_updates(detector, plan, n, p)
                f = detector.add(BACKWARD, loop_parts(n)[1].func, n, "torch.nn.Module.parameters" if not named
                                 else "torch.nn.Module.named_parameters", f"iterates the parameters with their "
                                 f"gradients: zip({group[:-2]}.trainable_params(), "
                                 f"{plan.variables[group]})", Kind.MODULE_METHOD, claim=[loop_parts(n)[1].func],
                                 attr_only=True)
                facts.gradients[id(n)] = (plan, "loop")
                continue
            key = plan.reads.get(id(n))
            if key is not None and isinstance(n, ast.Attribute):
                f = detector.add(BACKWARD, n, n, "torch.Tensor.grad",
                                 f"`{key}.grad` is the gradient mindspore.grad returned: `{plan.variables[key]}`",
                                 Kind.TENSOR_ATTRIBUTE, claim=_read_claims(parents, n), attr_only=True)
                facts.gradients[id(n)] = (plan, "read")
            elif isinstance(n, ast.stmt) and id(n) in plan.resets:
                key, how = plan.resets[id(n)]
                claim = [x for x in ast.walk(n) if isinstance(x, ast.Attribute)]
                f = detector.add(BACKWARD, n, n, "torch.Tensor.grad",
                                 f"`{plan.variables[key]}` is reset ({how})", Kind.TENSOR_ATTRIBUTE, claim=claim)
                facts.gradients[id(n)] = (plan, "reset")
            elif isinstance(n, ast.stmt) and enclosing_scope(parents, n) is scope:
                anchor = requires_grad_statement(n)
                if anchor is None:
                    continue
                target = n.targets[0].id if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call) \
                    else chain_key(anchor.value)
                if target in leaves:
                    api = "torch.Tensor.requires_grad_" if anchor.attr == "requires_grad_" \
                        else "torch.Tensor.requires_grad"
                    f = detector.add(REQUIRES_GRAD, anchor, n, api, "removed: the leaf is an input of the "
                                     "differentiated function", Kind.TENSOR_METHOD, claim=[anchor], attr_only=True)
                    facts.gradients[id(n)] = (None, "requires_grad")
    # `x.grad` of a non-leaf read where no gradient is planned (another function reading a global)
    _non_leaf_reads(detector, [n for n in nodes if id(n) in read_elsewhere])
    return planned


def _unobserved_backwards(nodes, parents, apis) -> list[ast.Call]:
    """The module-level backward() calls of a file (a script, a snippet) in which nothing observes what they
    compute: no `.grad` is read, no optimizer, gradient clipping, hook or torch.autograd.grad is used. Their
    only effect in PyTorch is the `.grad` they store, which nobody reads, so MindSpore can leave them out.
    Empty when anything observes, or when a backward() sits in a function (another module of the package
    may step an optimizer on what it computes)."""
    backwards = []
    non_leaves = non_leaf_names(nodes) | _only_cast_to_integers(nodes, parents)
    for n in nodes:
        if isinstance(n, ast.Attribute):
            if n.attr == "grad" and isinstance(n.ctx, ast.Load) and _read_key(n) not in non_leaves \
                    and not (isinstance(parents.get(id(n)), ast.Call) and parents[id(n)].func is n):
                return []  # `x.grad` read (a call such as torch.autograd.grad(...) is checked below)
            if n.attr.startswith("register_") and "hook" in n.attr:
                return []  # tensor or module hooks see the gradients
        elif isinstance(n, ast.Call):
            api = apis.get(id(n.func)) or ""
            if api.startswith("torch.optim.") or api in CLIP_APIS or api in AUTOGRAD_GRAD_APIS:
                return []
            if not isinstance(parents.get(id(n)), ast.Expr):
                continue
            if (isinstance(n.func, ast.Attribute) and n.func.attr == "backward" and not api) \
                    or api in AUTOGRAD_BACKWARD_APIS:
                if not isinstance(enclosing_scope(parents, n), ast.Module):
                    return []
                backwards.append(n)
    return backwards


def _drop_backwards(detector, calls: list[ast.Call]) -> set[int]:
    """MS230 findings removing backward() calls whose gradients nothing reads (`_unobserved_backwards`)."""
    from ..findings import Kind

    facts = detector.facts
    for call in calls:
        stmt = facts.parents[id(call)]
        method = isinstance(call.func, ast.Attribute) and call.func.attr == "backward" \
            and facts.apis.get(id(call.func)) is None
        f = detector.add(BACKWARD, call.func, stmt, "torch.Tensor.backward" if method else "torch.autograd.backward",
                         "removed: nothing in the file reads the gradients it stores (no `.grad` read, optimizer "
                         "or hook)", Kind.TENSOR_METHOD if method else Kind.CALL, claim=[call.func],
                         attr_only=method)
        facts.gradients[id(f.node)] = (None, "unobserved")
    _non_leaf_reads(detector, [n for n in detector.context.nodes if isinstance(n, ast.Attribute) and n.attr == "grad"
                               and isinstance(n.ctx, ast.Load)])
    return {id(call) for call in calls}


def _non_leaf_reads(detector, reads: list[ast.Attribute]) -> None:
    """`x.grad` of a non-leaf `x` (`non_leaf_names`): None, as PyTorch leaves it (or what the code assigned)."""
    from ..findings import Kind

    for n in reads:
        f = detector.add(BACKWARD, n, n, "torch.Tensor.grad", "`x` is computed from a tensor built with "
                         "requires_grad=True, no leaf: PyTorch leaves its `.grad` None", Kind.TENSOR_ATTRIBUTE,
                         claim=[n], attr_only=True)
        detector.facts.gradients[id(f.node)] = (None, "plain_read")


def plain_grad_reads(detector) -> None:
    """`x.grad` read in a file where nothing computes gradients (no backward(), no autograd call): it is
    None, or what the code assigned to `x.grad` itself (MindSpore tensors take the attribute too)."""
    from ..findings import Kind

    facts = detector.facts
    for n in detector.context.nodes:
        if isinstance(n, ast.Attribute) and n.attr == "grad" and isinstance(n.ctx, ast.Load) \
                and getattr(detector.by_node.get(id(n)), "torch_api", None) == "torch.Tensor.grad":
            f = detector.add(BACKWARD, n, n, "torch.Tensor.grad", "nothing in the file computes gradients: "
                             "`.grad` is None unless the code assigned it", Kind.TENSOR_ATTRIBUTE, claim=[n],
                             attr_only=True)
            facts.gradients[id(f.node)] = (None, "plain_read")


def cleared_grad_reads(detector) -> None:
    """`p.grad` read after `optimizer.zero_grad()` with no backward() between them in the same block, and
    no rule planning it: PyTorch 2's zero_grad() sets the gradients to None, so the read is None (or what
    the code assigned to `.grad` since)."""
    from ..findings import Kind

    facts, parents = detector.facts, detector.facts.parents
    for f in list(detector.findings):
        n = f.node
        if f.torch_api != "torch.Tensor.grad" or id(f) in detector.claimed or not isinstance(n, ast.Attribute) \
                or not isinstance(n.ctx, ast.Load) or id(n) in facts.gradients:
            continue
        stmt = _statement_of(parents, n)
        block = _block_of(parents.get(id(stmt)), stmt) if id(stmt) in parents else None
        if not block:
            continue
        for before in reversed(block[:next(i for i, s in enumerate(block) if s is stmt)]):
            if any(isinstance(x, ast.Attribute) and x.attr == "backward" for x in ast.walk(before)):
                break  # gradients computed since: not this rule's case
            call = before.value if isinstance(before, ast.Expr) else None
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "zero_grad":
                if not call.args and not any(k.arg == "set_to_none" and not _is_true(k.value) for k in call.keywords):
                    g = detector.add(BACKWARD, n, n, "torch.Tensor.grad", "read after zero_grad(), which sets the "
                                     "gradients to None: None unless the code assigned `.grad` since",
                                     Kind.TENSOR_ATTRIBUTE, claim=[n], attr_only=True)
                    facts.gradients[id(g.node)] = (None, "plain_read")
                break


def _detach_and_hooks(detector, plan: GradPlan, site: GradSite, claimed: set[int]) -> None:
    """In the differentiated function, `.detach()` the finder did not resolve (its receiver is a leaf or
    computed from one) becomes ops.stop_gradient; `register_hook` on such tensors (and on the leaves)
    stays: MindSpore's Tensor.register_hook runs in PyNative mode, also under mindspore.grad."""
    from ..findings import Kind

    tensors = set(site.positions)
    for s in site.recompute + site.region:
        tensors |= stored_names(s)
    facts = detector.facts
    for s in site.recompute + site.region:
        for n in ast.walk(s):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "detach" \
                    and not n.args and not n.keywords and id(n.func) not in detector.by_node:
                detector.add(BACKWARD, n.func, n, "torch.Tensor.detach", "ops.stop_gradient inside the "
                             "differentiated function", Kind.TENSOR_METHOD, attr_only=True)
                facts.gradients[id(n)] = (plan, "detach")
    # `x.register_hook(fn)`, also `handle = x.register_hook(fn)` (MindSpore's returns a handle too)
    scope_stmts = [n for n in ast.walk(plan.scope) if isinstance(n, ast.Expr) or (
        isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name))]
    for stmt in scope_stmts:
        call = stmt.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "register_hook" \
                and isinstance(call.func.value, ast.Name) and call.func.value.id in tensors \
                and id(call) not in claimed and len(call.args) == 1:
            claimed.add(id(call))
            detector.add(BACKWARD, call.func, call, "torch.Tensor.register_hook", "kept: MindSpore's "
                         "Tensor.register_hook runs in PyNative mode", Kind.TENSOR_METHOD, claim=[call.func],
                         attr_only=True)
            facts.gradients[id(call)] = (plan, "hook")


_AUG_OPS = {ast.Sub: "-", ast.Add: "+", ast.Mult: "*", ast.Div: "/"}


def _parameter_updates(detector, plan: GradPlan, loop: ast.AST, p: str) -> None:
    """`p -= lr * p.grad` / `p.data -= ...` in a loop over the parameters: MindSpore's `-=` makes a
    new tensor and rebinds the loop variable, so the update is written `p.assign_value(p - ...)`."""
    from ..findings import Kind

    if not isinstance(loop, ast.For):
        return
    for n in ast.walk(loop):
        if not (isinstance(n, ast.AugAssign) and type(n.op) in _AUG_OPS):
            continue
        t = n.target
        if isinstance(t, ast.Attribute) and t.attr == "data":
            t = t.value
        if isinstance(t, ast.Name) and t.id == p:
            detector.add(BACKWARD, n.target, n, "torch.Tensor.__isub__", f"in-place update of the parameter: "
                         f"`{p}.assign_value(...)`", Kind.TENSOR_METHOD, claim=[n.target])
            detector.facts.gradients[id(n)] = (plan, "update")
