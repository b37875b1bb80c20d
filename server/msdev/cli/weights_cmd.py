"""`msdev weights map|convert|diff`: PyTorch checkpoints → MindSpore checkpoints, without either framework.

The library lives in msdev.weights and is imported only when a weights command runs, so the
rest of the CLI starts fast and works even where numpy is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import EXIT_FINDINGS, EXIT_OK, UserError, add_db_options, add_profile_option


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "weights", help="map parameter names, convert PyTorch checkpoints to MindSpore, compare checkpoints",
        description="Convert trained PyTorch weights to a MindSpore checkpoint. Reads torch.save zip files "
        "and .safetensors without torch, never runs code from a checkpoint, writes .ckpt or .safetensors "
        "without mindspore.")
    sub = p.add_subparsers(dest="weights_command", metavar="ACTION")

    m = sub.add_parser("map", help="derive the PyTorch → MindSpore parameter-name map from a model's source",
                       description="Derive the parameter-name map from the model source (the converted MindSpore "
                       "code or the PyTorch code: files or directories). With --checkpoint the map lists every "
                       "key of that checkpoint; without, it lists one rule per layer (prefix patterns).")
    m.add_argument("source", nargs="+", metavar="MODEL_SOURCE", help="model source files or directories")
    m.add_argument("-o", "--output", metavar="MAP.json", help="write the map here (default: print it)")
    m.add_argument("--checkpoint", metavar="CKPT", help="list exact entries for this checkpoint's keys")
    m.add_argument("--key", help="the entry of a full checkpoint dict that holds the state dict")
    m.add_argument("--root", metavar="CLASS", help="the network's top class (default: guessed)")
    m.add_argument("--force", action="store_true", help="overwrite MAP.json if it exists")
    add_profile_option(m)
    add_db_options(m)
    m.set_defaults(func=run_map)

    c = sub.add_parser("convert", help="convert a PyTorch checkpoint to a MindSpore .ckpt or .safetensors",
                       description="Convert a PyTorch checkpoint (torch.save zip: a state dict or a dict holding "
                       "one under state_dict/model; or .safetensors) to a MindSpore checkpoint.")
    c.add_argument("checkpoint", metavar="CKPT", help="the PyTorch checkpoint (.pth/.pt torch.save zip, or .safetensors)")
    c.add_argument("-o", "--output", required=True, metavar="OUT", help="the MindSpore checkpoint to write")
    how = c.add_mutually_exclusive_group()
    how.add_argument("--map", metavar="MAP.json", help="a map written by 'msdev weights map'")
    how.add_argument("--code", nargs="+", metavar="SRC", help="derive the map from this model source")
    c.add_argument("--format", choices=("ckpt", "safetensors"), help="output format (default: from OUT's suffix, else ckpt)")
    c.add_argument("--key", help="the entry of a full checkpoint dict that holds the state dict")
    c.add_argument("--strip-prefix", metavar="PREFIX", help="remove this prefix from every key (default: 'module.' when all keys have it)")
    c.add_argument("--root", metavar="CLASS", help="with --code: the network's top class")
    c.add_argument("--save-map", metavar="MAP.json", help="also write the map that was applied")
    c.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    c.add_argument("--json", action="store_true", help="print the result as JSON")
    add_profile_option(c)
    add_db_options(c)
    c.set_defaults(func=run_convert)

    d = sub.add_parser("diff", help="compare a PyTorch and a MindSpore checkpoint: names, shapes, values",
                       description="Compare two checkpoints parameter by parameter through the name map: shapes, "
                       "allclose, max abs difference, cosine similarity. Exit 1 when any parameter differs.")
    d.add_argument("a", metavar="A.pth", help="the PyTorch checkpoint")
    d.add_argument("b", metavar="B.ckpt", help="the MindSpore checkpoint (.ckpt or .safetensors)")
    how = d.add_mutually_exclusive_group()
    how.add_argument("--map", metavar="MAP.json", help="pair the names through a map written by 'msdev weights map'")
    how.add_argument("--code", nargs="+", metavar="SRC", help="derive the name map from this model source")
    d.add_argument("--root", metavar="CLASS", help="with --code: the network's top class (default: guessed)")
    d.add_argument("--key", help="the entry of A's checkpoint dict that holds the state dict")
    d.add_argument("--rtol", type=float, default=1e-3, help="relative tolerance of allclose (default 1e-3)")
    d.add_argument("--atol", type=float, default=1e-4, help="absolute tolerance of allclose (default 1e-4)")
    d.add_argument("--json", action="store_true", help="print JSON instead of a table")
    d.add_argument("--all", action="store_true", help="list matching parameters too (default: only problems)")
    add_profile_option(d)
    add_db_options(d)
    d.set_defaults(func=run_diff)

    p.set_defaults(func=lambda args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _lib():
    try:
        import numpy  # noqa: F401
    except ImportError:
        raise UserError("msdev weights needs numpy: pip install numpy") from None
    from .. import weights
    return weights


def _db(args):
    if getattr(args, "db", None) is None:
        try:
            from ..db.loader import load_database
            return load_database()
        except Exception:  # the shipped database is optional for weights: built-in rules cover the layers
            return None
    from .common import open_db
    return open_db(args)


def _errors():
    from ..weights.mapping import MapError
    from ..weights.reader import CheckpointError
    from ..weights.writer import OutputExistsError
    return (MapError, CheckpointError, OutputExistsError, FileNotFoundError, SyntaxError, IsADirectoryError)


def run_map(args) -> int:
    _lib()
    from ..weights.convert import prepare
    from ..weights.mapping import build_map, map_from_source
    from ..weights.structure import ModelSource
    out = Path(args.output) if args.output else None
    if out and out.exists() and not args.force:
        raise UserError(f"{out} exists; msdev does not overwrite files (pass --force)")
    try:
        model = ModelSource.from_paths(args.source, db=_db(args), profile=args.profile)
        if not model.classes:
            raise UserError(f"no classes found in {', '.join(args.source)}")
        if args.checkpoint:
            _cp, tensors = prepare(args.checkpoint, args.key)
            wmap = build_map({k: t.shape for k, t in tensors.items()}, model, root=args.root, profile=args.profile,
                             source=", ".join(args.source))
        else:
            wmap = map_from_source(model, args.root, source=", ".join(args.source), profile=args.profile)
    except _errors() as exc:
        raise UserError(str(exc)) from None
    text = json.dumps(wmap.to_dict(), indent=2)
    if out is None:
        print(text)
        return EXIT_OK
    out.write_text(text + "\n", encoding="utf-8")
    n = len(wmap.entries) if wmap.entries else len(wmap.layers)
    what = "entries" if wmap.entries else "layer rules"
    print(f"wrote {n} {what} to {out} (root class: {wmap.root or 'any'}; {len(wmap.warnings)} warnings)")
    for w in wmap.warnings[:20]:
        print(f"  warning: {w}", file=sys.stderr)
    return EXIT_OK


def _output_format(args) -> str:
    if args.format:
        return args.format
    return "safetensors" if str(args.output).endswith(".safetensors") else "ckpt"


def run_convert(args) -> int:
    _lib()
    import time

    from ..weights.convert import convert_checkpoint
    save_map = Path(args.save_map) if args.save_map else None
    if save_map and save_map.exists() and not args.force:
        raise UserError(f"{save_map} exists; msdev does not overwrite files (pass --force)")
    if Path(args.output).resolve() == Path(args.checkpoint).resolve():
        raise UserError("the output must not be the input checkpoint")
    start = time.perf_counter()
    try:
        res = convert_checkpoint(args.checkpoint, args.output, map_path=args.map, code=args.code,
                                 fmt=_output_format(args), key=args.key, root=args.root, profile=args.profile,
                                 db=_db(args) if args.code else None, overwrite=args.force,
                                 strip_prefix=args.strip_prefix)
    except _errors() as exc:
        raise UserError(str(exc)) from None
    elapsed = time.perf_counter() - start
    if save_map:
        res.wmap.save(save_map)
    counts = res.counts()
    if args.json:
        print(json.dumps({"output": str(res.output), "format": res.format, "seconds": round(elapsed, 3), **counts,
                          "notes": res.checkpoint.notes, "skipped": res.checkpoint.skipped,
                          "warnings": res.wmap.warnings}, indent=2))
        return EXIT_OK
    print(f"wrote {counts['written']} parameters to {res.output} ({res.format}) in {elapsed:.2f}s: "
          f"{counts['renamed']} renamed, {counts['reshaped']} reshaped, {counts['dropped']} dropped, "
          f"{counts['filled']} filled")
    for n in res.checkpoint.notes:
        print(f"  note: {n}")
    if res.checkpoint.skipped:
        print(f"  note: skipped {len(res.checkpoint.skipped)} non-tensor entries ({', '.join(res.checkpoint.skipped[:5])})")
    if counts["guessed"]:
        print(f"  note: {counts['guessed']} of the {counts['written']} parameters written were matched by their "
              "names and shapes alone"
              + ("" if args.code or args.map else " (pass --code to derive the map from the model source)"))
    for w in res.wmap.warnings[:30]:
        print(f"  warning: {w}", file=sys.stderr)
    if len(res.wmap.warnings) > 30:
        print(f"  ... {len(res.wmap.warnings) - 30} more warnings (see --save-map)", file=sys.stderr)
    return EXIT_OK


def run_diff(args) -> int:
    _lib()
    from ..weights.convert import diff_checkpoints
    try:
        res = diff_checkpoints(args.a, args.b, map_path=args.map, code=args.code, root=args.root,
                               profile=args.profile, db=_db(args) if args.code else None, key=args.key,
                               rtol=args.rtol, atol=args.atol)
    except _errors() as exc:
        raise UserError(str(exc)) from None
    if args.json:
        print(json.dumps({"ok": res.ok, "summary": res.summary(), "rows": [r.to_dict() for r in res.rows],
                          "notes": res.notes}, indent=2))
        return EXIT_OK if res.ok else EXIT_FINDINGS
    _print_diff_table(res, args.all)
    return EXIT_OK if res.ok else EXIT_FINDINGS


def _print_diff_table(res, show_all: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    rows = [r for r in res.rows if show_all or r.status not in ("match", "dropped", "filled")]
    table = Table(title="PyTorch ↔ MindSpore parameters", show_lines=False)
    for col in ("PyTorch", "MindSpore", "shape", "allclose", "max abs diff", "cosine", "status"):
        table.add_column(col, overflow="fold")
    for r in rows:
        a = r.agreement
        shape = "" if a is None else (str(list(a.shape_a)) if a.same_shape else f"{list(a.shape_a)} vs {list(a.shape_b)}")
        table.add_row(r.torch or "-", r.mindspore or "-", shape,
                      "" if a is None else ("yes" if a.allclose else "no"),
                      "" if a is None or a.max_abs != a.max_abs else f"{a.max_abs:.3g}",
                      "" if a is None or a.cosine != a.cosine else f"{a.cosine:.6f}",
                      r.status)
    if rows:
        console.print(table)
    summary = ", ".join(f"{n} {k}" for k, n in sorted(res.summary().items()))
    console.print(("all parameters agree" if res.ok else "checkpoints differ") + f" ({summary})")
    for n in res.notes[:20]:
        console.print(f"note: {n}", style="dim")
