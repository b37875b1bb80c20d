"""Randomised BatchNorm state for verify tests: stock statistics (mean 0, var 1) and affine parameters
(1, 0) hide a swapped or misnamed mapping. Import it after `pytest.importorskip("torch")`."""

from __future__ import annotations

import torch


def randomise_batchnorm(net) -> None:
    """Seeded random running statistics and affine parameters in every BatchNorm of `net`."""
    gen = torch.Generator().manual_seed(3)
    for m in net.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            with torch.no_grad():
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen))
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen))
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)
