"""`msdev db …`: build, validate and explore the mapping database.

Each sub-subcommand is a (name, register) pair in DB_SUBCOMMANDS, so another module can add
one (e.g. `db verify`) by appending its own pair without touching the others.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

from .common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UserError, add_db_options, open_db

PROJECT_ROOT = Path(__file__).resolve().parents[3]

#: what to do when no reference directory is found
REFERENCE_HINT = ("pass --reference DIR or set MSDEV_REFERENCE to the folder holding official_2024.tsv, "
                  "official_2025.tsv and torch_api_union.tsv")


def find_reference(explicit: Path | None = None) -> Path | None:
    """--reference, else `$MSDEV_REFERENCE`, else ../shared/reference beside a source checkout.

    An installed msdev (site-packages) has no checkout around it, so nothing is guessed there.
    """
    if explicit is not None:
        return explicit
    env = os.environ.get("MSDEV_REFERENCE")
    if env:
        return Path(env)
    checkout = (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "mapping_db").is_dir()
    beside = PROJECT_ROOT.parent / "shared" / "reference"
    return beside if checkout and beside.is_dir() else None


def _db_dir(args: argparse.Namespace) -> Path:
    from ..db.loader import default_db_dir

    return Path(args.db) if getattr(args, "db", None) else default_db_dir()


def _is_tty() -> bool:
    return sys.stdout.isatty()


def _console():
    from rich.console import Console

    return Console(highlight=False)


# --------------------------------------------------------------------------- import-reference

def _register_import(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import-reference",
        help="(re)generate mapping_db/*.yaml from the official mapping tables",
        description="Read official_2024.tsv, official_2025.tsv, torch_api_union.tsv and the diff-note "
        "lists, and write one entry per PyTorch API. Re-running refreshes only the `official` block "
        "and targets whose source is table-2024/table-2025/signature; hand-written fields and "
        "hand-only entries are kept.")
    p.add_argument("--reference", metavar="DIR", type=Path, default=None,
                   help="the reference directory (default: $MSDEV_REFERENCE, else ../shared/reference "
                   "beside a source checkout)")
    add_db_options(p)
    p.add_argument("--names-from-torch", action="store_true",
                   help="also regenerate _torch_names.yaml from the installed torch (needs torch)")
    p.set_defaults(func=_cmd_import)


def _cmd_import(args: argparse.Namespace) -> int:
    from ..db.importer import ReferenceDataError, import_reference, write_torch_names

    ref = find_reference(args.reference)
    if ref is None:
        raise UserError(f"no reference tables found: {REFERENCE_HINT}")
    db_dir = _db_dir(args)
    if args.names_from_torch:
        try:
            n = write_torch_names(db_dir)
        except ModuleNotFoundError as exc:
            raise UserError(f"--names-from-torch needs PyTorch installed ({exc.name} not found)") from None
        print(f"wrote {db_dir / '_torch_names.yaml'} ({n} module names)")
    try:
        report = import_reference(ref, db_dir)
    except ReferenceDataError as exc:
        raise UserError(str(exc)) from None
    changed = ", ".join(report.files_written) or "no file changed"
    print(f"imported {report.generated} APIs into {db_dir}: {report.created} new, {report.updated} "
          f"refreshed, {report.kept_by_hand} hand-only kept; {changed}")
    return EXIT_OK


# --------------------------------------------------------------------------- check

def _register_check(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check", help="validate the database YAML (and a project's msdev_mappings.yaml)",
        description="Validate every entry file of the database and the given overlays (files, or "
        "project directories holding msdev_mappings.yaml; default: ./msdev_mappings.yaml if present). "
        "Prints FILE:LINE: PROBLEM for each problem and exits 1 when there is any.")
    add_db_options(p)
    p.add_argument("paths", nargs="*", metavar="PATH", help="overlay files or project directories")
    p.set_defaults(func=_cmd_check)


def _cmd_check(args: argparse.Namespace) -> int:
    from ..db.check import check_database, overlay_paths
    from ..db.loader import entry_files

    db_dir = _db_dir(args)
    if not db_dir.is_dir():
        raise UserError(f"mapping database not found: {db_dir} is not a directory")
    if not entry_files(db_dir):
        raise UserError(f"mapping database {db_dir} holds no *.yaml entry files")
    overlays = overlay_paths(args.paths, Path.cwd())
    problems, nfiles, nentries = check_database(db_dir, overlays)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s) in {db_dir}" + (f" and {len(overlays)} overlay(s)" if overlays else ""),
              file=sys.stderr)
        return EXIT_FINDINGS
    extra = f" + {len(overlays)} overlay(s)" if overlays else ""
    print(f"OK: {nentries} entries in {nfiles - len(overlays)} files{extra}, no problems")
    return EXIT_OK


# --------------------------------------------------------------------------- show

def _register_show(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "show", help="everything the database knows about one PyTorch API",
        description="Show one entry: targets per profile, the argument differences, the note URL, "
        "the summary and the verification state. Short names work: nn.Conv2d, F.relu, Tensor.view.")
    p.add_argument("api", metavar="API", help="a PyTorch API, e.g. torch.nn.Conv2d or F.relu")
    p.add_argument("--json", action="store_true", help="print the entry as JSON")
    add_db_options(p)
    p.set_defaults(func=_cmd_show)


def _cmd_show(args: argparse.Namespace) -> int:
    from ..db.search import entry_dict, resolve

    db = open_db(args, overlay_root=Path.cwd())
    entry, close = resolve(db, args.api)
    if entry is None:
        hint = f"; did you mean: {', '.join(close)}?" if close else ""
        raise UserError(f"no mapping entry for '{args.api}'{hint}")
    if args.json:
        print(json.dumps(entry_dict(entry), indent=2, default=str))
        return EXIT_OK
    _print_entry(entry)
    return EXIT_OK


def _arg_rows(t) -> list[tuple[str, str, str]]:
    rows = []
    for a in t.args.values():
        what = []
        if a.to and a.to != a.name:
            what.append(f"renamed to {a.to}")
        if a.transform:
            what.append(f"value becomes {a.transform}")
        if a.default is not None:
            what.append(f"write {a.default} when omitted")
        if a.literal_map:
            what.append("; ".join(f"{lit} → {', '.join(f'{k}={v}' for k, v in kw.items()) or '(removed)'}"
                                  for lit, kw in a.literal_map.items()))
        if a.allowed:
            what.append(f"only {', '.join(a.allowed)}")
        if a.drop:
            what.append(f"dropped ({a.drop})")
        if a.unsupported:
            what.append(f"unsupported: {a.unsupported}")
        rows.append((a.name, a.target_name if not (a.drop or a.unsupported) else "—", "; ".join(what) or "same"))
    for k, v in t.insert.items():
        rows.append(("—", k, f"always added: {k}={v}"))
    return rows


def _print_entry(e) -> None:
    if _is_tty():
        from rich.table import Table

        con = _console()
        con.print(f"[bold]{e.api}[/]  ({e.kind}, returns {e.returns})")
        con.print(e.summary)
        if e.doc_url:
            con.print(f"note: {e.doc_url}")
        if e.params:
            con.print(f"PyTorch params: {', '.join(e.params)}")
        for prof, t in e.targets.items():
            con.print(f"\n[bold]{prof}[/]: {t.api or '(none)'}  [{t.status.value}]  source: {t.source}"
                      + (f"  call_style: {t.call_style}" if t.call_style != "same" else ""))
            if t.params:
                con.print(f"  MindSpore params: {', '.join(t.params)}")
            if t.reason:
                con.print(f"  {t.reason}")
            if t.backends:
                con.print(f"  runs on: {', '.join(t.backends)}")
            rows = _arg_rows(t)
            if rows:
                table = Table("PyTorch", "MindSpore", "difference", show_header=True)
                for r in rows:
                    table.add_row(*r)
                con.print(table)
        con.print(f"\nverified: {_verification_text(e)}")
        return
    print(f"{e.api}  ({e.kind}, returns {e.returns})")
    print(f"summary: {e.summary}")
    if e.doc_url:
        print(f"note: {e.doc_url}")
    if e.params:
        print(f"params: {', '.join(e.params)}")
    for prof, t in e.targets.items():
        print(f"{prof}: {t.api or '(none)'} [{t.status.value}] source={t.source}"
              + (f" call_style={t.call_style}" if t.call_style != "same" else ""))
        if t.params:
            print(f"  params: {', '.join(t.params)}")
        if t.reason:
            print(f"  reason: {t.reason}")
        if t.backends:
            print(f"  backends: {', '.join(t.backends)}")
        for name, to, what in _arg_rows(t):
            print(f"  arg {name} -> {to}: {what}")
    print(f"verified: {_verification_text(e)}")


def _verification_text(e) -> str:
    if not e.verified:
        return "not yet"
    parts = []
    for rec in e.verified:
        parts.append(f"{rec.get('profile', 'portable')}/{rec.get('backend', '?')}: {rec.get('result', '?')}"
                     + (f" (MindSpore {rec['mindspore']})" if rec.get("mindspore") else ""))
    return "; ".join(parts)


# --------------------------------------------------------------------------- search

def _register_search(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "search", help="find entries by a PyTorch or MindSpore name (or fragment)",
        description="Search both ways: a PyTorch name or fragment finds its entries and targets; a "
        "MindSpore name finds the PyTorch APIs that map to it. Prints full dotted names.")
    p.add_argument("text", metavar="TEXT", help="e.g. conv2d, F.relu, mindspore.nn.Dense")
    p.add_argument("--json", action="store_true", help="print the matches as JSON")
    p.add_argument("--limit", type=int, default=200, help="at most this many matches (default 200)")
    add_db_options(p)
    p.set_defaults(func=_cmd_search)


def _cmd_search(args: argparse.Namespace) -> int:
    from ..db.search import search

    if not args.text.strip():
        raise UserError("search text is empty")
    db = open_db(args, overlay_root=Path.cwd())
    rows = search(db, args.text, limit=max(1, args.limit))
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    if not rows:
        print(f"no entry matches '{args.text}'")
        return EXIT_FINDINGS
    if _is_tty():
        from rich.table import Table

        table = Table("PyTorch", "status", "portable", "ascend", title=f"{len(rows)} match(es) for '{args.text}'")
        for r in rows:
            asc = r["ascend"] if r["ascend"] and r["ascend"] != r["portable"] else ""
            table.add_row(r["api"], r["status"], r["portable"] or "—", asc)
        _console().print(table)
    else:
        for r in rows:
            asc = f"\tascend={r['ascend']}" if r["ascend"] and r["ascend"] != r["portable"] else ""
            print(f"{r['api']}\t{r['status']}\t{r['portable'] or '-'}{asc}")
    return EXIT_OK


# --------------------------------------------------------------------------- stats

def _register_stats(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "stats", help="counts: entries, statuses, namespaces, curated maps, official coverage",
        description="Summarise the database. official_apis_covered counts the APIs of the reference "
        "torch_api_union.tsv that have an entry.")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.add_argument("--reference", metavar="DIR", type=Path, default=None,
                   help="reference directory for the official coverage (default as import-reference)")
    add_db_options(p)
    p.set_defaults(func=_cmd_stats)


def _cmd_stats(args: argparse.Namespace) -> int:
    from ..db.search import stats

    db = open_db(args)
    ref = find_reference(args.reference)
    if args.reference is not None and not args.reference.exists():
        raise UserError(f"reference not found: {args.reference}")
    if ref is None:
        print(f"note: official coverage needs the reference tables ({REFERENCE_HINT}); "
              "counting the entries taken from the official tables instead", file=sys.stderr)
    data = stats(db, ref)
    if args.json:
        print(json.dumps(data, indent=2))
        return EXIT_OK
    lines = [f"entries: {data['entries']} ({data['torch_apis']} PyTorch APIs)",
             f"curated: {data['curated']} (with an argument map: {data['with_arg_map']})",
             f"manual or unsupported: {data['manual_or_unsupported']} "
             f"({100 * data['manual_or_unsupported_share']:.1f}%)"]
    coverage = data.get("coverage_by_namespace") or {}
    if coverage:
        lines.append("coverage of torch 2.13's public APIs: " + ", ".join(
            f"{ns} {c['entries']}/{c['public_apis']}" for ns, c in coverage.items()))
    if "official_apis_total" in data:
        lines.append(f"official APIs covered: {data['official_apis_covered']}/{data['official_apis_total']}")
    else:
        lines.append(f"entries from the official tables: {data['official_apis_covered']}")
    if _is_tty():
        from rich.table import Table

        con = _console()
        for line in lines:
            con.print(line)
        for title, key in (("portable status", "by_status"), ("ascend status", "by_status_ascend"),
                           ("namespace", "by_namespace")):
            table = Table(title, "entries")
            for k, v in data[key].items():
                table.add_row(k, str(v))
            con.print(table)
        return EXIT_OK
    for line in lines:
        print(line)
    for key in ("by_status", "by_status_ascend", "by_namespace"):
        print(f"{key}: " + ", ".join(f"{k}={v}" for k, v in data[key].items()))
    return EXIT_OK


# --------------------------------------------------------------------------- registration

#: (name, register function) of every `msdev db` sub-subcommand; others may append theirs
DB_SUBCOMMANDS: list[tuple[str, Callable[[Any], None]]] = [
    ("import-reference", _register_import),
    ("check", _register_check),
    ("show", _register_show),
    ("search", _register_search),
    ("stats", _register_stats),
]

#: modules that contribute more sub-subcommands through their own `register_db(sub)`
DB_EXTENSION_MODULES = ("msdev.cli.db_verify",)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "db", help="build, validate and explore the mapping database",
        description="The mapping database: one YAML entry per PyTorch API with its MindSpore "
        "counterparts. Use 'msdev db COMMAND --help' for each command.")
    sub = parser.add_subparsers(dest="db_command", metavar="COMMAND")
    for _name, reg in DB_SUBCOMMANDS:
        reg(sub)
    import importlib

    for mod in DB_EXTENSION_MODULES:
        try:
            module = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name == mod:
                continue
            raise
        module.register_db(sub)

    def _no_sub(_args: argparse.Namespace) -> int:
        parser.print_help()
        return EXIT_USAGE

    parser.set_defaults(func=_no_sub)
