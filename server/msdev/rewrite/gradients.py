"""Fixes of MS230–MS232 (planned in analysis/gradients.py): imperative gradients → mindspore.grad.

    x = torch.tensor([1., 2.], requires_grad=True)      x = mindspore.tensor([1., 2.])
    y = (x ** 2).sum()                           →      def y_fn(x):
    y.backward()                                            y = (x ** 2).sum()
    print(x.grad)                                           return y, (y,)
                                                        x_grad, (y,) = mindspore.grad(y_fn, 0, has_aux=True)(x)
                                                        print(x_grad)

The statements the loss depends on move into a local function placed where they were; what the
rest of the scope reads of them comes back as aux outputs, so later code sees the same values.
`x.grad` reads become the gradient variables; resets (`zero_()`, `= None`) act on them; a second
backward without a reset adds to them, as PyTorch accumulates.
"""

from __future__ import annotations

import ast

from ..analysis.gradients import (AUTOGRAD_GRAD, CLIP_APIS, GradPlan, GradSite, indexed_parameter, is_no_grad_with,
                                  loop_parts, stored_names)
from ..findings import Finding
from .calls import CannotRewrite
from .fixes import FindingRewrite
from .patterns import leading_comments, reindent, unique_name
from .source import Edit


def rewrite_gradient(rewriter, finding: Finding, facts) -> FindingRewrite:
    entry = facts.gradients.get(id(finding.node))
    if entry is None:
        raise CannotRewrite(finding.explanation)
    plan, what = entry
    if isinstance(what, GradSite):
        return _rewrite_site(rewriter, finding, facts, plan, what)
    if what == "read":
        var = plan.variables[plan.reads[id(finding.node)]]
        indexed = indexed_parameter(finding.node)
        if indexed is not None:  # list(model.parameters())[i].grad: the i-th of the group's gradients
            var = f"{var}[{indexed[1]}]"
        node, text = read_chain(rewriter.parents, finding.node, var)
        span = rewriter.src.span(node)
        return FindingRewrite(finding, [Edit(*span, text)], True, [f"the gradient is read from `{var}`"], span)
    if what == "plain_read":  # no gradient is computed in the file: None, or what the code set
        span = rewriter.src.span(finding.node)
        text = f"getattr({rewriter.rendered(finding.node.value)}, 'grad', None)"
        return FindingRewrite(finding, [Edit(*span, text)], True, [], span)
    if what == "loop_read":
        group, p, named, var = plan.loops[plan.loop_reads[id(finding.node)]]
        node, text = read_chain(rewriter.parents, finding.node, var)
        span = rewriter.src.span(node)
        return FindingRewrite(finding, [Edit(*span, text)], True, [], span)
    if what == "update":  # p -= lr * g on a Parameter: assign in place
        stmt = finding.node
        target = stmt.target.value if isinstance(stmt.target, ast.Attribute) else stmt.target
        op = {ast.Sub: "-", ast.Add: "+", ast.Mult: "*", ast.Div: "/"}[type(stmt.op)]
        span = rewriter.src.span(stmt)
        text = f"{target.id}.assign_value({target.id} {op} ({rewriter.rendered(stmt.value)}))"
        return FindingRewrite(finding, [Edit(*span, text)], True, ["the parameter is updated in place"], span)
    if what == "loop":
        loop = finding.node
        group, p, named, var = plan.loops[id(loop)]
        module = group[:-2]
        src = rewriter.src
        loop_target, loop_iter = loop_parts(loop)
        if named:
            name = loop_target.elts[0].id
            target = f"({name}, {p}), {var}"
            items = f"[(q.name, q) for q in {module}.trainable_params()]"
        else:
            target, items = f"{p}, {var}", f"{module}.trainable_params()"
        edits = [Edit(*src.span(loop_target), target),
                 Edit(*src.span(loop_iter), f"zip({items}, {plan.variables[group]})")]
        return FindingRewrite(finding, edits, True, ["the parameters come with the gradients mindspore.grad returned "
                                                     "(MindSpore's parameter names)"], src.span(loop))
    if what == "reset":
        key, how = plan.resets[id(finding.node)]
        if how == "loop":  # each parameter's gradient is recomputed by the next mindspore.grad
            return _remove_statement(rewriter, finding)
        var = plan.variables[key]
        value = "None" if how == "none" else f"{rewriter.namer.render('mindspore.ops.zeros_like')}({var})"
        span = rewriter.src.span(finding.node)
        return FindingRewrite(finding, [Edit(*span, f"{var} = {value}")], True, [], span)
    if what == "detach":  # inside the differentiated function: the value is a constant there
        call = finding.node
        span = rewriter.src.span(call)
        stop = rewriter.namer.render("mindspore.ops.stop_gradient")
        return FindingRewrite(finding, [Edit(*span, f"{stop}({rewriter.rendered(call.func.value)})")], True, [], span)
    if what == "hook":
        span = rewriter.src.span(finding.node)
        return FindingRewrite(finding, [], True, ["Tensor.register_hook runs in PyNative mode (not under "
                                                  "mindspore.jit)"], span)
    if what == "unobserved":  # a backward() whose gradients nothing reads: it has no effect to keep
        return _remove_statement(rewriter, finding, "backward() removed: nothing reads the gradients it stores")
    if what == "requires_grad":
        stmt = finding.node
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):  # x = t.requires_grad_()
            receiver = stmt.value.func.value
            while isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) \
                    and receiver.func.attr == "detach" and not receiver.args:
                receiver = receiver.func.value  # a fresh leaf needs no detach: it is the function's input
            if isinstance(receiver, ast.Name) and receiver.id == stmt.targets[0].id:
                return _remove_statement(rewriter, finding)  # `a = a.requires_grad_()`: nothing left
            text = rewriter.rendered(receiver)
            if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) \
                    and receiver.func.attr == "clone" and text.endswith(".clone()"):
                text = text[:-len("clone()")] + "copy()"  # MindSpore's copy (no Clone kernel on CPU)
            span = rewriter.src.span(stmt.value)
            return FindingRewrite(finding, [Edit(*span, text)], True,
                                  ["requires_grad_() dropped: the leaf is an input of the differentiated function"],
                                  span)
        return _remove_statement(rewriter, finding)
    raise CannotRewrite(finding.explanation)


def read_chain(parents, node: ast.AST, var: str) -> tuple[ast.AST, str]:
    """`x.grad` and the copies taken of it (`.data`, `.detach()`, `.cpu()`, `.clone()`, `.numpy()`): the
    gradient is a plain MindSpore tensor, so those go (`.clone()` is `.copy()`, `.numpy()` `.asnumpy()`).
    The node replaced and its new text."""
    text = var
    while True:
        parent = parents.get(id(node))
        if isinstance(parent, ast.Attribute) and parent.attr == "data":
            node = parent
            continue
        call = parents.get(id(parent)) if isinstance(parent, ast.Attribute) else None
        if isinstance(call, ast.Call) and call.func is parent and not call.args and not call.keywords \
                and parent.attr in ("detach", "cpu", "clone", "numpy"):
            if parent.attr in ("clone", "numpy"):
                text += ".copy()" if parent.attr == "clone" else ".asnumpy()"
                node = call
                if parent.attr == "numpy":
                    return node, text
            node = call
            continue
        return node, text


def _remove_statement(rewriter, finding: Finding, note: str | None = None) -> FindingRewrite:
    """Delete FINDING's statement (`pass` where the block would be empty or the line is shared); NOTE says why
    (default: a requires_grad flag mindspore.grad does not need)."""
    kept = note or "the leaf needs no flag in MindSpore"
    note = note or "requires_grad removed: mindspore.grad differentiates the function's inputs"
    src = rewriter.src
    stmt = finding.node
    parent = rewriter.parents.get(id(stmt))
    block = next((getattr(parent, f) for f in ("body", "orelse", "finalbody")
                  if any(s is stmt for s in getattr(parent, f, None) or ())), [stmt])
    span = src.span(stmt)
    if len(block) == 1 or not isinstance(parent, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)):
        # inside a loop or a with block, the enclosing rewrites read the statement's own text: `pass`
        return FindingRewrite(finding, [Edit(*span, "pass")], True, [kept], span)
    start = src.line_start(span[0])
    if src.text[start:span[0]].strip():  # shares its line with another statement
        return FindingRewrite(finding, [Edit(*span, "pass")], True, [kept], span)
    nl = src.text.find("\n", span[1])
    end = len(src.text) if nl == -1 else nl + 1
    return FindingRewrite(finding, [Edit(start, end, "")], True, [note], (start, end))


def _tuple(items: list[str]) -> str:
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _rewrite_site(rewriter, finding: Finding, facts, plan: GradPlan, site: GradSite) -> FindingRewrite:
    src = rewriter.src
    namer = rewriter.namer
    stmt = site.stmt
    scope = plan.scope
    stmt_start = src.line_start(src.start(stmt))
    indent = src.indent_at(stmt_start)
    first = site.region[0] if site.region else stmt
    unit = "    "
    inner = indent + unit
    base = next((n.id for n in ast.walk(site.loss) if isinstance(n, ast.Name)), "forward")
    fn = unique_name(rewriter, f"{base}_fn", scope)
    stop = namer.render("mindspore.ops.stop_gradient")
    params = site.positions + site.extra
    lines = [f"{indent}def {fn}({', '.join(params)}):"]
    _save_copied_texts(rewriter, plan, site)
    for s in site.recompute:
        old = src.indent_at(src.line_start(src.start(s)))
        text = plan.texts.get(id(s)) or rewriter.rendered(s)
        lines.append(inner + reindent(text, old, inner))
    prev_end = src.line_start(src.start(first))
    for s in site.region:
        if plan.resets.get(id(s), ("", ""))[1] == "loop":
            continue  # model.zero_grad(): the gradients are computed afresh
        for c in leading_comments(src, s, prev_end):
            lines.append(inner + c)
        prev_end = src.end(s)
        if is_no_grad_with(s, facts.apis):
            # the block's body stays, and what it computes is a constant for the gradient
            body_indent = src.indent_at(src.line_start(src.start(s.body[0])))
            for b in s.body:
                lines.append(inner + reindent(rewriter.rendered(b), body_indent, inner))
            for name in sorted(set().union(*(stored_names(b) for b in s.body))):
                lines.append(f"{inner}{name} = {stop}({name})")
            continue
        lines.append(inner + reindent(rewriter.rendered(s), indent, inner))
    loss_text = rewriter.rendered(site.loss)
    if isinstance(site.loss, (ast.List, ast.Tuple)):  # torch.autograd.backward of several tensors
        seeds = site.seed.elts if site.seed is not None else [None] * len(site.loss.elts)
        loss_text = " + ".join(f"({rewriter.rendered(t)} * {stop}({rewriter.rendered(g)})).sum()" if g is not None
                               else f"{rewriter.rendered(t)}.sum()" for t, g in zip(site.loss.elts, seeds))
    elif site.seed is not None:
        loss_text = f"({loss_text} * {stop}({rewriter.rendered(site.seed)})).sum()"
    elif site.kind == AUTOGRAD_GRAD and not isinstance(site.loss, ast.Name):
        loss_text = f"({loss_text})"
    aux = site.aux
    lines.append(f"{inner}return {loss_text}" + (f", {_tuple(aux)}" if aux else ""))

    grad_api = namer.render("mindspore.grad")
    n = len(site.positions)
    position = "None" if n == 0 else ("0" if n == 1 else _tuple([str(i) for i in range(n)]))
    group = site.weights[0][:-2] if site.weights and site.weights[0].endswith(".*") else None
    if group is not None:
        options = f", weights={group}.trainable_params()"
    else:
        options = f", weights=[{', '.join(site.weights)}]" if site.weights else ""
    options += ", has_aux=True" if aux else ""
    call = f"{grad_api}({fn}, {position}{options})({', '.join(params)})"
    after: list[str] = []
    edits: list[Edit] = []
    notes: list[str] = []
    if site.kind == AUTOGRAD_GRAD:
        grads = unique_name(rewriter, f"{base}_grads", scope)
        target = grads
        value = _tuple([grads]) if n == 1 and not site.weights else grads
        s, e = src.span(site.call)
        edits.append(Edit(s, e, value))
        end = stmt_start
        if any(isinstance(o, GradSite) and o is not site and any(r is stmt for r in o.recompute)
               for o in plan.sites.values()):
            # a later gradient of this one (create_graph=True): its function takes this gradient again
            expr = call if not aux else f"{call}[0]"
            again = _tuple([expr]) if n == 1 and not site.weights else expr
            s0, e0 = src.span(stmt)
            plan.texts[id(stmt)] = src.text[s0:s] + again + src.text[e:e0]
        notes.append(f"torch.autograd.grad → mindspore.grad({fn}, ...); retain_graph/create_graph need no "
                     "counterpart (the function is differentiated again when needed)")
    else:
        names = {}
        for key in site.leaves:
            var = plan.variables[key]
            mode = site.modes.get(key, "assign")
            if mode == "assign":
                names[key] = var
                continue
            tmp = unique_name(rewriter, f"{var}_new", scope)
            names[key] = tmp
            if mode == "add":
                after.append(f"{indent}{var} = {var} + {tmp}")
            else:
                after.append(f"{indent}{var} = {tmp} if {var} is None else {var} + {tmp}")
        pos = [names[k] for k in site.positions]
        wts = [names[k] for k in site.weights]
        pos_text = pos[0] if n == 1 else _tuple(pos) if pos else ""
        wts_text = wts[0] if group is not None else _tuple(wts)  # all parameters: one tuple
        if wts and pos:
            target = _tuple([pos_text, wts_text])
        elif wts:
            target = wts_text
        else:
            target = pos_text
        end = src.end(stmt)
        if group is not None and _clips_gradients(plan.scope, facts):
            # clip_grad_norm_/clip_grad_value_ act on `.grad`: the parameters carry these gradients (the same
            # tensors, which the clipping scales in place)
            p_, g_ = unique_name(rewriter, "param", scope), unique_name(rewriter, "param_grad", scope)
            after.append(f"{indent}for {p_}, {g_} in zip({group}.trainable_params(), {names[site.weights[0]]}):")
            after.append(f"{indent}{unit}{p_}.grad = {g_}")
        elif _clips_gradients(plan.scope, facts, nested=False):
            # `clip_grad_norm_([w], 1.0)`, `clip_grad_value_(m.parameters(), ...)` with the gradients read one by
            # one: each leaf carries its gradient as `.grad` (the same tensor, which the clipping scales in place)
            for key in site.leaves:
                if all(part.isidentifier() for part in key.split(".")):
                    after.append(f"{indent}{key}.grad = {plan.variables[key]}")
        notes.append(f"backward() → mindspore.grad({fn}, ...): " +
                     ", ".join(f"{k}.grad is {plan.variables[k]}" for k in site.leaves))
    if aux:  # mindspore.grad returns the outputs after the first as one tuple
        target = f"{target}, ({_tuple(aux)},)"
    lines.append(f"{indent}{target} = {call}")
    text = "\n".join(lines + after)
    start = src.line_start(src.start(first))
    if site.kind == AUTOGRAD_GRAD:
        text += "\n"  # the statement holding the call follows
    edits.append(Edit(start, end, text))
    for var, loop in site.inits:
        at = src.line_start(src.start(loop))
        edits.append(Edit(at, at, f"{src.indent_at(at)}{var} = None\n"))
    if site.extra:
        notes.append("passed along without being differentiated: " + ", ".join(site.extra))
    if site.recompute:
        notes.append("computed again inside the function so that the gradient flows through: lines "
                     + ", ".join(str(s.lineno) for s in site.recompute))
    return FindingRewrite(finding, edits, True, notes, (start, end))


def _clips_gradients(scope: ast.AST, facts, nested: bool = True) -> bool:
    """Whether the scope calls torch.nn.utils.clip_grad_norm_ / clip_grad_norm / clip_grad_value_ (with
    nested=False, in its own body: not in the functions and classes it defines)."""
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        n = todo.pop()
        if isinstance(n, ast.Call) and facts.apis.get(id(n.func)) in CLIP_APIS:
            return True
        if nested or not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(n))
    return False


def _save_copied_texts(rewriter, plan: GradPlan, site: GradSite) -> None:
    """Statements another site copies that this site's rewrite moves: their converted text is kept,
    since the inner edits go with the moved text (retain_graph: a second backward over the same
    computation)."""
    src = rewriter.src
    lo = src.start(site.region[0]) if site.region else src.start(site.stmt)
    hi = src.end(site.stmt)
    for other in plan.sites.values():
        if isinstance(other, GradSite) and other is not site:
            for s in other.recompute:
                if id(s) not in plan.texts and lo <= src.start(s) and src.end(s) <= hi:
                    plan.texts[id(s)] = rewriter.rendered(s)
