"""Fixes of the data rules: DataLoader (MS201), Dataset base classes (MS202), iteration (MS203).

`DataLoader(ds, batch_size=B, shuffle=S, drop_last=D, num_workers=N)` becomes
`GeneratorDataset(ds, column_names=[...], shuffle=S[, num_parallel_workers=N]).batch(B, drop_remainder=D)`.
GeneratorDataset shuffles by default and PyTorch does not, so `shuffle` is always written. The
column names come from what the dataset class of the same file returns from `__getitem__`.
"""

from __future__ import annotations

import ast

from ..findings import Finding
from .calls import CannotRewrite
from .fixes import FindingRewrite
from .source import Edit

#: DataLoader's positional parameters, in order
_PARAMS = ["dataset", "batch_size", "shuffle", "sampler", "batch_sampler", "num_workers", "collate_fn",
           "pin_memory", "drop_last", "timeout", "worker_init_fn", "multiprocessing_context", "generator"]
_DROPPED = {"pin_memory": "pinned host memory", "timeout": "worker timeout", "persistent_workers": "persistent workers",
            "prefetch_factor": "prefetching (MindSpore prefetches by itself)", "pin_memory_device": "pinned memory",
            "multiprocessing_context": "a multiprocessing context", "worker_init_fn": "a worker init function",
            "generator": "a torch.Generator"}
#: GeneratorDataset's collate_fn receives one list per column, PyTorch's the list of samples
_MANUAL = {"collate_fn": "a collate_fn: MindSpore batches columns itself; use .batch(per_batch_map=...) by hand"}


def _is_none(node: ast.AST | None) -> bool:
    return node is None or (isinstance(node, ast.Constant) and node.value is None)


def column_names(facts, dataset_arg: ast.AST) -> list[str] | None:
    """Column names for GeneratorDataset, read from the dataset class's __getitem__ returns, or one per
    tensor of a TensorDataset (its items are tuples of that length)."""
    tensors = _tensor_dataset_size(facts, dataset_arg)
    if tensors:
        return ["data"] if tensors == 1 else [f"column_{i}" for i in range(tensors)]
    if isinstance(dataset_arg, ast.Call) and isinstance(dataset_arg.func, ast.Name):
        cls = facts.dataset_classes.get(dataset_arg.func.id)  # DataLoader(Pairs(...), ...)
    elif isinstance(dataset_arg, ast.Name) and dataset_arg.id in facts.datasets:
        cls = facts.dataset_classes.get(facts.datasets[dataset_arg.id])
    else:
        return None
    getitem = next((m for m in cls.body if isinstance(m, ast.FunctionDef) and m.name == "__getitem__"), None) \
        if cls is not None else None
    if getitem is None:
        return None
    arities = set()
    names: list[str] = []
    for node in ast.walk(getitem):
        if isinstance(node, ast.Return) and node.value is not None:
            if isinstance(node.value, ast.Tuple):
                arities.add(len(node.value.elts))
                if not names:
                    names = [_column_name(e, i) for i, e in enumerate(node.value.elts)]
            else:
                arities.add(1)
                if not names:
                    names = [_column_name(node.value, 0)]
    if len(arities) != 1:
        return None
    seen: list[str] = []
    for i, n in enumerate(names):
        seen.append(n if n not in seen else f"{n}_{i}")
    return seen


def _tensor_dataset_size(facts, dataset_arg: ast.AST) -> int:
    """The number of tensors of `TensorDataset(a, b)` given directly or through the name it was assigned to
    (0 when the dataset is something else or they come through *args)."""
    call = dataset_arg
    if isinstance(dataset_arg, ast.Name):  # the last assignment before it in its function (or module)
        scope = facts.parents.get(id(dataset_arg))
        while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            scope = facts.parents.get(id(scope))
        made = [n for n in ast.walk(scope) if isinstance(n, ast.Assign) and n.lineno < dataset_arg.lineno and any(
            isinstance(t, ast.Name) and t.id == dataset_arg.id for t in n.targets)] if scope is not None else []
        call = max(made, key=lambda n: n.lineno).value if made else None
    if not (isinstance(call, ast.Call) and facts.apis.get(id(call.func)) == "torch.utils.data.TensorDataset"):
        return 0
    if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
        return 0
    return len(call.args)


def _column_name(node: ast.AST, i: int) -> str:
    while isinstance(node, (ast.Subscript, ast.Call)):
        node = node.value if isinstance(node, ast.Subscript) else node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return f"column_{i}"


def rewrite_dataloader(rewriter, finding: Finding, facts) -> FindingRewrite:
    call = finding.node
    args: dict[str, ast.AST] = {}
    for name, value in zip(_PARAMS, call.args):
        if isinstance(value, ast.Starred):
            raise CannotRewrite("DataLoader arguments passed through *args")
        args[name] = value
    for kw in call.keywords:
        if kw.arg is None:
            raise CannotRewrite("DataLoader arguments passed through **kwargs")
        args[kw.arg] = kw.value
    if "dataset" not in args:
        raise CannotRewrite("DataLoader without a dataset")
    for name, why in _MANUAL.items():
        if not _is_none(args.get(name)):
            raise CannotRewrite(f"DataLoader with {why}")
    notes: list[str] = []
    safe = True
    for name, what in _DROPPED.items():
        value = args.get(name)
        if value is not None and not (isinstance(value, ast.Constant) and value.value in (None, False, 0, "")):
            notes.append(f"{name} dropped: MindSpore has no {what}")
    r = rewriter.rendered
    dataset = args["dataset"]
    columns = column_names(facts, dataset)
    known = columns is not None
    if columns is None:
        columns = ["data", "label"]
        safe = False
        notes.append("column names guessed as ['data', 'label']: give one name per item __getitem__ returns")
    source = r(dataset)
    if known:  # a class of this file, indexed by position: GeneratorDataset's NumPy indices become ints
        source = f"{rewriter.namer.render('msdev.IntIndexed')}({source})"
    gen = rewriter.namer.render("mindspore.dataset.GeneratorDataset")
    shuffle = args.get("shuffle")
    batch_sampler = args.get("batch_sampler")
    parts = [source, f"column_names={columns!r}"]
    if not _is_none(batch_sampler):  # it gives whole batches; MindSpore refuses shuffle or a sampler with it
        parts.append(f"batch_sampler={r(batch_sampler)}")
    else:
        parts.append(f"shuffle={'False' if _is_none(shuffle) else r(shuffle)}")
        if not _is_none(args.get("sampler")):  # any iterable of indices: torch's samplers converted, user classes
            parts.append(f"sampler={r(args['sampler'])}")
    workers = args.get("num_workers")
    if workers is not None and not (isinstance(workers, ast.Constant) and workers.value in (0, None)):
        value = r(workers)
        parts.append(f"num_parallel_workers={value if isinstance(workers, ast.Constant) else f'max(1, {value})'}")
    text = f"{gen}({', '.join(parts)})"
    batch = args.get("batch_size")
    if _is_none(batch_sampler) and (batch is None or not _is_none(batch)):
        size = "1" if batch is None else r(batch)
        drop = args.get("drop_last")
        text += f".batch({size}" + (f", drop_remainder={r(drop)}" if drop is not None else "") + ")"
    span = rewriter.src.span(call)
    notes.append("iterate with create_tuple_iterator(); each item is a tuple of Tensors, one per column")
    return FindingRewrite(finding, [Edit(*span, text)], safe, notes, span)


def rewrite_dataset_base(rewriter, finding: Finding, facts) -> FindingRewrite:
    base = finding.node
    cls = rewriter.parents.get(id(base))
    src = rewriter.src
    if not isinstance(cls, ast.ClassDef):
        raise CannotRewrite("Dataset base outside a class statement")
    if len(cls.bases) == 1 and not cls.keywords:
        # `class D(Dataset):` → `class D:`
        open_paren = src.text.rfind("(", 0, src.start(base))
        close_paren = src.text.find(")", src.end(base))
        span = (open_paren, close_paren + 1)
        return FindingRewrite(finding, [Edit(*span, "")], True, [], src.span(base))
    i = next(k for k, b in enumerate(cls.bases) if b is base)
    if i + 1 < len(cls.bases):
        span = (src.start(base), src.start(cls.bases[i + 1]))
    else:
        span = (src.end(cls.bases[i - 1]), src.end(base))
    return FindingRewrite(finding, [Edit(*span, "")], True, [], src.span(base))


def rewrite_iteration(rewriter, finding: Finding, facts) -> FindingRewrite:
    node = finding.node
    span = rewriter.src.span(node)
    if isinstance(node, ast.Call):  # len(loader)
        return FindingRewrite(finding, [Edit(*span, f"{rewriter.rendered(node.args[0])}.get_dataset_size()")],
                              True, [], span)
    if isinstance(node, ast.Name) and _single_column(facts, node):
        # PyTorch yields the batch of a one-item dataset itself, MindSpore a one-column tuple
        text = f"(column for column, in {rewriter.rendered(node)}.create_tuple_iterator())"
        return FindingRewrite(finding, [Edit(*span, text)], True, [], span)
    return FindingRewrite(finding, [Edit(span[1], span[1], ".create_tuple_iterator()")], True, [], span)


def _function_of(facts, node: ast.AST) -> ast.AST | None:
    parent = facts.parents.get(id(node))
    while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
        parent = facts.parents.get(id(parent))
    return parent


def _single_column(facts, loader: ast.Name) -> bool:
    """Whether the DataLoader(s) the name holds where it is iterated read a dataset of one item per index
    (the assignments in the same function when there are any, else every assignment of the name)."""
    calls = facts.loader_calls.get(loader.id, [])
    here = _function_of(facts, loader)
    calls = [c for c in calls if _function_of(facts, c) is here] or calls
    if not calls:
        return False
    for call in calls:
        dataset = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "dataset"), None)
        if dataset is None or len(column_names(facts, dataset) or ()) != 1 or _tensor_dataset_size(facts, dataset):
            return False  # a TensorDataset's items are tuples even of one tensor: PyTorch yields [batch]
    return True
