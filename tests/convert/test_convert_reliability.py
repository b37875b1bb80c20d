"""Issue 21, convert: nothing lost (hand edits, modes, unreadable inputs), nothing misleading
(summaries, exit codes), cost linear in the file, a clean Ctrl-C."""

from __future__ import annotations

import gc
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from msdev import convert_tree, limits
from msdev.convert_tree import convert_paths
from msdev.output_manifest import MANIFEST_NAME
from msdev.rewrite import convert_text
from tests.reliability.generated import generated_module

PY = sys.executable


def msdev(*args, cwd=None):
    return subprocess.run([PY, "-m", "msdev", *map(str, args)], capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def src(tmp_path):
    root = tmp_path / "src"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "model.py").write_text("import torch\nx = torch.zeros(3)\n")
    (root / "notes.txt").write_text("hello\n")
    return root


# -------------------------------------------------------------------- 2: hand edits survive
def test_force_refuses_to_overwrite_files_edited_since(src, tmp_path):
    out = tmp_path / "out"
    assert msdev("convert", src, "-o", out).returncode == 0
    assert (out / MANIFEST_NAME).is_file()
    edited = out / "pkg" / "model.py"
    edited.write_text(edited.read_text() + "# fixed by hand\n")
    (out / "notes.txt").write_text("mine\n")
    (src / "pkg" / "model.py").write_text("import torch\nx = torch.ones(3)\n")  # the source moved on
    r = msdev("convert", src, "-o", out, "--force")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "pkg/model.py" in r.stderr and "notes.txt" in r.stderr and "--overwrite-edited" in r.stderr
    assert edited.read_text().endswith("# fixed by hand\n")  # nothing written
    assert (out / "notes.txt").read_text() == "mine\n"
    r = msdev("convert", src, "-o", out, "--force", "--overwrite-edited")
    assert r.returncode == 0, r.stderr
    assert "ones" in edited.read_text() and "fixed by hand" not in edited.read_text()
    # msdev's own previous output is replaced without asking
    (src / "pkg" / "model.py").write_text("import torch\nx = torch.zeros(4)\n")
    assert msdev("convert", src, "-o", out, "--force").returncode == 0


def test_force_refuses_files_msdev_did_not_write(src, tmp_path):
    out = tmp_path / "out"
    (out / "pkg").mkdir(parents=True)
    (out / "pkg" / "model.py").write_text("someone else's work\n")
    r = msdev("convert", src, "-o", out, "--force")
    assert r.returncode == 2 and "not written by msdev" in r.stderr
    assert (out / "pkg" / "model.py").read_text() == "someone else's work\n"


# -------------------------------------------------------------------- 3: modes
def test_output_modes_follow_the_source(src, tmp_path):
    script = src / "pkg" / "model.py"
    os.chmod(script, 0o755)
    os.chmod(src / "notes.txt", 0o640)
    out = tmp_path / "out"
    assert msdev("convert", src, "-o", out).returncode == 0
    assert stat.S_IMODE((out / "pkg" / "model.py").stat().st_mode) == 0o755
    assert stat.S_IMODE((out / "notes.txt").stat().st_mode) == 0o640
    single = tmp_path / "single.py"
    os.chmod(script, 0o644)
    assert msdev("convert", script, "-o", single).returncode == 0
    assert stat.S_IMODE(single.stat().st_mode) == 0o644


def test_new_files_respect_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        convert_tree._UMASK = None
        target = tmp_path / "x.py"
        convert_tree.write_atomic(target, "x = 1\n")
        assert stat.S_IMODE(target.stat().st_mode) == 0o640
    finally:
        os.umask(old)
        convert_tree._UMASK = None


# -------------------------------------------------------------------- 4: loops, unreadable inputs
def test_symlink_loops_are_reported_per_file_and_the_run_completes(src, tmp_path):
    (src / "self.py").symlink_to("self.py")
    (src / "a.txt").symlink_to("b.txt")
    (src / "b.txt").symlink_to("a.txt")
    out = tmp_path / "out"
    r = msdev("convert", src, "-o", out)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    for name in ("self.py", "a.txt", "b.txt"):
        assert f"{name}: cannot read: Too many levels of symbolic links" in r.stderr
    assert "mindspore" in (out / "pkg" / "model.py").read_text()  # the rest is all there
    assert (out / "notes.txt").read_text() == "hello\n"
    assert not (out / "self.py").exists()
    assert not [p for p in out.rglob("*.tmp")]


def test_unreadable_folder_is_reported(src, tmp_path, db, monkeypatch):
    real_walk = os.walk

    def walk(top, *a, onerror=None, **k):
        for item in real_walk(top, *a, onerror=onerror, **k):
            yield item
        err = PermissionError(13, "Permission denied")
        err.filename = str(Path(top) / "locked")
        onerror(err)

    monkeypatch.setattr(convert_tree.os, "walk", walk)
    summary = convert_paths(src, tmp_path / "out", db)
    assert [(f.rel_path, f.error) for f in summary.failed] == [("locked", "cannot read: Permission denied")]
    assert summary.converted_files == 1 and summary.copied == 1


# -------------------------------------------------------------------- 5: size limit, linear cost
def test_oversized_file_gets_the_scan_limit_and_message(src, tmp_path, db, monkeypatch):
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 10)
    summary = convert_paths(src, tmp_path / "out", db)
    (failed,) = summary.failed
    assert failed.rel_path == "pkg/model.py"
    assert failed.error == limits.size_problem((src / "pkg" / "model.py").stat().st_size)
    assert failed.error.startswith("file too large to analyse")


def _calls(text: str, db) -> int:
    """Python-level calls (generator resumes included) made by one conversion: deterministic work."""
    n = 0

    def count(frame, event, arg):
        nonlocal n
        if event == "call":
            n += 1

    sys.setprofile(count)
    try:
        convert_text(text, db, "portable", "g.py")
    finally:
        sys.setprofile(None)
    return n


def test_conversion_work_grows_linearly_with_the_file(db):
    small, large = _calls(generated_module(150), db), _calls(generated_module(600), db)
    assert large / small < 4.6, (small, large)  # 4x the file: about 4x the work (was ~10x)


def test_conversion_runs_with_the_collector_paused(src, tmp_path, db, monkeypatch):
    seen = []
    real = convert_tree.convert_text

    def spy(*a, **k):
        seen.append(gc.isenabled())
        return real(*a, **k)

    monkeypatch.setattr(convert_tree, "convert_text", spy)
    convert_paths(src, tmp_path / "out", db)
    assert seen == [False] and gc.isenabled()


# -------------------------------------------------------------------- 9: honest summaries
@pytest.mark.parametrize("content", [b"def f(:\n", b"\x00\x01binary", "x = 'é'\n".encode("latin-1")])
def test_a_file_that_does_not_convert_is_not_100_percent(content, src, tmp_path):
    (src / "bad.py").write_bytes(content)
    out = tmp_path / "out"
    r = msdev("convert", src, "-o", out, "--report", tmp_path / "r.json", "--report-format", "json")
    assert r.returncode == 1, r.stderr
    assert "100.0%" not in r.stdout
    assert "1 Python file converted, 1 other file copied unchanged, 1 failed" in r.stdout
    assert "bad.py" in r.stderr and "failed" in r.stderr
    s = json.loads((tmp_path / "r.json").read_text())["summary"]
    assert (s["converted_files"], s["copied_unchanged"], s["failed_files"], s["complete"]) == (1, 1, 1, False)
    assert (out / "bad.py").read_bytes() == content  # carried over as it was


def test_folder_without_python_says_so(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# hi\n")
    r = msdev("convert", tmp_path / "docs", "-o", tmp_path / "out")
    assert "0 Python files converted, 1 other file copied unchanged, 0 failed" in r.stdout
    assert "no .py files" in r.stderr and "100.0%" not in r.stdout


# -------------------------------------------------------------------- 8: Ctrl-C
def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc to see the pool start")
@pytest.mark.parametrize("command", ["convert", "scan"])
def test_ctrl_c_in_a_pool_is_one_clean_line(command, tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    text = generated_module(600)
    for i in range(40):
        (tree / f"m{i}.py").write_text(text)
    args = ["convert", tree, "-o", tmp_path / "out", "-j", "2"] if command == "convert" else \
        ["scan", tree, "-j", "2", "--no-cache", "--format", "json"]
    for n, delay in enumerate((0.3, 2.0)):
        if command == "convert":
            args[3] = tmp_path / f"out{n}"
        # a runner started in the background (`cmd &` in a script) passes SIGINT on as ignored, and
        # Python then keeps ignoring it: give the child the default disposition a terminal would
        proc = subprocess.Popen([PY, "-m", "msdev", *map(str, args)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 60
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:  # the pool is working
            time.sleep(0.05)
        time.sleep(delay)
        assert proc.poll() is None, proc.communicate()
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal does: the whole process group
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"{command} hung after Ctrl-C ({delay} s into the pool)")
        assert proc.returncode == 130, err
        assert err.strip() == "msdev: error: interrupted", err


def test_pool_workers_leave_ctrl_c_to_the_parent(tmp_path):
    """Deterministic half of the test above: every pool initializer ignores SIGINT in the worker."""
    import multiprocessing

    from msdev.scanning import runner

    ctx = multiprocessing.get_context("fork")
    db_dir = str(Path(__file__).resolve().parents[2] / "mapping_db")
    for init, initargs in ((runner._init_worker, (None, "portable", None)), (convert_tree._worker_init, (db_dir, None))):
        with ctx.Pool(1, initializer=init, initargs=initargs) as pool:
            assert pool.apply(signal.getsignal, (signal.SIGINT,)) == signal.SIG_IGN, init
