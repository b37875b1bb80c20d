"""The rewrite of one finding: the single implementation behind quick fixes, `convert` and `db verify`.

`Rewriter.rewrite(finding)` returns the edits for one PyTorch use (callee renamed, arguments
mapped, templates applied, Tensor methods renamed or turned into functions) or raises
CannotRewrite with the reason a human must step in.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from dataclasses import dataclass, field

from .arg_aliases import torch_keyword
from ..analysis.context import FileContext
from ..analysis.context import index_tree as tree_index
from ..db.loader import Database
from ..db.model import ArgSpec, Entry, Target
from ..findings import MEMBER_KINDS, Finding, Kind, Status
from .casts import cast_nodes, truncated_nodes, with_casts
from .layer_calls import rewrite_layer_call
from .numpy_state import draws_numpy_random, keep_numpy_state
from .calls import (NAMED_TRANSFORMS, CallRewrite, CannotRewrite, droppable_factory_keyword, rewrite_arguments,
                    runtime_transform)
from .annotations import in_annotation, rewrite_annotation
from .inplace import inplace_keyword, out_of_place, rewrite_inplace_method, store_into_first_argument
from .view_writes import view_write_back
from .legacy import legacy_dtype, rewrite_constructor, rewrite_type
from .reduction import LEGACY_ARGS, legacy_reduction
from .calls import _ATOMIC
from .calls import _matches as arg_matches
from .calls import _NOT_LITERAL as NOT_LITERAL, literal
from .namedtuples import rewrite_field
from .adapters import (adapter_source, definition_class, expression_adapter_source, function_adapter_source,
                       is_type_test, template_adapter_source)
from .containers import MODULE_DICT, any_cell_dict_source
from .kwargs import annotate_star_keys
from .naming import Namer
from .outparam import out_edits, out_keyword
from .overloads import modern_call
from .editlog import EditLog
from .source import Edit, SourceText, text_with_edits

#: `{name}`, `{name=default source}` (optional argument), `{@mindspore.x}` (a name to import)
PLACEHOLDER = re.compile(r"\{(@?[A-Za-z_][\w.]*)(?:=([^{}]*))?\}")
#: `{name.CONDITION}`: the argument only when written in that form (`is_<literal>` besides these)
CONDITIONS = ("int", "var", "holds_none")
#: layers whose float64 form computes through msdev's conv (MindSpore has no float64 convolution kernel)
CONVOLUTION_LAYERS = frozenset({"mindspore.nn.Conv1d", "mindspore.nn.Conv2d", "mindspore.nn.Conv3d"})
#: transposed convolutions, which take unbatched input through their subclass `unbatched_conv(nn.Conv2dTranspose)`
TRANSPOSED_CONVOLUTIONS = frozenset({"mindspore.nn.Conv1dTranspose", "mindspore.nn.Conv2dTranspose",
                                     "mindspore.nn.Conv3dTranspose"})


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


#: a template placeholder that reads an argument (`{input}`), not a MindSpore name (`{@mindspore.ops.add}`)
_PLACEHOLDER = re.compile(r"\{(?!@)")

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
        annotate_star_keys(self.nodes, self.parents,
                           self.context if self.context is not None and self.context.nodes is self.nodes else None)
        self.adapters: dict[str, tuple[str, str]] = {}  # torch class → (adapter name, its source)
        self._lists: dict[int, frozenset[str]] | None = None  # function → names it binds to lists (_list_names)
        self.done = EditLog()  # edits of inner rewrites already accepted (convert mode)
        # ids of the `__init__`s of classes that become Cells (convert sets them; None: judge by the
        # enclosing `__init__` method, as a single quick fix must)
        self.cell_inits: set[int] | None = None
        self._read: set[int] = set()  # ids of `done` edits the current rewrite has read
        self._modern_calls: dict[int, ast.Call] = {}  # deprecated overloads read as today's call (overloads.py)
        #: the file draws from numpy's global generator: layers keep its state (rewrite/numpy_state.py)
        self.numpy_random = draws_numpy_random(src.text)

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

    def _receives_none(self, call: ast.Call) -> bool:
        """Whether the container `call` builds (assigned to a name or `self.<attr>`) is later given a
        value that may be None through `.append` / `.insert` in the same class or function."""
        stmt = self.parents.get(id(call))
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], (ast.Name, ast.Attribute))):
            return False
        target, scope = stmt.targets[0], stmt
        kinds = (ast.ClassDef,) if isinstance(target, ast.Attribute) else (ast.FunctionDef, ast.AsyncFunctionDef)
        while scope is not None and not isinstance(scope, kinds):
            scope = self.parents.get(id(scope))
        if scope is None or "None" not in self.src.text[slice(*self.src.span(scope))]:
            return False
        factories = _none_factories(scope)
        return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("append", "insert")
                   and n.args and (_may_be_none(n.args[-1]) or isinstance(n.args[-1], ast.Call) and isinstance(
                       n.args[-1].func, ast.Name) and n.args[-1].func.id in factories)
                   and _same_target(n.func.value, target)
                   for n in ast.walk(scope))

    def rendered(self, node: ast.AST) -> str:
        """Source of a node as it reads after the inner rewrites already accepted."""
        return self.rendered_span(*self.src.span(node))

    def rendered_span(self, s: int, e: int) -> str:
        """Source of [s, e) as it reads after the rewrites already accepted inside it."""
        inner = self.done.within(s, e)
        self._read.update(id(d) for d in inner)
        return text_with_edits(self.src.text, s, e, inner)

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
        elif finding.kind == Kind.REFERENCE and finding.node is not None and in_annotation(self.parents, finding.node):
            result = rewrite_annotation(self, finding, lambda: self._rewrite(finding))
        else:
            result = self._rewrite(finding)
            keep_numpy_state(self, finding, result)
            if finding.kind == Kind.TENSOR_METHOD:
                self._write_back_view(finding, result)
        result.read = self._read
        return result

    def _write_back_view(self, finding: Finding, result: FindingRewrite) -> None:
        """An in-place method on a view (`a = base.t(); a.exp_()`) also changes the base in PyTorch:
        the statement is followed by the write back (rewrite/view_writes.py)."""
        node = finding.node
        call = self.call_of(node) if isinstance(node, ast.Attribute) else None
        if call is None or not node.attr.endswith("_") or node.attr.startswith("_"):
            return
        span = self.src.span(call)
        at = next((k for k, e in enumerate(result.edits) if (e.start, e.end) == span), None)
        text = view_write_back(self, call) if at is not None else ""
        if text:
            edit = result.edits[at]
            result.edits[at] = Edit(edit.start, edit.end, edit.text + text)

    def _rewrite(self, finding: Finding) -> FindingRewrite:
        node = finding.node
        if finding.kind == Kind.LAYER_ATTRIBUTE and isinstance(node, ast.Call):  # `m(input=x)`
            return rewrite_layer_call(self, finding, node)
        call = self.call_of(node)
        if finding.kind == Kind.TENSOR_METHOD and call is not None:
            call = modern_call(call, self._modern_calls)  # `x.add_(-lr, g)` read as `x.add_(g, alpha=-lr)`
            self.parents.setdefault(id(call), self.parents.get(id(self.call_of(node))))
        if legacy_dtype(finding.torch_api) and finding.kind in (Kind.CALL, Kind.REFERENCE):
            return rewrite_constructor(self, finding, call)
        if finding.torch_api == "torch.Tensor" and finding.kind == Kind.CALL and call is not None:
            return rewrite_constructor(self, finding, call, plain_tensor=True)
        if finding.torch_api == "torch.Tensor.type" and finding.kind == Kind.TENSOR_METHOD:
            return rewrite_type(self, finding, node, call)
        if finding.kind == Kind.TENSOR_ATTRIBUTE:
            field = rewrite_field(self, finding)
            if field is not None:
                return field
        if finding.kind in (Kind.TENSOR_METHOD, Kind.CALL) and call is not None:
            alternative = out_of_place(self, finding)
            if alternative is not None and finding.kind == Kind.TENSOR_METHOD:
                return rewrite_inplace_method(self, finding, node, call, alternative)
            if alternative is not None and alternative.kind == "function":  # torch.relu_(x)
                result = self._rewrite(as_entry(finding, alternative, self.profile))
                result.edits.extend(store_into_first_argument(self, call, alternative.params))
                return result
        entry, target = self.target_for(finding)
        if target.casts and entry.kind != "class" and (finding.kind == Kind.TENSOR_ATTRIBUTE or (
                call is not None and finding.kind in (Kind.CALL, Kind.TENSOR_METHOD))):
            receiver = node.value if finding.kind != Kind.CALL else None
            nodes = cast_nodes(entry, target, call if finding.kind != Kind.TENSOR_ATTRIBUTE else None, receiver)
            if nodes and not (finding.kind == Kind.TENSOR_ATTRIBUTE and isinstance(node.ctx, ast.Store)):
                span = self.src.span(call if finding.kind != Kind.TENSOR_ATTRIBUTE else node)
                return with_casts(self, target, span, nodes,
                                  lambda: self._rewrite_target(finding, node, call, entry, target),
                                  truncated_nodes(entry, target, call, receiver))
        return self._rewrite_target(finding, node, call, entry, target)

    def _rewrite_target(self, finding: Finding, node, call, entry: Entry, target: Target) -> FindingRewrite:
        if target.templates == [""] or (call is None and "" in target.templates and (
                self._removable(node) or not any(target.templates))):  # `@torch.compile` goes
            return self._removal(finding, call or node)
        if finding.kind == Kind.LAYER_ATTRIBUTE and isinstance(node, ast.Constant):  # getattr(bn, 'weight')
            s, e = self.src.span(node)
            new_name = finding.mindspore_api.rsplit(".", 1)[-1]
            return FindingRewrite(finding, [Edit(s, e, repr(new_name))], True, [], (s, e))
        if finding.kind == Kind.LAYER_ATTRIBUTE and "|" in finding.mindspore_api:
            # a receiver narrowed to layers that name it differently: the first name the object has
            s, e = self.src.span(node)
            obj = self.src.segment(node.value)
            names = tuple(finding.mindspore_api.rsplit(".", 1)[-1].split("|"))
            text = f"getattr({obj}, next(a for a in {names!r} if hasattr({obj}, a)))"
            return FindingRewrite(finding, [Edit(s, e, text)], True, [], (s, e))
        if finding.kind == Kind.LAYER_ATTRIBUTE:
            end = self.src.end(node)
            new_name = finding.mindspore_api.rsplit(".", 1)[-1]
            return FindingRewrite(finding, [Edit(end - len(node.attr), end, new_name)], True, [], (end - len(node.attr), end))
        if finding.kind in MEMBER_KINDS:
            result = self._tensor_member(finding, node, call, entry, target)
        elif call is not None and finding.kind in (Kind.CALL, Kind.DECORATOR):
            out_kw = out_keyword(entry, call) if finding.kind == Kind.CALL else None
            result = self._call(finding, node, call, entry, target, skip=frozenset({"out"}) if out_kw else frozenset())
            if out_kw is not None:
                result.edits.extend(out_edits(self, call, out_kw))
            elif entry.kind == "function" and inplace_keyword(call, entry.params) is not None and "inplace" in target.args:
                result.edits.extend(store_into_first_argument(self, call, entry.params))  # F.relu(x, inplace=True)
        else:
            result = self._reference(finding, node, entry, target)
        if call is not None and result.span == self.src.span(call) and _asks_for_gradients(entry, call) \
                and not self._differentiated_leaf(call):
            result.edits += [Edit(result.span[0], result.span[0], self.namer.render("mindspore.Parameter") + "("),
                             Edit(result.span[1], result.span[1], ")")]
            result.notes.append("requires_grad=True: a mindspore.Parameter, which optimizers and gradients take")
        if target.status == Status.PARTIAL:
            result.safe = False
        if target.reason and target.status in (Status.PARTIAL, Status.DEFAULT_DIFF, Status.ARG_DIFF):
            result.notes.append(target.reason)
        return result

    def _differentiated_leaf(self, call: ast.Call) -> bool:
        """`x = torch.tensor(..., requires_grad=True)` where a gradient rewrite (MS230) makes `x` an input
        of the differentiated function: a plain tensor there (a Parameter mixed with tensors trips
        some MindSpore kernels' dtype checks)."""
        facts = self.context.facts if self.context is not None else None
        stmt = self.parents.get(id(call))
        if facts is None or not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1 \
                or not isinstance(stmt.targets[0], ast.Name):
            return False
        name = stmt.targets[0].id
        return any(plan is not None and name in plan.variables for plan, _ in facts.gradients.values())

    def rewrite_entry(self, finding: Finding) -> FindingRewrite:
        """The database rewrite of one use, without the statement-level rules."""
        return self._rewrite(finding)

    def _call(self, finding, func, call: ast.Call, entry: Entry, target: Target,
              skip: frozenset[str] = frozenset()) -> FindingRewrite:
        span = self.src.span(call)
        if target.templates:
            try:
                return self._in_training_mode(
                    self._template(finding, call, entry, target, receiver=None, span=span, skip=skip), entry, call)
            except CannotRewrite:
                # templates written for special forms only (`torch.ones([])`): other forms take the argument map
                if target.api is None or not all(_conditional(t) for t in target.templates):
                    raise
        try:
            rw = rewrite_arguments(self.src, call, entry, target, removed_keywords=skip, rendered=self.rendered,
                                   receiver_first=entry.kind == "method",  # `torch.Tensor.std(x, 0)`
                                   lists=self._list_names(call))
        except CannotRewrite as refused:
            if target.fallback_templates:
                # a form the argument map refuses (a value it cannot take, known now or only at run time): the
                # target's fallback templates take every argument themselves
                fallback = replace(target, templates=target.fallback_templates, fallback_templates=[], args={
                    name: ArgSpec(name, torch_default=spec.torch_default)  # at PyTorch's default counts as left out
                    for name, spec in target.args.items() if spec.torch_default is not None})
                try:
                    return self._in_training_mode(
                        self._template(finding, call, entry, fallback, receiver=None, span=span, skip=skip), entry, call)
                except CannotRewrite:
                    pass  # a form they do not take either (`nn.Conv2d(*args)`): the adapters below, or the map's reason
            adapted = self._adapted_call(finding, func, call, entry, target, span)
            if adapted is None and not skip:
                adapted = self._function_adapter_call(finding, func, call, entry, target, span)
            if adapted is not None:
                return adapted
            raise refused
        fs, fe = self.src.span(func)
        new_callee = self._container_class(entry, target) or self.layer_class(entry, target)
        if target.unbatched and entry.kind == "function":  # an unbatched input goes in as a batch of one
            new_callee = f"{self.namer.render('msdev.unbatched')}({new_callee}, {target.unbatched})"
        edits = list(rw.edits)
        if new_callee != self.src.text[fs:fe]:
            edits.append(Edit(fs, fe, new_callee))
        if mode_dependent(entry) and not self._in_cell_init(call):
            edits.append(Edit(span[1], span[1], ".set_train(True)"))  # built in training mode, as in PyTorch
        return FindingRewrite(finding, edits, rw.safe, rw.notes, span)

    def _in_training_mode(self, rewrite: FindingRewrite, entry: Entry, call: ast.Call) -> FindingRewrite:
        """A mode-dependent layer written from a template (a Cell built in place) starts in training mode,
        as the PyTorch module does, unless a Cell's __init__ builds it (the Cell's own mode then applies)."""
        if mode_dependent(entry) and not self._in_cell_init(call) and rewrite.span is not None:
            rewrite.edits.append(Edit(rewrite.span[1], rewrite.span[1], ".set_train(True)"))
        return rewrite

    def _adapted_call(self, finding, func, call: ast.Call, entry: Entry, target: Target, span
                      ) -> FindingRewrite | None:
        """A layer built with a value known only at run time where MindSpore accepts some values
        (`nn.LayerNorm(c, elementwise_affine=affine)`): the file's adapter class (rewrite/adapters.py)
        checks and maps the arguments when the layer is built. None when a written value is refused."""
        if entry.kind != "class":
            return None
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            # `nn.L1Loss(*args, reduction='sum')`: which parameters the star fills only the running program
            # knows, so the adapter binds them to PyTorch's names and maps them when the layer is built
            return self._adapter_built(finding, func, call, entry, target, span,
                                       "the arguments in *args / ** are mapped when the layer is built")
        params = [p for p in entry.params or () if not p.startswith("*")]
        named = list(zip(params, call.args)) + [(k.arg, k.value) for k in call.keywords if k.arg]
        runtime = []
        for name, value in named:
            spec = target.args.get(name)
            if spec is None:
                continue
            if spec.unsupported:
                return None
            if spec.allowed is not None and not arg_matches(value, self.src.text[slice(*self.src.span(value))],
                                                            spec.allowed):
                if literal(value) is not NOT_LITERAL:
                    return None
                runtime.append(f"{name} (only {', '.join(spec.allowed)})")
        if not runtime:
            return None
        return self._adapter_built(finding, func, call, entry, target, span,
                                   f"checks {', '.join(runtime)} when the layer is built", safe=False)

    def _adapter_built(self, finding, func, call: ast.Call, entry: Entry, target: Target, span, note: str,
                       safe: bool = True) -> FindingRewrite | None:
        """The call with the layer class replaced by the file's adapter class, which takes PyTorch's
        arguments as written; None when the argument map has no run-time form."""
        name = self.adapter_name(entry, target)
        if name is None:
            return None
        fs, fe = self.src.span(func)
        edits = [Edit(fs, fe, name)]
        if mode_dependent(entry) and not self._in_cell_init(call):
            edits.append(Edit(span[1], span[1], ".set_train(True)"))
        return FindingRewrite(finding, edits, safe, [f"{name}: {note}"], span)

    def _function_adapter_call(self, finding, func, call: ast.Call, entry: Entry, target: Target, span
                               ) -> FindingRewrite | None:
        """A function called with arguments only the running program knows (`torch.tile(*args)`,
        `torch.std(x, **options)`) that the argument map must convert by value or move: the file's
        function taking PyTorch's arguments (rewrite/adapters.py) maps them when the call runs."""
        if entry.kind != "function" or target.api is None or not (
                any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords)):
            return None
        name = self.function_adapter_name(entry, target)
        if name is None:
            return None
        fs, fe = self.src.span(func)
        return FindingRewrite(finding, [Edit(fs, fe, name)], True,
                              [f"{name} maps PyTorch's arguments when the call runs (they come through * or **)"],
                              span)

    def function_adapter_name(self, entry: Entry, target: Target) -> str | None:
        """The file's function taking PyTorch's arguments for `entry` (rewrite/adapters.py): the argument map
        applied when it runs, or, for a templated map, the first template its arguments fill. None when the
        map has no run-time form."""
        key = entry.api + "()"
        if key not in self.adapters:
            leaf = (entry.api if target.templates or not target.api else target.api).rsplit(".", 1)[-1]
            name = f"{leaf}_torch_args"
            while name in self.namer.taken:
                name += "_"
            if target.templates:
                code = expression_adapter_source(name, entry, target, self.namer.render)
            else:
                code = function_adapter_source(name, self.namer.render(target.api), entry, target)
            if code is None:
                return None
            self.namer.taken.add(name)
            self.adapters[key] = (name, code)
        return self.adapters[key][0]

    def _in_cell_init(self, node: ast.AST) -> bool:
        """Inside the `__init__` of a class that becomes a Cell (which sets training mode itself)."""
        parent = self.parents.get(id(node))
        while parent is not None:
            if self.cell_inits is None:
                if isinstance(parent, ast.FunctionDef) and parent.name == "__init__" and isinstance(
                        self.parents.get(id(parent)), ast.ClassDef):
                    return True
            elif id(parent) in self.cell_inits:
                return True
            parent = self.parents.get(id(parent))
        return False

    def _reference(self, finding, node, entry: Entry, target: Target) -> FindingRewrite:
        if isinstance(getattr(node, "ctx", None), ast.Store):
            return self._flag_assignment(finding, node, entry, target)
        if finding.kind == Kind.BASE_CLASS and entry.kind == "class" and definition_class(entry, target):
            # subclassed: the file definition taking PyTorch's arguments is the base (`class C(Constraint)`)
            name = self.namer.render(definition_class(entry, target))
            return FindingRewrite(finding, [Edit(*self.src.span(node), name)], True, [], self.src.span(node))
        whole = not all(map(_PLACEHOLDER.search, target.templates))  # a template naming a class as a whole
        bare = finding.kind in (Kind.REFERENCE, Kind.BASE_CLASS) or (
            finding.kind == Kind.DECORATOR and not isinstance(node, ast.Call))  # `@lazy_property`
        if target.templates and bare and (
                entry.kind == "attribute" or whole and (target.api is None or finding.kind == Kind.BASE_CLASS)):
            # a setting, or a class MindSpore lacks that the template names as a whole (a file definition)
            return self._template(finding, node, entry, target, receiver=None, span=self.src.span(node))
        s, e = self.src.span(node)
        notes = []
        safe = True
        if (entry.kind == "class" and target.templates and finding.kind == Kind.REFERENCE
                and not is_type_test(node, self.parents) and not in_annotation(self.parents, node)):
            # `norm_layer=nn.InstanceNorm2d`, built later as `norm_layer(c)`: a class that builds the template
            definition = definition_class(entry, target)
            if definition is not None:  # a file definition taking PyTorch's arguments (msdev's Upsample)
                name = self.namer.render(definition)
                return FindingRewrite(finding, [Edit(s, e, name)], True,
                                      [f"referenced, not called: {name} takes {entry.api}'s arguments"], (s, e))
            name = self.template_adapter_name(entry, target)
            if name is not None:
                return FindingRewrite(finding, [Edit(s, e, name)], True,
                                      [f"referenced, not called: {name} builds {entry.api}'s template from "
                                       "PyTorch's arguments"], (s, e))
        if entry.kind == "function" and finding.kind == Kind.REFERENCE and (
                target.differing_args() or target.templates):
            # `avg_pool = F.avg_pool2d`, called later with PyTorch's arguments: a function that maps them
            name = self.function_adapter_name(entry, target)
            if name is not None:
                return FindingRewrite(finding, [Edit(s, e, name)], True,
                                      [f"referenced, not called: {name} takes {entry.api}'s arguments"], (s, e))
        if target.api is None:
            raise CannotRewrite(target.reason or "only whole calls can be rewritten")
        partial = self._partial_call(node)
        if partial is not None and entry.kind == "class" and target.differing_args() and not target.templates:
            # the partial's result is called elsewhere with more PyTorch arguments: the adapter maps them all
            name = self.adapter_name(entry, target)
            if name is not None:
                return FindingRewrite(finding, [Edit(s, e, name)], True,
                                      [f"functools.partial of {name}, which takes PyTorch's arguments"], (s, e))
        if partial is not None and not target.templates:
            # functools.partial(nn.BatchNorm2d, eps=1e-3, device=d): its arguments are the layer's
            rw = rewrite_arguments(self.src, partial, entry, target, rendered=self.rendered)
            return FindingRewrite(finding, rw.edits + [Edit(s, e, self.namer.render(target.api))], rw.safe,
                                  rw.notes, self.src.span(self.parents[id(node)]))
        if (entry.kind == "class" and target.differing_args() and finding.kind == Kind.REFERENCE
                and not target.templates and not is_type_test(node, self.parents)
                and not in_annotation(self.parents, node)):  # an annotation names the type, never calls it
            name = self.adapter_name(entry, target)
            if name is not None:
                return FindingRewrite(finding, [Edit(s, e, name)], True,
                                      [f"referenced, not called: {name} takes PyTorch's arguments"], (s, e))
        if entry.kind in ("function", "class") and target.differing_args() and finding.kind == Kind.REFERENCE:
            safe = False
            notes.append(f"{entry.api} is referenced, not called: its arguments differ in {target.api}; "
                         "check the call sites")
        if finding.kind == Kind.BASE_CLASS and target.templates and not target.api.rpartition(".")[2][:1].isupper():
            # the target names a function (the template's documentation), not a class to derive from
            raise CannotRewrite(f"{entry.api} is written out per call (a template), so no class can derive from it: "
                                "write the subclass over MindSpore's counterpart")
        shown = self.namer.render(target.api) if is_type_test(node, self.parents) or in_annotation(
            self.parents, node) else self.layer_class(entry, target)
        return FindingRewrite(finding, [Edit(s, e, shown)], safe, notes, (s, e))

    def _list_names(self, node: ast.AST) -> frozenset[str]:
        """Names the function around `node` binds to a list display or comprehension."""
        if self._lists is None:  # one pass over the file's assignments, the first time it is asked
            self._lists = {}
            for n in self.nodes:
                if isinstance(n, ast.Assign) and isinstance(n.value, (ast.List, ast.ListComp)):
                    names = {t.id for t in n.targets if isinstance(t, ast.Name)}
                    if names:
                        scope = self._scope_of(n)
                        self._lists[id(scope)] = self._lists.get(id(scope), frozenset()) | names
        return self._lists.get(id(self._scope_of(node)), frozenset()) if self._lists else frozenset()

    def _scope_of(self, node: ast.AST) -> ast.AST | None:
        scope = self.parents.get(id(node))
        while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            scope = self.parents.get(id(scope))
        return scope

    def layer_class(self, entry: Entry, target: Target) -> str:
        """The target as the converted code names it; a layer whose `casts` say its float32 kernel is
        less exact than PyTorch's is its float64-computing subclass (`float64_layer(nn.SiLU)`; a
        convolution, which has no float64 kernel, `float64_conv(nn.Conv2d)`); one whose kernel has no
        float64 (`{float64: float32}`) computes float64 inputs in float32 (`float32_layer(nn.ReLU6)`); a transposed
        convolution takes unbatched input (`unbatched_conv(nn.Conv2dTranspose)`)."""
        name = self.namer.render(target.api)
        if entry.kind == "class" and target.casts == {"float32": "float64"}:
            factory = "msdev.float64_conv" if target.api in CONVOLUTION_LAYERS else "msdev.float64_layer"
            return f"{self.namer.render(factory)}({name})"
        if entry.kind == "class" and target.casts == {"float64": "float32"}:  # a kernel without float64
            return f"{self.namer.render('msdev.float32_layer')}({name})"
        if entry.kind == "class" and target.api in TRANSPOSED_CONVOLUTIONS:
            return f"{self.namer.render('msdev.unbatched_conv')}({name})"
        return name

    def _container_class(self, entry: Entry, target: Target) -> str | None:
        """The file's CellDict class that holds containers too, for `nn.ModuleDict(...)`."""
        if entry.api != MODULE_DICT or target.api != "mindspore.nn.CellDict":
            return None
        if entry.api not in self.adapters:
            name = "CellDictOfAnyCell"
            while name in self.namer.taken:
                name += "_"
            self.namer.taken.add(name)
            self.adapters[entry.api] = (name, any_cell_dict_source(name, self.namer.render(target.api),
                                                                   self.namer.render("mindspore.nn.Cell")))
        return self.adapters[entry.api][0]

    def adapter_name(self, entry: Entry, target: Target) -> str | None:
        """The file's adapter class for a layer referenced uncalled (rewrite/adapters.py); None for a target
        msdev writes out itself (no MindSpore class: `class FixedCategorical(Categorical)` subclasses the
        written-out Categorical, which takes PyTorch's arguments)."""
        if entry.api in self.adapters:
            return self.adapters[entry.api][0]
        if target.api is None:
            return None
        leaf = target.api.rsplit(".", 1)[-1]
        name = f"{leaf}TorchArgs"
        while name in self.namer.taken:
            name += "_"
        code = adapter_source(name, self.layer_class(entry, target), entry, target, self.namer.render(target.api),
                              self.namer.render)
        if code is None:
            return None
        self.namer.taken.add(name)
        self.adapters[entry.api] = (name, code)
        return name

    def template_adapter_name(self, entry: Entry, target: Target) -> str | None:
        """The file's adapter class for a templated layer referenced uncalled (rewrite/adapters.py);
        templates written for special forms only (`nn.GroupNorm(..., affine=False)`) leave the
        other forms, and so the class passed around, to the argument map's adapter."""
        if all(_conditional(t) for t in target.templates):
            return self.adapter_name(entry, target)
        if entry.api in self.adapters:
            return self.adapters[entry.api][0]
        name = f"{entry.api.rsplit('.', 1)[-1]}TorchArgs"
        while name in self.namer.taken:
            name += "_"
        code = template_adapter_source(name, entry, target, self.namer.render)
        if code is None and target.api is None:  # no MindSpore class to name: build the template's value
            code = expression_adapter_source(name, entry, target, self.namer.render)
        if code is None:
            return None
        self.namer.taken.add(name)
        self.adapters[entry.api] = (name, code)
        return name

    def _partial_call(self, node: ast.AST) -> ast.Call | None:
        """`functools.partial(node, ...)` with arguments: those arguments as a call of `node`."""
        parent = self.parents.get(id(node))
        if not (isinstance(parent, ast.Call) and parent.args and parent.args[0] is node
                and (len(parent.args) > 1 or parent.keywords)):
            return None
        func = parent.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name != "partial":
            return None
        call = ast.Call(func=node, args=parent.args[1:], keywords=parent.keywords)
        return ast.copy_location(call, parent)

    def _tensor_member(self, finding, node: ast.Attribute, call, entry: Entry, target: Target) -> FindingRewrite:
        is_call = finding.kind != Kind.TENSOR_ATTRIBUTE and call is not None
        span = self.src.span(call if is_call else node)
        if target.templates:
            if isinstance(node.ctx, ast.Store):
                raise CannotRewrite(f"assigning to {entry.api} has no automatic rewrite ({target.reason or entry.summary})")
            try:
                return self._template(finding, call if is_call else node, entry, target, receiver=node.value, span=span)
            except CannotRewrite:
                # templates written for special forms only (`x.div(2, rounding_mode='floor')`): other forms
                # take the argument map, as for functions
                if target.api is None or not is_call or not all(_conditional(t) for t in target.templates):
                    raise
        if target.api is None:
            raise CannotRewrite(target.reason or "no MindSpore counterpart")
        leaf = target.api.rsplit(".", 1)[-1]
        edits: list[Edit] = []
        rw = CallRewrite()
        if is_call:
            try:
                rw = rewrite_arguments(self.src, call, entry, target, skip_first_param=True, rendered=self.rendered)
            except CannotRewrite:
                if not target.fallback_templates:
                    raise
                # a form the argument map refuses: the method's fallback templates take the receiver and
                # every argument themselves (`net.named_modules(remove_duplicate=False)`)
                fallback = replace(target, templates=target.fallback_templates, fallback_templates=[], args={
                    name: ArgSpec(name, torch_default=spec.torch_default)
                    for name, spec in target.args.items() if spec.torch_default is not None})
                return self._template(finding, call, entry, fallback, receiver=node.value, span=span)
            edits.extend(rw.edits)
        attr_end = self.src.end(node)
        attr_start = attr_end - len(node.attr)
        promote = target.args.get("self")  # the receiver transformed (an int tensor made float)
        if promote is not None and promote.transform in NAMED_TRANSFORMS and is_call:
            rs, re_ = self.src.span(node.value)
            shown = NAMED_TRANSFORMS[promote.transform](node.value, self.rendered(node.value))
            if target.call_style != "function":
                edits.append(Edit(rs, re_, f"({shown})" if shown != self.rendered(node.value) else shown))
        if target.call_style == "function" and is_call:
            # x.foo(a) → ops.foo(x, a)
            receiver = self.rendered(node.value)
            if promote is not None and promote.transform in NAMED_TRANSFORMS:
                receiver = NAMED_TRANSFORMS[promote.transform](node.value, receiver)
            rs, _ = self.src.span(node)  # from a bracket that opens the receiver: `(a - b).relu()`
            paren = self.src.text.find("(", attr_end)
            sep = ", " if (call.args or call.keywords) else ""
            edits.append(Edit(rs, paren + 1, f"{self.namer.render(target.api)}({receiver}{sep}"))
        elif leaf != node.attr:
            edits.append(Edit(attr_start, attr_end, leaf))
        return FindingRewrite(finding, edits, rw.safe, rw.notes, span)

    def _flag_assignment(self, finding, node: ast.AST, entry: Entry, target: Target) -> FindingRewrite:
        """`torch.backends.cudnn.benchmark = True`: a setting MindSpore has no counterpart for (an
        attribute entry without a MindSpore api) is dropped; the statement becomes `pass`."""
        stmt = self.parents.get(id(node))
        if (entry.kind != "attribute" or target.api is not None or not target.templates
                or not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1 or stmt.targets[0] is not node):
            raise CannotRewrite(f"assigning to {entry.api} has no automatic rewrite ({target.reason or entry.summary})")
        span = self.src.span(stmt)
        return FindingRewrite(finding, [Edit(*span, "pass")], True, [], span)

    def _removable(self, node: ast.AST) -> bool:
        """The use is a statement of its own or a decorator, so an empty template can remove it."""
        parent = self.parents.get(id(node))
        return (isinstance(parent, ast.Expr) and parent.value is node) or (
            isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and any(d is node for d in parent.decorator_list))

    def _removal(self, finding, node: ast.AST) -> FindingRewrite:
        """An empty template: the use goes. Only a decorator can go without breaking its line."""
        parent = self.parents.get(id(node))
        if isinstance(parent, ast.Expr) and parent.value is node:  # `torch.fx.wrap('f')` as a statement
            from .imports import statement_removal

            edit = statement_removal(self.src, parent, self.parents)
            return FindingRewrite(finding, [edit], True, [], (edit.start, edit.end))
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
    def _spread_template(self, node: ast.Call, positional: list[str], target: Target, values: dict) -> str | None:
        """`m.add_module(*pair)`: one starred argument that fills every positional slot, passed on
        as written to a template that spells those slots in order (`setattr({self}, {name}, {module})`)."""
        if not (len(node.args) == 1 and isinstance(node.args[0], ast.Starred) and not node.keywords and positional):
            return None
        slots = _spread_slots(positional)
        for template in target.templates:
            if "; " in template or template.count(slots) != 1:
                continue
            if any(m.group(1) != "self" for m in PLACEHOLDER.finditer(template.replace(slots, ""))):
                continue
            text = template.replace(slots, self.rendered(node.args[0]))
            return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
        return None

    def _starred_template(self, finding, node: ast.Call, target: Target, receiver, span,
                          positional: list[str], keyword_only: list[str] = (), vararg: str = "") -> FindingRewrite:
        """`nn.init.uniform_(p, *bounds)`: a last starred argument whose length only the running program
        knows. The template becomes a lambda over PyTorch's parameters (`_a`, with the template's
        `{a=default}` defaults), called with the arguments as written, so Python binds them.
        PyTorch's keyword-only parameters the template reads follow them (keyword-only in the lambda too
        when one has no default: `torch.add(*args, alpha=2)`). The one template of a function with a `*name`
        parameter, a call taking PyTorch's parameters in their order (`{@msdev.einsum}({equation}, {operands})`),
        takes the arguments as written."""
        star = len(node.args) - 1
        if any(kw.arg is None for kw in node.keywords):  # `Layer(*args, **kwargs)`: both bound when the code runs
            return self._kwargs_template(finding, node, target, receiver, span, positional, frozenset())
        if receiver is None and not node.keywords and vararg and len(target.templates) == 1:
            # one form, PyTorch's `*operands` last: MindSpore's call binds the star as PyTorch would
            order = ", ".join(f"{{{p}}}" for p in [*positional, vararg])
            for template in target.templates:
                m = re.fullmatch(r"\{@([\w.]+)\}\((.*)\)", template.strip())
                if m and m.group(2) == order:
                    args = ", ".join(("*" + self.rendered(a.value)) if isinstance(a, ast.Starred) else self.rendered(a)
                                     for a in node.args)
                    text = f"{self.namer.render(m.group(1))}({args})"
                    return FindingRewrite(finding, [Edit(*span, text)], True,
                                          ["the arguments in *args are passed on in PyTorch's order"], span)
        if not isinstance(node.args[star], ast.Starred) or any(isinstance(a, ast.Starred) for a in node.args[:star]) \
                or star >= len(positional) or any(kw.arg not in (*positional, *keyword_only) for kw in node.keywords):
            raise CannotRewrite("arguments passed through *args cannot be matched")

        def unbound_slots(template: str) -> tuple[int, int]:
            """Slots the star may fill that the template needs without a default, then those it leaves
            out: a template with a default for every slot binds any length, and one that reads an
            optional slot (`{dtype=None}`) beats one that ignores it."""
            spelled = {m.group(1): m.group(2) for m in PLACEHOLDER.finditer(template)}
            slots = positional[star:]
            return (sum(p in spelled and spelled[p] is None for p in slots), sum(p not in spelled for p in slots))

        chosen = self._starred_choice(node, target, receiver, star, positional, keyword_only)
        if chosen is not None:
            return FindingRewrite(finding, [Edit(*span, chosen)], True,
                                  ["the arguments in *args are bound to PyTorch's parameters when the code runs, "
                                   "and the form is chosen by which of them are given"], span)
        for template in sorted(target.templates, key=unbound_slots):
            if not template or "; " in template or template.startswith(STATEMENT_TEMPLATE):
                continue
            found = [(m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(template)]
            names = {n for n, _ in found if not n.startswith("@") and n != "self"}
            defaults = {n: d for n, d in found if d is not None}
            given = {kw.arg for kw in node.keywords}
            keywords = [p for p in keyword_only if p in names and (p in defaults or p in given)]
            if not names <= {*positional, *keywords} or any(
                    kw.arg not in (*positional, *keywords) for kw in node.keywords):
                continue  # `{dim.int}`, `{mode.is_x}`: forms that need the argument's text
            params: list[str] = []
            for i, p in enumerate(positional):
                if i < star or (p in names and p not in defaults):
                    params.append(f"_{p}")
                else:  # the star may leave it out: the template's default, or unused (None)
                    params.append(f"_{p}={defaults.get(p, 'None')}")
            if any("=" in a and "=" not in b for a, b in zip(params, params[1:])):
                continue  # a required parameter after an optional one
            if any(p not in defaults for p in keywords):  # `alpha` given by keyword, without a default
                params.append("*")
            params += [f"_{p}={defaults[p]}" if p in defaults else f"_{p}" for p in keywords]
            body = PLACEHOLDER.sub(
                lambda m: self.namer.render(m.group(1)[1:]) if m.group(1).startswith("@")
                else (f"({self.rendered(receiver)})" if m.group(1) == "self"
                      else runtime_transform(target.args.get(m.group(1)), f"_{m.group(1)}")),
                template)
            args = [self.rendered(a) for a in node.args[:star]] + ["*" + self.rendered(node.args[star].value)]
            args += [f"_{kw.arg}={self.rendered(kw.value)}" for kw in node.keywords]
            given = {kw.arg for kw in node.keywords}
            ignored = [p for p in positional[star:] if p not in names and p not in given and not (
                target.args.get(p) is not None and target.args[p].drop)]  # a dropped one may go
            if ignored and len(target.templates) > 1 and not keywords:
                # a form that ignores an argument the star may hold (`torch.max(*args)` → amax of all):
                # each form applies only when the arguments it ignores are None
                chain = self._starred_chain(target, receiver, star, positional, given)
                if chain is not None:
                    text = f"(lambda {', '.join(chain[0])}: {chain[1]})({', '.join(args)})"
                    return FindingRewrite(finding, [Edit(*span, text)], True,
                                          ["the arguments in *args are bound to PyTorch's parameters when the code "
                                           "runs, and the form is chosen by which of them are given"], span)
            text = f"(lambda {', '.join(params)}: {body})({', '.join(args)})"
            return FindingRewrite(finding, [Edit(*span, text)], True,
                                  ["the arguments in *args are bound to PyTorch's parameters when the code runs"], span)
        raise CannotRewrite("arguments passed through *args cannot be matched")

    def _starred_chain(self, target: Target, receiver, star: int, positional: list[str],
                       given: set[str]) -> tuple[list[str], str] | None:
        """Parameters and body of a lambda over PyTorch's positional parameters (those the star may fill
        default to None) taking, when the code runs, the first template whose arguments without a
        default are given and whose left-out arguments are None. None when no template fits."""
        slots = positional[star:]
        branches = []
        for template in target.templates:
            if not template or "; " in template or template.startswith(STATEMENT_TEMPLATE):
                continue
            found = [(m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(template)]
            names = {n for n, _ in found if not n.startswith("@") and n != "self"}
            if not names <= set(positional):
                continue
            defaults = {n: d for n, d in found if d is not None}

            def slot(m: re.Match, defaults=defaults) -> str:
                name = m.group(1)
                if name.startswith("@"):
                    return self.namer.render(name[1:])
                if name == "self":
                    return f"({self.rendered(receiver)})"
                value = f"_{name}" if name not in defaults or name not in slots \
                    else f"(_{name} if _{name} is not None else {defaults[name]})"
                return runtime_transform(target.args.get(name), value)

            tests = [f"_{p} is not None" for p in slots if p in names and p not in defaults]
            tests += [f"_{p} is None" for p in slots if p not in names and p not in given and not (
                target.args.get(p) is not None and target.args[p].drop)]
            branches.append((" and ".join(tests) or "True", PLACEHOLDER.sub(slot, template)))
        if not branches:
            return None
        text = "(_ for _ in ()).throw(TypeError('msdev: no MindSpore form for these arguments'))"
        for test, body in reversed(branches):
            text = body if test == "True" else f"{body} if {test} else {text}"
        return [f"_{p}" for p in positional[:star]] + [f"_{p}=None" for p in slots], text

    def _starred_choice(self, node: ast.Call, target: Target, receiver, star: int, positional: list[str],
                        keyword_only) -> str | None:
        """Several templates that each need a different argument the star may fill (Upsample's
        `scale_factor` form and its `size` form): one lambda over PyTorch's parameters whose body
        takes, when the code runs, the first template whose needed arguments are not None; a template
        that needs none of them (else the last one) is taken otherwise. None when the templates do
        not fit this shape."""
        forms = []
        defaults: dict[str, str] = {}
        for template in target.templates:
            if not template or "; " in template or template.startswith(STATEMENT_TEMPLATE):
                return None
            found = [(m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(template)]
            names = {n for n, _ in found if not n.startswith("@") and n != "self"}
            if not names <= set(positional) or any(kw.arg not in positional for kw in node.keywords):
                return None
            for n, d in found:
                if d is not None and defaults.setdefault(n, d) != d:
                    return None  # two defaults for one parameter
            if set(positional[star:]) <= names:
                return None  # one form reads every argument the star may fill: no choice to make
            needed = [n for n in positional[star:] if n in names and all(
                d is None for m, d in found if m == n)]
            forms.append((template, needed))
        if len(forms) < 2 or sum(not needed for _, needed in forms) > 1:
            return None
        forms.sort(key=lambda f: not f[1])  # a form that needs nothing is the fallback; else the last form
        params = [f"_{p}" if i < star else f"_{p}={defaults.get(p, 'None')}" for i, p in enumerate(positional)]
        if any("=" in a and "=" not in b for a, b in zip(params, params[1:])):
            return None

        def body(template: str) -> str:
            return PLACEHOLDER.sub(
                lambda m: self.namer.render(m.group(1)[1:]) if m.group(1).startswith("@")
                else (f"({self.rendered(receiver)})" if m.group(1) == "self"
                      else runtime_transform(target.args.get(m.group(1)), f"_{m.group(1)}")),
                template)

        text = body(forms[-1][0])
        for template, needed in reversed(forms[:-1]):
            test = " and ".join(f"_{n} is not None" for n in needed)
            text = f"{body(template)} if {test} else {text}"
        args = [self.rendered(a) for a in node.args[:star]] + ["*" + self.rendered(node.args[star].value)]
        args += [f"_{kw.arg}={self.rendered(kw.value)}" for kw in node.keywords]
        return f"(lambda {', '.join(params)}: {text})({', '.join(args)})"

    def _kwargs_template(self, finding, node: ast.Call, target: Target, receiver, span,
                         positional: list[str], skip: frozenset[str]) -> FindingRewrite:
        """`torch.unique(x, **options)`: keywords only the running program knows. The arguments go
        into one dict under PyTorch's names, each template reads them from it, and the first
        template whose arguments the dict holds is taken when the code runs. A last `*args`
        (`nn.ConvTranspose2d(*args, **kwargs)`) fills the positional parameters after those written."""
        star = len(node.args) - 1 if node.args and isinstance(node.args[-1], ast.Starred) else len(node.args)
        if any(isinstance(a, ast.Starred) for a in node.args[:star]) or star > len(positional) or (
                star < len(node.args) and star == len(positional)):  # no positional parameter left for the star
            raise CannotRewrite("arguments passed through ** cannot be matched")
        branches: list[tuple[str, str]] = []
        for template in target.templates:
            if not template or "; " in template or template.startswith(STATEMENT_TEMPLATE):
                continue
            found = [(m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(template)]
            names = {n for n, _ in found if not n.startswith("@") and n != "self"}
            if any("." in n for n in names):
                continue  # `{dim.int}`, `{mode.is_x}`: forms that need the argument's text
            required = sorted({n for n, d in found if n in names and d is None})
            body = PLACEHOLDER.sub(
                lambda m: self.namer.render(m.group(1)[1:]) if m.group(1).startswith("@")
                else f"({self.rendered(receiver)})" if m.group(1) == "self"
                else f"kw_[{m.group(1)!r}]" if m.group(2) is None else f"kw_.get({m.group(1)!r}, {m.group(2)})",
                template)
            branches.append((" and ".join(f"{n!r} in kw_" for n in required), body))
        if not branches:
            raise CannotRewrite("arguments passed through ** cannot be matched")
        # rendered only now: a refused form leaves the arguments' own rewrites to be applied in place
        items = [f"{positional[i]!r}: {self.rendered(a)}" for i, a in enumerate(node.args[:star])]
        if star < len(node.args):
            names = ", ".join(repr(p) for p in positional[star:])
            items.append(f"**dict(zip(({names},), {self.rendered(node.args[star].value)}))")
        items += [f"**{self.rendered(kw.value)}" if kw.arg is None else f"{kw.arg!r}: {self.rendered(kw.value)}"
                  for kw in node.keywords if kw.arg not in skip]
        text = branches[-1][1]
        for cond, body in reversed(branches[:-1]):
            text = f"({body}) if {cond} else {text}" if cond else body
        text = f"(lambda kw_: {text})({{{', '.join(items)}}})"
        return FindingRewrite(finding, [Edit(*span, text)], True,
                              ["the keywords in ** are read when the code runs"], span)

    def _template(self, finding, node: ast.AST, entry: Entry, target: Target, receiver, span,
                  skip: frozenset[str] = frozenset()) -> FindingRewrite:
        values: dict[str, str] = {}
        nodes: dict[str, ast.AST] = {}
        if receiver is None and entry.kind == "method" and isinstance(node, ast.Call) and node.args \
                and not isinstance(node.args[0], ast.Starred):
            # `torch.Tensor.scatter_add(x, 0, i, s)`: the method called through the class takes its
            # tensor first, so the template reads it as `{self}` and the rest as the method's arguments
            receiver, node = node.args[0], _without_first_argument(node)
        #: `x.mul_(a).add_(b)`: the receiver updates `x` and returns it, so the template's later
        #: `{self}`s read `x` instead of running the update again
        self_again: str | None = None
        if receiver is not None:
            values["self"] = self.rendered(receiver)
            root = _inplace_chain_root(receiver)
            if root is not None:
                self_again = self.rendered(root)
        if isinstance(node, ast.Call):
            params = list(entry.params or [])
            if receiver is not None and params and params[0] in ("self", "input"):
                params = params[1:]
            # only the slots before `*` / `*name` take positional arguments: one past them (the size
            # form `torch.Tensor(2, 3)`) is a form no template was written for, never a dropped value
            positional = next((params[:i] for i, p in enumerate(params) if p.startswith("*")), params)
            # a `*name` slot right after them collects the remaining positional arguments, as written,
            # for a template that spells `{name}` (`checkpoint(fn, *args)` → `fn(a, b)`)
            star = params[len(positional)][1:] if len(params) > len(positional) else ""
            extra: list[str] = []
            spread = self._spread_template(node, positional, target, values)
            if spread is not None:
                s, e = span
                return FindingRewrite(finding, [Edit(s, e, spread)], True, [], span)
            for i, arg in enumerate(node.args):
                if isinstance(arg, ast.Starred) and not (star and i >= len(positional)):
                    keyword_only = params[params.index("*") + 1:] if "*" in params else []
                    return self._starred_template(finding, node, target, receiver, span, positional, keyword_only,
                                                  star)
                if i >= len(positional):
                    if not star or not any(f"{{{star}" in t for t in target.templates):
                        raise CannotRewrite(f"this form of {entry.api} ({len(node.args)} positional arguments) "
                                            f"has no automatic rewrite")
                    extra.append(self.rendered(arg))
                    continue
                if positional[i] in skip:
                    continue  # `out` given in its place: stored by the caller
                values[positional[i]] = self.rendered(arg)
                nodes[positional[i]] = arg
            if extra:
                values[star] = ", ".join(extra)
                if len(extra) == 1:
                    nodes[star] = node.args[len(positional)]  # `torch.ones([])`: the one shape, as written
            for kw in node.keywords:
                if kw.arg in skip:
                    continue
                if kw.arg is None:
                    return self._kwargs_template(finding, node, target, receiver, span, positional, skip)
                name = torch_keyword(kw.arg, entry.params)
                values[name] = self.rendered(kw.value)
                nodes[name] = kw.value
            reduction = legacy_reduction({n: (v, values[n]) for n, v in nodes.items()}, entry.params)
            if reduction is not None:  # size_average/reduce: the `reduction` PyTorch derives from them
                for name in LEGACY_ARGS:
                    values.pop(name, None), nodes.pop(name, None)
                values["reduction"], nodes["reduction"] = reduction, ast.parse(reduction, mode="eval").body
        notes = _check_template_args(entry, target, nodes, values, self.src)
        for name, arg_node in nodes.items():
            # an argument written at PyTorch's default (`size=None` next to a scale factor) is as good
            # as left out: it does not keep the template written for its absence from applying
            spec = target.args.get(name)
            if spec is not None and spec.torch_default is not None and not spec.drop and \
                    arg_matches(arg_node, values[name], [spec.torch_default]):
                del values[name]
        # an input PyTorch promotes to float (int tensor into a float-only kernel) is promoted in a
        # template too; parenthesised, since the template may put it next to an operator or attribute
        for name, arg_node in [*nodes.items(), *([("self", receiver)] if receiver is not None else [])]:
            spec = target.args.get(name)
            if spec is not None and spec.transform == "promote_float" and name in values:
                shown = NAMED_TRANSFORMS["promote_float"](arg_node, values[name])
                if shown != values[name]:
                    values[name] = f"({shown})"
            elif spec is not None and spec.transform in ("sizes", "factors", "flag", "bool_mask", "tuple") and name in values:
                values[name] = NAMED_TRANSFORMS[spec.transform](arg_node, values[name])  # `[0, 1]` → `(0, 1)`
        passed = set(values) - {"self"}
        # `{dim.int}`: the argument when it is surely an int (a literal, or given by its keyword), for a
        # template that must not take a tensor in that slot (`torch.max(a, b)` is the elementwise maximum)
        keywords = {kw.arg for kw in node.keywords} if isinstance(node, ast.Call) else set()
        # `{persistent.false}`: the argument when it is the literal False (a template for that case only)
        for name in list(values):
            if name in keywords or _int_literal(nodes.get(name)):
                values[f"{name}.int"] = values[name]
            if isinstance(nodes.get(name), ast.Name):  # `{tensor.var}`: a variable, which may hold None
                values[f"{name}.var"] = values[name]
            if isinstance(nodes.get(name), (ast.List, ast.Tuple)) and not nodes[name].elts:
                values[f"{name}.is_empty"] = values[name]  # `torch.ones([])`: a 0-d shape
            if isinstance(nodes.get(name), (ast.List, ast.Tuple)) and any(map(_may_be_none, nodes[name].elts)):
                values[f"{name}.holds_none"] = values[name]  # `[block, down if not last else None]`
            # `{mode.is_bicubic}`, `{persistent.is_False}`: the argument only when it is written as that
            # literal (a word, True, False or None), for a template that rewrites that form its own way
            node_value = getattr(nodes.get(name), "value", None)
            if isinstance(nodes.get(name), ast.Constant) and (
                    isinstance(node_value, str) and node_value.isidentifier()
                    or isinstance(node_value, bool) or node_value is None):
                values[f"{name}.is_{node_value}"] = values[name]
        if isinstance(node, ast.Call) and entry.params and any("holds_none}" in t for t in target.templates) \
                and self._receives_none(node):
            # `self.skips = nn.ModuleList()` and later `self.skips.append(None)` (pytorch-tcn)
            values.setdefault(f"{entry.params[0]}.holds_none", values.get(entry.params[0], ""))
        for template in target.templates:
            found = [(m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(template)]
            known = {n for n, _ in found if not n.startswith("@")}
            known |= {_base_name(n) for n in known}
            # a factory keyword the entry maps itself (`layout` allowed as torch.sparse_csr) keeps its own rule
            known |= {n for n in passed - known - _ignorable(target) if droppable_factory_keyword(n, values[n])}
            wanted = {n for n, default in found if not n.startswith("@") and default is None}
            if not wanted <= set(values) or not passed <= known | _ignorable(target):
                continue
            if receiver is None and not isinstance(node, ast.Call) and len(wanted) < len(known - {"self"}):
                continue  # a class named, not called (a base class): not the call its defaults fill in
            if not template:  # an empty template: the use goes (a decorator, or a statement of its own)
                if not self._removable(node) and any(target.templates[target.templates.index(template) + 1:]):
                    continue  # a later template gives the value (`None` where dynamo assigns the result)
                return self._removal(finding, node)
            if ("; " in template or template.startswith(STATEMENT_TEMPLATE)) and \
                    not isinstance(self.parents.get(id(node)), ast.Expr):
                continue  # statements (several, or `assert ...`): only where the use is a statement of its own
            template = template.removeprefix(STATEMENT_ONLY)
            if self_again is not None and template.count("{self}") > 1:
                first = template.index("{self}") + len("{self}")
                template = template[:first] + template[first:].replace("{self}", "{self.again}")
                values["self.again"] = self_again
            bound = _bound_receiver(receiver, template, values) if self_again is None and not target.casts else None
            shown = dict(values, self=bound) if bound else values
            text = PLACEHOLDER.sub(
                lambda m: self.namer.render(m.group(1)[1:]) if m.group(1).startswith("@")
                else _grouped(None if bound and m.group(1) == "self" else
                              receiver if m.group(1) == "self" else nodes.get(_base_name(m.group(1))),
                              shown[m.group(1)], m.string[:m.start()], m.string[m.end():])
                if m.group(1) in shown else m.group(2), template)
            if bound:
                text = f"(lambda {bound}: {text})({values['self']})"
            if isinstance(self.parents.get(id(node)), (ast.Attribute, ast.Subscript, ast.Call)) and _needs_parens(text):
                text = f"({text})"
            s, e = span
            dropped = [n for n in notes if n[0] not in known]
            return FindingRewrite(finding, [Edit(s, e, text)], not dropped, [n[1] for n in dropped], span)
        raise CannotRewrite(f"this form of {entry.api} has no automatic rewrite "
                            f"({target.reason or 'see the difference note'})")


def _without_first_argument(call: ast.Call) -> ast.Call:
    """A copy of `call` without its first positional argument (the tensor of an unbound method call)."""
    rest = ast.Call(func=call.func, args=call.args[1:], keywords=call.keywords)
    return ast.copy_location(rest, call)


def _inplace_chain_root(node) -> ast.AST | None:
    """`x` for a receiver `x.mul_(a)` (or `x.mul_(a).div_(b)`): in-place Tensor methods return the
    tensor they updated; None for any other receiver."""
    seen = False
    while (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
           and node.func.attr.endswith("_") and not node.func.attr.endswith("__")):
        node, seen = node.func.value, True
    return node if seen and isinstance(node, (ast.Name, ast.Attribute)) else None


def _bound_receiver(receiver, template: str, values: dict[str, str]) -> str | None:
    """A lambda parameter for a receiver that calls something (`self.bn(x).relu_()`,
    `torch.rand(3).mul_(2)`) and that the template reads more than once: the call then runs once,
    as in PyTorch (a layer in training mode updates its statistics once, a random draw is one draw)."""
    if receiver is None or template.count("{self}") < 2 or not any(isinstance(n, ast.Call) for n in ast.walk(receiver)):
        return None
    used = set(re.findall(r"[A-Za-z_]\w*", template + " " + " ".join(values.values())))
    name = "t_"
    while name in used:
        name += "_"
    return name


def _asks_for_gradients(entry: Entry, call: ast.Call) -> bool:
    """A tensor factory called with `requires_grad=True`: PyTorch's trainable leaf. A MindSpore
    optimizer takes only Parameters (a plain tensor fails in its constructor)."""
    return entry.returns == "tensor" and "requires_grad" in (entry.params or ()) and any(
        kw.arg == "requires_grad" and literal(kw.value) is True for kw in call.keywords)


def _conditional(template: str) -> bool:
    """A template that applies only under a condition on an argument (`{size.is_empty}`, `{dim.int}`)."""
    return any(_base_name(m.group(1)) != m.group(1) for m in PLACEHOLDER.finditer(template))


def _base_name(placeholder: str) -> str:
    """`dim.int`, `tensor.var`, `mode.is_bicubic` and `modules.holds_none` stand for the argument under a condition."""
    name, dot, cond = placeholder.partition(".")
    return name if dot and (cond in CONDITIONS or cond.startswith("is_")) else placeholder


def _same_target(a: ast.AST, b: ast.AST) -> bool:
    """`self.x` and `self.x` (or `x` and `x`) written twice."""
    if isinstance(a, ast.Name) and isinstance(b, ast.Name):
        return a.id == b.id
    return (isinstance(a, ast.Attribute) and isinstance(b, ast.Attribute) and a.attr == b.attr
            and _same_target(a.value, b.value))


def _none_factories(scope: ast.AST) -> set[str]:
    """Names `scope` binds to a lambda or local function that may return None (perceiver's
    `get_attn_residual = lambda: (Residual(...) if attn_residual else None)`), so a call of one may
    append None to a container."""
    names = set()
    for n in ast.walk(scope):
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Lambda) and _may_be_none(n.value.body):
            names.update(t.id for t in n.targets if isinstance(t, ast.Name))
        elif isinstance(n, ast.FunctionDef) and any(
                isinstance(r, ast.Return) and (r.value is None or _may_be_none(r.value)) for r in ast.walk(n)):
            names.add(n.name)
    return names


def _may_be_none(node: ast.expr) -> bool:
    """`None`, or a conditional expression with None in a branch."""
    if isinstance(node, ast.IfExp):
        return _may_be_none(node.body) or _may_be_none(node.orelse)
    return isinstance(node, ast.Constant) and node.value is None


def _int_literal(node) -> bool:
    """`1`, `-1`: an argument written as an int literal."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) is int


#: templates that are a statement rather than an expression (`torch._assert` → `assert c, m`)
#: a template used only where the call is a statement of its own (its value unused), written without the prefix
STATEMENT_ONLY = "statement: "
STATEMENT_TEMPLATE = ("assert ", "if ", "raise ", STATEMENT_ONLY)


def _spread_slots(positional: list[str]) -> str:
    return ", ".join(f"{{{p}}}" for p in positional)


def checked_at_run_time(node: ast.AST, text: str, allowed: list[str], what: str) -> str | None:
    """A variable passed where the template takes only some literal values (`recompute_scale_factor=rc`,
    torchvision's detection transform: None or True at run time): the variable, checked when the call
    runs (a ValueError names the argument otherwise). None when the value is not a plain variable or
    an allowed value is not a literal."""
    if not isinstance(node, ast.Name):
        return None
    try:
        values = tuple(ast.literal_eval(a) for a in allowed)
    except (ValueError, SyntaxError):
        return None
    message = f"{what} must be one of {', '.join(map(repr, values))} in MindSpore"
    return (f"(lambda v: v if any(v is a or type(v) is type(a) and v == a for a in {values!r}) "
            f"else (_ for _ in ()).throw(ValueError({message!r})))({text})")


def _check_template_args(entry: Entry, target: Target, nodes: dict[str, ast.AST],
                         values: dict[str, str], src) -> list[tuple[str, str]]:
    """The argument map's rules for a templated call: `unsupported` and `allowed` refuse the use; a
    dropped argument at a value other than PyTorch's default gives a (name, note) the caller reports
    when the chosen template leaves that argument out."""
    notes = []
    # `{padding_mode.is_reflect}`: a template written for that literal takes it, whatever the map allows
    literal_forms = {m.group(1) for t in target.templates for m in PLACEHOLDER.finditer(t) if ".is_" in m.group(1)}
    for name, node in nodes.items():
        spec = target.args.get(name)
        if spec is None:
            continue
        if isinstance(node, ast.Constant) and f"{name}.is_{node.value}" in literal_forms:
            continue
        text = values[name]
        if spec.unsupported:
            raise CannotRewrite(f"argument '{name}' has no MindSpore counterpart: {spec.unsupported}")
        if spec.allowed is not None and not arg_matches(node, text, spec.allowed) \
                and not arg_matches(node, src.text[slice(*src.span(node))], spec.allowed):  # as PyTorch spells it
            checked = checked_at_run_time(node, text, spec.allowed, f"{entry.api}: {name}") \
                if not spec.drop else None
            if checked is None:
                raise CannotRewrite(f"{name}={text} is not supported by the rewrite of {entry.api} "
                                    f"(only {', '.join(spec.allowed)}){': ' + spec.drop if spec.drop else ''}")
            values[name] = checked
            continue
        if spec.drop and spec.allowed is None and not (
                spec.torch_default is not None and arg_matches(node, text, [spec.torch_default])):
            notes.append((name, f"dropped {name}={text}: {spec.drop}"))
    return notes


#: layers whose result depends on training mode (dropout, batch statistics, random slopes), and Sequential,
#: whose own `training` code reads and whose later children (`net.append(nn.Dropout(p))`) take its mode
_MODE_DEPENDENT = ("Dropout", "BatchNorm", "RReLU", "RNN", "LSTM", "GRU", "MultiheadAttention", "Transformer",
                   "Sequential")


def mode_dependent(entry: Entry) -> bool:
    """A torch.nn layer that computes differently in training mode."""
    if entry.kind != "class" or entry.returns != "module" or not entry.api.startswith("torch.nn."):
        return False
    leaf = entry.api.rsplit(".", 1)[-1]
    return any(word in leaf for word in _MODE_DEPENDENT) and not leaf.endswith("Cell")


def _grouped(node: ast.AST | None, text: str, before: str, after: str) -> str:
    """An argument as the template places it: alone between `(`/`,`/`=` and `)`/`,` it stays as
    written; next to an operator, `.attr` or `[i]` an expression gets parentheses (`(a + b).unsqueeze(2)`),
    a negation only before `.`, `[`, `(` or `**`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, complex)) and after.startswith("."):
        return f"({text})"  # `0.shape` does not parse
    if node is None or isinstance(node, _ATOMIC):
        return text
    if isinstance(node, ast.UnaryOp):
        return f"({text})" if after.startswith((".", "[", "(", "**")) else text
    alone = before.rstrip().endswith(("(", ",", "=", "[")) and after.lstrip().startswith((")", ",", "]"))
    return text if alone else f"({text})"


def as_entry(finding: Finding, entry: Entry, profile: str) -> Finding:
    """The same use, rewritten through another entry (the out-of-place form of an in-place API)."""
    target = entry.target(profile)
    return Finding(finding.line, finding.column, finding.end_line, finding.end_column, entry.api, finding.kind,
                   finding.confidence, target.status, target.api, finding.note_url, finding.message, entry, None,
                   finding.node)


def _ignorable(target: Target) -> set[str]:
    """Arguments a template may silently drop (declared with `drop` in the argument map)."""
    return {name for name, spec in target.args.items() if spec.drop}


def _needs_parens(text: str) -> bool:
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return True
    return isinstance(node, (ast.BinOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.UnaryOp, ast.Lambda))
