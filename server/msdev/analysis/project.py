"""Package semantics: what each module of a converted or scanned tree binds, re-exports and imports.

A file is not converted alone: `from .activations import *` brings `torch`, `nn` and `F` into
another file, a `from torch import _assert` in one module is read by five others, and a class
deriving from a project class that derives from `nn.Module` is a Cell too. The table is built
once per run from every module's top-level statements (imports, class definitions, `__all__`),
resolved to a fixed point through relative, absolute and star imports, and hands each file a
small picklable `ModuleContext`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from .numpy_arrays import array_functions, numpy_aliases

TORCH_ROOTS = ("torch", "torchvision", "torchaudio", "torchtext")

#: PyTorch modules whose converted import keeps its local name (`import torch.nn as nn` →
#: `import mindspore.nn as nn`, `from torch.nn import functional as F` → `import mindspore.ops as F`)
ALIASED_MODULES = {"torch.nn": "mindspore.nn", "torch.nn.functional": "mindspore.ops"}

_AUTOGRAD_BASES = ("torch.autograd.Function",)
_OPTIMIZER_BASES = ("torch.optim.Optimizer", "torch.optim.optimizer.Optimizer")
#: bases a class deriving from no PyTorch type may have (builtins and the standard library's abstract base)
PLAIN_BASES = frozenset({"object", "ABC", "Exception", "ValueError", "RuntimeError"})


@dataclass
class ModuleContext:
    """What one file needs to know about the rest of its package (picklable)."""

    #: local name → dotted PyTorch name, for names bound through imports of project modules
    torch_names: dict[str, str] = field(default_factory=dict)
    #: local names bound (through project imports) to user nn.Module subclasses
    module_classes: set[str] = field(default_factory=set)
    #: local names bound (through project imports) to user classes deriving from torch.optim.Optimizer
    optimizer_classes: set[str] = field(default_factory=set)
    #: whether modules of the package that import PyTorch import from this one (its code handles their tensors)
    used_by_torch: bool = False
    #: local names bound (through project imports) to the package's classes that derive from no PyTorch type
    #: (torch_complex's ComplexTensor): their instances' methods are their own
    plain_classes: set[str] = field(default_factory=set)
    #: names of this module that other modules import from it (explicitly or with `*`)
    exported: set[str] = field(default_factory=set)
    #: MindSpore module → local name that a project import binds to it after conversion
    ms_aliases: dict[str, str] = field(default_factory=dict)
    #: local name → (module, function) for functions imported from other modules of the package
    imported_functions: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: own top-level function → (parameter name or position, TENSOR or MODULE) other modules pass
    tensor_params: dict[str, set] = field(default_factory=dict)
    #: local names of imported functions that return tensors (`f`, or `init.f` for a module alias)
    tensor_returns: set[str] = field(default_factory=set)
    #: local names of imported functions that return NumPy arrays (rewrite/numpy_index.py)
    array_returns: set[str] = field(default_factory=set)
    #: local names bound (through project imports) to user classes deriving, at any depth, from a
    #: torch.nn layer → that layer (`LayerNorm2d` → `torch.nn.LayerNorm`): their `self.weight` is renamed
    layer_bases: dict[str, str] = field(default_factory=dict)
    #: local name of a module of the package (`from . import initialization as init`) → its
    #: function names → (module, function) where each is defined
    imported_modules: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    #: PyTorch package names the converted tree itself defines (converting `torchvision`'s own
    #: source): its absolute imports `from torchvision.ops import nms` are the package's code
    own_roots: frozenset[str] = frozenset()


@dataclass
class _Module:
    name: str
    is_package: bool
    tree: ast.Module
    torch: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # local → (path, origin module, origin local)
    direct: dict[str, tuple[str, bool]] = field(default_factory=dict)  # own torch imports: local → (path, keeps alias)
    classes: set[str] = field(default_factory=set)  # names bound to nn.Module subclasses (own or imported)
    optimizers: set[str] = field(default_factory=set)  # names bound to torch.optim.Optimizer subclasses
    plains: set[str] = field(default_factory=set)  # names bound to classes deriving from no PyTorch type
    layers: dict[str, str] = field(default_factory=dict)  # names bound to subclasses of a torch.nn layer → it
    own_classes: list[ast.ClassDef] = field(default_factory=list)
    froms: list[tuple[str, str, str]] = field(default_factory=list)  # (source module, name, local); name '*' for star
    all_names: list[str] | None = None
    functions: set[str] = field(default_factory=set)
    defined: set[str] = field(default_factory=set)
    module_imports: dict[str, str] = field(default_factory=dict)  # `import pkg.sub as local`: local → pkg.sub

    def own_names(self) -> set[str]:
        """Classes and functions the module defines itself (they shadow imported names)."""
        return {c.name for c in self.own_classes} | self.functions


def module_name(rel_path: str, package: str | None) -> tuple[str, bool]:
    """`layers/activations.py` under package `timm` → (`timm.layers.activations`, False)."""
    parts = rel_path[:-3].split("/") if rel_path.endswith(".py") else rel_path.split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    if package:
        parts = [package] + parts
    return ".".join(p for p in parts if p), is_package


def _top_statements(body: Iterable[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, including those inside if/try/with blocks (not in defs)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.If, ast.With, ast.For, ast.While)):
            yield from _top_statements(stmt.body)
            yield from _top_statements(getattr(stmt, "orelse", ()))
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            yield from _top_statements(stmt.body)
            for handler in stmt.handlers:
                yield from _top_statements(handler.body)
            yield from _top_statements(stmt.orelse)
            yield from _top_statements(stmt.finalbody)


def _resolve_from(mod: _Module, stmt: ast.ImportFrom) -> str:
    if not stmt.level:
        return stmt.module or ""
    base = mod.name.split(".") if mod.is_package else mod.name.split(".")[:-1]
    if stmt.level > 1:
        base = base[: len(base) - (stmt.level - 1)]
    return ".".join(base + ([stmt.module] if stmt.module else []))


#: modules of other packages that import PyTorch themselves (`from safetensors.torch import load_file`):
#: without PyTorch they fail to import, so their names are handled like torch names
TORCH_BOUND_MODULES = ("safetensors.torch",)


def is_torch_module(module: str, own_roots: frozenset[str] = frozenset()) -> bool:
    """A PyTorch module, or another package's module that needs PyTorch to import; not one of
    `own_roots`, the PyTorch packages whose own source is being read."""
    root = module.split(".", 1)[0]
    if root in own_roots:
        return False
    return root in TORCH_ROOTS or any(module == m or module.startswith(m + ".") for m in TORCH_BOUND_MODULES)


def _dotted(node: ast.AST) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


class ProjectTable:
    """The symbol table of one tree of Python modules."""

    def __init__(self, files: dict[str, ast.Module], package: str | None = None,
                 torch_modules: Iterable[str] = ()):
        self.torch_modules = set(torch_modules) | set(TORCH_ROOTS)
        self.modules: dict[str, _Module] = {}
        self.by_path: dict[str, str] = {}
        for rel, tree in files.items():
            name, is_package = module_name(rel, package)
            self.modules[name] = _Module(name, is_package, tree)
            self.by_path[rel] = name
        # never `torch` itself: a stray top-level torch.py is not PyTorch's source
        self.own_roots = frozenset(n.split(".", 1)[0] for n in self.modules) & frozenset(TORCH_ROOTS[1:])
        self.exported: dict[str, set[str]] = {name: set() for name in self.modules}
        self.tensor_params: dict[tuple[str, str], set] = {}  # (module, function) → params given tensors
        self.tensor_returns: set[tuple[str, str]] = set()  # (module, function) returning tensors
        for mod in self.modules.values():
            self._read(mod)
        self._resolve()
        # functions returning NumPy arrays (pytorch_wavelets' `reflect`), for the modules that index tensors with them
        self.array_returns = {(mod.name, f) for mod in self.modules.values()
                              for f in array_functions(mod.tree, numpy_aliases(mod.tree))}
        #: modules that modules importing PyTorch import from: their code handles tensors too (a helper module
        #: whose class holds tensors, `Pair(x[0], x[1]).fill_(0.5)`, imports no torch itself)
        self.used_by_torch: set[str] = set()
        for mod in self.modules.values():
            for source, name, _ in mod.froms:
                target = self.modules.get(source)
                if target is None:
                    continue
                if mod.direct:
                    self.used_by_torch.add(source)
                if name == "*":
                    # a star import's torch modules (`torch`, `nn`) are resolved in the importer itself
                    self.exported[source] |= {n for n in self._public(target) if n not in target.torch
                                              or target.torch[n][0] not in self.torch_modules
                                              or target.torch[n][0] in ALIASED_MODULES}
                else:
                    self.exported[source].add(name)
            if mod.all_names:
                self.exported[mod.name] |= set(mod.all_names)

    # ------------------------------------------------------------------ reading
    def _read(self, mod: _Module) -> None:
        aliases: list[tuple[str, ast.AST]] = []  # top-level `name = <expression>`
        for stmt in _top_statements(mod.tree.body):
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if is_torch_module(alias.name, self.own_roots):
                        if alias.asname:
                            mod.direct[alias.asname] = (alias.name, alias.name in ALIASED_MODULES)
                        else:
                            head = alias.name.split(".", 1)[0]
                            mod.direct[head] = (head, False)
                    elif alias.asname:
                        mod.module_imports[alias.asname] = alias.name
                    mod.defined.add((alias.asname or alias.name).split(".", 1)[0])
            elif isinstance(stmt, ast.ImportFrom):
                source = _resolve_from(mod, stmt)
                for alias in stmt.names:
                    local = alias.asname or alias.name
                    if stmt.level == 0 and is_torch_module(source, self.own_roots):
                        if alias.name != "*":
                            full = f"{source}.{alias.name}"
                            mod.direct[local] = (full, full in ALIASED_MODULES)
                    else:
                        mod.froms.append((source, alias.name, local))
                    if alias.name != "*":
                        mod.defined.add(local)
            elif isinstance(stmt, ast.ClassDef):
                mod.own_classes.append(stmt)
                mod.defined.add(stmt.name)
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                mod.defined.add(stmt.name)
                mod.functions.add(stmt.name)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        mod.defined.add(target.id)
                        if target.id == "__all__" and isinstance(stmt.value, (ast.List, ast.Tuple)):
                            mod.all_names = [e.value for e in stmt.value.elts
                                             if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                if len(targets) == 1 and isinstance(targets[0], ast.Name) and stmt.value is not None:
                    aliases.append((targets[0].id, stmt.value))
        for local, (path, _) in mod.direct.items():
            mod.torch[local] = (path, mod.name, local)
        # `zeros = torch.zeros`, `Module = torch.nn.Module` (kornia's backend module): the name is that PyTorch
        # object for every module importing it, so its calls and subclasses convert as the object's own
        for local, value in aliases:
            parts = _dotted(value)
            if parts and len(parts) > 1 and parts[0] in mod.direct and local not in mod.direct:
                mod.torch[local] = (".".join([mod.direct[parts[0]][0], *parts[1:]]), mod.name, local)

    def _public(self, mod: _Module) -> set[str]:
        if mod.all_names is not None:
            return set(mod.all_names)
        names = set(mod.defined) | set(mod.torch) | mod.classes
        return {n for n in names if not n.startswith("_")}

    # ------------------------------------------------------------------ resolving
    def _resolve(self) -> None:
        changed = True
        rounds = 0
        while changed and rounds < 50:
            changed = False
            rounds += 1
            for mod in self.modules.values():
                for source, name, local in mod.froms:
                    target = self.modules.get(source)
                    if target is None:
                        continue
                    names = self._public(target) if name == "*" else {name}
                    for n in names:
                        into = n if name == "*" else local
                        if n in target.torch and into not in mod.torch and into not in mod.own_names():
                            mod.torch[into] = target.torch[n]
                            changed = True
                        if n in target.classes and into not in mod.classes:
                            mod.classes.add(into)
                            changed = True
                        if n in target.optimizers and into not in mod.optimizers:
                            mod.optimizers.add(into)
                            changed = True
                        if n in target.plains and into not in mod.plains and into not in mod.own_names():
                            mod.plains.add(into)
                            changed = True
                        if n in target.layers and into not in mod.layers and into not in mod.own_names():
                            mod.layers[into] = target.layers[n]
                            changed = True
                for cls in mod.own_classes:
                    if cls.name not in mod.classes and self._is_module_class(mod, cls):
                        mod.classes.add(cls.name)
                        changed = True
                    if cls.name not in mod.plains and not cls.keywords and all(
                            isinstance(b, ast.Name) and (b.id in PLAIN_BASES or b.id in mod.plains) for b in cls.bases):
                        mod.plains.add(cls.name)
                        changed = True
                    if cls.name not in mod.optimizers and self._is_optimizer_class(mod, cls):
                        mod.optimizers.add(cls.name)
                        changed = True
                    if cls.name not in mod.layers:
                        layer = self._layer_base(mod, cls)
                        if layer is not None:
                            mod.layers[cls.name] = layer
                            changed = True

    def _is_module_class(self, mod: _Module, cls: ast.ClassDef) -> bool:
        return self._derives(mod, cls, mod.classes, lambda path: path.startswith("torch.nn.")
                             and path not in _AUTOGRAD_BASES)

    def _is_optimizer_class(self, mod: _Module, cls: ast.ClassDef) -> bool:
        """pytorch-optimizer's `BaseOptimizer(ABC, Optimizer)`, from which every optimizer of it derives."""
        return self._derives(mod, cls, mod.optimizers, _OPTIMIZER_BASES.__contains__)

    @staticmethod
    def _derives(mod: _Module, cls: ast.ClassDef, known: set[str], torch_base) -> bool:
        """Whether `cls` derives from a PyTorch class `torch_base` accepts (by its dotted path), directly or
        through a class of `known`."""
        for base in cls.bases:
            parts = _dotted(base)
            if not parts:
                continue
            if len(parts) == 1 and parts[0] in known:
                return True
            bound = mod.torch.get(parts[0])
            if bound is not None and torch_base(".".join([bound[0]] + parts[1:])):
                return True
        return False

    def _layer_base(self, mod: _Module, cls: ast.ClassDef) -> str | None:
        """The torch.nn layer a class derives from through its first base (`torch.nn.LayerNorm`)."""
        parts = _dotted(cls.bases[0]) if cls.bases else None
        if not parts:
            return None
        if len(parts) == 1 and parts[0] in mod.layers:
            return mod.layers[parts[0]]
        bound = mod.torch.get(parts[0])
        if bound is None:
            return None
        path = ".".join([bound[0]] + parts[1:])
        return path if path.startswith("torch.nn.") and path != "torch.nn.Module" else None

    # ------------------------------------------------------------------ answers
    def context(self, rel_path: str) -> ModuleContext:
        name = self.by_path.get(rel_path)
        if name is None:
            return ModuleContext(own_roots=self.own_roots)
        mod = self.modules[name]
        ctx = ModuleContext(exported=set(self.exported.get(name, ())), own_roots=self.own_roots,
                            used_by_torch=name in self.used_by_torch)
        for local, (path, origin, origin_local) in mod.torch.items():
            if local in mod.direct:
                continue
            ctx.torch_names[local] = path
            source = self.modules.get(origin)
            keeps = source is not None and source.direct.get(origin_local, ("", False))[1]
            if keeps and origin_local == local and path in ALIASED_MODULES:
                ctx.ms_aliases.setdefault(ALIASED_MODULES[path], local)
        own = {c.name for c in mod.own_classes}
        ctx.module_classes = {c for c in mod.classes if c not in own}
        ctx.layer_bases = {c: layer for c, layer in mod.layers.items() if c not in own}
        ctx.optimizer_classes = {c for c in mod.optimizers if c not in own}
        ctx.plain_classes = {c for c in mod.plains if c not in own}
        for source, imported, local in mod.froms:
            if imported == "*":
                continue
            origin = self.function_origin(source, imported)
            if origin is not None and local not in mod.own_names():
                ctx.imported_functions[local] = origin
                if origin in self.tensor_returns:
                    ctx.tensor_returns.add(local)
                if origin in self.array_returns:
                    ctx.array_returns.add(local)
        aliases = dict(mod.module_imports)
        aliases.update((local, f"{source}.{imported}") for source, imported, local in mod.froms if imported != "*")
        for local, target in aliases.items():
            if target in self.modules and local not in mod.own_names():
                functions = self.module_functions(target)
                ctx.imported_modules[local] = functions
                ctx.tensor_returns |= {f"{local}.{f}" for f, origin in functions.items() if origin in self.tensor_returns}
                ctx.array_returns |= {f"{local}.{f}" for f, origin in functions.items() if origin in self.array_returns}
        for (module, func), params in self.tensor_params.items():
            if module == name:
                ctx.tensor_params[func] = set(params)
        return ctx

    def function_origin(self, module: str, name: str, depth: int = 0) -> tuple[str, str] | None:
        """The module defining function `name` that `from module import name` reaches."""
        mod = self.modules.get(module)
        if mod is None or depth > 10:
            return None
        if name in mod.functions:
            return (module, name)
        for source, imported, local in mod.froms:
            if local == name and imported != "*":
                return self.function_origin(source, imported, depth + 1)
        return None

    def module_functions(self, module: str) -> dict[str, tuple[str, str]]:
        """The functions `module.<name>` reaches: its own and those it imports by name."""
        mod = self.modules[module]
        found = {}
        for name in mod.functions | {local for _, imported, local in mod.froms if imported != "*"}:
            origin = self.function_origin(module, name)
            if origin is not None:
                found[name] = origin
        return found

    def add_inference(self, rel_path: str, calls: list[tuple[str, str, object]], returns: set[str]) -> bool:
        """Facts one file's analysis found: tensors passed to other modules' functions, and its own
        functions that return tensors. Returns whether anything was new."""
        grown = False
        for module, func, param in calls:
            params = self.tensor_params.setdefault((module, func), set())
            if param not in params:
                params.add(param)
                grown = True
        name = self.by_path.get(rel_path)
        for func in returns:
            if name is not None and (name, func) not in self.tensor_returns:
                self.tensor_returns.add((name, func))
                grown = True
        return grown


def own_roots_of(paths) -> frozenset[str]:
    """The PyTorch packages (torchvision, ...) whose own source lies in `paths`, as a ProjectTable
    built on each of them finds: the folder itself is one, or holds one (a package has __init__.py)."""
    from pathlib import Path

    found = set()
    for path in map(Path, paths):
        if not path.is_dir():
            continue
        found.add(package_of(path))
        for name in TORCH_ROOTS[1:]:
            if (path / name / "__init__.py").is_file():
                found.add(name)
    return frozenset(found) & frozenset(TORCH_ROOTS[1:])


def package_of(root) -> str | None:
    """The package name a tree's top folder gives its modules (`timm` when it holds __init__.py)."""
    from pathlib import Path

    root = Path(root)
    return root.name if (root / "__init__.py").is_file() and root.name.isidentifier() else None
