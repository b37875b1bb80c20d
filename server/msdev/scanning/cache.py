"""Per-file result cache, so a second scan of an unchanged tree is nearly free.

An entry is addressed by sha256(cache format, msdev version, database version, profile, file
bytes): editing a file, upgrading msdev or changing the mapping database all miss naturally,
and nothing is ever invalidated by hand. Entries are small `marshal` blobs (the compact payload
the scan workers produce), one file each, written atomically, so concurrent scans of the same
tree cannot corrupt each other.

The cache lives in `<scan root>/.msdev_cache/` (with a `.gitignore` of `*` so git never sees
it) or in a folder the caller names. Any I/O problem disables the cache for the run; a scan
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

CACHE_DIRNAME = ".msdev_cache"
#: bump when the payload layout changes
CACHE_FORMAT = 3  # 2: pattern rules (MS2xx) in the payload; 3: the rewriter's verdict per finding
#: folders of other database versions untouched for this long are removed
STALE_SECONDS = 30 * 24 * 3600


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
        if not self.enabled:
            return None
        try:
            with open(self._path(key), "rb") as fh:
                payload = marshal.loads(fh.read())  # one read: marshal.load(fh) reads in small pieces
        except FileNotFoundError:
            return None
        except (OSError, EOFError, ValueError, TypeError):
            return None  # unreadable or truncated: treated as a miss, rewritten below
        self.hits += 1
        return payload

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
            if not path.is_file() or path.read_text(encoding="utf-8") != value:
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_text(value, encoding="utf-8")
                os.replace(tmp, path)
        except OSError:
            pass

    def read_meta(self, name: str) -> str | None:
        if not self.enabled:
            return None
        try:
            return (self.folder / f"{name}.txt").read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

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
