"""Generated PyTorch sources of a chosen size (the benchmark and the tests use the same ones)."""

from __future__ import annotations


def generated_module(functions: int) -> str:
    """`functions` small functions using torch, and an nn.Module class every tenth function."""
    out = ["import torch", "import torch.nn as nn", "import torch.nn.functional as F", ""]
    for i in range(functions):
        out += [f"def f{i}(x, w):",
                f"    y = torch.matmul(x, w) + torch.zeros({i % 7 + 1})",
                "    z = F.relu(y).view(-1)",
                "    return torch.cat([z, z], dim=0).sum()",
                ""]
        if i % 10 == 0:
            out += [f"class M{i}(nn.Module):", "    def __init__(self):", "        super().__init__()",
                    f"        self.l = nn.Linear({i + 1}, 4)", "    def forward(self, x):",
                    "        return self.l(x)", ""]
    return "\n".join(out)
