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
    "ParameterList": '''\
class __NAME__({@mindspore.nn.Cell}):
    """torch.nn.ParameterList: a list whose tensors are parameters of the cell, named by position
    ("0", "1", ...) as PyTorch names them, so checkpoints, optimizers and gradients see them."""

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
        return self._params[self._position(index)]

    def __setitem__(self, index, value):
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
