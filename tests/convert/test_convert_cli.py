"""`msdev convert` as a user runs it: outputs, reports, and every kind of bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES

PY = sys.executable


def msdev(*args, cwd=None):
    return subprocess.run([PY, "-m", "msdev", *map(str, args)], capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def project(tmp_path):
    src = tmp_path / "proj"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "model.py").write_text((FIXTURES / "convert" / "layers.in.py").read_text())
    (src / "pkg" / "__init__.py").write_text("")
    (src / "README.txt").write_text("not python\n")
    (src / "broken.py").write_text("def f(:\n")
    return src


def test_directory_mirrors_tree_and_keeps_source(project, tmp_path):
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    out = tmp_path / "out"
    r = msdev("convert", project, "-o", out, "--report", tmp_path / "r.txt")
    assert r.returncode == 1, r.stderr  # broken.py failed: said so, and not a success
    assert (out / "pkg" / "model.py").read_text().count("mindspore") > 0
    assert (out / "README.txt").read_text() == "not python\n"
    assert (out / "broken.py").read_text() == "def f(:\n"  # copied unchanged, reported
    assert "broken.py" in r.stderr and "syntax error" in r.stderr
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before
    report = (tmp_path / "r.txt").read_text()
    assert "[Start Convert] pkg/model.py" in report and "[Convert Over] pkg/model.py" in report
    assert "[Convert] 'torch.nn.Linear' is converted to 'mindspore.nn.Dense'." in report


def test_json_report(project, tmp_path):
    r = msdev("convert", project, "-o", tmp_path / "o", "--report", tmp_path / "r.json", "--report-format", "json")
    assert r.returncode == 1, r.stderr  # broken.py
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["schema_version"] == 1
    s = data["summary"]
    assert s["files"] == 3 and s["uses"] == s["converted"] + s["unconverted"] and s["errors"] == 1
    model = next(f for f in data["files"] if f["path"] == "pkg/model.py")
    assert any(c["torch_api"] == "torch.nn.Conv2d" for c in model["converted"])


def test_single_file_to_py_and_to_dir(tmp_path):
    src = FIXTURES / "convert" / "layers.in.py"
    r = msdev("convert", src, "-o", tmp_path / "x.py")
    assert r.returncode == 0 and (tmp_path / "x.py").exists()
    r = msdev("convert", src, "-o", tmp_path / "d")
    assert r.returncode == 0 and (tmp_path / "d" / "layers.in.py").exists()


@pytest.mark.parametrize("case", ["missing", "inside", "same", "nonempty"])
def test_bad_destinations_write_nothing(case, project, tmp_path):
    out = {"missing": tmp_path / "out", "inside": project / "sub", "same": project,
           "nonempty": tmp_path / "full"}[case]
    src = tmp_path / "nope" if case == "missing" else project
    if case == "nonempty":
        out.mkdir()
        (out / "keep.txt").write_text("mine")
    r = msdev("convert", src, "-o", out)
    assert r.returncode == 2
    assert r.stderr.startswith("msdev: error:") and "Traceback" not in r.stderr
    if case == "nonempty":
        assert [p.name for p in out.iterdir()] == ["keep.txt"]
    if case in ("inside",):
        assert not out.exists()


def test_unwritable_output_is_refused(project, tmp_path):
    """A path through a regular file cannot be created, even by root (who ignores permissions)."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = msdev("convert", project, "-o", blocker / "out")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_force_overwrites(project, tmp_path):
    out = tmp_path / "o"
    assert msdev("convert", project, "-o", out).returncode == 1  # broken.py fails
    assert msdev("convert", project, "-o", out).returncode == 2
    assert msdev("convert", project, "-o", out, "--force").returncode == 1


def test_report_columns_are_one_based_and_removed_apis_say_so(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("import torch\nimport torch.nn as nn\n\n\n@torch.jit.ignore\ndef helper(x):\n"
                   "    return x\n\n\nlayer = nn.Linear(2, 3)\n")
    r = msdev("convert", src, "-o", tmp_path / "out.py", "--report", tmp_path / "r.txt")
    assert r.returncode == 0, r.stderr
    report = (tmp_path / "r.txt").read_text()
    # `nn.Linear` starts in column 9 (1-based), as `msdev scan` and editors count
    assert "line 10:9: [Convert] 'torch.nn.Linear' is converted to 'mindspore.nn.Dense'." in report
    assert "'torch.jit.ignore' is removed" in report and "to 'None'" not in report
    # --report ending in .json: the JSON layout without --report-format (0-based columns, as scan's JSON)
    r = msdev("convert", src, "-o", tmp_path / "out2.py", "--report", tmp_path / "r.json")
    assert r.returncode == 0, r.stderr
    linear = next(c for f in json.loads((tmp_path / "r.json").read_text())["files"] for c in f["converted"]
                  if c["torch_api"] == "torch.nn.Linear")
    assert (linear["line"], linear["column"]) == (10, 8)


def test_load_state_dict_result_read_as_attributes_is_not_silently_broken(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("import torch\nimport torch.nn as nn\n\nnet = nn.Linear(2, 2)\n"
                   "ret = net.load_state_dict(torch.load('w.pth'), strict=False)\nprint(ret.missing_keys)\n"
                   "missing, unexpected = net.load_state_dict(torch.load('w.pth'), strict=False)\n")
    r = msdev("convert", src, "-o", tmp_path / "out.py")
    assert r.returncode == 0, r.stderr
    out = (tmp_path / "out.py").read_text()
    assert "ret = mindspore.load_param_into_net" not in out  # would return a tuple: ret.missing_keys fails
    assert "[UnConvert] torch.nn.Module.load_state_dict: `ret.missing_keys` is read" in out
    assert "use ret[0] / ret[1]" in r.stdout
    # unpacking works the same on both sides: (missing, unexpected) = (params not loaded, ckpt entries not used)
    # the file is the one save_checkpoint writes for that name (it adds .ckpt)
    assert "missing, unexpected = mindspore.load_param_into_net(net, (lambda p: " in out
    assert "(p if p.endswith('.ckpt') else p + '.ckpt'))(str('w.pth')), strict_load=False)" in out
    assert "mindspore.load_checkpoint(c) if os.path.getsize(c) else {}" in out  # an empty file: nothing to load


def test_a_conversion_that_does_not_parse_fails_and_keeps_the_original(project, tmp_path, monkeypatch, db):
    # the converter must never hand over invalid Python as a success, whatever rewrite went wrong
    import msdev.convert_tree as convert_tree
    from msdev.convert_tree import convert_paths

    real = convert_tree.convert_text

    def breaks_the_output(*args, **kwargs):
        conv = real(*args, **kwargs)
        conv.text = conv.text.replace("def ", "def (", 1)
        return conv

    monkeypatch.setattr(convert_tree, "convert_text", breaks_the_output)
    out = tmp_path / "out"
    summary = convert_paths(project, out, db, jobs=1)
    failed = {f.rel_path: f.error for f in summary.failed}
    assert "does not parse (line" in failed["pkg/model.py"] and "copied unchanged" in failed["pkg/model.py"]
    assert (out / "pkg" / "model.py").read_text() == (project / "pkg" / "model.py").read_text()
    assert not summary.complete
