"""`msdev verify` on hand-written PyTorch/MindSpore pairs: agreement, and localising a wrong map."""

import json
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.frameworks
torch = pytest.importorskip("torch")
pytest.importorskip("mindspore")

from msdev.cli.main import main  # noqa: E402
from tests.verify.weights import randomise_batchnorm  # noqa: E402

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "weights"
INPUTS = {"vision": ["2,3,8,8"], "seq": ["2,6:int64:11"], "volume": ["1,2,4,4,4"]}


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_pairs_agree_through_the_live_map(name, capsys):
    args = ["verify", "--torch", f"nets_torch:{name}", "--mindspore", f"nets_ms:{name}", "--path", str(FIX), "--json"]
    for shape in INPUTS[name]:
        args += ["--input", shape]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["agree"] and report["outputs"][0]["cosine"] >= 0.9999
    assert report["missing_parameters"] == [] and report["unexpected_parameters"] == []


def test_usage_errors_exit_2(capsys):
    assert main(["verify", "--torch", "nope", "--mindspore", "nets_ms:vision", "--input", "1,3,8,8"]) == 2
    assert "MODULE:FACTORY" in capsys.readouterr().err
    assert main(["verify", "--torch", "nets_torch:vision", "--mindspore", "nets_ms:vision", "--input", "1,x",
                 "--path", str(FIX)]) == 2
    assert main(["verify", "--torch", "nets_torch:vision", "--mindspore", "nets_ms:vision", "--input", "1,3,8,8",
                 "--path", str(FIX), "--kwargs", "[1]"]) == 2


def test_swapped_batchnorm_map_is_caught_and_localised(tmp_path, capsys):
    sys.path.insert(0, str(FIX))
    import nets_torch
    net = nets_torch.vision()
    randomise_batchnorm(net)
    pth = tmp_path / "w.pth"
    torch.save(net.state_dict(), pth)
    good_map = tmp_path / "map.json"
    assert main(["weights", "map", str(FIX / "nets_ms.py"), "--root", "VisionNet", "--checkpoint", str(pth),
                 "-o", str(good_map)]) == 0
    data = json.loads(good_map.read_text())
    for e in data["entries"]:  # swap bn1 and bn2 (both BatchNorm2d(8))
        if e["mindspore"] and e["mindspore"].startswith(("bn1.", "bn2.")):
            e["mindspore"] = ("bn2." if e["mindspore"].startswith("bn1.") else "bn1.") + e["mindspore"][4:]
    wrong_map = tmp_path / "wrong.json"
    wrong_map.write_text(json.dumps(data))
    good, wrong = tmp_path / "good.ckpt", tmp_path / "wrong.ckpt"
    assert main(["weights", "convert", str(pth), "-o", str(good), "--map", str(good_map)]) == 0
    assert main(["weights", "convert", str(pth), "-o", str(wrong), "--map", str(wrong_map)]) == 0
    capsys.readouterr()
    base = ["verify", "--torch", "nets_torch:vision", "--mindspore", "nets_ms:vision", "--input", "2,3,8,8",
            "--path", str(FIX), "--torch-weights", str(pth)]
    assert main(base + ["--weights", str(good), "--json"]) == 0
    capsys.readouterr()
    assert main(base + ["--weights", str(wrong), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["first_divergence"]["layer"] == "bn1"
    assert report["first_divergence"]["inputs_agreed"] is True
    assert main(base + ["--weights", str(wrong)]) == 1
    assert "first diverging layer: bn1" in capsys.readouterr().out
    # the same wrong map used for an in-memory copy is caught too
    assert main(base[:-2] + ["--map", str(wrong_map), "--torch-weights", str(pth), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["first_divergence"]["layer"] == "bn1"
