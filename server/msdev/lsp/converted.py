"""Files msdev has already converted: what is left to do is what the editor shows.

After fix-all or `msdev convert`, the uses msdev could not convert carry a
`# msdev: [UnConvert] api: reason` comment, and the rest of the file is msdev's MindSpore
output. The finder reads that output as PyTorch would be read (a tensor receiver is a tensor),
so it flagged `self.weight.reshape(...)` on a converted Cell while the markers had no
diagnostic at all. Here a converted file (one that imports mindspore) keeps only the findings
resolved through PyTorch imports, and every marker whose use is not flagged anyway becomes a
diagnostic of its own.
"""

from __future__ import annotations

import ast
import re

from ..db.loader import Database
from ..findings import MEMBER_KINDS, Confidence, Finding, Kind, Status

#: the comment `msdev convert` and fix-all leave above what they could not convert
UNCONVERT_TAG = "# msdev: [UnConvert]"
_MARKER = re.compile(r"^(\s*)" + re.escape(UNCONVERT_TAG) + r"\s+([\w.]+):\s*(.*?)\s*(https?://\S+)?\s*$")


def imports_mindspore(tree: ast.AST, text: str) -> bool:
    if "mindspore" not in text:  # the walk costs ~15 % of an analysis; most files are PyTorch code
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "mindspore" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] == "mindspore":
            return True
    return False


def marker_findings(lines: list[str], findings: list[Finding], db: Database | None) -> list[Finding]:
    """A finding per UnConvert marker whose use (the next code line) has no finding of that API."""
    flagged = {(f.line, f.torch_api) for f in findings}
    out = []
    for i, text in enumerate(lines):
        if UNCONVERT_TAG not in text:
            continue
        m = _MARKER.match(text)
        if m is None:
            continue
        indent, api, reason, url = m.groups()
        j = i + 1
        while j < len(lines) and lines[j].lstrip().startswith("#"):
            j += 1
        if (j + 1, api) in flagged:
            continue
        entry = db.get(api) if db is not None else None
        out.append(Finding(
            line=i + 1, column=len(indent), end_line=i + 1, end_column=len(text.rstrip()),
            torch_api=api, kind=Kind.REFERENCE, confidence=Confidence.CERTAIN, status=Status.MANUAL,
            note_url=url, message=f"{api}: left for you by msdev: {reason or 'not converted'}", entry=entry))
    return out


def converted_view(tree: ast.AST, text: str, lines: list[str], findings: list[Finding],
                   db: Database | None) -> list[Finding]:
    """The findings to show for a text: unchanged for PyTorch code; for converted code, the
    import-resolved ones plus the markers (sorted by position)."""
    if not imports_mindspore(tree, text):
        return findings
    kept = [f for f in findings if f.kind not in MEMBER_KINDS]
    kept += marker_findings(lines, kept, db)
    kept.sort(key=lambda f: (f.line, f.column))
    return kept
