"""Models from packages msdev was never fixed against (session 18's unseen set), for
`benchmarks/graphs_bench.py --model-file benchmarks/graph_models/lucidrains_real.py`: lucidrains'
tab-transformer (0.3.0), segformer, EGNN, ResMLP, HaloNet attention, bottleneck transformer and SIREN;
pytorch-tcn's temporal convolutions (weight norm, causal padding buffers) and pytorch_wavelets' DWT.

None of them is a dependency of msdev: unpack the wheels into DIR (`pip download --no-deps
tab-transformer-pytorch==0.3.0 segformer-pytorch egnn-pytorch res-mlp-pytorch halonet-pytorch
bottleneck-transformer-pytorch siren-pytorch pytorch-tcn pytorch-wavelets PyWavelets einops`) and run with
`PYTHONPATH=DIR`.
"""
import torch
from bottleneck_transformer_pytorch import BottleStack
from egnn_pytorch import EGNN
from halonet_pytorch import HaloAttention
from pytorch_tcn import TCN
from pytorch_wavelets import DWTForward
from res_mlp_pytorch import ResMLP
from segformer_pytorch import Segformer
from siren_pytorch import SirenNet
from tab_transformer_pytorch import FTTransformer, TabTransformer


def tab_transformer():
    return TabTransformer(categories=(5, 4, 3), num_continuous=4, dim=16, depth=2, heads=2, dim_out=2,
                          mlp_hidden_mults=(2, 2))


def ft_transformer():
    return FTTransformer(categories=(5, 4, 3), num_continuous=4, dim=16, depth=2, heads=2, dim_out=2)


def segformer():
    return Segformer(dims=(8, 16, 24, 32), heads=(1, 2, 2, 4), ff_expansion=(2, 2, 2, 2), reduction_ratio=(4, 2, 2, 1),
                     num_layers=1, decoder_dim=16, num_classes=3)


class Egnn(torch.nn.Module):
    """EGNN layer returning its features and coordinates as one tensor pair."""

    def __init__(self):
        super().__init__()
        self.layer = EGNN(dim=8, m_dim=8, num_nearest_neighbors=3, norm_coors=True)

    def forward(self, feats, coors):
        return self.layer(feats, coors)


class Dwt(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dwt = DWTForward(J=2, wave="db2", mode="symmetric")

    def forward(self, x):
        low, highs = self.dwt(x)
        return low, highs[0], highs[1]


MODELS = {
    "tab_transformer": (tab_transformer, [((6, 3), "int64", 3), ((6, 4), "float32")]),
    "ft_transformer": (ft_transformer, [((6, 3), "int64", 3), ((6, 4), "float32")]),
    "segformer": (segformer, [((1, 3, 64, 64), "float32")]),
    "egnn": (Egnn, [((2, 6, 8), "float32"), ((2, 6, 3), "float32")]),
    "resmlp": (lambda: ResMLP(image_size=32, patch_size=8, dim=32, depth=2, num_classes=10), [((2, 3, 32, 32), "float32")]),
    "halo_attention": (lambda: HaloAttention(dim=16, block_size=4, halo_size=1, dim_head=8, heads=2),
                       [((1, 16, 8, 8), "float32")]),
    "bottle_stack": (lambda: BottleStack(dim=16, fmap_size=8, dim_out=32, proj_factor=2, num_layers=2, heads=2,
                                         dim_head=8, downsample=True, rel_pos_emb=True), [((1, 16, 8, 8), "float32")]),
    "siren": (lambda: SirenNet(dim_in=2, dim_hidden=16, dim_out=3, num_layers=3), [((10, 2), "float32")]),
    "tcn": (lambda: TCN(4, [8, 8], kernel_size=3, dropout=0.0, use_norm="batch_norm", use_skip_connections=True),
            [((2, 4, 20), "float32")]),
    "dwt": (Dwt, [((1, 2, 16, 16), "float32")]),
}
