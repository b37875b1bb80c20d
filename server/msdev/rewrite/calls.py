"""Rewriting the arguments of one call, driven by the database's argument map.

The rewrite is a set of small edits inside the call (a keyword renamed, `name=` inserted before
a positional value, a value wrapped by a transform, an argument removed, keywords appended), so
comments and line breaks inside long calls survive.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, field

from .arg_aliases import torch_keyword
from ..db.model import ArgSpec, Entry, Target
from ..analysis.operators import known_bool
from .reduction import LEGACY_ARGS, legacy_reduction
from .source import Edit, SourceText


class CannotRewrite(Exception):
    """This use cannot be rewritten automatically; the message says why and what to do."""


#: a note starting with this marks a use whose rewrite may not run as it is (reported as partial)
PARTIAL_NOTE = "partial: "


@dataclass
class CallRewrite:
    edits: list[Edit] = field(default_factory=list)
    safe: bool = True
    notes: list[str] = field(default_factory=list)


#: keywords of PyTorch's tensor factories (and layers) that only say where or how memory is laid out:
#: the values a MindSpore call computes are the same without them, so they go wherever the database
#: has no rule of its own for them. `layout` goes only when it is the default, dense layout.
FACTORY_KEYWORDS = frozenset({"device", "layout", "pin_memory", "requires_grad", "memory_format", "non_blocking"})
DENSE_LAYOUTS = ("torch.strided", "strided", "None")


def droppable_factory_keyword(name: str | None, value_text: str) -> bool:
    """Whether a keyword the database does not map can go without changing the values computed;
    a sparse `layout` cannot; `generator=None` is the default random stream."""
    if name == "generator":
        return value_text.strip() == "None"
    if name not in FACTORY_KEYWORDS:
        return False
    if name == "layout" and value_text.strip() not in DENSE_LAYOUTS:
        raise CannotRewrite(f"layout={value_text.strip()}: MindSpore tensors are dense; use a dense tensor")
    return True


_ATOMIC = (ast.Name, ast.Attribute, ast.Constant, ast.Call, ast.Subscript, ast.List, ast.Tuple, ast.Dict)


def literal(node: ast.AST):
    """The Python value of a literal argument, or a sentinel when it is not a literal."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL


_NOT_LITERAL = object()


@functools.lru_cache(maxsize=4096)
def _literal_text(text: str):
    """The value of a literal the database writes (`allowed`, defaults; cached: asked per argument)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL


def _matches(node: ast.AST, src_text: str, candidates: list[str]) -> bool:
    value = literal(node)
    for cand in candidates:
        cv = _literal_text(cand)
        if value is not _NOT_LITERAL and cv is not _NOT_LITERAL:
            if value == cv and type(value) is type(cv):
                return True
        elif src_text.strip() == cand.strip():
            return True
    return False


_ARG_REF = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _default_text(spec: ArgSpec, named, src, text: str, specs: dict[str, ArgSpec], rendered=None) -> str:
    """A spec's default; `{name}` in it stands for the source text of PyTorch argument `name`
    (MaxPool2d: an omitted stride is the kernel size). See mapping_db/README.md."""
    default = spec.default or ""
    if "{" not in default:
        return default
    values = {}
    for n, v, _ in named:
        if n:
            start, end = src.span(v)
            values[n] = rendered(v) if rendered is not None else text[start:end]  # nested uses converted
            transform = specs[n].transform if n in specs else None
            if transform in NAMED_TRANSFORMS:  # the value as MindSpore takes it
                values[n] = NAMED_TRANSFORMS[transform](v, values[n])
            elif not isinstance(v, _ATOMIC):  # `{input}.ndim` with input `a + b`
                values[n] = f"({values[n]})"

    def sub(m: re.Match) -> str:
        if m.group(1) not in values:
            raise CannotRewrite(f"'{spec.name}' defaults to '{m.group(1)}', which the call does not pass by name")
        return values[m.group(1)]

    return _ARG_REF.sub(sub, default)


def _is_default(node: ast.AST, src_text: str, spec: ArgSpec) -> bool:
    return spec.torch_default is not None and _matches(node, src_text, [spec.torch_default])


def _wrap(template: str, value_text: str, value_node: ast.AST) -> tuple[str, str]:
    """Prefix and suffix that apply `template` ("1 - {}") around a value."""
    before, _, after = template.partition("{}")
    needs_parens = not isinstance(value_node, _ATOMIC) and (before.strip() or after.strip())
    if needs_parens:
        return before + "(", ")" + after
    return before, after


def _check_star_positions(star: ast.AST, covered: list[str], specs: dict, ms_params: list[str] | None,
                          start: int) -> list[int]:
    """`nn.BatchNorm1d(*args)`: the elements land in MindSpore's parameters by position, so every
    PyTorch parameter the star may fill (all from its place on, or as many as a literal list holds)
    must sit at the same position on both sides and pass on unchanged (no transform, no drop).
    The exception is `promote_float` (`torch.erf(*args)`): the offsets of those elements are returned,
    and the star is written so that they are multiplied by 1.0 when the program runs."""
    if isinstance(star, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in star.elts):
        covered = covered[:len(star.elts)]
    promoted = []
    for offset, name in enumerate(covered):
        spec = specs.get(name)
        if spec is not None and spec.transform == "promote_float" and not (
                spec.drop or spec.literal_map or spec.allowed or spec.unsupported or spec.required):
            promoted.append(offset)
        elif spec is not None and (spec.drop or transform_for_values(spec) not in (None, "sizes") or spec.literal_map
                                   or spec.allowed or spec.unsupported or spec.required):
            raise CannotRewrite(f"arguments are passed through *args and `{name}` converts by its value: "
                                "pass it by keyword")
        ms_name = spec.target_name if spec is not None else name
        if ms_params is not None and (start + offset >= len(ms_params) or ms_params[start + offset] != ms_name):
            raise CannotRewrite(f"arguments are passed through *args and MindSpore takes `{name}` at another "
                                "position: pass them by keyword")
    return promoted


def rewrite_arguments(src: SourceText, call: ast.Call, entry: Entry, target: Target,
                      skip_first_param: bool = False, forwarded: bool = False,
                      removed_keywords: frozenset[str] = frozenset(), rendered=None,
                      receiver_first: bool = False, lists: frozenset[str] = frozenset()) -> CallRewrite:
    """Edits that turn the call's PyTorch arguments into the target's MindSpore arguments.
    `forwarded`: the call is a subclass's `super().__init__`, passing on its callers' values.
    `lists`: names the enclosing function binds to a list (`k = [s + 1 for s in stride]`), whose values
    are normalised at run time like forwarded ones where MindSpore takes an int or a tuple.
    `receiver_first`: a Tensor method called through the class (`torch.Tensor.std(x, 0)`), whose
    first argument is the tensor, on both sides.
    `removed_keywords`: keywords the caller handles itself (`out=`); they are deleted as written.
    `rendered(node)`: an argument's text with the nested rewrites applied (for copied values)."""
    out = CallRewrite()
    torch_params = list(entry.params or [])
    if skip_first_param and torch_params and torch_params[0] in ("self", "input"):
        torch_params = torch_params[1:]
    vararg = None  # PyTorch's `*size`: every positional argument from here on
    for i, p in enumerate(torch_params):
        if p.startswith("*"):
            vararg = (i, p) if len(p) > 1 else None
            torch_params = torch_params[:i]
            break
    ms_params = [p for p in target.params if not p.startswith("*")] if target.params else target.params
    # MindSpore's keyword-only parameters (after a bare '*') never take a positional argument
    ms_positional = target.params.index("*") if target.params and "*" in target.params else None
    if receiver_first:
        torch_params = ["self", *torch_params]
        vararg = (vararg[0] + 1, vararg[1]) if vararg is not None else None
        ms_params = ["self", *ms_params] if ms_params is not None else None
        ms_positional = ms_positional + 1 if ms_positional is not None else None
    text = src.text
    if vararg is not None:
        _pack_varargs(src, call, vararg, target, out)

    # 1. name every argument by its PyTorch parameter
    named: list[tuple[str | None, ast.AST, ast.keyword | None]] = []
    seen_star = False
    for i, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            seen_star = True
            named.append((None, arg, None))
            continue
        if seen_star:
            name = None  # position unknown after *args
        else:
            name = torch_params[i] if i < len(torch_params) else None
        named.append((name, arg, None))
    for kw in call.keywords:
        named.append((torch_keyword(kw.arg, entry.params), kw.value, kw))

    paren = _open_paren(src, call)
    extents = [_arg_extent(src, value, kw, paren) for _, value, kw in named]
    mapped_specs = target.args
    # size_average/reduce given: PyTorch derives `reduction` from them (rewrite/reduction.py)
    reduction = legacy_reduction({n: (v, text[src.start(v):src.end(v)]) for n, v, _ in named if n}, entry.params)
    # a star among the elements of PyTorch's own `*size` leaves every other argument's name known
    star_in_vararg = vararg is not None and not any(
        isinstance(a, ast.Starred) for a in call.args[:vararg[0]])
    if seen_star and not star_in_vararg and any(n is None and not isinstance(v, ast.Starred) for n, v, _ in named):
        if any(a.differs() for a in mapped_specs.values()):
            raise CannotRewrite("arguments are passed through *args, so they cannot be matched to MindSpore's")
    star_at = next((i for i, a in enumerate(call.args) if isinstance(a, ast.Starred)), None)
    # `*[3, 8, 3]`: a literal list fills known positions, which the map checks like written arguments
    literal_star = star_at is not None and isinstance(call.args[star_at].value, (ast.List, ast.Tuple)) and not any(
        isinstance(e, ast.Starred) for e in call.args[star_at].value.elts)
    if star_at is not None and not star_in_vararg and (literal_star or not target.fallback_templates):
        promoted = _check_star_positions(call.args[star_at].value, torch_params[star_at:], mapped_specs, ms_params,
                                         star_at)
        if promoted:  # `torch.erf(*args)` → `ops.erf(*(lambda t_: ...)(args))`: the floats PyTorch promotes to
            star_value = call.args[star_at].value
            vstart, vend = src.span(star_value)
            out.edits.append(Edit(vstart, vend, f"(lambda t_: tuple(v * 1.0 if k in {tuple(promoted)!r} else v "
                                                f"for k, v in enumerate(t_)))({text[vstart:vend]})"))
    if star_at is not None and not star_in_vararg and not literal_star and target.fallback_templates and any(
            mapped_specs[p].differs() for p in torch_params[star_at:] if p in mapped_specs):
        # `nn.LayerNorm(*args)`: the star may hold arguments MindSpore names, orders or defaults otherwise;
        # the fallback templates take them by PyTorch's positions
        raise CannotRewrite("arguments are passed through *args, so they cannot be matched to MindSpore's")

    produced: set[str] = set()
    star_kwargs: ast.keyword | None = None
    removed: list[int] = []
    keep_positional = True
    positional_index = 0
    additions: list[str] = []
    last_arg_end = None
    for idx, (name, value, kw) in enumerate(named):
        vstart, vend = src.span(value)
        value_text = text[vstart:vend]
        spec = mapped_specs.get(name) if name else None
        node_start = src.start(kw) if kw is not None else vstart
        if kw is None and name is not None and name in removed_keywords:  # `out` given in its place
            removed.append(idx)
            keep_positional = False
            continue
        if kw is not None and (kw.arg in removed_keywords or (
                spec is None and (ms_params is None or kw.arg not in ms_params)
                and droppable_factory_keyword(kw.arg, value_text))):
            removed.append(idx)
            continue
        if (kw is not None and vararg is not None and kw.arg == vararg[1][1:] and target.params
                and vararg[1] in target.params):
            # `torch.randn(size=(4,))`: MindSpore's `*size` takes no keyword; the shape goes first, by position
            if idx == 0:
                out.edits.append(Edit(node_start, vstart, ""))
                last_arg_end = extents[idx][1]
            else:
                shown = rendered(value) if rendered is not None else value_text
                paren = _open_paren(src, call)
                out.edits.append(Edit(paren + 1, paren + 1, shown + ", "))
                removed.append(idx)
            continue
        if kw is not None and kw.arg is None:  # **kwargs
            star_kwargs = kw
            last_arg_end = extents[idx][1]
            continue
        if vararg is not None and kw is None and idx >= vararg[0]:
            # an element of PyTorch's `*size` (`x.reshape(b, *size, -1)`): passed on as written
            # (packed into one tuple above where MindSpore takes one)
            last_arg_end = extents[idx][1]
            continue
        if isinstance(value, ast.Starred):
            last_arg_end = extents[idx][1]
            keep_positional = False if kw is None else keep_positional
            continue
        if reduction is not None and name in LEGACY_ARGS:
            removed.append(idx)  # said by the `reduction` written for them
            if kw is None:
                keep_positional = False
            continue
        if reduction is not None and name == "reduction":
            out.edits.append(Edit(vstart, vend, reduction))  # PyTorch ignores it next to the legacy pair
            value_text, value = reduction, ast.parse(reduction, mode="eval").body
        if spec is not None:
            if spec.unsupported:
                raise CannotRewrite(f"argument '{name}' has no MindSpore counterpart: {spec.unsupported}")
            if spec.allowed is not None and not _matches(value, value_text, spec.allowed):
                raise CannotRewrite(
                    f"{name}={value_text} is not supported by {target.api} "
                    f"(only {', '.join(spec.allowed)}){': ' + spec.drop if spec.drop else ''}")
            if spec.literal_map:
                replacement = None
                for lit, kws in spec.literal_map.items():
                    if _matches(value, value_text, [lit]):
                        replacement = kws
                        break
                if replacement is not None and not replacement:
                    removed.append(idx)  # this value is MindSpore's behaviour already
                    if kw is None:
                        keep_positional = False
                    continue
                if replacement is not None:
                    new = ", ".join(f"{k}={v}" for k, v in replacement.items())
                    out.edits.append(Edit(node_start, extents[idx][1], new))
                    produced.update(replacement)
                    keep_positional = False
                    last_arg_end = extents[idx][1]
                    continue
            if spec.drop:
                # a value in `allowed` or equal to PyTorch's default behaves the same without it
                if spec.allowed is None and not _is_default(value, value_text, spec):
                    out.safe = False
                    out.notes.append(f"dropped {name}={value_text}: {spec.drop}")
                removed.append(idx)
                if kw is None:
                    keep_positional = False
                continue
        if (name == "dtype" and entry.kind == "class" and (spec is None or not spec.differs())
                and isinstance(value, ast.Constant) and value.value is None):
            removed.append(idx)  # PyTorch's default; MindSpore layers refuse dtype=None
            if kw is None:
                keep_positional = False
            continue
        if (kw is not None and name == "dtype" and entry.kind == "class" and (spec is None or not spec.differs())
                and not isinstance(value, (ast.Attribute, ast.Constant))):
            # a layer's dtype from a variable: MindSpore layers refuse dtype=None, PyTorch's default
            out.edits.append(Edit(node_start, extents[idx][1],
                                  f"**({{'dtype': {value_text}}} if {value_text} is not None else {{}})"))
            keep_positional = False
            last_arg_end = extents[idx][1]
            continue
        ms_name = spec.target_name if spec is not None else name
        produced.add(ms_name or "")
        if kw is None:
            # positional: stays positional while MindSpore's order agrees
            if keep_positional and name is not None and ms_params is not None:
                keep_positional = (positional_index < len(ms_params) and ms_params[positional_index] == ms_name
                                   and (ms_positional is None or positional_index < ms_positional))
            elif keep_positional and ms_params is None:
                keep_positional = spec is None or not spec.to or spec.to == name
            if not keep_positional:
                if name is None:
                    raise CannotRewrite("too many positional arguments to match PyTorch's signature")
                out.edits.append(Edit(vstart, vstart, f"{ms_name}="))
            positional_index += 1
        elif spec is not None and spec.to and spec.to != kw.arg:
            kstart = src.start(kw)
            out.edits.append(Edit(kstart, kstart + len(kw.arg), spec.to))
        elif kw.arg != name and ms_name:  # `axis=` written for `dim=`: MindSpore's name for it
            kstart = src.start(kw)
            out.edits.append(Edit(kstart, kstart + len(kw.arg), ms_name))
        if spec is not None and spec.transform:
            if spec.transform == "promote_float" and not isinstance(literal(value), (int, float)):
                before, after = _wrap("{} * 1.0", value_text, value)  # insertions: an inner rewrite stays
                out.edits.append(Edit(vstart, vstart, before))
                out.edits.append(Edit(vend, vend, after))
            elif spec.transform == "list":  # insertions, so that rewrites inside the value stay
                if not isinstance(value, (ast.List, ast.ListComp)) and not (
                        isinstance(value, ast.Constant) and value.value is None):
                    lone_generator = isinstance(value, ast.GeneratorExp) and value_text.startswith("(")
                    out.edits.append(Edit(vstart, vstart, "(list" if lone_generator else "list("))
                    out.edits.append(Edit(vend, vend, ")"))
            elif spec.transform in NAMED_TRANSFORMS:
                shown = rendered(value) if rendered is not None else value_text  # rewrites inside it kept
                if (forwarded and spec.transform == "sizes" and spec.default and "{" in spec.default
                        and isinstance(value, (ast.Name, ast.Attribute))):
                    # a subclass forwarding `stride=None`: PyTorch's None means the default (the kernel size)
                    fallback = _default_text(spec, named, src, text, mapped_specs, rendered)
                    new_text = (f"(lambda v: v if isinstance(v, int) else tuple(v) if len(v) > 1 else v[0])"
                                f"({shown} if {shown} is not None else {fallback})")
                else:
                    new_text = NAMED_TRANSFORMS[spec.transform](
                        value, shown, forwarded or (isinstance(value, ast.Name) and value.id in lists))
                if new_text != value_text:
                    out.edits.append(Edit(vstart, vend, new_text))
            elif spec.transform.count("{}") > 1:  # the value appears several times: write it out
                shown = rendered(value) if rendered is not None else value_text
                shown = shown if isinstance(value, _ATOMIC) else f"({shown})"
                out.edits.append(Edit(vstart, vend, spec.transform.replace("{}", shown)))
            else:
                if isinstance(value, ast.Constant) and value.value is None:  # `momentum=None` → `1 - None`
                    raise CannotRewrite(f"{name}=None: MindSpore's {spec.to or name} takes "
                                        f"{spec.transform.replace('{}', name)}, which has no value for None")
                before, after = _wrap(spec.transform, value_text, value)
                out.edits.append(Edit(vstart, vstart, before))
                out.edits.append(Edit(vend, vend, after))
        last_arg_end = extents[idx][1]

    out.edits.extend(_removals(extents, removed, text))
    given = {n for n, _, _ in named if n}
    for spec in mapped_specs.values():
        if spec.required and star_kwargs is None and not seen_star and (spec.name not in given or any(
                n == spec.name and isinstance(v, ast.Constant) and v.value is None for n, v, _ in named)):
            raise CannotRewrite(f"{spec.name} left out or None: {spec.required}")
    if star_kwargs is not None:
        _forward_kwargs(src, star_kwargs, mapped_specs, given, produced, out, entry, ms_params,
                        bool(target.fallback_templates), rendered,
                        lambda spec: _default_text(spec, named, src, text, mapped_specs, rendered))
    # before the defaults: the reduction derived from size_average/reduce is not a left-out one
    if reduction is not None and "reduction" not in given:
        spec = mapped_specs.get("reduction")
        if spec is not None and spec.allowed is not None and reduction not in spec.allowed:
            raise CannotRewrite(f"size_average/reduce ask for reduction={reduction}, which {target.api} lacks")
        ms_name = spec.target_name if spec is not None else "reduction"
        additions.append(f"{ms_name}={reduction}")
        produced.add(ms_name)
    for spec in mapped_specs.values():
        if spec.default is not None and spec.name not in given and spec.target_name not in produced:
            additions.append(f"{spec.target_name}={_default_text(spec, named, src, text, mapped_specs, rendered)}")
            produced.add(spec.target_name)
    for key, value in target.insert.items():
        if key not in produced and key not in given:
            additions.append(f"{key}={value}")
            produced.add(key)
    if additions:
        joined = ", ".join(additions)
        if last_arg_end is None:
            # no surviving argument: insert right after "("
            paren = _open_paren(src, call)
            out.edits.append(Edit(paren + 1, paren + 1, (" " if text[paren] == "," else "") + joined))
        else:
            kept_any = len(removed) < len(named)
            out.edits.append(Edit(last_arg_end, last_arg_end, (", " if kept_any else "") + joined))
    return out


def _forward_kwargs(src: SourceText, star: ast.keyword, specs: dict[str, ArgSpec], given: set[str],
                    produced: set[str], out: CallRewrite, entry: Entry, ms_params, fallback: bool = False,
                    rendered=None, default_of=None) -> None:
    """`f(..., **kwargs)` whose keys are PyTorch names (timm's `**dd` with device/dtype, a layer
    subclass forwarding its callers' arguments): each renamed or re-defaulted key is read under its
    MindSpore name (`has_bias=kwargs.get('bias', True)`), and the dict is passed on without the keys
    MindSpore does not take (`**{k: v for k, v in kwargs.items() if k not in ('device', 'bias')}`).
    A key MindSpore only names otherwise and PyTorch gives no default value (`dim` of cumsum, `in_features`)
    is renamed as the dict is passed on (`**{{'dim': 'axis'}.get(k, k): v for k, v in kwargs.items()}`);
    MindSpore's default for it, where the converter writes one, comes first in the dict, so that the key
    given wins. The dict is never changed: it may feed several calls. Keys whose values need more than a
    rename make the call partial. `star.msdev_keys` (set by rewrite/kwargs.py) are the keys when known."""
    known = getattr(star, "msdev_keys", None)
    if known is None and isinstance(star.value, ast.Dict) and all(
            isinstance(k, ast.Constant) and isinstance(k.value, str) for k in star.value.keys):
        known = frozenset(k.value for k in star.value.keys)  # `**{'dim': 1}`: the keys are written
    source_text = src.text[src.start(star.value):src.end(star.value)]
    if not isinstance(star.value, (ast.Name, ast.Attribute)):
        source_text = f"({source_text})"
    # the dict's converted text is rendered only once an edit is written: `rendered` takes the rewrites
    # inside it over (a `**{'dtype': torch.int64}` passed on as written keeps its own rewrite)
    value_text = _STAR_VALUE
    shown = (lambda v: rendered(v)) if rendered is not None else (lambda v: src.text[slice(*src.span(v))])
    #: `f(x, **{'dim': 1})`: the written dict's values by key, each passed as a keyword of its own
    written = {k.value: v for k, v in zip(star.value.keys, star.value.values)} if isinstance(
        star.value, ast.Dict) and known is not None and all(k.value.isidentifier() for k in star.value.keys) else None
    taken, filtered, unhandled = [], [], []
    renamed: dict[str, str] = {}  # PyTorch key → MindSpore keyword, renamed when the dict is passed on
    defaults: list[str] = []  # MindSpore's defaults of those, overridden by the dict's own keys
    #: keys whose value MindSpore takes transformed (`unbiased` → `ddof=int(...)`), read only when present
    conditional: list[str] = []
    targets: set[str] = set()  # the MindSpore keywords the renamed and conditional keys give
    for spec in specs.values():
        if spec.name in given or not spec.differs() or spec.target_name in produced:
            continue
        if known is not None and spec.name not in known:
            continue
        if entry.kind == "class" and spec.name in ("device", "dtype"):
            continue  # filtered below: timm's `**dd` holds dtype=None, which MindSpore's layers refuse
        if spec.drop and spec.allowed is None and not spec.literal_map and not spec.unsupported:
            filtered.append(spec.name)
            continue
        transform = transform_for_values(spec)
        if transform in NAMED_TRANSFORMS and not spec.drop and not spec.unsupported and spec.allowed is None:
            # torchvision's `BasicConv2d(..., **kwargs)` given `padding=(0, 3)`: transformed only when present
            if written is not None:
                node = written[spec.name]
                taken.append(f"{spec.target_name}={NAMED_TRANSFORMS[transform](node, shown(node))}")
            else:
                got = f"{value_text}[{spec.name!r}]"
                value = NAMED_TRANSFORMS[transform](ast.Name(id=spec.name), got, True)
                taken.append(f"**({{{spec.target_name!r}: {value}}} if {spec.name!r} in {value_text} else {{}})")
            filtered.append(spec.name)
            produced.add(spec.target_name)
            if spec.literal_map:  # `padding='same'` would need another keyword (pad_mode) as well
                unhandled.append(f"{spec.name} given as {' or '.join(spec.literal_map)}")
            continue
        value_default = spec.default if spec.default is not None and "{" not in spec.default else spec.torch_default
        simple_transform = transform and transform not in NAMED_TRANSFORMS and transform.count("{}") == 1
        runtime = default_of is not None and not (spec.drop or spec.unsupported) and spec.allowed is None and (
            value_default is None or spec.literal_map or (spec.default is not None and "{" in spec.default))
        if written is not None and (simple_transform or (spec.to and spec.to != spec.name and not (
                spec.literal_map or transform))) and not (spec.drop or spec.unsupported) and spec.allowed is None:
            node = written[spec.name]
            taken.append(f"{spec.target_name}={transform.replace('{}', shown(node)) if transform else shown(node)}")
            filtered.append(spec.name)
            produced.add(spec.target_name)
            continue
        if runtime and spec.to and spec.to != spec.name and not (spec.literal_map or transform):
            renamed[spec.name] = spec.target_name
            targets.add(spec.target_name)
            continue
        if runtime and simple_transform:  # `unbiased` → `ddof=int(kwargs['unbiased'])` when the dict holds it
            got = f"{value_text}[{spec.name!r}]"
            conditional.append(f"**({{{spec.target_name!r}: {transform.replace('{}', got)}}} "
                               f"if {spec.name!r} in {value_text} else {{}})")
            filtered.append(spec.name)
            targets.add(spec.target_name)
            continue
        if spec.drop or spec.literal_map or spec.unsupported or value_default is None or (
                transform and not simple_transform):
            unhandled.append(spec.name)
            continue
        value = f"{value_text}.get({spec.name!r}, {value_default})"
        if simple_transform:
            value = transform.replace("{}", value)
        taken.append(f"{spec.target_name}={value}")
        filtered.append(spec.name)
        produced.add(spec.target_name)
    for spec in specs.values():  # MindSpore's defaults of the keywords those keys give, first in the dict
        if spec.default is not None and spec.name not in given and spec.target_name in targets - produced:
            try:
                defaults.append(f"{spec.target_name!r}: {default_of(spec)}")
            except CannotRewrite:
                unhandled.append(spec.name)
                continue
            produced.add(spec.target_name)
    produced.update(targets)
    if entry.kind == "class":  # layers: no per-layer placement; MindSpore layers refuse dtype=None
        for name in ("device", "dtype"):
            if name in filtered or name in given or (known is not None and name not in known):
                continue
            filtered.append(name)
    if known is not None:
        extra = sorted(known - set(entry.params or ()) - {"device", "dtype"})
        if extra:
            unhandled.extend(extra)
    if fallback and known is not None and set(unhandled) & known:
        # `nn.LayerNorm(n, **{'elementwise_affine': False})`: the target's fallback templates take the keys
        raise CannotRewrite(f"**{source_text} holds {', '.join(sorted(set(unhandled) & known))}, which the "
                            "argument map cannot pass on")
    if not taken and not filtered and not unhandled and not renamed:
        return
    start, end = src.start(star), src.end(star)
    pieces = taken[:]
    if not pieces and not filtered and not renamed:  # only keys the call cannot map: the dict as written
        _note_kwargs(out, unhandled, known, source_text, entry)
        return
    if written is not None and filtered:  # `**{'dim': 1}` → `axis=1`: the written dict's keys as keywords
        pieces += [f"{k}={shown(v)}" for k, v in written.items() if k not in filtered]
    elif filtered or renamed:
        key = f"{renamed!r}.get(k, k)" if renamed else "k"
        keys = ", ".join(repr(k) for k in filtered)
        keys = f"({keys},)" if len(filtered) == 1 else f"({keys})"
        kept = f" if k not in {keys}" if filtered else ""
        passed = f"{{{key}: v for k, v in {value_text}.items(){kept}}}"
        if defaults:  # one dict, the defaults first: a key the dict holds wins
            pieces.append(f"**{{{', '.join(defaults + [f'**{passed}'] + conditional)}}}")
        else:
            pieces += [f"**{passed}"] + conditional
    if pieces:
        if any(_STAR_VALUE in piece for piece in pieces):
            shown_value = rendered(star.value) if rendered is not None else source_text[:]
            if not isinstance(star.value, (ast.Name, ast.Attribute)) and rendered is not None:
                shown_value = f"({shown_value})"
            pieces = [piece.replace(_STAR_VALUE, shown_value) for piece in pieces]
        out.edits.append(Edit(start, end, ", ".join(pieces)))
    else:  # every key of the written dict became a keyword of its own: the star goes with its comma
        out.edits.append(_star_removal(src, star))
    if filtered:
        out.notes.append(f"{', '.join(filtered)} left out of **{source_text} (no MindSpore counterpart)")
    _note_kwargs(out, unhandled, known, source_text, entry)


#: where the text of a `**` dict goes in the pieces written for it, until an edit is written
_STAR_VALUE = "\ue010"


def _note_kwargs(out: CallRewrite, unhandled: list[str], known, source_text: str, entry: Entry) -> None:
    """The call is partial when the `**` dict may hold keys MindSpore does not take as written."""
    if unhandled:
        out.safe = False
        out.notes.append(f"{PARTIAL_NOTE}{', '.join(unhandled)} may come through **{source_text} in PyTorch's form, "
                         "which MindSpore does not take: check the keys of the dict")
    elif known is None:
        out.safe = False
        out.notes.append(f"{PARTIAL_NOTE}**{source_text} may carry keywords {entry.api} takes under other names or not "
                         "at all in MindSpore: check the keys of the dict")


def _star_removal(src: SourceText, star: ast.keyword) -> Edit:
    """The `**{...}` keyword and the comma before it (it follows the call's other arguments)."""
    start, end = src.start(star), src.end(star)
    before = src.text.rfind(",", 0, start)
    return Edit(before if before >= 0 and not src.text[before + 1:start].strip() else start, end, "")


def _pack_varargs(src: SourceText, call: ast.Call, vararg: tuple[int, str], target: Target,
                  out: CallRewrite) -> None:
    """`torch.zeros(2, 3)` → `zeros((2, 3))` when MindSpore takes one tuple (`pack: true`)."""
    index, name = vararg
    spec = target.args.get(name) or target.args.get(name.lstrip("*"))  # keyed `size` or `*size`
    extra = call.args[index:]
    starred = any(isinstance(a, ast.Starred) for a in extra)
    if spec is None or not spec.pack or not extra:
        return
    if len(extra) < 2 and not starred:
        # one value is the whole shape already (`x.repeat([4, 2])`, `x.repeat(reps)`): only the form
        # MindSpore accepts may differ (`transform: tuple` where it takes no list)
        if spec.transform in NAMED_TRANSFORMS:
            s, e = src.span(extra[0])
            shown = NAMED_TRANSFORMS[spec.transform](extra[0], src.text[s:e])
            if shown != src.text[s:e]:
                out.edits.append(Edit(s, e, shown))
        return
    # `torch.zeros(1, c, *size)` → `zeros((1, c, *size))`: a starred element unpacks inside the tuple
    out.edits.append(Edit(src.start(extra[0]), src.start(extra[0]), "("))
    out.edits.append(Edit(src.end(extra[-1]), src.end(extra[-1]), ",)" if len(extra) == 1 else ")"))


def _pad_pairs(node: ast.AST, text: str, forwarded: bool = False) -> str:
    """PyTorch pads (h, w) on both sides; classic MindSpore wants (top, bottom, left, right)."""
    value = literal(node)
    if isinstance(value, int):
        return text
    if isinstance(value, (tuple, list)) and all(isinstance(v, int) for v in value):
        return "(" + ", ".join(str(v) for v in value for _ in (0, 1)) + ")"
    v = text if isinstance(node, _ATOMIC) else f"({text})"
    return f"({v} if isinstance({v}, int) else tuple(p for p in {v} for _ in (0, 1)))"


def _sizes(node: ast.AST, text: str, forwarded: bool = False) -> str:
    """kernel_size/stride/dilation: PyTorch takes an int or any sequence (a one-item list is
    broadcast), MindSpore an int or a tuple. A list literal becomes a tuple; a variable is
    normalised at run time only where a layer subclass forwards its callers' values to the base."""
    value = literal(node)
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        return str(value[0]) if len(value) == 1 else str(tuple(value))
    if isinstance(node, ast.List) and node.elts and text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip().rstrip(",")  # `[k]` of expressions: an int, or a tuple of several
        return inner if len(node.elts) == 1 else f"({inner})"
    if not forwarded or value is not _NOT_LITERAL or not isinstance(node, (ast.Name, ast.Attribute)):
        return text
    return f"{text} if isinstance({text}, int) else tuple({text}) if len({text}) > 1 else {text}[0]"


def _float(node: ast.AST, text: str, forwarded: bool = False) -> str:
    """An int literal where a MindSpore primitive checks for a Python float (`tau=1` → `tau=1.0`); a name
    (`p=self.p`) converted when the program runs if it holds an int (a tensor or float stays as it is)."""
    value = literal(node)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value}.0"
    if value is _NOT_LITERAL and isinstance(node, (ast.Name, ast.Attribute)):
        return f"(float({text}) if type({text}) is int else {text})"
    return text


def _factors(node: ast.AST, text: str, forwarded: bool = False) -> str:
    """A scale factor as MindSpore's interpolate checks it: a Python float, or a tuple of floats
    (`scale_factor=2` → `2.0`, `(2, 1)` → `(2.0, 1.0)`; a variable is converted when the program runs,
    None staying None)."""
    value = literal(node)
    number = (int, float)
    if isinstance(value, number) and not isinstance(value, bool):
        return repr(float(value))
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, number) and not isinstance(v, bool)
                                                           for v in value):
        return repr(tuple(float(v) for v in value))
    v = text if isinstance(node, _ATOMIC) else f"({text})"
    return f"(tuple(map(float, {v})) if isinstance({v}, (list, tuple)) else None if {v} is None else float({v}))"


def _promote_float(node: ast.AST, text: str, forwarded: bool = False) -> str:
    """An input PyTorch promotes to float (`torch.log` of an int tensor) where the MindSpore CPU kernel
    takes floats only: `x * 1.0` is float32 for int and bool tensors and leaves float dtypes as they are."""
    value = literal(node)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _float(node, text)
    return f"{text} * 1.0" if isinstance(node, _ATOMIC) else f"({text}) * 1.0"


def _as_list(node: ast.AST, text: str, forwarded: bool = False) -> str:
    """A container's modules: PyTorch takes any iterable (`nn.ModuleList(fns)` with `*fns` a tuple, a
    generator), MindSpore's CellList a list. A list display or comprehension stays as written."""
    if isinstance(node, (ast.List, ast.ListComp)) or (isinstance(node, ast.Constant) and node.value is None):
        return text
    if isinstance(node, ast.GeneratorExp) and text.startswith("("):
        return f"(list{text})"  # the generator's parentheses (a sole argument's are the call's)
    return f"list({text})"


def _as_tuple(node: ast.AST, text: str, forwarded: bool = False) -> str:
    """A shape where MindSpore takes an int or a tuple but no list (`Tensor.tile`): a list display
    becomes a tuple; a name or expression is converted when the program runs."""
    if isinstance(node, ast.List):
        inner = text.strip()[1:-1].strip().rstrip(",")
        return f"({inner},)" if len(node.elts) == 1 else f"({inner})"
    if isinstance(node, (ast.Tuple, ast.Constant, ast.Starred)) or (
            isinstance(node, ast.Attribute) and node.attr == "shape") or isinstance(literal(node), int):
        return text
    if isinstance(node, ast.ListComp):  # always a list: `[a // b for a, b in zip(...)]` evaluated once
        return f"tuple({text})"
    v = text if isinstance(node, _ATOMIC) else f"({text})"
    return f"(tuple({v}) if isinstance({v}, list) else {v})"


def _shape_tuple(node: ast.AST, text: str, forwarded: bool = False) -> str:
    """A normalized shape (an int or a sequence) as the tuple mindspore.nn.LayerNorm takes. A literal of
    several dims is refused: MindSpore's layer normalizes over the last dim unless given begin axes."""
    if isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) > 1:
        raise CannotRewrite("normalizing over several trailing dims needs begin_norm_axis/begin_params_axis")
    shown = text if isinstance(node, _ATOMIC) else f"({text})"
    return f"tuple({shown}) if isinstance({shown}, (list, tuple)) else ({shown},)"


#: named transforms that only rewrite literals: a value the running program holds passes unchanged
LITERAL_ONLY = frozenset({"flag"})


def transform_for_values(spec: ArgSpec) -> str | None:
    """The transform a value known only when the program runs needs (None for a literal-only one)."""
    return None if spec.transform in LITERAL_ONLY else spec.transform


def _flag(node: ast.AST, text: str, forwarded: bool = False) -> str:
    """A switch MindSpore checks to be a bool (`has_bias`) where PyTorch takes any truthy value:
    `nn.Linear(a, b, 1)` → `True`. A variable is left as written (it nearly always holds a bool)."""
    value = literal(node)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(bool(value))
    return text


def _bool_mask(node: ast.AST, text: str, forwarded: bool = False) -> str:
    """A condition MindSpore's kernels take as bools only (ops.where's Select) where PyTorch also takes uint8
    masks (pytorch-crf's `mask`): `.bool()` unless the expression is a bool tensor by its form (a comparison)."""
    if known_bool(node) or isinstance(node, ast.Constant):
        return text
    return f"{text}.bool()" if isinstance(node, _ATOMIC) else f"({text}).bool()"


#: transforms too structural for a `{}` template, named in the database's `transform`
NAMED_TRANSFORMS = {"pad_pairs": _pad_pairs, "sizes": _sizes, "float": _float, "factors": _factors,
                    "promote_float": _promote_float, "list": _as_list, "tuple": _as_tuple,
                    "shape_tuple": _shape_tuple, "flag": _flag, "bool_mask": _bool_mask}


def runtime_transform(spec: ArgSpec | None, text: str) -> str:
    """A value only the running program knows (`_name` bound from *args, `a['name']` in an adapter),
    in the form the target takes where the entry transforms it: scale factors as floats, kernel
    sizes as an int or a tuple."""
    if spec is not None and spec.transform in ("sizes", "factors"):
        return NAMED_TRANSFORMS[spec.transform](ast.Name(id="_"), text, True)
    return text


def _arg_extent(src: SourceText, value: ast.AST, kw: ast.keyword | None, call_paren: int) -> tuple[int, int]:
    """Where an argument starts and ends in the text, including parentheses around its value
    (ast spans leave out `(` `)` around `alpha=(1 - r)`)."""
    text = src.text
    s, e = src.span(value)
    while True:
        b = s - 1
        while b >= 0 and text[b] in " \t\r\n\\":
            b -= 1
        f = e
        while f < len(text) and text[f] in " \t\r\n\\":
            f += 1
        if b >= 0 and text[b] == "(" and b != call_paren and f < len(text) and text[f] == ")":
            s, e = b, f + 1
        else:
            break
    return (src.start(kw) if kw is not None else s), e


def _removals(extents: list[tuple[int, int]], removed: list[int], text: str) -> list[Edit]:
    """Delete the removed arguments with their separating commas, one edit per run."""
    edits = []
    runs: list[list[int]] = []
    for i in removed:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        a, b = run[0], run[-1]
        if b + 1 < len(extents):
            edits.append(Edit(extents[a][0], extents[b + 1][0], ""))
        elif a > 0:
            edits.append(Edit(extents[a - 1][1], extents[b][1], ""))
        else:  # every argument goes: take a trailing comma with them
            end = extents[b][1]
            probe = end
            while probe < len(text) and text[probe] in " \t\r\n":
                probe += 1
            if probe < len(text) and text[probe] == ",":
                end = probe + 1
            edits.append(Edit(extents[a][0], end, ""))
    return edits


def _open_paren(src: SourceText, call: ast.Call) -> int:
    pos = src.end(call.func)
    text = src.text
    while pos < len(text) and text[pos] not in "(,":  # `,`: functools.partial(func, ...)
        pos += 1
    return pos
