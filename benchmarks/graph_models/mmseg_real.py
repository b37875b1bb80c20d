"""The real OpenMMLab mmsegmentation models (small backbones, random weights) for
`benchmarks/graphs_bench.py --model-file benchmarks/graph_models/mmseg_real.py`: PSPNet, DeepLabV3+,
UPerNet and SegFormer decode heads as `EncoderDecoder(mode="tensor")` runs them (ConvModule, PPM
pooling, depthwise separable ASPP, `resize` with align_corners, Mix Transformer attention).

mmsegmentation is not a dependency of msdev: install it apart, e.g.
`pip install --no-deps --target DIR mmsegmentation==1.2.2 mmengine==0.10.7 mmcv-lite==2.2.0 addict
termcolor yapf opencv-python-headless ...` and run with `PYTHONPATH=DIR`. mmcv-lite has no compiled ops:
only modules that need none are used.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stand_ins  # noqa: E402

stand_ins.torchvision()
stand_ins.install("mmcv._ext")  # imported by mmcv.ops at package import; no module used here needs it
import mmcv  # noqa: E402

mmcv.__version__ = "2.1.0"  # mmseg 1.2.2 refuses mmcv 2.2.0 by version number alone
import torch  # noqa: E402
from mmseg.registry import MODELS as REGISTRY  # noqa: E402
from mmseg.utils import register_all_modules  # noqa: E402

register_all_modules()
BN = dict(type="BN", requires_grad=True)
RESNET = dict(type="ResNetV1c", depth=18, stem_channels=16, base_channels=16, num_stages=4,
              out_indices=(0, 1, 2, 3), dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1), norm_cfg=BN,
              contract_dilation=True)
MIT = dict(type="MixVisionTransformer", in_channels=3, embed_dims=16, num_stages=4, num_layers=[1, 1, 1, 1],
           num_heads=[1, 1, 2, 2], patch_sizes=[7, 3, 3, 3], sr_ratios=[8, 4, 2, 1], out_indices=(0, 1, 2, 3),
           mlp_ratio=4, qkv_bias=True)


class Segmentor(torch.nn.Module):
    """`EncoderDecoder` in tensor mode: the decode head's logits (no data preprocessor)."""

    def __init__(self, backbone, head):
        super().__init__()
        self.m = REGISTRY.build(dict(type="EncoderDecoder", backbone=backbone, decode_head=head))

    def forward(self, x):
        return self.m(x, mode="tensor")


def seg(backbone, **head):
    head = dict(num_classes=5, norm_cfg=BN, dropout_ratio=0.1, **head)
    return lambda: Segmentor(backbone, head)


IMG = [((2, 3, 64, 64), "float32")]
MODELS = {
    "mmseg_pspnet": (seg(RESNET, type="PSPHead", in_channels=128, in_index=3, channels=32,
                         pool_scales=(1, 2, 3, 6)), IMG),
    "mmseg_deeplabv3plus": (seg(RESNET, type="DepthwiseSeparableASPPHead", in_channels=128, in_index=3,
                                channels=32, dilations=(1, 12, 24, 36), c1_in_channels=16, c1_channels=8), IMG),
    "mmseg_upernet": (seg(RESNET, type="UPerHead", in_channels=[16, 32, 64, 128], in_index=[0, 1, 2, 3],
                          channels=32, pool_scales=(1, 2, 3, 6)), IMG),
    "mmseg_segformer": (seg(MIT, type="SegformerHead", in_channels=[16, 16, 32, 32], in_index=[0, 1, 2, 3],
                            channels=32), IMG),
    "mmseg_fcn_align": (seg(RESNET, type="FCNHead", in_channels=128, in_index=3, channels=32, num_convs=2,
                            concat_input=True, align_corners=True), [((2, 3, 48, 48), "float32")]),
}
