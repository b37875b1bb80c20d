"""The real Hugging Face diffusers models (tiny configs, random weights) for
`benchmarks/graphs_bench.py --model-file benchmarks/graph_models/diffusers_real.py`: UNet2DModel with
attention blocks, UNet2DConditionModel with cross-attention on text states, and AutoencoderKL
(encode -> posterior mode -> decode), as their own forward runs them (timestep embeddings, GroupNorm,
attention processors on scaled_dot_product_attention, nearest upsampling).

diffusers is not a dependency of msdev: install it apart, e.g.
`pip install --no-deps --target DIR diffusers==0.42.1 huggingface-hub safetensors requests ...`
and run with `PYTHONPATH=DIR`.
"""
import sys

sys.modules.setdefault("torchvision", None)  # a CUDA-only torchvision wheel breaks the import
import torch  # noqa: E402
from diffusers import AutoencoderKL, UNet2DConditionModel, UNet2DModel  # noqa: E402


class Sample(torch.nn.Module):
    """Returns the `.sample` tensor of the model's output object."""

    def __init__(self, m, **kwargs):
        super().__init__()
        self.m = m
        self.kwargs = kwargs

    def forward(self, *args):
        return self.m(*args, **self.kwargs).sample


def unet():
    return Sample(UNet2DModel(sample_size=16, in_channels=3, out_channels=3, layers_per_block=1,
                              block_out_channels=(16, 32), norm_num_groups=8, attention_head_dim=8,
                              down_block_types=("DownBlock2D", "AttnDownBlock2D"),
                              up_block_types=("AttnUpBlock2D", "UpBlock2D")))


def unet_cond():
    return Sample(UNet2DConditionModel(sample_size=16, in_channels=4, out_channels=4, layers_per_block=1,
                                       block_out_channels=(16, 32), norm_num_groups=8, cross_attention_dim=16,
                                       attention_head_dim=4,
                                       down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                                       up_block_types=("UpBlock2D", "CrossAttnUpBlock2D")))


def vae():
    return Sample(AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4, layers_per_block=1,
                                block_out_channels=(16, 32), norm_num_groups=8, sample_size=16,
                                down_block_types=("DownEncoderBlock2D",) * 2,
                                up_block_types=("UpDecoderBlock2D",) * 2), sample_posterior=False)


MODELS = {
    "diffusers_unet2d": (unet, [((2, 3, 16, 16), "float32"), ((2,), "int64", 1000)]),
    "diffusers_unet2d_cond": (unet_cond, [((2, 4, 16, 16), "float32"), ((2,), "int64", 1000),
                                          ((2, 5, 16), "float32")]),
    "diffusers_vae": (vae, [((2, 3, 16, 16), "float32")]),
}
