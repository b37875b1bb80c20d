"""Blocks emptied by the rewrite: each removal keeps its own block valid when it is the only
statement there (rewrite/imports.py `statement_removal`), but several removals side by side
(a function body of `torch.onnx.register_custom_op_symbolic(...)` calls, an `if` of `.cuda()`
lines) can empty a block together. The converted file must still parse, so such a block gets
`pass`."""

from __future__ import annotations

import ast
import bisect
import collections
import itertools

from .source import Edit, SourceText, text_with_edits
from ..textlines import split_lines

_BLOCKS = ("body", "orelse", "finalbody")
#: the nodes that hold statements (expressions never do)
_HOLDERS = (ast.stmt, ast.excepthandler, ast.match_case)


def statements_in(node: ast.AST):
    """The statements of `node`'s subtree, itself included, in the order `ast.walk` yields them,
    without visiting the expressions (most of the tree)."""
    queue = collections.deque([node])
    while queue:
        n = queue.popleft()
        if isinstance(n, ast.stmt):
            yield n
        for name in n._fields:
            value = getattr(n, name, None)
            if value.__class__ is list:
                queue.extend(item for item in value if isinstance(item, _HOLDERS))


def emptied_block_passes(src: SourceText, tree: ast.Module, edits) -> list[Edit]:
    """Insertions of `pass` for every block whose statements the edits (a list or an EditLog)
    all remove."""
    removals = [e for e in edits if e.start < e.end and not e.text.strip()]
    out: list[Edit] = []
    # an EditLog answers "which edits lie inside this span" without a scan of all edits per statement
    inside = edits.within if hasattr(edits, "within") else (
        lambda s, e: [d for d in edits if s <= d.start and d.end <= e])
    # what lets most statements be answered without a scan: the removals sorted by start with the
    # furthest end among those starting up to each, and where any edit starts
    by_start = sorted((r.start, r.end) for r in removals)
    removal_starts = [a for a, _ in by_start]
    removal_reach = list(itertools.accumulate((b for _, b in by_start), max))
    edit_starts = {d.start for d in edits}

    def removed(stmt: ast.stmt) -> Edit | None:
        """The edit that removes `stmt` whole, or a zero-width anchor when inner edits empty it."""
        s, e = src.span(stmt)
        i = bisect.bisect_right(removal_starts, s)
        if i and removal_reach[i - 1] >= e:  # some removal covers the statement: the first one listed
            for r in removals:
                if r.start <= s and e <= r.end:
                    return r
        if s not in edit_starts:
            return None  # no edit starts at its first token: it keeps it (see below)
        inner = inside(s, e)
        if not inner or all(d.start != s for d in inner):
            # its first token is left as it is, so its first line is not blank: no need to build
            # the edited text (which, for a class or function, is most of the file again per level)
            return None
        left = text_with_edits(src.text, s, e, inner)
        if all(not line.strip() or line.lstrip().startswith("#") for line in split_lines(left)):
            return Edit(s, s, "")
        return None

    # a block inside a statement that no edit reaches cannot be emptied: such statements are not
    # visited (sorted edit starts, and the furthest end among the edits starting up to each)
    spans = sorted((d.start, d.end) for d in edits)
    starts = [a for a, _ in spans]
    reach = list(itertools.accumulate((b for _, b in spans), max))

    def touched(node: ast.AST) -> bool:
        s, e = src.span(node)
        i = bisect.bisect_right(starts, e)
        return i > 0 and reach[i - 1] >= s

    def visit(node: ast.AST) -> None:
        if not touched(node):
            return
        blocks = [getattr(node, f, None) for f in _BLOCKS]
        blocks += [h.body for h in getattr(node, "handlers", None) or []]
        blocks += [c.body for c in getattr(node, "cases", None) or []]
        for block in blocks:
            if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
                continue
            gone = [removed(s) for s in block]
            if all(gone):
                first = gone[0]
                s = src.span(block[0])[0]
                if first.start < s and src.text[first.start:s].strip() == "" \
                        and src.line_start(s) == first.start:
                    out.append(Edit(first.start, first.start, src.indent_at(s) + "pass\n"))
                else:
                    out.append(Edit(first.start, first.start, "pass"))
                continue  # nothing inside is left to visit
            for stmt, g in zip(block, gone):
                if g is None:
                    visit(stmt)

    for stmt in tree.body:  # an empty module is valid: only the blocks inside need a statement
        visit(stmt)
    return out
