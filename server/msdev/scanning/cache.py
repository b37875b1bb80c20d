"""Per-file result cache, so a second scan of an unchanged tree is nearly free.

An entry is addressed by sha256(cache format, msdev version, database version, profile, file
bytes): editing a file, upgrading msdev or changing the mapping database all miss naturally,
and nothing is ever invalidated by hand. Entries are small `marshal` blobs (the compact payload
the scan workers produce), one file each, written atomically, so concurrent scans of the same
tree cannot corrupt each other.

The cache lives under the user's cache folder (`$XDG_CACHE_HOME/msdev/scan/`, else
`~/.cache/msdev/scan/`), one folder per scanned root, so a scan never writes into the tree it
reads; `--cache-dir` names another folder (it gets a `.gitignore` of `*` in case it sits in a
repository). Any I/O problem disables the cache for the run; a scan
never fails because of it.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import shutil
import time
from pathlib import Path

from .. import __version__
from ..findings import Applicability, Confidence, Kind, Status

#: where caches lived before they moved to the user cache folder (the walker still skips it)
CACHE_DIRNAME = ".msdev_cache"
#: bump when the payload layout changes
CACHE_FORMAT = 4  # 2: pattern rules (MS2xx) in the payload; 3: the rewriter's verdict per finding;
#: 4: findings silenced by `# msdev: ignore` comments left out
#: folders of other database versions untouched for this long are removed
STALE_SECONDS = 30 * 24 * 3600


def user_cache_base() -> Path:
    """`$XDG_CACHE_HOME/msdev` (when set to an absolute path, as the spec asks), else ~/.cache/msdev."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache") / "msdev"


def default_cache_dir(root: str | Path) -> Path:
    """The cache folder of a scan of `root`: named after it and keyed by its absolute path."""
    absolute = os.path.abspath(root)
    digest = hashlib.sha256(absolute.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return user_cache_base() / "scan" / f"{Path(absolute).name or 'root'}-{digest}"


_KINDS = len(Kind)
_CONFIDENCES = len(Confidence)
_FIXES = len(Applicability) + 1  # and None: no fix
_STATUSES = frozenset(str(s) for s in Status)


def _opt_str(v) -> bool:
    return v is None or type(v) is str


_INT_ONLY = {int}


def payload_is_valid(payload) -> bool:
    """Whether a decoded entry has the layout `scanning.runner.encode` writes:
    (lines, error, infos, rows), infos = (api, status, mindspore_api, note_url, message, pattern,
    fix index (-1: no verdict), verdict reason, verdict notes, detail)
    and rows = (line, column, end_line, end_column, kind, confidence, info index)."""
    if type(payload) is not tuple or len(payload) != 4:
        return False
    lines, error, infos, rows = payload
    if not (lines is None or type(lines) is int) or not _opt_str(error):
        return False
    if type(infos) is not tuple or type(rows) is not tuple:
        return False
    for info in infos:
        if type(info) is not tuple or len(info) != 10:
            return False
        api, status, ms, url, message, pattern, fix, reason, notes, detail = info
        if type(api) is not str or status not in _STATUSES or type(message) is not str \
                or not (_opt_str(ms) and _opt_str(url) and _opt_str(pattern)):
            return False
        if type(fix) is not int or not -1 <= fix < _FIXES or type(reason) is not str or type(detail) is not str \
                or type(notes) is not tuple or any(type(n) is not str for n in notes):
            return False
    n = len(infos)
    for row in rows:
        if type(row) is not tuple or len(row) != 7 or set(map(type, row)) != _INT_ONLY:
            return False
        if not (0 <= row[4] < _KINDS and 0 <= row[5] < _CONFIDENCES and 0 <= row[6] < n):
            return False
    return True


class ScanCache:
    """A content-addressed store of compact per-file scan payloads."""

    def __init__(self, folder: str | Path, db_version: str, profile: str):
        self.base = Path(folder)
        self.generation = f"scan-v{CACHE_FORMAT}-{db_version}"
        self.folder = self.base / self.generation
        self._salt = f"{CACHE_FORMAT}\0{__version__}\0{db_version}\0{profile}\0".encode()
        self.enabled = True
        self.problem: str | None = None
        self.hits = 0
        self.writes = 0
        self._made: set[str] = set()

    # ------------------------------------------------------------------ keys
    def key(self, data: bytes) -> str:
        h = hashlib.sha256(self._salt)
        h.update(data)
        return h.hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self.folder, key[:2], key[2:])

    # ------------------------------------------------------------------ read / write
    def get(self, key: str):
        """The payload stored for `key`, or None: missing, unreadable, truncated or not a payload
        (a damaged entry is removed and rebuilt by the scan; nothing is trusted unchecked)."""
        if not self.enabled:
            return None
        path = self._path(key)
        try:
            with open(path, "rb") as fh:
                payload = marshal.loads(fh.read())  # one read: marshal.load(fh) reads in small pieces
        except FileNotFoundError:
            return None
        except (OSError, EOFError, ValueError, TypeError):
            payload = None  # unreadable or truncated
        if not payload_is_valid(payload):
            self._forget(path)
            return None
        self.hits += 1
        return payload

    @staticmethod
    def _forget(path: str) -> None:
        try:
            os.unlink(path)
        except OSError:
            pass

    def prepare(self) -> bool:
        """Create the cache folder (with its .gitignore); False (and cache off) if impossible."""
        if not self.enabled:
            return False
        try:
            self.base.mkdir(parents=True, exist_ok=True)
            ignore = self.base / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# created by msdev: scan cache, safe to delete\n*\n", encoding="utf-8")
            tag = self.base / "CACHEDIR.TAG"
            if not tag.exists():
                tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n"
                               "# msdev scan cache (https://bford.info/cachedir/)\n", encoding="utf-8")
            self.folder.mkdir(exist_ok=True)
        except OSError as exc:
            self.disable(f"cache disabled: cannot write {self.base} ({exc.strerror or exc})")
            return False
        return True

    def put(self, key: str, blob: bytes) -> None:
        """Store an already-marshalled payload (workers marshal once for cache and transport)."""
        if not self.enabled:
            return
        shard = os.path.join(self.folder, key[:2])
        try:
            if shard not in self._made:
                os.makedirs(shard, exist_ok=True)
                self._made.add(shard)
            final = os.path.join(shard, key[2:])
            tmp = f"{final}.{os.getpid()}.tmp"
            with open(tmp, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, final)
            self.writes += 1
        except OSError as exc:
            self.disable(f"cache disabled: cannot write {self.folder} ({exc.strerror or exc})")

    def write_meta(self, name: str, value: str) -> None:
        """A small named fact about this generation (e.g. the database's real version)."""
        if not self.enabled:
            return
        try:
            path = self.folder / f"{name}.txt"
            if self.read_meta(name) != value.strip():  # read_meta checks what it reads
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_text(value, encoding="utf-8")
                os.replace(tmp, path)
        except OSError:
            pass

    def read_meta(self, name: str) -> str | None:
        """A fact written by write_meta; None (and the file removed) when it is not clean text."""
        if not self.enabled:
            return None
        path = self.folder / f"{name}.txt"
        try:
            text = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except (OSError, ValueError):  # ValueError: UnicodeDecodeError of a damaged file
            text = None
        if text is None or not text.isprintable():
            self._forget(str(path))
            return None
        return text or None

    def disable(self, why: str) -> None:
        self.enabled = False
        self.problem = why

    def prune(self) -> None:
        """Drop generations of other database versions nobody has used for a month."""
        if not self.enabled:
            return
        now = time.time()
        try:
            for child in self.base.iterdir():
                if (child.is_dir() and child.name.startswith("scan-v") and child.name != self.generation
                        and now - child.stat().st_mtime > STALE_SECONDS):
                    shutil.rmtree(child, ignore_errors=True)
            os.utime(self.folder)
        except OSError:
            pass
