"""Running a scan: discover files, answer from the cache, analyse the rest over processes.

The parent reads each file once (the cache key is the hash of exactly the bytes analysed),
answers cache hits itself and sends the misses, with their bytes, in size-balanced chunks to
a process pool. Workers inherit the loaded database (fork) or unpickle it once (spawn), and
send back one compact `marshal` blob per file — the same blob the cache stores — so a cached
and a fresh result go through one decoder.
"""

from __future__ import annotations

import errno
import marshal
import os
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from .. import __version__
from ..analysis.project import ModuleContext, own_roots_of
from ..db.loader import Database
from ..gcpause import gc_paused
from ..limits import MAX_FILE_BYTES, size_problem
from ..workers import ignore_interrupts
from ..findings import STATUS_RANK, Applicability, Confidence, FileResult, Finding, Kind, Status, Verdict
from .cache import ScanCache, default_cache_dir
from .lazydb import LazyDatabase, db_fingerprint
from .summary import Summary, summarize
from .walk import InputError, SourceFile, discover

ProgressFn = Callable[[int, int], None]

_KINDS: tuple[Kind, ...] = tuple(Kind)
_KIND_INDEX = {k: i for i, k in enumerate(_KINDS)}
_CONFS: tuple[Confidence, ...] = tuple(Confidence)
_CONF_INDEX = {c: i for i, c in enumerate(_CONFS)}
_STATUS = {str(s): s for s in Status}
#: a verdict's applicability in the payload (None: no fix)
_FIXES: tuple[Applicability | None, ...] = (None, *Applicability)
_FIX_INDEX = {a: i for i, a in enumerate(_FIXES)}

#: below this many bytes to analyse, a pool costs more than it saves
_PARALLEL_MIN_BYTES = 256 * 1024


@dataclass(slots=True)
class ScanResult:
    """Everything a report needs."""

    root: Path
    files: list[FileResult]
    summary: Summary
    db_version: str
    profile: str
    msdev_version: str = __version__
    elapsed: float = 0.0
    jobs: int = 1
    cache_hits: int = 0
    analysed: int = 0
    warnings: list[str] = field(default_factory=list)
    #: the paths the user asked to scan, absolute (`root` may be the cwd that holds them)
    scanned: list[Path] = field(default_factory=list)
    #: the database scanned with (a Database or LazyDatabase): what SARIF's `fixes[]` are made with
    db: object = field(default=None, repr=False, compare=False)

    def database(self) -> Database | None:
        return self.db.get() if isinstance(self.db, LazyDatabase) else self.db

    def worst_rank(self) -> int:
        """The highest STATUS_RANK among all findings (-1 when there is none)."""
        worst = -1
        for name, count in self.summary.by_status.items():
            if count:
                worst = max(worst, STATUS_RANK[_STATUS[name]])
        return worst


# ---------------------------------------------------------------------- payloads
def encode(result: FileResult) -> bytes:
    """A FileResult as a compact marshal blob: per-API details once, then position rows."""
    infos: list[tuple] = []
    index: dict[tuple, int] = {}
    rows = []
    for f in result.findings:
        v = f.verdict
        fix = -1 if v is None else _FIX_INDEX[v.applicability]
        reason = v.reason if v is not None else ""
        key = (f.torch_api, f.message, f.pattern, fix, reason)  # pattern findings of one API differ in message
        i = index.get(key)
        if i is None:
            i = index[key] = len(infos)
            infos.append((f.torch_api, str(f.status), f.mindspore_api, f.note_url, f.message, f.pattern, fix, reason,
                          tuple(v.notes) if v is not None else (), f.detail))
        rows.append((f.line, f.column, f.end_line, f.end_column, _KIND_INDEX[f.kind], _CONF_INDEX[f.confidence], i))
    return marshal.dumps((result.lines, result.error, tuple(infos), tuple(rows)))


def decode(payload, display: str) -> FileResult:
    lines, error, infos, rows = payload
    details = [(api, _STATUS[st], ms, url, msg, pat, None if fix == -1 else Verdict(
        _FIXES[fix], reason, list(notes)), detail) for api, st, ms, url, msg, pat, fix, reason, notes, detail in infos]
    kinds, confs = _KINDS, _CONFS
    findings = []
    append = findings.append
    for line, col, end_line, end_col, k, c, i in rows:
        api, status, ms, url, msg, pat, verdict, detail = details[i]
        append(Finding(line, col, end_line, end_col, api, kinds[k], confs[c], status, ms, url, msg, pattern=pat,
                       verdict=verdict, detail=detail))
    return FileResult(display, findings, error, lines)


# ---------------------------------------------------------------------- workers
_WORKER: dict = {}


def _init_worker(db: Database | None, profile: str, module) -> None:
    ignore_interrupts()
    if db is not None:  # spawn: the database arrives pickled; fork: it is already here
        _WORKER["db"] = db
    _WORKER["profile"] = profile
    _WORKER["module"] = module


def _analyze_bytes(data: bytes, display: str, db: Database, profile: str, module=None) -> FileResult:
    # imported here: a fully cached scan never needs the parser and finder
    from ..analysis.engine import SourceError, analyze_text, decode_source

    try:
        text = decode_source(data)
    except SourceError as exc:
        return FileResult(display, error=str(exc))
    return analyze_text(text, db, profile, display, module)


def _work_chunk(chunk: list[tuple[int, str, bytes]]) -> list[tuple[int, bytes]]:
    db, profile, module = _WORKER["db"], _WORKER["profile"], _WORKER["module"]
    with gc_paused():
        return [(i, encode(_analyze_bytes(data, display, db, profile, module))) for i, display, data in chunk]


def _chunks(items: list[tuple[int, str, bytes]], jobs: int) -> list[list[tuple[int, str, bytes]]]:
    """Size-balanced chunks, biggest files first, several per worker so no one idles at the end."""
    items = sorted(items, key=lambda it: -len(it[2]))
    n_chunks = min(len(items), jobs * 8)
    chunks: list[list] = [[] for _ in range(n_chunks)]
    loads = [0] * n_chunks
    for it in items:  # greedy: next file into the lightest chunk
        j = loads.index(min(loads))
        chunks[j].append(it)
        loads[j] += len(it[2]) + 2048
    chunks.sort(key=lambda c: -sum(len(it[2]) for it in c))
    return chunks


def pool_context():
    """fork shares the loaded database for free; it is avoided where it is unsafe: on macOS,
    and in a process already running other threads (the language server), where a lock held
    by another thread at fork time could deadlock a worker."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.platform != "darwin" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


# ---------------------------------------------------------------------- the scan
def _read(source: SourceFile) -> bytes | str:
    """The file's bytes, or an error message for the report."""
    try:
        size = os.stat(source.path).st_size
        if size > MAX_FILE_BYTES:  # reported, not read (the same limit and words as convert)
            return size_problem(size)
        with open(source.path, "rb") as fh:
            return fh.read()
    except IsADirectoryError:
        return "is a directory"
    except PermissionError:
        return "permission denied"
    except FileNotFoundError:
        return "file vanished during the scan"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop"
        return exc.strerror or str(exc)


def _fingerprint_of(db: Database) -> str:
    """The same cache generation a LazyDatabase of the same files uses (CLI and server share it)."""
    if db.directory:
        overlay_root = db.overlays[0].parent if db.overlays else None
        fp = db_fingerprint(db.directory, overlay_root)
        if fp is not None:
            return fp
    return db.version


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def run_scan(paths: list[str | Path], db: Database | LazyDatabase, profile: str = "portable",
             jobs: int | None = None, use_cache: bool = True, excludes: list[str] | tuple[str, ...] = (),
             progress: ProgressFn | None = None, cache_dir: str | Path | None = None,
             use_ignores: bool = True, root: str | Path | None = None) -> ScanResult:
    """Scan files and folders; per-file problems end up in the result, never as exceptions.

    `db` is a loaded Database, or a LazyDatabase loaded only if some file is not cached.
    `root` is the folder paths are shown relative to (default: see `walk.scan_root`).
    Raises InputError when a named path does not exist (the caller's usage error).
    """
    started = time.perf_counter()
    walked = discover(paths, excludes, use_ignores, Path(os.path.abspath(root)) if root else None)
    jobs = default_jobs() if not jobs or jobs < 1 else jobs
    sources = walked.files
    total = len(sources) + len(walked.errors)
    results: list[FileResult | None] = [None] * len(sources)
    warnings: list[str] = []
    lazy = db if isinstance(db, LazyDatabase) else None
    # scanning torchvision's own source: its imports of itself are its code, as convert reads them
    own_roots = own_roots_of(paths)
    module = ModuleContext(own_roots=own_roots) if own_roots else None
    salt = ("own:" + ",".join(sorted(own_roots))).encode() if own_roots else b""

    cache = None
    if use_cache:
        cache_key = lazy.fingerprint if lazy is not None else _fingerprint_of(db)
        cache = ScanCache(Path(cache_dir) if cache_dir else default_cache_dir(walked.root), cache_key, profile)
    pending: list[tuple[int, str, bytes]] = []
    keys: dict[int, str] = {}
    done = 0
    for i, source in enumerate(sources):
        data = _read(source)
        if isinstance(data, str):
            results[i] = FileResult(source.display, error=data)
            done += 1
            continue
        if cache is not None:
            key = keys[i] = cache.key(data + salt if salt else data)
            payload = cache.get(key)
            if payload is not None:
                try:
                    results[i] = decode(payload, source.display)
                    done += 1
                    continue
                except (ValueError, TypeError, KeyError, IndexError):
                    pass  # a foreign or damaged entry: analyse again
        pending.append((i, source.display, data))
    if progress is not None:
        progress(done, total)

    database: Database | None = None
    if pending:
        database = lazy.get() if lazy is not None else db
        if cache is not None and cache.prepare():
            cache.write_meta("db_version", database.version)

    def store(i: int, blob: bytes) -> None:
        nonlocal done
        if cache is not None and i in keys:
            cache.put(keys[i], blob)
        results[i] = decode(marshal.loads(blob), sources[i].display)
        done += 1

    pending_bytes = sum(len(p[2]) for p in pending)
    workers = min(jobs, len(pending))
    parallel = workers > 1 and pending_bytes >= _PARALLEL_MIN_BYTES
    if parallel:
        ctx = pool_context()
        shared_db = None if ctx.get_start_method() == "fork" else database
        if shared_db is None:
            _WORKER["db"] = database  # inherited by the forked workers
        try:
            with ctx.Pool(workers, initializer=_init_worker, initargs=(shared_db, profile, module)) as pool:
                for batch in pool.imap_unordered(_work_chunk, _chunks(pending, workers)):
                    for i, blob in batch:
                        store(i, blob)
                    if progress is not None:
                        progress(done, total)
        finally:
            _WORKER.pop("db", None)
    elif pending:
        with gc_paused():
            for n, (i, display, data) in enumerate(pending):
                fr = _analyze_bytes(data, display, database, profile, module)
                if cache is not None:
                    cache.put(keys[i], encode(fr))
                for f in fr.findings:  # drop the AST and entry: reports need the fields only
                    f.node = f.entry = None
                results[i] = fr
                done += 1
                if progress is not None and (n % 16 == 15 or n == len(pending) - 1):
                    progress(done, total)

    files: list[FileResult] = [r for r in results if r is not None]
    files.extend(FileResult(display, error=message) for display, message in walked.errors)
    files.sort(key=lambda r: r.path)
    if progress is not None:
        progress(total, total)
    if cache is not None:
        if cache.writes:
            cache.prune()
        if cache.problem:
            warnings.append(cache.problem)
    if not sources and not walked.errors:
        warnings.append("no Python files found under " + ", ".join(str(p) for p in paths))
    if database is not None:
        db_version = database.version
    elif lazy is not None:
        db_version = (cache.read_meta("db_version") if cache is not None else None) or lazy.get().version
    else:
        db_version = db.version
    verification = _verification(database or (db if lazy is None else None), lazy, cache, profile)
    return ScanResult(
        scanned=[Path(os.path.abspath(p)) for p in paths],
        root=walked.root,
        files=files,
        summary=summarize(files, verification),
        db_version=db_version,
        profile=profile,
        elapsed=time.perf_counter() - started,
        jobs=workers if parallel else 1,
        cache_hits=cache.hits if cache is not None else 0,
        analysed=len(pending),
        warnings=warnings,
        db=db,
    )


def keep_findings(result: ScanResult, keep: Callable[[Finding], bool]) -> ScanResult:
    """The result with only the findings `keep` accepts, its summary recounted (the rule
    selection of `--select`/`--ignore`, a baseline)."""
    files = [replace(fr, findings=[f for f in fr.findings if keep(f)]) if fr.findings else fr for fr in result.files]
    verification = {a.torch_api: a.verification for a in result.summary.apis}
    return replace(result, files=files, summary=summarize(files, verification))


def _verification(database, lazy, cache, profile: str) -> dict[str, str]:
    """API → verification phrase; kept beside the cache so a fully cached scan need not load the database."""
    import json

    from ..db.verification import verification_state

    meta = f"verification-{profile}"
    if database is None and cache is not None:
        text = cache.read_meta(meta)
        if text:
            try:
                found = json.loads(text)
            except ValueError:
                found = None
            if isinstance(found, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in found.items()):
                return found
    if database is None:
        database = lazy.get()
    found = {api: verification_state(e, profile)[1] for api, e in database.entries.items() if e.verified}
    if cache is not None:
        cache.write_meta(meta, json.dumps(found, sort_keys=True))
    return found


__all__ = ["InputError", "LazyDatabase", "ScanResult", "keep_findings", "run_scan", "encode", "decode", "default_jobs"]
