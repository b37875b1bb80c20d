"""A real PyTorch training script, converted by `msdev convert`, trains on MindSpore 2.10 CPU
with PyTorch absent and reproduces PyTorch's first losses from the same weights and data.

The script (tests/fixtures/training/train_cnn.py) uses Dataset, DataLoader, CrossEntropyLoss,
SGD with momentum, StepLR, clip_grad_norm_, an evaluation loop under no_grad, device selection
and state_dict checkpoints: every rule of the training/data/runtime family fires on it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tests.conftest import FIXTURES

torch = pytest.importorskip("torch")
pytest.importorskip("mindspore")
pytestmark = [pytest.mark.frameworks, pytest.mark.slow]

SCRIPT = FIXTURES / "training" / "train_cnn.py"

#: the converted script, run where importing torch fails (as on a machine without PyTorch)
RUNNER = textwrap.dedent('''
    import importlib, json, sys
    class _NoTorch:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("torch", "torchvision", "msdev"):
                raise ImportError(name + " is absent in this test")
    sys.meta_path.insert(0, _NoTorch())
    sys.path.insert(0, sys.argv[1])
    import mindspore as ms
    module = importlib.import_module("train_cnn")
    losses = module.main(sys.argv[2], sys.argv[3], sys.argv[4])
    # the final checkpoint loads back into a fresh network, every parameter matched
    net = module.SmallCNN()
    missing, unused = ms.load_param_into_net(net, ms.load_checkpoint(sys.argv[4]))
    names = sorted(p.name for p in net.get_parameters())
    print(json.dumps({"losses": losses, "missing": list(missing), "unused": list(unused), "params": len(names)}))
''')


def _run_torch(tmp_path, data):
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import train_cnn
    finally:
        sys.path.pop(0)
    torch.manual_seed(0)
    model = train_cnn.SmallCNN()
    weights = tmp_path / "init.pt"
    torch.save(model.state_dict(), weights)
    losses = train_cnn.main(str(data), str(weights), str(tmp_path / "torch_final.pt"))
    return weights, losses


def test_converted_training_matches_pytorch(tmp_path):
    rng = np.random.default_rng(0)
    data = tmp_path / "data.npz"
    np.savez(data, images=rng.standard_normal((32, 3, 16, 16)).astype(np.float32),
             labels=rng.integers(0, 4, 32).astype(np.int64))
    weights, torch_losses = _run_torch(tmp_path, data)
    assert len(torch_losses) == 8  # 2 epochs × 4 batches

    ckpt = tmp_path / "init.ckpt"
    r = subprocess.run([sys.executable, "-m", "msdev", "weights", "convert", str(weights), "-o", str(ckpt),
                        "--code", str(SCRIPT), "--root", "SmallCNN"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "converted"
    r = subprocess.run([sys.executable, "-m", "msdev", "convert", str(SCRIPT), "-o", str(out / "train_cnn.py")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    converted = (out / "train_cnn.py").read_text(encoding="utf-8")
    assert "msdev: [UnConvert]" not in converted, converted
    assert "import torch" not in converted and "msdev" not in converted.replace("# msdev:", "")
    assert "value_and_grad(forward_fn, None, optimizer.parameters)" in converted

    final = tmp_path / "final.ckpt"
    run = subprocess.run([sys.executable, "-c", RUNNER, str(out), str(data), str(ckpt), str(final)],
                         capture_output=True, text=True, timeout=600, env={"GLOG_v": "3", "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    ms_losses = result["losses"]
    assert len(ms_losses) == len(torch_losses)
    print("torch", torch_losses, "mindspore", ms_losses)
    np.testing.assert_allclose(ms_losses[:3], torch_losses[:3], rtol=1e-4)
    assert result["missing"] == [] and result["unused"] == [] and result["params"] > 0
