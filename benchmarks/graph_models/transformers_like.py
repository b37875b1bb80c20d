"""Small models written in the style of Hugging Face transformers (BERT, GPT-2, T5, LLaMA, ViT, Swin),
random weights, for `benchmarks/graphs_bench.py --model-file`. Our own code: it reproduces the tensor
operations these families run in `forward` (buffers of position ids, extended attention masks with
`torch.finfo(dtype).min`, Conv1D as `addmm`, relative position buckets, rotary embeddings, `repeat_kv`,
window partition / roll / relative position bias tables, ...), not their classes.

`MODELS` maps a name to `(builder, inputs)`: `builder()` returns a `torch.nn.Module`, `inputs` is a list
of `(shape, dtype)` or `(shape, dtype, high)` (integers drawn in [0, high), e.g. token ids).
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# --------------------------------------------------------------------------- activations

class NewGELU(nn.Module):
    """GPT-2's tanh approximation of GELU written out with pow/tanh."""

    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


ACT = {"gelu": nn.GELU(), "gelu_tanh": nn.GELU(approximate="tanh"), "gelu_new": NewGELU(), "silu": nn.SiLU(),
       "relu": nn.ReLU()}


# --------------------------------------------------------------------------- BERT

class BertEmbeddings(nn.Module):
    def __init__(self, vocab, hidden, max_pos=64, types=2):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, hidden, padding_idx=0)
        self.position_embeddings = nn.Embedding(max_pos, hidden)
        self.token_type_embeddings = nn.Embedding(types, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=1e-12)
        self.dropout = nn.Dropout(0.1)
        self.register_buffer("position_ids", torch.arange(max_pos).expand((1, -1)), persistent=False)
        self.register_buffer("token_type_ids", torch.zeros(self.position_ids.size(), dtype=torch.long),
                             persistent=False)

    def forward(self, input_ids, token_type_ids=None):
        input_shape = input_ids.size()
        seq_length = input_shape[1]
        position_ids = self.position_ids[:, 0:seq_length]
        if token_type_ids is None:
            buffered = self.token_type_ids[:, :seq_length]
            token_type_ids = buffered.expand(input_shape[0], seq_length)
        emb = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        emb = emb + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(emb))


class BertSelfAttention(nn.Module):
    def __init__(self, hidden, heads, sdpa=False):
        super().__init__()
        self.num_attention_heads = heads
        self.attention_head_size = hidden // heads
        self.all_head_size = hidden
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.dropout = nn.Dropout(0.1)
        self.sdpa = sdpa

    def transpose_for_scores(self, x):
        new_shape = x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)
        return x.view(new_shape).permute(0, 2, 1, 3)

    def forward(self, hidden_states, attention_mask):
        q = self.transpose_for_scores(self.query(hidden_states))
        k = self.transpose_for_scores(self.key(hidden_states))
        v = self.transpose_for_scores(self.value(hidden_states))
        if self.sdpa:
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=attention_mask, dropout_p=0.0, is_causal=False)
        else:
            scores = torch.matmul(q, k.transpose(-1, -2))
            scores = scores / math.sqrt(self.attention_head_size)
            scores = scores + attention_mask
            probs = nn.functional.softmax(scores, dim=-1)
            ctx = torch.matmul(self.dropout(probs), v)
        ctx = ctx.permute(0, 2, 1, 3).contiguous()
        return ctx.view(ctx.size()[:-2] + (self.all_head_size,))


class BertLayer(nn.Module):
    def __init__(self, hidden, heads, inter, act, sdpa):
        super().__init__()
        self.attention = BertSelfAttention(hidden, heads, sdpa)
        self.attn_out = nn.Linear(hidden, hidden)
        self.attn_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = nn.Linear(hidden, inter)
        self.act = ACT[act]
        self.output = nn.Linear(inter, hidden)
        self.out_norm = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x, mask):
        x = self.attn_norm(self.attn_out(self.attention(x, mask)) + x)
        return self.out_norm(self.output(self.act(self.intermediate(x))) + x)


class Bert(nn.Module):
    """Encoder with token types, an extended attention mask and a tanh pooler."""

    def __init__(self, vocab=100, hidden=32, heads=4, layers=2, act="gelu", sdpa=False):
        super().__init__()
        self.embeddings = BertEmbeddings(vocab, hidden)
        self.layer = nn.ModuleList(BertLayer(hidden, heads, 4 * hidden, act, sdpa) for _ in range(layers))
        self.pooler = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(hidden, 3)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        x = self.embeddings(input_ids, token_type_ids)
        dtype = x.dtype
        ext = attention_mask[:, None, None, :].to(dtype=dtype)
        ext = (1.0 - ext) * torch.finfo(dtype).min
        for layer in self.layer:
            x = layer(x, ext)
        pooled = torch.tanh(self.pooler(x[:, 0]))
        return x, self.classifier(pooled)


# --------------------------------------------------------------------------- GPT-2

class Conv1D(nn.Module):
    """A linear layer with its weight transposed (in, out), applied by addmm."""

    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.randn(nx, nf) * 0.02)
        self.bias = nn.Parameter(torch.randn(nf) * 0.02)

    def forward(self, x):
        size_out = x.size()[:-1] + (self.nf,)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


class GPT2Attention(nn.Module):
    def __init__(self, hidden, heads, max_pos):
        super().__init__()
        self.register_buffer("bias", torch.tril(torch.ones((max_pos, max_pos), dtype=torch.bool))
                             .view(1, 1, max_pos, max_pos), persistent=False)
        self.num_heads, self.head_dim, self.split_size = heads, hidden // heads, hidden
        self.c_attn = Conv1D(3 * hidden, hidden)
        self.c_proj = Conv1D(hidden, hidden)

    def _split_heads(self, t):
        return t.view(t.size()[:-1] + (self.num_heads, self.head_dim)).permute(0, 2, 1, 3)

    def forward(self, x, attention_mask):
        query, key, value = self.c_attn(x).split(self.split_size, dim=2)
        query, key, value = self._split_heads(query), self._split_heads(key), self._split_heads(value)
        w = torch.matmul(query, key.transpose(-1, -2))
        w = w / torch.full([], value.size(-1) ** 0.5, dtype=w.dtype, device=w.device)
        q_len, k_len = query.size(-2), key.size(-2)
        causal = self.bias[:, :, k_len - q_len: k_len, :k_len]
        mask_value = torch.finfo(w.dtype).min
        mask_value = torch.full([], mask_value, dtype=w.dtype, device=w.device)
        w = torch.where(causal, w.to(w.dtype), mask_value)
        w = w + attention_mask
        w = nn.functional.softmax(w, dim=-1).type(value.dtype)
        out = torch.matmul(w, value).permute(0, 2, 1, 3).contiguous()
        out = out.view(out.size()[:-2] + (self.num_heads * self.head_dim,))
        return self.c_proj(out)


class GPT2Block(nn.Module):
    def __init__(self, hidden, heads, max_pos):
        super().__init__()
        self.ln_1 = nn.LayerNorm(hidden, eps=1e-5)
        self.attn = GPT2Attention(hidden, heads, max_pos)
        self.ln_2 = nn.LayerNorm(hidden, eps=1e-5)
        self.c_fc = Conv1D(4 * hidden, hidden)
        self.act = NewGELU()
        self.c_proj = Conv1D(hidden, 4 * hidden)

    def forward(self, x, mask):
        x = x + self.attn(self.ln_1(x), mask)
        return x + self.c_proj(self.act(self.c_fc(self.ln_2(x))))


class GPT2(nn.Module):
    """Learned positions from arange, causal mask buffer with torch.where, LM head tied to wte."""

    def __init__(self, vocab=100, hidden=32, heads=4, layers=2, max_pos=64):
        super().__init__()
        self.wte = nn.Embedding(vocab, hidden)
        self.wpe = nn.Embedding(max_pos, hidden)
        self.h = nn.ModuleList(GPT2Block(hidden, heads, max_pos) for _ in range(layers))
        self.ln_f = nn.LayerNorm(hidden)
        self.lm_head = nn.Linear(hidden, vocab, bias=False)
        self.lm_head.weight = self.wte.weight

    def forward(self, input_ids, attention_mask):
        input_shape = input_ids.size()
        input_ids = input_ids.view(-1, input_shape[-1])
        position_ids = torch.arange(0, input_shape[-1], dtype=torch.long, device=input_ids.device).unsqueeze(0)
        mask = attention_mask.view(input_ids.shape[0], -1)[:, None, None, :]
        mask = mask.to(dtype=self.wte.weight.dtype)
        mask = (1.0 - mask) * torch.finfo(self.wte.weight.dtype).min
        x = self.wte(input_ids) + self.wpe(position_ids)
        for block in self.h:
            x = block(x, mask)
        x = self.ln_f(x)
        logits = self.lm_head(x)
        return logits, logits.argmax(-1)


# --------------------------------------------------------------------------- T5

class T5LayerNorm(nn.Module):
    """RMS norm without mean subtraction, computed in float32."""

    def __init__(self, hidden, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden))
        self.variance_epsilon = eps

    def forward(self, x):
        variance = x.to(torch.float32).pow(2).mean(-1, keepdim=True)
        x = x * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * x


def relative_position_bucket(relative_position, bidirectional=True, num_buckets=32, max_distance=128):
    buckets = 0
    if bidirectional:
        num_buckets //= 2
        buckets += (relative_position > 0).to(torch.long) * num_buckets
        relative_position = torch.abs(relative_position)
    else:
        relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
    max_exact = num_buckets // 2
    is_small = relative_position < max_exact
    large = max_exact + (torch.log(relative_position.float() / max_exact) / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    buckets += torch.where(is_small, relative_position, large)
    return buckets


class T5Attention(nn.Module):
    def __init__(self, d_model, heads, d_kv, has_bias, bidirectional, num_buckets=32, max_distance=16):
        super().__init__()
        self.n_heads, self.key_value_proj_dim, self.inner_dim = heads, d_kv, heads * d_kv
        self.q = nn.Linear(d_model, self.inner_dim, bias=False)
        self.k = nn.Linear(d_model, self.inner_dim, bias=False)
        self.v = nn.Linear(d_model, self.inner_dim, bias=False)
        self.o = nn.Linear(self.inner_dim, d_model, bias=False)
        self.bidirectional, self.num_buckets, self.max_distance = bidirectional, num_buckets, max_distance
        self.relative_attention_bias = nn.Embedding(num_buckets, heads) if has_bias else None

    def compute_bias(self, query_length, key_length, device=None):
        context_position = torch.arange(query_length, dtype=torch.long, device=device)[:, None]
        memory_position = torch.arange(key_length, dtype=torch.long, device=device)[None, :]
        relative_position = memory_position - context_position
        bucket = relative_position_bucket(relative_position, self.bidirectional, self.num_buckets,
                                          self.max_distance)
        values = self.relative_attention_bias(bucket)
        return values.permute([2, 0, 1]).unsqueeze(0)

    def forward(self, x, mask=None, kv=None, position_bias=None):
        b, seq = x.shape[:2]
        kv = x if kv is None else kv

        def shape(s):
            return s.view(b, -1, self.n_heads, self.key_value_proj_dim).transpose(1, 2)

        q, k, v = shape(self.q(x)), shape(self.k(kv)), shape(self.v(kv))
        scores = torch.matmul(q, k.transpose(3, 2))
        if position_bias is None:
            if self.relative_attention_bias is None:
                position_bias = torch.zeros((1, self.n_heads, seq, k.shape[2]), device=scores.device,
                                            dtype=scores.dtype)
            else:
                position_bias = self.compute_bias(seq, k.shape[2], device=scores.device)
            if mask is not None:
                position_bias = position_bias + mask
        scores += position_bias
        w = nn.functional.softmax(scores.float(), dim=-1).type_as(scores)
        out = torch.matmul(w, v).transpose(1, 2).contiguous().view(b, -1, self.inner_dim)
        return self.o(out), position_bias


class T5GatedFF(nn.Module):
    def __init__(self, d_model, d_ff):
        super().__init__()
        self.wi_0 = nn.Linear(d_model, d_ff, bias=False)
        self.wi_1 = nn.Linear(d_model, d_ff, bias=False)
        self.wo = nn.Linear(d_ff, d_model, bias=False)
        self.act = NewGELU()
        self.layer_norm = T5LayerNorm(d_model)

    def forward(self, x):
        h = self.layer_norm(x)
        h = self.act(self.wi_0(h)) * self.wi_1(h)
        return x + self.wo(h)


class T5(nn.Module):
    """One encoder layer, one decoder layer (causal self attention, cross attention), tied scaled head."""

    def __init__(self, vocab=100, d_model=32, heads=4, d_kv=8, d_ff=64):
        super().__init__()
        self.model_dim = d_model
        self.shared = nn.Embedding(vocab, d_model)
        self.enc_norm = T5LayerNorm(d_model)
        self.enc_attn = T5Attention(d_model, heads, d_kv, True, True)
        self.enc_ff = T5GatedFF(d_model, d_ff)
        self.enc_final = T5LayerNorm(d_model)
        self.dec_norm = T5LayerNorm(d_model)
        self.dec_attn = T5Attention(d_model, heads, d_kv, True, False)
        self.cross_norm = T5LayerNorm(d_model)
        self.cross_attn = T5Attention(d_model, heads, d_kv, False, True)
        self.dec_ff = T5GatedFF(d_model, d_ff)
        self.dec_final = T5LayerNorm(d_model)

    def forward(self, input_ids, attention_mask, decoder_input_ids):
        dtype = self.shared.weight.dtype
        enc_mask = (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min
        x = self.shared(input_ids)
        a, _ = self.enc_attn(self.enc_norm(x), enc_mask)
        x = self.enc_final(self.enc_ff(x + a))
        y = self.shared(decoder_input_ids)
        t = decoder_input_ids.shape[1]
        seq_ids = torch.arange(t, device=y.device)
        causal = seq_ids[None, None, :].repeat(y.shape[0], t, 1) <= seq_ids[None, :, None]
        dec_mask = (1.0 - causal[:, None, :, :].to(dtype)) * torch.finfo(dtype).min
        a, _ = self.dec_attn(self.dec_norm(y), dec_mask)
        y = y + a
        a, _ = self.cross_attn(self.cross_norm(y), enc_mask, kv=x)
        y = self.dec_final(self.dec_ff(y + a))
        y = y * (self.model_dim ** -0.5)
        return F.linear(y, self.shared.weight)


# --------------------------------------------------------------------------- LLaMA

class LlamaRMSNorm(nn.Module):
    def __init__(self, hidden, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states.to(input_dtype)


class RotaryMatmul(nn.Module):
    """Recent transformers: inv_freq buffer, a float32 matmul with the position ids under disabled autocast."""

    def __init__(self, dim, base=10000.0):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def forward(self, x, position_ids):
        inv = self.inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1)
        pos = position_ids[:, None, :].float()
        with torch.autocast(device_type="cpu", enabled=False):
            freqs = (inv.float() @ pos.float()).transpose(1, 2)
            emb = torch.cat((freqs, freqs), dim=-1)
            cos, sin = emb.cos(), emb.sin()
        return cos.to(dtype=x.dtype), sin.to(dtype=x.dtype)


class RotaryOuter(nn.Module):
    """Older style: arange of positions, torch.outer with inv_freq, cos/sin tables sliced by seq_len."""

    def __init__(self, dim, max_pos=64, base=10000.0):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self.max_pos = max_pos

    def forward(self, x, position_ids):
        t = torch.arange(self.max_pos, device=x.device, dtype=self.inv_freq.dtype)
        freqs = torch.outer(t, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[position_ids], emb.sin()[position_ids]
        return cos.to(x.dtype), sin.to(x.dtype)


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def repeat_kv(hidden_states, n_rep):
    batch, num_kv, slen, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    hidden_states = hidden_states[:, :, None, :, :].expand(batch, num_kv, n_rep, slen, head_dim)
    return hidden_states.reshape(batch, num_kv * n_rep, slen, head_dim)


class LlamaAttention(nn.Module):
    def __init__(self, hidden, heads, kv_heads, sdpa):
        super().__init__()
        self.head_dim, self.heads, self.kv_heads = hidden // heads, heads, kv_heads
        self.q_proj = nn.Linear(hidden, heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(heads * self.head_dim, hidden, bias=False)
        self.sdpa = sdpa
        self.scaling = self.head_dim ** -0.5

    def forward(self, x, cos, sin, causal_mask):
        input_shape = x.shape[:-1]
        hidden_shape = (*input_shape, -1, self.head_dim)
        q = self.q_proj(x).view(hidden_shape).transpose(1, 2)
        k = self.k_proj(x).view(hidden_shape).transpose(1, 2)
        v = self.v_proj(x).view(hidden_shape).transpose(1, 2)
        cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
        q = (q * cos) + (rotate_half(q) * sin)
        k = (k * cos) + (rotate_half(k) * sin)
        k = repeat_kv(k, self.heads // self.kv_heads)
        v = repeat_kv(v, self.heads // self.kv_heads)
        if self.sdpa:
            out = F.scaled_dot_product_attention(q.contiguous(), k.contiguous(), v.contiguous(), is_causal=True)
        else:
            w = torch.matmul(q, k.transpose(2, 3)) * self.scaling
            w = w + causal_mask[:, :, :, : k.shape[-2]]
            w = nn.functional.softmax(w, dim=-1, dtype=torch.float32).to(q.dtype)
            out = torch.matmul(w, v)
        out = out.transpose(1, 2).contiguous()
        return self.o_proj(out.reshape(*input_shape, -1).contiguous())


class LlamaMLP(nn.Module):
    def __init__(self, hidden, inter):
        super().__init__()
        self.gate_proj = nn.Linear(hidden, inter, bias=False)
        self.up_proj = nn.Linear(hidden, inter, bias=False)
        self.down_proj = nn.Linear(inter, hidden, bias=False)
        self.act_fn = nn.SiLU()

    def forward(self, x):
        return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))


class Llama(nn.Module):
    def __init__(self, vocab=100, hidden=32, heads=4, kv_heads=2, layers=2, sdpa=True, rotary="matmul"):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, hidden)
        self.layers = nn.ModuleList(nn.ModuleDict(dict(
            input_layernorm=LlamaRMSNorm(hidden), self_attn=LlamaAttention(hidden, heads, kv_heads, sdpa),
            post_attention_layernorm=LlamaRMSNorm(hidden), mlp=LlamaMLP(hidden, 2 * hidden)))
            for _ in range(layers))
        self.norm = LlamaRMSNorm(hidden)
        self.rotary_emb = (RotaryMatmul if rotary == "matmul" else RotaryOuter)(hidden // heads)
        self.lm_head = nn.Linear(hidden, vocab, bias=False)

    def forward(self, input_ids):
        x = self.embed_tokens(input_ids)
        seq = input_ids.shape[1]
        cache_position = torch.arange(0, seq, device=x.device)
        position_ids = cache_position.unsqueeze(0)
        min_dtype = torch.finfo(x.dtype).min
        causal_mask = torch.full((seq, seq), fill_value=min_dtype, dtype=x.dtype, device=x.device)
        causal_mask = torch.triu(causal_mask, diagonal=1)
        causal_mask *= torch.arange(seq, device=x.device) > cache_position.reshape(-1, 1)
        causal_mask = causal_mask[None, None, :, :].expand(x.shape[0], 1, -1, -1)
        cos, sin = self.rotary_emb(x, position_ids)
        for layer in self.layers:
            x = x + layer["self_attn"](layer["input_layernorm"](x), cos, sin, causal_mask)
            x = x + layer["mlp"](layer["post_attention_layernorm"](x))
        return self.lm_head(self.norm(x)[:, -4:, :])


# --------------------------------------------------------------------------- ViT

class ViTLayer(nn.Module):
    def __init__(self, dim, heads, fused_qkv):
        super().__init__()
        self.heads, self.hd = heads, dim // heads
        self.norm1 = nn.LayerNorm(dim, eps=1e-12)
        self.fused = fused_qkv
        if fused_qkv:
            self.qkv = nn.Linear(dim, 3 * dim)
        else:
            self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-12)
        self.fc1 = nn.Linear(dim, 2 * dim)
        self.fc2 = nn.Linear(2 * dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        h = self.norm1(x)
        if self.fused:
            qkv = self.qkv(h).reshape(b, n, 3, self.heads, self.hd).permute(2, 0, 3, 1, 4)
            q, k, v = qkv.unbind(0)
            q = q * self.hd ** -0.5
            attn = (q @ k.transpose(-2, -1)).softmax(dim=-1)
            h = (attn @ v).transpose(1, 2).reshape(b, n, c)
        else:
            h, _ = self.attn(h, h, h, need_weights=False)
        x = x + self.proj(h)
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ViT(nn.Module):
    """Patch conv, cls token concatenated, interpolated position embeddings, pooled head."""

    def __init__(self, img=32, patch=8, dim=32, heads=4, layers=2, fused_qkv=True):
        super().__init__()
        self.patch_embeddings = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim))
        self.position_embeddings = nn.Parameter(torch.randn(1, (img // patch) ** 2 + 1, dim) * 0.1)
        self.layers = nn.ModuleList(ViTLayer(dim, heads, fused_qkv) for _ in range(layers))
        self.layernorm = nn.LayerNorm(dim, eps=1e-12)
        self.classifier = nn.Linear(dim, 10)
        self.patch = patch

    def interpolate_pos_encoding(self, embeddings, height, width):
        num_patches = embeddings.shape[1] - 1
        num_positions = self.position_embeddings.shape[1] - 1
        class_pos = self.position_embeddings[:, :1]
        patch_pos = self.position_embeddings[:, 1:]
        dim = embeddings.shape[-1]
        new_h, new_w = height // self.patch, width // self.patch
        side = int(math.sqrt(num_positions))
        patch_pos = patch_pos.reshape(1, side, side, dim).permute(0, 3, 1, 2)
        patch_pos = nn.functional.interpolate(patch_pos, size=(new_h, new_w), mode="bicubic", align_corners=False)
        patch_pos = patch_pos.permute(0, 2, 3, 1).view(1, -1, dim)
        assert num_patches == new_h * new_w
        return torch.cat((class_pos, patch_pos), dim=1)

    def forward(self, pixel_values):
        b, _, h, w = pixel_values.shape
        x = self.patch_embeddings(pixel_values).flatten(2).transpose(1, 2)
        cls = self.cls_token.expand(b, -1, -1)
        x = torch.cat((cls, x), dim=1)
        x = x + self.interpolate_pos_encoding(x, h, w)
        for layer in self.layers:
            x = layer(x)
        x = self.layernorm(x)
        return self.classifier(x[:, 0, :]), x[:, 1:].mean(dim=1)


# --------------------------------------------------------------------------- Swin

def window_partition(x, ws):
    b, h, w, c = x.shape
    x = x.view(b, h // ws, ws, w // ws, ws, c)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, ws, ws, c)


def window_reverse(windows, ws, h, w):
    c = windows.shape[-1]
    x = windows.view(-1, h // ws, w // ws, ws, ws, c)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, h, w, c)


class SwinBlock(nn.Module):
    def __init__(self, dim, heads, res, ws, shift):
        super().__init__()
        self.dim, self.heads, self.ws, self.shift, self.res = dim, heads, ws, shift, res
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        self.relative_position_bias_table = nn.Parameter(torch.randn((2 * ws - 1) ** 2, heads) * 0.2)
        coords = torch.stack(torch.meshgrid([torch.arange(ws), torch.arange(ws)], indexing="ij"))
        flat = torch.flatten(coords, 1)
        rel = (flat[:, :, None] - flat[:, None, :]).permute(1, 2, 0).contiguous()
        rel[:, :, 0] += ws - 1
        rel[:, :, 1] += ws - 1
        rel[:, :, 0] *= 2 * ws - 1
        self.register_buffer("relative_position_index", rel.sum(-1), persistent=False)
        if shift:
            img_mask = torch.zeros((1, res, res, 1))
            cnt = 0
            for hs in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
                for wsl in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
                    img_mask[:, hs, wsl, :] = cnt
                    cnt += 1
            mw = window_partition(img_mask, ws).view(-1, ws * ws)
            attn_mask = mw.unsqueeze(1) - mw.unsqueeze(2)
            attn_mask = attn_mask.masked_fill(attn_mask != 0, float(-100.0)).masked_fill(attn_mask == 0, float(0.0))
        else:
            attn_mask = None
        self.register_buffer("attn_mask", attn_mask, persistent=False)

    def forward(self, x):
        b, l, c = x.shape
        h = w = self.res
        shortcut = x
        x = self.norm1(x).view(b, h, w, c)
        if self.shift:
            x = torch.roll(x, shifts=(-self.shift, -self.shift), dims=(1, 2))
        win = window_partition(x, self.ws).view(-1, self.ws * self.ws, c)
        bw, n, _ = win.shape
        qkv = self.qkv(win).reshape(bw, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        q = q * (c // self.heads) ** -0.5
        attn = q @ k.transpose(-2, -1)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(n, n, -1)
        attn = attn + bias.permute(2, 0, 1).contiguous().unsqueeze(0)
        if self.attn_mask is not None:
            nw = self.attn_mask.shape[0]
            attn = attn.view(bw // nw, nw, self.heads, n, n) + self.attn_mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.heads, n, n)
        attn = nn.Softmax(dim=-1)(attn)
        win = self.proj((attn @ v).transpose(1, 2).reshape(bw, n, c))
        x = window_reverse(win.view(-1, self.ws, self.ws, c), self.ws, h, w)
        if self.shift:
            x = torch.roll(x, shifts=(self.shift, self.shift), dims=(1, 2))
        x = shortcut + x.view(b, h * w, c)
        return x + self.mlp(self.norm2(x))


class PatchMerging(nn.Module):
    def __init__(self, res, dim):
        super().__init__()
        self.res = res
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x):
        b, l, c = x.shape
        x = x.view(b, self.res, self.res, c)
        x0, x1 = x[:, 0::2, 0::2, :], x[:, 1::2, 0::2, :]
        x2, x3 = x[:, 0::2, 1::2, :], x[:, 1::2, 1::2, :]
        x = torch.cat([x0, x1, x2, x3], -1).view(b, -1, 4 * c)
        return self.reduction(self.norm(x))


class Swin(nn.Module):
    def __init__(self, img=32, patch=4, dim=16, ws=4):
        super().__init__()
        res = img // patch
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        self.patch_norm = nn.LayerNorm(dim)
        self.blocks = nn.Sequential(SwinBlock(dim, 2, res, ws, 0), SwinBlock(dim, 2, res, ws, ws // 2))
        self.merge = PatchMerging(res, dim)
        self.block2 = SwinBlock(2 * dim, 4, res // 2, ws, 0)
        self.norm = nn.LayerNorm(2 * dim)
        self.head = nn.Linear(2 * dim, 10)

    def forward(self, x):
        x = self.patch_norm(self.patch_embed(x).flatten(2).transpose(1, 2))
        x = self.block2(self.merge(self.blocks(x)))
        x = self.norm(x)
        x = nn.AdaptiveAvgPool1d(1)(x.transpose(1, 2))
        return self.head(torch.flatten(x, 1))


MODELS = {
    "bert_matmul_gelu": (lambda: Bert(act="gelu"), [((2, 12), "int64", 100), ((2, 12), "int64", 2)]),
    "bert_sdpa_gelu_tanh": (lambda: Bert(act="gelu_tanh", sdpa=True),
                            [((2, 12), "int64", 100), ((2, 12), "int64", 2), ((2, 12), "int64", 2)]),
    "gpt2": (lambda: GPT2(), [((2, 10), "int64", 100), ((2, 10), "int64", 2)]),
    "t5": (lambda: T5(), [((2, 12), "int64", 100), ((2, 12), "int64", 2), ((2, 7), "int64", 100)]),
    "llama_sdpa": (lambda: Llama(), [((2, 10), "int64", 100)]),
    "llama_eager_outer": (lambda: Llama(sdpa=False, rotary="outer"), [((2, 10), "int64", 100)]),
    "vit_fused": (lambda: ViT(), [((2, 3, 32, 32), "float32")]),
    "vit_mha": (lambda: ViT(fused_qkv=False), [((2, 3, 32, 32), "float32")]),
    "swin": (lambda: Swin(), [((2, 3, 32, 32), "float32")]),
}
