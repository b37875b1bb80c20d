"""Environment that MindSpore's CPU kernels need to run at a usable speed, set before they load.

MindSpore 2.10 bundles oneDNN 3.10 and hands it convolutions in plain NCHW layout. On a processor
with AVX-512 that oneDNN picks its `jit_uni_ncsp` convolution, which falls back to the scalar
reference kernel (`ref:any` in ONEDNN_VERBOSE): a 3x3 convolution of 256 channels on a 56x56 map
takes ~20 s instead of ~0.03 s, and a ResNet-152 forward pass over a minute. Capped at AVX2, oneDNN
chooses its GEMM convolution (`gemm:jit`) for the same call. Only the choice of kernel changes; the
arithmetic is still float32. PyTorch's own oneDNN reads the same variable, which costs it little.

Nothing here imports a framework: the core may call it.
"""

from __future__ import annotations

import os

ISA_VARIABLE = "ONEDNN_MAX_CPU_ISA"
ISA_CAP = "AVX2"


def cap_onednn_isa(env: dict[str, str] | None = None) -> bool:
    """Cap oneDNN's instruction set at AVX2 in `env` (default: this process) unless a value is set
    already (the user's choice wins). True when this call set it. oneDNN reads the variable on its
    first kernel, so a process must call this before it runs any convolution."""
    target = os.environ if env is None else env
    if target.get(ISA_VARIABLE) or target.get("DNNL_MAX_CPU_ISA"):
        return False
    target[ISA_VARIABLE] = ISA_CAP
    return True
