"""Fix of rule MS229: after a layer is assigned through a child, the root's parameters are renamed
after their paths (the why is in analysis/child_layers.py); a root that is no Cell (a trainer object
holding the model) is left alone."""

from __future__ import annotations

from ..analysis.child_layers import child_assignment_root
from ..findings import Finding
from .fixes import FindingRewrite
from .source import Edit


def rewrite_child_layer(rewriter, finding: Finding, facts) -> FindingRewrite:
    node = finding.node
    target = node.targets[0]
    root = child_assignment_root(target)
    # `; ` keeps the statement one line, which a one-line `if ...: a.b.c = layer` needs
    rename = rewriter.namer.render("msdev.path_names")
    text = f"{rewriter.rendered(target)} = {rewriter.rendered(node.value)}; {rename}({root})"
    span = rewriter.src.span(node)
    return FindingRewrite(finding, [Edit(span[0], span[1], text)], True, [], span)
