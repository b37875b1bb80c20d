"""MS200: a PyTorch training step → forward_fn + mindspore.value_and_grad + train_step.

    optimizer.zero_grad()                      def forward_fn(x, y):
    out = model(x)                                 out = model(x)
    loss = criterion(out, y)          →            loss = criterion(out, y)
    loss.backward()                                return loss, out
    clip_grad_norm_(params, 1.0)               grad_fn = mindspore.value_and_grad(
    optimizer.step()                               forward_fn, None, optimizer.parameters, has_aux=True)
                                               def train_step(x, y):
                                                   (loss, out), grads = grad_fn(x, y)
                                                   grads = ops.clip_by_global_norm(grads, 1.0)
                                                   optimizer(grads)
                                                   return loss, out
                                               ... loss, out = train_step(x, y)

The helper functions go right before the loop (they close over the model, loss and optimizer
as the loop did); whatever the forward part assigns and the rest of the function reads comes
back from train_step, so what the loop logs is unchanged.
"""

from __future__ import annotations

import ast

from ..analysis.gradients import CLIP_NORM_APIS
from ..analysis.patterns import TrainingStep, assigned_names, read_names, training_step
from ..findings import Finding
from .calls import CannotRewrite
from .fixes import FindingRewrite
from .patterns import is_noop_assign, leading_comments, reindent, unique_name
from .source import Edit


def _enclosing_scope(facts, node: ast.AST) -> ast.AST:
    parent = facts.parents.get(id(node))
    while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
        parent = facts.parents.get(id(parent))
    return parent


def rewrite_training(rewriter, finding: Finding, facts) -> FindingRewrite:
    node = finding.node
    if isinstance(node, ast.Call) and id(node) in facts.held_calls:  # step()/zero_grad() of held gradients
        return _held_call(rewriter, finding, node)
    if isinstance(node, ast.Call):  # model.train() / model.eval()
        return _set_train(rewriter, finding, node)
    def is_backward(s: ast.AST) -> bool:
        return isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) \
            and isinstance(s.value.func, ast.Attribute) and s.value.func.attr == "backward"

    if id(node) in facts.closure_backwards:  # LBFGS's closure: the optimizer takes the gradients itself
        return _drop_statement(rewriter, finding, node)
    # a loop or function holding the step, or (module level) a node spanning it
    # a loop may hold several steps (a GAN's two optimizers): the one whose backward() the finding names
    backwards = [s for s in getattr(node, "body", ()) if is_backward(s)]
    backward_stmt = facts.script_steps.get(id(node)) or next(
        (s for s in backwards if s.value.func.end_lineno == finding.end_line), backwards[0] if backwards else None)
    if backward_stmt is None:
        raise CannotRewrite(finding.explanation)
    step = training_step(facts, backward_stmt)
    if not isinstance(step, TrainingStep):
        raise CannotRewrite(step)
    return _rewrite_step(rewriter, finding, facts, step)


def _drop_statement(rewriter, finding: Finding, stmt: ast.stmt) -> FindingRewrite:
    src = rewriter.src
    s0, e0 = src.span(stmt)
    start = src.line_start(s0)
    nl = src.text.find("\n", e0)
    end = len(src.text) if nl == -1 else nl + 1
    return FindingRewrite(finding, [Edit(start, end, "")], True,
                          ["the optimizer's step() takes the gradients of what the closure returns"], (start, end))


def _held_call(rewriter, finding: Finding, call: ast.Call) -> FindingRewrite:
    """`opt.step()` → apply the gradients held for opt; `opt.zero_grad(...)` → drop them."""
    held = rewriter.namer.render("msdev.HeldGradients")
    method = "apply" if call.func.attr == "step" else "clear"
    span = rewriter.src.span(call)
    return FindingRewrite(finding, [Edit(*span, f"{held}.{method}({rewriter.rendered(call.func.value)})")], True,
                          [], span)


def _set_train(rewriter, finding: Finding, call: ast.Call) -> FindingRewrite:
    src = rewriter.src
    attr = call.func.attr
    if attr == "eval":
        mode = "False"
    else:
        mode = rewriter.rendered(call.args[0]) if call.args else "True"
    receiver = rewriter.rendered(call.func.value)
    span = src.span(call)
    return FindingRewrite(finding, [Edit(*span, f"{receiver}.set_train({mode})")], True, [], span)


def _stmt_text(rewriter, stmt: ast.stmt, old_indent: str, new_indent: str) -> str:
    return new_indent + reindent(rewriter.rendered(stmt), old_indent, new_indent)


def _rewrite_step(rewriter, finding: Finding, facts, step: TrainingStep) -> FindingRewrite:
    src = rewriter.src
    owner = step.owner
    block = step.block
    body_indent = src.indent_at(src.line_start(src.start(block[0])))
    if step.sliced:  # module level: the helpers go right before backward()
        outer_indent = body_indent
        insert_at = src.line_start(src.start(step.backward))
        bound = []
    elif isinstance(owner, (ast.For, ast.AsyncFor, ast.While)):
        outer_indent = src.indent_at(src.line_start(src.start(owner)))
        insert_at = src.line_start(src.start(owner))
        bound = assigned_names(owner.target) if isinstance(owner, (ast.For, ast.AsyncFor)) else []
    else:
        outer_indent = body_indent
        first = block[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            first = block[1]  # keep the docstring first
        insert_at = src.line_start(src.start(first))
        a = owner.args
        bound = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
    unit = body_indent[len(outer_indent):] or "    "
    inner = outer_indent + unit
    for s in step.pre:
        bound += [n for n in assigned_names(s) if n not in bound]
    called = {n.func.id for st in step.forward for n in ast.walk(st)
              if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    params = [n for n in read_names(step.forward) if n in bound and n not in called]

    scope = owner if isinstance(owner, ast.Module) else _enclosing_scope(facts, owner)
    forward_ids = {id(n) for s in step.forward for n in ast.walk(s)}
    read_elsewhere = {n.id for n in ast.walk(scope) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                      and id(n) not in forward_ids}
    aux = [n for s in step.forward for n in assigned_names(s) if n != step.loss and n in read_elsewhere]
    aux = list(dict.fromkeys(aux))

    forward_fn = unique_name(rewriter, "forward_fn", scope)
    grad_fn = unique_name(rewriter, "grad_fn", scope)
    train_step = unique_name(rewriter, "train_step", scope)
    value_and_grad = rewriter.namer.render("mindspore.value_and_grad")
    outputs = ", ".join([step.loss] + aux)
    args = ", ".join(params)

    lines = [f"{outer_indent}def {forward_fn}({args}):"]
    prev_end = src.line_start(src.start(step.forward[0]))
    if step.zero_grad is not None and src.end(step.zero_grad) < prev_end:
        prev_end = src.end(step.zero_grad)  # comments between zero_grad() and the forward part
    for s in step.forward:
        if step.sliced:
            prev_end = src.line_start(src.start(s))  # comments stay where they are
        for c in leading_comments(src, s, prev_end):
            lines.append(inner + c)
        unwrapped = _unwrapped_with(rewriter, s, body_indent)
        if unwrapped is not None:  # `with autocast(): loss = ...` whose `with` line a rule removed (MS224, MS205)
            prev_end = src.end(s)
            lines.append(inner + reindent(unwrapped, body_indent, inner))
        elif s is not step.forward[-1] or not _computed_by_backward(s, step):
            text = rewriter.rendered(s)
            prev_end = src.end(s)
            if is_noop_assign(text):
                continue
            lines.append(_stmt_text(rewriter, s, body_indent, inner))
        else:  # `criterion(out, y).backward()`: the receiver computes the loss
            lines.append(f"{inner}{step.loss} = {rewriter.rendered(s.value)}")
    lines.append(f"{inner}return {outputs}")
    lines.append("")
    has_aux = ", has_aux=True" if aux else ""
    lines.append(f"{outer_indent}{grad_fn} = {value_and_grad}({forward_fn}, None, {step.optimizer}.parameters{has_aux})")
    lines.append("")
    lines.append(f"{outer_indent}def {train_step}({args}):")
    received = f"({outputs}), grads" if aux else f"{step.loss}, grads"
    lines.append(f"{inner}{received} = {grad_fn}({args})")
    if step.step is not None and step.zero_grad is None and isinstance(owner, (ast.For, ast.AsyncFor, ast.While)) \
            and not _resets_gradients(owner):
        # nothing in the loop clears .grad: PyTorch adds each backward() to what the last one left (a
        # zero_grad() after the loop, or in an enclosing one, runs where the running sum starts afresh)
        total = unique_name(rewriter, "grads_total", scope)
        lines.insert(0, f"{outer_indent}{total} = [None]  # PyTorch adds up gradients until zero_grad()")
        lines.append(f"{inner}if {total}[0] is not None:")
        lines.append(f"{inner}{unit}grads = tuple(a + g for a, g in zip({total}[0], grads))")
        lines.append(f"{inner}{total}[0] = grads")
    notes: list[str] = []
    safe = True
    for c in step.clips:
        call = c.value
        api = facts.apis.get(id(call.func))
        kw = {k.arg: k.value for k in call.keywords}
        if api in CLIP_NORM_APIS:
            limit = call.args[1] if len(call.args) > 1 else kw.get("max_norm")
            norm_type = call.args[2] if len(call.args) > 2 else kw.get("norm_type")
            if limit is None:
                raise CannotRewrite("clip_grad_norm_ without max_norm")
            if norm_type is not None and not (isinstance(norm_type, ast.Constant) and norm_type.value in (2, 2.0)):
                raise CannotRewrite("clip_grad_norm_ with a norm other than 2: clip the grads by hand")
            clip = rewriter.namer.render("mindspore.ops.clip_by_global_norm")
            if isinstance(c, ast.Assign):  # the total norm PyTorch returns: of all gradients, before clipping
                sqrt = rewriter.namer.render("mindspore.ops.sqrt")
                lines.append(f"{inner}{c.targets[0].id} = {sqrt}(sum((g * g).sum() for g in grads))")
            lines.append(f"{inner}grads = {clip}(grads, {rewriter.rendered(limit)})")
        else:
            limit = call.args[1] if len(call.args) > 1 else kw.get("clip_value")
            if limit is None:
                raise CannotRewrite("clip_grad_value_ without clip_value")
            clamp = rewriter.namer.render("mindspore.ops.clamp")
            v = rewriter.rendered(limit)
            lines.append(f"{inner}grads = tuple({clamp}(g, -{v}, {v}) for g in grads)")
        if len(call.args) >= 1 and not _parameters_of_all(call.args[0]):
            safe = False
            notes.append("gradient clipping now applies to every parameter the optimizer updates")
    if step.step is None:  # the optimizer steps elsewhere: hold the gradients for it
        held = rewriter.namer.render("msdev.HeldGradients")
        lines.append(f"{inner}{held}.add({step.optimizer}, grads)")
    else:
        lines.append(f"{inner}{step.optimizer}(grads)")
    norms = [c.targets[0].id for c in step.clips if isinstance(c, ast.Assign)]
    stepped = ", ".join([outputs] + norms)  # what train_step gives back: the forward's values, the norms
    lines.append(f"{inner}return {stepped}")
    lines.append("")
    defs = "\n".join(lines) + "\n"
    before = src.text[src.line_start(max(insert_at - 1, 0)):insert_at].strip()
    if before and not before.endswith(":"):
        defs = "\n" + defs  # a blank line between the code before and the new function

    # the step statements in the loop become one call
    region = [s for s in block if s is step.zero_grad or s in step.forward or s is step.backward
              or s in step.clips or s is step.step]
    if step.sliced:  # the forward statements move into forward_fn; what sits between them stays
        region = [s for s in region if s is step.backward or s in step.clips or s is step.step]
    start = src.line_start(src.start(region[0]))
    end = src.end(step.step if step.step is not None else step.backward)
    call_line = f"{body_indent}{stepped} = {train_step}({args})"
    for s in step.after:  # what the loop logged between backward() and step(), once the step ran
        call_line += "\n" + _stmt_text(rewriter, s, body_indent, body_indent)
    if step.sliced:
        edits = [Edit(start, end, defs + call_line)]
        for s in step.forward + ([step.zero_grad] if step.zero_grad is not None
                                 and src.end(step.zero_grad) < start else []):
            s0, e0 = src.span(s)
            nl = src.text.find("\n", e0)
            edits.append(Edit(src.line_start(s0), len(src.text) if nl == -1 else nl + 1, ""))
    else:
        edits = [Edit(insert_at, insert_at, defs), Edit(start, end, call_line)]
    if step.zero_grad is not None and src.start(step.zero_grad) > end:
        s0, e0 = src.span(step.zero_grad)
        ls = src.line_start(s0)
        nl = src.text.find("\n", e0)
        edits.append(Edit(ls, len(src.text) if nl == -1 else nl + 1, ""))
    notes.insert(0, f"training step: {forward_fn} + mindspore.value_and_grad + {train_step}; "
                    f"{step.optimizer} must be a MindSpore optimizer (mindspore.experimental.optim or nn)")
    return FindingRewrite(finding, edits, safe, notes, (start, end))


def _unwrapped_with(rewriter, stmt: ast.stmt, indent: str) -> str | None:
    """A `with` statement whose line a rule already removed (its edit starts at the line's start, where
    rendered() does not look): its body as that edit wrote it, without the leading indent."""
    if not isinstance(stmt, (ast.With, ast.AsyncWith)):
        return None
    src = rewriter.src
    start, end = src.line_start(src.start(stmt)), src.end(stmt)
    if not any(e.start == start for e in rewriter.done.within(start, end)):
        return None
    text = rewriter.rendered_span(start, end)
    return text[len(indent):] if text.startswith(indent) else text.lstrip(" \t")


def _computed_by_backward(stmt: ast.stmt, step: TrainingStep) -> bool:
    """Whether STMT is the `loss = <expr>` that analysis made for `<expr>.backward()` (its value is
    backward's receiver, so it is rendered from that node, not from its own place in the text)."""
    call = step.backward.value
    return isinstance(stmt, ast.Assign) and stmt.value is call.func.value


def _resets_gradients(tree: ast.AST) -> bool:
    """Whether anything in TREE clears gradients: `zero_grad()`, `x.grad = None`, `x.grad.zero_()`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("zero_grad", "zero_"):
            return True
        if isinstance(node, ast.Attribute) and node.attr == "grad" and isinstance(node.ctx, ast.Store):
            return True
    return False


def _parameters_of_all(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("parameters", "trainable_params") and not node.args)
