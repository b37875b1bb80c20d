"""rewrite.blocks.statements_in: the statements ast.walk yields, in its order, without the expressions."""

import ast

from msdev.rewrite.blocks import statements_in

SOURCE = '''
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        try:
            import torch
        except ImportError:
            torch = None
        else:
            x = 1
        finally:
            y = 2
        for i in range(3):
            if i:
                self.blocks.append(nn.Linear(i, i))
            else:
                continue
        with open("f") as fh:
            data = [lambda: 0 for _ in fh]
        match data:
            case [first, *_] if first:
                super().reset_parameters()
            case _:
                pass

    def forward(self, x):
        def inner(y):
            return y
        return inner(x)
'''


def test_same_statements_in_walk_order():
    tree = ast.parse(SOURCE)
    for root in [tree, tree.body[0], tree.body[0].body[0]]:
        walked = [n for n in ast.walk(root) if isinstance(n, ast.stmt)]
        found = list(statements_in(root))
        assert [id(n) for n in found] == [id(n) for n in walked]
        assert len(found) > 3
