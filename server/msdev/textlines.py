"""Lines the way Python and the LSP count them: only \\n, \\r\\n and \\r end a line.

`str.splitlines()` also breaks at form feed, vertical tab, U+001C-U+001E, U+0085, U+2028 and
U+2029. Python's tokenizer does not, and neither does an LSP client, so every line number or
column computed from `splitlines()` drifts on files holding one of them (14 files of CPython's
own standard library contain form feeds). Every position in msdev goes through this module.
"""

from __future__ import annotations

import re

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of `text` without their ends (a trailing break gives a last empty line)."""
    return LINE_BREAK.split(text)


def split_lines_keepends(text: str) -> list[str]:
    """The lines of `text` with their ends; no empty last item (like `splitlines(True)`)."""
    out: list[str] = []
    pos = 0
    for m in LINE_BREAK.finditer(text):
        out.append(text[pos:m.end()])
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def line_starts(text: str) -> list[int]:
    """Offset of the first character of every line (the first is 0)."""
    return [0] + [m.end() for m in LINE_BREAK.finditer(text)]

