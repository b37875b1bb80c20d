"""Capturing a live PyTorch model as one traced graph per module instance.

Each user module (a class that is not a torch.nn layer) is traced on its own with `torch.fx`,
every submodule it calls kept as a leaf, so the generated code can mirror the model's class
structure instead of inlining it. Each instance is traced in eval mode and in train mode: when
the graphs differ (branches on `self.training`), both are kept and the generated construct
dispatches on `self.training`. Non-tensor arguments a parent passes to a child (flags, rates)
are baked into the child's trace, as fx requires for Python control flow on them.

A module fx cannot trace is captured with `torch.export` on the arguments it received when the
model ran once (graph/export.py: shapes specialised, children kept as calls). When that fails too,
it keeps its class, layers and weights; its construct becomes a marked placeholder and the report
says why.
"""

from __future__ import annotations

import inspect
import operator
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.fx as fx

MODES = ("eval", "train")


class CaptureError(Exception):
    """The model cannot be captured (one clear line)."""


def is_container(m: torch.nn.Module) -> bool:
    return type(m) in (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict)


def torch_layer_class(m: torch.nn.Module) -> type | None:
    """The torch.nn layer class a module behaves as (itself, or a subclass that keeps its forward)."""
    if is_container(m):
        return None
    for klass in type(m).__mro__:
        mod = klass.__module__ or ""
        if mod.startswith(("torch.nn.", "torch.ao.nn.")) and klass is not torch.nn.Module:
            if klass in (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict):
                return None
            if type(m).forward is klass.forward or klass is type(m):
                return klass
            return None
    return None


def is_user_module(m: torch.nn.Module) -> bool:
    """Modules whose forward is traced into their own Cell (not torch.nn layers or containers)."""
    return not is_container(m) and torch_layer_class(m) is None


class _UnitTracer(fx.Tracer):
    """Traces one module; every submodule call stays a `call_module` leaf."""

    def __init__(self, root: torch.nn.Module):
        super().__init__()
        self._unit_root = root

    def is_leaf_module(self, m: torch.nn.Module, qualname: str) -> bool:
        return m is not self._unit_root


@dataclass
class Unit:
    """One user-module instance and its traced graphs."""

    path: str
    module: torch.nn.Module
    concrete: dict[str, Any] = field(default_factory=dict)
    graphs: dict[str, fx.Graph] = field(default_factory=dict)  # mode → graph ("eval"/"train")
    params: list[str] = field(default_factory=list)  # construct's parameters (forward's, minus concrete)
    defaults: dict[str, Any] = field(default_factory=dict)
    via: str = "fx"  # fx | export | none
    error: str | None = None  # why the module could not be traced (then the Cell is a placeholder)
    fx_error: str | None = None  # why fx failed when torch.export captured the module instead
    example: tuple | None = None  # (args, kwargs) of the module's first call, for torch.export
    constants: dict[str, torch.Tensor] = field(default_factory=dict)  # fx's tensor constants
    # arguments that arrive as a tuple/list of tensors: name → (container type, length); traced as
    # that container of placeholders so `isinstance(x, tuple)` takes the branch the real call takes
    sequences: dict[str, tuple[type, int]] = field(default_factory=dict)
    packed: dict[str, list[str]] = field(default_factory=dict)  # such an argument → its leaf names

    @property
    def mode_dependent(self) -> bool:
        return len(self.graphs) == 2 and graph_key(self.graphs["eval"]) != graph_key(self.graphs["train"])


def graph_key(graph: fx.Graph) -> str:
    """A text identity of a graph (targets, arguments, constants), for comparing traces."""
    return "\n".join(f"{n.op}|{n.name}|{_target_name(n.target)}|{n.args!r}|{n.kwargs!r}" for n in graph.nodes)


def _target_name(t: Any) -> str:
    if isinstance(t, str):
        return t
    return f"{getattr(t, '__module__', '')}.{getattr(t, '__qualname__', getattr(t, '__name__', repr(t)))}"


def forward_signature(m: torch.nn.Module) -> inspect.Signature | None:
    try:
        return inspect.signature(m.forward)
    except (TypeError, ValueError):
        return None


def _pack(params: list[str], placeholders: list[str], sequences: dict[str, tuple[type, int]]
          ) -> tuple[list[str], dict[str, list[str]]]:
    """construct's parameters from the graph's placeholders: a sequence argument's leaves
    (`x_1, x_2`) become the one argument `x` again, unpacked at the top of construct."""
    if not sequences:
        return placeholders, {}
    out, packed, i = [], {}, 0
    for name in params:
        if name in sequences:
            n = sequences[name][1]
            packed[name] = placeholders[i:i + n]
            out.append(name)
            i += n
        else:
            out.append(placeholders[i] if i < len(placeholders) else name)
            i += 1
    out.extend(placeholders[i:])
    return out, packed


def _drop_specialised(graph: fx.Graph, sig: inspect.Signature | None, names: set[str],
                      sequences: dict[str, tuple[type, int]] | None = None) -> None:
    """Remove the placeholders fx keeps for concrete arguments, with their equality asserts."""
    assert_fns = {torch._assert, operator.eq}
    is_none = getattr(fx._symbolic_trace, "_assert_is_none", None)
    if is_none is not None:
        assert_fns.add(is_none)
    order = [p.name for p in sig.parameters.values()] if sig is not None else []
    for name, (_kind, length) in (sequences or {}).items():  # one placeholder per leaf
        if name in order:
            at = order.index(name)
            order[at:at + 1] = [name] * length
    placeholders = [n for n in graph.nodes if n.op == "placeholder"]
    for i, node in enumerate(placeholders):
        name = order[i] if i < len(order) else node.target
        if name not in names:
            continue
        doomed: list[fx.Node] = []
        stack = [node]
        while stack:
            cur = stack.pop()
            doomed.append(cur)
            for user in cur.users:
                if user.op != "call_function" or user.target not in assert_fns:
                    raise CaptureError(f"argument {node.target} is used as a value after being fixed")
                stack.append(user)
        for d in reversed(sorted(set(doomed), key=lambda n: list(graph.nodes).index(n))):
            graph.erase_node(d)


def _clean_attributes(module: torch.nn.Module, before: set[str]) -> dict[str, torch.Tensor]:
    """Tracing runs forward: drop attributes it stored on the module (`self.x = x.clone()`, fx's
    `_tensor_constant0`); the tensor constants are returned, the graph still reads them."""
    constants = {}
    for name in set(vars(module)) - before:
        value = vars(module)[name]
        if isinstance(value, torch.Tensor) and not isinstance(value, fx.Proxy):
            constants[name] = value
        delattr(module, name)
    return constants


def trace_unit(unit: Unit) -> None:
    """Trace the unit's module in eval and in train mode."""
    m = unit.module
    sig = forward_signature(m)
    concrete = dict(unit.concrete)
    if sig is not None:
        names = []
        for p in sig.parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            if p.name in concrete:
                continue
            names.append(p.name)
        unit.params = names
    sequences = {k: v for k, v in unit.sequences.items() if k not in concrete and k in unit.params}
    traced_args = dict(concrete)
    for name, (kind, length) in sequences.items():
        traced_args[name] = kind(fx.PH for _ in range(length))
    was_training = m.training
    try:
        for mode in MODES:
            m.train(mode == "train")
            before = set(vars(m))
            try:
                graph = _UnitTracer(m).trace(m, concrete_args=traced_args or None)
            finally:
                unit.constants.update(_clean_attributes(m, before))
            if concrete:
                _drop_specialised(graph, sig, set(concrete), sequences)
            _drop_unused(graph)
            unit.graphs[mode] = graph
        placeholders = [n for n in unit.graphs["eval"].nodes if n.op == "placeholder"]
        unit.params, unit.packed = _pack(unit.params, [str(n.target) for n in placeholders], sequences)
        unit.defaults = {n.target: n.args[0] for n in placeholders if n.args}
    except CaptureError:
        raise
    except Exception as exc:  # fx raises many kinds (TraceError, TypeError, NotImplementedError...)
        unit.graphs.clear()
        unit.error = f"torch.fx cannot trace {type(m).__name__}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        unit.via = "none"
    finally:
        m.train(was_training)
    if unit.error:
        _export_fallback(unit)


def _export_fallback(unit: Unit) -> None:
    """Capture with torch.export what fx could not (graph/export.py); else keep fx's reason."""
    from .export import ExportFailed, export_graphs

    if unit.example is None:
        unit.error += "; torch.export not tried (the module did not run on the given inputs)"
        return
    args, kwargs = unit.example
    sig = forward_signature(unit.module)
    try:
        bound = sig.bind(*args, **kwargs).arguments if sig is not None else {}
        for name, value in bound.items():
            if isinstance(value, (tuple, list)) and name not in unit.concrete:
                raise ExportFailed(f"argument {name} is a {type(value).__name__} (the fallback takes tensors)")
            if not isinstance(value, torch.Tensor) and name not in unit.concrete and value is not None:
                raise ExportFailed(f"argument {name} is not a tensor and differs between calls")
        constants: dict[str, torch.Tensor] = {}
        graphs = export_graphs(unit.module, args, kwargs, constants=constants)
    except (ExportFailed, TypeError) as exc:
        unit.error += f"; torch.export cannot capture it either: {exc}"
        return
    for graph in graphs.values():
        for node in [n for n in graph.nodes if n.op == "placeholder" and n.target in unit.concrete]:
            if node.users:
                unit.error += f"; torch.export reads the fixed argument {node.target}"
                return
            graph.erase_node(node)
    unit.fx_error, unit.error, unit.via = unit.error, None, "export"
    unit.constants.update(constants)
    unit.graphs = graphs
    unit.params = [str(n.target) for n in graphs["eval"].nodes if n.op == "placeholder"]
    unit.defaults, unit.packed = {}, {}


def _drop_unused(graph: fx.Graph) -> None:
    """Remove pure nodes nobody reads (`self.x = x.clone()` leaves one); keep in-place calls and
    module calls, whose effects matter without a reader."""
    for node in reversed(list(graph.nodes)):
        if node.users or node.op in ("placeholder", "output", "call_module"):
            continue
        name = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", "")
        if name.endswith("_") and not name.endswith("__") or node.target in (operator.setitem, torch._assert):
            continue
        graph.erase_node(node)


def call_sites(graph: fx.Graph) -> list[fx.Node]:
    return [n for n in graph.nodes if n.op == "call_module"]


def has_node(value: Any) -> bool:
    found = []
    fx.node.map_arg(value, lambda n: found.append(n))
    return bool(found)


def child_concrete(parent: torch.nn.Module, node: fx.Node) -> tuple[str, dict[str, Any]]:
    """The called child's path and the non-tensor arguments it receives at this call site."""
    child = parent.get_submodule(node.target)
    sig = forward_signature(child)
    if sig is None:
        return node.target, {}
    try:
        bound = sig.bind(*node.args, **node.kwargs)
    except TypeError:
        return node.target, {}
    fixed = {}
    for name, p in sig.parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            if name in bound.arguments:
                return node.target, {}  # *args / **kwargs: keep everything dynamic
            continue
        if name in bound.arguments:
            value = bound.arguments[name]
            if not has_node(value):
                fixed[name] = value
        elif p.default is not inspect.Parameter.empty:
            fixed[name] = p.default
    return node.target, fixed


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


@dataclass
class Capture:
    model: torch.nn.Module
    units: dict[str, Unit]  # module path → unit (user modules only)
    input_count: int
    shapes: dict[str, tuple[list, list]] = field(default_factory=dict)  # module path → (in shapes, out shapes)
    inputs: dict[str, tuple] = field(default_factory=dict)  # user-module path → its first call's arguments
    notes: list[str] = field(default_factory=list)


def _root_concrete(model: torch.nn.Module, n_inputs: int) -> dict[str, Any]:
    """Forward parameters beyond the given inputs keep their defaults (baked into the graph)."""
    sig = forward_signature(model)
    if sig is None:
        return {}
    params = [p for p in sig.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    required = [p for p in params if p.default is inspect.Parameter.empty]
    if len(required) > n_inputs:
        raise CaptureError(f"{type(model).__name__}.forward needs {len(required)} inputs "
                           f"({', '.join(p.name for p in required)}); {n_inputs} --input given")
    if len(params) < n_inputs and not any(p.kind == p.VAR_POSITIONAL for p in sig.parameters.values()):
        raise CaptureError(f"{type(model).__name__}.forward takes {len(params)} inputs; {n_inputs} --input given")
    return {p.name: p.default for p in params[n_inputs:]}


def _defaults_left(module: torch.nn.Module, example: tuple | None) -> dict[str, Any]:
    """The parameters a container's call left at their defaults (a Sequential passes one input):
    fixed there, as a direct call site would fix them. Traced as arguments instead, an optional
    `x_prev=None` becomes a proxy, and `if x_prev is None` takes the branch the model never runs."""
    sig = forward_signature(module)
    if sig is None or example is None:
        return {}
    try:
        bound = sig.bind(*example[0], **example[1]).arguments
    except TypeError:
        return {}
    return {p.name: p.default for p in sig.parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in bound
            and p.default is not inspect.Parameter.empty}


def sequence_arguments(model: torch.nn.Module, inputs: list[torch.Tensor],
                       examples: dict[int, tuple] | None = None) -> dict[int, dict[str, tuple[type, int]]]:
    """Run the model once (eval, no grad) and note, per user module, which arguments are tuples or
    lists of tensors (DPN's blocks take `(resid, dense)` and branch on `isinstance(x, tuple)`).
    `examples` receives each user module's first (args, kwargs), for the torch.export fallback."""
    found: dict[int, dict[str, tuple[type, int]]] = {}
    handles = []

    def hook(module, args, kwargs):
        if id(module) in found:
            return
        if examples is not None:
            examples[id(module)] = (tuple(args), dict(kwargs))
        sig = forward_signature(module)
        try:
            bound = sig.bind(*args, **kwargs).arguments if sig is not None else {}
        except TypeError:
            bound = {}
        found[id(module)] = {name: (type(v), len(v)) for name, v in bound.items()
                             if type(v) in (tuple, list) and v and all(isinstance(t, torch.Tensor) for t in v)}

    for module in model.modules():
        if is_user_module(module):
            handles.append(module.register_forward_pre_hook(hook, with_kwargs=True))
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(*inputs)
    except Exception:  # the run that records shapes reports a failing model; tracing goes on without
        pass
    finally:
        model.train(was)
        for h in handles:
            h.remove()
    return found


def capture(model: torch.nn.Module, n_inputs: int, inputs: list[torch.Tensor] | None = None) -> Capture:
    """Trace every user module reachable from the model (the model itself first)."""
    if not is_user_module(model):
        raise CaptureError(f"the model is a bare {type(model).__name__}; wrap it in a module class to convert it")
    examples: dict[int, tuple] = {}
    sequences = sequence_arguments(model, inputs, examples) if inputs is not None else {}
    named = dict(model.named_modules(remove_duplicate=False))
    units: dict[str, Unit] = {}
    calls: dict[str, list[dict[str, Any]]] = {}
    order: list[str] = []

    def visit(path: str, concrete: dict[str, Any]) -> None:
        unit = Unit(path, named[path], concrete, sequences=dict(sequences.get(id(named[path]), {})),
                    example=examples.get(id(named[path])))
        trace_unit(unit)
        units[path] = unit
        order.append(path)
        module = named[path]
        seen_children: dict[str, list[dict[str, Any]]] = {}
        for graph in unit.graphs.values():
            for node in call_sites(graph):
                child = module.get_submodule(node.target)
                if not is_user_module(child):
                    continue
                target, fixed = child_concrete(module, node)
                seen_children.setdefault(_join(path, target), []).append(fixed)
        for child_path, variants in seen_children.items():
            calls[child_path] = variants
        for child_path, variants in seen_children.items():
            if child_path in units:
                continue
            merged = dict(variants[0])
            for v in variants[1:]:  # a value that differs between calls stays a runtime argument
                for k in list(merged):
                    if k not in v or v[k] is not merged[k] and v[k] != merged[k]:
                        merged.pop(k)
            visit(child_path, merged)

    visit("", _root_concrete(model, n_inputs))
    # user modules the traces never call directly (inside Sequential containers, or unused)
    for path, module in named.items():
        if path not in units and is_user_module(module) and not any(
                path.startswith(u + ".") for u in units if units[u].error):
            visit(path, _defaults_left(module, examples.get(id(module))))
    return Capture(model, units, n_inputs)


def record_shapes(cap: Capture, inputs: list[torch.Tensor]) -> Any:
    """Run the model once (eval, no grad) and note each module's input and output shapes."""
    model = cap.model
    handles = []

    def shapes_of(obj):
        if isinstance(obj, torch.Tensor):
            return [list(obj.shape)]
        if isinstance(obj, (list, tuple)):
            return [s for o in obj for s in shapes_of(o)]
        if isinstance(obj, dict):
            return [s for o in obj.values() for s in shapes_of(o)]
        return []

    for path, module in model.named_modules():
        def hook(_m, args, out, path=path):
            cap.shapes.setdefault(path, (shapes_of(args), shapes_of(out)))
            if path in cap.units:
                cap.inputs.setdefault(path, args)
        handles.append(module.register_forward_hook(hook))
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(*inputs)
    finally:
        model.train(was)
        for h in handles:
            h.remove()
