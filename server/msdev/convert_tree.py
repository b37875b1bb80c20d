"""`msdev convert` on files and trees: validate the destination, convert in parallel, write atomically.

The source is never written to. The destination is checked (not inside the source, not the
source, empty unless forced, writable) before the first byte is written, so a refused run
leaves nothing behind.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import os
import stat
import symtable
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .analysis.engine import SourceError, decode_source, parse_source
from .analysis.finder import analyse_tree
from .limits import size_problem
from .analysis.project import ModuleContext, ProjectTable, package_of
from .db.loader import Database, load_database
from .gcpause import gc_frozen, gc_paused
from .output_manifest import Manifest
from .rewrite import convert_text
from .workers import ignore_interrupts

#: folders that are never part of a project's sources
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".msdev_cache", ".venv", "venv", "env",
                       ".tox", ".nox", ".mypy_cache", ".pytest_cache", "node_modules", "build", "dist",
                       ".eggs", "site-packages"})


class ConvertError(Exception):
    """The conversion cannot start (bad SRC/OUT); nothing has been written."""


#: what each file of the output is (FileConversion.outcome)
CONVERTED, COPIED, FAILED = "converted", "copied", "failed"


@dataclass
class FileConversion:
    """The outcome of one file (picklable: travels back from worker processes).

    `outcome`: CONVERTED (a .py that parsed, rewritten where needed), COPIED (not Python, copied
    as it is) or FAILED (a .py that could not be converted - carried over unchanged when it could
    be read - or a file that could not be read at all, which is not written).
    """

    rel_path: str
    converted: list[tuple[int, int, str, str | None, list[str]]] = field(default_factory=list)
    unconverted: list[tuple[int, int, str, str, str | None]] = field(default_factory=list)
    error: str | None = None
    changed: bool = False
    outcome: str = CONVERTED
    written: str | None = None  # sha256 of what was written to the output, None if nothing was
    notes: list[str] = field(default_factory=list)  # file-level remarks (bindings kept for other modules)


@dataclass
class ConvertSummary:
    """Every file of a run: .py files in `files`, other files in `others` (each counted)."""

    files: list[FileConversion]
    others: list[FileConversion] = field(default_factory=list)

    @property
    def copied(self) -> int:
        return sum(1 for f in self.others if f.outcome == COPIED)

    @property
    def python_files(self) -> int:
        return len(self.files)

    @property
    def converted_files(self) -> int:
        return sum(1 for f in self.files if f.outcome == CONVERTED)

    @property
    def failed(self) -> list[FileConversion]:
        return [f for f in self.files + self.others if f.outcome == FAILED]

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
    def complete(self) -> bool:
        """Every file was handled: no failures (a rate is only meaningful then)."""
        return not self.failed

    @property
    def errors(self) -> list[FileConversion]:
        return self.failed


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


def walk_tree(root: Path, errors: list[tuple[Path, str]] | None = None,
              exclude: list[str] | tuple[str, ...] = ()) -> Iterator[Path]:
    """Every file under root (skipping VCS, caches and virtualenvs; symlinked dirs not followed).

    Folders that cannot be listed go to `errors` (path, why) instead of stopping the walk.
    `exclude`: gitignore-style patterns (`--exclude`, `[tool.msdev] exclude`), relative to root,
    whose files and folders are skipped as scan skips them.
    """
    from .scanning.walk import exclude_spec

    spec = exclude_spec(exclude)

    def excluded(dirpath: str, name: str, is_dir: bool) -> bool:
        if spec is None:
            return False
        rel = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/")
        return spec.match_file(rel + "/" if is_dir else rel)

    def unreadable(exc: OSError) -> None:
        if errors is not None and exc.filename:
            errors.append((Path(exc.filename), f"cannot read: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=unreadable):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info")
                             and not (Path(dirpath) / d / "pyvenv.cfg").exists()
                             and not excluded(dirpath, d, True))
        for name in sorted(filenames):
            if not excluded(dirpath, name, False):
                yield Path(dirpath) / name


_UMASK: int | None = None


def new_file_mode() -> int:
    """The mode a new file gets here (0666 minus the umask), as `open()` would create it."""
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0)
        os.umask(_UMASK)
    return 0o666 & ~_UMASK


def write_atomic(path: Path, data: str | bytes | Path, mode: int | None = None) -> str:
    """Write `data` (text, bytes, or a file to copy) to `path` in one step; returns its sha256.

    The file gets `mode` (the source's permission bits), else what a new file gets under the
    umask - never mkstemp's 0600.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, Path):
                with open(data, "rb") as src:
                    for block in iter(lambda: src.read(1 << 20), b""):
                        digest.update(block)
                        fh.write(block)
            else:
                raw = data.encode("utf-8") if isinstance(data, str) else data
                digest.update(raw)
                fh.write(raw)
        os.chmod(tmp, new_file_mode() if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return digest.hexdigest()


def _source_mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None


def syntax_error(text: str, path: str) -> str | None:
    """Why a converted text is not valid Python, or None. symtable parses without building the
    Python AST objects (about 60 % of ast.parse's time); a symbol-table complaint that ast.parse
    accepts was in the original already, so it is not ours to report."""
    try:
        symtable.symtable(text, path, "exec")
        return None
    except SyntaxError:
        pass
    try:
        ast.parse(text, path)
        return None
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"


def convert_one(source_path: Path, rel: str, db: Database, profile: str,
                context: ModuleContext | None = None, selection=None,
                prepared: "PreparedFile | None" = None) -> tuple[FileConversion, str | Path | None]:
    """Convert one .py file. Returns the outcome and what to write: the new text, the source path
    (carried over unchanged: it could be read but not converted) or None (unreadable: nothing).
    `prepared`: the file as the project table read, parsed and analysed it with the same context
    (used when the file still holds the same bytes: no second parse and finder run)."""
    result = FileConversion(rel)
    try:
        size = os.stat(source_path).st_size
        problem = size_problem(size)
        if problem is not None:  # the same limit and words as scan
            result.outcome, result.error = FAILED, problem
            return result, source_path
        data = source_path.read_bytes()
    except OSError as exc:
        result.outcome, result.error = FAILED, f"cannot read: {exc.strerror or exc}"
        return result, None
    try:
        with gc_paused():  # collections during a big parse made conversion superlinear
            keep = selection.keeps if selection is not None and not selection.everything else None
            if prepared is not None and prepared.data == data and prepared.profile == profile:
                analysis = analyse_tree(prepared.tree, db, profile, prepared.text, context, raw=prepared.raw)
                conv = convert_text(prepared.text, db, profile, rel, context=context, analysis=analysis, keep=keep)
            else:
                text = decode_source(data)
                tree = parse_source(text, rel)
                conv = convert_text(text, db, profile, rel, tree=tree, context=context, keep=keep)
    except SourceError as exc:
        result.outcome, result.error = FAILED, str(exc)
        return result, source_path
    except RecursionError:
        result.outcome, result.error = FAILED, "expression nesting too deep to convert"
        return result, source_path
    broken = syntax_error(conv.text, rel) if conv.changed else None
    if broken is not None:  # never hand over code that does not parse: the original goes out unchanged
        result.outcome = FAILED
        result.error = f"the converted text does not parse ({broken}); the file is copied unchanged: please report it"
        return result, source_path
    for o in conv.outcomes:
        f = o.finding
        if o.converted:
            result.converted.append((f.line, f.column, f.torch_api, f.mindspore_api, o.notes))
        else:
            result.unconverted.append((f.line, f.column, f.torch_api, o.reason, f.note_url))
    result.changed = conv.changed
    result.notes = list(conv.notes)
    return result, conv.text


def copy_one(source_path: Path, rel: str) -> tuple[FileConversion, Path | None]:
    """A file that is not Python: copied as it is (FAILED, nothing written, when unreadable)."""
    result = FileConversion(rel, outcome=COPIED)
    try:
        with open(source_path, "rb"):
            pass
    except OSError as exc:
        result.outcome, result.error = FAILED, f"cannot read: {exc.strerror or exc}"
        return result, None
    return result, source_path


@dataclass
class PreparedFile:
    """A file as the project table read, parsed and ran the finder on it, with the context its
    conversion gets: the conversion reuses all of it (the finder's findings are the same)."""

    data: bytes
    text: str
    tree: object
    raw: list
    profile: str = "portable"


def project_table(root: Path, files: list[tuple[Path, str]], db: Database,
                  prepared: dict[str, PreparedFile] | None = None) -> ProjectTable:
    """The package symbol table of a tree, from every file that parses (once per run). Every
    tree is held at once here, so a collection would scan them all, again and again: paused.
    `prepared` (a dict) receives each file whose last analysis here had its final context."""
    trees, texts, data = {}, {}, {}
    with gc_paused():
        for path, rel in files:
            try:
                data[rel] = path.read_bytes()
                texts[rel] = decode_source(data[rel])
                trees[rel] = parse_source(texts[rel], rel)
            except (SourceError, OSError, RecursionError):
                continue
        table = ProjectTable(trees, package_of(root), db.torch_modules)
        analysed: dict[str, tuple] = {}
        infer_across_modules(table, trees, db, sources=texts, analysed=analysed if prepared is not None else None)
        for rel, (context, raw) in analysed.items():
            if table.context(rel) == context:
                prepared[rel] = PreparedFile(data[rel], texts[rel], trees[rel], raw)
    return table


def infer_across_modules(table: ProjectTable, trees: dict, db: Database, rounds: int = 2,
                         sources: dict[str, str] | None = None, analysed: dict | None = None) -> None:
    """Tensors passed between modules (a helper in one file called from a forward in another):
    every module is analysed with what the others told so far, until nothing new is learnt.
    `sources` (text by path): with it the finder skips the methods whose text names no
    `register_*`/`add_module` call instead of walking every method's whole subtree.
    `analysed` (a dict) receives each file's last context and the finder's findings with it."""
    from .analysis.finder import infer_and_find

    sources = sources or {}
    seen: dict[str, object] = {}  # the context each file was last analysed with
    for _ in range(rounds):
        grown = False
        for rel, tree in trees.items():
            context = table.context(rel)
            if seen.get(rel) == context:
                continue  # same tree, same context: the same facts, already in the table
            seen[rel] = context
            try:
                raw, facts = infer_and_find(tree, db, "portable", sources.get(rel, ""), context)
            except RecursionError:
                if analysed is not None:
                    analysed.pop(rel, None)
                continue
            if analysed is not None:
                analysed[rel] = (context, raw)
            grown |= table.add_inference(rel, sorted(facts.external, key=repr), facts.returning)
        if not grown:
            break


_WORKER_DB: Database | None = None
_WORKER_SELECTION = None  # the rules.selection.RuleSelection of the run (None: every rule)
#: rel path → PreparedFile of the run (a forked worker inherits it; spawned ones parse again)
_PREPARED: dict[str, PreparedFile] = {}


def _worker_init(db_dir: str | None, overlay_root: str | None, selection=None) -> None:
    """`db_dir` None: the worker was forked and has the parent's database already."""
    global _WORKER_DB, _WORKER_SELECTION
    ignore_interrupts()
    if db_dir is not None:
        _WORKER_DB = load_database(db_dir, overlay_root=overlay_root)
    _WORKER_SELECTION = selection


def _worker_convert(job: tuple) -> FileConversion:
    """Convert and write one file; a failure to read or write is this file's outcome."""
    source, dest, rel, profile, context = job
    if profile is None:  # not Python
        result, payload = copy_one(Path(source), rel)
    else:
        result, payload = convert_one(Path(source), rel, _WORKER_DB, profile, context, _WORKER_SELECTION,
                                      _PREPARED.pop(rel, None))
    if payload is None:
        return result
    try:
        result.written = write_atomic(Path(dest), payload, _source_mode(Path(source)))
    except OSError as exc:
        if exc.filename == source:  # the source vanished or became unreadable meanwhile
            result.outcome, result.error = FAILED, f"cannot read: {exc.strerror or exc}"
        else:
            raise  # the output cannot be written: the run stops (the manifest keeps what was written)
    return result


def _run_jobs(jobs: list[tuple], db: Database, workers: int, progress, selection=None,
              prepared: dict[str, PreparedFile] | None = None) -> Iterator[FileConversion]:
    global _WORKER_DB, _WORKER_SELECTION, _PREPARED
    total = len(jobs)
    if workers > 1 and total > 8:
        from .scanning.runner import pool_context

        ctx = pool_context()
        overlay = None if not db.overlays else str(db.overlays[0].parent)
        forked = ctx.get_start_method() == "fork"
        if forked:  # the workers inherit the database and the prepared files
            _WORKER_DB, _PREPARED = db, prepared or {}
        try:
            with ctx.Pool(workers, initializer=_worker_init,
                          initargs=(None if forked else str(db.directory), overlay, selection)) as pool:
                for n, result in enumerate(pool.imap(_worker_convert, jobs, chunksize=4), 1):
                    if progress:
                        progress(n, total)
                    yield result
        finally:
            _WORKER_DB, _PREPARED = None, {}
        return
    _WORKER_DB, _WORKER_SELECTION, _PREPARED = db, selection, prepared or {}
    for n, job in enumerate(jobs, 1):
        result = _worker_convert(job)
        if progress:
            progress(n, total)
        yield result


def convert_paths(src: Path, out: Path, db: Database, profile: str = "portable", force: bool = False,
                  jobs: int = 1, progress: Callable[[int, int], None] | None = None,
                  overwrite_edited: bool = False, selection=None,
                  exclude: list[str] | tuple[str, ...] = ()) -> ConvertSummary:
    """Convert SRC into OUT. Nothing is written when OUT holds files changed since msdev wrote
    them (unless `overwrite_edited`); a file that fails is counted, never stops the run.
    `selection` (rules.selection.RuleSelection): uses of the rules it leaves out are not rewritten.
    `exclude`: gitignore-style patterns of paths (relative to SRC) left out of the output, as scan skips them."""
    with contextlib.ExitStack() as frozen:
        return _convert_paths(src, out, db, profile, force, jobs, progress, overwrite_edited, selection, exclude,
                              frozen)


def _convert_paths(src: Path, out: Path, db: Database, profile: str, force: bool, jobs: int, progress,
                   overwrite_edited: bool, selection, exclude, frozen: contextlib.ExitStack) -> ConvertSummary:
    """convert_paths; `frozen` keeps the project table's trees out of collections until it closes."""
    src_root, target = plan_paths(src, out, force)
    prepared: dict[str, PreparedFile] = {}
    if src.is_file():
        folder = target.parent
        work = [(str(src_root), str(target), target.name, profile, None)]
        walk_errors: list[tuple[Path, str]] = []
    else:
        folder = target
        walk_errors = []
        work = []
        for path in walk_tree(src_root, walk_errors, exclude):
            rel = path.relative_to(src_root)
            work.append((str(path), str(target / rel), rel.as_posix(), profile if path.suffix == ".py" else None, None))
        with gc_paused():  # no collection before what the table holds is frozen
            table = project_table(src_root, [(Path(j[0]), j[2]) for j in work if j[3] is not None], db,
                                  prepared if profile == "portable" else None)
            frozen.enter_context(gc_frozen())
        work = [(a, b, rel, p, table.context(rel) if p is not None else None) for a, b, rel, p, _ in work]
    manifest = Manifest(folder)
    if not overwrite_edited:
        changed = manifest.changed([job[2] for job in work])
        if changed:
            listing = "\n".join(f"  {folder / rel}: {why}" for rel, why in changed)
            raise ConvertError(
                f"{len(changed)} file{'s' if len(changed) != 1 else ''} in {folder} changed since msdev wrote "
                f"{'them' if len(changed) != 1 else 'it'} (or msdev did not write {'them' if len(changed) != 1 else 'it'}); "
                f"nothing was written. Use --overwrite-edited to replace {'them' if len(changed) != 1 else 'it'}:\n{listing}")
    folder.mkdir(parents=True, exist_ok=True)
    summary = ConvertSummary([], [])
    for path, why in walk_errors:
        summary.others.append(FileConversion(path.relative_to(src_root).as_posix(), error=why, outcome=FAILED))
    try:
        for result in _run_jobs(work, db, jobs, progress, selection, prepared):
            if result.written is not None:
                manifest.record(result.rel_path, result.written)
            is_python = result.rel_path.endswith(".py") or src.is_file()
            (summary.files if is_python else summary.others).append(result)
    finally:
        manifest.save()  # also after a failed write: what was written is msdev's
    return summary
