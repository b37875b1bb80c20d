"""`msdev db show/search/stats`: aliases, two-way search, counts, and their outputs."""

from __future__ import annotations

import re

import json

import pytest

from msdev.cli import db_cmd
from msdev.cli.main import build_parser, main
from tests.conftest import FIXTURES, ROOT

DB = ["--db", str(ROOT / "mapping_db")]


def run(argv, capsys) -> tuple[int, str, str]:
    code = main(["db", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("alias, full", [
    ("nn.Conv2d", "torch.nn.Conv2d"),
    ("F.relu", "torch.nn.functional.relu"),
    ("Tensor.view", "torch.Tensor.view"),
    ("optim.Adam", "torch.optim.Adam"),
    ("cat", "torch.cat"),
    ("torch.nn.Linear", "torch.nn.Linear"),
])
def test_show_resolves_aliases(alias, full, capsys):
    code, out, _ = run(["show", alias, "--json", *DB], capsys)
    assert code == 0
    assert json.loads(out)["api"] == full


def test_show_plain_text(capsys):
    code, out, _ = run(["show", "nn.Linear", *DB], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "torch.nn.Linear  (class, returns module)"
    assert "portable: mindspore.nn.Dense [arg-diff] source=curated" in out
    assert "  arg in_features -> in_channels: renamed to in_channels" in out
    assert "  arg bias -> has_bias: renamed to has_bias" in out
    assert "ascend: mindspore.mint.nn.Linear" in out
    assert "note: https://www.mindspore.cn/" in out
    assert "backends: CPU" in out
    # the shipped database carries `msdev db verify` records (mapping_db/verified/)
    assert re.fullmatch(r"verified: portable/CPU: (pass|fail) \(MindSpore 2\.10\.\d+\)", lines[-1]), lines[-1]


def test_show_rich_on_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(db_cmd, "_is_tty", lambda: True)
    code, out, _ = run(["show", "nn.Conv2d", *DB], capsys)
    assert code == 0
    assert "PyTorch" in out and "MindSpore" in out and "difference" in out  # the arg table header
    assert "pad_mode='pad'" in out and "has_bias" in out


def test_show_unknown_api(capsys):
    code, _, err = run(["show", "nn.Conv2", *DB], capsys)
    assert code == 2
    assert "no mapping entry for 'nn.Conv2'" in err and "torch.nn.Conv2d" in err
    code, _, err = run(["show", "F.rellu", *DB], capsys)
    assert code == 2 and "torch.nn.functional.relu" in err


def test_search_torch_fragment(capsys):
    code, out, _ = run(["search", "conv2d", *DB], capsys)
    assert code == 0
    apis = [line.split("\t")[0] for line in out.splitlines()]
    assert "torch.nn.Conv2d" in apis and "torch.nn.functional.conv2d" in apis
    assert all(a.startswith(("torch", "torchvision", "torchaudio", "torchtext")) for a in apis)


def test_search_by_mindspore_name(capsys):
    code, out, _ = run(["search", "mindspore.nn.Dense", "--json", *DB], capsys)
    assert code == 0
    rows = json.loads(out)
    linear = next(r for r in rows if r["api"] == "torch.nn.Linear")
    assert linear["matched"] == "mindspore" and linear["portable"] == "mindspore.nn.Dense"
    assert {"api", "status", "portable", "ascend", "ascend_status", "matched"} <= set(linear)


def test_search_no_match_and_empty(capsys):
    code, out, _ = run(["search", "zzzznotanapi", *DB], capsys)
    assert code == 1 and "no entry matches" in out
    code, _, err = run(["search", "  ", *DB], capsys)
    assert code == 2 and "empty" in err


def test_search_rich_table(capsys, monkeypatch):
    monkeypatch.setattr(db_cmd, "_is_tty", lambda: True)
    code, out, _ = run(["search", "Dropout", *DB], capsys)
    assert code == 0 and "torch.nn.Dropout" in out and "match(es)" in out


def test_stats_json(capsys):
    code, out, _ = run(["stats", "--json", "--reference", str(FIXTURES / "db" / "official_apis.tsv"), *DB], capsys)
    assert code == 0
    data = json.loads(out)
    for key in ("entries", "by_status", "by_namespace", "with_arg_map", "official_apis_covered",
                "by_profile_target_namespace", "curated"):
        assert key in data
    assert data["official_apis_total"] == 928 and data["official_apis_covered"] == 928
    assert data["official_apis_missing"] == []
    assert sum(data["by_status"].values()) == data["entries"]
    assert sum(data["by_namespace"].values()) == data["entries"]
    assert data["curated"] >= 200 and 0 < data["with_arg_map"] <= data["curated"]
    assert set(data["by_profile_target_namespace"]) == {"portable", "ascend"}
    assert data["by_profile_target_namespace"]["portable"]["mindspore.nn"] > 50


def test_stats_coverage_against_torch_listings(capsys):
    code, out, _ = run(["stats", "--json", *DB], capsys)
    data = json.loads(out)
    assert code == 0
    cov = data["coverage_by_namespace"]
    for ns in ("torch", "torch.Tensor", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.nn.utils",
               "torch.linalg", "torch.fft", "torch.special", "torch.signal.windows", "torch.distributions",
               "torch.optim", "torch.optim.lr_scheduler", "torch.autograd", "torch.sparse",
               "torch.utils.data", "torch.amp", "torch.backends"):
        assert 0 < cov[ns]["public_apis"] and 0 <= cov[ns]["entries"] <= cov[ns]["public_apis"], ns
    assert cov["torch.nn"]["entries"] > 100 and cov["torch"]["public_apis"] > 600
    # every counted entry is a real entry of that namespace
    from msdev.db.loader import load_database
    db = load_database(ROOT / "mapping_db", use_cache=False)
    assert cov["torch.nn"]["entries"] == sum(1 for n in db.namespace_apis["torch.nn"] if f"torch.nn.{n}" in db.entries)
    assert data["torch_apis"] <= data["entries"]
    by = data["by_status"]
    assert data["manual_or_unsupported"] == by.get("manual", 0) + by.get("unsupported", 0)
    assert data["manual_or_unsupported_share"] == pytest.approx(data["manual_or_unsupported"] / data["entries"], abs=1e-4)


def test_stats_coverage_of_a_small_database(tmp_path, capsys):
    (tmp_path / "torch.yaml").write_text(
        "- api: torch.abs\n  kind: function\n  summary: same function.\n  targets:\n"
        "    portable: {api: mindspore.ops.abs, status: identical}\n"
        "- api: torch.pi\n  kind: attribute\n  summary: a constant.\n  targets:\n"
        "    portable: {api: null, status: manual, reason: x}\n")
    (tmp_path / "_torch_names.yaml").write_text("namespace_apis:\n  torch: [abs, pi, sin, cos]\n  torch.fft: [fft]\n")
    code, out, _ = run(["stats", "--json", "--db", str(tmp_path)], capsys)
    data = json.loads(out)
    assert code == 0 and data["torch_apis"] == 2
    assert data["coverage_by_namespace"]["torch"] == {"entries": 2, "public_apis": 4, "share": 0.5}
    assert data["coverage_by_namespace"]["torch.fft"]["entries"] == 0
    assert data["manual_or_unsupported_share"] == 0.5
    code, out, _ = run(["stats", "--db", str(tmp_path)], capsys)
    assert "manual or unsupported: 1 (50.0%)" in out and "torch 2/4" in out


def test_stats_text(capsys):
    code, out, _ = run(["stats", "--reference", str(FIXTURES / "db" / "official_apis.tsv"), *DB], capsys)
    assert code == 0
    assert "official APIs covered: 928/928" in out and out.startswith("entries: ")


def test_db_help_lists_subcommands(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["db", "--help"])
    out = capsys.readouterr().out
    for name, _ in db_cmd.DB_SUBCOMMANDS:
        assert name in out
    assert main(["db"]) == 2
