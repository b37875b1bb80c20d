"""Dtypes a MindSpore CPU kernel lacks: the call computed in another dtype, its result cast back.

PyTorch runs `torch.sign` on a bool tensor, `torch.floor` on an int64 one, `conv2d` in float64;
several MindSpore 2.10 CPU kernels have no such kernel. A target's `casts` (mapping_db/README.md)
names the kinds of input the kernel lacks and the dtype to compute them in:

    casts: {bool: int32, result: input}

and the converted use keeps the plain call for every other dtype and takes the cast branch only
for those, so float32 code reads as before plus one test of the input's dtype:

    (ops.sign(x) if x.dtype != mindspore.bool_ else ops.sign(x.astype(mindspore.int32)).astype(x.dtype))

`result` says what dtype PyTorch gives back: `input` (the first cast argument's own dtype, the
default), `keep` (what the kernel computes, e.g. int64 for a bool cumsum computed in int64), a dtype
name, or a list of those for the elements of a tuple result (`sort`: values, indices).
Several cast arguments (`torch.minimum(a, b)`) take the cast branch only when all are tensors of
the same dtype, the one case where PyTorch's result has that dtype too; a number literal among them
leaves the call as it is.

The input is evaluated once: a name is repeated as written, anything else is bound by a lambda.
The conversion marks each cast argument in the text it is rewritten to (`rendered` copies and
in-place values alike), so this works the same for argument maps, templates and Tensor methods.
"""

from __future__ import annotations

import ast
import re
from typing import Callable

from ..db.model import Entry, Target
from .calls import CannotRewrite
from .source import Edit, text_with_edits

#: kinds of input a `casts` entry may name, each with the MindSpore dtypes it covers
KINDS = {
    "bool": ("bool_",),
    "int": ("int8", "int16", "int32", "int64", "uint8"),
    "float64": ("float64",),
    "float16": ("float16",),
    # MindSpore 2.10's float32 CPU kernels of exp, sigmoid, tanh, log, softmax, ... are accurate to about
    # 1e-5 (PyTorch's to 1e-7); computed in float64 and rounded back they come within an ulp of PyTorch's
    "float32": ("float32",),
    "complex": ("complex64", "complex128"),
}
#: a kind PyTorch gives back unchanged (`casts: {int: identity}` on floor): a copy of the input
IDENTITY = "identity"
#: a kind whose result PyTorch gives as real numbers where the MindSpore kernel keeps them complex
#: (`casts: {complex: real}` on abs: |z| of a complex64 tensor is float32): the real part of the result
REAL = "real"
DTYPES = ("bool_", "int8", "int16", "int32", "int64", "uint8", "float16", "float32", "float64")
RESULTS = ("input", "keep")
#: a 0-d tensor PyTorch gives back unchanged (`flip`, `mT`, `transpose`): `casts: {0-d: identity}`
ZERO_D = "0-d"
#: marker numbers of `truncate` arguments (Python numbers PyTorch makes int for an integer input:
#: `addmm(..., beta=0.5)` on int64 tensors scales by 0), after those of the cast tensors
TRUNCATED = 100
KEYS = ("args", "result", "truncate", ZERO_D, *KINDS)

_OPEN, _MID, _CLOSE, _END = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKED = re.compile(f"{_OPEN}(\\d+){_MID}(.*?){_CLOSE}\\1{_END}", re.S)
_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def problems(casts) -> list[str]:
    """What is wrong with a target's `casts` (for `msdev db check`)."""
    if not isinstance(casts, dict):
        return ["casts must be a mapping"]
    out = [f"casts: unknown field '{k}' (expected {', '.join(KEYS)})" for k in casts if k not in KEYS]
    for kind in KINDS:
        if kind == "complex":
            if kind in casts and casts[kind] != REAL:
                out.append(f"casts.complex: only {REAL} is known")
        elif kind in casts and casts[kind] not in DTYPES and casts[kind] != IDENTITY:
            out.append(f"casts.{kind}: '{casts[kind]}' is not identity or one of {', '.join(DTYPES)}")
    if casts.get("complex") == REAL and any(k in casts for k in KINDS if k != "complex"):
        out.append("casts.complex: real combines with no other kind of input")
    if ZERO_D in casts and casts[ZERO_D] != IDENTITY:
        out.append(f"casts.{ZERO_D}: only identity is known")
    if not any(kind in casts for kind in (*KINDS, ZERO_D)):
        out.append(f"casts names no kind of input ({', '.join(KINDS)})")
    results = casts.get("result", "input")
    for r in results if isinstance(results, list) else [results]:
        if r not in RESULTS and r not in DTYPES:
            out.append(f"casts.result: '{r}' is not input, keep or a dtype")
    truncate = casts.get("truncate")
    if truncate is not None and (not isinstance(truncate, list) or not all(isinstance(a, str) for a in truncate)):
        out.append("casts.truncate must be a list of PyTorch parameter names")
    args = casts.get("args")
    if args is not None and (not isinstance(args, list) or not args or not all(isinstance(a, str) for a in args)):
        out.append("casts.args must be a list of PyTorch parameter names")
    return out


def cast_nodes(entry: Entry, target: Target, call: ast.Call | None, receiver: ast.AST | None) -> list[ast.AST] | None:
    """The argument nodes `casts.args` names in this call, first one first (an optional one left out
    or None is skipped); None when the cast does not apply (the first left out, or a number literal
    where a tensor may go)."""
    params = [p for p in entry.params or [] if p != "*"]
    names = target.casts.get("args") or (["self"] if receiver is not None else params[:1])
    if receiver is not None and params and params[0] in ("self", "input"):
        params = params[1:]
    positional = next((params[:i] for i, p in enumerate(params) if p.startswith("*")), params)
    if call is None:  # a Tensor attribute (`x.mT`): its tensor only
        return [receiver] if receiver is not None and names in (["self"], ["input"]) else None
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) and receiver.func.attr.endswith("_"):
        return None  # `v.mul_(b).addcmul_(g, g)`: the receiver's own in-place rewrite takes its place; the plain call
    nodes = []
    for name in names:
        node = receiver if name in ("self", "input") and receiver is not None else None
        if node is None:
            node = next((k.value for k in call.keywords if k.arg == name), None)
        if node is None and name in positional and positional.index(name) < len(call.args):
            node = call.args[positional.index(name)]
        if node is None and not nodes and not positional and call.args:
            node = call.args[0]  # PyTorch's parameter names unknown: the first argument is the input
        if nodes and (node is None or (isinstance(node, ast.Constant) and node.value is None)):
            continue  # an optional tensor left out (conv2d's bias)
        if node is None or isinstance(node, ast.Starred):
            return None
        if isinstance(node, ast.Constant) or (isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant)):
            if nodes and _float_only(target.casts):
                continue  # a float64 tensor with a Python number stays float64 in PyTorch
            return None  # a number: PyTorch promotes with it differently, the plain call stays
        nodes.append(node)
    return nodes


def _float_only(casts: dict) -> bool:
    """Only float kinds are cast: each argument is cast on its own, its dtype kind stays."""
    return all(k.startswith("float") for k in KINDS if k in casts)


def truncated_nodes(entry: Entry, target: Target, call: ast.Call | None, receiver: ast.AST | None) -> list[ast.AST]:
    """The arguments named in `casts.truncate` that this call passes (number expressions)."""
    if call is None:
        return []
    params = [p for p in entry.params or [] if p != "*"]
    if receiver is not None and params and params[0] in ("self", "input"):
        params = params[1:]
    positional = next((params[:i] for i, p in enumerate(params) if p.startswith("*")), params)
    out = []
    for name in target.casts.get("truncate") or []:
        node = next((k.value for k in call.keywords if k.arg == name), None)
        if node is None and name in positional and positional.index(name) < len(call.args):
            node = call.args[positional.index(name)]
        if node is not None and not isinstance(node, ast.Starred):
            out.append(node)
    return out


def with_casts(rewriter, target: Target, span: tuple[int, int], nodes: list[ast.AST], rewrite: Callable,
               truncated: list[ast.AST] = ()):
    """Run `rewrite()` (the plain rewrite of the use) with the cast arguments marked, then replace
    the use by the two-branch form. Returns the FindingRewrite."""
    src, done = rewriter.src, rewriter.done
    markers = []
    for i, node in [*enumerate(nodes), *((TRUNCATED + j, n) for j, n in enumerate(truncated))]:
        s, e = src.span(node)
        markers.append((Edit(s, s, f"{_OPEN}{i}{_MID}"), Edit(e, e, f"{_CLOSE}{i}{_END}")))
    for opening, closing in markers:  # `rendered` copies of the arguments carry them
        done.append(opening)
        done.append(closing)
    try:
        result = rewrite()
    finally:
        ids = {id(m) for pair in markers for m in pair}
        done.discard_within(span[0], span[1], lambda e: id(e) in ids)
    s, e = span
    # an insertion right before or after the call belongs to the statement (`x[...] = ` storing an
    # in-place result, `out=`): it stays outside the two branches
    inside = [x for x in result.edits if s <= x.start and x.end <= e and not (x.start == x.end in (s, e))]
    outside = [x if _OPEN not in x.text else Edit(x.start, x.end, _MARKED.sub(lambda m: m.group(2), x.text))
               for x in result.edits if x not in inside]
    covering = [x for x in inside if x.start < x.end]

    def covered(edit: Edit) -> bool:
        return any(c.start <= edit.start and edit.end <= c.end and c is not edit for c in covering)

    def copied(marker: Edit) -> bool:  # a replacement built from `rendered` text holds the marker already
        return any(marker.text in c.text for c in covering)

    # text another rewrite inserted right after the call (`,)` closing the tuple an autograd backward
    # returns) follows the whole expression, not the plain branch
    after = [x for x in done.within(s, e) if x.start == x.end == e]
    inner = [x for x in done.within(s, e) if not covered(x) and x not in after]
    openings = [m for m, _ in markers if not copied(m)]
    closings = [m for _, m in markers if not copied(m)]
    # an argument's own markers sit innermost: closings first, openings last among edits at a point
    text = text_with_edits(src.text, s, e, closings + inner + inside + openings)
    found: dict[int, str] = {}
    for m in _MARKED.finditer(text):
        found.setdefault(int(m.group(1)), m.group(2))
    if any(i not in found for i in range(len(nodes))) or _OPEN in _MARKED.sub("", text):
        raise CannotRewrite("msdev could not place the dtype casts this call needs on MindSpore's CPU kernels")
    values = [found[i] for i in range(len(nodes))]
    # an in-place template (`{self}.assign_value(<result>)`): the tensor written to stays as it is,
    # the result it is given is computed in the two branches
    head = f"{_OPEN}0{_MID}{values[0]}{_CLOSE}0{_END}.assign_value("
    if text.startswith(head) and text.endswith(")") and _NAME.fullmatch(values[0].strip()):
        inner = _two_branches(rewriter.namer.render, target.casts, text[len(head):-1], values)
        rendered = f"{values[0]}.assign_value({inner})"
    else:
        rendered = _two_branches(rewriter.namer.render, target.casts, text, values)
    rewriter._read.update(id(x) for x in done.within(s, e) if x not in after)
    result.edits = outside + [Edit(s, e, rendered)]
    return result


def _two_branches(render: Callable[[str], str], casts: dict, text: str, values: list[str]) -> str:
    """`(plain if <no cast kind> else cast-in call cast back)`, the inputs bound once."""
    bound = all(_NAME.fullmatch(v.strip()) for v in values)
    if bound:
        names = [v.strip() for v in values]
    else:
        names, used = [], set(re.findall(r"[A-Za-z_]\w*", text))
        for i in range(len(values)):
            name = f"t{i}_" if len(values) > 1 else "t_"
            while name in used:
                name += "_"
            names.append(name)
            used.add(name)
    tensor = render("mindspore.Tensor")
    # kinds computed in the same dtype are tested together: {target dtype: source dtypes}
    groups: dict[str, list[str]] = {}
    for kind, dtypes in KINDS.items():
        if kind in casts:
            groups.setdefault(casts[kind], []).extend(dtypes)
    unchanged = groups.pop(IDENTITY, [])  # kinds PyTorch gives back unchanged (floor of an int tensor)
    reals = groups.pop(REAL, [])  # kinds whose result PyTorch gives as real numbers (abs of a complex tensor)

    def of(dtype: str) -> str:
        return render(f"mindspore.{dtype}")

    def is_in(name: str, dtypes: list[str], negate: bool = False) -> str:
        if len(dtypes) == 1:
            return f"{name}.dtype {'!=' if negate else '=='} {of(dtypes[0])}"
        return f"{name}.dtype {'not in' if negate else 'in'} ({', '.join(of(d) for d in dtypes)})"

    every = [d for dtypes in groups.values() for d in dtypes]
    first = names[0]
    kept = [is_in(first, unchanged)] if unchanged else []
    if casts.get(ZERO_D) == IDENTITY:
        kept.insert(0, f"{first}.ndim == 0")
    if not groups:
        plain = _MARKED.sub(lambda m: names[int(m.group(1))] if int(m.group(1)) < TRUNCATED else m.group(2), text)
        if reals:
            body = f"{plain} if {is_in(first, reals, negate=True)} else {render('mindspore.ops.real')}({plain})"
            if kept:
                body = f"{first}.copy() if {' or '.join(kept)} else ({body})"
        else:
            body = f"{first}.copy() if {' or '.join(kept)} else {plain}"
        return f"({body})" if bound else f"(lambda {', '.join(names)}: {body})({', '.join(values)})"
    if reals:
        raise CannotRewrite("casts: complex: real combines with no other cast kind")
    alone = _float_only(casts)  # float64 → float32: each argument on its own; else all of one dtype
    if alone:
        # any float64 argument makes PyTorch's result float64 (the others are promoted to it)
        tests = [is_in(first, every)] + [f"isinstance({n}, {tensor}) and {is_in(n, every)}" for n in names[1:]]
        test = " or ".join(f"({t})" if len(tests) > 1 and " and " in t else t for t in tests)
        negated = f"not ({test})" if len(tests) > 1 else is_in(first, every, negate=True)
    else:
        same = [f"isinstance({n}, {tensor}) and {n}.dtype == {first}.dtype" for n in dict.fromkeys(names[1:]) if n != first]
        test = " and ".join([is_in(first, every)] + same)
        negated = f"not ({test})" if same else is_in(first, every, negate=True)

    def cast_in(name: str, index: int) -> str:
        targets = list(groups)
        chain = f"{name}.astype({of(targets[-1])})"
        for target in reversed(targets[:-1]):
            chain = f"{name}.astype({of(target)}) if {is_in(name, groups[target])} else {chain}"
        if alone and (index or len(names) > 1):
            chain = f"{chain} if isinstance({name}, {tensor}) and {is_in(name, every)} else {name}"
        return chain if chain.endswith(")") and " if " not in chain else f"({chain})"

    def fill(each: Callable[[int], str], truncate: bool = False) -> str:
        def one(m: re.Match) -> str:
            i = int(m.group(1))
            if i < TRUNCATED:
                return each(i)
            return f"int({m.group(2)})" if truncate else m.group(2)
        return _MARKED.sub(one, text)

    plain = fill(lambda i: names[i])
    cast = fill(lambda i: cast_in(names[i], i), truncate=True)
    wanted = casts.get("result", "input")
    # with several float arguments the result is float64 whichever of them was
    own = of(every[0]) if alone and len(names) > 1 and len(every) == 1 else f"{first}.dtype"

    def back(kind: str, value: str) -> str:
        if kind == "keep":
            return value
        return f"{_atom(value)}.astype({own if kind == 'input' else of(kind)})"

    if isinstance(wanted, list):
        parts = ", ".join(back(k, f"r_[{i}]") for i, k in enumerate(wanted))
        cast = f"(lambda r_: ({parts}))({cast})"
    else:
        cast = back(wanted, cast)
    body = f"{plain} if {negated} else {cast}"
    if kept:
        body = f"{first}.copy() if {' or '.join(kept)} else ({body})"
    if bound:
        return f"({body})"
    return f"(lambda {', '.join(names)}: {body})({', '.join(values)})"


def _atom(text: str) -> str:
    """`text` as the object of `.astype(...)`: parenthesised unless it is already one term."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return f"({text})"
    return text if isinstance(node, (ast.Call, ast.Name, ast.Attribute, ast.Subscript)) else f"({text})"
