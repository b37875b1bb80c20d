"""The finder: every PyTorch use in a Python module, with exact positions.

One pass over the standard `ast` (libcst is ~15x slower on real code). Each expression is
evaluated to a small abstract value — a PyTorch name, a tensor, a module instance, or nothing —
so that aliases, rebinds and tensor receivers are resolved the way Python would resolve them:

* imports of every form bind names to dotted PyTorch paths (hoisted per scope, so a function
  sees the module's imports wherever they are written, including `try/except ImportError`);
* `conv = nn.Conv2d` rebinds, `self.<attr>` assignments and function parameters are tracked;
* Tensor methods are reported only on receivers known to be tensors: results of torch calls,
  annotated parameters, `nn.Parameter`/buffers, `forward` arguments (`likely`), results of
  calling a module instance (`likely`). A bare `.view(` on anything else is not a finding.

Function bodies are analysed after the enclosing scope is complete, as Python runs them.
"""

from __future__ import annotations

import ast
import dataclasses
from typing import Iterable

from ..db.loader import Database
from ..db.model import Entry
from ..findings import Confidence, Finding, Kind, Status
from ..textlines import split_lines
from .project import PLAIN_BASES, TORCH_ROOTS, ModuleContext, is_torch_module
from .context import FileContext
from .child_layers import CHILD_LAYER_NAME, CHILD_LAYER_STATUS, child_assignment_root
from .operators import (INDEX_EXPRESSIONS, MIXED_COMPLEX, OPERATOR_APIS, OPERATOR_NAME, OPERATOR_STATUS,
                        REFLECTED, SHIFTS, computed_slices, known_bool, operator_detail)
from .star_imports import free_names, torch_star_modules
from .slicing import STEPPED_SLICE_NAME, STEPPED_SLICE_STATUS, stepped_axes
from .return_types import FIELDS as NAMED_TUPLE_FIELDS

CERTAIN = Confidence.CERTAIN
LIKELY = Confidence.LIKELY

# Abstract values. A value is a tuple (tag, payload, confidence) or None (unknown / not torch).
REF = 0  # payload: dotted PyTorch name
TENSOR = 1  # payload: None
MODULE = 2  # payload: dotted class name of the nn.Module instance, or None
FUNCTION = 3  # payload: the ast.FunctionDef of a user function (its calls carry tensors in and out)
TENSOR_LIST = 4  # payload: None; a list or tuple whose elements are tensors
EXTERNAL = 6  # payload: (module, function) of a function another module of the package defines
PARTIAL = 5  # payload: dotted PyTorch class that `functools.partial(nn.X, ...)` builds when called
BOUND = 9  # payload: the ast.FunctionDef that `types.MethodType(f, obj)` binds to an object
PROJECT_MODULE = 8  # payload: local name of a module of the package (`from . import initialization as init`)
OBJECT = 7  # payload: dotted class name of an LR scheduler or distribution instance (members have entries)
FUNCTION_OF_TENSOR = 10  # payload: None; a lambda whose body gives a tensor (mapped over a sequence)
TENSOR_DICT = 11  # payload: None; a dict whose values are tensors (`.values()`, `.items()` give them)
PARAM_GROUP = 12  # payload: None; an optimizer's parameter group (a dict whose 'params' are tensors)
OPTIMIZER_STATE = 13  # payload: None; a custom optimizer's `self.state[p]` (its named entries are tensors)
PLAIN_CLASS = 14  # payload: class name; a class of the package that derives from no PyTorch type
#: a parameter kind (InferenceFacts.params): the function is given to `module.apply`, so this parameter
#: receives modules of any class
ANY_MODULE = 16
PLAIN = 15  # payload: class name; an instance of such a class: its methods are its own (torch_complex's
#           ComplexTensor.fill_, a box list's clone()), never taken for Tensor methods
#: optimizer base classes whose subclasses' step() runs under msdev's Optimizer
_OPTIMIZER_BASES = frozenset({"torch.optim.Optimizer", "torch.optim.optimizer.Optimizer"})
#: classes whose instances the finder follows, with the base class that holds their members' entries
_OBJECT_BASES = {"torch.optim.lr_scheduler.": "torch.optim.lr_scheduler.LRScheduler",
                 "torch.distributions.": "torch.distributions.Distribution", "torch.device": "torch.device",
                 "torch.optim.": "torch.optim.Optimizer", "torch.Size": "torch.Size"}
#: the scheduler namespace: a class deriving from one of its schedulers builds scheduler objects
_SCHEDULER_PREFIX = "torch.optim.lr_scheduler."
#: functions that give a torch.device, whose members (`.type`, `.index`) have entries
_DEVICE_FUNCTIONS = frozenset({"torch.get_default_device"})
_NOTHING = None


#: functions that give a tuple of tensors, not a tensor: `coords[::-1]` on torch.meshgrid's result
#: reverses the tuple (torchvision RAFT), it is no stepped slice of a tensor
_TENSOR_SEQUENCE_FUNCTIONS = frozenset({
    "torch.meshgrid", "torch.split", "torch.chunk", "torch.unbind", "torch.tensor_split", "torch.hsplit",
    "torch.vsplit", "torch.dsplit", "torch.broadcast_tensors", "torch.functional.meshgrid",
    "torch.functional.split", "torch.functional.broadcast_tensors"})
#: Tensor attributes that give a tensor back (others, like .shape or .device, do not)
_TENSOR_VALUED_ATTRS = frozenset({"data", "T", "mT", "H", "mH", "grad", "real", "imag"})
#: nn.Module methods that return the module they were called on
_RETURNS_MODULE = frozenset({"eval", "train", "to", "cpu", "cuda", "float", "double", "half", "bfloat16",
                             "requires_grad_", "apply", "share_memory", "to_empty"})
#: module attributes that hold tensors (a module's parameters and buffers)
# what indexing a container layer built in place gives (`model[0]`, `blocks[-1]`, `params[1]`)
_INDEXED_CONTAINERS = {
    "torch.nn.Sequential": (MODULE, None, LIKELY),
    "torch.nn.ModuleList": (MODULE, None, LIKELY),
    "torch.nn.ModuleDict": (MODULE, None, LIKELY),
    "torch.nn.ParameterList": (TENSOR, None, LIKELY),
    "torch.nn.ParameterDict": (TENSOR, None, LIKELY),
}
_MODULE_TENSOR_ATTRS = frozenset({"weight", "bias", "running_mean", "running_var", "in_proj_weight",
                                  "in_proj_bias", "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"})
#: methods of nn.Module that give module instances
_RENAMED_PARAMETERS: dict = {}


def _renamed_parameters(db, profile: str) -> dict[str, tuple[str, ...]]:
    """Parameter names of torch.nn layers (weight, bias, running_mean, running_var) → the MindSpore
    names layers give them (weight → gamma, w, embedding_table), from the database's attribute maps."""
    key = (id(db), profile)
    if key not in _RENAMED_PARAMETERS:
        found: dict[str, dict[str, None]] = {}
        for api, entry in db.entries.items():
            if not api.startswith("torch.nn.") or entry.kind != "class":
                continue
            attributes = entry.target(profile).attributes or {}
            for name in ("weight", "bias", "running_mean", "running_var"):
                if attributes.get(name) and attributes[name] != name:
                    found.setdefault(name, {})[attributes[name]] = None
        _RENAMED_PARAMETERS[key] = {k: tuple(sorted(v)) for k, v in found.items()}
    return _RENAMED_PARAMETERS[key]


_MODULE_ITERATORS = frozenset({"modules", "children"})
_NAMED_MODULE_ITERATORS = frozenset({"named_modules", "named_children"})
#: namespaces whose unknown lowercase functions most likely return tensors
_TENSOR_FUNCTION_NAMESPACES = frozenset({"torch", "torch.nn.functional", "torch.linalg", "torch.fft", "torch.special"})

_TENSOR_CLASSES = frozenset({"torch.Tensor", "torch.nn.Parameter", "torch.nn.parameter.Parameter"})

#: functions of libraries other than torch that take and give PyTorch tensors (`attn = rearrange(x, ...)`,
#: then `attn.softmax(dim=1)` is a Tensor method); einops' run on MindSpore through rewrite/einops_runtime.py
_TENSOR_LIBRARY_FUNCTIONS = {"einops": frozenset({"rearrange", "repeat", "reduce", "einsum"})}
_AUTOGRAD_FUNCTION = frozenset({"torch.autograd.Function"})



# defining-module prefixes whose public names live one package up (checked in this order; only a
# name the database holds under the package is redirected)
_REEXPORTING = (
    ("torch.nn.modules.", "torch.nn."),
    ("torch.utils.data.sampler.", "torch.utils.data."),
    ("torch.utils.data.dataset.", "torch.utils.data."),
    ("torch.utils.data.dataloader.", "torch.utils.data."),
    ("torch.utils.data._utils.collate.", "torch.utils.data."),
    ("torch.random.", "torch."),
    ("torch.optim.", "torch.optim."),                  # torch.optim.adam.Adam
    ("torch.distributions.", "torch.distributions."),  # torch.distributions.normal.Normal
    ("torch.autograd.", "torch.autograd."),            # torch.autograd.grad_mode.no_grad
    ("torch.nn.parallel.data_parallel.", "torch.nn."),   # torch.nn.DataParallel
    ("torch.amp.autocast_mode.", "torch.amp."),
    ("torch.cuda.amp.autocast_mode.", "torch.cuda.amp."),
)

#: modules a torch module imports under another name, reached through it (`from torch.functional import F`
#: is torch.nn.functional, which torch/functional.py imports as F)
_MODULE_ALIASES = (("torch.functional.F.", "torch.nn.functional."),
                   ("torch.functional.", "torch."))  # torch.functional.broadcast_tensors (dynamo's graphs)
#: classes the engine knows by their public name without a database entry, under their defining module
_DEFINED_AS = {"torch.autograd.function.Function": "torch.autograd.Function"}


def _package_name(dotted: str) -> str:
    """The name a package re-exports a class under (`torch.distributions.bernoulli.Bernoulli` is
    `torch.distributions.Bernoulli`), which keys the entries of its members; else the name itself."""
    for defining, package in _REEXPORTING:
        if dotted.startswith(defining):
            return package + dotted.rsplit(".", 1)[1]
    return dotted


class InferenceFacts:
    """What one pass over a file learnt about its own functions, for the next pass: which
    parameters receive tensors, which functions return them, which `self.<attr>` hold them.
    Python runs a helper after its caller is defined, so a helper's body is read again once its
    callers are known: infer_and_find repeats the pass while a fact grows after the pass read it
    (`stale`). A fact that grows before any read changes nothing a repeat would see, so a pass
    whose reads all saw final facts is the last one (the repeat would find the same)."""

    def __init__(self):
        self.params: dict[int, set[str]] = {}  # id(FunctionDef) → parameter names given tensors
        self.returns: set[int] = set()  # id(FunctionDef) of functions returning a tensor
        self.module_returns: set[int] = set()  # id(FunctionDef) of functions returning an nn.Module
        #: id(FunctionDef) → the torch.distributions class the function returns (`def dist(mu): return Normal(...)`)
        self.distribution_returns: dict[int, str] = {}
        self.plain_returns: dict[int, str] = {}  # id(function) → the plain class its result is an instance of
        #: user nn.Module class name → the torch.distributions class its forward returns (an actor network)
        self.forward_distributions: dict[str, str] = {}
        self.attrs: dict[int, dict[str, tuple]] = {}  # id(ClassDef) → attr → value
        self.external: set[tuple[str, str, object]] = set()  # (module, function, param name or index)
        self.returning: set[str] = set()  # top-level functions of the file that return tensors
        #: functions bound to one object with types.MethodType: (id(enclosing function), object name) → attr →
        #: FunctionDef, and id(FunctionDef) → its group
        self.bound_groups: dict[tuple[int, str], dict[str, ast.AST]] = {}
        self.bound: dict[int, dict[str, ast.AST]] = {}
        self.grown = False
        self.stale = False  # a fact grew after this pass had read it
        self._read: set[tuple[str, int]] = set()  # facts read in this pass: ("p"|"r"|"a", id(node))
        #: id(ClassDef) → the attributes its class record held already when this pass read the
        #: class's facts (it keeps them): a fact about one of them, grown later, changes nothing
        self._attrs_held: dict[int, set[str]] = {}
        #: what every pass over the same tree recomputes otherwise: id(block) → (block, its import
        #: statements in hoisting order); id(target) → (entry, target, url, message) of a finding
        self.imports_in: dict[int, tuple[list, list]] = {}
        #: id(ClassDef) → (ClassDef, its methods' `self.<attr>` assignments and register calls)
        self.self_attr_sites: dict[int, tuple[ast.AST, list]] = {}
        self.described: dict[int, tuple] = {}
        #: user nn.Module class name → what its `self.<attr>` hold (`self.visual.attnpool.c_proj` chains)
        self.user_attrs: dict[str, dict[str, tuple | None]] = {}

    def start_pass(self) -> None:
        self.grown = self.stale = False
        self._read = set()
        self._attrs_held = {}

    def _grew(self, key: tuple[str, int]) -> None:
        self.grown = True
        if key in self._read:
            self.stale = True

    def params_of(self, func: ast.AST) -> set:
        """(name, kind) of the parameters of `func` that callers give tensors or modules."""
        self._read.add(("p", id(func)))
        return self.params.get(id(func), ())

    def result_of(self, func: ast.AST) -> int | None:
        """What calling the user function `func` gives: TENSOR, MODULE or nothing known."""
        self._read.add(("r", id(func)))
        if id(func) in self.returns:
            return TENSOR
        return MODULE if id(func) in self.module_returns else None

    def distribution_of(self, func: ast.AST) -> str | None:
        """The torch.distributions class calling the user function `func` gives, if it returns one."""
        self._read.add(("r", id(func)))
        return self.distribution_returns.get(id(func))

    def plain_of(self, func: ast.AST) -> str | None:
        """The plain class (PLAIN) an instance of which the user function `func` returns, if any."""
        self._read.add(("r", id(func)))
        return self.plain_returns.get(id(func))

    def add_plain_return(self, func: ast.AST, cls: str) -> None:
        if id(func) not in self.plain_returns:
            self.plain_returns[id(func)] = cls
            self._grew(("r", id(func)))

    def add_distribution_return(self, func: ast.AST, cls: str) -> None:
        if id(func) not in self.distribution_returns:
            self.distribution_returns[id(func)] = cls
            self._grew(("r", id(func)))

    def forward_distribution(self, class_name: str) -> str | None:
        """The torch.distributions class the forward of the user module class `class_name` returns."""
        self._read.add(("f", class_name))
        return self.forward_distributions.get(class_name)

    def add_forward_distribution(self, class_name: str, cls: str) -> None:
        if class_name not in self.forward_distributions:
            self.forward_distributions[class_name] = cls
            self._grew(("f", class_name))

    def attrs_of(self, cls: ast.AST, held=()) -> dict:
        """`self.<attr>` → value for the class `cls`, learnt from its methods' bodies. `held`: the
        attributes the reader knows already and keeps (it takes only the others from the facts)."""
        self._read.add(("a", id(cls)))
        before = self._attrs_held.get(id(cls))
        self._attrs_held[id(cls)] = set(held) if before is None else before & set(held)
        return self.attrs.get(id(cls), {})

    def add_param(self, func: ast.AST, name: str, kind: int = 1) -> None:
        """`kind`: TENSOR, or MODULE for a parameter given nn.Module instances (`init_weights(self)`)."""
        names = self.params.setdefault(id(func), set())
        if (name, kind) not in names:
            names.add((name, kind))
            self._grew(("p", id(func)))

    def add_return(self, func: ast.AST) -> None:
        if id(func) not in self.returns:
            self.returns.add(id(func))
            self._grew(("r", id(func)))

    def add_module_return(self, func: ast.AST) -> None:
        """`_make_layer` returning `nn.Sequential(*layers)`: what it returns is a module."""
        if id(func) not in self.module_returns:
            self.module_returns.add(id(func))
            self._grew(("r", id(func)))

    def add_attr(self, cls: ast.AST, attr: str, value) -> None:
        held = self.attrs.setdefault(id(cls), {})
        if attr not in held:
            held[attr] = value
            if attr in self._attrs_held.get(id(cls), ()):
                self.grown = True  # every reader kept its own value for it: a repeat would do the same
            else:
                self._grew(("a", id(cls)))


class _AnyLayer(tuple):
    """A module of any class, yielded by `.modules()` / `.named_modules()` / `.children()`: a
    parameter read on it (`m.weight`) is named at run time (`_untyped_layer_attribute`)."""

    def __new__(cls):
        return super().__new__(cls, (MODULE, None, LIKELY))


class _UserModule(tuple):
    """A module value that is an instance of user nn.Module classes (one per assignment that may have
    built it): their `self.<attr>` records tell what a chain `self.visual.attnpool.c_proj` holds."""

    def __new__(cls, classes: tuple[str, ...]):
        value = super().__new__(cls, (MODULE, None, LIKELY))
        value.classes = classes
        return value


class _InplaceLayer(tuple):
    """A layer built with `inplace=True` (`act = nn.LeakyReLU(0.1, True)`): calling it overwrites its
    input in PyTorch, while the MindSpore layer returns a new tensor, so a call `y = act(x)` also stores
    the result into `x` (rewrite/layer_calls.py)."""


def _builds_inplace(entry: Entry | None, call: ast.Call) -> bool:
    """Whether a layer construction passes `inplace=True` as a literal, by keyword or in its position."""
    params = list(entry.params or ()) if entry is not None else []
    if "inplace" not in params:
        return False
    kw = next((k for k in call.keywords if k.arg == "inplace"), None)
    if kw is not None:
        value = kw.value
    else:
        pos = params.index("inplace")
        if pos >= len(call.args) or any(isinstance(a, ast.Starred) for a in call.args[:pos + 1]):
            return False
        value = call.args[pos]
    return isinstance(value, ast.Constant) and value.value is True


class _ModuleClass(tuple):
    """The value bound to a user nn.Module subclass's name: a module for subclassing and attribute
    look-ups, but calling it builds an instance (`net = Net()`), where calling an instance runs forward."""


#: annotations of a `forward` parameter that say it is no tensor: mappings, sequences (of tensors), scalars
_MAPPING_TYPES = frozenset({"dict", "Dict", "OrderedDict", "Mapping", "MutableMapping"})
_SEQUENCE_TYPES = frozenset({"list", "List", "tuple", "Tuple", "Sequence", "Iterable"})
_SCALAR_TYPES = frozenset({"int", "float", "bool", "str", "None"})


def _annotated_argument(ann: ast.AST | None):
    """What a `forward` parameter holds by its annotation: a tensor (likely) unless the annotation
    names a mapping or a scalar (nothing known) or a sequence (of tensors, likely)."""
    head = ann.value if isinstance(ann, ast.Subscript) else ann
    name = head.attr if isinstance(head, ast.Attribute) else getattr(head, "id", None)
    if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
        name = ann.value.split("[", 1)[0].rsplit(".", 1)[-1].strip()
    if name in _MAPPING_TYPES or name in _SCALAR_TYPES:
        return None
    if name in _SEQUENCE_TYPES:
        return (TENSOR_LIST, None, LIKELY)
    return (TENSOR, None, LIKELY)


def _merge_branches(names: dict, before: dict, after_body: dict) -> None:
    """After an `if`/`while`, a name that holds a PyTorch name (`norm_layer = nn.BatchNorm2d`) on one
    path but something else on another (`if norm_layer is None: norm_layer = nn.BatchNorm2d` keeps
    the argument otherwise) is unknown: its uses are not that PyTorch name (the assignment's own
    reference is still converted). The branches are walked one after the other, so `names` holds the
    `else` branch's value where it assigns one, the body's otherwise."""
    for name, value in names.items():
        if value is None or value[0] not in (REF, PARTIAL):
            continue
        body = after_body.get(name, _UNBOUND)
        other = before.get(name, _UNBOUND) if body is value else body  # `is`: the else branch did not assign
        if other is not _UNBOUND and other != value:
            names[name] = None


_UNBOUND = object()  # a name not bound before a branch (Python raises if that path reaches a use)


class _Scope:
    __slots__ = ("names", "parent")

    def __init__(self, parent: "_Scope | None"):
        self.names: dict[str, tuple | None] = {}
        self.parent = parent

    def lookup(self, name: str):
        scope = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None


class _ClassInfo:
    __slots__ = ("attrs", "methods", "is_autograd_function", "is_module", "node", "method_nodes", "base",
                 "is_optimizer")

    def __init__(self, is_autograd_function: bool, is_module: bool, node: ast.ClassDef | None = None):
        self.attrs: dict[str, tuple | None] = {}
        self.methods: set[str] = set()  # defined in the class body: they override nn.Module's
        self.method_nodes: dict[str, ast.AST] = {}
        self.node = node
        self.base: str | None = None  # the torch.nn class it derives from (`self.add_module` on a Sequential)
        self.is_autograd_function = is_autograd_function
        self.is_module = is_module
        self.is_optimizer = False  # a custom torch.optim.Optimizer: its step() reads `p.grad`, msdev's base sets it


def _step_with_gradients(entry: Entry) -> Entry:
    """`optimizer.step()` in a file that computes gradients, outside a training step MS200 rewrites:
    the no-op of the entry would drop an update, so the use is left to a human."""
    manual = _MANUAL_STEP.get(id(entry))
    if manual is None or manual[0] is not entry:
        target = dataclasses.replace(
            entry.target(), api=None, status=Status.MANUAL, templates=[],
            reason="outside a training step msdev rewrites, the gradients it applies must come from "
                   "mindspore.value_and_grad: call optimizer(grads) with them")
        manual = _MANUAL_STEP[id(entry)] = (entry, dataclasses.replace(entry, targets={"portable": target}))
    return manual[1]


_MANUAL_STEP: dict[int, tuple[Entry, Entry]] = {}

#: the payload of a TENSOR value known to be complex (`X = torch.fft.rfft(x)`): `abs` of it is real in
#: PyTorch, while MindSpore's ops.abs / Tensor.abs keep the complex dtype
COMPLEX = "complex"
_COMPLEX_RESULTS = frozenset({
    "torch.fft.fft", "torch.fft.ifft", "torch.fft.fft2", "torch.fft.ifft2", "torch.fft.fftn", "torch.fft.ifftn",
    "torch.fft.rfft", "torch.fft.rfft2", "torch.fft.rfftn", "torch.fft.ihfft", "torch.fft.ihfft2",
    "torch.fft.ihfftn", "torch.complex", "torch.view_as_complex", "torch.polar"})
#: functions and Tensor methods whose result is complex when their input is
_COMPLEX_KEEPING = frozenset({"torch.fft.fftshift", "torch.fft.ifftshift", "torch.conj", "torch.roll", "torch.flip"})
_COMPLEX_KEEPING_METHODS = frozenset({"conj", "clone", "detach", "reshape", "view", "transpose", "permute", "squeeze",
                                      "unsqueeze", "flatten", "contiguous", "cpu", "roll", "flip"})
_COMPLEX_ABS = frozenset({"torch.abs", "torch.absolute", "torch.Tensor.abs", "torch.Tensor.absolute"})


def _complex_abs(entry: Entry, method: bool) -> Entry:
    """`abs` of a complex tensor: PyTorch gives the real modulus, MindSpore's ops.abs a complex tensor
    holding it, so the use becomes ops.ComplexAbs (float32 / float64, and it differentiates)."""
    held = _COMPLEX_ABS_ENTRIES.get((id(entry), method))
    if held is None or held[0] is not entry:
        template = "{@mindspore.ops.ComplexAbs}()(%s)" % ("{self}" if method else "{input}")
        targets = {name: dataclasses.replace(target, api="mindspore.ops.ComplexAbs", status=Status.ARG_DIFF,
                                             templates=[template], fallback_templates=[], casts=None,
                                             call_style="same")
                   for name, target in entry.targets.items()}
        held = _COMPLEX_ABS_ENTRIES[(id(entry), method)] = (entry, dataclasses.replace(entry, targets=targets))
    return held[1]


_COMPLEX_ABS_ENTRIES: dict[tuple[int, bool], tuple[Entry, Entry]] = {}


#: Tensor methods written as msdev functions that check the receiver when it runs, for receivers the finder
#: cannot type: what a MindSpore tensor needs (a copy, its shape), else the object's own method
_UNTYPED_GUARDED = {"clone": ["{@msdev.clone_value}({self})"],
                    "size": ["{@msdev.size_value}({self}, {dim})", "{@msdev.size_value}({self})"],
                    "repeat": ["{@msdev.repeat_value}({self}, {repeats})"]}


def _guarded_arity(method: str, call: ast.Call) -> bool:
    """Whether a call of an _UNTYPED_GUARDED method has the arguments its guarded form takes."""
    if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
        return False
    return {"clone": len(call.args) == 0, "size": len(call.args) <= 1}.get(method, len(call.args) >= 1)


def _untyped(entry: Entry, method: str) -> Entry:
    """The entry of a Tensor method on a receiver of unknown type: its _UNTYPED_GUARDED templates."""
    held = _UNTYPED_ENTRIES.get(id(entry))
    if held is None or held[0] is not entry:
        targets = {name: dataclasses.replace(target, api=None, templates=_UNTYPED_GUARDED[method],
                                             fallback_templates=[], call_style="same")
                   for name, target in entry.targets.items()}
        held = _UNTYPED_ENTRIES[id(entry)] = (entry, dataclasses.replace(entry, targets=targets))
    return held[1]


_UNTYPED_ENTRIES: dict[int, tuple[Entry, Entry]] = {}


def _is_complex(value) -> bool:
    return value is not None and value[0] == TENSOR and value[1] == COMPLEX


def _returns_complex(call: ast.Call) -> bool:
    """`torch.stft(..., return_complex=True)`: complex only when asked for."""
    return any(kw.arg == "return_complex" and isinstance(kw.value, ast.Constant) and kw.value.value is True
               for kw in call.keywords)


def _computes_gradients(source: str) -> bool:
    """Whether a file asks PyTorch for gradients anywhere (then `optimizer.step()` has some to apply)."""
    return ".backward(" in source or "autograd.grad" in source or "autograd.functional" in source


class Finder:
    """Collects Findings for one module. Use `find_uses()`."""

    def __init__(self, db: Database, profile: str = "portable", source: str = "",
                 context: ModuleContext | None = None, facts: InferenceFacts | None = None):
        self.db = db
        self.context = context
        self.facts = facts if facts is not None else InferenceFacts()
        self._function_node: ast.AST | None = None  # the user function whose body is being read
        self._top_functions: list[ast.AST] = []  # module-level functions (their facts go to the package)
        self.profile = profile
        self.findings: list[Finding] = []
        self._ascii = source.isascii()
        self._lines = None if self._ascii else split_lines(source)
        self._source = source
        self._register_lines: tuple[bool, list[str] | tuple] | None = None
        self._deferred: list = []
        self._class: _ClassInfo | None = None
        self._self_name: str | None = None
        self._view_receiver: ast.AST | None = None  # the slice an in-place method is called on
        #: names of the file's torch.autograd.Function subclasses: `Cls.apply(x)` gives a tensor
        self._autograd_functions: set[str] = set()
        self._user_classes: dict[str, _ClassInfo] = {}  # classes the file defines, by name (`Cls.helper(x)`)
        # classes deriving from torch.optim.Optimizer: this file's, and those other modules of the package define
        self._optimizer_classes: set[str] = set(context.optimizer_classes) if context is not None else set()
        self._fallback = 0  # > 0 inside `except ImportError:`-style handlers
        #: imports seen so far: a torch one, a MindSpore one (a converted file imports both when it
        #: keeps `import torch` for [UnConvert] code: its untyped calls are MindSpore's)
        self._imports = [False, False]
        #: local names other than torch's the file imports (`import math`, `import numpy as np`,
        #: `from . import utils`): `math.log(2.0)` is no tensor method, whatever its name
        self._foreign_modules: set[str] = set()

    # ----------------------------------------------------------------- positions
    def _col(self, line: int, byte_col: int) -> int:
        if self._ascii:
            return byte_col
        text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    # ----------------------------------------------------------------- recording
    def _record(self, node: ast.AST, dotted: str, kind: Kind, confidence: Confidence) -> None:
        db = self.db
        entry = db.get(dotted)
        if entry is None:
            if dotted in db.torch_modules or dotted in TORCH_ROOTS:
                return  # a module object, not an API use
            # `nn.Module.__init__`, `torch.float32.is_floating_point`: report the known prefix
            parts = dotted.split(".")
            sub = node
            for cut in range(len(parts) - 1, 1, -1):
                sub = sub.value if isinstance(sub, ast.Attribute) else sub
                prefix = ".".join(parts[:cut])
                if prefix in db.entries:
                    return self._record(sub, prefix, kind if kind != Kind.CALL else Kind.REFERENCE, confidence)
                if prefix in db.torch_modules:
                    break
        self.findings.append(self._make(node, dotted, entry, kind, confidence))

    def _make(self, node, dotted: str, entry: Entry | None, kind: Kind, confidence: Confidence,
              attr_only: bool = False) -> Finding:
        end_line = node.end_lineno
        end_col = self._col(end_line, node.end_col_offset)
        if attr_only:  # `x.view`: the range is the member name, as an editor underlines it
            line, col = end_line, end_col - len(node.attr)
        else:
            line = node.lineno
            col = self._col(line, node.col_offset)
        if entry is None:
            status, ms_api, url = Status.UNKNOWN, None, None
            message = f"{dotted} has no entry in the mapping database"
        else:
            target = entry.target(self.profile)
            known = self.facts.described.get(id(target))
            if known is None or known[0] is not entry or known[1] is not target:
                known = self.facts.described[id(target)] = (entry, target, entry.doc_url, describe(entry, target))
            status, ms_api, url, message = target.status, target.api, known[2], known[3]
        return Finding(line, col, end_line, end_col, dotted, kind, confidence, status,
                       ms_api, url, message, entry, None, node)

    def _stepped_slice(self, node: ast.Subscript, confidence: Confidence) -> None:
        """A tensor sliced with a step (rule MS227, analysis/slicing.py)."""
        finding = self._make(node, "torch.Tensor.__getitem__", None, Kind.TENSOR_METHOD, confidence)
        finding.status, finding.pattern = STEPPED_SLICE_STATUS, "MS227"
        finding.detail = "a slice with a step: MindSpore's CPU gradient of it fails, a gather's does not"
        finding.message = f"torch.Tensor.__getitem__ (MS227 {STEPPED_SLICE_NAME}): {finding.detail}"
        self.findings.append(finding)

    def _operator(self, node: ast.AST, op: type, confidence: Confidence) -> None:
        """A Python operator on a tensor that MindSpore lacks or reads differently (rule MS228,
        analysis/operators.py)."""
        finding = self._make(node, OPERATOR_APIS[op], None, Kind.TENSOR_METHOD, confidence)
        finding.status, finding.pattern = OPERATOR_STATUS, "MS228"
        finding.detail = operator_detail(op)
        finding.message = f"{OPERATOR_APIS[op]} (MS228 {OPERATOR_NAME}): {finding.detail}"
        self.findings.append(finding)

    def _layer_through_child(self, stmt: ast.Assign, confidence: Confidence) -> None:
        """`model.heads.head = nn.Linear(...)`: MindSpore names the new layer's parameters after the last
        attribute only (rule MS229, analysis/child_layers.py). In a class's `__init__` the class pass
        renames them all at its end instead."""
        root = child_assignment_root(stmt.targets[0])
        if root is None or (root == self._self_name and self._function_node is not None
                            and self._function_node.name == "__init__"):
            return
        finding = self._make(stmt, "torch.nn.Module.__setattr__", None, Kind.MODULE_METHOD, confidence)
        finding.status, finding.pattern = CHILD_LAYER_STATUS, "MS229"
        finding.detail = f"parameters of a layer set on a child of {root} lack the child's prefix in MindSpore"
        finding.message = f"torch.nn.Module.__setattr__ (MS229 {CHILD_LAYER_NAME}): {finding.detail}"
        self.findings.append(finding)

    def _indexed_write(self, stmt: ast.Assign, target: ast.Subscript, scope: _Scope) -> None:
        """`x[index] = value`: with a tensor as the whole index, an empty integer index (no box in a level,
        `torch.where` finding nothing) is an error in MindSpore, and so is an empty slice among several
        computed ones (Swin's attention masks) (rule MS228)."""
        held = self.expr(target.value, scope)
        index = self.expr(target.slice, scope)
        if not _is_tensor(held):
            return
        if _is_tensor(index) and target.slice.__class__ in INDEX_EXPRESSIONS and not known_bool(target.slice):
            self._operator(stmt, ast.Store, LIKELY if LIKELY in (held[2], index[2]) else CERTAIN)
        elif computed_slices(target.slice):
            self._operator(stmt, ast.Slice, held[2])

    # ----------------------------------------------------------------- resolution
    def resolve_ref(self, node: ast.AST, scope: _Scope) -> str | None:
        """The dotted PyTorch name a Name/Attribute chain denotes, without recording anything."""
        if isinstance(node, ast.Name):
            value = scope.lookup(node.id)
            return self._public_name(value[1]) if value is not None and value[0] == REF else None
        if isinstance(node, ast.Attribute):
            base = self.resolve_ref(node.value, scope)
            return self._public_name(f"{base}.{node.attr}") if base else None
        return None

    def _public_name(self, dotted: str | None) -> str | None:
        """`torch.nn.modules.conv.Conv2d` is `torch.nn.Conv2d`: a package re-exports what its defining
        modules hold (`torch.utils.data.sampler.BatchSampler`, `torch.optim.adam.Adam`,
        `torch.random.manual_seed`), and the database keys them by the public name. `torch.torch` is
        the torch module itself (`torch.torch.float32` is `torch.float32`)."""
        if not dotted or dotted in self.db.entries:
            return dotted
        while dotted == "torch.torch" or dotted.startswith("torch.torch."):  # the module names itself
            dotted = dotted[len("torch."):]
            if dotted in self.db.entries:
                return dotted
        if dotted in _DEFINED_AS:
            return _DEFINED_AS[dotted]
        for alias, module in _MODULE_ALIASES:
            if dotted.startswith(alias) and module + dotted[len(alias):] in self.db.entries:
                return module + dotted[len(alias):]
        for defining, package in _REEXPORTING:
            if dotted.startswith(defining):
                public = package + dotted.rsplit(".", 1)[1]
                if public in self.db.entries:
                    return public
        return dotted

    # ----------------------------------------------------------------- imports
    def _bind_import(self, stmt: ast.stmt, scope: _Scope) -> None:
        names = scope.names
        own = self.context.own_roots if self.context is not None else frozenset()
        for module in ([a.name for a in stmt.names] if isinstance(stmt, ast.Import) else [stmt.module or ""]):
            root = module.split(".", 1)[0]
            if root == "mindspore":
                self._imports[1] = True
            elif is_torch_module(module, own):
                self._imports[0] = True
        if isinstance(stmt, ast.Import):
            self._foreign_modules.update(alias.asname or alias.name.split(".", 1)[0] for alias in stmt.names
                                         if not is_torch_module(alias.name, own))
            for alias in stmt.names:
                mod = alias.name
                if alias.asname:
                    names[alias.asname] = (REF, mod, CERTAIN) if is_torch_module(mod, own) \
                        else self._from_package(alias.asname)
                else:
                    head = mod.split(".", 1)[0]
                    names[head] = (REF, head, CERTAIN) if head in TORCH_ROOTS and head not in own else None
        elif isinstance(stmt, ast.ImportFrom):
            mod = stmt.module or ""
            torch_mod = stmt.level == 0 and is_torch_module(mod, own)
            if not torch_mod:  # `from . import utils`, `from scipy import special`: `utils.clamp(...)` is theirs
                self._foreign_modules.update(a.asname or a.name for a in stmt.names if a.name != "*")
            for alias in stmt.names:
                if alias.name == "*":
                    if torch_mod:  # `from torch.nn import *`: `Conv2d(...)` is torch's as if imported by name
                        names.update((n, (REF, f"{mod}.{n}", CERTAIN)) for n in self.db.star_exports(mod))
                    continue
                local = alias.asname or alias.name
                if self._fallback and _is_ref(names.get(local)):
                    # `try: from torch.nn.utils.parametrizations import weight_norm / except ImportError:
                    # from torch.nn.utils import weight_norm`: current PyTorch runs the first import
                    continue
                if stmt.level == 0 and alias.name in _TENSOR_LIBRARY_FUNCTIONS.get(mod, ()):
                    names[local] = (PARTIAL, f"{mod}.{alias.name}", LIKELY)  # called, it gives a tensor
                    continue
                names[local] = (REF, f"{mod}.{alias.name}", CERTAIN) if torch_mod else self._from_package(local)
                if names[local] is None and _class_name(alias.name) and not torch_mod:
                    # `from torch_complex.tensor import ComplexTensor`: another library's class, whose instances'
                    # methods (`fill_`, `clone`) are its own; module-only methods of its instances still convert
                    names[local] = (PLAIN_CLASS, local, LIKELY)

    def _from_package(self, local: str):
        """The value of a name imported from another module of the package (None: not torch)."""
        ctx = self.context
        if ctx is None:
            return None
        if local in ctx.imported_functions:
            return (EXTERNAL, ctx.imported_functions[local], LIKELY)
        if local in ctx.torch_names:
            return (REF, ctx.torch_names[local], CERTAIN)
        if local in ctx.module_classes:
            return _ModuleClass((MODULE, None, CERTAIN))
        if local in ctx.imported_modules:
            return (PROJECT_MODULE, local, LIKELY)
        if local in ctx.plain_classes:
            return (PLAIN_CLASS, local, CERTAIN)
        return None

    def _hoist(self, body: list[ast.stmt], scope: _Scope) -> None:
        """Bind imports found anywhere in a block (not inside nested defs), before visiting. The
        import statements of a block are looked for once per tree, not once per pass."""
        known = self.facts.imports_in.get(id(body))
        if known is None or known[0] is not body:
            known = self.facts.imports_in[id(body)] = (body, [])
            _imports_in(body, known[1])
        for stmt in known[1]:
            self._bind_import(stmt, scope)

    # ----------------------------------------------------------------- statements
    def run(self, tree: ast.Module) -> list[Finding]:
        scope = _Scope(None)
        if self.context is not None:  # names the file receives from its package's modules
            for local, path in self.context.torch_names.items():
                scope.names[local] = (REF, path, CERTAIN)
            for local in self.context.module_classes:
                scope.names[local] = _ModuleClass((MODULE, None, CERTAIN))
            for local, origin in self.context.imported_functions.items():
                scope.names[local] = (EXTERNAL, origin, LIKELY)
        self._top_functions = [s for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
        self._hoist(tree.body, scope)
        self._bind_star_leftovers(tree, scope)
        self._block(tree.body, scope)
        while self._deferred:
            pending, self._deferred = self._deferred, []
            for job in pending:
                job()
        self.findings.sort(key=lambda f: (f.line, f.column))
        return self.findings

    def _bind_star_leftovers(self, tree: ast.Module, scope: _Scope) -> None:
        """`from torch.distributions.utils import *` then `@lazy_property`: a name the file uses but never
        binds comes from a star import. When the file's star imports are all of torch modules, such a
        name is one of theirs (the last one whose names torch does not list), and is reported (no entry)
        instead of being silently left as is."""
        stars = torch_star_modules(tree, self.context.own_roots if self.context is not None else frozenset())
        if stars is None:
            return
        unlisted = [mod for mod in stars if mod not in self.db.namespace_apis]  # whose names torch does not list
        mod = (unlisted or stars)[-1]
        for name in free_names(tree) - scope.names.keys():
            scope.names[name] = (REF, f"{mod}.{name}", CERTAIN)

    def _block(self, body: Iterable[ast.stmt], scope: _Scope) -> None:
        for stmt in body:
            self._stmt(stmt, scope)

    def _stmt(self, stmt: ast.stmt, scope: _Scope) -> None:
        t = type(stmt)
        if t is ast.Expr:
            self.expr(stmt.value, scope)
        elif t is ast.Assign:
            value = self.expr(stmt.value, scope)
            if value is not None and value[0] == BOUND:
                for target in stmt.targets:
                    self._bind_methods(target, value)
                value = None
            if len(stmt.targets) == 1 and stmt.targets[0].__class__ is ast.Subscript:
                self._indexed_write(stmt, stmt.targets[0], scope)
                return
            if (value is not None and value[0] == MODULE and len(stmt.targets) == 1
                    and stmt.targets[0].__class__ is ast.Attribute and stmt.targets[0].value.__class__ is ast.Attribute):
                self._layer_through_child(stmt, value[2])
            if value is None and _passes_through(stmt):
                return  # `p, grad = self.view_as_real(p, grad)`: the names keep what they held
            for target in stmt.targets:
                self._assign(target, value, scope)
        elif t is ast.AnnAssign:
            ann = self.expr(stmt.annotation, scope, Kind.REFERENCE)
            value = self.expr(stmt.value, scope) if stmt.value is not None else None
            if ann is not None and ann[0] == REF and ann[1] in _TENSOR_CLASSES:
                value = (TENSOR, None, CERTAIN)
            self._assign(stmt.target, value, scope)
        elif t is ast.AugAssign:
            value = self.expr(stmt.value, scope)
            current = self.expr(stmt.target, scope)
            if stmt.op.__class__ in SHIFTS and _is_tensor(current):
                self._operator(stmt, stmt.op.__class__, current[2])
            if isinstance(stmt.target, ast.Name):
                scope.names[stmt.target.id] = current if _is_tensor(current) else (value if _is_tensor(value) else None)
        elif t is ast.Return:
            if stmt.value is not None:
                value = self.expr(stmt.value, scope)
                if self._function_node is not None and (_is_tensor(value) or _is_tensor_list(value)):
                    self.facts.add_return(self._function_node)
                    if self._function_node in self._top_functions:
                        self.facts.returning.add(self._function_node.name)
                elif (self._function_node is not None and value is not None and value[0] == MODULE
                      and not isinstance(value, _ModuleClass)):
                    self.facts.add_module_return(self._function_node)
                elif (self._function_node is not None and value is not None and value[0] == OBJECT
                      and value[1].startswith("torch.distributions.")):
                    self.facts.add_distribution_return(self._function_node, value[1])
                    if (self._function_node.name == "forward" and self._class is not None and self._class.is_module
                            and self._class.node is not None):
                        self.facts.add_forward_distribution(self._class.node.name, value[1])
                elif self._function_node is not None and value is not None and value[0] == PLAIN:
                    self.facts.add_plain_return(self._function_node, value[1])
        elif t in (ast.FunctionDef, ast.AsyncFunctionDef):
            self._function(stmt, scope)
        elif t is ast.ClassDef:
            self._classdef(stmt, scope)
        elif t in (ast.Import, ast.ImportFrom):
            self._bind_import(stmt, scope)
        elif t in (ast.If, ast.While):
            self.expr(stmt.test, scope)
            before = dict(scope.names)
            narrowed = self._isinstance_narrowing(stmt.test, scope)
            if narrowed is None:
                self._block(stmt.body, scope)
            else:  # `if isinstance(m, nn.BatchNorm2d):` — inside, m is a BatchNorm2d
                name, value = narrowed
                names = scope.names
                if name.startswith("self."):  # `isinstance(self.norm, ...)`: the class's record of it
                    names, name = self._class.attrs, name[5:]
                had, prior = name in names, names.get(name)
                names[name] = value
                self._block(stmt.body, scope)
                if had:
                    names[name] = prior
                else:
                    names.pop(name, None)
            after_body = dict(scope.names)
            self._block(stmt.orelse, scope)
            _merge_branches(scope.names, before, after_body)
        elif t in (ast.For, ast.AsyncFor):
            it = self.expr(stmt.iter, scope)
            self._bind_loop(stmt.target, it, stmt.iter, scope)
            self._block(stmt.body, scope)
            self._block(stmt.orelse, scope)
        elif t in (ast.With, ast.AsyncWith):
            for item in stmt.items:
                value = self.expr(item.context_expr, scope)
                if item.optional_vars is not None:
                    self._assign(item.optional_vars, value if _is_tensor(value) else None, scope)
            self._block(stmt.body, scope)
        elif t is ast.Try or t.__name__ == "TryStar":
            self._block(stmt.body, scope)
            for handler in stmt.handlers:
                if handler.type is not None:
                    self.expr(handler.type, scope, Kind.REFERENCE)
                if handler.name:
                    scope.names[handler.name] = None
                self._fallback += 1  # `except ImportError: Conv = None` must not hide the import
                self._block(handler.body, scope)
                self._fallback -= 1
            self._block(stmt.orelse, scope)
            self._block(stmt.finalbody, scope)
        elif t is ast.Delete:
            for target in stmt.targets:
                self.expr(target, scope)
        elif t in (ast.Raise, ast.Assert):
            for child in ast.iter_child_nodes(stmt):
                self.expr(child, scope)
        elif t is ast.Match:
            self.expr(stmt.subject, scope)
            for case in stmt.cases:
                if case.guard is not None:
                    self.expr(case.guard, scope)
                self._block(case.body, scope)
        # Pass, Break, Continue, Global, Nonlocal: nothing to find

    def _assign(self, target: ast.AST, value, scope: _Scope) -> None:
        t = type(target)
        if t is ast.Name:
            if self._fallback and value is None:
                bound = scope.names.get(target.id)
                if bound is not None and bound[0] == REF:
                    return
            scope.names[target.id] = value
        elif t in (ast.Tuple, ast.List):
            elts = [e.value if isinstance(e, ast.Starred) else e for e in target.elts]
            if value is not None and value[0] == MODULE:  # for name, m in model.named_modules()
                for elt in elts[:-1]:
                    self._assign(elt, None, scope)
                self._assign(elts[-1], value, scope)
                return
            element = (TENSOR, None, LIKELY) if _is_tensor(value) or _is_tensor_list(value) else None
            for elt in elts:
                self._assign(elt, element, scope)
        elif t is ast.Attribute:
            if (self._class is not None and isinstance(target.value, ast.Name)
                    and target.value.id == self._self_name):
                if value is not None:
                    before = self._class.attrs.get(target.attr)
                    if isinstance(value, _UserModule) and isinstance(before, _UserModule):
                        value = _UserModule(tuple(dict.fromkeys(before.classes + value.classes)))
                    self._class.attrs[target.attr] = value
                    if self._class.node is not None and value[0] in (TENSOR, TENSOR_LIST):
                        self.facts.add_attr(self._class.node, target.attr, (value[0], None, LIKELY))
                return
            dotted = self.resolve_ref(target, scope)
            if dotted is not None and dotted not in self.db.torch_modules:
                # `torch.backends.cudnn.benchmark = True`: setting a PyTorch flag is a use too
                self._record(target, dotted, Kind.REFERENCE, CERTAIN)
                return
            receiver = self._receiver(target.value, scope)
            if receiver is not None and receiver[0] == MODULE:
                self._layer_attribute(target, receiver)  # weight tying: `self.wte.weight = self.head.weight`
        elif t is ast.Subscript:
            self.expr(target.value, scope)
            self.expr(target.slice, scope)
        elif t is ast.Starred:
            self._assign(target.value, None, scope)

    def _bind_loop(self, target: ast.AST, iterable, node: ast.AST, scope: _Scope) -> None:
        """Bind a loop's target; `for i, p in enumerate(model.parameters())` gives `p` the element
        (a tensor here) and `i` an int."""
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "enumerate"
                and node.args and isinstance(target, ast.Tuple) and len(target.elts) == 2
                and not isinstance(target.elts[1], ast.Starred)):
            self._assign(target.elts[0], None, scope)
            self._assign(target.elts[1], self._element_of(None, node.args[0], scope), scope)
            return
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "zip"
                and scope.lookup("zip") is None and not node.keywords and isinstance(target, ast.Tuple)
                and len(target.elts) == len(node.args) and not any(isinstance(a, ast.Starred) for a in node.args)
                and not any(isinstance(e, ast.Starred) for e in target.elts)):
            # `for ema_p, p in zip(ema.parameters(), model.parameters())`: each name is its sequence's element
            for elt, arg in zip(target.elts, node.args):
                self._assign(elt, self._element_of(None, arg, scope), scope)
            return
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("items", "values")
                and not node.args and isinstance(node.func.value, ast.Name)
                and (scope.lookup(node.func.value.id) or (None,))[0] == TENSOR_DICT):
            # `for k, v in tensors.items()` / `for v in tensors.values()` over a dict of tensors
            if node.func.attr == "values":
                self._assign(target, (TENSOR, None, LIKELY), scope)
                return
            if isinstance(target, ast.Tuple) and len(target.elts) == 2:
                self._assign(target.elts[0], None, scope)
                self._assign(target.elts[1], (TENSOR, None, LIKELY), scope)
                return
        self._assign(target, self._element_of(iterable, node, scope), scope)

    def _self_element(self, node: ast.AST, index: ast.AST | None = None):
        """The layer every element of `self.<container>` is, when the class built it from one layer;
        with a literal `index`, the layer at that place of an `nn.Sequential(a, b, c)`."""
        if (self._class is not None and isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == self._self_name):
            position = _int_literal_value(index)
            if position is not None and f"{node.attr}.[{position}]" in self._class.attrs:
                return self._class.attrs[f"{node.attr}.[{position}]"]
            return self._class.attrs.get(f"{node.attr}.[]")
        return None

    def _element_of(self, iterable, node: ast.AST, scope: _Scope):
        """What a `for` loop binds: modules for `.modules()`, tensors for tensors' rows, the layer
        of a container built from one layer."""
        if iterable is None and isinstance(node, ast.Name):
            iterable = scope.lookup(node.id)  # `enumerate(x)`: the value was not passed in
        if _is_tensor(iterable) or (iterable is not None and iterable[0] == TENSOR_LIST):
            return (TENSOR, None, LIKELY)
        element = self._self_element(node)
        if element is not None:
            return element
        if isinstance(node, ast.Attribute) and node.attr == "param_groups" and self._imports == [True, False]:
            return (PARAM_GROUP, None, LIKELY)  # `for group in optimizer.param_groups` (PyTorch code only)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            if attr in _MODULE_ITERATORS or attr in _NAMED_MODULE_ITERATORS:
                return _AnyLayer()
            if attr == "parameters":
                return (TENSOR, None, LIKELY)
        return None

    # ----------------------------------------------------------------- definitions
    def _decorators(self, node, scope: _Scope) -> None:
        for dec in node.decorator_list:
            self.expr(dec, scope, Kind.DECORATOR)

    def _function(self, node: ast.FunctionDef, scope: _Scope) -> None:
        self._decorators(node, scope)
        args = node.args
        for default in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.expr(default, scope)
        params = args.posonlyargs + args.args + args.kwonlyargs
        extra = [a for a in (args.vararg, args.kwarg) if a is not None]
        for arg in params + extra:
            if arg.annotation is not None:
                self.expr(arg.annotation, scope, Kind.REFERENCE)
        if node.returns is not None:
            self.expr(node.returns, scope, Kind.REFERENCE)
        scope.names[node.name] = (FUNCTION, node, LIKELY)
        cls = self._class
        inferred = {}  # param → TENSOR / MODULE / (OBJECT, class); callers that disagree on an object's class: unknown
        for n, k in self.facts.params_of(node):
            inferred[n] = None if isinstance(k, tuple) and n in inferred and inferred[n] != k else k
        top_level = cls is None and scope.parent is None
        if top_level and self.context is not None and node.name in self.context.tensor_params:
            positional = [a.arg for a in args.posonlyargs + args.args]
            for p, kind in self.context.tensor_params[node.name]:
                if isinstance(p, int):
                    if p < len(positional):
                        inferred.setdefault(positional[p], kind)
                else:
                    inferred.setdefault(p, kind)

        def body() -> None:
            local = _Scope(scope)
            is_method = cls is not None
            first = params[0].arg if params else None
            tensor_args = is_method and (node.name == "forward" and cls.is_module or
                                         cls.is_autograd_function and node.name in ("forward", "backward"))
            # forward(ctx, x); as a classmethod (entmax) forward(cls, ctx, x)
            skipped = 2 if tensor_args and cls.is_autograd_function and _decorated(node, "classmethod") else 1
            for i, arg in enumerate(params + extra):
                value = None
                ann = arg.annotation
                if ann is not None and self.resolve_ref(ann, scope) in _TENSOR_CLASSES:
                    value = (TENSOR, None, CERTAIN)
                elif ann is not None and _plain_annotation(ann, scope) is not None:
                    value = _plain_annotation(ann, scope)  # `c: ComplexTensor`: its methods are its own
                elif tensor_args and i >= skipped and arg in params:
                    # forward(self, x) / forward(ctx, x); `x: dict[str, Tensor]` (torchvision's FPN) is a dict
                    value = _annotated_argument(ann)
                elif isinstance(inferred.get(arg.arg), tuple):
                    value = (*inferred[arg.arg], LIKELY)  # callers pass an optimizer (scheduler, ...) of this class
                elif inferred.get(arg.arg) == ANY_MODULE:
                    value = _AnyLayer()  # `model.apply(fn)` gives fn every sub-module
                elif inferred.get(arg.arg) is not None:
                    value = (inferred[arg.arg], None, LIKELY)  # some caller passes a tensor (module) here
                elif is_method and cls.is_optimizer and arg.arg in ("group", "param_group") and i > 0:
                    value = (PARAM_GROUP, None, LIKELY)  # `def init_group(self, group)`, given self.param_groups' items
                local.names[arg.arg] = value
            saved = self._class, self._self_name
            # a staticmethod's first parameter is an argument like any other (`init_weight(m)`,
            # narrowed by `isinstance(m, nn.LayerNorm)`), not the instance
            static = _decorated(node, "staticmethod")
            if is_method and first is not None and not cls.is_autograd_function and not static:
                self._class, self._self_name = cls, first
                local.names[first] = (MODULE, None, CERTAIN) if cls.is_module else None
            else:
                self._class, self._self_name = (cls, None) if is_method else (None, None)
            saved_function, self._function_node = self._function_node, node
            self._hoist(node.body, local)
            self._block(node.body, local)
            self._class, self._self_name = saved
            self._function_node = saved_function

        self._deferred.append(body)

    def _classdef(self, node: ast.ClassDef, scope: _Scope) -> None:
        self._decorators(node, scope)
        is_module = is_autograd = is_optimizer = False
        torch_base = scheduler_base = None
        plain = True  # no base is a PyTorch type or unknown
        for base in node.bases:
            value = self.expr(base, scope, Kind.BASE_CLASS)
            if isinstance(base, ast.Name) and base.id in self._optimizer_classes:
                is_optimizer = True
            if not (value is not None and value[0] == PLAIN_CLASS
                    or isinstance(base, ast.Name) and base.id in PLAIN_BASES and value is None):
                plain = False
            if value is not None and value[0] == REF:
                if value[1] in _AUTOGRAD_FUNCTION:
                    is_autograd = True
                elif value[1] in _OPTIMIZER_BASES:
                    is_optimizer = True
                elif value[1].startswith("torch.nn."):
                    is_module = True
                    torch_base = torch_base or value[1]
                elif value[1].startswith("torchvision.models.") and value[1].rpartition(".")[2][:1].isupper():
                    is_module = True  # a torchvision model class (smp's encoders derive from them)
                elif value[1].startswith(_SCHEDULER_PREFIX) and self._call_result(value[1]) is not None:
                    scheduler_base = value[1]
            elif value is not None and value[0] == MODULE:
                is_module = True  # subclass of a user module class
        for kw in node.keywords:
            self.expr(kw.value, scope)
        info = _ClassInfo(is_autograd, is_module, node)
        info.is_optimizer = is_optimizer
        self._user_classes[node.name] = info
        if is_autograd:
            self._autograd_functions.add(node.name)
        if is_optimizer:
            self._optimizer_classes.add(node.name)
        info.base = torch_base
        # pre-pass: what `self.<attr>` holds, from every method's assignments
        self._collect_self_attrs(node, info, scope)
        for attr, value in self.facts.attrs_of(node, info.attrs).items():
            info.attrs.setdefault(attr, value)
        if is_module:
            self.facts.user_attrs[node.name] = info.attrs
        saved = self._class, self._self_name
        self._class, self._self_name = info, None
        class_scope = _Scope(scope)
        self._block(node.body, class_scope)
        self._class, self._self_name = saved
        # instances of a torch module subclass are modules
        scope.names[node.name] = _ModuleClass((MODULE, None, CERTAIN)) if is_module else \
            (PLAIN_CLASS, node.name, CERTAIN) if plain and not node.keywords else None
        if scheduler_base is not None and not is_module:
            # an instance of a user LRScheduler subclass is a scheduler: `sched.last_epoch` is read back as
            # PyTorch's int, `state_dict()` goes through the scheduler's rewrite (the class body is the user's)
            scope.names[node.name] = (PARTIAL, scheduler_base, LIKELY)

    def _collect_self_attrs(self, node: ast.ClassDef, info: _ClassInfo, scope: _Scope) -> None:
        """Pre-pass: what `self.<attr>` holds, from every method's assignments and register calls.
        Where they are is found once per tree (`_self_attr_sites`); what they hold is judged in
        each pass, with that pass's scope."""
        known = self.facts.self_attr_sites.get(id(node))
        if known is None or known[0] is not node:
            known = self.facts.self_attr_sites[id(node)] = (node, self._self_attr_sites(node))
        attrs = info.attrs
        for site in known[1]:
            what = site[0]
            if what == _METHOD:
                info.methods.add(site[1])
                info.method_nodes[site[1]] = site[2]
            elif what == _ASSIGNED:
                kind = self._static_kind(site[2], scope)
                if kind is not None:
                    before = attrs.get(site[1])
                    if isinstance(kind, _UserModule) and isinstance(before, _UserModule):
                        kind = _UserModule(tuple(dict.fromkeys(before.classes + kind.classes)))  # one or another
                    attrs[site[1]] = kind
                    if kind[1] == "torch.nn.ModuleDict":
                        self._dict_children(site[1], site[2], info, scope)
                    elif kind[1] in _SEQUENCES:
                        self._sequence_element(site[1], site[2], site[3], info, scope)
            elif what == _BUFFER:
                attrs[site[1]] = (TENSOR, None, CERTAIN)
            else:  # register_parameter, add_module, register_module
                held = self._static_kind(site[3], scope) if site[2] != "register_parameter" else None
                if held is None or held[0] != MODULE:  # `add_module('bn', nn.BatchNorm2d(c))` keeps the layer type
                    held = (TENSOR, None, CERTAIN) if site[2] == "register_parameter" else (MODULE, None, LIKELY)
                attrs[site[1]] = held

    def _self_attr_sites(self, node: ast.ClassDef) -> list[tuple]:
        """The methods of a class and, in order, the places that set what `self.<attr>` holds:
        (_METHOD, name, FunctionDef), (_ASSIGNED, attr, value, list a Name argument names), (_BUFFER, name),
        (_REGISTERED, name, register method, value)."""
        # Assignments are statements: walk statement bodies only (the expression trees are most
        # of the AST). The register_*/add_module calls can sit in any expression, so a full walk
        # is done only for methods whose source text mentions one of them.
        sites: list[tuple] = []
        if self._register_lines is None:  # once per file: per class it would be quadratic
            calls = bool(self._source) and any(c in self._source for c in _REGISTER_CALLS)
            self._register_lines = (True, split_lines(self._source)) if calls else (False, ())
        calls_in_file, lines = self._register_lines
        for item in node.body:
            if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) or not item.args.args:
                continue
            sites.append((_METHOD, item.name, item))
            self_name = item.args.args[0].arg
            lists: dict[str, ast.AST] = {}  # `blocks = [Block(d) for _ in range(n)]`, later nn.ModuleList(blocks)
            for sub in _statements(item.body):
                if isinstance(sub, ast.Assign):
                    for target in sub.targets:
                        if isinstance(target, ast.Name) and isinstance(sub.value, (ast.List, ast.ListComp)):
                            lists[target.id] = sub.value
                        if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                                and target.value.id == self_name):
                            listed = None  # the list a `nn.ModuleList(blocks)` argument names
                            if (isinstance(sub.value, ast.Call) and len(sub.value.args) == 1
                                    and isinstance(sub.value.args[0], ast.Name)):
                                listed = lists.get(sub.value.args[0].id)
                            sites.append((_ASSIGNED, target.attr, sub.value, listed))
            if not calls_in_file and self._source:
                continue
            text = "\n".join(lines[item.lineno - 1:item.end_lineno]) if lines else None
            if text is not None and not any(c in text for c in _REGISTER_CALLS):
                continue
            for sub in ast.walk(item):
                if (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute)
                        and sub.func.attr == "register_buffer" and sub.args
                        and isinstance(sub.args[0], ast.Constant) and isinstance(sub.args[0].value, str)):
                    sites.append((_BUFFER, sub.args[0].value))
                elif (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute)
                      and sub.func.attr in ("register_parameter", "add_module", "register_module") and len(sub.args) > 1
                      and isinstance(sub.args[0], ast.Constant) and isinstance(sub.args[0].value, str)):
                    sites.append((_REGISTERED, sub.args[0].value, sub.func.attr, sub.args[1]))
        return sites

    def _dict_children(self, attr: str, call: ast.Call, info: _ClassInfo, scope: _Scope) -> None:
        """`self.transformer = nn.ModuleDict(dict(wte=nn.Embedding(...)))`: `self.transformer.wte` is
        an Embedding (its `.weight` is MindSpore's `embedding_table`), kept as `transformer.wte`."""
        items = []
        arg = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "modules"), None)
        if isinstance(arg, ast.Dict):
            items = [(k.value, v) for k, v in zip(arg.keys, arg.values)
                     if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        elif (isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id == "dict"
              and not arg.args):
            items = [(k.arg, k.value) for k in arg.keywords if k.arg]
        for key, value in items:
            kind = self._static_kind(value, scope)
            if kind is not None and kind[0] == MODULE:
                info.attrs[f"{attr}.{key}"] = kind

    def _sequence_element(self, attr: str, call: ast.Call, listed: ast.AST | None, info: _ClassInfo,
                          scope: _Scope) -> None:
        """`self.point_embeddings = nn.ModuleList([nn.Embedding(1, d) for _ in range(4)])`: every
        element is an Embedding (`self.point_embeddings[0].weight` is its `embedding_table`), kept
        as `point_embeddings.[]`. Only when all elements are the same layer."""
        arg = call.args[0] if len(call.args) == 1 else None
        if len(call.args) > 1 and not any(isinstance(a, ast.Starred) for a in call.args):
            # `nn.Sequential(conv, bn, act)`: `self.net[-1].weight` is the BatchNorm's gamma
            for i, element in enumerate(call.args):
                kind = self._static_kind(element, scope)
                if kind is not None and kind[0] == MODULE and kind[1]:
                    info.attrs[f"{attr}.[{i}]"] = info.attrs[f"{attr}.[{i - len(call.args)}]"] = kind
        if isinstance(arg, ast.Name):
            arg = listed
        if isinstance(arg, ast.ListComp):
            elements = [arg.elt]
        elif isinstance(arg, ast.List) and arg.elts:
            elements = arg.elts
        else:
            return
        kinds = {self._static_kind(e, scope) for e in elements}
        kind = kinds.pop() if len(kinds) == 1 else None
        if kind is not None and kind[0] == MODULE and kind[1]:
            info.attrs[f"{attr}.[]"] = kind

    def _static_kind(self, value: ast.AST, scope: _Scope):
        """What an assigned expression holds, judged without visiting it (pre-pass)."""
        if isinstance(value, ast.Call):
            dotted = self.resolve_ref(value.func, scope)
            if dotted:
                return self._built(dotted, value)
            if isinstance(value.func, ast.Name):
                bound = scope.lookup(value.func.id)
                if isinstance(bound, _ModuleClass):
                    return _UserModule((value.func.id,))  # an instance of a user nn.Module subclass
                if bound is not None and bound[0] == MODULE:
                    return (MODULE, None, LIKELY)  # an instance of a user nn.Module subclass
                if bound is not None and bound[0] == PARTIAL:
                    built = self._call_result(bound[1])
                    return (built[0], built[1], LIKELY) if built is not None else None
        return None

    # ----------------------------------------------------------------- expressions
    def _built(self, dotted: str, call: ast.Call):
        """What the call of DOTTED gives (`_call_result`), marked when it builds a layer in place."""
        result = self._call_result(dotted)
        if result is not None and result[0] == MODULE and result[1] == dotted \
                and _builds_inplace(self.db.entries.get(dotted), call):
            return _InplaceLayer(result)
        return result

    def _call_result(self, dotted: str):
        if dotted in _TENSOR_CLASSES:
            return (TENSOR, None, CERTAIN)
        if dotted in _TENSOR_SEQUENCE_FUNCTIONS:
            return (TENSOR_LIST, None, CERTAIN)
        entry = self.db.get(dotted)
        if entry is not None:
            if dotted in _COMPLEX_RESULTS:
                return (TENSOR, COMPLEX, CERTAIN)
            if entry.returns == "tensor":
                return (TENSOR, None, CERTAIN)
            if entry.returns == "module":
                if dotted.endswith(".from_pretrained"):  # nn.Embedding.from_pretrained(...): an nn.Embedding
                    return (MODULE, dotted.rpartition(".")[0], CERTAIN)
                return (MODULE, dotted, CERTAIN)
            if entry.returns == "tensors":
                return (TENSOR_LIST, None, CERTAIN)  # torch.autograd.grad: a tuple of tensors
            if entry.kind == "class" and dotted.startswith(tuple(_OBJECT_BASES)):
                return (OBJECT, entry.api, CERTAIN)
            if dotted in _DEVICE_FUNCTIONS:
                return (OBJECT, "torch.device", CERTAIN)  # `torch.get_default_device().type`
            return None
        namespace, _, leaf = dotted.rpartition(".")
        if leaf[:1].isupper():
            return (MODULE, dotted, LIKELY) if namespace.startswith("torch.nn") else None
        if namespace in _TENSOR_FUNCTION_NAMESPACES or leaf in _TENSOR_LIBRARY_FUNCTIONS.get(namespace, ()):
            return (TENSOR, None, LIKELY)
        return None

    def _tensor_member(self, node: ast.Attribute, receiver, kind: Kind):
        """Record `x.attr` on a tensor receiver and return the value it gives."""
        attr = node.attr
        db = self.db
        if attr not in db.tensor_members and ("torch.Tensor." + attr not in db.entries or attr[:2] != "__"):
            # torch's public names list no dunders: `x.__lshift__(3)` is found by its entry
            if (kind == Kind.TENSOR_ATTRIBUTE and attr in NAMED_TUPLE_FIELDS and isinstance(node.ctx, ast.Load)
                    and receiver[2] == CERTAIN):
                # `torch.linalg.slogdet(A).logabsdet`: a field of the named tuple a tensor function gave (no
                # tensor has such an attribute); the rewriter turns it into an index
                self.findings.append(self._make(node, "torch.Tensor." + attr, None, kind, receiver[2], attr_only=True))
                return (TENSOR, None, receiver[2])
            return None
        dotted = "torch.Tensor." + attr
        conf = receiver[2]
        entry = db.entries.get(dotted)
        if kind == Kind.TENSOR_METHOD and _is_complex(receiver) and dotted in _COMPLEX_ABS and entry is not None:
            entry = _complex_abs(entry, method=True)  # `torch.fft.rfft(x).abs()`: a real modulus
        self.findings.append(self._make(node, dotted, entry, kind, conf, attr_only=True))
        if attr == "device" and kind == Kind.TENSOR_ATTRIBUTE:
            return (OBJECT, "torch.device", conf)  # `x.device.type`: a member of the device
        if attr == "shape" and kind == Kind.TENSOR_ATTRIBUTE:
            return (OBJECT, "torch.Size", conf)  # `x.shape.numel()`: torch.Size's own method
        if kind == Kind.TENSOR_METHOD:
            if _is_complex(receiver) and attr in _COMPLEX_KEEPING_METHODS:
                return (TENSOR, COMPLEX, conf)
            return None if attr in db.tensor_non_tensor_returns else (TENSOR, None, conf)
        if attr in _TENSOR_VALUED_ATTRS or attr in NAMED_TUPLE_FIELDS:
            return (TENSOR, None, conf)  # `.real`, and a named tuple's field: `x.min(dim=1).values.min(dim=0)`
        return None

    def _isinstance_narrowing(self, test: ast.AST, scope: _Scope):
        """`isinstance(name, torch.nn.X)`: the name and what it holds inside the branch. Also
        `isinstance(self.norm, ...)` (named `self.norm`) and one such test among `and` operands."""
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
            for operand in test.values:
                narrowed = self._isinstance_narrowing(operand, scope)
                if narrowed is not None:
                    return narrowed
            return None
        if not (isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance"
                and len(test.args) == 2):
            return None
        subject = test.args[0]
        if isinstance(subject, ast.Name):
            key = subject.id
        elif (isinstance(subject, ast.Attribute) and isinstance(subject.value, ast.Name) and self._class is not None
              and self._self_name is not None and subject.value.id == self._self_name):
            key = "self." + subject.attr
        else:
            return None
        classes = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
        names = []
        if all(isinstance(c, ast.Name) and isinstance(scope.lookup(c.id), _ModuleClass) for c in classes):
            return key, _UserModule(tuple(c.id for c in classes))  # `isinstance(branch, Conv)`: a user class
        for cls in classes:  # `isinstance(m, (nn.BatchNorm2d, nn.GroupNorm))`: one of several layers
            dotted = self.resolve_ref(cls, scope)
            held = self._call_result(dotted) if dotted is not None else None
            if held is None or held[0] != MODULE:
                return None
            names.append(dotted)
        return key, (MODULE, "|".join(names), CERTAIN)

    def _layer_attribute(self, node: ast.AST, receiver, attr: str | None = None) -> None:
        """`bn.weight` on a known BatchNorm2d: MindSpore names the attribute differently (gamma).
        `attr` given: `node` is the string constant of `getattr(bn, 'weight')` / `hasattr`."""
        name = attr or node.attr
        if receiver[1] is None:
            self._untyped_layer_attribute(node, receiver, attr)
            return
        # a receiver narrowed to several layers (`a|b`) is renamed only where every one of them agrees
        entries = [self.db.entries.get(held) for held in (receiver[1] or "").split("|")]
        if not entries or None in entries:
            return
        renames = {(e.target(self.profile).attributes.get(name), e.target(self.profile).api) for e in entries}
        entry = entries[0]
        target = entry.target(self.profile)
        renamed = target.attributes.get(name)
        if len({r for r, _ in renames}) > 1 and not any(api is None for _, api in renames) and attr is None \
                and isinstance(getattr(node, "ctx", None), ast.Load):
            # `isinstance(m, (nn.Linear, nn.Embedding))`: weight / embedding_table, told apart at run time
            names = [r for r, _ in sorted(renames, key=lambda r: r[0] is None) if r is not None] + [name]
            renamed = "|".join(dict.fromkeys(names))
        elif renamed is None or target.api is None or len({r for r, _ in renames}) != 1 \
                or any(api is None for _, api in renames):
            return
        end_line = node.end_lineno
        end_col = self._col(end_line, node.end_col_offset)
        start_col = self._col(node.lineno, node.col_offset) if attr else end_col - len(name)
        dotted = f"{entry.api}.{name}"
        self.findings.append(Finding(
            node.lineno if attr else end_line, start_col, end_line, end_col, dotted, Kind.LAYER_ATTRIBUTE, receiver[2],
            Status.RENAMED, f"{target.api}.{renamed}", entry.doc_url,
            f"{dotted} → {target.api}.{renamed}: MindSpore names this attribute '{renamed}'", entry, None, node))

    def _layer_call(self, node: ast.Call, held) -> None:
        """`m(input=x)` on a known layer whose MindSpore construct names its inputs otherwise (Dense's
        `x`): the inputs given by keyword are passed by position (rewrite/layer_calls.py)."""
        inplace = isinstance(held, _InplaceLayer) and bool(node.args)
        if not (node.keywords or inplace) or not isinstance(held[1], str) or "|" in held[1]:
            return
        entry = self.db.entries.get(held[1])
        if entry is None:
            return
        # `m(input=x)`, or `m(**inputs)` whose keys can only be the forward's inputs
        named = bool(entry.forward) and any(k.arg in entry.forward or k.arg is None for k in node.keywords)
        if not (named or inplace):
            return
        target = entry.target(self.profile)
        end_col = self._col(node.end_lineno, node.end_col_offset)
        message = (f"{entry.api}.forward: MindSpore's construct names its inputs otherwise; they are passed by "
                   "position" if named else
                   f"{entry.api}.forward: built with inplace=True, it overwrites its input; the MindSpore layer "
                   "returns a new tensor, stored into the input too")
        self.findings.append(Finding(
            node.lineno, self._col(node.lineno, node.col_offset), node.end_lineno, end_col, f"{entry.api}.forward",
            Kind.LAYER_ATTRIBUTE, held[2], Status.ARG_DIFF, f"{target.api or entry.api}.construct", entry.doc_url,
            message, entry, None, node, writes_input=inplace))

    def _untyped_layer_attribute(self, node: ast.AST, receiver, attr: str | None) -> None:
        """`m.weight` where `m` is some module of unknown class (`for name, m in self.named_modules():`
        filtered by name, not by isinstance): a BatchNorm's is `gamma` in MindSpore, a Conv2d's is still
        `weight`. The name is told apart when the code runs: PyTorch's name if the cell has it, else
        the first MindSpore name any layer gives it (rewrite/fixes.py, `a|b` renames)."""
        if attr is not None or not isinstance(receiver, _AnyLayer) or not isinstance(node.value, ast.Name) \
                or not isinstance(node.ctx, ast.Load):
            return
        others = _renamed_parameters(self.db, self.profile).get(node.attr)
        module = self.db.entries.get("torch.nn.Module")
        if not others or module is None:
            return
        end_col = self._col(node.end_lineno, node.end_col_offset)
        renamed = "|".join((node.attr, *others))
        self.findings.append(Finding(
            node.end_lineno, end_col - len(node.attr), node.end_lineno, end_col, f"torch.nn.Module.{node.attr}",
            Kind.LAYER_ATTRIBUTE, LIKELY, Status.RENAMED, f"mindspore.nn.Cell.{renamed}", module.doc_url,
            f"{node.attr} of a module of unknown class: MindSpore layers may call it {', '.join(others)}",
            module, None, node))

    def _named_attribute(self, node: ast.Call, scope: _Scope) -> None:
        """`getattr(bn, 'weight', None)`, `hasattr(bn, 'bias')`: the same rename as `bn.weight`."""
        name = node.args[1]
        if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
            return
        receiver = self._receiver(node.args[0], scope)
        if receiver is not None and receiver[0] == MODULE:
            self._layer_attribute(name, receiver, name.value)

    def _object_member(self, node: ast.Attribute, receiver):
        """A member of a scheduler or distribution instance: its own entry, else its base class's (the
        entry is returned, None when it has none)."""
        base = next(b for prefix, b in _OBJECT_BASES.items() if receiver[1].startswith(prefix))
        entry = (self.db.entries.get(f"{receiver[1]}.{node.attr}")
                 or self.db.entries.get(f"{_package_name(receiver[1])}.{node.attr}")
                 or self.db.entries.get(f"{base}.{node.attr}"))
        if entry is not None:
            if entry.api == "torch.optim.Optimizer.step" and _computes_gradients(self._source):
                entry = _step_with_gradients(entry)  # claimed (and rewritten) when MS200 takes the step
            self.findings.append(self._make(node, entry.api, entry, Kind.MODULE_METHOD, receiver[2], attr_only=True))
        return entry

    def _module_method(self, node: ast.Attribute, receiver) -> None:
        """Record `m.modules()`, `self.parameters()`: nn.Module methods on a module receiver."""
        if (self._class is not None and isinstance(node.value, ast.Name) and node.value.id == self._self_name
                and node.attr in self._class.methods):
            return True  # the class defines its own method of that name
        held = receiver[1]
        if held is None and self._class is not None and isinstance(node.value, ast.Name) \
                and node.value.id == self._self_name:
            held = self._class.base
        entry = self.db.entries.get(f"{held}.{node.attr}") if held else None  # torch.nn.Sequential.add_module
        if entry is None:
            entry = self.db.entries.get("torch.nn.Module." + node.attr)
        if entry is not None:
            self.findings.append(self._make(node, entry.api, entry, Kind.MODULE_METHOD, receiver[2], attr_only=True))
        return entry is not None

    def _bound_sibling(self, func: ast.Attribute):
        """`self.logits` inside a function bound to an object with `types.MethodType`: the function
        bound under that name to the same object in the same scope (pretrainedmodels' pattern)."""
        current = self._function_node
        if current is None or not isinstance(func.value, ast.Name):
            return None
        group = self.facts.bound.get(id(current))
        if group is None:
            return None
        params = current.args.posonlyargs + current.args.args
        if not params or func.value.id != params[0].arg:
            return None
        return group.get(func.attr)

    def _bind_methods(self, target: ast.AST, value) -> None:
        """`model.forward = types.MethodType(forward, model)`: the functions bound to one object in
        one scope form a class: their first parameter is a module, a bound `forward` takes tensors."""
        if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)):
            return
        key = (id(self._function_node), target.value.id)
        group = self.facts.bound_groups.setdefault(key, {})
        group[target.attr] = value[1]
        for func in group.values():
            self.facts.bound[id(func)] = group
        if "forward" not in group:
            return
        for func in group.values():
            params = [a.arg for a in func.args.posonlyargs + func.args.args]
            if params:
                self.facts.add_param(func, params[0], MODULE)
        forward = group["forward"]
        for name in [a.arg for a in forward.args.posonlyargs + forward.args.args][1:]:
            self.facts.add_param(forward, name, TENSOR)

    def expr(self, node: ast.AST | None, scope: _Scope, ref_kind: Kind = Kind.REFERENCE):
        """Evaluate an expression: record the PyTorch uses in it and return its abstract value."""
        if node is None:
            return None
        t = type(node)
        if t is ast.Name:
            value = scope.lookup(node.id)
            if value is not None and value[0] == REF and isinstance(node.ctx, ast.Load):
                public = self._public_name(value[1])
                self._record(node, public, ref_kind, CERTAIN)
                if public != value[1]:
                    value = (REF, public, value[2])
            return value
        if t is ast.Attribute:
            dotted = self.resolve_ref(node, scope)
            if dotted is not None:
                self._record(node, dotted, ref_kind, CERTAIN)
                return (REF, dotted, CERTAIN)
            receiver = self._receiver(node.value, scope)
            if (receiver is None and node.attr == "type" and node.value.__class__ is ast.Attribute
                    and node.value.attr == "device" and self._torch_file()
                    and _root_name(node.value.value) not in self._foreign_modules):
                # `values[0].device.type` on a value the finder cannot type: a device with `.type` is a tensor's
                receiver = self._tensor_member(node.value, (TENSOR, None, LIKELY), Kind.TENSOR_ATTRIBUTE)
            if receiver is None:
                if node.attr in _TENSOR_ONLY_ATTRIBUTES and self._torch_file() \
                        and _root_name(node.value) not in self._foreign_modules:
                    # `p.grad.is_sparse` (pytorch-optimizer's checks) on a value the finder cannot type
                    return self._tensor_member(node, (TENSOR, None, LIKELY), Kind.TENSOR_ATTRIBUTE)
                # ctx.saved_tensors in an autograd.Function: the tensors saved in forward
                return (TENSOR, None, LIKELY) if node.attr == "saved_tensors" and self._class is not None \
                    and self._class.is_autograd_function else None
            if receiver[0] == TENSOR:
                if node.attr == "grad" and self._class is not None and self._class.is_optimizer:
                    return (TENSOR, None, LIKELY)  # `p.grad` in a custom optimizer: msdev's Optimizer sets it
                return self._tensor_member(node, receiver, Kind.TENSOR_ATTRIBUTE)
            if receiver[0] == OBJECT:
                self._object_member(node, receiver)  # dist.mean, dist.stddev
                return None
            if receiver[0] == MODULE:
                self._layer_attribute(node, receiver)
                if node.attr in _MODULE_TENSOR_ATTRS:
                    return (TENSOR, None, LIKELY)
                if self._class is not None and isinstance(node.value, ast.Name) and node.value.id == self._self_name:
                    held = self._class.attrs.get(node.attr)  # `helper(self.head)`: what the class put there
                    return held if held is not None and held[0] in (MODULE, TENSOR) else None
                if (self._class is not None and isinstance(node.value, ast.Attribute)
                        and isinstance(node.value.value, ast.Name) and node.value.value.id == self._self_name):
                    held = self._class.attrs.get(f"{node.value.attr}.{node.attr}")  # a ModuleDict's member
                    if held is not None and held[0] == MODULE:
                        return held
                if isinstance(receiver, _UserModule):  # `self.visual.attnpool`: what that class put there
                    for name in receiver.classes:
                        held = self.facts.user_attrs.get(name, {}).get(node.attr)
                        if held is not None and held[0] in (MODULE, TENSOR):
                            return held
            return None
        if t is ast.Call:
            return self._call(node, scope, ref_kind)
        if t is ast.Constant:
            return None
        if t is ast.BinOp:
            left = self.expr(node.left, scope)
            right = self.expr(node.right, scope)
            op = node.op.__class__
            if op in MIXED_COMPLEX and _is_complex(left) != _is_complex(right) and not isinstance(
                    node.right if _is_complex(left) else node.left, ast.Constant):
                # `fft2(x) * filt`: the other operand may be a real tensor (a Python number is promoted in both)
                other = right if _is_complex(left) else left
                self._operator(node, op, CERTAIN if _is_tensor(other) and other[2] == CERTAIN else LIKELY)
                return left if _is_complex(left) else right
            if _is_tensor(left):
                if op in SHIFTS:
                    self._operator(node, op, left[2])
                return left
            if not _is_tensor(right):
                # `c * 2`, `x @ c` with `c` an instance of a class mimicking a tensor: another instance
                return left if left is not None and left[0] == PLAIN else right if right is not None \
                    and right[0] == PLAIN else None
            if op in SHIFTS or (op in REFLECTED and isinstance(node.left, ast.Constant)):
                self._operator(node, op, right[2])
            return right
        if t is ast.UnaryOp:
            value = self.expr(node.operand, scope)
            if not _is_tensor(value):
                return None
            if node.op.__class__ is ast.Invert and not known_bool(node.operand):
                self._operator(node, ast.Invert, value[2])
            return value
        if t is ast.Subscript:
            value = self.expr(node.value, scope)
            self.expr(node.slice, scope)
            if value is not None and value[0] == PLAIN:
                return value  # `c[0]` of a class mimicking a tensor: another instance
            if isinstance(node.value, ast.Attribute) and node.value.attr == "param_groups" \
                    and self._imports == [True, False]:
                return (PARAM_GROUP, None, LIKELY)  # `optimizer.param_groups[0]`
            # a string key, also one built by an f-string (`state[f'pre_cond_{dim}']`, Shampoo's per-dim state)
            key = node.slice.value if isinstance(node.slice, ast.Constant) else \
                "" if isinstance(node.slice, ast.JoinedStr) else None
            if value is not None and value[0] == PARAM_GROUP:
                return (TENSOR_LIST, None, LIKELY) if key == "params" else None  # group['params']
            if value is not None and value[0] == OPTIMIZER_STATE:
                return (TENSOR, None, LIKELY) if isinstance(key, str) else None  # state['exp_avg']
            if (self._class is not None and self._class.is_optimizer and isinstance(node.value, ast.Attribute)
                    and node.value.attr == "state" and isinstance(node.value.value, ast.Name)
                    and node.value.value.id == self._self_name):
                if isinstance(key, str):
                    return (TENSOR, None, LIKELY)  # `self.state['k'].add_(1)`: an entry of the optimizer's own
                return (OPTIMIZER_STATE, None, LIKELY)  # `state = self.state[p]`
            if value is not None and value[0] == MODULE and not isinstance(node.slice, ast.Slice):
                element = self._self_element(node.value, node.slice)
                if element is None and value[1] in _INDEXED_CONTAINERS:
                    return _INDEXED_CONTAINERS[value[1]]  # `model[0]` of an nn.Sequential: a layer
                return element
            if _is_tensor_list(value):
                return value if isinstance(node.slice, ast.Slice) else (TENSOR, None, LIKELY)
            if value is not None and value[:2] == (OBJECT, "torch.Size") and isinstance(node.slice, ast.Slice):
                return value  # `x.shape[1:]` is a torch.Size too
            if not _is_tensor(value):
                return None
            index = node.slice.__class__
            if (index is ast.Tuple or (index is ast.Slice and value[2] == CERTAIN)) \
                    and node.ctx.__class__ is ast.Load and node is not self._view_receiver and stepped_axes(node.slice):
                self._stepped_slice(node, value[2])
            return (TENSOR, None, value[2])
        if t is ast.List or t is ast.Tuple:
            values = [self.expr(e, scope) for e in node.elts]
            return (TENSOR_LIST, None, LIKELY) if any(_is_tensor(v) for v in values) else None
        if t is ast.IfExp:
            self.expr(node.test, scope)
            a = self.expr(node.body, scope)
            b = self.expr(node.orelse, scope)
            if _is_tensor(a) or _is_tensor(b):
                return a if _is_tensor(a) else b
            # `nn.Dropout(p) if p else None`: a module when it is anything
            return next((v for v in (a, b) if v is not None and v[0] == MODULE), None)
        if t is ast.Starred:
            return self.expr(node.value, scope)
        if t in (ast.Lambda, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp):
            element = self._comprehension(node, scope)
            if t is ast.Lambda:
                return (FUNCTION_OF_TENSOR, None, LIKELY) if _is_tensor(element) else None
            return (TENSOR_LIST, None, LIKELY) if _is_tensor(element) else None
        if t is ast.NamedExpr:
            value = self.expr(node.value, scope)
            scope.names[node.target.id] = value
            return value
        # the common rest, children in field order as ast.iter_child_nodes gives them
        if t is ast.Compare:
            values = [self.expr(node.left, scope)] + [self.expr(child, scope) for child in node.comparators]
            # `x > 0`, `a == b`: a bool tensor when a tensor is compared (not `x is None`, `k in d`)
            tensor = next((v for v in values if _is_tensor(v)), None)
            if tensor is not None and len(node.ops) == 1 and isinstance(node.ops[0], _ELEMENTWISE_COMPARE):
                return (TENSOR, None, tensor[2])
            return None
        if t is ast.BoolOp or t is ast.JoinedStr:
            for child in node.values:
                self.expr(child, scope)
            return None
        if t is ast.FormattedValue:
            self.expr(node.value, scope)
            self.expr(node.format_spec, scope)
            return None
        if t is ast.Dict:
            for child in node.keys:
                if child is not None:
                    self.expr(child, scope)
            values = [self.expr(child, scope) for child in node.values]
            return (TENSOR_DICT, None, LIKELY) if any(_is_tensor(v) for v in values) else None
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child, scope)
            elif isinstance(child, ast.keyword):
                self.expr(child.value, scope)
        return None

    def _receiver(self, node: ast.AST, scope: _Scope):
        """Evaluate the object of `obj.attr`, treating `self.<attr>` through the class's record."""
        cls = self._class
        if cls is not None and self._self_name is not None:
            if isinstance(node, ast.Name) and node.id == self._self_name:
                return (MODULE, None, CERTAIN) if cls.is_module else None
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == self._self_name:
                held = cls.attrs.get(node.attr)
                if held is None and cls.is_module and node.attr in _MODULE_TENSOR_ATTRS:
                    return (TENSOR, None, LIKELY)  # self.weight of a layer subclass: set by the base class
                return held
        return self.expr(node, scope)

    def _comprehension(self, node: ast.AST, scope: _Scope) -> None:
        inner = _Scope(scope)
        if isinstance(node, ast.Lambda):
            for arg in node.args.args + node.args.kwonlyargs:
                inner.names[arg.arg] = None
            for d in node.args.defaults:
                self.expr(d, scope)
            return self.expr(node.body, inner)  # what the lambda returns
        for gen in node.generators:
            it = self.expr(gen.iter, inner)
            self._bind_loop(gen.target, it, gen.iter, inner)
            for cond in gen.ifs:
                self.expr(cond, inner)
        if isinstance(node, ast.DictComp):
            self.expr(node.key, inner)
            self.expr(node.value, inner)
            return None
        return self.expr(node.elt, inner)

    def _call(self, node: ast.Call, scope: _Scope, ref_kind: Kind):
        func = node.func
        result = None
        user = None  # (FunctionDef, skip_first) of a user function or method being called
        external = None  # (module, function) of a function another module defines
        submodule = False  # `m.<attr>(...)` on a module, attr not an nn.Module method
        dotted = self.resolve_ref(func, scope) if type(func) in (ast.Name, ast.Attribute) else None
        if (dotted is None and type(func) is ast.Attribute and self._class is not None
                and isinstance(func.value, ast.Name) and func.value.id == self._self_name
                and func.attr in self._class.method_nodes):
            user = (self._class.method_nodes[func.attr], True)  # self.helper(x)
            result = self._user_result(user[0])
        elif dotted is None and type(func) is ast.Attribute and self._bound_sibling(func) is not None:
            user = (self._bound_sibling(func), True)  # self.logits(x) in a function bound with MethodType
            result = self._user_result(user[0])
        elif dotted is None and type(func) is ast.Attribute and self._class_method(func) is not None:
            method = self._class_method(func)  # `SparsemaxFunction._threshold_and_support(x, dim)`
            user = (method, _decorated(method, "classmethod"))  # called on the class: no implicit self
            result = self._user_result(method)
        elif dotted is not None:
            kind = Kind.DECORATOR if ref_kind == Kind.DECORATOR else Kind.CALL
            recorded = len(self.findings)  # the finding of this call, replaced below for `abs` of a complex
            self._record(func, dotted, kind, CERTAIN)
            result = self._built(dotted, node)
            if dotted == "torch.stft" and _returns_complex(node):
                result = (TENSOR, COMPLEX, CERTAIN)
        elif type(func) is ast.Attribute:
            if func.attr[-1] == "_" and func.value.__class__ is ast.Subscript:
                self._view_receiver = func.value  # `x[:, ::2].sub_(1)` updates x: no gather (MS220 writes it back)
            receiver = self._receiver(func.value, scope)
            if receiver is not None and receiver[0] == PLAIN:
                result = self._plain_method_result(receiver[1], func.attr)
                if result is None and receiver[1] not in self._user_classes and (
                        func.attr in _MODULE_ONLY_METHODS or func.attr in _MODULE_ITERATOR_CALLS
                        and not node.args and not node.keywords):
                    self._module_method(func, (MODULE, None, LIKELY))  # another library's module: `m.parameters()`
            elif receiver is not None and receiver[0] == TENSOR:
                result = self._tensor_member(func, receiver, Kind.TENSOR_METHOD)
                if func.attr == "type" and (node.args or node.keywords):
                    result = (TENSOR, None, receiver[2])  # a cast; only `x.type()` gives a string
                elif func.attr == "size" and not node.args and not node.keywords:
                    result = (OBJECT, "torch.Size", receiver[2])  # `x.size().numel()`; x.size(d) is an int
            elif receiver is not None and receiver[0] == MODULE:
                if func.attr in ("forward", "__call__"):
                    result = (TENSOR, None, LIKELY)
                    if func.attr == "forward":
                        self._module_method(func, receiver)  # `net.forward(x)` → `net.construct(x)`
                elif not self._module_method(func, receiver):
                    submodule = True  # `self.avgpool(x)` on a module of unknown class: a child called
                elif func.attr in _RETURNS_MODULE:
                    if func.attr == "apply" and len(node.args) == 1:
                        self._note_applied(node.args[0], scope)
                    result = receiver  # `net = Net().eval()`, `nn.Linear(2, 3).to(device)`: the same module
            elif receiver is not None and receiver[0] == OBJECT:
                entry = self._object_member(func, receiver)  # sched.get_last_lr(), dist.log_prob(x)
                if func.attr == "expand" and receiver[1].startswith("torch.distributions."):
                    result = receiver  # `Normal(mu, std).expand(shape)`: a distribution of the same family
                elif entry is not None and entry.returns == "tensor":
                    result = (TENSOR, None, receiver[2])  # `dist.log_prob(x).sum(-1)`
            elif receiver is not None and receiver[0] == PROJECT_MODULE:
                external = self.context.imported_modules[receiver[1]].get(func.attr)  # init.initialize(self.head)
                if external is not None and f"{receiver[1]}.{func.attr}" in self.context.tensor_returns:
                    result = (TENSOR, None, LIKELY)
            elif receiver is None and func.attr == "apply" and type(func.value) is ast.Name \
                    and func.value.id in self._autograd_functions:
                result = (TENSOR, None, LIKELY)  # `Clamp.apply(x)`: a custom autograd Function's output
            elif (receiver is None and _tensor_only_call(func.attr, node) and self._torch_file()
                  and _root_name(func.value) not in self._foreign_modules):
                # `x.size(1)`, `feats.unsqueeze(0)` on a value the finder cannot type (a dict's values, a
                # list's element): no other common object has these methods
                if type(func.value) is ast.Attribute and func.value.attr == "data":
                    # `p.data.mul_(...)` (lion-pytorch's update function): `p` is a tensor too, whose `.data`
                    # the rewrite drops, as MindSpore's Parameter.data is a copy in-place writes are lost on
                    self._tensor_member(func.value, (TENSOR, None, LIKELY), Kind.TENSOR_ATTRIBUTE)
                result = self._tensor_member(func, (TENSOR, None, LIKELY), Kind.TENSOR_METHOD)
                if type(func.value) is ast.Name and scope.lookup(func.value.id) is None:
                    # `perturb.mul_(-lr)`: the name holds a tensor from here on (`perturb.view(-1).dot(g)`)
                    scope.names[func.value.id] = (TENSOR, None, LIKELY)
            elif (receiver is None and func.attr in _UNTYPED_GUARDED and _guarded_arity(func.attr, node)
                  and _root_name(func.value) not in self._foreign_modules and self._torch_file()):
                # `x.clone()`, `mat.size()` on a value the finder cannot type: a tensor's clone fails on
                # MindSpore's CPU and its size is an int, while a config node's clone() or a buffer's size()
                # must stay, so the call decides at run time (the value stays untyped)
                recorded = len(self.findings)
                self._tensor_member(func, (TENSOR, None, LIKELY), Kind.TENSOR_METHOD)
                if recorded < len(self.findings) and self.findings[recorded].entry is not None:
                    finding = self.findings[recorded]
                    self.findings[recorded] = self._make(func, finding.torch_api, _untyped(finding.entry, func.attr),
                                                         finding.kind, LIKELY, attr_only=True)
            elif receiver is None and (func.attr in _MODULE_ONLY_METHODS or func.attr in _MODULE_ITERATOR_CALLS
                                       and not node.args and not node.keywords):
                # `self.stem.named_children()`, `model.named_modules()`, `encoder.modules()`,
                # `self.ema_model.parameters()`: only an nn.Module has these
                self._module_method(func, (MODULE, None, LIKELY))
        else:
            callee = self.expr(func, scope)
            if callee is not None and callee[0] == PARTIAL:
                built = self._call_result(callee[1])
                result = (built[0], built[1], LIKELY) if built is not None else None
            elif callee is not None and callee[0] == EXTERNAL:
                external = callee[1]
                if self.context is not None and getattr(func, "id", None) in self.context.tensor_returns:
                    result = (TENSOR, None, LIKELY)
            elif callee is not None and callee[0] == FUNCTION:
                user = (callee[1], False)
                result = self._user_result(callee[1])
            elif callee is not None and callee[0] == PLAIN_CLASS:
                result = (PLAIN, callee[1], LIKELY)  # `c = ComplexTensor(re, im)`
            elif isinstance(callee, _ModuleClass):
                # `net = Net()`: an instance of a user module class
                result = _UserModule((func.id,)) if type(func) is ast.Name else (MODULE, None, LIKELY)
            elif callee is not None and callee[0] == MODULE:
                result = (TENSOR, None, LIKELY)  # calling a module instance runs its forward
                if isinstance(callee, _UserModule):  # `dist = actor(obs)`: a forward returning a distribution
                    given = {self.facts.forward_distribution(name) for name in callee.classes}
                    if len(given) == 1 and None not in given:
                        result = (OBJECT, given.pop(), LIKELY)
                self._layer_call(node, callee)
        if dotted is None and type(func) is ast.Attribute and result is None:
            # self.conv(x): a module attribute called
            if (self._class is not None and isinstance(func.value, ast.Name)
                    and func.value.id == self._self_name):
                held = self._class.attrs.get(func.attr)
                if held is not None and held[0] == MODULE:
                    result = (TENSOR, None, LIKELY)
                    self._layer_call(node, held)
        if (type(func) is ast.Name and func.id in _ATTRIBUTE_BUILTINS and len(node.args) >= 2
                and scope.lookup(func.id) is None):
            self._named_attribute(node, scope)
        args = [self.expr(arg, scope) for arg in node.args]
        kwargs = [(kw.arg, self.expr(kw.value, scope)) for kw in node.keywords]
        if dotted is not None and (dotted in _COMPLEX_ABS or dotted in _COMPLEX_KEEPING):
            first = args[0] if args else next((v for name, v in kwargs if name == "input"), None)
            if _is_complex(first):
                if dotted in _COMPLEX_KEEPING:
                    result = (TENSOR, COMPLEX, CERTAIN)  # torch.fft.fftshift(torch.fft.fft2(img))
                elif recorded < len(self.findings) and self.findings[recorded].entry is not None:
                    finding = self.findings[recorded]  # torch.abs(torch.fft.rfft(x)): a real modulus
                    self.findings[recorded] = self._make(func, dotted, _complex_abs(finding.entry, method=False),
                                                         finding.kind, CERTAIN)
        if result is None and submodule and any(_is_tensor(v) for v in args):
            result = (TENSOR, None, LIKELY)  # a child module given a tensor gives a tensor
        if _is_method_type(func) and len(node.args) == 2 and args[0] is not None and args[0][0] == FUNCTION:
            result = (BOUND, args[0][1], LIKELY)  # types.MethodType(forward, model)
        if result is None and args and args[0] is not None and args[0][0] == REF and _is_partial(func):
            result = (PARTIAL, args[0][1], LIKELY)  # functools.partial(nn.BatchNorm2d, eps=1e-3)
        if (result is None and type(func) is ast.Name and func.id == "map" and len(args) >= 2
                and args[0] is not None and args[0][0] == FUNCTION_OF_TENSOR and scope.lookup("map") is None):
            result = (TENSOR_LIST, None, LIKELY)  # `q, k, v = map(lambda t: rearrange(t, ...), qkv)`
        if result is None and len(args) == 1 and args[0] is not None and args[0][0] in (MODULE, TENSOR) \
                and _is_deepcopy(func) and scope.lookup(getattr(func, "id", "copy")) is None:
            result = args[0]  # `ema = copy.deepcopy(model)`: a module (a tensor) like the original
        if (result is None and type(func) is ast.Name and func.id == "next" and node.args
                and scope.lookup("next") is None):
            result = self._element_of(args[0], node.args[0], scope)  # next(self.parameters()): a tensor
        if user is not None:
            self._note_tensor_arguments(user[0], user[1], node, args, kwargs)
        elif external is not None:
            for i, value in enumerate(args):
                if isinstance(node.args[i], ast.Starred):
                    break
                if _argument_kind(value) is not None:
                    self.facts.external.add((external[0], external[1], (i, _argument_kind(value))))
            for name, value in kwargs:
                if name and _argument_kind(value) is not None:
                    self.facts.external.add((external[0], external[1], (name, _argument_kind(value))))
        return result

    def _user_result(self, func: ast.AST):
        """What calling a user function gives: a tensor or module as the facts say, or the distribution it
        returns (`dist = self.get_dist(obs); dist.mean` reads the converted distribution's mean())."""
        returned = self.facts.result_of(func)
        if returned is not None:
            return (returned, None, LIKELY)
        cls = self.facts.distribution_of(func)
        if cls is not None:
            return (OBJECT, cls, LIKELY)
        plain = self.facts.plain_of(func)
        return (PLAIN, plain, LIKELY) if plain is not None else None

    def _plain_method_result(self, cls: str, method: str):
        """What a method of a plain class this file defines gives: another instance when it says so (a return
        annotation naming the class, `return self`, `return Cls(...)`: `c.clone().fill_(0)`), else nothing known."""
        info = self._user_classes.get(cls)
        if info is None:
            # another module's class: one that mimics a tensor (a complex pair, a box list) gives its own
            # kind from the tensor-like methods it defines (`c.clone().detach()`, `boxes.to(device)`)
            return (PLAIN, cls, LIKELY) if method in _TENSOR_ONLY_METHODS or method in _SAME_KIND_METHODS else None
        node = info.method_nodes.get(method)
        if node is None:
            return None
        ann = node.returns
        if isinstance(ann, ast.Constant) and ann.value == cls or isinstance(ann, ast.Name) and ann.id == cls:
            return (PLAIN, cls, LIKELY)
        returns = [n.value for n in ast.walk(node) if isinstance(n, ast.Return) and n.value is not None]
        if returns and all(isinstance(v, ast.Name) and v.id == "self" or isinstance(v, ast.Call)
                           and isinstance(v.func, ast.Name) and v.func.id == cls for v in returns):
            return (PLAIN, cls, LIKELY)
        return None

    def _torch_file(self) -> bool:
        """PyTorch code and not MindSpore's: the file imports torch, or (in a package) defines a subclass of
        one of the package's modules (pytorch-metric-learning's losses import only their base classes), or
        modules importing torch import from it (a helper module handling their tensors)."""
        return not self._imports[1] and (self._imports[0] or any(
            info.is_module for info in self._user_classes.values())
            or self.context is not None and self.context.used_by_torch)

    def _class_method(self, func: ast.Attribute) -> ast.AST | None:
        """The method `Cls.name` names when Cls is a class this file defines (and the name is not rebound)."""
        if type(func.value) is not ast.Name:
            return None
        info = self._user_classes.get(func.value.id)
        if info is None or info.node is None or func.attr not in info.method_nodes:
            return None
        return info.method_nodes[func.attr]

    def _note_applied(self, fn: ast.AST, scope: _Scope) -> None:
        """`model.apply(init_weights)` / `self.apply(self._init_weights)`: the function's parameter (after
        `self` for a method) receives every sub-module, of any class (`m.weight` is a BatchNorm's gamma)."""
        func, skip = None, False
        if isinstance(fn, ast.Name):
            value = scope.lookup(fn.id)
            func = value[1] if value is not None and value[0] == FUNCTION else None
        elif isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name) and fn.value.id == self._self_name:
            func, skip = self._class_method_named(fn.attr), True
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        params = [a.arg for a in func.args.posonlyargs + func.args.args]
        if skip and not _decorated(func, "staticmethod"):
            params = params[1:]
        if params:
            self.facts.add_param(func, params[0], ANY_MODULE)

    def _class_method_named(self, name: str) -> ast.AST | None:
        """The method `name` of the class being read, if it defines one."""
        if self._class is None:
            return None
        found = self._class.method_nodes.get(name)
        if found is None and self._class.node is not None:
            found = next((stmt for stmt in self._class.node.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
                          and stmt.name == name), None)
        return found

    def _note_tensor_arguments(self, func, skip_first: bool, call: ast.Call, args, kwargs) -> None:
        """A user function called with tensors: its parameters hold tensors in its body too."""
        fargs = func.args
        positional = [a.arg for a in fargs.posonlyargs + fargs.args]
        if skip_first and not _decorated(func, "staticmethod"):
            positional = positional[1:]
        named = set(positional) | {a.arg for a in fargs.kwonlyargs}
        for i, value in enumerate(args):
            if isinstance(call.args[i], ast.Starred):
                break
            kind = _argument_kind(value)
            if i < len(positional) and kind is not None:
                self.facts.add_param(func, positional[i], kind)
        for name, value in kwargs:
            kind = _argument_kind(value)
            if name in named and kind is not None:
                self.facts.add_param(func, name, kind)


def _decorated(func: ast.AST, name: str) -> bool:
    """Whether a function definition carries the plain decorator `name` (staticmethod, classmethod)."""
    return any(type(d) is ast.Name and d.id == name for d in func.decorator_list)


#: Tensor methods no other common object has (numpy, PIL, Python's builtins; not nn.Module's
#: `float()`/`cpu()`/`to()`): a call of one is a tensor's even when the finder cannot type the receiver
_TENSOR_ONLY_METHODS = frozenset({"unsqueeze", "unsqueeze_", "contiguous", "permute", "masked_fill", "masked_fill_",
                                  "new_zeros", "new_ones", "new_full", "new_empty", "new_tensor", "detach",
                                  "expand_as", "view_as", "type_as", "narrow", "index_select", "numel",
                                  # elementwise math (numpy's arrays and pandas' series have none of these)
                                  "sigmoid", "sigmoid_", "tanh", "tanh_", "exp", "exp_", "log", "log_", "relu",
                                  "relu_", "softmax", "log_softmax", "sqrt", "rsqrt", "clamp", "clamp_",
                                  "clamp_min", "clamp_max", "erf",
                                  # in-place arithmetic (a custom optimizer's `exp_avg.mul_(beta1).add_(grad)` on
                                  # its state, which MindSpore would silently leave unchanged)
                                  "add_", "sub_", "mul_", "div_", "addcmul_", "addcdiv_", "addcmul", "addcdiv",
                                  "lerp_", "zero_", "copy_", "fill_", "pow_", "sqrt_", "neg_", "abs_", "sign_",
                                  "addmm_", "addmv_", "addr_", "baddbmm_", "addbmm_", "nan_to_num_", "clamp_min_",
                                  "clamp_max_", "reciprocal_",
                                  # indexing and reordering whose MindSpore forms take other arguments
                                  # (numpy has these as functions only, not as array methods)
                                  "flip", "roll", "chunk", "gather", "scatter", "scatter_", "scatter_add_",
                                  "topk", "logsumexp", "masked_select", "expand", "fill_diagonal_", "unflatten",
                                  "movedim", "moveaxis", "tril_", "triu_", "masked_scatter", "index_fill",
                                  "index_add", "index_copy", "log1p", "expm1"})


def _root_name(node: ast.AST) -> str | None:
    """The name a chain `a.b.c` starts from (None when it starts from a call, subscript, ...)."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _tensor_only_call(attr: str, call: ast.Call) -> bool:
    """A call only a tensor answers: a method of _TENSOR_ONLY_METHODS, `x.size(1)` / `x.size(dim=1)`
    (numpy's and PIL's `size` are not callable), `x.dim()`, and any method given PyTorch's `dim=` or
    `keepdim=` keyword (`mat.max(dim=1, keepdim=True)`; numpy and pandas say `axis`/`keepdims`)."""
    if attr in _TENSOR_ONLY_METHODS:
        return True
    if any(k.arg in ("dim", "keepdim") for k in call.keywords) and attr in _DIM_METHODS:
        return True
    if attr == "size":
        if len(call.args) == 1 and not call.keywords:
            arg = call.args[0]
            if isinstance(arg, ast.UnaryOp) and isinstance(arg.op, ast.USub):
                arg = arg.operand
            return isinstance(arg, ast.Constant) and type(arg.value) is int
        return not call.args and len(call.keywords) == 1 and call.keywords[0].arg == "dim"
    return attr == "dim" and not call.args and not call.keywords


#: Tensor methods taking `dim`/`keepdim`, which on a receiver of unknown type mark it a tensor
_DIM_METHODS = frozenset({"sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "std", "var", "prod",
                          "norm", "all", "any", "softmax", "log_softmax", "cumsum", "cumprod", "median", "sort",
                          "argsort", "unsqueeze", "squeeze", "flatten", "logsumexp", "nansum", "nanmean",
                          "count_nonzero", "unbind", "split", "chunk", "topk", "kthvalue", "mode",
                          "cummax", "cummin", "gather", "index_select", "flip", "roll", "transpose", "select",
                          "narrow", "repeat_interleave", "unique", "diff", "renorm", "aminmax"})
#: nn.Module methods no other common object has: on a receiver of unknown type they mean a module
#: Tensor attributes no other common object has: reading one marks an untyped receiver a tensor
_TENSOR_ONLY_ATTRIBUTES = frozenset({"is_sparse", "is_cuda", "is_quantized", "is_meta", "is_mkldnn", "is_nested",
                                     "grad_fn", "is_leaf", "mT", "mH",
                                     # read as getattr(x, 'requires_grad', False): right for any object
                                     "requires_grad"})
#: methods a class mimicking a tensor defines to give another instance of itself
_SAME_KIND_METHODS = frozenset({"clone", "to", "cpu", "cuda", "conj", "float", "double", "half", "contiguous",
                                "reshape", "view", "transpose", "squeeze", "unsqueeze", "flatten", "repeat"})
#: argument-free calls that, in a PyTorch file, only an nn.Module answers
_MODULE_ITERATOR_CALLS = frozenset({"modules", "parameters", "buffers"})
_MODULE_ONLY_METHODS = frozenset({"named_children", "named_modules", "add_module", "register_module",
                                  "named_parameters", "named_buffers", "register_buffer", "register_parameter"})
#: containers whose elements the finder types when the class builds them from one layer
_SEQUENCES = frozenset({"torch.nn.ModuleList", "torch.nn.Sequential"})
_ATTRIBUTE_BUILTINS = frozenset({"getattr", "hasattr", "setattr", "delattr"})
_REGISTER_CALLS = ("register_buffer", "register_parameter", "add_module", "register_module")
#: what a site of Finder._self_attr_sites records
_METHOD, _ASSIGNED, _BUFFER, _REGISTERED = range(4)


def _is_deepcopy(func: ast.AST) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "deepcopy" and isinstance(func.value, ast.Name)
            and func.value.id == "copy") or (isinstance(func, ast.Name) and func.id == "deepcopy")


def _imports_in(body, found: list) -> None:
    """The import statements anywhere in a block (not inside nested defs), in hoisting order."""
    for stmt in body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            found.append(stmt)
        elif isinstance(stmt, (ast.If, ast.For, ast.While, ast.With, ast.AsyncWith, ast.AsyncFor)):
            _imports_in(stmt.body, found)
            _imports_in(stmt.orelse if hasattr(stmt, "orelse") else (), found)
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            _imports_in(stmt.body, found)
            for handler in stmt.handlers:
                _imports_in(handler.body, found)
            _imports_in(stmt.orelse, found)
            _imports_in(stmt.finalbody, found)


def _statements(body):
    """Every statement in a block, nested blocks included (not the expressions inside them)."""
    for stmt in body:
        yield stmt
        for name in ("body", "orelse", "finalbody"):
            sub = getattr(stmt, name, None)
            if sub:
                yield from _statements(sub)
        for handler in getattr(stmt, "handlers", None) or ():
            yield from _statements(handler.body)
        for case in getattr(stmt, "cases", None) or ():
            yield from _statements(case.body)


#: comparisons that give a bool tensor when one side is a tensor
_ELEMENTWISE_COMPARE = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def _plain_annotation(ann: ast.AST, scope) -> tuple | None:
    """The PLAIN value an annotation naming a plain class (`c: ComplexTensor`, `"ComplexTensor"`) stands for."""
    name = ann.id if isinstance(ann, ast.Name) else ann.value if isinstance(ann, ast.Constant) \
        and isinstance(ann.value, str) else None
    bound = scope.lookup(name) if name else None
    return (PLAIN, bound[1], CERTAIN) if bound is not None and bound[0] == PLAIN_CLASS else None


def _class_name(name: str) -> bool:
    """A CamelCase name (`ComplexTensor`), as classes are named; not an all-caps constant (`DEVICE`)."""
    return name[:1].isupper() and not name.isupper() and "_" not in name


def _passes_through(stmt: ast.Assign) -> bool:
    """`a, b = f(a, b)` (or `x = f(x)` with more arguments after it): a helper the finder cannot read hands back
    the values it was given, converted or not (pytorch-optimizer's `view_as_real`); they stay typed as before."""
    if len(stmt.targets) != 1 or not isinstance(stmt.value, ast.Call):
        return False
    target, args = stmt.targets[0], stmt.value.args
    names = target.elts if isinstance(target, ast.Tuple) else [target]
    return (len(names) > 1 and len(args) == len(names)
            and all(isinstance(n, ast.Name) and isinstance(a, ast.Name) and n.id == a.id for n, a in zip(names, args)))


def _is_ref(value) -> bool:
    return value is not None and not isinstance(value, (_ModuleClass, _UserModule)) and value[0] == REF


def _int_literal_value(node: ast.AST | None) -> int | None:
    """The value of an int literal (`2`, `-1`), else None."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node, sign = node.operand, -1
    return sign * node.value if isinstance(node, ast.Constant) and type(node.value) is int else None


def _is_tensor(value) -> bool:
    return value is not None and value[0] == TENSOR


def _argument_kind(value) -> int | tuple | None:
    """What a call argument tells about the parameter it binds: TENSOR, MODULE, (OBJECT, class) for an
    optimizer, scheduler or distribution instance (`def train(opt, sched)` reads `opt.param_groups`), or
    nothing."""
    if _is_tensor(value) or _is_tensor_list(value):
        return TENSOR
    if value is not None and value[0] == MODULE and not isinstance(value, _ModuleClass):
        return MODULE
    if value is not None and value[0] == OBJECT and isinstance(value[1], str):
        return (OBJECT, value[1])
    return None


def _is_method_type(func: ast.AST) -> bool:
    return (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)) == "MethodType"


def _is_partial(func: ast.AST) -> bool:
    return (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)) == "partial"


def _is_tensor_list(value) -> bool:
    return value is not None and value[0] == TENSOR_LIST


def describe(entry: Entry, target) -> str:
    """The one-line message of a finding: `torch.x → mindspore.y: what differs`."""
    status = target.status
    if target.api is None and target.templates and status not in (Status.UNSUPPORTED, Status.MANUAL):
        becomes = target.templates[0] or "removed"
        return f"{entry.api} → {becomes}: {target.reason or entry.summary}"
    if target.api is None or status in (Status.UNSUPPORTED,):
        why = target.reason or entry.summary or "no MindSpore counterpart"
        return f"{entry.api} has no MindSpore counterpart: {why}"
    head = f"{entry.api} → {target.api}"
    if status == Status.MANUAL:
        return f"{head}: needs a manual rewrite ({target.reason or entry.summary})"
    differing = target.differing_args()
    if differing:
        names = ", ".join(a.name for a in differing)
        n = len(differing)
        return f"{head}: {n} argument{'s' if n > 1 else ''} differ{'' if n > 1 else 's'} ({names})"
    if status == Status.IDENTICAL:
        return f"{head}: same API"
    if status == Status.RENAMED:
        return f"{head}: renamed, same arguments"
    if status == Status.DEFAULT_DIFF:
        return f"{head}: a default differs"
    if status == Status.PARTIAL:
        return f"{head}: partly supported ({entry.summary})" if entry.summary else f"{head}: partly supported"
    return head


def find_uses(tree: ast.Module, db: Database, profile: str = "portable", source: str = "",
              context: ModuleContext | None = None) -> list[Finding]:
    """All PyTorch uses in a parsed module, with the statement-level rules applied (patterns.py).
    `context`: what the module's package tells about names it imports (analysis/project.py)."""
    return analyse_tree(tree, db, profile, source, context).findings


def analyse_tree(tree: ast.Module, db: Database, profile: str = "portable", source: str = "",
                 module: ModuleContext | None = None, raw: list[Finding] | None = None) -> FileContext:
    """The file's shared context after detection: the finder's findings (`raw`), the final
    findings with the statement-level rules applied and `# msdev: ignore` comments honoured,
    and what the fixers reuse (index, facts).
    `module`: what the file's package tells about the names it imports; `raw`: the finder's
    findings when the caller has them (infer_and_find with the same tree, profile and module)."""
    from ..rules.suppression import unsuppressed
    from .patterns import apply_patterns

    context = FileContext(source, tree)
    context.raw = raw if raw is not None else infer_and_find(tree, db, profile, source, module)[0]
    context.findings = unsuppressed(apply_patterns(tree, context.raw, source, context), source)
    return context


def infer_and_find(tree: ast.Module, db: Database, profile: str = "portable", source: str = "",
                   context: ModuleContext | None = None) -> tuple[list[Finding], InferenceFacts]:
    """The finder's findings with the inference facts they rest on (before the statement rules)."""
    facts = InferenceFacts()
    for _ in range(_INFERENCE_PASSES):
        facts.start_pass()
        findings = Finder(db, profile, source, context, facts).run(tree)
        if not facts.stale:  # every read saw the final facts: a repeat would find the same
            break
    return findings, facts


#: passes over a file at most while what its functions receive and return keeps growing
_INFERENCE_PASSES = 4
