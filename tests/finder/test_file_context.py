"""analysis.context.FileContext: the shared node index answers what a walk of the tree would.

select() and of_class() read the nodes grouped by class (merged back into walk order for
several classes); they must give exactly the nodes, in exactly the order, that filtering the
breadth-first walk gives, or the fixers that read them would emit edits in another order."""

import ast
from pathlib import Path

import pytest

from msdev.analysis.context import FileContext, index_tree

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SOURCES = sorted(FIXTURES.rglob("*.py"))[:60]

TYPE_SETS = [
    frozenset({ast.Name}),
    frozenset({ast.Attribute}),
    frozenset({ast.Name, ast.Attribute}),
    frozenset({ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Assign, ast.AnnAssign, ast.Call}),
    frozenset({ast.Expr, ast.Call, ast.With, ast.AsyncWith, ast.For, ast.comprehension, ast.JoinedStr}),
    frozenset({ast.Import, ast.ImportFrom}),
    frozenset({ast.Match, ast.MatchAs}),  # absent from most files
    frozenset(),
]


def _walk_without_contexts(tree: ast.AST) -> list[ast.AST]:
    skipped = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)
    return [n for n in ast.walk(tree) if not isinstance(n, skipped)]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_select_is_a_filtered_walk(path):
    tree = ast.parse(path.read_bytes())
    nodes, parents = index_tree(tree)
    assert [id(n) for n in nodes] == [id(n) for n in _walk_without_contexts(tree)]
    for node in nodes[1:]:
        assert node in list(ast.iter_child_nodes(parents[id(node)]))
    context = FileContext("", tree)
    for types in TYPE_SETS:
        expected = [n for n in nodes if n.__class__ in types]
        assert context.select(types) == expected
        assert context.select(types) is context.select(types)  # cached
    for cls in (ast.Name, ast.arg, ast.keyword, ast.alias, ast.Match):
        assert context.of_class(cls) == [n for n in nodes if n.__class__ is cls]
    names = {n.attr for n in context.of_class(ast.Attribute)}
    for name in sorted(names)[:20]:
        assert context.attributes(name) == [n for n in nodes if isinstance(n, ast.Attribute) and n.attr == name]


def test_select_on_a_constructed_tree():
    source = (
        "import torch\n"
        "class A(torch.nn.Module):\n"
        "    def forward(self, x):\n"
        "        return [torch.relu(y) for y in x if y.sum() > 0]\n"
        "match cmd:\n"
        "    case [first, *rest] if first:\n"
        "        f(**kw)\n"
    )
    context = FileContext(source, ast.parse(source))
    calls = context.select(frozenset({ast.Call}))
    assert [ast.unparse(c) for c in calls] == ["f(**kw)", "torch.relu(y)", "y.sum()"]  # breadth first
    mixed = context.select(frozenset({ast.Call, ast.ClassDef, ast.Match}))
    assert [type(n).__name__ for n in mixed] == ["ClassDef", "Match", "Call", "Call", "Call"]
