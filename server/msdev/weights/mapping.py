"""The PyTorch → MindSpore parameter-name map: deriving it, saving it, applying it.

A map has two parts:
- `layers`: one rule per layer found in the source, keyed by a prefix pattern (`*` stands for a
  list index the source does not fix, e.g. `_blocks.*._bn1`), with the layer's parameter renames,
  layout changes and dropped entries. Derived from the source alone.
- `entries`: one line per checkpoint key (exact names, shapes, transforms, fills). Derived when
  a checkpoint is at hand; when present, `apply` follows it to the letter.

Resolution order for a checkpoint key: the map's exact entry; else the source walk (the layer
owning the key's attribute path, see structure.py); else a layer recognised from the names and
shapes of the key's siblings (layers.guess_rule); else the name is kept and a warning says so.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from .layers import BY_KIND, LayerRule, ParamRule, guess_rule, holds_parameters, is_parameter_layer, plausible
from .structure import ANY, PARAM, Cls, Container, Layer, ModelSource
from .tensors import LazyTensor, numpy_dtype

MAP_FORMAT = "msdev-weights-map"
MAP_VERSION = 1
_WALK_BUDGET = 4000


class MapError(Exception):
    """The map cannot be built or applied (clear one-line message)."""


@dataclass
class MapEntry:
    torch: str | None  # None: a MindSpore parameter PyTorch has no counterpart for (filled)
    mindspore: str | None  # None: dropped
    layer: str | None = None
    transform: dict[str, Any] | None = None
    how: str = "source"  # source | guess | kept | map | fill
    note: str | None = None
    torch_shape: list[int] | None = None
    mindspore_shape: list[int] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"torch": self.torch, "mindspore": self.mindspore, "layer": self.layer}
        for k in ("transform", "note", "torch_shape", "mindspore_shape"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        d["how"] = self.how
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "MapEntry":
        if not isinstance(d, dict) or "torch" not in d or "mindspore" not in d:
            raise MapError("every map entry needs 'torch' and 'mindspore' keys")
        return cls(d["torch"], d["mindspore"], d.get("layer"), d.get("transform"), d.get("how", "map"),
                   d.get("note"), d.get("torch_shape"), d.get("mindspore_shape"))


@dataclass
class LayerPattern:
    prefix: str
    layer: str
    api: str
    params: list[ParamRule]

    def to_dict(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix,
            "layer": self.layer,
            "class": self.api,
            "params": [{"torch": p.torch, "mindspore": p.mindspore, **({"transform": p.transform} if p.transform else {}),
                        **({"reason": p.reason} if p.reason else {})} for p in self.params],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "LayerPattern":
        try:
            params = [ParamRule(p["torch"], p["mindspore"], p.get("transform"), p.get("reason")) for p in d["params"]]
            return cls(d["prefix"], d.get("layer", "?"), d.get("class", "?"), params)
        except (KeyError, TypeError):
            raise MapError("every map layer needs 'prefix' and 'params' (each with 'torch' and 'mindspore')") from None

    def match(self, key: str) -> tuple[str, ParamRule] | None:
        pre = self.prefix.split(".") if self.prefix else []
        comps = key.split(".")
        if len(comps) <= len(pre):
            return None
        if not all(fnmatch.fnmatchcase(c, p) for c, p in zip(comps, pre)):
            return None
        rest = ".".join(comps[len(pre):])
        for p in self.params:
            if fnmatch.fnmatchcase(rest, p.torch):
                return ".".join(comps[: len(pre)]), p
        return None


@dataclass
class WeightMap:
    entries: list[MapEntry] = field(default_factory=list)
    layers: list[LayerPattern] = field(default_factory=list)
    source: str | None = None
    framework: str | None = None
    root: str | None = None
    profile: str = "portable"
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MAP_FORMAT,
            "version": MAP_VERSION,
            "source": self.source,
            "source_framework": self.framework,
            "root": self.root,
            "profile": self.profile,
            "layers": [lp.to_dict() for lp in self.layers],
            "entries": [e.to_dict() for e in self.entries],
            "warnings": self.warnings,
        }

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "WeightMap":
        p = Path(path)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise MapError(f"map file not found: {p}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise MapError(f"{p} is not valid JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != MAP_FORMAT:
            raise MapError(f"{p} is not an msdev weights map (missing \"format\": \"{MAP_FORMAT}\")")
        if data.get("version") != MAP_VERSION:
            raise MapError(f"{p}: unsupported map version {data.get('version')!r} (this msdev reads {MAP_VERSION})")
        return cls(
            entries=[MapEntry.from_dict(e) for e in data.get("entries") or []],
            layers=[LayerPattern.from_dict(lp) for lp in data.get("layers") or []],
            source=data.get("source"), framework=data.get("source_framework"), root=data.get("root"),
            profile=data.get("profile", "portable"), warnings=list(data.get("warnings") or []),
        )

    def renamed(self) -> list[MapEntry]:
        return [e for e in self.entries if e.torch != e.mindspore or e.transform]


# --------------------------------------------------------------------------- source walk

@dataclass(frozen=True)
class _Outcome:
    rule: LayerRule | None = field(compare=False)  # None: a bare parameter (kept)
    kind: str
    api: str
    module: str  # the owning layer's prefix
    param: str  # the name inside the layer



def _leaf(value, comps: list[str], i: int, out: set) -> bool:
    """A layer or a bare Parameter ends a walk down a key's components: the outcome, when the key
    reaches it, is recorded. False for anything a walk goes on through."""
    if isinstance(value, Layer):
        if i < len(comps) and holds_parameters(value.api):
            out.add(_Outcome(value.rule, value.rule.kind, value.api, ".".join(comps[:i]), ".".join(comps[i:])))
        return True
    if value is PARAM:
        if i == len(comps):
            out.add(_Outcome(None, "Parameter", "Parameter", ".".join(comps[:-1]), comps[-1]))
        return True
    return False

class Resolver:
    """Walks checkpoint keys through a ModelSource from a root class (or from any class)."""

    def __init__(self, model: ModelSource, root: str | None):
        self.model = model
        self.root = root
        self._budget = 0
        #: the last key's walk went through an instance of unknown class (attributes looked up in
        #: every class of the source): weak evidence, which the sibling parameters may overrule
        self.weak = False
        #: the last key's readings reached without an unknown instance as the parameter's owner (a
        #: container's known elements, when another element is unknown): they outweigh a guess
        self.strong: set[_Outcome] = set()
        self._visible_cache: dict[int, list] = {}  # id(module) → the classes it names

    def start(self) -> set:
        return {Cls(self.root)} if self.root else {ANY}

    def outcomes(self, key: str) -> set[_Outcome] | None:
        """Every way the key can be owned; None when the walk cannot tell."""
        comps = key.split(".")
        out: set[_Outcome] = set()
        unknown = [False]
        self._budget = _WALK_BUDGET
        self.weak = False
        self.strong = set()
        for v in self.start():
            self._walk(v, comps, 0, out, unknown, frozenset())
        if not out:
            return None
        return out

    def _walk(self, value, comps: list[str], i: int, out: set, unknown: list, seen: frozenset,
              owner_unknown: bool = False) -> None:
        self._budget -= 1
        if self._budget < 0:
            unknown[0] = True
            return
        if not owner_unknown and _leaf(value, comps, i, self.strong):
            _leaf(value, comps, i, out)
            return
        if _leaf(value, comps, i, out):
            return
        if i >= len(comps):
            unknown[0] = True
            return
        if isinstance(value, Cls):
            info = self.model.classes.get(value.name)
            base = self.model.layer_base(value.name)
            if info is not None and self.model._attr(info, comps[i]) is not None:
                for child in self.model.children(value, comps[i]):
                    self._walk(child, comps, i + 1, out, unknown, seen, owner_unknown)
            elif base is not None:
                out.add(_Outcome(base.rule, base.rule.kind, base.api, ".".join(comps[:i]), ".".join(comps[i:])))
            elif info is None or info.dynamic:
                unknown[0] = True
            return
        if isinstance(value, Container) or value is ANY:
            if value is ANY and (comps[i], i) in seen:
                return
            if value is ANY:
                self.weak = True
            kids = self.model.children(value, comps[i])
            if kids == {ANY} and value is ANY and (i == len(comps) - 1 or comps[i].isdigit()):
                unknown[0] = True  # an index of an unknown value (`self.stages[:n]`) tells nothing
                return
            for child in kids:  # an unknown attribute chain (`self.fn = fn` wrappers) goes on to the names after it
                self._walk(child, comps, i + 1, out, unknown, seen | {(comps[i], i)},
                           owner_unknown or (value is ANY and i == len(comps) - 1))


    def local_outcome(self, key: str, shape: tuple[int, ...] | None) -> _Outcome | None:
        """The key read again with every unknown instance on its walk limited to the classes the
        module holding that attribute defines or imports, layer subclasses included. A layer built
        from a factory argument (`norm_layer(c) if norm_layer else nn.Identity()`) whose bias was
        removed leaves a lone `weight` its siblings cannot place; the classes the model's own module
        names can. One outcome when every such reading maps the key the same way, else None."""
        comps = key.split(".")
        out: set[_Outcome] = set()
        unknown = [False]
        self._budget = _WALK_BUDGET
        for v in self.start():
            if v is ANY:
                return None
            self._walk_local(v, comps, 0, out, unknown, None, 0)
        if unknown[0] or not out:
            return None
        outcome, _ = _decide(out, shape)
        return outcome

    def _walk_local(self, value, comps: list[str], i: int, out: set, unknown: list, mod, depth: int) -> None:
        self._budget -= 1
        if self._budget < 0 or depth > 1:
            unknown[0] = True
            return
        if _leaf(value, comps, i, out):
            return
        if i >= len(comps):
            return
        if isinstance(value, Cls):
            info = self.model.classes.get(value.name)
            if info is None or info.dynamic:
                unknown[0] = True
                return
            base = self.model.layer_base(value.name)
            if self.model._attr(info, comps[i]) is not None:
                for child in self.model.children(value, comps[i]):
                    self._walk_local(child, comps, i + 1, out, unknown, info.module, depth)
            elif base is not None and holds_parameters(base.api):
                out.add(_Outcome(base.rule, base.rule.kind, base.api, ".".join(comps[:i]), ".".join(comps[i:])))
            return
        if isinstance(value, Container):
            for child in self.model.children(value, comps[i]):
                self._walk_local(child, comps, i + 1, out, unknown, mod, depth)
            return
        if value is ANY:
            if mod is None:
                unknown[0] = True
                return
            for info in self._visible(mod):
                self._walk_local(Cls(info.key), comps, i, out, unknown, mod, depth + 1)

    def _visible(self, mod) -> list:
        """The classes a module defines, imports by name or star-imports."""
        found = self._visible_cache.get(id(mod))
        if found is not None:
            return found
        seen: dict[str, object] = {}
        for m in [mod] + [self.model.by_module[s] for s in mod.stars if s in self.model.by_module]:
            for info in m.classes.values():
                seen.setdefault(info.key, info)
            for local, target in m.aliases.items():
                if local != target:
                    info = self.model.class_named(local, m)
                    if info is not None:
                        seen.setdefault(info.key, info)
        self._visible_cache[id(mod)] = found = list(seen.values())
        return found


def _readings(outcomes: set[_Outcome], shape: tuple[int, ...] | None) -> set[_Outcome]:
    """The readings of a key that can be right: a layer that does not own a parameter of that name
    (`1.weight` under a Conv2d) is the wrong reading of a container index whose element the walk
    could not tell apart, and so is a layer whose weight has another number of dimensions."""
    if len(outcomes) > 1:
        outcomes = {o for o in outcomes if o.rule is None or o.rule.lookup(o.param) is not None} or outcomes
    if shape is not None and len(outcomes) > 1:
        outcomes = {o for o in outcomes
                    if o.rule is None or plausible(o.rule.kind, o.param, tuple(shape))} or outcomes
    return outcomes


#: why _decide chose nothing: the shape rules out every layer the source reading allows
_REFUTED = "the parameter's shape fits none of the layers the source allows"


def _decide(outcomes: set[_Outcome] | None, shape: tuple[int, ...] | None = None
            ) -> tuple[_Outcome | None, str | None]:
    """One outcome when every possibility (that fits the shape) maps the key the same way."""
    if not outcomes:
        return None, None
    outcomes = _readings(outcomes, shape)
    if shape is not None and all(o.rule is not None and not plausible(o.rule.kind, o.param, tuple(shape))
                                 for o in outcomes):
        return None, _REFUTED  # a 4-D weight read as a GroupNorm's: the source is misread, the siblings decide
    results = {}
    for o in outcomes:
        results[_target(o)] = o
    if len(results) == 1:
        return next(iter(results.values())), None
    # prefer a real layer over a bare-parameter reading only when the layer results agree
    layered = {k: o for k, o in results.items() if o.rule is not None}
    if len(layered) == 1 and len(results) - len(layered) == 0:
        return next(iter(layered.values())), None
    kinds = sorted({o.rule.kind if o.rule else "Parameter" for o in outcomes})
    return None, f"the source allows several layer types here ({', '.join(kinds)})"


def _target(o: _Outcome) -> tuple:
    if o.rule is None:
        return (o.param, None)
    p = o.rule.lookup(o.param)
    if p is None:
        return (o.param, None)
    return (p.target(o.param), json.dumps(p.transform, sort_keys=True) if p.transform else None)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


# --------------------------------------------------------------------------- building a map

def _choose_root(model: ModelSource, keys: list[str]) -> tuple[str | None, list[str]]:
    """The top class that explains the most keys (None: walk from any class)."""
    best_root, best_score = None, -1
    candidates = model.roots()
    for root in candidates + [None]:
        res = Resolver(model, root)
        score = 0
        for k in keys:
            o, _ = _decide(res.outcomes(k))
            if o is not None:
                score += 1
        if score > best_score:
            best_root, best_score = root, score
    return best_root, candidates


def build_map(keys: dict[str, tuple[int, ...]], model: ModelSource | None = None, root: str | None = None,
              profile: str = "portable", source: str | None = None) -> WeightMap:
    """The exact map for a checkpoint's keys (and their shapes)."""
    wmap = WeightMap(source=source, framework=model.framework if model else None, profile=profile)
    key_list = list(keys)
    if model is not None:
        if root is not None:
            root = _root_key(model, root, keys)
        if root is None:
            root, _ = _choose_root(model, key_list)
        wmap.root = root
        wmap.layers = enumerate_layers(model, root)
        resolver = Resolver(model, root)
    decided: dict[str, MapEntry] = {}
    weak: dict[str, _Outcome] = {}
    pending: list[str] = []
    ambiguous: dict[str, tuple[set, str]] = {}  # key → (its readings, why none was chosen)
    layer_of: dict[str, tuple[LayerRule, str]] = {}  # module prefix → (rule, api)
    told: dict[str, LayerRule] = {}  # module prefix → the layer a key of its own proved
    refuted: set[str] = set()  # module prefixes a key's shape proved the source reading wrong for
    unsure: set[str] = set()  # module prefixes whose keys map alike under several layers (weight/bias)
    for k in key_list:
        if model is None:
            pending.append(k)
            continue
        outcomes = resolver.outcomes(k)
        outcome, why = _decide(outcomes, keys[k])
        if outcome is not None and outcome.rule is not None and outcome.rule.lookup(outcome.param) is None:
            # a name the layer read off the source does not know (`num_batches_tracked` where it allows a
            # GroupNorm or a LayerNorm, timm's norm_act_layer building a BatchNorm): its siblings tell the layer
            pending.append(k)
            continue
        if outcome is not None and resolver.weak and resolver.strong:
            known, _ = _decide(resolver.strong, keys[k])
            if known is not None and known.rule is None:
                # SAM 2's mask downsampler: Conv2d, its own LayerNorm2d (bare weight/bias) and an
                # activation passed in, appended to one Sequential; the index's known element decides
                outcome = known
                decided[k] = _entry_from(k, outcome, keys[k])
                continue
        if outcome is not None and resolver.weak and not (outcome.rule and outcome.rule.renames):
            weak[k] = outcome  # a guess from the sibling parameters, when it finds a layer, wins
            pending.append(k)
            continue
        if outcome is None:
            if why == _REFUTED:
                refuted.add(k.rpartition(".")[0])
                pending.append(k)
            elif why and outcomes:
                ambiguous[k] = (outcomes, why)
            else:
                pending.append(k)
            continue
        decided[k] = _entry_from(k, outcome, keys[k])
        if outcome.rule is not None:
            layer_of[outcome.module] = (outcome.rule, outcome.api)
            if len({o.rule.kind for o in _readings(outcomes, keys[k]) if o.rule}) == 1:
                # only a key that tells the layer apart (not `num_batches_tracked`, dropped by
                # every BatchNorm) says which layer its ambiguous siblings belong to
                told[outcome.module] = outcome.rule
            else:
                unsure.add(outcome.module)
    for k, (outcomes, why) in ambiguous.items():
        # `[Conv2d, BatchNorm2d, ReLU]` built in a loop: index 1 may read as either layer; its
        # `weight` (1-D) or `running_mean` told which, and `bias` belongs to the same layer
        prefix = k.rpartition(".")[0]
        sibling = told.get(prefix)
        outcome = None
        if sibling is not None:
            same = {o for o in outcomes if o.rule is not None and o.rule.kind == sibling.kind}
            outcome, _ = _decide(same, keys[k]) if same else (None, None)
        if outcome is None:
            pending.append(k)
            wmap.warnings.append(f"{k}: {why}")
            continue
        decided[k] = _entry_from(k, outcome, keys[k])
    for k in [k for k in decided if k.rpartition(".")[0] in refuted]:
        del decided[k]  # the siblings of a refuted reading (its `bias`) are read again with it
        pending.append(k)
    # keys the source does not explain: recognise the layer from the sibling parameters
    groups: dict[str, dict[str, tuple[int, ...]]] = {}
    for k in pending:
        prefix, _, name = k.rpartition(".")
        groups.setdefault(prefix, {})[name] = keys[k]
    lone_kinds = None
    for prefix, params in groups.items():
        rule, why = guess_rule(params)
        local = _local_layer(resolver, prefix, params, weak) if rule is None and model is not None else {}
        if rule is None and not local and model is not None and list(params) == ["weight"] \
                and len(params["weight"]) == 1:
            # built through a factory the source reading cannot follow (`activation=lambda: nn.PReLU(c)`
            # handed down and called elsewhere): decided when the code builds one such layer kind only
            lone_kinds = model.lone_weight_kinds() if lone_kinds is None else lone_kinds
            if lone_kinds == {"PReLU"}:
                rule, why = BY_KIND["PReLU"], "a lone 1-D weight; PReLU is the only such layer the code builds"
            elif "PReLU" in lone_kinds and tuple(params["weight"]) == (1,):
                # MONAI's `Act["prelu"]`: PReLU's default single slope; a norm over one feature is not built
                rule, why = BY_KIND["PReLU"], "a lone weight of one element: PReLU's single slope"
        if rule is not None and not rule.renames and all(_join(prefix, n) in weak for n in params):
            rule = None  # the guess changes nothing: keep what the source said
        for name in params:
            k = _join(prefix, name)
            if rule is None and k in weak:
                weak[k] = local.get(name, weak[k])
                decided[k] = _entry_from(k, weak[k], keys[k])
                if weak[k].rule is not None:
                    layer_of[weak[k].module] = (weak[k].rule, weak[k].api)
                continue
            if rule is None:
                decided[k] = MapEntry(k, k, None, None, "kept", None, list(keys[k]), list(keys[k]))
                if model is not None:
                    wmap.warnings.append(f"{k}: layer not found in the source; name kept")
                continue
            p = rule.lookup(name)
            out = _Outcome(rule, rule.kind, "guessed", prefix, name)
            e = _entry_from(k, out, keys[k])
            e.how = "guess"
            e.note = why + (f"; {p.reason}" if p and p.reason else "")
            decided[k] = e
            layer_of.setdefault(prefix, (rule, "guessed"))
        if rule is None and model is None:
            shapes = {n: list(s) for n, s in params.items()}
            if set(params) <= {"weight", "bias"} and "weight" in params and len(params["weight"]) in (1, 2):
                wmap.warnings.append(
                    f"{prefix or '<root>'}: parameters {shapes} could belong to several layer types "
                    "(Linear/Embedding, PReLU/norm); names kept — pass the model source (--code) to resolve")
    wmap.entries = [decided[k] for k in key_list]
    _add_fills(wmap, keys, layer_of, unsure - set(told))
    _check_collisions(wmap)
    return wmap


def _local_layer(resolver: "Resolver", prefix: str, params: dict[str, tuple[int, ...]],
                 weak: dict[str, _Outcome]) -> dict[str, _Outcome]:
    """Sibling parameters the siblings alone cannot place (a lone `weight`), each read as a bare
    parameter of some class: the one layer kind the module's own classes give all of them, if any."""
    keys = {n: _join(prefix, n) for n in params}
    if not all(k in weak and weak[k].rule is None for k in keys.values()):
        return {}
    found = {n: resolver.local_outcome(k, params[n]) for n, k in keys.items()}
    if any(o is None or o.rule is None for o in found.values()) or len({o.rule.kind for o in found.values()}) != 1:
        return {}
    return found  # type: ignore[return-value]


def _entry_from(key: str, o: _Outcome, shape: tuple[int, ...]) -> MapEntry:
    if o.rule is None:
        return MapEntry(key, key, "Parameter", None, "source", None, list(shape), list(shape))
    p = o.rule.lookup(o.param)
    if p is None:
        return MapEntry(key, key, o.rule.kind, None, "source", f"{o.param} is not a known {o.rule.kind} parameter; kept",
                        list(shape), list(shape))
    target = p.target(o.param)
    ms = None if target is None else _join(o.module, target)
    new_shape = None if ms is None else list(transformed_shape(shape, p.transform))
    return MapEntry(key, ms, o.rule.kind, p.transform, "source", p.reason, list(shape), new_shape)


def _add_fills(wmap: WeightMap, keys: dict[str, tuple[int, ...]], layer_of: dict[str, tuple[LayerRule, str]],
               unsure: set[str] = frozenset()) -> None:
    """MindSpore's BatchNorm always has gamma/beta and moving statistics: fill the ones PyTorch lacks.
    Not for a module the source allows to be another layer its keys fit as well (`self.norm = nn.BatchNorm1d(c)
    if ... else nn.LayerNorm(c)` with only weight and bias: the LayerNorm was built)."""
    present = {e.mindspore for e in wmap.entries if e.mindspore}
    kinds: dict[str, set[str]] = {}  # prefix → layer kinds its mapped keys were read as
    for e in wmap.entries:
        if e.torch and e.mindspore and e.layer:
            kinds.setdefault(e.torch.rpartition(".")[0], set()).add(e.layer)
    for prefix, (rule, _api) in layer_of.items():
        if not rule.fills or prefix in unsure or kinds.get(prefix, {rule.kind}) != {rule.kind}:
            continue  # a key the source could not place (BatchNorm2d or 3d?) while its siblings decided
        like = next((_join(prefix, n) for n in ("running_mean", "weight", "running_var", "bias")
                     if _join(prefix, n) in keys and len(keys[_join(prefix, n)]) == 1), None)
        if like is None:
            continue
        for ms_name, value in rule.fills:
            full = _join(prefix, ms_name)
            if full not in present:
                wmap.entries.append(MapEntry(None, full, rule.kind, {"op": "fill", "value": value, "like": like}, "fill",
                                             f"PyTorch's layer has no {ms_name.rsplit('.', 1)[-1]}; MindSpore's needs one",
                                             None, list(keys[like])))


def _check_collisions(wmap: WeightMap) -> None:
    seen: dict[str, str | None] = {}
    for e in wmap.entries:
        if e.mindspore is None:
            continue
        if e.mindspore in seen:
            raise MapError(f"two parameters map to {e.mindspore}: {seen[e.mindspore]} and {e.torch}")
        seen[e.mindspore] = e.torch


# --------------------------------------------------------------------------- source-only map

def enumerate_layers(model: ModelSource, root: str | None = None) -> list[LayerPattern]:
    """Every layer reachable from the root class, as prefix patterns (no checkpoint needed)."""
    roots = [root] if root else model.roots()
    out: dict[tuple[str, str], LayerPattern] = {}

    def visit(value, path: list[str], stack: tuple[str, ...]) -> None:
        if len(path) > 16:
            return
        if isinstance(value, Layer):
            key = (".".join(path), value.api)
            if path and key not in out and is_parameter_layer(value.api):
                out[key] = LayerPattern(".".join(path), value.rule.kind, value.api, list(value.rule.params))
            return
        if isinstance(value, Cls):
            if value.name in stack:
                return
            info = model.classes.get(value.name)
            if info is None:
                return
            base = model.layer_base(value.name)
            if base is not None and path:
                key = (".".join(path), base.api)
                out.setdefault(key, LayerPattern(".".join(path), base.rule.kind, f"{value.name}({base.api})",
                                                 list(base.rule.params)))
            for attr in _all_attrs(model, info):
                for child in model.children(value, attr):
                    visit(child, path + [attr], stack + (value.name,))
            return
        if isinstance(value, Container):
            for k, vals in value.children or ():
                for child in vals:
                    visit(child, path + [k], stack)
            for child in value.elems:
                visit(child, path + ["*"], stack)

    def collect(r: str) -> list[LayerPattern]:
        out.clear()
        visit(Cls(r), [], ())
        return list(out.values())

    if not roots:
        return []
    # with several candidate roots, keep the one holding most layers
    return max((collect(r) for r in roots), key=len)


def _all_attrs(model: ModelSource, info) -> list[str]:
    names: list[str] = []
    seen = {info.key}
    stack = [info]
    while stack:
        cur = stack.pop()
        for a in cur.attrs:
            if a not in names and a != "*":
                names.append(a)
        for base in model.base_infos(cur):
            if base.key not in seen:
                seen.add(base.key)
                stack.append(base)
    if "*" in info.attrs:
        names.append("*")
    return names


def _root_key(model: ModelSource, root: str, keys: dict[str, tuple[int, ...]] | None = None) -> str | None:
    key = model.resolve_root(root)
    if key is not None:
        return key
    if root.startswith("torch.") and not model.by_name.get(root.rsplit(".", 1)[-1]):
        return None  # PyTorch's own class (a builder returning nn.Sequential): the keys choose, as with no root
    same = [i.key for i in model.by_name.get(root.rsplit(".", 1)[-1], ())]
    if len(same) > 1:
        chosen = _same_named_root(model, same, keys) if keys else None
        if chosen is not None:
            return chosen
        raise MapError(f"several classes are named {root!r}: give the module too (one of {', '.join(same)})")
    raise MapError(f"class {root!r} is not defined in the model source "
                   f"(network classes: {', '.join(n for n in model.classes if model.is_network_class(n))})")


def _same_named_root(model: ModelSource, candidates: list[str], keys: dict[str, tuple[int, ...]]) -> str | None:
    """One of the classes sharing the --root name when every one of them maps the checkpoint's keys
    the same way (a package that copies a model into a variant file: pytorch-cifar's two
    `EfficientNet`s differ only in parameter-free layers); None when any key would map differently."""
    readings = []
    for cand in candidates:
        res = Resolver(model, cand)
        decided = {}
        for k, shape in keys.items():
            o, _ = _decide(res.outcomes(k), shape)
            decided[k] = None if o is None else (o.module, o.kind, _target(o))
        readings.append(decided)
    if all(r == readings[0] for r in readings) and any(v is not None for v in readings[0].values()):
        return candidates[0]
    return None


def map_from_source(model: ModelSource, root: str | None = None, source: str | None = None,
                    profile: str = "portable") -> WeightMap:
    if root is not None:
        root = _root_key(model, root)
    if root is None:
        roots = model.roots()
        if roots:
            root = max(roots, key=lambda r: len(enumerate_layers(model, r)))
    return WeightMap(layers=enumerate_layers(model, root), source=source, framework=model.framework, root=root,
                     profile=profile)


# --------------------------------------------------------------------------- applying a map

def apply_saved_map(wmap: WeightMap, keys: dict[str, tuple[int, ...]]) -> WeightMap:
    """Exact entries for the checkpoint's keys, from a saved map (entries first, then layer patterns)."""
    by_torch = {e.torch: e for e in wmap.entries if e.torch is not None}
    out = WeightMap(source=wmap.source, framework=wmap.framework, root=wmap.root, profile=wmap.profile)
    pending: dict[str, tuple[int, ...]] = {}
    layer_of: dict[str, tuple[LayerRule, str]] = {}
    from .layers import BY_KIND
    for k, shape in keys.items():
        if k in by_torch:
            e = by_torch[k]
            out.entries.append(MapEntry(k, e.mindspore, e.layer, e.transform, "map", e.note, list(shape),
                                        None if e.mindspore is None else list(transformed_shape(shape, e.transform))))
            continue
        for lp in wmap.layers:
            m = lp.match(k)
            if m:
                prefix, p = m
                name = k[len(prefix) + 1:] if prefix else k
                target = p.target(name)
                out.entries.append(MapEntry(k, None if target is None else _join(prefix, target), lp.layer, p.transform,
                                            "map", p.reason, list(shape),
                                            None if target is None else list(transformed_shape(shape, p.transform))))
                if lp.layer in BY_KIND:
                    layer_of.setdefault(prefix, (BY_KIND[lp.layer], lp.api))
                break
        else:
            pending[k] = shape
    if pending:
        rest = build_map(pending)
        out.entries.extend(rest.entries)
        out.warnings.extend(f"{e.torch}: not in the map; " + ("name kept" if e.how == "kept" else f"guessed ({e.note})")
                            for e in rest.entries if e.torch is not None)
    out.entries.extend(e for e in wmap.entries if e.torch is None and e.transform and e.transform.get("op") == "fill"
                       and e.mindspore not in {x.mindspore for x in out.entries})
    _add_fills(out, keys, layer_of)
    _check_collisions(out)
    return out


def transformed_shape(shape: Iterable[int], transform: dict[str, Any] | None) -> tuple[int, ...]:
    shape = tuple(shape)
    if not transform:
        return shape
    op = transform.get("op")
    if "ndim" in transform and len(shape) != int(transform["ndim"]):
        return shape  # a transform for tensors of that rank only
    if op == "unsqueeze":
        axis = int(transform["axis"])
        if axis < 0:
            axis += len(shape) + 1
        return shape[:axis] + (1,) + shape[axis:]
    if op == "reshape":
        return tuple(int(d) for d in transform["shape"])
    if op == "transpose":
        return tuple(shape[int(i)] for i in transform["perm"])
    if op == "fill":
        return shape
    raise MapError(f"unknown transform {op!r} (known: unsqueeze, reshape, transpose, fill)")


def _transform_array(arr: np.ndarray, transform: dict[str, Any] | None, dtype: str) -> np.ndarray:
    if not transform:
        return arr
    op = transform["op"]
    if op in ("unsqueeze", "reshape"):
        return arr.reshape(transformed_shape(arr.shape, transform))
    if op == "transpose":
        return np.require(arr.transpose([int(i) for i in transform["perm"]]), requirements="C")
    raise MapError(f"unknown transform {op!r}")


def converted_tensors(wmap: WeightMap, tensors: dict[str, LazyTensor]) -> list[LazyTensor]:
    """The MindSpore tensors, lazily: each still reads its data only when written."""
    out: list[LazyTensor] = []
    for e in wmap.entries:
        if e.mindspore is None:
            continue
        if e.torch is None:
            tr = e.transform or {}
            like = tensors.get(tr.get("like", ""))
            if tr.get("op") != "fill" or like is None:
                raise MapError(f"{e.mindspore}: a filled entry needs a 'like' parameter present in the checkpoint")
            out.append(_fill(e.mindspore, like, float(tr.get("value", 0.0))))
            continue
        src = tensors.get(e.torch)
        if src is None:
            raise MapError(f"the map names {e.torch}, which the checkpoint does not hold")
        shape = transformed_shape(src.shape, e.transform)
        n_old = int(np.prod(src.shape, dtype=np.int64))
        if int(np.prod(shape, dtype=np.int64)) != n_old:
            raise MapError(f"{e.torch}: transform {e.transform} does not fit shape {list(src.shape)}")
        out.append(LazyTensor(e.mindspore, src.dtype, shape, _transformed_loader(src, e.transform)))
    return out


def _transformed_loader(src: LazyTensor, transform):
    def load() -> np.ndarray:
        return _transform_array(src.load(), transform, src.dtype)
    return load


def _fill(name: str, like: LazyTensor, value: float) -> LazyTensor:
    dtype = like.dtype
    shape = like.shape

    def load() -> np.ndarray:
        if dtype == "bfloat16":
            bits = np.array([value], dtype=np.float32).view(np.uint32) >> 16
            return np.full(shape, bits[0], dtype=np.uint16)
        return np.full(shape, value, dtype=numpy_dtype(dtype))
    return LazyTensor(name, dtype, shape, load)
