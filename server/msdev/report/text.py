"""The text report and the summaries.

The report is one line per finding, `path:line:col: STATUS message [rule] (note URL)` (the
message names the PyTorch API and what it becomes), then the summary as plain-text tables, so
a report piped into a file or a log carries as much as the terminal shows. Finding lines use
1-based columns, as compilers do, so editors and terminals jump to them. On a terminal the
summary is drawn by `rich_summary` instead; `plain_summary` is the few lines for stderr.
"""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING, TextIO

from ..findings import Status
from ..scanning.summary import NEEDS_HUMAN, STATUS_ORDER

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

    from ..scanning.runner import ScanResult

#: terminal colours per status (rich style names)
STATUS_STYLE = {
    Status.IDENTICAL: "green",
    Status.RENAMED: "green",
    Status.DEFAULT_DIFF: "cyan",
    Status.ARG_DIFF: "cyan",
    Status.PARTIAL: "yellow",
    Status.MANUAL: "yellow",
    Status.UNKNOWN: "magenta",
    Status.UNSUPPORTED: "red",
}


#: the summary's tables of APIs that need attention
TOP_TABLES = (("Top unsupported APIs", {Status.UNSUPPORTED}),
              ("Top APIs that need a manual rewrite", NEEDS_HUMAN),
              ("Top APIs missing from the mapping database", {Status.UNKNOWN}))


def finding_lines(result: "ScanResult"):
    """One compiler-style line per finding, then per file error, in path order."""
    for fr in result.files:
        path = fr.path
        if fr.error is not None:
            yield f"{path}: ERROR {fr.error}"
        for f in fr.findings:
            code = f.rule.code
            rule = "" if code in f.message else f" [{code}]"
            url = f" ({f.note_url})" if f.note_url else ""
            yield f"{path}:{f.line}:{f.column + 1}: {f.status.upper()} {f.message}{rule}{url}"


def render(result: "ScanResult", out: TextIO) -> None:
    """The whole text report: the finding lines, then the summary tables."""
    render_findings(result, out)
    out.write("\n")
    render_summary(result, out)


def render_findings(result: "ScanResult", out: TextIO) -> None:
    # written in blocks of lines: one write call per line is a good share of a cached scan's time
    lines = finding_lines(result)
    while True:
        block = list(islice(lines, 2048))
        if not block:
            break
        block.append("")
        out.write("\n".join(block))


def _table(title: str, header: tuple[str, ...], rows: list[tuple[str, ...]], right: set[int]) -> list[str]:
    """A plain-text table with aligned columns (no colour, no box characters)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def fmt(row):
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        return "  ".join(cells).rstrip()
    return [title, fmt(header), *(fmt(r) for r in rows), ""]


def summary_lines(result: "ScanResult", top: int = 10) -> list[str]:
    """The summary as plain text: what was scanned, the status table, readiness, the APIs that need work."""
    s = result.summary
    lines = [f"msdev scan of {', '.join(scanned_paths(result))}: {s.files:,} files, {s.lines:,} lines, "
             f"{s.uses:,} PyTorch uses (profile {result.profile}, database {result.db_version})", ""]
    rows = []
    for status in STATUS_ORDER:
        n = s.by_status.get(str(status), 0)
        rows.append((str(status), f"{n:,}", f"{n / s.uses:.1%}" if s.uses else "-"))
    lines += _table("Uses by status", ("status", "uses", "share"), rows, {1, 2})
    lines.append(readiness_sentence(result))
    if s.apis:
        lines.append("Verification: " + verification_line(s))
    lines.append("")
    for title, statuses in TOP_TABLES:
        picked = s.top(statuses, top)
        if picked:
            rows = [(a.torch_api, f"{a.uses:,}", f"{a.files:,}", a.mindspore_api or "-",
                     a.note_url or (_reason(a.message) if a.status != Status.UNKNOWN else "") or "-") for a in picked]
            lines += _table(title, ("PyTorch API", "uses", "files", "MindSpore", "note (or why)"), rows, {1, 2})
    errors = [fr for fr in result.files if fr.error is not None]
    if errors:
        lines.append(f"{len(errors)} file{'s' if len(errors) != 1 else ''} could not be analysed:")
        lines += [f"  {fr.path}: {fr.error}" for fr in errors[:top]]
        if len(errors) > top:
            lines.append(f"  … and {len(errors) - top} more")
    return lines


def render_summary(result: "ScanResult", out: TextIO) -> None:
    out.write("\n".join(summary_lines(result)).rstrip("\n") + "\n")


def scanned_paths(result: "ScanResult") -> list[str]:
    """The paths the user asked to scan (absolute), else the report root."""
    return [str(p) for p in (getattr(result, "scanned", None) or [result.root])]


def _reason(message: str) -> str:
    """The part of a finding message after the API names (`torch.x → y: <reason>`)."""
    head, sep, tail = message.partition(": ")
    return tail if sep else message


def readiness_text(result: "ScanResult") -> str:
    r = result.summary.readiness
    return "n/a" if r is None else f"{r:.1%}"


def readiness_sentence(result: "ScanResult") -> str:
    """`Migration readiness: 80.0% of uses convert automatically (12 of 15)`, or why there is none."""
    s = result.summary
    if s.readiness is None:
        return "Migration readiness: no PyTorch use found, nothing to migrate"
    return (f"Migration readiness: {s.readiness:.1%} of uses convert automatically "
            f"({s.automatic:,} of {s.uses:,})")


def plain_summary(result: "ScanResult") -> str:
    """A few plain lines: totals, the status breakdown, readiness."""
    s = result.summary
    parts = [f"{n} {name}" for name, n in s.by_status.items() if n]
    lines = [
        f"msdev: scanned {s.files} file{'s' if s.files != 1 else ''} ({s.lines:,} lines): "
        f"{s.uses:,} PyTorch use{'s' if s.uses != 1 else ''}"
        + (f" ({', '.join(parts)})" if parts else ""),
        "msdev: " + readiness_sentence(result)[0].lower() + readiness_sentence(result)[1:]
        + (f"; {s.files_with_errors} file{'s' if s.files_with_errors != 1 else ''} could not be analysed"
           if s.files_with_errors else ""),
    ]
    if s.apis:
        lines.append("msdev: " + verification_line(s))
    return "\n".join(lines)


def verification_line(s) -> str:
    """How many of the APIs used `msdev db verify` ran on MindSpore, and which fail there."""
    verified = [a for a in s.apis if a.verification.startswith("verified")]
    failing = [a for a in s.apis if a.verification.startswith("fails")]
    text = f"{len(verified)} of {len(s.apis)} APIs used are verified on MindSpore by msdev db verify"
    if failing:
        text += f"; {len(failing)} fail: " + "; ".join(f"{a.torch_api} ({a.verification})" for a in failing[:5])
    return text


def rich_summary(result: "ScanResult", console: "Console", top: int = 10) -> None:
    """The terminal summary: counts, a status breakdown with bars, the APIs that need work."""
    from rich.table import Table
    from rich.text import Text

    s = result.summary
    console.print()
    head = Text.assemble(
        ("msdev scan", "bold"), f" {', '.join(scanned_paths(result))}  ",
        f"{s.files:,} files · {s.lines:,} lines · ", (f"{s.uses:,}", "bold"), " PyTorch uses",
        f"  (profile {result.profile}, database {result.db_version})",
    )
    console.print(head)

    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("status")
    table.add_column("uses", justify="right")
    table.add_column("share", justify="right")
    table.add_column("", min_width=20)
    for status in STATUS_ORDER:
        n = s.by_status.get(str(status), 0)
        share = n / s.uses if s.uses else 0.0
        bar = "█" * max(1 if n else 0, round(share * 30))
        style = STATUS_STYLE[status]
        table.add_row(Text(str(status), style=style), f"{n:,}", f"{share:.1%}", Text(bar, style=style))
    console.print(table)

    r = s.readiness
    style = "green" if r is not None and r >= 0.8 else ("yellow" if r is not None and r >= 0.5 else "red")
    if r is None:
        console.print(readiness_sentence(result))
    else:
        console.print(Text.assemble("Migration readiness: ", (readiness_text(result), f"bold {style}"),
                                    f" of uses convert automatically ({s.automatic:,} of {s.uses:,})"))
    if s.apis:
        console.print(Text("Verification: " + verification_line(s), style="dim"))

    for title, statuses in TOP_TABLES:
        rows = s.top(statuses, top)
        if not rows:
            continue
        t = Table(title=title, title_justify="left", title_style="bold", box=None, pad_edge=False)
        t.add_column("PyTorch API", overflow="fold")
        t.add_column("uses", justify="right")
        t.add_column("files", justify="right")
        t.add_column("MindSpore", overflow="fold")
        t.add_column("note (or why)", overflow="fold")
        for a in rows:
            why = _reason(a.message) if a.status != Status.UNKNOWN else ""
            t.add_row(a.torch_api, f"{a.uses:,}", f"{a.files:,}", a.mindspore_api or "-",
                      Text(a.note_url, style=f"link {a.note_url}") if a.note_url else Text(why or "-", style="dim"))
        console.print()
        console.print(t)

    errors = [fr for fr in result.files if fr.error is not None]
    if errors:
        console.print()
        console.print(Text(f"{len(errors)} file{'s' if len(errors) != 1 else ''} could not be analysed:", style="bold red"))
        for fr in errors[:top]:
            console.print(f"  {fr.path}: {fr.error}", markup=False, highlight=False)
        if len(errors) > top:
            console.print(f"  … and {len(errors) - top} more (see the full report)")
    origin = (f"{result.cache_hits:,} from cache, {result.analysed:,} analysed"
              + (f" on {result.jobs} processes" if result.jobs > 1 else ""))
    console.print(Text(f"\n{origin} in {result.elapsed:.2f} s", style="dim"))
