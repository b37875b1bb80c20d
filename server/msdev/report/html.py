"""The HTML report: one self-contained page (inline CSS, JS and SVG; nothing loaded from the network).

It shows the summary with a donut chart of the status breakdown, a sortable and filterable
table of PyTorch APIs (uses, status, MindSpore target, difference note), and a per-file table
whose rows open onto the file's findings with line and column numbers.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import jinja2

from ..findings import AUTOMATIC, Status
from ..rules import BY_STATUS
from ..scanning.summary import STATUS_ORDER
from .text import _reason

if TYPE_CHECKING:  # pragma: no cover
    from ..scanning.runner import ScanResult

TEMPLATE_DIR = Path(__file__).with_name("templates")

#: one colour per status, colour-blind friendly order from "nothing to do" to "no counterpart"
STATUS_COLOR = {
    Status.IDENTICAL: "#1a9850",
    Status.RENAMED: "#66bd63",
    Status.DEFAULT_DIFF: "#a6d96a",
    Status.ARG_DIFF: "#4393c3",
    Status.PARTIAL: "#fdae61",
    Status.MANUAL: "#f46d43",
    Status.UNKNOWN: "#9970ab",
    Status.UNSUPPORTED: "#d73027",
}
#: status → its rule's label (msdev.rules): the words the editor and the text report use too
STATUS_LABEL = {Status(status): r.label for status, r in BY_STATUS.items()}


def _safe_url(url: str | None) -> str | None:
    """Only web links become hrefs (an overlay database must not inject `javascript:`)."""
    return url if url and url.startswith(("https://", "http://")) else None


def _donut(by_status: dict[str, int], total: int) -> list[dict[str, Any]]:
    """Arc segments for an SVG donut drawn with stroke-dasharray on a circle of circumference 100."""
    segments = []
    offset = 0.0
    for status in STATUS_ORDER:
        n = by_status.get(str(status), 0)
        if not n or not total:
            continue
        share = 100.0 * n / total
        segments.append({"status": str(status), "color": STATUS_COLOR[status], "dash": f"{share:.3f} {100 - share:.3f}",
                         "offset": f"{25 - offset:.3f}", "label": STATUS_LABEL[status], "count": n})
        offset += share
    return segments


def context(result: "ScanResult") -> dict[str, Any]:
    s = result.summary
    statuses = []
    for status in STATUS_ORDER:
        n = s.by_status.get(str(status), 0)
        statuses.append({
            "status": str(status), "label": STATUS_LABEL[status], "color": STATUS_COLOR[status], "count": n,
            "share": (n / s.uses) if s.uses else 0.0, "rule": BY_STATUS[str(status)].code,
            "automatic": status in AUTOMATIC, "description": BY_STATUS[str(status)].summary,
        })
    apis = [{"api": a.torch_api, "status": str(a.status), "label": STATUS_LABEL[a.status], "uses": a.uses,
             "files": a.files, "target": a.mindspore_api, "url": _safe_url(a.note_url), "message": a.message,
             "reason": _reason(a.message), "verification": a.verification,
             "rank": STATUS_ORDER.index(a.status)} for a in s.apis]
    files = []
    for fr in result.files:
        auto = sum(1 for f in fr.findings if f.status in AUTOMATIC)
        files.append({
            "path": fr.path, "lines": fr.lines, "uses": len(fr.findings), "automatic": auto,
            "work": len(fr.findings) - auto, "error": fr.error,
            "findings": [{"line": f.line, "col": f.column + 1, "api": f.torch_api, "status": str(f.status),
                          "label": STATUS_LABEL[f.status], "target": f.mindspore_api, "url": _safe_url(f.note_url),
                          "message": f.message, "kind": str(f.kind)} for f in fr.findings],
        })
    readiness = s.readiness
    return {
        "result": result,
        "summary": s,
        "readiness": readiness,
        "readiness_text": "n/a" if readiness is None else f"{readiness:.1%}",
        "statuses": statuses,
        "donut": _donut(s.by_status, s.uses),
        "apis": apis,
        "files": files,
        "colors": {str(k): v for k, v in STATUS_COLOR.items()},
        "circumference": 2 * math.pi * 15.9155,
    }


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(("html", "j2")),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["thousands"] = lambda n: f"{n:,}"
    env.filters["pct"] = lambda x: f"{x:.1%}"
    return env


def render(result: "ScanResult", out: TextIO) -> None:
    template = _environment().get_template("report.html.j2")
    for chunk in template.generate(**context(result)):
        out.write(chunk)
