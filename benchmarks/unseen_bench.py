"""Whole packages from outside the corpus (issue 18): converted, imported with torch blocked, a
handful of models built, given PyTorch's weights through `msdev weights convert`, and compared.

The corpus packages are fixed against, so they no longer tell what an unseen package does. This
driver takes any installed-from-wheel package source (unpacked apart from the venv, e.g.
`pip download --no-deps segment-anything` + unzip) and runs the same path as models_bench.py:

    python benchmarks/unseen_bench.py PACKAGE --src DIR [--models a,b | --sample N] [--workers]
                                      [--converted OUT] [--work DIR] [--timeout S]

PACKAGE is a key of MODELS below; DIR holds the package folder (DIR/<module>/__init__.py) and
any pure-Python dependency it needs on the PyTorch side. Prints per model the first failing step
(import, build, weights, run, compare) or `match`, then the counts. The comparison is zoo.py's
(cosine >= 0.9999 and allclose rtol 1e-3 / atol 1e-4 after randomised affine parameters and
calibrated BatchNorm statistics).

Packages tried so far: segment-anything, open-clip-torch (+ timm from the corpus), ultralytics,
pytorchcv 0.0.74 (a CNN model zoo: its ~750 image classifiers listed from model_provider.py, CIFAR/SVHN
models at 32 pixels, the rest at 224; models over 100 M parameters skipped), geffnet 1.0.2 (its
EfficientNet/MobileNet/MNASNet builders from `__all__`, at 64 pixels) and sam2 1.1.0 (built from
the values of its sam2.1_hiera_t config without hydra; --src also needs hydra-core, omegaconf,
antlr4-python3-runtime 4.9.3, iopath, portalocker and tqdm installed apart, e.g. pip install --target);
then resnest 0.0.5, mlp-mixer-pytorch 0.3.1, conformer 0.3.2, perceiver-pytorch 0.11.0, kornia 0.7.0 and
monai 1.3.2 (each wheel unpacked into its own --src folder; models listed in MODELS); then facenet-pytorch
2.6.0 (its --src also holds requests and its four dependencies), pytorch-tabnet 4.1.0, nfnets-pytorch 0.1.3,
g-mlp-pytorch 0.1.5 and linformer 0.2.3; then tab-transformer-pytorch 0.3.0, segformer-pytorch, egnn-pytorch,
res-mlp-pytorch, halonet-pytorch, bottleneck-transformer-pytorch, siren-pytorch, pytorch-tcn and
pytorch-wavelets (with PyWavelets and setuptools' pkg_resources in its --src), torchsr 1.0.4 and
alias-free-torch 0.0.6; then nystrom-attention, axial-attention, performer-pytorch (with local-attention,
axial-positional-embedding and hyper-connections), auraloss, nnAudio and normflows (one --src folder), and
soft-moe-pytorch, mixture-of-experts, hamburger-pytorch and linear-attention-transformer (with linformer,
product-key-memory and colt5-attention) in another.
`--workers` runs every model through two long-lived processes (PyTorch; MindSpore converting the
checkpoint in-process), which many models of one package need to finish in reasonable time.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import json
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import zoo  # noqa: E402

#: vit-pytorch's tiny configuration most of its models take
_VIT = "image_size=32, patch_size=8, num_classes=10, dim=64, depth=2, heads=4, mlp_dim=128, dim_head=16"


def _sr(module: str, cls: str, config: str, inputs: list) -> tuple[str, list]:
    """A torchsr network class from its module (`torchsr.models.edsr` the attribute is the builder function)."""
    return f"__import__('torchsr.models.{module}', fromlist=['_']).{cls}({config})", inputs


def _vit(module: str, cls: str, config: str, inputs: list) -> tuple[str, list]:
    """A vit-pytorch model built from its own module (one model's import failing leaves the others)."""
    return f"__import__('vit_pytorch.{module}', fromlist=['_']).{cls}({config})", inputs


#: package -> (import name, imports the builds need, {model: (build expression, input shapes)});
#: NEEDS: other packages in the same --src folder that are converted alongside (torch-based deps)
MODELS: dict[str, tuple[str, tuple[str, ...], dict[str, tuple[str, list]]]] = {
    "segment-anything": ("segment_anything", ("segment_anything.modeling",), {
        "image_encoder_tiny": (
            "segment_anything.modeling.ImageEncoderViT(img_size=128, patch_size=16, embed_dim=96, depth=2,"
            " num_heads=3, global_attn_indexes=(1,), window_size=4, out_chans=32, use_rel_pos=True)",
            [[1, 3, 128, 128]]),
        "image_encoder_abs_pos": (
            "segment_anything.modeling.ImageEncoderViT(img_size=64, patch_size=8, embed_dim=64, depth=2,"
            " num_heads=2, out_chans=16)", [[2, 3, 64, 64]]),
        "two_way_transformer": (
            "segment_anything.modeling.TwoWayTransformer(depth=2, embedding_dim=32, num_heads=2, mlp_dim=64)",
            [[1, 32, 8, 8], [1, 32, 8, 8], [1, 5, 32]]),
        "mask_decoder": (
            "segment_anything.modeling.MaskDecoder(transformer_dim=32, transformer=segment_anything.modeling."
            "TwoWayTransformer(depth=2, embedding_dim=32, num_heads=2, mlp_dim=64), num_multimask_outputs=3,"
            " iou_head_hidden_dim=32)",
            [[1, 32, 8, 8], [1, 32, 8, 8], [1, 2, 32], [1, 32, 8, 8], True]),
        # ViT-B's encoder as build_sam_vit_b makes it, at 224 pixels instead of 1024 (CPU time)
        "vit_b_encoder_224": (
            "segment_anything.modeling.ImageEncoderViT(img_size=224, embed_dim=768, depth=12, num_heads=12,"
            " global_attn_indexes=(2, 5, 8, 11), window_size=14, out_chans=256, use_rel_pos=True,"
            " qkv_bias=True)", [[1, 3, 224, 224]]),
    }),
    # whole CLIP models given only an image (forward(image) gives image features, None, the logit scale): a
    # sub-Cell such as `.visual` keeps its parent's parameter names in MindSpore, so it is built standalone
    "open-clip-torch": ("open_clip", ("open_clip.transformer",), {
        "RN50": ("open_clip.create_model('RN50', pretrained=None)", [[1, 3, 224, 224]]),
        "ViT-B-32": ("open_clip.create_model('ViT-B-32', pretrained=None)", [[1, 3, 224, 224]]),
        "convnext_base": ("open_clip.create_model('convnext_base', pretrained=None)", [[1, 3, 224, 224]]),
        "text_transformer": ("open_clip.transformer.Transformer(width=64, layers=2, heads=4)", [[2, 16, 64]]),
        "vision_transformer": ("open_clip.transformer.VisionTransformer(image_size=64, patch_size=16, width=64,"
                               " layers=2, heads=4, mlp_ratio=4.0, output_dim=32)", [[2, 3, 64, 64]]),
    }),
    # YOLO models built from their yaml, as DetectionModel('yolov8n.yaml') does (the scale letter picks the size)
    "ultralytics": ("ultralytics", ("ultralytics.nn.tasks",), {
        name: (f"ultralytics.nn.tasks.{cls}({name + '.yaml'!r}, verbose=False)", [[1, 3, 128, 128]])
        for name, cls in (("yolov8n", "DetectionModel"), ("yolo11n", "DetectionModel"), ("yolo26n", "DetectionModel"),
                          ("yolov8n-seg", "SegmentationModel"), ("yolov8n-pose", "PoseModel"),
                          ("yolo11n-obb", "OBBModel"), ("yolov8n-cls", "ClassificationModel"),
                          ("yolov10n", "DetectionModel"), ("yolov5nu", "DetectionModel"))
    }),
    "pytorchcv": ("pytorchcv", ("pytorchcv.model_provider",), {}),  # models: zoo_models()
    "geffnet": ("geffnet", ("geffnet",), {}),  # models: geffnet_models()
    # vit-pytorch (lucidrains): many small vision transformers written with einops; tiny configs for CPU time
    "vit-pytorch": ("vit_pytorch", (), {
        "vit": _vit("vit", "ViT", _VIT, [[2, 3, 32, 32]]),
        "simple_vit": _vit("simple_vit", "SimpleViT", _VIT, [[2, 3, 32, 32]]),
        "deepvit": _vit("deepvit", "DeepViT", _VIT, [[2, 3, 32, 32]]),
        "cait": _vit("cait", "CaiT", 'image_size=32, patch_size=8, num_classes=10, dim=64, depth=2, cls_depth=1, heads=4, mlp_dim=128, dim_head=16', [[2, 3, 32, 32]]),
        "pit": _vit("pit", "PiT", 'image_size=32, patch_size=4, num_classes=10, dim=32, depth=(1, 1, 1), heads=2, mlp_dim=64, dim_head=16', [[2, 3, 32, 32]]),
        "rvt": _vit("rvt", "RvT", _VIT, [[2, 3, 32, 32]]),
        "parallel_vit": _vit("parallel_vit", "ViT", _VIT, [[2, 3, 32, 32]]),
        "vit_small_dataset": _vit("vit_for_small_dataset", "ViT", _VIT, [[2, 3, 32, 32]]),
        "simple_vit_1d": _vit("simple_vit_1d", "SimpleViT", 'seq_len=64, patch_size=8, num_classes=10, dim=64, depth=2, heads=4, mlp_dim=128, dim_head=16', [[2, 3, 64]]),
        "vit_1d": _vit("vit_1d", "ViT", 'seq_len=64, patch_size=8, num_classes=10, dim=64, depth=2, heads=4, mlp_dim=128, dim_head=16', [[2, 3, 64]]),
        "vit_3d": _vit("vit_3d", "ViT", 'image_size=16, image_patch_size=8, frames=4, frame_patch_size=2, num_classes=10, dim=64, depth=2, heads=4, mlp_dim=128, dim_head=16', [[2, 3, 4, 16, 16]]),
        "simple_vit_3d": _vit("simple_vit_3d", "SimpleViT", 'image_size=16, image_patch_size=8, frames=4, frame_patch_size=2, num_classes=10, dim=64, depth=2, heads=4, mlp_dim=128, dim_head=16', [[2, 3, 4, 16, 16]]),
        "levit": _vit("levit", "LeViT", 'image_size=64, num_classes=10, dim=(32, 64, 96), depth=1, heads=(2, 2, 2), mlp_mult=2, dim_key=8, dim_value=16', [[2, 3, 64, 64]]),
        "cvt": _vit("cvt", "CvT", 'num_classes=10, s1_emb_dim=16, s2_emb_dim=32, s3_emb_dim=64, s3_heads=2, s2_heads=2, s3_depth=1', [[2, 3, 64, 64]]),
        "twins_svt": _vit("twins_svt", "TwinsSVT", 'num_classes=10, s1_emb_dim=16, s2_emb_dim=32, s3_emb_dim=64, s4_emb_dim=64, s1_local_patch_size=4, s2_local_patch_size=4, s3_local_patch_size=2, s4_local_patch_size=1, s1_global_k=4, s2_global_k=2, s3_global_k=2, s4_global_k=1', [[2, 3, 64, 64]]),
        "sep_vit": _vit("sep_vit", "SepViT", 'num_classes=10, dim=16, depth=(1, 1, 1, 1), heads=(1, 2, 2, 2), window_size=7, dim_head=8', [[2, 3, 224, 224]]),
        "max_vit": _vit("max_vit", "MaxViT", 'num_classes=10, dim=16, depth=(1, 1), dim_head=8, window_size=4, dropout=0.0', [[2, 3, 32, 32]]),
        "mobile_vit": _vit("mobile_vit", "MobileViT", 'image_size=(64, 64), dims=[32, 40, 48], channels=[8, 8, 16, 16, 24, 24, 32, 32, 40, 40, 96], num_classes=10', [[2, 3, 64, 64]]),
        "nest": _vit("nest", "NesT", 'image_size=32, patch_size=4, num_classes=10, dim=32, heads=2, num_hierarchies=2, block_repeats=(1, 1), dim_head=16', [[2, 3, 32, 32]]),
        "cct": _vit("cct", "CCT", "img_size=(32, 32), embedding_dim=64, n_conv_layers=1, kernel_size=3, stride=1, padding=1, pooling_kernel_size=3, pooling_stride=2, pooling_padding=1, num_layers=2, num_heads=2, mlp_ratio=2.0, num_classes=10, positional_embedding='learnable'", [[2, 3, 32, 32]]),
        "cross_vit": _vit("cross_vit", "CrossViT", 'image_size=32, num_classes=10, sm_dim=32, lg_dim=64, sm_patch_size=8, sm_enc_depth=1, sm_enc_heads=2, sm_enc_mlp_dim=64, sm_enc_dim_head=16, lg_patch_size=16, lg_enc_depth=1, lg_enc_heads=2, lg_enc_mlp_dim=64, lg_enc_dim_head=16, cross_attn_depth=1, cross_attn_heads=2, cross_attn_dim_head=16, depth=1', [[2, 3, 32, 32]]),
        "t2t": _vit("t2t", "T2TViT", 'image_size=32, num_classes=10, dim=64, depth=2, heads=4, mlp_dim=128, dim_head=16, t2t_layers=((7, 4), (3, 2))', [[2, 3, 32, 32]]),
        "regionvit": _vit("regionvit", "RegionViT", 'dim=(16, 32, 48, 64), depth=(1, 1, 1, 1), window_size=2, num_classes=10, local_patch_size=4', [[2, 3, 64, 64]]),
        "crossformer": _vit("crossformer", "CrossFormer", 'dim=(32, 64, 128, 256), depth=(1, 1, 1, 1), global_window_size=(2, 2, 1, 1), local_window_size=2, num_classes=10', [[2, 3, 64, 64]]),
        "scalable_vit": _vit("scalable_vit", "ScalableViT", 'num_classes=10, dim=16, depth=(1, 1, 1, 1), heads=(1, 2, 2, 2), reduction_factor=(4, 2, 1, 1), window_size=(4, 4, None, None)', [[2, 3, 64, 64]]),
        "xcit": _vit("xcit", "XCiT", 'image_size=32, patch_size=8, num_classes=10, dim=64, depth=2, cls_depth=1, heads=4, mlp_dim=128, dim_head=16', [[2, 3, 32, 32]]),
        "vivit": _vit("vivit", "ViViT", 'image_size=16, image_patch_size=8, frames=4, frame_patch_size=2, num_classes=10, dim=64, spatial_depth=1, temporal_depth=1, heads=4, mlp_dim=128, dim_head=16', [[2, 3, 4, 16, 16]]),
        "simple_vit_registers": _vit("simple_vit_with_register_tokens", "SimpleViT", _VIT, [[2, 3, 32, 32]]),
        "simple_vit_qk_norm": _vit("simple_vit_with_qk_norm", "SimpleViT", _VIT, [[2, 3, 32, 32]]),
        "normalized_vit": _vit("normalized_vit", "nViT", _VIT, [[2, 3, 32, 32]]),
        "jumbo_vit": _vit("jumbo_vit", "JumboViT", _VIT, [[2, 3, 32, 32]]),
        "vit_5": _vit("vit_5", "ViT", _VIT, [[2, 3, 32, 32]]),
        "vit_patch_merger": _vit("vit_with_patch_merger", "ViT", _VIT, [[2, 3, 32, 32]]),
        "look_vit": _vit("look_vit", "LookViT", 'dim=32, image_size=32, num_classes=10, depth=1, patch_size=8, heads=2, dim_head=16, highres_patch_size=4, cross_attn_heads=2, cross_attn_dim_head=16, dropout=0.0', [[2, 3, 32, 32]]),
    }),
    # SAM 2's parts built from the values of its sam2.1_hiera_t config, without hydra (small sizes for CPU time)
    "sam2": ("sam2", ("sam2.modeling.backbones.hieradet", "sam2.modeling.backbones.image_encoder",
                      "sam2.modeling.position_encoding", "sam2.modeling.sam.mask_decoder",
                      "sam2.modeling.sam.prompt_encoder", "sam2.modeling.sam.transformer",
                      "sam2.modeling.memory_attention", "sam2.modeling.memory_encoder"), {
        "hiera_t": ("sam2.modeling.backbones.hieradet.Hiera(embed_dim=96, num_heads=1, stages=[1, 2, 7, 2],"
                    " global_att_blocks=[5, 7, 9], window_pos_embed_bkg_spatial_size=[7, 7])", [[1, 3, 224, 224]]),
        "image_encoder_t": (
            "sam2.modeling.backbones.image_encoder.ImageEncoder(scalp=1, trunk=sam2.modeling.backbones.hieradet.Hiera("
            "embed_dim=96, num_heads=1, stages=[1, 2, 7, 2], global_att_blocks=[5, 7, 9],"
            " window_pos_embed_bkg_spatial_size=[7, 7]), neck=sam2.modeling.backbones.image_encoder.FpnNeck("
            "position_encoding=sam2.modeling.position_encoding.PositionEmbeddingSine(num_pos_feats=256,"
            " normalize=True, scale=None, temperature=10000), d_model=256, backbone_channel_list=[768, 384, 192, 96],"
            " fpn_top_down_levels=[2, 3], fpn_interp_model='nearest'))", [[1, 3, 224, 224]]),
        "prompt_encoder_boxes_mask": (
            "sam2.modeling.sam.prompt_encoder.PromptEncoder(embed_dim=32, image_embedding_size=(16, 16),"
            " input_image_size=(256, 256), mask_in_chans=16)", [None, [2, 4], [2, 1, 64, 64]]),
        "mask_decoder": (
            "sam2.modeling.sam.mask_decoder.MaskDecoder(transformer_dim=32, transformer=sam2.modeling.sam.transformer."
            "TwoWayTransformer(depth=2, embedding_dim=32, mlp_dim=64, num_heads=2), num_multimask_outputs=3,"
            " iou_head_depth=3, iou_head_hidden_dim=32, use_high_res_features=False, pred_obj_scores=True,"
            " pred_obj_scores_mlp=True, use_multimask_token_for_obj_ptr=True)",
            [[1, 32, 8, 8], [1, 32, 8, 8], [1, 2, 32], [1, 32, 8, 8], True, False]),
        "rope_attention": (
            "sam2.modeling.sam.transformer.RoPEAttention(embedding_dim=64, num_heads=1, downsample_rate=1,"
            " rope_theta=10000.0, feat_sizes=[8, 8])", [[1, 64, 64], [1, 64, 64], [1, 64, 64]]),
        "memory_encoder": (
            "sam2.modeling.memory_encoder.MemoryEncoder(out_dim=16, in_dim=32, mask_downsampler=sam2.modeling."
            "memory_encoder.MaskDownSampler(embed_dim=32, kernel_size=3, stride=2, padding=1), fuser=sam2.modeling."
            "memory_encoder.Fuser(sam2.modeling.memory_encoder.CXBlock(dim=32, kernel_size=7, padding=3,"
            " layer_scale_init_value=1e-6, use_dwconv=True), num_layers=2), position_encoding=sam2.modeling."
            "position_encoding.PositionEmbeddingSine(num_pos_feats=16, normalize=True))",
            [[1, 32, 8, 8], [1, 1, 128, 128]]),
        # curr: 4x4 tokens of one frame, memory: two frames (sequence first, as SAM2Base passes them)
        "memory_attention": (
            "sam2.modeling.memory_attention.MemoryAttention(d_model=32, pos_enc_at_input=True, num_layers=2,"
            " layer=sam2.modeling.memory_attention.MemoryAttentionLayer(activation='relu', d_model=32,"
            " dim_feedforward=64, dropout=0.1, pos_enc_at_attn=False, pos_enc_at_cross_attn_keys=True,"
            " pos_enc_at_cross_attn_queries=False, self_attention=sam2.modeling.sam.transformer.RoPEAttention("
            "rope_theta=10000.0, feat_sizes=[4, 4], embedding_dim=32, num_heads=1, downsample_rate=1, dropout=0.1),"
            " cross_attention=sam2.modeling.sam.transformer.RoPEAttention(rope_theta=10000.0, feat_sizes=[4, 4],"
            " rope_k_repeat=True, embedding_dim=32, num_heads=1, downsample_rate=1, dropout=0.1, kv_in_dim=16)))",
            [[16, 1, 32], [32, 1, 16], [16, 1, 32], [32, 1, 16]]),
    }),
    # ResNeSt (split-attention ResNets, zhanghang1989): its four models and seven ablation models, at 96 pixels
    "resnest": ("resnest", ("resnest.torch",), {
        name: (f"resnest.torch.{name}()", [[2, 3, 96, 96]])
        for name in ("resnest50", "resnest101", "resnest200", "resnest269", "resnest50_fast_1s1x64d",
                     "resnest50_fast_2s1x64d", "resnest50_fast_4s1x64d", "resnest50_fast_1s2x40d",
                     "resnest50_fast_2s2x40d", "resnest50_fast_4s2x40d", "resnest50_fast_1s4x24d")
    }),
    # lucidrains' MLP-Mixer, 3-d MLP-Mixer and ViP Permutator (einops layers, functions returning Sequentials)
    "mlp-mixer-pytorch": ("mlp_mixer_pytorch", (), {
        "mlp_mixer": ("mlp_mixer_pytorch.MLPMixer(image_size=32, channels=3, patch_size=8, dim=64, depth=2,"
                      " num_classes=10)", [[2, 3, 32, 32]]),
        "mlp_mixer_rect": ("mlp_mixer_pytorch.MLPMixer(image_size=(32, 16), channels=3, patch_size=8, dim=32,"
                           " depth=1, num_classes=5, expansion_factor=2, dropout=0.1)", [[2, 3, 32, 16]]),
        "mlp_mixer_3d": ("mlp_mixer_pytorch.MLPMixer3D(image_size=16, time_size=4, channels=3, patch_size=8,"
                         " time_patch_size=2, dim=32, depth=2, num_classes=10)", [[2, 3, 4, 16, 16]]),
        "permutator": ("mlp_mixer_pytorch.Permutator(image_size=32, patch_size=8, dim=64, depth=2, num_classes=10,"
                       " segments=4)", [[2, 3, 32, 32]]),
    }),
    # the Conformer block (speech: attention with relative positions, depthwise Conv1d, BatchNorm1d, GLU)
    "conformer": ("conformer", (), {
        "conformer_block": ("conformer.ConformerBlock(dim=64, dim_head=16, heads=4, conv_kernel_size=7)",
                            [[2, 20, 64]]),
        "conformer_causal": ("conformer.Conformer(dim=32, depth=2, dim_head=8, heads=2, conv_kernel_size=5,"
                             " conv_causal=True)", [[2, 12, 32]]),
    }),
    # lucidrains' Perceiver and Perceiver IO (Fourier-encoded inputs, cross attention to latents, weight tying)
    "perceiver-pytorch": ("perceiver_pytorch", ("perceiver_pytorch.gated", "perceiver_pytorch.mixed_latents"), {
        "perceiver": ("perceiver_pytorch.Perceiver(num_freq_bands=4, depth=2, max_freq=10., input_channels=3,"
                      " input_axis=2, num_latents=16, latent_dim=32, latent_heads=2, cross_dim_head=16,"
                      " latent_dim_head=16, num_classes=10)", [[2, 8, 8, 3]]),
        "perceiver_tied_1d": ("perceiver_pytorch.Perceiver(num_freq_bands=3, depth=3, max_freq=5., input_channels=4,"
                              " input_axis=1, num_latents=8, latent_dim=16, latent_heads=2, cross_dim_head=8,"
                              " latent_dim_head=8, num_classes=3, weight_tie_layers=True, self_per_cross_attn=2)",
                              [[2, 10, 4]]),
        "perceiver_io": ("perceiver_pytorch.PerceiverIO(depth=2, dim=32, queries_dim=24, logits_dim=10, num_latents=16,"
                         " latent_dim=32, latent_heads=2, cross_dim_head=16, latent_dim_head=16)",
                         [[2, 20, 32], None, [2, 6, 24]]),
        "perceiver_gated": ("perceiver_pytorch.gated.Perceiver(num_freq_bands=4, depth=2, max_freq=10., input_channels=3,"
                            " input_axis=2, num_latents=16, latent_dim=32, latent_heads=2, cross_dim_head=16,"
                            " latent_dim_head=16, num_classes=10)", [[2, 8, 8, 3]]),
        "perceiver_mixed": ("perceiver_pytorch.mixed_latents.Perceiver(num_freq_bands=4, depth=2, max_freq=10.,"
                            " input_channels=3, input_axis=2, num_latents=16, latent_dim=32, cross_dim_head=16,"
                            " num_classes=10)", [[2, 8, 8, 3]]),
    }),
    # kornia 0.7 (differentiable computer vision): its learned descriptors, SIFT, a small ViT and filter modules,
    # all written against its backend module's aliases (`Module = torch.nn.Module`, `zeros = torch.zeros`)
    "kornia": ("kornia", ("kornia.feature", "kornia.contrib", "kornia.filters"), {
        "hardnet": ("kornia.feature.HardNet()", [[2, 1, 32, 32]]),
        "hardnet8": ("kornia.feature.HardNet8()", [[2, 1, 32, 32]]),
        "tfeat": ("kornia.feature.TFeat()", [[2, 1, 32, 32]]),
        "sosnet": ("kornia.feature.SOSNet()", [[2, 1, 32, 32]]),
        "sift_descriptor": ("kornia.feature.SIFTDescriptor(32, 8, 4)", [[2, 1, 32, 32]]),
        "dense_sift": ("kornia.feature.DenseSIFTDescriptor()", [[2, 1, 24, 24]]),
        "vit_tiny": ("kornia.contrib.VisionTransformer(image_size=32, patch_size=8, embed_dim=64, depth=2,"
                     " num_heads=4)", [[2, 3, 32, 32]]),
        "gaussian_blur": ("kornia.filters.GaussianBlur2d((5, 5), (1.5, 1.5))", [[2, 3, 16, 16]]),
        "sobel": ("kornia.filters.Sobel()", [[2, 3, 16, 16]]),
        "canny": ("kornia.filters.Canny()", [[2, 3, 16, 16]]),
    }),
    # MONAI 1.3 (medical imaging): its segmentation and classification networks, 2-d and 3-d, at small sizes
    "monai": ("monai", ("monai.networks.nets",), {
        name: (f"monai.networks.nets.{build}", inputs) for name, build, inputs in (
            ("basic_unet", "BasicUNet(spatial_dims=2, in_channels=1, out_channels=2, features=(8, 8, 16, 32, 64, 8))",
             [[1, 1, 32, 32]]),
            ("unet_res", "UNet(spatial_dims=2, in_channels=1, out_channels=2, channels=(8, 16, 32), strides=(2, 2),"
             " num_res_units=2)", [[1, 1, 32, 32]]),
            ("unet_3d", "UNet(spatial_dims=3, in_channels=1, out_channels=2, channels=(4, 8, 16), strides=(2, 2))",
             [[1, 1, 16, 16, 16]]),
            ("attention_unet", "AttentionUnet(spatial_dims=2, in_channels=1, out_channels=2, channels=(8, 16, 32),"
             " strides=(2, 2))", [[1, 1, 32, 32]]),
            ("segresnet", "SegResNet(spatial_dims=2, init_filters=8, in_channels=1, out_channels=2,"
             " blocks_down=(1, 2, 2), blocks_up=(1, 1))", [[1, 1, 32, 32]]),
            ("dynunet", "DynUNet(spatial_dims=2, in_channels=1, out_channels=2, kernel_size=[3, 3, 3],"
             " strides=[1, 2, 2], upsample_kernel_size=[2, 2])", [[1, 1, 32, 32]]),
            ("densenet121", "DenseNet121(spatial_dims=2, in_channels=1, out_channels=3)", [[2, 1, 64, 64]]),
            ("efficientnet_b0", "EfficientNetBN('efficientnet-b0', spatial_dims=2, in_channels=1, num_classes=3,"
             " pretrained=False)", [[2, 1, 64, 64]]),
            ("unetr", "UNETR(in_channels=1, out_channels=2, img_size=(32, 32), spatial_dims=2, feature_size=8,"
             " hidden_size=64, mlp_dim=128, num_heads=4)", [[1, 1, 32, 32]]),
            ("swin_unetr", "SwinUNETR(img_size=(32, 32), in_channels=1, out_channels=2, spatial_dims=2,"
             " feature_size=12, depths=(1, 1, 1, 1), num_heads=(3, 3, 3, 3))", [[1, 1, 32, 32]]),
            ("autoencoder", "AutoEncoder(spatial_dims=2, in_channels=1, out_channels=1, channels=(4, 8),"
             " strides=(2, 2))", [[1, 1, 16, 16]]),
            ("highresnet", "HighResNet(spatial_dims=2, in_channels=1, out_channels=2)", [[1, 1, 32, 32]]),
            ("resnet18", "resnet18(spatial_dims=2, n_input_channels=1, num_classes=3)", [[2, 1, 32, 32]]),
            ("vit", "ViT(in_channels=1, img_size=(32, 32), patch_size=(8, 8), spatial_dims=2, hidden_size=64,"
             " mlp_dim=128, num_heads=4, num_layers=2, classification=True, num_classes=3)", [[2, 1, 32, 32]]),
            ("varautoencoder", "VarAutoEncoder(spatial_dims=2, in_shape=(1, 16, 16), out_channels=1, latent_size=4,"
             " channels=(4, 8), strides=(2, 2))", [[2, 1, 16, 16]]),
        )
    }),
    # facenet-pytorch 2.6 (face recognition): InceptionResnetV1 and MTCNN's three cascaded networks, no download
    "facenet-pytorch": ("facenet_pytorch", (), {
        "inception_resnet_v1": ("facenet_pytorch.InceptionResnetV1(classify=True, num_classes=10)",
                                [[2, 3, 160, 160]]),
        "inception_resnet_v1_embed": ("facenet_pytorch.InceptionResnetV1()", [[2, 3, 96, 96]]),
        "pnet": ("facenet_pytorch.PNet(pretrained=False)", [[2, 3, 24, 24]]),
        "rnet": ("facenet_pytorch.RNet(pretrained=False)", [[2, 3, 24, 24]]),
        "onet": ("facenet_pytorch.ONet(pretrained=False)", [[2, 3, 48, 48]]),
    }),
    # pytorch-tabnet 4.1 (tabular): TabNet with ghost batch norm, sparsemax / entmax attention (autograd Functions)
    "pytorch-tabnet": ("pytorch_tabnet", ("pytorch_tabnet.tab_network",), {
        "tabnet": ("pytorch_tabnet.tab_network.TabNetNoEmbeddings(12, 3, n_d=8, n_a=8, n_steps=3,"
                   " virtual_batch_size=4)", [[8, 12]]),
        "tabnet_entmax": ("pytorch_tabnet.tab_network.TabNetNoEmbeddings(10, 2, n_steps=2, mask_type='entmax',"
                          " virtual_batch_size=4)", [[8, 10]]),
        "tabnet_small": ("pytorch_tabnet.tab_network.TabNetNoEmbeddings(6, 4, n_d=4, n_a=4, n_steps=2)",
                         [[8, 6]]),
    }),
    # nfnets-pytorch 0.1 (normaliser-free nets): weight-standardised convolutions subclassing nn.Conv*
    "nfnets-pytorch": ("nfnets", (), {
        "wsconv2d": ("nfnets.WSConv2d(3, 8, 3, padding=1)", [[2, 3, 16, 16]]),
        "wsconv1d": ("nfnets.WSConv1d(4, 6, 3, stride=2)", [[2, 4, 20]]),
        "scaled_std_conv2d": ("nfnets.ScaledStdConv2d(3, 8, 3, padding=1, gain=True)", [[2, 3, 16, 16]]),
        "wsconv_transpose2d": ("nfnets.WSConvTranspose2d(4, 3, 3, stride=2)", [[2, 4, 8, 8]]),
    }),
    # lucidrains' gMLP (spatial gating units, token shifts, tiny attention) and Linformer (projected attention)
    "g-mlp-pytorch": ("g_mlp_pytorch", (), {
        "gmlp_lm": ("g_mlp_pytorch.gMLP(num_tokens=50, dim=32, depth=2, seq_len=16, circulant_matrix=True)",
                    ["int:2,16:50"]),
        "gmlp_attn": ("g_mlp_pytorch.gMLP(dim=32, depth=2, seq_len=16, attn_dim=16, causal=True)", [[2, 16, 32]]),
        "gmlp_vision": ("g_mlp_pytorch.gMLPVision(image_size=32, patch_size=8, num_classes=10, dim=32, depth=2)",
                        [[2, 3, 32, 32]]),
    }),
    "linformer": ("linformer", (), {
        "linformer": ("linformer.Linformer(dim=32, seq_len=16, depth=2, k=8, heads=4)", [[2, 16, 32]]),
        "linformer_shared": ("linformer.Linformer(dim=32, seq_len=16, depth=1, k=8, heads=2, one_kv_head=True,"
                             " share_kv=True)", [[2, 16, 32]]),
    }),
    # session 18: lucidrains' tabular, segmentation, graph and attention blocks; a TCN; wavelet transforms
    "tab-transformer-pytorch": ("tab_transformer_pytorch", (), {
        "tab_transformer": ("tab_transformer_pytorch.TabTransformer(categories=(5, 4, 3), num_continuous=4, dim=16,"
                            " depth=2, heads=2, dim_out=2, mlp_hidden_mults=(2, 2))",
                            ["int:6,3:3", [6, 4]]),
        "ft_transformer": ("tab_transformer_pytorch.FTTransformer(categories=(5, 4, 3), num_continuous=4, dim=16,"
                           " depth=2, heads=2, dim_out=2)", ["int:6,3:3", [6, 4]]),
    }),
    "segformer-pytorch": ("segformer_pytorch", (), {
        "segformer": ("segformer_pytorch.Segformer(dims=(8, 16, 24, 32), heads=(1, 2, 2, 4), ff_expansion=(2, 2, 2, 2),"
                      " reduction_ratio=(4, 2, 2, 1), num_layers=1, decoder_dim=16, num_classes=3)",
                      [[1, 3, 64, 64]]),
    }),
    "egnn-pytorch": ("egnn_pytorch", (), {
        "egnn": ("egnn_pytorch.EGNN(dim=8, edge_dim=0, m_dim=8)", [[2, 6, 8], [2, 6, 3]]),
        "egnn_knn": ("egnn_pytorch.EGNN(dim=8, m_dim=8, num_nearest_neighbors=3, norm_coors=True, norm_feats=True)",
                     [[2, 6, 8], [2, 6, 3]]),
        "egnn_network": ("egnn_pytorch.EGNN_Network(num_tokens=10, dim=8, depth=2, num_positions=16,"
                         " global_linear_attn_every=1, global_linear_attn_heads=2, global_linear_attn_dim_head=4,"
                         " num_global_tokens=2, m_dim=8)", ["int:2,6:10", [2, 6, 3]]),
    }),
    "res-mlp-pytorch": ("res_mlp_pytorch", (), {
        "resmlp": ("res_mlp_pytorch.ResMLP(image_size=32, patch_size=8, dim=32, depth=2, num_classes=10)",
                   [[2, 3, 32, 32]]),
    }),
    "halonet-pytorch": ("halonet_pytorch", (), {
        "halo_attention": ("halonet_pytorch.HaloAttention(dim=16, block_size=4, halo_size=1, dim_head=8, heads=2)",
                           [[1, 16, 8, 8]]),
    }),
    "bottleneck-transformer-pytorch": ("bottleneck_transformer_pytorch", (), {
        "bottle_stack": ("bottleneck_transformer_pytorch.BottleStack(dim=16, fmap_size=8, dim_out=32, proj_factor=2,"
                         " num_layers=2, heads=2, dim_head=8, downsample=True)", [[1, 16, 8, 8]]),
        "bottle_stack_rel": ("bottleneck_transformer_pytorch.BottleStack(dim=16, fmap_size=8, dim_out=32,"
                             " proj_factor=2, num_layers=1, heads=2, dim_head=8, downsample=False, rel_pos_emb=True)",
                             [[1, 16, 8, 8]]),
    }),
    "siren-pytorch": ("siren_pytorch", (), {
        "siren_net": ("siren_pytorch.SirenNet(dim_in=2, dim_hidden=16, dim_out=3, num_layers=3)", [[10, 2]]),
        "siren_wrapper": ("siren_pytorch.SirenWrapper(siren_pytorch.SirenNet(dim_in=2, dim_hidden=16, dim_out=3,"
                          " num_layers=3), image_width=8, image_height=8)", []),
    }),
    "pytorch-tcn": ("pytorch_tcn", (), {
        "tcn_causal": ("pytorch_tcn.TCN(4, [8, 8], kernel_size=3, dropout=0.0)", [[2, 4, 20]]),
        "tcn_noncausal_skip": ("pytorch_tcn.TCN(4, [8, 8], kernel_size=3, dropout=0.0, causal=False,"
                               " use_norm='batch_norm', use_skip_connections=True)", [[2, 4, 20]]),
        "tcn_nlc_gate": ("pytorch_tcn.TCN(4, [8, 6], kernel_size=2, dropout=0.0, input_shape='NLC', use_gate=True,"
                         " use_norm='layer_norm', output_projection=3)", [[2, 20, 4]]),
    }),
    "pytorch-wavelets": ("pytorch_wavelets", (), {
        "dwt_forward": ("pytorch_wavelets.DWTForward(J=2, wave='db2', mode='zero')", [[1, 2, 16, 16]]),
        "dwt_forward_sym": ("pytorch_wavelets.DWTForward(J=2, wave='haar', mode='symmetric')", [[1, 2, 16, 16]]),
        "dwt1d_forward": ("pytorch_wavelets.DWT1DForward(J=2, wave='db3', mode='reflect')", [[2, 3, 32]]),
        "dtcwt_forward": ("pytorch_wavelets.DTCWTForward(J=2)", [[1, 1, 16, 16]]),
        "scat_layer": ("pytorch_wavelets.ScatLayer()", [[1, 2, 16, 16]]),
    }),
    # torchsr 1.0 (super-resolution: EDSR, RCAN, RDN, CARN, NinaSR, VDSR; pixel shuffle, mean shift convs)
    "torchsr": ("torchsr", ("torchsr.models",), {
        "edsr": _sr("edsr", "EDSR", "n_resblocks=2, n_feats=16, scale=2, res_scale=0.1", [[1, 3, 12, 12]]),
        "edsr_x3": _sr("edsr", "EDSR", "n_resblocks=1, n_feats=8, scale=3, res_scale=1.0", [[1, 3, 8, 8]]),
        "rcan": _sr("rcan", "RCAN", "n_resgroups=2, n_resblocks=2, n_feats=16, reduction=4, scale=2", [[1, 3, 12, 12]]),
        "rdn": _sr("rdn", "RDN", "scale=2, G0=16, D=2, C=2, G=8", [[1, 3, 12, 12]]),
        "carn": _sr("carn", "CARN", "scale=2", [[1, 3, 12, 12]]),
        "carn_m": _sr("carn", "CARNM", "scale=4", [[1, 3, 8, 8]]),
        "ninasr": _sr("ninasr", "NinaSR", "n_resblocks=2, n_feats=16, scale=2", [[1, 3, 12, 12]]),
        "vdsr": _sr("vdsr", "VDSR", "n_resblocks=3, n_feats=16, scale=2, pretrained=False", [[1, 3, 12, 12]]),
    }),
    # alias-free-torch 0.0.6 (StyleGAN3 / BigVGAN's anti-aliased activations: kaiser-sinc filters as buffers)
    "alias-free-torch": ("alias_free_torch", (), {
        "upsample1d": ("alias_free_torch.UpSample1d(ratio=2)", [[2, 4, 32]]),
        "upsample2d": ("alias_free_torch.UpSample2d(ratio=2)", [[1, 2, 8, 8]]),
        "downsample1d": ("alias_free_torch.DownSample1d(ratio=2, kernel_size=8)", [[2, 3, 32]]),
    }),
    # nystrom-attention 0.0.14 (Nystromformer: landmark attention with an iterative Moore-Penrose inverse)
    "nystrom-attention": ("nystrom_attention", (), {
        "nystrom_attention": ("nystrom_attention.NystromAttention(dim=32, dim_head=8, heads=4, num_landmarks=8,"
                              " pinv_iterations=6, residual=True)", [[2, 30, 32]]),
        "nystromformer": ("nystrom_attention.Nystromformer(dim=32, dim_head=8, heads=2, depth=2, num_landmarks=4)",
                          [[1, 17, 32]]),
    }),
    # axial-attention 0.6.1 (attention along each axis of an image; reversible blocks)
    "axial-attention": ("axial_attention", (), {
        "axial_attention": ("axial_attention.AxialAttention(dim=16, dim_index=1, heads=2, num_dimensions=2)",
                            [[1, 16, 6, 5]]),
        "axial_image_transformer": ("axial_attention.AxialImageTransformer(dim=16, depth=2, heads=2, reversible=True,"
                                    " axial_pos_emb_shape=(6, 6))", [[1, 16, 6, 6]]),
        "axial_irreversible": ("axial_attention.AxialImageTransformer(dim=8, depth=1, heads=2, reversible=False)",
                               [[2, 8, 4, 4]]),
    }),
    # performer-pytorch 1.1.4 (FAVOR+ random-feature attention; with local-attention and axial-positional-embedding)
    "performer-pytorch": ("performer_pytorch", (), {
        "performer": ("performer_pytorch.Performer(dim=32, depth=2, heads=4, dim_head=8, nb_features=16)",
                      [[2, 12, 32]]),
        "performer_causal": ("performer_pytorch.Performer(dim=32, depth=1, heads=2, dim_head=8, causal=True,"
                             " nb_features=16, ff_glu=True)", [[1, 10, 32]]),
        "performer_lm": ("performer_pytorch.PerformerLM(num_tokens=50, max_seq_len=16, dim=32, depth=1, heads=2,"
                         " dim_head=8, nb_features=16, local_attn_heads=1, local_window_size=4)", ["int:2,16:50"]),
        "fast_attention_generalized": ("performer_pytorch.SelfAttention(dim=32, heads=4, dim_head=8, nb_features=16,"
                                       " generalized_attention=True)", [[2, 9, 32]]),
    }),
    # auraloss 0.4.0 (audio losses: STFT magnitude/convergence, multi-resolution, SI-SDR, perceptual filters)
    "auraloss": ("auraloss", ("auraloss.freq", "auraloss.time", "auraloss.perceptual"), {
        "stft_loss": ("auraloss.freq.STFTLoss(fft_size=64, hop_size=16, win_length=64)", [[2, 1, 256], [2, 1, 256]]),
        "multi_resolution_stft": ("auraloss.freq.MultiResolutionSTFTLoss(fft_sizes=[32, 64], hop_sizes=[8, 16],"
                                  " win_lengths=[32, 64])", [[2, 1, 256], [2, 1, 256]]),
        "sum_difference_stft": ("auraloss.freq.SumAndDifferenceSTFTLoss(fft_sizes=[32, 64], hop_sizes=[8, 16],"
                                " win_lengths=[32, 64])", [[2, 2, 256], [2, 2, 256]]),
        "si_sdr": ("auraloss.time.SISDRLoss()", [[2, 1, 100], [2, 1, 100]]),
        "sd_sdr": ("auraloss.time.SDSDRLoss()", [[2, 1, 100], [2, 1, 100]]),
        "esr": ("auraloss.time.ESRLoss()", [[2, 1, 100], [2, 1, 100]]),
        "log_cosh": ("auraloss.time.LogCoshLoss()", [[2, 1, 100], [2, 1, 100]]),
        "snr": ("auraloss.time.SNRLoss()", [[2, 1, 100], [2, 1, 100]]),
        "fir_filter": ("auraloss.perceptual.FIRFilter(filter_type='aw', fs=16000)", [[2, 1, 200], [2, 1, 200]]),
    }),
    # nnAudio 0.3.4 (spectrograms as convolutions with kernels made by numpy/scipy at build time)
    "nnaudio": ("nnAudio", ("nnAudio.features",), {
        "stft": ("nnAudio.features.STFT(n_fft=64, hop_length=16, sr=8000, output_format='Magnitude', verbose=False)",
                 [[2, 400]]),
        "stft_complex": ("nnAudio.features.STFT(n_fft=32, hop_length=8, output_format='Complex', verbose=False)",
                         [[1, 200]]),
        "mel_spectrogram": ("nnAudio.features.MelSpectrogram(sr=8000, n_fft=128, n_mels=16, hop_length=32,"
                            " verbose=False)", [[2, 600]]),
        "mfcc": ("nnAudio.features.MFCC(sr=8000, n_mfcc=10, n_fft=128, n_mels=16, hop_length=32, verbose=False)",
                 [[2, 600]]),
        "gammatonegram": ("nnAudio.features.Gammatonegram(sr=8000, n_fft=128, n_bins=16, hop_length=32,"
                          " verbose=False)", [[2, 600]]),
        "cqt1992v2": ("nnAudio.features.CQT1992v2(sr=8000, hop_length=64, fmin=200, n_bins=12, verbose=False)",
                      [[1, 2000]]),
    }),
    # normflows 1.7.3 (normalizing flows: couplings, Glow, autoregressive and spline flows, LU permutations)
    "normflows": ("normflows", (), {
        "affine_coupling": ("normflows.flows.AffineCouplingBlock(normflows.nets.MLP([2, 16, 4], init_zeros=False))",
                            [[5, 4]]),
        "glow_block": ("normflows.flows.GlowBlock(channels=4, hidden_channels=8, init_zeros=False)", [[2, 4, 6, 6]]),
        "masked_autoregressive": ("normflows.flows.MaskedAffineAutoregressive(features=4, hidden_features=16,"
                                  " num_blocks=2)", [[5, 4]]),
        "rq_spline_coupling": ("normflows.flows.CoupledRationalQuadraticSpline(num_input_channels=4, num_blocks=1,"
                               " num_hidden_channels=8)", [[5, 4]]),
        "rq_spline_autoregressive": ("normflows.flows.AutoregressiveRationalQuadraticSpline(num_input_channels=4,"
                                     " num_blocks=1, num_hidden_channels=8)", [[5, 4]]),
        "planar": ("normflows.flows.Planar((4,))", [[5, 4]]),
        "radial": ("normflows.flows.Radial((4,))", [[5, 4]]),
        "lu_linear_permute": ("normflows.flows.LULinearPermute(4)", [[5, 4]]),
        "invertible_1x1_conv": ("normflows.flows.Invertible1x1Conv(4, use_lu=True)", [[2, 4, 3, 3]]),
        "normalizing_flow": ("normflows.NormalizingFlow(q0=normflows.distributions.DiagGaussian(4), flows=["
                             "normflows.flows.AffineCouplingBlock(normflows.nets.MLP([2, 8, 4], init_zeros=False)),"
                             " normflows.flows.Permute(4, mode='swap'), normflows.flows.ActNorm(4)])", [[5, 4]]),
    }),
    # soft-moe-pytorch 0.1.9 (soft mixture of experts: slot dispatch and combine weights)
    "soft-moe-pytorch": ("soft_moe_pytorch", (), {
        "soft_moe": ("soft_moe_pytorch.SoftMoE(dim=16, seq_len=8, num_experts=4, is_distributed=False)",
                     [[2, 8, 16]]),
        "soft_moe_layernorm_geglu": ("soft_moe_pytorch.SoftMoE(dim=16, num_slots=2, num_experts=2, geglu=True,"
                                     " use_layernorm=True, is_distributed=False)", [[1, 4, 16]]),
    }),
    # mixture-of-experts 0.2.3 (top-2 gating with capacity, hierarchical experts; every second expert in eval)
    "mixture-of-experts": ("mixture_of_experts", (), {
        "moe": ("mixture_of_experts.MoE(dim=16, num_experts=4, hidden_dim=32, second_policy_eval='all')",
                [[2, 6, 16]]),
        "hierarchical_moe": ("mixture_of_experts.HeirarchicalMoE(dim=16, num_experts=(2, 2), hidden_dim=32,"
                             " second_policy_eval='all')", [[2, 6, 16]]),
    }),
    # hamburger-pytorch 0.0.3 (matrix decomposition as attention: NMF iterations between two 1x1 convolutions)
    "hamburger-pytorch": ("hamburger_pytorch", (), {
        "hamburger": ("hamburger_pytorch.Hamburger(dim=16, n=16, inner_dim=16, ratio=4, K=3)", [[1, 16, 4, 4]]),
    }),
    # linear-attention-transformer 0.19.1 (linear attention with local heads, reversible layers, an LM)
    "linear-attention-transformer": ("linear_attention_transformer", (), {
        "transformer": ("linear_attention_transformer.LinearAttentionTransformer(dim=32, heads=4, depth=1,"
                        " max_seq_len=16, n_local_attn_heads=2, local_attn_window_size=4)", [[1, 16, 32]]),
        "lm_causal": ("linear_attention_transformer.LinearAttentionTransformerLM(num_tokens=50, dim=32, heads=4,"
                      " depth=2, max_seq_len=16, causal=True)", ["int:2,16:50"]),
        "linformer_reversible": ("linear_attention_transformer.LinearAttentionTransformer(dim=32, heads=2, depth=2,"
                                 " max_seq_len=16, reversible=True, linformer_settings=linear_attention_transformer."
                                 "LinformerSettings(k=8))", [[1, 16, 32]]),
    }),
}
NEEDS = {"open-clip-torch": ("timm",),
         "performer-pytorch": ("local_attention", "axial_positional_embedding", "hyper_connections"),
         "linear-attention-transformer": ("local_attention", "axial_positional_embedding", "hyper_connections",
                                          "linformer", "product_key_memory", "colt5_attention")}
CORPUS = "/work/cache/corpus"
MAX_PARAMS = 100_000_000

#: pytorchcv (a CNN model zoo): its models are the keys of model_provider._models, read from the source
#: (no PyTorch needed to list them); the input side follows the name's data set suffix
ZOO_INPUT = {"cifar10": 32, "cifar100": 32, "svhn": 32}
ZOO_SKIP = ("cub", "voc", "coco", "cityscapes", "ade20k", "celebamaskhq", "widerface", "hp", "sintel", "davis",
            "in1k", "ls", "lfw", "asvspoof", "x")  # detection, segmentation, pose, video, speech: other inputs


def zoo_models(src: Path) -> dict[str, tuple[str, list]]:
    """pytorchcv's image classifiers: name -> (get_model call, [[2, 3, side, side]]); a batch of 2, as BatchNorm
    after global pooling needs more than one value per channel in training mode (the calibration)."""
    import re

    text = (src / "pytorchcv" / "model_provider.py").read_text()
    out = {}
    for name in re.findall(r"^\s+'([^']+)':\s*\w+,", text, re.M):
        suffix = name.rsplit("_", 1)[-1] if "_" in name else ""
        if suffix in ZOO_SKIP:
            continue
        side = ZOO_INPUT.get(suffix, 224)
        out[name] = (f"pytorchcv.model_provider.get_model({name!r})", [[2, 3, side, side]])
    return out


def geffnet_models(src: Path) -> dict[str, tuple[str, list]]:
    """gen-efficientnet-pytorch's networks: the builders its two model modules list in `__all__` (read
    from the source), each built by its factory at 64 pixels with a batch of 2."""
    import ast

    out = {}
    for module in ("gen_efficientnet", "mobilenetv3"):
        tree = ast.parse((src / "geffnet" / f"{module}.py").read_text())
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and getattr(stmt.targets[0], "id", None) == "__all__":
                for name in ast.literal_eval(stmt.value):
                    if name[0].islower():
                        out[name] = (f"geffnet.create_model({name!r})", [[2, 3, 64, 64]])
    return out


def models_of(pkg: str, src: Path) -> dict[str, tuple[str, list]]:
    module, imports, models = MODELS[pkg]
    builders = {"pytorchcv": zoo_models, "geffnet": geffnet_models}
    return builders[pkg](src) if pkg in builders else models

# --------------------------------------------------------------------------- PyTorch side

def arrays(inputs: list, seed: int) -> list:
    """Seeded float arrays for the shapes; "int:2,16:50" is an int64 array of shape (2, 16) below 50 (token
    ids); any other non-list entry (a flag such as multimask_output) as is."""
    import numpy as np

    arrs = iter(zoo.make_inputs([s for s in inputs if isinstance(s, list)], seed))
    ints = np.random.default_rng(seed + 1)

    def value(s):
        if isinstance(s, list):
            return next(arrs)
        if isinstance(s, str) and s.startswith("int:"):
            _, shape, high = s.split(":")
            return ints.integers(0, int(high), [int(d) for d in shape.split(",")]).astype("int64")
        return s
    return [value(s) for s in inputs]


def torch_reference(pkg: str, name: str, work: Path, src: Path) -> dict:
    import numpy as np
    import torch

    module, imports, _ = MODELS[pkg]
    zoo.torch_imports(Path(CORPUS))  # the venv's torchvision is a broken CUDA build: the corpus source instead
    if str(src) not in sys.path:
        sys.path.insert(0, str(src))
    torch.set_num_threads(1)
    ns = {module: importlib.import_module(module)}
    for m in imports:
        importlib.import_module(m)
    build, inputs = models_of(pkg, src)[name]
    n = zoo.count_params(build, ns)
    if n is not None and n > MAX_PARAMS:
        return {"skipped": f"{n / 1e6:.0f}M parameters > {MAX_PARAMS // 1_000_000}M"}
    torch.manual_seed(0)
    model = eval(build, ns)  # noqa: S307

    def feed(seed: int):
        return model(*[torch.from_numpy(a) if hasattr(a, "shape") else a for a in arrays(inputs, seed)])

    zoo.randomise(model, feed)
    with torch.no_grad():
        out = feed(1234)
    leaves = zoo.flatten(out)
    torch.save(model.state_dict(), work / "model.pth")
    np.savez(work / "outputs.npz", **{p: v.detach().numpy() for p, v in leaves if isinstance(v, torch.Tensor)})
    return {"build": build, "inputs": inputs, "as_list": False, "root": type(model).__name__, "root_module": type(model).__module__,
            "params": sum(p.numel() for p in model.parameters()),
            "leaves": [[p, type(v).__name__ if not isinstance(v, torch.Tensor) else "Tensor",
                        None if isinstance(v, torch.Tensor) else repr(v)] for p, v in leaves]}


# --------------------------------------------------------------------------- MindSpore side

def import_converted(pkg: str, outroot: Path, src: Path) -> dict:
    module, imports, _ = MODELS[pkg]
    if str(outroot) not in sys.path:  # once per process (a worker checks many models)
        zoo.block_torch(str(outroot))
        sys.path.insert(0, str(outroot))
        sys.path.append(str(zoo.STUBS))
        sys.path.append(str(src))  # pure-Python deps (converted packages in outroot come first)
    ns = {module: importlib.import_module(module)}
    for m in imports:
        importlib.import_module(m)
    return ns


def mindspore_check(pkg: str, name: str, work: Path, outroot: Path, src: Path) -> dict:
    import mindspore as ms

    ref = json.loads((work / "torch.json").read_text())
    ms.set_context(mode=ms.PYNATIVE_MODE)
    ms.set_seed(0)
    res: dict = {}
    stage = "import"
    try:
        ns = import_converted(pkg, outroot, src)
        stage = "build"
        model = eval(ref["build"], ns)  # noqa: S307
        stage = "weights"
        # a module without parameters (kornia's filters) has nothing to load, which MindSpore refuses
        params = {} if not model.parameters_dict() else ms.load_checkpoint(str(work / "model.ckpt"))
        missing, unexpected = ms.load_param_into_net(model, params) if params else ([], [])
        res["missing"], res["unexpected"] = list(missing)[:20], list(unexpected)[:20]
        res["weights_ok"] = not missing and not unexpected
        stage = "run"
        model.set_train(False)
        out = model(*[ms.Tensor(a) if hasattr(a, "shape") else a for a in arrays(ref["inputs"], 1234)])
        res["runs"] = True
        stage = "compare"
        res.update(zoo.compare(ref, zoo.flatten(out), work / "outputs.npz"))
    except BaseException as exc:  # noqa: BLE001
        res["stage"], res["error"] = stage, zoo.error_line(exc, outroot)
        res["traceback"] = traceback.format_exc()[-3000:]
    res.setdefault("stage", stage)
    return res


# --------------------------------------------------------------------------- one model, all steps

def run_model(pkg: str, name: str, src: Path, outroot: Path, work: Path, timeout: float) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    me = [sys.executable, __file__]
    code, err = zoo.run_step([*me, "--side", "torch", pkg, "--src", str(src), "--one", name, "--work", str(work)],
                             timeout)
    ref = json.loads((work / "torch.json").read_text()) if (work / "torch.json").exists() else {"error": err[-300:]}
    if "skipped" in ref:
        return {"status": "skipped", "cause": ref["skipped"]}
    if "error" in ref:
        return {"status": "reference", "cause": "PyTorch side: " + ref["error"]}
    code_dirs = [str(outroot / m) for m in (MODELS[pkg][0], *NEEDS.get(pkg, ()))]
    code, err = zoo.run_step([*zoo.msdev_cmd(), "weights", "convert", str(work / "model.pth"), "-o",
                              str(work / "model.ckpt"), "--force", "--code", *code_dirs,
                              "--root", f"{ref['root_module']}.{ref['root']}", "--json"], timeout)
    if code != 0:
        return {"status": "weights-convert", "cause": "msdev weights convert: " + zoo._last_line(err)}
    code, err = zoo.run_step([*me, "--side", "mindspore", pkg, "--src", str(src), "--converted", str(outroot),
                              "--one", name, "--work", str(work)], timeout)
    if not (work / "mindspore.json").exists():
        return {"status": "crash", "cause": "MindSpore side crashed: " + zoo._last_line(err)}
    ms = json.loads((work / "mindspore.json").read_text())
    if "error" in ms:
        return {"status": ms["stage"], "cause": f"{ms['stage']}: {ms['error']}", "traceback": ms["traceback"]}
    if not ms.get("weights_ok"):
        return {"status": "weights", "cause": f"weights: missing {ms['missing'][:3]}, unexpected {ms['unexpected'][:3]}"}
    if not ms.get("match"):
        return {"status": "compare", "cause": "outputs differ: " + ms.get("why", "")}
    return {"status": "match", "cause": None}


# --------------------------------------------------------------------------- long-lived workers

def serve(side: str, pkg: str, src: Path, outroot: Path | None) -> int:
    """One side as a zoo.Worker child: PyTorch (or MindSpore with the converted package) imported once
    for many models; the MindSpore side converts each checkpoint in-process with the package read once."""
    if side == "torch":
        def handle(req: dict) -> dict:
            work = Path(req["work"])
            (work / "torch.json").write_text(json.dumps(torch_reference(pkg, req["model"], work, src)))
            return {"ok": True}
        return zoo.serve(handle)
    from msdev.db.loader import load_database
    from msdev.weights.convert import convert_checkpoint, load_source

    code = [str(outroot / m) for m in (MODELS[pkg][0], *NEEDS.get(pkg, ()))]
    state: dict = {}

    def handle_ms(req: dict) -> dict:
        work = Path(req["work"])
        ref = json.loads((work / "torch.json").read_text())
        try:
            if "model" not in state:
                state["db"] = load_database()
                state["model"] = load_source(code, state["db"])
            convert_checkpoint(work / "model.pth", work / "model.ckpt", code=code,
                               root=f"{ref['root_module']}.{ref['root']}", db=state["db"], overwrite=True,
                               model=state["model"])
        except Exception as exc:  # noqa: BLE001
            return {"weights_convert": zoo.error_line(exc)}
        (work / "mindspore.json").write_text(json.dumps(mindspore_check(pkg, req["model"], work, outroot, src)))
        return {"ok": True}
    return zoo.serve(handle_ms)


class Workers:
    """The steps of many models through two long-lived processes (`--workers`), same results as run_model."""

    def __init__(self, pkg: str, src: Path, outroot: Path, logs: Path):
        me = [sys.executable, __file__, pkg, "--src", str(src), "--converted", str(outroot), "--serve"]
        self.pkg = pkg
        self.torch = zoo.Worker([*me, "torch"], logs / "torch.log")
        self.ms = zoo.Worker([*me, "mindspore"], logs / "mindspore.log")

    def close(self) -> None:
        self.torch.stop()
        self.ms.stop()

    def run(self, name: str, work: Path, timeout: float) -> dict:
        work.mkdir(parents=True, exist_ok=True)
        for f in ("torch.json", "mindspore.json"):
            (work / f).unlink(missing_ok=True)
        reply, why = self.torch.call({"model": name, "work": str(work)}, timeout)
        if reply is None or "error" in reply or not (work / "torch.json").exists():
            return {"status": "reference", "cause": "PyTorch side: " + (why or (reply or {}).get("error", "?"))}
        ref = json.loads((work / "torch.json").read_text())
        if "skipped" in ref:
            return {"status": "skipped", "cause": ref["skipped"]}
        if "error" in ref:
            return {"status": "reference", "cause": "PyTorch side: " + ref["error"]}
        reply, why = self.ms.call({"model": name, "work": str(work)}, timeout)
        if reply is not None and "weights_convert" in reply:
            return {"status": "weights-convert", "cause": "msdev weights convert: " + reply["weights_convert"]}
        if reply is None or "error" in reply or not (work / "mindspore.json").exists():
            return {"status": "crash", "cause": "MindSpore side crashed: " + (why or (reply or {}).get("error", ""))}
        ms = json.loads((work / "mindspore.json").read_text())
        if "error" in ms:
            return {"status": ms["stage"], "cause": f"{ms['stage']}: {ms['error']}", "traceback": ms["traceback"]}
        if not ms.get("weights_ok"):
            return {"status": "weights",
                    "cause": f"weights: missing {ms['missing'][:3]}, unexpected {ms['unexpected'][:3]}"}
        if not ms.get("match"):
            return {"status": "compare", "cause": "outputs differ: " + ms.get("why", "")}
        return {"status": "match", "cause": None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("package", choices=sorted(MODELS))
    ap.add_argument("--src", required=True, help="folder holding the package folder (and its pure-Python deps)")
    ap.add_argument("--models", help="comma-separated model names (default: all of MODELS[package])")
    ap.add_argument("--work", help="work folder (default: a temporary one, deleted afterwards)")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--side", choices=("torch", "mindspore"), help=argparse.SUPPRESS)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--converted", help="an already converted tree (skips the conversion)")
    ap.add_argument("--sample", type=int, help="a seeded sample of N models (pytorchcv has hundreds)")
    ap.add_argument("--workers", action="store_true",
                    help="two long-lived processes for all models instead of three fresh ones per model")
    ap.add_argument("--serve", choices=("torch", "mindspore"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        return serve(args.serve, args.package, Path(args.src), Path(args.converted) if args.converted else None)
    if args.side:
        work = Path(args.work)
        if args.side == "torch":
            try:
                res = torch_reference(args.package, args.one, work, Path(args.src))
            except Exception as exc:  # noqa: BLE001
                res = {"error": zoo.error_line(exc), "traceback": traceback.format_exc()[-3000:]}
            (work / "torch.json").write_text(json.dumps(res))
        else:
            (work / "mindspore.json").write_text(json.dumps(mindspore_check(
                args.package, args.one, work, Path(args.converted), Path(args.src))))
        return 0
    module = MODELS[args.package][0]
    src = Path(args.src).resolve()
    if not (src / module).is_dir() or not any((src / module).glob("*.py")):  # namespace packages too (tabnet)
        sys.exit(f"{src / module} is not a package folder (no Python modules)")
    models = models_of(args.package, src)
    names = args.models.split(",") if args.models else list(models)
    if args.sample and args.sample < len(names):
        import random

        names = sorted(random.Random(0).sample(names, args.sample))
    work = Path(args.work or tempfile.mkdtemp(prefix="unseen-"))
    if args.converted:
        outroot = Path(args.converted).resolve()
    else:
        outroot = work / "converted"
        for m in (module, *NEEDS.get(args.package, ())):
            code, err = zoo.run_step([*zoo.msdev_cmd(), "convert", str(src / m), "-o", str(outroot / m), "--force"],
                                     args.timeout)
            print(f"convert {m}: {'ok' if code == 0 else 'FAILED: ' + zoo._last_line(err)}")
    code, err = zoo.run_step([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r});"
                              f" import unseen_bench as u; from pathlib import Path; u.import_converted("
                              f"{args.package!r}, Path({str(outroot)!r}), Path({str(src)!r}))"], args.timeout)
    print(f"import with torch blocked: {'ok' if code == 0 else 'FAILED: ' + zoo._last_line(err)}")
    counts = collections.Counter()
    workers = Workers(args.package, src, outroot, work / "logs") if args.workers else None
    for name in names:
        t = time.perf_counter()
        if workers:
            res = workers.run(name, work / name, args.timeout)
        else:
            res = run_model(args.package, name, src, outroot, work / name, args.timeout)
        counts[res["status"]] += 1
        print(f"  {name:<28} {res['status']:<10} {time.perf_counter() - t:6.1f} s  {res['cause'] or ''}"[:400],
              flush=True)
        if not args.work:
            shutil.rmtree(work / name, ignore_errors=True)
        else:
            (work / name / "result.json").write_text(json.dumps(res))
            for f in ("model.pth", "model.ckpt", "outputs.npz"):
                (work / name / f).unlink(missing_ok=True)
    if workers:
        workers.close()
    print(f"{args.package}: {len(names)} models, " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
