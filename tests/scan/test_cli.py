"""`msdev scan` from the command line: formats, -o, --fail-on exit codes, bad input, the hook."""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest
import yaml

from msdev.scanning.cache import default_cache_dir

from .conftest import run_cli

REPO = Path(__file__).resolve().parents[2]


def no_traceback(proc) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout


def finding_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"^\S+\.py:\d+:\d+: ", line)]


def test_text_to_a_pipe_prints_finding_lines_the_tables_and_a_summary_on_stderr(project):
    proc = run_cli("scan", ".", cwd=project)
    assert proc.returncode == 0, proc.stderr
    lines = finding_lines(proc.stdout)
    assert len(lines) == 15 and lines[0].startswith("pkg/model.py:6:11: RENAMED torch.nn.Module → mindspore.nn.Cell")
    assert "Uses by status" in proc.stdout and "Top APIs that need a manual rewrite" in proc.stdout
    assert f"msdev scan of {project}:" in proc.stdout
    assert "15 PyTorch uses" in proc.stderr and "readiness: 86.7%" in proc.stderr
    assert "\x1b[" not in proc.stdout  # no colour codes, no progress bar when not a terminal


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "html", "csv"])
def test_every_format_writes_to_o(project, tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    proc = run_cli("scan", str(project), "--format", fmt, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert f"{fmt} report written to {out}" in proc.stderr
    data = out.read_text(encoding="utf-8")
    if fmt in ("json", "sarif"):
        json.loads(data)
    assert "torch.cuda.is_available" in data


@pytest.mark.parametrize("level, code", [("never", 0), ("unsupported", 1), ("manual", 1), ("any", 1)])
def test_fail_on_levels(project, level, code):
    proc = run_cli("scan", str(project), "--fail-on", level, "-q")
    assert proc.returncode == code, proc.stderr


def test_fail_on_thresholds_on_a_clean_file(tmp_path):
    (tmp_path / "ok.py").write_text("import torch\nx = torch.zeros(2)\n")
    assert run_cli("scan", str(tmp_path), "--fail-on", "unsupported", "-q").returncode == 0
    assert run_cli("scan", str(tmp_path), "--fail-on", "manual", "-q").returncode == 0
    assert run_cli("scan", str(tmp_path), "--fail-on", "any", "-q").returncode == 1
    (tmp_path / "grad.py").write_text("import torch\nguard = torch.no_grad\n")  # a manual use
    assert run_cli("scan", str(tmp_path), "--fail-on", "unsupported", "-q").returncode == 0
    assert run_cli("scan", str(tmp_path), "--fail-on", "manual", "-q").returncode == 1


def test_nonexistent_path_is_exit_2(tmp_path):
    proc = run_cli("scan", str(tmp_path / "missing"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"msdev: error: no such file or directory: {tmp_path / 'missing'}"
    no_traceback(proc)


def test_output_into_a_missing_folder_is_exit_2_before_scanning(project, tmp_path):
    proc = run_cli("scan", str(project), "-o", str(tmp_path / "no" / "such" / "r.json"), "--format", "json")
    assert proc.returncode == 2
    assert "does not exist" in proc.stderr and proc.stderr.count("\n") == 1
    assert not default_cache_dir(project).exists()  # failed before any work
    no_traceback(proc)


def test_output_over_a_scanned_file_is_refused(project):
    target = project / "pkg" / "model.py"
    before = target.read_text()
    proc = run_cli("scan", str(target), "-o", str(target))
    assert proc.returncode == 2 and "refusing" in proc.stderr
    assert target.read_text() == before


@pytest.mark.parametrize("args", [["--jobs", "0"], ["--jobs", "many"], ["--format", "xml"], ["--fail-on", "sometimes"], []])
def test_usage_errors_are_exit_2(project, args):
    proc = run_cli("scan", *(args + [str(project)] if args else []))
    assert proc.returncode == 2
    no_traceback(proc)


def test_bad_files_are_reported_and_do_not_stop_the_scan(tmp_path):
    (tmp_path / "good.py").write_text("import torch\nx = torch.zeros(1)\n")
    (tmp_path / "syntax.py").write_text("def broken(:\n")
    (tmp_path / "latin1.py").write_bytes(b"a = 1\nb = 2\ns = '\xe9'\n")
    (tmp_path / "binary.py").write_bytes(bytes(range(256)))
    os.symlink("loop.py", tmp_path / "loop.py")
    (tmp_path / "sub").mkdir()
    os.symlink("..", tmp_path / "sub" / "up")
    proc = run_cli("scan", str(tmp_path), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    no_traceback(proc)
    files = {f["path"]: f for f in json.loads(proc.stdout)["files"]}
    assert files["good.py"]["findings"][0]["torch_api"] == "torch.zeros"
    assert files["syntax.py"]["error"].startswith("syntax error at line 1")
    assert files["latin1.py"]["error"].startswith("not valid utf-8 text")
    assert files["binary.py"]["error"].startswith("binary file")
    assert files["loop.py"]["error"].startswith("symlink loop")
    assert files["sub/up"]["error"].startswith("symlink loop")
    assert "5 files could not be analysed" in proc.stderr
    # a gate does not pass silently over files it could not read
    assert run_cli("scan", str(tmp_path), "--fail-on", "unsupported", "-q").returncode == 1


def test_binary_file_named_explicitly(tmp_path):
    blob = tmp_path / "image.png"
    blob.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    proc = run_cli("scan", str(blob), "--format", "csv")
    assert proc.returncode == 0
    assert "binary file" in proc.stdout
    no_traceback(proc)


def test_empty_folder_is_a_clean_run_with_a_warning(tmp_path):
    proc = run_cli("scan", str(tmp_path), "--format", "json")
    assert proc.returncode == 0
    assert "warning: no Python files found" in proc.stderr
    data = json.loads(proc.stdout)
    assert data["files"] == [] and data["summary"]["readiness"] is None


def test_exclude_and_no_ignore(project):
    (project / ".gitignore").write_text("pkg/train.py\n")
    paths = lambda proc: sorted({line.split(":")[0] for line in finding_lines(proc.stdout)})  # noqa: E731
    assert paths(run_cli("scan", ".", cwd=project)) == ["pkg/model.py", "pkg/unicode_names.py"]
    assert paths(run_cli("scan", ".", "--exclude", "model.py", cwd=project)) == ["pkg/unicode_names.py"]
    assert "pkg/train.py" in paths(run_cli("scan", ".", "--no-ignore", cwd=project))


def test_cache_is_used_on_the_second_run(project):
    assert run_cli("scan", ".", "-q", cwd=project).returncode == 0
    assert (default_cache_dir(project) / ".gitignore").is_file()
    assert not (project / ".msdev_cache").exists()
    proc = run_cli("scan", ".", "--format", "json", cwd=project)
    assert json.loads(proc.stdout)["summary"]["uses"] == 15
    assert run_cli("scan", ".", "-q", "--no-cache", cwd=project).returncode == 0


def test_profile_ascend(project):
    proc = run_cli("scan", ".", "--profile", "ascend", "--format", "json", cwd=project)
    cat = [f for fr in json.loads(proc.stdout)["files"] for f in fr["findings"] if f["torch_api"] == "torch.cat"]
    assert cat[0]["mindspore_api"] == "mindspore.mint.cat"


def test_terminal_summary_with_rich(project):
    """Under a pseudo-terminal: the rich summary with readiness and the top unsupported APIs."""
    pty = pytest.importorskip("pty")
    import subprocess
    import sys

    env = dict(os.environ, MSDEV_DB=str(REPO / "tests" / "fixtures" / "scan" / "db"), COLUMNS="160", TERM="xterm")
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "msdev", "scan", ".", "--no-cache"], cwd=project, env=env,
                            stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    out = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0
    assert "Migration readiness" in out and "86.7%" in out
    assert "Top unsupported APIs" in out and "torch.cuda.is_available" in out
    assert "Top APIs that need a manual rewrite" in out and "torch.no_grad" in out
    assert "Top APIs missing from the mapping database" in out and "torch.frobnicate" in out


def test_pre_commit_hook_definition_runs(project):
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "msdev-scan" and hook["language"] == "python" and hook["types"] == ["python"]
    entry = shlex.split(hook["entry"])
    assert entry[:2] == ["msdev", "scan"]
    # pre-commit runs `entry args files...`
    files = ["pkg/train.py", "pkg/plain.py"]
    proc = run_cli(*entry[1:], *hook.get("args", []), *files, cwd=project)
    assert proc.returncode == 1  # train.py uses torch.cuda.synchronize
    assert "UNSUPPORTED torch.cuda.synchronize" in proc.stdout
    clean = run_cli(*entry[1:], *hook.get("args", []), "pkg/plain.py", cwd=project)
    assert clean.returncode == 0


def test_bad_database_directory_is_exit_2(project, tmp_path):
    proc = run_cli("scan", str(project), "--db", str(tmp_path / "nodb"))
    assert proc.returncode == 2 and "mapping database not found" in proc.stderr
    no_traceback(proc)


@pytest.mark.parametrize("suffix, fmt", [(".html", "html"), (".json", "json"), (".sarif", "sarif"), (".csv", "csv"),
                                         (".txt", "text")])
def test_format_follows_the_output_suffix(project, tmp_path, suffix, fmt):
    out = tmp_path / f"report{suffix}"
    proc = run_cli("scan", str(project), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert f"{fmt} report written to {out}" in proc.stderr
    data = out.read_text(encoding="utf-8")
    first = {"html": "<!doctype html>", "json": "{", "sarif": "{", "csv": "path,line,", "text": "pkg/model.py:6:11: "}[fmt]
    assert data.lower().startswith(first.lower()), data[:80]
    if fmt == "sarif":
        assert json.loads(data)["version"] == "2.1.0"


def test_explicit_format_wins_over_the_suffix(project, tmp_path):
    out = tmp_path / "report.html"
    assert run_cli("scan", str(project), "--format", "json", "-o", str(out)).returncode == 0
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["uses"] == 15


def test_summary_mode_prints_only_the_tables(project):
    proc = run_cli("scan", ".", "--summary", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert not finding_lines(proc.stdout) and "Uses by status" in proc.stdout
    bad = run_cli("scan", ".", "--summary", "--format", "json", cwd=project)
    assert bad.returncode == 2 and "--summary applies to the text report" in bad.stderr


def test_fail_on_says_what_crossed_the_threshold(project):
    proc = run_cli("scan", ".", "--fail-on", "unsupported", "-q", cwd=project)
    assert proc.returncode == 1
    assert "msdev: --fail-on unsupported: 1 unsupported use (torch.cuda.synchronize)" in proc.stderr
    manual = run_cli("scan", ".", "--fail-on", "manual", "-q", cwd=project)
    assert "1 unknown, 1 unsupported uses (torch.cuda.synchronize, torch.frobnicate)" in manual.stderr
    assert "--fail-on" not in run_cli("scan", ".", "-q", cwd=project).stderr


def test_progress_goes_to_stderr_when_stderr_is_a_terminal(project):
    """`msdev scan . > out.txt` in a terminal: the bar is drawn on stderr, stdout stays plain."""
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    env = dict(os.environ, MSDEV_DB=str(Path(__file__).resolve().parents[1] / "fixtures" / "scan" / "db"),
               COLUMNS="100", TERM="xterm")
    proc = subprocess.run([sys.executable, "-m", "msdev", "scan", ".", "--no-cache", "-j", "1"], cwd=project, env=env,
                          stdout=subprocess.PIPE, stderr=follower, timeout=120)
    os.close(follower)
    err = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    os.close(leader)
    assert proc.returncode == 0
    text = err.decode("utf-8", "replace")
    assert "scanning" in text and "Migration readiness" in text  # progress, then the drawn summary
    assert b"\x1b[" not in proc.stdout and len(finding_lines(proc.stdout.decode())) == 15
