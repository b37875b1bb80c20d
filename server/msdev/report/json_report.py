"""The JSON report: the machine-readable form, documented in docs/report-schema.md.

The layout is versioned by `SCHEMA_VERSION` (major.minor): a minor bump only adds fields,
a major bump renames or removes some. The JSON Schema itself ships next to this module
(`schema/scan-report.schema.json`) and the tests validate every report against it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from ..scanning.runner import ScanResult

SCHEMA_VERSION = "1.2"  # 1.1: summary.apis[].verification; 1.2: scanned
SCHEMA_PATH = Path(__file__).with_name("schema") / "scan-report.schema.json"


def report_dict(result: "ScanResult") -> dict[str, Any]:
    files = []
    for fr in result.files:
        item: dict[str, Any] = {"path": fr.path, "lines": fr.lines, "findings": [f.to_dict() for f in fr.findings]}
        if fr.error is not None:
            item["error"] = fr.error
        files.append(item)
    return {
        "schema_version": SCHEMA_VERSION,
        "msdev_version": result.msdev_version,
        "db_version": result.db_version,
        "profile": result.profile,
        "root": result.root.as_posix(),
        "scanned": [p.as_posix() for p in result.scanned or [result.root]],
        "summary": result.summary.to_dict(),
        "files": files,
    }


def render(result: "ScanResult", out: TextIO) -> None:
    json.dump(report_dict(result), out, ensure_ascii=False, indent=1)
    out.write("\n")
