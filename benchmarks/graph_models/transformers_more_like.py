"""More small models in the styles of transformers families, random weights, for
`benchmarks/graphs_bench.py --model-file`: RoBERTa position ids from the input ids (ne / cumsum / type_as),
DistilBERT masked_fill with an expanded bool mask, CLIP text (quick GELU, triu_ causal mask, eos pooling by
argmax + arange indexing), BLOOM ALiBi (baddbmm, powers of two slopes), BART shift_tokens_right (new_zeros,
clone, masked_fill_), Wav2Vec2 (conv feature extractor, weight-normed positional conv, group norm),
deformable-DETR bits (inverse_sigmoid, grid_sample). Our own code, not copied.

`MODELS` maps a name to `(builder, inputs)` as in transformers_like.py.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class RobertaLike(nn.Module):
    def __init__(self, vocab=100, hidden=32, heads=4, padding_idx=1):
        super().__init__()
        self.padding_idx = padding_idx
        self.word_embeddings = nn.Embedding(vocab, hidden, padding_idx=padding_idx)
        self.position_embeddings = nn.Embedding(64, hidden, padding_idx=padding_idx)
        self.LayerNorm = nn.LayerNorm(hidden, eps=1e-5)
        self.layer = nn.TransformerEncoderLayer(hidden, heads, 64, dropout=0.0, activation="gelu", batch_first=True)
        self.dense = nn.Linear(hidden, hidden)
        self.out_proj = nn.Linear(hidden, 3)

    def forward(self, input_ids):
        mask = input_ids.ne(self.padding_idx).int()
        incremental = (torch.cumsum(mask, dim=1).type_as(mask) + 0) * mask
        position_ids = incremental.long() + self.padding_idx
        x = self.LayerNorm(self.word_embeddings(input_ids) + self.position_embeddings(position_ids))
        x = self.layer(x, src_key_padding_mask=input_ids == self.padding_idx)
        x = torch.tanh(self.dense(x[:, 0, :]))
        return self.out_proj(x), position_ids


class DistilBertLike(nn.Module):
    def __init__(self, vocab=100, dim=32, heads=4):
        super().__init__()
        self.n_heads, self.dim = heads, dim
        self.emb = nn.Embedding(vocab, dim)
        self.q_lin, self.k_lin, self.v_lin, self.out_lin = (nn.Linear(dim, dim) for _ in range(4))
        self.norm = nn.LayerNorm(dim, eps=1e-12)

    def forward(self, input_ids, mask):
        x = self.emb(input_ids)
        bs, q_length, dim = x.size()
        dim_per_head = self.dim // self.n_heads
        mask_reshp = (bs, 1, 1, q_length)

        def shape(t):
            return t.view(bs, -1, self.n_heads, dim_per_head).transpose(1, 2)

        q = shape(self.q_lin(x)) / math.sqrt(dim_per_head)
        k, v = shape(self.k_lin(x)), shape(self.v_lin(x))
        scores = torch.matmul(q, k.transpose(2, 3))
        m = (mask == 0).view(mask_reshp).expand_as(scores)
        scores = scores.masked_fill(m, torch.tensor(torch.finfo(scores.dtype).min))
        w = nn.functional.softmax(scores, dim=-1)
        ctx = torch.matmul(w, v).transpose(1, 2).contiguous().view(bs, -1, self.n_heads * dim_per_head)
        return self.norm(self.out_lin(ctx) + x)


class CLIPTextLike(nn.Module):
    def __init__(self, vocab=100, dim=32, heads=4, max_pos=16):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, dim)
        self.position_embedding = nn.Embedding(max_pos, dim)
        self.register_buffer("position_ids", torch.arange(max_pos).expand((1, -1)), persistent=False)
        self.heads = heads
        self.ln1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, 4 * dim)
        self.fc2 = nn.Linear(4 * dim, dim)
        self.final = nn.LayerNorm(dim)
        self.text_projection = nn.Linear(dim, 16, bias=False)

    def forward(self, input_ids):
        b, t = input_ids.shape
        x = self.token_embedding(input_ids) + self.position_embedding(self.position_ids[:, :t])
        mask = torch.empty(b, 1, t, t, dtype=x.dtype)
        mask.fill_(torch.tensor(torch.finfo(x.dtype).min))
        mask.triu_(1)
        h = self.ln1(x)
        q, k, v = self.qkv(h).chunk(3, dim=-1)
        q, k, v = (z.reshape(b, t, self.heads, -1).transpose(1, 2) for z in (q, k, v))
        a = torch.bmm(q.reshape(b * self.heads, t, -1), k.reshape(b * self.heads, t, -1).transpose(1, 2))
        a = a.view(b, self.heads, t, t) * (q.shape[-1] ** -0.5) + mask
        a = a.softmax(dim=-1)
        h = (a @ v).transpose(1, 2).reshape(b, t, -1)
        x = x + self.proj(h)
        h = self.fc1(self.ln2(x))
        h = h * torch.sigmoid(1.702 * h)
        x = self.final(x + self.fc2(h))
        pooled = x[torch.arange(x.shape[0], device=x.device), input_ids.to(dtype=torch.int, device=x.device).argmax(dim=-1)]
        return self.text_projection(pooled), pooled / pooled.norm(p=2, dim=-1, keepdim=True)


def alibi_slopes(n_heads):
    closest = 2 ** math.floor(math.log2(n_heads))
    base = torch.tensor(2 ** (-(2 ** -(math.log2(closest) - 3))), dtype=torch.float32)
    powers = torch.arange(1, 1 + closest, dtype=torch.int32)
    return torch.pow(base, powers)


class BloomLike(nn.Module):
    def __init__(self, vocab=100, dim=32, heads=4):
        super().__init__()
        self.heads, self.hd = heads, dim // heads
        self.word_embeddings = nn.Embedding(vocab, dim)
        self.word_embeddings_layernorm = nn.LayerNorm(dim)
        self.query_key_value = nn.Linear(dim, 3 * dim)
        self.dense = nn.Linear(dim, dim)
        self.ln_f = nn.LayerNorm(dim)

    def forward(self, input_ids, attention_mask):
        b, t = input_ids.shape
        x = self.word_embeddings_layernorm(self.word_embeddings(input_ids))
        slopes = alibi_slopes(self.heads)
        arange_tensor = ((attention_mask.cumsum(dim=-1) - 1) * attention_mask)[:, None, :]
        alibi = (slopes[..., None] * arange_tensor).reshape(b * self.heads, 1, t).to(x.dtype)
        fused = self.query_key_value(x).view(b, t, self.heads, 3, self.hd)
        q, k, v = fused[..., 0, :], fused[..., 1, :], fused[..., 2, :]
        q = q.transpose(1, 2).reshape(b * self.heads, t, self.hd)
        k = k.permute(0, 2, 3, 1).reshape(b * self.heads, self.hd, t)
        v = v.transpose(1, 2).reshape(b * self.heads, t, self.hd)
        scores = alibi.baddbmm(batch1=q, batch2=k, beta=1.0, alpha=1.0 / math.sqrt(self.hd))
        causal = torch.ones(t, t, dtype=torch.bool).triu(1)
        pad = ~(attention_mask[:, None, None, :].bool())
        m = causal[None, None] | pad
        scores = scores.view(b, self.heads, t, t).masked_fill(m, torch.finfo(x.dtype).min)
        probs = F.softmax(scores, dim=-1, dtype=torch.float32).to(x.dtype)
        ctx = torch.bmm(probs.view(b * self.heads, t, t), v)
        ctx = ctx.view(b, self.heads, t, self.hd).permute(0, 2, 1, 3).reshape(b, t, -1)
        return self.ln_f(x + self.dense(ctx))


def shift_tokens_right(input_ids, pad_token_id, decoder_start_token_id):
    shifted = input_ids.new_zeros(input_ids.shape)
    shifted[:, 1:] = input_ids[:, :-1].clone()
    shifted[:, 0] = decoder_start_token_id
    shifted.masked_fill_(shifted == -100, pad_token_id)
    return shifted


class BartLike(nn.Module):
    def __init__(self, vocab=100, dim=32):
        super().__init__()
        self.shared = nn.Embedding(vocab, dim, padding_idx=1)
        self.embed_scale = math.sqrt(dim)
        self.positions = nn.Embedding(16 + 2, dim)
        self.layer = nn.TransformerDecoderLayer(dim, 4, 64, dropout=0.0, batch_first=True, norm_first=True)
        self.register_buffer("final_logits_bias", torch.zeros((1, vocab)))

    def forward(self, input_ids, labels):
        labels = labels.masked_fill(labels == 3, -100)
        dec_ids = shift_tokens_right(labels, 1, 2)
        t = dec_ids.shape[1]
        pos = torch.arange(0, t, dtype=torch.long).expand(dec_ids.shape[0], -1) + 2
        y = self.shared(dec_ids) * self.embed_scale + self.positions(pos)
        mem = self.shared(input_ids) * self.embed_scale
        causal = torch.full((t, t), float("-inf")).triu(1)
        y = self.layer(y, mem, tgt_mask=causal)
        logits = F.linear(y, self.shared.weight) + self.final_logits_bias
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1), ignore_index=-100)
        return logits, loss, dec_ids


class Wav2Vec2Like(nn.Module):
    def __init__(self, dim=32):
        super().__init__()
        self.conv0 = nn.Conv1d(1, 16, 10, 5, bias=False)
        self.gn = nn.GroupNorm(16, 16, affine=True)
        self.conv1 = nn.Conv1d(16, 16, 3, 2, bias=False)
        self.proj_norm = nn.LayerNorm(16)
        self.projection = nn.Linear(16, dim)
        conv = nn.Conv1d(dim, dim, 8, padding=4, groups=4)
        self.pos_conv = nn.utils.parametrizations.weight_norm(conv, name="weight", dim=2)
        self.norm = nn.LayerNorm(dim)

    def forward(self, input_values):
        x = input_values[:, None]
        x = F.gelu(self.gn(self.conv0(x)))
        x = F.gelu(self.conv1(x)).transpose(1, 2)
        x = self.projection(self.proj_norm(x))
        p = self.pos_conv(x.transpose(1, 2))
        p = F.gelu(p[:, :, :-1]).transpose(1, 2)
        return self.norm(x + p)


def inverse_sigmoid(x, eps=1e-5):
    x = x.clamp(min=0, max=1)
    x1 = x.clamp(min=eps)
    x2 = (1 - x).clamp(min=eps)
    return torch.log(x1 / x2)


class DeformableBits(nn.Module):
    """Reference points refined through inverse_sigmoid; features sampled with grid_sample."""

    def __init__(self, c=8, q=6):
        super().__init__()
        self.conv = nn.Conv2d(3, c, 3, 2, 1)
        self.query = nn.Embedding(q, 2 * c)
        self.ref = nn.Linear(c, 2)
        self.offsets = nn.Linear(c, 2)
        self.out = nn.Linear(c, 4)

    def forward(self, img):
        feat = self.conv(img)
        b = feat.shape[0]
        query_pos, tgt = torch.split(self.query.weight, feat.shape[1], dim=1)
        ref = self.ref(query_pos).sigmoid().unsqueeze(0).expand(b, -1, -1)
        loc = (inverse_sigmoid(ref) + 0.1 * torch.tanh(self.offsets(tgt))).sigmoid()
        grid = 2 * loc[:, :, None, :] - 1
        sampled = F.grid_sample(feat, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        h = sampled.squeeze(-1).transpose(1, 2) + tgt
        box = self.out(h)
        box = torch.cat([box[..., :2] + inverse_sigmoid(loc), box[..., 2:]], -1).sigmoid()
        return box


MODELS = {
    "roberta": (lambda: RobertaLike(), [((2, 10), "int64", 6)]),
    "distilbert": (lambda: DistilBertLike(), [((2, 9), "int64", 100), ((2, 9), "int64", 2)]),
    "clip_text": (lambda: CLIPTextLike(), [((2, 8), "int64", 100)]),
    "bloom_alibi": (lambda: BloomLike(), [((2, 7), "int64", 100), ((2, 7), "int64", 2)]),
    "bart_shift": (lambda: BartLike(), [((2, 6), "int64", 100), ((2, 5), "int64", 6)]),
    "wav2vec2": (lambda: Wav2Vec2Like(), [((2, 400), "float32")]),
    "deformable_bits": (lambda: DeformableBits(), [((2, 3, 16, 16), "float32")]),
}
