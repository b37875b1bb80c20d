"""Real models converted by `msdev convert` run on MindSpore 2.10 CPU with PyTorch absent."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("mindspore")
pytestmark = [pytest.mark.frameworks, pytest.mark.slow]

#: runs in a fresh interpreter where importing torch fails, as on a machine without PyTorch
RUNNER = textwrap.dedent('''
    import importlib, json, sys
    class _NoTorch:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("torch", "torchvision"):
                raise ImportError("PyTorch is absent in this test")
    sys.meta_path.insert(0, _NoTorch())
    sys.path.insert(0, sys.argv[1])
    import numpy as np
    import mindspore as ms
    module = importlib.import_module(sys.argv[2])
    factory = eval(sys.argv[3], vars(module))
    net = factory()
    net.set_train(False)
    shape = json.loads(sys.argv[4])
    x = ms.Tensor(np.random.default_rng(0).standard_normal(shape).astype(np.float32))
    out = net(x)
    out = out[0] if isinstance(out, (tuple, list)) else out
    arr = out.asnumpy()
    print(json.dumps({"shape": list(arr.shape), "finite": bool(np.isfinite(arr).all())}))
''')

MODELS = [
    # (package dir in the corpus, folder to convert, module, factory, input shape, output shape)
    ("efficientnet-pytorch/efficientnet_pytorch-0.7.1", "efficientnet_pytorch", "efficientnet_pytorch",
     "lambda: EfficientNet.from_name('efficientnet-b0')", [2, 3, 224, 224], [2, 1000]),
    ("pretrainedmodels/pretrainedmodels-0.7.4/pretrainedmodels", "models", "models.fbresnet",
     "lambda: fbresnet152(num_classes=1000, pretrained=None)", [1, 3, 224, 224], [1, 1000]),
    ("pretrainedmodels/pretrainedmodels-0.7.4/pretrainedmodels", "models", "models.vggm",
     "lambda: vggm(num_classes=1000, pretrained=None)", [1, 3, 221, 221], [1, 1000]),
    ("pretrainedmodels/pretrainedmodels-0.7.4/pretrainedmodels", "models", "models.inceptionv4",
     "lambda: inceptionv4(num_classes=1000, pretrained=None)", [1, 3, 299, 299], [1, 1000]),
]


@pytest.mark.parametrize("package,folder,module,factory,shape,expected", MODELS,
                         ids=["efficientnet-b0", "fbresnet152", "vggm", "inceptionv4"])
def test_converted_model_runs_on_mindspore(corpus, tmp_path, package, folder, module, factory, shape, expected):
    src = corpus / package / folder
    out = tmp_path / "converted"
    r = subprocess.run([sys.executable, "-m", "msdev", "convert", str(src), "-o", str(out / folder)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    run = subprocess.run([sys.executable, "-c", RUNNER, str(out), module, factory, json.dumps(shape)],
                         capture_output=True, text=True, timeout=600, env={"GLOG_v": "3", "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result == {"shape": expected, "finite": True}
