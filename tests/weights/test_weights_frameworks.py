"""Weights against the real frameworks: names MindSpore really uses, checkpoints it really loads."""

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.frameworks
torch = pytest.importorskip("torch")
ms = pytest.importorskip("mindspore")

from msdev.cli.main import main  # noqa: E402
from msdev.weights.mapping import build_map  # noqa: E402
from msdev.weights.structure import ModelSource  # noqa: E402

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "weights"
NETS = {"vision": "VisionNet", "seq": "SeqNet", "volume": "VolumeNet"}
sys.path.insert(0, str(FIX))
import nets_ms  # noqa: E402
import nets_torch  # noqa: E402


def _converted_nets():
    """nets_torch.py as msdev converts it, imported (what the PyTorch source's golden maps describe)."""
    import importlib.util
    import tempfile

    from msdev.db.loader import load_database
    from msdev.rewrite.convert import convert_text

    out = Path(tempfile.mkdtemp()) / "nets_converted.py"
    out.write_text(convert_text((FIX / "nets_torch.py").read_text(), load_database()).text)
    spec = importlib.util.spec_from_file_location("nets_converted", out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(NETS))
def test_golden_maps_name_real_mindspore_parameters(name):
    """Each golden map names and shapes the parameters of the real MindSpore network: nets_ms.py's (its own
    golden where MindSpore's layers differ from msdev's conversion), and nets_torch.py converted by msdev."""
    own = FIX / f"{name}.ms.map.golden.json"
    for golden_path, net in ((own if own.exists() else FIX / f"{name}.map.golden.json", getattr(nets_ms, name)()),
                             (FIX / f"{name}.map.golden.json", getattr(_converted_nets(), name)())):
        golden = json.loads(golden_path.read_text())
        mine = {e["mindspore"]: tuple(e["mindspore_shape"]) for e in golden if e["mindspore"]}
        real = {n: tuple(p.shape) for n, p in net.parameters_and_names()}
        assert mine == real, golden_path.name
    torch_keys = {k: tuple(v.shape) for k, v in getattr(nets_torch, name)().state_dict().items()}
    assert {e["torch"]: tuple(e["torch_shape"]) for e in golden if e["torch"]} == torch_keys


@pytest.mark.parametrize("fmt", ["ckpt", "safetensors"])
@pytest.mark.parametrize("name", sorted(NETS))
def test_converted_checkpoint_loads_strictly(tmp_path, name, fmt, capsys):
    torch.manual_seed(1)
    tnet = getattr(nets_torch, name)()
    pth = tmp_path / "w.pth"
    torch.save(tnet.state_dict(), pth)
    out = tmp_path / f"w.{fmt}"
    assert main(["weights", "convert", str(pth), "-o", str(out), "--code", str(FIX / "nets_ms.py"),
                 "--root", NETS[name]]) == 0
    net = getattr(nets_ms, name)()
    params = ms.load_checkpoint(str(out), format=fmt)
    assert ms.load_param_into_net(net, params, strict_load=True) == ([], [])
    sd = tnet.state_dict()
    key = next(k for k in sd if k.endswith("running_var") or k.endswith("weight"))
    golden = {e["torch"]: e for e in json.loads((FIX / f"{name}.map.golden.json").read_text())}
    got = params[golden[key]["mindspore"]].asnumpy()
    np.testing.assert_array_equal(got.reshape(sd[key].shape), sd[key].numpy())


def test_full_checkpoint_dict_and_diff(tmp_path, capsys):
    tnet = nets_torch.vision()
    pth = tmp_path / "full.pth"
    torch.save({"epoch": 3, "state_dict": tnet.state_dict(), "optimizer": {"lr": 0.1}}, pth)
    out = tmp_path / "w.ckpt"
    assert main(["weights", "convert", str(pth), "-o", str(out), "--code", str(FIX / "nets_ms.py")]) == 0
    assert "'state_dict'" in capsys.readouterr().out
    assert main(["weights", "diff", str(pth), str(out), "--code", str(FIX / "nets_ms.py"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["summary"] == {"match": 26, "dropped": 3}
    # change one value in the MindSpore checkpoint: diff must point at it
    params = ms.load_checkpoint(str(out))
    params["fc.bias"].set_data(params["fc.bias"] + 1.0)
    bad = tmp_path / "bad.ckpt"
    ms.save_checkpoint([{"name": k, "data": v} for k, v in params.items()], str(bad))
    assert main(["weights", "diff", str(pth), str(bad), "--code", str(FIX / "nets_ms.py"), "--json"]) == 1
    rows = [r for r in json.loads(capsys.readouterr().out)["rows"] if r["status"] != "match"]
    assert [(r["b"], r["status"]) for r in rows if r["status"] != "dropped"] == [("fc.bias", "differ")]
    assert rows[-1]["max_abs_diff"] == pytest.approx(1.0)


def test_ckpt_written_by_mindspore_decodes_identically(tmp_path):
    from msdev.weights.reader import read_mindspore_ckpt
    net = nets_ms.seq()
    path = tmp_path / "ms.ckpt"
    ms.save_checkpoint(net, str(path))
    cp = read_mindspore_ckpt(path)
    for n, p in net.parameters_and_names():
        np.testing.assert_array_equal(cp.tensors[n].load(), p.asnumpy())


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_torch_checkpoint_is_rejected(tmp_path, capsys):
    marker = tmp_path / "pwned"
    pth = tmp_path / "evil.pth"
    torch.save({"weight": torch.zeros(2), "payload": _Evil(marker)}, pth)
    out = tmp_path / "o.ckpt"
    assert main(["weights", "convert", str(pth), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "posix.system" in err or "os.system" in err
    assert "could run code" in err
    assert not marker.exists() and not out.exists()


def test_whole_model_pickle_is_rejected(tmp_path, capsys):
    pth = tmp_path / "model.pth"
    torch.save(nets_torch.vision(), pth)
    assert main(["weights", "convert", str(pth), "-o", str(tmp_path / "o.ckpt")]) == 2
    assert "state_dict()" in capsys.readouterr().err


def _load(path: Path, name: str):
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("code", ["in", "out"])
def test_tied_weights_are_written_once(tmp_path, code, capsys):
    """`self.transformer.wte.weight = self.lm_head.weight`: PyTorch's state dict names the tensor
    twice, MindSpore's network has it once (as lm_head.weight), so strict loading needs one copy.
    The map is derived from either the PyTorch source or the converted one."""
    cases = Path(__file__).resolve().parent.parent / "fixtures" / "convert"
    tmod = _load(cases / "tied_module_dict.in.py", "tied_torch")
    mmod = _load(cases / "tied_module_dict.out.py", "tied_ms")
    torch.manual_seed(0)
    tnet = tmod.TinyGPT().eval()
    sd = tnet.state_dict()
    assert sd["transformer.wte.weight"].data_ptr() == sd["lm_head.weight"].data_ptr()
    pth = tmp_path / "gpt.pth"
    torch.save(sd, pth)
    out = tmp_path / "gpt.ckpt"
    assert main(["weights", "convert", str(pth), "-o", str(out), "--code",
                 str(cases / f"tied_module_dict.{code}.py"), "--root", "TinyGPT"]) == 0
    assert "1 dropped" in capsys.readouterr().out
    net = mmod.TinyGPT()
    net.set_train(False)
    assert ms.load_param_into_net(net, ms.load_checkpoint(str(out)), strict_load=True) == ([], [])
    idx = np.random.default_rng(0).integers(0, 16, (2, 8))
    want = tnet(torch.tensor(idx)).detach().numpy()
    np.testing.assert_allclose(net(ms.Tensor(idx)).asnumpy(), want, rtol=1e-4, atol=1e-5)


def test_a_module_shared_by_several_parents_is_written_once(tmp_path, capsys):
    """One attention module passed to each unit: its tensors appear once per unit in PyTorch's state
    dict; the converted network holds them once, so strict loading needs one copy."""
    cases = Path(__file__).resolve().parent.parent / "fixtures" / "convert"
    tmod = _load(cases / "tied_module_dict.in.py", "shared_torch")
    mmod = _load(cases / "tied_module_dict.out.py", "shared_ms")
    torch.manual_seed(0)
    tnet = tmod.SharedAttentionNet().eval()
    assert "features.stage1.unit3.attention.weight" in tnet.state_dict()
    pth = tmp_path / "shared.pth"
    torch.save(tnet.state_dict(), pth)
    out = tmp_path / "shared.ckpt"
    assert main(["weights", "convert", str(pth), "-o", str(out), "--code",
                 str(cases / "tied_module_dict.in.py"), "--root", "SharedAttentionNet"]) == 0
    assert "4 dropped" in capsys.readouterr().out
    net = mmod.SharedAttentionNet()
    net.set_train(False)
    assert ms.load_param_into_net(net, ms.load_checkpoint(str(out)), strict_load=True) == ([], [])
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_allclose(net(ms.Tensor(x)).asnumpy(), tnet(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("code", ["in", "out"])
def test_a_module_held_by_a_later_child_is_named_through_it(tmp_path, code, capsys):
    """The body given to a child registered after it (performer-pytorch's projection updater):
    MindSpore renames the body's parameters when that later child is assigned, so the checkpoint
    must use `updater.instance.*` and drop `body.*`, or strict loading reports both as wrong."""
    cases = Path(__file__).resolve().parent.parent / "fixtures" / "convert"
    tmod = _load(cases / "tied_module_dict.in.py", "redrawn_torch")
    mmod = _load(cases / "tied_module_dict.out.py", "redrawn_ms")
    torch.manual_seed(0)
    tnet = tmod.RedrawnNet().eval()
    with torch.no_grad():
        tnet.body[1].weight.uniform_(0.5, 1.5)
        tnet.body[1].bias.uniform_(-0.5, 0.5)
    pth = tmp_path / "redrawn.pth"
    torch.save(tnet.state_dict(), pth)
    out = tmp_path / "redrawn.ckpt"
    assert main(["weights", "convert", str(pth), "-o", str(out), "--code",
                 str(cases / f"tied_module_dict.{code}.py"), "--root", "RedrawnNet"]) == 0
    assert "4 dropped" in capsys.readouterr().out
    net = mmod.RedrawnNet()
    net.set_train(False)
    assert "updater.instance.1.gamma" in net.parameters_dict()
    assert ms.load_param_into_net(net, ms.load_checkpoint(str(out)), strict_load=True) == ([], [])
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_allclose(net(ms.Tensor(x)).asnumpy(), tnet(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_a_childs_buffer_kept_by_its_parent_loads_under_the_childs_name(tmp_path, capsys):
    """`self.degrees = linear_1.degrees` (MADE blocks): PyTorch's state dict lists the buffer under the
    child only; the converted parent keeps a plain attribute, so strict loading finds the same names."""
    cases = Path(__file__).resolve().parent.parent / "fixtures" / "convert"
    tmod = _load(cases / "buffer_alias.in.py", "buffer_alias_torch")
    mmod = _load(cases / "buffer_alias.out.py", "buffer_alias_ms")
    tnet = tmod.Block(torch.arange(1, 5)).eval()
    assert "degrees" not in tnet.state_dict() and "layers.1.degrees" in tnet.state_dict()
    pth = tmp_path / "block.pth"
    torch.save(tnet.state_dict(), pth)
    out = tmp_path / "block.ckpt"
    assert main(["weights", "convert", str(pth), "-o", str(out), "--code", str(cases / "buffer_alias.in.py"),
                 "--root", "Block"]) == 0
    net = mmod.Block(ms.ops.arange(1, 5))
    net.set_train(False)
    assert ms.load_param_into_net(net, ms.load_checkpoint(str(out)), strict_load=True) == ([], [])
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(net(ms.Tensor(x)).asnumpy(), tnet(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("code", ["in", "out"])
def test_persistent_buffers_load_as_parameters(tmp_path, code, capsys):
    """A persistent buffer is in PyTorch's state dict; the converted network holds it as a
    Parameter under the same name, so strict loading takes the checkpoint's value (a random
    projection that would otherwise differ) and reports nothing unexpected."""
    cases = Path(__file__).resolve().parent.parent / "fixtures" / "convert"
    tmod = _load(cases / "buffers_and_lists.in.py", "buffers_torch")
    mmod = _load(cases / "buffers_and_lists.out.py", "buffers_ms")
    torch.manual_seed(3)
    tnet = tmod.Prompt().eval()
    assert set(tnet.state_dict()) == {"proj", "mask", "embeds.0.weight", "embeds.1.weight"}
    pth = tmp_path / "prompt.pth"
    torch.save(tnet.state_dict(), pth)
    out = tmp_path / "prompt.ckpt"
    assert main(["weights", "convert", str(pth), "-o", str(out), "--code",
                 str(cases / f"buffers_and_lists.{code}.py"), "--root", "Prompt"]) == 0
    net = mmod.Prompt()
    net.set_train(False)
    assert ms.load_param_into_net(net, ms.load_checkpoint(str(out)), strict_load=True) == ([], [])
    np.testing.assert_array_equal(net.proj.asnumpy(), tnet.proj.numpy())
    points = np.random.default_rng(1).standard_normal((2, 3, 2)).astype(np.float32)
    labels = np.array([[0, 1, -1], [1, 1, 0]])
    want = tnet(torch.tensor(points), torch.tensor(labels))[0].detach().numpy()
    np.testing.assert_allclose(net(ms.Tensor(points), ms.Tensor(labels))[0].asnumpy(), want, rtol=1e-5, atol=1e-6)
