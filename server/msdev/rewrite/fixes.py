"""The rewrite of one finding: the single implementation behind quick fixes, `convert` and `db verify`.

`Rewriter.rewrite(finding)` returns the edits for one PyTorch use (callee renamed, arguments
mapped, templates applied, Tensor methods renamed or turned into functions) or raises
CannotRewrite with the reason a human must step in.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from ..analysis.context import FileContext
from ..analysis.context import index_tree as tree_index
from ..db.loader import Database
from ..db.model import Entry, Target
from ..findings import MEMBER_KINDS, Finding, Kind, Status
from .calls import CallRewrite, CannotRewrite, rewrite_arguments
from .naming import Namer
from .source import Edit, SourceText, text_with_edits

#: `{name}`, `{name=default source}` (optional argument), `{@mindspore.x}` (a name to import)
PLACEHOLDER = re.compile(r"\{(@?[A-Za-z_][\w.]*)(?:=([^{}]*))?\}")


@dataclass
class FindingRewrite:
    finding: Finding
    edits: list[Edit]
    safe: bool = True
    notes: list[str] = field(default_factory=list)
    span: tuple[int, int] = (0, 0)  # the source range this rewrite covers (for nesting)
    read: set[int] = field(default_factory=set)  # ids of accepted edits its text was built from


def index_tree(tree: ast.AST) -> tuple[list[ast.AST], dict[int, ast.AST]]:
    """Every node (in `ast.walk` order) and each node's parent, from one pass over the tree:
    the conversion's passes share them instead of walking the tree again each."""
    return tree_index(tree)


class Rewriter:
    """Rewrites findings of one parsed file, spelling targets through `namer`."""

    def __init__(self, src: SourceText, tree: ast.Module, db: Database, profile: str, namer: Namer,
                 index: tuple[list[ast.AST], dict[int, ast.AST]] | None = None,
                 context: FileContext | None = None):
        self.src = src
        self.tree = tree
        self.db = db
        self.profile = profile
        self.namer = namer
        #: the file's shared analysis (finder findings, name-flow facts, node index), when known
        self.context = context if context is not None and context.tree is tree else None
        if index is None and self.context is not None:
            index = self.context.index
        self.nodes, self.parents = index or index_tree(tree)
        self.done: list[Edit] = []  # edits of inner rewrites already accepted (convert mode)
        self._read: set[int] = set()  # ids of `done` edits the current rewrite has read

    # ------------------------------------------------------------------ helpers
    def call_of(self, node: ast.AST) -> ast.Call | None:
        parent = self.parents.get(id(node))
        if isinstance(parent, ast.Call) and parent.func is node:
            return parent
        return None

    def statement_of(self, node: ast.AST) -> ast.stmt:
        while not isinstance(node, ast.stmt):
            node = self.parents[id(node)]
        return node

    def rendered(self, node: ast.AST) -> str:
        """Source of a node as it reads after the inner rewrites already accepted."""
        s, e = self.src.span(node)
        self._read.update(id(d) for d in self.done if s <= d.start and d.end <= e)
        return text_with_edits(self.src.text, s, e, self.done)

    def target_for(self, finding: Finding) -> tuple[Entry, Target]:
        entry = finding.entry
        if entry is None:
            raise CannotRewrite("msdev's database has no entry for it; see the MindSpore API mapping tables")
        target = entry.target(self.profile)
        if target.status in (Status.UNSUPPORTED, Status.UNKNOWN) or (target.api is None and not target.templates):
            raise CannotRewrite(target.reason or entry.summary or "MindSpore has no counterpart")
        if target.status == Status.MANUAL:
            raise CannotRewrite(target.reason or entry.summary or "needs a manual rewrite")
        return entry, target

    # ------------------------------------------------------------------ dispatch
    def rewrite(self, finding: Finding) -> FindingRewrite:
        self._read = set()
        if finding.pattern:  # statement-level rules (training loops, data, device, hazards)
            from .patterns import rewrite_pattern

            result = rewrite_pattern(self, finding)
        else:
            result = self._rewrite(finding)
        result.read = self._read
        return result

    def _rewrite(self, finding: Finding) -> FindingRewrite:
        entry, target = self.target_for(finding)
        node = finding.node
        call = self.call_of(node)
        if target.templates == [""]:
            return self._removal(finding, call or node)
        if finding.kind == Kind.LAYER_ATTRIBUTE:
            end = self.src.end(node)
            new_name = finding.mindspore_api.rsplit(".", 1)[-1]
            return FindingRewrite(finding, [Edit(end - len(node.attr), end, new_name)], True, [], (end - len(node.attr), end))
        if finding.kind in MEMBER_KINDS:
            result = self._tensor_member(finding, node, call, entry, target)
        elif call is not None and finding.kind in (Kind.CALL, Kind.DECORATOR):
            result = self._call(finding, node, call, entry, target)
        else:
            result = self._reference(finding, node, entry, target)
        if target.status == Status.PARTIAL:
            result.safe = False
        if target.reason and target.status in (Status.PARTIAL, Status.DEFAULT_DIFF, Status.ARG_DIFF):
            result.notes.append(target.reason)
        return result

    def _call(self, finding, func, call: ast.Call, entry: Entry, target: Target) -> FindingRewrite:
        span = self.src.span(call)
        if target.templates:
            return self._template(finding, call, entry, target, receiver=None, span=span)
        rw = rewrite_arguments(self.src, call, entry, target)
        fs, fe = self.src.span(func)
        new_callee = self.namer.render(target.api)
        edits = list(rw.edits)
        if new_callee != self.src.text[fs:fe]:
            edits.append(Edit(fs, fe, new_callee))
        return FindingRewrite(finding, edits, rw.safe, rw.notes, span)

    def _reference(self, finding, node, entry: Entry, target: Target) -> FindingRewrite:
        if target.templates and finding.kind == Kind.REFERENCE and entry.kind == "attribute":
            return self._template(finding, node, entry, target, receiver=None, span=self.src.span(node))
        s, e = self.src.span(node)
        notes = []
        safe = True
        if target.api is None:
            raise CannotRewrite(target.reason or "only whole calls can be rewritten")
        if entry.kind in ("function", "class") and target.differing_args() and finding.kind == Kind.REFERENCE:
            safe = False
            notes.append(f"{entry.api} is referenced, not called: its arguments differ in {target.api}; "
                         "check the call sites")
        return FindingRewrite(finding, [Edit(s, e, self.namer.render(target.api))], safe, notes, (s, e))

    def _tensor_member(self, finding, node: ast.Attribute, call, entry: Entry, target: Target) -> FindingRewrite:
        is_call = finding.kind != Kind.TENSOR_ATTRIBUTE and call is not None
        span = self.src.span(call if is_call else node)
        if target.templates:
            if isinstance(node.ctx, ast.Store):
                raise CannotRewrite(f"assigning to {entry.api} has no automatic rewrite ({target.reason or entry.summary})")
            return self._template(finding, call if is_call else node, entry, target, receiver=node.value, span=span)
        if target.api is None:
            raise CannotRewrite(target.reason or "no MindSpore counterpart")
        leaf = target.api.rsplit(".", 1)[-1]
        edits: list[Edit] = []
        rw = CallRewrite()
        if is_call:
            rw = rewrite_arguments(self.src, call, entry, target, skip_first_param=True)
            edits.extend(rw.edits)
        attr_end = self.src.end(node)
        attr_start = attr_end - len(node.attr)
        if target.call_style == "function" and is_call:
            # x.foo(a) → ops.foo(x, a)
            receiver = self.rendered(node.value)
            rs, _ = self.src.span(node.value)
            paren = self.src.text.find("(", attr_end)
            sep = ", " if (call.args or call.keywords) else ""
            edits.append(Edit(rs, paren + 1, f"{self.namer.render(target.api)}({receiver}{sep}"))
        elif leaf != node.attr:
            edits.append(Edit(attr_start, attr_end, leaf))
        return FindingRewrite(finding, edits, rw.safe, rw.notes, span)

    def _removal(self, finding, node: ast.AST) -> FindingRewrite:
        """An empty template: the use goes. Only a decorator can go without breaking its line."""
        parent = self.parents.get(id(node))
        if not (isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and any(d is node for d in parent.decorator_list)):
            raise CannotRewrite(f"{finding.torch_api} can be removed only where it is a decorator")
        text = self.src.text
        s, e = self.src.span(node)
        line_start = text.rfind("\n", 0, s) + 1
        line_end = text.find("\n", e)
        line_end = len(text) if line_end < 0 else line_end + 1
        rest = text[e:line_end].strip()
        if text[line_start:s].strip() != "@" or (rest and not rest.startswith("#")):
            raise CannotRewrite(f"{finding.torch_api}: the decorator shares its line with other code")
        return FindingRewrite(finding, [Edit(line_start, line_end, "")], True, [], (line_start, line_end))

    # ------------------------------------------------------------------ templates
    def _template(self, finding, node: ast.AST, entry: Entry, target: Target, receiver, span) -> FindingRewrite:
        values: dict[str, str] = {}
        if receiver is not None:
            values["self"] = self.rendered(receiver)
        if isinstance(node, ast.Call):
            params = list(entry.params or [])
            if receiver is not None and params and params[0] in ("self", "input"):
                params = params[1:]
            # only the slots before `*` / `*name` take positional arguments: one past them (the size
            # form `torch.Tensor(2, 3)`) is a form no template was written for, never a dropped value
            positional = next((params[:i] for i, p in enumerate(params) if p.startswith("*")), params)
            for i, arg in enumerate(node.args):
                if isinstance(arg, ast.Starred):
                    raise CannotRewrite("arguments passed through *args cannot be matched")
                if i >= len(positional):
                    raise CannotRewrite(f"this form of {entry.api} ({len(node.args)} positional arguments) "
                                        f"has no automatic rewrite")
                values[positional[i]] = self.rendered(arg)
            for kw in node.keywords:
                if kw.arg is None:
                    raise CannotRewrite("arguments passed through ** cannot be matched")
                values[kw.arg] = self.rendered(kw.value)
        passed = set(values) - {"self"}
        for template in target.templates:
            found = [(m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(template)]
            known = {n for n, _ in found if not n.startswith("@")}
            wanted = {n for n, default in found if not n.startswith("@") and default is None}
            if not wanted <= set(values) or not passed <= known | _ignorable(target):
                continue
            text = PLACEHOLDER.sub(
                lambda m: self.namer.render(m.group(1)[1:]) if m.group(1).startswith("@")
                else values.get(m.group(1), m.group(2)), template)
            if isinstance(self.parents.get(id(node)), (ast.Attribute, ast.Subscript, ast.Call)) and _needs_parens(text):
                text = f"({text})"
            s, e = span
            return FindingRewrite(finding, [Edit(s, e, text)], True, [], span)
        raise CannotRewrite(f"this form of {entry.api} has no automatic rewrite "
                            f"({target.reason or 'see the difference note'})")


def _ignorable(target: Target) -> set[str]:
    """Arguments a template may silently drop (declared with `drop` in the argument map)."""
    return {name for name, spec in target.args.items() if spec.drop}


def _needs_parens(text: str) -> bool:
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return True
    return isinstance(node, (ast.BinOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.UnaryOp, ast.Lambda))
