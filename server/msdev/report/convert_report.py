"""The `msdev convert` report: MindConverter's text layout (so its users feel at home) and JSON.

JSON layout (schema_version 1):
{"schema_version": 1, "msdev_version", "db_version", "profile",
 "summary": {"files", "converted_files", "copied_unchanged", "failed_files", "uses", "converted",
             "unconverted", "conversion_rate", "errors", "complete"},
 "files": [{"path", "error"?, "converted": [{"line", "column", "torch_api", "mindspore_api", "notes"}],
            "unconverted": [{"line", "column", "torch_api", "reason", "note_url"}]}]}
JSON lines are 1-based and columns 0-based, as in `msdev scan`'s JSON; the text layout prints
1-based columns, as `msdev scan`'s text and compilers do.
"""

from __future__ import annotations

import json

from .. import __version__
from ..convert_tree import ConvertSummary

SCHEMA_VERSION = 1


def summary_dict(summary: ConvertSummary) -> dict:
    return {
        "files": len(summary.files),
        "converted_files": summary.converted_files,
        "copied_unchanged": summary.copied,
        "failed_files": len(summary.failed),
        "uses": summary.uses,
        "converted": summary.converted,
        "unconverted": summary.unconverted,
        "conversion_rate": round(summary.rate, 4),
        "errors": len(summary.errors),
        "complete": summary.complete,
    }


def to_json(summary: ConvertSummary, profile: str, db_version: str) -> str:
    files = []
    for f in summary.files:
        item = {
            "path": f.rel_path,
            "converted": [{"line": l, "column": c, "torch_api": t, "mindspore_api": m, "notes": n}
                          for l, c, t, m, n in f.converted],
            "unconverted": [{"line": l, "column": c, "torch_api": t, "reason": r, "note_url": u}
                            for l, c, t, r, u in f.unconverted],
        }
        if f.error:
            item["error"] = f.error
        if f.notes:
            item["notes"] = list(f.notes)
        files.append(item)
    return json.dumps({"schema_version": SCHEMA_VERSION, "msdev_version": __version__, "db_version": db_version,
                       "profile": profile, "summary": summary_dict(summary), "files": files}, indent=2)


def to_text(summary: ConvertSummary) -> str:
    lines = []
    for f in summary.files:
        lines.append(f"[Start Convert] {f.rel_path}")
        if f.error:
            lines.append(f"[Error] {f.error}; " + ("the file was copied unchanged." if f.written
                                                    else "nothing was written for it."))
        events = [(l, c, "c", t, m, n) for l, c, t, m, n in f.converted]
        events += [(l, c, "u", t, r, u) for l, c, t, r, u in f.unconverted]
        for line, col, kind, api, a, b in sorted(events, key=lambda e: (e[0], e[1])):
            if kind == "c" and any(n.startswith("partial: ") for n in b or ()):
                text = f"line {line}:{col + 1}: [Partial] '{api}' is rewritten to '{a}' but may not run as it is. " \
                       "Note: " + "; ".join(n.removeprefix("partial: ") for n in b)
            elif kind == "c":
                done = f"is converted to '{a}'" if a else "is removed (MindSpore needs no counterpart)"
                text = f"line {line}:{col + 1}: [Convert] '{api}' {done}."
                if b:
                    text += " Note: " + "; ".join(b)
            else:
                text = f"line {line}:{col + 1}: [UnConvert] '{api}' didn't convert. {a}" + (f" ({b})" if b else "")
            lines.append(text)
        for note in f.notes:
            lines.append(f"[Note] {note}")
        lines.append(f"[Convert Over] {f.rel_path}: {len(f.converted)} converted, {len(f.unconverted)} not converted")
    for f in summary.others:
        if f.error:
            lines.append(f"[Error] {f.rel_path}: {f.error}; nothing was written for it.")
    s = summary_dict(summary)
    lines.append("")
    lines.append(f"Files: {s['files']}  PyTorch uses: {s['uses']}  converted: {s['converted']}  "
                 f"not converted: {s['unconverted']}  conversion rate: {100 * summary.rate:.1f}%"
                 + (f"  files with errors: {s['errors']} (the rate covers the other files only)"
                    if s["errors"] else ""))
    return "\n".join(lines) + "\n"
