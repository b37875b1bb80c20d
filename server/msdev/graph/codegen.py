"""From traced graphs to one readable PyTorch-style module, then through msdev's own converter.

Each traced module instance becomes a *draft*: its `__init__` (one line per child layer, built
from the layer's real hyper-parameters) and its forward (one statement per graph node, written
as PyTorch source: `nn.Conv2d(3, 64, kernel_size=(7, 7), ...)`, `torch.flatten(x, 1)`,
`x.view(size, -1)`). Constants in a draft are `Lit` slots. Instances of the same class whose
drafts differ only in their slots share one class; the slots that vary become `__init__`
parameters (one per distinct value pattern), so fbresnet152's 50 bottlenecks become a couple of
classes, not 50. The PyTorch text is then converted by `msdev.rewrite.convert.convert_text`, the
engine behind `msdev convert`, so every node goes through the same database and argument rules.
"""

from __future__ import annotations

import inspect
import operator
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.fx as fx

from .capture import Capture, Unit, forward_signature, is_container, is_user_module, torch_layer_class
from .naming import Scope, identifier, is_attribute_name, member_path, node_base_name


class Unrenderable(Exception):
    """A node or layer that cannot be written as PyTorch source (becomes a placeholder)."""


# --------------------------------------------------------------------------- literals and templates

class Lit:
    """A constant in a draft: inlined when every instance agrees, else an __init__ parameter."""

    __slots__ = ("value", "hint", "text")

    def __init__(self, value: Any, hint: str):
        self.value = value
        self.hint = hint
        self.text = literal_text(value)


def literal_text(value: Any) -> str:
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else f"float({str(value)!r})"
    if isinstance(value, torch.Size):
        value = tuple(value)
    if isinstance(value, tuple):
        inner = ", ".join(literal_text(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(literal_text(v) for v in value) + "]"
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return "{" + ", ".join(f"{k!r}: {literal_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, torch.dtype):
        return str(value)  # torch.float32
    if isinstance(value, torch.memory_format):
        return str(value)
    raise Unrenderable(f"constant of type {type(value).__name__} cannot be written as source")


Part = Any  # str | Lit
Template = list


@dataclass
class Line:
    indent: int
    parts: Template
    meta: dict = field(default_factory=dict)  # kind: node|init|param; node; attr; api


@dataclass
class ChildRef:
    """A user-module child inside an __init__ expression, resolved once its class is known."""

    path: str  # absolute module path
    hint: str


# --------------------------------------------------------------------------- layers (__init__)

_SKIP_INIT_ARGS = {"self", "device", "dtype"}
#: hyper-parameters written even at their default (the frameworks' defaults or spellings differ)
ALWAYS_SHOWN = {"p", "eps", "momentum"}


def _same(value: Any, default: Any) -> bool:
    if value == default:
        return True
    if isinstance(value, tuple) and value and not isinstance(default, tuple):
        return all(v == default for v in value)
    return False


def layer_call(module: torch.nn.Module, klass: type, hint: str) -> tuple[Template, list[str]]:
    """`nn.Conv2d(3, 64, kernel_size=...)` from a live layer's attributes; notes on assumptions."""
    try:
        sig = inspect.signature(klass.__init__)
    except (TypeError, ValueError):
        raise Unrenderable(f"{klass.__name__} has no inspectable constructor") from None
    parts: Template = [f"nn.{klass.__name__}("]
    notes: list[str] = []
    args: list[Template] = []
    for p in list(sig.parameters.values())[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in _SKIP_INIT_ARGS or p.name.startswith("_"):
            continue
        if p.name == "bias" and isinstance(getattr(module, "bias", 0), (torch.Tensor, type(None))):
            value = module.bias is not None
        elif p.name == "bias" and hasattr(module, "in_proj_bias"):
            value = module.in_proj_bias is not None
        elif p.name == "add_bias_kv" and hasattr(module, "bias_k"):
            value = module.bias_k is not None
        elif p.name == "affine" and not hasattr(module, "affine") and hasattr(module, "weight"):
            value = module.weight is not None
        elif hasattr(module, p.name) and not isinstance(getattr(module, p.name), torch.Tensor):
            value = getattr(module, p.name)
        elif p.default is not inspect.Parameter.empty:
            notes.append(f"{klass.__name__}: argument {p.name} not stored on the layer; its default is assumed")
            continue
        else:
            raise Unrenderable(f"{klass.__name__}: cannot recover constructor argument {p.name!r}")
        if isinstance(value, torch.nn.Module):
            raise Unrenderable(f"{klass.__name__}: argument {p.name} is a module")
        sub_hint = f"{hint}_{p.name}"
        if p.default is inspect.Parameter.empty:
            args.append([Lit(value, sub_hint)])
        elif not _same(value, p.default) or p.name in ALWAYS_SHOWN:
            args.append([f"{p.name}=", Lit(value, sub_hint)])
    for i, a in enumerate(args):
        if i:
            parts.append(", ")
        parts.extend(a)
    parts.append(")")
    return parts, notes


def module_expr(module: torch.nn.Module, path: str, hint: str, indent: int, notes: list[str]) -> Template:
    """The expression building one child: a layer, a container of children, or a user class."""
    if is_container(module):
        items = list(module._modules.items())
        pad = " " * (indent + 4)
        if isinstance(module, torch.nn.ModuleDict):
            opening, closing = "nn.ModuleDict({", "})"
            keyed = True
        elif isinstance(module, torch.nn.ModuleList):
            opening, closing = "nn.ModuleList([", "])"
            keyed = False
        elif all(k == str(i) for i, (k, _) in enumerate(items)):
            opening, closing = "nn.Sequential(", ")"
            keyed = False
        else:
            opening, closing = "nn.Sequential(OrderedDict([", "]))"
            keyed = "pairs"
        if not items:
            return [opening + closing]
        parts: Template = [opening]
        for k, child in items:
            parts.append("\n" + pad)
            sub = module_expr(child, f"{path}.{k}", f"{hint}_{k}", indent + 4, notes)
            if keyed is True:
                parts.append(f"{k!r}: ")
                parts.extend(sub)
            elif keyed == "pairs":
                parts.append(f"({k!r}, ")
                parts.extend(sub)
                parts.append(")")
            else:
                parts.extend(sub)
            parts.append(",")
        parts.append("\n" + " " * indent + closing)
        return parts
    if is_user_module(module):
        return [ChildRef(path, hint)]
    klass = torch_layer_class(module)
    parts, layer_notes = layer_call(module, klass, hint)
    notes.extend(layer_notes)
    return parts


# --------------------------------------------------------------------------- nodes (forward)

_FUNCTION_MODULES = (("torch.nn.functional", torch.nn.functional), ("torch", torch),
                     ("torch.special", torch.special), ("torch.linalg", torch.linalg), ("torch.fft", torch.fft))

BINARY = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/", operator.floordiv: "//",
          operator.mod: "%", operator.pow: "**", operator.matmul: "@", operator.and_: "&", operator.or_: "|",
          operator.xor: "^", operator.lshift: "<<", operator.rshift: ">>", operator.eq: "==", operator.ne: "!=",
          operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">=", operator.iadd: "+",
          operator.isub: "-", operator.imul: "*", operator.itruediv: "/", operator.ifloordiv: "//"}
UNARY = {operator.neg: "-", operator.pos: "+", operator.invert: "~", operator.not_: "not "}

#: functions whose `training` argument is, in practice, always `self.training`
TRAINING_FUNCTIONS = {"dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
                      "batch_norm", "instance_norm", "rrelu"}


def function_api(fn: Any, db) -> str | None:
    """The public dotted name of a traced function, preferring one the database knows."""
    name = getattr(fn, "__name__", None)
    found = [f"{prefix}.{name}" for prefix, mod in _FUNCTION_MODULES if name and getattr(mod, name, None) is fn]
    found += [api for api in _function_index().get(id(fn), []) if api not in found]  # special_erfcx → erfcx
    for api in found:
        if db.get(api) is not None:
            return api
    return found[0] if found else None


_INDEX: dict[int, list[str]] = {}


def _function_index() -> dict[int, list[str]]:
    """id(function) → its public names, for builtins whose __name__ differs from the exported one."""
    if not _INDEX:
        for prefix, mod in _FUNCTION_MODULES:
            for name, obj in vars(mod).items():
                if callable(obj) and not name.startswith("_") and not isinstance(obj, type):
                    _INDEX.setdefault(id(obj), []).append(f"{prefix}.{name}")
    return _INDEX


class BodyWriter:
    """Writes one graph as statements; variable names come from the modules and functions used."""

    def __init__(self, unit: Unit, graph: fx.Graph, capture: Capture, db, params: list[str], mode: str):
        self.unit = unit
        self.graph = graph
        self.capture = capture
        self.db = db
        self.mode = mode
        self.scope = Scope(set(params) | {"self"})
        self.names: dict[fx.Node, str] = {}
        self.notes: list[str] = []
        self.device_only = self._device_only_nodes()

    def _device_only_nodes(self) -> set[fx.Node]:
        """Nodes read only for `device=` arguments (MindSpore places tensors itself)."""
        dead: set[fx.Node] = set()
        for node in reversed(list(self.graph.nodes)):
            if node.op in ("placeholder", "output") or not node.users:
                continue
            if all(u in dead or (node is u.kwargs.get("device") and not _used_outside_device(u, node))
                   for u in node.users):
                dead.add(node)
        return dead

    def name_of(self, node: fx.Node) -> str:
        if node not in self.names:
            self.names[node] = self.scope.fresh(node_base_name(node))
        return self.names[node]

    # arguments
    def arg(self, value: Any, hint: str, operand: bool = False) -> Template:
        if isinstance(value, fx.Node):
            return [self.name_of(value)]
        if isinstance(value, (tuple, list)) and _has_node(value):
            opening, closing = ("(", ")") if isinstance(value, tuple) else ("[", "]")
            parts: Template = [opening]
            for i, v in enumerate(value):
                if i:
                    parts.append(", ")
                parts.extend(self.arg(v, f"{hint}_{i}"))
            if isinstance(value, tuple) and len(value) == 1:
                parts.append(",")
            parts.append(closing)
            return parts
        if isinstance(value, dict) and _has_node(value):
            parts = ["{"]
            for i, (k, v) in enumerate(value.items()):
                if i:
                    parts.append(", ")
                parts.append(f"{k!r}: ")
                parts.extend(self.arg(v, f"{hint}_{k}"))
            parts.append("}")
            return parts
        if isinstance(value, torch.device):
            raise Unrenderable("a device argument")
        if isinstance(value, torch.Tensor):
            raise Unrenderable("a tensor constant inside an argument")
        if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            value = tuple(value)  # shape-like lists (`self.stride = [2, 2]`): MindSpore wants tuples
        lit = Lit(value, hint)
        if operand and isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            return ["(", lit, ")"]
        return [lit]

    def call_args(self, args: tuple, kwargs: dict, hint: str, drop_device: bool = True,
                  names: list[str] | None = None) -> Template:
        """Arguments as source; constants are hinted by the parameter they fill (`conv2d_stride`)."""
        parts: Template = []
        names = names or []
        items: list[Template] = [self.arg(a, f"{hint}_{names[i] if i < len(names) else i}")
                                 for i, a in enumerate(args)]
        for k, v in kwargs.items():
            if k == "device" and drop_device:
                self.notes.append(f"{hint}: device argument dropped (MindSpore chooses the device globally)")
                continue
            items.append([f"{k}="] + self.arg(v, f"{hint}_{k}"))
        for i, it in enumerate(items):
            if i:
                parts.append(", ")
            parts.extend(it)
        return parts

    def index(self, value: Any) -> str:
        if isinstance(value, tuple):
            inner = ", ".join(self.index(v) for v in value)
            return inner + "," if len(value) == 1 else inner
        if isinstance(value, slice):
            def one(v):
                return "" if v is None else self.index(v)
            text = f"{one(value.start)}:{one(value.stop)}"
            return text + (f":{one(value.step)}" if value.step is not None else "")
        if value is Ellipsis:
            return "..."
        if isinstance(value, fx.Node):
            return self.name_of(value)
        return literal_text(value)

    # statements
    def statement(self, node: fx.Node) -> tuple[Template | None, str]:
        """(the statement, the PyTorch API it uses) — None for nodes that need no statement."""
        if node in self.device_only:
            return None, ""
        hint = identifier(node.name, "t")
        if node.op == "get_attr":
            text = member_path(node.target)
            return [f"{self.name_of(node)} = {text}"], "attribute"
        if node.op == "call_module":
            child = self.unit.module.get_submodule(node.target)
            args, kwargs = node.args, dict(node.kwargs)
            api = _module_api(child)
            if is_user_module(child):
                args, kwargs = self._without_fixed(child, node)
            call = [f"{member_path(node.target)}("] + self.call_args(args, kwargs, hint) + [")"]
            return self._assign(node, call), api
        if node.op == "call_method":
            obj, rest = node.args[0], node.args[1:]
            if not isinstance(obj, fx.Node):
                raise Unrenderable(f"method {node.target} called on a constant")
            api = f"torch.Tensor.{node.target}"
            entry = self.db.get(api)
            names = list(entry.params or [])[1:] if entry is not None and entry.params and \
                entry.params[0] in ("self", "input") else list(entry.params or []) if entry is not None else []
            call = [f"{self.name_of(obj)}.{node.target}("] + self.call_args(rest, node.kwargs, identifier(node.target),
                                                                           names=names) + [")"]
            if node.target.endswith("_") and not node.target.endswith("__") and not node.users:
                return [f"{self.name_of(obj)} = "] + call, api  # in-place: rebind the tensor's name
            return self._assign(node, call), api
        if node.op == "call_function":
            return self._function(node, hint)
        raise Unrenderable(f"unexpected node kind {node.op}")

    def _assign(self, node: fx.Node, expr: Template) -> Template:
        if not node.users:
            return expr
        return [f"{self.name_of(node)} = "] + expr

    def _without_fixed(self, child: torch.nn.Module, node: fx.Node) -> tuple[tuple, dict]:
        """Call-site arguments a child's trace did not bake in (its construct parameters)."""
        child_unit = self.capture.units.get(_join(self.unit.path, node.target))
        if child_unit is None or not child_unit.concrete:
            return node.args, dict(node.kwargs)
        sig = forward_signature(child)
        params = [p.name for p in sig.parameters.values()] if sig else []
        args, kwargs = [], {}
        positional_ok = True
        for i, a in enumerate(node.args):
            name = params[i] if i < len(params) else None
            if name in child_unit.concrete:
                positional_ok = False
                continue
            if positional_ok or name is None:
                args.append(a)
            else:
                kwargs[name] = a
        for k, v in node.kwargs.items():
            if k not in child_unit.concrete:
                kwargs[k] = v
        return tuple(args), kwargs

    def _function(self, node: fx.Node, hint: str) -> tuple[Template | None, str]:
        fn = node.target
        if fn is torch._assert:
            return None, ""
        if fn in BINARY and len(node.args) == 2 and not node.kwargs:
            a = self.arg(node.args[0], f"{hint}_0", operand=True)
            b = self.arg(node.args[1], f"{hint}_1", operand=True)
            return self._assign(node, a + [f" {BINARY[fn]} "] + b), f"operator {BINARY[fn]}"
        if fn in UNARY and len(node.args) == 1:
            return self._assign(node, [UNARY[fn]] + self.arg(node.args[0], f"{hint}_0", operand=True)), \
                f"operator {UNARY[fn].strip()}"
        if fn is operator.getitem:
            obj, idx = node.args
            return self._assign(node, self.arg(obj, hint) + [f"[{self.index(idx)}]"]), "indexing"
        if fn is operator.setitem:
            obj, idx, value = node.args
            return self.arg(obj, hint) + [f"[{self.index(idx)}] = "] + self.arg(value, f"{hint}_value"), "indexing"
        if fn is getattr:
            obj, attr = node.args[:2]
            return self._assign(node, self.arg(obj, hint) + [f".{attr}"]), f"torch.Tensor.{attr}"
        api = function_api(fn, self.db)
        if api is None:
            raise Unrenderable(f"function {getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', fn)} "
                               "is not part of PyTorch's public API")
        kwargs = dict(node.kwargs)
        entry = self.db.get(api)
        names = list(entry.params or []) if entry is not None else []
        short = identifier(api.rsplit(".", 1)[-1])
        call = [f"{api}("] + self.call_args(node.args, {k: v for k, v in kwargs.items() if k != "training"}, short,
                                            names=names)
        if "training" in kwargs:
            training = kwargs["training"]
            if fn.__name__ in TRAINING_FUNCTIONS and training is (self.mode == "train"):
                call += [", " if len(call) > 1 else "", "training=self.training"]
                self.notes.append(f"{api}: training={training} at capture taken as self.training")
            else:
                call += [", " if len(call) > 1 else "", "training="] + self.arg(training, f"{hint}_training")
        call.append(")")
        return self._assign(node, call), api

    def output(self, node: fx.Node) -> Template:
        value = node.args[0]
        spec = getattr(getattr(self.graph._codegen, "pytree_info", None), "out_spec", None)
        if spec is not None and isinstance(value, (list, tuple)):
            # traced with a tuple argument, fx returns the leaves flat: rebuild the structure
            rebuilt = _unflatten(spec, list(value))
            if rebuilt is not None:
                value = rebuilt
        return ["return "] + self.arg(value, "output")


def _unflatten(spec: Any, leaves: list[Any]) -> Any:
    """The nested tuples/lists a pytree spec describes, filled with the leaves (None: other containers)."""
    def build(sp):
        if sp.is_leaf():
            return leaves.pop(0) if leaves else None
        if sp.type not in (tuple, list):
            raise ValueError(sp.type)
        children = sp.children() if hasattr(sp, "children") else sp.children_specs
        return sp.type(build(c) for c in children)
    try:
        out = build(spec)
    except (ValueError, AttributeError):
        return None
    return out if not leaves else None


def _used_outside_device(user: fx.Node, node: fx.Node) -> bool:
    found = []
    fx.node.map_arg((user.args, {k: v for k, v in user.kwargs.items() if k != "device"}), lambda n: found.append(n))
    return node in found


def _has_node(value: Any) -> bool:
    found = []
    fx.node.map_arg(value, lambda n: found.append(n))
    return bool(found)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _module_api(module: torch.nn.Module) -> str:
    klass = torch_layer_class(module)
    if klass is not None:
        return f"torch.nn.{klass.__name__}"
    if is_container(module):
        return f"torch.nn.{type(module).__name__}"
    return type(module).__name__


# --------------------------------------------------------------------------- drafts

@dataclass
class Placeholder:
    """A node or layer the generated code cannot express; it raises at run time until replaced."""

    where: str  # module path + node / attribute
    api: str
    reason: str
    in_shapes: list | None = None
    out_shapes: list | None = None


@dataclass
class Draft:
    unit: Unit
    init: list[Line]
    methods: list[tuple[str, str, list[Line]]]  # (name, parameters text, statements)
    notes: list[str] = field(default_factory=list)
    class_name: str = ""
    args: list[tuple[str, Lit]] = field(default_factory=list)  # constructor arguments of this instance


def _key(meta: dict) -> tuple:
    return meta.get("key", ())


def build_draft(unit: Unit, capture: Capture, db, forced: dict[tuple, str]) -> Draft:
    """One instance's __init__ and construct(s); `forced` keys become placeholders (with why)."""
    module = unit.module
    klass = type(module)
    init: list[Line] = []
    notes: list[str] = []
    owner = (klass.__module__, klass.__qualname__)
    for kind, table in (("param", module._parameters), ("buffer", module._buffers)):
        for name, value in table.items():
            if value is None:
                continue
            key = (owner, "init", name)
            parts: Template = [f"self.{name} = nn.Parameter(torch.zeros(", Lit(tuple(value.shape), f"{name}_shape")]
            if value.dtype != torch.float32:
                parts.append(f", dtype={value.dtype}")
            parts.append(")")
            if kind == "buffer" or not value.requires_grad:
                parts.append(", requires_grad=False")
            parts.append(")")
            init.append(Line(8, parts, {"kind": "param", "key": key, "api": "torch.nn.Parameter", "attr": name}))
    for name, const in unit.constants.items():
        key = (owner, "init", name)
        if const.numel() > 4096:
            raise Unrenderable(f"tensor constant {name} with {const.numel()} elements (constants of up to 4,096 "
                               "elements are written into the code)")
        init.append(Line(8, [f"self.{name} = torch.tensor(", Lit(const.tolist(), name),
                             f", dtype={const.dtype})"], {"kind": "init", "key": key, "api": "torch.tensor", "attr": name}))
    for name, child in module._modules.items():
        if child is None:
            continue
        key = (owner, "init", name)
        path = _join(unit.path, name)
        meta = {"kind": "init", "key": key, "api": _module_api(child), "attr": name, "path": path}
        if key in forced:
            init.append(_layer_placeholder(name, child, forced[key], meta))
            continue
        try:
            expr = module_expr(child, path, identifier(name), 8, notes)
        except Unrenderable as exc:
            forced[key] = str(exc)
            init.append(_layer_placeholder(name, child, str(exc), meta))
            continue
        if is_attribute_name(name):
            init.append(Line(8, [f"self.{name} = "] + expr, meta))
        else:
            init.append(Line(8, [f"self.add_module({name!r}, "] + expr + [")"], meta))
    params = ", ".join(["self"] + [p + (f"={literal_text(unit.defaults[p])}" if p in unit.defaults else "")
                                   for p in unit.params])
    call_args = ", ".join(unit.params)
    methods: list[tuple[str, str, list[Line]]] = []
    if unit.error:
        key = (owner, "forward")
        line = Line(8, [f"return msdev_placeholder({klass.__name__ + '.forward'!r}, {unit.error!r})({call_args})"],
                    {"kind": "placeholder", "key": key, "api": f"{klass.__name__}.forward", "reason": unit.error})
        methods.append(("forward", params, [line]))
    elif unit.mode_dependent:
        dispatch = [Line(8, ["if self.training:"], {}),
                    Line(12, [f"return self.construct_train({call_args})"], {}),
                    Line(8, [f"return self.construct_eval({call_args})"], {})]
        methods.append(("forward", params, dispatch))
        for mode in ("train", "eval"):
            methods.append((f"construct_{mode}", params, _body(unit, mode, capture, db, forced, notes)))
    else:
        methods.append(("forward", params, _body(unit, "eval", capture, db, forced, notes)))
    return Draft(unit, init, methods, notes)


def _layer_placeholder(name: str, child: torch.nn.Module, reason: str, meta: dict) -> Line:
    shapes = {k: tuple(v.shape) for k, v in child.state_dict().items()}
    meta = dict(meta, kind="placeholder", reason=reason)
    cell = f"MsdevPlaceholderCell({meta['api']!r}, {reason!r}, {shapes!r})"
    return Line(8, [f"self.{name} = {cell}" if is_attribute_name(name) else f"self.add_module({name!r}, {cell})"], meta)


def _body(unit: Unit, mode: str, capture: Capture, db, forced: dict[tuple, str], notes: list[str]) -> list[Line]:
    klass = type(unit.module)
    owner = (klass.__module__, klass.__qualname__)
    graph = unit.graphs[mode]
    writer = BodyWriter(unit, graph, capture, db, unit.params, mode)
    for n in graph.nodes:
        if n.op == "placeholder":
            writer.names[n] = str(n.target)
    lines: list[Line] = []
    for name, leaves in unit.packed.items():  # a tuple argument traced as its elements
        lines.append(Line(8, [f"{', '.join(leaves)}{',' if len(leaves) == 1 else ''} = {name}"], {"kind": "unpack"}))
    for node in graph.nodes:
        if node.op == "placeholder":
            continue
        if node.op == "output":
            lines.append(Line(8, writer.output(node), {"kind": "return"}))
            continue
        key = (owner, mode, node.name)
        meta = {"kind": "node", "key": key, "node": node.name, "mode": mode}
        reason = forced.get(key)
        stmt = None
        if reason is None:
            try:
                stmt, api = writer.statement(node)
                meta["api"] = api
            except Unrenderable as exc:
                reason = str(exc)
                forced[key] = reason
        if reason is not None:
            meta.update(kind="placeholder", reason=reason, api=meta.get("api") or _node_api(node, db))
            inputs = ", ".join(writer.name_of(a) for a in node.all_input_nodes)
            call = f"msdev_placeholder({meta['api']!r}, {reason!r})({inputs})"
            lines.append(Line(8, [f"{writer.name_of(node)} = {call}" if node.users else call], meta))
            continue
        if stmt is not None:
            lines.append(Line(8, stmt, meta))
    notes.extend(writer.notes)
    return lines


def _node_api(node: fx.Node, db) -> str:
    if node.op == "call_method":
        return f"torch.Tensor.{node.target}"
    if node.op == "call_function":
        return function_api(node.target, db) or getattr(node.target, "__qualname__", str(node.target))
    return str(node.target)


# --------------------------------------------------------------------------- classes

@dataclass
class Group:
    name: str
    drafts: list[Draft]
    params: list[str]  # __init__ parameters
    stored: list[str]  # those construct reads (kept as self.<name>)
    slot_param: list[str | None]  # per slot: the parameter it reads, or None (inlined)


def _expanded(draft: Draft, by_path: dict[str, Draft]) -> list[tuple[Line, Template]]:
    """Every line with its ChildRefs replaced by `Class(arg=Lit, ...)`."""
    out = []
    for line in draft.init + [l for _, _, ls in draft.methods for l in ls]:
        parts: Template = []
        for p in line.parts:
            if isinstance(p, ChildRef):
                child = by_path[p.path]
                parts.append(f"{child.class_name}(")
                for i, (pname, lit) in enumerate(child.args):
                    parts.append(f"{', ' if i else ''}{pname}=")
                    parts.append(Lit(lit.value, f"{p.hint}_{pname}"))
                parts.append(")")
            else:
                parts.append(p)
        out.append((line, parts))
    return out


def _signature(draft: Draft, expanded) -> str:
    text = [f"{type(draft.unit.module).__module__}.{type(draft.unit.module).__qualname__}"]
    for name, params, _ in draft.methods:
        text.append(f"def {name}({params})")
    for line, parts in expanded:
        text.append("".join("\0" if isinstance(p, Lit) else p for p in parts))
    return "\n".join(text)


def group_drafts(drafts: dict[str, Draft], class_scope: Scope) -> list[Group]:
    """Share one class among instances that differ only in constants (bottom-up, by nesting height)."""
    paths = list(drafts)
    height: dict[str, int] = {}
    for p in sorted(paths, key=lambda p: -(p.count(".") + 1 if p else 0)):  # deepest first, the model last
        below = [height[c] for c in paths if c in height and (c.startswith(p + ".") if p else c)]
        height[p] = 1 + max(below) if below else 0
    groups: list[Group] = []
    for level in sorted(set(height.values())):
        buckets: dict[tuple, list[tuple[Draft, list]]] = {}
        for p in paths:
            if height[p] != level:
                continue
            d = drafts[p]
            exp = _expanded(d, drafts)
            buckets.setdefault((type(d.unit.module), _signature(d, exp)), []).append((d, exp))
        by_class: dict[type, list[list[tuple[Draft, list]]]] = {}
        for (klass, _), members in buckets.items():
            by_class.setdefault(klass, []).append(members)
        for klass, variants in by_class.items():
            variants.sort(key=lambda v: -len(v))
            for members in variants:
                groups.append(_make_group(class_scope.fresh(klass.__name__), members))
    return groups


def _make_group(name: str, members: list[tuple[Draft, list]]) -> Group:
    first_draft, first_exp = members[0]
    slots_per = [[p for _, parts in exp for p in parts if isinstance(p, Lit)] for _, exp in members]
    in_method = []
    n_init = len(first_draft.init)
    for i, (line, parts) in enumerate(first_exp):
        in_method.extend([i >= n_init] * sum(isinstance(p, Lit) for p in parts))
    taken = set(first_draft.unit.module._modules) | set(first_draft.unit.module._parameters) | \
        set(first_draft.unit.module._buffers) | {m for m, _, _ in first_draft.methods} | {"training"}
    scope = Scope(taken)
    pattern_param: dict[tuple, str] = {}
    slot_param: list[str | None] = []
    params: list[str] = []
    stored: list[str] = []
    for j, lit in enumerate(slots_per[0]):
        texts = tuple(s[j].text for s in slots_per)
        if len(members) == 1 or len(set(texts)) == 1:
            slot_param.append(None)
            continue
        pname = pattern_param.get(texts)
        if pname is None:
            pname = scope.fresh(lit.hint)
            pattern_param[texts] = pname
            params.append(pname)
        slot_param.append(pname)
        if in_method[j] and pname not in stored:
            stored.append(pname)
    for (d, _), slots in zip(members, slots_per):
        d.class_name = name
        seen: dict[str, Lit] = {}
        for pname, lit in zip(slot_param, slots):
            if pname is not None and pname not in seen:
                seen[pname] = lit
        d.args = [(p, seen[p]) for p in params]
    return Group(name, [d for d, _ in members], params, stored, slot_param)


# --------------------------------------------------------------------------- the module text

HEADER = "import torch\nimport torch.nn as nn\n"


@dataclass
class Source:
    text: str
    line_meta: dict[int, tuple[Group, dict]]  # 1-based line of the PyTorch text → its group and meta
    root_class: str


def render(groups: list[Group], root_path: str = "") -> Source:
    out: list[str] = HEADER.splitlines()
    if any("OrderedDict(" in p for g in groups for d in g.drafts[:1] for l in d.init for p in l.parts
           if isinstance(p, str)):
        out.append("from collections import OrderedDict")
    meta: dict[int, tuple[Group, dict]] = {}
    root_class = ""
    for g in groups:
        d = g.drafts[0]
        if d.unit.path == root_path:
            root_class = g.name
        exp = _expanded(d, {x.unit.path: x for gg in groups for x in gg.drafts})
        slot_iter = iter(g.slot_param)
        out += ["", "", f"class {g.name}(nn.Module):"]
        doc = _class_doc(g)
        out.append(f'    """{doc}"""')
        out.append("")
        out.append(f"    def __init__({', '.join(['self'] + g.params)}):")
        out.append("        super().__init__()")
        for p in g.stored:
            out.append(f"        self.{p} = {p}")
        n_init = len(d.init)
        line_idx = 0
        for method_i, (name, params, lines) in enumerate([("__init__", "", d.init)] + d.methods):
            if name != "__init__":
                out.append("")
                out.append(f"    def {name}({params}):")
            for line in lines:
                _, parts = exp[line_idx]
                in_method = line_idx >= n_init
                line_idx += 1
                text = ""
                for p in parts:
                    if isinstance(p, Lit):
                        pname = next(slot_iter)
                        text += p.text if pname is None else (f"self.{pname}" if in_method else pname)
                    else:
                        text += p
                first = len(out) + 1
                for i, physical in enumerate(text.split("\n")):
                    out.append((" " * line.indent if i == 0 else "") + physical)
                    meta[first + i] = (g, line.meta)
            if name == "__init__" and not lines and not g.stored:
                pass
    out += ["", "", "def create_model():", f'    """The converted network, with freshly initialised weights '
            '(load model.ckpt for the trained ones)."""', f"    return {root_class}()", ""]
    return Source("\n".join(out), meta, root_class)


def _class_doc(g: Group) -> str:
    d = g.drafts[0]
    klass = type(d.unit.module)
    where = ", ".join(x.unit.path or "<model>" for x in g.drafts[:3]) + (", ..." if len(g.drafts) > 3 else "")
    text = f"{klass.__module__}.{klass.__qualname__} ({len(g.drafts)} instance{'s' if len(g.drafts) != 1 else ''}: {where})."
    if d.unit.mode_dependent:
        text += " Its graph differs between train and eval mode: construct follows self.training."
    return text
