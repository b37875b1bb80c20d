"""The `torch.export` fallback for a module `torch.fx` cannot trace.

fx traces with proxies, so a forward that loops over `range(x.size(1))`, branches on a shape or
calls `len()` on a tensor stops it. `torch.export` runs the module on real example arguments (the
ones it received when the model ran once) and specialises such Python control flow on their
shapes. To keep the generated code in the same shape as an fx trace, the export:

- keeps every direct child module as a call (`preserve_module_call_signature` + `unflatten`),
  so layers stay layers and user submodules are captured on their own, as fx leaves them;
- marks the batch dimension of every tensor argument dynamic where the code allows (`Dim.AUTO`),
  so `x.view(x.size(0), -1)` stays `view(size, -1)`; a batch of 1 is always specialised;
- is brought back to the operations fx would have recorded: the pytree plumbing `unflatten` puts
  around each child call is evaluated away, and each ATen operator becomes the public PyTorch
  function or Tensor method of the same name and argument order (`aten.conv2d` → `torch.conv2d`,
  `aten.view` → `Tensor.view`, `aten.slice`/`aten.select` → indexing), which is what msdev's
  database maps.

What export cannot do either (control flow on tensor values, arguments that differ between call
sites) leaves the module a placeholder, with both reasons.
"""

from __future__ import annotations

import inspect
import operator
import warnings
from typing import Any

import torch
import torch.fx as fx

#: ATen operators that only check or constrain shapes: no statement in the generated code
_DROPPED = {"_assert_scalar", "_assert_tensor_metadata", "sym_constrain_range_for_size", "sym_constrain_range",
            "_assert_async"}

_FUNCTION_MODULES = (torch, torch.nn.functional, torch.special, torch.linalg, torch.fft)

#: higher-order operators export puts around a `with torch.autocast(...)` or grad-mode block, with
#: the position of their body (a submodule) among the arguments; the block's inputs follow it
_REGIONS = {"wrap_with_autocast": 4, "wrap_with_set_grad_enabled": 1}

#: ATen resampling operators as export prints `F.interpolate` (their `.vec` overloads, arguments
#: `input, output_size[, align_corners], scale_factors`) → interpolate's mode, whether the operator
#: takes align_corners, and antialias
_RESAMPLING = {
    "upsample_nearest1d": ("nearest", False, False), "upsample_nearest2d": ("nearest", False, False),
    "upsample_nearest3d": ("nearest", False, False), "_upsample_nearest_exact1d": ("nearest-exact", False, False),
    "_upsample_nearest_exact2d": ("nearest-exact", False, False),
    "_upsample_nearest_exact3d": ("nearest-exact", False, False), "upsample_linear1d": ("linear", True, False),
    "upsample_bilinear2d": ("bilinear", True, False), "upsample_trilinear3d": ("trilinear", True, False),
    "upsample_bicubic2d": ("bicubic", True, False), "_upsample_bilinear2d_aa": ("bilinear", True, True),
    "_upsample_bicubic2d_aa": ("bicubic", True, True),
}


class ExportFailed(Exception):
    """torch.export cannot capture the module either (one line)."""


def export_graphs(module: torch.nn.Module, args: tuple, kwargs: dict, modes=("eval", "train"),
                  constants: dict[str, torch.Tensor] | None = None) -> dict[str, fx.Graph]:
    """One fx graph per mode, in the form fx's own trace gives (child calls, torch functions).
    `constants` (a dict) receives the tensors export lifted out of forward (`_tensor_constant0`),
    which the graphs read as attributes the module itself does not have."""
    children = tuple(_callable_children(module))
    was = module.training
    graphs = {}
    try:
        for mode in modes:
            module.train(mode == "train")
            graphs[mode] = _export_one(module, args, kwargs, children,
                                       constants if constants is not None else {})
    finally:
        module.train(was)
    return graphs


def _callable_children(module: torch.nn.Module, prefix: str = ""):
    """Paths fx would keep as calls: direct children, and the items of container children
    (`self.blocks[0](x)` calls `blocks.0`)."""
    from .capture import is_container

    for name, child in module.named_children():
        if child is None:
            continue
        path = f"{prefix}{name}"
        yield path
        if is_container(child):
            yield from _callable_children(child, path + ".")


def _dynamic_batch(args: tuple, kwargs: dict):
    dim = torch.export.Dim.AUTO

    def spec(v):
        return {0: dim} if isinstance(v, torch.Tensor) and v.dim() and v.shape[0] > 1 else None
    return tuple(spec(a) for a in args), {k: spec(v) for k, v in kwargs.items()}


def _export_one(module, args, kwargs, children, constants: dict[str, torch.Tensor]) -> fx.Graph:
    from torch.export import export, unflatten

    dyn_args, dyn_kwargs = _dynamic_batch(args, kwargs)
    try:
        with warnings.catch_warnings():  # unflatten warns about the pytree specs it stores as attributes
            warnings.simplefilter("ignore")
            ep = export(module, args, kwargs, strict=False, preserve_module_call_signature=children,
                        dynamic_shapes=_bind_dynamic(module, dyn_args, dyn_kwargs))
            flat = unflatten(ep)
    except Exception as exc:  # export raises many kinds (UserError, GuardOnDataDependentSymNode, ...)
        raise ExportFailed(f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}") \
            from None
    for node in flat.graph.nodes:
        if node.op == "call_module" and node.target not in children:
            raise ExportFailed(f"the export calls {node.target}, not a child (a child called twice?)")
    read: dict[str, torch.Tensor] = {}
    graph = simplify(flat.graph, flat, ep.call_spec.out_spec, read)
    for name, value in read.items():
        if _resolve(module, name) is None:
            constants[name] = value.detach()
    return graph


def _bind_dynamic(module, dyn_args: tuple, dyn_kwargs: dict):
    """dynamic_shapes keyed by forward's parameter names (export wants that for kwargs)."""
    if not any(dyn_args) and not any(dyn_kwargs.values()):
        return None
    try:
        sig = inspect.signature(module.forward)
        bound = sig.bind_partial(*dyn_args, **dyn_kwargs)
    except (TypeError, ValueError):
        return None
    return dict(bound.arguments)


def simplify(graph: fx.Graph, owner: torch.nn.Module, out_spec=None,
             read: dict[str, torch.Tensor] | None = None) -> fx.Graph:
    """A new graph without pytree plumbing, with ATen operators as public PyTorch calls; the
    output rebuilt in forward's own structure (`out_spec`: export returns the leaves flat).
    `read` (a dict) receives every tensor attribute the graph reads, by name."""
    from torch.utils._pytree import tree_unflatten

    out = fx.Graph()
    result = _emit(out, graph, owner, read if read is not None else {})
    if out_spec is not None and isinstance(result, (tuple, list)):
        result = tree_unflatten(list(result), out_spec)
    out.output(result)
    _drop_dead(out)
    return out


def _emit(out: fx.Graph, graph: fx.Graph, owner: torch.nn.Module, read: dict[str, torch.Tensor],
          inputs: tuple | None = None):
    """Copy `graph`'s operations into `out` and give back what its output node returns; `read` gets
    the tensor attributes it reads. With `inputs`, its placeholders take those values (a region
    export cut out as a submodule)."""
    from torch.fx._pytree import tree_flatten_spec
    from torch.utils._pytree import tree_unflatten

    env: dict[fx.Node, Any] = {}
    operands = iter(inputs) if inputs is not None else None

    def value(a):
        return fx.node.map_aggregate(a, lambda x: env[x] if isinstance(x, fx.Node) else x)

    for node in graph.nodes:
        if node.op == "placeholder":
            if operands is not None:
                env[node] = next(operands)
                continue
            env[node] = out.placeholder(node.target, default_value=node.args[0] if node.args else
                                        inspect.Signature.empty)
            continue
        if node.op == "get_attr":
            attr = _resolve(owner, node.target)
            if not isinstance(attr, (torch.Tensor, torch.nn.Module)) or isinstance(attr, fx.GraphModule):
                env[node] = attr  # a pytree spec, or the body of a region operator
                continue
            if isinstance(attr, torch.Tensor):
                read[node.target] = attr
            env[node] = out.get_attr(node.target)
            continue
        if node.op == "output":
            return value(node.args[0])
        args, kwargs = value(node.args), value(node.kwargs)
        if node.op == "call_function" and node.target is tree_unflatten:
            env[node] = tree_unflatten(list(args[0]), args[1])
            continue
        if node.op == "call_function" and node.target is tree_flatten_spec:
            env[node] = _flatten(out, args[0], args[1])
            continue
        if node.op == "call_function" and node.target is operator.getitem and not isinstance(args[0], fx.Node):
            env[node] = args[0][args[1]]
            continue
        if node.op == "call_module":
            env[node] = out.call_module(node.target, args, kwargs)
            continue
        if node.op == "call_function" and getattr(node.target, "__name__", None) in _REGIONS:
            env[node] = _inline_region(out, node.target.__name__, args, read)
            continue
        if node.op == "call_function" and isinstance(node.target, torch._ops.OpOverload):
            env[node] = _aten_call(out, node.target, args, kwargs)
            continue
        env[node] = out.create_node(node.op, node.target, args, kwargs, node.name)
    return None


def _inline_region(out: fx.Graph, name: str, args: tuple, read: dict[str, torch.Tensor]) -> tuple:
    """The body of a `with torch.autocast(...)` / grad-mode region, inlined. MindSpore has no
    autocast context (and msdev removes it from source code too); a region run without gradients
    gives detached results, so gradients stop where PyTorch's stop."""
    at = _REGIONS[name]
    body, operands = args[at], args[at + 1:]
    results = tuple(_emit(out, body.graph, body, read, operands))
    if name == "wrap_with_set_grad_enabled" and args[0] is False:
        results = tuple(out.call_method("detach", (r,)) if isinstance(r, fx.Node) else r for r in results)
    return results


def _resolve(owner, target: str):
    obj = owner
    for part in target.split("."):
        obj = getattr(obj, part, None)
    return obj


def _flatten(out: fx.Graph, obj: Any, spec) -> list:
    """tree_flatten_spec on a traced value: leaves of a structure, or getitem nodes of a node."""
    if spec.is_leaf():
        return [obj]
    if spec.type not in (tuple, list):
        raise ExportFailed(f"a child returns a {spec.type.__name__}; only tensors, tuples and lists are supported")
    children = spec.children() if hasattr(spec, "children") else spec.children_specs
    leaves = []
    for i, child in enumerate(children):
        part = obj[i] if isinstance(obj, (tuple, list)) else out.call_function(operator.getitem, (obj, i))
        leaves += _flatten(out, part, child)
    return leaves


def _aten_call(out: fx.Graph, op, args: tuple, kwargs: dict):
    """The public PyTorch spelling of one ATen operator call."""
    name = op._schema.name.split("::", 1)[-1]
    if name in _DROPPED:
        return None
    if name == "sym_size":
        return out.call_method("size", args, kwargs)
    if name in ("lift_fresh_copy", "lift_fresh") and len(args) == 1:
        return out.call_method("clone", args)  # a `torch.tensor(...)` of forward, from its lifted constant
    if name == "slice" and not kwargs:
        x, dim, start, end, step = (list(args) + [None] * 5)[:5]
        dim, step = dim or 0, step or 1
        end = None if isinstance(end, int) and end >= 2 ** 62 else end  # sys.maxsize: to the end
        if not start and end is None and step == 1:
            return x  # the whole dimension (export writes one for x[:, a:b]'s leading `:`)
        index = (slice(None),) * dim + (slice(start or None, end, None if step == 1 else step),)
        return out.call_function(operator.getitem, (x, index))
    if name == "select" and not kwargs and len(args) == 3:
        x, dim, i = args
        return out.call_function(operator.getitem, (x, (slice(None),) * dim + (i,)))
    if name in _RESAMPLING and op._overloadname == "vec" and not kwargs:
        return _interpolate(out, name, args)
    for mod in _FUNCTION_MODULES:
        fn = getattr(mod, name, None)
        if callable(fn) and not isinstance(fn, type):
            return out.call_function(fn, args, kwargs)
    if hasattr(torch.Tensor, name) and args:
        return out.call_method(name, args, kwargs)
    return out.call_function(op, args, kwargs)  # rendered as a placeholder naming the operator


def _interpolate(out: fx.Graph, name: str, args: tuple):
    """`F.interpolate` with the size or the factors the `.vec` operator received: the same call again
    (with factors and no size, interpolate maps coordinates by the factors, as the operator does)."""
    mode, aligns, antialias = _RESAMPLING[name]
    x, size, *rest = args
    factors = rest[-1]
    kwargs: dict[str, Any] = {"size": list(size)} if size is not None else {"scale_factor": list(factors)}
    kwargs["mode"] = mode
    if aligns:
        kwargs["align_corners"] = rest[0]
    if antialias:
        kwargs["antialias"] = True
    return out.call_function(torch.nn.functional.interpolate, (x,), kwargs)


def _drop_dead(graph: fx.Graph) -> None:
    """Remove getitem nodes nobody reads (left by evaluating the plumbing)."""
    for node in reversed(list(graph.nodes)):
        if node.op == "call_function" and node.target is operator.getitem and not node.users:
            graph.erase_node(node)
