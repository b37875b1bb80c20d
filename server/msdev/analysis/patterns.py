"""Statement-level rules: what no API mapping captures (MS200–MS226 in findings.PATTERN_RULES).

The finder reports single API uses; this pass looks at how they are put together: a training
step (`zero_grad`/`backward`/`step`), a DataLoader pipeline, device placement, `no_grad` blocks,
state_dict checkpoints, label dtypes, tensors meeting format specs, and the run-time hazards
(in-place on views, `out=`, hooks, TorchScript, AMP, DDP, `.numpy()` on graph tensors).

Each rule gives a Finding with `pattern` set to its code. Where a rule covers a use the finder
already reported (`loss.backward`, `torch.no_grad`, `torch.device`, …), that finding is
replaced: one use, one finding, one fix. The fixes are in rewrite/patterns.py and read the same
facts this module derives (`facts_of`), so the language server, `msdev scan` and `msdev convert`
share one implementation. Detection is syntactic plus a file-wide name-flow pass: a name bound
to a DataLoader, a device or a loss module keeps that meaning where it is passed to a function
of the same file.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ..findings import PATTERN_RULES, Confidence, Finding, Kind, Status
from ..textlines import split_lines
from ..rules.statement_rules import STATEMENT_RULES
from .aten_views import INPLACE as ATEN_INPLACE, is_view_name, view_write
from .context import FileContext, index_tree
from .gradients import (CLIP_APIS, CLIP_NORM_APIS, cleared_grad_reads, detect_gradients, plain_grad_reads,
                        stored_names)

#: words whose absence lets a file skip this pass entirely (the language server's hot path)
_TRIGGERS = ("backward", "DataLoader", "Dataset", "device", "cuda", "cpu()", "no_grad", "grad_enabled", "enable_grad",
             "detect_anomaly", "cudnn", "sdp_kernel", "sdpa_kernel", "DisableTorchFunction",
             "inference_mode", "state_dict", "parameters()", "CrossEntropy", "cross_entropy", "nll_loss",
             "NLLLoss", "out=", "hook", "jit", "amp", "autocast", "distributed", "DataParallel", "numpy()",
             "weight_decay", "train(", "eval(", "add_(", "sub_(", "mul_(", "div_(", "zero_(", "fill_(",
             "copy_(", "clamp_(", ".grad", "_.default(", "_.Tensor(", "_.Scalar(")

LOSS_CLASSES = frozenset({"torch.nn.CrossEntropyLoss", "torch.nn.NLLLoss"})
LOSS_FUNCTIONS = frozenset({"torch.nn.functional.cross_entropy", "torch.nn.functional.nll_loss"})
OPTIMIZER_PREFIX = "torch.optim."
NO_GRAD_APIS = frozenset({"torch.no_grad", "torch.inference_mode", "torch.set_grad_enabled",
                          "torch.autograd.no_grad", "torch.autograd.grad_mode.no_grad",
                          "torch.enable_grad", "torch.autograd.enable_grad", "torch.autograd.grad_mode.enable_grad",
                          "torch.autograd.inference_mode", "torch.autograd.grad_mode.inference_mode",
                          "torch.autograd.set_grad_enabled", "torch.autograd.grad_mode.set_grad_enabled",
                          "torch.autograd.detect_anomaly"})
# context managers that only switch a PyTorch back-end or debugging setting: their `with` line goes too
SETTING_CONTEXTS = frozenset({"torch.autograd.set_detect_anomaly", "torch.backends.cudnn.flags",
                              "torch.backends.cuda.sdp_kernel", "torch.nn.attention.sdpa_kernel",
                              "torch._C.DisableTorchFunctionSubclass", "torch._C.DisableTorchFunction",
                              # pack/unpack hooks of saved tensors: their unpack must give back the packed
                              # values (PyTorch's contract), so the block computes the same without them
                              "torch.autograd.graph.saved_tensors_hooks", "torch.autograd.graph.save_on_cpu",
                              "torch.autograd.graph.disable_saved_tensors_hooks"})
#: setting contexts whose setting the file reads back (through the named call): their `with` line stays and
#: converts through its entry (a definition that keeps the setting for the reader)
READ_BACK_CONTEXTS = {"torch.nn.attention.sdpa_kernel": "_cur_sdpa_kernel_backends"}
AMP_PREFIXES = ("torch.cuda.amp.", "torch.amp.", "torch.autocast", "torch.cpu.amp.")
DIST_PREFIXES = ("torch.distributed.", "torch.nn.parallel.", "torch.nn.DataParallel",
                 "torch.utils.data.distributed.", "torch.multiprocessing.")
JIT_DROPPABLE = frozenset({"torch.jit.script", "torch.jit.ignore", "torch.jit.unused", "torch.jit.export",
                           "torch.jit.script_method", "torch.jit._script_if_tracing",
                           "torch.jit._overload_method", "torch.jit._overload", "torch.jit.script_if_tracing",
                           "torch.jit.interface"})
INPLACE_BINARY = {"add_": "+", "sub_": "-", "mul_": "*", "div_": "/"}
INPLACE_OTHER = frozenset({"zero_", "fill_", "copy_", "clamp_", "clamp_min_", "clamp_max_", "masked_fill_",
                           "index_fill_", "scatter_", "normal_", "uniform_"})
#: in-place methods whose result a chain (`x[0].sub_(w).neg_()`) can write back as one expression:
#: the binary ones, and unary ones whose out-of-place MindSpore Tensor method has the same name
INPLACE_UNARY = frozenset({"neg_", "abs_", "exp_", "log_", "sqrt_", "rsqrt_", "sigmoid_", "tanh_", "floor_",
                           "ceil_", "reciprocal_", "square_", "sin_", "cos_"})
CHAIN_INPLACE = frozenset(INPLACE_BINARY) | INPLACE_UNARY | {"zero_", "fill_", "copy_", "clamp_"}
VIEW_METHODS = frozenset({"view", "view_as", "t", "transpose", "permute", "narrow", "select", "expand",
                          "squeeze", "unsqueeze", "diagonal", "unfold", "as_strided", "flatten"})
HOOK_METHODS = frozenset({"register_forward_hook", "register_forward_pre_hook", "register_backward_hook",
                          "register_full_backward_hook", "register_full_backward_pre_hook", "register_hook"})
DEVICE_STRINGS = {"cuda": "GPU", "cpu": "CPU", "gpu": "GPU", "npu": "Ascend"}

#: explanation shown in hover, per rule code, and the status each rule reports (drives readiness
#: counts): both from the rule registry (msdev.rules), which documents every rule
EXPLAIN: dict[str, str] = {r.code: r.why for r in STATEMENT_RULES}
STATUS: dict[str, Status] = {r.code: Status(r.status) for r in STATEMENT_RULES}


# ---------------------------------------------------------------------------- facts
@dataclass
class Facts:
    """What the file-wide name flow knows, shared by detection and rewriting."""

    loaders: set[str] = field(default_factory=set)  # names holding a DataLoader
    loader_calls: dict[str, list[ast.Call]] = field(default_factory=dict)  # name → the DataLoader(...)s it holds
    losses: set[str] = field(default_factory=set)  # names holding CrossEntropyLoss/NLLLoss instances
    devices: set[str] = field(default_factory=set)  # names holding a torch.device or device string
    modules: set[str] = field(default_factory=set)  # names holding nn.Module instances
    datasets: dict[str, str] = field(default_factory=dict)  # name → Dataset class defined in the file
    dataset_classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    tensors: set[str] = field(default_factory=set)  # names known to hold tensors (losses, outputs)
    apis: dict[int, str] = field(default_factory=dict)  # id(node) → torch API of finder findings
    parents: dict[int, ast.AST] = field(default_factory=dict)
    gradients: dict[int, tuple] = field(default_factory=dict)  # id(finding node) → (GradPlan, site|what)
    #: id(finding node) → backward() statement of a module-level training step (its node spans the step)
    script_steps: dict[int, ast.stmt] = field(default_factory=dict)
    #: optimizers whose gradients a backward() holds until their step() elsewhere (TrainingStep.step None)
    held_optimizers: set[str] = field(default_factory=set)
    #: id() of the `optimizer.step()` / `zero_grad()` calls that apply or drop the held gradients
    held_calls: set[int] = field(default_factory=set)
    #: id() of `loss.backward()` statements in the closure an optimizer's step() calls (LBFGS)
    closure_backwards: set[int] = field(default_factory=set)


#: namespaces whose functions take `out=` when an entry does not list its parameters
_OUT_NAMESPACES = ("torch", "torch.linalg", "torch.fft", "torch.special")


def out_keyword(entry, call: ast.Call) -> ast.keyword | None:
    """The `out=` keyword of a call to a function that takes one (the rewrite stores the result
    there: rewrite/outparam.py), else None."""
    kw = next((k for k in call.keywords if k.arg == "out"), None)
    if kw is None and entry.kind == "function" and entry.params and "out" in entry.params:
        # `F.normalize(x, 2.0, 1, 1e-12, buf)`: `out` among the positional parameters, given in its place
        at = entry.params.index("out")
        if "*" not in entry.params[:at] and len(call.args) > at and not any(
                isinstance(a, ast.Starred) for a in call.args[:at + 1]):
            value = call.args[at]
            kw = ast.copy_location(ast.keyword(arg="out", value=value), value)
            kw.end_lineno, kw.end_col_offset = value.end_lineno, value.end_col_offset
            kw.msdev_positional = True
    if kw is None or entry.kind != "function":
        return None
    if entry.params is not None:
        return kw if "out" in entry.params else None
    return kw if entry.api.rpartition(".")[0] in _OUT_NAMESPACES else None


def is_tensor_slice(node: ast.AST) -> bool:
    """`x[i]`, `x[:, 1:]`: a part of a tensor, which MindSpore copies; not `state['exp_avg']`, a dict's entry
    holding a whole tensor (an in-place update of it is the tensor's own)."""
    return isinstance(node, ast.Subscript) and not (
        isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str))


def parent_map(tree: ast.AST) -> dict[int, ast.AST]:
    return index_tree(tree)[1]


def api_of(facts: Facts, node: ast.AST) -> str | None:
    """The PyTorch API the finder resolved for a Name/Attribute (through any import alias)."""
    return facts.apis.get(id(node))


#: the node classes the name flow and the rules look at (one filtered list, walked in order)
_FLOW_NODES = frozenset({ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Assign, ast.AnnAssign, ast.Call})
_RULE_NODES = frozenset({ast.Expr, ast.Call, ast.With, ast.AsyncWith, ast.FunctionDef, ast.AsyncFunctionDef,
                         ast.ClassDef, ast.For, ast.AsyncFor, ast.comprehension, ast.JoinedStr})


def facts_of(tree: ast.Module, findings: list[Finding], context: FileContext | None = None) -> Facts:
    """The file's name flow, from the finder's findings (before the statement rules) and one
    filtered list of the tree's nodes (the context's, when given: no extra walk)."""
    ctx = context if context is not None else FileContext("", tree)
    facts = Facts(parents=ctx.parents)
    for f in findings:
        if f.node is not None and not f.pattern and f.kind not in (Kind.TENSOR_METHOD, Kind.TENSOR_ATTRIBUTE):
            facts.apis[id(f.node)] = f.torch_api
    flow = ctx.select(_FLOW_NODES)
    module_classes: set[str] = set()
    functions: dict[str, ast.AST] = {}
    assigns: list[ast.AST] = []
    name_calls: list[ast.Call] = []
    for node in flow:
        t = node.__class__
        if t is ast.ClassDef:
            for base in node.bases:
                api = api_of(facts, base) or ""
                if api.startswith("torch.nn.") and api != "torch.nn.Parameter" or (
                        isinstance(base, ast.Name) and base.id in module_classes):
                    module_classes.add(node.name)
                if api == "torch.utils.data.Dataset":
                    facts.dataset_classes[node.name] = node
        elif t is ast.FunctionDef or t is ast.AsyncFunctionDef:
            functions[node.name] = node
        elif t is ast.Call:
            if node.func.__class__ is ast.Name:
                name_calls.append(node)
        elif node.value is not None:
            assigns.append(node)
    for node in assigns:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        held = [a for a in map(_self_attribute, targets) if a]  # `self.ce = nn.CrossEntropyLoss()`
        if not names and not held:
            continue
        kind = _value_kind(facts, node.value, module_classes)
        if kind == "loss":  # called as `self.ce(x, t)` in another method
            facts.losses.update(held)
        for name in names:
            if kind == "loader":
                facts.loaders.add(name)
                if isinstance(node.value, ast.Call):
                    facts.loader_calls.setdefault(name, []).append(node.value)
            elif kind == "loss":
                facts.losses.add(name)
            elif kind == "device":
                facts.devices.add(name)
            elif kind == "module":
                facts.modules.add(name)
            elif kind is not None and kind.startswith("dataset:"):
                facts.datasets[name] = kind[8:]
    # a name passed to a function of this file gives the parameter the same meaning
    local_calls = [c for c in name_calls if c.func.id in functions]
    for _ in range(2):
        for node in local_calls:
            fn = functions[node.func.id]
            params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
            pairs = list(zip(params, node.args)) + [(k.arg, k.value) for k in node.keywords if k.arg]
            for param, arg in pairs:
                if not isinstance(arg, ast.Name):
                    continue
                for group in (facts.loaders, facts.losses, facts.devices, facts.modules):
                    if arg.id in group:
                        group.add(param)
                if arg.id in facts.datasets:
                    facts.datasets[param] = facts.datasets[arg.id]
    return facts


def _value_kind(facts: Facts, value: ast.AST, module_classes: set[str]) -> str | None:
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
            and value.func.attr in ("to", "cuda", "cpu", "train", "eval"):
        value = value.func.value  # Net().to(device) is still a Net
    if _is_device_expr(facts, value):
        return "device"
    if not isinstance(value, ast.Call):
        return None
    api = api_of(facts, value.func) or ""
    if api == "torch.utils.data.DataLoader":
        return "loader"
    if api in LOSS_CLASSES:
        return "loss"
    if isinstance(value.func, ast.Name):
        if value.func.id in facts.dataset_classes:
            return "dataset:" + value.func.id
        if value.func.id in module_classes:
            return "module"
    if api.startswith("torch.nn.") and api.rsplit(".", 1)[-1][:1].isupper() and "utils" not in api:
        return "module"
    return None


def _self_attribute(node: ast.AST) -> str | None:
    """'self.ce' for `self.ce`, else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return f"self.{node.attr}"
    return None


def _is_device_expr(facts: Facts, node: ast.AST) -> bool:
    if isinstance(node, ast.Call) and api_of(facts, node.func) == "torch.device":
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.split(":")[0] in ("cuda", "cpu")
    if isinstance(node, ast.IfExp):
        return _is_device_expr(facts, node.body) and _is_device_expr(facts, node.orelse)
    return False


# ---------------------------------------------------------------------------- training step
@dataclass
class TrainingStep:
    """The parts of one `zero_grad / loss = … / loss.backward() / [clip] / optimizer.step()` block."""

    block: list[ast.stmt]  # the loop body (or function body) holding the step
    owner: ast.AST  # the For/While/FunctionDef whose body it is
    backward: ast.stmt
    #: None: the optimizer steps elsewhere (gradients accumulated over an inner loop, a step under an
    #: `if`): the gradients are held for it, added up as PyTorch adds them to `.grad`
    step: ast.stmt | None
    zero_grad: ast.stmt | None
    loss: str
    optimizer: str
    forward: list[ast.stmt]  # statements computing the loss (become forward_fn)
    clips: list[ast.stmt]  # clip_grad_*_ statements between backward and step
    pre: list[ast.stmt]  # statements before the forward part (stay in the loop)
    #: module level: the forward part is the slice of earlier statements the loss depends on through
    #: the optimized parameters; it moves down to the step (the statements between stay in place)
    sliced: bool = False
    #: statements between backward() and step() that only log what the step computed
    #: (`norms.append(norm.item())`): they run right after the step
    after: list[ast.stmt] = field(default_factory=list)


def _expr_call(stmt: ast.stmt, attr: str) -> ast.Call | None:
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
            and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == attr:
        return stmt.value
    return None


def _receiver_name(call: ast.Call) -> str | None:
    value = call.func.value
    if isinstance(value, ast.Name):
        return value.id
    if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id == "self":
        return f"self.{value.attr}"
    return None


def training_step(facts: Facts, backward_stmt: ast.stmt) -> TrainingStep | str:
    """The training step around a `loss.backward()` statement, or why it has no automatic rewrite."""
    owner = facts.parents.get(id(backward_stmt))
    block = getattr(owner, "body", None)
    if not isinstance(owner, (ast.For, ast.While, ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)) or not any(
            s is backward_stmt for s in block or ()):
        return "loss.backward() is not directly in a loop or function body"
    call = _expr_call(backward_stmt, "backward")
    if call is None or call.args or call.keywords:
        return "only `loss.backward()` on a plain name (no gradient/retain_graph arguments) is rewritten"
    computed = None  # `criterion(model(x), y).backward()`: the loss is computed by backward's receiver
    scalers = _disabled_scalers(facts, owner)
    scaled = _scaled_loss(call.func.value, scalers)
    if isinstance(call.func.value, ast.Name):
        loss = call.func.value.id
    elif scaled is not None:  # `scaler.scale(loss).backward()` of a disabled scaler: loss.backward()
        loss = scaled
    elif isinstance(call.func.value, (ast.Call, ast.BinOp)) and not isinstance(owner, ast.Module) and not (
            isinstance(call.func.value, ast.Call) and isinstance(call.func.value.func, ast.Attribute)
            and call.func.value.func.attr == "scale"):  # a GradScaler's scaled loss: not rewritten
        computed = _computed_loss(owner, backward_stmt, call.func.value)
        loss = computed.targets[0].id
    else:
        return "only `loss.backward()` on a plain name (no gradient/retain_graph arguments) is rewritten"
    i = next(k for k, s in enumerate(block) if s is backward_stmt)
    step_i = None
    clips: list[ast.stmt] = []
    after: list[ast.stmt] = []
    for k in range(i + 1, len(block)):
        s = block[k]
        c = _expr_call(s, "step")
        if c is not None and not c.args and not c.keywords and _receiver_name(c):
            step_i = k
            break
        if _scaler_step(c, scalers):  # `scaler.step(optimizer)`: optimizer.step()
            step_i = k
            break
        u = _expr_call(s, "unscale_")
        if u is not None and _receiver_name(u) in scalers:  # a no-op once the scaler is disabled
            after.append(s)
            continue
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and api_of(facts, s.value.func) in CLIP_APIS:
            clips.append(s)
            continue
        if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) \
                and isinstance(s.value, ast.Call) and api_of(facts, s.value.func) in CLIP_NORM_APIS:
            clips.append(s)  # `norm = clip_grad_norm_(...)`: the norm before clipping is kept
            continue
        if _only_logs(s, block[:i] + clips, loss):
            after.append(s)
            continue
        if not isinstance(owner, ast.Module) and not clips and not any(
                _steps_in(t) for t in block[k + 1:]):
            held = _held_step(facts, owner, block, i, loss, computed)
            if isinstance(held, TrainingStep):  # `if (i + 1) % accum == 0: opt.step()`
                return held
        return f"statement between backward() and step() at line {s.lineno} has no counterpart"
    if step_i is None:
        held = None if isinstance(owner, ast.Module) or clips else _held_step(
            facts, owner, block, i, loss, computed)
        if isinstance(held, TrainingStep):  # the step comes after an inner loop of backward() calls
            return held
        return held or "no `optimizer.step()` follows loss.backward() in the same block"
    optimizer = _scaler_step(_expr_call(block[step_i], "step"), scalers) or _receiver_name(
        _expr_call(block[step_i], "step"))
    zero = None
    for s in block:
        c = _expr_call(s, "zero_grad")
        if c is not None and _receiver_name(c) == optimizer:
            zero = s
    if isinstance(owner, ast.Module):
        if after:
            return f"statement between backward() and step() at line {after[0].lineno} has no counterpart"
        return _module_step(facts, block, i, step_i, loss, optimizer, zero, clips)
    start = 0
    if zero is not None and block.index(zero) < i:
        start = block.index(zero) + 1
        # `out = model(x); opt.zero_grad(); loss = crit(out, y)`: what the loss is computed from,
        # even above zero_grad(), belongs to the forward part (else its gradient is lost)
        needed = set(read_names([s for s in block[start:i]] + ([computed] if computed is not None else [])))
        for k in range(start - 2, -1, -1):
            if stored_names(block[k]) & needed:
                start = k
                needed |= set(read_names([block[k]]))
    forward = [s for s in block[start:i] if s is not zero] + ([computed] if computed is not None else [])
    pre = [s for s in block[:start] if s is not zero]
    if not any(_assigns(s, loss) for s in forward):
        return f"`{loss}` is not computed between zero_grad() and backward() in the same block"
    for s in forward:
        if isinstance(s, (ast.Return, ast.Break, ast.Continue, ast.Global, ast.Nonlocal)) or any(
                isinstance(n, (ast.Return, ast.Break, ast.Continue, ast.Yield, ast.Await)) for n in ast.walk(s)):
            return "the forward part contains control flow leaving the block"
    return TrainingStep(block, owner, backward_stmt, block[step_i], zero, loss, optimizer, forward, clips, pre,
                        after=after)


#: GradScalers the database rewrites to the scaler PyTorch runs without CUDA: in a converted training step
#: scale() and step() pass through (a CUDA scaler is disabled; a CPU one scales the loss, and PyTorch's step()
#: applies the unscaled gradients, which are the converted step's)
DISABLED_SCALERS = ("torch.cuda.amp.GradScaler", "torch.amp.GradScaler", "torch.GradScaler", "torch.cpu.amp.GradScaler")


def _disabled_scalers(facts: Facts, node: ast.AST) -> set[str]:
    """The names the file binds to a GradScaler whose scale() and step() the training step passes through
    (`scaler = GradScaler()`)."""
    root = node
    while id(root) in facts.parents:
        root = facts.parents[id(root)]
    return {n.targets[0].id for n in ast.walk(root)
            if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
            and isinstance(n.value, ast.Call) and api_of(facts, n.value.func) in DISABLED_SCALERS}


def _scaled_loss(node: ast.AST, scalers: set[str]) -> str | None:
    """`scaler.scale(loss)` of a disabled scaler: the loss's name."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "scale" \
            and _receiver_name(node) in scalers and len(node.args) == 1 and not node.keywords \
            and isinstance(node.args[0], ast.Name):
        return node.args[0].id
    return None


def _scaler_step(call: ast.Call | None, scalers: set[str]) -> str | None:
    """`scaler.step(optimizer)` of a disabled scaler: the optimizer's name."""
    if call is not None and _receiver_name(call) in scalers and len(call.args) == 1 and not call.keywords \
            and isinstance(call.args[0], ast.Name):
        return call.args[0].id
    return None


def _steps_in(stmt: ast.stmt) -> bool:
    """Whether a statement is `optimizer.step()` itself (the in-block step, not one nested deeper)."""
    c = _expr_call(stmt, "step")
    return c is not None and not c.args and not c.keywords


def _file_optimizers(facts: Facts, node: ast.AST) -> tuple[list[str], ast.AST]:
    """The names the file binds to `torch.optim.<Optimizer>(...)`, and the file's tree."""
    root = node
    while id(root) in facts.parents:
        root = facts.parents[id(root)]
    names: list[str] = []
    for n in ast.walk(root):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) \
                and isinstance(n.value, ast.Call):
            api = api_of(facts, n.value.func) or ""
            if api.startswith(OPTIMIZER_PREFIX) and ".lr_scheduler." not in api and api[len(OPTIMIZER_PREFIX):][:1].isupper() \
                    and n.targets[0].id not in names:
                names.append(n.targets[0].id)
    return names, root


def _held_step(facts: Facts, owner: ast.AST, block: list[ast.stmt], i: int, loss: str,
               computed: ast.Assign | None) -> TrainingStep | str | None:
    """`loss.backward()` whose optimizer steps outside its block (a step under an `if` every few
    batches, or after an inner loop): the forward part is what the block computes since its last
    step/zero_grad/backward, and the gradients are held for the file's only optimizer until its
    step() (which applies them) and zero_grad() (which drops them). None when nothing fits."""
    optimizers, root = _file_optimizers(facts, owner)
    scope = owner
    while scope is not root and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        scope = facts.parents.get(id(scope), root)

    def stepped(tree: ast.AST) -> list[str]:
        return [o for o in optimizers if any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "step"
            and isinstance(n.func.value, ast.Name) and n.func.value.id == o and not n.args and not n.keywords
            for n in ast.walk(tree))]

    # the optimizer stepped in the same function, else the file's only one (stepped in a helper)
    candidates = stepped(scope) if scope is not root else []
    if len(candidates) != 1:
        candidates = stepped(root) if len(optimizers) == 1 else candidates
    if len(candidates) != 1:
        return None if not candidates else "several optimizers: which one steps with these gradients is unclear"
    optimizer = candidates[0]
    start = 0
    for k in range(i - 1, -1, -1):
        if any(isinstance(n, ast.Attribute) and n.attr in ("backward", "step", "zero_grad", "grad")
               for n in ast.walk(block[k])):
            start = k + 1
            break
    forward = block[start:i] + ([computed] if computed is not None else [])
    if not any(_assigns(s, loss) for s in forward):
        return None
    for s in forward:
        if isinstance(s, (ast.Return, ast.Break, ast.Continue, ast.Global, ast.Nonlocal)) or any(
                isinstance(n, (ast.Return, ast.Break, ast.Continue, ast.Yield, ast.Await)) for n in ast.walk(s)):
            return "the forward part contains control flow leaving the block"
    return TrainingStep(block, owner, block[i], None, None, loss, optimizer, forward, [], block[:start])


_LOGGING_BUILTINS = frozenset({"print", "float", "int", "round", "len", "str", "abs", "min", "max"})


def _only_logs(stmt: ast.stmt, earlier: list[ast.stmt], loss: str) -> bool:
    """Whether a statement between backward() and step() only records values computed before it
    (`norms.append(norm.item())`, `print(loss.item())`): an expression statement that reads no
    gradient, and whose names are the loss, names the statements before it bind, lists it appends
    to, or builtins; so it may run after the step."""
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return False
    bound = {loss} | {n for s in earlier for n in assigned_names(s)}
    call = stmt.value
    receivers = set()
    if isinstance(call.func, ast.Attribute) and call.func.attr in ("append", "extend") \
            and isinstance(call.func.value, ast.Name):
        receivers.add(id(call.func.value))
    for node in ast.walk(stmt):
        if isinstance(node, ast.Attribute) and node.attr in ("grad", "backward", "step", "zero_grad"):
            return False
        if isinstance(node, ast.Name) and id(node) not in receivers and node.id not in bound \
                and node.id not in _LOGGING_BUILTINS:
            return False
    return True


def _step_closure(facts: Facts, backward_stmt: ast.stmt) -> str | None:
    """The name of the function holding `loss.backward()` when it is a closure handed to an optimizer's
    `step(closure)` (LBFGS): it takes no argument, `loss` is a plain name and the function returns it."""
    owner = facts.parents.get(id(backward_stmt))
    call = _expr_call(backward_stmt, "backward")
    if not isinstance(owner, ast.FunctionDef) or call is None or call.args or call.keywords \
            or not isinstance(call.func.value, ast.Name) or owner.args.args or owner.args.vararg:
        return None
    last = owner.body[-1]
    if not (isinstance(last, ast.Return) and isinstance(last.value, ast.Name) and last.value.id == call.func.value.id):
        return None
    root = owner
    while id(root) in facts.parents:
        root = facts.parents[id(root)]
    for node in ast.walk(root):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "step" \
                and any(isinstance(a, ast.Name) and a.id == owner.name
                        for a in list(node.args) + [k.value for k in node.keywords if k.arg == "closure"]):
            return owner.name
    return None


def _computed_loss(owner: ast.AST, backward_stmt: ast.stmt, value: ast.expr) -> ast.Assign:
    """`<expr>.backward()` seen as `loss = <expr>` followed by `loss.backward()`: a statement made
    for the forward part, placed where backward() is (the rewriter renders its value), bound to a
    name the function does not use."""
    used = {n.id for n in ast.walk(owner) if isinstance(n, ast.Name)}
    name = next(n for n in ("loss", "loss_value", "step_loss", "train_loss_value") + tuple(
        f"loss_{k}" for k in range(len(used) + 1)) if n not in used)
    target = ast.Name(id=name, ctx=ast.Store())
    stmt = ast.Assign(targets=[target], value=value)
    for node in (target, stmt):
        ast.copy_location(node, backward_stmt)
    return stmt


def _module_step(facts: Facts, block: list[ast.stmt], i: int, step_i: int, loss: str, optimizer: str,
                 zero: ast.stmt | None, clips: list[ast.stmt]) -> TrainingStep | str:
    """A training step written at module level (a script): the statements `loss` depends on through
    the optimized parameters form the forward part, wherever they are above backward()."""
    roots = set(facts.modules)
    made = next((s for s in block[:i] if isinstance(s, ast.Assign) and optimizer in assigned_names(s)), None)
    if isinstance(made, ast.Assign) and isinstance(made.value, ast.Call):
        roots |= set(read_names(list(made.value.args) + [k.value for k in made.value.keywords]))
    # the backward slice of the loss among the earlier top-level statements
    needed, chosen = {loss}, []
    for s in reversed(block[:i]):
        if _expr_call(s, "backward") is not None or _expr_call(s, "step") is not None:
            break  # an earlier step: what it computed is not recomputed for this one
        if s is zero or isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import,
                                       ast.ImportFrom)):
            continue
        if stored_names(s) & needed:
            chosen.append(s)
            if isinstance(s, ast.Assign):  # earlier values of the names it binds are not used
                needed -= {t.id for t in s.targets if isinstance(t, ast.Name)}
            needed |= set(read_names([s]))
    chosen.reverse()
    # what computes from the parameters must run inside forward_fn; the rest (inputs, the model
    # built, its parameters set) stays where it is
    tainted, forward = set(roots), []
    for s in chosen:
        stored = stored_names(s)
        if not set(read_names([s])) & tainted or (stored and stored <= roots):
            continue
        if not isinstance(s, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr)):
            return f"the loss depends on line {s.lineno}, which is not a plain statement"
        tainted |= stored
        forward.append(s)
    if not any(_assigns(s, loss) for s in forward):
        return f"`{loss}` does not depend on the parameters `{optimizer}` updates"
    # a statement the forward part moves past must neither read what it made nor change what it read
    ids = {id(s) for s in forward}
    made_before, read_before = set(), set()
    for s in block[:i]:
        if id(s) in ids:
            made_before |= stored_names(s)
            read_before |= set(read_names([s]))
            continue
        if s is zero or not (made_before or read_before):
            continue
        if set(read_names([s])) & made_before or stored_names(s) & (read_before | made_before):
            return (f"line {s.lineno} sits between the forward computation and backward() and shares "
                    "names with it")
    return TrainingStep(block, facts.parents.get(id(block[i])), block[i], block[step_i], zero, loss, optimizer,
                        forward, clips, [], sliced=True)


def _assigns(stmt: ast.stmt, name: str) -> bool:
    return name in assigned_names(stmt)


def assigned_names(stmt: ast.AST) -> list[str]:
    out: list[str] = []
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in out:
            out.append(node.id)
    return out


def read_names(nodes: list[ast.AST]) -> list[str]:
    out: list[str] = []
    for stmt in nodes:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in out:
                out.append(node.id)
    return out


def inplace_chain(call: ast.Call) -> tuple[ast.AST, list[ast.Call]]:
    """`base.a_(...).b_(...)`: the base and the in-place calls (CHAIN_INPLACE), innermost first."""
    calls = []
    node: ast.AST = call
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CHAIN_INPLACE:
        calls.append(node)
        node = node.func.value
    return node, calls[::-1]


# ---------------------------------------------------------------------------- detection
class _Detector:
    def __init__(self, tree: ast.Module, findings: list[Finding], source: str, context: FileContext):
        self.tree = tree
        self.source = source
        self.findings = findings
        self.context = context
        self.facts = facts_of(tree, findings, context)
        context.facts = self.facts
        self.by_node: dict[int, Finding] = {id(f.node): f for f in findings if f.node is not None}
        self.claimed: set[int] = set()
        self.out: list[Finding] = []
        self.gradient_sites: set[int] = set()
        self._ascii = source.isascii()
        self._lines = () if self._ascii else split_lines(source)  # ASCII: columns are byte offsets

    def _col(self, line: int, col: int) -> int:
        if self._ascii or not (0 < line <= len(self._lines)):
            return col
        return len(self._lines[line - 1].encode("utf-8")[:col].decode("utf-8", "replace"))

    def add(self, code: str, anchor: ast.AST, node: ast.AST, api: str, detail: str, kind: Kind = Kind.CALL,
            claim: list[ast.AST] = (), confidence: Confidence = Confidence.CERTAIN, attr_only: bool = False):
        line, end_line = anchor.lineno, anchor.end_lineno
        end_col = self._col(end_line, anchor.end_col_offset)
        if attr_only and isinstance(anchor, ast.Attribute):
            line, col = end_line, end_col - len(anchor.attr)
        else:
            col = self._col(line, anchor.col_offset)
        rule = PATTERN_RULES[code]
        message = f"{api} ({code} {rule.name}): {detail}"
        f = Finding(line, col, end_line, end_col, api, kind, confidence, STATUS[code], None, None, message,
                    None, None, node, code, detail=detail)
        self.out.append(f)
        for n in claim:
            hit = self.by_node.get(id(n))
            if hit is not None:
                self.claimed.add(id(hit))
                if hit.torch_api == api:
                    f.confidence = hit.confidence  # the finder knew the receiver is a tensor
        return f

    def finding_api(self, node: ast.AST) -> str | None:
        return api_of(self.facts, node)

    # -------------------------------------------------------------- rules
    def run(self) -> list[Finding]:
        nodes = self.context.select(_RULE_NODES)
        if "backward" in self.source or ".grad(" in self.source or not self.source:
            self.gradient_sites = detect_gradients(self)
        elif ".grad" in self.source:
            plain_grad_reads(self)
        for node in nodes:  # training steps first: they tell which names hold tensors
            if type(node) is ast.Expr and isinstance(node.value, ast.Call) \
                    and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "backward":
                self._statement(node)
        for node in nodes:
            t = type(node)
            if t is ast.Expr:
                if not (isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute)
                        and node.value.func.attr == "backward"):
                    self._statement(node)
            elif t is ast.Call:
                self._call(node)
            elif t in (ast.With, ast.AsyncWith):
                self._with(node)
            elif t in (ast.FunctionDef, ast.AsyncFunctionDef):
                for dec in node.decorator_list:
                    self._decorator(dec)
            elif t is ast.ClassDef:
                for base in node.bases:
                    api = self.finding_api(base)
                    if api in ("torch.utils.data.Dataset", "torch.utils.data.IterableDataset"):
                        self.add("MS202", base, base, api,
                                 f"`{node.name}` keeps {'__iter__' if 'Iterable' in api else '__getitem__/__len__'}; "
                                 f"the {api.rsplit('.', 1)[1]} base class is dropped",
                                 Kind.BASE_CLASS, claim=[base])
            elif t in (ast.For, ast.AsyncFor, ast.comprehension):
                it = node.iter
                inner = it.args[0] if (isinstance(it, ast.Call) and isinstance(it.func, ast.Name)
                                       and it.func.id == "enumerate" and it.args) else it
                if isinstance(inner, ast.Name) and inner.id in self.facts.loaders:
                    self.add("MS203", inner, inner, "torch.utils.data.DataLoader.__iter__",
                             f"iterate `{inner.id}.create_tuple_iterator()`", Kind.REFERENCE,
                             confidence=Confidence.LIKELY)
            elif t is ast.JoinedStr:
                for value in node.values:
                    if isinstance(value, ast.FormattedValue) and value.format_spec is not None \
                            and self._is_tensor(value.value):
                        name = ast.unparse(value.value)
                        self.add("MS209", value.value, value.value, "torch.Tensor.__format__",
                                 f"`{name}` is a tensor formatted with a format spec: use `{name}.item()`",
                                 Kind.TENSOR_METHOD, confidence=Confidence.LIKELY)
        if self.facts.held_optimizers:
            self._held_calls(nodes)
        if "zero_grad" in self.source:
            cleared_grad_reads(self)
        keep = [f for f in self.findings if id(f) not in self.claimed]
        merged = keep + self.out
        merged.sort(key=lambda f: (f.line, f.column))
        return merged

    def _is_tensor(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id in self.facts.tensors

    def _held_calls(self, nodes) -> None:
        """`optimizer.step()` / `zero_grad()` of an optimizer whose gradients a backward() holds, outside
        the training steps MS200 rewrites: step() applies the held gradients, zero_grad() drops them."""
        for node in nodes:
            if type(node) is not ast.Expr or not isinstance(node.value, ast.Call):
                continue
            call = node.value
            func = call.func
            if not (isinstance(func, ast.Attribute) and func.attr in ("step", "zero_grad")
                    and isinstance(func.value, ast.Name) and func.value.id in self.facts.held_optimizers):
                continue
            if func.attr == "step" and (call.args or call.keywords):
                continue
            hit = self.by_node.get(id(func))
            if hit is not None and id(hit) in self.claimed:
                continue  # a training step MS200 rewrites
            self.facts.held_calls.add(id(call))
            what = "applies the gradients held since backward()" if func.attr == "step" else \
                "drops the held gradients"
            self.add("MS200", func, call, "torch.optim.Optimizer." + func.attr,
                     f"`{func.value.id}.{func.attr}()` {what}", Kind.CALL, claim=[func], attr_only=True)

    def _statement(self, stmt: ast.Expr) -> None:
        call = stmt.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            return
        attr = call.func.attr
        if attr == "backward" and not self.finding_api(call.func):
            step = training_step(self.facts, stmt)
            if (not isinstance(step, TrainingStep) or step.step is None) and id(call) in self.gradient_sites:
                return  # planned by the gradient rules (MS230): `x.grad` is read after it
            receiver = call.func.value
            if isinstance(receiver, ast.Name):
                self.facts.tensors.add(receiver.id)
            closure = _step_closure(self.facts, stmt)
            if closure is not None:  # `def closure(): ...; loss.backward(); return loss` for LBFGS
                self.facts.closure_backwards.add(id(stmt))
                self.add("MS200", call.func, stmt, "torch.Tensor.backward",
                         f"`{closure}` is the closure of an optimizer's step(): the optimizer takes the gradients "
                         "of what it returns with mindspore.value_and_grad, so backward() goes",
                         Kind.TENSOR_METHOD, claim=[call.func], attr_only=True)
            elif isinstance(step, TrainingStep) and step.step is None:
                self.facts.held_optimizers.add(step.optimizer)
                aux = [n for s in step.forward for n in assigned_names(s) if n != step.loss]
                self.facts.tensors.update(aux)
                self.add("MS200", call.func, step.owner, "torch.Tensor.backward",
                         f"`{step.optimizer}.step()` is not in the same block: the gradients of forward_fn "
                         f"(mindspore.value_and_grad) are held, added up as PyTorch adds them to .grad, until "
                         f"`{step.optimizer}.step()` applies them and `{step.optimizer}.zero_grad()` drops them",
                         Kind.TENSOR_METHOD, claim=[call.func], attr_only=True)
            elif isinstance(step, TrainingStep):
                claims = [call.func, step.step.value.func]
                if step.zero_grad is not None:
                    claims.append(step.zero_grad.value.func)
                for c in step.clips:
                    claims.append(c.value.func)
                aux = [n for s in step.forward for n in assigned_names(s) if n != step.loss]
                self.facts.tensors.update(aux)
                detail = (f"`{step.optimizer}.step()` after `{step.loss}.backward()`: becomes forward_fn + "
                          f"mindspore.value_and_grad(forward_fn, None, {step.optimizer}.parameters"
                          f"{', has_aux=True' if aux else ''}) + train_step")
                node = step.owner
                if step.sliced:  # spans the moved statements, so what they hold is converted first
                    node = ast.Pass(lineno=step.forward[0].lineno, col_offset=step.forward[0].col_offset,
                                    end_lineno=step.step.end_lineno, end_col_offset=step.step.end_col_offset)
                    self.facts.script_steps[id(node)] = stmt
                self.add("MS200", call.func, node, "torch.Tensor.backward", detail, Kind.TENSOR_METHOD,
                         claim=claims, attr_only=True)
            else:
                self.add("MS200", call.func, stmt, "torch.Tensor.backward",
                         f"no automatic rewrite ({step}); use mindspore.value_and_grad by hand",
                         Kind.TENSOR_METHOD, claim=[call.func], attr_only=True)
        elif attr in ("train", "eval") and len(call.args) <= 1 and not call.keywords \
                and isinstance(call.func.value, (ast.Name, ast.Attribute)) and not self.finding_api(call.func) \
                and self._looks_like_module(call.func.value, call):
            mode = "False" if attr == "eval" else "True"
            self.add("MS200", call.func, call, "torch.nn.Module." + attr,
                     f"`{attr}()` is `set_train({mode})` on a Cell", Kind.CALL, claim=[call.func], attr_only=True)
        elif attr in CHAIN_INPLACE and len((chain := inplace_chain(call))[1]) > 1 \
                and is_tensor_slice(chain[0]):
            calls = chain[1]
            self.add("MS220", call.func, stmt, "torch.Tensor." + calls[0].func.attr,
                     f"`.{'().'.join(c.func.attr for c in calls)}()` on a slice may not update the original tensor "
                     "in MindSpore", Kind.TENSOR_METHOD, claim=[c.func for c in calls],
                     confidence=Confidence.LIKELY, attr_only=True)
        elif attr in INPLACE_BINARY or attr in INPLACE_OTHER:
            receiver = call.func.value
            if is_tensor_slice(receiver) or (
                    isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute)
                    and receiver.func.attr in VIEW_METHODS):
                what = "a slice" if isinstance(receiver, ast.Subscript) else f"the view `.{receiver.func.attr}()`"
                self.add("MS220", call.func, stmt, "torch.Tensor." + attr,
                         f"`.{attr}()` on {what} may not update the original tensor in MindSpore",
                         Kind.TENSOR_METHOD, claim=[call.func], confidence=Confidence.LIKELY, attr_only=True)

    def _marked_view_write(self, call: ast.Call, api: str) -> bool:
        """A write into a view refused by an earlier conversion (its view is MindSpore code now): the
        marker above it says so, and converting again keeps it refused."""
        stmt = self.facts.parents.get(id(call))
        if stmt is None or stmt.lineno < 2 or "[UnConvert]" not in self.source:
            return False
        if not self._lines:  # an ASCII text has not been split yet
            self._lines = split_lines(self.source)
        return f"[UnConvert] {api}: in-place update of a view" in self._lines[stmt.lineno - 2]

    def _looks_like_module(self, node: ast.AST, call: ast.Call) -> bool:
        """`X.train(...)`/`X.eval()` is a module's when X is known to hold one, or when tensors cannot
        be meant: X is an attribute chain of `self` in a method (a tensor has neither method), the
        call is `X.eval()` (nothing else in a PyTorch program has it), or the mode passed is another
        module's `.training` flag."""
        if call.args and isinstance(call.args[0], ast.Attribute) and call.args[0].attr == "training":
            return True
        if call.func.attr == "eval" and not call.args:
            return True  # no tensor has `.eval()`: a module of another package (`layer = LambdaLayer(...)`)
        if isinstance(node, ast.Name):
            return node.id in self.facts.modules or node.id in ("model", "net", "network")
        if not isinstance(node, ast.Attribute):
            return False
        if node.attr in ("model", "net", "module"):
            return True
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        return isinstance(root, ast.Name) and root.id == "self" and self._in_method(node)

    def _in_method(self, node: ast.AST) -> bool:
        parents = self.facts.parents
        parent = parents.get(id(node))
        while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
            parent = parents.get(id(parent))
        return parent is not None and isinstance(parents.get(id(parent)), ast.ClassDef)

    def _call(self, call: ast.Call) -> None:
        func = call.func
        api = self.finding_api(func) or ""
        facts = self.facts
        if not api and func.__class__ is ast.Attribute and func.attr == "train" and len(call.args) == 1 \
                and not call.keywords and isinstance(call.args[0], ast.Attribute) \
                and call.args[0].attr == "training" and type(facts.parents.get(id(call))) is not ast.Expr:
            # `m = other.train(self.training)`: set_train returns the Cell as train returns the module
            self.add("MS200", func, call, "torch.nn.Module.train", "`train(mode)` is `set_train(mode)` on a Cell",
                     Kind.CALL, claim=[func], attr_only=True)
        hit = self.by_node.get(id(func))
        for kw in call.keywords:
            if kw.arg == "out" and api.startswith("torch") and not (
                    hit is not None and hit.entry is not None and out_keyword(hit.entry, call) is not None):
                self.add("MS221", kw.value, call, api, f"`out=` of {api}: assign the result instead",
                         Kind.CALL, claim=[func])
        if api in ATEN_INPLACE and (write := view_write(facts.apis, facts.parents, call, api)) is not None:
            self.add("MS220", func, write.stmt, api, f"`{api}` writes into a view of `{write.base.id}`: an indexed "
                     "assignment into it", Kind.CALL, claim=[func])
        elif api.startswith("torch.ops.aten.") and api.split(".")[3].endswith("_") \
                and (is_view_name(facts.apis, facts.parents, call) or self._marked_view_write(call, api)):
            self.add("MS220", func, facts.parents[id(call)], api, f"`{api}` writes into a view MindSpore would copy",
                     Kind.CALL, claim=[func])
        elif api == "torch.utils.data.DataLoader":
            self.add("MS201", func, call, api, "DataLoader → GeneratorDataset(...).batch(...)", claim=[func])
        elif api == "torch.device":
            self.add("MS204", func, call, api, "device objects go; the device is chosen by "
                     "mindspore.set_context(device_target=...)", claim=[func])
        elif api == "torch.cuda.is_available":
            self.add("MS204", func, call, api, "becomes mindspore.get_context('device_target') == 'GPU'",
                     claim=[func])
        elif api == "torch.save" and call.args and _is_state_dict(call.args[0]):
            self.add("MS206", func, call, api, "state_dict saved: mindspore.save_checkpoint(cell, path)",
                     claim=[func])
        elif api in LOSS_FUNCTIONS and len(call.args) >= 2:
            self.add("MS208", call.args[1], call.args[1], api, "the class-index target is cast to int32",
                     claim=[])
        elif api.startswith(OPTIMIZER_PREFIX) and api.count(".") == 2:
            if call.args and _is_parameters_call(call.args[0]):
                target = call.args[0]
                self.add("MS207", target.func, target, "torch.nn.Module.parameters",
                         "an optimizer takes trainable_params()", Kind.CALL, claim=[target.func], attr_only=True)
            wd = next((k for k in call.keywords if k.arg == "weight_decay"), None)
            entry_api = None
            hit = self.by_node.get(id(func))
            if hit is not None and hit.mindspore_api:
                entry_api = hit.mindspore_api
            if wd is not None and not (isinstance(wd.value, ast.Constant) and not wd.value.value) \
                    and entry_api and entry_api.startswith("mindspore.nn."):
                self.add("MS210", wd, wd.value, api, f"{entry_api} skips gamma/beta when decaying; PyTorch decays "
                         "all: pass [{'params': params, 'weight_decay': wd}] to keep PyTorch's behaviour")
        elif api.startswith(DIST_PREFIXES):
            hit = self.by_node.get(id(func))
            if hit is None or not hit.automatic:  # the database may rewrite it (is_available() → True)
                self.add("MS225", func, call, api, f"{api}: rewrite with mindspore.communication", claim=[func])
        elif api.startswith(AMP_PREFIXES) and not self._in_with_header(call):
            hit = self.by_node.get(id(func))
            if hit is None or not hit.automatic:  # the database may rewrite it (a disabled CUDA GradScaler)
                self.add("MS224", func, call, api, f"{api}: use mindspore.amp", claim=[func])
        elif api.startswith("torch.jit.") and not self._is_decorator(call):
            hit = self.by_node.get(id(func))
            if hit is None or not hit.automatic:  # the database may rewrite it (is_scripting() → False)
                self.add("MS223", func, call, api, f"{api}: no TorchScript in MindSpore", claim=[func])
        elif isinstance(func, ast.Attribute) and (not api or self._module_call_for_rules(api, call)):
            attr = func.attr
            if attr in ("cuda", "cpu") and len(call.args) <= 1 and not call.keywords:
                self.add("MS204", func, call, f"torch.Tensor.{attr}", f"`.{attr}()` is removed",
                         Kind.TENSOR_METHOD, claim=[func], confidence=Confidence.LIKELY, attr_only=True)
            elif attr == "to" and self._device_only_to(call):
                self.add("MS204", func, call, "torch.Tensor.to", "`.to(device)` is removed",
                         Kind.TENSOR_METHOD, claim=[func], confidence=Confidence.LIKELY, attr_only=True)
            elif attr == "load_state_dict" and len(call.args) == 1:
                self.add("MS206", func, call, "torch.nn.Module.load_state_dict",
                         "becomes mindspore.load_param_into_net(cell, mindspore.load_checkpoint(path))",
                         claim=[func], attr_only=True)
                self._claim_load(call.args[0])
            elif attr in HOOK_METHODS and id(call) not in self.gradient_sites:  # tensor hooks: MS230
                self.add("MS222", func, call, f"torch.nn.Module.{attr}", f"`{attr}` runs in PyNative mode only",
                         claim=[func], confidence=Confidence.LIKELY, attr_only=True)
            elif attr == "numpy" and not call.args and self._grad_tensor(func.value):
                self.add("MS226", func, call, "torch.Tensor.numpy", "use `.asnumpy()`", Kind.TENSOR_METHOD,
                         claim=[func], confidence=Confidence.LIKELY, attr_only=True)
        if len(call.args) >= 2 and (isinstance(func, ast.Name) and func.id in facts.losses
                                    or _self_attribute(func) in facts.losses
                                    or _value_kind(facts, func, set()) == "loss"):  # `nn.NLLLoss()(x, y)` too
            self.add("MS208", call.args[1], call.args[1], "torch.nn.CrossEntropyLoss",
                     "the class-index target is cast to int32", Kind.CALL, confidence=Confidence.LIKELY)
        if isinstance(func, ast.Name) and func.id == "len" and len(call.args) == 1 \
                and isinstance(call.args[0], ast.Name) and call.args[0].id in facts.loaders:
            self.add("MS203", call, call, "torch.utils.data.DataLoader.__len__",
                     "the number of batches is get_dataset_size()", confidence=Confidence.LIKELY)

    def _module_call_for_rules(self, api: str, call: ast.Call) -> bool:
        """A module method the finder resolved (the receiver is a known module) that these rules
        rewrite all the same: device moves, and loading a state dict read by torch.load."""
        if api in ("torch.nn.Module.to", "torch.nn.Module.cuda", "torch.nn.Module.cpu"):
            return True
        return (api == "torch.nn.Module.load_state_dict" and len(call.args) == 1
                and isinstance(call.args[0], ast.Call) and self.finding_api(call.args[0].func) == "torch.load")

    def _claim_load(self, arg: ast.AST) -> None:
        if isinstance(arg, ast.Call) and self.finding_api(arg.func) == "torch.load":
            hit = self.by_node.get(id(arg.func))
            if hit is not None:
                self.claimed.add(id(hit))

    def _grad_tensor(self, node: ast.AST) -> bool:
        # `loss.numpy()`, `outputs.cpu().numpy()`: a training tensor reaching numpy without detach
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("cpu",):
            node = node.func.value
        return isinstance(node, ast.Name) and node.id in self.facts.tensors

    def _device_only_to(self, call: ast.Call) -> bool:
        args = list(call.args)
        kws = {k.arg: k.value for k in call.keywords}
        if set(kws) - {"device", "non_blocking"}:
            return False
        dev = kws.get("device")
        if dev is None:
            if len(args) != 1:
                return False
            dev = args[0]
        elif args:
            return False
        if _is_device_expr(self.facts, dev):
            return True
        if isinstance(dev, ast.Name):
            return dev.id in self.facts.devices or "device" in dev.id.lower()
        if isinstance(dev, ast.Attribute):
            return "device" in dev.attr.lower()
        return False

    def _in_with_header(self, call: ast.Call) -> bool:
        parent = self.facts.parents.get(id(call))
        return isinstance(parent, ast.withitem)

    def _is_decorator(self, call: ast.Call) -> bool:
        parent = self.facts.parents.get(id(call))
        return isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and call in parent.decorator_list

    def _with(self, node: ast.With) -> None:
        for item in node.items:
            expr = item.context_expr
            func = expr.func if isinstance(expr, ast.Call) else expr
            api = self.finding_api(func) or ""
            if api in SETTING_CONTEXTS and not (api in READ_BACK_CONTEXTS
                                                and READ_BACK_CONTEXTS[api] in self.source):
                self.add("MS205", func, node, api, "a PyTorch setting: the `with` line is removed and its body "
                         "dedented", claim=[func])
            elif api in NO_GRAD_APIS:
                ok = not api.endswith("set_grad_enabled") or grad_switch_is_plain(expr)
                detail = ("the `with` line is removed and its body dedented" if ok
                          else "set_grad_enabled(<call>): remove it by hand")
                self.add("MS205", func, node, api, detail, claim=[func])
            elif api.startswith(AMP_PREFIXES):
                self.add("MS224", func, node, api, "autocast block: runs in float32 after conversion "
                         "(`with` line removed)", claim=[func])

    def _decorator(self, dec: ast.AST) -> None:
        func = dec.func if isinstance(dec, ast.Call) else dec
        api = self.finding_api(func) or ""
        if api in NO_GRAD_APIS:
            self.add("MS205", func, dec, api, "the decorator is dropped", Kind.DECORATOR, claim=[func])
        elif api.startswith("torch.jit."):
            detail = "the decorator is dropped (eager code)" if api in JIT_DROPPABLE else "no TorchScript"
            self.add("MS223", func, dec, api, detail, Kind.DECORATOR, claim=[func])
        elif api.startswith(AMP_PREFIXES):
            self.add("MS224", func, dec, api, "autocast decorator: dropped (float32)", Kind.DECORATOR, claim=[func])


def grad_switch_is_plain(expr: ast.AST) -> bool:
    """`set_grad_enabled(False)`, `(True)`, `(is_train)`, `(phase == 'train')`: a switch that only says
    whether PyTorch records the block (MindSpore differentiates only inside value_and_grad, so the
    block's values are the same either way); a call in it might do more, so it stays for a human."""
    if not (isinstance(expr, ast.Call) and len(expr.args) + len(expr.keywords) == 1):
        return False
    arg = expr.args[0] if expr.args else expr.keywords[0].value
    return not any(isinstance(n, (ast.Call, ast.NamedExpr, ast.Await, ast.Yield)) for n in ast.walk(arg))


def _is_state_dict(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "state_dict"
            and not node.args and not node.keywords)


def _is_parameters_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "parameters"
            and not node.args and not node.keywords)


def apply_patterns(tree: ast.Module, findings: list[Finding], source: str = "",
                   context: FileContext | None = None) -> list[Finding]:
    """The finder's findings with the statement-level rules applied (see the module docstring).
    `context` is the file's shared FileContext: the rules read its node index and leave their
    name-flow facts on it for the fixers."""
    if not findings or (source and not any(t in source for t in _TRIGGERS)):
        return findings
    if not any(f.torch_api.startswith("torch") for f in findings):
        return findings
    return _Detector(tree, findings, source, context if context is not None else FileContext(source, tree)).run()


def explain(code: str) -> str:
    return EXPLAIN.get(code, PATTERN_RULES[code].description)
