"""The real Ultralytics YOLO models (nano scales built from their yaml, random weights, a few classes) for
`benchmarks/graphs_bench.py --model-file benchmarks/graph_models/ultralytics_real.py`: detect, segment and
pose / oriented-box / classification heads of YOLOv8 / YOLO11 and the end-to-end heads of YOLOv10 and
YOLO26, in eval mode as prediction runs them (anchors built from the feature sizes, DFL decoding, box
concatenation).

ultralytics is not a dependency of msdev: install it apart, e.g.
`pip install --no-deps --target DIR ultralytics==8.4.190 ultralytics-thop opencv-python-headless requests ...`
and run with `PYTHONPATH=DIR`.
"""
import sys

sys.modules.setdefault("torchvision", None)  # a CUDA-only torchvision wheel breaks the import
import torch  # noqa: E402

from ultralytics.nn import tasks  # noqa: E402


class Predict(torch.nn.Module):
    """Returns the prediction tensors (eval output without the auxiliary dict of raw head maps)."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        out = self.m(x)
        return out[0] if isinstance(out, tuple) else out


def yolo(cls, cfg):
    return lambda: Predict(getattr(tasks, cls)(cfg, nc=3, verbose=False))


IMG = [((1, 3, 64, 64), "float32")]
MODELS = {
    "yolov8n_detect": (yolo("DetectionModel", "yolov8n.yaml"), IMG),
    "yolo11n_detect": (yolo("DetectionModel", "yolo11n.yaml"), IMG),
    "yolov8n_seg": (yolo("SegmentationModel", "yolov8n-seg.yaml"), IMG),
    "yolo11n_pose": (yolo("PoseModel", "yolo11n-pose.yaml"), IMG),
    "yolov10n_detect": (yolo("DetectionModel", "yolov10n.yaml"), IMG),
    "yolo26n_detect": (yolo("DetectionModel", "yolo26n.yaml"), IMG),
    "yolov8n_obb": (yolo("OBBModel", "yolov8n-obb.yaml"), IMG),
    "yolo11n_cls": (yolo("ClassificationModel", "yolo11n-cls.yaml"), IMG),
}
