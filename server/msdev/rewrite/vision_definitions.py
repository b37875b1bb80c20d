"""torchvision's compiled operators written into the converted file (merged into file_definitions.DEFINITIONS).

torchvision ships C++ kernels (`torch.ops.torchvision.nms`, `roi_align`, ...) in a compiled extension
that it loads with `torch.ops.load_library`; its detection models call them. Converted torchvision code
cannot load that library into MindSpore, so these definitions compute the kernels' results with
MindSpore (and NumPy for the greedy, non-differentiable part of nms), and `load_library` accepts
torchvision's own extension: the code then takes the same paths as with an installed torchvision.
"""

from __future__ import annotations

#: NAME → source; `__NAME__` stands for the local name the file gives it
VISION_DEFINITIONS = {
    "load_library": '''\
def __NAME__(path):
    """torch.ops.load_library: a compiled PyTorch extension cannot be loaded into MindSpore. OSError is what
    PyTorch raises for a library it cannot load, so code that guards the load carries on without it.
    torchvision's own extension (when the file is there) is the exception: the converted code computes its
    operators itself."""
    folder, name = {@os.path.split}({@os.fspath}(path))
    if {@os.path.basename}(folder) == "torchvision" and name.startswith("_C") and {@os.path.isfile}(path):
        return None
    raise OSError(f"{path}: a PyTorch C++ extension, which MindSpore cannot load")
''',
    "nms": '''\
def __NAME__(boxes, scores, iou_threshold):
    """torchvision's nms kernel: the indices (int64, highest score first) of the boxes (x1, y1, x2, y2) that
    greedy non-maximum suppression keeps, a box being dropped when its IoU with a kept, higher-scored box
    exceeds the threshold. Computed on the host in the boxes' dtype, as the CPU kernel does."""
    if boxes.shape[0] == 0:
        return {@mindspore.ops.zeros}((0,), {@mindspore.int64})
    order = {@numpy.argsort}(-scores.asnumpy(), kind="stable")
    b = boxes.asnumpy()[order]
    x1, y1, x2, y2 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    areas = (x2 - x1) * (y2 - y1)
    removed = {@numpy.zeros}(len(order), dtype=bool)
    keep = []
    for i in range(len(order)):
        if removed[i]:
            continue
        keep.append(i)
        w = {@numpy.maximum}({@numpy.minimum}(x2[i], x2) - {@numpy.maximum}(x1[i], x1), 0)
        h = {@numpy.maximum}({@numpy.minimum}(y2[i], y2) - {@numpy.maximum}(y1[i], y1), 0)
        inter = w * h
        with {@numpy.errstate}(divide="ignore", invalid="ignore"):
            removed |= inter / (areas[i] + areas - inter) > iou_threshold
    return {@mindspore.Tensor}(order[keep].astype({@numpy.int64}))
''',
    "roi_align": '''\
def __NAME__(input, rois, spatial_scale, pooled_height, pooled_width, sampling_ratio, aligned):
    """torchvision's roi_align kernel: for each roi (batch index, x1, y1, x2, y2) a pooled_height x
    pooled_width grid of bins, each the mean of bilinear samples on a regular grid inside it
    (sampling_ratio per side, or ceil(bin size) when <= 0; samples more than one pixel outside the map
    count as zero). The samples are gathered from the flattened maps, rois in chunks that keep the
    gathered values near 64 MB; written with MindSpore ops, so it has a gradient."""
    P = {@mindspore.ops}  # a local name: the file's own `ops` may be another module
    n, c, height, width = input.shape
    k = rois.shape[0]
    if k == 0:
        return P.zeros((0, c, pooled_height, pooled_width), input.dtype)
    rois = rois.astype(input.dtype)
    offset = 0.5 if aligned else 0.0
    x0, y0 = rois[:, 1] * spatial_scale - offset, rois[:, 2] * spatial_scale - offset
    roi_w, roi_h = rois[:, 3] * spatial_scale - offset - x0, rois[:, 4] * spatial_scale - offset - y0
    if not aligned:  # the legacy kernel makes every roi at least one pixel wide and high
        roi_w, roi_h = P.maximum(roi_w, P.ones_like(roi_w)), P.maximum(roi_h, P.ones_like(roi_h))
    bin_h, bin_w = roi_h / pooled_height, roi_w / pooled_width
    if sampling_ratio > 0:
        grid_h = grid_w = P.full((k,), sampling_ratio, dtype={@mindspore.int64})
    else:
        grid_h, grid_w = P.ceil(bin_h).astype({@mindspore.int64}), P.ceil(bin_w).astype({@mindspore.int64})
    most_h, most_w = max(int(grid_h.max()), 1), max(int(grid_w.max()), 1)
    count = P.maximum(grid_h * grid_w, P.ones_like(grid_h)).astype(input.dtype)

    def axis(start, size, bins, grid, most, limit):
        """Sample positions along one axis, (k, bins * most): the two neighbours and their weights."""
        step = (P.arange(bins, dtype=input.dtype).reshape(1, bins, 1)
                + (P.arange(most, dtype=input.dtype).reshape(1, 1, most) + 0.5) / grid.astype(input.dtype).reshape(k, 1, 1))
        pos = (start.reshape(k, 1, 1) + step * size.reshape(k, 1, 1)).reshape(k, bins * most)
        used = (P.arange(most).reshape(1, 1, most) < grid.reshape(k, 1, 1)).broadcast_to((k, bins, most))
        inside = P.logical_and(pos >= -1.0, pos <= limit).astype(input.dtype) * used.reshape(k, bins * most).astype(input.dtype)
        pos = P.maximum(pos, P.zeros_like(pos))
        low = P.floor(pos).astype({@mindspore.int64})
        last = low >= limit - 1
        low = P.where(last, P.full_like(low, limit - 1), low)
        high = P.where(last, low, low + 1)
        frac = P.where(last, P.zeros_like(pos), pos - low.astype(input.dtype))
        return low, high, (1 - frac) * inside, frac * inside

    y_low, y_high, y_wlow, y_whigh = axis(y0, bin_h, pooled_height, grid_h, most_h, height)
    x_low, x_high, x_wlow, x_whigh = axis(x0, bin_w, pooled_width, grid_w, most_w, width)
    flat = input.transpose(1, 0, 2, 3).reshape(c, n * height * width)
    base = rois[:, 0].astype({@mindspore.int64}) * (height * width)
    samples = pooled_height * most_h * pooled_width * most_w
    chunk = max(1, (1 << 24) // max(c * samples, 1))
    parts = []
    for s in range(0, k, chunk):
        e = min(k, s + chunk)
        total = 0
        for ys, wy in ((y_low[s:e], y_wlow[s:e]), (y_high[s:e], y_whigh[s:e])):
            for xs, wx in ((x_low[s:e], x_wlow[s:e]), (x_high[s:e], x_whigh[s:e])):
                index = base[s:e].reshape(-1, 1, 1) + ys.reshape(e - s, -1, 1) * width + xs.reshape(e - s, 1, -1)
                weight = wy.reshape(e - s, -1, 1) * wx.reshape(e - s, 1, -1)
                values = P.gather(flat, index.reshape(-1), 1).reshape(c, e - s, index.shape[1], index.shape[2])
                total = total + values * weight.reshape(1, e - s, index.shape[1], index.shape[2])
        total = total.reshape(c, e - s, pooled_height, most_h, pooled_width, most_w).sum(axis=(3, 5))
        parts.append(total / count[s:e].reshape(1, e - s, 1, 1))
    out = parts[0] if len(parts) == 1 else P.cat(parts, 1)
    return out.transpose(1, 0, 2, 3)
''',
}
