"""`msdev convert`: PyTorch sources in, MindSpore sources out (never over the input)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .rule_options import add_rule_options, project_settings
from .common import (EXIT_FINDINGS, EXIT_OK, UserError, add_db_options, add_jobs_option, add_profile_option,
                     jobs_or_cores, open_db)


def register(sub) -> None:
    p = sub.add_parser(
        "convert",
        help="convert PyTorch code to MindSpore code (writes a new file or folder)",
        description="Convert a PyTorch file or source tree to MindSpore. The source is never modified: "
        "the result goes to OUT (a new or empty folder, or a .py file for a single file). Comments and "
        "formatting outside the rewritten spans are kept byte for byte; what cannot be converted is "
        "left as it was and marked with a '# msdev: [UnConvert]' comment and in the report.",
    )
    p.add_argument("src", metavar="SRC", nargs="?", help="a .py file or a directory (omit with --model/--model-file)")
    p.add_argument("-o", "--output", metavar="OUT", required=True,
                   help="output folder (mirrors SRC), or a .py file name when SRC is a file")
    add_profile_option(p)
    p.add_argument("--report", metavar="FILE", help="write the conversion report to FILE")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="leave out paths matching GLOB (gitignore syntax, relative to SRC), as scan does; "
                   "repeatable, added to [tool.msdev] exclude")
    p.add_argument("--report-format", choices=("text", "json"), default=None,
                   help="report format (text follows MindConverter's layout; default: json when --report "
                   "ends in .json, else text)")
    p.add_argument("--force", action="store_true", help="write into an existing non-empty OUT, overwriting files "
                   "msdev wrote there before (files edited since are refused: see --overwrite-edited)")
    p.add_argument("--overwrite-edited", action="store_true",
                   help="with --force: also overwrite files in OUT edited since msdev wrote them, or not written by it")
    add_jobs_option(p)
    add_db_options(p)
    add_rule_options(p)
    g = p.add_argument_group(
        "graph mode", "generate MindSpore code from a live PyTorch model instead of its source (needs msdev-migrate[verify]): "
        "OUT/model.py (one Cell per module class, create_model()), OUT/model.ckpt and the report")
    src = g.add_mutually_exclusive_group()
    src.add_argument("--model", metavar="MODULE:FACTORY", help="callable returning the torch.nn.Module")
    src.add_argument("--model-file", metavar="MODEL.pth", help="a whole model saved with torch.save(model) "
                     "(unpickling runs code: needs --trust-pickle)")
    g.add_argument("--trust-pickle", action="store_true", help="allow --model-file to be unpickled")
    g.add_argument("--kwargs", default="{}", metavar="JSON", help="keyword arguments for the factory")
    g.add_argument("--path", action="append", default=[], metavar="DIR",
                   help="add DIR to sys.path so the model's source imports (repeatable)")
    g.add_argument("--input", action="append", default=[], metavar="SHAPE",
                   help="an example input shape, e.g. 1,3,224,224 (repeat for several inputs; ':int64[:HIGH]' "
                   "for integer inputs); the batch dimension stays free in the generated code")
    g.add_argument("--dtype", default="float32", help="dtype of inputs that name none (default float32)")
    g.add_argument("--weights", metavar="X.pth", help="load these PyTorch weights into the model first")
    g.add_argument("--no-check", dest="check", action="store_false",
                   help="skip running the generated network against the original")
    p.set_defaults(func=run, profile=None)


def run(args: argparse.Namespace) -> int:
    if args.report_format is None:
        args.report_format = "json" if args.report and args.report.lower().endswith(".json") else "text"
    settings = project_settings(args, args.src or ".")
    args.profile = settings.profile
    if args.model or args.model_file:
        return run_graph(args)
    if args.src is None:
        raise UserError("convert needs SRC, or --model MODULE:FACTORY / --model-file MODEL.pth")
    from ..convert_tree import ConvertError, convert_paths
    from ..scanning import InputError
    from ..report.convert_report import to_json, to_text

    src = Path(args.src)
    out = Path(args.output)
    args.jobs = jobs_or_cores(args.jobs)
    report_path = Path(args.report) if args.report else None
    if report_path is not None and not report_path.parent.exists():
        raise UserError(f"cannot write the report: folder {report_path.parent} does not exist")
    db = open_db(args, overlay_root=src if src.is_dir() else src.parent)
    progress = None
    bar = None
    if sys.stderr.isatty():  # progress on stderr, so a piped report stays clean
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(TextColumn("converting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       console=Console(stderr=True), transient=True)
        task = bar.add_task("convert", total=None)
        bar.start()

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
    try:
        summary = convert_paths(src, out, db, args.profile, args.force, args.jobs, progress,
                                overwrite_edited=args.overwrite_edited, selection=settings.selection,
                                exclude=list(settings.exclude) + args.exclude)
    except (ConvertError, InputError) as exc:  # InputError: an invalid exclude pattern
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
    for f in summary.failed:
        kept = "copied unchanged" if f.written else "not written"
        print(f"msdev: warning: {f.rel_path}: {f.error} ({kept})", file=sys.stderr)
    if args.report_format == "text" or report_path is not None:
        print(summary_line(summary, out) + (f" Report: {report_path}" if report_path else ""))
        if report_path is None and summary.unconverted:
            print("Not converted (marked '# msdev: [UnConvert]' in the output):")
            for f in summary.files:
                for line, col, api, reason, _ in f.unconverted:
                    print(f"  {f.rel_path}:{line}:{col + 1}: {api}: {reason}")
    if not summary.files:
        print(f"msdev: warning: no .py files in {src}: nothing was converted", file=sys.stderr)
    if summary.failed:
        n = len(summary.failed)
        print(f"msdev: error: {n} file{'s' if n != 1 else ''} failed (listed above): "
              "the output is not fully converted", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def summary_line(summary, out: Path) -> str:
    """One honest sentence: files converted / copied unchanged / failed, then the uses."""
    parts = [f"{_count(summary.converted_files, 'Python file')} converted"]
    parts.append(f"{_count(summary.copied, 'other file')} copied unchanged")
    parts.append(f"{len(summary.failed)} failed")
    uses = (f"{summary.uses} PyTorch uses, {summary.converted} converted, {summary.unconverted} not converted")
    if summary.uses and summary.complete:
        uses += f" ({100 * summary.rate:.1f}%)"
    elif summary.uses:
        uses += " in the files that could be converted"
    return f"{', '.join(parts)} into {out}: {uses}."


GRAPH_ONLY = ("kwargs", "path", "input", "weights", "trust_pickle")


def run_graph(args: argparse.Namespace) -> int:
    """Graph mode: the model is built (or unpickled), traced, and regenerated as MindSpore code."""
    import json

    if args.src is not None:
        raise UserError("give either SRC or --model/--model-file, not both")
    if not args.input:
        raise UserError("graph mode needs at least one --input SHAPE (e.g. --input 1,3,224,224)")
    try:
        kwargs = json.loads(args.kwargs)
    except json.JSONDecodeError as exc:
        raise UserError(f"--kwargs is not valid JSON: {exc}") from None
    if not isinstance(kwargs, dict):
        raise UserError("--kwargs must be a JSON object")
    if args.model_file and not args.trust_pickle:
        raise UserError(f"--model-file {args.model_file}: loading a pickled model runs code stored in the file; "
                        "pass --trust-pickle if you trust its origin (or use --model MODULE:FACTORY)")
    report_path = Path(args.report) if args.report else None
    if report_path is not None and not report_path.parent.exists():
        raise UserError(f"cannot write the report: folder {report_path.parent} does not exist")
    missing = [m for m in ("torch", "mindspore") if not _importable(m)]
    if missing:
        raise UserError(f"graph mode needs {' and '.join(missing)}: pip install 'msdev-migrate[verify]' "
                        "(torch and mindspore)")
    from ..graph.pipeline import GraphError, GraphOptions, convert_model
    from ..weights.writer import OutputExistsError

    db = open_db(args)
    opts = GraphOptions(model=args.model, model_file=args.model_file, trust_pickle=args.trust_pickle, kwargs=kwargs,
                        paths=args.path, inputs=args.input, dtype=args.dtype, profile=args.profile,
                        out=args.output, weights=args.weights, force=args.force, check=args.check)
    try:
        report = convert_model(opts, db)
    except (GraphError, OutputExistsError) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot write the output: {exc.strerror or exc} ({exc.filename or args.output})") from None
    text = report.to_json() if args.report_format == "json" else report.to_text()
    if report_path is not None:
        report_path.write_text(text, encoding="utf-8")
        print(f"Generated {args.output}/model.py and model.ckpt: {len(report.classes)} classes, "
              f"{len(report.placeholders)} placeholders. Report: {report_path}")
    else:
        print(text, end="")
    return EXIT_OK if report.ok else 1


def _importable(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False
