"""einops on MindSpore tensors: the converted file gets its own small implementation.

Vision-transformer code reshapes with einops (`rearrange(t, 'b n (h d) -> b h n d', h=8)`,
`Rearrange('b c (h p1) (w p2) -> b (h w) (p1 p2 c)', ...)` inside a Sequential, `repeat`,
`reduce`, `pack`/`unpack`). einops has no MindSpore backend, so after conversion those calls fail on the first
tensor. A module-level `import einops` / `from einops[.layers.torch] import ...` is replaced by
the definitions below (reshape, transpose, reduce and broadcast on the tensor, the pattern read
when the call runs, as einops does) and the imported names are bound to them, so every call site,
including ones built from variables, keeps working unchanged and the file needs no einops.
"""

from __future__ import annotations

import ast
import re

from .file_definitions import DEFINITIONS
from .source import Edit, SourceText

_FUNCTIONS = '''\
import functools as _einops_functools

import mindspore as _einops_ms


@_einops_functools.lru_cache(maxsize=512)
def _einops_groups(side):
    """One side of an einops pattern: (axis names, written in parentheses) per dimension. '1' and
    '()' have no names; each number is an axis of its own of that length."""
    groups, current = [], None
    for i, token in enumerate(side.replace("(", " ( ").replace(")", " ) ").split()):
        name = f"{token}:{i}" if token.isdigit() else token
        if token == "(":
            current = []
        elif token == ")":
            groups.append((tuple(current), True))
            current = None
        elif current is not None:
            if token != "1":
                current.append(name)
        else:
            groups.append(((), False) if token == "1" else ((name,), False))
    return tuple(groups)


def _einops_expand(groups, dots):
    out = []
    for names, composed in groups:
        if names == ("...",) and not composed:
            out.extend((name,) for name in dots)
        elif "..." in names:
            i = names.index("...")
            out.append(names[:i] + dots + names[i + 1:])
        else:
            out.append(names)
    return out


def _einops_apply(x, pattern, reduction, sizes):
    """What einops computes for `pattern` (msdev: written for MindSpore tensors)."""
    if isinstance(x, (list, tuple)):
        x = _einops_ms.ops.stack(list(x))
    left_text, right_text = pattern.split("->")
    left, right = _einops_groups(left_text.strip()), _einops_groups(right_text.strip())
    shape = tuple(x.shape)
    dots = tuple(f"...{i}" for i in range(len(shape) - len(left) + 1)) if (("...",), False) in left else ()
    left, right = _einops_expand(left, dots), _einops_expand(right, dots)
    if len(left) != len(shape):
        raise ValueError(f"einops pattern {pattern!r} names {len(left)} dimensions, the tensor has {len(shape)}")
    known = {name: int(size) for name, size in sizes.items()}
    known.update((name, int(name.partition(":")[0])) for group in left + right for name in group if name[0].isdigit())
    for dim, group in zip(shape, left):
        unknown = [name for name in group if name not in known]
        rest = 1
        for name in group:
            rest *= known.get(name, 1)
        if len(unknown) > 1:
            raise ValueError(f"einops pattern {pattern!r}: give the size of all but one of {group}")
        if unknown:
            known[unknown[0]] = dim // rest
    names = [name for group in left for name in group]
    if any(len(group) != 1 for group in left):
        x = x.reshape(tuple(known[name] for name in names))
    wanted = [name for group in right for name in group]
    reduced = [name for name in names if name not in wanted]
    if reduced:
        axes = tuple(names.index(name) for name in reduced)
        x = _einops_reduce_axes(x, axes, reduction)
        names = [name for name in names if name not in reduced]
    kept = [name for name in wanted if name in names]
    order = tuple(names.index(name) for name in kept)
    if order != tuple(range(len(order))):
        x = _einops_ms.ops.transpose(x, order)
    if len(kept) != len(wanted):  # repeat: new axes are broadcast
        x = x.reshape(tuple(known[name] if name in names else 1 for name in wanted))
        x = _einops_ms.ops.broadcast_to(x, tuple(known[name] for name in wanted))
    out = []
    for group in right:
        size = 1
        for name in group:
            size *= known[name]
        out.append(size)
    return x if tuple(out) == tuple(x.shape) else x.reshape(tuple(out))


def _einops_reduce_axes(x, axes, reduction):
    if callable(reduction):
        return reduction(x, axes)
    if reduction == "mean":
        return x.mean(axis=axes)
    if reduction == "sum":
        return x.sum(axis=axes)
    if reduction == "max":
        return _einops_ms.ops.amax(x, axes)
    if reduction == "min":
        return _einops_ms.ops.amin(x, axes)
    if reduction == "prod":
        for axis in sorted(axes, reverse=True):
            x = x.prod(axis)
        return x
    if reduction == "any":
        return x.any(axes)
    if reduction == "all":
        return x.all(axes)
    raise ValueError(f"einops reduction {reduction!r} is not supported")


def _einops_rearrange(tensor, pattern, **axes_lengths):
    return _einops_apply(tensor, pattern, None, axes_lengths)


def _einops_repeat(tensor, pattern, **axes_lengths):
    return _einops_apply(tensor, pattern, None, axes_lengths)


def _einops_reduce(tensor, pattern, reduction, **axes_lengths):
    return _einops_apply(tensor, pattern, reduction, axes_lengths)


def _einops_parse_shape(x, pattern):
    return {name: size for name, size in zip(pattern.split(), x.shape) if name != "_"}


def _einops_star(pattern):
    """Where the one '*' of a pack pattern sits, and how many named axes follow it."""
    names = pattern.split()
    if names.count("*") != 1:
        raise ValueError(f"einops pack pattern {pattern!r} needs exactly one '*'")
    star = names.index("*")
    return star, len(names) - star - 1


def _einops_pack(tensors, pattern):
    """einops.pack: the axes under '*' flattened into one, the tensors joined along it."""
    star, after = _einops_star(pattern)
    flat, shapes = [], []
    for t in tensors:
        shape = tuple(t.shape)
        middle = shape[star:len(shape) - after]
        size = 1
        for n in middle:
            size *= n
        shapes.append(middle)
        flat.append(t.reshape(shape[:star] + (size,) + shape[len(shape) - after:]))
    return (flat[0] if len(flat) == 1 else _einops_ms.ops.cat(flat, axis=star)), shapes


def _einops_unpack(tensor, packed_shapes, pattern):
    """einops.unpack: the '*' axis split back into the shapes pack recorded."""
    star, _ = _einops_star(pattern)
    shape = tuple(tensor.shape)
    sizes = []
    for middle in packed_shapes:
        size = 1
        for n in middle:
            size *= n
        sizes.append(size)
    parts = [tensor] if len(sizes) == 1 else _einops_ms.ops.split(tensor, sizes, axis=star)
    return [p.reshape(shape[:star] + tuple(middle) + shape[star + 1:]) for p, middle in zip(parts, packed_shapes)]


def _einops_einsum(*tensors_and_pattern):
    """einops.einsum: the pattern comes last and names axes with words ('b i d, b j d -> b i j'); each
    word becomes a letter of an einsum equation, computed as torch.einsum's conversion computes it."""
    *tensors, pattern = tensors_and_pattern
    letters = {}

    def side(text):
        return "".join(name if name == "..." else letters.setdefault(name, "abcdefghijklmnopqrstuvwxyz"[len(letters)])
                       for name in text.split())

    left, _, right = pattern.partition("->")
    return _einops_einsum_letters(",".join(map(side, left.split(","))) + "->" + side(right), *tensors)
''' + "\n\n" + re.sub(r"\{@mindspore\.([\w.]+)\}", r"_einops_ms.\1", DEFINITIONS["einsum"]).replace(
    "__NAME__", "_einops_einsum_letters")

_LAYERS = '''

class _EinopsRearrange(_einops_ms.nn.Cell):
    def __init__(self, pattern, **axes_lengths):
        super().__init__()
        self.pattern, self.axes_lengths = pattern, axes_lengths

    def construct(self, x):
        return _einops_apply(x, self.pattern, None, self.axes_lengths)


class _EinopsReduce(_einops_ms.nn.Cell):
    def __init__(self, pattern, reduction, **axes_lengths):
        super().__init__()
        self.pattern, self.reduction, self.axes_lengths = pattern, reduction, axes_lengths

    def construct(self, x):
        return _einops_apply(x, self.pattern, self.reduction, self.axes_lengths)
'''

#: einops name → the definition above that takes its place
FUNCTIONS = {"rearrange": "_einops_rearrange", "repeat": "_einops_repeat", "reduce": "_einops_reduce",
             "parse_shape": "_einops_parse_shape", "pack": "_einops_pack", "unpack": "_einops_unpack",
             "einsum": "_einops_einsum"}
LAYERS = {"Rearrange": "_EinopsRearrange", "Reduce": "_EinopsReduce"}
_MODULE = "\n\nclass _einops_module:\n" + "".join(
    f"    {name} = staticmethod({impl})\n" for name, impl in FUNCTIONS.items())


def _bindings(stmt: ast.stmt) -> list[tuple[str, str]] | None:
    """(local name, definition) for an einops import msdev can replace; None if it cannot."""
    if isinstance(stmt, ast.Import):
        if all(a.name == "einops" for a in stmt.names):
            return [(a.asname or "einops", "_einops_module") for a in stmt.names]
        return None
    if isinstance(stmt, ast.ImportFrom) and not stmt.level:
        table = FUNCTIONS if stmt.module == "einops" else LAYERS if stmt.module == "einops.layers.torch" else None
        if table is None or any(a.name not in table for a in stmt.names):
            return None
        return [(a.asname or a.name, table[a.name]) for a in stmt.names]
    return None


def _imports_einops(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Import):
        return any(a.name == "einops" or a.name.startswith("einops.") for a in stmt.names)
    return isinstance(stmt, ast.ImportFrom) and bool(stmt.module) and (
        stmt.module == "einops" or stmt.module.startswith("einops."))


def einops_edits(src: SourceText, tree: ast.Module) -> tuple[list[Edit], list[str]]:
    """Replace the file's module-level einops imports with MindSpore definitions (edits, notes)."""
    if "einops" not in src.text:
        return [], []
    statements = [s for s in tree.body if _imports_einops(s)]
    if not statements:
        return [], []
    plans = [(s, _bindings(s)) for s in statements]
    if any(b is None for _, b in plans):
        names = ", ".join(sorted({src.text[slice(*src.span(s))] for s, b in plans if b is None}))
        return [], [f"einops is imported in a form msdev does not replace ({names}): einops has no "
                    "MindSpore backend, so its calls fail on MindSpore tensors"]
    used = {impl for _, bindings in plans for _, impl in bindings}
    block = _FUNCTIONS + (_LAYERS if used & set(LAYERS.values()) else "") + (
        _MODULE if "_einops_module" in used else "")
    edits = []
    for i, (stmt, bindings) in enumerate(plans):
        s, e = src.span(stmt)
        lines = "\n".join(f"{local} = {impl}" for local, impl in bindings if local != impl)
        text = (block + "\n\n" + lines if i == 0 else lines) or "pass"
        edits.append(Edit(s, e, text))
    return edits, ["einops calls run through definitions written into this file (einops has no MindSpore backend)"]
