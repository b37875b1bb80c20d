"""The edits a whole-file conversion has accepted so far, indexed by position.

Every finding's rewrite asks "which accepted edits lie inside my span?" (to read the inner
rewrites, and to drop the ones it replaces). Asked of a plain list, that is a scan of all edits
per finding: quadratic in the file's size (a 4k-function generated file took 42 s). Here edits
sit in buckets of BLOCK characters, so a question costs the span's length plus its answer.
"""

from __future__ import annotations

import bisect
from typing import Iterable, Iterator

from .source import Edit

BLOCK = 512


class EditLog:
    """An insertion-ordered collection of Edits with fast "inside [start, end]" queries."""

    __slots__ = ("_items", "_buckets", "_next")

    def __init__(self, edits: Iterable[Edit] = ()):
        self._items: dict[int, Edit] = {}  # sequence number → edit (dicts keep insertion order)
        self._buckets: dict[int, dict[int, None]] = {}  # start // BLOCK → sequence numbers
        self._next = 0
        self.extend(edits)

    def append(self, edit: Edit) -> None:
        seq = self._next
        self._next += 1
        self._items[seq] = edit
        self._buckets.setdefault(edit.start // BLOCK, {})[seq] = None

    def extend(self, edits: Iterable[Edit]) -> None:
        for e in edits:
            self.append(e)

    def __iter__(self) -> Iterator[Edit]:
        return iter(list(self._items.values()))

    def __len__(self) -> int:
        return len(self._items)

    def __add__(self, other: Iterable[Edit]) -> list[Edit]:
        return list(self._items.values()) + list(other)

    def _inside(self, start: int, end: int) -> list[tuple[int, Edit]]:
        out = []
        items = self._items
        for block in range(start // BLOCK, end // BLOCK + 1):
            for seq in self._buckets.get(block, ()):
                e = items[seq]
                if start <= e.start and e.end <= end:
                    out.append((seq, e))
        out.sort(key=lambda item: item[0])
        return out

    def within(self, start: int, end: int) -> list[Edit]:
        """The edits with start <= edit.start and edit.end <= end, in insertion order."""
        return [e for _, e in self._inside(start, end)]

    def discard_within(self, start: int, end: int, doomed) -> None:
        """Remove the edits inside [start, end] for which `doomed(edit)` is true."""
        for seq, e in self._inside(start, end):
            if doomed(e):
                del self._items[seq]
                del self._buckets[e.start // BLOCK][seq]


class Spans:
    """A set of [start, end) character spans, merged, answering "is this offset covered?" by bisection."""

    __slots__ = ("_starts", "_ends")

    def __init__(self, spans: Iterable[tuple[int, int]]):
        merged: list[list[int]] = []
        for s, e in sorted(spans):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        self._starts = [s for s, _ in merged]
        self._ends = [e for _, e in merged]

    def cover(self, pos: int) -> bool:
        i = bisect.bisect_right(self._starts, pos) - 1
        return i >= 0 and pos < self._ends[i]
