"""Small models written in the style of ultralytics YOLOv8, mmsegmentation decode heads and DETR, random
weights, for `benchmarks/graphs_bench.py --model-file`. Our own code reproducing the operations those
libraries run in `forward`: C2f (chunk / split / cat), SPPF (max_pool2d), the Detect head (DFL softmax +
fixed conv, make_anchors with arange / meshgrid / stack, dist2bbox), PPM / ASPP / UPer-FPN / SegFormer
MLP decoders (adaptive_avg_pool2d, interpolate bilinear with align_corners, nearest with scale_factor),
DETR's sine position embedding (cumsum, div, stack, flatten), top-k decoding with gather.

`MODELS` maps a name to `(builder, inputs)` as in transformers_like.py.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# --------------------------------------------------------------------------- YOLOv8

def autopad(k, p=None, d=1):
    if d > 1:
        k = d * (k - 1) + 1
    return k // 2 if p is None else p


class Conv(nn.Module):
    def __init__(self, c1, c2, k=1, s=1, p=None, g=1, d=1, act=True):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, autopad(k, p, d), groups=g, dilation=d, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=0.001, momentum=0.03)
        self.act = nn.SiLU() if act is True else (act if isinstance(act, nn.Module) else nn.Identity())

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, c1, c2, shortcut=True, g=1, k=(3, 3), e=0.5):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1 = Conv(c1, c_, k[0], 1)
        self.cv2 = Conv(c_, c2, k[1], 1, g=g)
        self.add = shortcut and c1 == c2

    def forward(self, x):
        return x + self.cv2(self.cv1(x)) if self.add else self.cv2(self.cv1(x))


class C2f(nn.Module):
    def __init__(self, c1, c2, n=1, shortcut=False, e=0.5, use_split=False):
        super().__init__()
        self.c = int(c2 * e)
        self.cv1 = Conv(c1, 2 * self.c, 1, 1)
        self.cv2 = Conv((2 + n) * self.c, c2, 1)
        self.m = nn.ModuleList(Bottleneck(self.c, self.c, shortcut, k=(3, 3), e=1.0) for _ in range(n))
        self.use_split = use_split

    def forward(self, x):
        if self.use_split:
            y = list(self.cv1(x).split((self.c, self.c), 1))
        else:
            y = list(self.cv1(x).chunk(2, 1))
        y.extend(m(y[-1]) for m in self.m)
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    def __init__(self, c1, c2, k=5):
        super().__init__()
        c_ = c1 // 2
        self.cv1 = Conv(c1, c_, 1, 1)
        self.cv2 = Conv(c_ * 4, c2, 1, 1)
        self.m = nn.MaxPool2d(kernel_size=k, stride=1, padding=k // 2)

    def forward(self, x):
        y = [self.cv1(x)]
        y.extend(self.m(y[-1]) for _ in range(3))
        return self.cv2(torch.cat(y, 1))


class DFL(nn.Module):
    """Distribution focal loss integral: softmax over bins, a fixed 1x1 conv with weights 0..c1-1."""

    def __init__(self, c1=16):
        super().__init__()
        self.conv = nn.Conv2d(c1, 1, 1, bias=False).requires_grad_(False)
        x = torch.arange(c1, dtype=torch.float)
        self.conv.weight.data[:] = nn.Parameter(x.view(1, c1, 1, 1))
        self.c1 = c1

    def forward(self, x):
        b, _, a = x.shape
        return self.conv(x.view(b, 4, self.c1, a).transpose(2, 1).softmax(1)).view(b, 4, a)


def make_anchors(feats, strides, grid_cell_offset=0.5):
    anchor_points, stride_tensor = [], []
    dtype, device = feats[0].dtype, feats[0].device
    for i, stride in enumerate(strides):
        _, _, h, w = feats[i].shape
        sx = torch.arange(end=w, device=device, dtype=dtype) + grid_cell_offset
        sy = torch.arange(end=h, device=device, dtype=dtype) + grid_cell_offset
        sy, sx = torch.meshgrid(sy, sx, indexing="ij")
        anchor_points.append(torch.stack((sx, sy), -1).view(-1, 2))
        stride_tensor.append(torch.full((h * w, 1), stride, dtype=dtype, device=device))
    return torch.cat(anchor_points), torch.cat(stride_tensor)


def dist2bbox(distance, anchor_points, xywh=True, dim=-1):
    lt, rb = distance.chunk(2, dim)
    x1y1 = anchor_points - lt
    x2y2 = anchor_points + rb
    if xywh:
        c_xy = (x1y1 + x2y2) / 2
        wh = x2y2 - x1y1
        return torch.cat((c_xy, wh), dim)
    return torch.cat((x1y1, x2y2), dim)


class Detect(nn.Module):
    def __init__(self, nc=5, ch=(), reg_max=8, strides=(8.0, 16.0, 32.0)):
        super().__init__()
        self.nc, self.nl, self.reg_max = nc, len(ch), reg_max
        self.no = nc + reg_max * 4
        self.stride = torch.tensor(strides)
        c2, c3 = max((16, ch[0] // 4, reg_max * 4)), max(ch[0], min(nc, 100))
        self.cv2 = nn.ModuleList(nn.Sequential(Conv(x, c2, 3), Conv(c2, c2, 3), nn.Conv2d(c2, 4 * reg_max, 1))
                                 for x in ch)
        self.cv3 = nn.ModuleList(nn.Sequential(Conv(x, c3, 3), Conv(c3, c3, 3), nn.Conv2d(c3, nc, 1)) for x in ch)
        self.dfl = DFL(reg_max)

    def forward(self, x):
        x = list(x)
        for i in range(self.nl):
            x[i] = torch.cat((self.cv2[i](x[i]), self.cv3[i](x[i])), 1)
        shape = x[0].shape
        x_cat = torch.cat([xi.view(shape[0], self.no, -1) for xi in x], 2)
        anchors, strides = (t.transpose(0, 1) for t in make_anchors(x, self.stride, 0.5))
        box, cls = x_cat.split((self.reg_max * 4, self.nc), 1)
        dbox = dist2bbox(self.dfl(box), anchors.unsqueeze(0), xywh=True, dim=1) * strides
        return torch.cat((dbox, cls.sigmoid()), 1), x


class YOLOv8(nn.Module):
    def __init__(self, w=8, use_split=False):
        super().__init__()
        self.stem = Conv(3, w, 3, 2)
        self.d1 = nn.Sequential(Conv(w, 2 * w, 3, 2), C2f(2 * w, 2 * w, 1, True, use_split=use_split))
        self.d2 = nn.Sequential(Conv(2 * w, 4 * w, 3, 2), C2f(4 * w, 4 * w, 1, True, use_split=use_split))
        self.d3 = nn.Sequential(Conv(4 * w, 4 * w, 3, 2), C2f(4 * w, 4 * w, 1, True, use_split=use_split))
        self.d4 = nn.Sequential(Conv(4 * w, 8 * w, 3, 2), C2f(8 * w, 8 * w, 1, True), SPPF(8 * w, 8 * w, 5))
        self.up = nn.Upsample(None, 2, "nearest")
        self.h1 = C2f(12 * w, 4 * w, 1, use_split=use_split)
        self.h2 = C2f(8 * w, 4 * w, 1, use_split=use_split)
        self.down = Conv(4 * w, 4 * w, 3, 2)
        self.h3 = C2f(8 * w, 4 * w, 1, use_split=use_split)
        self.down2 = Conv(4 * w, 4 * w, 3, 2)
        self.h4 = C2f(12 * w, 8 * w, 1, use_split=use_split)
        self.detect = Detect(5, (4 * w, 4 * w, 8 * w))

    def forward(self, x):
        p3 = self.d2(self.d1(self.stem(x)))
        p4 = self.d3(p3)
        p5 = self.d4(p4)
        t4 = self.h1(torch.cat([self.up(p5), p4], 1))
        n3 = self.h2(torch.cat([self.up(t4), p3], 1))
        n4 = self.h3(torch.cat([self.down(n3), t4], 1))
        n5 = self.h4(torch.cat([self.down2(n4), p5], 1))
        return self.detect([n3, n4, n5])


# --------------------------------------------------------------------------- mmseg

def resize(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return F.interpolate(input, size, scale_factor, mode, align_corners)


class ConvModule(nn.Module):
    def __init__(self, c1, c2, k=1, padding=0, dilation=1, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, 1, padding, dilation, groups, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.activate = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.activate(self.bn(self.conv(x)))


class Backbone(nn.Module):
    """Four stages at strides 4, 8, 16, 32."""

    def __init__(self, chans=(8, 16, 24, 32)):
        super().__init__()
        c_in, stages = 3, []
        for i, c in enumerate(chans):
            stages.append(nn.Sequential(nn.Conv2d(c_in, c, 3, 4 if i == 0 else 2, 1), nn.BatchNorm2d(c), nn.ReLU()))
            c_in = c
        self.stages = nn.ModuleList(stages)

    def forward(self, x):
        outs = []
        for s in self.stages:
            x = s(x)
            outs.append(x)
        return outs


class PPM(nn.ModuleList):
    def __init__(self, pool_scales, in_channels, channels, align_corners):
        super().__init__()
        self.align_corners = align_corners
        for scale in pool_scales:
            self.append(nn.Sequential(nn.AdaptiveAvgPool2d(scale), ConvModule(in_channels, channels, 1)))

    def forward(self, x):
        outs = []
        for ppm in self:
            out = ppm(x)
            outs.append(resize(out, size=x.size()[2:], mode="bilinear", align_corners=self.align_corners))
        return outs


class UPerNet(nn.Module):
    """PSP module on the last stage plus an FPN with bilinear top-down resizes."""

    def __init__(self, chans=(8, 16, 24, 32), ch=16, nc=4, align_corners=False):
        super().__init__()
        self.backbone = Backbone(chans)
        self.align_corners = align_corners
        self.psp_modules = PPM((1, 2, 3, 6), chans[-1], ch, align_corners)
        self.bottleneck = ConvModule(chans[-1] + 4 * ch, ch, 3, padding=1)
        self.lateral_convs = nn.ModuleList(ConvModule(c, ch, 1) for c in chans[:-1])
        self.fpn_convs = nn.ModuleList(ConvModule(ch, ch, 3, padding=1) for _ in chans[:-1])
        self.fpn_bottleneck = ConvModule(len(chans) * ch, ch, 3, padding=1)
        self.conv_seg = nn.Conv2d(ch, nc, 1)

    def forward(self, img):
        inputs = self.backbone(img)
        x = inputs[-1]
        psp = [x]
        psp.extend(self.psp_modules(x))
        laterals = [conv(inputs[i]) for i, conv in enumerate(self.lateral_convs)]
        laterals.append(self.bottleneck(torch.cat(psp, dim=1)))
        for i in range(len(laterals) - 1, 0, -1):
            prev_shape = laterals[i - 1].shape[2:]
            laterals[i - 1] = laterals[i - 1] + resize(laterals[i], size=prev_shape, mode="bilinear",
                                                       align_corners=self.align_corners)
        outs = [self.fpn_convs[i](laterals[i]) for i in range(len(laterals) - 1)]
        outs.append(laterals[-1])
        for i in range(len(outs) - 1, 0, -1):
            outs[i] = resize(outs[i], size=outs[0].shape[2:], mode="bilinear", align_corners=self.align_corners)
        seg = self.conv_seg(self.fpn_bottleneck(torch.cat(outs, dim=1)))
        return resize(seg, size=img.shape[2:], mode="bilinear", align_corners=self.align_corners)


class ASPPNet(nn.Module):
    """DeepLabV3 head: image pooling branch, dilated 3x3 branches, align_corners=True resizes."""

    def __init__(self, chans=(8, 16, 24, 32), ch=16, nc=4, dilations=(1, 2, 3)):
        super().__init__()
        self.backbone = Backbone(chans)
        self.image_pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), ConvModule(chans[-1], ch, 1))
        self.aspp = nn.ModuleList(ConvModule(chans[-1], ch, 1 if d == 1 else 3, padding=0 if d == 1 else d,
                                             dilation=d) for d in dilations)
        self.bottleneck = ConvModule((len(dilations) + 1) * ch, ch, 3, padding=1)
        self.c1 = ConvModule(chans[0], 8, 1)
        self.sep = nn.Sequential(ConvModule(ch + 8, ch + 8, 3, padding=1, groups=ch + 8), ConvModule(ch + 8, ch, 1))
        self.conv_seg = nn.Conv2d(ch, nc, 1)

    def forward(self, img):
        feats = self.backbone(img)
        x = feats[-1]
        outs = [resize(self.image_pool(x), size=x.size()[2:], mode="bilinear", align_corners=True)]
        outs.extend(m(x) for m in self.aspp)
        out = self.bottleneck(torch.cat(outs, dim=1))
        out = resize(out, size=feats[0].shape[2:], mode="bilinear", align_corners=True)
        out = self.sep(torch.cat([self.c1(feats[0]), out], dim=1))
        return F.interpolate(self.conv_seg(out), scale_factor=4, mode="bilinear", align_corners=True)


class FPNNeck(nn.Module):
    """mmdet/mmseg FPN neck: nearest upsampling by scale_factor, extra max-pooled level."""

    def __init__(self, chans=(8, 16, 24, 32), ch=16):
        super().__init__()
        self.backbone = Backbone(chans)
        self.lateral_convs = nn.ModuleList(nn.Conv2d(c, ch, 1) for c in chans)
        self.fpn_convs = nn.ModuleList(nn.Conv2d(ch, ch, 3, padding=1) for _ in chans)

    def forward(self, img):
        inputs = self.backbone(img)
        laterals = [conv(inputs[i]) for i, conv in enumerate(self.lateral_convs)]
        for i in range(len(laterals) - 1, 0, -1):
            if i % 2:
                laterals[i - 1] = laterals[i - 1] + F.interpolate(laterals[i], scale_factor=2, mode="nearest")
            else:
                laterals[i - 1] += F.interpolate(laterals[i], size=laterals[i - 1].shape[2:], mode="nearest")
        outs = [self.fpn_convs[i](laterals[i]) for i in range(len(laterals))]
        outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        return tuple(outs)


def nlc_to_nchw(x, hw_shape):
    h, w = hw_shape
    b, _, c = x.shape
    return x.transpose(1, 2).reshape(b, c, h, w).contiguous()


def nchw_to_nlc(x):
    return x.flatten(2).transpose(1, 2).contiguous()


class EfficientMHA(nn.Module):
    """SegFormer attention: keys and values from a strided conv of the map, nn.MultiheadAttention
    called sequence-first (transposes around it, as mmcv's wrapper does)."""

    def __init__(self, dim, heads, sr):
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, heads)
        self.sr_ratio = sr
        if sr > 1:
            self.sr = nn.Conv2d(dim, dim, sr, sr)
            self.norm = nn.LayerNorm(dim)

    def forward(self, x, hw_shape):
        x_q = x
        if self.sr_ratio > 1:
            x_kv = self.norm(nchw_to_nlc(self.sr(nlc_to_nchw(x, hw_shape))))
        else:
            x_kv = x
        out = self.attn(query=x_q.transpose(0, 1), key=x_kv.transpose(0, 1), value=x_kv.transpose(0, 1))[0]
        return x + out.transpose(0, 1)


class MixFFN(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Conv2d(dim, hidden, 1)
        self.pe = nn.Conv2d(hidden, hidden, 3, 1, 1, groups=hidden)
        self.fc2 = nn.Conv2d(hidden, dim, 1)

    def forward(self, x, hw_shape):
        out = nlc_to_nchw(x, hw_shape)
        out = self.fc2(F.gelu(self.pe(self.fc1(out))))
        return x + nchw_to_nlc(out)


class SegFormer(nn.Module):
    def __init__(self, dims=(8, 16, 24, 32), heads=(1, 2, 2, 4), srs=(4, 2, 1, 1), ch=16, nc=4):
        super().__init__()
        self.embeds, self.norms1, self.attns, self.norms2, self.ffns, self.outnorms = (nn.ModuleList() for _ in range(6))
        c_in = 3
        for i, d in enumerate(dims):
            k, s = (7, 4) if i == 0 else (3, 2)
            self.embeds.append(nn.Conv2d(c_in, d, k, s, k // 2))
            self.norms1.append(nn.LayerNorm(d, eps=1e-6))
            self.attns.append(EfficientMHA(d, heads[i], srs[i]))
            self.norms2.append(nn.LayerNorm(d, eps=1e-6))
            self.ffns.append(MixFFN(d, 2 * d))
            self.outnorms.append(nn.LayerNorm(d, eps=1e-6))
            c_in = d
        self.convs = nn.ModuleList(ConvModule(d, ch, 1) for d in dims)
        self.fusion_conv = ConvModule(ch * len(dims), ch, 1)
        self.conv_seg = nn.Conv2d(ch, nc, 1)

    def forward(self, x):
        outs = []
        for i in range(len(self.embeds)):
            x = self.embeds[i](x)
            hw = (x.shape[2], x.shape[3])
            x = nchw_to_nlc(x)
            x = self.attns[i](self.norms1[i](x), hw)
            x = self.ffns[i](self.norms2[i](x), hw)
            x = nlc_to_nchw(self.outnorms[i](x), hw)
            outs.append(x)
        feats = []
        for idx in range(len(outs)):
            feats.append(resize(self.convs[idx](outs[idx]), size=outs[0].shape[2:], mode="bilinear",
                                align_corners=False))
        out = self.fusion_conv(torch.cat(feats, dim=1))
        return self.conv_seg(out)


# --------------------------------------------------------------------------- DETR

class PositionEmbeddingSine(nn.Module):
    def __init__(self, num_pos_feats=8, temperature=10000, normalize=True):
        super().__init__()
        self.num_pos_feats, self.temperature, self.normalize = num_pos_feats, temperature, normalize
        self.scale = 2 * math.pi

    def forward(self, mask):
        not_mask = ~mask
        y_embed = not_mask.cumsum(1, dtype=torch.float32)
        x_embed = not_mask.cumsum(2, dtype=torch.float32)
        if self.normalize:
            eps = 1e-6
            y_embed = (y_embed - 0.5) / (y_embed[:, -1:, :] + eps) * self.scale
            x_embed = (x_embed - 0.5) / (x_embed[:, :, -1:] + eps) * self.scale
        dim_t = torch.arange(self.num_pos_feats, dtype=torch.float32, device=mask.device)
        dim_t = self.temperature ** (2 * torch.div(dim_t, 2, rounding_mode="floor") / self.num_pos_feats)
        pos_x = x_embed[:, :, :, None] / dim_t
        pos_y = y_embed[:, :, :, None] / dim_t
        pos_x = torch.stack((pos_x[:, :, :, 0::2].sin(), pos_x[:, :, :, 1::2].cos()), dim=4).flatten(3)
        pos_y = torch.stack((pos_y[:, :, :, 0::2].sin(), pos_y[:, :, :, 1::2].cos()), dim=4).flatten(3)
        return torch.cat((pos_y, pos_x), dim=3).permute(0, 3, 1, 2)


def box_cxcywh_to_xyxy(x):
    x_c, y_c, w, h = x.unbind(-1)
    return torch.stack([(x_c - 0.5 * w), (y_c - 0.5 * h), (x_c + 0.5 * w), (y_c + 0.5 * h)], dim=-1)


class DETR(nn.Module):
    def __init__(self, d=16, queries=6, nc=4):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.BatchNorm2d(8), nn.ReLU(),
                                      nn.Conv2d(8, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.ReLU())
        self.input_proj = nn.Conv2d(16, d, 1)
        self.pos = PositionEmbeddingSine(d // 2)
        self.enc = nn.TransformerEncoderLayer(d, 2, 32, dropout=0.0)
        self.query_embed = nn.Embedding(queries, d)
        self.dec_attn = nn.MultiheadAttention(d, 2)
        self.dec_norm = nn.LayerNorm(d)
        self.class_embed = nn.Linear(d, nc + 1)
        self.bbox_embed = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 4))
        self.num_select = 5

    def forward(self, img):
        b, _, h, w = img.shape
        mask = torch.zeros((b, h, w), dtype=torch.bool, device=img.device)
        mask[:, :, w - 4:] = True
        feat = self.backbone(img)
        mask = F.interpolate(mask[None].float(), size=feat.shape[-2:]).to(torch.bool)[0]
        pos = self.pos(mask)
        src = self.input_proj(feat).flatten(2).permute(2, 0, 1)
        pos = pos.flatten(2).permute(2, 0, 1)
        key_padding = mask.flatten(1)
        memory = self.enc(src + pos, src_key_padding_mask=key_padding)
        tgt = self.query_embed.weight.unsqueeze(1).repeat(1, b, 1)
        hs = self.dec_norm(tgt + self.dec_attn(tgt, memory + pos, memory, key_padding_mask=key_padding)[0])
        hs = hs.transpose(0, 1)
        logits = self.class_embed(hs)
        boxes = box_cxcywh_to_xyxy(self.bbox_embed(hs).sigmoid())
        prob = logits.sigmoid()
        topk_values, topk_indexes = torch.topk(prob.view(logits.shape[0], -1), self.num_select, dim=1)
        topk_boxes = torch.div(topk_indexes, logits.shape[2], rounding_mode="floor")
        labels = topk_indexes % logits.shape[2]
        boxes = torch.gather(boxes, 1, topk_boxes.unsqueeze(-1).repeat(1, 1, 4))
        scale = torch.tensor([w, h, w, h], dtype=torch.float32, device=img.device)
        scores, best = logits.softmax(-1)[..., :-1].max(-1)
        return topk_values, labels, boxes * scale[None, None, :], scores, best


MODELS = {
    "yolov8_chunk": (lambda: YOLOv8(), [((1, 3, 64, 64), "float32")]),
    "yolov8_split": (lambda: YOLOv8(use_split=True), [((1, 3, 64, 64), "float32")]),
    "upernet": (lambda: UPerNet(), [((2, 3, 64, 64), "float32")]),
    "upernet_align": (lambda: UPerNet(align_corners=True), [((2, 3, 48, 48), "float32")]),
    "deeplabv3plus": (lambda: ASPPNet(), [((2, 3, 64, 64), "float32")]),
    "fpn_neck": (lambda: FPNNeck(), [((2, 3, 64, 64), "float32")]),
    "segformer": (lambda: SegFormer(), [((2, 3, 64, 64), "float32")]),
    "detr": (lambda: DETR(), [((2, 3, 32, 32), "float32")]),
}
