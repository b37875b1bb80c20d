"""Layers built in a program that draws from numpy's global random generator.

MindSpore's weight initializers take their seeds from numpy's global generator
(`mindspore.common.initializer` draws one `np.random.randint` per initialized weight); PyTorch's
never touch numpy. A program that seeds numpy, builds a layer and then draws its own numbers
(`np.random.seed(42); attn = nn.MultiheadAttention(...); p.data = np.random.random(...)`) gets other
numbers after conversion. In a file that uses numpy's random module, every layer is built between a
save and a restore of numpy's generator state, so the program's own draws are PyTorch's.
"""

from __future__ import annotations

import ast
import re

from ..findings import Kind
from .source import Edit

_NUMPY_RANDOM = re.compile(r"\b(?:np|numpy)\.random\b|^\s*from\s+numpy(?:\.random)?\s+import\b.*\b(?:random|seed)\b",
                           re.M)


def draws_numpy_random(text: str) -> bool:
    """Whether the source uses numpy's random module (by `np.random` / `numpy.random` or an import)."""
    return _NUMPY_RANDOM.search(text) is not None


def keep_numpy_state(rewriter, finding, result) -> None:
    """Wrap a converted layer construction so that numpy's generator leaves it as it found it."""
    entry = finding.entry
    if finding.kind != Kind.CALL or entry is None or entry.kind != "class" or entry.returns != "module":
        return
    call = rewriter.call_of(finding.node)
    if call is None or result.span != rewriter.src.span(call) or not rewriter.numpy_random:
        return
    state = rewriter.namer.render("numpy.random")
    start, end = result.span
    result.edits.insert(0, Edit(start, start, f"(lambda s_, m_: ({state}.set_state(s_), m_)[1])({state}.get_state(), "))
    result.edits.append(Edit(end, end, ")"))
    result.notes.append("built between a save and a restore of numpy's random state: MindSpore's initializers "
                        "draw their seeds from it, PyTorch's do not")
