"""From a file (or text) to a FileResult: reading, decoding, parsing, finding.

Everything a user can throw at msdev — binary files, wrong encodings, syntax errors, huge
generated files — ends here as a per-file `error` string, never as an exception.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

from ..db.loader import Database
from ..findings import FileResult, Finding
from .finder import analyse_tree, find_uses
from .project import ModuleContext

from ..limits import MAX_FILE_BYTES, size_problem  # noqa: F401  (MAX_FILE_BYTES: re-exported)


class SourceError(Exception):
    """The file cannot be analysed; the message is meant for the user."""


def decode_source(data: bytes) -> str:
    """Bytes → text the way Python would read the file (BOM and PEP 263 coding cookies)."""
    if b"\0" in data[:8192]:
        raise SourceError("binary file (contains NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise SourceError(f"unreadable encoding declaration: {exc}") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"not valid {encoding} text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    except LookupError:
        raise SourceError(f"unknown encoding {encoding!r} declared") from None
    return text[1:] if text.startswith("\ufeff") else text


def read_source(path: str | Path) -> str:
    p = Path(path)
    try:
        problem = size_problem(p.stat().st_size)
        if problem is not None:
            raise SourceError(problem)
        data = p.read_bytes()
    except SourceError:
        raise
    except IsADirectoryError:
        raise SourceError("is a directory") from None
    except PermissionError:
        raise SourceError("permission denied") from None
    except FileNotFoundError:
        raise SourceError("no such file") from None
    except OSError as exc:
        raise SourceError(exc.strerror or str(exc)) from None
    return decode_source(data)


def parse_source(text: str, path: str = "<string>") -> ast.Module:
    try:
        return ast.parse(text, filename=path)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" + (f":{exc.offset}" if exc.offset else "") if exc.lineno else "?"
        raise SourceError(f"syntax error at {where}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise SourceError(f"cannot parse: {type(exc).__name__}: {exc}") from None


def find_in_text(text: str, db: Database, profile: str = "portable", path: str = "<string>") -> list[Finding]:
    """Findings of a source text; raises SourceError when it does not parse."""
    tree = parse_source(text, path)
    return find_uses(tree, db, profile, text)


def analyze_text(text: str, db: Database, profile: str = "portable", path: str = "<string>",
                 module: ModuleContext | None = None) -> FileResult:
    """A file's findings, each with the rewriter's verdict (what `msdev convert` does with it);
    `module`: what the file's package tells (scan gives the PyTorch packages whose source it reads)."""
    from ..rewrite.verdict import decide

    result = FileResult(path=path, lines=text.count("\n") + (0 if text.endswith("\n") or not text else 1))
    try:
        context = analyse_tree(parse_source(text, path), db, profile, text, module)
        decide(context, db, profile, module)
        result.findings = context.findings
    except SourceError as exc:
        result.error = str(exc)
    except RecursionError:
        result.error = "expression nesting too deep to analyse"
    return result


def analyze_file(path: str | Path, db: Database, profile: str = "portable", display_path: str | None = None) -> FileResult:
    shown = display_path or str(path)
    try:
        text = read_source(path)
    except SourceError as exc:
        return FileResult(path=shown, error=str(exc))
    return analyze_text(text, db, profile, shown)
