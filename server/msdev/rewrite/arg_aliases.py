"""PyTorch's numpy-style keyword aliases: its argument parser takes `axis=` for `dim=`, `keepdims=` for
`keepdim=`, `x=` (or `a=`, `x1=`) for `input=` and `x2=` for `other=` in the functions and Tensor methods it binds
(`x.sum(axis=1, keepdims=True)`, `torch.cat(ts, axis=0)`). The rewrite reads such a keyword as the
parameter it stands for, so it is mapped (and renamed) as that parameter would be."""

from __future__ import annotations

#: alias keyword → the PyTorch parameter it names
NUMPY_ALIASES = {"axis": "dim", "keepdims": "keepdim", "x": "input", "a": "input", "x1": "input", "x2": "other"}


def torch_keyword(name: str | None, params) -> str | None:
    """The PyTorch parameter a keyword names: itself when the signature has it, else the parameter
    its numpy-style alias stands for when the signature has that one."""
    if name is None or not params or name in params:
        return name
    target = NUMPY_ALIASES.get(name)
    return target if target is not None and target in params else name
