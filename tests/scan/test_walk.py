"""Which files a scan covers: .gitignore, default excludes, --exclude, symlinks, named files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from msdev.scanning.walk import InputError, discover, scan_root


def make(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def shown(result) -> list[str]:
    return [f.display for f in result.files]


def test_walks_recursively_only_python_files_sorted(tmp_path):
    make(tmp_path, {"b.py": "", "a/z.py": "", "a/data.json": "{}", "README.md": "", "a/b/c.py": ""})
    assert shown(discover([tmp_path])) == ["a/b/c.py", "a/z.py", "b.py"]


def test_gitignore_files_apply_below_their_folder_with_negation(tmp_path):
    make(tmp_path, {
        ".gitignore": "generated_*.py\nout/\n",
        "generated_tables.py": "", "keep.py": "", "out/x.py": "",
        "sub/.gitignore": "*.py\n!wanted.py\n",
        "sub/wanted.py": "", "sub/unwanted.py": "",
        "other/generated_more.py": "",
    })
    assert shown(discover([tmp_path])) == ["keep.py", "sub/wanted.py"]
    # --no-ignore (use_ignores=False) sees everything
    assert len(discover([tmp_path], use_ignores=False).files) == 6


def test_gitignore_of_the_enclosing_repository_applies_to_a_scanned_subfolder(tmp_path):
    make(tmp_path, {".gitignore": "legacy/\n", "src/legacy/old.py": "", "src/new.py": ""})
    (tmp_path / ".git").mkdir()
    assert shown(discover([tmp_path / "src"], root=tmp_path)) == ["src/new.py"]


def test_default_excludes_virtualenvs_and_build_folders(tmp_path):
    make(tmp_path, {
        "venv/lib/site.py": "", ".venv/x.py": "", "build/lib/m.py": "", "dist/m.py": "", "node_modules/x.py": "",
        "__pycache__/m.py": "", ".git/hooks/h.py": "", "pkg.egg-info/x.py": "", ".msdev_cache/x.py": "",
        "myenv/pyvenv.cfg": "home = /usr/bin\n", "myenv/lib/thing.py": "",
        "env/gridworld.py": "",  # a package named env is source, not a virtualenv
        "src/app.py": "",
    })
    assert shown(discover([tmp_path])) == ["env/gridworld.py", "src/app.py"]


def test_exclude_globs_use_gitignore_syntax_and_filter_named_files_too(tmp_path):
    make(tmp_path, {"a/test_x.py": "", "a/x.py": "", "docs/conf.py": "", "b/x_pb2.py": ""})
    result = discover([tmp_path], excludes=["test_*.py", "docs/", "*_pb2.py"])
    assert shown(result) == ["a/x.py"]
    assert discover([tmp_path / "a" / "test_x.py"], excludes=["test_*.py"]).files == []


def test_named_files_are_scanned_whatever_their_suffix(tmp_path):
    make(tmp_path, {"script": "import torch\n", "x.py": ""})
    result = discover([tmp_path / "script", tmp_path / "x.py"])
    assert shown(result) == ["script", "x.py"]


def test_overlapping_arguments_and_symlinked_files_are_scanned_once(tmp_path):
    make(tmp_path, {"pkg/a.py": ""})
    os.symlink(tmp_path / "pkg" / "a.py", tmp_path / "alias.py")
    result = discover([tmp_path, tmp_path / "pkg" / "a.py"])
    assert len(result.files) == 1


def test_symlink_loop_folder_is_reported_not_followed(tmp_path):
    make(tmp_path, {"pkg/a.py": ""})
    os.symlink("..", tmp_path / "pkg" / "back")
    result = discover([tmp_path])
    assert shown(result) == ["pkg/a.py"]
    assert len(result.errors) == 1
    path, message = result.errors[0]
    assert path == "pkg/back" and message.startswith("symlink loop")


def test_self_referencing_and_broken_symlinks_are_reported(tmp_path):
    os.symlink("loop.py", tmp_path / "loop.py")
    os.symlink("missing_target.py", tmp_path / "dangling.py")
    result = discover([tmp_path])
    errors = dict(result.errors)
    assert errors["loop.py"].startswith("symlink loop")
    assert errors["dangling.py"].startswith("broken symlink")


def test_symlinked_folder_elsewhere_is_followed(tmp_path):
    make(tmp_path, {"outside/lib.py": "", "proj/main.py": ""})
    os.symlink(tmp_path / "outside", tmp_path / "proj" / "vendored")
    assert shown(discover([tmp_path / "proj"])) == ["main.py", "vendored/lib.py"]


def test_nonexistent_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file or directory"):
        discover([tmp_path / "nope"])


def test_empty_folder_gives_no_file(tmp_path):
    result = discover([tmp_path])
    assert result.files == [] and result.errors == []


def test_root_is_cwd_when_it_holds_every_path(tmp_path, monkeypatch):
    make(tmp_path, {"a/x.py": "", "b/y.py": ""})
    monkeypatch.chdir(tmp_path)
    assert scan_root(["a", "b/y.py"]) == tmp_path
    assert shown(discover(["a", "b/y.py"])) == ["a/x.py", "b/y.py"]
    monkeypatch.chdir(tmp_path / "b")
    assert scan_root([tmp_path / "a"]) == tmp_path / "a"
    monkeypatch.chdir("/")  # never the filesystem root
    assert scan_root([tmp_path / "a"]) == tmp_path / "a"
    assert scan_root([tmp_path / "a" / "x.py", tmp_path / "b" / "y.py"]) == tmp_path
