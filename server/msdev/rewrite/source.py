"""Source text with offsets: turns ast positions (UTF-8 byte columns) into string offsets and back.

Every rewrite is a list of replacements on character offsets of the original text; nothing is
regenerated from the tree, so comments and formatting outside the changed spans survive.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..findings import Position, TextEdit
from ..textlines import line_starts


@dataclass(slots=True)
class Edit:
    """Replace text[start:end] (character offsets into the original) with `text`."""

    start: int
    end: int
    text: str


class SourceText:
    def __init__(self, text: str):
        self.text = text
        self.line_starts = line_starts(text)  # Python's lines: \r and \r\n end one too
        self._ascii = text.isascii()

    # ------------------------------------------------------------ ast → offsets
    def offset(self, lineno: int, byte_col: int) -> int:
        start = self.line_starts[lineno - 1]
        if self._ascii:
            return start + byte_col
        end = self.line_starts[lineno] if lineno < len(self.line_starts) else len(self.text)
        line = self.text[start:end]
        if line.isascii():
            return start + byte_col
        return start + len(line.encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    # start/end/span are asked for hundreds of thousands of nodes per corpus: an ASCII text (most
    # files) answers from the line starts alone, without the general offset() per position
    def start(self, node: ast.AST) -> int:
        if self._ascii:
            return self.line_starts[node.lineno - 1] + node.col_offset
        return self.offset(node.lineno, node.col_offset)

    def end(self, node: ast.AST) -> int:
        if self._ascii:
            return self.line_starts[node.end_lineno - 1] + node.end_col_offset
        return self.offset(node.end_lineno, node.end_col_offset)

    def span(self, node: ast.AST) -> tuple[int, int]:
        if self._ascii:
            starts = self.line_starts
            return starts[node.lineno - 1] + node.col_offset, starts[node.end_lineno - 1] + node.end_col_offset
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def segment(self, node: ast.AST) -> str:
        s, e = self.span(node)
        return self.text[s:e]

    # ------------------------------------------------------------ offsets → positions
    def position(self, offset: int) -> Position:
        import bisect

        line = bisect.bisect_right(self.line_starts, offset)
        return Position(line, offset - self.line_starts[line - 1])

    def offset_of(self, pos: Position) -> int:
        return self.line_starts[pos.line - 1] + pos.column

    def text_edit(self, edit: Edit) -> TextEdit:
        return TextEdit(self.position(edit.start), self.position(edit.end), edit.text)

    def line_start(self, offset: int) -> int:
        import bisect

        return self.line_starts[bisect.bisect_right(self.line_starts, offset) - 1]

    def indent_at(self, offset: int) -> str:
        begin = self.line_start(offset)
        i = begin
        while i < len(self.text) and self.text[i] in " \t":
            i += 1
        return self.text[begin:i]


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (any order) to `text`."""
    out = []
    pos = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < pos:
            continue  # overlapping edit: the outer one has already subsumed it
        out.append(text[pos:e.start])
        out.append(e.text)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def text_with_edits(text: str, start: int, end: int, edits: list[Edit]) -> str:
    """The span text[start:end] as it reads after the edits that lie inside it."""
    inner = [e for e in edits if start <= e.start and e.end <= end]
    if not inner:
        return text[start:end]
    shifted = [Edit(e.start - start, e.end - start, e.text) for e in inner]
    return apply_edits(text[start:end], shifted)
