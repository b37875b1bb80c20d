"""The scanning library behind `msdev scan` and the language server's `msdev.scanWorkspace`.

    result = run_scan(["src"], db, profile="portable", jobs=None, use_cache=True)
    write_report(result, "json", "report.json")

`run_scan` walks, caches and parallelises; `msdev.report.write_report` renders any format.
"""

from .runner import ScanResult, decode, default_jobs, encode, run_scan
from .summary import ApiStat, Summary, summarize
from .walk import InputError, discover


def write_report(result: ScanResult, fmt: str, out=None) -> None:
    """Render `result` as `fmt` into a path or a text stream (stdout when None)."""
    from ..report import write_report as _write

    _write(result, fmt, out)


__all__ = ["ApiStat", "InputError", "ScanResult", "Summary", "decode", "default_jobs", "discover", "encode",
           "run_scan", "summarize", "write_report"]
