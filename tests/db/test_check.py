"""`msdev db check`: the shipped database passes; every kind of breakage is reported at file:line."""

from __future__ import annotations

import shutil

import pytest

from msdev.cli.main import main
from msdev.db.check import check_database
from tests.conftest import FIXTURES, ROOT, check_golden

DB_FIXTURES = FIXTURES / "db"


def run_check(argv, capsys) -> tuple[int, str, str]:
    code = main(["db", "check", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_shipped_database_passes(capsys):
    code, out, _ = run_check(["--db", str(ROOT / "mapping_db")], capsys)
    assert code == 0, out
    assert out.startswith("OK: ") and "no problems" in out
    assert len(out.splitlines()) == 1


def test_broken_database_golden(capsys, monkeypatch):
    monkeypatch.chdir(DB_FIXTURES)
    code, out, err = run_check(["--db", "broken"], capsys)
    assert code == 1
    assert "problem(s) in broken" in err
    check_golden(DB_FIXTURES / "broken_expected.txt", out)


@pytest.mark.parametrize("needle", [
    "unknown entry field 'sumary'",
    "unknown target field 'apii'",
    "unbatched must be the rank of a batched input",
    "args.bias: unknown field 'rename'",
    "'padding' is not a PyTorch parameter",
    "insert.pad_mod is not a parameter of the target",
    "no portable target",
    "status 'maybe'",
    "is not a mindspore.* dotted name",
    "is not a well-formed https URL",
    "api is null but status is 'identical'",
    "duplicate entry for torch.nn.ReLU",
    "duplicate entry for torch.nn.GELU (first at broken/nn.yaml:",
    "malformed YAML",
])
def test_each_breakage_is_reported(needle, capsys, monkeypatch):
    monkeypatch.chdir(DB_FIXTURES)
    _, out, _ = run_check(["--db", "broken"], capsys)
    assert needle in out


def test_a_single_breakage_in_a_copy_of_the_shipped_db(tmp_path, capsys):
    db = tmp_path / "db"
    shutil.copytree(ROOT / "mapping_db", db)
    nn = db / "nn.yaml"
    lines = nn.read_text(encoding="utf-8").splitlines(keepends=True)
    idx = next(i for i, line in enumerate(lines) if line.startswith("- api: torch.nn.Conv2d"))
    status = next(i for i in range(idx, len(lines)) if lines[i].strip().startswith("status:"))
    lines[status] = lines[status].replace("arg-diff", "argdiff")
    nn.write_text("".join(lines), encoding="utf-8")
    code, out, _ = run_check(["--db", str(db)], capsys)
    assert code == 1
    assert out == f"{nn}:{status + 1}: status 'argdiff' is not one of identical, renamed, arg-diff, " \
                  "default-diff, partial, manual, unsupported\n"


def test_overlays(capsys, monkeypatch):
    code, out, _ = run_check(["--db", str(ROOT / "mapping_db"), str(DB_FIXTURES / "good_overlay")], capsys)
    assert code == 0 and "+ 1 overlay(s)" in out
    monkeypatch.chdir(DB_FIXTURES)
    code, out, _ = run_check(["--db", str(ROOT / "mapping_db"), "bad_overlay"], capsys)
    assert code == 1
    assert out.splitlines() == [
        "bad_overlay/msdev_mappings.yaml:2: torch.nn.ReLU: no targets (a portable target is required)",
        "bad_overlay/msdev_mappings.yaml:4: duplicate entry for torch.nn.ReLU "
        "(first at bad_overlay/msdev_mappings.yaml:2)",
        "bad_overlay/msdev_mappings.yaml:8: unknown top-level field 'version' (an overlay holds `entries:`)",
    ]


def test_overlay_in_cwd_is_picked_up(capsys, monkeypatch):
    monkeypatch.chdir(DB_FIXTURES / "bad_overlay")
    code, out, _ = run_check(["--db", str(ROOT / "mapping_db")], capsys)
    assert code == 1 and "msdev_mappings.yaml:2:" in out


def test_missing_database_is_a_user_error(tmp_path, capsys):
    code, _, err = run_check(["--db", str(tmp_path / "nope")], capsys)
    assert code == 2 and "not a directory" in err
    (tmp_path / "empty").mkdir()
    code, _, err = run_check(["--db", str(tmp_path / "empty")], capsys)
    assert code == 2 and "no *.yaml entry files" in err


def test_check_database_api_counts():
    problems, nfiles, nentries = check_database(ROOT / "mapping_db")
    assert problems == [] and nfiles >= 10 and nentries >= 928


@pytest.mark.parametrize("casts, needle", [
    ("{bool: int33}", "casts.bool: 'int33' is not identity or one of"),
    ("{boolean: int32}", "casts: unknown field 'boolean'"),
    ("{result: input}", "casts names no kind of input"),
    ("{int: float64, result: [input, kept]}", "casts.result: 'kept' is not input, keep or a dtype"),
    ("{0-d: float32}", "casts.0-d: only identity is known"),
])
def test_bad_casts_are_reported(casts, needle, tmp_path, capsys):
    db = tmp_path / "db"
    shutil.copytree(ROOT / "mapping_db", db)
    torch_file = db / "torch.yaml"
    lines = torch_file.read_text(encoding="utf-8").splitlines(keepends=True)
    idx = next(i for i, line in enumerate(lines) if line == "- api: torch.sign\n")
    cast = next(i for i in range(idx, len(lines)) if lines[i].strip().startswith("casts:"))
    lines[cast] = f"      casts: {casts}\n"
    torch_file.write_text("".join(lines), encoding="utf-8")
    code, out, _ = run_check(["--db", str(db)], capsys)
    assert code == 1
    assert f"{torch_file}:{cast + 1}: {needle}" in out


def test_a_method_computes_in_the_dtype_its_function_does(tmp_path, capsys):
    """`x.exp()` and `torch.exp(x)` run one kernel: a float kind the function casts, the method must too."""
    db = tmp_path / "db"
    shutil.copytree(ROOT / "mapping_db", db)
    tensor_file = db / "tensor.yaml"
    lines = tensor_file.read_text(encoding="utf-8").splitlines(keepends=True)
    idx = next(i for i, line in enumerate(lines) if line == "- api: torch.Tensor.exp_\n")
    cast = next(i for i in range(idx, len(lines)) if lines[i].strip().startswith("casts:"))
    del lines[cast]
    tensor_file.write_text("".join(lines), encoding="utf-8")
    code, out, _ = run_check(["--db", str(db)], capsys)
    assert code == 1
    assert f"{tensor_file}:{idx + 1}: torch.Tensor.exp_: casts lacks float32, which torch.exp computes" in out
