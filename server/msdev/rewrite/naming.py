"""How a MindSpore API is spelled in the file being rewritten.

The `Namer` knows which local names are bound to MindSpore modules or objects (from the file's
own MindSpore imports, or the torch imports that conversion turns into MindSpore imports) and
spells a dotted target through the longest bound prefix. When nothing covers a target it adds
the conventional import (`from mindspore import nn, ops`, else `import mindspore`) once, taking
care never to shadow a name the file already uses.
"""

from __future__ import annotations

import re

from ..findings import ImportNeed
from .file_definitions import DEFINITIONS, ROOT as DEFINITIONS_ROOT

#: namespaces MindSpore users import by their short name
_SHORT_NAMESPACES = {
    "mindspore.ops": "ops",
    "mindspore.nn": "nn",
    "mindspore.mint": "mint",
    "mindspore.dataset": "ds",
    "mindspore.scipy.linalg": "ms_linalg",  # a submodule `import mindspore` does not load
}


#: modules other than MindSpore that a target or template may name (`builtins.int` for torch.SymInt,
#: `{@math.inf}`, `{@numpy.finfo}`): imported like MindSpore's, by the name the file gives them
PYTHON_MODULES = ("builtins", "math", "operator", "functools", "numpy", "os", "collections", "weakref", "pickle",
                  "contextlib", "inspect", "copy", "types")


class Namer:
    def __init__(self, bindings: dict[str, str], taken: set[str]):
        self.bindings = dict(bindings)  # MindSpore dotted path → local name
        self.taken = set(taken)  # names already meaning something else in the file
        self.added: list[ImportNeed] = []
        self.used: set[str] = set()  # local names the rendered code refers to
        self.definitions: dict[str, tuple[str, str]] = {}  # `{@msdev.NAME}` → (local name, its source)

    def _bind(self, path: str, need: ImportNeed, local: str) -> str:
        self.bindings[path] = local
        self.taken.add(local)
        self.added.append(need)
        return local

    def _definition(self, name: str) -> str:
        """The local name of a definition written into the file (rewrite/file_definitions.py)."""
        if name not in self.definitions:
            local = name
            while local in self.taken:
                local += "_"
            self.taken.add(local)
            self.definitions[name] = (local, "")  # a definition naming itself finds its name
            code = re.sub(r"\{@([\w.]+)\}", lambda m: self.render(m.group(1)), DEFINITIONS[name])
            del self.definitions[name]  # written after the definitions it names (a base class comes first)
            self.definitions[name] = (local, code.replace("__NAME__", local))
        local = self.definitions[name][0]
        self.used.add(local)
        return local

    def render(self, target: str) -> str:
        """Source text that denotes `target` (a dotted MindSpore name, or a standard-library one)."""
        root, _, rest = target.partition(".")
        if root == "builtins" and rest:
            return rest
        if root == DEFINITIONS_ROOT and rest in DEFINITIONS:
            return self._definition(rest)
        if root in PYTHON_MODULES and root not in self.bindings:
            if root in self.taken:
                local = f"{root}_" if f"{root}_" not in self.taken else f"py_{root}"
                self._bind(root, ImportNeed(root, None, local), local)
            else:
                self._bind(root, ImportNeed(root), root)
        best = ""
        for path in self.bindings:
            if (target == path or target.startswith(path + ".")) and len(path) > len(best):
                best = path
        # a short namespace import reads better than spelling `mindspore.ops.x` in full
        for ns, short in _SHORT_NAMESPACES.items():
            if target.startswith(ns + ".") and len(ns) > len(best):
                if self.bindings.get(ns) is None and short not in self.taken:
                    leaf = ns.rsplit(".", 1)[-1]
                    # `from mindspore import nn`, but `import mindspore.dataset as ds` (no `ds` attribute)
                    need = ImportNeed("mindspore", short) if leaf == short else ImportNeed(ns, None, short)
                    self._bind(ns, need, short)
                    best = ns
                break
        if not best:
            if target.partition(".")[0] != "mindspore":
                raise ValueError(f"a template names `{target}`: neither MindSpore nor one of {PYTHON_MODULES}")
            root = "mindspore"
            if root in self.taken and self.bindings.get(root) is None:
                local = "ms" if "ms" not in self.taken else "mindspore_"
                self._bind(root, ImportNeed("mindspore", None, local), local)
            elif root not in self.bindings:
                self._bind(root, ImportNeed("mindspore"), root)
            best = root
        local = self.bindings[best]
        self.used.add(local)
        return local + target[len(best):]
