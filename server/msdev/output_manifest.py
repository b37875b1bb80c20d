"""What `msdev convert` wrote into an output folder, so a later run never overwrites hand edits.

The usual workflow is convert, fix the output by hand, then convert again after the source
changed. `.msdev-convert.json` in the output folder records every file msdev wrote with the
sha256 of its content; before overwriting anything, a run compares the files it would replace
with that record. A file changed since (or not written by msdev at all) is only replaced when
the user says so (`--overwrite-edited`).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

MANIFEST_NAME = ".msdev-convert.json"
SCHEMA = 1


def file_hash(path: Path) -> str | None:
    """sha256 of a file's content, None when it cannot be read."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


class Manifest:
    """The record of one output folder: relative path ('/'-separated) → sha256 written."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / MANIFEST_NAME
        self.files: dict[str, str] = {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = None
        if isinstance(raw, dict) and isinstance(raw.get("files"), dict):
            self.files = {str(k): str(v) for k, v in raw["files"].items() if isinstance(v, str)}

    def changed(self, rels: list[str]) -> list[tuple[str, str]]:
        """Of the files a run would write, those that exist and are not msdev's last output:
        (relative path, why)."""
        out = []
        for rel in rels:
            dest = self.folder / rel
            if not os.path.lexists(dest):
                continue
            recorded = self.files.get(rel)
            if recorded is None:
                out.append((rel, "not written by msdev"))
            elif file_hash(dest) != recorded:
                out.append((rel, "edited since msdev wrote it"))
        return out

    def record(self, rel: str, digest: str) -> None:
        self.files[rel] = digest

    def save(self) -> None:
        data = json.dumps({"schema": SCHEMA, "files": dict(sorted(self.files.items()))}, indent=1)
        tmp = self.path.with_name(f"{MANIFEST_NAME}.{os.getpid()}.tmp")
        tmp.write_text(data + "\n", encoding="utf-8")
        os.replace(tmp, self.path)
