"""`msdev db verify`: run every entry's example on PyTorch and, rewritten by msdev, on MindSpore."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

from .common import (EXIT_FINDINGS, EXIT_OK, UserError, add_db_options, add_jobs_option, add_profile_option,
                     jobs_or_cores, open_db)

BACKEND = "CPU"  # the local MindSpore backend the workers run on


def register_db(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify", help="execute every rewrite in the database on PyTorch and MindSpore and compare",
        description="For each entry with a target, run its example (mapping_db/examples) on PyTorch, "
        "convert the example with msdev's own rewrite, run that on MindSpore (local CPU backend) and "
        "compare the outputs. Needs the verify extra: pip install 'msdev-migrate[verify]'. Exit 1 when an "
        "example fails (with --check-regressions: only when an entry recorded as passing fails).")
    p.add_argument("apis", nargs="*", metavar="API", help="only these entries (short names work: F.relu)")
    add_profile_option(p)
    add_jobs_option(p)
    p.add_argument("--report", metavar="FILE", type=Path, help="write the results as JSON to FILE")
    p.add_argument("--record", action="store_true",
                   help="write the results to mapping_db/verified/<profile>-CPU.yaml")
    p.add_argument("--check-regressions", action="store_true",
                   help="exit 1 only if an entry whose record says pass no longer passes")
    p.add_argument("--no-variants", action="store_true",
                   help="run each entry's example only, not the call variants generated from it")
    p.add_argument("--timeout", type=float, default=120.0, metavar="S",
                   help="seconds one example may run before it is failed as a hang (default 120)")
    add_db_options(p)
    p.set_defaults(func=cmd_verify)


def _require_frameworks() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    from ..dbverify import INSTALL_HINT

    missing = [m for m in ("torch", "mindspore", "numpy") if importlib.util.find_spec(m) is None]
    if missing:
        raise UserError(f"{INSTALL_HINT} ({', '.join(missing)} not installed)")
    try:
        return {"mindspore": version("mindspore"), "torch": version("torch")}
    except PackageNotFoundError as exc:
        raise UserError(f"{INSTALL_HINT} ({exc} has no package metadata)") from None


def select(db, apis: list[str], profile: str):
    """The entries to verify: those named, else every entry that has a target for the profile."""
    from ..db.search import resolve
    from ..dbverify.examples import has_target

    if not apis:
        return [e for e in db.entries.values() if has_target(e, profile)]
    chosen = []
    for name in apis:
        entry, close = resolve(db, name)
        if entry is None:
            hint = f"; did you mean: {', '.join(close)}?" if close else ""
            raise UserError(f"no mapping entry for '{name}'{hint}")
        if not has_target(entry, profile):
            raise UserError(f"{entry.api} has no {profile} target to verify "
                            f"(status {entry.status(profile).value})")
        chosen.append(entry)
    return chosen


def cmd_verify(args: argparse.Namespace) -> int:
    from ..dbverify.examples import prepare
    from ..dbverify.records import regressions, summarize, variant_counts, write_records
    from ..dbverify.runner import run_jobs

    args.jobs = jobs_or_cores(args.jobs)
    versions = _require_frameworks()
    db = open_db(args, overlay_root=Path.cwd())
    entries = select(db, args.apis, args.profile)
    started = time.monotonic()
    if args.no_variants:
        prepared = [prepare(db, e, args.profile) for e in entries]
    else:
        from ..dbverify.variants import torch_defaults

        prepared = [prepare(db, e, args.profile, variants=True, signature=torch_defaults(e.api)) for e in entries]
    ready = [p for p in prepared if p.status == "ready"]
    progress = _progress if sys.stderr.isatty() else None
    outcome = run_jobs([p.job() for p in ready], args.jobs, timeout=args.timeout, progress=progress)
    results = []
    for p in prepared:
        res = outcome.get(p.api) if p.status == "ready" else {"status": p.status, "reason": p.reason}
        result = {"api": p.api, "profile": args.profile, "backend": BACKEND,
                  "status": res["status"], "reason": res.get("reason", "")}
        if not args.no_variants:
            result["variants"] = variant_counts(res)
        results.append(result)
    elapsed = time.monotonic() - started
    summary = summarize(results, len(entries), sum(1 for e in entries if e.example is not None))
    if args.report:
        try:
            args.report.write_text(json.dumps({"summary": summary, "results": results}, indent=2) + "\n",
                                   encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {args.report}: {exc.strerror}") from None
        print(f"summary: {json.dumps(summary)}", file=sys.stderr)
    else:
        _print(results, summary, show_all=bool(args.apis))
    ran = len(ready) + summary.get("variants", {}).get("run", 0)
    print(f"{len(ready)} examples and {ran - len(ready)} call variants in {elapsed:.1f} s "
          f"({ran / elapsed if elapsed else 0:.1f}/s), {args.jobs} job(s)", file=sys.stderr)
    if args.record:
        path = write_records(db.directory, args.profile, BACKEND, results, versions, replace=not args.apis)
        print(f"recorded {len(results)} results in {path}", file=sys.stderr)
    if args.check_regressions:
        bad = regressions(db, results, args.profile, BACKEND)
        for r in bad:
            print(f"REGRESSION {r['api']}: recorded pass, now {r['status']}: {r['reason']}")
        if bad:
            print(f"{len(bad)} regression(s) on {args.profile}/{BACKEND}", file=sys.stderr)
            return EXIT_FINDINGS
        return EXIT_OK
    return EXIT_FINDINGS if summary["fail"] else EXIT_OK


def _progress(done: int, total: int) -> None:
    print(f"\r{done}/{total} examples", end="" if done < total else "\n", file=sys.stderr, flush=True)


def _print(results, summary, show_all: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console(highlight=False, soft_wrap=False)
    rows = results if show_all else [r for r in results if r["status"] != "pass"]
    if rows:
        table = Table("API", "status", "reason", title=f"{results[0]['profile']} on {results[0]['backend']}")
        style = {"pass": "green", "fail": "red", "not_run": "yellow"}
        for r in rows:
            table.add_row(r["api"], f"[{style[r['status']]}]{r['status']}[/]", r["reason"])
        con.print(table)
    fails = ", ".join(f"{k} {v}" for k, v in summary["fail"].items()) or "none"
    con.print(f"entries with a target: {summary['entries_with_target']}, examples: {summary['examples']}, "
              f"pass: {summary['pass']}, fail: {sum(summary['fail'].values())} ({fails}), "
              f"not run: {summary['not_run']}")
    v = summary.get("variants")
    if v:
        failing = [r for r in results if r.get("variants", {}).get("fail")]
        if failing:
            table = Table("API", "variant", "reason", title="failing call variants")
            for r in failing:
                for f in r["variants"]["fail"]:
                    table.add_row(r["api"], f["form"], f["reason"])
            con.print(table)
        if show_all:
            for r in results:
                c = r.get("variants") or {}
                con.print(f"{r['api']}: {c.get('run', 0)} call variant(s), {c.get('pass', 0)} pass")
        vf = ", ".join(f"{k} {n}" for k, n in v["fail_by_reason"].items()) or "none"
        con.print(f"call variants: {v['run']} run ({v['per_entry_with_target']} per entry with a target), "
                  f"pass: {v['pass']} ({100 * v['pass_share']:.1f} %), fail: {v['fail']} ({vf}; "
                  f"{v['refused_by_msdev']} of them refused by msdev's own rules, "
                  f"pass or refused: {100 * v['pass_or_refused_share']:.1f} %)")
