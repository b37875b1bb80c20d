"""`weights convert --code <whole package>`: names resolved per module, as the package imports them.

A package such as timm defines many classes of the same name (`Block`, `Mlp`, `LayerNorm`
subclassing the framework's own `LayerNorm`) and builds norm layers through factories the static
walk cannot follow. These tests write a small converted package and check the map it gives.
"""

from pathlib import Path

import pytest

from msdev.weights.mapping import MapError, build_map
from msdev.weights.structure import ModelSource

PKG = {
    "__init__.py": "from .net import Net\n",
    "layers/__init__.py": "from .norm import *\nfrom .create import get_norm\n",
    "layers/norm.py": (
        "from mindspore import nn\n"
        "class LayerNorm(nn.LayerNorm):\n"
        "    def __init__(self, c):\n"
        "        super().__init__((c,))\n"
        "    def construct(self, x):\n"
        "        y = self.inherited(x)\n"
        "        return y\n"
    ),
    "cells.py": (  # pnasnet's names: a user class called `Cell` under a base that subclasses nn.Cell
        "from mindspore import nn\n"
        "class CellBase(nn.Cell):\n"
        "    def make_norm(self):\n"
        "        return nn.BatchNorm2d(4)\n"
        "class Cell(CellBase):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.norm = self.make_norm()\n"
    ),
    "layers/create.py": (
        "from mindspore import nn\n"
        "_NORMS = {'bn': nn.BatchNorm2d}\n"
        "def get_norm(name):\n"
        "    return _NORMS[name]\n"
    ),
    "blocks_a.py": (
        "from mindspore import nn\n"
        "class Block(nn.Cell):\n"
        "    def __init__(self, c):\n"
        "        super().__init__()\n"
        "        self.norm = nn.BatchNorm2d(c)\n"
    ),
    "blocks_b.py": (
        "import mindspore\n"
        "from mindspore import nn\n"
        "from .layers import LayerNorm\n"
        "class Block(nn.Cell):\n"
        "    def __init__(self, c):\n"
        "        super().__init__()\n"
        "        self.norm = LayerNorm(c)\n"
        "        self.weight = mindspore.Parameter(mindspore.ops.ones(c))\n"
    ),
    "net.py": (
        "from mindspore import nn\n"
        "from .blocks_b import Block\n"
        "from .layers import get_norm\n"
        "from . import blocks_a\n"
        "class Net(nn.Cell):\n"
        "    def __init__(self, c=4, norm='bn'):\n"
        "        super().__init__()\n"
        "        norm_layer = get_norm(norm)\n"
        "        self.bn1 = norm_layer(c)\n"
        "        self.block = Block(c)\n"
        "        self.other = blocks_a.Block(c)\n"
    ),
}

BN = {"weight": (4,), "bias": (4,), "running_mean": (4,), "running_var": (4,), "num_batches_tracked": ()}
KEYS = {**{f"bn1.{k}": s for k, s in BN.items()},
        "block.norm.weight": (4,), "block.norm.bias": (4,), "block.weight": (4,),
        **{f"other.norm.{k}": s for k, s in BN.items()}}


@pytest.fixture()
def package(tmp_path) -> Path:
    root = tmp_path / "pkg"
    for rel, text in PKG.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_same_class_names_resolve_per_module(package):
    src = ModelSource.from_paths([package])
    assert {"pkg.blocks_a.Block", "pkg.blocks_b.Block"} <= set(src.classes)
    by = {e.torch: e.mindspore for e in build_map(KEYS, src, root="Net").entries}
    # blocks_b.Block holds the package's LayerNorm (a subclass of nn.LayerNorm, found through a star import)
    assert by["block.norm.weight"] == "block.norm.gamma"
    assert by["block.norm.bias"] == "block.norm.beta"
    assert by["block.weight"] == "block.weight"
    # `blocks_a.Block` (module attribute) holds a BatchNorm2d
    assert by["other.norm.running_var"] == "other.norm.moving_variance"
    assert by["other.norm.num_batches_tracked"] is None


def test_norm_from_an_unknown_factory_is_recognised_by_its_statistics(package):
    """`norm_layer = get_norm(name)` cannot be followed; a class elsewhere has a `weight` Parameter,
    which must not make `bn1.weight` a bare parameter that keeps its PyTorch name."""
    by = {e.torch: e for e in build_map(KEYS, ModelSource.from_paths([package]), root="Net").entries}
    assert by["bn1.weight"].mindspore == "bn1.gamma"
    assert by["bn1.bias"].mindspore == "bn1.beta"
    assert by["bn1.running_mean"].mindspore == "bn1.moving_mean"
    assert by["bn1.running_var"].mindspore == "bn1.moving_variance"
    assert by["bn1.num_batches_tracked"].mindspore is None


def test_classes_named_like_framework_classes_do_not_loop(package):
    src = ModelSource.from_paths([package])  # once a RecursionError: `nn.Cell` was taken for pnasnet's `Cell`
    assert src.layer_base("LayerNorm").rule.kind == "LayerNorm"
    assert [b.key for b in src.base_infos(src.classes["Cell"])] == ["CellBase"]
    by = {e.torch: e.mindspore for e in build_map({"norm.running_mean": (4,)}, src, root="Cell").entries}
    assert by["norm.running_mean"] == "norm.moving_mean"


def test_root_names(package):
    src = ModelSource.from_paths([package])
    assert build_map({"norm.weight": (4,)}, src, root="pkg.blocks_a.Block").root == "pkg.blocks_a.Block"
    with pytest.raises(MapError, match="several classes are named 'Block'.*pkg.blocks_a.Block"):
        build_map({"norm.weight": (4,)}, src, root="Block")
    with pytest.raises(MapError, match="not defined"):
        build_map({"norm.weight": (4,)}, src, root="Nope")


def test_root_of_pytorch_container(package):
    """A builder function returning `nn.Sequential(...)` (lucidrains' MLPMixer): the root's class is PyTorch's
    own, which no converted file defines; the keys are read as with no root, not refused."""
    src = ModelSource.from_paths([package])
    keys = {**{f"0.norm.{k}": s for k, s in BN.items()}, "1.weight": (4, 8), "1.bias": (4,)}
    by = {e.torch: e.mindspore for e in build_map(keys, src, root="torch.nn.modules.container.Sequential").entries}
    assert by["0.norm.weight"] == "0.norm.gamma" and by["0.norm.running_mean"] == "0.norm.moving_mean"
    assert by["1.weight"] == "1.weight"


ZOO = (
    "from mindspore import nn\n"
    "class Head(nn.Cell):\n"
    "    def __init__(self, c, norm_layer=None, use_norm=True):\n"
    "        super().__init__()\n"
    "        self.norm = norm_layer(c) if use_norm else nn.Identity()\n"  # Identity or a norm: the norm owns keys
    "        self.level = self._make_level(c)\n"
    "    def _make_level(self, c):\n"
    "        modules = []\n"
    "        for _ in range(2):\n"
    "            modules.extend([nn.Conv2d(c, c, 3, has_bias=False),\n"
    "                            nn.BatchNorm2d(c).set_train(True),\n"  # the converter's training-mode call
    "                            nn.ReLU()])\n"
    "        return nn.SequentialCell(*modules)\n"
)


def test_parameterless_layers_and_set_train_chains():
    """An attribute that is `nn.Identity()` or a norm layer built elsewhere: the Identity cannot own
    the checkpoint's `norm.*` keys, so the statistics decide (BatchNorm). `nn.BatchNorm2d(c).set_train(True)`
    (as the converter writes it outside `__init__`) is still the BatchNorm layer."""
    src = ModelSource.from_text(ZOO)
    keys = {**{f"norm.{k}": s for k, s in BN.items()}, "level.0.weight": (4, 4, 3, 3),
            **{f"level.1.{k}": s for k, s in BN.items()}}
    by = {e.torch: e.mindspore for e in build_map(keys, src, root="Head").entries}
    assert by["norm.weight"] == "norm.gamma" and by["norm.running_var"] == "norm.moving_variance"
    assert by["level.1.weight"] == "level.1.gamma" and by["level.1.running_mean"] == "level.1.moving_mean"
    assert by["level.1.num_batches_tracked"] is None
    assert by["level.0.weight"] == "level.0.weight"


def one_module_package(tmp_path: Path, source: str) -> Path:
    """A package `pkg` whose `net.py` holds SOURCE (converted MindSpore code)."""
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "net.py").write_text(source)
    return root


def test_layer_passed_to_a_constructor_is_recognised_where_another_class_has_identity(tmp_path):
    """resnet's `downsample` arrives as a constructor argument (the walk cannot follow it) and
    another class of the package sets `self.downsample = nn.Identity()`: the weak Identity reading
    renames nothing, so the sibling statistics decide (BatchNorm: gamma/beta/moving_*)."""
    root = one_module_package(tmp_path,
        "from mindspore import nn\n"
        "class Block(nn.Cell):\n"
        "    def __init__(self, downsample=None):\n"
        "        super().__init__()\n"
        "        self.downsample = downsample\n"
        "class Other(nn.Cell):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.downsample = nn.Identity()\n"
        "class Net(nn.Cell):\n"
        "    def __init__(self, block):\n"
        "        super().__init__()\n"
        "        self.layer = nn.SequentialCell(*[block(nn.SequentialCell(nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4)))])\n"
    )
    keys = {"layer.0.downsample.0.weight": (4, 4, 1, 1),
            **{f"layer.0.downsample.1.{k}": s for k, s in BN.items()}}
    by = {e.torch: e.mindspore for e in build_map(keys, ModelSource.from_paths([root]), root="Net").entries}
    assert by["layer.0.downsample.0.weight"] == "layer.0.downsample.0.weight"
    assert by["layer.0.downsample.1.weight"] == "layer.0.downsample.1.gamma"
    assert by["layer.0.downsample.1.running_var"] == "layer.0.downsample.1.moving_variance"
    assert by["layer.0.downsample.1.num_batches_tracked"] is None


def test_sequential_subclass_children_come_from_its_super_init(tmp_path):
    """torchvision's `Conv2dNormActivation(nn.Sequential)` passes its layers to `super().__init__(*layers)`:
    the indices of such a class are the layers of that call (once, no index could be walked into)."""
    root = one_module_package(tmp_path,
        "from mindspore import nn\n"
        "class ConvNorm(nn.SequentialCell):\n"
        "    def __init__(self, cin, cout, norm_layer=nn.BatchNorm2d):\n"
        "        layers = [nn.Conv2d(cin, cout, 3)]\n"
        "        layers.append(norm_layer(cout))\n"
        "        super().__init__(*layers)\n"
        "class Net(nn.Cell):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        layers = [ConvNorm(3, 4)]\n"  # mobilenet_v2's InvertedResidual: elements of several kinds
        "        layers.extend([nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4)])\n"
        "        self.conv = nn.SequentialCell(*layers)\n"
    )
    keys = {"conv.0.0.weight": (4, 3, 3, 3), **{f"conv.0.1.{k}": s for k, s in BN.items()}}
    by = {e.torch: e.mindspore for e in build_map(keys, ModelSource.from_paths([root]), root="Net").entries}
    assert by["conv.0.0.weight"] == "conv.0.0.weight"
    assert by["conv.0.1.weight"] == "conv.0.1.gamma"  # once kept: `1.weight` read as a Conv2d's own name
    assert by["conv.0.1.running_mean"] == "conv.0.1.moving_mean"


def test_bias_follows_the_layer_its_siblings_chose(tmp_path):
    """timm dla's `_make_conv_level`: `[Conv2d, BatchNorm2d, ReLU]` extended in a loop, so index 1 reads
    as either layer. Its `running_mean` and 1-D `weight` say BatchNorm; `bias` (1-D in both) goes with
    them (once kept as `bias`, an unexpected key when loading)."""
    root = one_module_package(tmp_path,
        "from mindspore import nn\n"
        "class Net(nn.Cell):\n"
        "    def __init__(self, convs=2):\n"
        "        super().__init__()\n"
        "        modules = []\n"
        "        for i in range(convs):\n"
        "            modules.extend([nn.Conv2d(4, 4, 3, has_bias=False), nn.BatchNorm2d(4), nn.ReLU()])\n"
        "        self.level0 = nn.SequentialCell(*modules)\n"
    )
    keys = {"level0.0.weight": (4, 4, 3, 3), **{f"level0.1.{k}": s for k, s in BN.items()},
            "level0.3.weight": (4, 4, 3, 3), **{f"level0.4.{k}": s for k, s in BN.items()}}
    wmap = build_map(keys, ModelSource.from_paths([root]), root="Net")
    by = {e.torch: e.mindspore for e in wmap.entries}
    assert by["level0.0.weight"] == "level0.0.weight"
    for i in (1, 4):
        assert by[f"level0.{i}.weight"] == f"level0.{i}.gamma"
        assert by[f"level0.{i}.bias"] == f"level0.{i}.beta"
        assert by[f"level0.{i}.running_var"] == f"level0.{i}.moving_variance"
    assert not [w for w in wmap.warnings if "several layer types" in w]


def test_a_key_every_reading_drops_does_not_choose_the_layer(tmp_path):
    """torchvision resnet's `downsample = Sequential(conv1x1(...), norm_layer(planes))` where
    `norm_layer` may be any BatchNorm: `num_batches_tracked` is dropped by every reading, so it must not
    pick BatchNorm3d (whose parameters sit under `bn2d.`) for its siblings."""
    root = one_module_package(tmp_path,
        "from mindspore import nn\n"
        "class Net(nn.Cell):\n"
        "    def __init__(self, norm_layer=None, wide=False):\n"
        "        super().__init__()\n"
        "        if norm_layer is None:\n"
        "            norm_layer = nn.BatchNorm3d if wide else nn.BatchNorm2d\n"
        "        self.downsample = nn.SequentialCell(nn.Conv2d(4, 4, 1, has_bias=False), norm_layer(4))\n"
    )
    keys = {"downsample.0.weight": (4, 4, 1, 1), **{f"downsample.1.{k}": s for k, s in BN.items()}}
    wmap = build_map(keys, ModelSource.from_paths([root]), root="Net")
    by = {e.torch: e.mindspore for e in wmap.entries}
    assert "bn2d" not in " ".join(str(v) for v in by.values())


VARIANTS = {  # a model copied into a variant file that adds only parameter-free layers
    "__init__.py": "",
    "plain.py": (
        "from mindspore import nn\n"
        "class Net(nn.Cell):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.conv = nn.Conv2d(3, 4, 3)\n"
        "        self.bn = nn.BatchNorm2d(4)\n"
    ),
    "regularised.py": (
        "from mindspore import nn\n"
        "class Net(nn.Cell):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.conv = nn.Conv2d(3, 4, 3)\n"
        "        self.drop = nn.Dropout(p=0.1)\n"
        "        self.bn = nn.BatchNorm2d(4)\n"
    ),
    "other.py": (
        "from mindspore import nn\n"
        "class Net(nn.Cell):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.conv = nn.Conv2d(3, 4, 3)\n"
        "        self.bn = nn.LayerNorm((4,))\n"
    ),
}


def test_same_named_roots_that_map_alike_need_no_module(tmp_path):
    """`--root Net` where several files define a `Net`: when every one maps the checkpoint the same
    way, the map is made; a class that reads a key as another layer keeps the question open."""
    pkg = tmp_path / "zoo"
    for rel, text in VARIANTS.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text(text)
    keys = {"conv.weight": (4, 3, 3, 3), "conv.bias": (4,), **{f"bn.{k}": s for k, s in BN.items()}}
    two = ModelSource.from_paths([pkg / "__init__.py", pkg / "plain.py", pkg / "regularised.py"])
    by = {e.torch: e.mindspore for e in build_map(keys, two, root="Net").entries}
    assert by["bn.weight"] == "bn.gamma" and by["bn.running_var"] == "bn.moving_variance"
    assert by["conv.weight"] == "conv.weight" and by["bn.num_batches_tracked"] is None
    three = ModelSource.from_paths([pkg])
    with pytest.raises(MapError, match="several classes are named 'Net'.*zoo.other.Net"):
        build_map(keys, three, root="Net")
NO_BIAS_NET = (
    "import mindspore\n"
    "from mindspore import nn\n"
    "{imports}"
    "class GroupNorm1NoBias(nn.GroupNorm):\n"
    "    def __init__(self, c):\n"
    "        super().__init__(1, c)\n"
    "        self.beta = None\n"
    "class StarReLU(nn.Cell):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.scale = mindspore.Parameter(mindspore.ops.ones(1))\n"
    "class Stem(nn.Cell):\n"
    "    def __init__(self, c, norm_layer=None):\n"
    "        super().__init__()\n"
    "        self.conv = nn.Conv2d(3, c, 3)\n"
    "        self.norm = norm_layer(c) if norm_layer else nn.Identity()\n"
    "        self.act = StarReLU()\n"
    "class MetaFormer(nn.Cell):\n"
    "    def __init__(self, norm_layer=GroupNorm1NoBias):\n"
    "        super().__init__()\n"
    "        self.stem = Stem(4, norm_layer=norm_layer)\n"
)
RMS_NORM = (
    "import mindspore\n"
    "from mindspore import nn\n"
    "class RmsNorm(nn.Cell):\n"
    "    def __init__(self, c):\n"
    "        super().__init__()\n"
    "        self.weight = mindspore.Parameter(mindspore.ops.ones(c))\n"
)


def test_norm_without_bias_from_a_factory_is_read_from_the_classes_its_module_names(tmp_path):
    """timm metaformer (poolformerv2, convformer): `norm_layer(c) if norm_layer else nn.Identity()` with
    a GroupNorm/LayerNorm subclass that sets its bias to None leaves a lone 1-D `weight`, which the
    siblings cannot tell from another module's RmsNorm `weight`. The classes the model's module defines
    or imports are all norms (gamma), so the key is a norm's gamma; a bare parameter keeps its name."""
    root = one_module_package(tmp_path, NO_BIAS_NET.format(imports=""))
    (root / "rms.py").write_text(RMS_NORM)
    keys = {"stem.conv.weight": (4, 3, 3, 3), "stem.conv.bias": (4,), "stem.norm.weight": (4,),
            "stem.act.scale": (1,)}
    by = {e.torch: e.mindspore for e in build_map(keys, ModelSource.from_paths([root]), root="MetaFormer").entries}
    assert by["stem.norm.weight"] == "stem.norm.gamma"  # was kept as `weight`: 1 missing, 1 unexpected
    assert by["stem.act.scale"] == "stem.act.scale"
    assert by["stem.conv.weight"] == "stem.conv.weight"


def test_norm_without_bias_stays_undecided_when_its_module_also_names_a_weight_holder(tmp_path):
    """The same network whose module also imports RmsNorm (a bare `weight`): the key may be either, so
    nothing is renamed on that guess."""
    root = one_module_package(tmp_path, NO_BIAS_NET.format(imports="from .rms import RmsNorm\n"))
    (root / "rms.py").write_text(RMS_NORM)
    keys = {"stem.conv.weight": (4, 3, 3, 3), "stem.norm.weight": (4,)}
    by = {e.torch: e.mindspore for e in build_map(keys, ModelSource.from_paths([root]), root="MetaFormer").entries}
    assert by["stem.norm.weight"] == "stem.norm.weight"


def test_a_linear_head_from_a_helper_is_not_read_as_the_modules_norm(tmp_path):
    """timm nest: `self.head` comes out of a helper function the walk cannot follow, and the module
    defines a LayerNorm. Its 2-D `weight` with a `bias` is a Linear by its siblings: names kept."""
    root = one_module_package(tmp_path,
        "import mindspore\n"
        "from mindspore import nn\n"
        "class LayerNorm(nn.LayerNorm):\n"
        "    pass\n"
        "def create_head(c, n):\n"
        "    return nn.Dense(c, n)\n"
        "class Net(nn.Cell):\n"
        "    def __init__(self, make):\n"
        "        super().__init__()\n"
        "        self.norm = LayerNorm((4,))\n"
        "        self.head = make(4, 10)\n"
    )
    (root / "scale.py").write_text(RMS_NORM.replace("self.weight = ", "self.bias = self.weight = "))
    keys = {"norm.weight": (4,), "norm.bias": (4,), "head.weight": (10, 4), "head.bias": (10,)}
    by = {e.torch: e.mindspore for e in build_map(keys, ModelSource.from_paths([root]), root="Net").entries}
    assert by["head.weight"] == "head.weight" and by["head.bias"] == "head.bias"
    assert by["norm.weight"] == "norm.gamma"


FACTORY = (  # pytorchcv's way: an activation factory handed down and called by a helper elsewhere
    "from mindspore import nn\n"
    "def create_activation(activation):\n"
    "    return activation() if callable(activation) else activation\n"
    "class ConvBlock(nn.Cell):\n"
    "    def __init__(self, c, activation):\n"
    "        super().__init__()\n"
    "        self.conv = nn.Conv2d(c, c, 1)\n"
    "        self.activ = create_activation(activation)\n"
    "class Net(nn.Cell):\n"
    "    def __init__(self, c=4):\n"
    "        super().__init__()\n"
    "        self.block = ConvBlock(c, activation=(lambda: nn.PReLU(c)))\n"
)


@pytest.mark.parametrize("other, renamed", [
    ("", True),  # PReLU is the only layer of the code with a lone 1-D weight: its `w`
    ("class N(nn.Cell):\n    def __init__(self):\n        super().__init__()\n"
     "        self.norm = nn.LayerNorm((4,), bias=False)\n", False),  # a LayerNorm without bias could hold it
])
def test_lone_weight_from_a_factory_is_a_prelu_when_nothing_else_could_hold_it(tmp_path, other, renamed):
    root = one_module_package(tmp_path, FACTORY + other)
    keys = {"block.conv.weight": (4, 4, 1, 1), "block.conv.bias": (4,), "block.activ.weight": (4,)}
    entries = {e.torch: e for e in build_map(keys, ModelSource.from_paths([root]), root="Net").entries}
    assert entries["block.conv.weight"].mindspore == "block.conv.weight"
    assert entries["block.activ.weight"].mindspore == ("block.activ.w" if renamed else "block.activ.weight")


def test_lone_single_slope_from_a_factory_is_a_prelu_beside_other_lone_weights(tmp_path):
    """MONAI's `Act["prelu"]()`: PReLU's default single slope, shape (1,), in code that also builds a LayerNorm
    without bias (a lone weight too, but never over one feature): PReLU's `w`."""
    other = ("class N(nn.Cell):\n    def __init__(self):\n        super().__init__()\n"
             "        self.norm = nn.LayerNorm((4,), bias=False)\n")
    root = one_module_package(tmp_path, FACTORY + other)
    keys = {"block.conv.weight": (4, 4, 1, 1), "block.conv.bias": (4,), "block.activ.weight": (1,)}
    entries = {e.torch: e for e in build_map(keys, ModelSource.from_paths([root]), root="Net").entries}
    assert entries["block.activ.weight"].mindspore == "block.activ.w"


def test_children_of_a_local_instance_built_by_a_function():
    """open_clip's CLIP: `text = _build_text_tower(...)`, then `self.token_embedding = text.token_embedding`:
    the Embedding's weight is MindSpore's embedding_table, found through the local instance."""
    src = ModelSource.from_text(
        "from mindspore import nn\n"
        "class Text(nn.Cell):\n"
        "    def __init__(self, w):\n"
        "        super().__init__()\n"
        "        self.token_embedding = nn.Embedding(10, w)\n"
        "def build(w, cfg=None):\n"
        "    text = Text(w)\n"
        "    return text\n"
        "class Clip(nn.Cell):\n"
        "    def __init__(self, w=4):\n"
        "        super().__init__()\n"
        "        text = build(w)\n"
        "        self.token_embedding = text.token_embedding\n"
        "        self.context_length = text.context_length\n")
    by = {e.torch: e.mindspore for e in build_map({"token_embedding.weight": (10, 4)}, src, root="Clip").entries}
    assert by["token_embedding.weight"] == "token_embedding.embedding_table"


def test_known_element_of_a_container_with_an_unknown_one_keeps_its_own_parameter_names():
    """SAM 2's MaskDownSampler appends Conv2d, its own LayerNorm2d (bare `weight`/`bias`) and an
    activation given as an argument to one Sequential: index 1's `weight`/`bias` are LayerNorm2d's
    own parameters, not a MindSpore LayerNorm's gamma/beta, although the activation is unknown."""
    src = ModelSource.from_text(
        "import mindspore\n"
        "from mindspore import nn, ops\n"
        "class LayerNorm2d(nn.Cell):\n"
        "    def __init__(self, c):\n"
        "        super().__init__()\n"
        "        self.weight = mindspore.Parameter(ops.ones(c))\n"
        "        self.bias = mindspore.Parameter(ops.zeros(c))\n"
        "class Down(nn.Cell):\n"
        "    def __init__(self, activation=nn.GELU):\n"
        "        super().__init__()\n"
        "        self.encoder = nn.SequentialCell()\n"
        "        self.encoder.append(nn.Conv2d(1, 4, 3))\n"
        "        self.encoder.append(LayerNorm2d(4))\n"
        "        self.encoder.append(activation())\n"
        "class Memory(nn.Cell):\n"
        "    def __init__(self, down):\n"
        "        super().__init__()\n"
        "        self.down = down\n")
    keys = {"down.encoder.0.weight": (4, 1, 3, 3), "down.encoder.0.bias": (4,),
            "down.encoder.1.weight": (4,), "down.encoder.1.bias": (4,)}
    by = {e.torch: e.mindspore for e in build_map(keys, src, root="Memory").entries}
    assert by == {k: k for k in keys}
