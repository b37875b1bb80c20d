"""The model-zoo harness shared by benchmarks/models_bench.py and tests/convert/test_model_zoo.py.

One model goes through the path a user takes with a whole package:

1. PyTorch side (`torch_reference`, its own process): the corpus package imported from source
   with the venv's torch; the model built seeded, every affine parameter randomised and the
   BatchNorm statistics calibrated on random batches (stock initialisation hides mapping
   errors); `torch.save(state_dict)`, the input batch and the eval-mode outputs written to disk.
2. `msdev weights convert CKPT --code <converted package> --root <class>`.
3. MindSpore side (`mindspore_check`, its own process, torch blocked by a `sys.meta_path`
   finder placed first): the converted package imported, the same builder called, the checkpoint
   loaded (nothing missing, nothing unexpected), eval-mode outputs compared with PyTorch's
   (same structure and shape, cosine >= 0.9999 and allclose rtol 1e-3 / atol 1e-4).

Each step writes a JSON result; the first failing step is the model's root cause. `Runner` runs
many models through two long-lived workers (`serve-torch`, `serve-mindspore`: imports once, weights
converted by the library call with the package source read once); `run_model` runs one model in
fresh processes with the CLI. The corpus
torchvision has no compiled ops: its pure-Python `roi_align` fallback is used, and `nms` gets a
plain PyTorch implementation here so that detection models run on the PyTorch side.

    python benchmarks/zoo.py torch PACKAGE MODEL WORK CORPUS
    python benchmarks/zoo.py mindspore PACKAGE MODEL WORK OUTROOT
    python benchmarks/zoo.py list PACKAGE CORPUS
    python benchmarks/zoo.py import PACKAGE OUTROOT
    python benchmarks/zoo.py serve-torch CORPUS            (requests on stdin: see `Worker`)
    python benchmarks/zoo.py serve-mindspore PACKAGE OUTROOT
"""

from __future__ import annotations

import importlib.machinery
import json
import os
import re
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STUBS = Path(__file__).resolve().parent / "stubs"  # tqdm, munch, huggingface_hub stand-ins (see its README)
BLOCKED = ("torch", "torchvision", "torchaudio", "torchtext", "torchdata", "functorch")
MAX_PARAMS = 100_000_000
COSINE, RTOL, ATOL = 0.9999, 1e-3, 1e-4


@dataclass(frozen=True)
class Package:
    name: str  # the corpus folder
    module: str  # the import name
    source: str  # the package folder, relative to the corpus
    needs: tuple[str, ...] = ()  # other converted packages (import names) it imports

    def sys_path(self, corpus: Path) -> Path:
        return (corpus / self.source).parent


PACKAGES: dict[str, Package] = {p.name: p for p in (
    Package("timm", "timm", "timm/timm"),
    Package("torchvision", "torchvision", "torchvision/torchvision"),
    Package("efficientnet-pytorch", "efficientnet_pytorch",
            "efficientnet-pytorch/efficientnet_pytorch-0.7.1/efficientnet_pytorch"),
    Package("pretrainedmodels", "pretrainedmodels", "pretrainedmodels/pretrainedmodels-0.7.4/pretrainedmodels",
            ("torchvision",)),
    Package("segmentation-models-pytorch", "segmentation_models_pytorch",
            "segmentation-models-pytorch/segmentation_models_pytorch", ("timm", "torchvision")),
)}
BY_MODULE = {p.module: p for p in PACKAGES.values()}


# --------------------------------------------------------------------------- torch blocked

class TorchBlocker:
    """A meta-path finder placed first: torch & co. raise ImportError, except converted packages
    of those names (converted torchvision), which are found only under OUTROOT."""

    def __init__(self, outroot: str | None = None, allowed: tuple[str, ...] = ()):
        self.outroot, self.allowed = outroot, set(allowed)

    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top not in BLOCKED:
            return None
        if top in self.allowed and self.outroot:
            if "." in name:
                return None  # a submodule: found through the converted parent's __path__
            spec = importlib.machinery.PathFinder.find_spec(name, [self.outroot])
            if spec is not None:
                return spec
        raise ImportError(f"torch is blocked: the converted code imports {name}")


def block_torch(outroot: str | None = None, allowed: tuple[str, ...] = ()) -> None:
    for mod in [m for m in sys.modules if m.split(".")[0] in BLOCKED]:
        del sys.modules[mod]
    sys.meta_path.insert(0, TorchBlocker(outroot, allowed))


# --------------------------------------------------------------------------- what to build

@dataclass
class Spec:
    """How to build one model and what it takes (the same text is evaluated in both frameworks)."""

    build: str
    inputs: list[list[int]] = field(default_factory=list)  # shapes of float inputs
    as_list: bool = False  # detection models take a list of images
    #: smaller image inputs tried first (the work grows with the image area); when the PyTorch model
    #: rejects them (a fixed size, a pooling window larger than the map) its default `inputs` are used
    small: list[list[int]] | None = None


#: the side of the smaller images tried first (never below a model's declared minimum)
SMALL_SIDE = 128
#: the images of torchvision's detection models (which would otherwise scale them to 800 px)
DETECTION_SIDE = 160


def smaller(shape: list[int], minimum: int = 0) -> list[int] | None:
    """`shape` (N, C, H, W) with H and W cut to SMALL_SIDE (or the model's minimum), or None when no smaller."""
    side = max(SMALL_SIDE, minimum)
    if len(shape) != 4 or min(shape[2:]) <= side:
        return None
    return [*shape[:2], side, side]


def _tv_kind(name: str) -> str:
    import torchvision.models as tvm

    mod = tvm.get_model_builder(name).__module__
    for kind in ("detection", "segmentation", "video", "optical_flow", "quantization"):
        if f".{kind}." in mod:
            return kind
    return "classification"


def list_models(pkg: str) -> list[str]:
    """Every model of the package (needs the PyTorch package importable)."""
    if pkg == "timm":
        import timm
        return list(timm.list_models())
    if pkg == "torchvision":
        import torchvision.models as tvm
        return sorted(tvm.list_models())
    if pkg == "efficientnet-pytorch":
        return [f"efficientnet-b{i}" for i in range(8)]
    if pkg == "pretrainedmodels":
        import pretrainedmodels
        return list(pretrainedmodels.model_names)
    if pkg == "segmentation-models-pytorch":
        import segmentation_models_pytorch as smp
        archs = getattr(smp, "_MODEL_ARCHITECTURES", None) or [
            v for k, v in vars(smp).items() if isinstance(v, type) and hasattr(v, "encoder")]
        return sorted(a.__name__ for a in archs)
    raise KeyError(pkg)


SMP_ENCODER = {"DPT": "tu-vit_tiny_patch16_224"}  # architectures that need a transformer encoder


def spec_for(pkg: str, name: str) -> Spec:
    """The builder call and input shapes (needs the PyTorch package importable)."""
    if pkg == "timm":
        import timm
        cfg = timm.get_pretrained_cfg(name)
        size = list(getattr(cfg, "input_size", None) or (3, 224, 224)) if cfg else [3, 224, 224]
        small = None
        if not (cfg and getattr(cfg, "fixed_input_size", False)):
            low = getattr(cfg, "min_input_size", None) if cfg else None
            small = smaller([2, *size], max(low[1:]) if low else 0)
        return Spec(f"timm.create_model({name!r}, pretrained=False)", [[2, *size]],
                    small=[small] if small else None)
    if pkg == "torchvision":
        kind = _tv_kind(name)
        # segmentation / detection builders fetch ImageNet backbone weights unless told not to
        extra = ", weights_backbone=None" if kind in ("detection", "segmentation") else ""
        if kind == "detection" and not name.startswith("ssd"):
            # R-CNN, RetinaNet and FCOS resize every image to 800-1333 px first: kept at the input's side
            extra += f", min_size={DETECTION_SIDE}, max_size={DETECTION_SIDE}"
            # and 100 boxes per image through the heads instead of 1000 (the same code runs; the corpus's
            # pure-Python roi_align and nms cost grows with the boxes)
            extra += (", rpn_pre_nms_top_n_test=100, rpn_post_nms_top_n_test=100" if "rcnn" in name
                      else ", topk_candidates=100")
            if "rcnn" in name and "keypoint" not in name:
                # randomised, a 91-class head scores every class near 1/91, below the default 0.05 threshold (and 0.02):
                # no box would come out, and an empty output proves nothing
                extra += ", box_score_thresh=0.0"
        build = f"torchvision.models.get_model({name!r}, weights=None{extra})"
        if kind == "detection":
            return Spec(build, [[3, DETECTION_SIDE, DETECTION_SIDE]] * 2, as_list=True)
        if kind == "video":
            return Spec(build, [[1, 3, 8, 112, 112]])
        if kind == "optical_flow":
            return Spec(build, [[1, 3, 128, 128], [1, 3, 128, 128]])
        side = 299 if name == "inception_v3" else 224
        small = smaller([2, 3, side, side], 75 if name == "inception_v3" else 0)
        return Spec(build, [[2, 3, side, side]], small=[small] if small else None)
    if pkg == "efficientnet-pytorch":
        import efficientnet_pytorch
        side = efficientnet_pytorch.EfficientNet.get_image_size(name)
        small = smaller([1, 3, side, side])
        return Spec(f"efficientnet_pytorch.EfficientNet.from_name({name!r})", [[1, 3, side, side]],
                    small=[small] if small else None)
    if pkg == "pretrainedmodels":
        import pretrainedmodels
        settings = pretrainedmodels.pretrained_settings.get(name, {})
        size = next(iter(settings.values()), {}).get("input_size", [3, 224, 224])
        small = smaller([2, *size])
        return Spec(f"pretrainedmodels.__dict__[{name!r}](num_classes=1000, pretrained=None)", [[2, *size]],
                    small=[small] if small else None)
    if pkg == "segmentation-models-pytorch":
        enc = SMP_ENCODER.get(name, "resnet18")
        side = 224 if enc.startswith("tu-vit") else 128
        return Spec(f"segmentation_models_pytorch.{name}(encoder_name={enc!r}, encoder_weights=None)",
                    [[2, 3, side, side]])
    raise KeyError(pkg)


# --------------------------------------------------------------------------- PyTorch side

_KEEP: list = []


def torch_imports(corpus: Path) -> None:
    """Put the corpus packages on sys.path; give the source-only torchvision an `nms` (once per process)."""
    import torch

    if _KEEP:
        return
    for p in PACKAGES.values():
        sys.path.insert(0, str(p.sys_path(corpus)))
    sys.path.append(str(STUBS))
    lib = torch.library.Library("torchvision", "FRAGMENT")
    for op in ("nms", "qnms"):
        try:
            lib.define(f"{op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        except RuntimeError:
            pass
    _KEEP.append(lib)
    import torchvision.ops.boxes as boxes

    boxes.nms = _nms


def _nms(boxes, scores, iou_threshold):
    """Greedy non-maximum suppression (torchvision's `nms`, which the source-only corpus lacks compiled):
    the pairwise IoU once, then one pass in score order (a Python loop over tensor slices per kept box
    took most of a detection model's reference time)."""
    import numpy as np
    import torch

    if boxes.numel() == 0:
        return torch.empty(0, dtype=torch.long)
    order = scores.argsort(descending=True)
    b = boxes[order].float()
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    lt = torch.maximum(b[:, None, :2], b[None, :, :2])
    rb = torch.minimum(b[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(2)
    over = (inter / (area[:, None] + area[None, :] - inter) > iou_threshold).numpy()
    removed = np.zeros(len(order), dtype=bool)
    keep = []
    for i in range(len(order)):
        if not removed[i]:
            keep.append(i)
            removed |= over[i]
    return order[torch.as_tensor(keep, dtype=torch.long)]


def randomise(model, feed, seed: int = 0) -> None:
    """Affine parameters of every normalisation layer randomised, then BatchNorm statistics
    calibrated on two random batches (cumulative average; only the BatchNorm layers in training
    mode, so that detection models need no targets). `feed(seed)` calls the model once."""
    import torch

    g = torch.Generator().manual_seed(seed)
    norms = []
    with torch.no_grad():
        for m in model.modules():
            cls = type(m).__name__.lower()
            if "norm" in cls or "bn" in cls:
                for pname in ("weight", "bias"):
                    p = getattr(m, pname, None)
                    if isinstance(p, torch.Tensor) and p.is_floating_point() and p.dim() >= 1:
                        shift = 1.0 if pname == "weight" else 0.0
                        p.copy_(shift + 0.2 * torch.randn(p.shape, generator=g, dtype=p.dtype))
            rm, rv = getattr(m, "running_mean", None), getattr(m, "running_var", None)
            if isinstance(rm, torch.Tensor) and hasattr(m, "reset_running_stats"):
                norms.append((m, m.momentum))
                m.reset_running_stats()
                m.momentum = None
            elif isinstance(rm, torch.Tensor) and isinstance(rv, torch.Tensor):  # frozen statistics
                rm.copy_(0.1 * torch.randn(rm.shape, generator=g))
                rv.copy_(0.5 + torch.rand(rv.shape, generator=g))
        model.eval()
        if norms:
            for m, _ in norms:
                m.train()
            for i in range(2):
                feed(seed + 1 + i)
            for m, mom in norms:
                m.momentum = mom
    model.eval()


def make_inputs(spec_inputs, seed: int) -> list:
    import numpy as np

    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype("float32") for s in spec_inputs]


def flatten(obj, path: str = "out") -> list[tuple[str, object]]:
    """Outputs as (path, leaf) pairs: tensors, numbers, None; containers by index / key."""
    if isinstance(obj, dict):
        out = []
        for k in obj:
            out += flatten(obj[k], f"{path}.{k}")
        return out
    if isinstance(obj, (list, tuple)):
        out = []
        for i, v in enumerate(obj):
            out += flatten(v, f"{path}[{i}]")
        return out
    return [(path, obj)]


def count_params(build: str, ns: dict) -> int | None:
    import torch

    try:
        with torch.device("meta"):
            m = eval(build, ns)  # noqa: S307
        return sum(p.numel() for p in m.parameters())
    except Exception:  # noqa: BLE001
        return None


class Laps:
    """Seconds spent in each phase of one model (`lap(name)` closes the phase that just ended)."""

    def __init__(self):
        self.t, self.times = time.perf_counter(), {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.times[name] = round(self.times.get(name, 0.0) + now - self.t, 2)
        self.t = now


def torch_reference(pkg: str, name: str, work: Path, corpus: Path) -> dict:
    import numpy as np
    import torch

    laps = Laps()
    torch_imports(corpus)
    torch.set_num_threads(1)
    module = PACKAGES[pkg].module
    ns = {module: importlib.import_module(module), "torchvision": importlib.import_module("torchvision")}
    import torchvision.models  # noqa: F401  (get_model is reached through the namespace)
    spec = spec_for(pkg, name)
    n = count_params(spec.build, ns)
    laps.lap("t_count")
    if n is not None and n > MAX_PARAMS:
        return {"skipped": f"{n / 1e6:.0f}M parameters > {MAX_PARAMS // 1_000_000}M"}
    shapes = spec.small or spec.inputs
    while True:
        torch.manual_seed(0)
        model = eval(spec.build, ns)  # noqa: S307
        laps.lap("t_build")
        n = sum(p.numel() for p in model.parameters())
        if n > MAX_PARAMS:
            return {"skipped": f"{n / 1e6:.0f}M parameters > {MAX_PARAMS // 1_000_000}M"}

        def feed(seed: int):
            tin = [torch.from_numpy(a) for a in make_inputs(shapes, seed)]
            return model(tin) if spec.as_list else model(*tin)

        try:
            randomise(model, feed)
            laps.lap("t_calib")
            with torch.no_grad():
                out = feed(1234)
            laps.lap("t_run")
            break
        except Exception:  # noqa: BLE001
            if shapes is spec.inputs:
                raise
            shapes = spec.inputs  # the smaller images do not fit this model: its default size, on a fresh build
    arrs = make_inputs(shapes, 1234)
    leaves = flatten(out)
    torch.save(model.state_dict(), work / "model.pth")
    np.savez(work / "inputs.npz", *arrs)
    np.savez(work / "outputs.npz", **{p: v.detach().numpy() for p, v in leaves if isinstance(v, torch.Tensor)})
    laps.lap("t_save")
    return {"times": laps.times, "build": spec.build, "as_list": spec.as_list, "inputs": shapes, "root": type(model).__name__,
            "root_module": type(model).__module__, "params": n,
            "leaves": [[p, type(v).__name__ if not isinstance(v, torch.Tensor) else "Tensor",
                        None if isinstance(v, torch.Tensor) else repr(v)] for p, v in leaves]}


# --------------------------------------------------------------------------- MindSpore side

def mindspore_setup(pkg: str, outroot: Path) -> None:
    """Torch blocked (the package's converted torch-named dependencies found under OUTROOT), the
    converted tree on sys.path, MindSpore in PyNative mode. Once per process."""
    package = PACKAGES[pkg]
    block_torch(str(outroot), (package.module,) + package.needs)
    sys.path.insert(0, str(outroot))
    sys.path.append(str(STUBS))
    import mindspore as ms

    ms.set_context(mode=ms.PYNATIVE_MODE)
    quick_initializers()


def quick_initializers() -> None:
    """MindSpore's random initializers fill a parameter by repeating one block of 64 Ki random draws
    instead of drawing every value with MindSpore's per-element kernels (1.0 s of resnet18's 1.9 s
    build). Every parameter they fill is then replaced by the converted checkpoint (a parameter left
    out fails the check as missing), so only the cost changes; the values keep their distribution's
    mean and spread (truncation by clipping), so code that reads them while building still works."""
    import numpy as np
    from mindspore.common import initializer as init

    rng = np.random.default_rng(0)
    normal, uniform = rng.standard_normal(1 << 16, dtype=np.float32), rng.random(1 << 16, dtype=np.float32)

    def fill(arr, block):
        flat = arr.reshape(-1)
        for i in range(0, flat.size, block.size):
            flat[i:i + block.size] = block[:flat.size - i]
        return arr

    def normal_inplace(mean, sigma, arr):
        return fill(arr, normal * sigma + mean)

    def uniform_inplace(a, b, arr):
        return fill(arr, uniform * (b - a) + a)

    def truncated_inplace(a, b, mean, sigma, arr):
        return fill(arr, np.clip(normal * sigma + mean, a, b))

    init._init_random_normal_inplace = normal_inplace
    init._init_random_uniform_inplace = uniform_inplace
    init._init_truncated_normal_inplace = truncated_inplace
    init._init_random_normal = lambda mean, sigma, shape: normal_inplace(mean, sigma, np.empty(shape, np.float32))
    init._init_random_uniform = lambda a, b, shape: uniform_inplace(a, b, np.empty(shape, np.float32))
    init._init_truncated_normal = lambda a, b, mean, sigma, shape: truncated_inplace(
        a, b, mean, sigma, np.empty(shape, np.float32))


def mindspore_check(pkg: str, name: str, work: Path, outroot: Path) -> dict:
    """The converted model built, given the converted checkpoint and compared (after `mindspore_setup`)."""
    import mindspore as ms
    import numpy as np

    package = PACKAGES[pkg]
    ref = json.loads((work / "torch.json").read_text())
    ms.set_seed(0)
    laps = Laps()
    res: dict = {"times": laps.times}
    stage = "import"
    try:
        ns = {package.module: importlib.import_module(package.module)}
        if pkg == "torchvision":
            importlib.import_module("torchvision.models")
        stage = "build"
        model = eval(ref["build"], ns)  # noqa: S307
        laps.lap("m_build")
        stage = "weights"
        big = work / "model.safetensors"  # see LARGE_CHECKPOINT
        params = ms.load_checkpoint(str(big), format="safetensors") if big.exists() else \
            ms.load_checkpoint(str(work / "model.ckpt"))
        missing, unexpected = ms.load_param_into_net(model, params)
        laps.lap("m_load")
        res["missing"], res["unexpected"] = list(missing)[:20], list(unexpected)[:20]
        res["n_missing"], res["n_unexpected"] = len(missing), len(unexpected)
        res["weights_ok"] = not missing and not unexpected
        stage = "run"
        model.set_train(False)
        with np.load(work / "inputs.npz") as f:
            arrs = [f[k] for k in f.files]
        xs = [ms.Tensor(a) for a in arrs]
        out = model(xs) if ref["as_list"] else model(*xs)
        laps.lap("m_run")
        res["runs"] = True
        stage = "compare"
        res.update(compare(ref, flatten(out), work / "outputs.npz"))
        laps.lap("m_compare")
    except BaseException as exc:  # noqa: BLE001
        res["stage"], res["error"] = stage, error_line(exc, outroot)
        res["traceback"] = traceback.format_exc()[-3000:]
    res.setdefault("stage", stage)
    return res


def compare(ref: dict, leaves: list, outputs: Path) -> dict:
    import numpy as np

    expected = ref["leaves"]
    if [p for p, *_ in expected] != [p for p, _ in leaves]:
        return {"match": False, "why": f"structure differs: {[p for p, *_ in expected][:6]} vs "
                                      f"{[p for p, _ in leaves][:6]}"}
    worst = None
    with np.load(outputs) as f:
        for (path, kind, text), (_, got) in zip(expected, leaves):
            if kind != "Tensor":  # Python numbers: floats by the same tolerance, the rest exactly
                if kind == "float" and type(got) is float and np.isclose(got, float(text), rtol=RTOL, atol=ATOL):
                    continue
                if repr(got) != text:
                    return {"match": False, "why": f"{path}: {got!r} != {text}"}
                continue
            if not hasattr(got, "asnumpy"):
                return {"match": False, "why": f"{path}: a {type(got).__name__}, PyTorch gives a tensor"}
            a, b = f[path], got.asnumpy()
            if a.shape != b.shape:
                return {"match": False, "why": f"{path}: shape {b.shape} != {a.shape}"}
            if a.dtype.kind.replace("u", "i") != b.dtype.kind.replace("u", "i"):  # same kind: bool, int, float
                return {"match": False, "why": f"{path}: dtype {b.dtype} != {a.dtype}"}
            if a.dtype.kind in "biu":  # integers and bools: exactly
                if not np.array_equal(a, b):
                    return {"match": False, "why": f"{path}: {int((a != b).sum())} of {a.size} values differ"}
                continue
            a64, b64 = a.astype("float64").ravel(), b.astype("float64").ravel()
            denom = np.linalg.norm(a64) * np.linalg.norm(b64)
            close = bool(np.allclose(b64, a64, rtol=RTOL, atol=ATOL))
            cos = float(a64 @ b64 / denom) if denom else float(close)  # a zero output: allclose decides
            if worst is None or cos < worst:
                worst = cos
            if not (close and cos >= COSINE):
                err = float(np.max(np.abs(a64 - b64))) if a64.size else 0.0
                return {"match": False, "why": f"{path}: values differ (cosine {cos:.6f}, max abs diff {err:.3g})",
                        "cosine": cos}
    return {"match": True, "cosine": worst}


def error_line(exc: BaseException, under: Path | None = None) -> str:
    """`Type: first line of the message`, plus where in the converted tree it was raised."""
    text = str(exc).strip().splitlines()
    line = f"{type(exc).__name__}: {text[0][:300] if text else ''}"
    if under is not None:
        where = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(str(under))]
        if where:
            f = where[-1]
            line += f" [at {Path(f.filename).relative_to(under)}:{f.lineno}: {(f.line or '').strip()[:120]}]"
    return line


def where_in(stderr: str, under: Path) -> str:
    """The innermost `File ".../converted/...", line N` of a printed traceback."""
    hits = re.findall(r'File "(' + re.escape(str(under)) + r'/[^"]+)", line (\d+)', stderr)
    if not hits:
        return ""
    path, line = hits[-1]
    return f" [at {Path(path).relative_to(under)}:{line}]"


def normalise_cause(text: str) -> str:
    """A root cause with the instance details (numbers, shapes, names in quotes after 'at') dropped."""
    text = re.sub(r"0x[0-9a-f]+", "0x…", text)
    text = re.sub(r"\d+", "N", text)
    text = re.sub(r"\s+", " ", text)
    return text[:160]


# --------------------------------------------------------------------------- the steps of one model

def msdev_cmd() -> list[str]:
    return [sys.executable, "-m", "msdev.cli.main"]


def env(dynamo: bool = False) -> dict:
    """The environment of a benchmark step; `dynamo`: leave torch.compile on (a step that captures
    graphs with it, or runs `msdev convert --model`, which exports with it)."""
    e = dict(os.environ)
    # this checkout's msdev first; the caller's path after it (packages a model file needs, e.g. transformers)
    e["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "server"), os.environ.get("PYTHONPATH", "")) if p)
    e.setdefault("OMP_NUM_THREADS", "1")
    # No ONEDNN_MAX_CPU_ISA cap: the held-out runs have none. (On this AVX-512/AMX processor MindSpore 2.10's
    # oneDNN takes a reference loop for NCHW float32 convolutions, seconds per layer; converted code computes
    # those convolutions through msdev's conv instead. The cap also changed PyTorch's own float32 results.)
    # the corpus torchvision's pure-Python roi_align is wrapped in torch.compile: compiling it took 220 s of
    # a detection model's 240 s reference; run eagerly, it computes the same values
    if not dynamo:
        e.setdefault("TORCHDYNAMO_DISABLE", "1")
    e["GLOG_v"] = "3"
    return e


def run_step(args: list[str], timeout: float, dynamo: bool = False) -> tuple[int | None, str]:
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env(dynamo))
        return r.returncode, (r.stderr or "")[-4000:]
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout:.0f} s"


def convert_package(pkg: str, corpus: Path, outroot: Path, timeout: float = 1800) -> dict:
    p = PACKAGES[pkg]
    out = outroot / p.module
    report = outroot / f"{p.module}.report.json"
    t = time.perf_counter()
    code, err = run_step([*msdev_cmd(), "convert", str(corpus / p.source), "-o", str(out), "--force",
                          "--report", str(report), "--report-format", "json"], timeout)
    res: dict = {"seconds": round(time.perf_counter() - t, 1), "ok": code == 0}
    if code != 0:
        res["error"] = err.strip().splitlines()[-1] if err.strip() else f"exit {code}"
        return res
    if pkg == "torchvision":
        # An installed torchvision carries its compiled extension beside the sources; the corpus is source
        # only. The converted code never opens the file (its operators are written with MindSpore), it
        # only looks for it, so the file's presence gives the installed package's code paths.
        (out / "_C_stable.so").touch()
    data = json.loads(report.read_text())
    summary = data.get("summary", data)
    res["uses"] = summary.get("uses") or summary.get("total")
    res["converted"] = summary.get("converted")
    res["summary"] = {k: v for k, v in summary.items() if isinstance(v, (int, float, str))}
    return res


def check_import(pkg: str, outroot: Path, timeout: float = 600) -> dict:
    code, err = run_step([sys.executable, __file__, "import", pkg, str(outroot)], timeout)
    if code == 0:
        return {"ok": True}
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    return {"ok": False, "error": (lines[-1] if lines else f"exit {code}") + where_in(err, outroot)}


def run_model(pkg: str, name: str, corpus: Path, outroot: Path, work: Path, timeout: float = 900) -> dict:
    """All steps of one model; returns {'status': ..., 'cause': ..., ...}."""
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    res: dict = {"package": pkg, "model": name}
    code, err = run_step([sys.executable, __file__, "torch", pkg, name, str(work), str(corpus)], timeout)
    if code != 0 or not (work / "torch.json").exists():
        res.update(status="reference", cause="PyTorch side: " + _last_line(err))
        return res
    ref = json.loads((work / "torch.json").read_text())
    if "skipped" in ref:
        res.update(status="skipped", cause=ref["skipped"])
        return res
    if "error" in ref:
        res.update(status="reference", cause="PyTorch side: " + ref["error"])
        return res
    p = PACKAGES[pkg]
    code_dirs = [str(outroot / p.module)] + [str(outroot / m) for m in p.needs]
    code, err = run_step([*msdev_cmd(), "weights", "convert", str(work / "model.pth"), "-o", str(work / "model.ckpt"),
                          "--force", "--code", *code_dirs, "--root", f"{ref['root_module']}.{ref['root']}", "--json"], timeout)
    if code != 0:
        res.update(status="weights-convert", cause="msdev weights convert: " + _last_line(err))
        return res
    code, err = run_step([sys.executable, __file__, "mindspore", pkg, name, str(work), str(outroot)], timeout)
    if code != 0 or not (work / "mindspore.json").exists():
        res.update(status="crash", cause="MindSpore side crashed: " + _last_line(err))
        return res
    outcome(res, json.loads((work / "mindspore.json").read_text()))
    res["seconds"] = round(time.perf_counter() - t0, 1)
    return res


# --------------------------------------------------------------------------- long-lived workers

def rss_mb() -> float:
    """This process's resident memory (Linux), to recycle a worker that grows."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


class Worker:
    """One long-lived child process (`zoo.py serve-torch ...` / `serve-mindspore ...`) that handles many
    models in turn, so that PyTorch, MindSpore and the packages are imported once, not once per model.

    Requests and replies are JSON lines on the child's stdin and on a private copy of its stdout (the
    child's own stdout goes to its log with stderr, so a model's prints cannot break the protocol).
    A model that kills the process or runs past its timeout is that model's failure: the process is
    ended and the next request starts a new one. A worker that grew past `recycle_mb` is restarted
    between models."""

    def __init__(self, argv: list[str], log: Path, recycle_mb: float = 5000):
        self.argv, self.log, self.recycle_mb = argv, log, recycle_mb
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def _start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._logf = open(self.log, "ab")  # noqa: SIM115  (closed in stop)
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._logf,
                                     env=env())
        self.starts += 1

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self._logf.close()
        self.proc = None

    def call(self, request: dict, timeout: float) -> tuple[dict | None, str]:
        """(reply, '') or (None, why the process gave no reply)."""
        import select

        if self.proc is None or self.proc.poll() is not None:
            self.stop()
            self._start()
        mark = self.log.stat().st_size if self.log.exists() else 0
        try:
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
        except OSError:
            pass  # the child is gone: the read below sees EOF
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            self.proc.kill()
            self.proc.wait()
            self.stop()
            return None, f"timed out after {timeout:.0f} s"
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            self.stop()
            with open(self.log, "rb") as f:
                f.seek(mark)
                tail = f.read().decode(errors="replace")
            return None, f"process died (exit {code}): {_last_line(tail)}"
        reply = json.loads(line)
        if reply.pop("rss_mb", 0) > self.recycle_mb:
            self.stop()
        return reply, ""


def serve(handle) -> int:
    """The child side of `Worker`: one JSON request per stdin line, one JSON reply per line."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # what models print goes to the log
    for line in sys.stdin:
        req = json.loads(line)
        try:
            res = handle(req)
        except Exception as exc:  # noqa: BLE001  (a failing model; the next one still runs)
            res = {"error": error_line(exc), "traceback": traceback.format_exc()[-3000:]}
        res["rss_mb"] = rss_mb()
        proto.write(json.dumps(res) + "\n")
    return 0


def serve_torch(corpus: Path) -> int:
    torch_imports(corpus)

    def handle(req: dict) -> dict:
        work = Path(req["work"])
        res = torch_reference(req["package"], req["model"], work, corpus)
        (work / "torch.json").write_text(json.dumps(res))
        return {"ok": True}

    return serve(handle)


#: checkpoints larger than this are converted to `.safetensors`: MindSpore 2.10 refuses to read a `.ckpt`
#: larger than the *free* physical memory (page cache not counted), which on this shared machine is often
#: a few hundred MB (swin3d_b's 380 MB checkpoint was refused)
LARGE_CHECKPOINT = 100 * 2**20


def serve_mindspore(pkg: str, outroot: Path) -> int:
    """Weights converted in-process (`msdev.weights.convert.convert_checkpoint`, the converted
    package's source read once) and the model checked."""
    from msdev.db.loader import load_database
    from msdev.weights.convert import convert_checkpoint, load_source

    mindspore_setup(pkg, outroot)
    p = PACKAGES[pkg]
    code = [str(outroot / p.module)] + [str(outroot / m) for m in p.needs]
    state: dict = {}

    def handle(req: dict) -> dict:
        work = Path(req["work"])
        ref = json.loads((work / "torch.json").read_text())
        t = time.perf_counter()
        try:
            if "model" not in state:
                state["db"] = load_database()
                state["model"] = load_source(code, state["db"])
            large = (work / "model.pth").stat().st_size > LARGE_CHECKPOINT
            convert_checkpoint(work / "model.pth", work / ("model.safetensors" if large else "model.ckpt"), code=code,
                               root=f"{ref['root_module']}.{ref['root']}", db=state["db"], overwrite=True,
                               model=state["model"], fmt="safetensors" if large else "ckpt")
        except Exception as exc:  # noqa: BLE001
            return {"weights_convert": error_line(exc)}
        t1 = time.perf_counter()
        res = mindspore_check(pkg, req["model"], work, outroot)
        (work / "mindspore.json").write_text(json.dumps(res))
        return {"ok": True, "weights_s": round(t1 - t, 1), "check_s": round(time.perf_counter() - t1, 1)}

    return serve(handle)


class Runner:
    """All steps of many models with long-lived workers: one PyTorch worker, and one MindSpore worker
    for the package at hand (restarted when the package changes: each package blocks torch its own way).
    `run` gives the same result as `run_model`."""

    def __init__(self, corpus: Path, outroot: Path, logs: Path, keep: bool = False):
        self.corpus, self.outroot, self.logs, self.keep = corpus, outroot, logs, keep
        self.torch = Worker([sys.executable, __file__, "serve-torch", str(corpus)], logs / "torch.log")
        self.ms: Worker | None = None
        self.ms_pkg: str | None = None

    def close(self) -> None:
        self.torch.stop()
        if self.ms:
            self.ms.stop()

    def _ms(self, pkg: str) -> Worker:
        if self.ms_pkg != pkg:
            if self.ms:
                self.ms.stop()
            self.ms = Worker([sys.executable, __file__, "serve-mindspore", pkg, str(self.outroot)],
                             self.logs / f"mindspore-{pkg}.log")
            self.ms_pkg = pkg
        return self.ms

    def run(self, pkg: str, name: str, work: Path, timeout: float = 900) -> dict:
        work.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        try:
            res = self._run(pkg, name, work, timeout)
        finally:
            if not self.keep:  # checkpoints and arrays: the disk holds few of them at once
                for f in ("model.pth", "model.ckpt", "model.safetensors", "inputs.npz", "outputs.npz"):
                    (work / f).unlink(missing_ok=True)
        res["seconds"] = round(time.perf_counter() - t0, 1)
        return res

    def _run(self, pkg: str, name: str, work: Path, timeout: float) -> dict:
        res: dict = {"package": pkg, "model": name}
        for f in ("torch.json", "mindspore.json"):
            (work / f).unlink(missing_ok=True)
        t = time.perf_counter()
        reply, why = self.torch.call({"package": pkg, "model": name, "work": str(work)}, timeout)
        res["times"] = {"torch_s": round(time.perf_counter() - t, 1)}
        if reply is None or "error" in reply or not (work / "torch.json").exists():
            res.update(status="reference", cause="PyTorch side: " + (why or (reply or {}).get("error", "no result")))
            return res
        ref = json.loads((work / "torch.json").read_text())
        res["times"].update(ref.get("times", {}))
        if "skipped" in ref:
            res.update(status="skipped", cause=ref["skipped"])
            return res
        if "error" in ref:
            res.update(status="reference", cause="PyTorch side: " + ref["error"])
            return res
        t = time.perf_counter()
        reply, why = self._ms(pkg).call({"model": name, "work": str(work)}, timeout)
        res["times"].update(mindspore_s=round(time.perf_counter() - t, 1),
                            **{k: v for k, v in (reply or {}).items() if k.endswith("_s")})
        if reply is not None and "weights_convert" in reply:
            res.update(status="weights-convert", cause="msdev weights convert: " + reply["weights_convert"])
            return res
        if reply is None or "error" in reply or not (work / "mindspore.json").exists():
            res.update(status="crash", cause="MindSpore side crashed: " + (why or (reply or {}).get("error", "")))
            return res
        ms_res = json.loads((work / "mindspore.json").read_text())
        res["times"].update(ms_res.pop("times", {}))
        return outcome(res, ms_res)


def outcome(res: dict, ms: dict) -> dict:
    """The model's status and root cause from the MindSpore side's result."""
    res["detail"] = {k: v for k, v in ms.items() if k != "traceback"}
    if "error" in ms:
        res.update(status=ms["stage"], cause=f"{ms['stage']}: {ms['error']}", traceback=ms.get("traceback"))
    elif not ms.get("weights_ok"):
        res.update(status="weights", cause=f"weights: {ms['n_missing']} missing, {ms['n_unexpected']} unexpected "
                                            f"(e.g. {(ms['missing'] + ms['unexpected'])[:1]})")
    elif not ms.get("match"):
        res.update(status="compare", cause="outputs differ: " + ms.get("why", ""))
    else:
        res.update(status="match", cause=None)
    return res


def _last_line(err: str) -> str:
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "no output"


#: statuses in pipeline order: a model that reached `match` passed every earlier step
STAGES = ("import", "build", "weights", "run", "compare", "match")


def _main(argv: list[str]) -> int:
    mode = argv[0]
    if mode == "list":
        torch_imports(Path(argv[2]))
        print(json.dumps(list_models(argv[1])))
        return 0
    if mode == "serve-torch":
        return serve_torch(Path(argv[1]))
    if mode == "serve-mindspore":
        return serve_mindspore(argv[1], Path(argv[2]))
    if mode == "import":
        p = PACKAGES[argv[1]]
        block_torch(argv[2], (p.module,) + p.needs)
        sys.path.insert(0, argv[2])
        sys.path.append(str(STUBS))
        importlib.import_module(p.module)
        if p.module == "torchvision":
            importlib.import_module("torchvision.models")
        return 0
    pkg, name, work = argv[1], argv[2], Path(argv[3])
    if mode == "torch":
        try:
            res = torch_reference(pkg, name, work, Path(argv[4]))
        except Exception as exc:  # noqa: BLE001
            res = {"error": error_line(exc), "traceback": traceback.format_exc()[-3000:]}
        (work / "torch.json").write_text(json.dumps(res))
        return 0
    if mode == "mindspore":
        mindspore_setup(pkg, Path(argv[4]))
        res = mindspore_check(pkg, name, work, Path(argv[4]))
        (work / "mindspore.json").write_text(json.dumps(res))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
