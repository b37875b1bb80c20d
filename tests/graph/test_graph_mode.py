"""`msdev convert --model`: MindSpore code and weights generated from live PyTorch models.

Each model is built with fixed seeds, its BatchNorm statistics are calibrated on random batches
(untrained networks otherwise give input-independent outputs, which would prove nothing), the
weights are saved, and then: convert --weights, load the checkpoint with nothing missing or
unexpected, and `msdev verify` the generated network against the original in eval mode.
"""

import json
import re
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.frameworks
torch = pytest.importorskip("torch")
mindspore = pytest.importorskip("mindspore")

from msdev.cli.main import main  # noqa: E402
from tests.conftest import CORPUS_MISSING, corpus_dir  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "graph"


def _calibrate(model, shapes, steps=2):
    """Give BatchNorm real running statistics (cumulative average over a few random batches)."""
    gen = torch.Generator().manual_seed(7)
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.momentum = None
        m.reset_running_stats()
    model.train()
    with torch.no_grad():
        for _ in range(steps):
            model(*[torch.randn(*s, generator=gen) for s in shapes])
    for m in bns:
        m.momentum = 0.1
    model.eval()


def _factory_module(tmp: Path, name: str, body: str) -> None:
    (tmp / f"{name}.py").write_text(textwrap.dedent(body), encoding="utf-8")


def _small_residuals(model):
    """As in a trained ResNet, keep residual branches small next to the identity path: at random
    init, 50 full-size branches inflate the residual stream until float32 kernel differences
    between the frameworks (not the conversion) exceed atol 1e-4 on the logits."""
    with torch.no_grad():
        for name, m in model.named_modules():
            if name.endswith(".bn3"):
                m.weight.mul_(0.2)


def _generate(tmp, factory, paths, inputs, calibrate_shapes, capsys, extra=(), tune=None):
    """Build, calibrate, save weights, convert; returns (out dir, report json, weights path)."""
    mod_name, fn = factory.split(":")
    for p in paths:
        if str(p) not in sys.path:
            sys.path.insert(0, str(p))
    import importlib
    torch.manual_seed(0)
    model = getattr(importlib.import_module(mod_name), fn)()
    if tune is not None:
        tune(model)
    _calibrate(model, calibrate_shapes)
    weights = tmp / "weights.pth"
    torch.save(model.state_dict(), weights)
    out = tmp / "out"
    args = ["convert", "--model", factory, "--weights", str(weights), "-o", str(out), "--report-format", "json"]
    for p in paths:
        args += ["--path", str(p)]
    for s in inputs:
        args += ["--input", s]
    code = main(args + list(extra))
    captured = capsys.readouterr()
    assert code == 0, captured.err + captured.out[-3000:]
    return out, json.loads(captured.out), weights


def _verify(tmp, factory, out, weights, paths, inputs, capsys):
    sys.modules.pop("model", None)  # every test writes its own model.py
    args = ["verify", "--torch", factory, "--mindspore", "model:create_model", "--path", str(out),
            "--torch-weights", str(weights), "--weights", str(out / "model.ckpt"), "--json"]
    for p in paths:
        args += ["--path", str(p)]
    for s in inputs:
        args += ["--input", s]
    code = main(args)
    report = json.loads(capsys.readouterr().out)
    sys.modules.pop("model", None)
    return code, report


def _assert_agrees(code, report):
    assert report["missing_parameters"] == [] and report["unexpected_parameters"] == []
    assert code == 0, report
    for o in report["outputs"]:
        assert o["allclose"] and o["cosine"] >= 0.9999


def _assert_weights_load(out: Path):
    sys.modules.pop("model", None)
    sys.path.insert(0, str(out))
    try:
        import model as generated
        net = generated.create_model()
    finally:
        sys.path.remove(str(out))
        sys.modules.pop("model", None)
    params = mindspore.load_checkpoint(str(out / "model.ckpt"))
    not_loaded, unused = mindspore.load_param_into_net(net, params, strict_load=True)
    assert not_loaded == [] and unused == []
    return net


# --------------------------------------------------------------------------- a model written here

def test_two_inputs_two_outputs_end_to_end(tmp_path, capsys):
    out, report, weights = _generate(tmp_path, "graph_nets:two_in_two_out", [FIX], ["2,3,12,12", "2,5"],
                                     [(4, 3, 12, 12), (4, 5)], capsys)
    text = (out / "model.py").read_text()
    # one Cell per module class; Branch used twice with different widths → one class with parameters
    assert "class Branch(nn.Cell)" in text and "class TwoInTwoOut(nn.Cell)" in text
    assert text.count("class Branch") == 1
    assert "Branch(" in text and "def create_model():" in text
    assert "nn.Dropout(p=p)" in text or "nn.Dropout(p=" in text  # Dropout kept (train-mode structure)
    assert "def construct(self, img, vec):" in text
    # the training-only branch: both modes captured, construct follows set_train()
    assert "if self.training:" in text and "construct_train" in text and "construct_eval" in text
    assert report["graph"]["mode_dependent_classes"] == ["TwoInTwoOut"]
    body = text.split('"""', 2)[2]  # after the module docstring
    assert "import torch" not in body and not re.search(r"\btorch\.", body)
    assert report["summary"]["unconverted"] == 0 and report["graph"]["placeholders"] == []
    assert report["graph"]["weights"]["missing"] == [] and report["graph"]["weights"]["unexpected"] == []
    check = report["graph"]["check"]
    assert len(check["outputs"]) == 2 and all(o["allclose"] for o in check["outputs"])
    assert check["other_batch_output_shapes"] == [[3, 4], [3, 16]]
    net = _assert_weights_load(out)
    # another batch size, through msdev verify (batch 5 instead of 2)
    code, vr = _verify(tmp_path, "graph_nets:two_in_two_out", out, weights, [FIX], ["5,3,12,12", "5,5"], capsys)
    _assert_agrees(code, vr)
    assert [o["shape"] if "shape" in o else None for o in vr["outputs"]] is not None
    # train mode: the generated net runs its training branch and Dropout is active
    net.set_train(True)
    x = mindspore.Tensor(torch.randn(2, 3, 12, 12).numpy())
    v = mindspore.Tensor(torch.randn(2, 5).numpy())
    first = net(x, v)[1].asnumpy()
    second = net(x, v)[1].asnumpy()
    assert not (first == second).all()


def test_generated_code_is_readable_and_reported_in_text(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["convert", "--model", "graph_nets:two_in_two_out", "--path", str(FIX), "--input", "1,3,8,8",
                 "--input", "1,5", "-o", str(out), "--no-check"]) == 0
    report = capsys.readouterr().out
    assert "[Start Convert] model.py" in report and "[Convert Over] model.py" in report
    assert "[Graph] branches on self.training: TwoInTwoOut" in report
    assert "load_param_into_net: 0 missing, 0 unexpected" in report
    text = (out / "model.py").read_text()
    assert "has_bias=False" in text and "pad_mode='pad'" in text and "momentum=1 - 0.1" in text
    assert "ops.cat(promoted([flatten, norm]), 1)" in text  # dtypes promoted as torch.cat does
    # the output folder is never overwritten
    assert main(["convert", "--model", "graph_nets:two_in_two_out", "--path", str(FIX), "--input", "1,3,8,8",
                 "--input", "1,5", "-o", str(out)]) == 2
    assert "does not overwrite" in capsys.readouterr().err


# --------------------------------------------------------------------------- usage errors

def test_generated_code_that_does_not_parse_is_an_error_not_a_traceback(tmp_path, capsys, monkeypatch):
    """Were msdev to write code that does not parse (timm's pit did: `self.[0](...)`), the user gets
    one line saying so and exit 2, and nothing is written."""
    from msdev.graph import codegen

    real = codegen.render

    def broken(groups):
        src = real(groups)
        src.text += "\nx = self.[0](y)\n"
        return src

    monkeypatch.setattr(codegen, "render", broken)
    out = tmp_path / "out"
    assert main(["convert", "--model", "graph_nets:two_in_two_out", "--path", str(FIX), "--input", "1,3,8,8",
                 "--input", "1,5", "-o", str(out), "--no-check"]) == 2
    err = capsys.readouterr().err
    assert "does not parse" in err and "Traceback" not in err and not (out / "model.py").exists()


def test_a_constant_too_big_to_write_is_an_error_not_a_traceback(tmp_path, capsys):
    """timm's swin_s3 builds a 38,416-element index inside forward."""
    out = tmp_path / "out"
    assert main(["convert", "--model", "graph_nets:big_constant", "--path", str(FIX), "--input", "2,8",
                 "-o", str(out), "--no-check"]) == 2
    err = capsys.readouterr().err
    assert "5000 elements" in err and "Traceback" not in err and not (out / "model.py").exists()


def test_model_file_needs_trust_pickle(tmp_path, capsys):
    sys.path.insert(0, str(FIX))
    import graph_nets
    sys.path.remove(str(FIX))
    path = tmp_path / "whole.pth"
    torch.save(graph_nets.two_in_two_out(), path)
    out = tmp_path / "out"
    assert main(["convert", "--model-file", str(path), "--input", "1,3,8,8", "--input", "1,5", "-o", str(out)]) == 2
    assert "--trust-pickle" in capsys.readouterr().err
    assert not out.exists()
    assert main(["convert", "--model-file", str(path), "--trust-pickle", "--path", str(FIX), "--input", "1,3,8,8",
                 "--input", "1,5", "-o", str(out), "--no-check"]) == 0
    assert "class TwoInTwoOut(nn.Cell)" in (out / "model.py").read_text()


def test_usage_errors(tmp_path, capsys):
    out = str(tmp_path / "o")
    cases = [
        (["convert", "-o", out], "SRC"),
        (["convert", "--model", "graph_nets:two_in_two_out", "--path", str(FIX), "-o", out], "--input"),
        (["convert", "--model", "nofactory", "--input", "1,3", "-o", out], "MODULE:FACTORY"),
        (["convert", "--model", "graph_nets:two_in_two_out", "--path", str(FIX), "--input", "1,3,8,8",
          "-o", out], "needs 2 inputs"),
        (["convert", "--model", "graph_nets:two_in_two_out", "--kwargs", "[", "--input", "1", "-o", out], "JSON"),
    ]
    with pytest.raises(SystemExit) as exc:  # argparse: the two sources exclude each other
        main(["convert", "--model", "graph_nets:two_in_two_out", "--model-file", "x.pth", "--input", "1", "-o", out])
    assert exc.value.code == 2 and "not allowed with" in capsys.readouterr().err
    for args, message in cases:
        assert main(args) == 2, args
        err = capsys.readouterr().err
        if message:
            assert message in err, (args, err)


def test_missing_frameworks_exit_2(tmp_path, capsys, monkeypatch):
    import importlib.util
    real = importlib.util.find_spec

    def blocked(name, *a, **k):
        if name in ("torch", "mindspore"):
            return None
        return real(name, *a, **k)
    monkeypatch.setattr(importlib.util, "find_spec", blocked)
    assert main(["convert", "--model", "graph_nets:two_in_two_out", "--input", "1,3,8,8", "-o",
                 str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "pip install 'msdev-migrate[verify]'" in err and "torch and mindspore" in err


# --------------------------------------------------------------------------- real models

PRETRAINED = "pretrainedmodels/pretrainedmodels-0.7.4/pretrainedmodels/models"
EFFNET = "efficientnet-pytorch/efficientnet_pytorch-0.7.1"


def _needs_corpus(rel: str) -> Path:
    root = corpus_dir()
    if root is None or not (root / rel).is_dir():
        pytest.skip(CORPUS_MISSING)
    return root / rel


def test_vggm(tmp_path, capsys):
    models = _needs_corpus(PRETRAINED)
    _factory_module(tmp_path, "vggm_factory", """
        import vggm
        def build():
            return vggm.vggm(num_classes=1000, pretrained=None)
    """)
    paths = [tmp_path, models]
    out, report, weights = _generate(tmp_path, "vggm_factory:build", paths, ["1,3,221,221"], [(2, 3, 221, 221)],
                                     capsys, extra=["--no-check"])  # verify below runs batch 2 instead
    text = (out / "model.py").read_text()
    assert "nn.Dropout(p=0.5)" in text and "class SpatialCrossMapLRN(nn.Cell)" in text
    assert "pad_mode='pad'" in text
    _assert_weights_load(out)
    code, vr = _verify(tmp_path, "vggm_factory:build", out, weights, paths, ["2,3,221,221"], capsys)
    _assert_agrees(code, vr)


def test_efficientnet_b0(tmp_path, capsys):
    pkg = _needs_corpus(EFFNET)
    _factory_module(tmp_path, "effnet_factory", """
        from efficientnet_pytorch import EfficientNet
        def build():
            return EfficientNet.from_name('efficientnet-b0')
    """)
    paths = [tmp_path, pkg]
    out, report, weights = _generate(tmp_path, "effnet_factory:build", paths, ["1,3,224,224"], [(2, 3, 224, 224)],
                                     capsys)
    text = (out / "model.py").read_text()
    g = report["graph"]
    assert g["placeholders"] == [] and report["summary"]["unconverted"] == 0
    # drop-connect runs only in training: MBConvBlock keeps both graphs
    assert "MBConvBlock" in g["mode_dependent_classes"]
    # the custom autograd.Function is traced through its forward, and the report says so
    assert any("SwishImplementation" in a for a in g["autograd_functions_traced"])
    assert "nn.Dropout(p=0.2)" in text
    assert text.count("class MBConvBlock") <= 4 and text.count("class Conv2dStaticSamePadding") <= 4
    _assert_weights_load(out)
    code, vr = _verify(tmp_path, "effnet_factory:build", out, weights, paths, ["2,3,224,224"], capsys)
    _assert_agrees(code, vr)


def test_fbresnet152(tmp_path, capsys):
    models = _needs_corpus(PRETRAINED)
    _factory_module(tmp_path, "fbresnet_factory", """
        import fbresnet
        def build():
            return fbresnet.fbresnet152(num_classes=1000, pretrained=None)
    """)
    paths = [tmp_path, models]
    out, report, weights = _generate(tmp_path, "fbresnet_factory:build", paths, ["1,3,224,224"], [(2, 3, 224, 224)],
                                     capsys, extra=["--no-check"], tune=_small_residuals)
    text = (out / "model.py").read_text()
    classes = {c["name"]: c for c in report["graph"]["classes"]}
    # 50 bottlenecks, three classes (plain, with downsample, the first) — not 50 copies
    assert sum(c["instances"] for n, c in classes.items() if n.startswith("Bottleneck")) == 50
    assert text.count("class Bottleneck") == 3
    assert report["graph"]["weights"]["tensors"] > 900
    _assert_weights_load(out)
    code, vr = _verify(tmp_path, "fbresnet_factory:build", out, weights, paths, ["1,3,224,224"], capsys)
    _assert_agrees(code, vr)


def test_unmapped_node_becomes_a_placeholder_with_shapes(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["convert", "--model", "graph_nets:with_unmapped", "--path", str(FIX), "--input", "4,6", "-o", str(out),
                 "--report-format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    [ph] = report["graph"]["placeholders"]
    assert ph["torch_api"] == "torch.special.airy_ai" and ph["where"].startswith("WithUnmapped")
    assert ph["input_shapes"] == [[4, 3]] and ph["output_shapes"] == [[4, 3]]
    assert report["summary"]["unconverted"] == 1
    text = (out / "model.py").read_text()
    line = text.splitlines()[ph["line"] - 1]
    assert "msdev_placeholder('torch.special.airy_ai'" in line
    assert "import torch" not in text  # the module imports without PyTorch
    net = _assert_weights_load(out)  # the rest of the network and its weights are intact
    with pytest.raises(NotImplementedError, match="airy_ai"):
        net(mindspore.Tensor(torch.randn(2, 6).numpy()))


# A block that takes a (residual, dense) tuple and branches on isinstance, as DPN's DualPathBlock
DUAL_PATH = '''
import torch
from torch import nn


class Dual(nn.Module):
    def __init__(self, cin, split):
        super().__init__()
        self.split = split
        self.bn = nn.BatchNorm2d(cin)
        self.conv = nn.Conv2d(cin, split + 4, 3, padding=1)

    def forward(self, x):
        x_in = torch.cat(x, dim=1) if isinstance(x, tuple) else x
        out = self.conv(torch.relu(self.bn(x_in)))
        if isinstance(x, tuple):
            resid, dense = x[0] + out[:, :self.split], torch.cat([x[1], out[:, self.split:]], dim=1)
        else:
            resid, dense = out[:, :self.split], out[:, self.split:]
        return resid, dense


class DualNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.first = Dual(8, 6)
        self.second = Dual(10, 6)
        self.head = nn.Linear(14, 5)

    def forward(self, x):
        resid, dense = self.second(self.first(self.stem(x)))
        return self.head(torch.cat([resid, dense], dim=1).mean((2, 3)))


def dual_net():
    return DualNet()
'''


def test_tuple_arguments_keep_their_branch_and_train_the_same(tmp_path, capsys):
    """DPN failed with `For primitive[Shape] ... got tuple`: fx traced the tuple as one tensor."""
    _factory_module(tmp_path, "dual_nets", DUAL_PATH)
    out, report, weights = _generate(tmp_path, "dual_nets:dual_net", [tmp_path], ["2,3,8,8"], [(4, 3, 8, 8)], capsys)
    text = (out / "model.py").read_text()
    assert "x_1, x_2 = x" in text and "promoted((x_1, x_2)), 1)" in text
    assert all(o["allclose"] for o in report["graph"]["check"]["outputs"])
    sys.modules.pop("model", None)
    args = ["verify", "--torch", "dual_nets:dual_net", "--mindspore", "model:create_model", "--path", str(out),
            "--path", str(tmp_path), "--torch-weights", str(weights), "--weights", str(out / "model.ckpt"),
            "--input", "3,3,8,8", "--grad", "--train-steps", "2", "--json"]
    code = main(args)
    vr = json.loads(capsys.readouterr().out)
    sys.modules.pop("model", None)
    assert code == 0, vr
    assert vr["training"]["gradients"]["compared"] == 12 and vr["training"]["final_weights"]["agree"]


def test_module_fx_cannot_trace_is_captured_with_torch_export(tmp_path, capsys):
    """ShapeLoop loops over range(x.size(1) // 2): fx stops, torch.export captures it (issue 19)."""
    out, report, weights = _generate(tmp_path, "graph_nets:not_traceable", [FIX], ["2,3,6,6"], [(4, 3, 6, 6)],
                                     capsys)
    graph = report["graph"]
    assert [m["path"] for m in graph["exported_modules"]] == ["body"]
    assert "cannot trace ShapeLoop" in graph["exported_modules"][0]["fx_error"]
    assert graph["untraced_modules"] == [] and graph["placeholders"] == []
    text = (out / "model.py").read_text()
    body = text.split("class ShapeLoop", 1)[1].split("class NotTraceable", 1)[0]
    # the loop unrolled for 4 channels; slices as indexing; the child layers still layers
    assert body.count("ops.mul(") == 2 and "x[:, :1]" in body and "x[:, 1:2]" in body
    assert "self.bn(" in body and "self.conv(" in body and "msdev_placeholder" not in text
    assert all(o["allclose"] for o in graph["check"]["outputs"])
    assert graph["check"]["other_batch_output_shapes"] == [[3, 5]]  # batch not baked in
    sys.modules.pop("model", None)
    code = main(["verify", "--torch", "graph_nets:not_traceable", "--mindspore", "model:create_model",
                 "--path", str(out), "--path", str(FIX), "--torch-weights", str(weights),
                 "--weights", str(out / "model.ckpt"), "--input", "3,3,6,6", "--grad", "--json"])
    vr = json.loads(capsys.readouterr().out)
    sys.modules.pop("model", None)
    assert code == 0, vr  # eval and train-mode outputs, every gradient, another batch size
    assert vr["training"]["gradients"]["compared"] == 9 and vr["training"]["gradients"]["diverging"] == 0


def test_resampling_and_regions_of_an_exported_module(tmp_path, capsys):
    """torch.export prints F.interpolate as `aten.upsample_bicubic2d.vec` and kin (timm's crossvit was
    left a placeholder), and cuts `with torch.autocast(...)` / `torch.no_grad()` blocks out as region
    operators over submodules (timm's efficientvit failed on `submod_1`): the resampling becomes
    F.interpolate, the regions are inlined, the no_grad block's results detached."""
    out, report, weights = _generate(tmp_path, "graph_nets:resizing", [FIX], ["2,3,6,6"], [(4, 3, 6, 6)], capsys)
    graph = report["graph"]
    assert [m["path"] for m in graph["exported_modules"]] == ["body"]
    assert graph["placeholders"] == [] and graph["untraced_modules"] == []
    text = (out / "model.py").read_text()
    assert "msdev_placeholder" not in text and "upsample" not in text and "submod" not in text
    assert "self.lifted_tensor_0 = " in text  # lifted out of forward by export (timm's swin_s3 failed on it)
    assert text.count("stop_gradient(") == 2  # the constant's fresh copy, and the no_grad block's result
    assert all(o["allclose"] for o in graph["check"]["outputs"])
    sys.modules.pop("model", None)
    code = main(["verify", "--torch", "graph_nets:resizing", "--mindspore", "model:create_model",
                 "--path", str(out), "--path", str(FIX), "--torch-weights", str(weights),
                 "--weights", str(out / "model.ckpt"), "--input", "2,3,6,6", "--grad", "--json"])
    vr = json.loads(capsys.readouterr().out)
    sys.modules.pop("model", None)
    assert code == 0, vr
    assert vr["training"]["gradients"]["compared"] == 4 and vr["training"]["gradients"]["diverging"] == 0


def test_container_children_and_their_optional_arguments(tmp_path, capsys):
    """timm's mobilevitv2: blocks in a Sequential pass their optional `x_prev` (always None) on to
    an attention that branches on `x_prev is None`. Traced as an argument, the proxy took the other
    branch; fixed at its default, the generated code runs the branch the model runs."""
    out, report, _ = _generate(tmp_path, "graph_nets:context_blocks", [FIX], ["2,3,5,5"], [(4, 3, 5, 5)],
                               capsys)
    text = (out / "model.py").read_text()
    assert "self.attn(norm)" in text and "shape" not in text.split("class OptionalContext")[1].split("class ")[0]
    # timm's pit: a Sequential subclass's children `0`, `1` keep their names (and checkpoint keys)
    assert "getattr(self, '0')(" in text and "add_module(self, '1', " in text
    assert report["graph"]["weights"]["missing"] == [] and report["graph"]["weights"]["unexpected"] == []
    assert all(o["allclose"] for o in report["graph"]["check"]["outputs"])


def test_layer_subclass_with_its_own_forward_loads_every_buffer(tmp_path, capsys):
    """timm's BatchNormAct2d: the Cell holds num_batches_tracked, which the BatchNorm rule drops."""
    out, report, _ = _generate(tmp_path, "graph_nets:with_batchnorm_relu", [FIX], ["2,3,6,6"], [(4, 3, 6, 6)], capsys)
    weights = report["graph"]["weights"]
    assert weights["missing"] == [] and weights["unexpected"] == []
    assert all(o["allclose"] for o in report["graph"]["check"]["outputs"])
    _assert_weights_load(out)
