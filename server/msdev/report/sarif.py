"""The SARIF 2.1.0 report, as GitHub code scanning ingests it.

* one rule per status (`findings.RULES`: MS100…MS107), each with a `helpUri` to MindSpore's
  PyTorch API mapping index and a short help text of our own;
* one result per finding: level from the status, region with 1-based lines and columns
  counted in Unicode code points (`columnKind`), the difference note in `properties`;
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

from ..findings import PATTERN_RULES, RULES, STATUS_RANK, Status
from ..scanning.summary import STATUS_ORDER
from . import MAPPING_INDEX_URL

if TYPE_CHECKING:  # pragma: no cover
    from ..scanning.runner import ScanResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: GitHub code scanning's hard limit of results per run
MAX_RESULTS = 25_000
INFORMATION_URI = "https://www.mindspore.cn/docs/en/master/note/api_mapping/pytorch_api_mapping.html"

LEVEL = {
    Status.IDENTICAL: "note",
    Status.RENAMED: "note",
    Status.DEFAULT_DIFF: "note",
    Status.ARG_DIFF: "note",
    Status.PARTIAL: "warning",
    Status.MANUAL: "warning",
    Status.UNKNOWN: "warning",
    Status.UNSUPPORTED: "error",
}

#: what to do about each rule, in our words (shown by GitHub under "Show more")
HELP = {
    Status.IDENTICAL: "The MindSpore API has the same name and arguments. `msdev convert` only changes the namespace.",
    Status.RENAMED: "The MindSpore API takes the same arguments under another name. `msdev convert` renames the call.",
    Status.DEFAULT_DIFF: "A default value differs. `msdev convert` writes the PyTorch default explicitly so behaviour is kept.",
    Status.ARG_DIFF: "Arguments are renamed, reordered, dropped or transformed. `msdev convert` rewrites them; check the difference note for edge cases.",
    Status.PARTIAL: "Only some argument values have a MindSpore counterpart. Uses with other values must be rewritten by hand.",
    Status.MANUAL: "A MindSpore counterpart exists but works differently. Rewrite this use by hand, following the difference note.",
    Status.UNSUPPORTED: "MindSpore has no counterpart. Remove the use or re-implement it with other MindSpore operations.",
    Status.UNKNOWN: "The mapping database has no entry for this PyTorch API. Look it up, then add it to the project's msdev_mappings.yaml.",
}


def _repo_top(root: Path) -> Path | None:
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _rules() -> list[dict[str, Any]]:
    rules = []
    for status in STATUS_ORDER:
        rule = RULES[status]
        rules.append({
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.description},
            "fullDescription": {"text": f"{rule.description} {HELP[status]}"},
            "helpUri": MAPPING_INDEX_URL,
            "help": {"text": HELP[status], "markdown": f"{HELP[status]}\n\n[PyTorch and MindSpore API mapping]({MAPPING_INDEX_URL})"},
            "defaultConfiguration": {"level": LEVEL[status]},
            "properties": {"tags": ["mindspore-migration", str(status)], "status": str(status)},
        })
    for rule in PATTERN_RULES.values():  # statement-level rules (training, data, device, hazards)
        rules.append({
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.description},
            "fullDescription": {"text": rule.description},
            "helpUri": MAPPING_INDEX_URL,
            "help": {"text": rule.description},
            "defaultConfiguration": {"level": "warning"},
            "properties": {"tags": ["mindspore-migration", "pattern"]},
        })
    return rules


def _rule_index(f, by_status: dict) -> int:
    if f.pattern:
        return len(by_status) + list(PATTERN_RULES).index(f.pattern)
    return by_status[f.status]


def sarif_dict(result: "ScanResult", max_results: int = MAX_RESULTS) -> dict[str, Any]:
    top = _repo_top(result.root)
    base = top if top is not None else result.root
    prefix = result.root.relative_to(base).as_posix() if base != result.root else ""
    prefix = "" if prefix in ("", ".") else prefix + "/"
    rule_index = {status: i for i, status in enumerate(STATUS_ORDER)}
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
        for f in fr.findings:
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
            ranked.append((STATUS_RANK[f.status], len(results)))
            results.append({
                "ruleId": f.rule.code,
                "ruleIndex": _rule_index(f, rule_index),
                "level": LEVEL[f.status],
                "message": {"text": text},
                "locations": [{"physicalLocation": {**location, "region": region}}],
                "partialFingerprints": {"msdevFinding/v1": fingerprint},
                "properties": props,
            })
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
