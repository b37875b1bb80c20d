"""`msdev verify --grad --train-steps --train-mode` and the refusal of trivial agreements (small nets, seconds)."""

import json
import os
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.frameworks
torch = pytest.importorskip("torch")
mindspore = pytest.importorskip("mindspore")

from msdev.cli.main import main  # noqa: E402
from tests.verify.weights import randomise_batchnorm  # noqa: E402

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "weights"
VISION = ["--torch", "nets_torch:vision", "--mindspore", "nets_ms:vision", "--path", str(FIX), "--input", "4,3,8,8"]

# A PyTorch/MindSpore pair whose eval outputs agree while gradients or train mode do not.
PAIR_TORCH = '''
import torch
from torch import nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin1 = nn.Linear(6, 8)
        self.bn = nn.BatchNorm1d(8)
        self.lin2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.lin2(torch.relu(self.bn(self.lin1(x))))

class RandomNet(Net):
    def forward(self, x):
        return F.dropout(super().forward(x), 0.5, training=self.training)

def net():
    return Net()

def random_net():
    return RandomNet()
'''
PAIR_MS = '''
from mindspore import nn, ops

class Net(nn.Cell):
    def __init__(self, stop=False, frozen_bn=False):
        super().__init__()
        self.lin1 = nn.Dense(6, 8)
        self.bn = nn.BatchNorm1d(8, momentum=0.9, use_batch_statistics=False if frozen_bn else None)
        self.lin2 = nn.Dense(8, 3)
        self.stop = stop

    def construct(self, x):
        h = self.lin1(x)
        if self.stop:
            h = ops.stop_gradient(h)  # the bug --grad must see: no gradient reaches lin1
        return self.lin2(ops.relu(self.bn(h)))

def net():
    return Net()

def stopped():
    return Net(stop=True)

def frozen_bn():
    return Net(frozen_bn=True)
'''


@pytest.fixture()
def pair_dir(tmp_path):
    (tmp_path / "pair_torch.py").write_text(textwrap.dedent(PAIR_TORCH))
    (tmp_path / "pair_ms.py").write_text(textwrap.dedent(PAIR_MS))
    yield tmp_path
    for name in ("pair_torch", "pair_ms"):
        sys.modules.pop(name, None)


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def _randomised_vision(tmp_path) -> Path:
    """The vision net with random BatchNorm statistics and affine parameters (stock ones hide swaps)."""
    sys.path.insert(0, str(FIX))
    import nets_torch
    torch.manual_seed(0)
    net = nets_torch.vision()
    randomise_batchnorm(net)
    pth = tmp_path / "w.pth"
    torch.save(net.state_dict(), pth)
    return pth


def test_grad_and_steps_agree_on_a_correct_pair(tmp_path, capsys):
    pth = _randomised_vision(tmp_path)
    assert main(["verify", *VISION, "--torch-weights", str(pth), "--grad", "--train-steps", "3",
                 "--optimizer", "sgd:lr=0.01,momentum=0.9", "--json"]) == 0
    report = _json(capsys)
    tr = report["training"]
    assert report["passed"] and tr["agree"] and report["trivial"] == []
    assert tr["gradients"]["compared"] == 20 and tr["gradients"]["diverging"] == 0
    assert tr["input_gradients"][0]["cosine"] > 0.9999
    assert [s["step"] for s in tr["steps"]] == [1, 2, 3] and all(s["agree"] for s in tr["steps"])
    # the steps really moved the weights: the losses differ from step to step
    assert len({round(s["torch_loss"], 4) for s in tr["steps"]}) == 3
    assert tr["final_weights"]["agree"] and report["tolerance"]["rtol"] == 5e-4


def test_swapped_gamma_and_beta_in_the_checkpoint_name_the_parameter(tmp_path, capsys):
    pth = _randomised_vision(tmp_path)
    good = tmp_path / "good.ckpt"
    assert main(["weights", "convert", str(pth), "-o", str(good), "--code", str(FIX / "nets_ms.py")]) == 0
    params = mindspore.load_checkpoint(str(good))
    gamma, beta = params["bn2.gamma"].asnumpy(), params["bn2.beta"].asnumpy()
    params["bn2.gamma"], params["bn2.beta"] = (mindspore.Parameter(mindspore.Tensor(beta), name="bn2.gamma"),
                                               mindspore.Parameter(mindspore.Tensor(gamma), name="bn2.beta"))
    swapped = tmp_path / "swapped.ckpt"
    mindspore.save_checkpoint([{"name": k, "data": v} for k, v in params.items()], str(swapped))
    capsys.readouterr()
    base = ["verify", *VISION, "--torch-weights", str(pth), "--grad", "--train-steps", "2"]
    assert main(base + ["--weights", str(good), "--json"]) == 0
    capsys.readouterr()
    assert main(base + ["--weights", str(swapped), "--json"]) == 1
    tr = _json(capsys)["training"]
    assert tr["initial_weights"]["first_diverging"] == "bn2.weight"
    assert {p["torch"] for p in tr["initial_weights"]["parameters"] if not p["agree"]} == {"bn2.weight", "bn2.bias"}
    assert not tr["gradients"]["agree"] and not tr["final_weights"]["agree"]


def test_gradient_bug_invisible_in_eval_is_caught(pair_dir, capsys):
    args = ["verify", "--torch", "pair_torch:net", "--mindspore", "pair_ms:stopped", "--path", str(pair_dir),
            "--input", "5,6"]
    assert main(args + ["--json"]) == 0  # eval outputs agree: stop_gradient changes no value
    capsys.readouterr()
    assert main(args + ["--grad"]) == 1
    out = capsys.readouterr().out
    assert "first diverging parameter: lin1.weight" in out and "FAIL" in out
    assert main(args + ["--grad", "--json"]) == 1
    grads = _json(capsys)["training"]["gradients"]
    assert grads["first_diverging"] == "lin1.weight"
    assert grads["diverging"] == 1  # lin2 and bn, nearer the output, still agree; lin1.bias feeds a
    # train-mode BatchNorm, so its exact gradient is zero on both sides
    assert {p["torch"] for p in grads["parameters"] if p["agree"]} == {"lin1.bias", "bn.weight", "bn.bias",
                                                                      "lin2.weight", "lin2.bias"}


def test_train_mode_batchnorm_is_compared(pair_dir, capsys):
    args = ["verify", "--torch", "pair_torch:net", "--mindspore", "pair_ms:frozen_bn", "--path", str(pair_dir),
            "--input", "5,6", "--json"]
    assert main(args) == 0  # eval mode: running statistics on both sides
    capsys.readouterr()
    assert main(args + ["--train-mode"]) == 1
    report = _json(capsys)
    assert report["agree"] and not report["training"]["train_mode_outputs"][0]["allclose"]
    assert main(["verify", "--torch", "pair_torch:net", "--mindspore", "pair_ms:net", "--path", str(pair_dir),
                 "--input", "5,6", "--train-mode", "--json"]) == 0


def test_trivial_agreement_fails_unless_allowed(tmp_path, capsys):
    sys.path.insert(0, str(FIX))
    import nets_torch
    net = nets_torch.vision()
    with torch.no_grad():
        net.fc.weight.zero_()  # the features reaching the head are constant: output = norm → head bias
    pth = tmp_path / "flat.pth"
    torch.save(net.state_dict(), pth)
    args = ["verify", *VISION, "--torch-weights", str(pth)]
    assert main(args + ["--json"]) == 1
    report = _json(capsys)
    assert report["agree"] and not report["passed"]
    assert any("same for every sample" in r or "bias" in r for r in report["trivial"])
    assert main(args + ["--allow-trivial"]) == 0
    assert "proves nothing" in capsys.readouterr().out
    with torch.no_grad():
        net.head.weight.zero_()
    torch.save(net.state_dict(), pth)
    assert main(args + ["--json"]) == 1
    assert any("equals the bias of head" in r for r in _json(capsys)["trivial"])


def test_usage_errors_of_the_training_options(pair_dir, capsys):
    base = ["verify", "--torch", "pair_torch:net", "--mindspore", "pair_ms:net", "--path", str(pair_dir),
            "--input", "5,6"]
    assert main(base + ["--train-steps", "2", "--optimizer", "lbfgs"]) == 2
    assert "unknown optimizer" in capsys.readouterr().err
    assert main(base + ["--train-steps", "2", "--optimizer", "sgd:lr"]) == 2
    assert "key=value" in capsys.readouterr().err
    assert main(["verify", "--torch", "pair_torch:random_net", "--mindspore", "pair_ms:net", "--path", str(pair_dir),
                 "--input", "5,6", "--grad"]) == 2
    assert "functional dropout" in capsys.readouterr().err


def test_tolerances_are_documented_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "fp32 5e-4" in text and "fp16 5e-3" in text and "bf16 5e-2" in text
    from msdev.verify.tolerances import DEFAULTS, resolve
    assert resolve("float16", None, None, None).rtol == DEFAULTS["float16"][0] == 5e-3
    assert resolve("bfloat16", 1e-3, None, None).atol == 5e-2


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop"])
def test_eager_optimizer_steps_match_the_compiled_ones(name):
    """--train-steps runs MindSpore's optimizer with its @jit update made eager (compiling it over
    hundreds of parameters took minutes): the weights after 3 steps are those of the compiled update."""
    from mindspore import nn

    from msdev.verify.optimizers import OptimizerSpec
    from msdev.verify.training import eager_optimizer

    def train(eager: bool) -> list[np.ndarray]:
        net = nn.SequentialCell(nn.Dense(4, 5), nn.ReLU(), nn.Dense(5, 2))
        for i, p in enumerate(net.trainable_params()):
            p.set_data(mindspore.Tensor(np.random.RandomState(i).randn(*p.shape).astype(np.float32)))
        opt = OptimizerSpec.parse(f"{name}:lr=0.05").build_mindspore(net.trainable_params())
        x = mindspore.Tensor(np.random.RandomState(9).randn(3, 4).astype(np.float32))
        step = mindspore.value_and_grad(lambda x: (net(x) ** 2).sum(), None, net.trainable_params())
        for _ in range(3):
            _, grads = step(x)
            if eager:
                with eager_optimizer():
                    opt(grads)
            else:
                opt(grads)
        return [p.asnumpy().copy() for p in net.trainable_params()]

    start = [np.random.RandomState(i).randn(*s).astype(np.float32) for i, s in enumerate([(5, 4), (5,), (2, 5), (2,)])]
    compiled, eager = train(False), train(True)
    assert "MS_JIT" not in os.environ  # restored after each step
    for a, b, s in zip(compiled, eager, start):
        assert not np.allclose(a, s)  # the steps moved the weights
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-6)  # fused vs one-by-one kernels: last bits


def test_onednn_isa_cap_keeps_the_users_choice():
    from msdev.cpu_kernels import ISA_VARIABLE, cap_onednn_isa

    env: dict[str, str] = {}
    assert cap_onednn_isa(env) and env[ISA_VARIABLE] == "AVX2"
    chosen = {ISA_VARIABLE: "AVX512_CORE"}
    assert not cap_onednn_isa(chosen) and chosen[ISA_VARIABLE] == "AVX512_CORE"
    assert not cap_onednn_isa({"DNNL_MAX_CPU_ISA": "SSE41"})
