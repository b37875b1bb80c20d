"""Names in the generated code: variables from graph nodes, classes from module classes."""

from __future__ import annotations

import builtins
import keyword
import re

#: names the generated module binds at top level (imports and helpers)
RESERVED = {"mindspore", "nn", "ops", "Parameter", "Tensor", "torch", "F", "np", "numpy", "self",
            "create_model", "msdev_placeholder", "MsdevPlaceholderCell", "OrderedDict", "math"}


def identifier(text: str, fallback: str = "value") -> str:
    """A readable Python identifier from any text (`layer1.0` → `layer1_0`, `_bn0` → `bn0`)."""
    name = re.sub(r"\W+", "_", text).strip("_")
    if not name:
        name = fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name


class Scope:
    """Hands out unique names within one function or class body."""

    def __init__(self, taken: set[str] | None = None):
        self.taken = set(RESERVED) | set(dir(builtins)) | (taken or set())

    def fresh(self, base: str) -> str:
        base = identifier(base)
        name, i = base, 1
        while name in self.taken:
            i += 1
            name = f"{base}_{i}"
        self.taken.add(name)
        return name


def attribute_path(path: str) -> str:
    """`layer1.0.conv1` → `layer1[0].conv1` (container children are indexed, not attributes)."""
    out = ""
    for seg in path.split("."):
        if seg.isdigit():
            out += f"[{seg}]"
        elif seg.isidentifier() and not keyword.iskeyword(seg):
            out += f".{seg}" if out else seg
        else:
            out += f"[{seg!r}]"
    return out


def member_path(target: str) -> str:
    """How the generated Cell reaches one of its children (or what lies below): `self.conv`, and
    for a name that is no identifier (a Sequential subclass's `0`) `getattr(self, '0')`, since the
    child keeps PyTorch's name so that checkpoint keys stay the same."""
    head, _, rest = target.partition(".")
    own = f"self.{head}" if is_attribute_name(head) else f"getattr(self, {head!r})"
    below = attribute_path(rest) if rest else ""
    return own + (below if below.startswith("[") or not below else f".{below}")


def is_attribute_name(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name)


def node_base_name(node) -> str:
    """A variable name for a graph node: the module attribute or function it comes from."""
    if node.op == "call_module":
        return identifier(str(node.target).replace(".", "_"), "out")
    if node.op == "get_attr":
        return identifier(str(node.target).split(".")[-1], "attr")
    if node.op == "placeholder":
        return identifier(str(node.target), "x")
    if node.op == "call_function" and getattr(node.target, "__name__", "") == "getattr" and len(node.args) > 1:
        return identifier(str(node.args[1]), "attr")  # x.shape → shape
    if node.op == "call_function" and getattr(node.target, "__name__", "") == "getitem" and \
            isinstance(node.args[1], int) and hasattr(node.args[0], "name"):
        return f"{node_base_name(node.args[0])}_{node.args[1]}"  # shape[0] → shape_0
    name = identifier(re.sub(r"_\d+$", "", node.name), "t")
    return name
