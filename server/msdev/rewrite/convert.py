"""Whole-file conversion and single quick fixes, both built from `Rewriter`.

`convert_text` rewrites every finding it can (innermost first, so an outer rewrite sees its
arguments already converted), renames `forward` to `construct` in Cell subclasses, turns torch
imports into MindSpore imports, and marks what it could not convert with a
`# msdev: [UnConvert] ...` comment above the statement. The result carries the minimal edits
from input to output, which is what the language server sends for "fix all".
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterable

from ..analysis.child_layers import child_assignment_root
from ..analysis.engine import parse_source
from ..analysis.context import FileContext
from ..analysis.finder import analyse_tree, find_uses
from ..analysis.project import ModuleContext
from ..analysis.star_imports import torch_star_modules
from ..db.loader import Database
from ..findings import AUTOMATIC, MEMBER_KINDS, Finding, Fix, Kind, Status, TextEdit
from .adapters import definition_class, exact_type_edits
from .autograd import apply_call_sites, autograd_findings, derived_classes, rewrite_function_class
from .blocks import emptied_block_passes, statements_in
from .buffer_aliases import buffer_alias_edits, registered_buffers
from .calls import CannotRewrite, rewrite_arguments
from .layer_state import conv_rebuild_edits
from .containers import (any_cell_values_fix, children_dict_edits, class_name_edits, dtype_text_edits, module_dict_subclasses, sequential_children_fix,
                         sequential_subclasses)
from .editlog import EditLog, Spans
from .einops_runtime import einops_edits
from .loop_data import loop_data_edits
from .numpy_index import numpy_index_edits
from .index_tails import index_tail_edits
from .builtin_dtypes import builtin_dtype_edits, rebound_types
from .fixes import FindingRewrite, Rewriter, index_tree
from .layer_aliases import alias_edits
from .layer_init import (UNIFORM_LAYERS, NORM_LAYERS, narrowed_reset_edits, overridden_reset_edits,
                         reset_parameters_edits, shiftless_norm_edits)
from .imports import (MODULE_MAP, bound_names, existing_mindspore_bindings, import_lines_edit, insertion_point,
                      render_statement, statement_removal, torch_import_bindings)
from .naming import Namer
from .verdict import record_verdicts
from .source import Edit, SourceText, apply_edits

UNCONVERT_TAG = "# msdev: [UnConvert]"


@dataclass
class Outcome:
    """What happened to one PyTorch use during conversion."""

    finding: Finding
    converted: bool
    reason: str = ""  # why not converted, or what a human should check
    notes: list[str] = field(default_factory=list)
    safe: bool = True


@dataclass
class Conversion:
    source: str
    text: str
    outcomes: list[Outcome]
    edits: list[TextEdit]
    notes: list[str] = field(default_factory=list)  # file-level remarks (device selection, …)

    @property
    def converted(self) -> int:
        return sum(1 for o in self.outcomes if o.converted)

    @property
    def unconverted(self) -> int:
        return sum(1 for o in self.outcomes if not o.converted)

    @property
    def changed(self) -> bool:
        return self.text != self.source


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _source_path(node: ast.AST, parents: dict[int, ast.AST] | None = None) -> str:
    """The dotted name as written (`torch.fft.rfft`) of an attribute chain, or of the chain a Name
    starts (walking up `parents`)."""
    if parents is not None:
        while isinstance(parents.get(id(node)), ast.Attribute):
            node = parents[id(node)]
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else ""


def _unneeded_submodule(alias: ast.alias, bindings, needed_paths: set[str]) -> bool:
    """`import torch.fft` when the file also has `import torch` and no unconverted code reaches
    `torch.fft`: the remaining PyTorch code needs `torch` only, so this import goes (in a
    `try: import torch.fft ... except ImportError:` feature test it would send the converted module
    down PyTorch's fallback)."""
    if alias.asname is not None or "." not in alias.name:
        return False
    root = alias.name.split(".", 1)[0]
    if not any(b.alias.name == root and b.alias.asname is None for b in bindings):
        return False
    return not any(p == alias.name or p.startswith(alias.name + ".") for p in needed_paths)


_CELL_BASES = ("torch.nn.",)


def is_model_class(api: str) -> bool:
    """A model class of torchvision (`torchvision.models.resnet.ResNet`), not a weights enum."""
    leaf = api.rpartition(".")[2]
    return api.startswith("torchvision.models.") and leaf[:1].isupper() and not leaf.endswith("Weights")


def cell_classes(nodes: list[ast.AST], findings: list[Finding], converted: set[int],
                 imported_cells: Iterable[str] = ()) -> list[ast.ClassDef]:
    """Classes that become Cells: converted nn.* bases, their subclasses in the same file, and
    subclasses of Cells other modules of the package define (`imported_cells`)."""
    direct = {id(f.node) for f in findings if f.kind == Kind.BASE_CLASS and id(f) in converted
              and f.torch_api.startswith(_CELL_BASES)}
    # smp's `class ResNetEncoder(torchvision.models.resnet.ResNet, ...)`: a Cell once torchvision is converted too
    direct |= {id(f.node) for f in findings if f.kind == Kind.BASE_CLASS and is_model_class(f.torch_api)}
    imported_cells = set(imported_cells)
    classes = [n for n in nodes if n.__class__ is ast.ClassDef]
    direct |= {id(b) for n in classes for b in n.bases if isinstance(b, ast.Name) and b.id in imported_cells}
    cells: dict[str, ast.ClassDef] = {}
    changed = True
    while changed:
        changed = False
        for cls in classes:
            if cls.name in cells:
                continue
            for base in cls.bases:
                if id(base) in direct or (isinstance(base, ast.Name) and base.id in cells):
                    cells[cls.name] = cls
                    changed = True
                    break
    return list(cells.values())


_CONTAINERS = ("ModuleList", "Sequential", "ModuleDict")
_GROWING = ("append", "extend", "insert", "add_module", "register_module", "update")
_NAMED_GROWING = ("add_module", "register_module")
PARAMETER_NAMES_FIX = ("self.update_parameters_name()  # msdev: cells added to a child after it was "
                       "assigned lack its prefix in MindSpore's parameter names; this restores them")


def parameter_names_fix(src: SourceText, cls: ast.ClassDef, context: FileContext | None = None) -> list[Edit]:
    """MindSpore names a cell's parameters after the attribute it was assigned to, at that moment, and
    only that: cells added to a container after the container was assigned to `self`
    (`self.blocks.append(...)`), and cells or parameters assigned through a child
    (`self.roi_heads.mask_head = ...`, `self.head[1] = ...`) are named without the child's prefix
    (`0.conv.weight` instead of `blocks.0.conv.weight`), so checkpoints would not load. Renaming every
    parameter after its path at the end of `__init__` restores PyTorch's names (a parent adds its own
    prefix later). With the file's `context`, `__init__` is walked for growing calls only when it calls
    a growing method at all."""
    init = next((i for i in cls.body if isinstance(i, ast.FunctionDef) and i.name == "__init__"), None)
    if init is None or not init.body or not init.args.args:
        return []
    me = init.args.args[0].arg
    if not (_assigned_through_child(init, me) or _grown_container(src, init, me, context)):
        return []
    end = after_trailing_comment(src, src.end(init.body[-1]))
    indent = " " * init.body[0].col_offset
    return [Edit(end, end, f"\n{indent}{PARAMETER_NAMES_FIX.replace('self.', me + '.', 1)}")]


def _assigned_through_child(init: ast.FunctionDef, me: str) -> bool:
    """`self.child.name = value` or `self.child[i] = value` in `__init__`, the value a new object or a name
    (`self.roi_heads.mask_head = mask_head`); a value read off another attribute ties a parameter
    (`self.decoder.weight = self.encoder.weight`), whose name stays."""
    for node in statements_in(init):
        if node.__class__ is ast.Assign and isinstance(node.value, (ast.Call, ast.Name)):
            for target in node.targets:
                if (isinstance(target, (ast.Attribute, ast.Subscript)) and isinstance(target.value, ast.Attribute)
                        and child_assignment_root(target) == me):
                    return True
    return False


def _grown_container(src: SourceText, init: ast.FunctionDef, me: str, context: FileContext | None) -> bool:
    """A container assigned to `self` in `__init__` and grown afterwards (`self.blocks.append(...)`)."""
    start = min([src.start(init)] + [src.start(d) for d in init.decorator_list])
    end = src.end(init)
    if all(src.text.find(name, start, end) < 0 for name in _GROWING):
        return False  # no growing call can be in a text that does not name one
    if context is not None and not any(context.inside(init, context.attributes(name)) for name in _GROWING):
        return False
    containers = set()
    for node in statements_in(init):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, (ast.Attribute, ast.Name))
                and (getattr(node.value.func, "attr", None) or getattr(node.value.func, "id", "")) in _CONTAINERS):
            for t in node.targets:
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == me:
                    containers.add(t.attr)
    # a named child added to any attribute (`self.features.add_module(...)`) is named without its prefix too
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in _GROWING
               and isinstance(n.func.value, ast.Attribute)
               and (n.func.value.attr in containers or n.func.attr in _NAMED_GROWING)
               and isinstance(n.func.value.value, ast.Name) and n.func.value.value.id == me
               for n in ast.walk(init))


def after_trailing_comment(src: SourceText, end: int) -> int:
    """Where a line added after the statement ending at `end` goes: past the comment that ends the
    statement's line (`self.fast = fast  # FIXME ...`), so the comment stays with its statement."""
    stop = min((i for i in (src.text.find("\n", end), src.text.find("\r", end)) if i >= 0), default=len(src.text))
    return stop if src.text[end:stop].lstrip().startswith("#") else end


TRAINING_MODE_FIX = "self.set_train(True)  # msdev: PyTorch modules start in training mode, Cells do not"


def training_mode_fix(src: SourceText, cls: ast.ClassDef) -> list[Edit]:
    """PyTorch builds every module in training mode; a Cell starts in eval mode. Setting it at the
    end of `__init__` reaches the cells created there (set_train walks the children that exist), and
    each subclass's own `__init__` ends with it too, after its extra children."""
    init = next((i for i in cls.body if isinstance(i, ast.FunctionDef) and i.name == "__init__"), None)
    if init is None or not init.body or not init.args.args or isinstance(init.body[-1], ast.Return):
        return []
    me = init.args.args[0].arg
    end = after_trailing_comment(src, src.end(init.body[-1]))
    indent = " " * init.body[0].col_offset
    return [Edit(end, end, f"\n{indent}{TRAINING_MODE_FIX.replace('self.', me + '.', 1)}")]


def forward_to_construct(src: SourceText, cls: ast.ClassDef, context: FileContext | None = None) -> list[Edit]:
    """`def forward` → `def construct`, and `self.forward(...)` / `super().forward(...)` calls
    (found through the file's `context` when given, instead of walking the class)."""
    edits = []
    for item in cls.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == "forward":
            if any(isinstance(i, ast.FunctionDef) and i.name == "construct" for i in cls.body):
                continue
            # the node starts at `def` (decorators come before it): the name follows
            name_pos = src.text.find("forward", src.offset(item.lineno, item.col_offset))
            edits.append(Edit(name_pos, name_pos + len("forward"), "construct"))
    candidates = ast.walk(cls) if context is None else context.inside(cls, context.attributes("forward"))
    for node in candidates:
        if (isinstance(node, ast.Attribute) and node.attr == "forward"
                and (isinstance(node.value, ast.Name) and node.value.id == "self"
                     or isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
                     and node.value.func.id == "super")):
            end = src.end(node)
            edits.append(Edit(end - len("forward"), end, "construct"))
    return edits


def forward_assignment_edits(src: SourceText, nodes: list[ast.AST], cells: bool) -> list[Edit]:
    """`model.forward = types.MethodType(forward, model)` (pretrainedmodels patches torchvision's
    networks this way): a Cell runs `construct`, so the patched method is set under that name.
    Only in files that define or use Cells (`cells`), where such an assignment targets a network."""
    if not cells:
        return []
    edits = []
    for node in nodes:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Attribute) and t.attr == "forward" and isinstance(t.ctx, ast.Store):
                    end = src.end(t)
                    edits.append(Edit(end - len("forward"), end, "construct"))
    return edits


#: functions reading an attribute by the name in their second argument
_ATTRIBUTE_BY_NAME = frozenset({"getattr", "hasattr", "setattr", "delattr", "getattr_static"})


def forward_name_edits(src: SourceText, calls: list[ast.AST], compares: list[ast.AST], cells: bool) -> list[Edit]:
    """The string 'forward' naming a network's method (`getattr_static(cls, "forward")`, `hasattr(m, "forward")`,
    `"forward" in cls.__dict__`: kornia's augmentations copy their forward per class) names `construct`, the
    method a Cell runs. Only in files that define or use Cells (`cells`); other strings 'forward' stay."""
    if not cells or "forward" not in src.text:
        return []
    named = []
    for call in calls:
        func = call.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name in _ATTRIBUTE_BY_NAME and len(call.args) >= 2:
            named.append(call.args[1])
    for cmp in compares:
        if (len(cmp.ops) == 1 and isinstance(cmp.ops[0], (ast.In, ast.NotIn))
                and isinstance(cmp.comparators[0], ast.Attribute) and cmp.comparators[0].attr == "__dict__"):
            named.append(cmp.left)
    return [Edit(*src.span(n), repr("construct")) for n in named
            if isinstance(n, ast.Constant) and n.value == "forward"]


#: a norm layer's settings a MindSpore BatchNorm reads only when it is built
_NORM_SETTINGS = ("eps", "momentum")


def norm_setting_edits(src: SourceText, nodes: list[ast.AST], cells: bool, render) -> list[Edit]:
    """`m.eps = 1e-3; m.momentum = 0.03` on the layers of a built network (ultralytics' initialize_weights
    walks model.modules()): MindSpore's BatchNorm keeps the values it was built with, so the assignment
    becomes msdev's norm_setting, which builds its kernels again (and sets the attribute on anything
    else). Only in files that define or use Cells, and not on `self` (a class's own attribute)."""
    if not cells or not any(f".{name}" in src.text for name in _NORM_SETTINGS):
        return []
    edits = []
    for node in nodes:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        if not (isinstance(target, ast.Attribute) and target.attr in _NORM_SETTINGS
                and isinstance(target.value, (ast.Name, ast.Attribute))):
            continue
        if isinstance(target.value, ast.Name) and target.value.id == "self":
            continue
        if not isinstance(node.value, (ast.Constant, ast.Name, ast.Attribute, ast.UnaryOp, ast.BinOp)):
            continue  # a number or a name, written again as it is (no rewrite inside it to keep)
        owner, value = (src.text[src.start(n):src.end(n)] for n in (target.value, node.value))
        edits.append(Edit(*src.span(node), f"{render('msdev.norm_setting')}({owner}, {target.attr!r}, {value})"))
    return edits


def private_children_edits(src: SourceText, cls: ast.ClassDef, context: FileContext | None = None) -> list[Edit]:
    """`self._modules` (PyTorch's ordered dict of sub-modules) is `self._cells` on a Cell (found
    through the file's `context` when given, instead of walking the class)."""
    edits = []
    for node in ast.walk(cls) if context is None else context.inside(cls, context.attributes("_modules")):
        if (isinstance(node, ast.Attribute) and node.attr == "_modules" and isinstance(node.value, ast.Name)
                and node.value.id == "self"):
            end = src.end(node)
            edits.append(Edit(end - len("_modules"), end, "_cells"))
    return edits


def subclass_rewrites(src: SourceText, nodes: list[ast.AST], findings: list[Finding], converted: set[int],
                      profile: str, rewriter: Rewriter | None = None) -> list[Edit]:
    """Subclasses of a mapped PyTorch class: `super().__init__(...)` gets the base's argument map,
    and `self.<attr>` reads of renamed attributes follow MindSpore's names (`groups` → `group`)."""
    edits: list[Edit] = []
    parents = {id(c): n for n in nodes if isinstance(n, ast.ClassDef) for c in n.bases}
    for f in findings:
        cls = parents.get(id(f.node))
        if f.kind != Kind.BASE_CLASS or id(f) not in converted or cls is None or f.entry is None:
            continue
        entry, target = f.entry, f.entry.target(profile)
        has_init = any(isinstance(i, ast.FunctionDef) and i.name == "__init__" for i in cls.body)
        if not has_init and rewriter is not None and target.differing_args():
            # `class Linear(nn.Linear)` without __init__: its callers pass PyTorch's arguments
            name = rewriter.adapter_name(entry, target)
            if name is not None:
                bs, be = src.span(f.node)
                rewriter.done.discard_within(bs, be, lambda d: True)
                edits.append(Edit(bs, be, name))
        context = rewriter.context if rewriter is not None else None
        calls = ast.walk(cls) if context is None else context.inside(cls, context.select(_CALL))
        base_inits = []
        for node in calls:
            if isinstance(node, ast.Call) and _is_super_init(node, f.node):
                statement = rewriter.parents.get(id(node)) if rewriter is not None else None
                if isinstance(statement, ast.Expr):
                    base_inits.append(statement)
                call = node
                if _is_explicit_base_init(node):  # Base.__init__(self, ...): skip `self`
                    call = ast.Call(func=node.func, args=node.args[1:], keywords=node.keywords)
                    ast.copy_location(call, node)
                try:
                    edits.extend(rewrite_arguments(src, call, entry, target, forwarded=True).edits)
                    edits.extend(_kept_attributes(src, node, call, entry, target, rewriter))
                except CannotRewrite:
                    # values known only at run time (track_running_stats=flag): derive from the adapter,
                    # which maps the arguments when the class is built (rewrite/adapters.py)
                    name = rewriter.adapter_name(entry, target) if rewriter is not None else None
                    if name is not None:
                        bs, be = src.span(f.node)
                        rewriter.done.discard_within(bs, be, lambda d: True)
                        edits.append(Edit(bs, be, name))
        if rewriter is not None:
            edits.extend(reset_parameters_edits(src, cls, f.torch_api, rewriter.namer.render))
            edits.extend(overridden_reset_edits(src, cls, f.torch_api, base_inits))
            edits.extend(shiftless_norm_edits(src, cls, f.torch_api, rewriter.namer.render))
    return edits


def subclass_attribute_edits(src: SourceText, nodes: list[ast.AST], findings: list[Finding],
                             profile: str, rewriter: Rewriter | None = None,
                             imported_layers: dict[str, str] | None = None) -> list[Edit]:
    """`self.<attr>` in a subclass of a mapped PyTorch layer follows MindSpore's attribute names
    (`self.weight` → `self.gamma` in a LayerNorm subclass), also a subclass of a subclass, in this
    file or imported from another module of the package (`imported_layers`: local name → torch
    layer). Made before the other rewrites, so a rewrite around such a read
    (`F.layer_norm(x, ..., self.weight)`) reads the new name."""
    edits: list[Edit] = []
    classes = [n for n in nodes if isinstance(n, ast.ClassDef)]
    parents = {id(c): n for n in classes for c in n.bases}
    layer_of: dict[int, object] = {}  # id(ClassDef) → the mapped layer's entry
    by_name: dict[str, object] = {}
    for f in findings:
        cls = parents.get(id(f.node))
        if f.kind == Kind.BASE_CLASS and cls is not None and f.entry is not None:
            layer_of.setdefault(id(cls), f.entry)
    direct = set(layer_of)  # classes deriving from the PyTorch layer itself: they get the aliases
    for name, path in (imported_layers or {}).items():
        entry = rewriter.db.entries.get(path) if rewriter is not None else None
        if entry is not None:
            by_name[name] = entry
    for cls in classes:
        if id(cls) in layer_of:
            by_name.setdefault(cls.name, layer_of[id(cls)])
    changed = True
    while changed:  # `class LayerNorm2dNoBias(LayerNorm2d)`, `LayerNorm2d(LayerNormTorchArgs)`, ...
        changed = False
        for cls in classes:
            first = cls.bases[0] if cls.bases else None
            if id(cls) not in layer_of and isinstance(first, ast.Name) and first.id in by_name:
                layer_of[id(cls)] = by_name[first.id]
                by_name.setdefault(cls.name, layer_of[id(cls)])
                changed = True
    for cls in classes:
        entry = layer_of.get(id(cls))
        if entry is None:
            continue
        target = entry.target(profile)
        if target.api is None or not target.attributes:
            continue
        if id(cls) in direct:
            edits.extend(alias_edits(src, cls, target.attributes))
        context = rewriter.context if rewriter is not None else None
        for node in ast.walk(cls) if context is None else context.inside(cls, context.select(_ATTRIBUTE)):
            if (isinstance(node, ast.Attribute) and node.attr in target.attributes
                    and isinstance(node.value, ast.Name) and node.value.id == "self"):
                end = src.end(node)
                edits.append(Edit(end - len(node.attr), end, target.attributes[node.attr]))
    return edits


_CALL = frozenset({ast.Call})
_NAME = frozenset({ast.Name})
_NAME_OR_ATTRIBUTE = frozenset({ast.Name, ast.Attribute})
_ASSIGNMENTS = frozenset({ast.Assign, ast.AnnAssign})
_COMPARES = frozenset({ast.Compare})
_IFS = frozenset({ast.If})
_CLASSDEF = frozenset({ast.ClassDef})
_FSTRINGS = frozenset({ast.JoinedStr})
_IMPORTS = frozenset({ast.Import, ast.ImportFrom})


def _narrowed(nodes: list[ast.AST], context: FileContext | None, types: frozenset) -> list[ast.AST]:
    """The nodes of `types` among `nodes` (in order) from the file's index when `nodes` is its node
    list, else `nodes` itself: for the passes that filter their node list by class anyway."""
    if context is not None and context.nodes is nodes:
        return context.select(types)
    return nodes
_ATTRIBUTE = frozenset({ast.Attribute})


def _adaptable(f: Finding, profile: str) -> bool:
    """A reference to a layer class that an adapter (rewrite/adapters.py) or a file definition's subclass
    (`float64_conv(nn.Conv2d)`, a template's `sequence_rnn(nn.LSTM)`) may stand for elsewhere."""
    if f.kind != Kind.REFERENCE or f.entry is None or f.entry.kind != "class":
        return False
    target = f.entry.target(profile)
    return target.api is not None and (bool(target.templates) or bool(target.casts)
                                       or bool(target.differing_args()))


def _is_super_init(call: ast.Call, base: ast.AST) -> bool:
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
        return False
    value = func.value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super":
        return True
    return ast.dump(value) == ast.dump(base)


def _is_explicit_base_init(call: ast.Call) -> bool:
    return not isinstance(call.func.value, ast.Call) and bool(call.args)


def _accept(done: EditLog, rewrite: FindingRewrite) -> None:
    """Add a rewrite's edits; the inner edits it replaced go: those it read through `rendered`,
    and any other inside its span except insertions on its edges (an enclosing call's `(`/`)`)."""
    for new in rewrite.edits:
        if new.start < new.end:
            done.discard_within(new.start, new.end, lambda e, new=new: e is not new and (
                id(e) in rewrite.read or e.start < e.end or new.start < e.start < new.end))
    done.extend(rewrite.edits)


def _extent(src: SourceText, parents: dict[int, ast.AST], node: ast.AST) -> int:
    """Length of the text a finding rewrites: the whole call when the finding is a callee
    (`torch.zeros` in `torch.zeros(2)`), so a call nested in another's arguments is rewritten
    first and a template that replaces the outer call reads the inner one already converted."""
    parent = parents.get(id(node))
    if isinstance(parent, ast.Call) and parent.func is node:
        node = parent
    s, e = src.span(node)
    return e - s


def _unconvert_comment(finding: Finding, reason: str) -> str:
    url = f" {finding.note_url}" if finding.note_url else ""
    why = reason.rstrip(".")
    return f"{UNCONVERT_TAG} {finding.torch_api}: {why}.{url}"


def file_rewriter(src: SourceText, tree: ast.Module, db: Database, profile: str,
                  module: ModuleContext | None = None, context: FileContext | None = None):
    """The Rewriter of a whole file, spelling MindSpore names through the file's imports (the
    torch imports become MindSpore ones, or the names the package's modules give them), and the
    file's torch import bindings."""
    module = module or ModuleContext()
    nodes, parents = context.index if context is not None else index_tree(tree)
    bindings = torch_import_bindings(_narrowed(nodes, context, _IMPORTS), db, profile, module.own_roots)
    ms_bindings = existing_mindspore_bindings(tree)
    for b in bindings:
        # an import inside a function binds its name there only: code elsewhere needs its own import
        if b.ms_path and b.ms_local and _module_level(b.stmt, parents):
            ms_bindings.setdefault(b.ms_path, b.ms_local)
    for ms_path, local in module.ms_aliases.items():
        ms_bindings.setdefault(ms_path, local)
    taken = bound_names(nodes, context if context is not None and context.nodes is nodes else None)
    namer = Namer(ms_bindings, taken - set(ms_bindings.values()))
    return Rewriter(src, tree, db, profile, namer, (nodes, parents), context), bindings


def rewrite_findings(rewriter: Rewriter, findings: list[Finding], profile: str,
                     module: ModuleContext | None = None) -> dict[int, Outcome]:
    """Every finding rewritten, innermost first, its edits accepted into `rewriter.done`: the
    outcome per finding (by id). This is the one decision of what converts: `convert_text` and
    the verdicts of scan and the editor (rewrite/verdict.py) both come from it."""
    src, namer, nodes, parents = rewriter.src, rewriter.namer, rewriter.nodes, rewriter.parents
    module = module or ModuleContext()
    outcomes: dict[int, Outcome] = {}
    done = rewriter.done
    function_classes: set[str] = set()
    for finding in autograd_findings(findings):
        cls = rewriter.parents.get(id(finding.node))
        try:
            if not isinstance(cls, ast.ClassDef):
                raise CannotRewrite("only a class deriving from autograd.Function can become a Cell")
            subclassed = bool(derived_classes(nodes, {cls.name}))
            done.extend(rewrite_function_class(src, cls, finding.node, namer, subclassed))
        except CannotRewrite as exc:
            outcomes[id(finding)] = Outcome(finding, False, str(exc))
            continue
        outcomes[id(finding)] = Outcome(finding, True, notes=["custom gradient: forward → construct, "
                                                              "backward → bprop"])
        function_classes.add(cls.name)
    done.extend(apply_call_sites(src, nodes, function_classes | derived_classes(nodes, function_classes)))
    classes = _narrowed(nodes, rewriter.context, _CLASSDEF)
    rewriter.cell_inits = {id(item) for cls in cell_classes(classes, findings, {id(f) for f in findings},
                                                            module.module_classes)
                           for item in cls.body if isinstance(item, ast.FunctionDef) and item.name == "__init__"}
    done.extend(subclass_attribute_edits(src, classes, findings, profile, rewriter, module.layer_bases))
    order = sorted((f for f in findings if id(f) not in outcomes), key=lambda f: _extent(src, parents, f.node))
    for finding in order:
        try:
            rw = rewriter.rewrite(finding)
        except CannotRewrite as exc:
            outcomes[id(finding)] = Outcome(finding, False, str(exc))
            continue
        _accept(done, rw)
        outcomes[id(finding)] = Outcome(finding, True, notes=rw.notes, safe=rw.safe)
    _drop_moot(src, done, outcomes)
    return outcomes


def convert_text(text: str, db: Database, profile: str = "portable", path: str = "<string>",
                 tree: ast.Module | None = None, findings: list[Finding] | None = None,
                 context: ModuleContext | None = None, analysis: FileContext | None = None,
                 keep=None) -> Conversion:
    """Convert a whole PyTorch source text to MindSpore. Raises SourceError if it does not parse.
    `context`: the file's place in its package (analysis/project.py), when a tree is converted;
    `analysis`: the file's analysis (analysis.finder.analyse_tree) when the caller has it;
    `keep`: which findings to rewrite (the run's rule selection; others stay as they are)."""
    if analysis is not None:
        tree, findings = analysis.tree, analysis.findings
    if tree is None:
        tree = parse_source(text, path)
    if context is None:
        context = ModuleContext()
    if analysis is None and findings is None:
        analysis = analyse_tree(tree, db, profile, text, context)
        findings = analysis.findings
    if keep is not None:
        findings = [f for f in findings if keep(f)]
    src = SourceText(text)
    rewriter, bindings = file_rewriter(src, tree, db, profile, context, analysis)
    namer, nodes, parents, done = rewriter.namer, rewriter.nodes, rewriter.parents, rewriter.done
    # `hasattr(torch, 'nextafter')` → True before the findings' rewrites, which read it through their
    # inner edits (a `with torch.no_grad():` block unwrapped around it)
    feature_tests = feature_test_edits(src, nodes, _torch_paths(bindings, context), db, profile)
    feature_tests += loaded_module_edits(src, nodes)
    # `getattr(torch, name)` → a lookup among the converted functions the file names, before the
    # findings' rewrites too (`register_buffer("w", getattr(torch, window)(n))` reads it)
    lookup_notes: list[str] = []
    layer_table: list[dict[str, str]] = []  # built on first need, once per file
    function_tables: dict[str, dict[str, str]] = {}

    def layer_lookup() -> dict[str, str]:
        if not layer_table:
            layer_table.append(named_layer_adapters(tree, rewriter, profile))
        return layer_table[0]

    def function_lookup(module: str) -> dict[str, str]:
        if module not in function_tables:
            function_tables[module] = named_function_adapters(tree, module, rewriter, profile)
        return function_tables[module]

    feature_tests += dynamic_getattr_edits(src, nodes, parents, _torch_paths(bindings, context), profile, namer,
                                           layer_lookup, function_lookup, lookup_notes)
    done.extend(feature_tests)
    if bindings or context.torch_names:  # PyTorch code: its arrays index tensors, its loops run over parameters
        subscripts = analysis.of_class(ast.Subscript) if analysis is not None and analysis.tree is tree else [
            n for n in nodes if n.__class__ is ast.Subscript]
        done.extend(numpy_index_edits(src, tree, context.array_returns, namer.render, subscripts, parents))
        if ".data" in text:
            data_reads = analysis.attributes("data") if analysis is not None and analysis.tree is tree else [
                n for n in nodes if n.__class__ is ast.Attribute and n.attr == "data"]
            done.extend(loop_data_edits(src, data_reads, parents, {id(f.node) for f in findings}, namer.render))
        done.extend(index_tail_edits(src, subscripts))
        if "dtype=" in text or ".to(" in text or ".type(" in text:
            done.extend(builtin_dtype_edits(src, [f.node for f in findings], parents, namer.render,
                                            lambda: rebound_types(nodes)))
    outcomes = rewrite_findings(rewriter, findings, profile, context)
    record_verdicts(outcomes)

    converted_ids = {fid for fid, o in outcomes.items() if o.converted}
    classes = _narrowed(nodes, rewriter.context, _CLASSDEF)
    sequentials = sequential_subclasses(classes, findings, converted_ids)
    dicts = module_dict_subclasses(findings, converted_ids)
    buffers = registered_buffers(analysis.of_class(ast.Call) if analysis is not None and analysis.tree is tree else [
        n for n in nodes if n.__class__ is ast.Call]) if "register_buffer" in text else set()
    for cls in cell_classes(classes, findings, converted_ids, context.module_classes):
        done.extend(forward_to_construct(src, cls, analysis))
        done.extend(buffer_alias_edits(src, cls, buffers))
        done.extend(private_children_edits(src, cls, analysis))
        done.extend(parameter_names_fix(src, cls, analysis))
        if cls.name in sequentials:
            done.extend(sequential_children_fix(src, cls))
        if any(id(b) in dicts for b in cls.bases):
            done.extend(any_cell_values_fix(src, cls, namer.render("mindspore.nn.Cell")))
        done.extend(training_mode_fix(src, cls))
    done.extend(subclass_rewrites(src, classes, findings, converted_ids, profile, rewriter))
    # the passes below read only some node classes: the file's index gives them without a scan each
    select = analysis.select if analysis is not None and analysis.tree is tree else (
        lambda types: [n for n in nodes if n.__class__ in types])
    if any(o.converted and o.finding.torch_api == "torch.nn.Conv2d" for o in outcomes.values()):
        done.extend(conv_rebuild_edits(src, nodes, findings, converted_ids, namer.render))
    layer_refs = {id(f.node): f.torch_api for f in findings if id(f) in converted_ids
                  and (f.torch_api in NORM_LAYERS or f.torch_api in UNIFORM_LAYERS)}
    if layer_refs and "reset_parameters" in src.text:
        done.extend(narrowed_reset_edits(src, select(_IFS), layer_refs, namer.render))
    uses_layers = any(o.converted and o.finding.torch_api.startswith("torch.nn.") for o in outcomes.values())
    done.extend(forward_assignment_edits(src, select(_ASSIGNMENTS), uses_layers))
    done.extend(forward_name_edits(src, select(_CALL), select(_COMPARES), uses_layers))
    done.extend(norm_setting_edits(src, select(_ASSIGNMENTS), uses_layers, namer.render))
    done.extend(children_dict_edits(src, select(_ATTRIBUTE), parents, uses_layers))
    done.extend(class_name_edits(src, select(_ATTRIBUTE), uses_layers, namer.render))
    if outcomes:
        done.extend(dtype_text_edits(src, select(_CALL), select(_FSTRINGS), namer.render))
    layer_refs = [o.finding.node for o in outcomes.values() if o.converted and _adaptable(o.finding, profile)]
    done.extend(exact_type_edits(src, layer_refs, parents))

    # imports: keep a torch import only while an unconverted use needs its name
    still_needed = {_root_name(o.finding.node) for o in outcomes.values()
                    if not o.converted and o.finding.kind not in MEMBER_KINDS}
    # a torch name used as a value (`print(optim)`, `getattr(nn, name)`) still needs its import
    spans = [src.span(o.finding.node) for o in outcomes.values() if o.converted]
    module_edits = module_value_edits(src, select(_NAME_OR_ATTRIBUTE), parents, bindings, context, namer, db, profile,
                                      Spans(spans + [(e.start, e.end) for e in feature_tests]))
    done.extend(module_edits)
    converted_spans = Spans(spans + [(e.start, e.end) for e in [*module_edits, *feature_tests]])
    locals_ = {b.local for b in bindings}
    needed_paths = {_source_path(o.finding.node) for o in outcomes.values()
                    if not o.converted and o.finding.kind not in MEMBER_KINDS}
    for node in select(_NAME):
        if isinstance(node, ast.Name) and node.id in locals_ and isinstance(node.ctx, ast.Load):
            if not converted_spans.cover(src.start(node)):
                still_needed.add(node.id)
                needed_paths.add(_source_path(node, parents))
    base_paths = torch_base_paths(tree, {b.local for b in bindings}, select(_CLASSDEF))
    called_on_import: set[str] = set()
    for name, paths in import_time_paths(tree, {b.local for b in bindings},
                                         lambda n: converted_spans.cover(src.start(n)), called_on_import).items():
        base_paths.setdefault(name, set()).update(paths)
    file_notes: list[str] = list(lookup_notes)
    fallback_names: set[str] = set()  # torch names that may be None when PyTorch is absent
    by_stmt: dict[int, list] = {}
    for b in bindings:
        by_stmt.setdefault(id(b.stmt), []).append(b)
    # a star import from PyTorch stays (guarded) while a name it may give is left unconverted, or may be
    # unknown to the finder (another star import could give it), or other modules import from this one
    star_needed = any(b.local == "*" for b in bindings) and (
        bool(still_needed - locals_) or bool(context.exported) or torch_star_modules(tree, context.own_roots) is None)
    first_converted_stmt = None
    removed_imports: set[int] = set()  # import statements the converted file no longer has
    for group in by_stmt.values():
        stmt = group[0].stmt
        torch_aliases = {id(b.alias) for b in group}
        kept = [a for a in stmt.names if id(a) not in torch_aliases]  # non-torch names stay
        new_lines: list[str] = []
        for b in group:
            exported = b.local in context.exported  # other modules import it from here
            if (b.local in still_needed and not (b.ms_local == b.local and b.ms_local in namer.used)
                    and not _unneeded_submodule(b.alias, bindings, needed_paths)) or (b.local == "*" and star_needed):
                kept.append(b.alias)
            elif exported and not (b.statement is not None and b.ms_local == b.local):
                kept.append(b.alias)
                if not _guarded(stmt, rewriter.parents):
                    file_notes.append(f"{b.local} ({b.torch_path}) has no MindSpore counterpart but other modules "
                                      f"import it from here: bound to None when PyTorch is absent")
            if b.statement is not None and (b.ms_local in namer.used or exported and b.ms_local == b.local):
                line = b.statement.statement()
                if line not in new_lines:
                    new_lines.append(line)
        kept.sort(key=lambda a: [id(x) for x in stmt.names].index(id(a)))
        if len(kept) == len(stmt.names) and not new_lines and _guarded(stmt, rewriter.parents):
            continue  # untouched
        s, e = src.span(stmt)
        indent = src.indent_at(s)
        kept_torch = [a for a in kept if id(a) in torch_aliases]
        fallback_names.update((a.asname or a.name).split(".", 1)[0] for a in kept_torch)
        if kept_torch and len(kept_torch) == len(group) and not new_lines and len(kept) == len(stmt.names):
            kept_line = None  # nothing converted here
        else:
            kept_line = render_statement(stmt, kept) if kept else None
        if kept_torch and not _guarded(stmt, rewriter.parents):
            # the converted module must import without PyTorch: only [UnConvert] code needs it
            locals_kept = [(a.asname or a.name).split(".", 1)[0] for a in kept_torch]
            fallback = stand_in_fallback(locals_kept, base_paths, called_on_import)
            original = kept_line or src.text[s:e]
            kept_line = (f"try:  # msdev: PyTorch is needed only by the code marked [UnConvert]\n"
                         f"{indent}    {original}\n{indent}except ImportError:\n"
                         + "\n".join(f"{indent}    {line}" for line in fallback))
        pieces = ([kept_line] if kept_line else []) + new_lines
        if not pieces:
            if kept_torch:
                continue  # an import inside `try/except ImportError` that stays as it is
            done.append(statement_removal(src, stmt, rewriter.parents))
            removed_imports.add(id(stmt))
            continue
        done.append(Edit(s, e, ("\n" + indent).join(pieces)))
        if first_converted_stmt is None and stmt in tree.body:
            first_converted_stmt = stmt
    future = lazy_annotations_edit(src, tree, nodes, fallback_names)
    if future is not None:
        done.append(future)
    import_edit = None
    if namer.added:
        import_edit = import_lines_edit(src, insertion_point(src, tree, first_converted_stmt), namer.added)
    if rewriter.adapters or namer.definitions:  # after every import, before the first statement that may use them
        offset = _after_imports(src, tree, import_edit.start if import_edit else 0)
        classes = "\n\n".join(code.rstrip("\n") + "\n" for _, code in [*namer.definitions.values(), *rewriter.adapters.values()])
        following = len(src.text[offset:]) - len(src.text[offset:].lstrip("\n"))  # blank lines already there
        inserted = ("\n" if offset == len(src.text) else "") + "\n\n" + classes + "\n" * max(0, 2 - following)
        if import_edit and import_edit.start == import_edit.end == offset:
            # one insertion, so every way of applying the edits keeps the imports before the definitions
            import_edit = Edit(offset, offset, import_edit.text + inserted)
        else:
            done.append(Edit(offset, offset, inserted))
    if import_edit:
        done.append(import_edit)

    # mark what could not be converted, once per statement and API
    comments: dict[int, list[str]] = {}
    for o in sorted(outcomes.values(), key=lambda o: (o.finding.line, o.finding.column)):
        if o.converted:
            continue
        stmt = rewriter.statement_of(o.finding.node)
        first = min([stmt] + list(getattr(stmt, "decorator_list", [])), key=lambda n: n.lineno)
        line_start = src.line_start(src.start(first))
        comment = _unconvert_comment(o.finding, o.reason)
        tag = f"{UNCONVERT_TAG} {o.finding.torch_api}:"
        if tag in _marks_above(src, line_start) or tag in "".join(comments.get(line_start, [])):
            continue  # already marked by an earlier conversion: converting again changes nothing
        comments.setdefault(line_start, []).append(comment)
    for line_start, lines in comments.items():
        indent = src.indent_at(line_start)
        done.append(Edit(line_start, line_start, "".join(f"{indent}{c}\n" for c in lines)))

    einops, notes = einops_edits(src, tree)
    done.extend(einops)
    file_notes.extend(notes)
    done.extend(emptied_block_passes(src, tree, done))
    done.extend(retrying_handler_edits(src, [b for b in bindings if id(b.stmt) not in removed_imports],
                                       rewriter.parents, base_paths, called_on_import))
    done = fstring_quoted(src, select(_FSTRINGS), done)
    new_text = apply_edits(text, done)
    edits = [src.text_edit(e) for e in _normalised(done)]
    ordered = sorted(outcomes.values(), key=lambda o: (o.finding.line, o.finding.column))
    return Conversion(text, new_text, ordered, edits, file_notes)


def module_value_edits(src: SourceText, nodes: list[ast.AST], parents: dict[int, ast.AST], bindings,
                       context: ModuleContext, namer: Namer, db: Database, profile: str,
                       converted_spans: Spans) -> list[Edit]:
    """A PyTorch module used as a value (`print(optim)`, `getattr(nn, 'ReLU')`) becomes its MindSpore
    module, so the statement runs without PyTorch (feature tests, `hasattr(F, 'scaled_dot_product_attention')`,
    are feature_test_edits'; lookups by a name known at run time, dynamic_getattr_edits')."""
    modules = MODULE_MAP.get(profile, MODULE_MAP["portable"])
    edits = []
    for node, path in _module_values(src, nodes, parents, _torch_paths(bindings, context)):
        if _tested_api(parents.get(id(node)), node, path, db, profile) is not None:
            continue  # a feature test: feature_test_edits wrote it
        target = modules.get(path)
        if target is None or path == "torch":
            continue
        s, e = src.span(node)
        if not converted_spans.cover(s):
            edits.append(Edit(s, e, namer.render(target)))
    return edits


def _module_values(src: SourceText, nodes: list[ast.AST], parents: dict[int, ast.AST], local_paths: dict[str, str]):
    """(node, dotted PyTorch path) of each name or attribute chain that denotes a torch module or object
    and is read as a value (not called, not the base of a longer chain)."""
    if not local_paths:
        return
    name_class, attribute_class, load_class = ast.Name, ast.Attribute, ast.Load
    for node in nodes:
        cls = node.__class__
        if cls is name_class:
            if node.id not in local_paths:
                continue  # checked first: most names are not torch names
        elif cls is not attribute_class:
            continue
        if node.ctx.__class__ is not load_class:
            continue
        parts = []
        sub = node
        while sub.__class__ is attribute_class:
            parts.append(sub.attr)
            sub = sub.value
        if sub.__class__ is not name_class or sub.id not in local_paths:
            continue
        parent = parents.get(id(node))
        if isinstance(parent, ast.Attribute) or isinstance(parent, ast.Call) and parent.func is node:
            continue
        yield node, ".".join([local_paths[sub.id]] + parts[::-1])


def dynamic_getattr_edits(src: SourceText, nodes: list[ast.AST], parents: dict[int, ast.AST],
                          local_paths: dict[str, str], profile: str, namer: Namer, layer_lookup, function_lookup,
                          notes: list[str]) -> list[Edit]:
    """`getattr(<torch module>, name)` with a name known at run time first looks the name up among what
    the file names in strings, converted: `getattr(nn, name)` among adapters of the layers
    (`layer_lookup()`: {class name: class taking PyTorch's arguments}, e.g. `norm_layer="LayerNorm"`),
    `getattr(torch, name)` / `getattr(F, name)` among functions (`function_lookup(module)`: {name:
    the file's function taking PyTorch's arguments}, e.g. `window="hann_window"`); other names fall
    back to MindSpore's module. What a lookup cannot cover goes to `notes` (the file's report)."""
    modules = MODULE_MAP.get(profile, MODULE_MAP["portable"])
    edits = []
    if "getattr" not in src.text:
        return edits
    for node, path in _module_values(src, nodes, parents, local_paths):
        parent = parents.get(id(node))
        if not _dynamic_getattr(parent, node):
            continue
        if path in FUNCTION_MODULES:
            functions = function_lookup(path)
            if functions:
                notes.append(f"line {node.lineno}: getattr({path}, <name known at run time>) finds "
                             f"{', '.join(sorted(functions))} (named in this file) converted, taking PyTorch's "
                             f"arguments; any other name gives {FUNCTION_MODULES[path]}'s function")
                edits.append(_lookup_edit(src, parent, functions, namer.render(FUNCTION_MODULES[path])))
        elif path == "torch.nn":
            adapters = layer_lookup()
            notes.append(f"line {node.lineno}: getattr(nn, <name known at run time>) gives mindspore.nn's class, which "
                         "takes MindSpore's arguments" + (f", except for {', '.join(sorted(adapters))} (named in "
                         "this file or common in model configs: classes taking PyTorch's)" if adapters else ""))
            if adapters:
                edits.append(_lookup_edit(src, parent, adapters, namer.render(modules[path])))
    return edits


def _lookup_edit(src: SourceText, call: ast.Call, table: dict[str, str], module: str) -> Edit:
    """`getattr(<torch module>, name[, default])` → a lookup in `table` (name → converted callable)
    first, then MindSpore's module."""
    entries = "{" + ", ".join(f"{k!r}: {v}" for k, v in sorted(table.items())) + "}"
    rest = "".join(", " + src.text[slice(*src.span(a))] for a in call.args[2:])
    return Edit(*src.span(call), f"(lambda name_: {entries}.get(name_) or getattr({module}, name_{rest}))"
                                 f"({src.text[slice(*src.span(call.args[1]))]})")


def _torch_paths(bindings, context: ModuleContext) -> dict[str, str]:
    """Local name → the PyTorch module or object it is bound to, by the file's imports and its package."""
    paths = dict(context.torch_names)
    paths.update({b.local: b.torch_path for b in bindings if b.local != "*"})
    return paths


def feature_test_edits(src: SourceText, nodes: list[ast.AST], local_paths: dict[str, str], db: Database,
                       profile: str) -> list[Edit]:
    """`hasattr(<torch module>, 'name')` → `True` where msdev rewrites that API: the branch it guards is the
    one PyTorch takes, and it is converted (asking MindSpore's module would pick the other branch)."""
    edits = []
    if not local_paths or "hasattr" not in src.text:
        return edits
    for call in nodes:
        if call.__class__ is not ast.Call or call.func.__class__ is not ast.Name or call.func.id != "hasattr" \
                or len(call.args) != 2:
            continue
        parent, node = call, call.args[0]
        parts, sub = [], node
        while sub.__class__ is ast.Attribute:
            parts.append(sub.attr)
            sub = sub.value
        if sub.__class__ is not ast.Name or sub.id not in local_paths:
            continue
        path = ".".join([local_paths[sub.id]] + parts[::-1])
        if _tested_api(parent, node, path, db, profile) is not None:
            edits.append(Edit(*src.span(parent), "True"))
    return edits


def loaded_module_edits(src: SourceText, nodes: list[ast.AST]) -> list[Edit]:
    """`"torch.fft" in sys.modules` → `True` (`not in` → `False`): the file imported that module, and
    its import is converted, so the test takes the branch PyTorch takes (nnAudio raises otherwise)."""
    edits = []
    if "sys.modules" not in src.text:
        return edits
    for node in nodes:
        if node.__class__ is not ast.Compare or len(node.ops) != 1 or not isinstance(node.ops[0], (ast.In, ast.NotIn)):
            continue
        left, right = node.left, node.comparators[0]
        if (isinstance(left, ast.Constant) and isinstance(left.value, str)
                and (left.value == "torch" or left.value.startswith("torch."))
                and isinstance(right, ast.Attribute) and right.attr == "modules"
                and isinstance(right.value, ast.Name) and right.value.id == "sys"):
            edits.append(Edit(*src.span(node), "True" if isinstance(node.ops[0], ast.In) else "False"))
    return edits


def _dynamic_getattr(parent: ast.AST | None, node: ast.AST) -> bool:
    """`getattr(<module>, name)` (or with a default) whose name is not a literal."""
    return (isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "getattr"
            and 2 <= len(parent.args) <= 3 and parent.args[0] is node and not parent.keywords
            and not isinstance(parent.args[1], ast.Constant)
            and not any(isinstance(a, ast.Starred) for a in parent.args))


#: torch.nn layers that model configs name (ultralytics' `nn.Upsample` in its yaml files, detection and
#: segmentation builders): `getattr(nn, name)` finds these converted even when the file spells no name
CONFIG_LAYERS = ("Upsample", "ConvTranspose2d", "BatchNorm2d", "Conv2d", "Linear", "Identity", "ReLU", "ReLU6",
                 "SiLU", "GELU", "LeakyReLU", "Hardswish", "Sigmoid", "Tanh", "Softmax", "MaxPool2d", "AvgPool2d",
                 "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Dropout", "LayerNorm", "GroupNorm", "ZeroPad2d",
                 "Flatten")


def named_layer_adapters(tree: ast.Module, rewriter, profile: str) -> dict[str, str]:
    """For `getattr(nn, name)`, the torch.nn layers whose class name the file spells as a string, and
    those model configs name (CONFIG_LAYERS), that mindspore.nn has under another name or with other
    arguments: class name → the converted class (an adapter taking PyTorch's arguments, a file
    definition, or MindSpore's class of another name)."""
    names = {node.value for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier()}
    out: dict[str, str] = {}
    for layer in sorted(names | set(CONFIG_LAYERS)):
        entry = rewriter.db.entries.get(f"torch.nn.{layer}")
        if entry is None or entry.kind != "class":
            continue
        target = entry.target(profile)
        if not target.api or target.status in (Status.MANUAL, Status.UNSUPPORTED):
            continue
        if target.templates:
            definition = definition_class(entry, target)  # msdev's Upsample takes PyTorch's arguments itself
            name = rewriter.namer.render(definition) if definition else rewriter.template_adapter_name(entry, target)
        elif target.differing_args():
            name = rewriter.adapter_name(entry, target)
        else:
            name = rewriter.layer_class(entry, target)
            if name.rpartition(".")[2] == layer:
                continue  # getattr(mindspore.nn, name) finds it
        if name is not None:
            out[layer] = name
    return out


#: PyTorch modules whose functions `getattr(module, name)` picks by name, and the MindSpore module
#: that holds what the file's strings do not name
FUNCTION_MODULES = {"torch": "mindspore.ops", "torch.nn.functional": "mindspore.ops", "torch.special": "mindspore.ops",
                    "torch.fft": "mindspore.ops", "torch.linalg": "mindspore.ops"}


def named_function_adapters(tree: ast.Module, module: str, rewriter, profile: str) -> dict[str, str]:
    """For `getattr(<module>, name)`, the module's functions whose name the file spells as a string and
    msdev converts automatically: name → the file's function taking PyTorch's arguments."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier()):
            continue
        entry = rewriter.db.entries.get(f"{module}.{node.value}")
        if entry is None or entry.kind != "function" or node.value in out:
            continue
        target = entry.target(profile)
        if target.api is None and not target.templates or target.status not in AUTOMATIC:
            continue
        name = rewriter.function_adapter_name(entry, target)
        if name is not None:
            out[node.value] = name
    return out


def _tested_api(parent: ast.AST | None, node: ast.AST, path: str, db: Database, profile: str) -> str | None:
    """The API of `hasattr(<torch module>, 'name')` when msdev rewrites its uses automatically."""
    if not (isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "hasattr"
            and len(parent.args) == 2 and parent.args[0] is node and isinstance(parent.args[1], ast.Constant)
            and isinstance(parent.args[1].value, str)):
        return None
    entry = db.entries.get(f"{path}.{parent.args[1].value}")
    if entry is None or entry.status(profile) not in AUTOMATIC | {Status.PARTIAL}:
        return None
    return entry.api


def torch_base_paths(tree: ast.Module, torch_locals: set[str],
                     classes: list[ast.ClassDef] | None = None) -> dict[str, set[tuple[str, ...]]]:
    """Attribute chains on torch names used as base classes of module-level classes
    (`class D(data.IterableDataset)`): evaluated on import, they need a stand-in without PyTorch.
    `classes`: the file's class definitions when the caller has them (else the tree is walked)."""
    out: dict[str, set[tuple[str, ...]]] = {}
    for stmt in ast.walk(tree) if classes is None else classes:
        if not isinstance(stmt, ast.ClassDef):
            continue
        for base in stmt.bases:
            parts = []
            node = base.value if isinstance(base, ast.Subscript) else base  # Sampler[List[int]]
            while isinstance(node, ast.Attribute):
                parts.append(node.attr)
                node = node.value
            if isinstance(node, ast.Name) and node.id in torch_locals:
                out.setdefault(node.id, set()).add(tuple(reversed(parts)))
    return out


def retrying_handler_edits(src: SourceText, bindings, parents: dict[int, ast.AST],
                           import_paths: dict[str, set[tuple[str, ...]]], called: set[str]) -> list[Edit]:
    """`try: import torch` whose `except ImportError:` tries PyTorch another way (ultralytics:
    `torch = import_execstack("torch", ...)`): without PyTorch that fails too, so the handler is
    wrapped in its own `try` that binds the names to None, as an unguarded kept import would be."""
    edits, seen = [], set()
    for b in bindings:
        stmt = b.stmt
        parent = parents.get(id(stmt))
        if id(stmt) in seen or not _guarded(stmt, parents):
            continue
        seen.add(id(stmt))
        names = [(a.asname or a.name).split(".", 1)[0] for a in stmt.names if a.name != "*"]
        for handler in parent.handlers:
            own = {h.name for h in handler.body if isinstance(h, ast.ClassDef)}
            if not any(isinstance(n, ast.Call) and not (isinstance(n.func, ast.Name) and n.func.id in own)
                       for h in handler.body if not isinstance(h, ast.ClassDef) for n in ast.walk(h)):
                continue  # a plain fallback (`torch = None`, `pass`, a stand-in class and its use) needs nothing
            if len(handler.body) == 1 and isinstance(handler.body[0], ast.Try) and any(
                    isinstance(h.type, ast.Name) and h.type.id == "ImportError" for h in handler.body[0].handlers):
                continue  # already guarded (a second conversion changes nothing)
            start = src.line_start(src.start(handler.body[0]))
            _, end = src.span(handler.body[-1])
            indent = src.indent_at(start)
            body = "\n".join(("    " + line) if line.strip() else line
                             for line in src.text[start:end].split("\n"))
            fallback = stand_in_fallback(names, import_paths, called)
            fallback_text = "".join(f"\n{indent}    {line}" for line in fallback)
            edits.append(Edit(start, end, f"{indent}try:  # msdev: without PyTorch this fails as well\n{body}\n"
                                          f"{indent}except ImportError:{fallback_text}"))
    return edits


def stand_in_fallback(names: list[str], import_paths: dict[str, set[tuple[str, ...]]],
                      called: set[str]) -> list[str]:
    """The `except ImportError:` body binding torch names without PyTorch: None, or a stand-in
    for those that code running on import reads (or calls)."""
    names = [n for n in names if n != "*"]  # `from torch.x import *` binds nothing known
    plain = [n for n in names if n not in import_paths and n not in called]
    lines = [f"{' = '.join(plain)} = None"] if plain else []
    for n in names:
        if n in called:
            lines.extend(answering_stand_in(n))
        elif n in import_paths:
            lines.extend(stand_in(n, import_paths[n]))
    return lines or ["pass"]


def fstring_quoted(src: SourceText, fstrings: list[ast.AST], edits: list[Edit]) -> list[Edit]:
    """Rewrites inside an f-string's `{...}` spelled with the other quote: a `"GPU"` from a template
    inside `f"...{torch.cuda.is_available()}"` ends the string before Python 3.12."""
    quoted = []
    for node in fstrings:
        s, e = src.span(node)
        head = src.text[s:s + 5].lstrip("rRfFbBuU")
        if head[:3] in ('"""', "'''") or not head or head[0] not in "\"'":
            continue
        quoted.append((s, e, head[0]))
    if not quoted:
        return edits
    out = []
    for edit in edits:
        quote = next((q for s, e, q in quoted if s < edit.start and edit.end < e), None)
        if quote is not None and quote in edit.text:
            other = "'" if quote == '"' else '"'
            if other not in edit.text:
                edit = Edit(edit.start, edit.end, edit.text.replace(quote, other))
        out.append(edit)
    return out


def import_time_paths(tree: ast.Module, torch_locals: set[str], converted=lambda node: False,
                      calls: set[str] | None = None) -> dict[str, set[tuple[str, ...]]]:
    """Attribute chains on torch names read (not called) or assigned to by code that runs on import:
    module and class bodies, decorators, default argument values (`interpolation=InterpolationMode.BICUBIC`,
    `torch.save = patched_save`).
    Bound to None without PyTorch they would stop the import; a stand-in keeps it importing, and
    only the [UnConvert] code that uses the value needs PyTorch. `calls` (a set) receives the torch
    names that code calls, unconverted (`@torch.library.register_fake(...)`, torchvision's
    `torch._C.DispatchKeySet(...) | ...`): they need the stand-in that answers calls."""
    out: dict[str, set[tuple[str, ...]]] = {}
    evaluated: list[ast.AST] = []

    def body(stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                evaluated.extend(stmt.decorator_list)
                evaluated.extend(d for d in (*stmt.args.defaults, *stmt.args.kw_defaults) if d is not None)
            elif isinstance(stmt, ast.ClassDef):
                evaluated.extend(stmt.decorator_list)
                body(stmt.body)
            elif isinstance(stmt, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
                evaluated.extend(n for n in ast.iter_child_nodes(stmt) if isinstance(n, ast.expr))
                for block in ("body", "orelse", "finalbody"):
                    body(getattr(stmt, block, []))
                for handler in getattr(stmt, "handlers", []):
                    body(handler.body)
            elif not isinstance(stmt, (ast.Import, ast.ImportFrom)):
                evaluated.append(stmt)

    if not torch_locals:
        return out
    body(tree.body)
    call_class, attribute_class = ast.Call, ast.Attribute
    for root in evaluated:
        # one walk per root: the calls' callees, the attributes, and which attributes sit inside another
        called: set[int] = set()
        inner: set[int] = set()
        attributes: list[ast.Attribute] = []
        for n in ast.walk(root):
            cls = n.__class__
            if cls is call_class:
                called.add(id(n.func))
                if calls is not None:
                    head = n.func
                    while isinstance(head, ast.Attribute):
                        head = head.value
                    if isinstance(head, ast.Name) and head.id in torch_locals and not converted(n.func):
                        calls.add(head.id)
            elif cls is attribute_class:
                inner.add(id(n.value))
                attributes.append(n)
        for node in attributes:
            if id(node) in inner or id(node) in called:
                continue  # only whole chains, and never one that is called (a stand-in would answer)
            parts = []
            cur = node.value if isinstance(node.ctx, ast.Store) else node  # `torch.save = patched`: a place to store
            while isinstance(cur, ast.Attribute):
                parts.append(cur.attr)
                cur = cur.value
            if isinstance(cur, ast.Name) and cur.id in torch_locals and not converted(node):
                out.setdefault(cur.id, set()).add(tuple(reversed(parts)))
    return out


def stand_in(name: str, paths: set[tuple[str, ...]]) -> list[str]:
    """`class data:` with nested empty classes for each attribute chain used on it on import
    (base classes, default values)."""
    tree: dict = {}
    for path in paths:
        node = tree
        for part in path:
            node = node.setdefault(part, {})

    def render(label: str, children: dict, depth: int) -> list[str]:
        pad = "    " * depth
        lines = [f"{pad}class {label}:", f"{pad}    __class_getitem__ = classmethod(lambda cls, item: cls)"]
        for child, grand in sorted(children.items()):
            lines.extend(render(child, grand, depth + 1))
        return lines

    lines = render(name, tree, 0)
    lines[0] += "  # msdev: a stand-in without PyTorch, for what the code below reads on import"
    return lines


def answering_stand_in(name: str) -> list[str]:
    """A stand-in for a torch name that code running on import calls (registrations with PyTorch's
    dispatcher, decorators): any member of it is another stand-in, a call answers a stand-in (or,
    decorating, the function unchanged), `|` and `[...]` too. Classes deriving from it are ordinary
    classes. Only the [UnConvert] code that uses what it gives needs PyTorch."""
    return [
        "class AbsentPyTorch(type):  # msdev: PyTorch's names without PyTorch, for the code that runs on import",
        "    def __getattr__(cls, attr):",
        "        if attr.startswith('__') or '_absent' not in cls.__dict__:",
        "            raise AttributeError(attr)",
        "        return AbsentPyTorch(f'{cls.__name__}.{attr}', (), {'_absent': True})",
        "    def __call__(cls, *args, **kwargs):",
        "        if '_absent' not in cls.__dict__:  # a class deriving from a stand-in",
        "            return super().__call__(*args, **kwargs)",
        "        return args[0] if len(args) == 1 and callable(args[0]) and not kwargs else cls",
        "    def __or__(cls, other):",
        "        return cls if '_absent' in cls.__dict__ else type.__or__(cls, other)",
        "    __ror__ = __getitem__ = __or__",
        f"{name} = AbsentPyTorch({name!r}, (), {{'_absent': True}})",
    ]


def lazy_annotations_edit(src: SourceText, tree: ast.Module, nodes: list[ast.AST],
                          fallback_names: set[str]) -> Edit | None:
    """`from __future__ import annotations` when an annotation still names a torch binding that is
    None without PyTorch (`device: Optional[torch.device]`): annotations are then never evaluated."""
    if not fallback_names:
        return None
    annotations = []
    for node in nodes:
        if isinstance(node, ast.arg) and node.annotation is not None:
            annotations.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
    if not any(isinstance(n, ast.Name) and n.id in fallback_names for a in annotations for n in ast.walk(a)):
        return None
    body = tree.body
    first = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        first = 1
    for stmt in body[first:]:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            if any(a.name == "annotations" for a in stmt.names):
                return None
            continue
        start = src.line_start(src.start(stmt))
        return Edit(start, start, "from __future__ import annotations\n")
    return None


def _drop_moot(src: SourceText, done: list[Edit], outcomes: dict[int, Outcome]) -> None:
    """A use inside text a converted rewrite deleted (`layout=torch.strided` dropped from a factory
    call, a removed statement) is gone from the output: nothing is left to convert."""
    removals = [e for e in done if e.start < e.end and not e.text]
    if not removals:
        return
    for fid, o in list(outcomes.items()):
        if o.converted or o.finding.node is None:
            continue
        s, e = src.span(o.finding.node)
        if any(r.start <= s and e <= r.end for r in removals):
            outcomes[fid] = Outcome(o.finding, True, notes=["removed together with the code around it"])


def _kept_attributes(src: SourceText, init: ast.Call, call: ast.Call, entry, target, rewriter) -> list[Edit]:
    """`self.padding, self.ceil_mode = ...` after a layer subclass's `super().__init__(...)` statement: the
    arguments PyTorch's layer keeps as attributes and MindSpore's does not (`target.keeps`), for the
    subclass's own code (timm's AvgPool2dSame reads them). Nothing when the values are not all known
    (`*args`, `**kwargs`) or the call is not a statement of its own."""
    if rewriter is None or not target.keeps or any(isinstance(a, ast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords):
        return []
    stmt = rewriter.statement_of(init)
    if not isinstance(stmt, ast.Expr) or stmt.value is not init:
        return []
    params = list(entry.params or [])
    given = {params[i]: a for i, a in enumerate(call.args) if i < len(params)}
    given.update({k.arg: k.value for k in call.keywords})
    names = list(target.keeps)
    values = [rewriter.rendered(given[n]) if n in given else target.keeps[n] for n in names]
    line = src.line_start(src.start(stmt))
    indent = src.text[line:src.start(stmt)]
    end = src.span(stmt)[1]
    text = (f"\n{indent}{', '.join('self.' + n for n in names)} = {', '.join(values)}"
            f"  # msdev: PyTorch's {entry.api.rpartition('.')[2]} keeps these, MindSpore's does not")
    return [Edit(end, end, text)]


def _after_imports(src: SourceText, tree: ast.Module, not_before: int = 0) -> int:
    """Where the module's leading imports (plain, or in try/if blocks of imports) end: the place for the
    file's definitions. Module code that calls something before a later import (a script) may use them,
    so they go before it; never before `not_before` (the imports the definitions need)."""
    def import_block(stmt) -> bool:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            return True
        if isinstance(stmt, ast.Try):
            return all(import_block(s) for s in stmt.body)
        if isinstance(stmt, ast.If):
            return all(import_block(s) for s in stmt.body + stmt.orelse)
        return False

    offset = None
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if offset is None:
                first = min([stmt] + list(stmt.decorator_list), key=lambda n: n.lineno)
                return max(src.line_start(src.start(first)), not_before)
            break
        if import_block(stmt):  # the last import before the first definition (`__all__` may come first)
            end = src.span(stmt)[1]
            nl = src.text.find("\n", end)
            offset = len(src.text) if nl == -1 else nl + 1
        elif any(isinstance(n, ast.Call) for n in ast.walk(stmt)):
            if offset is None:
                return max(src.line_start(src.start(stmt)), not_before)
            break
    if offset is None:
        return len(src.text)
    return max(offset, not_before)


def _module_level(stmt: ast.stmt, parents: dict[int, ast.AST]) -> bool:
    """Whether a statement binds module globals (not inside a function or class body)."""
    parent = parents.get(id(stmt))
    while parent is not None and not isinstance(parent, ast.Module):
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return False
        parent = parents.get(id(parent))
    return True


def _guarded(stmt: ast.stmt, parents: dict[int, ast.AST]) -> bool:
    """Whether an import sits in a `try:` whose handler catches ImportError."""
    parent = parents.get(id(stmt))
    if not isinstance(parent, ast.Try) or not any(s is stmt for s in parent.body):
        return False
    for handler in parent.handlers:
        names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if handler.type is None or any(isinstance(n, ast.Name) and n.id in (
                "ImportError", "ModuleNotFoundError", "Exception") for n in names):
            return True
    return False


def _marks_above(src: SourceText, line_start: int) -> str:
    """The run of UnConvert comment lines directly above a line."""
    marks = []
    pos = line_start
    while pos > 0:
        prev = src.line_start(pos - 1)
        line = src.text[prev:pos]
        if not line.lstrip().startswith(UNCONVERT_TAG):
            break
        marks.append(line)
        pos = prev
    return "".join(marks)


def _normalised(edits: list[Edit]) -> list[Edit]:
    """The edits apply_edits would apply, in order, with no-ops dropped."""
    out = []
    pos = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < pos:
            continue
        out.append(e)
        pos = e.end
    return [e for e in out if not (e.start == e.end and not e.text)]


def quick_fix(text: str, finding: Finding, db: Database, profile: str = "portable",
              tree: ast.Module | None = None) -> Fix | None:
    """The fix for one finding in an editor: the use rewritten, MindSpore imports added.

    The rest of the file keeps its torch imports, so targets are spelled through the file's
    MindSpore imports, or a fresh `import mindspore` (never shadowing an existing name).
    """
    if tree is None or finding.node is None:
        # the finding must point into the tree being rewritten: locate it again
        tree = tree or parse_source(text)
        match = [f for f in find_uses(tree, db, profile, text)
                 if (f.line, f.column, f.torch_api) == (finding.line, finding.column, finding.torch_api)]
        if not match:
            return None
        finding = match[0]
    src = SourceText(text)
    ms_bindings = existing_mindspore_bindings(tree)
    taken = bound_names(ast.walk(tree)) - set(ms_bindings.values())
    rewriter = Rewriter(src, tree, db, profile, Namer(ms_bindings, taken))
    return _fix_of(rewriter, finding, ms_bindings, taken)


def quick_fixes(context: FileContext, findings: list[Finding], db: Database,
                profile: str = "portable") -> dict[int, Fix]:
    """The fix of each finding (by id) that has one, as `quick_fix` makes it, for a whole analysed
    file (a FileContext whose tree the findings point into): one rewriter serves every finding."""
    src, tree = SourceText(context.text), context.tree
    ms_bindings = existing_mindspore_bindings(tree)
    taken = bound_names(context.nodes, context) - set(ms_bindings.values())
    rewriter = Rewriter(src, tree, db, profile, Namer(ms_bindings, taken), context=context)
    fixes = {}
    for finding in findings:
        if finding.node is None:
            continue
        fix = _fix_of(rewriter, finding, ms_bindings, taken)
        if fix is not None:
            fixes[id(finding)] = fix
    return fixes


def _fix_of(rewriter: Rewriter, finding: Finding, ms_bindings: dict[str, str], taken: set[str]) -> Fix | None:
    """One finding's fix with a fresh namer (its own imports, its own adapter and helper names)."""
    src, tree, profile = rewriter.src, rewriter.tree, rewriter.profile
    rewriter.namer = namer = Namer(ms_bindings, taken)
    rewriter.adapters = {}
    rewriter.__dict__.pop("_pattern_names", None)
    try:
        rw = rewriter.rewrite(finding)
    except CannotRewrite:
        return None
    edits = list(rw.edits)
    if finding.kind == Kind.BASE_CLASS and finding.torch_api.startswith(_CELL_BASES):
        cls = rewriter.parents.get(id(finding.node))
        if isinstance(cls, ast.ClassDef):
            edits.extend(forward_to_construct(src, cls))
    edit = import_lines_edit(src, insertion_point(src, tree), namer.added) if namer.added else None
    if edit:
        edits.append(edit)
    if namer.definitions:  # `{@msdev.NAME}` in the rewrite: the definition comes with the fix
        offset = _after_imports(src, tree, edit.start if edit else 0)
        edits.append(Edit(offset, offset, "\n" + "".join(code + "\n\n" for _, code in namer.definitions.values())))
    if finding.pattern:
        from .patterns import fix_title

        return Fix(fix_title(finding), [src.text_edit(e) for e in _normalised(edits)], list(namer.added),
                   rw.safe, rw.notes)
    # a use the rewriter converts without an entry of its own (a legacy dtype, a removed statement)
    target = finding.entry.target(profile) if finding.entry is not None else None
    title = f"Replace {finding.torch_api} with {target.api if target is not None and target.api else 'MindSpore code'}"
    if finding.status in (Status.ARG_DIFF, Status.DEFAULT_DIFF) and target is not None and target.differing_args():
        title += " (arguments rewritten)"
    return Fix(title, [src.text_edit(e) for e in _normalised(edits)], list(namer.added), rw.safe, rw.notes)
