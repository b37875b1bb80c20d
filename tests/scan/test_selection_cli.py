"""--select/--ignore, `# msdev: ignore` comments, baselines and [tool.msdev] for scan and convert."""

from __future__ import annotations

import json

import pytest

from msdev.cli.main import main
from msdev.rules.selection import RuleSelection, SelectorError, parse_selectors
from msdev.rules.suppression import suppressions, with_suppression

SOURCE = """import torch
import torch.nn as nn

x = torch.zeros(2)
y = torch.cuda.is_available()  # msdev: ignore
conv = nn.Conv2d(3, 16, 3)  # msdev: ignore[MS2]
z = x.view(2)  # msdev: ignore[MS100]
text = "# msdev: ignore"; w = torch.ones(2)
"""


def _scan(tmp_path, *extra):
    out = tmp_path / "r.json"
    code = main(["scan", str(tmp_path / "src"), "--no-cache", "-q", "-o", str(out), *extra])
    data = json.loads(out.read_text())
    return code, sorted((f["line"], f["rule"], f["torch_api"]) for fr in data["files"] for f in fr["findings"])


@pytest.fixture()
def src(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(SOURCE)
    return tmp_path


def test_comments_silence_their_line_and_rule(src):
    _, found = _scan(src)
    lines = {line for line, _, _ in found}
    assert 5 not in lines and 7 not in lines  # bare ignore; MS100 on the view
    assert (6, "MS103", "torch.nn.Conv2d") in found  # ignore[MS2] does not cover MS103
    assert (8, "MS103", "torch.ones") in found  # the words in a string are no comment


def test_select_and_ignore_by_code_and_prefix(src):
    _, only = _scan(src, "--select", "MS101")
    assert {r for _, r, _ in only} <= {"MS101"}
    _, rest = _scan(src, "--ignore", "MS1")
    assert rest == []
    _, both = _scan(src, "--ignore", "MS1", "--select", "MS103")
    assert both and {r for _, r, _ in both} == {"MS103"}


def test_bad_selector_is_a_usage_error(src, capsys):
    assert main(["scan", str(src / "src"), "--ignore", "XX1"]) == 2
    assert "not a rule code" in capsys.readouterr().err


def test_baseline_reports_only_new_findings_across_line_shifts(src):
    base = src / "base.json"
    assert main(["scan", str(src / "src"), "--no-cache", "-q", "--write-baseline", str(base), "-o",
                 str(src / "all.json")]) == 0
    a = src / "src" / "a.py"
    a.write_text("import os\n\n" + SOURCE + "v = torch.ones(3)\n")
    code, found = _scan(src, "--baseline", str(base), "--fail-on", "any")
    assert found == [(11, "MS103", "torch.ones")] and code == 1


def test_bad_baseline_is_a_usage_error(src, capsys):
    (src / "bad.json").write_text("{}")
    assert main(["scan", str(src / "src"), "--baseline", str(src / "bad.json")]) == 2
    assert "not an msdev baseline" in capsys.readouterr().err


def test_pyproject_table_is_read_and_flags_override(src, capsys):
    (src / "pyproject.toml").write_text('[tool.msdev]\nignore = ["MS103"]\nexclude = ["skipped/"]\n')
    (src / "src" / "skipped").mkdir()
    (src / "src" / "skipped" / "b.py").write_text("import torch\ntorch.ones(1)\n")
    _, found = _scan(src)
    assert all(r != "MS103" for _, r, _ in found)
    _, flagged = _scan(src, "--ignore", "MS100")
    assert any(r == "MS103" for _, r, _ in flagged)  # the flag replaces the file's ignore
    assert all(line != 2 for line, _, _ in flagged)  # skipped/b.py stays excluded
    (src / "pyproject.toml").write_text('[tool.msdev]\nselect = 3\n')
    assert main(["scan", str(src / "src"), "--no-cache", "-q"]) == 2
    assert "must be a list of strings" in capsys.readouterr().err


def test_convert_leaves_ignored_rules_as_they_are(src):
    out = src / "out.py"
    assert main(["convert", str(src / "src" / "a.py"), "-o", str(out), "--ignore", "MS103"]) == 0
    text = out.read_text()
    assert "torch.zeros(2)" in text and "torch.ones(2)" in text
    assert main(["convert", str(src / "src" / "a.py"), "-o", str(out), "--force"]) == 0
    text = out.read_text()
    assert "ops.zeros(2)" in text and "torch.cuda.is_available()" in text  # the ignored line stays


def test_convert_leaves_out_what_the_project_excludes_as_scan_does(src):
    (src / "pyproject.toml").write_text('[tool.msdev]\nexclude = ["skipped/", "*_pb2.py"]\n')
    (src / "src" / "skipped").mkdir()
    (src / "src" / "skipped" / "b.py").write_text("import torch\ntorch.ones(1)\n")
    (src / "src" / "msg_pb2.py").write_text("import torch\n")
    (src / "src" / "c.py").write_text("import torch\n")
    out = src / "out"
    assert main(["convert", str(src / "src"), "-o", str(out), "--exclude", "c.py"]) == 0
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.py"))
    assert written == ["a.py"]  # the table's patterns and the flag's
    _scan(src, "--exclude", "c.py")  # the same files as scan reports
    scanned = json.loads((src / "r.json").read_text())
    assert sorted(fr["path"] for fr in scanned["files"]) == ["a.py"]


def test_selection_rules():
    assert parse_selectors(["ms1,MS204", "MS1"]) == ("MS1", "MS204")
    with pytest.raises(SelectorError):
        parse_selectors(["MS999"])
    s = RuleSelection(("MS2",), ("MS204",))
    assert s.enabled("MS200") and not s.enabled("MS204") and not s.enabled("MS103")
    assert RuleSelection((), ("MS2",)).merged(("MS204",), None).enabled("MS204")


def test_suppression_comment_edits():
    assert with_suppression("x = f()", "MS103") == "x = f()  # msdev: ignore[MS103]"
    assert with_suppression("x = f()  # msdev: ignore[MS100]", "MS103") == "x = f()  # msdev: ignore[MS100, MS103]"
    assert with_suppression("x = f()  # msdev: ignore", "MS103") == "x = f()  # msdev: ignore"
    assert suppressions("a = 1  # msdev: ignore[ms1, MS204]\n") == {1: frozenset({"MS1", "MS204"})}
