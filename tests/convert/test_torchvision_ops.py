"""torchvision's compiled operators (torch.ops.torchvision.nms / roi_align / _cuda_version and the
extension's load_library) converted and run on MindSpore with PyTorch blocked, against PyTorch references:
torchvision's own pure-Python roi_align, and the CPU nms kernel's loop written out below (no torchvision
wheel with compiled CPU ops exists for torch 2.13 here)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mindspore")
pytestmark = pytest.mark.frameworks

from msdev.dbverify.worker import import_torchvision  # noqa: E402
from tests.convert.both_frameworks import mindspore_results, mismatches, torch_results  # noqa: E402

_KEEP: list = []


def _kernel_nms(dets, scores, iou_threshold):
    """The CPU kernel's algorithm: boxes in descending score order; each kept box suppresses the later
    ones whose IoU with it exceeds the threshold (all arithmetic in the boxes' dtype)."""
    order = torch.sort(scores, descending=True, stable=True).indices
    x1, y1, x2, y2 = dets.unbind(1)
    areas = (x2 - x1) * (y2 - y1)
    suppressed = [False] * len(order)
    keep = []
    for a, i in enumerate(order.tolist()):
        if suppressed[a]:
            continue
        keep.append(i)
        for b in range(a + 1, len(order)):
            j = order[b]
            w = torch.clamp(torch.minimum(x2[i], x2[j]) - torch.maximum(x1[i], x1[j]), min=0)
            h = torch.clamp(torch.minimum(y2[i], y2[j]) - torch.maximum(y1[i], y1[j]), min=0)
            inter = w * h
            if inter / (areas[i] + areas[j] - inter) > iou_threshold:
                suppressed[b] = True
    return torch.tensor(keep, dtype=torch.long)


@pytest.fixture(scope="module", autouse=True)
def torchvision_ops_on_pytorch():
    """Give PyTorch CPU kernels for the operators the fixture calls."""
    reason = import_torchvision()
    if reason is not None:
        pytest.skip(reason)
    from torchvision.ops.roi_align import _roi_align

    lib = torch.library.Library("torchvision", "FRAGMENT")
    schemas = {"nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
               "roi_align": "roi_align(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, "
                            "SymInt pooled_width, int sampling_ratio, bool aligned) -> Tensor",
               "_cuda_version": "_cuda_version() -> int"}
    for name, schema in schemas.items():
        try:
            lib.define(schema)
        except RuntimeError:
            pass  # declared by torchvision's import
    lib.impl("nms", _kernel_nms, "CPU")
    lib.impl("roi_align", lambda *args: _roi_align(*args), "CPU")
    lib.impl("_cuda_version", lambda: -1, "CompositeExplicitAutograd")
    _KEEP.append(lib)


_rng = np.random.default_rng(3)


def _boxes(n, height=40.0, width=40.0):
    """Boxes inside the image, at least a tenth of its side long."""
    size = _rng.uniform(0.1, 0.5, (n, 2))
    corner = _rng.uniform(0, 1, (n, 2)) * (1 - size)
    return (np.concatenate([corner, corner + size], 1) * [width, height, width, height]).astype(np.float32)


def _rois(n, batch, height, width):
    """Boxes on an image of height x width (inside it, as a detector's boxes are clipped to it)."""
    boxes = _boxes(n, height, width)
    boxes[0] = [0.0, 3.0, width, 3.4]  # thinner than a pixel: the legacy kernel widens it to one
    index = _rng.integers(0, batch, (n, 1)).astype(np.float32)
    return np.concatenate([index, boxes], 1)


FEATURES = _rng.standard_normal((2, 3, 12, 16)).astype(np.float32)
ROIS = _rois(9, 2, 24.0, 32.0)  # the features at spatial scale 0.5
BOXES = _boxes(60)
SCORES = _rng.uniform(0, 1, 60).astype(np.float32)

CALLS = [
    ("kept", [BOXES, SCORES, 0.5]),
    ("kept", [BOXES, SCORES, 0.1]),
    ("kept", [BOXES[:0], SCORES[:0], 0.5]),
    ("pooled", [FEATURES, ROIS, 0.5, 3, 4, 2, False]),
    ("pooled", [FEATURES, ROIS, 0.5, 5, 5, -1, False]),  # adaptive grid: ceil(bin size) samples per side
    ("pooled", [FEATURES, ROIS, 0.5, 2, 3, 0, True]),
    ("pooled", [FEATURES, ROIS, 0.25, 7, 7, 2, True]),
    ("pooled", [FEATURES, ROIS[:0], 0.5, 3, 3, 2, False]),
]
#: on MindSpore only: PyTorch would load the library file, and this machine has no loadable one
def _loads(folder):
    for name in ("torchvision", "my_ops"):
        (folder / name).mkdir(parents=True)
    (folder / "torchvision" / "_C_stable.so").write_bytes(b"")
    (folder / "my_ops" / "_C.so").write_bytes(b"")
    return [("extension_loads", [str(folder)]), ("other_library_refused", [str(folder)]),
            ("extension_loads", [str(folder / "my_ops")])]


#: samples more than a pixel outside the map count as zero in the compiled kernel (torchvision's Python
#: fallback, the reference above, clamps them to the edge instead: compared on boxes inside the map only)
OUTSIDE = [("pooled", [np.ones((1, 1, 2, 2), np.float32), np.array([[0, 4.0, 0.0, 6.0, 1.0]], np.float32),
                       1.0, 1, 2, 1, False])]


def _same(expected, got, where):
    if isinstance(expected, tuple) and expected[0] == "tensor":
        e, g = expected[1], got[1]
        assert e.shape == g.shape and e.dtype == g.dtype, f"{where}: {e.shape} {e.dtype} vs {g.shape} {g.dtype}"
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6, err_msg=where)
    else:
        assert got == expected, f"{where}: {got!r}, PyTorch {expected!r}"


def test_torchvision_kernels_match_pytorch(tmp_path):
    expected = torch_results("torchvision_ops", CALLS)
    assert len(expected[0][1]) > 5 and expected[3][1].std() > 0.1  # the references ran
    failures = mismatches(CALLS, expected, mindspore_results("torchvision_ops", CALLS, tmp_path), _same)
    assert not failures, "\n".join(failures)


def test_only_torchvisions_extension_loads(tmp_path):
    """torchvision's extension "loads" (its operators are converted; no CUDA build: version -1); any other
    compiled library, or torchvision's when the file is missing, raises OSError as PyTorch does for a
    library it cannot load."""
    calls = _loads(tmp_path / "site")
    assert mindspore_results("torchvision_ops", calls, tmp_path) == [("ok", -1), ("ok", "refused"), ("ok", "refused")]


def test_roi_align_samples_outside_the_map_count_as_zero(tmp_path):
    """A 2x2 map of ones, a roi from x=4 to 6 in two bins: their samples at x=4.5 and 5.5 lie more than a
    pixel beyond the map's width (2), so both bins are 0; one sampled at x <= width would be 1."""
    [(status, value)] = mindspore_results("torchvision_ops", OUTSIDE, tmp_path)
    assert status == "ok" and value[1].tolist() == [[[[0.0, 0.0]]]]
