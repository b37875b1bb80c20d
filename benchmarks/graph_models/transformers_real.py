"""The real Hugging Face `transformers` models (tiny configs, random weights), for
`benchmarks/graphs_bench.py --model-file benchmarks/graph_models/transformers_real.py`: the graphs the
held-out evaluation takes from transformers, as its own modeling code runs them (attention masks, rotary
embeddings, grouped-query attention, eager and SDPA attention, vision backbones).

transformers is not a dependency of msdev: install it for the benchmark only, next to torch, e.g.
`pip install --no-deps --target DIR transformers huggingface-hub tokenizers safetensors regex tqdm ...`
and run with `PYTHONPATH=DIR` (graphs_bench passes the caller's path on to its workers).
"""
import sys

sys.modules.setdefault("torchvision", None)  # a CUDA-only torchvision wheel breaks transformers' import
import torch
from transformers import CONFIG_MAPPING, AutoModel, AutoModelForCausalLM, AutoModelForImageClassification

TEXT = dict(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
            max_position_embeddings=64)


def text(kind, attn="eager", causal=False, **extra):
    def build():
        cfg = CONFIG_MAPPING[kind](**{**TEXT, **extra})
        cfg._attn_implementation = attn
        cls = AutoModelForCausalLM if causal else AutoModel
        m = cls.from_config(cfg, attn_implementation=attn)
        m.config.use_cache = False
        return Wrap(m)
    return build


class Wrap(torch.nn.Module):
    """Returns the first output tensor (the graphs compare tensors, not ModelOutput objects)."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, *args):
        out = self.m(*args, return_dict=True)
        for k in ("logits", "last_hidden_state", "pooler_output"):
            if getattr(out, k, None) is not None:
                return out[k]
        return out[0]


def vision(kind, head=False, **extra):
    def build():
        cfg = CONFIG_MAPPING[kind](**extra)
        cls = AutoModelForImageClassification if head else AutoModel
        return Wrap(cls.from_config(cfg, attn_implementation="eager") if kind in ("vit", "swin") else cls.from_config(cfg))
    return build


IDS = ((2, 10), "int64", 100)
IMG = ((2, 3, 32, 32), "float32")
MODELS = {
    "hf_bert": (text("bert"), [IDS]),
    "hf_bert_sdpa": (text("bert", attn="sdpa"), [IDS]),
    "hf_roberta": (text("roberta"), [((2, 10), "int64", 90)]),
    "hf_gpt2": (text("gpt2", causal=True, n_embd=32, n_layer=2, n_head=4, n_positions=64), [IDS]),
    "hf_llama": (text("llama", causal=True, num_key_value_heads=2), [IDS]),
    "hf_qwen2": (text("qwen2", causal=True, num_key_value_heads=2), [IDS]),
    "hf_mistral": (text("mistral", causal=True, num_key_value_heads=2), [IDS]),
    "hf_t5_encoder": (lambda: Wrap(__import__("transformers").T5EncoderModel(CONFIG_MAPPING["t5"](
        vocab_size=100, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4))), [IDS]),
    "hf_distilbert": (lambda: Wrap(AutoModel.from_config(CONFIG_MAPPING["distilbert"](
        vocab_size=100, dim=32, n_layers=2, n_heads=4, hidden_dim=64), attn_implementation="eager")), [IDS]),
    "hf_vit": (vision("vit", head=True, image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2,
                      num_attention_heads=4, intermediate_size=64, num_labels=5), [IMG]),
    "hf_swin": (vision("swin", head=True, image_size=32, patch_size=4, embed_dim=16, depths=[1, 1],
                       num_heads=[2, 2], window_size=4, num_labels=5), [IMG]),
    "hf_convnext": (vision("convnext", head=True, num_stages=2, hidden_sizes=[8, 16], depths=[1, 1], num_labels=5), [IMG]),
    "hf_resnet": (vision("resnet", head=True, embedding_size=8, hidden_sizes=[8, 16], depths=[1, 1],
                         num_labels=5), [IMG]),
    "hf_segformer": (vision("segformer", num_encoder_blocks=2, depths=[1, 1], sr_ratios=[2, 1],
                            hidden_sizes=[8, 16], num_attention_heads=[1, 2], decoder_hidden_size=16), [IMG]),
    "hf_mobilevit": (vision("mobilevit", image_size=32, hidden_sizes=[16, 24, 32], neck_hidden_sizes=[8, 8, 16, 16, 24, 32, 64],
                            num_labels=5, head=True), [IMG]),
}
