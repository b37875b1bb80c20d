"""The SARIF 2.1.0 report, as GitHub code scanning ingests it.

* every rule of the registry (msdev.rules: MS100…MS107 per status, MS2xx statement rules), each
  with its level, a `helpUri` to the official page and its documentation as `help.markdown`;
* one result per finding: level from its rule, region with 1-based lines and columns
  counted in Unicode code points (`columnKind`), the difference note in `properties`;
* `fixes[]` on every result the rewriter fixes (its verdict): the quick fix's edits as
  replacements, the same edits the editor offers, with their applicability (safe / unsafe);
* `partialFingerprints["msdevFinding/v1"]`: a hash of path, API, kind and the use's rank
  among the same API's uses in the file — stable when lines above it move;
* files that could not be analysed become `toolExecutionNotifications`;
* GitHub rejects runs of more than 25,000 results: above that, the most severe results are
  kept and a warning notification says how many were left out (the JSON report has all).

Paths are relative to the enclosing git repository's top when there is one (that is what
GitHub matches against), else to the scan root; `%SRCROOT%` says which.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

from ..findings import STATUS_RANK, Status
from ..rules import BY_STATUS, REGISTRY, rule_of
from ..rules.docs import rule_markdown
from ..scanning.summary import STATUS_ORDER

if TYPE_CHECKING:  # pragma: no cover
    from ..scanning.runner import ScanResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: GitHub code scanning's hard limit of results per run
MAX_RESULTS = 25_000
INFORMATION_URI = "https://www.mindspore.cn/docs/en/master/note/api_mapping/pytorch_api_mapping.html"

#: status → SARIF level of its rule (msdev.rules; statement-level results use their own rule's)
LEVEL = {Status(status): r.sarif_level for status, r in BY_STATUS.items()}


def _repo_top(root: Path) -> Path | None:
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _rules() -> list[dict[str, Any]]:
    """`tool.driver.rules`: every rule of the registry, status rules first (in STATUS_ORDER)."""
    specs = [BY_STATUS[str(status)] for status in STATUS_ORDER] + [
        r for r in REGISTRY.values() if r.statement_level]
    rules = []
    for spec in specs:
        rules.append({
            "id": spec.code,
            "name": spec.name,
            "shortDescription": {"text": spec.summary},
            "fullDescription": {"text": f"{spec.summary} {spec.why}"},
            "helpUri": spec.official,
            "help": {"text": f"{spec.why} Fix: {spec.fix_detail}", "markdown": rule_markdown(spec)},
            "defaultConfiguration": {"level": spec.sarif_level},
            "properties": {"tags": ["mindspore-migration", "statement" if spec.statement_level else spec.status],
                           "status": spec.status, "fix": spec.fix},
        })
    return rules


_STATEMENT_CODES = [r.code for r in REGISTRY.values() if r.statement_level]


def _rule_index(f, by_status: dict) -> int:
    if f.pattern:
        return len(by_status) + _STATEMENT_CODES.index(f.pattern)
    return by_status[f.status]


def _fix_key(f) -> tuple:
    return (f.line, f.column, f.torch_api, str(f.kind))


def file_fixes(path: Path, findings: list, db, profile: str) -> dict[int, Any]:
    """index in `findings` → rewrite.Fix, for the findings whose verdict is fixable: the file is
    analysed again (reports may come from the scan cache, whose findings carry no tree)."""
    from ..analysis.engine import SourceError, parse_source, read_source
    from ..analysis.finder import analyse_tree
    from ..rewrite.convert import quick_fixes

    wanted = {_fix_key(f): i for i, f in enumerate(findings) if f.verdict is not None and f.verdict.fixable}
    if not wanted or db is None:
        return {}
    try:
        text = read_source(path)
        context = analyse_tree(parse_source(text, str(path)), db, profile, text)
    except (SourceError, RecursionError):
        return {}
    matched = [f for f in context.findings if _fix_key(f) in wanted]
    try:
        fixes = quick_fixes(context, matched, db, profile)
    except RecursionError:
        return {}
    return {wanted[_fix_key(f)]: fixes[id(f)] for f in matched if id(f) in fixes}


def sarif_fix(fix, artifact: dict[str, Any]) -> dict[str, Any]:
    """A rewrite.Fix as a SARIF `fix` (1-based lines and code-point columns, as the regions)."""
    return {
        "description": {"text": fix.title if fix.safe else f"{fix.title} (unsafe: review what it changes)"},
        "artifactChanges": [{
            "artifactLocation": artifact,
            "replacements": [{
                "deletedRegion": {"startLine": e.start.line, "startColumn": e.start.column + 1,
                                  "endLine": e.end.line, "endColumn": e.end.column + 1},
                "insertedContent": {"text": e.new_text},
            } for e in fix.edits],
        }],
        "properties": {"applicability": "safe" if fix.safe else "unsafe"},
    }


def sarif_dict(result: "ScanResult", max_results: int = MAX_RESULTS) -> dict[str, Any]:
    top = _repo_top(result.root)
    base = top if top is not None else result.root
    prefix = result.root.relative_to(base).as_posix() if base != result.root else ""
    prefix = "" if prefix in ("", ".") else prefix + "/"
    rule_index = {status: i for i, status in enumerate(STATUS_ORDER)}
    db = result.database() if hasattr(result, "database") else None
    results: list[dict[str, Any]] = []
    ranked: list[tuple[int, int]] = []
    notifications: list[dict[str, Any]] = []
    for fr in result.files:
        uri = quote(prefix + fr.path, safe="/")
        location = {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}
        if fr.error is not None:
            notifications.append({
                "level": "error",
                "message": {"text": f"{fr.path}: {fr.error}"},
                "locations": [{"physicalLocation": location}],
            })
        rank: dict[tuple[str, str], int] = {}
        fixes = file_fixes(result.root / fr.path, fr.findings, db, result.profile) if fr.error is None else {}
        for index, f in enumerate(fr.findings):
            n = rank[(f.torch_api, f.kind)] = rank.get((f.torch_api, f.kind), -1) + 1
            fingerprint = hashlib.sha256(f"{prefix}{fr.path}\0{f.torch_api}\0{f.kind}\0{n}".encode()).hexdigest()
            text = f.message or f"{f.torch_api}: {f.status}"
            if f.note_url:
                text += f" See {f.note_url}"
            region = {"startLine": f.line, "startColumn": f.column + 1,
                      "endLine": f.end_line, "endColumn": f.end_column + 1}
            props: dict[str, Any] = {"torch_api": f.torch_api, "status": str(f.status), "kind": str(f.kind),
                                     "confidence": str(f.confidence)}
            if f.mindspore_api:
                props["mindspore_api"] = f.mindspore_api
            if f.note_url:
                props["note_url"] = f.note_url
            if f.verdict is not None:  # what `msdev convert` does with this use (rewrite/verdict.py)
                props["fix"] = str(f.verdict.applicability) if f.verdict.fixable else "none"
                if not f.verdict.fixable and f.verdict.reason:
                    props["not_fixed_because"] = f.verdict.reason
            ranked.append((STATUS_RANK[f.status], len(results)))
            results.append({
                "ruleId": f.rule.code,
                "ruleIndex": _rule_index(f, rule_index),
                "level": rule_of(f).sarif_level,
                "message": {"text": text},
                "locations": [{"physicalLocation": {**location, "region": region}}],
                "partialFingerprints": {"msdevFinding/v1": fingerprint},
                "properties": props,
            })
            if index in fixes and fixes[index].edits:  # (a use that stays as it is needs no change)
                results[-1]["fixes"] = [sarif_fix(fixes[index], location["artifactLocation"])]
    if len(results) > max_results:
        keep = sorted(i for _, i in sorted(ranked, key=lambda r: (-r[0], r[1]))[:max_results])
        notifications.append({
            "level": "warning",
            "message": {"text": f"{len(results) - max_results} of {len(results)} results were left out to stay "
                                f"within the {max_results:,}-result limit of code scanning (the least severe first); "
                                "the JSON report lists every finding"},
        })
        results = [results[i] for i in keep]
    s = result.summary
    run = {
        "tool": {"driver": {
            "name": "msdev",
            "semanticVersion": result.msdev_version,
            "version": result.msdev_version,
            "informationUri": INFORMATION_URI,
            "rules": _rules(),
        }},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": base.as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "invocations": [{
            "executionSuccessful": True,
            "toolExecutionNotifications": notifications,
        }],
        "results": results,
        "properties": {
            "scanned": [p.as_posix() for p in result.scanned or [result.root]],
            "profile": result.profile,
            "db_version": result.db_version,
            "summary": {k: v for k, v in s.to_dict().items() if k != "apis"},
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render(result: "ScanResult", out: TextIO) -> None:
    json.dump(sarif_dict(result), out, ensure_ascii=False, separators=(",", ":"))
    out.write("\n")
