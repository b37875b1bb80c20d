"""The verifier on real PyTorch and MindSpore: wrong rewrites are caught, crashes are contained."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("torch")
os.environ.setdefault("GLOG_v", "3")
pytest.importorskip("mindspore")

from msdev.cli.main import main  # noqa: E402
from msdev.dbverify.runner import run_batch  # noqa: E402

pytestmark = pytest.mark.frameworks
FIXTURE_DB = Path(__file__).resolve().parents[1] / "fixtures" / "dbverify" / "db"


def test_deliberately_wrong_rewrites_are_caught(tmp_path, capsys):
    report = tmp_path / "report.json"
    code = main(["db", "verify", "--db", str(FIXTURE_DB), "--jobs", "2", "--report", str(report)])
    assert code == 1  # some example fails
    data = json.loads(report.read_text())
    by_api = {r["api"]: r for r in data["results"]}
    assert set(data) == {"summary", "results"}
    assert set(data["results"][0]) == {"api", "profile", "backend", "status", "reason", "variants"}
    assert by_api["torch.abs"]["status"] == "pass"
    assert by_api["torch.sum"]["status"] == "pass"
    assert by_api["torch.neg"]["reason"].startswith("wrong-value: out: max abs diff")
    assert by_api["torch.ravel"]["reason"] == "wrong-shape: out: shape [6] in PyTorch, [3, 2] in MindSpore"
    assert by_api["torch.exp"]["reason"].startswith("exception: AttributeError")
    # a PIL image through torchvision and mindspore.dataset: the swapped flip is caught pixel by pixel
    assert by_api["torchvision.transforms.RandomHorizontalFlip"]["reason"] == "wrong-value: out: 144 of 144 values differ"
    assert by_api["torch.cos"] == {"api": "torch.cos", "profile": "portable", "backend": "CPU",
                                   "status": "not_run", "reason": "no example",
                                   "variants": {"run": 0, "pass": 0, "refused": 0, "fail": []}}
    summary = dict(data["summary"])
    variants = summary.pop("variants")
    assert summary == {"entries_with_target": 9, "examples": 7, "pass": 3,
                       "fail": {"exception": 1, "wrong-shape": 1, "wrong-value": 2}, "not_run": 2}
    # torch.amax's own example passes; the keepdim it does not write is renamed wrongly, and a variant
    # that writes it catches that
    assert by_api["torch.amax"]["status"] == "pass"
    amax = by_api["torch.amax"]["variants"]
    assert [f["form"] for f in amax["fail"]] == ["keepdim=True"]
    assert amax["fail"][0]["reason"].startswith("exception: TypeError")
    assert amax["run"] >= 3 and amax["pass"] == amax["run"] - 1
    assert by_api["torch.sum"]["variants"]["fail"] == []
    assert variants["run"] == sum(r["variants"]["run"] for r in data["results"])


def test_regressions_fail_ci_and_records_are_written(tmp_path, capsys):
    db = tmp_path / "db"
    shutil.copytree(FIXTURE_DB, db)
    # torch.neg is recorded as passing; its (wrong) rewrite now fails: a regression
    assert main(["db", "verify", "--db", str(db), "--check-regressions", "--no-variants", "torch.abs", "torch.neg"]) == 1
    out = capsys.readouterr().out
    assert "REGRESSION torch.neg: recorded pass, now fail: wrong-value" in out
    assert "torch.abs" not in out.split("REGRESSION", 1)[1]
    assert main(["db", "verify", "--db", str(db), "--record", "--no-variants", "torch.neg"]) == 1
    assert main(["db", "verify", "--db", str(db), "--check-regressions", "--no-variants", "torch.abs", "torch.neg"]) == 0
    assert main(["db", "show", "--db", str(db), "torch.neg"]) == 0
    assert "portable/CPU: fail" in capsys.readouterr().out


def _job(api: str, ms_body: str) -> dict:
    torch_src = f"import torch\n\ndef example(x):\n    __msdev_sync__(locals())\n    out = torch.abs(x)\n    return out\n"
    ms_src = f"import os\nimport mindspore\n\ndef example(x):\n    __msdev_sync__(locals())\n{ms_body}\n    return out\n"
    return {"api": api, "torch_src": torch_src, "ms_src": ms_src,
            "example": {"inputs": {"x": {"shape": [2, 2]}}, "code": "out = torch.abs(x)"}}


def test_a_crashing_example_loses_no_other_result():
    ok = "    out = mindspore.ops.abs(x)"
    jobs = [_job("first", ok), _job("aborts", "    os.abort()\n    out = x"), _job("third", ok),
            _job("hangs", "    import time\n    time.sleep(60)\n    out = x"), _job("last", ok)]
    res = run_batch(jobs, timeout=8)
    assert res["first"] == {"status": "pass", "reason": ""}
    assert res["aborts"]["status"] == "fail" and res["aborts"]["reason"].startswith("crash: the process died (signal")
    assert res["third"] == {"status": "pass", "reason": ""}
    assert res["hangs"] == {"status": "fail", "reason": "timeout: no result after 8 s"}
    assert res["last"] == {"status": "pass", "reason": ""}


def test_shipped_examples_pass_for_a_handful_of_entries(tmp_path):
    report = tmp_path / "r.json"
    apis = ["torch.nn.Conv2d", "torch.nn.BatchNorm2d", "F.relu", "Tensor.view", "torch.sum", "torch.randn",
            "torchvision.transforms.Normalize", "torchvision.transforms.Resize"]
    assert main(["db", "verify", *apis, "--report", str(report)]) == 0
    data = json.loads(report.read_text())
    assert [r["status"] for r in data["results"]] == ["pass"] * len(apis)
