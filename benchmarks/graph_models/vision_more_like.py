"""More small models in the styles of ultralytics, mmsegmentation and transformers vision models, random
weights, for `benchmarks/graphs_bench.py --model-file`: a YOLO segment head (PSA attention block with
split of a reshaped qkv, a transposed-conv mask prototype, einsum of mask coefficients), RepConv branches,
DANet position / channel attention (bmm, max(...)[0].expand_as), an OCR head (spatial gather with softmax
over pixels), a Mask2Former-style query head (einsum bqc,bchw->bqhw, point sampling with grid_sample), a
ConvNeXt block with a channels-first layer norm written out and layer scale, MobileViT unfolding by
reshape / transpose. Our own code, not copied.

`MODELS` maps a name to `(builder, inputs)` as in transformers_like.py.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


class Conv(nn.Module):
    def __init__(self, c1, c2, k=1, s=1, g=1, act=True):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, groups=g, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.act = nn.SiLU() if act else nn.Identity()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class PSAAttention(nn.Module):
    def __init__(self, dim, num_heads=2, attn_ratio=0.5):
        super().__init__()
        self.num_heads, self.head_dim = num_heads, dim // num_heads
        self.key_dim = int(self.head_dim * attn_ratio)
        self.scale = self.key_dim ** -0.5
        h = dim + self.key_dim * num_heads * 2
        self.qkv = Conv(dim, h, 1, act=False)
        self.proj = Conv(dim, dim, 1, act=False)
        self.pe = Conv(dim, dim, 3, 1, g=dim, act=False)

    def forward(self, x):
        b, c, h, w = x.shape
        n = h * w
        qkv = self.qkv(x)
        q, k, v = qkv.view(b, self.num_heads, self.key_dim * 2 + self.head_dim, n).split(
            [self.key_dim, self.key_dim, self.head_dim], dim=2)
        attn = (q.transpose(-2, -1) @ k) * self.scale
        attn = attn.softmax(dim=-1)
        x = (v @ attn.transpose(-2, -1)).view(b, c, h, w) + self.pe(v.reshape(b, c, h, w))
        return self.proj(x)


class RepConv(nn.Module):
    def __init__(self, c1, c2):
        super().__init__()
        self.bn = nn.BatchNorm2d(c1)
        self.conv1 = Conv(c1, c2, 3, act=False)
        self.conv2 = Conv(c1, c2, 1, act=False)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.conv1(x) + self.conv2(x) + self.bn(x))


class YOLOSegLike(nn.Module):
    def __init__(self, w=16, nm=8, npr=16):
        super().__init__()
        self.stem = nn.Sequential(Conv(3, w, 3, 2), Conv(w, w, 3, 2), RepConv(w, w))
        self.psa_cv1 = Conv(w, w, 1)
        self.attn = PSAAttention(w // 2)
        self.ffn = nn.Sequential(Conv(w // 2, w, 1), Conv(w, w // 2, 1, act=False))
        self.psa_cv2 = Conv(w, w, 1)
        self.proto = nn.Sequential(Conv(w, npr, 3), nn.ConvTranspose2d(npr, npr, 2, 2, 0, bias=True),
                                   Conv(npr, npr, 3), Conv(npr, nm))
        self.coef = nn.Conv2d(w, nm, 1)

    def forward(self, x):
        x = self.stem(x)
        a, b = self.psa_cv1(x).split((x.shape[1] // 2, x.shape[1] // 2), dim=1)
        b = b + self.attn(b)
        b = b + self.ffn(b)
        x = self.psa_cv2(torch.cat((a, b), 1))
        p = self.proto(x)
        mc = self.coef(x).flatten(2)  # (b, nm, n)
        bs = p.shape[0]
        masks = torch.einsum("bnk,bkhw->bnhw", mc.transpose(1, 2)[:, :5], p)
        masks = F.interpolate(masks, scale_factor=2, mode="bilinear", align_corners=False)
        return masks.gt(0.0), masks.sigmoid(), p.view(bs, p.shape[1], -1).mean(-1)


class DANetLike(nn.Module):
    def __init__(self, c=16, nc=4):
        super().__init__()
        self.backbone = nn.Sequential(Conv(3, c, 3, 2), Conv(c, c, 3, 2))
        self.query_conv = nn.Conv2d(c, c // 4, 1)
        self.key_conv = nn.Conv2d(c, c // 4, 1)
        self.value_conv = nn.Conv2d(c, c, 1)
        self.gamma = nn.Parameter(torch.tensor([0.5]))
        self.gamma_c = nn.Parameter(torch.tensor([0.3]))
        self.cls = nn.Conv2d(c, nc, 1)

    def forward(self, img):
        x = self.backbone(img)
        b, c, h, w = x.size()
        q = self.query_conv(x).view(b, -1, w * h).permute(0, 2, 1)
        k = self.key_conv(x).view(b, -1, w * h)
        attention = F.softmax(torch.bmm(q, k), dim=-1)
        v = self.value_conv(x).view(b, -1, w * h)
        pam = torch.bmm(v, attention.permute(0, 2, 1)).view(b, c, h, w)
        pam = self.gamma * pam + x
        pq = pam.view(b, c, -1)
        energy = torch.bmm(pq, pq.permute(0, 2, 1))
        energy_new = torch.max(energy, -1, keepdim=True)[0].expand_as(energy) - energy
        att = F.softmax(energy_new, dim=-1)
        cam = torch.bmm(att, pq).view(b, c, h, w)
        out = self.gamma_c * cam + pam
        return F.interpolate(self.cls(out), size=img.shape[2:], mode="bilinear", align_corners=False)


class OCRLike(nn.Module):
    def __init__(self, c=16, nc=4, key=8):
        super().__init__()
        self.backbone = nn.Sequential(Conv(3, c, 3, 2), Conv(c, c, 3, 2))
        self.aux = nn.Conv2d(c, nc, 1)
        self.f_pixel = nn.Sequential(nn.Conv2d(c, key, 1), nn.ReLU())
        self.f_object = nn.Sequential(nn.Conv2d(c, key, 1), nn.ReLU())
        self.f_up = nn.Conv2d(key, c, 1)
        self.scale = 1.0
        self.cls = nn.Conv2d(2 * c, nc, 1)

    def forward(self, img):
        feats = self.backbone(img)
        probs = self.aux(feats)
        b, k, h, w = probs.size()
        probs = probs.view(b, k, -1)
        f = feats.view(b, feats.size(1), -1).permute(0, 2, 1)
        probs = F.softmax(self.scale * probs, dim=2)
        ctx = torch.matmul(probs, f).permute(0, 2, 1).contiguous().unsqueeze(3)  # b, c, k, 1
        query = self.f_pixel(feats).reshape(b, -1, h * w).permute(0, 2, 1)
        key = self.f_object(ctx).reshape(b, -1, k)
        value = ctx.reshape(b, -1, k).permute(0, 2, 1)
        sim = F.softmax(torch.matmul(query, key) * (key.shape[1] ** -0.5), dim=-1)
        c2 = torch.matmul(sim, key.permute(0, 2, 1)).permute(0, 2, 1).contiguous().reshape(b, -1, h, w)
        c2 = self.f_up(c2) + F.adaptive_avg_pool2d(feats, 1).expand_as(feats)
        out = self.cls(torch.cat([c2, feats], 1))
        return out, probs.argmax(1)


def point_sample(input, point_coords, **kwargs):
    add_dim = False
    if point_coords.dim() == 3:
        add_dim = True
        point_coords = point_coords.unsqueeze(2)
    output = F.grid_sample(input, 2.0 * point_coords - 1.0, **kwargs)
    if add_dim:
        output = output.squeeze(3)
    return output


class Mask2FormerHeadLike(nn.Module):
    def __init__(self, c=16, q=5, nc=3):
        super().__init__()
        self.pixel = nn.Sequential(Conv(3, c, 3, 2), Conv(c, c, 3, 1))
        self.query_feat = nn.Embedding(q, c)
        self.decoder_norm = nn.LayerNorm(c)
        self.class_embed = nn.Linear(c, nc + 1)
        self.mask_embed = nn.Sequential(nn.Linear(c, c), nn.ReLU(), nn.Linear(c, c))

    def forward(self, img):
        mask_features = self.pixel(img)
        b = mask_features.shape[0]
        out = self.decoder_norm(self.query_feat.weight.unsqueeze(0).repeat(b, 1, 1))
        outputs_class = self.class_embed(out)
        mask_embed = self.mask_embed(out)
        outputs_mask = torch.einsum("bqc,bchw->bqhw", mask_embed, mask_features)
        attn_mask = F.interpolate(outputs_mask, size=(4, 4), mode="bilinear", align_corners=False)
        attn_mask = (attn_mask.sigmoid().flatten(2).unsqueeze(1).repeat(1, 2, 1, 1).flatten(0, 1) < 0.5).bool()
        coords = torch.linspace(0.05, 0.95, 6)
        pts = torch.stack(torch.meshgrid(coords, coords, indexing="xy"), -1).view(1, -1, 2).repeat(b, 1, 1)
        sampled = point_sample(outputs_mask, pts, align_corners=False)
        scores = F.softmax(outputs_class, dim=-1)[..., :-1]
        return outputs_class, outputs_mask, attn_mask, sampled, scores.max(-1).values


class LayerNorm2d(nn.Module):
    def __init__(self, c, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.eps = eps

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]


class ConvNeXtLike(nn.Module):
    def __init__(self, c=16):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, c, 4, 4), LayerNorm2d(c))
        self.dwconv = nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.norm = nn.LayerNorm(c, eps=1e-6)
        self.pwconv1 = nn.Linear(c, 4 * c)
        self.pwconv2 = nn.Linear(4 * c, c)
        self.gamma = nn.Parameter(0.5 * torch.ones(c))
        self.grn_gamma = nn.Parameter(torch.full((1, 1, 1, 4 * c), 0.1))
        self.grn_beta = nn.Parameter(torch.full((1, 1, 1, 4 * c), 0.05))
        self.head = nn.Linear(c, 5)

    def forward(self, x):
        x = self.stem(x)
        inp = x
        x = self.dwconv(x).permute(0, 2, 3, 1)
        x = F.gelu(self.pwconv1(self.norm(x)))
        gx = torch.norm(x, p=2, dim=(1, 2), keepdim=True)
        nx = gx / (gx.mean(dim=-1, keepdim=True) + 1e-6)
        x = self.grn_gamma * (x * nx) + self.grn_beta + x
        x = self.gamma * self.pwconv2(x)
        x = inp + x.permute(0, 3, 1, 2)
        return self.head(x.mean([-2, -1]))


class MobileViTLike(nn.Module):
    def __init__(self, c=16, d=24, ph=2, pw=2):
        super().__init__()
        self.ph, self.pw = ph, pw
        self.conv_in = Conv(3, c, 3, 2)
        self.local = nn.Conv2d(c, d, 1, bias=False)
        self.ln = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, 2, batch_first=True)
        self.proj = Conv(d, c, 1)
        self.fusion = Conv(2 * c, c, 3)

    def unfolding(self, x):
        b, c, h, w = x.shape
        nh, nw = h // self.ph, w // self.pw
        num_patches = nh * nw
        patches = x.reshape(b * c * nh, self.ph, nw, self.pw).transpose(1, 2)
        patches = patches.reshape(b, c, num_patches, self.ph * self.pw).transpose(1, 3)
        patches = patches.reshape(b * self.ph * self.pw, num_patches, -1)
        return patches, {"b": b, "c": c, "h": h, "w": w, "nh": nh, "nw": nw}

    def folding(self, patches, info):
        p = self.ph * self.pw
        x = patches.contiguous().view(info["b"], p, info["nh"] * info["nw"], -1).transpose(1, 3)
        x = x.reshape(info["b"] * info["c"] * info["nh"], info["nw"], self.ph, self.pw).transpose(1, 2)
        return x.reshape(info["b"], info["c"], info["nh"] * self.ph, info["nw"] * self.pw)

    def forward(self, x):
        x = self.conv_in(x)
        res = x
        patches, info = self.unfolding(self.local(x))
        h = self.ln(patches)
        patches = patches + self.attn(h, h, h, need_weights=False)[0]
        x = self.proj(self.folding(patches, info))
        return self.fusion(torch.cat((res, x), dim=1))


MODELS = {
    "yolo_seg_psa": (lambda: YOLOSegLike(), [((2, 3, 32, 32), "float32")]),
    "danet": (lambda: DANetLike(), [((2, 3, 32, 32), "float32")]),
    "ocrnet": (lambda: OCRLike(), [((2, 3, 32, 32), "float32")]),
    "mask2former_head": (lambda: Mask2FormerHeadLike(), [((2, 3, 16, 16), "float32")]),
    "convnext_grn": (lambda: ConvNeXtLike(), [((2, 3, 32, 32), "float32")]),
    "mobilevit": (lambda: MobileViTLike(), [((2, 3, 32, 32), "float32")]),
}
