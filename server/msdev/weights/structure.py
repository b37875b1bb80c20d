"""What layer sits at each parameter prefix, read statically (ast) from a model's source.

The source may be PyTorch (`nn.Module`) or converted MindSpore (`nn.Cell`) code. For every class
we collect what its attributes hold: a known layer (`self.bn1 = nn.BatchNorm2d(...)`), an instance
of another class of the source, a container (Sequential/SequentialCell, ModuleList/CellList with
literal or appended elements), a bare Parameter, or something unknown. Helper functions are
followed (`conv3x3(...)` returning `nn.Conv2d(...)`, `partial(SomeConv, ...)`, a local
`Conv2d = get_conv(...)`), so that a checkpoint key such as `layer1.0.downsample.1.weight` can be
walked attribute by attribute to the layer that owns `weight`.

Nothing is imported or executed: the walk unions every possibility (an attribute assigned in
two branches has both types) and callers use a result only when all possibilities agree.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .layers import (BASE_CLASSES, CONTAINERS, CONVERTED_CONV1D, PARAMETER_CLASSES, LayerRule, identity_rule,
                     rule_for_api)


# --------------------------------------------------------------------------- values

@dataclass(frozen=True)
class Layer:
    api: str
    rule: LayerRule = field(compare=False)  # determined by api (and the profile)


@dataclass(frozen=True)
class Cls:
    name: str


@dataclass(frozen=True)
class Container:
    kind: str  # sequential | list | dict
    children: tuple[tuple[str, frozenset], ...] | None  # known names/indices, or None
    elems: frozenset  # what an unknown index may hold


@dataclass(frozen=True)
class Factory:
    """A class object (not an instance): calling it gives `inner`."""

    inner: object


class _Singleton:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: layer methods that return the layer itself (`layer.set_train(True)` is still the layer)
RETURNS_SELF = frozenset({"set_train", "train", "eval", "to", "cuda", "cpu", "float", "double", "half",
                          "requires_grad_", "to_float", "set_grad", "apply"})

ANY = _Singleton("ANY")  # unknown instance
PARAM = _Singleton("PARAM")  # a bare Parameter / buffer: keeps its name


@dataclass
class ClassInfo:
    name: str
    file: str
    bases: list[str] = field(default_factory=list)  # dotted APIs or local class names
    attrs: dict[str, set] = field(default_factory=dict)
    appended: dict[str, set] = field(default_factory=dict)  # self.x.append(...) element values
    dynamic: bool = False  # children added under computed names
    #: a Sequential/ModuleList subclass: the containers its `super().__init__(...)` call builds
    items: set = field(default_factory=set)
    methods: dict[str, ast.FunctionDef] = field(default_factory=dict)
    module: "ModuleInfo | None" = None
    #: unique in the source: the class name, or `module.Name` when several modules define that name
    key: str = ""


@dataclass
class ModuleInfo:
    path: str
    aliases: dict[str, str] = field(default_factory=dict)  # local name → dotted
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    dotted: str = ""  # the import name when the file sits in a package folder given as source
    classes: dict[str, ClassInfo] = field(default_factory=dict)  # defined here, by name
    stars: list[str] = field(default_factory=list)  # modules star-imported here (dotted)


def _normalise_api(dotted: str) -> str:
    parts = dotted.split(".")
    if dotted.startswith("torch.nn.modules.") and len(parts) >= 5:
        return "torch.nn." + parts[-1]
    if dotted.startswith("mindspore.nn.layer.") and len(parts) >= 5:
        return "mindspore.nn." + parts[-1]
    if dotted.startswith("mindspore.nn.cell.") or dotted.startswith("mindspore.nn.layer.container."):
        return "mindspore.nn." + parts[-1]
    if dotted in ("mindspore.common.parameter.Parameter", "mindspore.common.Parameter"):
        return "mindspore.Parameter"
    return dotted


def _tie(target: ast.AST, value: ast.AST) -> tuple[str, str] | None:
    """`self.a.b.weight = self.c.weight` → ("a.b", "c"): both sides a parameter of a submodule."""
    paths = []
    for side in (target, value):
        parts = []
        while isinstance(side, ast.Attribute):
            parts.append(side.attr)
            side = side.value
        if not isinstance(side, ast.Name) or len(parts) < 2:
            return None
        paths.append((side.id, ".".join(reversed(parts[1:]))))
    (owner_a, a), (owner_b, b) = paths
    return (a, b) if owner_a == owner_b and a != b else None


class ModelSource:
    """All classes and helper functions of a model's source files."""

    def __init__(self, db=None, profile: str = "portable"):
        self.classes: dict[str, ClassInfo] = {}  # by ClassInfo.key
        self.by_name: dict[str, list[ClassInfo]] = {}
        self.by_module: dict[str, ModuleInfo] = {}
        self.functions: dict[str, tuple[ast.FunctionDef, ModuleInfo]] = {}
        self.modules: list[ModuleInfo] = []
        self._trees: list[ast.Module] = []
        self.framework: str | None = None  # "pytorch" | "mindspore" (what the source subclasses)
        self.profile = profile
        self._db_torch, self._db_ms = _db_indexes(db)
        self._returns: dict[int, set] = {}
        self._in_progress: set[int] = set()
        #: answers that cannot change once `analyse` has run (a package such as timm + torchvision
        #: asks them millions of times while a checkpoint is mapped): base classes by id(ClassInfo),
        #: attribute values by (id(ClassInfo), attribute); kept only while `_frozen`
        self._bases_memo: dict[int, list] = {}
        self._attr_memo: dict[tuple[int, str], set | None] = {}
        self._frozen = False
        #: weight tying in the source: (module path assigned to, module path it shares with), e.g.
        #: `self.transformer.wte.weight = self.lm_head.weight` → ("transformer.wte", "lm_head")
        self.ties: list[tuple[str, str]] = []

    # ---------------------------------------------------------------- loading

    @classmethod
    def from_paths(cls, paths: Iterable[str | Path], db=None, profile: str = "portable") -> "ModelSource":
        src = cls(db, profile)
        files: list[tuple[Path, str]] = []
        for p in paths:
            p = Path(p)
            if p.is_dir():
                files.extend((q, _module_name(p, q)) for q in sorted(p.rglob("*.py")) if "__pycache__" not in q.parts)
            elif p.is_file():
                files.append((p, p.stem))
            else:
                raise FileNotFoundError(f"model source not found: {p}")
        for f, dotted in files:
            try:
                tree = ast.parse(f.read_text(encoding="utf-8"), filename=str(f))
            except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
                raise SyntaxError(f"cannot parse {f}: {exc}") from None
            src.add_module(tree, str(f), dotted, is_package=f.name == "__init__.py")
        src.analyse()
        return src

    @classmethod
    def from_text(cls, text: str, db=None, profile: str = "portable", name: str = "<source>") -> "ModelSource":
        src = cls(db, profile)
        src.add_module(ast.parse(text), name)
        src.analyse()
        return src

    def add_module(self, tree: ast.Module, path: str, dotted: str = "", is_package: bool = False) -> None:
        self._thaw()
        mod = ModuleInfo(path, dotted=dotted)
        self.modules.append(mod)
        self._trees.append(tree)
        if dotted:
            self.by_module.setdefault(dotted, mod)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        mod.aliases[a.asname] = a.name
                    else:
                        mod.aliases[a.name.split(".")[0]] = a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom):
                base = node.module if not node.level else _relative(dotted, is_package, node.level, node.module)
                if not base:
                    continue
                for a in node.names:
                    if a.name == "*":
                        mod.stars.append(base)
                    else:
                        mod.aliases[a.asname or a.name] = f"{base}.{a.name}"
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                tie = _tie(node.targets[0], node.value)
                if tie is not None:
                    self.ties.append(tie)
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                info = ClassInfo(node.name, path, module=mod)
                for b in node.bases:
                    d = _kernel_keeping(b, self._dotted(_factory_argument(b), mod))
                    if d:
                        info.bases.append(d)
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        info.methods[item.name] = item  # type: ignore[assignment]
                mod.classes[node.name] = info
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                mod.functions[node.name] = node  # type: ignore[assignment]
                self.functions[node.name] = (node, mod)  # type: ignore[assignment]

    def lone_weight_kinds(self) -> set[str]:
        """Kinds of the layers this source may build with a lone 1-D `weight` and no other parameter:
        every PReLU and RMSNorm it names, a LayerNorm named other than in a plain call (passed as a
        class, subclassed, built with `bias=`, a fourth argument or **kwargs). GroupNorm's `affine`
        gives both parameters or none. A checkpoint's lone weight that the source cannot place
        belongs to one of these."""
        kinds: set[str] = set()
        for mod, tree in zip(self.modules, self._trees):
            funcs = {id(n.func): n for n in ast.walk(tree) if isinstance(n, ast.Call)}
            for node in ast.walk(tree):
                if not isinstance(node, (ast.Attribute, ast.Name)):
                    continue
                api = self._dotted(node, mod)
                rule = rule_for_api(api) if api and api.startswith(("torch.", "mindspore.")) else None
                kind = rule.kind if rule else api.rpartition(".")[2] if api and "RMSNorm" in api else None
                if kind in ("PReLU", "RMSNorm"):
                    kinds.add(kind)
                elif kind == "LayerNorm":
                    call = funcs.get(id(node))
                    if call is None or len(call.args) > 3 or any(k.arg in (None, "bias") for k in call.keywords) \
                            or any(isinstance(a, ast.Starred) for a in call.args):
                        kinds.add(kind)
        return kinds

    def _dotted(self, node: ast.AST, mod: ModuleInfo) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = mod.aliases.get(node.id, node.id)
        return _normalise_api(".".join([head] + list(reversed(parts))))

    # ---------------------------------------------------------------- analysis

    def _index_classes(self) -> None:
        """Give every class a unique key: its name, or `module.Name` where modules share the name."""
        self._thaw()
        self.by_name.clear()
        for mod in self.modules:
            for info in mod.classes.values():
                self.by_name.setdefault(info.name, []).append(info)
        self.classes = {}
        for name, infos in self.by_name.items():
            for info in infos:
                mod = info.module
                info.key = name if len(infos) == 1 else f"{mod.dotted or mod.path}.{name}"  # type: ignore[union-attr]
                self.classes[info.key] = info

    # ---------------------------------------------------------------- name resolution

    def class_named(self, ref: str, mod: ModuleInfo | None, _depth: int = 0) -> ClassInfo | None:
        """The class a name (or dotted name) means in module `mod`: its own class, an import
        (relative, absolute or star) of a module of the source, else the one class of that name."""
        if _depth > 12:
            return None
        if "." in ref:
            modname, _, name = ref.rpartition(".")
            target = self.by_module.get(modname)
            if target is not None:
                return self.class_named(name, target, _depth + 1)
            if ref.startswith(("torch.", "mindspore.")):
                return None
            return self._unique(name, ref)
        if mod is not None:
            if ref in mod.classes:
                return mod.classes[ref]
            target = mod.aliases.get(ref)
            if target is not None:
                if target == ref:
                    return None  # `import x`: a module, not a class
                return self.class_named(target, None, _depth + 1)
            for star in mod.stars:
                m = self.by_module.get(star)
                if m is not None and m is not mod:
                    found = self.class_named(ref, m, _depth + 1)
                    if found is not None:
                        return found
            if mod.dotted and self.by_module:
                return None if ref not in self.by_name else self._unique(ref, None)
        return self._unique(ref, None)

    def _unique(self, name: str, dotted: str | None) -> ClassInfo | None:
        infos = self.by_name.get(name) or []
        if len(infos) == 1:
            return infos[0]
        return infos[-1] if infos and dotted is None else None

    def function_named(self, ref: str, mod: ModuleInfo | None, _depth: int = 0):
        """(function, its module) for a name called in `mod`, resolved like `class_named`."""
        if _depth > 12:
            return None
        if "." in ref:
            modname, _, name = ref.rpartition(".")
            target = self.by_module.get(modname)
            if target is not None:
                return self.function_named(name, target, _depth + 1)
            return None if ref.startswith(("torch.", "mindspore.")) else self.functions.get(name)
        if mod is not None:
            if ref in mod.functions:
                return mod.functions[ref], mod
            target = mod.aliases.get(ref)
            if target is not None and target != ref:
                return self.function_named(target, None, _depth + 1)
            for star in mod.stars:
                m = self.by_module.get(star)
                if m is not None and m is not mod:
                    found = self.function_named(ref, m, _depth + 1)
                    if found is not None:
                        return found
        return self.functions.get(ref)

    def _thaw(self) -> None:
        """The source is changing: forget the memoised answers."""
        self._frozen = False
        self._bases_memo.clear()
        self._attr_memo.clear()

    def base_infos(self, info: ClassInfo) -> list[ClassInfo]:
        """The classes of the source that `info` subclasses (never `info` itself)."""
        memo = self._bases_memo.get(id(info)) if self._frozen else None
        if memo is not None:
            return list(memo)
        out = []
        for b in info.bases:
            base = self.class_named(b, info.module)
            if base is not None and base is not info:
                out.append(base)
        if self._frozen:
            self._bases_memo[id(info)] = list(out)
        return out

    def resolve_root(self, name: str) -> str | None:
        """The key of the class `name` means: a key, a unique class name, or `module.Name`."""
        if name in self.classes:
            return name
        found = self.class_named(name, None) if "." in name else None
        if found is None and "." not in name and len(self.by_name.get(name, ())) == 1:
            found = self.by_name[name][0]
        return found.key if found is not None else None

    def analyse(self) -> None:
        self._index_classes()
        for info in self.classes.values():
            for base in self._all_bases(info):
                if base.startswith("torch."):
                    self.framework = self.framework or "pytorch"
                elif base.startswith("mindspore."):
                    self.framework = self.framework or "mindspore"
        for _ in range(2):  # a second pass sees attributes used before their assignment
            for info in self.classes.values():
                for fn in info.methods.values():
                    self._scan_method(info, fn)
        self._frozen = True  # what classes hold no longer changes: answers may be memoised

    def _all_bases(self, info: ClassInfo, seen: set[str] | None = None) -> list[str]:
        seen = seen or set()
        out: list[str] = []
        for b in info.bases:
            local = self.class_named(b, info.module)
            if local is info:
                out.append(b)
            elif local is not None:
                if local.key not in seen:
                    seen.add(local.key)
                    out.extend(self._all_bases(local, seen))
            else:
                out.append(b)
        return out

    def is_network_class(self, name: str) -> bool:
        info = self.classes.get(name)
        if not info:
            return False
        return any(b in BASE_CLASSES or self.layer_api(b) for b in self._all_bases(info))

    def layer_base(self, name: str) -> Layer | None:
        """A class that subclasses a known layer (e.g. a padded Conv2d) owns that layer's parameters."""
        info = self.classes.get(name)
        if not info:
            return None
        for b in self._all_bases(info):
            layer = self.layer_api(b)
            if layer:
                return layer
        return None

    def layer_api(self, api: str) -> Layer | None:
        rule = rule_for_api(api, self.profile)
        if rule:
            return Layer(api, rule)
        if api in CONTAINERS or api in BASE_CLASSES:
            return None
        torch_api = None
        if api.startswith("torch.nn.") and api.count(".") == 2 and api[9:10].isupper():
            torch_api = api
        elif api in self._db_ms:
            torch_api = self._db_ms[api]
        elif api.startswith(("mindspore.nn.", "mindspore.mint.nn.")) and api.rsplit(".", 1)[-1][:1].isupper() \
                and api.count(".") == (2 if api.startswith("mindspore.nn.") else 3):
            torch_api = api
        if torch_api is None:
            return None
        # a layer mapped by the database (or any other framework layer): names kept as they are
        return Layer(api, identity_rule(torch_api.rsplit(".", 1)[-1]))

    def _scan_method(self, info: ClassInfo, fn: ast.FunctionDef) -> None:
        env, seeded = _parameter_env(fn)
        appended: dict[str, set] = {}
        mod = info.module
        assert mod is not None

        def visit(stmts: list[ast.stmt]) -> None:
            for st in stmts:
                if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    continue
                if isinstance(st, ast.Assign):
                    vals = self._eval(st.value, env, appended, mod, info)
                    for tgt in st.targets:
                        _rebind(tgt, seeded, env, stmts is fn.body)
                        self._assign(tgt, vals, env, info)
                elif isinstance(st, ast.AnnAssign) and st.value is not None:
                    self._assign(st.target, self._eval(st.value, env, appended, mod, info), env, info)
                elif isinstance(st, ast.AugAssign) and isinstance(st.op, ast.Add):
                    vals = self._eval(st.value, env, appended, mod, info)
                    elems = _elements(vals)
                    if isinstance(st.target, ast.Name):
                        appended.setdefault(st.target.id, set()).update(elems)
                    elif _is_self_attr(st.target):
                        info.appended.setdefault(st.target.attr, set()).update(elems)  # type: ignore[attr-defined]
                elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
                    self._call_stmt(st.value, env, appended, mod, info)
                for sub in ("body", "orelse", "finalbody"):
                    if hasattr(st, sub) and not isinstance(st, (ast.FunctionDef, ast.ClassDef)):
                        visit(getattr(st, sub))
                if isinstance(st, ast.Try):
                    for h in st.handlers:
                        visit(h.body)
                if isinstance(st, (ast.For, ast.AsyncFor)) and isinstance(st.target, ast.Name):
                    env.setdefault(st.target.id, set()).add(ANY)
                if isinstance(st, ast.Match):
                    for case in st.cases:
                        visit(case.body)

        for _ in range(2):
            visit(fn.body)

    def _assign(self, tgt: ast.AST, vals: set, env: dict[str, set], info: ClassInfo) -> None:
        if isinstance(tgt, ast.Name):
            env.setdefault(tgt.id, set()).update(vals)
        elif _is_self_attr(tgt):
            info.attrs.setdefault(tgt.attr, set()).update(vals)  # type: ignore[attr-defined]
        elif isinstance(tgt, (ast.Tuple, ast.List)):
            for t in tgt.elts:
                self._assign(t, {ANY}, env, info)

    def _call_stmt(self, call: ast.Call, env, appended, mod, info: ClassInfo) -> None:
        f = call.func
        if not isinstance(f, ast.Attribute):
            if isinstance(f, ast.Name) and f.id == "setattr" and len(call.args) == 3 and _is_self(call.args[0]):
                self._named_child(call.args[1], call.args[2], env, appended, mod, info)
            elif isinstance(f, ast.Name) and f.id == "setattr" and call.args and _is_self(call.args[0]) \
                    and any(isinstance(a, ast.Starred) for a in call.args[1:]):
                info.dynamic = True  # setattr(self, *pair): children under names known at run time
            return
        method = f.attr
        if method == "__init__" and isinstance(f.value, ast.Call) and isinstance(f.value.func, ast.Name) \
                and f.value.func.id == "super":
            kind = next((CONTAINERS[b] for b in self._all_bases(info) if b in CONTAINERS), None)
            if kind is not None:  # `class ConvNormActivation(nn.Sequential)`: super().__init__(*layers)
                info.items.add(self._container(kind, call, env, appended, mod, info))
            return
        if _is_self(f.value) and method in ("add_module", "insert_child_to_cell", "register_module") and any(
                isinstance(a, ast.Starred) for a in call.args):
            info.dynamic = True
        elif _is_self(f.value) and method in ("add_module", "insert_child_to_cell", "register_module") and len(call.args) >= 2:
            self._named_child(call.args[0], call.args[1], env, appended, mod, info)
        elif _is_self(f.value) and method in ("register_buffer", "register_parameter", "insert_param_to_cell") and call.args:
            name = _literal_str(call.args[0])
            if name:
                info.attrs.setdefault(name, set()).add(PARAM)
            else:
                info.dynamic = True
        elif method in ("append", "extend", "insert") and call.args:
            vals = self._eval(call.args[-1], env, appended, mod, info)
            elems = vals if method in ("append", "insert") else _elements(vals)
            if isinstance(f.value, ast.Name):
                appended.setdefault(f.value.id, set()).update(elems)
            elif _is_self_attr(f.value):
                info.appended.setdefault(f.value.attr, set()).update(elems)  # type: ignore[attr-defined]
        elif method in ("add_module", "insert_child_to_cell", "append") and _is_self_attr(f.value) and len(call.args) >= 2:
            info.appended.setdefault(f.value.attr, set()).update(  # type: ignore[attr-defined]
                self._eval(call.args[1], env, appended, mod, info))

    def _named_child(self, name_node, value_node, env, appended, mod, info: ClassInfo) -> None:
        vals = self._eval(value_node, env, appended, mod, info)
        name = _literal_str(name_node)
        if name:
            info.attrs.setdefault(name, set()).update(vals)
        else:
            info.dynamic = True
            info.attrs.setdefault("*", set()).update(vals)

    # ---------------------------------------------------------------- expression values

    def _eval(self, node: ast.AST, env, appended, mod: ModuleInfo, info: ClassInfo | None) -> set:
        if isinstance(node, ast.Call):
            return self._eval_call(node, env, appended, mod, info)
        if isinstance(node, ast.Name):
            if node.id in env or node.id in appended:
                vals = set(env.get(node.id, set()))
                if node.id in appended:
                    vals = {_with_elems(v, appended[node.id]) for v in vals} or {
                        Container("list", None, frozenset(appended[node.id]))}
                return vals
            local = self.class_named(node.id, mod)
            if local is not None:
                return {Factory(Cls(local.key))}
            dotted = mod.aliases.get(node.id)
            if dotted:
                layer = self.layer_api(_normalise_api(dotted))
                if layer:
                    return {Factory(layer)}
            return {ANY}
        if isinstance(node, ast.Attribute):
            dotted = self._dotted(node, mod)
            if dotted:
                layer = self.layer_api(dotted)
                if layer:
                    return {Factory(layer)}
            if _is_self_attr(node) and info is not None:
                return set(info.attrs.get(node.attr, {ANY}))
            if isinstance(node.value, ast.Name) and (node.value.id in env or node.value.id in appended):
                # `text = build_text_tower(...)`, then `self.token_embedding = text.token_embedding`: a
                # child of a local instance (read in the second pass, once every class has its attributes)
                owners = self._eval(node.value, env, appended, mod, info)
                if owners and all(isinstance(v, Cls) for v in owners):
                    found: set = set()
                    for v in owners:
                        found |= self.children(v, node.attr)
                    return found or {ANY}
            return {ANY}
        if isinstance(node, ast.Constant) and node.value is None:
            return set()
        if isinstance(node, ast.IfExp):
            return self._eval(node.body, env, appended, mod, info) | self._eval(node.orelse, env, appended, mod, info)
        if isinstance(node, ast.BoolOp):
            out: set = set()
            for v in node.values:
                out |= self._eval(v, env, appended, mod, info)
            return out
        if isinstance(node, (ast.List, ast.Tuple)):
            return {self._sequence(node.elts, env, appended, mod, info, "list")}
        if isinstance(node, (ast.ListComp, ast.GeneratorExp)):
            inner = self._eval(node.elt, _with_targets(env, node.generators), appended, mod, info)
            return {Container("list", None, frozenset(inner))}
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self._eval(node.left, env, appended, mod, info)
            right = self._eval(node.right, env, appended, mod, info)
            return {Container("list", None, frozenset(_elements(left) | _elements(right)))}
        return {ANY}

    def _sequence(self, elts, env, appended, mod, info, kind: str) -> Container:
        if any(isinstance(e, ast.Starred) for e in elts):
            elems: set = set()
            for e in elts:
                if isinstance(e, ast.Starred):
                    elems |= _elements(self._eval(e.value, env, appended, mod, info))
                else:
                    elems |= self._eval(e, env, appended, mod, info)
            return Container(kind, None, frozenset(elems))
        children = tuple((str(i), frozenset(self._eval(e, env, appended, mod, info))) for i, e in enumerate(elts))
        return Container(kind, children, frozenset())

    def _eval_call(self, node: ast.Call, env, appended, mod: ModuleInfo, info: ClassInfo | None) -> set:
        func = _factory_argument(node.func)
        dotted = self._dotted(func, mod) if isinstance(func, (ast.Name, ast.Attribute)) else None
        dotted = _kernel_keeping(node.func, dotted)
        if dotted in ("functools.partial", "partial") and node.args:
            return {v for v in self._eval(node.args[0], env, appended, mod, info) if isinstance(v, Factory)} or {ANY}
        if dotted in ("collections.OrderedDict", "OrderedDict", "dict"):
            return {self._ordered_dict(node, env, appended, mod, info)}
        if dotted in ("list", "tuple") and len(node.args) == 1 and not node.keywords:
            return self._eval(node.args[0], env, appended, mod, info)  # CellList(list(blocks)): the same layers
        if (dotted in NORMALISING_WRAPPERS or isinstance(func, ast.Name) and func.id in NORMALISING_WRAPPERS) \
                and node.args:
            return self._eval(node.args[0], env, appended, mod, info)  # `weight_norm(nn.Conv1d(...))`: the layer
        if dotted in PARAMETER_CLASSES:
            return {PARAM}
        if dotted in CONTAINERS:
            return {self._container(CONTAINERS[dotted], node, env, appended, mod, info)}
        if dotted:
            layer = self.layer_api(dotted)
            if layer:
                return {layer}
        if isinstance(func, ast.Name):
            if func.id in env:
                return _call_values(env[func.id])
            local = self.class_named(func.id, mod)
            if local is not None:
                kind = None if "__init__" in local.methods else next(
                    (CONTAINERS[b] for b in self._all_bases(local) if b in CONTAINERS), None)
                if kind is not None:  # a container subclass that only overrides a check (CellDictOfAnyCell)
                    return {self._container(kind, node, env, appended, mod, info)}
                return {self._instance(local.key)}
            fn = self.function_named(func.id, mod)
            if fn is not None:
                return set(self._function_returns(*fn))
        if isinstance(func, ast.Attribute) and func.attr in RETURNS_SELF and not _is_self(func.value):
            # `nn.BatchNorm2d(c).set_train(True)` (the converter's training-mode call), `.to(device)`
            inner = self._eval(func.value, env, appended, mod, info)
            if inner and not (inner & {ANY}) and all(not isinstance(v, Factory) for v in inner):
                return inner
        if isinstance(func, ast.Attribute) and _is_self(func.value) and info is not None:
            meth = self._find_method(info, func.attr)
            if meth is not None:
                return set(self._function_returns(meth, info.module, info))
        if isinstance(func, ast.Attribute):  # module.Class(...)
            local = self.class_named(dotted, None) if dotted else None
            if local is None and func.attr in self.by_name and not (dotted or "").startswith(("torch.", "mindspore.")):
                local = self._unique(func.attr, None)
            if local is not None:
                return {self._instance(local.key)}
        return {ANY}

    def _instance(self, name: str) -> object:
        return Cls(name)

    def _find_method(self, info: ClassInfo, name: str, seen: set[str] | None = None) -> ast.FunctionDef | None:
        if name in info.methods:
            return info.methods[name]
        seen = seen if seen is not None else {info.key}
        for base in self.base_infos(info):
            if base.key not in seen:
                seen.add(base.key)
                m = self._find_method(base, name, seen)
                if m is not None:
                    return m
        return None

    def _function_returns(self, fn: ast.FunctionDef, mod: ModuleInfo | None, owner: ClassInfo | None = None) -> set:
        key = id(fn)
        if key in self._returns:
            return self._returns[key]
        if key in self._in_progress or mod is None:
            return {ANY}
        self._in_progress.add(key)
        env, seeded = _parameter_env(fn)
        appended: dict[str, set] = {}
        rets: list[ast.expr] = []
        scratch = ClassInfo("<fn>", mod.path, module=mod)

        def visit(stmts):
            for st in stmts:
                if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    continue
                if isinstance(st, ast.Assign):
                    vals = self._eval(st.value, env, appended, mod, owner)
                    for t in st.targets:
                        _rebind(t, seeded, env, stmts is fn.body)
                        self._assign(t, vals, env, scratch)
                elif isinstance(st, ast.AugAssign) and isinstance(st.target, ast.Name):
                    appended.setdefault(st.target.id, set()).update(
                        _elements(self._eval(st.value, env, appended, mod, owner)))
                elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
                    self._call_stmt(st.value, env, appended, mod, scratch)
                elif isinstance(st, ast.Return) and st.value is not None:
                    rets.append(st.value)
                if isinstance(st, (ast.For, ast.AsyncFor)) and isinstance(st.target, ast.Name):
                    env.setdefault(st.target.id, set()).add(ANY)
                for sub in ("body", "orelse", "finalbody"):
                    if hasattr(st, sub):
                        visit(getattr(st, sub))
                if isinstance(st, ast.Try):
                    for h in st.handlers:
                        visit(h.body)

        for _ in range(2):
            rets.clear()
            visit(fn.body)
        out: set = set()
        for r in rets:
            out |= self._eval(r, env, appended, mod, owner)
        self._in_progress.discard(key)
        self._returns[key] = out or {ANY}
        return self._returns[key]

    def _ordered_dict(self, node: ast.Call, env, appended, mod, info) -> Container:
        children: list[tuple[str, frozenset]] = []
        if node.args and isinstance(node.args[0], (ast.List, ast.Tuple)):
            for e in node.args[0].elts:
                if isinstance(e, ast.Tuple) and len(e.elts) == 2 and _literal_str(e.elts[0]):
                    children.append((_literal_str(e.elts[0]), frozenset(self._eval(e.elts[1], env, appended, mod, info))))
                else:
                    return Container("dict", None, frozenset({ANY}))
        elif node.args and isinstance(node.args[0], ast.Dict):
            for k, v in zip(node.args[0].keys, node.args[0].values):
                if k is None or not _literal_str(k):
                    return Container("dict", None, frozenset({ANY}))
                children.append((_literal_str(k), frozenset(self._eval(v, env, appended, mod, info))))
        for kw in node.keywords:
            if kw.arg:
                children.append((kw.arg, frozenset(self._eval(kw.value, env, appended, mod, info))))
        return Container("dict", tuple(children), frozenset())

    def _container(self, kind: str, node: ast.Call, env, appended, mod, info) -> Container:
        args = node.args
        if not args:
            return Container(kind, (), frozenset())
        if len(args) == 1 and not isinstance(args[0], ast.Starred):
            vals = self._eval(args[0], env, appended, mod, info)
            conts = [v for v in vals if isinstance(v, Container)]
            if conts and len(conts) == len(vals):  # a list / OrderedDict of layers
                if len(conts) == 1:
                    return Container(kind, conts[0].children, conts[0].elems)
                return Container(kind, None, frozenset(_elements(vals)))
            if kind in ("list", "dict"):
                return Container(kind, None, frozenset(_elements(vals)))
        return self._sequence(args, env, appended, mod, info, kind)

    # ---------------------------------------------------------------- walking keys

    def roots(self) -> list[str]:
        """Network classes nothing else holds or receives: candidates for the model's top class.

        A class is "used" when another class's attributes hold it, when another class's code
        names it, or when it is passed as an argument (`ResNet(Bottleneck, [3, 4, 6, 3])`).
        """
        used: set[str] = set()
        for info in self.classes.values():
            for vals in list(info.attrs.values()) + list(info.appended.values()):
                for v in _flatten(vals):
                    if isinstance(v, Cls) and v.name != info.key:
                        used.add(v.name)
            for fn in info.methods.values():
                for n in ast.walk(fn):
                    if isinstance(n, ast.Name) and n.id in self.by_name:
                        c = self.class_named(n.id, info.module)
                        if c is not None and c is not info:
                            used.add(c.key)
        for mod, tree in zip(self.modules, self._trees):
            for n in ast.walk(tree):
                if isinstance(n, ast.Call) and not (isinstance(n.func, ast.Name) and n.func.id == "super"):
                    for a in list(n.args) + [k.value for k in n.keywords]:
                        if isinstance(a, ast.Name) and a.id in self.by_name:
                            c = self.class_named(a.id, mod)
                            if c is not None:
                                used.add(c.key)
        return [n for n in self.classes if self.is_network_class(n) and n not in used
                and self.layer_base(n) is None]

    def children(self, value: object, comp: str) -> set:
        """What the attribute/index `comp` of `value` may hold."""
        if isinstance(value, Cls):
            info = self.classes.get(value.name)
            if info is None:
                return {ANY}
            found = self._attr(info, comp)
            if found is not None:
                return found
            return {ANY} if info.dynamic else set()
        if isinstance(value, Container):
            if value.children is not None:
                for k, v in value.children:
                    if k == comp:
                        return set(v)
                return set(value.elems)
            return set(value.elems) or {ANY}
        if value is ANY:
            if not self._frozen:
                return self._any_children(comp)
            key = (0, comp)  # id 0 is no ClassInfo's: the entry of "any class"
            if key not in self._attr_memo:
                self._attr_memo[key] = self._any_children(comp)
            return set(self._attr_memo[key])  # type: ignore[arg-type]
        return set()

    def _any_children(self, comp: str) -> set:
        """What `comp` may hold on an instance of any class of the source."""
        out: set = set()
        for info in self.classes.values():
            found = self._attr(info, comp)
            if found:
                out |= found
        return out or {ANY}

    def _attr(self, info: ClassInfo, comp: str, seen: set[str] | None = None) -> set | None:
        if seen is None and self._frozen:
            key = (id(info), comp)
            if key not in self._attr_memo:
                self._attr_memo[key] = self._attr(info, comp, {info.key})
            found = self._attr_memo[key]
            return None if found is None else set(found)
        if comp in info.attrs:
            vals = set(info.attrs[comp])
            if comp in info.appended:
                vals = {_with_elems(v, info.appended[comp]) for v in vals}
            return vals
        seen = seen or {info.key}
        for base in self.base_infos(info):
            if base.key not in seen:
                seen.add(base.key)
                found = self._attr(base, comp, seen)
                if found is not None:
                    return found
        if info.items:  # an index (or OrderedDict name) of the container the class itself is
            found = set()
            for container in info.items:
                found |= self.children(container, comp)
            return found or None
        return None


def _parameter_env(fn: ast.FunctionDef) -> tuple[dict[str, set], set[str]]:
    """A function's parameters hold what its callers pass: unknown (ANY). A parameter reassigned
    under a condition (`if norm_layer is None: norm_layer = LayerNorm`) may still hold the caller's."""
    a = fn.args
    names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
    names = [n for n in names if n not in ("self", "cls")]
    return {n: {ANY} for n in names}, set(names)


def _rebind(tgt: ast.AST, seeded: set[str], env: dict[str, set], unconditional: bool) -> None:
    """An unconditional assignment to a parameter replaces the caller's value."""
    if isinstance(tgt, ast.Name) and tgt.id in seeded:
        seeded.discard(tgt.id)
        if unconditional:
            env.pop(tgt.id, None)


def _module_name(root: Path, f: Path) -> str:
    """`pkg/sub/mod.py` under the source folder `pkg` → `pkg.sub.mod` (`__init__.py` → the package)."""
    parts = [root.name, *f.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(p for p in parts if p)


def _relative(dotted: str, is_package: bool, level: int, module: str | None) -> str | None:
    """The absolute name of `from .{level dots}{module} import ...` inside module `dotted`."""
    if not dotted:
        return None
    parts = dotted.split(".")
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if len(parts) >= level - 1 else []
    if module:
        parts = parts + module.split(".")
    return ".".join(parts) or None


def _db_indexes(db) -> tuple[dict[str, str], dict[str, str]]:
    """(torch class → MindSpore class, MindSpore class → torch class) for nn classes in the database."""
    if db is None:
        return {}, {}
    t2m: dict[str, str] = {}
    m2t: dict[str, str] = {}
    for e in db.entries.values():
        if e.kind != "class" or not e.api.startswith("torch.nn."):
            continue
        for t in e.targets.values():
            if t.api:
                t2m.setdefault(e.api, t.api)
                m2t.setdefault(t.api, e.api)
    return t2m, m2t


#: calls that return the layer they are given, with its weight re-parametrised (PyTorch's, and the names of
#: the definitions msdev's conversion writes for them)
NORMALISING_WRAPPERS = frozenset({
    "torch.nn.utils.weight_norm", "torch.nn.utils.spectral_norm", "torch.nn.utils.parametrizations.weight_norm",
    "torch.nn.utils.parametrizations.spectral_norm", "torch.nn.utils.parametrize.register_parametrization",
    "register_parametrization", "weight_norm", "weight_norm_", "spectral_norm", "spectral_norm_"})


def _factory_argument(node: ast.AST) -> ast.AST:
    """The layer class in `float64_conv(nn.Conv1d)` / `float64_layer(nn.SiLU)`, the converter's subclasses of
    a MindSpore layer computing more exactly (same parameters): a call of one class argument, read as that class."""
    if (isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords
            and isinstance(node.args[0], (ast.Name, ast.Attribute))):
        return node.args[0]
    return node


def _kernel_keeping(node: ast.AST, dotted: str | None) -> str | None:
    """`float64_conv(nn.Conv1d)`: msdev's 1-d convolution, which keeps PyTorch's 3-d kernel (its own
    layer kind, layers.CONVERTED_CONV1D); any other class as `dotted` says."""
    if dotted == "mindspore.nn.Conv1d" and isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name == "float64_conv":
            return CONVERTED_CONV1D
    return dotted


def _is_self(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


def _is_self_attr(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and _is_self(node.value)


def _literal_str(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int)) and not isinstance(node.value, bool):
        return str(node.value)
    return None


def _elements(vals: set) -> set:
    out: set = set()
    for v in vals:
        if isinstance(v, Container):
            out |= set(v.elems)
            for _, c in v.children or ():
                out |= set(c)
        else:
            out.add(ANY)
    return out


def _with_elems(value: object, extra: set) -> object:
    if isinstance(value, Container):
        return Container(value.kind, value.children, frozenset(set(value.elems) | set(extra)))
    return value


def _call_values(vals: set) -> set:
    out: set = set()
    for v in vals:
        if isinstance(v, Factory):
            out.add(v.inner)
        elif isinstance(v, (Layer, Cls, Container)) or v is PARAM:
            out.add(v)  # a helper function returned an instance already
        else:
            out.add(ANY)
    return out or {ANY}


def _flatten(vals) -> Iterable[object]:
    for v in vals:
        yield v
        if isinstance(v, Container):
            yield from _flatten(v.elems)
            for _, c in v.children or ():
                yield from _flatten(c)


def _with_targets(env: dict[str, set], generators: list[ast.comprehension]) -> dict[str, set]:
    env = dict(env)
    for g in generators:
        for n in ast.walk(g.target):
            if isinstance(n, ast.Name):
                env[n.id] = {ANY}
    return env
