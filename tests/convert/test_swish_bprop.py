"""efficientnet_pytorch's custom autograd.Function (SwishImplementation), converted by
`msdev convert`, is a Cell with bprop whose gradient matches PyTorch's autograd."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mindspore")
pytestmark = [pytest.mark.frameworks]

PACKAGE = "efficientnet-pytorch/efficientnet_pytorch-0.7.1/efficientnet_pytorch"

RUNNER = textwrap.dedent('''
    import importlib, json, sys
    class _NoTorch:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("torch", "torchvision", "msdev"):
                raise ImportError(name + " is absent in this test")
    sys.meta_path.insert(0, _NoTorch())
    sys.path.insert(0, sys.argv[1])
    import numpy as np
    import mindspore as ms
    utils = importlib.import_module("utils")
    cell = utils.SwishImplementation()
    x = ms.Tensor(np.array(json.loads(sys.argv[2]), dtype=np.float32))
    sens = ms.Tensor(np.array(json.loads(sys.argv[3]), dtype=np.float32))
    out = cell(x)
    grad = ms.grad(lambda t: (cell(t) * sens).sum())(x)
    print(json.dumps({"out": out.asnumpy().tolist(), "grad": grad.asnumpy().tolist(),
                      "has_bprop": "bprop" in type(cell).__dict__}))
''')


def test_swish_function_becomes_a_cell_whose_gradient_matches_pytorch(corpus, tmp_path):
    src = corpus / PACKAGE / "utils.py"
    out = tmp_path / "converted" / "utils.py"
    r = subprocess.run([sys.executable, "-m", "msdev", "convert", str(src), "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    tree = ast.parse(out.read_text(encoding="utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "SwishImplementation")
    assert [m.name for m in cls.body if isinstance(m, ast.FunctionDef)] == ["construct", "bprop"]
    assert ast.unparse(cls.bases[0]) == "nn.Cell"

    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 7)).astype(np.float32) * 3
    sens = rng.standard_normal((4, 7)).astype(np.float32)
    sys.path.insert(0, str(src.parent))
    try:
        import utils as torch_utils
    finally:
        sys.path.pop(0)
    tx = torch.tensor(x, requires_grad=True)
    ty = torch_utils.SwishImplementation.apply(tx)
    (ty * torch.tensor(sens)).sum().backward()

    run = subprocess.run([sys.executable, "-c", RUNNER, str(out.parent), json.dumps(x.tolist()),
                          json.dumps(sens.tolist())], capture_output=True, text=True, timeout=300,
                         env={"GLOG_v": "3", "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["has_bprop"]
    np.testing.assert_allclose(result["out"], ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result["grad"], tx.grad.numpy(), rtol=1e-5, atol=1e-6)
