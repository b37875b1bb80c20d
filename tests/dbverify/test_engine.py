"""The verifier's parts that need neither torch nor mindspore: comparison, examples, records, CLI."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from msdev.cli.main import main
from msdev.db.loader import load_database
from msdev.db.verification import verification_state
from msdev.dbverify.compare import compare
from msdev.dbverify.examples import prepare, torch_program, validate_example
from msdev.dbverify.records import regressions, summarize, write_records

FIXTURE_DB = Path(__file__).resolve().parents[1] / "fixtures" / "dbverify" / "db"


@pytest.fixture
def db_copy(tmp_path):
    dst = tmp_path / "db"
    shutil.copytree(FIXTURE_DB, dst)
    return dst


def test_compare_catches_each_kind_of_difference():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert compare(a, a.copy()) is None
    assert compare(a, a + 1e-7) is None
    assert compare(a, a.reshape(3, 2))[0] == "wrong-shape"
    assert compare(a, a.astype(np.int64))[0] == "wrong-dtype"
    assert compare(a, a * 1.01)[0] == "wrong-value"
    assert compare(a, a * 1.01, rtol=0.05) is None  # per-entry tolerance
    assert compare(a, a * 5, mode="shape") is None
    assert compare([a, a], [a])[0] == "wrong-structure"
    assert compare([a, a], a)[0] == "wrong-type"
    assert compare(3, 4)[0] == "wrong-value"
    assert compare("float32", "float32") is None
    assert compare(a, "<object>", mode="runs") is None
    rng = np.random.default_rng(0)
    draws_a, draws_b = rng.normal(0, 1, 4000), rng.normal(0, 1, 4000)
    assert compare(draws_a, draws_b, mode="distribution") is None
    assert compare(draws_a, draws_b + 3, mode="distribution")[0] == "wrong-distribution"


def test_validate_example_names_problems():
    assert validate_example({"inputs": {"x": {"shape": [2]}}, "code": "out = torch.abs(x)"}) == []
    problems = validate_example({"inputs": {"x": {"dtype": "float8"}}, "compare": "eyeball", "inplace": ["y"],
                                 "colour": 1})
    text = "; ".join(problems)
    for part in ("unknown field 'colour'", "code must be", "compare must be", "needs a shape",
                 "dtype must be", "inplace names 'y'"):
        assert part in text


def test_mindspore_side_is_msdev_conversion_of_the_pytorch_example(db_copy):
    db = load_database(db_copy, use_cache=False)
    entry = db.get("torch.sum")
    assert torch_program(entry.example) == (
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
        "def example(x: torch.Tensor):\n    __msdev_sync__(locals())\n"
        "    out = torch.sum(x, dim=1, keepdim=True)\n    return out\n")
    p = prepare(db, entry)
    assert p.status == "ready"
    assert p.ms_src == ("import mindspore\nimport mindspore.ops as F\n\n\n"
                        "def example(x: mindspore.Tensor):\n    __msdev_sync__(locals())\n"
                        "    out = F.sum(x, dim=1, keepdim=True)\n    return out\n")
    assert prepare(db, db.get("torch.cos")).reason == "no example"


def test_records_round_trip_into_entries_and_phrases(db_copy):
    results = [{"api": "torch.abs", "profile": "portable", "backend": "CPU", "status": "pass", "reason": ""},
               {"api": "torch.neg", "profile": "portable", "backend": "CPU", "status": "fail",
                "reason": "wrong-value: out: max abs diff 1.7"},
               {"api": "torch.cos", "profile": "portable", "backend": "CPU", "status": "not_run",
                "reason": "no example"}]
    assert summarize(results, 7, 5) == {"entries_with_target": 7, "examples": 5, "pass": 1,
                                        "fail": {"wrong-value": 1}, "not_run": 1}
    before = load_database(db_copy, use_cache=False)
    assert [r["api"] for r in regressions(before, results, "portable", "CPU")] == ["torch.neg"]
    path = write_records(db_copy, "portable", "CPU", results, {"mindspore": "2.10.0", "torch": "2.13.0"},
                         date="2026-12-01")
    doc = yaml.safe_load(path.read_text())
    assert doc["results"]["torch.neg"] == {"result": "fail", "reason": "wrong-value: out: max abs diff 1.7"}
    assert doc["results"]["torch.cos"] == {"result": "not-run", "reason": "no example"}
    db = load_database(db_copy, use_cache=False)
    assert verification_state(db.get("torch.abs")) == ("verified", "verified on MindSpore 2.10 CPU")
    assert verification_state(db.get("torch.neg")) == ("fails", "fails on CPU: wrong-value: out: max abs diff 1.7")
    assert verification_state(db.get("torch.cos")) == ("not-verified", "not verified")
    assert verification_state(db.get("torch.ravel")) == ("not-verified", "not verified")


def test_db_check_validates_examples_and_records(db_copy, capsys):
    (db_copy / "examples" / "bad.yaml").write_text("torch.nope:\n  code: out = 1\ntorch.abs:\n  compare: eyeball\n")
    (db_copy / "verified" / "portable-CPU.yaml").write_text("results:\n  torch.abs: {result: maybe}\n")
    assert main(["db", "check", "--db", str(db_copy)]) == 1
    out = capsys.readouterr().out
    assert "bad.yaml:1: example for 'torch.nope', which has no entry" in out
    assert "torch.abs: example: compare must be one of" in out
    assert "portable-CPU.yaml:2: torch.abs: result must be one of pass, fail, not-run" in out


def test_without_frameworks_says_what_to_install(monkeypatch, capsys, db_copy):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("torch", "mindspore") else real(name, *a))
    assert main(["db", "verify", "--db", str(db_copy)]) == 2
    err = capsys.readouterr().err
    assert "pip install 'msdev-migrate[verify]'" in err and "torch, mindspore not installed" in err
    assert "Traceback" not in err


def test_unknown_api_and_bad_jobs_are_user_errors(capsys, db_copy):
    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("mindspore") is None:
        pytest.skip("the frameworks check comes first without the verify extra")
    assert main(["db", "verify", "--db", str(db_copy), "torch.nothing"]) == 2
    assert "no mapping entry for 'torch.nothing'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:  # the same --jobs check as scan and convert
        main(["db", "verify", "--db", str(db_copy), "--jobs", "0"])
    assert usage.value.code == 2 and "--jobs must be at least 1" in capsys.readouterr().err


_TRAIN_STEP = {
    "inputs": {"x": {"shape": [8, 4]}, "y": {"shape": [8, 2]}},
    "setup": "model = nn.Linear(4, 2)\nopt = torch.optim.SGD(model.parameters(), lr=0.5)\nloss_fn = nn.MSELoss()\n",
    "code": ("opt.zero_grad()\nloss = loss_fn(model(x), y)\nloss.backward()\n"
             "torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.05)\nopt.step()\nout = model(x)\n"),
}


def test_an_api_folded_into_a_training_step_rewrite_is_still_verified(db):
    """clip_grad_value_ in a training step has no outcome of its own (train_step absorbs it), yet the
    converted program exercises it, so the example runs; an example without the API still does not."""
    import dataclasses

    entry = dataclasses.replace(db.get("torch.nn.utils.clip_grad_value_"), example=_TRAIN_STEP)
    p = prepare(db, entry)
    assert p.status == "ready", p.reason
    assert "clamp(g, -0.05, 0.05)" in p.ms_src and "value_and_grad" in p.ms_src
    without = dict(_TRAIN_STEP, code=_TRAIN_STEP["code"].replace(
        "torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.05)\n", ""))
    p = prepare(db, dataclasses.replace(entry, example=without))
    assert p.status == "not_run" and "sees no use" in p.reason
