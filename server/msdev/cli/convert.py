"""`msdev convert`: PyTorch sources in, MindSpore sources out (never over the input)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .common import EXIT_OK, UserError, add_db_options, add_profile_option, open_db


def register(sub) -> None:
    p = sub.add_parser(
        "convert",
        help="convert PyTorch code to MindSpore code (writes a new file or folder)",
        description="Convert a PyTorch file or source tree to MindSpore. The source is never modified: "
        "the result goes to OUT (a new or empty folder, or a .py file for a single file). Comments and "
        "formatting outside the rewritten spans are kept byte for byte; what cannot be converted is "
        "left as it was and marked with a '# msdev: [UnConvert]' comment and in the report.",
    )
    p.add_argument("src", metavar="SRC", help="a .py file or a directory")
    p.add_argument("-o", "--output", metavar="OUT", required=True,
                   help="output folder (mirrors SRC), or a .py file name when SRC is a file")
    add_profile_option(p)
    p.add_argument("--report", metavar="FILE", help="write the conversion report to FILE")
    p.add_argument("--report-format", choices=("text", "json"), default="text",
                   help="report format (text follows MindConverter's layout; default: text)")
    p.add_argument("--force", action="store_true", help="write into an existing non-empty OUT, overwriting files")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="worker processes for folders (default: number of cores)")
    add_db_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..convert_tree import ConvertError, convert_paths
    from ..report.convert_report import to_json, to_text

    src = Path(args.src)
    out = Path(args.output)
    if args.jobs < 1:
        raise UserError("--jobs must be at least 1")
    report_path = Path(args.report) if args.report else None
    if report_path is not None and not report_path.parent.exists():
        raise UserError(f"cannot write the report: folder {report_path.parent} does not exist")
    db = open_db(args, overlay_root=src if src.is_dir() else src.parent)
    progress = None
    bar = None
    if sys.stdout.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(TextColumn("converting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       transient=True)
        task = bar.add_task("convert", total=None)
        bar.start()

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
    try:
        summary = convert_paths(src, out, db, args.profile, args.force, args.jobs, progress)
    except ConvertError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot write the output: {exc.strerror or exc} ({exc.filename or out})") from None
    finally:
        if bar is not None:
            bar.stop()
    report = to_json(summary, args.profile, db.version) if args.report_format == "json" else to_text(summary)
    if report_path is not None:
        report_path.write_text(report, encoding="utf-8")
    elif args.report_format == "json":
        print(report, end="")
    for f in summary.errors:
        print(f"msdev: warning: {f.rel_path}: {f.error} (copied unchanged)", file=sys.stderr)
    if args.report_format == "text" or report_path is not None:
        print(f"Converted {len(summary.files)} file{'s' if len(summary.files) != 1 else ''} to {out}: "
              f"{summary.uses} PyTorch uses, {summary.converted} converted, {summary.unconverted} not converted "
              f"({100 * summary.rate:.1f}%)." + (f" Report: {report_path}" if report_path else ""))
        if report_path is None and summary.unconverted:
            print("Not converted (marked '# msdev: [UnConvert]' in the output):")
            for f in summary.files:
                for line, col, api, reason, _ in f.unconverted:
                    print(f"  {f.rel_path}:{line}:{col}: {api}: {reason}")
    return EXIT_OK
