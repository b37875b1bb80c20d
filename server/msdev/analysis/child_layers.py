"""Layers assigned through a child (rule MS229): `model.heads.head = nn.Linear(...)`.

MindSpore names a cell's parameters when the cell is assigned, after the attribute it is assigned
to and nothing above it: the new head's weight is `head.weight`, where PyTorch's state_dict and a
checkpoint converted from it say `heads.head.weight`, so `load_param_into_net` leaves it
unloaded (and `save_checkpoint` writes the short name). Renaming the root's parameters after their
paths right after the assignment restores PyTorch's names; rewrite/child_layers.py writes that.
"""

from __future__ import annotations

import ast

from ..findings import Status
from ..rules.statement_rules import STATEMENT_RULES

_RULE = next(r for r in STATEMENT_RULES if r.code == "MS229")
#: how MS229 findings report: the rule's record in rules/statement_rules.py
CHILD_LAYER_NAME = _RULE.name
CHILD_LAYER_STATUS = Status(_RULE.status)


def child_assignment_root(target: ast.Attribute | ast.Subscript) -> str | None:
    """The name at the root of `root.child[.more].attr` (or `root.child[i]`), whose parameters are renamed."""
    node = target.value
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None
