"""`msdev scan`: report every PyTorch use in files and folders, in five formats.

Exit codes: 0 done (nothing at or above --fail-on), 1 findings (or unanalysable files) at or
above --fail-on, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import os
import sys

from .common import EXIT_FINDINGS, EXIT_OK, UserError, add_db_options, add_jobs_option, add_profile_option, open_db
from .rule_options import add_rule_options, project_settings

FAIL_ON = ("unsupported", "manual", "any", "never")

#: report format from the -o file's suffix, when --format is not given
SUFFIX_FORMAT = {".html": "html", ".htm": "html", ".json": "json", ".sarif": "sarif", ".csv": "csv", ".txt": "text"}



def report_format(fmt: str | None, output: str | None) -> str:
    """--format if given, else the one the -o suffix names, else text."""
    if fmt:
        return fmt
    if output:
        return SUFFIX_FORMAT.get(os.path.splitext(output)[1].lower(), "text")
    return "text"


def register(subparsers) -> None:
    from ..report import FORMATS

    p = subparsers.add_parser(
        "scan",
        help="report every PyTorch use and its MindSpore counterpart",
        description="Find every PyTorch use in Python files and folders and report what it becomes in "
        "MindSpore, what needs a human, and how much of it converts automatically.",
        epilog="exit codes: 0 done; 1 findings at or above --fail-on (or files that could not be "
        "analysed, unless --fail-on never); 2 usage or input error.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (folders are walked recursively)")
    p.add_argument("--format", "-f", choices=FORMATS, default=None,
                   help="report format (default: from the -o suffix: .html .json .sarif .csv .txt; else text)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    add_profile_option(p)
    add_db_options(p)
    p.add_argument("--fail-on", choices=FAIL_ON, default="never",
                   help="exit 1 when a use is at least this serious, and say which: unsupported; manual (manual, "
                   "not in the database, unsupported); any (every PyTorch use); never (default)")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="skip paths matching GLOB (gitignore syntax, relative to the scan root); repeatable")
    p.add_argument("--no-ignore", action="store_true",
                   help="also scan what .gitignore and the default excludes (virtualenvs, build folders…) skip")
    add_jobs_option(p)
    p.add_argument("--no-cache", action="store_true", help="analyse every file, do not read or write the cache")
    p.add_argument("--cache-dir", metavar="DIR", help="cache folder (default: $XDG_CACHE_HOME/msdev/scan/<root>-<hash>, else under "
                   "~/.cache/msdev; never inside the scanned tree unless you name a folder there)")
    p.add_argument("--quiet", "-q", action="store_true", help="no summary and no progress bar")
    p.add_argument("--summary", action="store_true",
                   help="text format: only the summary tables, not one line per finding")
    add_rule_options(p)
    p.add_argument("--baseline", metavar="FILE",
                   help="report (and --fail-on) only findings not recorded in FILE (written by --write-baseline)")
    p.add_argument("--write-baseline", metavar="FILE",
                   help="record every finding of this scan in FILE, to pass later as --baseline")
    p.set_defaults(func=run, profile=None)


def fails(result, level: str) -> bool:
    """Whether the scan result reaches `--fail-on level`."""
    return bool(failure_reasons(result, level))


def failure_reasons(result, level: str) -> list[str]:
    """What crossed the `--fail-on level` threshold, in words (empty: the gate passes)."""
    from ..findings import STATUS_RANK, Status

    if level == "never":
        return []
    reasons = []
    s = result.summary
    if s.files_with_errors:  # an unanalysable file may hide anything: a gate must not pass silently
        reasons.append(f"{s.files_with_errors} file{'s' if s.files_with_errors != 1 else ''} could not be analysed")
    threshold = {"unsupported": STATUS_RANK[Status.UNSUPPORTED], "manual": STATUS_RANK[Status.MANUAL], "any": 0}[level]
    over = [(name, n) for name, n in s.by_status.items() if n and STATUS_RANK[Status(name)] >= threshold]
    if over:
        counts = ", ".join(f"{n:,} {name}" for name, n in over)
        apis = [a.torch_api for a in s.apis if STATUS_RANK[a.status] >= threshold]
        shown = ", ".join(apis[:5]) + (f" and {len(apis) - 5} more" if len(apis) > 5 else "")
        reasons.append(f"{counts} use{'s' if sum(n for _, n in over) != 1 else ''} ({shown})")
    return reasons


def apply_baseline(args: argparse.Namespace, settings, result):
    """The rule selection, then --write-baseline (everything selected) or --baseline (only new)."""
    from ..scanning.baseline import BaselineError, new_findings, read_baseline, write_baseline
    from ..scanning.runner import keep_findings

    if not settings.selection.everything:
        result = keep_findings(result, settings.selection.keeps)
    try:
        if args.write_baseline:
            n = write_baseline(result, args.write_baseline)
            print(f"msdev: baseline of {n:,} finding{'s' if n != 1 else ''} written to {args.write_baseline}",
                  file=sys.stderr)
        elif settings.baseline is not None:
            result, known = new_findings(result, read_baseline(settings.baseline))
            if known and not args.quiet:
                print(f"msdev: {known:,} finding{'s' if known != 1 else ''} already in the baseline "
                      f"{settings.baseline} not reported", file=sys.stderr)
    except BaselineError as exc:
        raise UserError(str(exc)) from None
    return result


def run(args: argparse.Namespace) -> int:
    from ..report import ReportError, check_destination, write_report, write_report_with
    from ..report.text import plain_summary, render_findings, render_summary, rich_summary
    from ..scanning import InputError, run_scan
    from ..scanning.lazydb import LazyDatabase, db_fingerprint
    from ..scanning.walk import scan_root

    for p in args.paths:
        if not os.path.lexists(p):
            raise UserError(f"no such file or directory: {p}")
    if args.output:
        try:
            out = check_destination(args.output)
        except ReportError as exc:
            raise UserError(str(exc)) from None
        target = os.path.realpath(out)
        for p in args.paths:
            if os.path.isfile(p) and os.path.realpath(p) == target:
                raise UserError(f"refusing to write the report over the scanned file {p}")
    root = scan_root(args.paths)
    settings = project_settings(args, root)
    fingerprint = db_fingerprint(getattr(args, "db", None), overlay_root=root)
    if fingerprint is None:
        db = open_db(args, overlay_root=root)  # a bad --db: the loader's message, exit 2
    else:  # loaded only if some file is not in the cache
        db = LazyDatabase(lambda: open_db(args, overlay_root=root), fingerprint)

    fmt = report_format(args.format, args.output)
    if args.summary and fmt != "text":
        raise UserError(f"--summary applies to the text report, not {fmt}")
    show_progress = sys.stderr.isatty() and not args.quiet  # stderr: the report may be piped
    progress_cb = None
    progress_bar = None
    if show_progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        progress_bar = Progress(TextColumn("[bold]scanning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                console=Console(stderr=True), transient=True)
        task = progress_bar.add_task("scan", total=None)

        def progress_cb(done: int, total: int) -> None:
            progress_bar.update(task, completed=done, total=total)

        progress_bar.start()
    try:
        result = run_scan(args.paths, db, profile=settings.profile, jobs=args.jobs, use_cache=not args.no_cache,
                          excludes=list(settings.exclude) + args.exclude, progress=progress_cb,
                          cache_dir=args.cache_dir, use_ignores=not args.no_ignore, root=root)
    except InputError as exc:
        raise UserError(str(exc)) from None
    finally:
        if progress_bar is not None:
            progress_bar.stop()
    result = apply_baseline(args, settings, result)

    for warning in result.warnings:
        print(f"msdev: warning: {warning}", file=sys.stderr)

    # text on a terminal: the finding lines, then the summary drawn by rich (below)
    terminal = args.output is None and fmt == "text" and sys.stdout.isatty()
    try:
        if fmt != "text":
            write_report(result, fmt, args.output)
        elif args.summary:
            if not (terminal and not args.quiet):
                write_report_with(result, render_summary, args.output)
        elif terminal or args.quiet:
            write_report_with(result, render_findings, args.output)
        else:
            write_report(result, fmt, args.output)  # finding lines and the summary tables
    except ReportError as exc:
        raise UserError(str(exc)) from None

    if args.quiet:
        pass
    elif terminal:
        from rich.console import Console

        rich_summary(result, Console())
    elif sys.stderr.isatty():
        from rich.console import Console

        console = Console(stderr=True)
        rich_summary(result, console)
        if args.output:
            console.print(f"Report ({fmt}) written to {args.output}", highlight=False)
    else:
        print(plain_summary(result), file=sys.stderr)
        if args.output:
            print(f"msdev: {fmt} report written to {args.output}", file=sys.stderr)

    reasons = failure_reasons(result, args.fail_on)
    if reasons:
        print(f"msdev: --fail-on {args.fail_on}: " + "; ".join(reasons), file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


__all__ = ["register", "run", "fails", "failure_reasons", "report_format"]
