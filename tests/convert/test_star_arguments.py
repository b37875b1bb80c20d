"""Arguments passed through `*args` land in MindSpore's parameters by position: a call converts only
when every parameter the star may fill sits at the same position on both sides and passes unchanged."""

from __future__ import annotations

import pytest

from msdev.rewrite import UNCONVERT_TAG, convert_text


def _convert(db, line: str):
    conv = convert_text(f"import torch\nfrom torch import nn\nargs = (4, 1e-3, 0.2)\nx = {line}\n", db)
    return conv.text.splitlines()[-1], [o for o in conv.outcomes if o.finding.torch_api.startswith("torch.nn.")]


@pytest.mark.parametrize("line, expected", [
    ("nn.Linear(*(4, 2), bias=False)", "x = nn.Dense(*(4, 2), has_bias=False)"),
    ("nn.Conv2d(*[3, 8, 3])", "x = float64_conv(nn.Conv2d)(*[3, 8, 3], has_bias=True, pad_mode='pad')"),
])
def test_a_star_over_parameters_in_the_same_places_converts(db, line, expected):
    text, outcomes = _convert(db, line)
    assert text == expected and all(o.converted for o in outcomes)


@pytest.mark.parametrize("line, adapter", [
    ("nn.Conv2d(*[3, 8, 3, 1, 1])", "Conv2dTorchArgs"),  # 'same' would be a pad_mode
    ("nn.Conv2d(*args)", "Conv2dTorchArgs"),  # any length may reach padding
    ("nn.MaxPool2d(*[2, 2, 0, 1, True])", "MaxPool2dTorchArgs"),  # return_indices/ceil_mode order
    ("nn.L1Loss(*args, reduction='sum')", "L1LossTorchArgs"),  # size_average/reduce decide the reduction
])
def test_a_layer_whose_star_may_reach_a_moved_or_converted_parameter_binds_it_when_built(db, line, adapter):
    """The star's elements land in PyTorch's parameters only when the program runs: the file's adapter
    class takes PyTorch's arguments as written and applies the argument map when the layer is built."""
    text, outcomes = _convert(db, line)
    assert text.startswith(f"x = {adapter}(") and all(o.converted for o in outcomes)
    assert UNCONVERT_TAG not in convert_text(f"import torch\nfrom torch import nn\nargs = (4, 1e-3, 0.2)\nx = {line}\n",
                                             db).text
