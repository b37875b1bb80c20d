"""Fixes of the statement-level rules (analysis/patterns.py): one function per rule code.

`rewrite_pattern(rewriter, finding)` is called by `Rewriter.rewrite` for every finding with a
`pattern`, so quick fixes, fix-all and `msdev convert` apply the same edits. A rule without a
safe rewrite for the use at hand raises CannotRewrite with the advice, and `convert` marks the
statement with `# msdev: [UnConvert]`. The training-step, data and runtime rewrites live in
rewrite/training.py, rewrite/data.py and rewrite/runtime.py.
"""

from __future__ import annotations

import ast

from ..analysis.context import FileContext
from ..analysis.finder import Finder
from ..analysis.patterns import EXPLAIN, Facts, facts_of
from ..findings import Finding
from .calls import CannotRewrite
from .fixes import FindingRewrite


def facts_for(rewriter) -> Facts:
    """The file's name-flow facts: those detection derived, from the Rewriter's FileContext;
    only a Rewriter made without one (an editor fix on a bare tree) runs the finder again."""
    facts = getattr(rewriter, "_pattern_facts", None)
    if facts is None:
        context = rewriter.context
        if context is None:
            context = FileContext(rewriter.src.text, rewriter.tree, index=(rewriter.nodes, rewriter.parents))
            context.raw = Finder(rewriter.db, rewriter.profile, rewriter.src.text).run(rewriter.tree)
        if context.facts is None:
            if context.raw is None:
                context.raw = Finder(rewriter.db, rewriter.profile, rewriter.src.text).run(rewriter.tree)
            context.facts = facts_of(rewriter.tree, context.raw, context)
        facts = context.facts
        rewriter._pattern_facts = facts
    return facts


def rewrite_pattern(rewriter, finding: Finding) -> FindingRewrite:
    from . import child_layers, data, gradients, operators, runtime, slicing, training

    handler = {
        "MS200": training.rewrite_training,
        "MS201": data.rewrite_dataloader, "MS202": data.rewrite_dataset_base, "MS203": data.rewrite_iteration,
        "MS204": runtime.rewrite_device, "MS205": runtime.rewrite_no_grad, "MS206": runtime.rewrite_checkpoint,
        "MS207": runtime.rewrite_parameters, "MS208": runtime.rewrite_label_dtype,
        "MS209": runtime.rewrite_format, "MS220": runtime.rewrite_inplace, "MS223": runtime.rewrite_jit,
        "MS224": runtime.rewrite_amp, "MS226": runtime.rewrite_numpy, "MS227": slicing.rewrite_stepped_slice,
        "MS228": operators.rewrite_operator, "MS229": child_layers.rewrite_child_layer,
        "MS230": gradients.rewrite_gradient, "MS231": gradients.rewrite_gradient,
        "MS232": gradients.rewrite_gradient,
    }.get(finding.pattern)
    if handler is None:
        raise CannotRewrite(_advice(finding))
    return handler(rewriter, finding, facts_for(rewriter))


def _advice(finding: Finding) -> str:
    return EXPLAIN[finding.pattern].replace("`", "").split(". ")[0]


def fix_title(finding: Finding) -> str:
    return finding.explanation


# ---------------------------------------------------------------------------- text helpers
def reindent(text: str, old: str, new: str) -> str:
    """Lines after the first move from indent `old` to `new` (the first line has no indent)."""
    lines = text.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        if line.startswith(old):
            out.append(new + line[len(old):])
        elif line.strip() == "":
            out.append(line)
        else:
            out.append(line)  # inside a multi-line string or continuation: keep as written
    return "\n".join(out)


def leading_comments(src, stmt: ast.stmt, previous_end: int) -> list[str]:
    """Comment lines between the previous statement and this one (kept with the statement)."""
    start = src.line_start(src.start(stmt))
    chunk = src.text[previous_end:start]
    return [line.strip() for line in chunk.split("\n") if line.strip().startswith("#")]


def is_noop_assign(text: str) -> bool:
    """`a, b = a, b` (what device moves leave behind)."""
    try:
        node = ast.parse(text.strip()).body
    except SyntaxError:
        return False
    if len(node) != 1 or not isinstance(node[0], ast.Assign) or len(node[0].targets) != 1:
        return False
    return ast.dump(_loadify(node[0].targets[0])) == ast.dump(node[0].value)


def _loadify(node: ast.AST) -> ast.AST:
    text = ast.unparse(node)
    return ast.parse(text, mode="eval").body


def unique_name(rewriter, base: str, scope: ast.AST | None = None) -> str:
    """`base`, or `base_2`, … when the scope (a function, else the module) already uses it."""
    scope = scope if scope is not None else rewriter.tree
    registry = getattr(rewriter, "_pattern_names", None)
    if registry is None:
        registry = rewriter._pattern_names = {}
    used = registry.get(id(scope))
    if used is None:
        used = {n.id for n in ast.walk(scope) if isinstance(n, ast.Name)}
        used |= {n.name for n in ast.walk(scope) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        used |= {n.name for n in rewriter.tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        used |= {n.id for n in ast.walk(rewriter.tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                 and rewriter.parents.get(id(n)) in rewriter.tree.body}
        used |= rewriter.namer.taken
        registry[id(scope)] = used
    name = base
    k = 2
    while name in used:
        name = f"{base}_{k}"
        k += 1
    used.add(name)
    return name
