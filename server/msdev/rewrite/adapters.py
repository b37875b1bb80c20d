"""Layer classes passed around uncalled (`act_layer=nn.ReLU`, `norm_layer=nn.BatchNorm2d`).

The code that finally builds the layer (`act_layer(inplace=True)`, `norm_layer(c, momentum=0.01)`)
speaks PyTorch's arguments, far from the reference, so no call rewrite reaches it. Such a reference
becomes a small subclass of the MindSpore layer, defined once at the top of the file, whose
`__init__` applies the database's argument map at run time (drops, renames, simple transforms,
literal maps, defaults), so every call site keeps working and `isinstance` on its instances holds.
"""

from __future__ import annotations

import ast
import re

from ..db.model import Entry, Target
from .calls import NAMED_TRANSFORMS, runtime_transform, transform_for_values
from .layer_aliases import alias_lines
from .reduction import LEGACY_ARGS
from .source import Edit, SourceText

#: keyword arguments PyTorch layers take that MindSpore layers never do (dtype=None breaks them)
_PLACEMENT = ("device",)

#: run-time forms of the database's named transforms (rewrite/calls.py applies them to source text)
RUNTIME_TRANSFORMS = {
    "pad_pairs": "{} if isinstance({}, int) else tuple(p for p in {} for _ in (0, 1))",
    "sizes": "{} if isinstance({}, int) else tuple({}) if len({}) > 1 else {}[0]",
    "float": "float({}) if type({}) is int else {}",
    "shape_tuple": "tuple({}) if isinstance({}, (list, tuple)) else ({},)",
    "tuple": "tuple({}) if isinstance({}, list) else {}",
}


def signature_line(name: str, entry: Entry, render) -> str:
    """`X.__signature__ = ...`: PyTorch's parameter names on an adapter taking `*args, **kwargs`, for code that
    inspects a layer class before building it (monai's `has_option(norm_type, "num_features")`)."""
    params = tuple(p for p in entry.params or () if not p.startswith("*") and p != "self")
    parameter = render("inspect.Parameter")
    return (f"{name}.__signature__ = {render('inspect.Signature')}([{parameter}(n, {parameter}.POSITIONAL_OR_KEYWORD,"
            f" default=None) for n in {params!r}])")


def adapter_source(name: str, base: str, entry: Entry, target: Target, adapts: str | None = None,
                   render=None) -> str | None:
    """Source of the adapter class, or None when the argument map needs more than run-time rules.
    `adapts`: the class `type(m)` tests name, when `base` is another expression (`float64_layer(nn.SiLU)`);
    `render` spells a name in the file (for the signature line)."""
    body = _mapping_lines(entry, target)
    if body is None:
        return None
    body.append("super().__init__(**kwargs)")
    # `self.norm1.weight` where norm1 was built from this class passed as a default (timm swin)
    aliases = alias_lines(target.attributes or {}, "    ")
    lines = [f"class {name}({base}):",
             f'    """msdev: {adapts or base} taking {entry.api}\'s arguments (the class is passed around, called elsewhere)."""',
             "",
             *aliases,
             *([""] if aliases else []),
             "    def __init__(self, *args, **kwargs):"]
    lines += [f"        {b}" for b in body if b]
    fallback = _fallback_definition(entry, target) if render is not None else None
    if fallback is not None:  # the values MindSpore's layer refuses build msdev's full definition instead
        allowed, definition = fallback
        params = tuple(p for p in entry.params or () if not p.startswith("*"))
        lines += ["", "    def __new__(cls, *args, **kwargs):",
                  f"        given = dict(zip({params!r}, args), **kwargs)",
                  f"        if any(k in given and given[k] not in v for k, v in {allowed!r}.items()):",
                  f"            return {render(definition)}(*args, **kwargs)",
                  "        return super().__new__(cls)"]
    # code that dispatches on the class name (`norm_layer.__name__.lower()`) sees PyTorch's
    leaf = entry.api.rsplit(".", 1)[-1]
    lines += ["", "", f"{name}.__name__ = {name}.__qualname__ = {leaf!r}",
              f"{name}.{ADAPTS} = {adapts or base}  # msdev: `type(m) is {adapts or base}` tests see through the adapter"]
    if render is not None:
        lines.append(signature_line(name, entry, render))
    return "\n".join(lines) + "\n"


def _fallback_definition(entry: Entry, target: Target) -> tuple[dict, str] | None:
    """({argument: values MindSpore's layer takes}, msdev.NAME) when a fallback template builds a file
    definition whose constructor takes exactly PyTorch's parameters (msdev's ConvTranspose2d for a non-zero
    output_padding): an adapter passed uncalled builds that definition for the other values."""
    from .file_definitions import DEFINITIONS

    allowed = {}
    for spec in target.args.values():
        if spec.allowed is not None and not spec.drop:
            try:
                allowed[spec.name] = [ast.literal_eval(v) for v in spec.allowed]
            except (ValueError, SyntaxError):
                return None
    for template in target.fallback_templates if allowed else ():
        m = re.match(r"\{@msdev\.(\w+)\}\(", template)
        source = DEFINITIONS.get(m.group(1)) if m else None
        if source is None or not source.startswith("class "):
            continue
        tree = ast.parse(source.replace("__NAME__", "X").replace("{@", "").replace("}", ""))
        init = next((f for f in tree.body[0].body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
        if init is not None and [a.arg for a in init.args.args[1:]] == list(entry.params or ()):
            return allowed, f"msdev.{m.group(1)}"
    return None


def function_adapter_source(name: str, callee: str, entry: Entry, target: Target) -> str | None:
    """Source of a function taking PyTorch's arguments for a call whose arguments only the running
    program knows (`torch.tile(*args)` where `dims` must become a tuple): the database's argument map
    applied to them, then the MindSpore function called with MindSpore's leading parameters by position
    (some MindSpore functions take no keywords for them) and the rest by keyword. None when the map needs
    more than run-time rules or MindSpore's parameter names are unknown."""
    if target.params is None or any(p.startswith("*") for p in target.params if p != "*"):
        return None
    body = _mapping_lines(entry, target, function=True)
    if body is None:
        return None
    leading = tuple(target.params[:target.params.index("*")] if "*" in target.params else target.params)
    body += [f"args = []",
             f"for key in {leading!r}:",
             "    if key not in kwargs:",
             "        break",
             "    args.append(kwargs.pop(key))",
             f"return {callee}(*args, **kwargs)"]
    lines = [f"def {name}(*args, **kwargs):",
             f'    """msdev: {callee} taking {entry.api}\'s arguments (given through *args or **kwargs)."""']
    lines += [f"    {b}" for b in body if b]
    return "\n".join(lines) + "\n"


def _mapping_lines(entry: Entry, target: Target, function: bool = False) -> list[str] | None:
    """Lines that turn `args`/`kwargs` holding PyTorch's arguments into MindSpore's keywords in `kwargs`
    (drops, renames, transforms, literal maps, defaults), or None when a rule has no run-time form.
    `function`: a function's arguments, whose named transforms take their run-time forms too."""
    params = []
    for p in entry.params or ():
        if p.startswith("*"):
            break
        params.append(p)
    body = [f"kwargs.update(zip({tuple(params)!r}, args))" if params else "",
            *(f"kwargs.pop({p!r}, None)" for p in _PLACEMENT),
            "if kwargs.get('dtype', 0) is None:",
            "    del kwargs['dtype']"]
    if "reduction" in params and any(p in params for p in LEGACY_ARGS):
        # size_average/reduce given (not None): PyTorch derives `reduction` from them (rewrite/reduction.py)
        body += ["if kwargs.get('size_average') is not None or kwargs.get('reduce') is not None:",
                 "    kept = kwargs.get('reduce') is None or bool(kwargs['reduce'])",
                 "    averaged = kwargs.get('size_average') is None or bool(kwargs['size_average'])",
                 "    kwargs['reduction'] = ('mean' if averaged else 'sum') if kept else 'none'",
                 *(f"kwargs.pop({p!r}, None)" for p in LEGACY_ARGS)]
    starred = {p.lstrip("*") for p in target.params or () if p.startswith("*")}
    for spec in target.args.values():
        if not spec.differs() and spec.transform != "sizes":  # a run-time size may be a list (MindSpore: a tuple)
            continue
        if spec.target_name in starred or spec.target_name == "args":
            return None  # MindSpore takes it as *args (CellList): not a keyword
        other = re.fullmatch(r"\{(\w+)\}", spec.default or "")
        if other:  # PyTorch's default is another argument's value (a pool's stride: its kernel_size), None too
            other_spec = target.args.get(other[1])
            names = tuple(dict.fromkeys((other[1], other_spec.target_name if other_spec is not None else other[1])))
            body.append(f"if kwargs.get({spec.name!r}) is None:")
            body.append(f"    kwargs[{spec.name!r}] = next(kwargs[k] for k in {names!r} if k in kwargs)")
        if spec.unsupported:
            body.append(f"if {spec.name!r} in kwargs:")
            body.append(f"    raise TypeError({(spec.name + ': ' + spec.unsupported)!r})")
            continue
        transform = transform_for_values(spec)
        if transform in RUNTIME_TRANSFORMS:
            transform = RUNTIME_TRANSFORMS[transform]
        elif function and transform in NAMED_TRANSFORMS:
            transform = f"None if {{}} is None else {NAMED_TRANSFORMS[transform](ast.Name(id='value'), '{}', True)}"
        elif transform and ("{}" not in transform or "{" in transform.replace("{}", "")):
            return None  # a transform with no run-time form
        mapped = transform.replace("{}", "value") if transform else "value"
        keeps = not spec.drop  # a dropped argument's value goes (after the allowed check)
        try:
            allowed = [ast.literal_eval(a) for a in spec.allowed] if spec.allowed is not None else None
        except (ValueError, SyntaxError):
            if spec.drop or spec.literal_map:
                return None
            allowed = None  # names (`torch.float32`) a call site can check, a run-time value cannot
        if not (spec.literal_map or allowed is not None or transform or spec.target_name != spec.name):
            if spec.drop and spec.name not in _PLACEMENT:
                body.append(f"kwargs.pop({spec.name!r}, None)")
        else:
            body.append(f"if {spec.name!r} in kwargs:")
            body.append(f"    value = kwargs.pop({spec.name!r})")
            if allowed is not None:
                body.append(f"    if value not in {allowed!r}:")
                body.append(f"        raise ValueError({(spec.name + ' is not supported with this value in MindSpore')!r})")
            branch = "if"
            for literal, replacement in (spec.literal_map or {}).items():
                pairs = ", ".join(f"{k!r}: {v}" for k, v in replacement.items())
                body.append(f"    {branch} isinstance(value, type({literal})) and value == {literal}:")
                body.append(f"        kwargs.update({{{pairs}}})" if pairs else "        pass")
                branch = "elif"
            if keeps:
                indent = "        " if branch == "elif" else "    "
                if branch == "elif":
                    body.append("    else:")
                body.append(f"{indent}kwargs[{spec.target_name!r}] = {mapped}")
        if spec.default is not None and "{" not in spec.default:
            body.append(f"kwargs.setdefault({spec.target_name!r}, {spec.default})")
    for key, value in target.insert.items():
        body.append(f"kwargs.setdefault({key!r}, {value})")
    return body


#: the class attribute (in the adapter's own namespace, not inherited by `vars`) naming the layer it adapts
ADAPTS = "msdev_adapts"
#: the same, set by the file definitions' layer subclasses (float64_conv, unbatched_conv, sequence_rnn, ...)
LAYER_OF = "adapts_layer"
_EQUALITY = (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)


def exact_type_edits(src: SourceText, classes: list[ast.AST], parents: dict[int, ast.AST]) -> list[Edit]:
    """`type(m) is nn.ReLU6` where `nn.ReLU6` is a converted layer class: an instance built through
    an adapter (`activation_layer=nn.ReLU6` elsewhere, torchvision's `_replace_relu`) has the adapter
    as its type, so `type(m)` is read through the adapter's `msdev_adapts` first. `classes` are the
    converted class references."""
    edits = []
    for ref in classes:
        cmp = parents.get(id(ref))
        if not (isinstance(cmp, ast.Compare) and len(cmp.ops) == 1 and isinstance(cmp.ops[0], _EQUALITY)):
            continue
        other = cmp.left if cmp.comparators[0] is ref else cmp.comparators[0] if cmp.left is ref else None
        if not (isinstance(other, ast.Call) and isinstance(other.func, ast.Name) and other.func.id == "type"
                and len(other.args) == 1 and not other.keywords):
            continue
        start, end = src.span(other)
        # an adapter names the layer it adapts; msdev's layer subclasses (float64_conv(nn.Conv2d)) do as well
        edits.append(Edit(start, start, f"(lambda t: vars(t).get({ADAPTS!r}, vars(t).get({LAYER_OF!r}, t)))("))
        edits.append(Edit(end, end, ")"))
    return edits


def is_type_test(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """Whether a reference is a class tested against (`isinstance(m, nn.BatchNorm2d)`, `cls is nn.ReLU`)."""
    parent = parents.get(id(node))
    if isinstance(parent, ast.Tuple):
        node, parent = parent, parents.get(id(parent))
    if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) \
            and parent.func.id in ("isinstance", "issubclass") and node in parent.args[1:]:
        return True
    return isinstance(parent, ast.Compare)


#: `{name}` / `{name=default source}` in a template (special forms such as `{name.int}` have a dot)
_SLOT = re.compile(r"\{([A-Za-z_]\w*)(?:=([^{}]*))?\}")
_HEAD = re.compile(r"\{@((?:mindspore\.nn|msdev)\.[A-Z]\w*)\}\(")


def definition_class(entry: Entry, target: Target) -> str | None:
    """`msdev.NAME` when the target's one template is a file definition given PyTorch's arguments in
    PyTorch's order (`{@msdev.Upsample}({size=None}, {scale_factor=None}, ...)`): that class takes every
    call form itself, so a reference passed uncalled (`layer=nn.Upsample`) can name it directly."""
    if len(target.templates) != 1:
        return None
    m = re.fullmatch(r"\{@(msdev\.\w+)\}\((.*)\)", target.templates[0], re.S)
    params = [p for p in entry.params or () if not p.startswith("*")]
    if m is None or len(params) != len(entry.params or ()):
        return None
    if not params and not m.group(2).strip():
        return m.group(1)  # a class built without arguments (constraints.Constraint)
    slots = [_SLOT.fullmatch(part.strip()) for part in m.group(2).split(",")]
    if len(slots) != len(params) or any(s is None or s.group(1) != p for s, p in zip(slots, params)):
        return None
    return m.group(1)


def _slot_filler(params: list[str], target: Target, used: set[str], required: list[str], bound: str):
    """A `_SLOT.sub` callback reading a template's `{name}` / `{name=default}` from the dict `bound` of
    PyTorch's arguments at run time; it records the names used and the required ones (KeyError: not a
    parameter of the entry)."""
    def slot(m: re.Match) -> str:
        if m.group(1) not in params:
            raise KeyError(m.group(1))
        used.add(m.group(1))
        spec = target.args.get(m.group(1))
        if m.group(2) is None:
            if m.group(1) not in required:
                required.append(m.group(1))
            return runtime_transform(spec, f"{bound}[{m.group(1)!r}]")
        return runtime_transform(spec, f"{bound}.get({m.group(1)!r}, {m.group(2)})")
    return slot


def expression_adapter_source(name: str, entry: Entry, target: Target, render) -> str | None:
    """Source of a function building what a class's template builds when the template is an expression rather
    than one MindSpore layer's call (`nn.AlphaDropout` → a Cell made with `type(...)`), for the class passed
    uncalled (`Dropout.add_factory_class("alphadropout", nn.AlphaDropout)`, monai's factories): PyTorch's
    arguments bound by name, the first template whose required arguments were given. Templates with other
    placeholder forms (`{dim.int}` for a literal, `{self}`) are left out when a later template covers the
    same arguments at run time (torch.max's dim form); None when none is left or the entry takes *args."""
    entry_params = list(entry.params or ())
    params = [p for p in entry_params if p != "*"]
    if any(p.startswith("*") for p in params):
        return None
    positional = entry_params[:entry_params.index("*")] if "*" in entry_params else params
    used: set[str] = set()
    branches = []
    for template in target.templates:
        if any(not (p.startswith("{@") or _SLOT.fullmatch(p)) for p in re.findall(r"\{[^{}]*\}", template)):
            continue  # `{dim.int}`, `{self}`: a form only a call site can fill
        required: list[str] = []
        try:
            text = re.sub(r"\{@([\w.]+)\}", lambda m: render(m.group(1)), template)
            text = _SLOT.sub(_slot_filler(params, target, used, required, "torch_args_"), text)
            ast.parse(text, mode="eval")
        except (KeyError, SyntaxError):
            continue
        branches.append((required, text))
    if not branches:
        return None
    known = used | {spec.name for spec in target.args.values() if spec.drop}
    body = [f"torch_args_ = dict(zip({tuple(positional)!r}, args))", "torch_args_.update(kwargs)",
            f"unknown = sorted(set(torch_args_) - {{{', '.join(map(repr, sorted(known)))}}})",
            "if unknown:",
            f"    raise TypeError(f'msdev: {entry.api} with {{unknown}} has no MindSpore counterpart')"]
    for required, text in branches:
        if not required:
            body.append(f"return {text}")
            break
        test = " and ".join(f"torch_args_.get({r!r}) is not None" for r in required)
        body += [f"if {test}:", f"    return {text}"]
    else:
        body.append(f"raise TypeError('msdev: {entry.api} needs other arguments')")
    lines = [f"def {name}(*args, **kwargs):",
             f'    """msdev: {entry.api} built from PyTorch\'s arguments (passed uncalled, called elsewhere)."""']
    return "\n".join(lines + [f"    {b}" for b in body] + ["", "", signature_line(name, entry, render)]) + "\n"


def template_adapter_source(name: str, entry: Entry, target: Target, render) -> str | None:
    """Source of an adapter for a layer whose map is a template building one MindSpore layer
    (`nn.InstanceNorm2d` → `{@mindspore.nn.GroupNorm}({num_features}, {num_features}, ...)`) and that is
    passed uncalled (`norm_layer=nn.InstanceNorm2d`, later `norm_layer(c)`): a subclass of that layer
    whose `__init__` binds PyTorch's arguments and calls the base with the template's arguments (the
    first template whose required arguments were given). None for any other template form.
    `render` spells a MindSpore name in the file."""
    params = []
    for p in entry.params or ():
        if p.startswith("**"):
            return None
        if not p.startswith("*"):
            params.append(p)
    base = None
    branches = []
    used: set[str] = set()
    for template in target.templates:
        head = _HEAD.match(template)
        if head is None or (base is not None and head.group(1) != base):
            return None
        base = head.group(1)
        inner = template[head.end():]
        if not inner.endswith(")") or "{@" in inner:
            return None
        inner = inner[:-1]
        required = []
        try:
            args = _SLOT.sub(_slot_filler(params, target, used, required, "a"), inner)
        except KeyError:
            return None
        if "{" in args.replace("{}", ""):
            return None  # a special placeholder form (`{name.int}`) this adapter does not evaluate
        try:
            ast.parse(f"f({args})", mode="eval")
        except SyntaxError:
            return None  # the template's call does not close at its end
        branches.append((required, args))
    if base is None:
        return None
    known = used | {spec.name for spec in target.args.values() if spec.drop}
    body = [f"a = dict(zip({tuple(params)!r}, args))", "a.update(kwargs)",
            f"unknown = sorted(set(a) - {{{', '.join(map(repr, sorted(known)))}}})",
            "if unknown:",
            f"    raise TypeError(f'msdev: {entry.api} with {{unknown}} has no MindSpore counterpart')"]
    for spec in target.args.values():
        if spec.allowed is None:
            continue
        try:
            allowed = [ast.literal_eval(v) for v in spec.allowed]
        except (ValueError, SyntaxError):
            return None
        body += [f"if {spec.name!r} in a and a[{spec.name!r}] not in {allowed!r}:",
                 f"    raise ValueError({(spec.name + ' is not supported with this value in MindSpore')!r})"]
    for i, (required, args) in enumerate(branches):
        test = " and ".join(f"a.get({r!r}) is not None" for r in required) or "True"
        body += [f"{'if' if i == 0 else 'elif'} {test}:", f"    super().__init__({args})"]
    body += ["else:", f"    raise TypeError('msdev: {entry.api} needs ' + {' or '.join('/'.join(r) for r, _ in branches)!r})"]
    rendered = render(base)
    aliases = alias_lines(target.attributes or {}, "    ")
    lines = [f"class {name}({rendered}):",
             f'    """msdev: {rendered} built the way {entry.api} is (the class is passed around, called '
             f'elsewhere)."""',
             "",
             *aliases,
             *([""] if aliases else []),
             "    def __init__(self, *args, **kwargs):"]
    lines += [f"        {b}" for b in body]
    leaf = entry.api.rsplit(".", 1)[-1]
    lines += ["", "", f"{name}.__name__ = {name}.__qualname__ = {leaf!r}",
              f"{name}.{ADAPTS} = {rendered}  # msdev: `type(m) is {rendered}` tests see through the adapter",
              signature_line(name, entry, render)]
    return "\n".join(lines) + "\n"
