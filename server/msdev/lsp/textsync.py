"""The editor's text as the LSP specifies it, for pygls' workspace.

pygls keeps documents as `str.splitlines(True)` lines: an incremental change on a file with a
form feed (or U+000B, U+0085, U+2028, …) lands on the wrong line, and its position codec clamps
a column past the line's end to one before the end. Here lines end only at \\n, \\r\\n and \\r,
a line's end is never part of its columns, and positions past the end clamp as the
specification says (a column to the line's end, a line to the text's end).
"""

from __future__ import annotations

from typing import Sequence

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

from ..textlines import line_starts, split_lines, split_lines_keepends


def unit_width(encoding: str | None):
    """How many client units one code point takes: a function of the character."""
    enc = str(getattr(encoding, "value", encoding) or "utf-16").lower()
    if enc == "utf-32":
        return lambda ch: 1
    if enc == "utf-8":
        return lambda ch: len(ch.encode("utf-8", "surrogatepass"))
    return lambda ch: 2 if ord(ch) > 0xFFFF else 1


def to_code_points(line: str, units: int, encoding: str | None) -> int:
    """A client column on `line` (without its end) → code points, clamped to the line's end."""
    if units <= 0:
        return 0
    if line.isascii():
        return min(units, len(line))
    width = unit_width(encoding)
    seen = 0
    for i, ch in enumerate(line):
        if seen >= units:
            return i
        seen += width(ch)
    return len(line)


def to_client_units(line: str, column: int, encoding: str | None) -> int:
    """A code-point column on `line` → the client's units."""
    head = line[:max(column, 0)]
    if head.isascii():
        return len(head)
    width = unit_width(encoding)
    return sum(width(ch) for ch in head)


def offset_at(text: str, starts: list[int], position: types.Position, encoding: str | None) -> int:
    """A client position → an offset into `text` (the specification's clamping)."""
    if position.line < 0:
        return 0
    if position.line >= len(starts):
        return len(text)
    begin = starts[position.line]
    end = starts[position.line + 1] if position.line + 1 < len(starts) else len(text)
    line = text[begin:end]
    body = line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith(("\r", "\n")) else line
    return begin + to_code_points(body, position.character, encoding)


class SpecTextDocument(TextDocument):
    """A pygls document whose lines and incremental changes follow the LSP specification."""

    @property
    def lines(self) -> Sequence[str]:
        return tuple(split_lines_keepends(self.source))

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        text = self.source
        starts = line_starts(text)
        encoding = self.position_codec.encoding
        start = offset_at(text, starts, change.range.start, encoding)
        end = offset_at(text, starts, change.range.end, encoding)
        if end < start:
            start, end = end, start
        self._source = text[:start] + change.text + text[end:]

    def offset_at_position(self, client_position: types.Position) -> int:
        text = self.source
        return offset_at(text, line_starts(text), client_position, self.position_codec.encoding)

    def offset_at_server_position(self, server_position) -> int:
        text = self.source
        starts = line_starts(text)
        if server_position.line >= len(starts):
            return len(text)
        lines = split_lines(text)
        return starts[server_position.line] + min(server_position.character, len(lines[server_position.line]))


class SpecWorkspace(Workspace):
    """pygls' workspace, holding `SpecTextDocument`s (cells of notebooks included)."""

    def _create_text_document(self, doc_uri, source=None, version=None, language_id=None) -> TextDocument:
        return SpecTextDocument(doc_uri, source=source, version=version, language_id=language_id,
                                sync_kind=types.TextDocumentSyncKind.Incremental,
                                position_codec=self.position_codec)

    @classmethod
    def like(cls, workspace: Workspace) -> "SpecWorkspace":
        """A spec-following copy of a freshly initialised pygls workspace (no documents yet)."""
        return cls(workspace.root_uri, types.TextDocumentSyncKind.Incremental,
                   list(workspace.folders.values()), workspace.position_encoding)
