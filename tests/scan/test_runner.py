"""The scanning library: results, parallel runs, the cache, per-file errors, the summary."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from msdev.findings import Status
from msdev.scanning import InputError, decode, encode, run_scan
from msdev.scanning import runner as runner_mod
from msdev.scanning.cache import default_cache_dir


def as_rows(result):
    return [(fr.path, fr.error, fr.lines, [f.to_dict() for f in fr.findings]) for fr in result.files]


def test_every_file_is_listed_with_or_without_findings(project, db):
    result = run_scan([project], db, jobs=1, use_cache=False)
    assert [fr.path for fr in result.files] == ["pkg/__init__.py", "pkg/model.py", "pkg/plain.py", "pkg/train.py",
                                                "pkg/unicode_names.py"]
    by_path = {fr.path: fr for fr in result.files}
    assert by_path["pkg/plain.py"].findings == [] and by_path["pkg/plain.py"].error is None
    assert [f.torch_api for f in by_path["pkg/train.py"].findings] == [
        "torch.no_grad", "torch.cuda.synchronize", "torch.flatten", "torch.nn.functional.grid_sample", "torch.zeros"]
    assert result.root == project


def test_summary_counts_statuses_readiness_and_apis(project, db):
    s = run_scan([project], db, jobs=1, use_cache=False).summary
    assert s.files == 5 and s.files_with_findings == 3 and s.files_with_errors == 0
    assert s.uses == 15
    # torch.cuda.is_available, x.cuda() and @torch.no_grad() are rewritten by the device and
    # no-grad rules (MS204, MS205), which count as automatic arg-diff rewrites
    assert s.by_status == {"identical": 4, "renamed": 2, "default-diff": 1, "arg-diff": 5, "partial": 1,
                           "manual": 0, "unknown": 1, "unsupported": 1}
    # readiness is what the rewriter converts (as `msdev convert`): the 12 automatic statuses and
    # the partial grid_sample, whose values here are supported (converted, flagged unsafe)
    assert s.automatic == 13 and s.readiness == pytest.approx(13 / 15)
    assert [a.torch_api for a in s.top({Status.UNSUPPORTED})] == ["torch.cuda.synchronize"]
    zeros = next(a for a in s.apis if a.torch_api == "torch.zeros")
    assert (zeros.uses, zeros.files) == (2, 2)
    assert s.apis[0].torch_api == "torch.zeros"  # most used first


def test_unicode_columns_are_code_points(project, db):
    result = run_scan([project / "pkg" / "unicode_names.py"], db, jobs=1, use_cache=False)
    (f,) = result.files[0].findings
    assert (f.line, f.column) == (4, 22)


def test_parallel_run_gives_the_same_result(project, db, monkeypatch):
    for i in range(12):  # enough files for several chunks
        (project / f"copy_{i}.py").write_text((project / "pkg" / "model.py").read_text() * (i + 1))
    monkeypatch.setattr(runner_mod, "_PARALLEL_MIN_BYTES", 0)
    serial = run_scan([project], db, jobs=1, use_cache=False)
    parallel = run_scan([project], db, jobs=2, use_cache=False)
    assert parallel.jobs == 2 and serial.jobs == 1
    assert as_rows(parallel) == as_rows(serial)


def test_progress_reports_reach_the_total(project, db):
    calls = []
    run_scan([project], db, jobs=1, use_cache=False, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (5, 5)
    assert all(done <= total for done, total in calls)


def test_second_scan_comes_from_the_cache(project, db):
    first = run_scan([project], db, jobs=1)
    cache = default_cache_dir(project)
    assert cache.is_dir() and str(cache).startswith(os.environ["XDG_CACHE_HOME"])
    assert not any(p.name.startswith(".msdev") for p in project.rglob("*"))  # nothing written into the tree
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert first.cache_hits == 0 and first.analysed == 5
    second = run_scan([project], db, jobs=1)
    assert second.cache_hits == 5 and second.analysed == 0
    assert as_rows(second) == as_rows(first)


def test_cache_misses_when_a_file_changes_or_the_profile_differs(project, db):
    run_scan([project], db, jobs=1)
    model = project / "pkg" / "model.py"
    model.write_text(model.read_text() + "z = torch.zeros(1)\n")
    again = run_scan([project], db, jobs=1)
    assert again.analysed == 1 and again.cache_hits == 4
    assert any(f.line == 17 and f.torch_api == "torch.zeros" for f in next(fr for fr in again.files if fr.path == "pkg/model.py").findings)
    ascend = run_scan([project], db, jobs=1, profile="ascend")
    assert ascend.cache_hits == 0
    cat = next(f for fr in ascend.files for f in fr.findings if f.torch_api == "torch.cat")
    assert cat.mindspore_api == "mindspore.mint.cat" and cat.status == Status.IDENTICAL


def test_cache_folder_is_per_scanned_root_under_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    a, b = default_cache_dir(tmp_path / "one" / "proj"), default_cache_dir(tmp_path / "two" / "proj")
    assert a.parent == b.parent == tmp_path / "xdg" / "msdev" / "scan" and a != b
    assert a.name.startswith("proj-") and default_cache_dir(tmp_path / "one" / "proj") == a
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the spec wants an absolute path
    assert default_cache_dir(tmp_path).parent == Path.home() / ".cache" / "msdev" / "scan"


def test_no_cache_writes_nothing(project, db):
    run_scan([project], db, jobs=1, use_cache=False)
    assert not default_cache_dir(project).exists()


def test_cache_dir_option(project, db, tmp_path):
    cache = tmp_path / "elsewhere"
    run_scan([project], db, jobs=1, cache_dir=cache)
    assert not default_cache_dir(project).exists()
    assert run_scan([project], db, jobs=1, cache_dir=cache).cache_hits == 5


def test_unwritable_cache_location_only_warns(project, db, tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the cache folder should go")
    result = run_scan([project], db, jobs=1, cache_dir=blocker / "cache")
    assert result.summary.uses == 15
    assert any(w.startswith("cache disabled") for w in result.warnings)


def test_damaged_cache_entries_are_misses(project, db):
    run_scan([project], db, jobs=1)
    cache = default_cache_dir(project)
    for entry in cache.rglob("*"):
        if entry.is_file() and entry.parent != cache:
            entry.write_bytes(b"\x00garbage")
    again = run_scan([project], db, jobs=1)
    assert again.cache_hits == 0 and again.summary.uses == 15


def test_payload_round_trip(project, db):
    from msdev.analysis.engine import analyze_file

    fr = analyze_file(project / "pkg" / "model.py", db, "portable", "pkg/model.py")
    import marshal

    back = decode(marshal.loads(encode(fr)), "pkg/model.py")
    assert [f.to_dict() for f in back.findings] == [f.to_dict() for f in fr.findings]
    assert (back.lines, back.error) == (fr.lines, fr.error)


def test_per_file_errors_do_not_stop_the_scan(tmp_path, db):
    (tmp_path / "good.py").write_text("import torch\nx = torch.zeros(1)\n")
    (tmp_path / "broken.py").write_text("def f(:\n    pass\n")
    (tmp_path / "latin1.py").write_bytes(b"x = 1\ny = 2\n# caf\xe9\n")
    (tmp_path / "blob.py").write_bytes(b"\x7fELF\x00\x00\x01binary")
    os.symlink("self.py", tmp_path / "self.py")
    result = run_scan([tmp_path], db, jobs=1, use_cache=False)
    errors = {fr.path: fr.error for fr in result.files if fr.error}
    assert errors["broken.py"].startswith("syntax error at line 1")
    assert errors["latin1.py"].startswith("not valid utf-8 text")
    assert errors["blob.py"].startswith("binary file")
    assert errors["self.py"].startswith("symlink loop")
    assert result.summary.files == 5 and result.summary.files_with_errors == 4
    assert result.summary.uses == 1


def test_unreadable_file_is_a_report_error(tmp_path, db, monkeypatch):
    (tmp_path / "secret.py").write_text("import torch\n")
    (tmp_path / "ok.py").write_text("import torch\ntorch.zeros(1)\n")
    if os.geteuid() != 0:
        (tmp_path / "secret.py").chmod(0)
    else:  # root reads anything: make the read itself fail the way a permission problem does
        real_open = open

        def guarded(path, *args, **kwargs):
            if str(path).endswith("secret.py"):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(runner_mod, "open", guarded, raising=False)
    result = run_scan([tmp_path], db, jobs=1, use_cache=False)
    errors = {fr.path: fr.error for fr in result.files if fr.error}
    assert errors == {"secret.py": "permission denied"}
    assert result.summary.uses == 1


def test_empty_folder_warns(tmp_path, db):
    result = run_scan([tmp_path], db, jobs=1)
    assert result.files == [] and result.summary.uses == 0 and result.summary.readiness is None
    assert result.warnings and result.warnings[0].startswith("no Python files found")
    assert not default_cache_dir(tmp_path).exists()  # nothing analysed, nothing cached


def test_missing_path_raises_input_error(tmp_path, db):
    with pytest.raises(InputError):
        run_scan([tmp_path / "missing"], db)


def test_worst_rank(project, db):
    from msdev.findings import STATUS_RANK

    result = run_scan([project / "pkg" / "plain.py"], db, jobs=1, use_cache=False)
    assert result.worst_rank() == -1
    result = run_scan([project], db, jobs=1, use_cache=False)
    assert result.worst_rank() == STATUS_RANK[Status.UNSUPPORTED]


def test_parallel_run_from_a_threaded_process_avoids_fork(project, db, monkeypatch):
    """The language server has threads: workers then start by forkserver/spawn and get the database pickled."""
    import threading

    for i in range(6):
        (project / f"copy_{i}.py").write_text((project / "pkg" / "train.py").read_text() * (i + 1))
    monkeypatch.setattr(runner_mod, "_PARALLEL_MIN_BYTES", 0)
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait, daemon=True)
    worker.start()
    try:
        assert runner_mod.pool_context().get_start_method() != "fork"
        parallel = run_scan([project], db, jobs=2, use_cache=False)
    finally:
        stop.set()
        worker.join()
    serial = run_scan([project], db, jobs=1, use_cache=False)
    assert parallel.jobs == 2
    assert as_rows(parallel) == as_rows(serial)


def test_lazy_database_is_not_loaded_when_everything_is_cached(project, db):
    from msdev.scanning.lazydb import LazyDatabase, db_fingerprint

    from .conftest import DB_DIR

    loads = []

    def load():
        loads.append(1)
        return db

    fingerprint = db_fingerprint(DB_DIR)
    assert fingerprint and fingerprint == db_fingerprint(DB_DIR)
    cold = run_scan([project], LazyDatabase(load, fingerprint), jobs=1)
    assert loads == [1] and cold.db_version == db.version
    warm = run_scan([project], LazyDatabase(load, fingerprint), jobs=1)
    assert loads == [1], "a fully cached scan must not load the database"
    assert warm.cache_hits == 5 and warm.db_version == db.version
    assert as_rows(warm) == as_rows(cold)
    # a loaded Database of the same files shares the cache generation
    assert run_scan([project], db, jobs=1).cache_hits == 5


def test_fingerprint_follows_the_database_files(tmp_path):
    import shutil

    from msdev.scanning.lazydb import db_fingerprint

    from .conftest import DB_DIR

    copy = tmp_path / "db"
    shutil.copytree(DB_DIR, copy)
    before = db_fingerprint(copy)
    with (copy / "torch.yaml").open("a") as fh:
        fh.write("\n# an edit\n")
    assert db_fingerprint(copy) != before
    assert db_fingerprint(tmp_path / "missing") is None


def test_file_size_limit_matches_the_engine():
    from msdev.analysis import engine

    assert runner_mod.MAX_FILE_BYTES == engine.MAX_FILE_BYTES


def test_oversized_file_states_size_and_limit_in_the_same_unit(tmp_path, db):
    from msdev.analysis import engine

    big = tmp_path / "big.py"
    with big.open("wb") as fh:
        fh.truncate(runner_mod.MAX_FILE_BYTES + 1)  # sparse: costs no disk
    expected = (f"file too large to analyse ({runner_mod.MAX_FILE_BYTES + 1:,} bytes; the limit is "
                f"{runner_mod.MAX_FILE_BYTES:,} bytes, 20 MiB)")
    result = run_scan([tmp_path], db, jobs=1, use_cache=False)
    assert [fr.error for fr in result.files] == [expected]
    assert engine.analyze_file(big, db).error == expected


@pytest.mark.parametrize("subdir", ["", "torchvision"])
def test_own_source_of_a_pytorch_package_is_not_a_torch_use(db, tmp_path, subdir):
    """Scanning torchvision's own source (the folder holding it, or the package folder itself):
    `from torchvision.ops import ...` inside it is the package's code, as `msdev convert` reads
    it; such a scan is cached apart from one of the same bytes as a user's file."""
    from tests.conftest import FIXTURES

    root = FIXTURES / "packages" / "ownroot" / "src" / subdir
    cache = tmp_path / "cache"
    for _ in range(2):  # analysed, then answered from the cache
        result = run_scan([root], db, jobs=1, cache_dir=cache)
        apis = {f.torch_api for fr in result.files for f in fr.findings}
        assert "torch.nn.Linear" in apis and not [a for a in apis if a.startswith("torchvision")]
    alone = tmp_path / "user"
    alone.mkdir()
    (alone / "tiny.py").write_bytes((root / ("" if subdir else "torchvision") / "models" / "tiny.py").read_bytes())
    user = run_scan([alone], db, jobs=1, cache_dir=cache)  # the same bytes outside torchvision
    assert "torchvision.ops.boxes.clamp_boxes" in {f.torch_api for fr in user.files for f in fr.findings}
