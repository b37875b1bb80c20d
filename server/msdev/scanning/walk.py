"""Which files a scan covers: recursive walk with .gitignore, default excludes and --exclude.

Directories are walked with `os.scandir` (one stat per entry at most). Ignore rules:

* `.gitignore` files, each applying below its own folder, deeper files taking precedence,
  plus `.git/info/exclude` of a repository root met on the way;
* folders no one wants scanned: VCS metadata, caches, virtualenvs (by name, or any folder
  holding a `pyvenv.cfg`), build outputs, `node_modules`, `*.egg-info`, msdev's own cache;
* the user's `--exclude` globs (gitignore syntax, matched against the path relative to the
  scan root), which also apply to files named on the command line.

Symlinked folders are followed once; one pointing back at a folder being walked (a loop)
is reported as a per-path error instead of recursing forever.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..textlines import split_lines

if TYPE_CHECKING:  # pragma: no cover
    # imported where a pattern is compiled: a tree without .gitignore files or --exclude never needs it
    import pathspec

#: folder names never descended into (unless ignore rules are switched off)
DEFAULT_EXCLUDED_DIRS = frozenset({
    ".git", ".hg", ".svn", ".bzr", "_darcs",
    "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", ".pytype",
    ".tox", ".nox", ".venv", "venv", ".conda", "site-packages", "__pypackages__",
    "node_modules", "build", "dist", ".eggs", ".ipynb_checkpoints", ".idea", ".vscode",
    ".msdev_cache",
})
SOURCE_SUFFIXES = (".py",)


class InputError(Exception):
    """A path named by the user cannot be scanned at all (exit code 2)."""


@dataclass(slots=True)
class SourceFile:
    """One file to analyse: where it is, and how reports name it."""

    path: str  # absolute path, as opened
    display: str  # relative to the scan root, '/'-separated


@dataclass(slots=True)
class WalkResult:
    root: Path
    files: list[SourceFile] = field(default_factory=list)
    #: paths that could not even be opened for walking: (display path, message)
    errors: list[tuple[str, str]] = field(default_factory=list)


def _gitignore_spec(path: str) -> pathspec.GitIgnoreSpec | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = split_lines(fh.read())
    except OSError:
        return None
    import pathspec

    try:
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
    except Exception:  # a malformed pattern must not stop a scan
        return None
    return spec if spec.patterns else None


def exclude_spec(globs: list[str] | tuple[str, ...]) -> pathspec.GitIgnoreSpec | None:
    """The matcher of `--exclude` / `[tool.msdev] exclude` patterns (gitignore syntax; None: none)."""
    if not globs:
        return None
    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines(list(globs))
    except Exception as exc:
        raise InputError(f"invalid --exclude pattern: {exc}") from None


def scan_root(paths: list[str | Path]) -> Path:
    """The folder reports are relative to.

    The current directory when every path is inside it (so `path:line:col` lines are
    clickable where the command ran) and it is not the filesystem root, else the one
    directory given, else the common parent.
    """
    resolved = [Path(os.path.abspath(p)) for p in paths]
    cwd = Path(os.getcwd())
    if cwd.parent != cwd and all(p == cwd or cwd in p.parents for p in resolved):
        return cwd
    if len(resolved) == 1 and resolved[0].is_dir():
        return resolved[0]
    folders = [p if p.is_dir() else p.parent for p in resolved]
    return Path(os.path.commonpath([str(f) for f in folders]))


def _rel(path: str, root: str) -> str:
    rel = os.path.relpath(path, root)
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


class _Walker:
    def __init__(self, root: Path, excludes: pathspec.GitIgnoreSpec | None, use_ignores: bool):
        self.root = str(root)
        self.excludes = excludes
        self.use_ignores = use_ignores
        self.result = WalkResult(root)
        self.seen_files: set[tuple[int, int]] = set()
        self.seen_dirs: set[str] = set()

    # ------------------------------------------------------------------ rules
    def _excluded(self, path: str, display: str, is_dir: bool,
                  specs: list[tuple[str, pathspec.GitIgnoreSpec]]) -> bool:
        suffix = "/" if is_dir else ""
        if self.excludes is not None and self.excludes.match_file(display + suffix):
            return True
        # deepest .gitignore first: the first one with an opinion decides
        for base, spec in reversed(specs):
            verdict = spec.check_file(path[len(base):] + suffix).include
            if verdict is not None:
                return verdict
        return False

    def inherited_specs(self, directory: str) -> list[tuple[str, pathspec.GitIgnoreSpec]]:
        """The .gitignore files above `directory`, up to its repository's top, which apply to it."""
        if not self.use_ignores or os.path.isdir(os.path.join(directory, ".git")):
            return []
        chain = []
        current = os.path.dirname(directory)
        while True:
            chain.append(current)
            if os.path.isdir(os.path.join(current, ".git")):
                break
            parent = os.path.dirname(current)
            if parent == current:  # not inside a repository: only the walked folders count
                return []
            current = parent
        specs = []
        for folder in reversed(chain):
            specs.extend(self._folder_specs(folder))
        return specs

    @staticmethod
    def _folder_specs(folder: str) -> list[tuple[str, pathspec.GitIgnoreSpec]]:
        base = folder.rstrip(os.sep) + os.sep
        found = []
        if os.path.isdir(os.path.join(folder, ".git")):
            extra = _gitignore_spec(os.path.join(folder, ".git", "info", "exclude"))
            if extra is not None:
                found.append((base, extra))
        spec = _gitignore_spec(os.path.join(folder, ".gitignore"))
        if spec is not None:
            found.append((base, spec))
        return found

    def add_file(self, path: str, display: str, identity: tuple[int, int] | None = None) -> None:
        """Add a file once, however it is reached (symlinks, overlapping arguments)."""
        if identity is None:
            try:
                st = os.stat(path)
                identity = (st.st_dev, st.st_ino)
            except OSError:
                identity = (-1, hash(os.path.realpath(path)))
        if identity in self.seen_files:
            return
        self.seen_files.add(identity)
        self.result.files.append(SourceFile(path, display))

    # ------------------------------------------------------------------ walk
    def walk(self, directory: str, specs: list[tuple[str, pathspec.GitIgnoreSpec]], ancestors: tuple[str, ...]) -> None:
        real_dir = os.path.realpath(directory)
        if real_dir in self.seen_dirs:
            return
        self.seen_dirs.add(real_dir)
        ancestors = ancestors + (real_dir,)
        display_dir = _rel(directory, self.root)
        base = "" if display_dir == "." else display_dir + "/"
        if self.use_ignores:
            specs = specs + self._folder_specs(directory)
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except PermissionError:
            self.result.errors.append((display_dir, "permission denied: folder not scanned"))
            return
        except OSError as exc:
            self.result.errors.append((display_dir, f"folder not scanned: {exc.strerror or exc}"))
            return
        try:
            device = os.stat(directory).st_dev
        except OSError:
            device = -1
        subdirs = []
        for entry in entries:
            name = entry.name
            display = base + name
            is_link = entry.is_symlink()
            try:
                is_dir = entry.is_dir()  # follows symlinks
            except OSError:
                is_dir = False
            if is_dir:
                if self.use_ignores and (name in DEFAULT_EXCLUDED_DIRS or name.endswith(".egg-info")
                                         or os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))):
                    continue
                if self._excluded(entry.path, display, True, specs):
                    continue
                if is_link:
                    target = os.path.realpath(entry.path)
                    if target in ancestors:
                        self.result.errors.append(
                            (display, f"symlink loop: points back to {_rel(target, self.root) if target.startswith(self.root) else target}, not followed"))
                        continue
                subdirs.append(entry.path)
                continue
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            if self._excluded(entry.path, display, False, specs):
                continue
            if is_link and not os.path.exists(entry.path):
                self.result.errors.append((display, _broken_link_message(entry.path)))
                continue
            try:
                regular = entry.is_file()
            except OSError:
                regular = False
            if regular:
                # d_ino from readdir is free; a symlink's own inode is not its target's
                self.add_file(entry.path, display, None if is_link else (device, entry.inode()))
            # sockets, fifos and devices named *.py are not source files: skipped silently
        for sub in subdirs:
            self.walk(sub, specs, ancestors)


def _broken_link_message(path: str) -> str:
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop: the link resolves to itself, not followed"
    return f"broken symlink: target {os.readlink(path)!r} does not exist"


def discover(paths: list[str | Path], excludes: list[str] | tuple[str, ...] = (), use_ignores: bool = True,
             root: Path | None = None) -> WalkResult:
    """Expand the user's paths into the files to scan, sorted by display path.

    Raises InputError for a path that does not exist at all (a usage error, not a report entry).
    """
    if not paths:
        raise InputError("no path to scan")
    for p in paths:
        if not os.path.lexists(p):
            raise InputError(f"no such file or directory: {p}")
    root = root or scan_root(paths)
    walker = _Walker(root, exclude_spec(excludes), use_ignores)
    for p in paths:
        path = os.path.abspath(p)
        display = _rel(path, walker.root)
        if os.path.isdir(path):
            walker.walk(path, walker.inherited_specs(path), ())
        elif os.path.islink(path) and not os.path.exists(path):
            walker.result.errors.append((display, _broken_link_message(path)))
        elif walker.excludes is not None and walker.excludes.match_file(display):
            continue  # --exclude also filters named files (pre-commit passes files one by one)
        else:
            # named explicitly: scanned whatever its suffix; unreadable files become report errors
            walker.add_file(path, display)
    walker.result.files.sort(key=lambda f: f.display)
    return walker.result
