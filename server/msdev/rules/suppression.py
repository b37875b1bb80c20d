"""Inline suppression: `# msdev: ignore[MS103]` silences that rule on its line, a bare
`# msdev: ignore` every rule there (like ruff's `# noqa`).

The comment applies to findings that start on its line. Codes may be prefixes (`MS2`) and are
separated by commas. Only real comments count (a string holding the words does not); the text
is tokenized only when it contains the marker at all, so files without one cost a substring test.
"""

from __future__ import annotations

import io
import re
import tokenize

from . import rule_of

MARKER = "msdev: ignore"
_COMMENT = re.compile(r"#\s*msdev:\s*ignore(?:\[([^\]]*)\])?", re.IGNORECASE)


def suppressions(text: str) -> dict[int, frozenset[str] | None]:
    """Line → the codes its comment silences (None: all of them)."""
    if "msdev:" not in text or "ignore" not in text:
        return {}
    found: dict[int, frozenset[str] | None] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return {}
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        match = _COMMENT.search(tok.string)
        if match is None:
            continue
        if match.group(1) is None:
            found[tok.start[0]] = None
        else:
            codes = frozenset(c.strip().upper() for c in match.group(1).split(",") if c.strip())
            found[tok.start[0]] = codes or None
    return found


def silenced(finding, table: dict[int, frozenset[str] | None]) -> bool:
    if finding.line not in table:
        return False
    codes = table[finding.line]
    if codes is None:
        return True
    code = rule_of(finding).code
    return any(code.startswith(c) for c in codes)


def unsuppressed(findings: list, text: str) -> list:
    """The findings no suppression comment silences."""
    table = suppressions(text)
    if not table:
        return findings
    return [f for f in findings if not silenced(f, table)]


def with_suppression(line: str, code: str) -> str:
    """A source line (without its line break) with `code` added to its suppression comment,
    or a new `# msdev: ignore[code]` comment at its end."""
    match = _COMMENT.search(line)
    if match is not None and "#" in line[:match.start() + 1]:
        if match.group(1) is None:
            return line  # a bare ignore already silences every rule
        codes = [c.strip() for c in match.group(1).split(",") if c.strip()]
        if code in codes:
            return line
        inside = ", ".join(codes + [code])
        return f"{line[:match.start(1)]}{inside}{line[match.end(1):]}"
    return f"{line.rstrip()}  # {MARKER}[{code}]"


__all__ = ["MARKER", "suppressions", "silenced", "unsuppressed", "with_suppression"]
