"""End to end on real models: msdev convert → msdev weights convert → msdev verify (CPU, eval mode).

The corpus comes from $MSDEV_CORPUS (CI downloads it there), else ~/.cache/msdev/corpus.
"""

import json
import os
import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.frameworks, pytest.mark.slow]
torch = pytest.importorskip("torch")
pytest.importorskip("mindspore")

from msdev.cli.main import main  # noqa: E402
from tests.conftest import CORPUS_MISSING, corpus_dir  # noqa: E402

CORPUS = corpus_dir() or Path(os.environ.get("MSDEV_CORPUS", Path.home() / ".cache" / "msdev" / "corpus"))
EFFICIENTNET = CORPUS / "efficientnet-pytorch" / "efficientnet_pytorch-0.7.1" / "efficientnet_pytorch"
FBRESNET = CORPUS / "pretrainedmodels" / "pretrainedmodels-0.7.4" / "pretrainedmodels" / "models" / "fbresnet.py"


def _need(path: Path) -> None:
    if not path.exists():
        pytest.skip(CORPUS_MISSING)


def _randomise(net) -> None:
    """Every BatchNorm's statistics and affine parameters random (stock ones hide mapping errors and
    leave EfficientNet's features at ~1e-13, an agreement `msdev verify` refuses as trivial)."""
    gen = torch.Generator().manual_seed(1)
    for m in net.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            with torch.no_grad():
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)


def _run_e2e(tmp_path, capsys, torch_src: Path, package: str, factory: str, kwargs: dict, inputs: list[str],
             randomise: bool = True, expect: int = 0) -> dict:
    """Copy the PyTorch model as `t_<package>`, convert it to `m_<package>`, convert weights, verify."""
    tdir, mdir = tmp_path / "torch", tmp_path / "ms"
    tdir.mkdir()
    if torch_src.is_dir():
        shutil.copytree(torch_src, tdir / f"t_{package}")
        src_for_convert = tdir / f"t_{package}"
        out = mdir / f"m_{package}"
    else:
        shutil.copy(torch_src, tdir / f"t_{package}.py")
        src_for_convert = tdir / f"t_{package}.py"
        mdir.mkdir()
        out = mdir / f"m_{package}.py"
    assert main(["convert", str(src_for_convert), "-o", str(out)]) == 0, capsys.readouterr()
    capsys.readouterr()
    import importlib
    import sys
    sys.path.insert(0, str(tdir))
    mod_name, attr = factory.split(":")
    obj = importlib.import_module(f"t_{package}{mod_name}")
    for part in attr.split("."):
        obj = getattr(obj, part)
    torch.manual_seed(0)
    net = obj(**kwargs)
    if randomise:
        _randomise(net)
    pth = tmp_path / "w.pth"
    torch.save(net.state_dict(), pth)
    ckpt = tmp_path / "w.ckpt"
    assert main(["weights", "convert", str(pth), "-o", str(ckpt), "--code", str(out)]) == 0
    capsys.readouterr()
    args = ["verify", "--torch", f"t_{package}{factory}", "--mindspore", f"m_{package}{factory}",
            "--kwargs", json.dumps(kwargs), "--torch-weights", str(pth), "--weights", str(ckpt),
            "--path", str(tdir), "--path", str(mdir), "--json"]
    for i in inputs:
        args += ["--input", i]
    code = main(args)
    captured = capsys.readouterr()
    assert code == expect, captured.out + captured.err
    report = json.loads(captured.out)
    assert report["outputs"][0]["cosine"] >= 0.9999 and report["outputs"][0]["allclose"]
    assert report["missing_parameters"] == [] and report["unexpected_parameters"] == []
    return report


def test_efficientnet_b0(tmp_path, capsys):
    _need(EFFICIENTNET)
    # stock initialisation: the features reaching the head are ~1e-13, so both outputs are _fc's
    # bias; they agree, and msdev verify refuses to call that a pass (issue 19)
    report = _run_e2e(tmp_path, capsys, EFFICIENTNET, "efficientnet", ".model:EfficientNet.from_name",
                      {"model_name": "efficientnet-b0"}, ["1,3,224,224"], randomise=False, expect=1)
    assert report["agree"] and not report["passed"]
    assert any("bias of _fc" in reason for reason in report["trivial"]), report["trivial"]


def test_fbresnet(tmp_path, capsys):
    _need(FBRESNET)
    report = _run_e2e(tmp_path, capsys, FBRESNET, "fbresnet", ":fbresnet152", {"num_classes": 10, "pretrained": None},
                      ["1,3,224,224"])
    assert report["passed"] and report["trivial"] == []
