"""Small definitions a mapping template asks for by `{@msdev.NAME}`, written once into the converted file.

Some PyTorch objects have no MindSpore counterpart of the same kind: `nn.Unfold` is a Module (so
it sits in `nn.Sequential`), while MindSpore's PyTorch-style unfold is only a function; the fields
of `torch.finfo` are Python numbers, while `numpy.finfo` gives NumPy scalars that MindSpore ops such
as `masked_fill` refuse. A template names the definition (`{@msdev.FunctionCell}(...)`); the namer
gives it a free local name and the converted file gets its source after the imports, so the output
needs no msdev at run time. `{@...}` inside a definition is rendered like a template's.
"""

from __future__ import annotations

#: the root of template names that denote a definition of this module
ROOT = "msdev"

#: NAME → source; `__NAME__` stands for the local name the file gives it
DEFINITIONS = {
    "FunctionCell": '''\
class __NAME__({@mindspore.nn.Cell}):
    """A function used as a layer: PyTorch builds this one as a Module, MindSpore has it as a function."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def construct(self, *args):
        return self.fn(*args)
''',
    "finfo": '''\
class __NAME__:
    """torch.finfo: the limits of a float dtype as Python numbers (numpy.finfo's are NumPy scalars)."""

    def __init__(self, type=None):
        info = {@numpy.finfo}({@mindspore.dtype_to_nptype}(type) if type is not None else {@numpy.float32})
        self.dtype = type
        self.bits = int(info.bits)
        for field in ("max", "min", "eps", "tiny", "resolution"):
            setattr(self, field, float(getattr(info, field)))
        self.smallest_normal = self.tiny
''',
    "multi_head_attention_forward": '''\
def __NAME__(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v,
             add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training=True, key_padding_mask=None,
             need_weights=True, attn_mask=None, use_separate_proj_weight=False, q_proj_weight=None,
             k_proj_weight=None, v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
             is_causal=False):
    """torch.nn.functional.multi_head_attention_forward: sequence-first attention, written out (MindSpore has
    the layer only). A bool mask marks the positions that may NOT be attended; a float mask is added."""
    def dense(x, w, b):
        y = {@mindspore.ops.matmul}(x, w.swapaxes(-1, -2))
        return y if b is None else y + b

    def additive(mask, dtype):
        if mask is None or mask.dtype != {@mindspore.bool_}:
            return mask
        return {@mindspore.ops.zeros}(mask.shape, dtype).masked_fill(mask, float('-inf'))

    def pad_one(mask):
        return None if mask is None else {@mindspore.ops.cat}(
            (mask, {@mindspore.ops.zeros}(mask.shape[:-1] + (1,), mask.dtype)), -1)

    unbatched = query.ndim == 2
    if unbatched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    assert embed_dim == embed_dim_to_check, f"expected embedding size {embed_dim_to_check}, got {embed_dim}"
    head_dim = embed_dim // num_heads
    if use_separate_proj_weight:
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
    else:
        w_q, w_k, w_v = in_proj_weight[:embed_dim], in_proj_weight[embed_dim:2 * embed_dim], in_proj_weight[2 * embed_dim:]
    b_q = b_k = b_v = None
    if in_proj_bias is not None:
        b_q, b_k, b_v = in_proj_bias[:embed_dim], in_proj_bias[embed_dim:2 * embed_dim], in_proj_bias[2 * embed_dim:]
    q, k, v = dense(query, w_q, b_q), dense(key, w_k, b_k), dense(value, w_v, b_v)
    attn_mask = additive(attn_mask, q.dtype)
    if attn_mask is not None and attn_mask.ndim == 2:
        attn_mask = attn_mask.unsqueeze(0)
    if bias_k is not None and bias_v is not None:
        k = {@mindspore.ops.cat}((k, bias_k.reshape(1, 1, -1).tile((1, bsz, 1))))
        v = {@mindspore.ops.cat}((v, bias_v.reshape(1, 1, -1).tile((1, bsz, 1))))
        attn_mask, key_padding_mask = pad_one(attn_mask), pad_one(key_padding_mask)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).swapaxes(0, 1)
    k = static_k if static_k is not None else k.reshape(k.shape[0], bsz * num_heads, head_dim).swapaxes(0, 1)
    v = static_v if static_v is not None else v.reshape(v.shape[0], bsz * num_heads, head_dim).swapaxes(0, 1)
    if add_zero_attn:
        k = {@mindspore.ops.cat}((k, {@mindspore.ops.zeros}((k.shape[0], 1, head_dim), k.dtype)), 1)
        v = {@mindspore.ops.cat}((v, {@mindspore.ops.zeros}((v.shape[0], 1, head_dim), v.dtype)), 1)
        attn_mask, key_padding_mask = pad_one(attn_mask), pad_one(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        padding = additive(key_padding_mask, q.dtype).reshape(bsz, 1, 1, src_len)
        padding = padding.broadcast_to((bsz, num_heads, 1, src_len)).reshape(bsz * num_heads, 1, src_len)
        attn_mask = padding if attn_mask is None else attn_mask + padding
    scores = {@mindspore.ops.matmul}(q * float(head_dim) ** -0.5, k.swapaxes(-2, -1))
    if attn_mask is not None:
        scores = scores + attn_mask
    weights = {@mindspore.ops.softmax}(scores, -1)
    if training and dropout_p > 0.0:
        weights = {@mindspore.ops.dropout}(weights, p=float(dropout_p))
    out = {@mindspore.ops.matmul}(weights, v).swapaxes(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = dense(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if need_weights:
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if unbatched:
            return out.squeeze(1), weights.squeeze(0)
        return out, weights
    return (out.squeeze(1) if unbatched else out), None
''',
    "MultiheadAttention": '''\
class __NAME__({@mindspore.nn.MultiheadAttention}):
    """nn.MultiheadAttention that also takes query/key/value by keyword: MindSpore's __call__ reads them
    from the positional arguments (`attn(q, k, value=v)` fails there), and gives PyTorch's pair (output,
    None) when no weights are asked for, where MindSpore gives a 1-tuple."""

    def __call__(self, *args, **kwargs):
        args += tuple(kwargs.pop(name) for name in ("query", "key", "value")[len(args):] if name in kwargs)
        result = super().__call__(*args, **kwargs)
        return (result[0], None) if isinstance(result, tuple) and len(result) == 1 else result
''',
}
