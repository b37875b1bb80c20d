"""Definitions for torch.special functions MindSpore has no kernel for, written out in the converted file
(see file_definitions.py for how a template asks for one)."""

from __future__ import annotations

SPECIAL_DEFINITIONS = {
    "recurrence_polynomial": '''\
def __NAME__(x, n, first, step):
    """A torch.special orthogonal polynomial of degree n (chebyshev_*, hermite_*, laguerre_l, legendre_p) by its
    three-term recurrence P(k+1) = step(x, P(k-1), P(k), k), from P(0) = 1 and P(1) = first(x). The degree may
    be a Python int, a 0-d tensor or a tensor of degrees broadcast with x (each element takes its own degree);
    a negative degree gives 0, as in PyTorch."""
    if not isinstance(n, {@mindspore.Tensor}) or n.ndim == 0:
        n = int(n)
        if n < 0:
            return {@mindspore.ops.zeros_like}(x)
        previous, current = {@mindspore.ops.ones_like}(x), first(x)
        if n == 0:
            return previous
        for k in range(1, n):
            previous, current = current, step(x, previous, current, k)
        return current
    shape = tuple({@numpy.broadcast_shapes}(tuple(x.shape), tuple(n.shape)))
    x, n = {@mindspore.ops.broadcast_to}(x, shape), {@mindspore.ops.broadcast_to}(n, shape)
    previous, current = {@mindspore.ops.ones_like}(x), first(x)
    out = {@mindspore.ops.where}(n == 0, previous, {@mindspore.ops.zeros_like}(x))
    out = {@mindspore.ops.where}(n == 1, current, out)
    for k in range(1, int(n.max())):
        previous, current = current, step(x, previous, current, k)
        out = {@mindspore.ops.where}(n == k + 1, current, out)
    return out
''',
}
