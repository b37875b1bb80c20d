"""Convolution hyper-parameters changed after the layer is built.

segmentation-models-pytorch turns an encoder's strides into dilations by assigning `stride`,
`dilation` and `padding` on every `nn.Conv2d` it finds (`if isinstance(m, nn.Conv2d): m.stride =
(1, 1)`). PyTorch reads those attributes on every call; MindSpore's Conv2d reads them once, when it
builds its `conv2d` primitive, so the assignments alone change nothing and the network's output
shrinks. The converted block rebuilds the primitive from the attributes after the last assignment
(as Conv2d's own constructor does), and a PyTorch (h, w) padding becomes MindSpore's four pads.
"""

from __future__ import annotations

import ast

from ..findings import Finding
from .source import Edit, SourceText

CONV2D = "torch.nn.Conv2d"
_HYPER = ("stride", "padding", "dilation")


def conv_rebuild_edits(src: SourceText, nodes: list[ast.AST], findings: list[Finding], converted: set[int],
                       render) -> list[Edit]:
    """Edits for every `if isinstance(m, nn.Conv2d):` block that assigns m.stride/padding/dilation.
    `render(api)`: how the converted file names a MindSpore API (binds its import; called only when needed)."""
    conv_refs = {id(f.node) for f in findings if f.torch_api == CONV2D and id(f) in converted}
    edits = []
    for node in nodes:
        if not isinstance(node, ast.If):
            continue
        name = _narrowed_to_conv(node.test, conv_refs)
        if name is None:
            continue
        changed = [s for s in node.body if isinstance(s, ast.Assign) and len(s.targets) == 1
                   and isinstance(s.targets[0], ast.Attribute) and s.targets[0].attr in _HYPER
                   and isinstance(s.targets[0].value, ast.Name) and s.targets[0].value.id == name]
        if not changed:
            continue
        for stmt in changed:
            if stmt.targets[0].attr == "padding":
                text = src.segment(stmt.value)
                pairs = text if isinstance(stmt.value, ast.Tuple) else \
                    f"(({text},) * 2 if isinstance({text}, int) else {text})"
                edits.append(Edit(src.start(stmt.value), src.end(stmt.value),
                                  f"tuple(p for p in {pairs} for _ in (0, 1))"))
        conv2d_op = render("mindspore.ops.Conv2D")
        last = changed[-1]
        indent = " " * last.col_offset
        m = name
        edits.append(Edit(src.end(last), src.end(last),
                          f"\n{indent}{m}.conv2d = {conv2d_op}(out_channel={m}.out_channels, kernel_size={m}.kernel_size, "
                          f"mode=1, pad_mode={m}.pad_mode, pad={m}.padding, stride={m}.stride, dilation={m}.dilation, "
                          f"group={m}.group, data_format={m}.data_format)  # msdev: MindSpore's Conv2d reads these "
                          f"attributes only when it builds its primitive"))
    return edits


def _narrowed_to_conv(test: ast.AST, conv_refs: set[int]) -> str | None:
    if (isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance"
            and len(test.args) == 2 and isinstance(test.args[0], ast.Name) and id(test.args[1]) in conv_refs):
        return test.args[0].id
    return None
