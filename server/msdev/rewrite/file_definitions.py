"""Small definitions a mapping template asks for by `{@msdev.NAME}`, written once into the converted file.

Some PyTorch objects have no MindSpore counterpart of the same kind: `nn.Unfold` is a Module (so
it sits in `nn.Sequential`), while MindSpore's PyTorch-style unfold is only a function; the fields
of `torch.finfo` are Python numbers, while `numpy.finfo` gives NumPy scalars that MindSpore ops such
as `masked_fill` refuse. A template names the definition (`{@msdev.FunctionCell}(...)`); the namer
gives it a free local name and the converted file gets its source after the imports, so the output
needs no msdev at run time. `{@...}` inside a definition is rendered like a template's.
"""

from __future__ import annotations

from .conv_definitions import CONV_DEFINITIONS
from .distribution_definitions import DISTRIBUTION_DEFINITIONS
from .special_definitions import SPECIAL_DEFINITIONS
from .vision_definitions import VISION_DEFINITIONS

#: the root of template names that denote a definition of this module
ROOT = "msdev"

#: NAME → source; `__NAME__` stands for the local name the file gives it
DEFINITIONS = {
    "FunctionCell": '''\
class __NAME__({@mindspore.nn.Cell}):
    """A function used as a layer: PyTorch builds this one as a Module, MindSpore has it as a function."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def construct(self, *args):
        return self.fn(*args)
''',
    "Unfold": '''\
class __NAME__({@mindspore.nn.Cell}):
    """torch.nn.Unfold as a layer: MindSpore's PyTorch-style unfold is only a function (mindspore.nn.Unfold
    extracts patches in another layout). Sizes given as tensors or lists become the ints and tuples
    ops.unfold checks for."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        sizes = lambda v: tuple(int(i) for i in (v.tolist() if hasattr(v, "tolist") else v)) if not isinstance(v, int) else v
        self.kernel_size, self.dilation = sizes(kernel_size), sizes(dilation)
        self.padding, self.stride = sizes(padding), sizes(stride)

    def construct(self, x):
        if x.ndim == 3:  # an unbatched (C, H, W) input gives (C * kernel, blocks), as in PyTorch
            return self.construct(x.unsqueeze(0)).squeeze(0)
        return {@mindspore.ops.unfold}(x, self.kernel_size, self.dilation, self.padding, self.stride)
''',
    "elementwise_extreme": '''\
def __NAME__(largest, input, other):
    """torch.maximum (largest) / torch.minimum: NaN in either input gives NaN (MindSpore's CPU kernels drop a NaN
    of the first input)."""
    out = ({@mindspore.ops.maximum} if largest else {@mindspore.ops.minimum})(input, other)
    if out.is_floating_point() and isinstance(input, {@mindspore.Tensor}):
        out = {@mindspore.ops.where}({@mindspore.ops.isnan}(input), input.astype(out.dtype), out)
    return out
''',
    "ReflectionPad": '''\
class __NAME__({@mindspore.nn.Cell}):
    """torch.nn.ReflectionPad1d/2d/3d: reflects the last `dims` dimensions, and `padding` reads as PyTorch's
    flat tuple (mindspore.nn.ReflectionPad* keeps its own nested pairs under that name)."""

    def __init__(self, padding, dims):
        super().__init__()
        self.padding = (padding,) * (2 * dims) if isinstance(padding, int) else tuple(padding)

    def construct(self, x):
        pairs = [[0, 0]] * (x.ndim - len(self.padding) // 2) + [
            [self.padding[2 * i], self.padding[2 * i + 1]] for i in reversed(range(len(self.padding) // 2))]
        return {@mindspore.ops.MirrorPad}(mode="REFLECT")(x, {@mindspore.Tensor}(pairs))
''',
    "scaled_dot_product_attention": '''\
def __NAME__(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False):
    """torch.nn.functional.scaled_dot_product_attention written out: softmax(q @ k^T * scale + mask) @ v with
    dropout (MindSpore's fused attention kernels are Ascend-only). A bool mask keeps True positions, a float one
    is added; grouped-query heads repeat k and v. float16/bfloat16 inputs are computed in float32 and the result
    cast back, as PyTorch accumulates them (MindSpore's CPU BatchMatMul has no bfloat16 kernel)."""
    dtype = query.dtype
    if dtype in ({@mindspore.float16}, {@mindspore.bfloat16}):
        query, key, value = (t.astype({@mindspore.float32}) for t in (query, key, value))
        if attn_mask is not None and attn_mask.dtype != {@mindspore.bool_}:
            attn_mask = attn_mask.astype({@mindspore.float32})
    if enable_gqa:
        key = key.repeat_interleave(query.shape[-3] // key.shape[-3], -3)
        value = value.repeat_interleave(query.shape[-3] // value.shape[-3], -3)
    scores = {@mindspore.ops.matmul}(query, key.swapaxes(-2, -1)) * (query.shape[-1] ** -0.5 if scale is None else scale)
    if attn_mask is not None:
        if attn_mask.dtype == {@mindspore.bool_}:
            attn_mask = {@mindspore.ops.zeros}(attn_mask.shape, scores.dtype).masked_fill(~attn_mask, float("-inf"))
        scores = scores + attn_mask
    if is_causal:
        scores = scores + {@mindspore.ops.triu}(
            {@mindspore.ops.full}((query.shape[-2], key.shape[-2]), float("-inf"), dtype=scores.dtype), 1)
    weights = {@mindspore.ops.dropout}({@mindspore.ops.softmax}(scores, -1), p=float(dropout_p))
    return {@mindspore.ops.matmul}(weights, value).astype(dtype)
''',
    "fuse_conv_bn_eval": '''\
def __NAME__(conv, bn, transpose=False):
    """torch.nn.utils.fuse_conv_bn_eval: a copy of the eval-mode convolution with the eval-mode BatchNorm folded
    in: weight * gamma / sqrt(var + eps) per output channel (dimension 1 of a transposed convolution's weight),
    bias (b - mean) * gamma / sqrt(var + eps) + beta. MindSpore has no such helper."""
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = {@copy.deepcopy}(conv)
    scale = bn.gamma * {@mindspore.ops.rsqrt}(bn.moving_variance + bn.eps)
    shape = ([1, -1] if transpose else [-1, 1]) + [1] * (conv.weight.ndim - 2)
    fused.weight.set_data((conv.weight * scale.reshape(shape)).astype(conv.weight.dtype))
    bias = conv.bias if conv.has_bias else {@mindspore.ops.zeros_like}(bn.moving_mean)
    fused.bias = {@mindspore.Parameter}(((bias - bn.moving_mean) * scale + bn.beta).astype(conv.weight.dtype), name="bias")
    fused.has_bias = True
    return fused
''',
    "fuse_linear_bn_eval": '''\
def __NAME__(linear, bn):
    """torch.nn.utils.fuse_linear_bn_eval: a copy of the eval-mode linear layer (mindspore.nn.Dense) with the
    eval-mode BatchNorm folded in: weight * gamma / sqrt(var + eps) per output feature, bias
    (b - mean) * gamma / sqrt(var + eps) + beta. MindSpore has no such helper."""
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if linear.weight.shape[0] != bn.moving_mean.shape[0] and bn.moving_mean.shape[0] != 1:
        raise AssertionError("To fuse, linear.out_features must equal bn.num_features or bn.num_features must be 1")
    fused = {@copy.deepcopy}(linear)
    scale = bn.gamma * {@mindspore.ops.rsqrt}(bn.moving_variance + bn.eps)
    fused.weight.set_data((linear.weight * scale.unsqueeze(-1)).astype(linear.weight.dtype))
    bias = linear.bias if linear.has_bias else {@mindspore.ops.zeros_like}(bn.moving_mean)
    fused.bias = {@mindspore.Parameter}(((bias - bn.moving_mean) * scale + bn.beta).astype(linear.weight.dtype), name="bias")
    fused.has_bias = True
    return fused
''',
    "rrelu": '''\
def __NAME__(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """torch.nn.functional.rrelu: negative inputs times a slope drawn from U(lower, upper) while training,
    times the fixed slope (lower + upper) / 2 otherwise (the default: training=False). MindSpore's
    ops.rrelu and nn.RReLU draw random slopes in every mode."""
    if training:
        slope = {@mindspore.ops.uniform}(input.shape, {@mindspore.Tensor}(lower, {@mindspore.float32}),
                                         {@mindspore.Tensor}(upper, {@mindspore.float32})).astype(input.dtype)
    else:
        slope = (lower + upper) / 2
    return {@mindspore.ops.where}(input >= 0, input, input * slope)
''',
    "RReLU": '''\
class __NAME__({@mindspore.nn.Cell}):
    """torch.nn.RReLU: random negative slopes in training mode, the fixed slope (lower + upper) / 2 in
    eval mode, as PyTorch's layer (MindSpore's nn.RReLU draws random slopes in both modes)."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper = float(lower), float(upper)

    def construct(self, input):
        return {@msdev.rrelu}(input, self.lower, self.upper, self.training)
''',
    "ConvTranspose2d": '''\
class __NAME__({@mindspore.nn.Conv2dTranspose}):
    """torch.nn.ConvTranspose2d with output_padding. PyTorch crops `padding` from the start and
    `padding - output_padding` from the end of the full transposed convolution; MindSpore crops `padding`
    from both ends and appends `output_padding` zeros, which loses the last row and column it computes.
    The asymmetric padding keeps them; where output_padding exceeds padding, the rows past the full
    convolution hold the bias, as in PyTorch."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        pair = lambda v: (int(v), int(v)) if isinstance(v, int) else tuple(int(i) for i in v)
        size = lambda v: int(v) if isinstance(v, int) else tuple(int(i) for i in v)
        p, o = pair(padding), pair(output_padding)
        extra = tuple(max(oi - pi, 0) for pi, oi in zip(p, o))
        self_bias = bool(bias) and any(extra)
        super().__init__(in_channels, out_channels, size(kernel_size), stride=size(stride), pad_mode="pad",
                         padding=(p[0], max(p[0] - o[0], 0), p[1], max(p[1] - o[1], 0)),
                         output_padding=extra if any(extra) else 0, dilation=size(dilation), group=groups,
                         has_bias=bool(bias) and not self_bias)
        self.late_bias = self_bias
        if self_bias:
            self.bias = {@mindspore.Parameter}({@mindspore.ops.zeros}(out_channels, {@mindspore.float32}), name="bias")

    def construct(self, x):
        out = super().construct(x)
        return out + self.bias.reshape(1, -1, 1, 1) if self.late_bias else out
''',
    "ConvTranspose1d": '''\
class __NAME__({@mindspore.nn.Conv1dTranspose}):
    """torch.nn.ConvTranspose1d with output_padding, which mindspore.nn.Conv1dTranspose lacks: PyTorch
    crops `padding` from the start and `padding - output_padding` from the end of the full transposed
    convolution, so the kernel's padding is made asymmetric; where output_padding exceeds padding, the
    positions past the full convolution hold the bias, as in PyTorch."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        one = lambda v: int(v) if isinstance(v, int) else int(tuple(v)[0])
        p, o = one(padding), one(output_padding)
        self.extra = max(o - p, 0)
        late_bias = bool(bias) and self.extra > 0
        super().__init__(in_channels, out_channels, one(kernel_size), stride=one(stride), pad_mode="pad", padding=p,
                         dilation=one(dilation), group=groups, has_bias=bool(bias) and not late_bias)
        self.padding = (0, 0, p, max(p - o, 0))
        self.conv2d_transpose = {@mindspore.ops.Conv2DBackpropInput}(
            out_channel=in_channels, kernel_size=self.kernel_size, mode=1, pad_mode="pad", pad=self.padding,
            stride=self.stride, dilation=self.dilation, group=groups)
        self.late_bias = late_bias
        if late_bias:
            self.bias = {@mindspore.Parameter}({@mindspore.ops.zeros}(out_channels, {@mindspore.float32}), name="bias")

    def construct(self, x):
        out = super().construct(x)
        if self.extra:
            out = {@mindspore.ops.pad}(out, (0, self.extra))
        return out + self.bias.reshape(1, -1, 1) if self.late_bias else out
''',
    "ModuleList": '''\
class __NAME__({@mindspore.nn.CellList}):
    """torch.nn.ModuleList holding None in some slots (a last stage without a downsample layer):
    MindSpore's CellList refuses None, while a Cell keeps a None child as PyTorch does, so None is
    inserted as an empty slot and every other layer goes through CellList."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def append(self, module):
        if module is None:
            self.insert_child_to_cell(str(len(self)), None)
            return self
        # CellList.append reads the parameter names of the layers already held, which an empty slot has not
        empty = [key for key, cell in self._cells.items() if cell is None]
        for key in empty:
            self._cells[key] = {@mindspore.nn.Cell}()
        try:
            super().append(module)
        finally:
            for key in empty:
                self._cells[key] = None
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def set_grad(self, flag=True):
        self.requires_grad = flag
        for cell in self._cells.values():
            if cell is not None:
                cell.set_grad(flag)
        return self
''',
    "FunctionCtx": """\
class __NAME__:
    \"\"\"The `ctx` a torch.autograd.Function's forward and backward receive: what forward saves or sets
    on it, for backward to read (MindSpore's bprop runs forward again to fill a fresh one).\"\"\"

    def __init__(self, inputs=()):
        self.saved_tensors = ()
        self.needs_input_grad = tuple(isinstance(x, {@mindspore.Tensor}) for x in inputs)

    @property
    def saved_variables(self):
        return self.saved_tensors

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors):
        pass

    def mark_dirty(self, *tensors):
        pass

    def set_materialize_grads(self, value):
        pass
""",
    "unbatched_conv": """\
@{@functools.lru_cache}(maxsize=None)
def __NAME__(base):
    \"\"\"The transposed convolution `base` (mindspore.nn.Conv1dTranspose/2d/3d) also taking PyTorch's unbatched input
    (no batch axis): it gets a batch axis of one, which the output loses again. A subclass with the layer's name.\"\"\"

    class Layer(base):
        def construct(self, x, *args, **kwargs):
            if x.ndim == self.weight.ndim - 1 - (1 if isinstance(self, {@mindspore.nn.Conv1dTranspose}) else 0):
                return super().construct(x.unsqueeze(0), *args, **kwargs).squeeze(0)
            return super().construct(x, *args, **kwargs)

    Layer.__name__ = Layer.__qualname__ = base.__name__
    Layer.adapts_layer = base  # `type(m) == nn.Conv2dTranspose` tests see through it
    return Layer
""",
    "float64_layer": """\
@{@functools.lru_cache}(maxsize=None)
def __NAME__(base):
    \"\"\"The activation layer `base` computing float32 inputs in float64 and rounding back: MindSpore 2.10's
    float32 CPU kernels of sigmoid, tanh, exp, softmax, ... are accurate to about 1e-5 where PyTorch's
    are to 1e-7, and the difference grows through a deep network. Integer and bool inputs, which those
    kernels refuse, give float32 as in PyTorch. A subclass with the layer's name, one per layer class.\"\"\"

    class Layer(base):
        def construct(self, *args, **kwargs):
            if not args and "input" in kwargs:  # `m(input=x)`: PyTorch's forward names its tensor `input`
                args = (kwargs.pop("input"),)
            x, args = args[0], args[1:]
            if isinstance(x, {@mindspore.Tensor}) and (x.dtype == {@mindspore.float32} or x.dtype in (
                    {@mindspore.bool_}, {@mindspore.int8}, {@mindspore.int16}, {@mindspore.int32}, {@mindspore.int64},
                    {@mindspore.uint8})):
                return super().construct(x.astype({@mindspore.float64}), *args, **kwargs).astype({@mindspore.float32})
            return super().construct(x, *args, **kwargs)

    Layer.__name__ = Layer.__qualname__ = base.__name__
    Layer.adapts_layer = base  # `type(m) == nn.SiLU` tests see through it
    return Layer
""",
    "float32_layer": """\
@{@functools.lru_cache}(maxsize=None)
def __NAME__(base):
    \"\"\"The layer `base` computing float64 inputs in float32 and giving float64 back: MindSpore 2.10's CPU
    kernels of ReLU6, HShrink, SoftShrink and PReLU take float16/float32 only, where PyTorch computes float64
    too. A subclass with the layer's name, one per layer class.\"\"\"

    class Layer(base):
        def construct(self, *args, **kwargs):
            if not args and "input" in kwargs:  # `m(input=x)`: PyTorch's forward names its tensor `input`
                args = (kwargs.pop("input"),)
            x, args = args[0], args[1:]
            if isinstance(x, {@mindspore.Tensor}) and x.dtype == {@mindspore.float64}:
                return super().construct(x.astype({@mindspore.float32}), *args, **kwargs).astype({@mindspore.float64})
            return super().construct(x, *args, **kwargs)

    Layer.__name__ = Layer.__qualname__ = base.__name__
    Layer.msdev_adapts = base  # `type(m) is nn.ReLU6` tests see through the subclass
    return Layer
""",
    "TreeSpec": """\
class __NAME__:
    \"\"\"torch.utils._pytree.TreeSpec: how tree_flatten took a nested structure apart: its type (None
    for a leaf), what rebuilding it needs (dict keys, a namedtuple's class, a deque's maxlen) and one
    spec per child.\"\"\"

    def __init__(self, type=None, context=None, children_specs=()):
        self.type, self.context, self.children_specs = type, context, list(children_specs)
        self.num_children = len(self.children_specs)
        self.num_leaves = 1 if type is None else sum(c.num_leaves for c in self.children_specs)

    def is_leaf(self):
        return self.type is None

    def __eq__(self, other):
        return isinstance(other, __NAME__) and (self.type, self.context, self.children_specs) == (
            other.type, other.context, other.children_specs)

    def __repr__(self):
        return "*" if self.type is None else f"TreeSpec({self.type.__name__}, {self.context!r}, {self.children_specs!r})"

    def unflatten(self, leaves):
        leaves = list(leaves)
        if len(leaves) != self.num_leaves:
            raise ValueError(f"treespec.unflatten(leaves): `leaves` has length {len(leaves)} but the spec "
                             f"refers to a pytree that holds {self.num_leaves} items")
        return self._build(iter(leaves))

    def _build(self, leaves):
        if self.type is None:
            return next(leaves)
        values = [child._build(leaves) for child in self.children_specs]
        if self.type in (list, tuple):
            return self.type(values)
        if issubclass(self.type, tuple):  # a namedtuple
            return self.type(*values)
        if issubclass(self.type, {@collections.defaultdict}):
            return self.type(self.context[0], zip(self.context[1], values))
        if issubclass(self.type, dict):
            return self.type(zip(self.context, values))
        return self.type(values, maxlen=self.context)  # a deque
""",
    "tree_flatten": """\
def __NAME__(tree, is_leaf=None):
    \"\"\"torch.utils._pytree.tree_flatten: the leaves of nested lists, tuples, namedtuples, dicts and
    deques in order (None is a leaf), and the spec that rebuilds the structure from them.\"\"\"
    leaves = []

    def walk(node):
        kind = type(node)
        if is_leaf is not None and is_leaf(node):
            pass
        elif kind in (list, tuple) or (isinstance(node, tuple) and hasattr(node, "_fields")):
            return {@msdev.TreeSpec}(kind, None, [walk(v) for v in node])
        elif isinstance(node, {@collections.defaultdict}):
            keys = list(node)
            return {@msdev.TreeSpec}(kind, (node.default_factory, keys), [walk(node[k]) for k in keys])
        elif isinstance(node, dict):
            keys = list(node)
            return {@msdev.TreeSpec}(kind, keys, [walk(node[k]) for k in keys])
        elif isinstance(node, {@collections.deque}):
            return {@msdev.TreeSpec}(kind, node.maxlen, [walk(v) for v in node])
        leaves.append(node)
        return {@msdev.TreeSpec}()

    spec = walk(tree)
    return leaves, spec
""",
    "tree_map": """\
def __NAME__(func, tree, *rests, is_leaf=None):
    \"\"\"torch.utils._pytree.tree_map: `func` applied to the leaves (and the matching leaves of `rests`),
    in the same structure.\"\"\"
    leaves, spec = {@msdev.tree_flatten}(tree, is_leaf)
    others = [{@msdev.tree_flatten}(r, is_leaf)[0] for r in rests]
    return spec.unflatten(func(*xs) for xs in zip(leaves, *others))
""",
    "norm_setting": """\
def __NAME__(layer, name, value):
    \"\"\"`layer.eps = value` / `layer.momentum = value` as PyTorch's BatchNorm reads them at its next call:
    MindSpore's BatchNorm built its kernels from the eps and momentum it was constructed with, so they are
    built again (its kernel's momentum weighs the batch as PyTorch's does); anything else takes the
    attribute as written.\"\"\"
    inner = getattr(layer, "bn2d", layer)  # BatchNorm3d computes through a BatchNorm2d
    if not (hasattr(inner, "bn_train") and hasattr(inner, "bn_infer")) or value is None:
        setattr(layer, name, value)
        return
    setattr(inner, name, value)
    inner.bn_train = {@mindspore.ops.BatchNorm}(is_training=True, epsilon=inner.eps, momentum=inner.momentum,
                                                data_format=inner.format)
    inner.bn_infer = {@mindspore.ops.BatchNorm}(is_training=False, epsilon=inner.eps, data_format=inner.format)
""",
    "computed_attribute": """\
def __NAME__(module, name, compute):
    \"\"\"`module.<name>` computed by `compute(module)` each time it is read, as PyTorch's
    parametrizations do it: the module gets a subclass (once) carrying a property of that name.\"\"\"
    cls = type(module)
    if not getattr(cls, "msdev_parametrized", False):
        cls = type("Parametrized" + cls.__name__, (cls,), {"msdev_parametrized": True})
        module.__class__ = cls
    setattr(cls, name, property(compute))
    return module
""",
    "parametrized_type": """\
def __NAME__(module):
    \"\"\"torch.nn.utils.parametrize.type_before_parametrizations: the class before a parametrization
    gave the module its subclass.\"\"\"
    cls = type(module)
    return cls.__bases__[0] if getattr(cls, "msdev_parametrized", False) else cls
""",
    "Parametrizations": """\
class __NAME__({@mindspore.nn.Cell}):
    \"\"\"`module.parametrizations`: one ParametrizationList per parametrized tensor, by its name.\"\"\"

    def __contains__(self, name):
        return name in self._cells

    def __getitem__(self, name):
        return self._cells[name]
""",
    "ParametrizationList": """\
class __NAME__({@mindspore.nn.Cell}):
    \"\"\"The stored original tensor(s) of one parametrized tensor (`original`, or `original0`,
    `original1`, ... when right_inverse gave several, PyTorch's checkpoint keys) and the
    parametrizations applied to them in turn (children `0`, `1`, ...).\"\"\"

    def __init__(self, originals):
        super().__init__()
        self.count, self.steps = len(originals), 0
        for i, value in enumerate(originals):
            name = "original" if self.count == 1 else f"original{i}"
            setattr(self, name, {@mindspore.Parameter}({@mindspore.Tensor}(value), name=name))

    def add(self, parametrization):
        self.insert_child_to_cell(str(self.steps), parametrization)
        self.steps += 1

    def construct(self):
        if self.count == 1:
            x = self.original
        else:
            x = tuple(getattr(self, f"original{i}") for i in range(self.count))
        for i in range(self.steps):
            step = self._cells[str(i)]
            x = step(*x) if i == 0 and self.count > 1 else step(x)
        return x
""",
    "register_parametrization": """\
def __NAME__(module, tensor_name, parametrization, unsafe=False):
    \"\"\"torch.nn.utils.parametrize.register_parametrization: `module.<tensor_name>` becomes
    `parametrization(original)`, computed when read. The original (right_inverse of the tensor
    when the parametrization has one) is stored under parametrizations.<tensor_name>, named as
    PyTorch's checkpoints name it; a second registration chains another parametrization.\"\"\"
    holder = getattr(module, "parametrizations", None)
    if holder is None or tensor_name not in holder:
        tensor = getattr(module, tensor_name)
        given = getattr(tensor, "name", "")
        prefix = given[:-len(tensor_name)] if given.endswith(tensor_name) else ""
        inverse = getattr(parametrization, "right_inverse", None)
        value = inverse(tensor) if inverse is not None else tensor
        steps = {@msdev.ParametrizationList}(tuple(value) if isinstance(value, (list, tuple)) else (value,))
        if tensor_name in module._params:
            del module._params[tensor_name]
        elif hasattr(module, tensor_name):
            delattr(module, tensor_name)
        if holder is None:
            holder = {@msdev.Parametrizations}()
            module.parametrizations = holder
        holder.insert_child_to_cell(tensor_name, steps)
        holder.update_parameters_name(prefix + "parametrizations.")
        {@msdev.computed_attribute}(module, tensor_name, lambda self: self.parametrizations[tensor_name]())
    holder[tensor_name].add(parametrization)
    return module
""",
    "remove_parametrizations": """\
def __NAME__(module, tensor_name, leave_parametrized=True):
    \"\"\"torch.nn.utils.parametrize.remove_parametrizations: the tensor is a plain parameter again,
    holding its current parametrized value (or the original, `leave_parametrized=False`).\"\"\"
    holder = getattr(module, "parametrizations", None)
    if holder is None or tensor_name not in holder:
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    steps = holder[tensor_name]
    if leave_parametrized:
        value = steps()
    elif steps.count == 1:
        value = steps.original
    else:
        raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
                         "that is parametrized in terms of a sequence of tensors.")
    given = steps.original.name if steps.count == 1 else steps.original0.name
    prefix = given.split("parametrizations.")[0]
    delattr(type(module), tensor_name)
    del holder._cells[tensor_name]
    if not holder._cells:
        del module._cells["parametrizations"]
        module.__class__ = type(module).__bases__[0]
    setattr(module, tensor_name, {@mindspore.Parameter}({@mindspore.Tensor}(value), name=prefix + tensor_name))
    return module
""",
    "is_parametrized": """\
def __NAME__(module, tensor_name=None):
    \"\"\"torch.nn.utils.parametrize.is_parametrized.\"\"\"
    holder = getattr(module, "parametrizations", None)
    return holder is not None and (tensor_name is None or tensor_name in holder)
""",
    "WeightNorm": """\
class __NAME__({@mindspore.nn.Cell}):
    \"\"\"Weight normalisation w = g * v / ||v||, the norm over every dim but `dim` (the whole tensor for
    dim -1 or None, as PyTorch's norm_except_dim). right_inverse splits a weight into (g, v).\"\"\"

    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def norm(self, v):
        if self.dim == -1:
            return (v * v).sum().sqrt()
        dim = self.dim % v.ndim
        return (v * v).sum(axis=tuple(i for i in range(v.ndim) if i != dim), keepdims=True).sqrt()

    def construct(self, g, v):
        return v * (g / self.norm(v))

    def right_inverse(self, weight):
        return self.norm(weight), weight
""",
    "weight_norm": """\
def __NAME__(module, name="weight", dim=0):
    \"\"\"torch.nn.utils.weight_norm (the older form): `<name>_g` and `<name>_v` become the module's
    parameters, PyTorch's checkpoint keys, and `<name>` is computed from them when read.\"\"\"
    tensor = getattr(module, name)
    given = getattr(tensor, "name", "")
    prefix = given[:-len(name)] if given.endswith(name) else ""
    norm = {@msdev.WeightNorm}(dim)
    g, v = norm.right_inverse(tensor)
    del module._params[name]
    setattr(module, name + "_g", {@mindspore.Parameter}({@mindspore.Tensor}(g), name=prefix + name + "_g"))
    setattr(module, name + "_v", {@mindspore.Parameter}({@mindspore.Tensor}(v), name=prefix + name + "_v"))
    return {@msdev.computed_attribute}(module, name, lambda self: norm(getattr(self, name + "_g"),
                                                                         getattr(self, name + "_v")))
""",
    "spectral_norm": """\
def __NAME__(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    \"\"\"torch.nn.utils.spectral_norm (the older form): `<name>_orig` becomes the module's parameter and
    `<name>_u`, `<name>_v` its power-iteration vectors (PyTorch's checkpoint keys); `<name>` is
    `<name>_orig` divided by its largest singular value sigma = u . (W v), u and v refined by
    `n_power_iterations` steps each time it is read in training mode, as PyTorch's forward pre-hook does.\"\"\"
    if dim is None:
        dim = 1 if any("Transpose" in c.__name__ for c in type(module).__mro__) else 0
    weight = getattr(module, name)
    given = getattr(weight, "name", "")
    prefix = given[:-len(name)] if given.endswith(name) else ""

    def matrix(w):
        w = {@mindspore.ops.moveaxis}(w, dim, 0) if dim != 0 else w
        return w.reshape(w.shape[0], -1)

    def normalize(x):
        return x / {@mindspore.ops.maximum}((x * x).sum().sqrt(), {@mindspore.tensor}(eps, x.dtype))

    rows, cols = matrix(weight).shape
    u = normalize({@mindspore.ops.standard_normal}((rows,)).astype(weight.dtype))
    v = normalize({@mindspore.ops.standard_normal}((cols,)).astype(weight.dtype))
    del module._params[name]
    setattr(module, name + "_orig", {@mindspore.Parameter}({@mindspore.Tensor}(weight), name=prefix + name + "_orig"))
    setattr(module, name + "_u", {@mindspore.Parameter}(u, name=prefix + name + "_u", requires_grad=False))
    setattr(module, name + "_v", {@mindspore.Parameter}(v, name=prefix + name + "_v", requires_grad=False))
    module.set_train(True)  # the layer PyTorch wraps starts in training mode, where each read iterates

    def compute(self):
        orig = getattr(self, name + "_orig")
        mat = matrix(orig)
        u, v = getattr(self, name + "_u"), getattr(self, name + "_v")
        if self.training:
            fixed, uu, vv = {@mindspore.ops.stop_gradient}(mat), u.value(), v.value()
            for _ in range(n_power_iterations):
                vv = normalize({@mindspore.ops.mv}(fixed.T, uu))
                uu = normalize({@mindspore.ops.mv}(fixed, vv))
            u.set_data(uu)
            v.set_data(vv)
        sigma = (u.value() * {@mindspore.ops.mv}(mat, v.value())).sum()
        return orig / sigma

    return {@msdev.computed_attribute}(module, name, compute)
""",
    "SpectralNorm": """\
class __NAME__({@mindspore.nn.Cell}):
    \"\"\"The parametrization of torch.nn.utils.parametrizations.spectral_norm: the weight divided by its largest
    singular value sigma = u . (W v), W the weight as a matrix (`dim` first), u and v estimated by power
    iteration: 15 steps when it is registered, `n_power_iterations` more each time the weight is read in
    training mode. `_u` and `_v` are kept as PyTorch keeps them; a 1-d weight is normalised.\"\"\"

    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        self.dim = dim if dim >= 0 else dim + weight.ndim
        self.eps = eps
        self.n_power_iterations = n_power_iterations
        if weight.ndim > 1:
            rows, cols = self.matrix(weight).shape
            self._u = {@mindspore.Parameter}(self.normalize({@mindspore.ops.standard_normal}((rows,)).astype(weight.dtype)),
                                         name="_u", requires_grad=False)
            self._v = {@mindspore.Parameter}(self.normalize({@mindspore.ops.standard_normal}((cols,)).astype(weight.dtype)),
                                         name="_v", requires_grad=False)
            self.power({@mindspore.ops.stop_gradient}(self.matrix(weight)), 15)

    def matrix(self, weight):
        if self.dim != 0:
            weight = {@mindspore.ops.moveaxis}(weight, self.dim, 0)
        return weight.reshape(weight.shape[0], -1)

    def normalize(self, x):
        return x / {@mindspore.ops.maximum}((x * x).sum().sqrt(), {@mindspore.tensor}(self.eps, x.dtype))

    def power(self, mat, steps):
        u, v = self._u.value(), self._v.value()
        for _ in range(steps):
            u = self.normalize({@mindspore.ops.mv}(mat, v))
            v = self.normalize({@mindspore.ops.mv}(mat.T, u))
        self._u.set_data(u)
        self._v.set_data(v)

    def construct(self, weight):
        if weight.ndim == 1:
            return self.normalize(weight)
        mat = self.matrix(weight)
        if self.training:
            self.power({@mindspore.ops.stop_gradient}(mat), self.n_power_iterations)
        return weight / (self._u.value() * {@mindspore.ops.mv}(mat, self._v.value())).sum()
""",
    "parametrized_spectral_norm": """\
def __NAME__(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    \"\"\"torch.nn.utils.parametrizations.spectral_norm: `module.<name>` becomes the SpectralNorm of its original,
    stored as PyTorch stores it (parametrizations.<name>.original, .0._u, .0._v). The module starts in training
    mode, as the PyTorch module does, so that each read refines sigma.\"\"\"
    if dim is None:
        dim = 1 if any("Transpose" in c.__name__ for c in type(module).__mro__) else 0
    norm = {@msdev.SpectralNorm}(getattr(module, name), n_power_iterations, dim, eps)
    {@msdev.register_parametrization}(module, name, norm, unsafe=True)
    steps = module.parametrizations[name]
    base = steps.original.name[:-len("original")] + str(steps.steps - 1) + "."
    for vector in (getattr(norm, "_u", None), getattr(norm, "_v", None)):
        if vector is not None:
            vector.name = base + vector.name.rsplit(".", 1)[-1]
    module.set_train(True)
    return module
""",
    "remove_weight_norm": """\
def __NAME__(module, name="weight"):
    \"\"\"torch.nn.utils.remove_weight_norm: `<name>` is a plain parameter again, with its current value.\"\"\"
    value = getattr(module, name)
    given = getattr(module, name + "_g").name
    delattr(type(module), name)
    del module._params[name + "_g"], module._params[name + "_v"]
    setattr(module, name, {@mindspore.Parameter}({@mindspore.Tensor}(value), name=given[:-2]))
    return module
""",
    "remove_spectral_norm": """\
def __NAME__(module, name="weight"):
    \"\"\"torch.nn.utils.remove_spectral_norm: `<name>` is a plain parameter again, holding `<name>_orig` / sigma
    with the current power-iteration vectors (not refined once more, as PyTorch computes it on removal);
    `<name>_orig`, `<name>_u` and `<name>_v` go.\"\"\"
    if not hasattr(module, name + "_orig"):
        raise ValueError(f"spectral_norm of '{name}' not found in {module}")
    training = module.training
    module.training = False  # read without a power iteration
    value = getattr(module, name)
    module.training = training
    given = getattr(module, name + "_orig").name
    delattr(type(module), name)
    del module._params[name + "_orig"], module._params[name + "_u"], module._params[name + "_v"]
    setattr(module, name, {@mindspore.Parameter}({@mindspore.Tensor}(value), name=given[:-len("_orig")]))
    return module
""",
    "ParameterList": '''\
class __NAME__({@mindspore.nn.Cell}):
    """torch.nn.ParameterList: a list whose tensors are parameters of the cell, named by position
    ("0", "1", ...) as PyTorch names them, so checkpoints, optimizers and gradients see them. A layer
    put in it (a ParameterList of ParameterLists) is a child cell at that position, as in PyTorch."""

    def __init__(self, values=None):
        super().__init__()
        self._length = 0
        if values is not None:
            self.extend(values)

    def append(self, value):
        self._length += 1
        self[self._length - 1] = value
        return self

    def extend(self, values):
        for value in values:
            self.append(value)
        return self

    def _position(self, index):
        position = index + self._length if index < 0 else index
        if not 0 <= position < self._length:
            raise IndexError(f"index {index} is out of range")
        return str(position)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(self._length)[index]]
        position = self._position(index)
        return self._params[position] if position in self._params else self._cells[position]

    def __setitem__(self, index, value):
        if isinstance(value, {@mindspore.nn.Cell}):
            self.insert_child_to_cell(self._position(index), value)
            return
        if not isinstance(value, {@mindspore.Parameter}):
            value = {@mindspore.Parameter}(value)
        self.insert_param_to_cell(self._position(index), value)

    def __len__(self):
        return self._length

    def __iter__(self):
        return iter([self[i] for i in range(self._length)])
''',
    "ParameterDict": '''\
class __NAME__({@mindspore.nn.Cell}):
    """torch.nn.ParameterDict: a dict whose tensors are parameters of the cell under their keys, in
    PyTorch's order, so checkpoints, optimizers and gradients see them."""

    def __init__(self, parameters=None):
        super().__init__()
        self._order = []
        if parameters is not None:
            self.update(parameters)

    def __setitem__(self, key, value):
        if not isinstance(value, {@mindspore.Parameter}):
            value = {@mindspore.Parameter}(value)
        if key not in self._order:
            self._order.append(key)
        self.insert_param_to_cell(key, value)

    def __getitem__(self, key):
        if key not in self._order:
            raise KeyError(key)
        return self._params[key]

    def __delitem__(self, key):
        self.pop(key)

    def pop(self, key):
        value = self[key]
        self._order.remove(key)
        del self._params[key]
        return value

    def get(self, key, default=None):
        return self[key] if key in self._order else default

    def update(self, parameters):
        # as PyTorch: an OrderedDict or ParameterDict keeps its order, another mapping is sorted by key
        if isinstance(parameters, ({@collections.OrderedDict}, __NAME__)):
            pairs = parameters.items()
        elif hasattr(parameters, "keys"):
            pairs = sorted(parameters.items())
        else:
            pairs = parameters
        for key, value in pairs:
            self[key] = value

    def keys(self):
        return list(self._order)

    def values(self):
        return [self[key] for key in self._order]

    def items(self):
        return [(key, self[key]) for key in self._order]

    def __contains__(self, key):
        return key in self._order

    def __len__(self):
        return len(self._order)

    def __iter__(self):
        return iter(list(self._order))
''',
    "dtype_kinds": '''\
# (category, bits) of each dtype by MindSpore's name for it: bool < integer < float < complex, the order
# PyTorch promotes by
__NAME__ = {"Bool": (0, 8), "UInt8": (1, 8), "Int8": (1, 8), "Int16": (1, 16), "UInt16": (1, 16),
            "Int32": (1, 32), "UInt32": (1, 32), "Int64": (1, 64), "UInt64": (1, 64), "Float16": (2, 16),
            "BFloat16": (2, 16), "Float32": (2, 32), "Float64": (2, 64), "Complex64": (3, 64),
            "Complex128": (3, 128)}
''',
    "promote_types": '''\
def __NAME__(type1, type2):
    """torch.promote_types for MindSpore dtypes, by PyTorch's rules (not NumPy's: int64 with float16 gives
    float16): the higher category wins; within one, the wider type; uint8 with a signed type gives a
    signed type holding both; float16 with bfloat16 gives float32."""
    if type1 == type2:
        return type1
    (c1, b1), (c2, b2) = {@msdev.dtype_kinds}[str(type1)], {@msdev.dtype_kinds}[str(type2)]
    if c1 != c2:
        high, low_category, low_bits = (type1, c2, b2) if c1 > c2 else (type2, c1, b1)
        if str(high) == "Complex64" and low_category == 2 and low_bits == 64:
            return {@mindspore.complex128}
        return high
    unsigned1, unsigned2 = str(type1).startswith("U"), str(type2).startswith("U")
    if c1 == 1 and unsigned1 != unsigned2:
        signed, signed_bits = (type2, b2) if unsigned1 else (type1, b1)
        return {@mindspore.int16} if signed_bits == 8 else signed
    if b1 == b2:
        return {@mindspore.float32}
    return type1 if b1 > b2 else type2
''',
    "result_type": '''\
def __NAME__(tensor1, tensor2):
    """torch.result_type: tensors with dimensions decide the dtype; a 0-d tensor, then a Python number,
    changes it only when its category (bool < integer < float < complex) is higher."""
    def dtype_of(value):
        if isinstance(value, {@mindspore.Tensor}):
            return value.dtype
        if isinstance(value, bool):
            return {@mindspore.bool_}
        if isinstance(value, int):
            return {@mindspore.int64}
        return {@mindspore.float32} if isinstance(value, float) else {@mindspore.complex64}

    groups = [[], [], []]
    for value in (tensor1, tensor2):
        rank = 2 if not isinstance(value, {@mindspore.Tensor}) else (1 if value.ndim == 0 else 0)
        groups[rank].append(dtype_of(value))
    result = None
    for group in groups:
        if not group:
            continue
        dtype = group[0] if len(group) == 1 else {@msdev.promote_types}(group[0], group[1])
        if result is None:
            result = dtype
        elif {@msdev.dtype_kinds}[str(dtype)][0] > {@msdev.dtype_kinds}[str(result)][0]:
            result = {@msdev.promote_types}(result, dtype)
    return result
''',
    "can_cast": '''\
def __NAME__(from_, to):
    """torch.can_cast: a cast is allowed unless it goes to a lower category (bool < integer < float < complex)."""
    return {@msdev.dtype_kinds}[str(from_)][0] <= {@msdev.dtype_kinds}[str(to)][0]
''',
    "set_printoptions": '''\
def __NAME__(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """torch.set_printoptions: MindSpore tensors print through NumPy, so NumPy's options are set (PyTorch's
    profiles spelled out; sci_mode=False is NumPy's suppress=True)."""
    fields = ("precision", "threshold", "edgeitems", "linewidth")
    presets = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, 2 ** 63 - 1, 3, 80)}
    options = dict(zip(fields, presets[profile])) if profile is not None else {}
    for field, value in zip(fields, (precision, threshold, edgeitems, linewidth)):
        if value is not None:
            options[field] = value
    if sci_mode is not None:
        options["suppress"] = not sci_mode
    {@numpy.set_printoptions}(**options)
''',
    "DataParallel": '''\
class __NAME__({@mindspore.nn.Cell}):
    """torch.nn.DataParallel on one device: the wrapped cell under `.module`, so code reading
    `model.module` and checkpoint keys with PyTorch's `module.` prefix still work. MindSpore spreads a
    network over devices with its parallel context, not with a wrapper."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module

    def construct(self, *args, **kwargs):
        return self.module(*args, **kwargs)
''',
    "Subset": '''\
class __NAME__:
    """torch.utils.data.Subset: item i is dataset[indices[i]] (a list of positions is passed on to the
    dataset as a list); mindspore.dataset.GeneratorDataset reads it as PyTorch's DataLoader does."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[int(i)] for i in index]]
        return self.dataset[self.indices[int(index)]]

    def __len__(self):
        return len(self.indices)
''',
    "Dataset": '''\
class __NAME__:
    """torch.utils.data.Dataset named outside a class's bases (`Dataset.__init__(self)`, `super(Dataset)`):
    MindSpore has no dataset base class, and a converted dataset class keeps no base."""

    __class_getitem__ = classmethod(lambda cls, item: cls)
''',
    "IterableDataset": '''\
class __NAME__:
    """torch.utils.data.IterableDataset named outside a class's bases (`super(IterableDataset)`): MindSpore
    has no such base class, and a converted iterable dataset class keeps no base."""

    __class_getitem__ = classmethod(lambda cls, item: cls)
''',
    "default_collate": '''\
def __NAME__(batch):
    """torch.utils.data.default_collate: tensors (and NumPy arrays) are stacked on a new first dim, Python
    ints, floats and bools become one int64 / float64 / bool tensor, strings stay a list, and dicts,
    named tuples and sequences are collated field by field (a tuple gives a list, as in PyTorch)."""
    elem = batch[0]
    if isinstance(elem, {@mindspore.Tensor}):
        return {@mindspore.ops.stack}(list(batch), 0)
    if isinstance(elem, ({@numpy.ndarray}, {@numpy.generic})) and elem.dtype.kind not in "OSU":
        return {@mindspore.tensor}({@numpy.stack}([{@numpy.asarray}(b) for b in batch]))
    if isinstance(elem, float):
        return {@mindspore.tensor}(list(batch), {@mindspore.float64})
    if isinstance(elem, int):
        return {@mindspore.tensor}(list(batch))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, dict):
        return type(elem)({key: __NAME__([d[key] for d in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(__NAME__(list(column)) for column in zip(*batch)))
    if isinstance(elem, (list, tuple)):
        if any(len(item) != len(elem) for item in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [__NAME__(list(column)) for column in zip(*batch)]
        return columns if isinstance(elem, tuple) else type(elem)(columns)
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {type(elem)}")
''',
    "default_convert": '''\
def __NAME__(data):
    """torch.utils.data.default_convert: NumPy arrays and scalars become tensors, inside dicts, named tuples
    and sequences too (a plain tuple comes back as a list, as in PyTorch); anything else is kept."""
    if isinstance(data, {@numpy.ndarray}) and data.dtype.kind not in "SUO":
        return {@mindspore.tensor}(data)
    if isinstance(data, {@numpy.generic}) and data.dtype.kind not in "SUO":
        return {@mindspore.tensor}(data)
    if isinstance(data, dict):
        return type(data)({key: __NAME__(value) for key, value in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(__NAME__(item) for item in data))
    if isinstance(data, tuple):
        return [__NAME__(item) for item in data]
    if isinstance(data, list):
        return [__NAME__(item) for item in data]
    return data
''',
    "lu_factor": '''\
def __NAME__(A):
    """torch.linalg.lu_factor for any (batch of) m x n matrices: Gaussian elimination with partial pivoting
    (the row of the largest magnitude, the first one on ties, as LAPACK's getrf picks it), L and U packed in
    one matrix and the row swaps as 1-based int32 pivots. mindspore.scipy.linalg.lu_factor takes square
    matrices only. Computed in NumPy, outside the graph: no gradient."""
    a = A.asnumpy().copy()
    m, n = a.shape[-2:]
    k = min(m, n)
    flat = a.reshape(-1, m, n)
    pivots = {@numpy.zeros}((flat.shape[0], k), {@numpy.int32})
    for lu, piv in zip(flat, pivots):
        for j in range(k):
            row = j + int({@numpy.argmax}({@numpy.abs}(lu[j:, j])))
            piv[j] = row + 1
            if row != j:
                lu[[j, row]] = lu[[row, j]]
            if lu[j, j] != 0:
                lu[j + 1:, j] /= lu[j, j]
            lu[j + 1:, j + 1:] -= {@numpy.outer}(lu[j + 1:, j], lu[j, j + 1:])
    return {@mindspore.tensor}(flat.reshape(a.shape)), {@mindspore.tensor}(pivots.reshape(a.shape[:-2] + (k,)))
''',
    "lu_solve": '''\
def __NAME__(LU, pivots, B, left=True, adjoint=False):
    """torch.linalg.lu_solve with left=False (X A = B) and adjoint=True (A^H): A is rebuilt from the packed
    factors and 1-based pivots (A = P L U) and solved in NumPy, outside the graph. MindSpore 2.10's
    lu_solve solves the transposed system wrongly on CPU, so it is not used for these forms."""
    lu = LU.asnumpy()
    size = lu.shape[-1]
    a = ({@numpy.tril}(lu, -1) + {@numpy.eye}(size, dtype=lu.dtype)) @ {@numpy.triu}(lu)
    flat, piv = a.reshape(-1, size, size), pivots.asnumpy().astype("int64").reshape(-1, pivots.shape[-1]) - 1
    for matrix, swaps in zip(flat, piv):
        for i in reversed(range(len(swaps))):
            if swaps[i] != i:
                matrix[[i, swaps[i]]] = matrix[[swaps[i], i]]
    a = flat.reshape(lu.shape)
    if adjoint:
        a = a.conj().swapaxes(-1, -2)
    b = B.asnumpy()
    x = {@numpy.linalg.solve}(a, b) if left else {@numpy.linalg.solve}(a.swapaxes(-1, -2), b.swapaxes(-1, -2)).swapaxes(-1, -2)
    return {@mindspore.Tensor}(x.astype(b.dtype))
''',
    "lu": '''\
def __NAME__(A):
    """torch.linalg.lu for any (batch of) m x n matrices: P, L, U with A = P L U, unpacked from the partial
    pivoting factorisation of lu_factor (L unit lower triangular m x k, U upper triangular k x n)."""
    packed, pivots = {@msdev.lu_factor}(A)
    lu, piv = packed.asnumpy(), pivots.asnumpy()
    m, n = lu.shape[-2:]
    k = min(m, n)
    flat_lu, flat_piv = lu.reshape(-1, m, n), piv.reshape(-1, k)
    P = {@numpy.zeros}((flat_lu.shape[0], m, m), lu.dtype)
    for b in range(flat_lu.shape[0]):
        order = list(range(m))
        for j, p in enumerate(flat_piv[b] - 1):
            order[j], order[p] = order[p], order[j]
        P[b, order, range(m)] = 1
    L = {@numpy.tril}(lu[..., :, :k], -1) + {@numpy.eye}(m, k, dtype=lu.dtype)
    U = {@numpy.triu}(lu[..., :k, :])
    return {@mindspore.tensor}(P.reshape(lu.shape[:-2] + (m, m))), {@mindspore.tensor}(L), {@mindspore.tensor}(U)
''',
    "Sampler": '''\
class __NAME__:
    """torch.utils.data.Sampler, the base of custom samplers: an iterable of indices. (MindSpore's
    mindspore.dataset.Sampler is handed to a dataset instead of being iterated.)"""

    __class_getitem__ = classmethod(lambda cls, item: cls)  # Sampler[int]

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError
''',
    "SequentialSampler": '''\
class __NAME__({@msdev.Sampler}):
    """torch.utils.data.SequentialSampler: the positions 0 .. len(data_source) - 1 in order. An iterable of
    indices, which mindspore.dataset.GeneratorDataset also takes as its sampler."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)
''',
    "RandomSampler": '''\
class __NAME__({@msdev.Sampler}):
    """torch.utils.data.RandomSampler: positions of data_source in random order (a fresh permutation per pass,
    permutations chained when num_samples exceeds the length), or drawn with replacement. The draw comes
    from NumPy's global generator, not PyTorch's; a generator argument is not read."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source, self.replacement, self._num_samples = data_source, bool(replacement), num_samples

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def __iter__(self):
        n = len(self.data_source)
        if self.replacement:
            return iter(int(i) for i in {@numpy.random.randint}(0, n, size=self.num_samples))
        whole, rest = divmod(self.num_samples, n)
        order = [int(i) for _ in range(whole) for i in {@numpy.random.permutation}(n)]
        return iter(order + [int(i) for i in {@numpy.random.permutation}(n)[:rest]])

    def __len__(self):
        return self.num_samples
''',
    "DistributedSampler": '''\
class __NAME__({@msdev.Sampler}):
    """torch.utils.data.DistributedSampler: the positions of this rank's share of the dataset, as PyTorch
    deals them (padded by repeating the first ones to a multiple of num_replicas, or cut with drop_last, then
    every num_replicas-th from rank); shuffled per epoch (set_epoch) from seed + epoch with NumPy's generator,
    not PyTorch's. num_replicas / rank default to MindSpore's communication group (one process: 1 and 0)."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            try:
                from mindspore.communication import get_group_size, get_rank
                group = (get_group_size(), get_rank())
            except Exception:
                group = (1, 0)
            num_replicas = group[0] if num_replicas is None else num_replicas
            rank = group[1] if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, seed, drop_last, 0
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = -(-(n - num_replicas) // num_replicas)
        else:
            self.num_samples = -(-n // num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            indices = [int(i) for i in {@numpy.random.RandomState}(self.seed + self.epoch).permutation(n)]
        else:
            indices = list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            indices += (indices * -(-pad // len(indices)))[:pad] if pad > len(indices) else indices[:pad]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        self.epoch = epoch
''',
    "SubsetRandomSampler": '''\
class __NAME__({@msdev.Sampler}):
    """torch.utils.data.SubsetRandomSampler: the given indices in a fresh random order on every pass. The draw
    comes from NumPy's global generator, not PyTorch's; a generator argument is not read."""

    def __init__(self, indices, generator=None):
        self.indices = indices

    def __iter__(self):
        return iter(self.indices[int(i)] for i in {@numpy.random.permutation}(len(self.indices)))

    def __len__(self):
        return len(self.indices)
''',
    "ChainDataset": '''\
class __NAME__:
    """torch.utils.data.ChainDataset: the iterable datasets read one after another, lazily."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for dataset in self.datasets:
            yield from dataset

    def __len__(self):
        return sum(len(dataset) for dataset in self.datasets)
''',
    "StackDataset": '''\
class __NAME__:
    """torch.utils.data.StackDataset: item i is the tuple of item i of each dataset given by position (the dict
    of them by name when given by keyword); every dataset has the same length."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like input/output, but both types are given.")
        datasets = args or kwargs
        if not datasets:
            raise ValueError("At least one dataset should be passed")
        lengths = {len(d) for d in (datasets.values() if kwargs else datasets)}
        if len(lengths) != 1:
            raise ValueError("Size mismatch between datasets")
        self._length = lengths.pop()
        self.datasets = datasets

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {name: dataset[index] for name, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    def __len__(self):
        return self._length
''',
    "WeightedRandomSampler": '''\
class __NAME__({@msdev.Sampler}):
    """torch.utils.data.WeightedRandomSampler: num_samples positions drawn with probability proportional to
    weights, with or without replacement. The draw comes from NumPy's global generator, not PyTorch's; a
    generator argument is not read."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        self.weights = {@numpy.asarray}(weights.asnumpy() if hasattr(weights, "asnumpy") else weights, dtype={@numpy.float64})
        self.num_samples, self.replacement = int(num_samples), bool(replacement)

    def __iter__(self):
        chosen = {@numpy.random.choice}(len(self.weights), self.num_samples, replace=self.replacement,
                                        p=self.weights / self.weights.sum())
        return iter(int(i) for i in chosen)

    def __len__(self):
        return self.num_samples
''',
    "BatchSampler": '''\
class __NAME__({@msdev.Sampler}):
    """torch.utils.data.BatchSampler: what the sampler (any iterable) yields, grouped in lists of batch_size;
    a last shorter list is kept unless drop_last. MindSpore batches inside the dataset pipeline instead."""

    def __init__(self, sampler, batch_size, drop_last):
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), bool(drop_last)

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
''',
    "random_split": '''\
def __NAME__(dataset, lengths, generator=None):
    """torch.utils.data.random_split: a random permutation cut into Subsets of the given lengths; fractions
    that sum to 1 become counts as PyTorch makes them (floors, then the remainder one by one from the
    first). The draw comes from NumPy's global generator, not PyTorch's."""
    size = len(dataset)
    if {@math.isclose}(sum(lengths), 1) and sum(lengths) <= 1:
        counts = [int({@math.floor}(size * fraction)) for fraction in lengths]
        for i in range(size - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != size:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = [int(i) for i in {@numpy.random.permutation}(size)]
    parts, start = [], 0
    for length in lengths:
        parts.append({@msdev.Subset}(dataset, order[start:start + length]))
        start += length
    return parts
''',
    "PackedSequence": '''\
class __NAME__(tuple):
    """torch.nn.utils.rnn.PackedSequence: the time steps of a batch sorted by length, laid end to end (data),
    how many sequences still run at each step (batch_sizes, int64) and the sorting permutations. A tuple, as
    in PyTorch. MindSpore's RNN layers do not read it: they take the padded batch and seq_length."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = {@mindspore.ops.argsort}(sorted_indices.astype({@mindspore.float32})).astype({@mindspore.int64})
        return tuple.__new__(cls, (data, batch_sizes, sorted_indices, unsorted_indices))

    data = property(lambda self: self[0])
    batch_sizes = property(lambda self: self[1])
    sorted_indices = property(lambda self: self[2])
    unsorted_indices = property(lambda self: self[3])
    is_cuda = False

    def to(self, *args, **kwargs):
        """A dtype casts the data (the sizes and permutations stay int64); a device changes nothing, as
        MindSpore places tensors by its context."""
        dtype = kwargs.get("dtype", next((a for a in args if isinstance(a, {@mindspore.dtype}.Type)), None))
        return self if dtype is None else tuple.__new__(type(self), (self[0].astype(dtype),) + tuple(self[1:]))

    cpu = lambda self: self
    double = lambda self: self.to({@mindspore.float64})
    float = lambda self: self.to({@mindspore.float32})
    half = lambda self: self.to({@mindspore.float16})
    long = lambda self: self.to({@mindspore.int64})
    int = lambda self: self.to({@mindspore.int32})
''',
    "pack_padded_sequence": '''\
def __NAME__(input, lengths, batch_first=False, enforce_sorted=True):
    """torch.nn.utils.rnn.pack_padded_sequence from slices and a concatenation (so gradients flow back to the
    padded batch); enforce_sorted=False sorts the batch by decreasing length first, ties in batch order."""
    lengths = [int(n) for n in (lengths.tolist() if hasattr(lengths, "tolist") else lengths)]
    if batch_first:
        input = input.swapaxes(0, 1)
    order = None
    if not enforce_sorted:
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        input = input[:, {@mindspore.tensor}(order, {@mindspore.int64})]
        lengths = [lengths[i] for i in order]
    elif any(a < b for a, b in zip(lengths, lengths[1:])):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True.")
    if not lengths or lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0")
    sizes = [sum(1 for n in lengths if n > t) for t in range(lengths[0])]
    data = {@mindspore.ops.cat}([input[t, :size] for t, size in enumerate(sizes)], 0)
    sorted_indices = None if order is None else {@mindspore.tensor}(order, {@mindspore.int64})
    return {@msdev.PackedSequence}(data, {@mindspore.tensor}(sizes, {@mindspore.int64}), sorted_indices)
''',
    "pad_packed_sequence": '''\
def __NAME__(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """torch.nn.utils.rnn.pad_packed_sequence: the time steps of a PackedSequence padded back into one
    (T, B, *) tensor (batch first on request), with the lengths as an int64 tensor, in the original order."""
    data, batch_sizes, _, unsorted_indices = sequence
    sizes = [int(b) for b in batch_sizes.tolist()]
    steps = len(sizes) if total_length is None else int(total_length)
    if steps < len(sizes):
        raise ValueError(f"Expected total_length to be at least {len(sizes)}, but got total_length={steps}")
    width, rows, start = sizes[0], [], 0
    for size in sizes:
        row = data[start:start + size]
        start += size
        if size < width:
            fill = {@mindspore.ops.full}((width - size,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
            row = {@mindspore.ops.cat}([row, fill], 0)
        rows.append(row)
    for _ in range(steps - len(sizes)):
        rows.append({@mindspore.ops.full}((width,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype))
    padded = {@mindspore.ops.stack}(rows, 0)
    lengths = [sum(1 for size in sizes if size > i) for i in range(width)]
    if unsorted_indices is not None:
        padded = padded[:, unsorted_indices]
        lengths = [lengths[int(i)] for i in unsorted_indices.tolist()]
    if batch_first:
        padded = padded.swapaxes(0, 1)
    return padded, {@mindspore.tensor}(lengths, {@mindspore.int64})
''',
    "pack_sequence": '''\
def __NAME__(sequences, enforce_sorted=True):
    """torch.nn.utils.rnn.pack_sequence: pad the sequences (time first) and pack them."""
    sequences = list(sequences)
    longest = max(s.shape[0] for s in sequences)
    padded = {@mindspore.ops.stack}([{@mindspore.ops.cat}([s, {@mindspore.ops.zeros}((longest - s.shape[0],) + tuple(s.shape[1:]), s.dtype)], 0)
                                    if s.shape[0] < longest else s for s in sequences], 1)
    return {@msdev.pack_padded_sequence}(padded, [s.shape[0] for s in sequences], enforce_sorted=enforce_sorted)
''',
    "unpack_sequence": '''\
def __NAME__(packed_sequences):
    """torch.nn.utils.rnn.unpack_sequence: the packed batch as a list of sequences of their own lengths."""
    padded, lengths = {@msdev.pad_packed_sequence}(packed_sequences, batch_first=True)
    return [padded[i, :n] for i, n in enumerate(lengths.tolist())]
''',
    "IntIndexed": '''\
class __NAME__:
    """A map-style dataset read by position: PyTorch's DataLoader hands __getitem__ Python ints, while
    mindspore.dataset.GeneratorDataset hands it NumPy ints, which a MindSpore tensor refuses as an index."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __getitem__(self, index):
        return self.dataset[int(index)]

    def __len__(self):
        return len(self.dataset)
''',
    "ConvTranspose3d": '''\
class __NAME__({@mindspore.nn.Conv3dTranspose}):
    """torch.nn.ConvTranspose3d with a depth dilation above 1, which MindSpore 2.10's Conv3DTranspose kernel
    refuses: the kernel is spread along depth with zeros between its taps (the same sums), and the layer runs
    with depth dilation 1. Takes PyTorch's arguments; the weight keeps PyTorch's layout and name."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        triple = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * 3
        d, p = triple(dilation), triple(padding)
        super().__init__(in_channels, out_channels, triple(kernel_size), stride=triple(stride), pad_mode="pad",
                         padding=(p[0], p[0], p[1], p[1], p[2], p[2]), dilation=(1,) + d[1:], group=groups,
                         output_padding=triple(output_padding), has_bias=bias,
                         dtype={@mindspore.float32} if dtype is None else dtype)
        self.depth_dilation = d[0]
        k = self.kernel_size
        self.conv3d_transpose = {@mindspore.ops.Conv3DTranspose}(
            in_channel=in_channels, out_channel=out_channels, kernel_size=(d[0] * (k[0] - 1) + 1,) + tuple(k[1:]),
            mode=1, pad_mode="pad", pad=self.padding, stride=self.stride, dilation=self.dilation, group=groups,
            output_padding=self.output_padding)

    def construct(self, x):
        w, n = self.weight, self.depth_dilation
        if n != 1:
            gap = {@mindspore.ops.zeros}(w.shape[:2] + (n - 1,) + w.shape[3:], w.dtype)
            taps = [w[:, :, i:i + 1] for i in range(w.shape[2])]
            w = {@mindspore.ops.cat}([part for tap in taps for part in (tap, gap)][:-1], 2)
        out = self.conv3d_transpose(x, w)
        return self.bias_add(out, self.bias) if self.has_bias else out
''',
    "LayerNorm": '''\
class __NAME__({@mindspore.nn.Cell}):
    """torch.nn.LayerNorm where mindspore.nn.LayerNorm cannot say it: normalizing over several trailing
    dims, or without a learnt weight (elementwise_affine=False) or bias (bias=False). The parameters keep
    mindspore.nn.LayerNorm's names (gamma, beta), so converted checkpoints load into either."""

    def __init__(self, normalized_shape, eps=1e-05, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        shape = tuple(normalized_shape) if isinstance(normalized_shape, (list, tuple)) else (normalized_shape,)
        dtype = {@mindspore.float32} if dtype is None else dtype
        self.normalized_shape, self.eps, self.elementwise_affine = shape, float(eps), elementwise_affine
        self.gamma = {@mindspore.Parameter}({@mindspore.ops.ones}(shape, dtype), name="gamma") if elementwise_affine else None
        self.beta = {@mindspore.Parameter}({@mindspore.ops.zeros}(shape, dtype), name="beta") if elementwise_affine and bias else None

    def construct(self, x):
        axis = x.ndim - len(self.normalized_shape)
        gamma = self.gamma.astype(x.dtype) if self.gamma is not None else {@mindspore.ops.ones}(self.normalized_shape, x.dtype)
        beta = self.beta.astype(x.dtype) if self.beta is not None else {@mindspore.ops.zeros}(self.normalized_shape, x.dtype)
        return {@mindspore.ops.LayerNorm}(axis, axis, epsilon=self.eps)(x, gamma, beta)[0]
''',
    "named_modules": '''\
def __NAME__(cell, memo=None, prefix="", remove_duplicate=True):
    """torch.nn.Module.named_modules with memo= or remove_duplicate=False, which cells_and_names lacks: the
    cell and its children depth first, children named as they were registered (read from the Cell's child
    table, since name_cells() lists a cell registered under two names once)."""
    memo = set() if memo is None else memo
    if cell in memo:
        return
    if remove_duplicate:
        memo.add(cell)
    yield prefix, cell
    for name, child in dict(getattr(cell, "_cells", None) or cell.name_cells()).items():
        if child is not None:
            yield from __NAME__(child, memo, prefix + ("." if prefix else "") + name, remove_duplicate)
''',
    "named_buffers": '''\
def __NAME__(cell, prefix="", recurse=True):
    """torch.nn.Module.named_buffers: a converted persistent buffer is a Parameter with requires_grad=False
    (so checkpoints carry it) and a non-persistent one a Cell buffer; both are yielded, cell by cell in the
    order PyTorch walks the modules, under their dotted names."""
    for path, sub in (cell.cells_and_names() if recurse else [("", cell)]):
        # the Cell's own buffer table (a `.named_buffers(...)` call would read as PyTorch's when the file is converted again)
        # a frozen parameter (requires_grad=False) stays a parameter: only converted buffers and norm statistics are yielded
        own = [(k, v) for k, v in sub._buffers.items() if v is not None] + [
            (p.name.rpartition(".")[2], p) for p in sub.get_parameters(expand=False)
            if getattr(p, "msdev_buffer", False) or not p.requires_grad and p.name.rpartition(".")[2] in (
                "moving_mean", "moving_variance", "mean", "variance")]  # a BatchNorm built alone: mean, variance
        for name, value in own:
            yield ".".join(part for part in (prefix, path, name) if part), value
''',
    "LazyCell": '''\
class __NAME__({@mindspore.nn.Cell}):
    """A PyTorch lazy layer (LazyLinear, LazyConv*, LazyBatchNorm*, ...): MindSpore has none, so `make` builds
    the layer from the first input. From then on its parameters read through this cell, as they do on
    PyTorch's layer (`m.weight`, `m.bias`; a norm's running_mean/running_var/weight/bias under MindSpore's
    moving_mean/moving_variance/gamma/beta)."""

    ALIASES = {"running_mean": "moving_mean", "running_var": "moving_variance", "weight": "gamma", "bias": "beta"}

    def __init__(self, make):
        super().__init__()
        self.make = make

    def construct(self, x):
        if "lazy" not in self._cells:
            self.lazy = self.make(x)
        self.lazy.set_train(self.training)
        return self.lazy(x)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            built = self.__dict__.get("_cells", {}).get("lazy")
            if built is None:
                raise
            if hasattr(built, name) or name not in self.ALIASES:
                return getattr(built, name)
            return getattr(built, self.ALIASES[name])
''',
    "cross_map_lrn2d": '''\
def __NAME__(x, size, alpha=1e-4, beta=0.75, k=1.0):
    """torch.nn.CrossMapLRN2d's own formula, which neither mindspore.nn.LRN nor LocalResponseNorm's computes:
    channel c is scaled by (k + alpha / size * s_c) ** -beta, s_c the sum of squares over channels up to
    c + (size - 1) // 2, less those from 1 (channel 0 is never dropped, as in PyTorch) to c - (size - 1) // 2 - 1."""
    channels, ahead = x.shape[1], int((size - 1) / 2 + 1)
    sums = {@mindspore.ops.cumsum}(x * x, 1)
    upper = sums[:, [min(c + ahead - 1, channels - 1) for c in range(channels)]]
    behind = {@mindspore.tensor}([float(c > ahead) for c in range(channels)], x.dtype).reshape(1, channels, 1, 1)
    lower = (sums[:, [max(c - ahead, 0) for c in range(channels)]] - sums[:, :1]) * behind
    return x * (k + alpha / size * (upper - lower)) ** -beta
''',
    "unbatched": '''\
def __NAME__(fn, rank):
    """A MindSpore function that wants a batch, for PyTorch's that also takes one unbatched sample (F.max_pool2d
    of a (C, H, W) tensor): when the first argument has rank - 1 dims, every tensor argument of that rank goes in
    as a batch of one and the batch dim comes off the result (each tensor of a tuple result)."""
    def call(*args, **kwargs):
        first = args[0] if args else next(iter(kwargs.values()), None)
        if not isinstance(first, {@mindspore.Tensor}) or first.ndim != rank - 1:
            return fn(*args, **kwargs)
        lift = lambda v: v.unsqueeze(0) if isinstance(v, {@mindspore.Tensor}) and v.ndim == rank - 1 else v
        out = fn(*[lift(v) for v in args], **{k: lift(v) for k, v in kwargs.items()})
        return tuple(o.squeeze(0) for o in out) if isinstance(out, (tuple, list)) else out.squeeze(0)
    return call
''',
    "stateful_cell": '''\
def __NAME__(cell_class, states):
    """torch.nn.LSTMCell / GRUCell / RNNCell as a subclass of MindSpore's cell (same parameters and names) whose
    call takes PyTorch's forms: the state left out (zeros, `states` tensors of (batch, hidden_size)), and one
    sample without its batch dim (a 1-D input, with a 1-D state), as PyTorch does."""
    made = __NAME__.__dict__.setdefault("made", {})
    if cell_class not in made:
        class Cell(cell_class):
            def construct(self, x, hx=None):
                single = x.ndim == 1
                if single:
                    x = x.unsqueeze(0)
                    if hx is not None:
                        hx = tuple(h.unsqueeze(0) for h in hx) if isinstance(hx, (tuple, list)) else hx.unsqueeze(0)
                if hx is None:
                    zeros = {@mindspore.ops.zeros}((x.shape[0], self.hidden_size), x.dtype)
                    hx = (zeros, zeros) if states == 2 else zeros
                out = super().construct(x, hx)
                if single:
                    out = tuple(o.squeeze(0) for o in out) if isinstance(out, (tuple, list)) else out.squeeze(0)
                return out
        Cell.__name__ = Cell.__qualname__ = cell_class.__name__
        Cell.adapts_layer = cell_class  # `type(m) == nn.LSTMCell` tests see through it
        made[cell_class] = Cell
    return made[cell_class]
''',
    "sequence_rnn": '''\
def __NAME__(rnn_class):
    """torch.nn.LSTM / GRU / RNN as a subclass of MindSpore's layer (same parameters and names) that lists its
    parameters in PyTorch's order (layer by layer, each direction's weight_ih, weight_hh, bias_ih, bias_hh:
    MindSpore lists every weight_ih first, so an init loop or an optimizer walking parameters() in order
    would pair them otherwise) and takes one unbatched sequence (a 2-D input, with 2-D states) and a
    PackedSequence (run padded with seq_length, the outputs packed back) as PyTorch does."""
    made = __NAME__.__dict__.setdefault("made", {})
    if rnn_class not in made:
        class RNN(rnn_class):
            def __init__(self, *args, dtype=None, **kwargs):
                super().__init__(*args, **kwargs, **({} if dtype is None else {"dtype": dtype}))
                for layer in range(self.num_layers):
                    for side in ("", "_reverse") if self.bidirectional else ("",):
                        for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                            if f"{kind}_l{layer}{side}" in self._params:
                                self._params.move_to_end(f"{kind}_l{layer}{side}")

            def construct(self, x, hx=None, seq_length=None):
                if isinstance(x, tuple) and hasattr(x, "batch_sizes"):
                    return self._packed(x, hx)
                if x.ndim != 2:
                    return super().construct(x, hx, seq_length)
                lift = lambda h: h.unsqueeze(1) if h.ndim == 2 else h
                if hx is not None:
                    hx = tuple(lift(h) for h in hx) if isinstance(hx, (tuple, list)) else lift(hx)
                out, state = super().construct(x.unsqueeze(0 if self.batch_first else 1), hx, seq_length)
                state = tuple(h.squeeze(1) for h in state) if isinstance(state, (tuple, list)) else state.squeeze(1)
                return out.squeeze(0 if self.batch_first else 1), state

            def _packed(self, packed, hx):
                """A PackedSequence (pack_padded_sequence's): run the padded batch, in its sorted order, with
                seq_length, and pack the outputs the same way; the states come back in the caller's order."""
                data, batch_sizes, sorted_indices, unsorted_indices = packed
                sizes = [int(b) for b in batch_sizes.tolist()]
                rows, start = [], 0
                for size in sizes:
                    row = data[start:start + size]
                    start += size
                    if size < sizes[0]:
                        row = {@mindspore.ops.cat}([row, {@mindspore.ops.zeros}((sizes[0] - size,) + tuple(data.shape[1:]), data.dtype)], 0)
                    rows.append(row)
                padded = {@mindspore.ops.stack}(rows, 0)  # (time, batch, features)
                lengths = {@mindspore.tensor}([sum(1 for size in sizes if size > i) for i in range(sizes[0])], {@mindspore.int32})
                if hx is not None and sorted_indices is not None:
                    hx = tuple(h[:, sorted_indices] for h in hx) if isinstance(hx, (tuple, list)) else hx[:, sorted_indices]
                out, state = super().construct(padded.swapaxes(0, 1) if self.batch_first else padded, hx, lengths)
                if self.batch_first:
                    out = out.swapaxes(0, 1)
                out = {@mindspore.ops.cat}([out[t, :size] for t, size in enumerate(sizes)], 0)
                if unsorted_indices is not None:
                    state = tuple(h[:, unsorted_indices] for h in state) if isinstance(state, (tuple, list)) \
                        else state[:, unsorted_indices]
                return type(packed)(out, batch_sizes, sorted_indices, unsorted_indices), state
        RNN.__name__ = RNN.__qualname__ = rnn_class.__name__
        RNN.adapts_layer = rnn_class  # `type(m) == nn.LSTM` tests see through it
        made[rnn_class] = RNN
    return made[rnn_class]
''',
    "LSTM": '''\
__NAME__ = {@msdev.sequence_rnn}({@mindspore.nn.LSTM})  # torch.nn.LSTM: PyTorch's parameter order, unbatched and packed input
''',
    "GRU": '''\
__NAME__ = {@msdev.sequence_rnn}({@mindspore.nn.GRU})  # torch.nn.GRU: PyTorch's parameter order, unbatched and packed input
''',
    "RNN": '''\
__NAME__ = {@msdev.sequence_rnn}({@mindspore.nn.RNN})  # torch.nn.RNN: PyTorch's parameter order, unbatched and packed input
''',
    "torch_class_name": '''\
def __NAME__(obj):
    """`type(m).__name__` / `m.__class__.__name__` as PyTorch names the class: a MindSpore layer (or msdev's
    subclass of one) under its torch.nn name (Dense: Linear, SequentialCell: Sequential, ...), any other
    class under its own name."""
    cls = type(obj)
    adapted = vars(cls).get("msdev_adapts", vars(cls).get("adapts_layer", cls))
    if not str(getattr(adapted, "__module__", "")).startswith("mindspore."):
        return cls.__name__  # a class of the file (an adapter carries PyTorch's name already)
    return {"Dense": "Linear", "SequentialCell": "Sequential", "CellList": "ModuleList", "CellDict": "ModuleDict",
            "Conv1dTranspose": "ConvTranspose1d", "Conv2dTranspose": "ConvTranspose2d",
            "Conv3dTranspose": "ConvTranspose3d", "HSwish": "Hardswish", "HSigmoid": "Hardsigmoid",
            "Cell": "Module"}.get(cls.__name__, cls.__name__)
''',
    "ctc_targets": '''\
def __NAME__(targets, target_lengths):
    """CTC targets as MindSpore's ctc_loss takes them, one padded row per sequence: PyTorch also takes them
    concatenated into one 1-D tensor, cut here by target_lengths."""
    if targets.ndim != 1:
        return targets
    lengths = [int(n) for n in (target_lengths.tolist() if hasattr(target_lengths, "tolist") else target_lengths)]
    width, rows, start = max(lengths, default=0), [], 0
    for n in lengths:
        row = targets[start:start + n]
        start += n
        if n < width:
            row = {@mindspore.ops.cat}([row, {@mindspore.ops.zeros}(width - n, targets.dtype)])
        rows.append(row)
    return {@mindspore.ops.stack}(rows)
''',
    "CTCLoss": '''\
class __NAME__({@mindspore.nn.CTCLoss}):
    """torch.nn.CTCLoss: MindSpore's layer, also given the targets concatenated into one 1-D tensor."""

    def construct(self, log_probs, targets, input_lengths, target_lengths):
        return super().construct(log_probs, {@msdev.ctc_targets}(targets, target_lengths), input_lengths, target_lengths)
''',
    "float_tensor": '''\
def __NAME__(value):
    """A distribution's parameter as a tensor: PyTorch's take Python numbers, MindSpore's Beta, Gamma and
    Poisson refuse them (a tensor given stays itself, so gradients still flow through it)."""
    return value if isinstance(value, {@mindspore.Tensor}) else {@mindspore.tensor}(value, {@mindspore.float32})
''',
    "torch_dtype_text": '''\
def __NAME__(value):
    """str() of a dtype as PyTorch spells it ('torch.float32', where MindSpore says 'Float32'); any other
    value as str() gives it."""
    if isinstance(value, {@mindspore.dtype}.Type):
        return "torch." + repr(value).rpartition(".")[2]
    return str(value)
''',
    "state_lookup": '''\
def __NAME__(named, target):
    """torch.nn.Module.get_buffer / get_parameter: the entry of (name, tensor) pairs under PyTorch's dotted
    name; a normalisation layer's statistic or affine parameter is found under MindSpore's name for it
    (running_mean: moving_mean, running_var: moving_variance, weight: gamma, bias: beta; a layer built outside
    any other names its statistics' Parameters mean and variance)."""
    table = dict(named)
    path, _, name = target.rpartition(".")
    aliases = {"running_mean": ("moving_mean", "mean"), "running_var": ("moving_variance", "variance"),
               "weight": ("gamma",), "bias": ("beta",)}.get(name, ())
    for key in (target, *(".".join(part for part in (path, alias) if part) for alias in aliases)):
        if key in table:
            return table[key]
    raise AttributeError(f"no parameter or buffer named {target!r}")
''',
    "AdaptiveLogSoftmaxWithLoss": '''\
class __NAME__({@mindspore.nn.Cell}):
    """torch.nn.AdaptiveLogSoftmaxWithLoss: a head over the shortlist and one entry per cluster, and per
    cluster a two-layer projection, under PyTorch's parameter names (head, tail.i.0, tail.i.1). The call
    gives (output, loss): each row's log-probability of its target, and the mean negative of it."""

    def __init__(self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False):
        super().__init__()
        self.in_features, self.n_classes, self.div_value = in_features, n_classes, div_value
        self.cutoffs = list(cutoffs) + [n_classes]
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = {@mindspore.nn.Dense}(in_features, self.head_size, has_bias=head_bias)
        self.tail = {@mindspore.nn.CellList}([{@mindspore.nn.SequentialCell}(
            {@mindspore.nn.Dense}(in_features, int(in_features // (div_value ** (i + 1))), has_bias=False),
            {@mindspore.nn.Dense}(int(in_features // (div_value ** (i + 1))), self.cutoffs[i + 1] - self.cutoffs[i],
                                  has_bias=False)) for i in range(self.n_clusters)])

    def construct(self, input, target):
        single = target.ndim == 0
        if single:
            input, target = input.unsqueeze(0), target.unsqueeze(0)
        head = {@mindspore.ops.log_softmax}(self.head(input), 1)
        short = target < self.shortlist_size
        picked = {@mindspore.ops.gather_elements}(head, 1, target.clip(0, self.shortlist_size - 1).unsqueeze(1)).squeeze(1)
        output = {@mindspore.ops.where}(short, picked, {@mindspore.ops.zeros_like}(picked))
        for i in range(self.n_clusters):
            low, high = self.cutoffs[i], self.cutoffs[i + 1]
            inside = (target >= low) & (target < high)
            cluster = {@mindspore.ops.log_softmax}(self.tail[i](input), 1)
            local = {@mindspore.ops.gather_elements}(cluster, 1, (target - low).clip(0, high - low - 1).unsqueeze(1)).squeeze(1)
            output = {@mindspore.ops.where}(inside, local + head[:, self.shortlist_size + i], output)
        loss = (-output).mean()
        return (output[0] if single else output), loss
''',
    "fork_rng": '''\
@{@contextlib.contextmanager}
def __NAME__(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """torch.random.fork_rng: the default generator's state is put back when the block ends (ops seeded
    through mindspore.set_seed keep their own counters, which no state captures)."""
    if not enabled:
        yield
        return
    state = {@mindspore.get_rng_state}()
    try:
        yield
    finally:
        {@mindspore.set_rng_state}(state)
''',
    "finfo": '''\
class __NAME__:
    """torch.finfo: the limits of a float dtype as Python numbers (numpy.finfo's are NumPy scalars)."""

    def __init__(self, type=None):
        self.dtype = type
        if type == {@mindspore.bfloat16}:  # numpy.finfo knows no bfloat16: PyTorch's figures
            self.bits, self.max, self.eps, self.resolution = 16, 3.3895313892515355e38, 0.0078125, 0.01
            self.min, self.tiny = -self.max, 1.1754943508222875e-38
            self.smallest_normal = self.tiny
            return
        info = {@numpy.finfo}({@mindspore.dtype_to_nptype}(type) if type is not None else {@numpy.float32})
        self.bits = int(info.bits)
        for field in ("max", "min", "eps", "tiny", "resolution"):
            setattr(self, field, float(getattr(info, field)))
        self.smallest_normal = self.tiny
''',
    "MultiStepLR": '''\
class __NAME__({@mindspore.experimental.optim.lr_scheduler.MultiStepLR}):
    """MultiStepLR whose step(epoch) sets the rate of that epoch (MindSpore 2.10's own reads a step_size
    this scheduler does not have)."""

    def _get_closed_form_lr(self):
        epoch = int(self.last_epoch.value())
        passed = sum(count for milestone, count in self.milestones.items() if milestone <= epoch)
        return [base_lr * self.gamma ** passed for base_lr in self.base_lrs]
''',
    "stepped_slice": '''\
def __NAME__(x, step, axis):
    """x sliced with `::step` along one axis, as a gather of every step-th position: MindSpore 2.10's CPU
    gradient of a stepped slice fails on any axis but the last (converted from x[..., ::step, ...])."""
    return {@mindspore.ops.gather}(x, {@mindspore.ops.arange}(0, x.shape[axis], step), axis)
''',
    "invert": '''\
def __NAME__(x):
    """PyTorch's `~`: the bitwise complement of an integer tensor, the logical not of a bool one (MindSpore's
    `~` is a logical not of every tensor, so `~` of integers would give bools)."""
    if isinstance(x, {@mindspore.Tensor}) and x.dtype != {@mindspore.bool_}:
        return {@mindspore.ops.invert}(x)
    return ~x
''',
    "topk": '''\
def __NAME__(x, k, dim=-1, largest=True, sorted=True):
    """torch.topk: the values and int64 indices (MindSpore's are int32, and index arithmetic mixing them
    with int64 has no CPU kernel); k = 0 gives empty results, as in PyTorch, where MindSpore's TopK raises
    (a detector's level with no candidate)."""
    if int(k) == 0:
        shape = list(x.shape)
        if shape:
            shape[dim] = 0
        return {@mindspore.ops.zeros}(tuple(shape), x.dtype), {@mindspore.ops.zeros}(tuple(shape), {@mindspore.int64})
    values, indices = {@mindspore.ops.topk}(x, k, dim, largest, sorted)
    return values, indices.astype({@mindspore.int64})
''',
    "path_names": '''\
def __NAME__(root):
    """Names every parameter of a Cell after its path (`heads.head.weight`), as PyTorch's state_dict does:
    MindSpore named a layer assigned to a child after the last attribute only (`head.weight`)."""
    if isinstance(root, {@mindspore.nn.Cell}):
        root.update_parameters_name()
''',
    "setitem": '''\
def __NAME__(x, index, value):
    """`x[index] = value`, skipped when the index selects nothing, as PyTorch then writes nothing: MindSpore
    2.10 raises on an empty integer tensor as the index ("select with an empty condition list") and on an
    empty slice beside other slices (a memcpy_s error)."""
    if isinstance(index, {@mindspore.Tensor}):
        if index.dtype != {@mindspore.bool_} and index.size == 0:
            return
    elif isinstance(index, tuple) and all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in index):
        used = [p for p in index if p is not None and p is not Ellipsis]
        axis = 0
        for i, p in enumerate(index):
            if p is Ellipsis:
                axis = x.ndim - len(used[sum(1 for q in index[:i] if q is not None and q is not Ellipsis):])
                continue
            if p is None:
                continue
            if isinstance(p, slice) and axis < x.ndim and not len(range(*p.indices(x.shape[axis]))):
                return
            axis += 1
    x[index] = value
''',
    "shift": '''\
def __NAME__(x, other, left):
    """PyTorch's `x << other` (left) or `x >> other`: MindSpore tensors have no shift operators, and its
    shift functions want both tensors of one dtype, which PyTorch's promotion gives them (a 0-d tensor
    takes the other's dtype)."""
    if isinstance(x, {@mindspore.Tensor}) and isinstance(other, {@mindspore.Tensor}) and x.dtype != other.dtype:
        if other.ndim == 0 and x.ndim:
            other = other.astype(x.dtype)
        elif x.ndim == 0 and other.ndim:
            x = x.astype(other.dtype)
        else:
            wider = {@numpy.result_type}({@mindspore.dtype_to_nptype}(x.dtype), {@mindspore.dtype_to_nptype}(other.dtype))
            x, other = x.astype(wider.type), other.astype(wider.type)
    compute = {@mindspore.ops.bitwise_left_shift} if left else {@mindspore.ops.bitwise_right_shift}
    return compute(x, other)
''',
    "buffer_parameter": '''\
def __NAME__(tensor):
    """A persistent PyTorch buffer as MindSpore holds it: a Parameter that is not trained (checkpoints carry
    only Parameters), marked so that the converted `parameters()` leaves it out as PyTorch does."""
    param = {@mindspore.Parameter}(tensor, requires_grad=False)
    param.msdev_buffer = True
    return param
''',
    "promoted": '''\
def __NAME__(tensors):
    """Tensors to concatenate or stack, cast to the highest of their dtypes (bool < integers < floats <
    complex, wider first) as PyTorch promotes them; MindSpore's cat and stack refuse mixed dtypes."""
    tensors = list(tensors)
    if len({t.dtype for t in tensors}) < 2:
        return tensors
    order = ({@mindspore.bool_}, {@mindspore.uint8}, {@mindspore.int8}, {@mindspore.int16}, {@mindspore.int32},
             {@mindspore.int64}, {@mindspore.float16}, {@mindspore.bfloat16}, {@mindspore.float32},
             {@mindspore.float64}, {@mindspore.complex64}, {@mindspore.complex128})
    dtype = max((t.dtype for t in tensors), key=order.index)
    return [t.astype(dtype) for t in tensors]
''',
    "einsum": '''\
def __NAME__(equation, *operands):
    """torch.einsum on CPU, where MindSpore's einsum kernel is missing: a subscript repeated in one
    operand takes its diagonal, '...' stands for letters of its own, each operand is laid out over all
    subscripts (size 1 where it lacks one), and the product is summed over the subscripts not kept."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    lhs, arrow, out = equation.replace(" ", "").partition("->")
    ins = lhs.split(",")
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in lhs + out]
    rank = max([t.ndim - len(s) + 3 for s, t in zip(ins, operands) if "..." in s] or [0])
    dots = "".join(spare[:rank])
    ins = [s.replace("...", dots[rank - (t.ndim - len(s) + 3):]) if "..." in s else s for s, t in zip(ins, operands)]
    if arrow:
        out = out.replace("...", dots)
    else:
        seen = "".join(ins)
        out = dots + "".join(sorted(c for c in set(seen) if seen.count(c) == 1 and c not in dots))
    terms = []
    for s, t in zip(ins, operands):
        for c in sorted(set(s), key=s.index):
            while s.count(c) > 1:
                i = s.index(c)
                j = s.index(c, i + 1)
                t = {@mindspore.ops.diagonal}(t, 0, i, j)
                s = s[:i] + s[i + 1:j] + s[j + 1:] + c
        terms.append((s, t))
    letters = sorted(set("".join(s for s, _ in terms)), key="".join(s for s, _ in terms).index)
    product = None
    for s, t in terms:
        t = t.permute(tuple(s.index(c) for c in letters if c in s)) if t.ndim > 1 else t
        t = t.reshape(tuple(t.shape[[c for c in letters if c in s].index(c)] if c in s else 1 for c in letters))
        product = t if product is None else product * t
    summed = tuple(i for i, c in enumerate(letters) if c not in out)
    kept = [c for c in letters if c in out]
    if not kept:
        return product.sum()
    product = product.sum(axis=summed) if summed else product
    return product.permute(tuple(kept.index(c) for c in out)) if len(out) > 1 else product
''',
    "scatter": '''\
def __NAME__(input, dim, index, src, reduce=None):
    """torch.scatter: src (a tensor PyTorch reads over index's shape only, or a number) written into
    a copy of input at index along dim; reduce 'add' adds to it, 'multiply' (no MindSpore CPU kernel)
    multiplies on the host."""
    if isinstance(src, {@mindspore.Tensor}):
        src = src[tuple(slice(0, n) for n in index.shape)].astype(input.dtype)
    else:
        src = {@mindspore.ops.full}(index.shape, src, dtype=input.dtype)
    if reduce == "multiply":
        out = input.asnumpy().copy()
        where = list({@numpy.indices}(index.shape))
        where[dim % input.ndim] = index.asnumpy()
        {@numpy.multiply}.at(out, tuple(where), src.asnumpy())
        return {@mindspore.Tensor}(out)
    return {@mindspore.ops.tensor_scatter_elements}(input, index, src, dim, "add" if reduce == "add" else "none")
''',
    "scatter_reduce": '''\
def __NAME__(input, dim, index, src, reduce, include_self=True):
    """torch.scatter_reduce: src (read over index's shape) folded into a copy of input at index along dim by
    sum, prod, mean, amax or amin, with MindSpore's N-d scatter ops on coordinates built from index;
    include_self=False first overwrites the named positions so input's own value takes no part."""
    dim = dim % input.ndim
    src = src[tuple(slice(0, n) for n in index.shape)].astype(input.dtype)
    coords = [{@mindspore.Tensor}(axis) for axis in {@numpy.indices}(index.shape)]
    coords[dim] = index.astype(coords[dim].dtype)
    coords = {@mindspore.ops.stack}(coords, -1)
    base = input
    if not include_self:
        start = src if reduce in ("amax", "amin") else {@mindspore.ops.full_like}(src, 1 if reduce == "prod" else 0)
        base = {@mindspore.ops.tensor_scatter_update}(input, coords, start)
    fold = {"sum": {@mindspore.ops.tensor_scatter_add}, "mean": {@mindspore.ops.tensor_scatter_add},
            "prod": {@mindspore.ops.tensor_scatter_mul}, "amax": {@mindspore.ops.tensor_scatter_max},
            "amin": {@mindspore.ops.tensor_scatter_min}}[reduce]
    out = fold(base, coords, src)
    if reduce == "mean":
        count = {@mindspore.ops.ones_like}(input)
        if not include_self:
            count = {@mindspore.ops.tensor_scatter_update}(count, coords, {@mindspore.ops.zeros_like}(src))
        count = {@mindspore.ops.tensor_scatter_add}(count, coords, {@mindspore.ops.ones_like}(src))
        out = out / count if input.is_floating_point() else {@mindspore.ops.floor_divide}(out, count)
    return out
''',
    "sparse_csr_tensor": '''\
def __NAME__(crow_indices, col_indices, values, size=None, dtype=None):
    """torch.sparse_csr_tensor as the dense tensor it stands for: the compressed row pointers are expanded
    to one row index per value, then the values are summed into zeros as for a COO tensor."""
    rows = {@numpy.asarray}(crow_indices.asnumpy() if isinstance(crow_indices, {@mindspore.Tensor}) else crow_indices)
    cols = {@numpy.asarray}(col_indices.asnumpy() if isinstance(col_indices, {@mindspore.Tensor}) else col_indices)
    where = {@numpy.stack}([{@numpy.repeat}({@numpy.arange}(len(rows) - 1), {@numpy.diff}(rows)), cols]).astype("int64")
    if size is None:
        size = (len(rows) - 1, int(cols.max()) + 1 if cols.size else 0)
    dense = {@msdev.sparse_coo_tensor}({@mindspore.Tensor}(where), values, size, dtype)
    return {@msdev.sparse_marked}(dense, "torch.sparse_csr")
''',
    "dense_of": '''\
def __NAME__(tensor):
    """Tensor.to_dense(): the tensor itself, or for a dense tensor standing for a sparse one (see sparse_marked) a
    copy that no longer does, whose layout reads strided again as PyTorch's dense result."""
    return tensor.copy() if getattr(tensor, "sparse_layout", None) else tensor
''',
    "sparse_marked": '''\
def __NAME__(tensor, layout):
    """A dense copy standing for a sparse tensor of PyTorch's, which remembers the sparse layout PyTorch's
    has ("torch.sparse_coo" / "torch.sparse_csr", as those names read in converted code), for is_sparse,
    is_sparse_csr and layout: MindSpore 2.10 tensors are dense."""
    out = tensor.copy()
    out.sparse_layout = layout
    return out
''',
    "svd_lowrank": '''\
def __NAME__(A, q=6, niter=2, M=None):
    """torch.svd_lowrank through the exact SVD: PyTorch's randomized method approximates the q leading
    singular triplets of A - M, which the exact ones are (equal when A's rank is at most q)."""
    x = A - M if M is not None else A
    s, u, v = {@mindspore.ops.svd}(x, full_matrices=False)
    k = min(q if q is not None else 6, s.shape[-1])
    return u[..., :k], s[..., :k], v[..., :k]
''',
    "triangular_solve": '''\
def __NAME__(b, A, upper=True, transpose=False, unitriangular=False):
    """torch.triangular_solve, with no TriangularSolve kernel on MindSpore 2.10 CPU: the triangle of A that upper
    names (unit diagonal when unitriangular, transposed when transpose) is inverted and applied to b. The result
    is PyTorch's named pair (solution, cloned_coefficient), so `.solution` reads as it does there."""
    import collections
    pair = collections.namedtuple("triangular_solve", ["solution", "cloned_coefficient"])
    t = A.triu(1 if unitriangular else 0) if upper else A.tril(-1 if unitriangular else 0)
    if unitriangular:
        t = t + {@mindspore.ops.eye}(A.shape[-1], A.shape[-1], A.dtype)
    if transpose:
        t = t.swapaxes(-2, -1)
    return pair({@mindspore.ops.matmul}({@mindspore.ops.inverse}(t), b), A.copy())
''',
    "sparse_coo_tensor": '''\
def __NAME__(indices, values, size=None, dtype=None):
    """torch.sparse_coo_tensor as the dense tensor it stands for (msdev turns to_dense() into the tensor
    itself): values summed into zeros at the columns of indices; size defaults to the largest index + 1.
    The tensor remembers it stands for a COO one (sparse_layout), for is_sparse and layout."""
    indices = indices if isinstance(indices, {@mindspore.Tensor}) else {@mindspore.tensor}(indices)
    values = values if isinstance(values, {@mindspore.Tensor}) else {@mindspore.tensor}(values)
    if dtype is not None:
        values = values.astype(dtype)
    where = indices.astype({@mindspore.int64}).reshape(indices.shape[0], -1).T
    if size is None:
        size = tuple(int(m) + 1 for m in where.max(axis=0)) + tuple(values.shape[1:])
    flags = values.dtype == {@mindspore.bool_}  # no bool scatter-add kernel: count, then test for > 0
    values = values.astype({@mindspore.int32}) if flags else values
    out = {@mindspore.ops.zeros}(tuple(size), values.dtype)
    out = {@mindspore.ops.tensor_scatter_add}(out, where, values) if where.shape[0] else out
    out = out > 0 if flags else out
    out.sparse_layout = "torch.sparse_coo"  # read by is_sparse and layout (the tensor is dense)
    return out
''',
    "multi_head_attention_forward": '''\
def __NAME__(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v,
             add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training=True, key_padding_mask=None,
             need_weights=True, attn_mask=None, use_separate_proj_weight=False, q_proj_weight=None,
             k_proj_weight=None, v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
             is_causal=False):
    """torch.nn.functional.multi_head_attention_forward: sequence-first attention, written out (MindSpore has
    the layer only). A bool mask marks the positions that may NOT be attended; a float mask is added."""
    def dense(x, w, b):
        y = {@mindspore.ops.matmul}(x, w.swapaxes(-1, -2))
        return y if b is None else y + b

    def additive(mask, dtype):
        if mask is None or mask.dtype != {@mindspore.bool_}:
            return mask
        return {@mindspore.ops.zeros}(mask.shape, dtype).masked_fill(mask, float('-inf'))

    def pad_one(mask):
        return None if mask is None else {@mindspore.ops.cat}(
            (mask, {@mindspore.ops.zeros}(mask.shape[:-1] + (1,), mask.dtype)), -1)

    unbatched = query.ndim == 2
    if unbatched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    assert embed_dim == embed_dim_to_check, f"expected embedding size {embed_dim_to_check}, got {embed_dim}"
    head_dim = embed_dim // num_heads
    if use_separate_proj_weight:
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
    else:
        w_q, w_k, w_v = in_proj_weight[:embed_dim], in_proj_weight[embed_dim:2 * embed_dim], in_proj_weight[2 * embed_dim:]
    b_q = b_k = b_v = None
    if in_proj_bias is not None:
        b_q, b_k, b_v = in_proj_bias[:embed_dim], in_proj_bias[embed_dim:2 * embed_dim], in_proj_bias[2 * embed_dim:]
    q, k, v = dense(query, w_q, b_q), dense(key, w_k, b_k), dense(value, w_v, b_v)
    attn_mask = additive(attn_mask, q.dtype)
    if attn_mask is not None and attn_mask.ndim == 2:
        attn_mask = attn_mask.unsqueeze(0)
    if bias_k is not None and bias_v is not None:
        k = {@mindspore.ops.cat}((k, bias_k.reshape(1, 1, -1).tile((1, bsz, 1))))
        v = {@mindspore.ops.cat}((v, bias_v.reshape(1, 1, -1).tile((1, bsz, 1))))
        attn_mask, key_padding_mask = pad_one(attn_mask), pad_one(key_padding_mask)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).swapaxes(0, 1)
    k = static_k if static_k is not None else k.reshape(k.shape[0], bsz * num_heads, head_dim).swapaxes(0, 1)
    v = static_v if static_v is not None else v.reshape(v.shape[0], bsz * num_heads, head_dim).swapaxes(0, 1)
    if add_zero_attn:
        k = {@mindspore.ops.cat}((k, {@mindspore.ops.zeros}((k.shape[0], 1, head_dim), k.dtype)), 1)
        v = {@mindspore.ops.cat}((v, {@mindspore.ops.zeros}((v.shape[0], 1, head_dim), v.dtype)), 1)
        attn_mask, key_padding_mask = pad_one(attn_mask), pad_one(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        padding = additive(key_padding_mask, q.dtype).reshape(bsz, 1, 1, src_len)
        padding = padding.broadcast_to((bsz, num_heads, 1, src_len)).reshape(bsz * num_heads, 1, src_len)
        attn_mask = padding if attn_mask is None else attn_mask + padding
    scores = {@mindspore.ops.matmul}(q * float(head_dim) ** -0.5, k.swapaxes(-2, -1))
    if attn_mask is not None:
        scores = scores + attn_mask
    weights = {@mindspore.ops.softmax}(scores, -1)
    if training and dropout_p > 0.0:
        weights = {@mindspore.ops.dropout}(weights, p=float(dropout_p))
    out = {@mindspore.ops.matmul}(weights, v).swapaxes(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = dense(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if need_weights:
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if unbatched:
            return out.squeeze(1), weights.squeeze(0)
        return out, weights
    return (out.squeeze(1) if unbatched else out), None
''',
    "MultiheadAttention": '''\
class __NAME__({@mindspore.nn.MultiheadAttention}):
    """nn.MultiheadAttention that also takes query/key/value by keyword: MindSpore's __call__ reads them
    from the positional arguments (`attn(q, k, value=v)` fails there), and gives PyTorch's pair (output,
    None) when no weights are asked for, where MindSpore gives a 1-tuple."""

    def __call__(self, *args, **kwargs):
        args += tuple(kwargs.pop(name) for name in ("query", "key", "value")[len(args):] if name in kwargs)
        result = super().__call__(*args, **kwargs)
        return (result[0], None) if isinstance(result, tuple) and len(result) == 1 else result
''',
    "istft": '''\
def __NAME__(spec, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
             onesided=None, length=None, return_complex=False):
    """torch.istft with NumPy (MindSpore 2.10 has no inverse short-time transform): each frame's inverse
    FFT, windowed, overlap-added and divided by the overlap-added squared window, trimmed as PyTorch trims."""
    values = spec.asnumpy()
    hop = n_fft // 4 if hop_length is None else hop_length
    size = n_fft if win_length is None else win_length
    win = {@numpy.ones}(size) if window is None else window.asnumpy().astype("float64")
    win = {@numpy.pad}(win, ((n_fft - size) // 2, n_fft - size - (n_fft - size) // 2))
    if onesided is None:
        onesided = values.shape[-2] != n_fft
    if normalized:
        values = values * n_fft ** 0.5
    if onesided:
        frames = {@numpy.fft.irfft}(values, n=n_fft, axis=-2)
    else:
        frames = {@numpy.fft.ifft}(values, n=n_fft, axis=-2)
        frames = frames if return_complex else frames.real
    frames = frames * win.reshape(-1, 1)
    count = values.shape[-1]
    total = n_fft + hop * (count - 1)
    signal = {@numpy.zeros}(values.shape[:-2] + (total,), frames.dtype)
    envelope = {@numpy.zeros}(total)
    for k in range(count):
        signal[..., k * hop:k * hop + n_fft] += frames[..., k]
        envelope[k * hop:k * hop + n_fft] += win ** 2
    start = n_fft // 2 if center else 0
    end = start + length if length is not None else total - n_fft // 2 if center else total
    if (abs(envelope[start:min(end, total)]) < 1e-11).any():
        raise RuntimeError("istft: the window's overlap-add has zeros (the NOLA condition fails)")
    signal = signal[..., start:end] / envelope[start:min(end, total)]
    if end > total:
        signal = {@numpy.concatenate}([signal, {@numpy.zeros}(signal.shape[:-1] + (end - total,), signal.dtype)], -1)
    single = values.dtype == {@numpy.complex64} or values.dtype == {@numpy.float32}
    kind = ("complex64" if single else "complex128") if {@numpy.iscomplexobj}(signal) else ("float32" if single else "float64")
    return {@mindspore.Tensor}(signal.astype(kind))
''',
    "quantile": '''\
def __NAME__(x, q, dim=None, keepdim=False, interpolation="linear", ignore_nan=False):
    """torch.quantile / torch.nanquantile with MindSpore ops (MindSpore 2.10 has no CPU kernel for either):
    the values sorted along dim, read at q * (count - 1) with PyTorch's interpolation modes; a 1-D q puts
    its axis first; a row holding NaN gives NaN (quantile), or its NaNs are skipped (nanquantile)."""
    qs = (q if isinstance(q, {@mindspore.Tensor}) else {@mindspore.tensor}(q)).astype(x.dtype)
    single = qs.ndim == 0
    qs = qs.reshape(-1)
    t = x.reshape(-1) if dim is None else {@mindspore.ops.movedim}(x, dim, -1)
    nan = {@mindspore.ops.isnan}(t)
    if ignore_nan:
        s = {@mindspore.ops.sort}({@mindspore.ops.masked_fill}(t, nan, float("inf")), -1)[0]
        n = (~nan).astype(x.dtype).sum(-1, keepdims=True)
        empty = n == 0
    else:
        s = {@mindspore.ops.sort}(t, -1)[0]
        n = {@mindspore.ops.ones_like}(t[..., :1]) * t.shape[-1]
        empty = nan.astype({@mindspore.int32}).sum(-1, keepdims=True) > 0
    p = qs * (n - 1).clamp(min=0)
    lo, hi = {@mindspore.ops.floor}(p), {@mindspore.ops.ceil}(p)
    take = lambda at: {@mindspore.ops.gather_elements}(s, s.ndim - 1, at.astype({@mindspore.int64}))
    if interpolation == "linear":
        r = take(lo) + (take(hi) - take(lo)) * (p - lo)
    elif interpolation == "lower":
        r = take(lo)
    elif interpolation == "higher":
        r = take(hi)
    elif interpolation == "midpoint":
        r = (take(lo) + take(hi)) / 2
    elif interpolation == "nearest":
        half = (p - lo) == 0.5  # ties go to the even position, as torch.round rounds
        r = take({@mindspore.ops.where}(half, lo + lo % 2, {@mindspore.ops.round}(p)))
    else:
        raise ValueError(f"quantile: interpolation must be linear, lower, higher, midpoint or nearest, not {interpolation!r}")
    r = {@mindspore.ops.masked_fill}(r, {@mindspore.ops.broadcast_to}(empty, r.shape), float("nan"))
    r = {@mindspore.ops.movedim}(r, -1, 0)
    if keepdim:
        r = r.reshape((r.shape[0],) + (1,) * x.ndim) if dim is None else r.unsqueeze(1 + dim % x.ndim)
    return r[0] if single else r
''',
    "index_reduce": '''\
def __NAME__(x, dim, index, source, reduce, include_self=True):
    """torch.index_reduce with NumPy's unbuffered ufunc.at (MindSpore 2.10 has no index_reduce): the slices
    of source along dim reduced into x at index; include_self=False starts the touched slices afresh."""
    out = {@numpy.moveaxis}(x.asnumpy(), dim, 0).copy()
    src = {@numpy.moveaxis}(source.asnumpy(), dim, 0).astype(out.dtype)
    idx = index.asnumpy().astype("int64").reshape(-1)
    touched = {@numpy.zeros}(out.shape[0], bool)
    touched[idx] = True
    floating = out.dtype.kind in "fc"
    if reduce == "prod":
        if not include_self:
            out[touched] = 1
        {@numpy.multiply}.at(out, idx, src)
    elif reduce in ("amax", "amin"):
        if not include_self:
            big = {@numpy.inf} if floating else {@numpy.iinfo}(out.dtype).max
            out[touched] = -big if reduce == "amax" else big
        ({@numpy.maximum} if reduce == "amax" else {@numpy.minimum}).at(out, idx, src)
    elif reduce == "mean":
        total = out.astype("float64")
        if not include_self:
            total[touched] = 0
        {@numpy.add}.at(total, idx, src)
        count = {@numpy.bincount}(idx, minlength=out.shape[0]) + (1 if include_self else 0)
        shape = (-1,) + (1,) * (out.ndim - 1)
        mean = total / {@numpy.maximum}(count, 1).reshape(shape)
        out = {@numpy.where}(touched.reshape(shape), mean if floating else {@numpy.floor}(mean), out).astype(out.dtype)
    else:
        raise ValueError(f"index_reduce: reduce must be 'prod', 'mean', 'amax' or 'amin', not {reduce!r}")
    return {@mindspore.Tensor}({@numpy.moveaxis}(out, 0, dim))
''',
    "batch_norm": '''\
def __NAME__(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05):
    """torch.nn.functional.batch_norm in the order PyTorch's CPU kernel computes it. The statistics become
    one scale and one shift per channel (scale = weight / sqrt(var + eps), shift = bias - mean * scale) and
    each `a * b + c` is a fused multiply-add there, taken here in float64 and rounded once. A channel with
    a small variance has a large scale, and the same float32 steps in another order (MindSpore's
    BatchNorm kernel) then land further from PyTorch's result than the comparison tolerance.
    Batch statistics (training, or no running ones) are summed in float64 as PyTorch's kernel does, and
    running statistics given while training are updated in place (momentum-weighted, unbiased variance)."""
    low = x.dtype in ({@mindspore.float16}, {@mindspore.bfloat16})
    work = {@mindspore.float32} if low else x.dtype
    wide = {@mindspore.float64}
    shape = (1, -1) + (1,) * (x.ndim - 2)
    xw = x.astype(work)
    if running_mean is not None and not training:
        mean = running_mean.astype(work)
        scale = 1 / {@mindspore.ops.sqrt}(running_var.astype(work) + eps)
    else:
        dims = (0,) + tuple(range(2, x.ndim))
        count = x.size // x.shape[1]
        mean = (xw.astype(wide).sum(dims) / count).astype(work)
        centred = xw - mean.reshape(shape)
        var_sum = (centred * centred).astype(wide).sum(dims)
        scale = (1 / {@mindspore.ops.sqrt}(var_sum / count + eps)).astype(work)
        if running_mean is not None:
            running_mean.assign_value((momentum * mean.astype(wide) + (1 - momentum) * running_mean.astype(wide))
                                      .astype(running_mean.dtype))
            running_var.assign_value((momentum * var_sum / max(count - 1, 1) + (1 - momentum) * running_var.astype(wide))
                                     .astype(running_var.dtype))
    if weight is not None:
        scale = scale * weight.astype(work)
    shift = (0 if bias is None else bias.astype(wide)) - mean.astype(wide) * scale.astype(wide)
    shift = shift.astype(work).astype(wide)
    out = (xw.astype(wide) * scale.astype(wide).reshape(shape) + shift.reshape(shape)).astype(work)
    return out.astype(x.dtype) if low else out
''',
    "GroupNorm": '''\
class __NAME__({@mindspore.nn.GroupNorm}):
    """mindspore.nn.GroupNorm without parameters when affine=False, as torch.nn.GroupNorm and the
    InstanceNorm layers are (MindSpore's keeps a frozen gamma and beta, which a converted PyTorch
    checkpoint has nothing to load into): they become constant tensors of ones and zeros."""

    def __init__(self, num_groups, num_channels, eps=1e-05, affine=True):
        super().__init__(num_groups, num_channels, eps=eps, affine=affine)
        if not affine:
            del self.gamma, self.beta
            self.gamma = {@mindspore.ops.ones}(num_channels, {@mindspore.float32})
            self.beta = {@mindspore.ops.zeros}(num_channels, {@mindspore.float32})
''',
    "InstanceNorm": '''\
class __NAME__({@mindspore.nn.Cell}):
    """torch.nn.InstanceNorm1d/2d/3d (MindSpore 2.10's have no CPU kernel): each sample and channel normalised
    over its positions; with track_running_stats=True the running statistics move towards the batch's
    per-instance mean and unbiased variance (averaged over the batch) by `momentum` in training mode, and
    normalise in eval mode. Parameters and statistics keep mindspore.nn.BatchNorm's names (gamma, beta,
    moving_mean, moving_variance), present only with affine=True / track_running_stats=True as in PyTorch.
    `dims` (1, 2, 3: the layer's spatial rank) lets one sample without its batch dim in, as PyTorch does."""

    def __init__(self, num_features, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False, dims=None):
        super().__init__()
        self.num_features, self.eps, self.momentum, self.dims = num_features, eps, momentum, dims
        self.affine, self.track_running_stats = affine, track_running_stats
        ones, zeros = {@mindspore.ops.ones}(num_features, {@mindspore.float32}), {@mindspore.ops.zeros}(num_features, {@mindspore.float32})
        if affine:
            self.gamma = {@mindspore.Parameter}(ones, name="gamma")
            self.beta = {@mindspore.Parameter}(zeros, name="beta")
        else:
            self.gamma = self.beta = None
        if track_running_stats:
            self.moving_mean = {@mindspore.Parameter}(zeros.copy(), name="moving_mean", requires_grad=False)
            self.moving_variance = {@mindspore.Parameter}(ones.copy(), name="moving_variance", requires_grad=False)
        self.set_train(True)  # a PyTorch module starts in training mode

    def construct(self, x):
        unbatched = self.dims is not None and x.ndim == self.dims + 1
        if unbatched:
            x = x.unsqueeze(0)
        axes = tuple(range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)
        if self.training or not self.track_running_stats:
            mean = x.mean(axis=axes, keep_dims=True)
            var = ((x - mean) ** 2).mean(axis=axes, keep_dims=True)
            if self.training and self.track_running_stats:
                n = x[0, 0].size
                m = 0.1 if self.momentum is None else self.momentum
                batch_var = (var * (n / max(n - 1, 1))).mean(0).reshape(-1)
                self.moving_mean.set_data((1 - m) * self.moving_mean.value() + m * mean.mean(0).reshape(-1).astype(self.moving_mean.dtype))
                self.moving_variance.set_data((1 - m) * self.moving_variance.value() + m * batch_var.astype(self.moving_variance.dtype))
        else:
            mean = self.moving_mean.value().reshape(shape).astype(x.dtype)
            var = self.moving_variance.value().reshape(shape).astype(x.dtype)
        y = (x - mean) / {@mindspore.ops.sqrt}(var + self.eps)
        if self.affine:
            y = y * self.gamma.reshape(shape).astype(x.dtype) + self.beta.reshape(shape).astype(x.dtype)
        return y.squeeze(0) if unbatched else y
''',
    "BatchNorm": '''\
class __NAME__({@mindspore.nn.Cell}):
    """torch.nn.BatchNorm1d/2d/3d where mindspore.nn.BatchNorm cannot say it: float64 (MindSpore's kernel
    takes float16/float32 only), momentum=None (PyTorch's cumulative average of the batch statistics) or
    arguments known only at run time. Computed by msdev's batch_norm (PyTorch's CPU order); parameters
    and statistics keep mindspore.nn.BatchNorm's names (gamma, beta, moving_mean, moving_variance), so
    converted checkpoints load into either."""

    def __init__(self, num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None, bias=True):
        super().__init__()
        dtype = {@mindspore.float32} if dtype is None else dtype
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats, self.num_batches_tracked = affine, track_running_stats, 0
        ones, zeros = {@mindspore.ops.ones}(num_features, dtype), {@mindspore.ops.zeros}(num_features, dtype)
        self.gamma = {@mindspore.Parameter}(ones, name="gamma", requires_grad=affine)
        self.beta = {@mindspore.Parameter}(zeros, name="beta", requires_grad=affine and bias)
        self.moving_mean = {@mindspore.Parameter}(zeros.copy(), name="moving_mean", requires_grad=False)
        self.moving_variance = {@mindspore.Parameter}(ones.copy(), name="moving_variance", requires_grad=False)

    def construct(self, x):
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1
            if self.momentum is None:  # the running statistics are the mean of every batch's so far
                momentum = 1.0 / self.num_batches_tracked
        mean, var = (self.moving_mean, self.moving_variance) if self.track_running_stats else (None, None)
        weight, bias = (self.gamma, self.beta) if self.affine else (None, None)
        return {@msdev.batch_norm}(x, mean, var, weight, bias, self.training or not self.track_running_stats, momentum,
            self.eps)
''',
    "interpolate": '''\
def __NAME__(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
             antialias=False):
    """torch.nn.functional.interpolate as PyTorch samples. Given a scale factor (and recompute_scale_factor
    not True) PyTorch maps output index i to input coordinate (i + 0.5) / factor - 0.5 (nearest: i / factor);
    MindSpore 2.10 takes a factor only with recompute_scale_factor=True and maps by input/output size, which
    agrees only when each input size times its factor is whole (a factor of 1.5 on 7 pixels does not).
    Bicubic is PyTorch's everywhere (MindSpore's kernel has another coefficient and pixel grid). Those cases
    are written out: one index or weight table per spatial axis (numpy, from the sizes alone), applied by
    gather or matmul; the others run MindSpore's kernel."""
    if antialias:
        raise NotImplementedError("msdev: interpolate(antialias=True) has no MindSpore counterpart")
    dims = input.ndim - 2
    shape = tuple(input.shape[2:])
    if size is not None:
        sizes = tuple(int(v) for v in size) if isinstance(size, (tuple, list)) else (int(size),) * dims
        factors = (None,) * dims
    else:
        factors = tuple(float(f) for f in scale_factor) if isinstance(scale_factor, (tuple, list)) \\
            else (float(scale_factor),) * dims
        sizes = tuple(int({@math.floor}(n * f)) for n, f in zip(shape, factors))
        factors = (None,) * dims if recompute_scale_factor else factors
    linear = mode in ("linear", "bilinear", "trilinear", "bicubic")
    exact = all(f is None or n * f == o for n, f, o in zip(shape, factors, sizes)) or (linear and align_corners)
    if mode not in ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic") or (
            exact and mode != "bicubic"):
        return {@mindspore.ops.interpolate}(input, size=sizes, mode=mode, align_corners=align_corners if linear else None)
    f32 = {@numpy.float32}
    out = input
    for axis, (n, o, f) in enumerate(zip(shape, sizes, factors), start=2):
        dst = {@numpy.arange}(o, dtype=f32)
        if linear and align_corners:
            scale = f32((n - 1) / (o - 1)) if o > 1 else f32(0)
        else:
            scale = f32(1.0 / f) if f is not None else f32(n) / f32(o)
        if mode in ("nearest", "nearest-exact"):
            src = (dst + f32(0.5)) * scale if mode == "nearest-exact" else dst * scale
            index = {@numpy.minimum}({@numpy.floor}(src).astype({@numpy.int64}), n - 1)
            if mode == "nearest" and o in (n, 2 * n):  # PyTorch's kernel copies or halves these exactly
                index = {@numpy.arange}(o) * n // o
            out = {@mindspore.ops.gather}(out, {@mindspore.Tensor}(index), axis)
            continue
        src = dst * scale if align_corners else scale * (dst + f32(0.5)) - f32(0.5)
        weights = {@numpy.zeros}((o, n), dtype={@numpy.float64})
        rows = {@numpy.arange}(o)
        if mode == "bicubic":
            i0 = {@numpy.floor}(src).astype({@numpy.int64})
            t = (src - i0).astype({@numpy.float64})
            a = -0.75
            taps = (((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a, ((a + 2) * t - (a + 3)) * t * t + 1,
                    ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
                    ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a)
            for k, c in enumerate(taps):
                {@numpy.add}.at(weights, (rows, {@numpy.clip}(i0 - 1 + k, 0, n - 1)), c)
        elif n == o:  # PyTorch copies a same-size axis whatever the factor
            weights[rows, rows] = 1.0
        else:
            src = {@numpy.maximum}(src, f32(0)) if not align_corners else src
            i0 = {@numpy.minimum}({@numpy.floor}(src).astype({@numpy.int64}), n - 1)
            l1 = {@numpy.clip}(src - i0, 0, 1).astype({@numpy.float64})
            {@numpy.add}.at(weights, (rows, i0), 1 - l1)
            {@numpy.add}.at(weights, (rows, {@numpy.minimum}(i0 + 1, n - 1)), l1)
        table = {@mindspore.Tensor}(weights, out.dtype)
        out = {@mindspore.ops.matmul}(table, out.swapaxes(axis, -2)).swapaxes(axis, -2)
    return out
''',
    "Upsample": '''\
class __NAME__({@mindspore.nn.Cell}):
    """torch.nn.Upsample through msdev's interpolate: PyTorch's sampling for a fractional scale factor and for
    bicubic, where mindspore.nn.Upsample maps pixels by input/output size."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def construct(self, x):
        return {@msdev.interpolate}(x, self.size, self.scale_factor, self.mode, self.align_corners,
                                    self.recompute_scale_factor)
''',
    "Embedding": '''\
class __NAME__({@mindspore.nn.Cell}):
    """torch.nn.Embedding where mindspore.nn.Embedding cannot say it: max_norm (each looked-up row whose norm
    exceeds it is scaled down in the table, in place, as PyTorch's embedding_renorm_ does), a given table
    (_weight), _freeze or a dtype. The table keeps mindspore.nn.Embedding's name (embedding_table), so
    converted checkpoints load into either; a new one is drawn from N(0, 1) as PyTorch's, its padding row 0."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None):
        super().__init__()
        dtype = {@mindspore.float32} if dtype is None else dtype
        if padding_idx is not None and padding_idx < 0:
            padding_idx += num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        self.max_norm, self.norm_type = max_norm, float(norm_type)
        if _weight is None:
            table = {@mindspore.ops.randn}((num_embeddings, embedding_dim), dtype=dtype)
            if padding_idx is not None:
                table[padding_idx] = 0
        else:
            table = {@mindspore.Tensor}(_weight, dtype)
        self.embedding_table = {@mindspore.Parameter}(table, name="embedding_table", requires_grad=not _freeze)

    def construct(self, input):
        if self.max_norm is not None:
            return {@msdev.embedding_renorm}(self.embedding_table, input, self.max_norm, self.norm_type)
        return {@mindspore.ops.gather}(self.embedding_table, input, 0)
''',
    "grid_sample": '''\
def __NAME__(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """torch.nn.functional.grid_sample. With mode='nearest' PyTorch rounds a coordinate half-way between two
    pixels to the even one (nearbyint) and MindSpore's kernel rounds it away from zero: a grid value of -1 or
    1 with align_corners=False lies half a pixel outside the image, where PyTorch takes the border pixel
    and MindSpore the padding. The grid is moved onto the pixel PyTorch picks before the kernel runs."""
    if mode == "nearest":
        size = {@mindspore.Tensor}(tuple(input.shape[:1:-1]), grid.dtype)  # W, H(, D): the grid's order
        span = {@mindspore.ops.maximum}(size - 1, 1)
        pixel = (grid + 1) / 2 * (size - 1) if align_corners else ((grid + 1) * size - 1) / 2
        if padding_mode == "reflection":  # PyTorch reflects the coordinate before it rounds it
            low, width = (0.0, span) if align_corners else (-0.5, size)
            distance = (pixel - low).abs()
            flips = {@mindspore.ops.floor}(distance / width)
            extra = distance - flips * width
            pixel = {@mindspore.ops.where}(flips % 2 == 0, extra + low, width - extra + low)
            pixel = {@mindspore.ops.clamp}(pixel, {@mindspore.ops.zeros_like}(size), size - 1)
            padding_mode = "border"
        pixel = {@mindspore.ops.round}(pixel)
        grid = pixel / span * 2 - 1 if align_corners else (pixel * 2 + 1) / size - 1
    return {@mindspore.ops.grid_sample}(input, grid, mode, padding_mode, align_corners)
''',
    "embedding": '''\
def __NAME__(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """torch.nn.functional.embedding: a row lookup (ops.embedding has no CPU kernel) with PyTorch's gradient.
    The row of padding_idx gets none, and scale_grad_by_freq divides each row's gradient by how often the
    indices name it: the lookup is `stop_gradient(rows) + (rows - stop_gradient(rows)) * factor`, the same
    values, its gradient scaled per position. max_norm renormalises as msdev's embedding_renorm does."""
    if max_norm is not None:
        rows = {@msdev.embedding_renorm}(weight, input, max_norm, norm_type)
    else:
        rows = {@mindspore.ops.gather}(weight, input, 0)
    if padding_idx is None and not scale_grad_by_freq:
        return rows
    factor = {@mindspore.ops.ones}(input.shape, rows.dtype)
    if padding_idx is not None:
        factor = factor * (input != (padding_idx + weight.shape[0] if padding_idx < 0 else padding_idx)).astype(rows.dtype)
    if scale_grad_by_freq:
        flat = input.reshape(-1)
        counts = (flat.reshape(-1, 1) == flat.reshape(1, -1)).astype(rows.dtype).sum(axis=1)
        factor = factor / counts.reshape(input.shape)
    factor = factor.reshape(input.shape + (1,))
    fixed = {@mindspore.ops.stop_gradient}(rows)
    return fixed + (rows - fixed) * factor
''',
    "embedding_renorm": '''\
def __NAME__(weight, indices, max_norm, norm_type=2.0):
    """The rows of `weight` that `indices` looks up, those whose norm exceeds max_norm scaled down to it as
    PyTorch's embedding_renorm_ does: in the table, in place, and with no gradient through the scale
    (PyTorch renormalises under no_grad, so the table's gradient is the plain lookup's). Inside a function
    MindSpore differentiates, the table is an input it refuses to write: the rows are scaled for this
    lookup only."""
    p = float(norm_type)
    norms = (weight.abs() ** p).sum(axis=-1, keepdims=True) ** (1.0 / p)
    looked_up = ({@mindspore.ops.arange}(weight.shape[0]).reshape(-1, 1) == indices.reshape(1, -1)).any(
        axis=-1, keep_dims=True)
    scale = {@mindspore.ops.where}((norms > max_norm) & looked_up, max_norm / (norms + 1e-7), 1.0).astype(weight.dtype)
    scaled = weight + {@mindspore.ops.stop_gradient}(weight * scale - weight)
    try:
        weight.assign_value(weight * scale)
    except RuntimeError:  # a differentiated function's input: MindSpore keeps it unchanged
        pass
    return {@mindspore.ops.gather}(scaled, indices, 0)
''',
    "func_grad": '''\
def __NAME__(func, argnums=0, has_aux=False, with_value=False):
    """torch.func.grad (with_value: grad_and_value) through mindspore.grad / value_and_grad: the gradient
    with respect to the inputs argnums names. PyTorch gives (grad, aux) and (grad, value) or
    (grad, (value, aux)); MindSpore gives (grad, (aux,)), (value, grad) and ((value, aux), grad)."""
    if with_value:
        both = {@mindspore.value_and_grad}(func, grad_position=argnums, has_aux=has_aux)
        return lambda *args, **kwargs: (lambda r: (r[1], (r[0][0], r[0][1]) if has_aux else r[0]))(both(*args, **kwargs))
    grad = {@mindspore.grad}(func, grad_position=argnums, has_aux=has_aux)
    if not has_aux:
        return grad
    return lambda *args, **kwargs: (lambda r: (r[0], r[1][0]))(grad(*args, **kwargs))
''',
    "jacobian_of": '''\
def __NAME__(func, argnums=0):
    """torch.func.jacrev / jacfwd: a function giving the Jacobian of func with respect to the inputs argnums
    names, one mindspore.vjp row per output element (PyNative: mindspore.jacrev compiles func, which
    refuses lambdas and run-time code). Nested, it gives the Hessian."""
    def jacobian(*args):
        nums = tuple(argnums) if isinstance(argnums, (tuple, list)) else (argnums,)

        def of_picked(*values):
            full = list(args)
            for k, value in zip(nums, values):
                full[k] = value
            return func(*full)

        out, back = {@mindspore.vjp}(of_picked, *[args[k] for k in nums])
        if out.ndim == 0:
            seeds = [{@mindspore.ops.ones_like}(out)]
        else:
            seeds = list({@mindspore.ops.unbind}({@mindspore.ops.eye}(out.size, out.size, out.dtype).reshape((out.size,) + out.shape), 0))
        rows = [back(seed) for seed in seeds]
        rows = [row if isinstance(row, tuple) else (row,) for row in rows]
        jacobians = tuple({@mindspore.ops.stack}([row[k] for row in rows]).reshape(out.shape + args[nums[k]].shape)
                          for k in range(len(nums)))
        return jacobians if isinstance(argnums, (tuple, list)) else jacobians[0]
    return jacobian
''',
    "gradcheck": '''\
def __NAME__(func, inputs, *, eps=1e-06, atol=1e-05, rtol=0.001, raise_exception=True, **checks):
    """torch.autograd.gradcheck: the Jacobian of every floating output with respect to every floating input,
    from mindspore.vjp (one row per output element, PyNative), against central differences
    (f(x + eps) - f(x - eps)) / 2 eps, elementwise within atol + rtol * |numerical|. True when they agree;
    else a RuntimeError (PyTorch's GradcheckError is one), or False with raise_exception=False. The other
    checks PyTorch can run (batched, forward mode, undefined gradients) are not repeated."""
    xs = [inputs] if isinstance(inputs, {@mindspore.Tensor}) else list(inputs)
    picked = tuple(k for k, x in enumerate(xs) if isinstance(x, {@mindspore.Tensor}) and x.is_floating_point())

    def outputs(*args):
        out = func(*args)
        return list(out) if isinstance(out, (tuple, list)) else [out]

    for o, out in enumerate(outputs(*xs)):
        if not (isinstance(out, {@mindspore.Tensor}) and out.is_floating_point()) or not picked:
            continue
        analytical = {@msdev.jacobian_of}(lambda *args: outputs(*args)[o], picked)(*xs)
        for k, jacobian in zip(picked, analytical):
            flat = xs[k].asnumpy().reshape(-1)
            numerical = {@numpy.zeros}((out.size, flat.size))
            for j in range(flat.size):
                ends = []
                for step in (eps, -eps):
                    moved = flat.copy()
                    moved[j] += step
                    args = list(xs)
                    args[k] = {@mindspore.Tensor}(moved.reshape(xs[k].shape), xs[k].dtype)
                    ends.append(outputs(*args)[o].asnumpy().astype("float64").reshape(-1))
                numerical[:, j] = (ends[0] - ends[1]) / (2 * eps)
            got = jacobian.asnumpy().astype("float64").reshape(out.size, flat.size)
            if not {@numpy.allclose}(got, numerical, rtol=rtol, atol=atol):
                if raise_exception:
                    raise RuntimeError(f"Jacobian mismatch for output {o} with respect to input {k}: "
                                       f"numerical {numerical.tolist()}, analytical {got.tolist()}")
                return False
    return True
''',
    "gradgradcheck": '''\
def __NAME__(func, inputs, grad_outputs=None, *, eps=1e-06, atol=1e-05, rtol=0.001, raise_exception=True,
             **checks):
    """torch.autograd.gradgradcheck: the input gradients of func for given output gradients (mindspore.grad of
    their weighted sum) checked as a function of the inputs with gradcheck, and func itself with gradcheck:
    the input gradients are linear in the output gradients (J^T g), so their Jacobian there is func's own
    (MindSpore gives no gradient through a gradient with respect to its cotangent). Output gradients are
    drawn uniformly in [-1, 1) when not given, as PyTorch draws them."""
    xs = [inputs] if isinstance(inputs, {@mindspore.Tensor}) else list(inputs)
    picked = [k for k, x in enumerate(xs) if isinstance(x, {@mindspore.Tensor}) and x.is_floating_point()]

    def outputs(*args):
        out = func(*args)
        return tuple(out) if isinstance(out, (tuple, list)) else (out,)

    outs = outputs(*xs)
    if grad_outputs is None:
        rng = {@numpy.random.default_rng}(0)
        grad_outputs = [{@mindspore.Tensor}(rng.uniform(-1, 1, o.shape), o.dtype) for o in outs]
    else:
        grad_outputs = [grad_outputs] if isinstance(grad_outputs, {@mindspore.Tensor}) else list(grad_outputs)

    def weighted(*chosen):
        full = list(xs)
        for k, value in zip(picked, chosen):
            full[k] = value
        return sum((o * g).sum() for o, g in zip(outputs(*full), grad_outputs) if o.is_floating_point())

    def input_gradients(*chosen):
        grads = {@mindspore.grad}(weighted, grad_position=tuple(range(len(picked))))(*chosen)
        return grads if isinstance(grads, tuple) else (grads,)

    options = dict(eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
    return bool({@msdev.gradcheck}(func, inputs, **options)
                and {@msdev.gradcheck}(input_gradients, tuple(xs[k] for k in picked), **options))
''',
    "vmap": '''\
def __NAME__(func, in_dims=0, out_dims=0, randomness="error", chunk_size=None):
    """torch.vmap as a loop over the batch (mindspore.vmap compiles func as a graph, which converted code
    often cannot be): each argument is cut along its in_dim (None: passed whole), func runs on every slice
    and its results (a tensor, or a tuple / list of them) are stacked along out_dims."""
    def stacked(results, dims):
        first = results[0]
        if isinstance(first, (tuple, list)):
            dims = dims if isinstance(dims, (tuple, list)) else (dims,) * len(first)
            return type(first)(stacked([r[k] for r in results], dims[k]) for k in range(len(first)))
        return {@mindspore.ops.stack}([{@mindspore.Tensor}(r) if not isinstance(r, {@mindspore.Tensor}) else r
                                       for r in results], dims)

    def batched(*args):
        dims = tuple(in_dims) if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        size = next(a.shape[d] for a, d in zip(args, dims) if d is not None)
        results = [func(*[a if d is None else {@mindspore.ops.moveaxis}(a, d, 0)[i] for a, d in zip(args, dims)])
                   for i in range(size)]
        return stacked(results, out_dims)
    return batched
''',
    "scheduler_state": '''\
def __NAME__(scheduler):
    """torch's scheduler.state_dict(): the attributes but the optimizer and functions, with what MindSpore
    keeps in Parameters (the epoch, the learning rates) as Python numbers; chained schedulers nested."""
    def plain(key, value):
        if isinstance(value, {@mindspore.Tensor}):
            return int(value) if key == "last_epoch" else value.item()
        if isinstance(value, (list, tuple)):
            return [plain(key, v) for v in value]
        if hasattr(value, "get_last_lr") and hasattr(value, "optimizer"):
            return __NAME__(value)
        return value
    return {key: plain(key, value) for key, value in vars(scheduler).items()
            if key != "optimizer" and not callable(value) and not (isinstance(value, list) and any(map(callable, value)))}
''',
    "load_scheduler_state": '''\
def __NAME__(scheduler, state):
    """torch's scheduler.load_state_dict(state): each attribute set from the dict, the epoch written into
    the Parameter MindSpore keeps it in; the optimizer's learning rates stay the optimizer's, as in PyTorch."""
    for key, value in state.items():
        held = getattr(scheduler, key, None)
        if isinstance(held, {@mindspore.Parameter}):
            {@mindspore.ops.assign}(held, {@mindspore.Tensor}(value, held.dtype))
        elif key == "_last_lr" or (isinstance(held, list) and held and hasattr(held[0], "get_last_lr")):
            if key != "_last_lr":
                for inner, inner_state in zip(held, value):
                    __NAME__(inner, inner_state)
        else:
            setattr(scheduler, key, value)
''',
    "OneCycleLR": '''\
class __NAME__({@mindspore.experimental.optim.lr_scheduler.LRScheduler}):
    """torch.optim.lr_scheduler.OneCycleLR, which MindSpore 2.10 lacks: PyTorch's two- or three-phase
    learning rate and, unless cycle_momentum=False, the momentum (SGD's momentum, Adam's beta1) moved the
    other way between max_momentum and base_momentum."""

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95,
                 div_factor=25.0, final_div_factor=1e4, three_phase=False, last_epoch=-1):
        self.total_steps = int(total_steps) if total_steps is not None else int(epochs) * int(steps_per_epoch)
        end = float(pct_start * self.total_steps)
        up = (end - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum")
        if three_phase:
            self.phases = [up, (2 * end - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                           (self.total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            self.phases = [up, (self.total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        self.cosine = anneal_strategy == "cos"
        groups = optimizer.param_groups
        tops = list(max_lr) if isinstance(max_lr, (list, tuple)) else [max_lr] * len(groups)
        for group, top in zip(groups, tops):
            if last_epoch == -1:
                group["initial_lr"] = float(top) / div_factor
                {@mindspore.ops.assign}(group["lr"], {@mindspore.Tensor}(group["initial_lr"], group["lr"].dtype))
            group["max_lr"] = float(top)
            group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = "betas" in groups[0]
            for group in groups:
                if last_epoch == -1:
                    self._set_momentum(group, max_momentum)
                group["max_momentum"], group["base_momentum"] = max_momentum, base_momentum
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group, value):
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start, end, pct):
        if self.cosine:
            return end + (start - end) / 2.0 * ({@math.cos}({@math.pi} * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        step = int(self.last_epoch)
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr0, lr1, m0, m1) in enumerate(self.phases):
                if step <= end or i == len(self.phases) - 1:
                    pct = (step - start) / (end - start)
                    lr = self._anneal(group[lr0], group[lr1], pct)
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[m0], group[m1], pct))
                    break
                start = end
            lrs.append({@mindspore.Tensor}(lr, {@mindspore.float32}))
        return lrs
''',
    "clip_grad_norm_": '''\
def __NAME__(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """torch.nn.utils.clip_grad_norm_ on the `.grad` the code set on tensors (a training step clips its
    gradient tuple instead, rule MS200): the total norm of the gradients, each scaled by
    max_norm / (norm + 1e-6) when that is below 1; 0 when no tensor has a gradient."""
    parameters = [parameters] if isinstance(parameters, {@mindspore.Tensor}) else list(parameters)
    grads = [g for g in (getattr(p, "grad", None) for p in parameters) if g is not None]
    if not grads:
        return {@mindspore.tensor}(0.0)
    norm_type = float(norm_type)
    if norm_type == float("inf"):
        total = {@mindspore.ops.stack}([g.abs().max() for g in grads]).max()
    else:
        norms = {@mindspore.ops.stack}([(g.abs() ** norm_type).sum() ** (1.0 / norm_type) for g in grads])
        total = (norms ** norm_type).sum() ** (1.0 / norm_type)
    if error_if_nonfinite and not bool({@mindspore.ops.isfinite}(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                           "so it cannot be clipped.")
    coef = {@mindspore.ops.clamp}(float(max_norm) / (total + 1e-6), max=1.0)
    for g in grads:  # in place, as PyTorch scales them: a name bound to a gradient sees the change
        g.assign_value(g * coef)
    return total
''',
    "clip_grads_with_norm_": '''\
def __NAME__(parameters, max_norm, total_norm, foreach=None):
    """torch.nn.utils.clip_grads_with_norm_ on the `.grad` the code set on tensors: each gradient scaled in place
    by max_norm / (total_norm + 1e-6) when that is below 1, total_norm given (get_total_norm's)."""
    parameters = [parameters] if isinstance(parameters, {@mindspore.Tensor}) else list(parameters)
    grads = [g for g in (getattr(p, "grad", None) for p in parameters) if g is not None]
    if not grads:
        return None
    coef = {@mindspore.ops.clamp}(float(max_norm) / (total_norm + 1e-6), max=1.0)
    for g in grads:  # in place, as PyTorch scales them
        g.assign_value((g * coef).astype(g.dtype))
    return None
''',
    "clip_grad_value_": '''\
def __NAME__(parameters, clip_value, foreach=None):
    """torch.nn.utils.clip_grad_value_ on the `.grad` the code set on tensors (a training step clips its
    gradient tuple instead, rule MS200): each gradient clamped to [-clip_value, clip_value]."""
    parameters = [parameters] if isinstance(parameters, {@mindspore.Tensor}) else list(parameters)
    for g in (getattr(p, "grad", None) for p in parameters):
        if g is not None:  # in place, as PyTorch clamps them
            g.assign_value({@mindspore.ops.clamp}(g, -float(clip_value), float(clip_value)))
''',
    "add_param_group": '''\
def __NAME__(optimizer, group):
    """Optimizer.add_param_group on a mindspore.experimental.optim optimizer. MindSpore 2.10 adds the group
    but not its per-parameter state (SGD's accum and stat, Adam's exp_avg, ...), so the next step failed;
    each state tuple gets fresh state for the new parameters (SGD's stat starts at one, Adagrad's accum at
    initial_accumulator_value, the rest at zero). The params are read once, as a list (model.parameters()
    converts to a generator, which MindSpore's several reads would use up)."""
    group = dict(group)
    params = group["params"]
    group["params"] = [params] if isinstance(params, {@mindspore.Tensor}) else list(params)
    count = len(optimizer.parameters)
    states = [name for name in dir(optimizer) if name != "parameters" and not name.startswith("__")
              and isinstance(getattr(optimizer, name, None), {@mindspore.ParameterTuple})
              and len(getattr(optimizer, name)) == count]
    optimizer.add_param_group(group)
    added, first = optimizer.param_groups[-1], optimizer.param_groups[0]
    for key, value in added.items():  # the constructor made them floats in its groups (SGD's dampening)
        if type(value) is int and isinstance(first.get(key), float):
            added[key] = float(value)
    for name in states:
        start = 1.0 if name == "stat" else float(group.get("initial_accumulator_value", 0.0)) if name == "accum" else 0.0
        fresh = tuple({@mindspore.Parameter}({@mindspore.ops.full_like}(p, start), name=f"{name}.{p.name}",
                                             requires_grad=False) for p in group["params"])
        setattr(optimizer, name, {@mindspore.ParameterTuple}(tuple(getattr(optimizer, name)) + fresh))
''',
    "maximized": '''\
def __NAME__(optimizer, maximize=True):
    """maximize=True for a MindSpore optimizer that has no such argument (NAdam, RAdam in 2.10): each step
    negates the gradients first, as PyTorch does before weight decay and its update."""
    if maximize:
        step = optimizer.construct
        optimizer.construct = lambda gradients: step(tuple(-g for g in gradients))
    return optimizer
''',
    "save": '''\
def __NAME__(obj, f, pickle_protocol=2):
    """torch.save of any object (a tensor, a dict of state dicts and numbers): pickled as it is, MindSpore
    tensors included (a model's weights alone go to mindspore.save_checkpoint, rule MS206). load() reads it
    back; PyTorch cannot read this file, nor load() a PyTorch one."""
    if hasattr(f, "write"):
        {@pickle.dump}(obj, f, protocol=pickle_protocol)
    else:
        with open(f, "wb") as fh:
            {@pickle.dump}(obj, fh, protocol=pickle_protocol)
''',
    "load": '''\
def __NAME__(f):
    """torch.load of a file save() wrote (a pickle holding MindSpore tensors), or of the checkpoint
    mindspore.save_checkpoint wrote for `torch.save(model.state_dict(), f)` (it adds .ckpt to the name): the
    parameter dict. A file PyTorch wrote (a zip archive) is refused: convert its weights with
    `msdev weights convert` first."""
    if not hasattr(f, "read") and not {@os.path.exists}(f) and {@os.path.exists}(str(f) + ".ckpt"):
        f = str(f) + ".ckpt"
    fh = f if hasattr(f, "read") else open(f, "rb")
    try:
        start = fh.tell()
        head = fh.read(2)
        if head == b"PK":
            raise RuntimeError(f"{f!r} was written by PyTorch: convert it with `msdev weights convert` and "
                               "read it with mindspore.load_checkpoint")
        fh.seek(start)
        if head[:1] != b"\\x80" and not hasattr(f, "read"):  # not a pickle: a MindSpore checkpoint
            return {@mindspore.load_checkpoint}(str(f))
        return {@pickle.load}(fh)
    finally:
        if fh is not f:
            fh.close()
''',
    "optimizer_state": '''\
def __NAME__(optimizer):
    """Optimizer.state_dict laid out as PyTorch's: "state", the optimizer's own per-parameter state (named
    as MindSpore names it: accum.weight, exp_avg.fc.bias, ...), and "param_groups", each group's
    hyper-parameters with the learning rate as a number and its parameters as positions."""
    own = {p.name for p in optimizer.parameters}
    state = {name: {@mindspore.Tensor}(value.asnumpy()) for name, value in optimizer.parameters_and_names()
             if name not in own and not name.startswith("learning_rate")}
    groups, start = [], 0
    for group in optimizer.param_groups:
        saved = {k: float(v) if isinstance(v, {@mindspore.Tensor}) and v.ndim == 0 else v
                 for k, v in group.items() if k != "params"}
        saved["params"] = list(range(start, start + len(group["params"])))
        start += len(group["params"])
        groups.append(saved)
    return {"state": state, "param_groups": groups}
''',
    "load_optimizer_state": '''\
def __NAME__(optimizer, state_dict):
    """Optimizer.load_state_dict of what the converted state_dict() gave: the optimizer's own state and each
    group's hyper-parameters (the learning rate written into its Parameter); the model's weights are left
    alone, as PyTorch leaves them."""
    own = dict(optimizer.parameters_and_names())
    for name, value in state_dict["state"].items():
        if name in own:
            {@mindspore.ops.assign}(own[name], value.astype(own[name].dtype))
    for group, saved in zip(optimizer.param_groups, state_dict["param_groups"]):
        for key, value in saved.items():
            if key == "params":
                continue
            if isinstance(group.get(key), {@mindspore.Parameter}):
                {@mindspore.ops.assign}(group[key], {@mindspore.Tensor}(value, group[key].dtype))
            else:
                group[key] = value
''',
    "GradScaler": '''\
class __NAME__:
    """torch GradScaler as PyTorch runs it without CUDA. A CUDA scaler (torch.cuda.amp.GradScaler, the default
    device) is disabled: scale() gives its argument unchanged and the scale reads 1.0. A CPU one
    (torch.cpu.amp.GradScaler, GradScaler("cpu")) is enabled: scale() multiplies by the scale, which grows by
    growth_factor every growth_interval updates. Either way step(optimizer) is optimizer.step(): the converted
    training step takes the gradients of the loss itself, which are what PyTorch's step() applies after
    unscaling them (the scales are powers of two, so exactly). The conversion drops autocast (float32)."""

    def __init__(self, device="cuda", init_scale=65536.0, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._enabled = bool(enabled) and str(device) == "cpu"
        self._scale, self._growth_factor, self._backoff_factor = float(init_scale), growth_factor, backoff_factor
        self._growth_interval, self._growth_tracker = growth_interval, 0

    def scale(self, outputs):
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def unscale_(self, optimizer):
        pass

    def step(self, optimizer, *args, **kwargs):
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None):
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
            return
        self._growth_tracker += 1
        if self._growth_tracker == self._growth_interval:
            self._scale, self._growth_tracker = self._scale * self._growth_factor, 0

    def get_scale(self):
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self):
        return self._growth_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def get_growth_interval(self):
        return self._growth_interval

    def is_enabled(self):
        return self._enabled

    def state_dict(self):
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor, "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict):
        if self._enabled and state_dict:
            self._scale = float(state_dict["scale"])
            self._growth_factor, self._backoff_factor = state_dict["growth_factor"], state_dict["backoff_factor"]
            self._growth_interval = state_dict["growth_interval"]
            self._growth_tracker = state_dict["_growth_tracker"]
''',
    "Profiler": '''\
class __NAME__:
    """torch.profiler.profile / torch.autograd.profiler.profile where only the values matter: profiling changes
    none, so the profiled block runs as written. The profiler records no events: export_chrome_trace() writes a
    trace without events, key_averages() and events() are empty, on_trace_ready is called on exit as PyTorch
    calls it (mindspore.profiler.Profiler measures MindSpore's own kernels, by hand)."""

    def __init__(self, *args, schedule=None, on_trace_ready=None, **kwargs):
        self.schedule, self.on_trace_ready, self.step_num = schedule, on_trace_ready, 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        return self

    def stop(self):
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def step(self):
        self.step_num += 1

    def export_chrome_trace(self, path):
        import json
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({"traceEvents": []}, fh)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        open(path, "w", encoding="utf-8").close()

    def key_averages(self, *args, **kwargs):
        return __NAME__.Events()

    def events(self):
        return __NAME__.Events()

    class Events(list):
        """The events recorded: none."""

        def table(self, *args, **kwargs):
            return ""

        def key_averages(self, *args, **kwargs):
            return self

        def total_average(self):
            return None
''',
    "ProfilerActivity": '''\
class __NAME__:
    """torch.profiler.ProfilerActivity: the kinds of activity a profiler records, for the converted profiler,
    which records none."""
    CPU, XPU, MTIA, CUDA, HPU, PrivateUse1 = "CPU", "XPU", "MTIA", "CUDA", "HPU", "PrivateUse1"
''',
    "record_function": '''\
class __NAME__:
    """torch.profiler.record_function / torch.autograd.profiler.record_function: a labelled range for a profiler;
    without one it changes nothing. A context manager and a decorator, as PyTorch's."""

    def __init__(self, name=None, args=None):
        self.name, self.args = name, args

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, fn):
        return fn
''',
    "sdpa_kernel": '''\
class __NAME__:
    """torch.nn.attention.sdpa_kernel where the file reads the chosen backends back: MindSpore picks its own
    attention kernel (the values are the same), so the block runs as written, and the backends are kept as
    PyTorch keeps its flags for current() (torch.nn.attention._cur_sdpa_kernel_backends) to read. A backend
    is its name (SDPBackend.MATH is 'MATH'); the lists follow PyTorch's flag and priority orders."""
    _names = ("CUDNN_ATTENTION", "FLASH_ATTENTION", "EFFICIENT_ATTENTION", "MATH", "OVERRIDEABLE")
    _enabled = list(_names)
    _priority = ["FLASH_ATTENTION", "EFFICIENT_ATTENTION", "MATH", "CUDNN_ATTENTION", "OVERRIDEABLE"]

    def __init__(self, backends, set_priority=False):
        backends = [backends] if isinstance(backends, str) else backends
        self.backends, self.set_priority = list(dict.fromkeys(backends)), set_priority

    @classmethod
    def current(cls, with_priority=False):
        if with_priority:
            return sorted(cls._enabled, key=cls._priority.index)
        return list(cls._enabled)

    @classmethod
    def _choose(cls, backends, set_priority):
        cls._enabled = [name for name in cls._names if name in backends]
        if set_priority:
            cls._priority = [b for b in backends if b in cls._names] + [
                b for b in cls._priority if b not in backends]

    def __enter__(self):
        self._previous = __NAME__.current(self.set_priority)
        __NAME__._choose(self.backends, self.set_priority)
        return {}

    def __exit__(self, *exc):
        __NAME__._choose(self._previous, self.set_priority)
        return False
''',
    "tensorboard_trace_handler": '''\
def __NAME__(dir_name, worker_name=None, use_gzip=False):
    """torch.profiler.tensorboard_trace_handler: the on_trace_ready callback that writes each trace into
    dir_name (made if missing) as <worker_name>.<time in ms>.pt.trace.json, as PyTorch names it."""
    import os, socket, time

    def handler(prof):
        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        name = f"{worker}.{time.time_ns() // 1000000}.pt.trace.json" + (".gz" if use_gzip else "")
        prof.export_chrome_trace(os.path.join(dir_name, name))
    return handler
''',
    "CyclicLR": '''\
class __NAME__({@mindspore.experimental.optim.lr_scheduler.CyclicLR}):
    """torch.optim.lr_scheduler.CyclicLR with its default cycle_momentum=True: MindSpore 2.10's cycles only the
    rate, PyTorch's also sets the momentum (SGD's momentum, Adam's beta1) to max_momentum at the start and
    moves it against the rate, so an SGD built without momentum trains with 0.8-0.9 of it."""

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
                 gamma=1.0, scale_fn=None, scale_mode="cycle", cycle_momentum=True, base_momentum=0.8,
                 max_momentum=0.9, last_epoch=-1):
        groups = optimizer.param_groups
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            per_group = lambda v: list(v) if isinstance(v, (list, tuple)) else [v] * len(groups)
            self.base_momentums, self.max_momentums = per_group(base_momentum), per_group(max_momentum)
            if last_epoch == -1:
                for top, low, group in zip(self.max_momentums, self.base_momentums, groups):
                    self._set_momentum(group, top)
                    group["max_momentum"], group["base_momentum"] = top, low
        super().__init__(optimizer, base_lr, max_lr, step_size_up, step_size_down, mode, gamma, scale_fn,
                         scale_mode, last_epoch)

    def _set_momentum(self, group, value):
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def get_lr(self):
        lrs = super().get_lr()
        if self.cycle_momentum:
            epoch = float(self.last_epoch)
            cycle = {@math.floor}(1 + epoch / self.total_step_size)
            x = 1.0 + epoch / self.total_step_size - cycle
            factor = x / self.step_up_ratio if x <= self.step_up_ratio else (x - 1) / (self.step_up_ratio - 1)
            scale = float(self.scale_fn(cycle if self.scale_mode == "cycle" else epoch))
            for group, low, top in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                self._set_momentum(group, top - (top - low) * factor * scale)
        return lrs
''',
    "CosineAnnealingWarmRestarts": '''\
class __NAME__({@mindspore.experimental.optim.lr_scheduler.CosineAnnealingWarmRestarts}):
    """MindSpore's CosineAnnealingWarmRestarts, whose step(epoch) fails past the first restart when T_mult > 1
    (it calls a one-argument log with two): that case places the epoch in its cycle as PyTorch does."""

    def step(self, epoch=None):
        if epoch is None or self.T_mult == 1 or float(epoch) < float(self.T_0):
            return super().step(epoch)
        epoch, first = float(epoch), float(self.T_0)
        n = int({@math.log}(epoch / first * (self.T_mult - 1) + 1, self.T_mult))
        {@mindspore.ops.assign}(self.T_cur, {@mindspore.Tensor}(epoch - first * (self.T_mult ** n - 1) / (self.T_mult - 1), {@mindspore.float32}))
        {@mindspore.ops.assign}(self.T_i, {@mindspore.Tensor}(first * self.T_mult ** n, {@mindspore.float32}))
        {@mindspore.ops.assign}(self.last_epoch, {@mindspore.Tensor}(float({@math.floor}(epoch)), {@mindspore.float32}))
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            {@mindspore.ops.assign}(group["lr"], lr)
        return True
''',
    "jit_isinstance": '''\
def __NAME__(obj, target_type):
    """torch.jit.isinstance run eagerly: isinstance, also through the elements of a container type
    (`List[int]`, `Dict[str, Tensor]`, `Tuple[int, str]`, `Optional[T]`), as PyTorch checks them."""
    import typing
    origin, args = typing.get_origin(target_type), typing.get_args(target_type)
    if origin is None:
        return isinstance(obj, target_type)
    if origin is typing.Union:
        return any(__NAME__(obj, a) for a in args)
    if origin in (list, set, frozenset):
        return isinstance(obj, origin) and all(__NAME__(e, args[0]) for e in obj)
    if origin is dict:
        return isinstance(obj, dict) and all(__NAME__(k, args[0]) and __NAME__(v, args[1]) for k, v in obj.items())
    if origin is tuple:
        return isinstance(obj, tuple) and len(obj) == len(args) and all(__NAME__(e, a) for e, a in zip(obj, args))
    return isinstance(obj, origin)
''',
    "complex_arithmetic": '''\
def __NAME__(a, b, divide):
    """a * b (a / b when `divide`) with PyTorch's promotion: MindSpore 2.10's CPU kernels refuse a complex
    tensor with a real one, so the real tensor is made complex first."""
    if isinstance(a, {@mindspore.Tensor}) and isinstance(b, {@mindspore.Tensor}) and a.is_complex() != b.is_complex():
        if a.is_complex():
            b = b.astype(a.dtype)
        else:
            a = a.astype(b.dtype)
    return a / b if divide else a * b
''',
    "group_tensors_by_device_and_dtype": '''\
def __NAME__(tensorlistlist, with_indices=False):
    """torch.utils._foreach_utils._group_tensors_by_device_and_dtype: the tensors of parallel lists grouped by
    the first list's dtype, as {(device, dtype): (lists, positions)}; MindSpore keeps them on one device."""
    groups = {}
    for i, first in enumerate(tensorlistlist[0]):
        lists, positions = groups.setdefault(("cpu", first.dtype), ([[] for _ in tensorlistlist], []))
        for j, tensors in enumerate(tensorlistlist):
            lists[j].append(tensors[i])
        if with_indices:
            positions.append(i)
    return groups
''',
    "data_value": '''\
def __NAME__(value):
    """`x.data` where msdev cannot tell whether x is a tensor (a loop over another method's parameters): a
    MindSpore tensor is itself, as a Parameter's `.data` is a copy that in-place writes would be lost on;
    any other object keeps its own `data`."""
    return value if isinstance(value, {@mindspore.Tensor}) else value.data
''',
    "clone_value": '''\
def __NAME__(value):
    """`x.clone()` where msdev cannot tell whether x is a tensor: a MindSpore tensor is copied (MindSpore
    2.10's Tensor.clone has no CPU kernel); any other object (a config node) keeps its own clone()."""
    return value.copy() if isinstance(value, {@mindspore.Tensor}) else value.clone()
''',
    "size_value": '''\
def __NAME__(value, *dim):
    """`x.size()` / `x.size(d)` where msdev cannot tell whether x is a tensor: a MindSpore tensor's shape
    (its `size` is the element count, not a method); any other object's own size()."""
    if isinstance(value, {@mindspore.Tensor}):
        return value.shape[dim[0]] if dim else value.shape
    return value.size(*dim)
''',
    "repeat_value": '''\
def __NAME__(value, *repeats):
    """`x.repeat(...)` where msdev cannot tell whether x is a tensor: a MindSpore tensor is tiled (its own
    repeat copies elements, as numpy's does, and has no CPU kernel in 2.10); any other object's repeat()."""
    if isinstance(value, {@mindspore.Tensor}):
        sizes = repeats[0] if len(repeats) == 1 and not isinstance(repeats[0], int) else repeats
        return value.tile(tuple(int(s) for s in sizes))
    return value.repeat(*repeats)
''',
    "Loss": '''\
class __NAME__({@mindspore.nn.Cell}):
    """torch.nn.modules.loss._Loss, the base user losses derive from (monai's DiceLoss, FocalLoss, ...): a Cell
    keeping `reduction` as PyTorch's does, read from the legacy size_average/reduce when they are given."""

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            kept = reduce is None or bool(reduce)
            averaged = size_average is None or bool(size_average)
            reduction = ("mean" if averaged else "sum") if kept else "none"
        self.reduction = reduction
''',
    "WeightedLoss": '''\
class __NAME__({@msdev.Loss}):
    """torch.nn.modules.loss._WeightedLoss: a _Loss holding an optional per-class `weight` tensor."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.weight = weight
''',
    "Optimizer": '''\
class __NAME__({@mindspore.experimental.optim.Optimizer}):
    """Base of a converted custom optimizer (a torch.optim.Optimizer subclass whose step() reads p.grad and
    updates the parameters in place). MindSpore's training step calls optimizer(grads): each gradient is put
    on its parameter as `grad` and step() runs. step() reads every group's lr as the Python float PyTorch
    keeps there (MindSpore's lr schedulers keep a Parameter, which is put back, with step()'s own change)."""

    def construct(self, gradients):
        for param, grad in zip(self.parameters, gradients):
            param.grad = grad
        kept = [group.get("lr") for group in self.param_groups]
        for group, lr in zip(self.param_groups, kept):
            if isinstance(lr, {@mindspore.Tensor}):
                group["lr"] = float(lr)
        try:
            return self.step()
        finally:
            for group, lr in zip(self.param_groups, kept):
                if isinstance(lr, {@mindspore.Tensor}):
                    if group["lr"] != float(lr):
                        {@mindspore.ops.assign}(lr, {@mindspore.Tensor}(group["lr"], lr.dtype))
                    group["lr"] = lr

    def zero_grad(self, set_to_none=True):
        for param in self.parameters:
            param.grad = None

    def _build_single_lr(self, learning_rate, name):
        # PyTorch's base takes any lr (Adafactor's relative step has None); MindSpore's wants a number
        return None if learning_rate is None else super()._build_single_lr(learning_rate, name)

    def _preprocess_weight_decay(self, weight_decay):
        return super()._preprocess_weight_decay(weight_decay) if isinstance(weight_decay, (int, float)) else weight_decay
''',
    "AdamAMSGrad": '''\
class __NAME__({@mindspore.experimental.optim.Optimizer}):
    """torch.optim.Adam / AdamW with amsgrad=True, written out with ops as PyTorch updates: MindSpore's AMSGrad
    kernel keeps the maximum of another second-moment estimate, so its weights drift from PyTorch's.
    decoupled=True is AdamW (the weights shrink by lr * weight_decay before the update)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=True, *,
                 maximize=False, decoupled=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))
        self.decoupled = decoupled
        self.exp_avg = self.parameters.clone(prefix="exp_avg", init="zeros")
        self.exp_avg_sq = self.parameters.clone(prefix="exp_avg_sq", init="zeros")
        self.max_exp_avg_sq = self.parameters.clone(prefix="max_exp_avg_sq", init="zeros")
        self.steps = 0

    def construct(self, gradients):
        self.steps += 1
        for group_id, group in enumerate(self.param_groups):
            lr = float(self.lrs[group_id])
            beta1, beta2 = group["betas"]
            decay, eps = group["weight_decay"], group["eps"]
            step_size = lr / (1 - beta1 ** self.steps)
            root2 = (1 - beta2 ** self.steps) ** 0.5
            for i in range(self.group_start_id[group_id], self.group_start_id[group_id + 1]):
                param, grad = self.parameters[i], gradients[i]
                grad = -grad if group["maximize"] else grad
                if decay and self.decoupled:
                    {@mindspore.ops.assign}(param, param * (1 - lr * decay))
                elif decay:
                    grad = grad + decay * param
                {@mindspore.ops.assign}(self.exp_avg[i], self.exp_avg[i] * beta1 + grad * (1 - beta1))
                {@mindspore.ops.assign}(self.exp_avg_sq[i], self.exp_avg_sq[i] * beta2 + grad * grad * (1 - beta2))
                second = self.exp_avg_sq[i]
                if group["amsgrad"]:
                    {@mindspore.ops.assign}(self.max_exp_avg_sq[i], {@mindspore.ops.maximum}(self.max_exp_avg_sq[i], second))
                    second = self.max_exp_avg_sq[i]
                denom = {@mindspore.ops.sqrt}(second) / root2 + eps
                {@mindspore.ops.assign}(param, param - step_size * self.exp_avg[i] / denom)
        return True
''',
    "Adafactor": '''\
class __NAME__({@mindspore.experimental.optim.Optimizer}):
    """torch.optim.Adafactor, which MindSpore 2.10 lacks, written out as PyTorch updates: the second moment of a
    matrix kept as row and column means (their outer product, over the mean row variance), of a vector in full,
    decaying by step ** beta2_decay; the update, scaled by the RMS of the parameter and the relative step
    min(lr, 1 / sqrt(step)), is clipped to RMS d. weight_decay shrinks the weights first (decoupled)."""

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0,
                 foreach=None, maximize=False):
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                                      maximize=maximize))
        self.steps, self.moments = 0, {}

    def construct(self, gradients):
        self.steps += 1
        step = float(self.steps)
        for group_id, group in enumerate(self.param_groups):
            lr = float(self.lrs[group_id])
            eps1, eps2 = group["eps"]
            keep = step ** group["beta2_decay"]  # the weight of the new square (PyTorch's one_minus_beta2_t)
            rho = min(lr, 1 / step ** 0.5)
            for i in range(self.group_start_id[group_id], self.group_start_id[group_id + 1]):
                param, grad = self.parameters[i], gradients[i]
                grad = -grad if group["maximize"] else grad
                tiny = eps1 if eps1 is not None else float({@numpy.finfo}({@mindspore.dtype_to_nptype}(param.dtype)).eps)
                alpha = max(eps2, float({@mindspore.ops.norm}(param)) / param.size ** 0.5) * rho
                if group["weight_decay"]:
                    {@mindspore.ops.assign}(param, param * (1 - lr * group["weight_decay"]))
                if grad.ndim > 1:
                    row, col = self.moments.get(i, ({@mindspore.ops.zeros}(grad.shape[:-1] + (1,), grad.dtype),
                                                    {@mindspore.ops.zeros}(grad.shape[:-2] + (1, grad.shape[-1]), grad.dtype)))
                    row = row + ((grad * grad).sum(-1, keepdims=True) / grad.shape[-1] - row) * keep
                    col = col + ((grad * grad).sum(-2, keepdims=True) / grad.shape[-2] - col) * keep
                    self.moments[i] = (row, col)
                    estimate = {@mindspore.ops.matmul}(row, col) / row.mean(-2, keep_dims=True).clamp(min=tiny)
                else:
                    variance = self.moments.get(i, {@mindspore.ops.zeros_like}(grad))
                    variance = variance + (grad * grad - variance) * keep
                    self.moments[i] = variance
                    estimate = variance
                update = {@mindspore.ops.rsqrt}(estimate.clamp(min=tiny * tiny)) * grad
                denom = max(1.0, float({@mindspore.ops.norm}(update)) / (update.size ** 0.5 * group["d"]))
                {@mindspore.ops.assign}(param, param - update * (alpha / denom))
        return True
''',
    "HeldGradients": '''\
class __NAME__:
    """The gradients PyTorch keeps on the parameters between backward() and an optimizer's step() made
    elsewhere (every few batches, after an inner loop): held per optimizer, each backward() adding to
    them as PyTorch adds to .grad; step() applies them and keeps them, zero_grad() drops them."""

    held = {@weakref.WeakKeyDictionary}()  # an optimizer gone takes its gradients with it

    @classmethod
    def add(cls, optimizer, grads):
        old = cls.held.get(optimizer)
        cls.held[optimizer] = tuple(grads) if old is None else tuple(a + g for a, g in zip(old, grads))

    @classmethod
    def apply(cls, optimizer):
        grads = cls.held.get(optimizer)
        if grads is not None:  # PyTorch's step() skips parameters without a gradient
            optimizer(grads)

    @classmethod
    def clear(cls, optimizer):
        cls.held.pop(optimizer, None)
''',
    "ParamGroups": '''\
class __NAME__(list):
    """torch.optim's `optimizer.param_groups`: MindSpore keeps each group's learning rate as a 0-d Parameter
    that the optimizer and its schedulers update in place, so a value read from it would change later and is
    not a number; here a read of "lr" gives a Python float as PyTorch does, and a write updates the Parameter."""

    class Group(dict):
        def __init__(self, group):
            super().__init__(group)
            self.group = group

        def __getitem__(self, key):
            value = self.group[key]
            return float(value) if key in ("lr", "initial_lr") and isinstance(value, {@mindspore.Tensor}) else value

        def get(self, key, default=None):
            return self[key] if key in self.group else default

        def __setitem__(self, key, value):
            held = self.group.get(key)
            if isinstance(held, {@mindspore.Parameter}) and not isinstance(value, {@mindspore.Tensor}):
                {@mindspore.ops.assign}(held, {@mindspore.Tensor}(value, held.dtype))  # set_data is not seen by a compiled step
            else:
                self.group[key] = value
            super().__setitem__(key, value)

    def __init__(self, optimizer):
        super().__init__(self.Group(g) for g in optimizer.param_groups)
''',
    "LBFGS": '''\
class __NAME__:
    """torch.optim.LBFGS, which MindSpore 2.10 lacks. step(closure) evaluates the closure with the gradients
    of what it returns (mindspore.value_and_grad over the parameters) and runs PyTorch's iteration: a search
    direction from the last history_size curvature pairs (two-loop recursion), then a fixed step of lr (the
    first one of the run scaled by 1 / sum|g|) or, with line_search_fn="strong_wolfe", PyTorch's strong-Wolfe
    line search (cubic interpolation, bracketing and zoom), and PyTorch's stopping tests, in float32; the
    parameters are written back with set_data. The closure's backward() goes; as in PyTorch, each evaluation's
    gradients add up to the last ones until zero_grad() (in the closure or around step()) drops them."""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-07, tolerance_change=1e-09,
                 history_size=100, line_search_fn=None):
        if line_search_fn not in (None, "strong_wolfe"):
            raise RuntimeError("only 'strong_wolfe' is supported")
        self.params = tuple(params)
        self.lr, self.max_iter, self.history_size = lr, max_iter, history_size
        self.max_eval = max_iter * 5 // 4 if max_eval is None else max_eval
        self.tolerance_grad, self.tolerance_change = tolerance_grad, tolerance_change
        self.line_search_fn = line_search_fn
        self.param_groups = [dict(params=list(self.params), lr=lr, max_iter=max_iter, max_eval=self.max_eval,
                                  tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                                  history_size=history_size, line_search_fn=line_search_fn)]
        self.state = {"func_evals": 0, "n_iter": 0}
        self._held = None  # the gradients backward() would have added up in .grad since zero_grad()

    def _evaluate(self, closure):
        loss, grads = {@mindspore.value_and_grad}(closure, None, self.params)()
        flat = {@numpy.concatenate}([g.asnumpy().reshape(-1) for g in grads]).astype("float32")
        if self._held is not None:  # no zero_grad() since the last evaluation (it runs inside the closure)
            flat = self._held + flat
        self._held = flat
        return loss, flat.copy()

    def _move(self, t, d):
        offset = 0
        for p in self.params:
            n = p.size
            value = p.asnumpy() + ({@numpy.float32}(t) * d[offset:offset + n]).reshape(p.shape)
            p.set_data({@mindspore.Tensor}(value.astype(p.asnumpy().dtype)))
            offset += n

    def _restore(self, values):
        for p, value in zip(self.params, values):
            p.set_data({@mindspore.Tensor}(value))

    def zero_grad(self, set_to_none=True):
        self._held = None
        return None

    @staticmethod
    def _cubic(x1, f1, g1, x2, f2, g2, bounds=None):
        f32 = {@numpy.float32}
        low, high = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
        d1 = f32(g1 + g2 - f32(3 * (f1 - f2) / (x1 - x2)))
        d2_square = f32(d1 ** 2 - g1 * g2)
        if d2_square >= 0:
            d2 = f32({@numpy.sqrt}(d2_square))
            if x1 <= x2:
                pos = f32(x2 - (x2 - x1) * f32((g2 + d2 - d1) / (g2 - g1 + 2 * d2)))
            else:
                pos = f32(x1 - (x1 - x2) * f32((g1 + d2 - d1) / (g1 - g2 + 2 * d2)))
            return min(max(pos, low), high)
        return (low + high) / 2.0

    def _strong_wolfe(self, evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, max_ls=25):
        """PyTorch's _strong_wolfe: a step t along d meeting the strong Wolfe conditions."""
        f32 = {@numpy.float32}
        d_norm = abs(d).max()
        f_new, g_new = evaluate(t, d)
        evals, gtd_new = 1, f32(g_new.dot(d))
        t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
        done, ls_iter = False, 0
        while ls_iter < max_ls:
            if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
                bracket, bracket_f, bracket_g, bracket_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]
                break
            if abs(gtd_new) <= -c2 * gtd:
                bracket, bracket_f, bracket_g, done = [t], [f_new], [g_new], True
                break
            if gtd_new >= 0:
                bracket, bracket_f, bracket_g, bracket_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]
                break
            bounds = (t + 0.01 * (t - t_prev), t * 10)
            t_prev, t = t, self._cubic(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=bounds)
            f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
            f_new, g_new = evaluate(t, d)
            evals, gtd_new = evals + 1, f32(g_new.dot(d))
            ls_iter += 1
        if ls_iter == max_ls:
            bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]
        insufficient = False
        low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
        while not done and ls_iter < max_ls:
            if abs(bracket[1] - bracket[0]) * d_norm < self.tolerance_change:
                break
            t = self._cubic(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
            eps = 0.1 * (max(bracket) - min(bracket))
            if min(max(bracket) - t, t - min(bracket)) < eps:
                if insufficient or t >= max(bracket) or t <= min(bracket):
                    t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                    insufficient = False
                else:
                    insufficient = True
            else:
                insufficient = False
            f_new, g_new = evaluate(t, d)
            evals, gtd_new = evals + 1, f32(g_new.dot(d))
            ls_iter += 1
            if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:
                bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = t, f_new, g_new, gtd_new
                low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
            else:
                if abs(gtd_new) <= -c2 * gtd:
                    done = True
                elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                    bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                    bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
                bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = t, f_new, g_new, gtd_new
        return bracket_f[low], bracket_g[low], bracket[low], evals

    def step(self, closure):
        f32 = {@numpy.float32}
        st = self.state
        orig_loss, g = self._evaluate(closure)
        loss = float(orig_loss)
        evals = 1
        st["func_evals"] += 1
        if abs(g).max() <= self.tolerance_grad:
            return orig_loss
        d, t, dirs, stps = st.get("d"), st.get("t"), st.get("old_dirs"), st.get("old_stps")
        ro, h_diag, prev_g, prev_loss = st.get("ro"), st.get("H_diag"), st.get("prev_flat_grad"), st.get("prev_loss")
        n_iter = 0
        while n_iter < self.max_iter:
            n_iter += 1
            st["n_iter"] += 1
            if st["n_iter"] == 1:
                d, dirs, stps, ro, h_diag = -g, [], [], [], f32(1)
            else:
                y, s = g - prev_g, d * f32(t)
                ys = f32(y.dot(s))
                if ys > 1e-10:  # keep the pair only when the curvature is positive
                    if len(dirs) == self.history_size:
                        dirs.pop(0), stps.pop(0), ro.pop(0)
                    dirs.append(y), stps.append(s), ro.append(f32(1) / ys)
                    h_diag = ys / f32(y.dot(y))
                q, alphas = -g, [None] * len(dirs)
                for i in range(len(dirs) - 1, -1, -1):
                    alphas[i] = f32(stps[i].dot(q)) * ro[i]
                    q = q - alphas[i] * dirs[i]
                d = q * h_diag
                for i in range(len(dirs)):
                    d = d + (alphas[i] - f32(dirs[i].dot(d)) * ro[i]) * stps[i]
            prev_g, prev_loss = g.copy(), loss
            t = min(f32(1), f32(1) / f32(abs(g).sum())) * f32(self.lr) if st["n_iter"] == 1 else self.lr
            gtd = f32(g.dot(d))
            if gtd > -self.tolerance_change:
                break
            if self.line_search_fn is not None:
                start = [p.asnumpy().copy() for p in self.params]

                def evaluate(step, direction):
                    self._move(step, direction)
                    value, grad = self._evaluate(closure)
                    self._restore(start)
                    return float(value), grad

                loss, g, t, used = self._strong_wolfe(evaluate, t, d, loss, g, gtd,
                                                      max_ls=self.max_eval - evals)
                self._move(t, d)
                evals += used
                st["func_evals"] += used
            else:
                self._move(t, d)
                if n_iter != self.max_iter:
                    value, g = self._evaluate(closure)
                    loss = float(value)
                    evals += 1
                    st["func_evals"] += 1
            if n_iter == self.max_iter or evals >= self.max_eval or abs(g).max() <= self.tolerance_grad:
                break
            if abs(d * f32(t)).max() <= self.tolerance_change or abs(loss - prev_loss) < self.tolerance_change:
                break
        st.update(d=d, t=t, old_dirs=dirs, old_stps=stps, ro=ro, H_diag=h_diag, prev_flat_grad=prev_g,
                  prev_loss=prev_loss)
        return orig_loss
''',
    "add_module": '''\
def __NAME__(parent, name, child):
    """torch.nn.Module.add_module on a layer of a type known only at run time: the child is set as an
    attribute (its parameters then carry its name, as PyTorch's state_dict keys do), and a SequentialCell,
    which runs only its cell_list, also gets it there."""
    setattr(parent, name, child)
    if isinstance(parent, {@mindspore.nn.SequentialCell}):
        parent.cell_list = list(parent.name_cells().values())
''',
    "GradMode": '''\
class __NAME__:
    """torch.no_grad / enable_grad / inference_mode used as a value (a context or decorator chosen at run
    time), and set_grad_enabled(mode): MindSpore records gradients only inside mindspore.grad /
    value_and_grad, so outside them the mode changes no value. Only the flag is kept, for is_grad_enabled():
    set_grad_enabled(mode) sets it when made and when entered, and restores it on exit, as PyTorch's does.
    Called, it gives itself, or the function it decorates."""
    enabled = True

    def __init__(self, mode=None):
        self.mode, self.previous = mode, type(self).enabled
        if mode is not None:
            type(self).enabled = bool(mode)

    def __enter__(self):
        if self.mode is not None:
            type(self).enabled = bool(self.mode)
        return None

    def __exit__(self, *exc):
        if self.mode is not None:
            type(self).enabled = self.previous
        return False

    def __call__(self, fn=None):
        return self if fn is None else fn
''',
}

DEFINITIONS.update(CONV_DEFINITIONS)
DEFINITIONS.update(DISTRIBUTION_DEFINITIONS)
DEFINITIONS.update(VISION_DEFINITIONS)
DEFINITIONS.update(SPECIAL_DEFINITIONS)
