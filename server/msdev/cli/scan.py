"""`msdev scan`: report every PyTorch use in files and folders, in five formats.

Exit codes: 0 done (nothing at or above --fail-on), 1 findings (or unanalysable files) at or
above --fail-on, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import os
import sys

from .common import EXIT_FINDINGS, EXIT_OK, UserError, add_db_options, add_profile_option, open_db

FAIL_ON = ("unsupported", "manual", "any", "never")


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("--jobs must be at least 1")
    return n


def register(subparsers) -> None:
    from ..report import FORMATS

    p = subparsers.add_parser(
        "scan",
        help="report every PyTorch use and its MindSpore counterpart",
        description="Find every PyTorch use in Python files and folders and report what it becomes in "
        "MindSpore, what needs a human, and how much of it converts automatically.",
        epilog="Exit codes: 0 done; 1 findings at or above --fail-on (or files that could not be analysed, "
        "unless --fail-on never); 2 usage or input error.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (folders are walked recursively)")
    p.add_argument("--format", "-f", choices=FORMATS, default="text", help="report format (default: text)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    add_profile_option(p)
    add_db_options(p)
    p.add_argument("--fail-on", choices=FAIL_ON, default="never",
                   help="exit 1 when a use is at least this serious: unsupported; manual (manual, partial, "
                   "not in the database, unsupported); any (every PyTorch use); never (default)")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="skip paths matching GLOB (gitignore syntax, relative to the scan root); repeatable")
    p.add_argument("--no-ignore", action="store_true",
                   help="also scan what .gitignore and the default excludes (virtualenvs, build folders…) skip")
    p.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                   help="processes to use (default: the number of cores)")
    p.add_argument("--no-cache", action="store_true", help="analyse every file, do not read or write the cache")
    p.add_argument("--cache-dir", metavar="DIR", help="cache folder (default: $XDG_CACHE_HOME/msdev/scan/<root>-<hash>, else under "
                   "~/.cache/msdev; never inside the scanned tree unless you name a folder there)")
    p.add_argument("--quiet", "-q", action="store_true", help="no summary and no progress bar")
    p.set_defaults(func=run)


def fails(result, level: str) -> bool:
    """Whether the scan result reaches `--fail-on level`."""
    from ..findings import STATUS_RANK, Status

    if level == "never":
        return False
    if result.summary.files_with_errors:
        return True  # an unanalysable file may hide anything: a gate must not pass silently
    threshold = {"unsupported": STATUS_RANK[Status.UNSUPPORTED], "manual": STATUS_RANK[Status.MANUAL], "any": 0}[level]
    return result.worst_rank() >= threshold


def run(args: argparse.Namespace) -> int:
    from ..report import ReportError, check_destination, write_report
    from ..report.text import plain_summary, rich_summary
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
    fingerprint = db_fingerprint(getattr(args, "db", None), overlay_root=root)
    if fingerprint is None:
        db = open_db(args, overlay_root=root)  # a bad --db: the loader's message, exit 2
    else:  # loaded only if some file is not in the cache
        db = LazyDatabase(lambda: open_db(args, overlay_root=root), fingerprint)

    tty = sys.stdout.isatty() and not args.quiet
    progress_cb = None
    progress_bar = None
    if tty:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console()
        progress_bar = Progress(TextColumn("[bold]scanning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                console=console, transient=True)
        task = progress_bar.add_task("scan", total=None)

        def progress_cb(done: int, total: int) -> None:
            progress_bar.update(task, completed=done, total=total)

        progress_bar.start()
    try:
        result = run_scan(args.paths, db, profile=args.profile, jobs=args.jobs, use_cache=not args.no_cache,
                          excludes=args.exclude, progress=progress_cb, cache_dir=args.cache_dir,
                          use_ignores=not args.no_ignore, root=root)
    except InputError as exc:
        raise UserError(str(exc)) from None
    finally:
        if progress_bar is not None:
            progress_bar.stop()

    for warning in result.warnings:
        print(f"msdev: warning: {warning}", file=sys.stderr)

    try:
        write_report(result, args.format, args.output)
    except ReportError as exc:
        raise UserError(str(exc)) from None

    if args.quiet:
        pass
    elif tty and (args.output or args.format == "text"):
        rich_summary(result, console)
        if args.output:
            console.print(f"Report ({args.format}) written to {args.output}", highlight=False)
    else:
        print(plain_summary(result), file=sys.stderr)
        if args.output:
            print(f"msdev: {args.format} report written to {args.output}", file=sys.stderr)

    if fails(result, args.fail_on):
        return EXIT_FINDINGS
    return EXIT_OK


__all__ = ["register", "run", "fails"]
