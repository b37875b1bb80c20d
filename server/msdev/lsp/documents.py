"""Analysed texts and where their findings are in the editor's documents now.

The finder only runs on text that parses. What the editor shows is therefore always the last
good analysis (a `Snapshot`) placed onto the current text through a `LineMap`: lines before and
after the edited region keep their findings (shifted), lines inside it lose theirs until the
text parses again. The same placement serves typing between two debounced analyses, so hover
and code actions never wait for the analyser.

A notebook is one analysed text made of its code cells; a `Placed` finding remembers its origin
text so a quick fix can be computed there and its edits carried back into the cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from ..findings import Finding
from ..textlines import split_lines

__all__ = ["LineMap", "Snapshot", "Placed", "PlacedIndex", "place", "split_lines"]


@dataclass(frozen=True, slots=True)
class LineMap:
    """old line → new line (0-based) for two versions of a text that differ in one region.

    Lines [0, prefix) are unchanged; old lines [old_suffix, n_old) moved by `delta`; the rest
    were edited and have no counterpart.
    """

    prefix: int
    old_suffix: int
    delta: int

    @staticmethod
    def identity() -> "LineMap":
        return LineMap(1 << 60, 1 << 60, 0)

    @staticmethod
    def between(old: list[str], new: list[str]) -> "LineMap":
        if old is new or old == new:
            return LineMap.identity()
        n_old, n_new = len(old), len(new)
        limit = min(n_old, n_new)
        prefix = 0
        while prefix < limit and old[prefix] == new[prefix]:
            prefix += 1
        suffix = 0
        while suffix < limit - prefix and old[n_old - 1 - suffix] == new[n_new - 1 - suffix]:
            suffix += 1
        return LineMap(prefix, n_old - suffix, n_new - n_old)

    def map(self, line: int) -> int | None:
        if line < self.prefix:
            return line
        if line >= self.old_suffix:
            return line + self.delta
        return None


@dataclass(slots=True)
class Snapshot:
    """A text that parsed, with its findings (finder coordinates: 1-based lines, code points)."""

    text: str
    lines: list[str]
    findings: list[Finding]
    profile: str
    path: str


#: origin line (0-based) → (document uri, line in that document) or None when it was edited away
Locator = Callable[[int], "tuple[str, int] | None"]


@dataclass(slots=True)
class Placed:
    """A finding placed in an editor document."""

    finding: Finding
    origin: Snapshot
    locate: Locator
    uri: str
    line: int  # 0-based, in the document `uri`
    end_line: int

    @property
    def column(self) -> int:
        return self.finding.column

    @property
    def end_column(self) -> int:
        return self.finding.end_column


def place(snapshot: Snapshot, locate: Locator) -> list[Placed]:
    """Place every finding of a snapshot whose lines still exist, in order."""
    out: list[Placed] = []
    for f in snapshot.findings:
        start = locate(f.line - 1)
        if start is None:
            continue
        if f.end_line == f.line:
            end_line = start[1]
        else:
            end = locate(f.end_line - 1)
            if end is None or end[0] != start[0] or end[1] - start[1] != f.end_line - f.line:
                continue
            end_line = end[1]
        out.append(Placed(f, snapshot, locate, start[0], start[1], end_line))
    return out


@dataclass(slots=True)
class PlacedIndex:
    """The placed findings of one document, indexed by line for O(findings on the line) lookups."""

    items: list[Placed] = field(default_factory=list)
    by_line: dict[int, list[Placed]] = field(default_factory=dict)

    @staticmethod
    def build(items: Iterable[Placed]) -> "PlacedIndex":
        index = PlacedIndex(list(items))
        by_line = index.by_line
        for p in index.items:
            for line in range(p.line, p.end_line + 1):
                by_line.setdefault(line, []).append(p)
        return index

    def at(self, line: int, column: int) -> list[Placed]:
        """Findings whose range contains (line, column) (code points), innermost first."""
        hits = []
        for p in self.by_line.get(line, ()):
            if (p.line, p.column) <= (line, column) <= (p.end_line, p.end_column):
                hits.append(p)
        hits.sort(key=lambda p: (p.end_line - p.line, p.end_column - p.column))
        return hits

    def overlapping(self, start: tuple[int, int], end: tuple[int, int]) -> list[Placed]:
        seen: set[int] = set()
        out = []
        for line in range(start[0], end[0] + 1):
            for p in self.by_line.get(line, ()):
                if id(p) in seen:
                    continue
                if (p.line, p.column) <= end and start <= (p.end_line, p.end_column):
                    seen.add(id(p))
                    out.append(p)
        return out
