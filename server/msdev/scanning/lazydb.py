"""A mapping database that is only loaded when a file actually needs analysing.

A fully cached scan never looks an API up, so loading (unpickling) the database would be a
good share of its run time. `LazyDatabase` carries a cheap content fingerprint of the database
files instead — enough to key the scan cache — and loads the real `Database` on first use.
The real `db.version` (shown in reports) is remembered next to the cache entries so a warm
scan can report it without loading anything.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

from ..db.loader import META_FILE, OVERLAY_NAME, Database, default_db_dir, entry_files, side_files


def db_fingerprint(db_dir: str | Path | None = None, overlay_root: str | Path | None = None) -> str | None:
    """sha256 of every file `load_database` reads (None if the directory is not a database)."""
    db_path = Path(db_dir) if db_dir else default_db_dir()
    if not db_path.is_dir():
        return None
    files = entry_files(db_path)
    if not files:
        return None
    extra = [db_path / META_FILE] + side_files(db_path)
    if overlay_root is not None:
        extra.append(Path(overlay_root) / OVERLAY_NAME)
    h = hashlib.sha256()
    try:
        for p in files + [p for p in extra if p.is_file()]:
            h.update(p.name.encode() + b"\0")
            h.update(p.read_bytes())
            h.update(b"\0")
    except OSError:
        return None
    return "fp-" + h.hexdigest()[:20]


class LazyDatabase:
    """Stands in for a `Database` in `run_scan`; `get()` loads it once."""

    def __init__(self, load: Callable[[], Database], fingerprint: str):
        self._load = load
        self.fingerprint = fingerprint
        self._db: Database | None = None

    @property
    def loaded(self) -> bool:
        return self._db is not None

    def get(self) -> Database:
        if self._db is None:
            self._db = self._load()
        return self._db
