"""Input sizes msdev refuses, in one place so scan, convert and the editor say the same thing."""

from __future__ import annotations

#: files above this size are reported, not parsed (generated tables, minified code)
MAX_FILE_BYTES = 20 * 1024 * 1024


def size_problem(size: int) -> str | None:
    """Why a file of `size` bytes is not analysed or converted, or None when it is fine."""
    if size > MAX_FILE_BYTES:
        return (f"file too large to analyse ({size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes, "
                f"{MAX_FILE_BYTES // 2**20} MiB)")
    return None
