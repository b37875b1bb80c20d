"""`msdev convert` on files and trees: validate the destination, convert in parallel, write atomically.

The source is never written to. The destination is checked (not inside the source, not the
source, empty unless forced, writable) before the first byte is written, so a refused run
leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .analysis.engine import SourceError, decode_source, parse_source
from .analysis.project import ModuleContext, ProjectTable, package_of
from .db.loader import Database, load_database
from .rewrite import convert_text

#: folders that are never part of a project's sources
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".msdev_cache", ".venv", "venv", "env",
                       ".tox", ".nox", ".mypy_cache", ".pytest_cache", "node_modules", "build", "dist",
                       ".eggs", "site-packages"})


class ConvertError(Exception):
    """The conversion cannot start (bad SRC/OUT); nothing has been written."""


@dataclass
class FileConversion:
    """The outcome of one file (picklable: travels back from worker processes)."""

    rel_path: str
    converted: list[tuple[int, int, str, str | None, list[str]]] = field(default_factory=list)
    unconverted: list[tuple[int, int, str, str, str | None]] = field(default_factory=list)
    error: str | None = None
    changed: bool = False
    notes: list[str] = field(default_factory=list)  # file-level remarks (bindings kept for other modules)


@dataclass
class ConvertSummary:
    files: list[FileConversion]
    copied: int = 0

    @property
    def uses(self) -> int:
        return self.converted + self.unconverted

    @property
    def converted(self) -> int:
        return sum(len(f.converted) for f in self.files)

    @property
    def unconverted(self) -> int:
        return sum(len(f.unconverted) for f in self.files)

    @property
    def rate(self) -> float:
        return self.converted / self.uses if self.uses else 1.0

    @property
    def errors(self) -> list[FileConversion]:
        return [f for f in self.files if f.error]


def plan_paths(src: Path, out: Path, force: bool) -> tuple[Path, Path]:
    """Check SRC and OUT; return (source root, output file or root). Raises ConvertError."""
    if not src.exists():
        raise ConvertError(f"{src}: no such file or directory")
    src_r = src.resolve()
    if src.is_file():
        if src.suffix != ".py":
            raise ConvertError(f"{src}: not a Python file (.py)")
        target = out if out.suffix == ".py" else out / src.name
    elif src.is_dir():
        target = out
    else:
        raise ConvertError(f"{src}: not a regular file or directory")
    out_r = target.resolve()
    if out_r == src_r:
        raise ConvertError("the output is the source itself; choose a new folder (-o)")
    if src.is_dir() and (out_r == src_r or src_r in out_r.parents):
        raise ConvertError(f"the output {out} is inside the source {src}; choose a folder outside it")
    if target.exists() and not force:
        if target.is_file():
            raise ConvertError(f"{target} already exists (use --force to overwrite it)")
        if any(target.iterdir()):
            raise ConvertError(f"{target} is not empty (use --force to write into it)")
    # the nearest existing ancestor must be writable
    probe = (target if target.suffix != ".py" else target.parent)
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise ConvertError(f"cannot write to {probe}: permission denied")
    return src_r, target


def walk_tree(root: Path) -> Iterator[Path]:
    """Every file under root (skipping VCS, caches and virtualenvs; symlinked dirs not followed)."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info")
                             and not (Path(dirpath) / d / "pyvenv.cfg").exists())
        for name in sorted(filenames):
            yield Path(dirpath) / name


def write_atomic(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def convert_one(source_path: Path, rel: str, db: Database, profile: str,
                context: ModuleContext | None = None) -> tuple[FileConversion, str | None]:
    """Convert one file's text; returns the outcome and the new text (None: copy unchanged)."""
    result = FileConversion(rel)
    try:
        data = source_path.read_bytes()
        text = decode_source(data)
        tree = parse_source(text, rel)
    except SourceError as exc:
        result.error = str(exc)
        return result, None
    except OSError as exc:
        result.error = exc.strerror or str(exc)
        return result, None
    try:
        conv = convert_text(text, db, profile, rel, tree=tree, context=context)
    except RecursionError:
        result.error = "expression nesting too deep to convert"
        return result, None
    for o in conv.outcomes:
        f = o.finding
        if o.converted:
            result.converted.append((f.line, f.column, f.torch_api, f.mindspore_api, o.notes))
        else:
            result.unconverted.append((f.line, f.column, f.torch_api, o.reason, f.note_url))
    result.changed = conv.changed
    result.notes = list(conv.notes)
    return result, conv.text


def project_table(root: Path, files: list[tuple[Path, str]], db: Database) -> ProjectTable:
    """The package symbol table of a tree, from every file that parses (once per run)."""
    trees = {}
    for path, rel in files:
        try:
            trees[rel] = parse_source(decode_source(path.read_bytes()), rel)
        except (SourceError, OSError, RecursionError):
            continue
    table = ProjectTable(trees, package_of(root), db.torch_modules)
    infer_across_modules(table, trees, db)
    return table


def infer_across_modules(table: ProjectTable, trees: dict, db: Database, rounds: int = 2) -> None:
    """Tensors passed between modules (a helper in one file called from a forward in another):
    every module is analysed with what the others told so far, until nothing new is learnt."""
    from .analysis.finder import infer_and_find

    for _ in range(rounds):
        grown = False
        for rel, tree in trees.items():
            try:
                _, facts = infer_and_find(tree, db, "portable", "", table.context(rel))
            except RecursionError:
                continue
            grown |= table.add_inference(rel, sorted(facts.external, key=repr), facts.returning)
        if not grown:
            break


_WORKER_DB: Database | None = None


def _worker_init(db_dir: str, overlay_root: str | None) -> None:
    global _WORKER_DB
    _WORKER_DB = load_database(db_dir, overlay_root=overlay_root)


def _worker_convert(job: tuple) -> FileConversion:
    source, dest, rel, profile, context = job
    result, text = convert_one(Path(source), rel, _WORKER_DB, profile, context)
    if text is None:
        write_atomic(Path(dest), Path(source).read_bytes())  # unparseable: carried over as it is
    else:
        write_atomic(Path(dest), text)
    return result


def convert_paths(src: Path, out: Path, db: Database, profile: str = "portable", force: bool = False,
                  jobs: int = 1, progress: Callable[[int, int], None] | None = None) -> ConvertSummary:
    src_root, target = plan_paths(src, out, force)
    if src.is_file():
        result, text = convert_one(src_root, src.name, db, profile)
        write_atomic(target, text if text is not None else src_root.read_bytes())
        if progress:
            progress(1, 1)
        return ConvertSummary([result])
    target.mkdir(parents=True, exist_ok=True)
    py_jobs = []
    copied = 0
    for path in walk_tree(src_root):
        rel = path.relative_to(src_root)
        dest = target / rel
        if path.suffix == ".py":
            py_jobs.append((str(path), str(dest), rel.as_posix(), profile, None))
        elif path.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
            copied += 1
    table = project_table(src_root, [(Path(j[0]), j[2]) for j in py_jobs], db)
    py_jobs = [(a, b, rel, p, table.context(rel)) for a, b, rel, p, _ in py_jobs]
    results: list[FileConversion] = []
    total = len(py_jobs)
    for _, dest, _, _, _ in py_jobs:
        Path(dest).parent.mkdir(parents=True, exist_ok=True)
    if jobs > 1 and total > 8:
        overlay = None if not db.overlays else str(db.overlays[0].parent)
        with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init,
                                 initargs=(str(db.directory), overlay)) as pool:
            for result in pool.map(_worker_convert, py_jobs, chunksize=4):
                results.append(result)
                if progress:
                    progress(len(results), total)
    else:
        global _WORKER_DB
        _WORKER_DB = db
        for job in py_jobs:
            results.append(_worker_convert(job))
            if progress:
                progress(len(results), total)
    return ConvertSummary(results, copied)
