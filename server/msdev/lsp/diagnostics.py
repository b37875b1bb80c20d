"""Findings → LSP diagnostics (plain JSON dicts: the hot path skips cattrs, ~10x cheaper).

Columns: the finder counts code points, LSP counts UTF-16 units by default. ASCII lines (nearly
all code) need no conversion; other lines go through textsync (pygls' codec clamps wrongly).
"""

from __future__ import annotations

from typing import Any

from pygls.workspace.position_codec import PositionCodec

from ..rules import rule_of
from .documents import Placed
from .settings import Settings
from .textsync import to_client_units, to_code_points

SOURCE = "msdev"


def client_column(codec: PositionCodec, line_text: str | None, column: int) -> int:
    """A code-point column → the client's units on that line."""
    if line_text is None:
        return column
    return to_client_units(line_text, column, codec.encoding)


def server_column(codec: PositionCodec, lines: list[str], line: int, character: int) -> int:
    """The client's column on a line → code points (pygls' codec does the counting)."""
    if not (0 <= line < len(lines)):
        return character
    return to_code_points(lines[line], character, codec.encoding)


def lsp_range(codec: PositionCodec, lines: list[str], line: int, col: int, end_line: int, end_col: int) -> dict[str, Any]:
    n = len(lines)
    return {
        "start": {"line": line, "character": client_column(codec, lines[line] if line < n else None, col)},
        "end": {"line": end_line, "character": client_column(codec, lines[end_line] if end_line < n else None, end_col)},
    }


def to_diagnostic(p: Placed, settings: Settings, codec: PositionCodec, lines: list[str]) -> dict[str, Any] | None:
    """The diagnostic of one placed finding, or None when the settings hide it."""
    f = p.finding
    if not settings.shows(f):
        return None
    diag: dict[str, Any] = {
        "range": lsp_range(codec, lines, p.line, f.column, p.end_line, f.end_column),
        "severity": int(settings.severity_of_finding(f)),
        "code": f.rule.code,
        "source": SOURCE,
        "message": f.message,
        "data": {"api": f.torch_api, "status": str(f.status)},
    }
    # the official note of this API, else the rule's official page (its text: `msdev rule CODE`)
    diag["codeDescription"] = {"href": f.note_url or rule_of(f).official}
    return diag


def diagnostics_for(items: list[Placed], settings: Settings, codec: PositionCodec, lines: list[str]) -> list[dict[str, Any]]:
    out = []
    for p in items:
        d = to_diagnostic(p, settings, codec, lines)
        if d is not None:
            out.append(d)
    return out
