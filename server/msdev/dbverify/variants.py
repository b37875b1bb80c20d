"""Call variants: more calls of an entry's API than its one example, generated from its signature.

An example is written together with its mapping, so it only tries what its author thought of. From
the example's call of the API and the PyTorch signature (the entry's `params`, defaults from torch
when the caller has them, else from the argument map's `torch_default`) this module derives:

- `positional`: every argument positional, in PyTorch's order (keyword-only ones stay keywords);
- `keywords`: every argument by keyword, in a shuffled order;
- `<arg>=<value>`: one behaviour-changing argument at another value (`reduction='none'`,
  `keepdim=True`, a negative `dim`, `bias=False`, `padding='same'`, ...);
- `int64 inputs`, `float64 inputs`, `bool inputs`, `0-d inputs`: the example's float32 inputs as
  other kinds of tensor.

Each variant is a whole example (same layout as mapping_db/examples), so it is converted by msdev
and compared exactly like the example. A variant PyTorch itself rejects is dropped by the worker.
"""

from __future__ import annotations

import ast
import copy
import random
from dataclasses import dataclass, field
from typing import Any

from ..db.model import Entry

MAX_VARIANTS = 6
#: behaviour-changing arguments and the values tried (source text), first ones first
BEHAVIOUR = {
    "reduction": ["'none'", "'sum'", "'mean'"],
    "keepdim": ["True"],
    "bias": ["False"],
    "padding": ["'same'"],
    "align_corners": ["True"],
    "ceil_mode": ["True"],
    "count_include_pad": ["False"],
    "inplace": ["True"],
    "affine": ["False"],
    "track_running_stats": ["False"],
    "elementwise_affine": ["False"],
    "largest": ["False"],
    "descending": ["True"],
    "unbiased": ["False"],
    "correction": ["0"],
    "approximate": ["'tanh'"],
    "log_target": ["True"],
    "log_input": ["False"],
    "full": ["True"],
    "label_smoothing": ["0.1"],
    "diagonal": ["1", "-1"],
    "upper": ["True"],
    "right": ["True"],
    "return_counts": ["True"],
    "return_inverse": ["True"],
    "bidirectional": ["True"],
    "batch_first": ["True"],
    "norm": ["'ortho'", "'forward'"],
    "exclusive": ["True"],
    "reverse": ["True"],
    "transpose": ["True"],
    "swap": ["True"],
}
#: kinds of input tried in place of the example's float32 inputs
INPUT_FORMS = (("int64 inputs", {"dtype": "int64", "low": 0, "high": 5}),
               ("float64 inputs", {"dtype": "float64"}),
               ("bool inputs", {"dtype": "bool"}),
               ("0-d inputs", {"shape": []}))


@dataclass
class Variant:
    """One generated call: `form` names it in reports and records, `example` is what runs."""

    form: str
    example: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Site:
    """The example's call of the API: which statement string holds it and how its arguments bind."""

    part: str  # "code" or "setup"
    tree: ast.Module
    call: ast.Call
    bound: list[tuple[str, ast.expr, bool]]  # (param name, value, given as keyword) in written order
    varargs: str | None  # name of a `*name` slot that took positional values


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _aliases(trees: list[ast.Module]) -> dict[str, str]:
    names = {"torch": "torch", "nn": "torch.nn", "F": "torch.nn.functional"}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    names[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    names[a.asname or a.name] = f"{node.module}.{a.name}"
    return names


def _resolve(name: str, aliases: dict[str, str]) -> str:
    head, _, rest = name.partition(".")
    full = aliases.get(head, head)
    return f"{full}.{rest}" if rest else full


def _is_site(call: ast.Call, entry: Entry, aliases: dict[str, str]) -> bool:
    if entry.kind == "method":
        if not isinstance(call.func, ast.Attribute) or call.func.attr != entry.api.rsplit(".", 1)[-1]:
            return False
        recv = _dotted(call.func.value)
        return recv is None or recv.split(".")[0] not in aliases
    name = _dotted(call.func)
    return name is not None and _resolve(name, aliases) == entry.api


def _find_site(entry: Entry, ex: dict[str, Any], params: list[str]) -> _Site | None:
    trees: dict[str, ast.Module] = {}
    for part in ("setup", "code"):
        if isinstance(ex.get(part), str):
            try:
                trees[part] = ast.parse(ex[part])
            except SyntaxError:
                return None
    aliases = _aliases(list(trees.values()))
    for part in ("code", "setup"):
        tree = trees.get(part)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _is_site(node, entry, aliases):
                bound = _bind(node, params)
                if bound is None:
                    return None
                return _Site(part, tree, node, *bound)
    return None


def _bind(call: ast.Call, params: list[str]):
    """(bound arguments, varargs slot used) of a call, None when it cannot be bound statically."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    positional = []
    varargs = None
    for p in params:
        if p == "*":
            break
        if p.startswith("*"):
            varargs = p[1:]
            break
        positional.append(p)
    bound: list[tuple[str, ast.expr, bool]] = []
    used_varargs = None
    for i, value in enumerate(call.args):
        if i < len(positional):
            bound.append((positional[i], value, False))
        elif varargs and i == len(positional):
            used_varargs = varargs
            bound.append((varargs, value, False))
        elif used_varargs:
            bound.append((varargs, value, False))
        else:
            return None
    names = {p.lstrip("*") for p in params if p != "*"}
    for k in call.keywords:
        if k.arg not in names:
            return None
        bound.append((k.arg, k.value, True))
    return bound, used_varargs


def _positional_names(params: list[str]) -> list[str]:
    out = []
    for p in params:
        if p == "*" or p.startswith("*"):
            break
        out.append(p)
    return out


def _with_call(ex: dict[str, Any], site: _Site, args: list[ast.expr], keywords: list[ast.keyword]) -> dict[str, Any]:
    """A copy of the example whose call of the API has these arguments."""
    saved = (site.call.args, site.call.keywords)
    site.call.args, site.call.keywords = args, keywords
    try:
        text = ast.unparse(site.tree)
    finally:
        site.call.args, site.call.keywords = saved
    new = copy.deepcopy(ex)
    new[site.part] = text
    return new


def _source(node: ast.expr) -> str:
    return ast.unparse(node)


def _positional_form(ex, site: _Site, params: list[str], defaults: dict[str, str]) -> dict[str, Any] | None:
    if site.varargs:
        return None
    pos_names = _positional_names(params)
    given = {name: value for name, value, _ in site.bound}
    last = max((pos_names.index(n) for n in given if n in pos_names), default=-1)
    args: list[ast.expr] = []
    for name in pos_names[:last + 1]:
        if name in given:
            args.append(given[name])
        elif name in defaults:
            args.append(ast.parse(defaults[name], mode="eval").body)
        else:
            return None
    kws = [ast.keyword(arg=n, value=v) for n, v, _ in site.bound if n not in pos_names]
    if len(args) == sum(1 for _, _, kw in site.bound if not kw):
        return None  # nothing moved: the example is already this form
    return _with_call(ex, site, args, kws)


def _keyword_form(ex, site: _Site, rng: random.Random) -> dict[str, Any] | None:
    named = [(n, v) for n, v, _ in site.bound if n != site.varargs]
    if not named:
        return None
    star = [v for n, v, _ in site.bound if n == site.varargs]
    order = list(named)
    if len(order) > 1:
        for _ in range(5):
            rng.shuffle(order)
            if [n for n, _ in order] != [n for n, _ in named]:
                break
    kws = [ast.keyword(arg=n, value=v) for n, v in order]
    if all(kw for _, _, kw in site.bound) and [n for n, _ in order] == [n for n, _, _ in site.bound]:
        return None
    return _with_call(ex, site, star, kws)


def _with_value(ex, site: _Site, name: str, value: str) -> dict[str, Any]:
    node = ast.parse(value, mode="eval").body
    args = list(site.call.args)
    kws = list(site.call.keywords)
    for i, (n, _, kw) in enumerate(site.bound):
        if n == name and not kw:
            args[i] = node
            return _with_call(ex, site, args, kws)
    if any(k.arg == name for k in kws):
        kws = [ast.keyword(arg=name, value=node) if k.arg == name else k for k in kws]
    else:
        kws.append(ast.keyword(arg=name, value=node))
    return _with_call(ex, site, args, kws)


def _first_ndim(ex: dict[str, Any], site: _Site, entry: Entry) -> int | None:
    inputs = ex.get("inputs") or {}
    first: ast.AST | None = None
    if entry.kind == "method" and isinstance(site.call.func, ast.Attribute):
        first = site.call.func.value
    elif site.call.args and entry.kind == "function":
        first = site.call.args[0]
    if isinstance(first, ast.Name) and first.id in inputs and "shape" in inputs[first.id]:
        return len(inputs[first.id]["shape"])
    if entry.kind == "class" and len(inputs) >= 1:
        spec = next(iter(inputs.values()))
        return len(spec["shape"]) if "shape" in spec else None
    return None


def _dim_forms(ex, site: _Site, entry: Entry, params: list[str]) -> list[tuple[str, dict[str, Any]]]:
    names = {p.lstrip("*") for p in params}
    if "dim" not in names:
        return []
    given = {n: v for n, v, _ in site.bound}
    ndim = _first_ndim(ex, site, entry)
    value = given.get("dim")
    if value is None:
        return [("dim=-1", _with_value(ex, site, "dim", "-1"))]
    try:
        d = ast.literal_eval(value)
    except ValueError:
        return []
    if ndim is None:
        return []
    if isinstance(d, int) and not isinstance(d, bool) and 0 <= d < ndim:
        return [(f"dim={d - ndim}", _with_value(ex, site, "dim", str(d - ndim)))]
    if isinstance(d, (tuple, list)) and d and all(isinstance(i, int) and 0 <= i < ndim for i in d):
        neg = tuple(i - ndim for i in d)
        return [(f"dim={neg}", _with_value(ex, site, "dim", repr(neg)))]
    return []


def _behaviour_forms(ex, site: _Site, params: list[str]) -> list[tuple[str, dict[str, Any]]]:
    given = {n: _source(v) for n, v, _ in site.bound}
    out = []
    for p in params:
        name = p.lstrip("*")
        values = BEHAVIOUR.get(name, ())
        if values in (["True"], ["False"]) and given.get(name) == values[0]:
            values = ["False" if values[0] == "True" else "True"]  # the example set the flag: unset it
        for value in values:
            if given.get(name) == value:
                continue
            out.append((f"{name}={value}", _with_value(ex, site, name, value)))
    return out


def _input_forms(ex: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    inputs = ex.get("inputs") or {}
    floats = [n for n, s in inputs.items() if s.get("dtype", "float32") == "float32" and "value" not in s
              and not s.get("image") and not s.get("param")]
    if not floats or ex.get("compare", "values") == "distribution":
        return []
    out = []
    for form, change in INPUT_FORMS:
        changed = floats
        if form == "0-d inputs":
            # an input whose shape the code relies on (resize_ growing it: new elements uninitialised)
            changed = [n for n in floats if inputs[n].get("shape") and not inputs[n].get("keep_shape")]
            if not changed:
                continue
        new = copy.deepcopy(ex)
        for n in changed:
            # a float range the example chose (`low: 2` for mvlgamma) holds for float64 and 0-d too
            spec = {k: v for k, v in new["inputs"][n].items()
                    if k not in ("low", "high") or change.get("dtype") in (None, "float64")}
            spec.update(change)
            new["inputs"][n] = spec
        out.append((form, new))
    return out


def generate(entry: Entry, example: dict[str, Any] | None = None, defaults: dict[str, str] | None = None,
             params: list[str] | None = None, limit: int = MAX_VARIANTS + 2) -> list[Variant]:
    """Up to `limit` variants of the entry's example (the worker keeps MAX_VARIANTS PyTorch accepts).

    `params` is PyTorch's parameter order as torch reports it (the entry's `params` when torch does
    not, or when the example's call does not bind to it), `defaults` PyTorch's defaults as source
    text (besides the argument map's `torch_default`s)."""
    ex = example if example is not None else entry.example
    if not isinstance(ex, dict) or not isinstance(ex.get("code"), str):
        return []
    # PyTorch's own order first (it catches an entry whose `params` are wrong), else the entry's
    candidates = [list(p) for p in (params, entry.params)
                  if p and not all(n.startswith("*") for n in p)]  # `(*args, **kwargs)` says nothing
    known = dict(defaults or {})
    for name, spec in entry.target("portable").args.items():
        if spec.torch_default is not None:
            known.setdefault(name, spec.torch_default)
    signature: list[tuple[str, dict[str, Any]]] = []
    behaviour: list[tuple[str, dict[str, Any]]] = []
    site = None
    params: list[str] = []
    for params in candidates if entry.kind != "attribute" else []:
        site = _find_site(entry, ex, params)
        if site is not None:
            break
    if site is not None:
        rng = random.Random(entry.api)
        pos = _positional_form(ex, site, params, known)
        if pos is not None:
            signature.append(("positional", pos))
        kw = _keyword_form(ex, site, rng)
        if kw is not None:
            signature.append(("keywords", kw))
        behaviour = _dim_forms(ex, site, entry, params) + _behaviour_forms(ex, site, params)
    inputs = _input_forms(ex)
    # interleave so a cap keeps each family: signature forms, a behaviour value, an input kind, ...
    ordered = signature[:]
    b, i = list(behaviour), list(inputs)
    while b or i:
        if b:
            ordered.append(b.pop(0))
        if i:
            ordered.append(i.pop(0))
    seen = {_key(ex)}
    out = []
    for form, new in ordered:
        k = _key(new)
        if k in seen:
            continue
        seen.add(k)
        out.append(Variant(form, new))
        if len(out) >= limit:
            break
    return out


def _key(ex: dict[str, Any]) -> str:
    return repr((ex.get("setup"), ex.get("code"), sorted((ex.get("inputs") or {}).items(), key=lambda kv: kv[0])))


def torch_defaults(api: str) -> tuple[list[str] | None, dict[str, str]]:
    """PyTorch's own parameter order and defaults (source text) for an API, where torch's
    `inspect.signature` knows them; ([], {}) without torch. Only the verifier calls this."""
    import importlib
    import inspect

    try:
        torch = importlib.import_module("torch")
    except ImportError:
        return None, {}
    obj: Any = None
    parts = api.split(".")
    if parts[0] != "torch":
        return None, {}
    try:
        obj = torch
        for p in parts[1:]:
            obj = getattr(obj, p)
    except AttributeError:
        return None, {}
    try:
        sig = inspect.signature(obj.__init__ if inspect.isclass(obj) else obj)
    except (TypeError, ValueError):
        return None, _doc_defaults(obj, parts[-1])
    order: list[str] = []
    defaults: dict[str, str] = {}
    kw_only = False
    for p in sig.parameters.values():
        if p.name == "self":
            continue
        if p.kind == p.VAR_POSITIONAL:
            order.append(f"*{p.name}")
            kw_only = True
            continue
        if p.kind == p.VAR_KEYWORD:
            continue
        if p.kind == p.KEYWORD_ONLY and not kw_only:
            order.append("*")
            kw_only = True
        order.append(p.name)
        if p.default is not p.empty:
            try:
                text = repr(p.default)
                ast.parse(text, mode="eval")
            except SyntaxError:
                continue
            defaults[p.name] = text
    return order, defaults


def _doc_defaults(obj: Any, name: str) -> dict[str, str]:
    """Defaults read off the signature lines of a builtin's docstring (`topk(input, k, dim=None,
    largest=True, ...)`), over all its overloads; a name with different defaults is left out."""
    import re

    found: dict[str, str] = {}
    clash: set[str] = set()
    for m in re.finditer(rf"(?m)^(?:\.\. function:: )?{re.escape(name)}\((.*)\)\s*->", obj.__doc__ or ""):
        for part in m.group(1).split(","):
            key, eq, value = part.strip().partition("=")
            if not eq or not key.isidentifier():
                continue
            try:
                ast.parse(value, mode="eval")
            except SyntaxError:
                continue
            if found.get(key, value) != value:
                clash.add(key)
            found[key] = value
    return {k: v for k, v in found.items() if k not in clash}
