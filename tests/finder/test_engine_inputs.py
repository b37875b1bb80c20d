"""Whatever a user points msdev at becomes a clear per-file error, never an exception."""

from __future__ import annotations

from msdev.analysis.engine import analyze_file, analyze_text


def test_missing_file(tmp_path, db):
    assert analyze_file(tmp_path / "nope.py", db).error == "no such file"


def test_syntax_error_names_the_line(tmp_path, db):
    p = tmp_path / "half.py"
    p.write_text("import torch\nx = torch.zeros(\n")
    assert analyze_file(p, db).error.startswith("syntax error at line")


def test_non_utf8_bytes(tmp_path, db):
    p = tmp_path / "latin.py"
    p.write_bytes(b"import torch\nname = '\xe9t\xe9'\n")
    assert "not valid utf-8" in analyze_file(p, db).error


def test_declared_encoding_is_honoured(tmp_path, db):
    p = tmp_path / "latin1.py"
    p.write_bytes(b"# -*- coding: latin-1 -*-\nimport torch\nname = '\xe9t\xe9'\nx = torch.zeros(2)\n")
    result = analyze_file(p, db)
    assert result.error is None and [f.torch_api for f in result.findings] == ["torch.zeros"]


def test_binary_file(tmp_path, db):
    p = tmp_path / "blob.py"
    p.write_bytes(b"\x00\x01\x02torch" * 100)
    assert "binary" in analyze_file(p, db).error


def test_directory_given_as_file(tmp_path, db):
    assert analyze_file(tmp_path, db).error == "is a directory"


def test_five_megabyte_generated_file(tmp_path, db):
    line = "y = torch.cat([x, x], dim=0)\n"
    p = tmp_path / "generated.py"
    p.write_text("import torch\nx = torch.zeros(2)\n" + line * (5 * 1024 * 1024 // len(line)))
    result = analyze_file(p, db)
    assert result.error is None and len(result.findings) > 180_000


def test_deeply_nested_expression(db):
    text = "import torch\nx = " + "(" * 2000 + "torch.zeros(1)" + ")" * 2000 + "\n"
    result = analyze_text(text, db)
    assert result.error is not None or result.findings
