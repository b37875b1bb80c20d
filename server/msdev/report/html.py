"""The HTML report: one self-contained page (inline CSS, JS and SVG; nothing loaded from the network).

It is laid out for the person deciding how much work a migration is: the whole window width,
summary cards, a donut of the status breakdown, readiness per folder as stacked bars, a compact
sortable and filterable table of PyTorch APIs (one line each, verification as a badge whose
tooltip says what `msdev db verify` recorded), and a per-file table whose rows open onto the
file's findings without widening the page.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import jinja2
import markupsafe

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


def _breakable(name: str | None) -> markupsafe.Markup:
    """A dotted name that may wrap after its dots (never inside a word)."""
    if not name:
        return markupsafe.Markup("—")
    return markupsafe.Markup("<wbr>").join(markupsafe.escape(part) + "." for part in name.split(".")[:-1]) \
        + (markupsafe.Markup("<wbr>") if "." in name else "") + markupsafe.escape(name.split(".")[-1])


def _verification_badge(text: str) -> dict[str, str]:
    """A short badge for the verification state; the full sentence goes in its tooltip."""
    if text.startswith("verified"):
        return {"kind": "ok", "short": "✓ verified"}
    if text.startswith("fails"):
        return {"kind": "fail", "short": "✗ fails"}
    return {"kind": "none", "short": "not verified"}


def folder_readiness(result: "ScanResult", limit: int = 15) -> list[dict[str, Any]]:
    """Uses per folder (the level below the common top), each split by status, most used first."""
    rows = [(fr.path.split("/"), fr) for fr in result.files if fr.findings]
    depth = 1
    while rows and len({tuple(p[:depth]) for p, _ in rows if len(p) > depth}) == 1 and depth < 4 \
            and all(len(p) > depth + 1 for p, _ in rows):
        depth += 1  # every file under one folder: look one level deeper
    groups: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for parts, fr in rows:
        name = "/".join(parts[:depth]) if len(parts) > depth else "(top level)"
        for f in fr.findings:
            groups[name][str(f.status)] += 1
    out = []
    for name, counts in groups.items():
        uses = sum(counts.values())
        auto = sum(n for st, n in counts.items() if Status(st) in AUTOMATIC)
        out.append({"folder": name, "uses": uses, "readiness": auto / uses,
                    "segments": [{"status": str(st), "label": STATUS_LABEL[st], "color": STATUS_COLOR[st],
                                  "count": counts[str(st)], "share": counts[str(st)] / uses}
                                 for st in STATUS_ORDER if counts.get(str(st))]})
    out.sort(key=lambda r: (-r["uses"], r["folder"]))
    return out[:limit]


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
             "badge": _verification_badge(a.verification),
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
        "folders": folder_readiness(result),
        "scanned": ", ".join(p.as_posix() for p in (result.scanned or [result.root])),
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
    env.filters["breakable"] = _breakable
    env.filters["pathbreak"] = lambda path: markupsafe.Markup("/<wbr>").join(markupsafe.escape(p) for p in path.split("/"))
    return env


def render(result: "ScanResult", out: TextIO) -> None:
    template = _environment().get_template("report.html.j2")
    for chunk in template.generate(**context(result)):
        out.write(chunk)
