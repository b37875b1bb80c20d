"""Subclasses of `nn.Sequential` that add their children as attributes, and of `nn.ModuleDict`
that hold containers.

PyTorch's Sequential runs every registered child in order, including those a subclass sets in its
own `__init__` (`self.norm = nn.BatchNorm2d(c)`, torchvision's DenseNet `_Transition`). MindSpore's
SequentialCell runs the cells of `cell_list`, which only its constructor and `append` fill: the
subclass would silently return its input. Rebuilding `cell_list` from the children at the end of
`__init__` gives PyTorch's behaviour (the same line the `Sequential.add_module` entry writes).
"""

from __future__ import annotations

import ast

from ..findings import Finding, Kind
from .source import Edit, SourceText

SEQUENTIAL = "torch.nn.Sequential"
MODULE_DICT = "torch.nn.ModuleDict"
CHILDREN_FIX = ("self.cell_list = list(self.name_cells().values())  # msdev: a SequentialCell runs only its "
                "cell_list, which children set as attributes do not extend")


def sequential_subclasses(nodes: list[ast.AST], findings: list[Finding], converted: set[int]) -> set[str]:
    """Names of the file's classes deriving (directly or through the file's classes) from Sequential."""
    direct = {id(f.node) for f in findings if f.kind == Kind.BASE_CLASS and id(f) in converted
              and f.torch_api == SEQUENTIAL}
    classes = [n for n in nodes if isinstance(n, ast.ClassDef)]
    names: set[str] = set()
    changed = True
    while changed:
        changed = False
        for cls in classes:
            if cls.name not in names and any(id(b) in direct or isinstance(b, ast.Name) and b.id in names
                                             for b in cls.bases):
                names.add(cls.name)
                changed = True
    return names


def sequential_children_fix(src: SourceText, cls: ast.ClassDef) -> list[Edit]:
    """The `cell_list` rebuild at the end of `__init__` when it sets children as attributes and the
    class keeps Sequential's forward."""
    if any(isinstance(i, (ast.FunctionDef, ast.AsyncFunctionDef)) and i.name in ("forward", "construct")
           for i in cls.body):
        return []
    init = next((i for i in cls.body if isinstance(i, ast.FunctionDef) and i.name == "__init__"), None)
    if init is None or not init.body or not init.args.args or isinstance(init.body[-1], ast.Return):
        return []
    me = init.args.args[0].arg
    sets_children = False
    for node in ast.walk(init):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
            if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == me for t in targets):
            sets_children = True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" \
                and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id == me:
            sets_children = True
    if not sets_children:
        return []
    end = src.end(init.body[-1])
    indent = " " * init.body[0].col_offset
    return [Edit(end, end, f"\n{indent}{CHILDREN_FIX.replace('self.', me + '.', 2)}")]


def module_dict_subclasses(findings: list[Finding], converted: set[int]) -> set[int]:
    """ids of the base-class nodes that are a converted `nn.ModuleDict`."""
    return {id(f.node) for f in findings if f.kind == Kind.BASE_CLASS and id(f) in converted
            and f.torch_api == MODULE_DICT}


def any_cell_values_fix(src: SourceText, cls: ast.ClassDef, cell: str) -> list[Edit]:
    """A CellDict subclass that accepts every Cell as a value, as PyTorch's ModuleDict does.

    MindSpore's CellDict refuses SequentialCell, CellList and CellDict values (torchvision's
    IntermediateLayerGetter holds a backbone's Sequential stages); its check is one overridable
    method, so the class gets one that keeps only the `is a Cell` part. `cell`: how the file
    names mindspore.nn.Cell."""
    if any(isinstance(i, ast.FunctionDef) and i.name == "_validate_cell_type" for i in cls.body):
        return []
    end = src.end(cls.body[-1])
    indent = " " * cls.body[0].col_offset
    return [Edit(end, end, "\n\n" + _any_cell_check(indent, cell))]


def any_cell_dict_source(name: str, base: str, cell: str) -> str:
    """The file's CellDict class for direct `nn.ModuleDict(...)` calls, which GPT-style models fill
    with a ModuleList of blocks (`nn.ModuleDict(dict(h=nn.ModuleList(...), ln_f=...))`)."""
    return f"class {name}({base}):\n" + _any_cell_check("    ", cell)


def _any_cell_check(indent: str, cell: str) -> str:
    inner = indent + "    "
    return (f"{indent}def _validate_cell_type(self, cell):\n"
            f"{inner}# msdev: PyTorch's ModuleDict holds any module; MindSpore's CellDict also refuses "
            f"SequentialCell, CellList and CellDict values\n"
            f"{inner}if not isinstance(cell, {cell}):\n"
            f"{inner}    raise TypeError(f\"{{type(self).__name__}} holds Cells, not {{type(cell).__name__}}\")")


def children_dict_edits(src: SourceText, nodes: list[ast.AST], parents: dict[int, ast.AST], cells: bool) -> list[Edit]:
    """`module._modules` on a module that is not `self` (torchvision's `_replace_relu(module)` walks a
    network and writes `module._modules[name] = nn.ReLU(...)`): a Cell keeps its children in `_cells`.
    A statement that stores a child through it also rebuilds `cell_list` when the object has one, as
    a SequentialCell runs only that list (when the receiver is a plain name, so that repeating it
    evaluates nothing twice). Only in files that use PyTorch layers (`cells`)."""
    if not cells:
        return []
    edits = []
    for node in nodes:
        if not (isinstance(node, ast.Attribute) and node.attr == "_modules"
                and not (isinstance(node.value, ast.Name) and node.value.id == "self")):
            continue
        end = src.end(node)
        edits.append(Edit(end - len("_modules"), end, "_cells"))
        sub = parents.get(id(node))
        stmt = parents.get(id(sub)) if isinstance(sub, ast.Subscript) and sub.value is node else None
        if (isinstance(stmt, ast.Assign) and stmt.targets == [sub] and isinstance(sub.ctx, ast.Store)
                and isinstance(node.value, ast.Name)):
            name = node.value.id
            edits.append(Edit(src.end(stmt), src.end(stmt),
                              f"; hasattr({name}, 'cell_list') and setattr({name}, 'cell_list', "
                              f"list({name}._cells.values()))  # msdev: a SequentialCell runs only its cell_list"))
    return edits


def class_name_edits(src: SourceText, nodes: list[ast.AST], cells: bool, render) -> list[Edit]:
    """`type(m).__name__` / `m.__class__.__name__` (a weights_init's `classname.find('Linear')`): a
    MindSpore layer's class is named otherwise (Dense, SequentialCell, Conv2dTranspose, ...), so the name
    is read through msdev's torch_class_name, which gives PyTorch's. Only in files that use PyTorch
    layers (`cells`), and not on `self` / `cls` (a class of the file keeps its own name)."""
    if not cells:
        return []
    edits = []
    for node in nodes:
        if not (isinstance(node, ast.Attribute) and node.attr == "__name__"):
            continue
        inner = node.value
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id == "type" \
                and len(inner.args) == 1 and not inner.keywords and not isinstance(inner.args[0], ast.Starred):
            obj = inner.args[0]
        elif isinstance(inner, ast.Attribute) and inner.attr == "__class__":
            obj = inner.value
        else:
            continue
        if isinstance(obj, ast.Name) and obj.id in ("self", "cls"):
            continue
        start, end = src.span(node)
        ostart, oend = src.span(obj)
        edits.append(Edit(start, ostart, f"{render('msdev.torch_class_name')}("))
        edits.append(Edit(oend, end, ")"))
    return edits


def dtype_text_edits(src: SourceText, calls: list[ast.AST], fstrings: list[ast.AST], render) -> list[Edit]:
    """`str(x.dtype)`, `str(torch.float32)` and `f"{x.dtype}"`: PyTorch spells a dtype 'torch.float32',
    MindSpore 'Float32', so code comparing or logging the text reads it through msdev's torch_dtype_text
    (anything that is no MindSpore dtype keeps its own str())."""
    def dtype_like(node: ast.AST) -> bool:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                and node.func.value.id == "torch" and node.func.attr in ("result_type", "promote_types", "get_default_dtype"):
            return True
        return isinstance(node, ast.Attribute) and (
            node.attr == "dtype" or isinstance(node.value, ast.Name) and node.value.id == "torch")

    edits = []
    for node in calls:
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "str"
                and len(node.args) == 1 and not node.keywords and dtype_like(node.args[0])):
            fs, fe = src.span(node.func)
            edits.append(Edit(fs, fe, render("msdev.torch_dtype_text")))
    for node in fstrings:
        for part in getattr(node, "values", ()):
            if isinstance(part, ast.FormattedValue) and part.conversion == -1 and part.format_spec is None \
                    and dtype_like(part.value):
                vs, ve = src.span(part.value)
                edits.append(Edit(vs, vs, f"{render('msdev.torch_dtype_text')}("))
                edits.append(Edit(ve, ve, ")"))
    return edits
