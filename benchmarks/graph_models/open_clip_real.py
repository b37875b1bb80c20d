"""The real open_clip models (tiny configs, random weights) for
`benchmarks/graphs_bench.py --model-file benchmarks/graph_models/open_clip_real.py`: CLIP with a ViT
image tower and with the ModifiedResNet tower (attention pooling through
`F.multi_head_attention_forward`), both with the causal text transformer (argmax pooling on token ids),
returning normalised features and the logit scale; plus Segment Anything's ViT image encoder (windowed
attention with relative positions) and its prompt encoder + mask decoder.

open-clip-torch and segment-anything are not dependencies of msdev: install them apart, e.g.
`pip install --no-deps --target DIR open-clip-torch==3.3.0 segment-anything==1.0 ftfy regex
huggingface-hub safetensors timm ...` and run with `PYTHONPATH=DIR`.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stand_ins  # noqa: E402

stand_ins.torchvision()  # both import torchvision transforms / ops at module level (unused here)
import torch  # noqa: E402
from open_clip.model import CLIP  # noqa: E402
from segment_anything.modeling import ImageEncoderViT, MaskDecoder, PromptEncoder, TwoWayTransformer  # noqa: E402

TEXT = dict(context_length=8, vocab_size=100, width=32, heads=2, layers=2)


def clip_vit():
    return CLIP(embed_dim=16, vision_cfg=dict(layers=2, width=32, head_width=16, patch_size=8, image_size=32),
                text_cfg=TEXT)


def clip_resnet():
    return CLIP(embed_dim=16, vision_cfg=dict(layers=(1, 1, 1, 1), width=16, image_size=64), text_cfg=TEXT)


def sam_encoder():
    return ImageEncoderViT(img_size=64, patch_size=8, embed_dim=32, depth=2, num_heads=2, out_chans=16,
                           window_size=4, global_attn_indexes=(1,), use_rel_pos=True)


class SamDecoder(torch.nn.Module):
    """Point prompts + image embedding -> masks and IoU predictions (SAM's predict_torch core)."""

    def __init__(self):
        super().__init__()
        self.prompt = PromptEncoder(embed_dim=16, image_embedding_size=(8, 8), input_image_size=(64, 64),
                                    mask_in_chans=8)
        self.decoder = MaskDecoder(transformer_dim=16, num_multimask_outputs=3, iou_head_hidden_dim=16,
                                   transformer=TwoWayTransformer(depth=2, embedding_dim=16, num_heads=2, mlp_dim=32))

    def forward(self, embedding, points, labels):
        sparse, dense = self.prompt(points=(points * 64, labels), boxes=None, masks=None)
        return self.decoder(image_embeddings=embedding, image_pe=self.prompt.get_dense_pe(),
                            sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense,
                            multimask_output=True)


TOKENS = ((2, 8), "int64", 100)
MODELS = {
    "open_clip_vit": (clip_vit, [((2, 3, 32, 32), "float32"), TOKENS]),
    "open_clip_resnet": (clip_resnet, [((2, 3, 64, 64), "float32"), TOKENS]),
    "sam_image_encoder": (sam_encoder, [((1, 3, 64, 64), "float32")]),
    "sam_mask_decoder": (SamDecoder, [((1, 16, 8, 8), "float32"), ((1, 3, 2), "float32"), ((1, 3), "int64", 2)]),
}
