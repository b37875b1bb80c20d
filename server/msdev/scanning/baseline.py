"""A baseline: the findings a project has accepted, so CI fails only on new ones.

`msdev scan --write-baseline FILE` records every finding as (file, rule, API, the source line
with its whitespace collapsed) with how often it occurs; `msdev scan --baseline FILE` then drops
as many findings of each key as the baseline holds. Keys carry no line numbers, so code added
above a known finding, or re-indented, does not make it new; changing the line itself does.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from ..rules import rule_of
from ..textlines import split_lines

FORMAT = "msdev-baseline"
VERSION = 1

Key = tuple[str, str, str, str]


class BaselineError(ValueError):
    """The baseline file cannot be read or written; the message is meant for the user."""


def _snippet(lines: list[str], line: int) -> str:
    return " ".join(lines[line - 1].split()) if 0 < line <= len(lines) else ""


def _lines(root: Path, display: str) -> list[str]:
    path = Path(display)
    path = path if path.is_absolute() else root / path
    try:
        return split_lines(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return []


def keys_of(result) -> list[tuple[Key, object, object]]:
    """(key, file result, finding) for every finding of a scan result."""
    out = []
    for fr in result.files:
        if not fr.findings:
            continue
        lines = _lines(Path(result.root), fr.path)
        for f in fr.findings:
            out.append(((fr.path, rule_of(f).code, f.torch_api, _snippet(lines, f.line)), fr, f))
    return out


def write_baseline(result, path: str | Path) -> int:
    """Record a scan's findings; returns how many."""
    counts = Counter(key for key, _, _ in keys_of(result))
    entries = [{"file": k[0], "rule": k[1], "api": k[2], "snippet": k[3], "count": n}
               for k, n in sorted(counts.items())]
    text = json.dumps({"format": FORMAT, "version": VERSION, "findings": entries}, indent=1, ensure_ascii=False)
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BaselineError(f"cannot write the baseline {path}: {exc.strerror or exc}") from None
    return sum(counts.values())


def read_baseline(path: str | Path) -> Counter:
    """The accepted findings of a baseline file, by key."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"no baseline file {path} (create it with --write-baseline)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"cannot read the baseline {path}: {exc}") from None
    except ValueError as exc:
        raise BaselineError(f"{path} is not a baseline (not JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path} is not an msdev baseline (write one with --write-baseline)")
    counts: Counter = Counter()
    for item in data["findings"]:
        try:
            key = (str(item["file"]), str(item["rule"]), str(item["api"]), str(item["snippet"]))
            counts[key] += int(item.get("count", 1))
        except (KeyError, TypeError, ValueError):
            raise BaselineError(f"{path}: malformed entry {item!r}") from None
    return counts


def new_findings(result, baseline: Counter):
    """The scan result with the baseline's findings removed (its summary recounted), and how
    many were known."""
    from .runner import keep_findings

    left = Counter(baseline)
    dropped: set[int] = set()
    for key, _, finding in keys_of(result):
        if left[key] > 0:
            left[key] -= 1
            dropped.add(id(finding))
    if not dropped:
        return result, 0
    return keep_findings(result, lambda f: id(f) not in dropped), len(dropped)


__all__ = ["BaselineError", "new_findings", "read_baseline", "write_baseline", "keys_of"]
