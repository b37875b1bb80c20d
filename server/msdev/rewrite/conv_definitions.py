"""Convolutions written into the converted file (merged into file_definitions.DEFINITIONS).

MindSpore 2.10's float32 convolution on CPU goes through oneDNN, which on processors with AVX-512 picks
its reference kernel for NCHW data: a 3x3 layer over 256 channels takes seconds instead of
milliseconds, and it sums less exactly than PyTorch (max error 8.8e-6 against PyTorch's 1.3e-6 on
one such layer), a difference that grows through a deep network until logits no longer agree.
MindSpore has no float64 convolution kernel on CPU at all. Written as im2col (`ops.unfold`) followed
by a float64 matmul, the same convolution is exact to float32 rounding and faster there. Only the
convolutions that sum over several channels *and* kernel positions take that path; 1x1 and
depthwise ones, short sums that MindSpore computes fast and exactly, keep its kernel, and so does
every other device.

`conv` is torch.nn.functional.conv1d/2d/3d with PyTorch's arguments; `float64_conv(nn.Conv2d)` is the
layer class (MindSpore's arguments and parameter names) computing through it when called in PyNative
mode. Its `construct` stays MindSpore's: a graph (GRAPH_MODE or mindspore.jit) compiles that, as the
graph compiler cannot compile the Python of the exact path. A 1-d convolution keeps PyTorch's 3-d
kernel (MindSpore's Conv1d adds a unit axis), so code touching the kernel and checkpoints agree.
"""

from __future__ import annotations

#: NAME → source; `__NAME__` stands for the local name the file gives it
CONV_DEFINITIONS = {
    "conv_padded": '''\
def __NAME__(x, weight, bias, stride, pads, dilation, groups):
    """An N-d convolution (N = weight.ndim - 2) of `x` padded by `pads` ((before, after) per spatial
    dimension) with zeros, as PyTorch computes it; unbatched inputs too. On CPU, float32 convolutions
    summing over several channels and kernel positions are an im2col and a float64 matmul (MindSpore's
    CPU kernel is slow and inexact there), and so are float64 and integer ones (it has no kernel for
    them; the result keeps the input's dtype); the rest is ops.conv1d/2d/3d."""
    nd = weight.ndim - 2
    if x.ndim == nd + 1:
        return __NAME__(x.unsqueeze(0), weight, bias, stride, pads, dilation, groups).squeeze(0)
    if x.shape[0] == 0:  # an empty batch (a detector's image with no box): MindSpore's pad and conv refuse it
        sizes = [(size + sum(pad) - (k - 1) * d - 1) // s + 1
                 for size, pad, k, d, s in zip(x.shape[2:], pads, weight.shape[2:], dilation, stride)]
        return {@mindspore.ops.zeros}((0, weight.shape[0], *sizes), x.dtype)
    flat = [p for pair in reversed(pads) for p in pair]
    if any(flat):
        x = {@mindspore.ops.pad}(x, tuple(flat))
    wide = {@mindspore.float64}
    summed = weight.shape[1] > 1 and {@math.prod}(weight.shape[2:]) > 1
    low = x.dtype in ({@mindspore.float16}, {@mindspore.bfloat16})
    if low or x.dtype == {@mindspore.float32} and not (summed and {@mindspore.get_context}("device_target") == "CPU"):
        native = {1: {@mindspore.ops.conv1d}, 2: {@mindspore.ops.conv2d}, 3: {@mindspore.ops.conv3d}}[nd]
        return native(x, weight, bias, stride if nd > 1 else stride[0], pad_mode="valid",
                      dilation=dilation if nd > 1 else dilation[0], groups=groups)

    def plane(x, w, stride, dilation):  # float64 2-d convolution of a padded x by im2col + matmul
        n, c, h, width = x.shape
        o, cg, kh, kw = w.shape
        ho = (h - (kh - 1) * dilation[0] - 1) // stride[0] + 1
        wo = (width - (kw - 1) * dilation[1] - 1) // stride[1] + 1
        taps = cg * kh * kw
        w = w.reshape(groups, o // groups, taps)
        rows = max(1, min(ho, (1 << 24) // max(1, n * c * kh * kw * wo)))  # im2col bands of <= 128 MB
        bands = []
        for r0 in range(0, ho, rows):
            r1 = min(ho, r0 + rows)
            band = x[:, :, r0 * stride[0]:(r1 - 1) * stride[0] + (kh - 1) * dilation[0] + 1]
            cols = {@mindspore.ops.unfold}(band, (kh, kw), dilation, 0, stride)
            bands.append({@mindspore.ops.matmul}(w, cols.reshape(n, groups, taps, -1)).reshape(n, o, r1 - r0, wo))
        return bands[0] if len(bands) == 1 else {@mindspore.ops.cat}(bands, 2)

    dtype, x, w = x.dtype, x.astype(wide), weight.astype(wide)
    if nd == 1:
        out = plane(x.unsqueeze(2), w.unsqueeze(2), (1, stride[0]), (1, dilation[0])).squeeze(2)
    elif nd == 2:
        out = plane(x, w, stride, dilation)
    else:  # a 2-d convolution of every output depth, summed over the depth taps
        n, c, depth = x.shape[:3]
        kd = w.shape[2]
        do = (depth - (kd - 1) * dilation[0] - 1) // stride[0] + 1
        out = None
        for i in range(kd):
            start = i * dilation[0]
            xs = x[:, :, start:start + stride[0] * (do - 1) + 1:stride[0]]
            xs = xs.transpose(0, 2, 1, 3, 4).reshape((n * do, c) + tuple(x.shape[3:]))
            part = plane(xs, w[:, :, i], stride[1:], dilation[1:])
            part = part.reshape((n, do) + tuple(part.shape[1:])).transpose(0, 2, 1, 3, 4)
            out = part if out is None else out + part
    if bias is not None:
        out = out + bias.astype(wide).reshape((1, -1) + (1,) * nd)
    return out.astype(dtype)
''',
    "conv": '''\
def __NAME__(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, dims=None):
    """torch.nn.functional.conv1d / conv2d / conv3d (chosen by the weight's rank, or `dims`) with PyTorch's
    arguments: ints or tuples, padding 'same' / 'valid' too. F.conv1d given a Conv1d layer's stride and
    dilation (`self.stride` of a causal-convolution subclass: MindSpore's (1, s) tuples) reads their last
    item; a kernel in MindSpore's (out, in, 1, k) layout loses the extra axis."""
    if dims == 1 and weight.ndim == 4 and weight.shape[2] == 1:
        weight = weight.squeeze(2)
    nd = weight.ndim - 2
    each = lambda v: (int(v),) * nd if isinstance(v, (int, float)) else tuple(int(i) for i in v)[-nd:]
    stride, dilation = each(stride), each(dilation)
    if padding == "valid":
        pads = ((0, 0),) * nd
    elif padding == "same":  # PyTorch puts the odd element after
        pads = tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for d, k in zip(dilation, weight.shape[2:]))
    else:
        pads = tuple((p, p) for p in each(padding))
    return {@msdev.conv_padded}(input, weight, bias, stride, pads, dilation, groups)
''',
    "float64_conv": '''\
@{@functools.lru_cache}(maxsize=None)
def __NAME__(base):
    """The convolution layer `base` (mindspore.nn.Conv1d/2d/3d, with its arguments and parameter names)
    computing as conv_padded does: exactly, through a float64 matmul, where MindSpore's CPU kernel
    is slow and less exact than PyTorch's. A subclass with the layer's name, one per layer class."""

    class Layer(base):
        def __init__(self, *args, padding_mode="zeros", torch_padding=None, **kwargs):
            if torch_padding is not None:  # PyTorch's `padding` (an int, one int per dim, 'same' or 'valid')
                if isinstance(torch_padding, str):
                    kwargs.update(pad_mode=torch_padding)
                else:
                    p = (torch_padding,) if isinstance(torch_padding, int) else tuple(torch_padding)
                    pairs = p[0] if len(p) == 1 else tuple(v for v in p for _ in range(2))
                    kwargs.update(pad_mode="pad", padding=pairs)
            super().__init__(*args, **kwargs)
            self.padding_mode = padding_mode  # 'zeros', or 'reflect' / 'replicate' / 'circular', which exact() applies
            if issubclass(base, {@mindspore.nn.Conv1d}) and self.weight.ndim == 4:
                # PyTorch's (out, in/groups, k) kernel instead of MindSpore's (out, in/groups, 1, k): code that reads
                # or writes it (`weight.shape[2]`, `weight.data = taps.view(1, 1, -1)`, a standardised weight's mean
                # over dims (1, 2)) and checkpoints see the layout they expect
                self.weight = {@mindspore.Parameter}(self.weight.squeeze(2), name=self.weight.name)

        def __call__(self, *args, **kwargs):
            # PyNative runs the layer from here. A graph (GRAPH_MODE, mindspore.jit) compiles `construct`, MindSpore's
            # kernel, and so do layers with hooks (Cell.__call__ runs them) or a construct of their own
            hooked = any(getattr(self, h, None) for h in ("_forward_pre_hook", "_forward_hook", "_backward_pre_hook",
                                                         "_backward_hook"))
            if (len(args) == 1 and not kwargs and not hooked and type(self).construct is Layer.construct
                    and {@mindspore.get_context}("mode") == {@mindspore.PYNATIVE_MODE}):
                return self.exact(args[0])
            return super().__call__(*args, **kwargs)

        def construct(self, x):
            if self.padding_mode != "zeros":
                return self.exact(x)
            if self.weight.ndim == 3:  # a 1-d kernel in PyTorch's layout: MindSpore's Conv1d, its kernel given the unit axis
                output = self.conv2d(self.expand_dims(x, 2), self.expand_dims(self.weight, 2))
                if self.has_bias:
                    output = self.bias_add(output, self.bias)
                return self.squeeze(output)
            return super().construct(x)

        def exact(self, x):
            # a 1-d kernel in MindSpore's layout (a Conv2d's unbatched (C, H, W) input is not one)
            one_d = issubclass(base, {@mindspore.nn.Conv1d}) and self.weight.ndim == 4 and x.ndim <= 3
            if one_d:
                x = x.unsqueeze(-2)
            nd = self.weight.ndim - 2
            size, kernel = x.shape[-nd:], self.weight.shape[2:]
            stride, dilation = tuple(self.stride)[-nd:], tuple(self.dilation)[-nd:]
            if self.pad_mode == "pad":
                p = self.padding
                pads = ((p, p),) * nd if isinstance(p, int) else tuple(zip(p[::2], p[1::2]))[-nd:]  # Conv1d: (0, 0, l, r)
            elif self.pad_mode == "same":  # TensorFlow's: the output is ceil(size / stride), odd element after
                total = [max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
                         for n, k, s, d in zip(size, kernel, stride, dilation)]
                pads = tuple((t // 2, t - t // 2) for t in total)
            else:
                pads = ((0, 0),) * nd
            if self.padding_mode != "zeros":  # the border copies values instead of zeros: pad the input, axis by axis
                for axis, (low, high) in zip(range(x.ndim - nd, x.ndim), pads):
                    if low or high:
                        moved = x.swapaxes(axis, -1)
                        flat = {@mindspore.ops.pad}(moved.reshape(-1, 1, moved.shape[-1]), (low, high), mode=self.padding_mode)
                        x = flat.reshape(tuple(moved.shape[:-1]) + (flat.shape[-1],)).swapaxes(axis, -1)
                pads = ((0, 0),) * nd
            out = {@msdev.conv_padded}(x, self.weight, self.bias if self.has_bias else None, stride, pads, dilation,
                                      self.group)
            return out.squeeze(-2) if one_d else out

    Layer.__name__ = Layer.__qualname__ = base.__name__
    Layer.adapts_layer = base  # `type(m) == nn.Conv2d` tests see through it
    return Layer
''',
}
