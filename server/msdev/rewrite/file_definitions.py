"""Small definitions a mapping template asks for by `{@msdev.NAME}`, written once into the converted file.

Some PyTorch objects have no MindSpore counterpart of the same kind: `nn.Unfold` is a Module (so
it sits in `nn.Sequential`), while MindSpore's PyTorch-style unfold is only a function; the fields
of `torch.finfo` are Python numbers, while `numpy.finfo` gives NumPy scalars that MindSpore ops such
as `masked_fill` refuse. A template names the definition (`{@msdev.FunctionCell}(...)`); the namer
gives it a free local name and the converted file gets its source after the imports, so the output
needs no msdev at run time. `{@...}` inside a definition is rendered like a template's.
"""

from __future__ import annotations

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
    "finfo": '''\
class __NAME__:
    """torch.finfo: the limits of a float dtype as Python numbers (numpy.finfo's are NumPy scalars)."""

    def __init__(self, type=None):
        info = {@numpy.finfo}({@mindspore.dtype_to_nptype}(type) if type is not None else {@numpy.float32})
        self.dtype = type
        self.bits = int(info.bits)
        for field in ("max", "min", "eps", "tiny", "resolution"):
            setattr(self, field, float(getattr(info, field)))
        self.smallest_normal = self.tiny
''',
}
