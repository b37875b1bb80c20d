"""The CSV report: one row per finding (and one per file that could not be analysed).

Columns follow the JSON report's finding fields, with the file path first; `column` and
`end_column` are 0-based as in JSON. A file with an error gets a row whose `status` is
`error` and whose `message` says why, so a spreadsheet shows the gaps too.
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from ..scanning.runner import ScanResult

COLUMNS = ("path", "line", "column", "end_line", "end_column", "torch_api", "kind", "status", "rule",
           "mindspore_api", "confidence", "note_url", "message")


def _cell(value: object) -> object:
    """Neutralise text a spreadsheet would run as a formula (=, +, -, @ at the start)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def render(result: "ScanResult", out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for fr in result.files:
        path = _cell(fr.path)
        if fr.error is not None:
            writer.writerow((path, "", "", "", "", "", "", "error", "", "", "", "", _cell(fr.error)))
        for f in fr.findings:
            writer.writerow((path, f.line, f.column, f.end_line, f.end_column, f.torch_api, str(f.kind),
                             str(f.status), f.rule.code, _cell(f.mindspore_api), str(f.confidence),
                             _cell(f.note_url), _cell(f.message)))
