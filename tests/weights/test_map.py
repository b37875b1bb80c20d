"""The parameter-name map: golden maps for every layer type, source walking, guessing, map files."""

import json
from pathlib import Path

import pytest

from msdev.weights.layers import BY_KIND
from msdev.weights.mapping import MapError, WeightMap, apply_saved_map, build_map, map_from_source
from msdev.weights.structure import ModelSource

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "weights"
NETS = {"vision": "VisionNet", "seq": "SeqNet", "volume": "VolumeNet"}


def _keys(name):
    return {k: tuple(v) for k, v in json.loads((FIX / f"{name}.keys.json").read_text()).items()}


@pytest.mark.parametrize("name", sorted(NETS))
@pytest.mark.parametrize("source", ["nets_ms.py", "nets_torch.py"])
def test_golden_map(name, source):
    """The map from either framework's source equals the golden map (checked against real MindSpore
    parameter names in test_weights_frameworks.py). PyTorch's source maps to what msdev's conversion
    builds; nets_ms.py, written with MindSpore's own layers, keeps their layouts."""
    wmap = build_map(_keys(name), ModelSource.from_paths([FIX / source]), root=NETS[name])
    # where MindSpore's own layers differ from msdev's conversion (a Conv1d's kernel), nets_ms.py has its own
    own = FIX / f"{name}.ms.map.golden.json"
    golden = json.loads((own if source == "nets_ms.py" and own.exists() else FIX / f"{name}.map.golden.json").read_text())
    assert [e.to_dict() for e in wmap.entries] == golden
    assert not wmap.warnings


def test_every_listed_layer_type_has_a_golden_entry():
    covered = set()
    for name in NETS:
        covered |= {e["layer"] for e in json.loads((FIX / f"{name}.map.golden.json").read_text())}
    listed = {"BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm", "Embedding", "PReLU", "Linear",
              "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "LSTM", "GRU",
              "RNN", "MultiheadAttention"}
    assert listed <= covered
    assert listed <= set(BY_KIND)


def test_specific_renames():
    by = {e.torch: e for e in build_map(_keys("vision"), ModelSource.from_paths([FIX / "nets_ms.py"]),
                                        root="VisionNet").entries}
    assert by["bn1.running_var"].mindspore == "bn1.moving_variance"
    assert by["bn1.num_batches_tracked"].mindspore is None
    assert by["block.1.weight"].mindspore == "block.1.gamma"  # GroupNorm inside a SequentialCell
    assert by["norm.bias"].mindspore == "norm.beta"
    seq = {e.torch: e for e in build_map(_keys("seq"), ModelSource.from_paths([FIX / "nets_ms.py"]),
                                         root="SeqNet").entries}
    assert seq["up.weight"].transform == {"op": "unsqueeze", "axis": 2}
    assert seq["up.weight"].mindspore_shape == [8, 8, 1, 2]
    assert seq["lstm.weight_hh_l1_reverse"].mindspore == "lstm.weight_hh_l1_reverse"
    assert seq["attn.out_proj.weight"].mindspore == "attn.out_proj.weight"


def test_mint_layers_keep_pytorch_names():
    src = ModelSource.from_text(
        "from mindspore import mint, nn\n"
        "class Net(nn.Cell):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.bn = mint.nn.BatchNorm2d(4)\n"
        "        self.emb = nn.Embedding(3, 4)\n")
    wmap = build_map({"bn.weight": (4,), "bn.num_batches_tracked": (), "emb.weight": (3, 4)}, src)
    names = {e.torch: e.mindspore for e in wmap.entries}
    assert names == {"bn.weight": "bn.weight", "bn.num_batches_tracked": "bn.num_batches_tracked",
                     "emb.weight": "emb.embedding_table"}


def test_layers_built_through_the_converters_exact_subclasses():
    """`float64_conv(nn.Conv1d)(...)` and classes deriving from it are Conv1d layers that keep PyTorch's
    3-d kernel: read off the source, not guessed from the shape."""
    src = ModelSource.from_text(
        "from mindspore import nn\n"
        "class Same(float64_conv(nn.Conv1d)):\n"
        "    def construct(self, x):\n"
        "        return super().construct(x)\n"
        "class Net(nn.Cell):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.eca = float64_conv(nn.Conv1d)(1, 1, 3, has_bias=False, pad_mode='pad', padding=1)\n"
        "        self.same = Same(2, 4, 3, has_bias=False, pad_mode='pad', padding=1)\n"
        "        self.act = float64_layer(nn.SiLU)()\n")
    wmap = build_map({"eca.weight": (1, 1, 3), "same.weight": (4, 2, 3)}, src)
    by = {e.torch: e for e in wmap.entries}
    for key in ("eca.weight", "same.weight"):  # read off the source, not guessed from the shape (timm's ECA
        # layers sit where a guess is ambiguous)
        assert by[key].how == "source" and by[key].layer == "Conv1d" and by[key].transform is None
    assert by["eca.weight"].mindspore_shape == [1, 1, 3]


def test_step_counter_follows_the_norm_its_siblings_tell():
    """A norm the source reading allows to be a GroupNorm or a LayerNorm while the checkpoint holds running
    statistics (timm's maxvit blocks): the statistics say BatchNorm, and `num_batches_tracked`, which no
    reading knows, is dropped with them instead of being kept as an unexpected key."""
    keys = {"norm1.weight": (4,), "norm1.bias": (4,), "norm1.running_mean": (4,), "norm1.running_var": (4,),
            "norm1.num_batches_tracked": ()}
    for built in ("nn.GroupNorm(1, 4) if kind else nn.LayerNorm((4,))", "nn.LayerNorm((4,))"):
        src = ModelSource.from_text(
            "from mindspore import nn\n"
            "class Net(nn.Cell):\n"
            "    def __init__(self, kind):\n"
            "        super().__init__()\n"
            f"        self.norm1 = {built}\n")
        names = {e.torch: e.mindspore for e in build_map(keys, src).entries}
        assert names == {"norm1.weight": "norm1.gamma", "norm1.bias": "norm1.beta",
                         "norm1.running_mean": "norm1.moving_mean", "norm1.running_var": "norm1.moving_variance",
                         "norm1.num_batches_tracked": None}, built


def test_ascend_profile_on_torch_source_keeps_names():
    src = ModelSource.from_text("import torch.nn as nn\nclass N(nn.Module):\n    def __init__(self):\n"
                                "        super().__init__()\n        self.bn = nn.BatchNorm2d(2)\n", profile="ascend")
    assert build_map({"bn.running_mean": (2,)}, src).entries[0].mindspore == "bn.running_mean"


def test_helpers_partial_and_appended_lists():
    src = ModelSource.from_text('''
import functools
import torch.nn as nn

class PaddedConv(nn.Conv2d):
    pass

def get_conv(image_size=None):
    return PaddedConv if image_size is None else functools.partial(PaddedConv, image_size=image_size)

def norm(c):
    return nn.BatchNorm2d(c)

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        Conv = get_conv()
        self.conv = Conv(2, 2, 1)
        self.bn = norm(2)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([])
        for _ in range(3):
            self.blocks.append(Block())
        layers = [nn.Linear(2, 2)]
        layers.append(nn.LayerNorm(2))
        self.head = nn.Sequential(*layers)
''')
    assert src.roots() == ["Net"]
    wmap = build_map({"blocks.2.conv.weight": (2, 2, 1, 1), "blocks.2.bn.weight": (2,), "head.1.weight": (2,),
                      "head.0.weight": (2, 2)}, src)
    names = {e.torch: (e.mindspore, e.how) for e in wmap.entries}
    assert names["blocks.2.bn.weight"] == ("blocks.2.bn.gamma", "source")
    assert names["head.1.weight"] == ("head.1.gamma", "source")
    assert names["blocks.2.conv.weight"] == ("blocks.2.conv.weight", "source")
    patterns = {lp.prefix: lp.layer for lp in map_from_source(src).layers}
    assert patterns["blocks.*.bn"] == "BatchNorm2d" and patterns["blocks.*.conv"] == "Conv2d"


def test_wrapper_chains_reach_the_wrapped_blocks_own_parameters():
    """`Residual(PreNorm(dim, Block(...)))` stores each layer as `self.fn = fn` (lucidrains' models): the walk
    goes through the unknown wrappers to the block, so its own 3-D Parameter named `weight` stays as it is
    instead of being read as a Conv1d kernel and given a fourth axis."""
    src = ModelSource.from_text('''
import mindspore
from mindspore import nn, ops

class Residual(nn.Cell):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

class PreNorm(nn.Cell):
    def __init__(self, dim, fn):
        super().__init__()
        self.norm = nn.LayerNorm((dim,))
        self.fn = fn

class Gate(nn.Cell):
    def __init__(self, heads, n):
        super().__init__()
        self.weight = mindspore.Parameter(ops.zeros((heads, n, n)))
        self.bias = mindspore.Parameter(ops.ones((heads, n)))

class Block(nn.Cell):
    def __init__(self):
        super().__init__()
        self.sgu = Gate(1, 8)

class Net(nn.Cell):
    def __init__(self, depth):
        super().__init__()
        self.layers = nn.CellList([Residual(PreNorm(4, Block())) for _ in range(depth)])
''')
    wmap = build_map({"layers.0.fn.fn.sgu.weight": (1, 8, 8), "layers.0.fn.fn.sgu.bias": (1, 8),
                      "layers.0.fn.norm.weight": (4,), "layers.0.fn.norm.bias": (4,)}, src, root="Net")
    names = {e.torch: (e.mindspore, e.transform) for e in wmap.entries}
    assert names["layers.0.fn.fn.sgu.weight"] == ("layers.0.fn.fn.sgu.weight", None)
    assert names["layers.0.fn.norm.weight"][0] == "layers.0.fn.norm.gamma"


def test_guessing_without_source():
    wmap = build_map({"x.weight": (3,), "x.bias": (3,), "x.running_mean": (3,), "x.running_var": (3,),
                      "c.weight": (4, 2, 3), "e.weight": (10, 4), "p.weight": (4,)})
    names = {e.torch: (e.mindspore, e.how) for e in wmap.entries}
    assert names["x.running_var"] == ("x.moving_variance", "guess")
    assert names["c.weight"] == ("c.weight", "guess")
    # a 3-d kernel alone: a Conv1d as msdev converts it, which keeps PyTorch's layout
    assert [e.transform for e in wmap.entries if e.torch == "c.weight"] == [None]
    assert names["e.weight"] == ("e.weight", "kept")  # Linear or Embedding: ambiguous, reported
    assert any("e:" in w for w in wmap.warnings) and any("p:" in w for w in wmap.warnings)


def test_batchnorm_without_affine_gets_filled_gamma_beta():
    src = ModelSource.from_text("from torch import nn\nclass N(nn.Module):\n    def __init__(self):\n"
                                "        super().__init__()\n        self.bn = nn.BatchNorm2d(3, affine=False)\n")
    wmap = build_map({"bn.running_mean": (3,), "bn.running_var": (3,)}, src)
    fills = {e.mindspore: e.transform["value"] for e in wmap.entries if e.how == "fill"}
    assert fills == {"bn.gamma": 1.0, "bn.beta": 0.0}


def test_map_file_round_trip_and_patterns(tmp_path):
    keys = _keys("vision")
    src = ModelSource.from_paths([FIX / "nets_ms.py"])
    source_only = map_from_source(src, "VisionNet")
    p = tmp_path / "m.json"
    source_only.save(p)
    applied = apply_saved_map(WeightMap.load(p), keys)
    exact = build_map(keys, src, root="VisionNet")
    assert {e.torch: e.mindspore for e in applied.entries} == {e.torch: e.mindspore for e in exact.entries}


def test_bad_map_files(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text("{}")
    with pytest.raises(MapError, match="not an msdev weights map"):
        WeightMap.load(p)
    p.write_text("not json")
    with pytest.raises(MapError, match="not valid JSON"):
        WeightMap.load(p)


def test_collision_is_an_error():
    wmap = WeightMap.from_dict if False else None  # noqa: F841 (no constructor shortcut needed)
    src = ModelSource.from_text("from torch import nn\nclass N(nn.Module):\n    def __init__(self):\n"
                                "        super().__init__()\n        self.bn = nn.BatchNorm2d(3)\n")
    with pytest.raises(MapError, match="two parameters map to"):
        build_map({"bn.weight": (3,), "bn.gamma": (3,)}, src)


def test_a_source_reading_the_shape_rules_out_leaves_the_choice_to_the_siblings():
    """MONAI's transposed convolutions come out of a factory the walk reads as a GroupNorm; a 4-D `weight`
    cannot be a GroupNorm's, so the key's siblings decide (a convolution: names kept) instead of gamma/beta."""
    src = ModelSource.from_text('''
from mindspore import nn

class Net(nn.Cell):
    def __init__(self):
        super().__init__()
        self.conv = nn.GroupNorm(2, 4)
''')
    wmap = build_map({"conv.weight": (8, 4, 3, 3), "conv.bias": (4,)}, src, root="Net")
    names = {e.torch: e.mindspore for e in wmap.entries}
    assert names == {"conv.weight": "conv.weight", "conv.bias": "conv.bias"}


def test_an_index_of_an_unknown_value_stops_the_walk():
    """timm's ConvNeXt rebinds `self.stages` to a value the walk cannot know: `stages.0` must not
    read every class's `downsample`, so the norm built by the factory argument is told by its siblings."""
    src = ModelSource.from_text('''
import mindspore
from mindspore import nn, ops

class Stage(nn.Cell):
    def __init__(self, norm_layer):
        super().__init__()
        self.downsample = nn.SequentialCell(norm_layer(4), nn.Conv2d(4, 8, 2))

class OwnNorm(nn.Cell):
    def __init__(self, c):
        super().__init__()
        self.weight = mindspore.Parameter(ops.ones(c))
        self.bias = mindspore.Parameter(ops.zeros(c))

class Other(nn.Cell):
    def __init__(self):
        super().__init__()
        self.downsample = nn.SequentialCell(OwnNorm(4), nn.Conv2d(4, 8, 2))

class Net(nn.Cell):
    def __init__(self, norm_layer):
        super().__init__()
        stages = []
        stages.append(Stage(norm_layer))
        self.stages = nn.SequentialCell(*stages)

    def prune(self, n):
        self.stages = truncate(self.stages, n)
''')
    wmap = build_map({"stages.0.downsample.0.weight": (4,), "stages.0.downsample.0.bias": (4,),
                      "stages.0.downsample.1.weight": (8, 4, 2, 2), "stages.0.downsample.1.bias": (8,)}, src, root="Net")
    names = {e.torch: e.mindspore for e in wmap.entries}
    assert names["stages.0.downsample.0.weight"] == "stages.0.downsample.0.gamma"
    assert names["stages.0.downsample.1.weight"] == "stages.0.downsample.1.weight"


def test_a_norm_the_source_builds_as_batchnorm_or_layernorm_gets_no_batchnorm_fills():
    """pytorch-tcn: `self.norm = nn.BatchNorm1d(c)` or `nn.LayerNorm(c)` by a flag; weight and bias map the
    same either way, and without running statistics in the checkpoint nothing may be filled (a LayerNorm has
    no moving_mean to load them into)."""
    src = ModelSource.from_text('''
import torch.nn as nn

class Block(nn.Module):
    def __init__(self, c, norm):
        super().__init__()
        if norm == 'batch_norm':
            self.norm = nn.BatchNorm1d(c)
        else:
            self.norm = nn.LayerNorm(c)
''')
    wmap = build_map({"norm.weight": (4,), "norm.bias": (4,)}, src, root="Block")
    assert {e.torch: e.mindspore for e in wmap.entries} == {"norm.weight": "norm.gamma", "norm.bias": "norm.beta"}
    with_stats = build_map({"norm.weight": (4,), "norm.bias": (4,), "norm.running_mean": (4,),
                            "norm.running_var": (4,)}, src, root="Block")
    assert "norm.moving_variance" in {e.mindspore for e in with_stats.entries}


def test_conv1d_kernels_and_their_normalised_parts_keep_pytorchs_layout():
    """msdev's converted Conv1d keeps PyTorch's (out, in, k) kernel, so its weight and what weight or
    spectral normalisation stores beside it (`parametrizations.weight.original0/1`, `weight_orig`, the
    vectors) load unchanged; a transposed 1-d convolution's kernel, and MindSpore's own Conv1d's in code
    written for MindSpore, still gain MindSpore's unit axis."""
    src = ModelSource.from_text('''
import torch.nn as nn
from torch.nn.utils.parametrizations import weight_norm
from torch.nn.utils import spectral_norm

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.plain = nn.Conv1d(2, 3, 5)
        self.conv = weight_norm(nn.Conv1d(2, 3, 5))
        self.old = spectral_norm(nn.Conv1d(2, 3, 5))
        self.up = nn.ConvTranspose1d(3, 2, 4)
''')
    keys = {"plain.weight": (3, 2, 5), "plain.bias": (3,),
            "conv.parametrizations.weight.original0": (3, 1, 1), "conv.parametrizations.weight.original1": (3, 2, 5),
            "conv.bias": (3,), "old.weight_orig": (3, 2, 5), "old.weight_u": (3,), "old.weight_v": (10,),
            "old.bias": (3,), "up.weight": (3, 2, 4), "up.bias": (2,)}
    wmap = build_map(keys, src, root="Net")
    shapes = {e.torch: tuple(e.mindspore_shape) for e in wmap.entries}
    assert {k: v for k, v in shapes.items() if not k.startswith("up.")} == {
        k: v for k, v in keys.items() if not k.startswith("up.")}
    assert shapes["up.weight"] == (3, 2, 1, 4)
    converted = ModelSource.from_text('''
from mindspore import nn

class Net(nn.Cell):
    def __init__(self):
        super().__init__()
        self.plain = float64_conv(nn.Conv1d)(2, 3, 5, has_bias=True, pad_mode='pad')
        self.native = nn.Conv1d(2, 3, 5, has_bias=True, pad_mode='pad')
''')
    shapes = {e.torch: tuple(e.mindspore_shape) for e in build_map(
        {"plain.weight": (3, 2, 5), "native.weight": (3, 2, 5)}, converted, root="Net").entries}
    assert shapes == {"plain.weight": (3, 2, 5), "native.weight": (3, 2, 1, 5)}
