"""Fixes of the device, runtime, semantics and hazard rules (MS204–MS209, MS220–MS226)."""

from __future__ import annotations

import ast

from ..analysis.patterns import (DEVICE_STRINGS, INPLACE_BINARY, INPLACE_UNARY, JIT_DROPPABLE, SETTING_CONTEXTS,
                                 grad_switch_is_plain, inplace_chain)
from ..analysis.aten_views import INPLACE as ATEN_INPLACE, index_text, view_write
from ..findings import Finding
from .calls import CannotRewrite
from .fixes import FindingRewrite
from .imports import statement_removal
from .patterns import is_noop_assign, reindent, unique_name
from .source import Edit

#: receivers that read the same without parentheses wherever the call stood
_GROUPED = (ast.Name, ast.Attribute, ast.Constant, ast.Call, ast.Subscript, ast.List, ast.Tuple, ast.Dict, ast.Set,
            ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.JoinedStr)

DEVICE_NOTE = ("MindSpore chooses the device once per process: mindspore.set_context(device_target='CPU'|'GPU'|"
               "'Ascend'); tensors and Cells need no .to(device)")


def _api(facts, node) -> str:
    return facts.apis.get(id(node), "")


# ---------------------------------------------------------------------------- MS204 device
def _device_string(rewriter, facts, node: ast.AST) -> str:
    """A device expression as a MindSpore device_target expression."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        kind = node.value.split(":")[0].lower()
        if kind not in DEVICE_STRINGS:
            raise CannotRewrite(f"device {node.value!r} has no MindSpore device_target")
        return repr(DEVICE_STRINGS[kind])
    if isinstance(node, ast.IfExp):
        return (f"{_device_string(rewriter, facts, node.body)} if {rewriter.rendered(node.test)} "
                f"else {_device_string(rewriter, facts, node.orelse)}")
    if isinstance(node, ast.Call) and _api(facts, node.func) == "torch.device" and _device_type(node):
        return _device_string(rewriter, facts, _device_type(node))
    raise CannotRewrite("device given by an expression msdev cannot read: choose device_target by hand")


def _passed_through_device(rewriter, call: ast.Call, kind: ast.expr) -> str | None:
    """`torch.device(device)` inside a function, on a variable the caller passed (a library's
    `create_model(..., device='cpu')`): the value itself, as the annotations `Union[str, torch.device]`
    become `str`. None at module level, where a script chooses its device (that stays manual), or
    for `torch.device(type, index)`."""
    if len(call.args) + len(call.keywords) != 1 or not isinstance(kind, (ast.Name, ast.Attribute)):
        return None
    node = rewriter.parents.get(id(call))
    while node is not None and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        node = rewriter.parents.get(id(node))
    return None if node is None else rewriter.rendered(kind)


def _device_type(call: ast.Call) -> ast.expr | None:
    """The device type argument of torch.device(...), positional or `type=` (as dynamo prints it)."""
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg == "type"), None)


def rewrite_device(rewriter, finding: Finding, facts) -> FindingRewrite:
    call = finding.node
    src = rewriter.src
    span = src.span(call)
    api = finding.torch_api
    notes = [DEVICE_NOTE]
    if api == "torch.cuda.is_available":
        text = f'{rewriter.namer.render("mindspore.get_context")}("device_target") == "GPU"'
        parent = rewriter.parents.get(id(call))
        if not isinstance(parent, (ast.If, ast.IfExp, ast.Assign, ast.Return, ast.While)) or (
                isinstance(parent, ast.IfExp) and parent.test is not call):
            text = f"({text})"
        return FindingRewrite(finding, [Edit(*span, text)], True, notes, span)
    if api == "torch.device":
        kind = _device_type(call)
        if kind is None:
            raise CannotRewrite("torch.device() without arguments")
        try:
            target = _device_string(rewriter, facts, kind)
        except CannotRewrite:
            passed = _passed_through_device(rewriter, call, kind)
            if passed is None:
                raise
            notes.append("a device handed in by the caller stays the value it was: MindSpore ignores it once the "
                         ".to(device) calls are gone")
            return FindingRewrite(finding, [Edit(*span, passed)], True, notes, span)
        parent = rewriter.parents.get(id(call))
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
            # the script chooses its device here: say so to MindSpore, keep the name bound
            name = parent.targets[0].id
            indent = src.indent_at(src.line_start(src.start(parent)))
            set_context = rewriter.namer.render("mindspore.set_context")
            text = f"{target}\n{indent}{set_context}(device_target={name})"
            return FindingRewrite(finding, [Edit(*span, text)], True, notes, span)
        return FindingRewrite(finding, [Edit(*span, target)], True, notes, span)
    # x.to(device) / x.cuda() / x.cpu(): the receiver stays; one written in parentheses keeps them
    # (`(a if c else b).cpu().numpy()`, `(src := r.boxes).cpu()`: without them `.numpy()` binds to `b`)
    receiver = rewriter.rendered(call.func.value)
    if not isinstance(call.func.value, _GROUPED):
        receiver = f"({receiver})"
    stmt = rewriter.statement_of(call)
    if isinstance(stmt, ast.Expr) and stmt.value is call:
        return FindingRewrite(finding, [statement_removal(src, stmt, rewriter.parents)], True, notes, span)
    edits = [Edit(*span, receiver)]
    if isinstance(stmt, ast.Assign):
        s, e = src.span(stmt)
        after = _with_edits(rewriter, s, e, edits)
        if is_noop_assign(after) and _device_calls_only(facts, stmt):
            edits = [statement_removal(src, stmt, rewriter.parents)]
    return FindingRewrite(finding, edits, True, notes, span)


def _with_edits(rewriter, start: int, end: int, extra: list[Edit]) -> str:
    from .source import text_with_edits
    return text_with_edits(rewriter.src.text, start, end, rewriter.done.within(start, end) + list(extra))


def _device_calls_only(facts, stmt: ast.Assign) -> bool:
    """Every call in the statement is a device move (so removing the statement loses nothing)."""
    for node in ast.walk(stmt.value):
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Attribute) and node.func.attr in ("to", "cuda", "cpu")):
                return False
    return True


# ---------------------------------------------------------------------------- MS205 no_grad, MS224 autocast
def _unwrap_with(rewriter, finding: Finding, what: str, facts) -> FindingRewrite:
    node = finding.node
    src = rewriter.src
    if isinstance(node, (ast.With, ast.AsyncWith)):
        if len(node.items) != 1 or node.items[0].optional_vars is not None:
            raise CannotRewrite(f"`with` holding more than {what}: remove it by hand")
        expr = node.items[0].context_expr
        if _api(facts, expr.func if isinstance(expr, ast.Call) else expr) == \
                "torch.set_grad_enabled" and not grad_switch_is_plain(expr):
            raise CannotRewrite("set_grad_enabled(<call>): gradients are taken only in value_and_grad")
        outer = src.indent_at(src.line_start(src.start(node)))
        first, last = node.body[0], node.body[-1]
        inner = src.indent_at(src.line_start(src.start(first)))
        body_start = src.line_start(src.start(first))
        from .source import text_with_edits
        body = text_with_edits(src.text, body_start, src.end(last), rewriter.done.within(body_start, src.end(last)))
        body = reindent(body, inner, outer)
        if body.startswith(inner):
            body = outer + body[len(inner):]
        start = src.line_start(src.start(node))
        span = (start, src.end(node))
        return FindingRewrite(finding, [Edit(*span, body)], True, [], span)
    # a decorator: drop its line
    s, e = src.span(node)
    ls = src.line_start(s)
    nl = src.text.find("\n", e)
    rest = src.text[e:nl if nl != -1 else len(src.text)].strip()
    if src.text[ls:s].strip() != "@" or (rest and not rest.startswith("#")):  # its comment goes with it
        raise CannotRewrite("decorator shares its line with other code")
    return FindingRewrite(finding, [Edit(ls, len(src.text) if nl == -1 else nl + 1, "")], True, [], (s, e))


def _grad_mode_value(rewriter, expr: ast.AST, name: str) -> str | None:
    """The grad mode a grad-mode context sets (Python text), None for other contexts."""
    call = expr if isinstance(expr, ast.Call) else None
    arg = None
    if call is not None and (call.args or call.keywords):
        arg = call.args[0] if call.args else call.keywords[0].value
    if name == "no_grad":
        return "False"
    if name == "enable_grad":
        return "True"
    if name == "inference_mode":
        return "False" if arg is None else f"not ({rewriter.rendered(arg)})"
    if name == "set_grad_enabled" and arg is not None:
        return rewriter.rendered(arg)
    return None


def _keep_grad_mode(rewriter, finding: Finding, facts) -> FindingRewrite | None:
    """`with torch.no_grad():` in a file that reads torch.is_grad_enabled(): the `with` stays, entering the
    file's GradMode flag (False for no_grad and inference_mode, True for enable_grad, the mode given to
    set_grad_enabled), so that the reads inside say what PyTorch says. None where that does not apply."""
    node = finding.node
    if not (isinstance(node, ast.With) and len(node.items) == 1 and node.items[0].optional_vars is None
            and "torch.is_grad_enabled" in facts.apis.values()):
        return None
    expr = node.items[0].context_expr
    value = _grad_mode_value(rewriter, expr, finding.torch_api.rsplit(".", 1)[-1])
    if value is None:
        return None
    span = rewriter.src.span(expr)
    text = f"{rewriter.namer.render('msdev.GradMode')}({value})"
    return FindingRewrite(finding, [Edit(*span, text)], True, ["the grad-mode flag torch.is_grad_enabled() reads is "
                                                              "set for the block (it records nothing)"], span)


def rewrite_no_grad(rewriter, finding: Finding, facts) -> FindingRewrite:
    name = finding.torch_api.rsplit('.', 1)[-1]
    if finding.torch_api not in SETTING_CONTEXTS:
        kept = _keep_grad_mode(rewriter, finding, facts)
        if kept is not None:
            return kept
    rw = _unwrap_with(rewriter, finding, f"{name}()", facts)
    if finding.torch_api in SETTING_CONTEXTS:
        rw.notes.append(f"{name} removed: MindSpore has no such setting (the block computes the same values)")
    else:
        rw.notes.append(f"{name} removed: MindSpore records gradients only inside value_and_grad")
    return rw


#: the calls dynamo prints for the entry and exit of an autocast region (the `with` is gone in a graph)
AUTOCAST_MARKS = ("torch.amp.autocast_mode._enter_autocast", "torch.amp.autocast_mode._exit_autocast")


def _autocast_mark(rewriter, finding: Finding) -> FindingRewrite:
    """`_enter_autocast('cpu', None, False, None)` / `_exit_autocast(ctx)` in a dynamo graph → `None`:
    the region runs in float32, as an autocast block does after conversion (exact when disabled)."""
    call = finding.node
    enabled = call.args[2] if len(call.args) > 2 else next(
        (k.value for k in call.keywords if k.arg == "enabled"), None)
    disabled = isinstance(enabled, ast.Constant) and enabled.value is False
    span = rewriter.src.span(call)
    stmt = rewriter.parents.get(id(call))
    if isinstance(stmt, ast.Expr) and stmt.value is call:
        edit = statement_removal(rewriter.src, stmt, rewriter.parents)
    else:
        edit = Edit(*span, "None")
    notes = [] if disabled or finding.torch_api.endswith("_exit_autocast") else [
        "autocast region removed: it runs in float32; use mindspore.amp.auto_mixed_precision for mixed precision"]
    return FindingRewrite(finding, [edit], not notes, notes, span)


def rewrite_amp(rewriter, finding: Finding, facts) -> FindingRewrite:
    if finding.torch_api in AUTOCAST_MARKS and isinstance(finding.node, ast.Call):
        return _autocast_mark(rewriter, finding)
    if not isinstance(finding.node, (ast.With, ast.AsyncWith, ast.FunctionDef)) and not (
            rewriter.parents.get(id(finding.node)) is not None
            and finding.node in getattr(rewriter.parents.get(id(finding.node)), "decorator_list", [])):
        raise CannotRewrite("mixed precision: use mindspore.amp.auto_mixed_precision and "
                            "mindspore.amp.DynamicLossScaler by hand")
    rw = _unwrap_with(rewriter, finding, "autocast()", facts)
    rw.safe = False
    rw.notes.append("autocast removed: the block runs in float32; use mindspore.amp.auto_mixed_precision "
                    "for mixed precision")
    return rw


def rewrite_jit(rewriter, finding: Finding, facts) -> FindingRewrite:
    parent = rewriter.parents.get(id(finding.node))
    if finding.torch_api in JIT_DROPPABLE and finding.node in getattr(parent, "decorator_list", []):
        rw = _unwrap_with(rewriter, finding, "", facts)
        rw.notes.append(f"@{finding.torch_api} dropped: the function runs eagerly (mindspore.jit compiles)")
        return rw
    raise CannotRewrite("TorchScript has no counterpart: use mindspore.jit to compile, mindspore.export to save")


# ---------------------------------------------------------------------------- MS206 checkpoints
def rewrite_checkpoint(rewriter, finding: Finding, facts) -> FindingRewrite:
    call = finding.node
    src = rewriter.src
    span = src.span(call)
    if finding.torch_api == "torch.save":
        if len(call.args) < 2 or call.keywords:
            raise CannotRewrite("torch.save(state_dict, path) with other arguments")
        cell = rewriter.rendered(call.args[0].func.value)
        path = rewriter.rendered(call.args[1])
        text = f"{rewriter.namer.render('mindspore.save_checkpoint')}({cell}, {path})"
        return FindingRewrite(finding, [Edit(*span, text)], True,
                              ["save_checkpoint writes MindSpore's .ckpt format (a missing .ckpt suffix is added)"],
                              span)
    # model.load_state_dict(x[, strict=...])
    cell = rewriter.rendered(call.func.value)
    arg = call.args[0]
    if isinstance(arg, ast.Call) and _api(facts, arg.func) == "torch.load" and arg.args:
        # the file save_checkpoint wrote: it adds .ckpt to a name without it (`m.pth` → `m.pth.ckpt`); a
        # module without parameters saved an empty file, which load_checkpoint refuses: nothing to load
        load = rewriter.namer.render('mindspore.load_checkpoint')
        size = rewriter.namer.render('os.path.getsize')
        state = (f"(lambda p: {load}(p, format='safetensors') if p.endswith('.safetensors') else "
                 f"(lambda c: {load}(c) if {size}(c) else {{}})(p if p.endswith('.ckpt') else p + '.ckpt'))"
                 f"(str({rewriter.rendered(arg.args[0])}))")
    else:
        state = rewriter.rendered(arg)
    extra = ""
    for kw in call.keywords:
        if kw.arg == "strict":
            extra = f", strict_load={rewriter.rendered(kw.value)}"
        else:
            raise CannotRewrite(f"load_state_dict({kw.arg}=...) has no counterpart")
    _check_result_use(rewriter, call)
    text = f"{rewriter.namer.render('mindspore.load_param_into_net')}({cell}, {state}{extra})"
    return FindingRewrite(finding, [Edit(*span, text)], True,
                          ["weights saved by PyTorch must first be converted: msdev weights convert"], span)


def _check_result_use(rewriter, call: ast.Call) -> None:
    """load_state_dict returns an object with .missing_keys/.unexpected_keys; load_param_into_net
    returns the plain tuple (parameters not loaded, checkpoint entries not used): unpacking or
    indexing it works the same, reading those attributes would fail at run time."""
    parent = rewriter.parents.get(id(call))
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        name = parent.targets[0].id
        for node in rewriter.nodes:
            if (isinstance(node, ast.Attribute) and node.attr in ("missing_keys", "unexpected_keys")
                    and isinstance(node.value, ast.Name) and node.value.id == name):
                raise CannotRewrite(
                    f"`{name}.{node.attr}` is read, but mindspore.load_param_into_net returns a tuple "
                    f"(parameters not loaded, checkpoint entries not used): use {name}[0] / {name}[1]")
    elif isinstance(parent, ast.Attribute) and parent.attr in ("missing_keys", "unexpected_keys"):
        raise CannotRewrite(f"`.{parent.attr}` is read, but mindspore.load_param_into_net returns a tuple "
                            "(parameters not loaded, checkpoint entries not used): index it with [0] / [1]")


# ---------------------------------------------------------------------------- MS207, MS208, MS209, MS226
def rewrite_parameters(rewriter, finding: Finding, facts) -> FindingRewrite:
    call = finding.node
    span = rewriter.src.span(call)
    return FindingRewrite(finding, [Edit(*span, f"{rewriter.rendered(call.func.value)}.trainable_params()")],
                          True, [], span)


def rewrite_label_dtype(rewriter, finding: Finding, facts) -> FindingRewrite:
    node = finding.node
    span = rewriter.src.span(node)
    text = rewriter.rendered(node)
    if text.endswith(".astype(mindspore.int32)") or "int32" in text:
        raise CannotRewrite("already int32")
    int32 = rewriter.namer.render("mindspore.int32")
    if isinstance(node, (ast.Name, ast.Attribute)):
        # class probabilities (float targets) stay as they are: only indices are cast
        new = f"({text} if {text}.is_floating_point() else {text}.astype({int32}))"
        return FindingRewrite(finding, [Edit(*span, new)], True,
                              ["class-index targets cast to int32 (MindSpore's CPU kernels take int32)"], span)
    # an expression is evaluated once: class probabilities (a float target, `torch.tensor([[0.2, 0.8]])`)
    # pass through, class indices are cast
    new = f"(lambda t: t if t.is_floating_point() else t.astype({int32}))({text})"
    return FindingRewrite(finding, [Edit(*span, new)], True,
                          ["class-index targets cast to int32 (MindSpore's CPU kernels take int32)"], span)


def rewrite_format(rewriter, finding: Finding, facts) -> FindingRewrite:
    node = finding.node
    span = rewriter.src.span(node)
    return FindingRewrite(finding, [Edit(span[1], span[1], ".item()")], True, [], span)


def rewrite_numpy(rewriter, finding: Finding, facts) -> FindingRewrite:
    call = finding.node
    end = rewriter.src.end(call.func)
    return FindingRewrite(finding, [Edit(end - len("numpy"), end, "asnumpy")], True, [], rewriter.src.span(call))


# ---------------------------------------------------------------------------- MS220 in-place on a slice
def rewrite_inplace(rewriter, finding: Finding, facts) -> FindingRewrite:
    """`x[i].add_(a)` → `x[i] = x[i] + a`; a chain `x[i].sub_(w).neg_()` → `x[i] = -(x[i] - w)`."""
    stmt = finding.node
    if finding.torch_api.startswith("torch.ops.aten."):
        return _aten_view_write(rewriter, finding, facts)
    receiver, calls = inplace_chain(stmt.value)
    if not calls:  # a single in-place method outside the chain set (masked_fill_, scatter_, ...)
        calls, receiver = [stmt.value], stmt.value.func.value
    before, after = "", ""
    reshaped = _reshaped_index(receiver)
    if _narrowed(receiver):
        # `w.narrow(0, 0, n).copy_(src)`: the same elements by index
        base = rewriter.rendered(receiver.func.value)
        dim, start, length = (_operand(rewriter, a) for a in receiver.args)
        target = f"{base}[(slice(None),) * ({dim} % {base}.ndim) + (slice({start}, {start} + {length}),)]"
    elif reshaped is not None:
        # `x.view(2, 6)[1].zero_()`: the reshaped copy is updated by index and written back into the base
        base = rewriter.rendered(reshaped)
        view = unique_name(rewriter, "view")
        before = f"{view} = {rewriter.rendered(receiver.value)}; "
        target = f"{view}[{rewriter.rendered(receiver.slice)}]"
        after = f"; {base}.assign_value({view}.reshape({base}.shape))"
    elif not isinstance(receiver, ast.Subscript) or any(isinstance(n, ast.Call) for n in ast.walk(receiver)):
        raise CannotRewrite("in-place update of a view: write the result back with an indexed assignment")
    else:
        target = rewriter.rendered(receiver)
    value = target
    for call in calls:
        value = _out_of_place(rewriter, call, value, value is target)
    span = rewriter.src.span(stmt)
    return FindingRewrite(finding, [Edit(*span, f"{before}{target} = {value}{after}")], True, [], span)


def _plain(node: ast.AST) -> bool:
    """An expression without calls (re-evaluating it has no effect)."""
    return not any(isinstance(n, ast.Call) for n in ast.walk(node))


def _narrowed(node: ast.AST) -> bool:
    """`base.narrow(dim, start, length)` on a plain name (an attribute chain may hold rewrites of its own, which
    the narrow's rewrite has taken in: `emb.weight.data` is `emb.embedding_table`), with plain arguments."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "narrow"
            and len(node.args) == 3 and not node.keywords and isinstance(node.func.value, ast.Name)
            and all(_plain(n) for n in [node.func.value, *node.args]))


def _reshaped_index(node: ast.AST) -> ast.AST | None:
    """`base` of `base.view(...)[index]` / `base.reshape(...)[index]` (a plain name, plain sizes and index)."""
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call) and _plain(node.slice)):
        return None
    call = node.value
    if not (isinstance(call.func, ast.Attribute) and call.func.attr in ("view", "reshape", "flatten")
            and isinstance(call.func.value, ast.Name) and not call.keywords
            and all(_plain(n) for n in [call.func.value, *call.args])):
        return None
    return call.func.value


def _aten_view_write(rewriter, finding: Finding, facts) -> FindingRewrite:
    """`copy_ = aten.copy_.default(view, src)` on `view = aten.slice.Tensor(base, 1, 2, end, 3)` →
    `base[:, 2:end:3] = src; copy_ = base[:, 2:end:3]` (analysis/aten_views.py)."""
    stmt = finding.node
    write = view_write(facts.apis, facts.parents, stmt.value, finding.torch_api) \
        if isinstance(stmt, (ast.Assign, ast.Expr)) else None
    if write is None:
        raise CannotRewrite("in-place update of a view: write the result back with an indexed assignment")
    index = index_text(write, rewriter.rendered)
    if index is None:
        raise CannotRewrite("in-place update of a view indexed twice on one dimension: write it back by hand")
    target = f"{write.base.id}[{index}]"
    src = _operand(rewriter, write.call.args[1])
    value = src if write.op == "=" else f"{target} {write.op} {src}"
    text = f"{target} = {value}"
    if isinstance(stmt, ast.Assign):
        text += f"; {stmt.targets[0].id} = {target}"
    for name, steps in write.reread:
        text += f"; {name} = {write.base.id}[{index_text(write, rewriter.rendered, steps)}]"
    span = rewriter.src.span(stmt)
    return FindingRewrite(finding, [Edit(*span, text)], True, [], span)


def _operand(rewriter, node: ast.AST) -> str:
    text = rewriter.rendered(node)
    return text if isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant)) else f"({text})"


def _out_of_place(rewriter, call: ast.Call, value: str, first: bool) -> str:
    """What the in-place `call` leaves in its tensor, whose value before it is `value`."""
    attr = call.func.attr
    args = [_operand(rewriter, a) for a in call.args]
    keywords = {kw.arg: _operand(rewriter, kw.value) for kw in call.keywords}
    operand = value if first else f"({value})"
    if attr in INPLACE_BINARY and len(args) == 1 and set(keywords) <= ({"alpha"} if attr in ("add_", "sub_") else set()):
        other = f"{args[0]} * {keywords['alpha']}" if "alpha" in keywords else args[0]
        return f"{operand} {INPLACE_BINARY[attr]} {other}"
    if keywords:
        raise CannotRewrite(f".{attr}() with keyword arguments on a slice: rewrite by hand")
    if attr in INPLACE_UNARY and not args:
        return f"-{operand}" if attr == "neg_" else f"{operand}.{attr[:-1]}()"
    if attr == "zero_" and not args:
        return "0" if first else f"{rewriter.namer.render('mindspore.ops.zeros_like')}({value})"
    if attr in ("fill_", "copy_") and len(args) == 1:
        return args[0]
    if attr == "clamp_" and args:
        return f"{rewriter.namer.render('mindspore.ops.clamp')}({value}, {', '.join(args)})"
    raise CannotRewrite(f".{attr}() on a slice: write the result back with an indexed assignment")
