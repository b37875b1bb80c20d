"""How each PyTorch layer's parameters are named and laid out in MindSpore 2.10.

Every rule here was checked on the real packages (torch 2.13.0, mindspore 2.10.0 CPU): the
parameter names come from `Cell.parameters_and_names()`, and layouts were confirmed by copying
PyTorch weights into the MindSpore cell and comparing outputs (LSTM/GRU/RNN gate order,
MultiheadAttention's packed projection, Conv1d's extra axis). The tests in
tests/weights/test_layers_frameworks.py repeat those checks.

`mindspore.mint.nn` layers name their parameters as PyTorch does, so under the `ascend` profile
(or when the converted code uses mint) every rule is the identity.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

UNSQUEEZE_2 = {"op": "unsqueeze", "axis": 2}
#: the layer class name the weights reader gives msdev's converted 1-d convolution, `float64_conv(nn.Conv1d)`
CONVERTED_CONV1D = "msdev.float64_conv(mindspore.nn.Conv1d)"
#: the same for tensors stored beside a 1-D convolution's kernel by weight / spectral normalisation
#: (`weight_g`, `weight_v`, `weight_orig`, `parametrizations.weight.original0`): only the 3-D ones
#: (kernel-shaped, or weight_norm's (out, 1, 1) magnitude) gain the axis; spectral norm's vectors stay
UNSQUEEZE_2_IF_3D = {"op": "unsqueeze", "axis": 2, "ndim": 3}
_KERNEL_COMPANIONS = ("weight_g", "weight_v", "weight_orig", "parametrizations.weight.original*")
NBT_REASON = "MindSpore BatchNorm keeps no step counter (num_batches_tracked)"


@dataclass(frozen=True)
class ParamRule:
    """One PyTorch parameter name (an fnmatch pattern) → its MindSpore name and layout change."""

    torch: str
    mindspore: str | None  # None: dropped; may contain "{}" for the matched PyTorch name
    transform: dict[str, Any] | None = None
    reason: str | None = None

    def target(self, name: str) -> str | None:
        if self.mindspore is None:
            return None
        return self.mindspore.replace("{}", name)


@dataclass(frozen=True)
class LayerRule:
    kind: str  # the PyTorch class name, used as the layer's label in maps and reports
    torch_classes: tuple[str, ...]
    mindspore_classes: tuple[str, ...]
    params: tuple[ParamRule, ...]
    #: MindSpore parameters the layer has even when PyTorch's has no counterpart: name → fill value
    fills: tuple[tuple[str, float], ...] = ()

    def lookup(self, name: str) -> ParamRule | None:
        for p in self.params:
            if fnmatch.fnmatchcase(name, p.torch):
                return p
        return None

    @property
    def renames(self) -> bool:
        # "{}" is the matched PyTorch name itself: `* -> {}` (an identity rule) keeps every name
        return any(p.mindspore not in (p.torch, "{}") or p.transform for p in self.params)


def _bn(kind: str, ms_classes: tuple[str, ...], prefix: str = "") -> LayerRule:
    return LayerRule(
        kind,
        (f"torch.nn.{kind}",) + (("torch.nn.SyncBatchNorm",) if kind == "BatchNorm2d" else ()),
        ms_classes,
        (
            ParamRule("weight", f"{prefix}gamma"),
            ParamRule("bias", f"{prefix}beta"),
            ParamRule("running_mean", f"{prefix}moving_mean"),
            ParamRule("running_var", f"{prefix}moving_variance"),
            ParamRule("num_batches_tracked", None, reason=NBT_REASON),
        ),
        fills=((f"{prefix}gamma", 1.0), (f"{prefix}beta", 0.0), (f"{prefix}moving_mean", 0.0),
               (f"{prefix}moving_variance", 1.0)),
    )


_SAME_WB = (ParamRule("weight", "weight"), ParamRule("bias", "bias"))
_RNN = (ParamRule("weight_ih_l*", "{}"), ParamRule("weight_hh_l*", "{}"),
        ParamRule("bias_ih_l*", "{}"), ParamRule("bias_hh_l*", "{}"))
_MHA = tuple(ParamRule(n, n) for n in ("in_proj_weight", "in_proj_bias", "q_proj_weight", "k_proj_weight",
                                        "v_proj_weight", "bias_k", "bias_v", "out_proj.weight", "out_proj.bias"))

RULES: tuple[LayerRule, ...] = (
    _bn("BatchNorm1d", ("mindspore.nn.BatchNorm1d",)),
    _bn("BatchNorm2d", ("mindspore.nn.BatchNorm2d", "mindspore.nn.SyncBatchNorm")),
    # MindSpore's BatchNorm3d wraps a BatchNorm2d cell named `bn2d`
    _bn("BatchNorm3d", ("mindspore.nn.BatchNorm3d",), prefix="bn2d."),
    LayerRule("LayerNorm", ("torch.nn.LayerNorm",), ("mindspore.nn.LayerNorm",),
              (ParamRule("weight", "gamma"), ParamRule("bias", "beta"))),
    LayerRule("GroupNorm", ("torch.nn.GroupNorm", "torch.nn.InstanceNorm1d", "torch.nn.InstanceNorm2d",
                           "torch.nn.InstanceNorm3d"), ("mindspore.nn.GroupNorm",),
              (ParamRule("weight", "gamma"), ParamRule("bias", "beta"))),
    LayerRule("Embedding", ("torch.nn.Embedding",), ("mindspore.nn.Embedding",),
              (ParamRule("weight", "embedding_table"),)),
    LayerRule("PReLU", ("torch.nn.PReLU",), ("mindspore.nn.PReLU",), (ParamRule("weight", "w"),)),
    LayerRule("Linear", ("torch.nn.Linear", "torch.nn.LazyLinear"), ("mindspore.nn.Dense",), _SAME_WB),
    # msdev converts a Conv1d to `float64_conv(nn.Conv1d)`, which keeps PyTorch's (out, in/groups, k) kernel
    LayerRule("Conv1d", ("torch.nn.Conv1d",), (CONVERTED_CONV1D,), _SAME_WB),
    # MindSpore's own Conv1d (code written for MindSpore) stores it as (out, in/groups, 1, k)
    LayerRule("Conv1d", (), ("mindspore.nn.Conv1d",),
              (ParamRule("weight", "weight", UNSQUEEZE_2,
                         "MindSpore's Conv1d stores its kernel as (out, in/groups, 1, k)"), ParamRule("bias", "bias"),
               *(ParamRule(n, "{}", UNSQUEEZE_2_IF_3D, "a normalised kernel's part, shaped as MindSpore's Conv1d kernel")
                 for n in _KERNEL_COMPANIONS))),
    LayerRule("Conv2d", ("torch.nn.Conv2d",), ("mindspore.nn.Conv2d",), _SAME_WB),
    LayerRule("Conv3d", ("torch.nn.Conv3d",), ("mindspore.nn.Conv3d",), _SAME_WB),
    LayerRule("ConvTranspose1d", ("torch.nn.ConvTranspose1d",), ("mindspore.nn.Conv1dTranspose",),
              (ParamRule("weight", "weight", UNSQUEEZE_2,
                         "MindSpore's Conv1dTranspose stores its kernel as (in, out/groups, 1, k)"),
               ParamRule("bias", "bias"),
               *(ParamRule(n, "{}", UNSQUEEZE_2_IF_3D, "a normalised kernel's part, shaped as MindSpore's kernel")
                 for n in _KERNEL_COMPANIONS))),
    LayerRule("ConvTranspose2d", ("torch.nn.ConvTranspose2d",), ("mindspore.nn.Conv2dTranspose",), _SAME_WB),
    LayerRule("ConvTranspose3d", ("torch.nn.ConvTranspose3d",), ("mindspore.nn.Conv3dTranspose",), _SAME_WB),
    LayerRule("LSTM", ("torch.nn.LSTM",), ("mindspore.nn.LSTM",), _RNN),
    LayerRule("GRU", ("torch.nn.GRU",), ("mindspore.nn.GRU",), _RNN),
    LayerRule("RNN", ("torch.nn.RNN",), ("mindspore.nn.RNN",), _RNN),
    LayerRule("MultiheadAttention", ("torch.nn.MultiheadAttention",), ("mindspore.nn.MultiheadAttention",), _MHA),
)

BY_KIND: dict[str, LayerRule] = {}
for _r in RULES:
    BY_KIND.setdefault(_r.kind, _r)  # the first rule of a kind: Conv1d as msdev converts it
BY_API: dict[str, LayerRule] = {}
for _r in RULES:
    for _api in _r.torch_classes + _r.mindspore_classes:
        BY_API[_api] = _r

#: MindSpore namespaces whose layers keep PyTorch's parameter names
MINT_PREFIXES = ("mindspore.mint.nn.",)

#: container classes: their children are named by index (or by key for the dict kinds)
CONTAINERS = {
    "torch.nn.Sequential": "sequential", "mindspore.nn.SequentialCell": "sequential",
    "torch.nn.ModuleList": "list", "mindspore.nn.CellList": "list",
    "torch.nn.ModuleDict": "dict", "mindspore.nn.CellDict": "dict",
    "mindspore.mint.nn.Sequential": "sequential", "mindspore.mint.nn.ModuleList": "list",
}

BASE_CLASSES = {"torch.nn.Module", "mindspore.nn.Cell", "mindspore.mint.nn.Module"}
PARAMETER_CLASSES = {"torch.nn.Parameter", "torch.nn.parameter.Parameter", "mindspore.Parameter",
                     "mindspore.common.Parameter", "mindspore.common.parameter.Parameter"}


#: layers of either framework that hold no parameter or buffer: they cannot own a checkpoint key
#: (a source that allows `nn.Identity()` or a norm layer at one attribute means the norm layer)
PARAMETERLESS = frozenset({
    "Identity", "ReLU", "ReLU6", "GELU", "SiLU", "Sigmoid", "Tanh", "Hardswish", "HSwish", "Hardsigmoid",
    "HSigmoid", "LeakyReLU", "ELU", "SELU", "CELU", "Mish", "Softplus", "Softsign", "Softmax", "LogSoftmax",
    "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "MaxPool1d", "MaxPool2d", "MaxPool3d",
    "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "Flatten", "Unflatten", "Upsample",
    "PixelShuffle", "PixelUnshuffle", "ZeroPad2d", "ConstantPad2d", "ReflectionPad2d", "ReplicationPad2d",
    "Pad", "Tanhshrink", "Hardtanh", "Threshold", "GLU",
})


def holds_parameters(api: str) -> bool:
    """False for the torch.nn / mindspore.nn layers listed in PARAMETERLESS."""
    head, _, leaf = api.rpartition(".")
    return not (leaf in PARAMETERLESS and head in ("torch.nn", "mindspore.nn", "mindspore.mint.nn"))


#: the number of dimensions of each layer's `weight`, used to rule out impossible readings
WEIGHT_NDIM = {"BatchNorm1d": 1, "BatchNorm2d": 1, "BatchNorm3d": 1, "GroupNorm": 1, "PReLU": 1, "Linear": 2,
               "Embedding": 2, "Conv1d": 3, "Conv2d": 4, "Conv3d": 5, "ConvTranspose1d": 3, "ConvTranspose2d": 4,
               "ConvTranspose3d": 5}


def plausible(kind: str, param: str, shape: tuple[int, ...]) -> bool:
    """Whether a parameter of this shape can be the layer's `param` (only `weight` is checked)."""
    if param != "weight" or kind not in WEIGHT_NDIM:
        return True
    return len(shape) == WEIGHT_NDIM[kind]


def is_parameter_layer(api: str) -> bool:
    """Whether the class is one of the parameter layers listed above (in either framework, or mint)."""
    if api.startswith(MINT_PREFIXES):
        return "torch.nn." + api[len("mindspore.mint.nn."):] in BY_API
    return api in BY_API


def identity_rule(kind: str) -> LayerRule:
    """A layer whose MindSpore counterpart keeps every PyTorch name (mint layers, unknown layers)."""
    return LayerRule(kind, (), (), (ParamRule("*", "{}"),))


def rule_for_api(api: str, profile: str = "portable") -> LayerRule | None:
    """The rule for a dotted class name from either framework (None: not a known parameter layer)."""
    if api.startswith(MINT_PREFIXES):
        base = BY_API.get("torch.nn." + api[len("mindspore.mint.nn."):])
        return identity_rule(base.kind) if base else None
    rule = BY_API.get(api)
    if rule is None:
        return None
    if profile == "ascend" and api.startswith("torch."):
        return identity_rule(rule.kind)
    return rule


def guess_rule(params: dict[str, tuple[int, ...]]) -> tuple[LayerRule | None, str]:
    """Recognise a layer from the names and shapes of its parameters alone (no source available).

    Returns (rule, note). Only patterns that cannot belong to another common layer are
    recognised; a lone 1-D or 2-D `weight` is ambiguous (PReLU/RMSNorm, Linear/Embedding).
    """
    names = set(params)
    if {"running_mean", "running_var"} <= names:
        return BY_KIND["BatchNorm2d"], "running statistics: BatchNorm"
    if any(n.startswith("weight_ih_l") for n in names):
        return identity_rule("RNN/LSTM/GRU"), "recurrent weights: names and gate order match"
    if names & {"in_proj_weight", "q_proj_weight"}:
        return BY_KIND["MultiheadAttention"], "attention projections: names match"
    w = params.get("weight")
    if w is None or not names <= {"weight", "bias"}:
        return None, ""
    if len(w) == 3:
        return BY_KIND["Conv1d"], "3-D weight: a 1-D (transposed) convolution"
    if len(w) in (4, 5):
        return BY_KIND["Conv2d"], "4-D/5-D weight: a convolution"
    if len(w) == 1 and "bias" in names and params["bias"] == w:
        return BY_KIND["LayerNorm"], "1-D weight and bias: a normalisation layer (gamma/beta)"
    if len(w) == 2 and "bias" in names:
        return BY_KIND["Linear"], "2-D weight with bias: Linear"
    return None, ""
