"""Verification records: mapping_db/verified/<profile>-<backend>.yaml, and the run's summary.

One file per profile and backend keeps the records out of the hand-edited entry files:

    profile: portable
    backend: CPU
    mindspore: 2.10.0
    torch: 2.13.0
    date: '2026-01-31'
    results:
      torch.abs: {result: pass}
      torch.add: {result: fail, reason: 'wrong-value: out: max abs diff 0.85 (rtol 0.0001, atol 1e-05)'}

The loader turns each line into an `Entry.verified` record (profile, backend, versions, date,
result, reason), which `db show`, hover and the scan report read.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from ..db.loader import VERIFIED_DIR

STATUS_TO_RESULT = {"pass": "pass", "fail": "fail", "not_run": "not-run"}


def reason_key(reason: str) -> str:
    """The category a failure is counted under (`wrong-value`, `no-kernel`, `crash`, …)."""
    return reason.split(":", 1)[0].strip() or "unknown"


def variant_counts(result: dict[str, Any]) -> dict[str, Any]:
    """One entry's call variants: how many ran (PyTorch accepted them), passed, and which failed."""
    ran = [v for v in result.get("variants") or [] if v["status"] != "dropped"]
    fails = [{"form": v["form"], "reason": v["reason"]} for v in ran if v["status"] == "fail"]
    return {"run": len(ran), "pass": sum(1 for v in ran if v["status"] == "pass"),
            "refused": sum(1 for f in fails if refused(f["reason"])), "fail": fails}


def refused(reason: str) -> bool:
    """A failure that is msdev declining the form (an `allowed`/`unsupported` rule, a form with no
    rewrite): the user is told, nothing runs wrongly."""
    return reason_key(reason) == "not-converted"


def summarize(results: list[dict[str, Any]], entries_with_target: int, examples: int) -> dict[str, Any]:
    fails = Counter(reason_key(r["reason"]) for r in results if r["status"] == "fail")
    summary = {
        "entries_with_target": entries_with_target,
        "examples": examples,
        "pass": sum(1 for r in results if r["status"] == "pass"),
        "fail": dict(sorted(fails.items(), key=lambda kv: (-kv[1], kv[0]))),
        "not_run": sum(1 for r in results if r["status"] == "not_run"),
    }
    counts = [r["variants"] for r in results if "variants" in r]
    if counts:
        run = sum(c["run"] for c in counts)
        passed = sum(c["pass"] for c in counts)
        vfails = Counter(reason_key(f["reason"]) for c in counts for f in c["fail"])
        declined = sum(c.get("refused", 0) for c in counts)
        summary["variants"] = {
            "run": run, "pass": passed, "fail": run - passed, "refused_by_msdev": declined,
            "fail_by_reason": dict(sorted(vfails.items(), key=lambda kv: (-kv[1], kv[0]))),
            "entries_with_variants": sum(1 for c in counts if c["run"]),
            "entries_with_failing_variants": sum(1 for c in counts if c["fail"]),
            "per_entry_with_target": round(run / entries_with_target, 2) if entries_with_target else 0.0,
            "pass_share": round(passed / run, 4) if run else 0.0,
            "pass_or_refused_share": round((passed + declined) / run, 4) if run else 0.0,
        }
    return summary


def records_path(db_dir: Path, profile: str, backend: str) -> Path:
    return db_dir / VERIFIED_DIR / f"{profile}-{backend}.yaml"


def write_records(db_dir: Path, profile: str, backend: str, results: list[dict[str, Any]],
                  versions: dict[str, str], date: str | None = None, replace: bool = False) -> Path:
    """Merge this run's results into the records file (all of it when `replace`: a whole-database run)."""
    path = records_path(db_dir, profile, backend)
    old: dict[str, Any] = {}
    if path.is_file() and not replace:
        old = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("results") or {}
    merged = dict(old)
    for r in results:
        rec = {"result": STATUS_TO_RESULT[r["status"]]}
        if r.get("reason"):
            rec["reason"] = r["reason"]
        if r.get("variants") and r["variants"]["run"]:
            rec["variants"] = r["variants"]["run"]
            failing = [f["form"] for f in r["variants"]["fail"]]
            if failing:
                rec["variants_failing"] = failing
        merged[r["api"]] = rec
    doc = {"profile": profile, "backend": backend, **versions,
           "date": date or _dt.date.today().isoformat(),
           "results": dict(sorted(merged.items()))}
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "# Written by `msdev db verify --record`; do not edit by hand (re-run instead).\n"
    text = yaml.dump(doc, Dumper=_FlowRecords, sort_keys=False, allow_unicode=True, width=200)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(header + text, encoding="utf-8")
    tmp.replace(path)
    return path


class _FlowRecords(yaml.SafeDumper):
    """One line per API: `torch.abs: {result: pass}`."""


def _repr_dict(dumper, data):
    flow = "result" in data
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


_FlowRecords.add_representer(dict, _repr_dict)


def regressions(db, results: list[dict[str, Any]], profile: str, backend: str) -> list[dict[str, Any]]:
    """Results that no longer pass although the database's record says they did: the example, or a
    call variant when the record lists variants (older records without them gate the example only)."""
    out = []
    for r in results:
        entry = db.get(r["api"])
        if entry is None:
            continue
        recs = [v for v in entry.verified if v.get("profile", "portable") == profile
                and v.get("backend") == backend]
        if not recs or recs[-1].get("result") != "pass":
            continue
        if r["status"] != "pass":
            out.append(r)
            continue
        if "variants" not in recs[-1]:
            continue
        known = set(recs[-1].get("variants_failing") or [])
        new = [f for f in (r.get("variants") or {}).get("fail", []) if f["form"] not in known]
        if new:
            out.append({**r, "status": "fail",
                        "reason": f"variant {new[0]['form']}: {new[0]['reason']}"})
    return out
