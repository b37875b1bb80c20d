"""Import helpers for the *_real.py model files: the venv's torchvision is a CUDA-only build that fails to
import, and mmcv-lite ships no compiled `mmcv._ext`; the real packages import names from both at module
level without using them on the model paths the benchmark runs. A stand-in module answers every
attribute with an empty class, so those imports succeed and any real use fails loudly."""
import importlib.machinery
import sys
import types


class StandIn(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return type(name, (), {})


def install(*names):
    """Register stand-in modules (parents first) unless a real one is already imported."""
    for name in names:
        if sys.modules.get(name) is not None:
            continue
        mod = StandIn(name)
        mod.__path__ = []
        mod.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)
        sys.modules[name] = mod
        parent, _, leaf = name.rpartition(".")
        if parent in sys.modules and sys.modules[parent] is not None:
            setattr(sys.modules[parent], leaf, mod)


def torchvision():
    install("torchvision", "torchvision.ops", "torchvision.ops.misc", "torchvision.ops.boxes",
            "torchvision.transforms", "torchvision.transforms.functional")
    sys.modules["torchvision"].__version__ = "0.0"
    sys.modules["torchvision.transforms"].InterpolationMode = types.SimpleNamespace(BICUBIC=3, BILINEAR=2, NEAREST=0)


def first_tensors(out):
    """The tensors of a model output (ModelOutput / dict -> its first value; tuples kept, dicts of
    auxiliary values dropped) so the graphs compare tensors."""
    if isinstance(out, dict):
        return next(iter(out.values()))
    if hasattr(out, "to_tuple"):
        return out.to_tuple()[0]
    return out
