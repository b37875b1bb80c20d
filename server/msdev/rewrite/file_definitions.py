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
}
