"""Scan reports, one module per format: text, json, sarif, html, csv.

Every renderer takes a `ScanResult` and a text stream; `write_report` picks the renderer and
handles the destination (stdout, a stream, or a file written atomically so a failed run never
leaves half a report behind).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from ..scanning.runner import ScanResult

FORMATS = ("text", "json", "sarif", "html", "csv")

#: MindSpore's index of PyTorch API differences: the help page of every rule
MAPPING_INDEX_URL = "https://www.mindspore.cn/docs/en/master/note/api_mapping/pytorch_api_mapping.html"


class ReportError(Exception):
    """The report cannot be written where the user asked (a usage error)."""


def _renderer(fmt: str) -> Callable[["ScanResult", TextIO], None]:
    if fmt == "text":
        from .text import render
    elif fmt == "json":
        from .json_report import render
    elif fmt == "sarif":
        from .sarif import render
    elif fmt == "html":
        from .html import render
    elif fmt == "csv":
        from .csv_report import render
    else:
        raise ReportError(f"unknown report format {fmt!r} (choose from {', '.join(FORMATS)})")
    return render


def check_destination(out: str | Path) -> Path:
    """Fail early (before scanning) when `-o` cannot be written."""
    path = Path(out)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ReportError(f"cannot write the report to {out}: it is a directory")
    if not parent.exists():
        raise ReportError(f"cannot write the report to {out}: folder {parent} does not exist")
    if not parent.is_dir():
        raise ReportError(f"cannot write the report to {out}: {parent} is not a folder")
    if not os.access(parent, os.W_OK):
        raise ReportError(f"cannot write the report to {out}: folder {parent} is not writable")
    return path


def write_report(result: "ScanResult", fmt: str, out: str | Path | TextIO | None = None) -> None:
    """Render `result` as `fmt` into `out`: a path, an open text stream, or stdout (None)."""
    write_report_with(result, _renderer(fmt), out, newline="" if fmt == "csv" else None)


def write_report_with(result: "ScanResult", render: Callable[["ScanResult", TextIO], None],
                      out: str | Path | TextIO | None = None, newline: str | None = None) -> None:
    """Run one renderer into `out` (a path written atomically, an open stream, or stdout)."""
    if out is None:
        render(result, sys.stdout)
        return
    if isinstance(out, io.TextIOBase) or hasattr(out, "write"):
        render(result, out)  # type: ignore[arg-type]
        return
    path = check_destination(out)  # newline="": the csv module writes its own line ends
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent if str(path.parent) else ".")
    except OSError as exc:
        raise ReportError(f"cannot write the report to {out}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            render(result, fh)
        os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        _unlink(tmp)
        raise ReportError(f"cannot write the report to {out}: {exc.strerror or exc}") from None
    except BaseException:
        _unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


__all__ = ["FORMATS", "MAPPING_INDEX_URL", "ReportError", "check_destination", "write_report", "write_report_with"]
