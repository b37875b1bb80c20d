"""Analysis units: a text document, or a notebook whose code cells are analysed as one module.

An `Origin` is one finished analysis: the text that parsed, its findings, and which editor
document each of its lines came from. `Origin.locate` carries an origin line into the editor's
current text (through a `LineMap` per document, cached per document version), which is how
findings, quick-fix edits and fix-all edits reach the right place after further typing.
"""

from __future__ import annotations

import bisect
import re
import threading
from dataclasses import dataclass, field
from typing import Callable

from ..analysis.engine import SourceError, parse_source
from ..analysis.finder import analyse_tree
from ..db.loader import Database
from ..findings import Finding
from .converted import converted_view
from ..rewrite.verdict import decide
from .documents import LineMap, Placed, Snapshot, place, split_lines

#: uri → (version, current lines) of an open editor document, or None when it is closed
LinesOf = Callable[[str], "tuple[int | None, list[str]] | None"]


@dataclass
class Segment:
    start: int  # first line of this document in the origin text (0-based)
    uri: str
    lines: list[str]  # the document's lines when it was analysed


class Origin:
    """One finished analysis and the documents it was made of."""

    def __init__(self, snapshot: Snapshot, segments: list[Segment], tree, lines_of: LinesOf,
                 verdicts: "Verdicts | None" = None):
        self.snapshot = snapshot
        self.verdicts = verdicts
        self.segments = segments
        self.tree = tree
        self._starts = [s.start for s in segments]
        self._lines_of = lines_of
        self._maps: dict[str, tuple[int | None, LineMap | None]] = {}
        self.by_uri: dict[str, list[Finding]] = {s.uri: [] for s in segments}
        for f in snapshot.findings:
            seg = self.segment_of(f.line - 1)
            if seg is not None:
                self.by_uri[seg.uri].append(f)

    def ensure_verdicts(self) -> None:
        """Every finding of this analysis has the rewriter's verdict (what a quick fix needs)."""
        if self.verdicts is not None:
            self.verdicts.ensure()

    def segment_of(self, line: int) -> Segment | None:
        i = bisect.bisect_right(self._starts, line) - 1
        if i < 0:
            return None
        seg = self.segments[i]
        return seg if line - seg.start < len(seg.lines) else None

    def _map(self, seg: Segment) -> LineMap | None:
        current = self._lines_of(seg.uri)
        if current is None:
            return None
        version, lines = current
        cached = self._maps.get(seg.uri)
        if cached is not None and cached[0] == version and version is not None:
            return cached[1]
        lm = LineMap.between(seg.lines, lines)
        self._maps[seg.uri] = (version, lm)
        return lm

    def locate(self, line: int) -> tuple[str, int] | None:
        """An origin line (0-based) → (document, its line now), or None when edited away."""
        seg = self.segment_of(line)
        if seg is None:
            return None
        lm = self._map(seg)
        if lm is None:
            return None
        mapped = lm.map(line - seg.start)
        return None if mapped is None else (seg.uri, mapped)

    def placed(self, uri: str) -> list[Placed]:
        findings = self.by_uri.get(uri)
        if not findings:
            return []
        sub = Snapshot(self.snapshot.text, self.snapshot.lines, findings, self.snapshot.profile, self.snapshot.path)
        items = place(sub, self.locate)
        for p in items:  # fixes need the whole origin text, not the per-document subset
            p.origin = self.snapshot
        return [p for p in items if p.uri == uri]


class Verdicts:
    """The rewriter's verdict for every finding of one analysis, computed once, on demand.

    Diagnostics do not depend on verdicts, so they are published as soon as detection ends;
    the verdicts (a quarter of an analysis: the conversion's rewrite of the whole file) follow
    in the analysis thread, and a code action that arrives first computes them itself (the lock
    makes it wait for a computation already running instead)."""

    def __init__(self, context, db: Database, profile: str):
        self._context = context
        self._db = db
        self._profile = profile
        self._lock = threading.Lock()
        self.done = False

    def ensure(self) -> None:
        with self._lock:
            if not self.done:
                decide(self._context, self._db, self._profile)  # a quick fix is offered only where one exists
                self.done = True
                self._context = None


@dataclass
class Outcome:
    """What the analysis thread hands back."""

    snapshot: Snapshot | None
    tree: object | None
    segments: list[Segment]
    broken: set[str] = field(default_factory=set)  # documents whose text did not parse
    error: str | None = None
    verdicts: Verdicts | None = None  # computed after the diagnostics are out (Verdicts.ensure)


_MAGIC = re.compile(r"^\s*[%!]")
_CELL_MAGIC_KEEP = {"%%time", "%%timeit", "%%capture", "%%prun", "%%debug"}


def cell_source(lines: list[str]) -> list[str]:
    """A notebook cell as Python: IPython magics and shell escapes become blank lines.

    Line count and the columns of every other line are kept, so positions map 1:1.
    """
    if lines and lines[0].startswith("%%"):
        magic = lines[0].split()[0]
        if magic not in _CELL_MAGIC_KEEP:
            return [""] * len(lines)  # %%bash, %%html, …: not Python
        lines = [""] + lines[1:]
    return ["" if _MAGIC.match(line) else line for line in lines]


def analyse(parts: list[tuple[str, list[str]]], db: Database, profile: str, path: str,
            notebook: bool = False) -> Outcome:
    """Find the PyTorch uses of documents analysed as one module.

    A notebook cell that does not parse is left out (its other cells still get findings);
    a text document that does not parse gives an Outcome without snapshot.
    """
    broken: set[str] = set()
    error = None
    for _attempt in range(len(parts) + 1):
        segments: list[Segment] = []
        chunks: list[str] = []
        line = 0
        for uri, lines in parts:
            segments.append(Segment(line, uri, lines))
            src = cell_source(lines) if notebook else lines
            if uri in broken:
                src = [""] * len(lines)
            chunks.append("\n".join(src))
            line += len(lines)
        text = "\n".join(chunks)
        try:
            tree = parse_source(text, path)
            context = analyse_tree(tree, db, profile, text)
            findings = context.findings
        except SourceError as exc:
            error = str(exc)
            if not notebook:
                return Outcome(None, None, segments, {uri for uri, _ in parts}, error)
            m = re.search(r"line (\d+)", error)
            seg = None
            if m:
                bad = int(m.group(1)) - 1
                for s in segments:
                    if s.start <= bad < s.start + max(len(s.lines), 1):
                        seg = s
                if seg is None and segments:
                    seg = segments[-1]
            if seg is None or seg.uri in broken:
                return Outcome(None, None, segments, {uri for uri, _ in parts}, error)
            broken.add(seg.uri)
            continue
        except RecursionError:
            return Outcome(None, None, segments, {uri for uri, _ in parts}, "expression nesting too deep to analyse")
        lines_all = split_lines(text)
        findings = converted_view(tree, text, lines_all, findings, db)
        return Outcome(Snapshot(text, lines_all, findings, profile, path), tree, segments, broken, error,
                       Verdicts(context, db, profile))
    return Outcome(None, None, [], {uri for uri, _ in parts}, error)
