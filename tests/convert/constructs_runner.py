"""Runs functions of a converted module on MindSpore with PyTorch blocked from import.

Used by test_constructs_run.py in a separate process: `python constructs_runner.py MODULE.py CALLS OUT`
where CALLS is a pickle of [(function, [numpy arrays or Python values]), ...]; OUT receives a pickle
of one result per call, `("ok", value)` with tensors as numpy arrays, or `("error", message)`.
"""

import importlib.util
import pickle
import sys


class _NoTorch:
    """A meta-path finder that makes every PyTorch package unimportable."""

    BLOCKED = ("torch", "torchvision", "torchaudio", "torchtext", "torchdata", "functorch")

    def find_spec(self, name, path=None, target=None):
        if name.split(".", 1)[0] in self.BLOCKED:
            raise ImportError(f"{name} is blocked: converted code must run without PyTorch")
        return None


def _plain(value, ms):
    if isinstance(value, ms.Tensor):
        return ("tensor", value.asnumpy().copy())
    if isinstance(value, (tuple, list)):
        return type(value)(_plain(v, ms) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v, ms) for k, v in value.items()}
    return value


def _arg(value, ms, np):
    return ms.Tensor(value) if isinstance(value, np.ndarray) else value


def main(module_path: str, calls_path: str, out_path: str) -> None:
    sys.meta_path.insert(0, _NoTorch())
    import numpy as np
    import mindspore as ms
    from mindspore.common.api import _pynative_executor

    spec = importlib.util.spec_from_file_location("converted_case", module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with open(calls_path, "rb") as f:
        calls = pickle.load(f)
    results = []
    for name, args in calls:
        try:
            value = getattr(module, name)(*[_arg(a, ms, np) for a in args])
            plain = _plain(value, ms)
            _pynative_executor.sync()  # a kernel error surfaces here, not in the next call
            results.append(("ok", plain))
        except Exception as exc:  # noqa: BLE001 - every failure is reported to the test
            results.append(("error", f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"))
    with open(out_path, "wb") as f:
        pickle.dump(results, f)


if __name__ == "__main__":
    main(*sys.argv[1:4])
